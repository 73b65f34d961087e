package consumer

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/natsnet/natsnet/internal/jsapi"
)

// pullRequest is a waiting CONSUMER.MSG.NEXT request.
type pullRequest struct {
	reply    string
	n        int // messages still wanted
	d        int // messages delivered
	b        int // bytes still allowed (0: no max_bytes)
	expires  time.Time
	received time.Time
	hb       time.Duration
	hbDue    time.Time
	noWait   bool
	pg       *jsapi.PriorityGroup // set for JSON requests
	next     *pullRequest
}

func (wr *pullRequest) priority() int {
	if wr.pg == nil {
		return math.MaxInt32
	}
	return wr.pg.Priority
}

// waitQueue holds the waiting requests in delivery order: FIFO, with a
// request that still wants more moved to the back after each message
// (round robin), or ordered by priority for the prioritized policy.
type waitQueue struct {
	head, tail *pullRequest
	n, max     int
	last       time.Time // last pull activity, for the inactive threshold
}

func newWaitQueue(max int) *waitQueue {
	if max <= 0 {
		max = jsapi.DefaultMaxWaiting
	}
	return &waitQueue{max: max}
}

func (q *waitQueue) len() int {
	if q == nil {
		return 0
	}
	return q.n
}

func (q *waitQueue) full() bool { return q.n >= q.max }

func (q *waitQueue) clear() { q.head, q.tail, q.n = nil, nil, 0 }

// add appends wr.
func (q *waitQueue) add(wr *pullRequest) {
	wr.next = nil
	if q.tail == nil {
		q.head = wr
	} else {
		q.tail.next = wr
	}
	q.tail = wr
	q.n++
}

// insertByPriority inserts wr after every request of the same or a better
// (lower) priority.
func (q *waitQueue) insertByPriority(wr *pullRequest) {
	var prev *pullRequest
	for cur := q.head; cur != nil && cur.priority() <= wr.priority(); cur = cur.next {
		prev = cur
	}
	if prev == nil {
		wr.next = q.head
		q.head = wr
	} else {
		wr.next = prev.next
		prev.next = wr
	}
	if wr.next == nil {
		q.tail = wr
	}
	q.n++
}

// remove unlinks wr, whose predecessor is prev (nil for the head), and
// returns the request after it.
func (q *waitQueue) remove(prev, wr *pullRequest) *pullRequest {
	next := wr.next
	if prev == nil {
		q.head = next
	} else {
		prev.next = next
	}
	if q.tail == wr {
		q.tail = prev
	}
	wr.next = nil
	q.n--
	return next
}

// cycle moves the head to the back.
func (q *waitQueue) cycle() {
	if q.n > 1 {
		wr := q.head
		q.remove(nil, wr)
		q.add(wr)
	}
}

func (c *Consumer) badPullLocked(reply string, code int, desc string) {
	c.sendLocked(reply, "", statusHdr(code, desc), nil)
}

// processPullLocked checks a pull request in the reference's order and
// queues it.
func (c *Consumer) processPullLocked(reply string, body []byte, now time.Time) {
	if c.cfg.IsPush() || c.waiting == nil {
		c.badPullLocked(reply, 409, "Consumer is push based")
		return
	}
	req, err := jsapi.ParsePullRequest(body)
	if err != nil {
		c.badPullLocked(reply, 400, "Bad Request - "+err.Error())
		return
	}
	cfg := &c.cfg
	switch {
	case cfg.MaxRequestBatch > 0 && req.Batch > cfg.MaxRequestBatch:
		c.badPullLocked(reply, 409, fmt.Sprintf("Exceeded MaxRequestBatch of %d", cfg.MaxRequestBatch))
		return
	case req.Expires > 0 && cfg.MaxRequestExpires > 0 && req.Expires > cfg.MaxRequestExpires:
		c.badPullLocked(reply, 409, fmt.Sprintf("Exceeded MaxRequestExpires of %v", cfg.MaxRequestExpires))
		return
	case req.MaxBytes > 0 && cfg.MaxRequestMaxBytes > 0 && req.MaxBytes > cfg.MaxRequestMaxBytes:
		c.badPullLocked(reply, 409, fmt.Sprintf("Exceeded MaxRequestMaxBytes of %v", cfg.MaxRequestMaxBytes))
		return
	}
	var pg *jsapi.PriorityGroup
	if b := bytes.TrimSpace(body); len(b) > 0 && b[0] == '{' {
		g := req.PriorityGroup
		pg = &g
	}
	if pg != nil && !c.checkPriorityRequestLocked(reply, pg, now) {
		return
	}

	q := c.waiting
	if q.full() {
		c.processWaitingLocked(now, false)
	}
	if req.NoWait {
		c.syncPendingLocked()
		avail := c.numPendingLocked() + uint64(len(c.rdq))
		if avail == 0 && req.Expires == 0 {
			q.last = now
			c.badPullLocked(reply, 404, jsapi.StatusNoMessages)
			return
		}
		if avail > 0 {
			if _, wanted := c.processWaitingLocked(now, false); avail < uint64(wanted) {
				q.last = now
				c.badPullLocked(reply, 408, "Requests Pending")
				return
			}
		}
	}

	wr := &pullRequest{reply: reply, n: req.Batch, b: req.MaxBytes, received: now, hb: req.Heartbeat, noWait: req.NoWait, pg: pg}
	if req.Expires > 0 {
		wr.expires = now.Add(req.Expires)
	}
	if req.Heartbeat > 0 {
		wr.hbDue = now.Add(req.Heartbeat)
	}
	if q.full() {
		// With heartbeats the client notices the missing ones and
		// retries; a 409 would make it retry at once, in a loop.
		if req.Heartbeat == 0 {
			c.badPullLocked(reply, 409, jsapi.StatusExceededMaxWaiting)
		}
		return
	}
	if cfg.PriorityPolicy == jsapi.PriorityPrioritized {
		q.insertByPriority(wr)
	} else {
		q.add(wr)
	}
	q.last = now
	c.signal()
}

// nextWaitingLocked picks the request that gets a message of sz bytes,
// answering and dropping the requests that can not take it on the way
// (expired: 408, over max_bytes: 409, wrong pin: 423, no interest:
// silently). minPending is the pending count the overflow policy compares
// with. The chosen request is the head of the queue.
func (c *Consumer) nextWaitingLocked(now time.Time, sz int, minPending int64) *pullRequest {
	q := c.waiting
	pinned := c.cfg.PriorityPolicy == jsapi.PriorityPinnedClient
	needPin := pinned && c.pin.id == ""
	cycled := 0
	for wr := q.head; wr != nil; wr = q.head {
		if !wr.expires.IsZero() && !now.Before(wr.expires) {
			c.sendLocked(wr.reply, "", statusPendingHdr(408, jsapi.StatusRequestTimeout, wr.n, wr.b), nil)
			if wr.expires.After(q.last) {
				q.last = wr.expires
			}
			q.remove(nil, wr)
			continue
		}
		assigned := false
		if needPin {
			if wr.pg == nil || wr.pg.ID == "" {
				c.assignPinLocked(wr, now)
				assigned = true
			} else {
				c.wrongPinLocked(wr)
				continue
			}
		} else if pinned && c.pin.id != "" {
			switch {
			case wr.pg != nil && wr.pg.ID == c.pin.id:
			case wr.pg == nil || wr.pg.ID == "":
				q.cycle()
				if cycled++; cycled >= q.n {
					return nil
				}
				continue
			default:
				c.wrongPinLocked(wr)
				continue
			}
		}
		if c.cfg.PriorityPolicy == jsapi.PriorityOverflow && wr.pg != nil &&
			(wr.pg.MinPending > 0 || wr.pg.MinAckPending > 0) &&
			!((wr.pg.MinPending > 0 && wr.pg.MinPending <= minPending) ||
				(wr.pg.MinAckPending > 0 && wr.pg.MinAckPending <= int64(len(c.pending)))) {
			q.cycle()
			if cycled++; cycled >= q.n {
				return nil
			}
			continue
		}
		if wr.b > 0 {
			if sz > wr.b {
				c.sendLocked(wr.reply, "", statusPendingHdr(409, jsapi.StatusExceedsMaxBytes, wr.n, wr.b), nil)
				if assigned {
					c.unassignPinLocked()
				}
				q.remove(nil, wr)
				continue
			}
			if wr.b -= sz; wr.b == 0 {
				wr.n = 1 // this one, then stop
			}
		}
		if c.sender.HasInterest(wr.reply) {
			return wr
		}
		q.remove(nil, wr)
	}
	return nil
}

// wrongPinLocked answers and drops the head request, which carries a pin id
// that is not the current one.
func (c *Consumer) wrongPinLocked(wr *pullRequest) {
	c.sendLocked(wr.reply, "", statusPendingHdr(423, "Nats-Wrong-Pin-Id", wr.n, wr.b), nil)
	c.waiting.remove(nil, wr)
}

// afterPullDeliveryLocked accounts a message delivered to wr, the head of
// the queue: it leaves the queue when done (with 409 Batch Completed if it
// had bytes left), otherwise it goes to the back of the queue (or of its
// priority level).
func (c *Consumer) afterPullDeliveryLocked(wr *pullRequest, now time.Time) {
	q := c.waiting
	wr.d++
	wr.n--
	switch {
	case wr.n <= 0:
		q.remove(nil, wr)
		if wr.b > 0 {
			c.sendLocked(wr.reply, "", statusPendingHdr(409, jsapi.StatusBatchCompleted, wr.n, wr.b), nil)
		}
	case q.n > 1:
		q.remove(nil, wr)
		if c.cfg.PriorityPolicy == jsapi.PriorityPrioritized {
			q.insertByPriority(wr)
		} else {
			q.add(wr)
		}
	}
	if wr.n > 0 && wr.hb > 0 {
		wr.hbDue = now.Add(wr.hb)
	}
	if c.cfg.InactiveThreshold > 0 {
		q.last = now
	}
}

// processWaitingLocked ends expired requests (408), no_wait requests once
// the stream is exhausted (eos: 404 unless they still wait for expires),
// drops requests whose inbox lost interest and sends due heartbeats. It
// returns the next expiry or heartbeat and the messages still wanted.
func (c *Consumer) processWaitingLocked(now time.Time, eos bool) (time.Time, int) {
	q := c.waiting
	if q.len() == 0 {
		return time.Time{}, 0
	}
	var next time.Time
	wanted := 0
	var prev *pullRequest
	for wr := q.head; wr != nil; {
		expired := !wr.expires.IsZero() && !now.Before(wr.expires)
		if expired {
			c.sendLocked(wr.reply, "", statusPendingHdr(408, jsapi.StatusRequestTimeout, wr.n, wr.b), nil)
			if wr.expires.After(q.last) {
				q.last = wr.expires
			}
			wr = q.remove(prev, wr)
			continue
		}
		if eos && wr.noWait && (wr.expires.IsZero() || wr.d > 0) {
			c.sendLocked(wr.reply, "", statusHdr(404, jsapi.StatusNoMessages), nil)
			if now.After(q.last) {
				q.last = now
			}
			wr = q.remove(prev, wr)
			continue
		}
		if !c.sender.HasInterest(wr.reply) {
			wr = q.remove(prev, wr)
			continue
		}
		wanted += wr.n
		if !wr.hbDue.IsZero() {
			if !now.Before(wr.hbDue) {
				c.sendHeartbeatLocked(wr.reply)
				wr.hbDue = now.Add(wr.hb)
			}
			next = earliest(next, wr.hbDue)
		}
		next = earliest(next, wr.expires)
		prev, wr = wr, wr.next
	}
	return next, wanted
}

// pendingRequests lists the reply subjects of the waiting requests, in
// queue order (for tests and diagnostics).
func (c *Consumer) pendingRequests() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	if c.waiting != nil {
		for wr := c.waiting.head; wr != nil; wr = wr.next {
			out = append(out, wr.reply)
		}
	}
	return slices.Clip(out)
}
