package jsapi

import (
	"maps"
	"slices"
	"time"
)

// ConsumerConfig is the configuration of a consumer. A consumer with a
// DeliverSubject is a push consumer, otherwise a pull consumer. Field names
// and omitempty flags follow the reference server.
type ConsumerConfig struct {
	Durable         string          `json:"durable_name,omitempty"`
	Name            string          `json:"name,omitempty"`
	Description     string          `json:"description,omitempty"`
	DeliverPolicy   DeliverPolicy   `json:"deliver_policy"`
	OptStartSeq     uint64          `json:"opt_start_seq,omitempty"`
	OptStartTime    *time.Time      `json:"opt_start_time,omitempty"`
	AckPolicy       AckPolicy       `json:"ack_policy"`
	AckWait         time.Duration   `json:"ack_wait,omitempty"`
	MaxDeliver      int             `json:"max_deliver,omitempty"`
	BackOff         []time.Duration `json:"backoff,omitempty"`
	FilterSubject   string          `json:"filter_subject,omitempty"`
	FilterSubjects  []string        `json:"filter_subjects,omitempty"`
	ReplayPolicy    ReplayPolicy    `json:"replay_policy"`
	RateLimit       uint64          `json:"rate_limit_bps,omitempty"` // bits per second
	SampleFrequency string          `json:"sample_freq,omitempty"`    // "N" or "N%"
	MaxWaiting      int             `json:"max_waiting,omitempty"`
	MaxAckPending   int             `json:"max_ack_pending,omitempty"`
	FlowControl     bool            `json:"flow_control,omitempty"`
	HeadersOnly     bool            `json:"headers_only,omitempty"`

	// Pull consumers: caps on a single pull request.
	MaxRequestBatch    int           `json:"max_batch,omitempty"`
	MaxRequestExpires  time.Duration `json:"max_expires,omitempty"`
	MaxRequestMaxBytes int           `json:"max_bytes,omitempty"`

	// Push consumers.
	DeliverSubject string        `json:"deliver_subject,omitempty"`
	DeliverGroup   string        `json:"deliver_group,omitempty"`
	Heartbeat      time.Duration `json:"idle_heartbeat,omitempty"`

	// InactiveThreshold removes the consumer after this long without
	// interest or activity.
	InactiveThreshold time.Duration `json:"inactive_threshold,omitempty"`

	// Replicas, when 0, is inherited from the stream (see EffectiveReplicas).
	Replicas int `json:"num_replicas"`
	// MemoryStorage forces memory storage for the consumer state.
	MemoryStorage bool `json:"mem_storage,omitempty"`

	// Direct and Sourcing mark the internal consumers of mirrors and
	// sources; they are not counted against consumer limits.
	Direct   bool `json:"direct,omitempty"`
	Sourcing bool `json:"sourcing,omitempty"`

	// Metadata is free-form; keys starting with "_nats." are the server's.
	Metadata map[string]string `json:"metadata,omitempty"`

	// PauseUntil suspends delivery until the given time.
	PauseUntil *time.Time `json:"pause_until,omitempty"`

	// Priority groups (ADR-42); pull consumers only.
	PriorityGroups []string       `json:"priority_groups,omitempty"`
	PriorityPolicy PriorityPolicy `json:"priority_policy,omitempty"`
	PinnedTTL      time.Duration  `json:"priority_timeout,omitempty"`
}

// Clone returns a deep copy of c.
func (c *ConsumerConfig) Clone() *ConsumerConfig {
	if c == nil {
		return nil
	}
	n := *c
	if c.OptStartTime != nil {
		t := *c.OptStartTime
		n.OptStartTime = &t
	}
	if c.PauseUntil != nil {
		t := *c.PauseUntil
		n.PauseUntil = &t
	}
	n.BackOff = slices.Clone(c.BackOff)
	n.FilterSubjects = slices.Clone(c.FilterSubjects)
	n.PriorityGroups = slices.Clone(c.PriorityGroups)
	n.Metadata = maps.Clone(c.Metadata)
	return &n
}

// IsDurable reports whether the consumer has a durable name.
func (c *ConsumerConfig) IsDurable() bool { return c != nil && c.Durable != "" }

// IsPush reports whether the consumer delivers to a subject.
func (c *ConsumerConfig) IsPush() bool { return c.DeliverSubject != "" }

// Filters returns the consumer's filter subjects: FilterSubjects followed by
// FilterSubject if that is set. The result may alias FilterSubjects.
func (c *ConsumerConfig) Filters() []string {
	if c.FilterSubject == "" {
		return c.FilterSubjects
	}
	if len(c.FilterSubjects) == 0 {
		return []string{c.FilterSubject}
	}
	return append(slices.Clip(c.FilterSubjects), c.FilterSubject)
}

// EffectiveReplicas returns the replica count the consumer runs with on a
// stream with config s: the stream's count when unset or larger than the
// stream's, except that an ephemeral consumer with no count on a limits
// stream runs as R1.
func (c *ConsumerConfig) EffectiveReplicas(s *StreamConfig) int {
	if c.Replicas != 0 && c.Replicas <= s.Replicas {
		return c.Replicas
	}
	if c.Replicas == 0 && !c.IsDurable() && s.Retention == LimitsPolicy {
		return 1
	}
	return s.Replicas
}

// ConsumerInfo is the state of a consumer, answered by CONSUMER.INFO and
// returned by create and list.
type ConsumerInfo struct {
	Stream         string          `json:"stream_name"`
	Name           string          `json:"name"`
	Created        time.Time       `json:"created"`
	Config         *ConsumerConfig `json:"config,omitempty"`
	Delivered      SequenceInfo    `json:"delivered"`
	AckFloor       SequenceInfo    `json:"ack_floor"`
	NumAckPending  int             `json:"num_ack_pending"`
	NumRedelivered int             `json:"num_redelivered"`
	NumWaiting     int             `json:"num_waiting"`
	NumPending     uint64          `json:"num_pending"`
	Cluster        *ClusterInfo    `json:"cluster,omitempty"`
	PushBound      bool            `json:"push_bound,omitempty"`
	Paused         bool            `json:"paused,omitempty"`
	PauseRemaining time.Duration   `json:"pause_remaining,omitempty"`
	// TimeStamp is when the info was gathered.
	TimeStamp      time.Time            `json:"ts"`
	PriorityGroups []PriorityGroupState `json:"priority_groups,omitempty"`
}

// SequenceInfo pairs a consumer sequence with a stream sequence.
type SequenceInfo struct {
	Consumer uint64     `json:"consumer_seq"`
	Stream   uint64     `json:"stream_seq"`
	Last     *time.Time `json:"last_active,omitempty"`
}

// PriorityGroupState is the runtime state of one priority group.
type PriorityGroupState struct {
	Group          string    `json:"group"`
	PinnedClientID string    `json:"pinned_client_id,omitempty"`
	PinnedTS       time.Time `json:"pinned_ts,omitempty"` // omitempty has no effect: a zero time is written, as the reference does
}

// ConsumerCreateRequest is the body of the CONSUMER.CREATE and
// CONSUMER.DURABLE.CREATE requests.
type ConsumerCreateRequest struct {
	Stream   string         `json:"stream_name"`
	Config   ConsumerConfig `json:"config"`
	Action   ConsumerAction `json:"action"`
	Pedantic bool           `json:"pedantic,omitempty"`
}

// NakOptions is the optional JSON after "-NAK " in an ack body.
type NakOptions struct {
	Delay time.Duration `json:"delay"`
}
