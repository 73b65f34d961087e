package jsapi

// Headers a client sets on a JetStream publish.
const (
	HdrMsgID                   = "Nats-Msg-Id"
	HdrExpectedStream          = "Nats-Expected-Stream"
	HdrExpectedLastSeq         = "Nats-Expected-Last-Sequence"
	HdrExpectedLastSubjSeq     = "Nats-Expected-Last-Subject-Sequence"
	HdrExpectedLastSubjSeqSubj = "Nats-Expected-Last-Subject-Sequence-Subject"
	HdrExpectedLastMsgID       = "Nats-Expected-Last-Msg-Id"
	HdrRollup                  = "Nats-Rollup" // RollupSubject or RollupAll
	HdrMsgTTL                  = "Nats-TTL"
	HdrIncr                    = "Nats-Incr"
	HdrCounterSources          = "Nats-Counter-Sources"
	HdrBatchID                 = "Nats-Batch-Id"
	HdrBatchSeq                = "Nats-Batch-Sequence"
	HdrBatchCommit             = "Nats-Batch-Commit"
	HdrSchedule                = "Nats-Schedule"
	HdrScheduleTimeZone        = "Nats-Schedule-Time-Zone"
	HdrScheduleTTL             = "Nats-Schedule-TTL"
	HdrScheduleRollup          = "Nats-Schedule-Rollup"
	HdrScheduleTarget          = "Nats-Schedule-Target"
	HdrScheduleSource          = "Nats-Schedule-Source"

	RollupSubject = "sub" // Nats-Rollup: purge the subject
	RollupAll     = "all" // Nats-Rollup: purge the stream
)

// Headers on $JS.API requests and responses.
const (
	HdrRequiredAPILevel = "Nats-Required-Api-Level" // request needs this API level (10185)
	HdrStreamIdentity   = "Nats-Stream-Identity"    // sourcing consumer create
)

// Headers the server sets on messages it delivers or publishes.
const (
	HdrStream          = "Nats-Stream"        // republish, direct get
	HdrSequence        = "Nats-Sequence"      // republish, direct get
	HdrTimeStamp       = "Nats-Time-Stamp"    // direct get, RFC3339Nano
	HdrSubject         = "Nats-Subject"       // direct get, no responders
	HdrLastSequence    = "Nats-Last-Sequence" // previous message (republish, batches)
	HdrNumPending      = "Nats-Num-Pending"   // direct get batches
	HdrUpToSequence    = "Nats-UpTo-Sequence" // direct get batches
	HdrStreamSource    = "Nats-Stream-Source" // sourced messages
	HdrMarkerReason    = "Nats-Marker-Reason" // delete markers: MarkerReason*
	HdrMsgSize         = "Nats-Msg-Size"      // headers-only delivery
	HdrResponseType    = "Nats-Response-Type"
	HdrScheduler       = "Nats-Scheduler"
	HdrScheduleNext    = "Nats-Schedule-Next"
	HdrConsumerStalled = "Nats-Consumer-Stalled" // push heartbeats while flow control is stalled
	HdrLastConsumerSeq = "Nats-Last-Consumer"    // idle heartbeats
	HdrLastStreamSeq   = "Nats-Last-Stream"      // idle heartbeats
	HdrPendingMessages = "Nats-Pending-Messages" // pull request end (408, 409)
	HdrPendingBytes    = "Nats-Pending-Bytes"    // pull request end (408, 409)
	HdrPinID           = "Nats-Pin-Id"           // pinned_client priority policy

	MarkerReasonMaxAge = "MaxAge"
	MarkerReasonPurge  = "Purge"
	MarkerReasonRemove = "Remove"
)

// Descriptions of the header-only status messages of JetStream. The status
// code is given in the comment.
const (
	StatusIdleHeartbeat      = "Idle Heartbeat"                // 100
	StatusFlowControlRequest = "FlowControl Request"           // 100
	StatusEOB                = "EOB"                           // 204: end of a direct get batch
	StatusBadRequest         = "Bad Request"                   // 400
	StatusNoMessages         = "No Messages"                   // 404
	StatusMessageNotFound    = "Message Not Found"             // 404: direct get
	StatusRequestTimeout     = "Request Timeout"               // 408
	StatusExceedsMaxBytes    = "Message Size Exceeds MaxBytes" // 409
	StatusBatchCompleted     = "Batch Completed"               // 409
	StatusExceededMaxWaiting = "Exceeded MaxWaiting"           // 409
	StatusConsumerDeleted    = "Consumer Deleted"              // 409
	StatusLeadershipChange   = "Leadership Change"             // 409
	StatusServerShutdown     = "Server Shutdown"               // 409
)

// Ack bodies a client sends to an ack reply subject. An empty body is the
// same as AckAck; "-NAK" may be followed by a NakOptions JSON object and
// "+TERM" by a space and a reason.
const (
	AckAck      = "+ACK"
	AckOK       = "+OK" // old spelling of +ACK
	AckNak      = "-NAK"
	AckProgress = "+WPI"
	AckNext     = "+NXT"
	AckTerm     = "+TERM"
)
