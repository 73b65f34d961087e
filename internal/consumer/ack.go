package consumer

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/natsnet/natsnet/internal/jsapi"
	"github.com/natsnet/natsnet/internal/store"
)

// Reasons of TERMINATED advisories the consumer sends by itself.
const (
	reasonUnackedDeleted = "Unacknowledged message was deleted"
)

// applyAckLocked applies one queued ack message (see ProcessAck).
func (c *Consumer) applyAckLocked(m *inMsg, now time.Time) {
	ar, ok := jsapi.ParseAckReply(m.subject)
	if !ok {
		return
	}
	sseq, dseq, dc := ar.StreamSeq, ar.ConsumerSeq, ar.Delivered
	body, reply := m.body, m.reply
	c.suppressDeletionLocked(now)
	respond := true
	switch {
	case len(body) == 0, string(body) == jsapi.AckAck, string(body) == jsapi.AckOK:
		respond = c.ackLocked(sseq, dseq, dc, now, true)
	case bytes.HasPrefix(body, []byte(jsapi.AckNext)):
		c.ackLocked(sseq, dseq, dc, now, true)
		if reply != "" {
			c.processPullLocked(reply, body[len(jsapi.AckNext):], now)
		}
		respond = false
	case bytes.HasPrefix(body, []byte(jsapi.AckNak)):
		c.nakLocked(sseq, dseq, dc, body[len(jsapi.AckNak):], now)
	case string(body) == jsapi.AckProgress:
		c.progressLocked(sseq, now)
	case bytes.HasPrefix(body, []byte(jsapi.AckTerm)):
		reason := string(bytes.TrimSpace(body[len(jsapi.AckTerm):]))
		respond = c.termLocked(sseq, dseq, dc, reason, now)
	}
	if reply != "" && respond && c.cfg.AckPolicy != jsapi.AckNone {
		c.sendLocked(reply, "", nil, nil)
	}
}

// ackLocked applies a positive ack of delivery (dseq, sseq) with delivery
// count dc. It reports false when the ack was ignored and gets no reply.
func (c *Consumer) ackLocked(sseq, dseq, dc uint64, now time.Time, sample bool) bool {
	// An ack at or beyond the next sequence to deliver was never
	// delivered by this consumer.
	if sseq >= c.sseq && !c.cfg.FlowControl {
		return false
	}
	switch c.cfg.AckPolicy {
	case jsapi.AckExplicit:
		if p := c.pending[sseq]; p != nil {
			if sample {
				c.sampleAckLocked(sseq, dseq, dc, p, now)
			}
			atLimit := c.maxp > 0 && len(c.pending) >= c.maxp
			delete(c.pending, sseq)
			dseq = p.dseq // floors use the first delivery
			c.moveAckFloorLocked(dseq, sseq)
			if atLimit {
				c.signal()
			}
		}
		delete(c.rdc, sseq)
		c.removeFromRedeliverQueue(sseq)
		c.storeAcks(dseq, sseq)
		c.ackedLocked(sseq)
	case jsapi.AckAll, jsapi.AckFlowControl:
		if dseq <= c.adflr || sseq <= c.asflr {
			return true
		}
		atLimit := c.maxp > 0 && len(c.pending) >= c.maxp
		c.adflr, c.asflr = dseq, sseq
		var acked []uint64
		for seq := range c.pending {
			if seq <= sseq {
				if seq != sseq {
					acked = append(acked, seq)
				}
				delete(c.pending, seq)
				delete(c.rdc, seq)
				c.removeFromRedeliverQueue(seq)
			}
		}
		c.storeAcks(dseq, sseq)
		c.ackedLocked(sseq)
		slices.Sort(acked)
		for _, seq := range acked {
			c.ackedLocked(seq)
		}
		if atLimit {
			c.signal()
		}
	default: // none
		return false
	}
	c.lat = now
	return true
}

// moveAckFloorLocked moves the ack floor after delivery (dseq, sseq) left
// pending, as the ConsumerStore does.
func (c *Consumer) moveAckFloorLocked(dseq, sseq uint64) {
	if len(c.pending) == 0 {
		c.adflr, c.asflr = c.dseq-1, c.sseq-1
		return
	}
	if dseq != c.adflr+1 {
		return
	}
	c.adflr, c.asflr = dseq, sseq
	if ns, p := c.nextPendingAfter(sseq); p != nil && p.dseq > 0 {
		c.adflr, c.asflr = p.dseq-1, ns-1
	}
}

// nextPendingAfter returns the pending delivery with the lowest stream
// sequence above after, probing sequences or scanning the map, whichever
// is shorter.
func (c *Consumer) nextPendingAfter(after uint64) (uint64, *pend) {
	if c.sseq <= after+1 {
		return 0, nil
	}
	if gap := c.sseq - 1 - after; gap <= uint64(len(c.pending)) {
		for s := after + 1; s < c.sseq; s++ {
			if p := c.pending[s]; p != nil {
				return s, p
			}
		}
		return 0, nil
	}
	var best uint64
	var bp *pend
	for s, p := range c.pending {
		if s > after && (best == 0 || s < best) {
			best, bp = s, p
		}
	}
	return best, bp
}

// nakLocked handles -NAK, with an optional delay after it: a JSON
// NakOptions object or a Go duration string. Without a (valid) delay the
// message is queued for immediate redelivery.
func (c *Consumer) nakLocked(sseq, dseq, dc uint64, arg []byte, now time.Time) {
	if dseq <= c.adflr || dseq > c.dseq {
		return
	}
	p := c.pending[sseq]
	if p == nil {
		return
	}
	adviseLocked(c, jsapi.EventSubject(jsapi.AdvisoryConsumerMsgNaked, c.sname, c.name),
		&jsapi.ConsumerDeliveryNakAdvisory{Stream: c.sname, Consumer: c.name, ConsumerSeq: dseq, StreamSeq: sseq, Deliveries: dc})
	if arg = bytes.TrimSpace(arg); len(arg) > 0 {
		var d time.Duration
		var err error
		if arg[0] == '{' {
			var no jsapi.NakOptions
			if err = json.Unmarshal(arg, &no); err == nil {
				d = no.Delay
			}
		} else {
			d, err = time.ParseDuration(string(arg))
		}
		if err == nil {
			// Redeliver d from now: the deadline is ts+ack wait.
			c.removeFromRedeliverQueue(sseq)
			p.ts = now.Add(-c.cfg.AckWait).Add(d).UnixNano()
			c.storeDelivered(p.dseq, sseq, dc, p.ts)
			c.scheduleLocked(sseq)
			c.signal()
			return
		}
		c.log.Warn("bad NAK delay", "value", string(arg))
	}
	c.addToRedeliverQueue(sseq)
	c.signal()
}

// progressLocked handles +WPI: the ack wait starts again.
func (c *Consumer) progressLocked(sseq uint64, now time.Time) {
	p := c.pending[sseq]
	if p == nil {
		return
	}
	p.ts = now.UnixNano()
	c.storeDelivered(p.dseq, sseq, 1, p.ts)
	c.scheduleLocked(sseq)
}

// termLocked handles +TERM: an ack that also publishes a TERMINATED
// advisory.
func (c *Consumer) termLocked(sseq, dseq, dc uint64, reason string, now time.Time) bool {
	ok := c.ackLocked(sseq, dseq, dc, now, false)
	adviseLocked(c, jsapi.EventSubject(jsapi.AdvisoryConsumerMsgTerminated, c.sname, c.name),
		&jsapi.ConsumerDeliveryTerminatedAdvisory{Stream: c.sname, Consumer: c.name, ConsumerSeq: dseq, StreamSeq: sseq, Deliveries: dc, Reason: reason})
	return ok
}

// sampleAckLocked publishes an ack metric for a sample of acks.
func (c *Consumer) sampleAckLocked(sseq, dseq, dc uint64, p *pend, now time.Time) {
	switch {
	case c.sfreq <= 0:
		return
	case c.sfreq < 100 && rand.Int32N(100) > c.sfreq:
		return
	}
	adviseLocked(c, jsapi.EventSubject(jsapi.MetricConsumerAck, c.sname, c.name),
		&jsapi.ConsumerAckMetric{Stream: c.sname, Consumer: c.name, ConsumerSeq: dseq, StreamSeq: sseq, Delay: now.UnixNano() - p.ts, Deliveries: dc})
}

// notifyMaxDeliveriesLocked publishes a MAX_DELIVERIES advisory.
func (c *Consumer) notifyMaxDeliveriesLocked(seq, deliveries uint64) {
	adviseLocked(c, jsapi.EventSubject(jsapi.AdvisoryConsumerMaxDeliveries, c.sname, c.name),
		&jsapi.ConsumerDeliveryExceededAdvisory{Stream: c.sname, Consumer: c.name, StreamSeq: seq, Deliveries: deliveries})
}

// suppressDeletionLocked records ack activity for the inactivity check.
func (c *Consumer) suppressDeletionLocked(now time.Time) {
	if c.cfg.IsPush() {
		if !c.active && !c.inactiveFrom.IsZero() {
			c.inactiveFrom = now
		}
	} else if c.waiting != nil {
		c.waiting.last = now
	}
}

// storeDelivered records a delivery in the ConsumerStore.
func (c *Consumer) storeDelivered(dseq, sseq, dc uint64, ts int64) {
	if err := c.cs.UpdateDelivered(dseq, sseq, dc, ts); err != nil && !errors.Is(err, store.ErrStoreClosed) {
		c.log.Warn("recording delivery", "sseq", sseq, "dseq", dseq, "err", err)
	}
}

// storeAcks records an ack in the ConsumerStore. Acks of deliveries that
// are no longer pending are normal (double acks) and not logged.
func (c *Consumer) storeAcks(dseq, sseq uint64) {
	err := c.cs.UpdateAcks(dseq, sseq)
	if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrStoreClosed) {
		c.log.Warn("recording ack", "sseq", sseq, "dseq", dseq, "err", err)
	}
}
