package consumer

import (
	"bytes"
	"time"
)

// Acks, pull requests and flow-control replies arrive on the publishers'
// goroutines (the service handles them inline, where nothing may block).
// The consumer only queues them here, under a lock of their own, and wakes
// its goroutine, whose next step applies them in arrival order before
// delivering. Info and IsInactive apply them too, so that what they report
// includes every ack received before the call. (Rejected: applying them on
// the caller's goroutine, which waits for the consumer lock while a step
// delivers a batch; the reference also queues them.)

type inKind uint8

const (
	inAck inKind = iota
	inPull
	inFlowControl
)

type inMsg struct {
	kind    inKind
	subject string // ack: the ack reply subject; flow control: the $JS.FC subject
	reply   string
	body    []byte // owned copy
}

// ProcessAck queues a message published to an ack reply subject the
// consumer generated ($JS.ACK.<stream>.<consumer>.<dc>.<sseq>.<dseq>.<ts>.<pending>).
// body is the payload without headers: empty or +ACK, -NAK [delay], +WPI,
// +NXT [pull request], +TERM [reason]; it is copied. If reply is set (a
// double ack), an empty message is sent to it once the ack has been
// applied. Subjects that do not parse are ignored; acks of an ack none
// consumer get no reply, as the reference does not even subscribe to them.
func (c *Consumer) ProcessAck(subject, reply string, body []byte) {
	c.enqueue(inMsg{kind: inAck, subject: subject, reply: reply, body: bytes.Clone(body)})
}

// ProcessPull queues a CONSUMER.MSG.NEXT request whose reply subject (the
// client's inbox) is reply; body is copied. Requests without a reply are
// dropped.
func (c *Consumer) ProcessPull(reply string, body []byte) {
	if reply == "" {
		return
	}
	c.enqueue(inMsg{kind: inPull, reply: reply, body: bytes.Clone(body)})
}

// ProcessFlowControl queues a reply to a flow-control request; subject is
// the $JS.FC subject the reply was published to.
func (c *Consumer) ProcessFlowControl(subject string) {
	c.enqueue(inMsg{kind: inFlowControl, subject: subject})
}

func (c *Consumer) enqueue(m inMsg) {
	c.inMu.Lock()
	c.in = append(c.in, m)
	c.inMu.Unlock()
	c.signal()
}

// drainInboxLocked applies the queued messages.
func (c *Consumer) drainInboxLocked(now time.Time) {
	c.inMu.Lock()
	batch := c.in
	c.in = nil
	c.inMu.Unlock()
	for i := range batch {
		m := &batch[i]
		switch m.kind {
		case inAck:
			c.applyAckLocked(m, now)
		case inPull:
			c.processPullLocked(m.reply, m.body, now)
		case inFlowControl:
			c.applyFlowControlLocked(m.subject)
		}
	}
}
