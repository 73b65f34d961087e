package jsapi

// AccountInfo is the answer to $JS.API.INFO: the account's usage and limits
// (totals over all tiers in the embedded Tier), its domain, API statistics
// and, when tiered limits are used, the usage per tier ("R1", "R3", ...).
type AccountInfo struct {
	Tier
	Domain string          `json:"domain,omitempty"`
	API    APIStats        `json:"api"`
	Tiers  map[string]Tier `json:"tiers,omitempty"`
}

// Tier is the usage and limits of one tier (or of the whole account).
type Tier struct {
	Memory         uint64        `json:"memory"`
	Store          uint64        `json:"storage"`
	ReservedMemory uint64        `json:"reserved_memory"`
	ReservedStore  uint64        `json:"reserved_storage"`
	Streams        int           `json:"streams"`
	Consumers      int           `json:"consumers"`
	Limits         AccountLimits `json:"limits"`
}

// AccountLimits are the JetStream limits of an account or tier; -1 means
// unlimited.
type AccountLimits struct {
	MaxMemory            int64 `json:"max_memory"`
	MaxStore             int64 `json:"max_storage"`
	MaxStreams           int   `json:"max_streams"`
	MaxConsumers         int   `json:"max_consumers"`
	MaxAckPending        int   `json:"max_ack_pending"`
	MemoryMaxStreamBytes int64 `json:"memory_max_stream_bytes"`
	StoreMaxStreamBytes  int64 `json:"storage_max_stream_bytes"`
	MaxBytesRequired     bool  `json:"max_bytes_required"`
}

// APIStats counts API requests on a server.
type APIStats struct {
	Level    int    `json:"level"`              // API level the server implements
	Total    uint64 `json:"total"`              // requests received since start
	Errors   uint64 `json:"errors"`             // requests answered with an error
	Inflight uint64 `json:"inflight,omitempty"` // requests being served now
}

// APILevel is the JetStream API level of the reference release natsnet
// follows (nats-server v2.15). Assets record the level they need in their
// metadata under MetaRequiredLevel.
const APILevel = 5

// Metadata keys the server maintains on streams and consumers (ADR-44).
const (
	MetaRequiredLevel = "_nats.req.level" // API level the asset's features need
	MetaServerVersion = "_nats.ver"       // version of the server that answered
	MetaServerLevel   = "_nats.level"     // API level of the server that answered
)

// Limits on names and free text, shared by streams and consumers.
const (
	MaxNameLen        = 255        // stream and consumer names
	MaxDescriptionLen = 4 * 1024   // description field
	MaxMetadataLen    = 128 * 1024 // sum of metadata key and value lengths
	MaxReplicas       = 5          // num_replicas
)
