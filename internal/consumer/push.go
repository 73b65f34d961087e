package consumer

import (
	"time"

	"github.com/natsnet/natsnet/internal/jsapi"
)

// flowControl is the byte window of a flow-controlled push consumer. The
// consumer counts the bytes it delivers; past half the window it sends a
// flow-control request ("100 FlowControl Request" with a $JS.FC reply
// subject) and past the whole window it stops delivering until the client
// answers that request. Each answer releases the bytes counted up to the
// request and doubles the window, up to the limit.
type flowControl struct {
	limit  int    // largest window (0: no flow control)
	window int    // current window
	pbytes int    // bytes delivered and not yet released
	fcsz   int    // bytes the outstanding request releases
	fcid   string // reply subject of the outstanding request
}

// blocked reports whether delivery must wait for a flow-control reply.
func (f *flowControl) blocked() bool { return f.window > 0 && f.pbytes > f.window }

// pbytesAdd counts a delivery of sz bytes and sends a flow-control request
// when one is needed.
func (f *flowControl) pbytesAdd(sz int, c *Consumer) {
	if f.window == 0 {
		return
	}
	f.pbytes += sz
	switch {
	case f.fcid == "" && f.pbytes > f.window/2:
		c.sendFlowControlLocked()
	case f.fcid == "" && c.cfg.AckPolicy == jsapi.AckFlowControl && c.maxp > 0 && len(c.pending) >= c.maxp:
		c.sendFlowControlLocked()
	case f.fcid != "" && f.pbytes-f.fcsz >= f.window:
		// The outstanding request will also release this delivery.
		f.fcsz += sz
	}
}

// sendFlowControlLocked sends a flow-control request to the deliver
// subject.
func (c *Consumer) sendFlowControlLocked() {
	if !c.cfg.IsPush() {
		return
	}
	reply := jsapi.FlowControlSubject(c.sname, c.name, flowControlID())
	c.fc.fcsz, c.fc.fcid = c.fc.pbytes, reply
	c.sendLocked(c.cfg.DeliverSubject, reply, flowControlHdr, nil)
}

// applyFlowControlLocked handles a reply to a flow-control request (see
// ProcessFlowControl). Replies to anything but the latest request are
// ignored.
func (c *Consumer) applyFlowControlLocked(subject string) {
	f := &c.fc
	if subject == "" || subject != f.fcid {
		return
	}
	if f.window < f.limit {
		f.window = min(f.window*2, f.limit)
	}
	f.pbytes = max(f.pbytes-f.fcsz, 0)
	f.fcid, f.fcsz = "", 0
}

// sendHeartbeatLocked sends an idle heartbeat to subj with the last
// delivered sequences and, if delivery waits for flow control, the
// outstanding flow-control subject.
func (c *Consumer) sendHeartbeatLocked(subj string) {
	c.sendLocked(subj, "", heartbeatHdr(c.dseq-1, c.sseq-1, c.fc.fcid), nil)
}

// updateInterestLocked refreshes whether the deliver subject has interest
// and, while it has none, backs off the polling interval.
func (c *Consumer) updateInterestLocked(now time.Time) {
	active := c.sender.HasInterest(c.cfg.DeliverSubject)
	if active {
		c.inactiveFrom = time.Time{}
		c.pollDelay = 0
	} else {
		if c.active || c.inactiveFrom.IsZero() {
			c.inactiveFrom = now
		}
		c.pollDelay = min(max(c.pollDelay*2, interestPollMin), interestPollMax)
	}
	c.active = active
}

// InterestChanged tells a push consumer that interest in its deliver
// subject may have changed (optional: without it the consumer polls,
// backing off to once a second).
func (c *Consumer) InterestChanged() {
	c.mu.Lock()
	c.pollDelay = 0
	c.mu.Unlock()
	c.signal()
}
