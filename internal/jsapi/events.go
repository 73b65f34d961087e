package jsapi

import "time"

// TypedEvent is embedded in every advisory and metric: its type, a unique
// id and when it happened.
type TypedEvent struct {
	Type string    `json:"type"`
	ID   string    `json:"id"`
	Time time.Time `json:"timestamp"`
}

// Event is implemented by every advisory type of this package.
type Event interface {
	// EventType is the value of the "type" field for this advisory.
	EventType() string
	typed() *TypedEvent
}

func (e *TypedEvent) typed() *TypedEvent { return e }

// NewEvent fills ev's type, id and time (converted to UTC) and returns ev.
func NewEvent[E Event](ev E, id string, now time.Time) E {
	t := ev.typed()
	t.Type, t.ID, t.Time = ev.EventType(), id, now.UTC()
	return ev
}

// Advisory and metric types ("type" field).
const (
	APIAuditType                      = "io.nats.jetstream.advisory.v1.api_audit"
	StreamActionAdvisoryType          = "io.nats.jetstream.advisory.v1.stream_action"
	ConsumerActionAdvisoryType        = "io.nats.jetstream.advisory.v1.consumer_action"
	ConsumerPauseAdvisoryType         = "io.nats.jetstream.advisory.v1.consumer_pause"
	ConsumerAckMetricType             = "io.nats.jetstream.metric.v1.consumer_ack"
	ConsumerDeliveryExceededType      = "io.nats.jetstream.advisory.v1.max_deliver"
	ConsumerDeliveryNakType           = "io.nats.jetstream.advisory.v1.nak"
	ConsumerDeliveryTerminatedType    = "io.nats.jetstream.advisory.v1.terminated"
	SnapshotCreateAdvisoryType        = "io.nats.jetstream.advisory.v1.snapshot_create"
	SnapshotCompleteAdvisoryType      = "io.nats.jetstream.advisory.v1.snapshot_complete"
	RestoreCreateAdvisoryType         = "io.nats.jetstream.advisory.v1.restore_create"
	RestoreCompleteAdvisoryType       = "io.nats.jetstream.advisory.v1.restore_complete"
	DomainLeaderElectedAdvisoryType   = "io.nats.jetstream.advisory.v1.domain_leader_elected"
	StreamLeaderElectedAdvisoryType   = "io.nats.jetstream.advisory.v1.stream_leader_elected"
	StreamQuorumLostAdvisoryType      = "io.nats.jetstream.advisory.v1.stream_quorum_lost"
	StreamBatchAbandonedAdvisoryType  = "io.nats.jetstream.advisory.v1.stream_batch_abandoned"
	ConsumerLeaderElectedAdvisoryType = "io.nats.jetstream.advisory.v1.consumer_leader_elected"
	ConsumerQuorumLostAdvisoryType    = "io.nats.jetstream.advisory.v1.consumer_quorum_lost"
	ConsumerGroupPinnedAdvisoryType   = "io.nats.jetstream.advisory.v1.consumer_group_pinned"
	ConsumerGroupUnpinnedAdvisoryType = "io.nats.jetstream.advisory.v1.consumer_group_unpinned"
	ServerOutOfStorageAdvisoryType    = "io.nats.jetstream.advisory.v1.server_out_of_space"
	ServerRemovedAdvisoryType         = "io.nats.jetstream.advisory.v1.server_removed"
	MetaRescueAdvisoryType            = "io.nats.jetstream.advisory.v1.meta_rescue"
	APILimitReachedAdvisoryType       = "io.nats.jetstream.advisory.v1.api_limit_reached"
)

// ClientInfo identifies the client behind an API request in advisories.
type ClientInfo struct {
	Start      *time.Time    `json:"start,omitempty"`
	Host       string        `json:"host,omitempty"`
	ID         uint64        `json:"id,omitempty"`
	Account    string        `json:"acc,omitempty"`
	Service    string        `json:"svc,omitempty"`
	User       string        `json:"user,omitempty"`
	Name       string        `json:"name,omitempty"`
	Lang       string        `json:"lang,omitempty"`
	Version    string        `json:"ver,omitempty"`
	RTT        time.Duration `json:"rtt,omitempty"`
	Server     string        `json:"server,omitempty"`
	Cluster    string        `json:"cluster,omitempty"`
	Alternates []string      `json:"alts,omitempty"`
	Stop       *time.Time    `json:"stop,omitempty"`
	Jwt        string        `json:"jwt,omitempty"`
	IssuerKey  string        `json:"issuer_key,omitempty"`
	NameTag    string        `json:"name_tag,omitempty"`
	Tags       []string      `json:"tags,omitempty"`
	Kind       string        `json:"kind,omitempty"`
	ClientType string        `json:"client_type,omitempty"`
	MQTTClient string        `json:"client_id,omitempty"`
	Nonce      string        `json:"nonce,omitempty"`
	Reply      string        `json:"reply,omitempty"`
}

// APIAudit is published on AdvisoryAPIAudit for every API request.
type APIAudit struct {
	TypedEvent
	Server   string      `json:"server"`
	Client   *ClientInfo `json:"client"`
	Subject  string      `json:"subject"`
	Request  string      `json:"request,omitempty"`
	Response string      `json:"response"`
	Domain   string      `json:"domain,omitempty"`
}

// ActionAdvisoryType is the action of a stream or consumer lifecycle
// advisory.
type ActionAdvisoryType string

// Lifecycle actions.
const (
	CreateEvent ActionAdvisoryType = "create"
	DeleteEvent ActionAdvisoryType = "delete"
	ModifyEvent ActionAdvisoryType = "modify"
)

// StreamActionAdvisory is published on STREAM.CREATED/DELETED/UPDATED.
type StreamActionAdvisory struct {
	TypedEvent
	Stream string             `json:"stream"`
	Action ActionAdvisoryType `json:"action"`
	Domain string             `json:"domain,omitempty"`
}

// ConsumerActionAdvisory is published on CONSUMER.CREATED/DELETED.
type ConsumerActionAdvisory struct {
	TypedEvent
	Stream   string             `json:"stream"`
	Consumer string             `json:"consumer"`
	Action   ActionAdvisoryType `json:"action"`
	Domain   string             `json:"domain,omitempty"`
}

// ConsumerPauseAdvisory is published on CONSUMER.PAUSE.
type ConsumerPauseAdvisory struct {
	TypedEvent
	Stream     string    `json:"stream"`
	Consumer   string    `json:"consumer"`
	Paused     bool      `json:"paused"`
	PauseUntil time.Time `json:"pause_until,omitempty"` // a zero time is still written
	Domain     string    `json:"domain,omitempty"`
}

// ConsumerAckMetric is published on MetricConsumerAck for sampled acks.
type ConsumerAckMetric struct {
	TypedEvent
	Stream      string `json:"stream"`
	Consumer    string `json:"consumer"`
	ConsumerSeq uint64 `json:"consumer_seq"`
	StreamSeq   uint64 `json:"stream_seq"`
	Delay       int64  `json:"ack_time"` // nanoseconds from delivery to ack
	Deliveries  uint64 `json:"deliveries"`
	Domain      string `json:"domain,omitempty"`
}

// ConsumerDeliveryExceededAdvisory is published on CONSUMER.MAX_DELIVERIES.
type ConsumerDeliveryExceededAdvisory struct {
	TypedEvent
	Stream     string `json:"stream"`
	Consumer   string `json:"consumer"`
	StreamSeq  uint64 `json:"stream_seq"`
	Deliveries uint64 `json:"deliveries"`
	Domain     string `json:"domain,omitempty"`
}

// ConsumerDeliveryNakAdvisory is published on CONSUMER.MSG_NAKED.
type ConsumerDeliveryNakAdvisory struct {
	TypedEvent
	Stream      string `json:"stream"`
	Consumer    string `json:"consumer"`
	ConsumerSeq uint64 `json:"consumer_seq"`
	StreamSeq   uint64 `json:"stream_seq"`
	Deliveries  uint64 `json:"deliveries"`
	Domain      string `json:"domain,omitempty"`
}

// ConsumerDeliveryTerminatedAdvisory is published on CONSUMER.MSG_TERMINATED.
type ConsumerDeliveryTerminatedAdvisory struct {
	TypedEvent
	Stream      string `json:"stream"`
	Consumer    string `json:"consumer"`
	ConsumerSeq uint64 `json:"consumer_seq"`
	StreamSeq   uint64 `json:"stream_seq"`
	Deliveries  uint64 `json:"deliveries"`
	Reason      string `json:"reason,omitempty"`
	Domain      string `json:"domain,omitempty"`
}

// SnapshotCreateAdvisory is published on STREAM.SNAPSHOT_CREATE.
type SnapshotCreateAdvisory struct {
	TypedEvent
	Stream string      `json:"stream"`
	State  StreamState `json:"state"`
	Client *ClientInfo `json:"client"`
	Domain string      `json:"domain,omitempty"`
}

// SnapshotCompleteAdvisory is published on STREAM.SNAPSHOT_COMPLETE.
type SnapshotCompleteAdvisory struct {
	TypedEvent
	Stream string      `json:"stream"`
	Start  time.Time   `json:"start"`
	End    time.Time   `json:"end"`
	Client *ClientInfo `json:"client"`
	Domain string      `json:"domain,omitempty"`
	Error  string      `json:"error,omitempty"`
}

// RestoreCreateAdvisory is published on STREAM.RESTORE_CREATE.
type RestoreCreateAdvisory struct {
	TypedEvent
	Stream string      `json:"stream"`
	Client *ClientInfo `json:"client"`
	Domain string      `json:"domain,omitempty"`
}

// RestoreCompleteAdvisory is published on STREAM.RESTORE_COMPLETE.
type RestoreCompleteAdvisory struct {
	TypedEvent
	Stream string      `json:"stream"`
	Start  time.Time   `json:"start"`
	End    time.Time   `json:"end"`
	Bytes  int64       `json:"bytes"`
	Client *ClientInfo `json:"client"`
	Domain string      `json:"domain,omitempty"`
}

// DomainLeaderElectedAdvisory is published on DOMAIN.LEADER_ELECTED when
// the meta group elects a leader.
type DomainLeaderElectedAdvisory struct {
	TypedEvent
	Leader   string      `json:"leader"`
	Replicas []*PeerInfo `json:"replicas"`
	Cluster  string      `json:"cluster"`
	Domain   string      `json:"domain,omitempty"`
}

// StreamLeaderElectedAdvisory is published on STREAM.LEADER_ELECTED.
type StreamLeaderElectedAdvisory struct {
	TypedEvent
	Account  string      `json:"account,omitempty"`
	Stream   string      `json:"stream"`
	Leader   string      `json:"leader"`
	Replicas []*PeerInfo `json:"replicas"`
	Domain   string      `json:"domain,omitempty"`
}

// StreamQuorumLostAdvisory is published on STREAM.QUORUM_LOST.
type StreamQuorumLostAdvisory struct {
	TypedEvent
	Account  string      `json:"account,omitempty"`
	Stream   string      `json:"stream"`
	Replicas []*PeerInfo `json:"replicas"`
	Domain   string      `json:"domain,omitempty"`
}

// BatchAbandonReason says why a publish batch was abandoned.
type BatchAbandonReason string

// Batch abandon reasons.
const (
	BatchTimeout            BatchAbandonReason = "timeout"
	BatchLarge              BatchAbandonReason = "large"
	BatchIncomplete         BatchAbandonReason = "incomplete"
	BatchRequirementsNotMet BatchAbandonReason = "unsupported"
)

// StreamBatchAbandonedAdvisory is published on STREAM.BATCH_ABANDONED.
type StreamBatchAbandonedAdvisory struct {
	TypedEvent
	Account string             `json:"account,omitempty"`
	Stream  string             `json:"stream"`
	Domain  string             `json:"domain,omitempty"`
	BatchID string             `json:"batch"`
	Reason  BatchAbandonReason `json:"reason"`
}

// ConsumerLeaderElectedAdvisory is published on CONSUMER.LEADER_ELECTED.
type ConsumerLeaderElectedAdvisory struct {
	TypedEvent
	Account  string      `json:"account,omitempty"`
	Stream   string      `json:"stream"`
	Consumer string      `json:"consumer"`
	Leader   string      `json:"leader"`
	Replicas []*PeerInfo `json:"replicas"`
	Domain   string      `json:"domain,omitempty"`
}

// ConsumerQuorumLostAdvisory is published on CONSUMER.QUORUM_LOST.
type ConsumerQuorumLostAdvisory struct {
	TypedEvent
	Account  string      `json:"account,omitempty"`
	Stream   string      `json:"stream"`
	Consumer string      `json:"consumer"`
	Replicas []*PeerInfo `json:"replicas"`
	Domain   string      `json:"domain,omitempty"`
}

// ConsumerGroupPinnedAdvisory is published on CONSUMER.PINNED.
type ConsumerGroupPinnedAdvisory struct {
	TypedEvent
	Account        string `json:"account,omitempty"`
	Stream         string `json:"stream"`
	Consumer       string `json:"consumer"`
	Domain         string `json:"domain,omitempty"`
	Group          string `json:"group"`
	PinnedClientID string `json:"pinned_id"`
}

// ConsumerGroupUnpinnedAdvisory is published on CONSUMER.UNPINNED. Reason
// is "admin" or "timeout".
type ConsumerGroupUnpinnedAdvisory struct {
	TypedEvent
	Account  string `json:"account,omitempty"`
	Stream   string `json:"stream"`
	Consumer string `json:"consumer"`
	Domain   string `json:"domain,omitempty"`
	Group    string `json:"group"`
	Reason   string `json:"reason"`
}

// ServerOutOfSpaceAdvisory is published on SERVER.OUT_OF_STORAGE.
type ServerOutOfSpaceAdvisory struct {
	TypedEvent
	Server   string `json:"server"`
	ServerID string `json:"server_id"`
	Stream   string `json:"stream,omitempty"`
	Cluster  string `json:"cluster"`
	Domain   string `json:"domain,omitempty"`
}

// ServerRemovedAdvisory is published on SERVER.REMOVED.
type ServerRemovedAdvisory struct {
	TypedEvent
	Server   string `json:"server"`
	ServerID string `json:"server_id"`
	Cluster  string `json:"cluster"`
	Domain   string `json:"domain,omitempty"`
}

// MetaRescueAdvisory is published on SERVER.META_RESCUE.
type MetaRescueAdvisory struct {
	TypedEvent
	Server     string `json:"server"`
	ServerID   string `json:"server_id"`
	PrevQuorum int    `json:"prev_quorum"`
	NewQuorum  int    `json:"new_quorum"`
	Cluster    string `json:"cluster"`
	Domain     string `json:"domain,omitempty"`
}

// APILimitReachedAdvisory is published on API.LIMIT_REACHED when requests
// were dropped from a full API queue.
type APILimitReachedAdvisory struct {
	TypedEvent
	Server  string `json:"server"`
	Domain  string `json:"domain,omitempty"`
	Dropped int64  `json:"dropped"`
}

// EventType methods implement Event.

func (*APIAudit) EventType() string                           { return APIAuditType }
func (*StreamActionAdvisory) EventType() string               { return StreamActionAdvisoryType }
func (*ConsumerActionAdvisory) EventType() string             { return ConsumerActionAdvisoryType }
func (*ConsumerPauseAdvisory) EventType() string              { return ConsumerPauseAdvisoryType }
func (*ConsumerAckMetric) EventType() string                  { return ConsumerAckMetricType }
func (*ConsumerDeliveryExceededAdvisory) EventType() string   { return ConsumerDeliveryExceededType }
func (*ConsumerDeliveryNakAdvisory) EventType() string        { return ConsumerDeliveryNakType }
func (*ConsumerDeliveryTerminatedAdvisory) EventType() string { return ConsumerDeliveryTerminatedType }
func (*SnapshotCreateAdvisory) EventType() string             { return SnapshotCreateAdvisoryType }
func (*SnapshotCompleteAdvisory) EventType() string           { return SnapshotCompleteAdvisoryType }
func (*RestoreCreateAdvisory) EventType() string              { return RestoreCreateAdvisoryType }
func (*RestoreCompleteAdvisory) EventType() string            { return RestoreCompleteAdvisoryType }
func (*DomainLeaderElectedAdvisory) EventType() string        { return DomainLeaderElectedAdvisoryType }
func (*StreamLeaderElectedAdvisory) EventType() string        { return StreamLeaderElectedAdvisoryType }
func (*StreamQuorumLostAdvisory) EventType() string           { return StreamQuorumLostAdvisoryType }
func (*StreamBatchAbandonedAdvisory) EventType() string       { return StreamBatchAbandonedAdvisoryType }
func (*ConsumerLeaderElectedAdvisory) EventType() string      { return ConsumerLeaderElectedAdvisoryType }
func (*ConsumerQuorumLostAdvisory) EventType() string         { return ConsumerQuorumLostAdvisoryType }
func (*ConsumerGroupPinnedAdvisory) EventType() string        { return ConsumerGroupPinnedAdvisoryType }
func (*ConsumerGroupUnpinnedAdvisory) EventType() string      { return ConsumerGroupUnpinnedAdvisoryType }
func (*ServerOutOfSpaceAdvisory) EventType() string           { return ServerOutOfStorageAdvisoryType }
func (*ServerRemovedAdvisory) EventType() string              { return ServerRemovedAdvisoryType }
func (*MetaRescueAdvisory) EventType() string                 { return MetaRescueAdvisoryType }
func (*APILimitReachedAdvisory) EventType() string            { return APILimitReachedAdvisoryType }
