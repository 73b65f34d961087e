package consumer

import (
	"crypto/rand"
	"time"

	"github.com/natsnet/natsnet/internal/jsapi"
	"github.com/natsnet/natsnet/internal/store"
)

// The consumer never calls the Sender, the Stream or the advisory callback
// with its lock held. Under the lock it appends effects to c.out; whoever
// releases the lock with effects queued and finds no flush in progress
// becomes the flusher and executes them, in order, until the outbox is
// empty. Effects therefore leave in exactly the order they were produced,
// whichever goroutine produced them, and no caller waits for another's
// Send. (Rejected: holding a send lock across the unlock, which stalls every
// caller behind a slow Send; sending under the consumer lock, which
// deadlocks when a Send or an Acked call re-enters the consumer.)

type effectKind uint8

const (
	effSend     effectKind = iota // Sender.Send
	effAcked                      // Stream.Acked
	effAdvisory                   // Options.Advisory
)

type effect struct {
	kind    effectKind
	subject string
	msgSubj string // deliveries: the subject the receiver sees
	reply   string
	hdr     []byte
	data    []byte
	seq     uint64
	event   any
	// sm, for a delivery, is the pooled message hdr and data point into;
	// it goes back to smPool once sent.
	sm *store.StoreMsg
}

// sendLocked queues a message.
func (c *Consumer) sendLocked(subject, reply string, hdr, data []byte) {
	c.out = append(c.out, effect{kind: effSend, subject: subject, reply: reply, hdr: hdr, data: data})
}

// deliverMsgLocked queues a delivery routed by deliverTo that the receiver
// sees under subject.
func (c *Consumer) deliverMsgLocked(deliverTo, subject, reply string, hdr, data []byte) {
	c.out = append(c.out, effect{kind: effSend, subject: deliverTo, msgSubj: subject, reply: reply, hdr: hdr, data: data})
}

// ackedLocked queues a Stream.Acked call; it is only made for streams that
// do not use limits retention.
func (c *Consumer) ackedLocked(seq uint64) {
	c.out = append(c.out, effect{kind: effAcked, seq: seq})
}

// adviseLocked queues an advisory after filling in its type, id and time.
func adviseLocked[E jsapi.Event](c *Consumer, subject string, ev E) {
	if c.advise == nil {
		return
	}
	jsapi.NewEvent(ev, newID(), c.now())
	c.out = append(c.out, effect{kind: effAdvisory, subject: subject, event: ev})
}

// unlockAndFlush releases c.mu and, unless another goroutine is already
// flushing, executes the queued effects.
func (c *Consumer) unlockAndFlush() {
	if c.flushing || len(c.out) == 0 {
		c.mu.Unlock()
		return
	}
	c.flushing = true
	var batch []effect
	for {
		batch, c.out = c.out, batch[:0]
		c.mu.Unlock()
		c.execute(batch)
		clear(batch)
		c.mu.Lock()
		if len(c.out) == 0 {
			c.flushing = false
			c.mu.Unlock()
			// The run loop may be waiting for the backlog to drain.
			c.signal()
			return
		}
	}
}

// execute runs effects with no lock held.
func (c *Consumer) execute(batch []effect) {
	var retention jsapi.RetentionPolicy
	var haveRetention bool
	for i := range batch {
		e := &batch[i]
		switch e.kind {
		case effSend:
			if e.msgSubj != "" && c.msgSend != nil {
				c.msgSend.SendMsg(e.subject, e.msgSubj, e.reply, e.hdr, e.data)
			} else {
				c.sender.Send(e.subject, e.reply, e.hdr, e.data)
			}
			if e.sm != nil {
				// The Sender copied the message: its buffer is free.
				smPool.Put(e.sm)
				e.sm = nil
			}
		case effAcked:
			if !haveRetention {
				retention, haveRetention = c.stream.Retention(), true
			}
			if retention != jsapi.LimitsPolicy {
				c.stream.Acked(c, e.seq)
			}
		case effAdvisory:
			c.advise(e.subject, e.event)
		}
	}
	if f, ok := c.sender.(Flusher); ok {
		f.Flush()
	}
}

// Flusher is implemented by a Sender that holds sends back until Flush; the
// consumer flushes after each batch of effects.
type Flusher interface {
	Flush()
}

// newID returns a random 22-character base-62 identifier for advisories
// and pin ids.
func newID() string {
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	var b [22]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = digits[int(b[i])%len(digits)]
	}
	return string(b[:])
}

// flowControlID returns the random last token of a flow-control subject.
func flowControlID() string {
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	var b [4]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = digits[int(b[i])%len(digits)]
	}
	return string(b[:])
}

// utc returns t in UTC, or nil for nil.
func utcPtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
