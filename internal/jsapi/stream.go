package jsapi

import (
	"maps"
	"slices"
	"time"
)

// StreamConfig is the configuration of a stream, as sent in STREAM.CREATE
// and STREAM.UPDATE requests and echoed (with defaults filled in) in
// StreamInfo. Field names and omitempty flags follow the reference server,
// which is a superset of nats.go's jetstream.StreamConfig.
//
// Limits use -1 for "unlimited" once defaults are applied; a zero value in a
// request means "not set". Durations are integer nanoseconds on the wire.
type StreamConfig struct {
	Name         string          `json:"name"`
	Description  string          `json:"description,omitempty"`
	Subjects     []string        `json:"subjects,omitempty"`
	Retention    RetentionPolicy `json:"retention"`
	MaxConsumers int             `json:"max_consumers"`
	MaxMsgs      int64           `json:"max_msgs"`
	MaxBytes     int64           `json:"max_bytes"`
	MaxAge       time.Duration   `json:"max_age"`
	MaxMsgsPer   int64           `json:"max_msgs_per_subject"`
	MaxMsgSize   int32           `json:"max_msg_size,omitempty"`
	Discard      DiscardPolicy   `json:"discard"`
	Storage      StorageType     `json:"storage"`
	Replicas     int             `json:"num_replicas"`
	NoAck        bool            `json:"no_ack,omitempty"`
	Duplicates   time.Duration   `json:"duplicate_window,omitempty"`
	Placement    *Placement      `json:"placement,omitempty"`
	Mirror       *StreamSource   `json:"mirror,omitempty"`
	Sources      []*StreamSource `json:"sources,omitempty"`
	Compression  Compression     `json:"compression"`
	FirstSeq     uint64          `json:"first_seq,omitempty"`

	// SubjectTransform rewrites the subject of incoming messages before
	// they are stored.
	SubjectTransform *SubjectTransformConfig `json:"subject_transform,omitempty"`
	// RePublish republishes every stored message to another subject.
	RePublish *RePublish `json:"republish,omitempty"`

	// AllowDirect enables DIRECT.GET on every replica.
	AllowDirect bool `json:"allow_direct"`
	// MirrorDirect lets a mirror answer DIRECT.GET for its origin.
	MirrorDirect bool `json:"mirror_direct"`
	// DiscardNewPer applies discard new per subject (requires discard new
	// and max_msgs_per_subject).
	DiscardNewPer bool `json:"discard_new_per_subject,omitempty"`

	// Sealed, DenyDelete and DenyPurge can be set but never cleared.
	Sealed     bool `json:"sealed"`
	DenyDelete bool `json:"deny_delete"`
	DenyPurge  bool `json:"deny_purge"`
	// AllowRollup permits the Nats-Rollup header.
	AllowRollup bool `json:"allow_rollup_hdrs"`

	// ConsumerLimits are defaults and caps for the stream's consumers.
	ConsumerLimits StreamConsumerLimits `json:"consumer_limits"`

	// AllowMsgTTL honours the Nats-TTL header.
	AllowMsgTTL bool `json:"allow_msg_ttl"`
	// SubjectDeleteMarkerTTL, when set, leaves a delete marker with this TTL
	// when max age removes the last message of a subject.
	SubjectDeleteMarkerTTL time.Duration `json:"subject_delete_marker_ttl,omitempty"`
	// AllowMsgCounter makes the stream a counter stream (Nats-Incr).
	AllowMsgCounter bool `json:"allow_msg_counter,omitempty"`
	// AllowAtomicPublish enables atomic batch publishing.
	AllowAtomicPublish bool `json:"allow_atomic,omitempty"`
	// AllowMsgSchedules enables scheduled messages (Nats-Schedule).
	AllowMsgSchedules bool `json:"allow_msg_schedules,omitempty"`
	// PersistMode selects synchronous (default) or asynchronous flushing.
	PersistMode PersistMode `json:"persist_mode,omitempty"`
	// AllowBatchPublish enables fast (non-atomic) batch publishing.
	AllowBatchPublish bool `json:"allow_batched,omitempty"`

	// Metadata is free-form; keys starting with "_nats." are the server's.
	Metadata map[string]string `json:"metadata,omitempty"`
}

// Clone returns a deep copy of c.
func (c *StreamConfig) Clone() *StreamConfig {
	if c == nil {
		return nil
	}
	n := *c
	n.Subjects = slices.Clone(c.Subjects)
	if c.Placement != nil {
		p := *c.Placement
		p.Tags = slices.Clone(p.Tags)
		n.Placement = &p
	}
	n.Mirror = c.Mirror.clone()
	if c.Sources != nil {
		n.Sources = make([]*StreamSource, len(c.Sources))
		for i, s := range c.Sources {
			n.Sources[i] = s.clone()
		}
	}
	if c.SubjectTransform != nil {
		t := *c.SubjectTransform
		n.SubjectTransform = &t
	}
	if c.RePublish != nil {
		r := *c.RePublish
		n.RePublish = &r
	}
	n.Metadata = maps.Clone(c.Metadata)
	return &n
}

// StreamConfigRequest is the body of STREAM.CREATE and STREAM.UPDATE.
// Pedantic asks the server to reject a config instead of adjusting it.
type StreamConfigRequest struct {
	StreamConfig
	Pedantic bool `json:"pedantic,omitempty"`
}

// StreamConsumerLimits are defaults and upper bounds applied to every
// consumer of a stream.
type StreamConsumerLimits struct {
	InactiveThreshold time.Duration `json:"inactive_threshold,omitempty"`
	MaxAckPending     int           `json:"max_ack_pending,omitempty"`
}

// SubjectTransformConfig maps subjects matching Source to Destination.
type SubjectTransformConfig struct {
	Source      string `json:"src"`
	Destination string `json:"dest"`
}

// RePublish republishes stored messages matching Source to Destination.
type RePublish struct {
	Source      string `json:"src,omitempty"`
	Destination string `json:"dest"`
	HeadersOnly bool   `json:"headers_only,omitempty"`
}

// Placement guides where the meta layer places an asset (also used in
// stepdown requests to choose the next leader).
type Placement struct {
	Cluster   string   `json:"cluster,omitempty"`
	Tags      []string `json:"tags,omitempty"`
	Preferred string   `json:"preferred,omitempty"`
}

// StreamSource is a mirror or source of another stream.
type StreamSource struct {
	Name              string                   `json:"name"`
	OptStartSeq       uint64                   `json:"opt_start_seq,omitempty"`
	OptStartTime      *time.Time               `json:"opt_start_time,omitempty"`
	FilterSubject     string                   `json:"filter_subject,omitempty"`
	SubjectTransforms []SubjectTransformConfig `json:"subject_transforms,omitempty"`
	External          *ExternalStream          `json:"external,omitempty"`
	Consumer          *StreamConsumerSource    `json:"consumer,omitempty"`
}

func (s *StreamSource) clone() *StreamSource {
	if s == nil {
		return nil
	}
	n := *s
	if s.OptStartTime != nil {
		t := *s.OptStartTime
		n.OptStartTime = &t
	}
	n.SubjectTransforms = slices.Clone(s.SubjectTransforms)
	if s.External != nil {
		e := *s.External
		n.External = &e
	}
	if s.Consumer != nil {
		c := *s.Consumer
		n.Consumer = &c
	}
	return &n
}

// StreamConsumerSource names a durable consumer to source through, instead
// of an ephemeral one the server creates.
type StreamConsumerSource struct {
	Name           string `json:"name,omitempty"`
	DeliverSubject string `json:"deliver_subject,omitempty"`
}

// ExternalStream qualifies a source in another account or domain by its
// API prefix (e.g. "$JS.hub.API") and delivery prefix.
type ExternalStream struct {
	ApiPrefix     string `json:"api"`
	DeliverPrefix string `json:"deliver"`
}

// Domain returns the domain of a "$JS.<domain>.API" prefix, or "".
func (e *ExternalStream) Domain() string {
	if e == nil {
		return ""
	}
	toks := splitTokens(e.ApiPrefix, nil)
	if len(toks) < 2 {
		return ""
	}
	return toks[1]
}

// StreamInfo is the answer to STREAM.INFO and the body of create, update
// and list responses.
type StreamInfo struct {
	Config     StreamConfig        `json:"config"`
	Created    time.Time           `json:"created"`
	State      StreamState         `json:"state"`
	Domain     string              `json:"domain,omitempty"`
	Cluster    *ClusterInfo        `json:"cluster,omitempty"`
	Mirror     *StreamSourceInfo   `json:"mirror,omitempty"`
	Sources    []*StreamSourceInfo `json:"sources,omitempty"`
	Alternates []StreamAlternate   `json:"alternates,omitempty"`
	// TimeStamp is when the info was gathered.
	TimeStamp time.Time `json:"ts"`
}

// StreamState is the message state of a stream.
type StreamState struct {
	Msgs        uint64            `json:"messages"`
	Bytes       uint64            `json:"bytes"`
	FirstSeq    uint64            `json:"first_seq"`
	FirstTime   time.Time         `json:"first_ts"`
	LastSeq     uint64            `json:"last_seq"`
	LastTime    time.Time         `json:"last_ts"`
	NumSubjects int               `json:"num_subjects,omitempty"`
	Subjects    map[string]uint64 `json:"subjects,omitempty"`
	NumDeleted  int               `json:"num_deleted,omitempty"`
	Deleted     []uint64          `json:"deleted,omitempty"`
	Lost        *LostStreamData   `json:"lost,omitempty"`
	Consumers   int               `json:"consumer_count"`
}

// LostStreamData lists messages a store could not recover.
type LostStreamData struct {
	Msgs  []uint64 `json:"msgs"`
	Bytes uint64   `json:"bytes"`
}

// StreamAlternate is another stream (usually a mirror) that can serve
// reads for this one.
type StreamAlternate struct {
	Name    string `json:"name"`
	Domain  string `json:"domain,omitempty"`
	Cluster string `json:"cluster"`
}

// StreamSourceInfo is the runtime state of a mirror or source.
type StreamSourceInfo struct {
	Name              string                   `json:"name"`
	External          *ExternalStream          `json:"external,omitempty"`
	Lag               uint64                   `json:"lag"`
	Seq               uint64                   `json:"seq,omitempty"`
	Active            time.Duration            `json:"active"`
	Error             *ApiError                `json:"error,omitempty"`
	FilterSubject     string                   `json:"filter_subject,omitempty"`
	SubjectTransforms []SubjectTransformConfig `json:"subject_transforms,omitempty"`
}

// StoredMsg is a message as returned by STREAM.MSG.GET. Header and Data are
// base64 in JSON (encoding/json does that for []byte).
type StoredMsg struct {
	Subject  string    `json:"subject"`
	Sequence uint64    `json:"seq"`
	Header   []byte    `json:"hdrs,omitempty"`
	Data     []byte    `json:"data,omitempty"`
	Time     time.Time `json:"time"`
}
