package jsapi

import (
	"strconv"
	"strings"
)

// Subjects outside $JS.API: acks, flow control, snapshot transfer, and
// advisories and metrics.
const (
	AckPrefix         = "$JS.ACK"              // $JS.ACK.<stream>.<consumer>.<...>
	FlowControlPrefix = "$JS.FC"               // $JS.FC.<stream>.<consumer>.<id>
	SnapshotAckPrefix = "$JS.SNAPSHOT.ACK"     // $JS.SNAPSHOT.ACK.<stream>.<id>
	RestorePrefix     = "$JS.SNAPSHOT.RESTORE" // $JS.SNAPSHOT.RESTORE.<stream>.<id>

	AdvisoryPrefix = "$JS.EVENT.ADVISORY"
	MetricPrefix   = "$JS.EVENT.METRIC"
)

// Advisory and metric subject prefixes; the full subject appends the
// stream (and consumer) name, e.g. AdvisoryStreamCreated + ".ORDERS".
const (
	AdvisoryAPIAudit        = "$JS.EVENT.ADVISORY.API"               // (no suffix)
	AdvisoryAPILimitReached = "$JS.EVENT.ADVISORY.API.LIMIT_REACHED" // (no suffix)

	AdvisoryStreamCreated          = "$JS.EVENT.ADVISORY.STREAM.CREATED"           // .<stream>
	AdvisoryStreamDeleted          = "$JS.EVENT.ADVISORY.STREAM.DELETED"           // .<stream>
	AdvisoryStreamUpdated          = "$JS.EVENT.ADVISORY.STREAM.UPDATED"           // .<stream>
	AdvisoryStreamSnapshotCreate   = "$JS.EVENT.ADVISORY.STREAM.SNAPSHOT_CREATE"   // .<stream>
	AdvisoryStreamSnapshotComplete = "$JS.EVENT.ADVISORY.STREAM.SNAPSHOT_COMPLETE" // .<stream>
	AdvisoryStreamRestoreCreate    = "$JS.EVENT.ADVISORY.STREAM.RESTORE_CREATE"    // .<stream>
	AdvisoryStreamRestoreComplete  = "$JS.EVENT.ADVISORY.STREAM.RESTORE_COMPLETE"  // .<stream>
	AdvisoryStreamLeaderElected    = "$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED"    // .<stream>
	AdvisoryStreamQuorumLost       = "$JS.EVENT.ADVISORY.STREAM.QUORUM_LOST"       // .<stream>
	AdvisoryStreamBatchAbandoned   = "$JS.EVENT.ADVISORY.STREAM.BATCH_ABANDONED"   // .<stream>

	AdvisoryConsumerCreated       = "$JS.EVENT.ADVISORY.CONSUMER.CREATED"        // .<stream>.<consumer>
	AdvisoryConsumerDeleted       = "$JS.EVENT.ADVISORY.CONSUMER.DELETED"        // .<stream>.<consumer>
	AdvisoryConsumerPause         = "$JS.EVENT.ADVISORY.CONSUMER.PAUSE"          // .<stream>.<consumer>
	AdvisoryConsumerPinned        = "$JS.EVENT.ADVISORY.CONSUMER.PINNED"         // .<stream>.<consumer>
	AdvisoryConsumerUnpinned      = "$JS.EVENT.ADVISORY.CONSUMER.UNPINNED"       // .<stream>.<consumer>
	AdvisoryConsumerMaxDeliveries = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES" // .<stream>.<consumer>
	AdvisoryConsumerMsgNaked      = "$JS.EVENT.ADVISORY.CONSUMER.MSG_NAKED"      // .<stream>.<consumer>
	AdvisoryConsumerMsgTerminated = "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED" // .<stream>.<consumer>
	AdvisoryConsumerLeaderElected = "$JS.EVENT.ADVISORY.CONSUMER.LEADER_ELECTED" // .<stream>.<consumer>
	AdvisoryConsumerQuorumLost    = "$JS.EVENT.ADVISORY.CONSUMER.QUORUM_LOST"    // .<stream>.<consumer>
	AdvisoryDomainLeaderElected   = "$JS.EVENT.ADVISORY.DOMAIN.LEADER_ELECTED"   // (no suffix)
	AdvisoryServerOutOfStorage    = "$JS.EVENT.ADVISORY.SERVER.OUT_OF_STORAGE"   // (no suffix)
	AdvisoryServerRemoved         = "$JS.EVENT.ADVISORY.SERVER.REMOVED"          // (no suffix)
	AdvisoryServerMetaRescue      = "$JS.EVENT.ADVISORY.SERVER.META_RESCUE"      // (no suffix)
	MetricConsumerAck             = "$JS.EVENT.METRIC.CONSUMER.ACK"              // .<stream>.<consumer>
)

// EventSubject appends the name tokens to an advisory or metric prefix:
// EventSubject(AdvisoryConsumerCreated, "ORDERS", "worker").
func EventSubject(prefix string, names ...string) string {
	n := len(prefix)
	for _, s := range names {
		n += 1 + len(s)
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(prefix)
	for _, s := range names {
		b.WriteByte(tokenSep)
		b.WriteString(s)
	}
	return b.String()
}

// AckReply is the information encoded in the reply subject of a delivered
// message:
//
//	$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>
//
// (9 tokens, the form clients parse for message metadata), or the longer
// form with domain and account hash after "$JS.ACK" and possibly more
// tokens at the end:
//
//	$JS.ACK.<domain|_>.<acchash>.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>[...]
type AckReply struct {
	Domain      string // long form only; "" is written as "_"
	AccountHash string // long form only; set selects the long form
	Stream      string
	Consumer    string
	Delivered   uint64 // delivery count of this message
	StreamSeq   uint64
	ConsumerSeq uint64
	Timestamp   int64  // message time, Unix nanoseconds
	Pending     uint64 // messages left for the consumer after this one
}

// String builds the reply subject; the long form when AccountHash is set.
func (a AckReply) String() string {
	b := make([]byte, 0, 64+len(a.Stream)+len(a.Consumer)+len(a.Domain)+len(a.AccountHash))
	b = append(b, AckPrefix...)
	if a.AccountHash != "" {
		d := a.Domain
		if d == "" {
			d = "_"
		}
		b = append(append(append(b, '.'), d...), '.')
		b = append(b, a.AccountHash...)
	}
	b = append(append(b, '.'), a.Stream...)
	b = append(append(b, '.'), a.Consumer...)
	b = strconv.AppendUint(append(b, '.'), a.Delivered, 10)
	b = strconv.AppendUint(append(b, '.'), a.StreamSeq, 10)
	b = strconv.AppendUint(append(b, '.'), a.ConsumerSeq, 10)
	b = strconv.AppendInt(append(b, '.'), a.Timestamp, 10)
	b = strconv.AppendUint(append(b, '.'), a.Pending, 10)
	return string(b)
}

// ParseAckReply parses either form of an ack reply subject. It reports
// false for other token counts, another prefix or non-numeric fields.
func ParseAckReply(subject string) (AckReply, bool) {
	var buf [16]string
	toks := splitTokens(subject, buf[:0])
	if len(toks) < 9 || toks[0] != "$JS" || toks[1] != "ACK" {
		return AckReply{}, false
	}
	var a AckReply
	off := 2
	switch {
	case len(toks) == 9:
	case len(toks) >= 11:
		off = 4
		a.Domain, a.AccountHash = toks[2], toks[3]
		if a.Domain == "_" {
			a.Domain = ""
		}
	default:
		return AckReply{}, false
	}
	a.Stream, a.Consumer = toks[off], toks[off+1]
	var nums [5]uint64
	for i := range nums {
		n, err := strconv.ParseUint(toks[off+2+i], 10, 64)
		if err != nil {
			return AckReply{}, false
		}
		nums[i] = n
	}
	a.Delivered, a.StreamSeq, a.ConsumerSeq = nums[0], nums[1], nums[2]
	a.Timestamp, a.Pending = int64(nums[3]), nums[4]
	return a, true
}

// FlowControlSubject is the reply subject of a push consumer's flow-control
// request: $JS.FC.<stream>.<consumer>.<id>.
func FlowControlSubject(stream, consumer, id string) string {
	return EventSubject(FlowControlPrefix, stream, consumer, id)
}

// SnapshotAckSubject is where a snapshot receiver acknowledges chunks:
// $JS.SNAPSHOT.ACK.<stream>.<id>.
func SnapshotAckSubject(stream, id string) string {
	return EventSubject(SnapshotAckPrefix, stream, id)
}

// RestoreSubject is where restore chunks are sent:
// $JS.SNAPSHOT.RESTORE.<stream>.<id>.
func RestoreSubject(stream, id string) string {
	return EventSubject(RestorePrefix, stream, id)
}
