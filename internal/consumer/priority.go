package consumer

import (
	"slices"
	"time"

	"github.com/natsnet/natsnet/internal/jsapi"
)

// Priority groups (ADR-42) for pull consumers:
//
//   - overflow: a request with min_pending or min_ack_pending only gets
//     messages while the consumer has at least that many pending (or ack
//     pending); otherwise it is skipped.
//   - pinned_client: the first request without a pin id gets a new pin
//     (Nats-Pin-Id header on its messages, PINNED advisory); only requests
//     carrying that id get messages. The pin is released by Unpin or when no
//     request of the pinned client arrives for priority_timeout.
//   - prioritized: requests are served in priority order (0 first), FIFO
//     within a priority.
//
// Only the first configured group is tracked, as in the reference.

type pinState struct {
	id       string
	ts       time.Time
	group    string
	deadline time.Time // priority_timeout since the pinned client's last request
}

// checkPriorityRequestLocked validates the priority fields of a JSON pull
// request in the reference's order; false means it was answered.
func (c *Consumer) checkPriorityRequestLocked(reply string, pg *jsapi.PriorityGroup, now time.Time) bool {
	policy := c.cfg.PriorityPolicy
	switch {
	case (pg.MinPending != 0 || pg.MinAckPending != 0) && policy != jsapi.PriorityOverflow:
		c.badPullLocked(reply, 400, "Bad Request - Not a Overflow Priority consumer")
		return false
	case pg.ID != "" && policy != jsapi.PriorityPinnedClient:
		c.badPullLocked(reply, 400, "Bad Request - Not a Pinned Client Priority consumer")
		return false
	case pg.Priority < 0 || pg.Priority > 9:
		c.badPullLocked(reply, 400, "Bad Request - Priority must be between 0 and 9")
		return false
	}
	if policy == jsapi.PriorityNone {
		return true
	}
	switch {
	case pg.Group == "":
		c.badPullLocked(reply, 400, "Bad Request - Priority Group missing")
		return false
	case !slices.Contains(c.cfg.PriorityGroups, pg.Group):
		c.badPullLocked(reply, 400, "Bad Request - Invalid Priority Group")
		return false
	}
	if c.pin.id != "" {
		if pg.ID == c.pin.id {
			c.pin.deadline = now.Add(c.cfg.PinnedTTL)
		} else if pg.ID != "" {
			c.badPullLocked(reply, 423, "Nats-Pin-Id mismatch")
			return false
		}
	}
	return true
}

// assignPinLocked pins the group to wr's client with a new id.
func (c *Consumer) assignPinLocked(wr *pullRequest, now time.Time) {
	if wr.pg == nil || wr.pg.Group == "" {
		return
	}
	c.pin = pinState{id: newID(), ts: now, group: wr.pg.Group, deadline: now.Add(c.cfg.PinnedTTL)}
	wr.pg.ID = c.pin.id
	adviseLocked(c, jsapi.EventSubject(jsapi.AdvisoryConsumerPinned, c.sname, c.name),
		&jsapi.ConsumerGroupPinnedAdvisory{Stream: c.sname, Consumer: c.name, Group: wr.pg.Group, PinnedClientID: c.pin.id})
}

func (c *Consumer) unassignPinLocked() { c.pin = pinState{} }

// checkPinLocked releases a pin whose client has been silent for
// priority_timeout and returns when the current pin times out.
func (c *Consumer) checkPinLocked(now time.Time) time.Time {
	if c.pin.id == "" || c.pin.deadline.IsZero() || c.cfg.PinnedTTL <= 0 {
		return time.Time{}
	}
	if now.Before(c.pin.deadline) {
		return c.pin.deadline
	}
	group := c.pin.group
	c.unassignPinLocked()
	c.unpinnedAdvisoryLocked(group, "timeout")
	return time.Time{}
}

func (c *Consumer) unpinnedAdvisoryLocked(group, reason string) {
	adviseLocked(c, jsapi.EventSubject(jsapi.AdvisoryConsumerUnpinned, c.sname, c.name),
		&jsapi.ConsumerGroupUnpinnedAdvisory{Stream: c.sname, Consumer: c.name, Group: group, Reason: reason})
}

// Unpin releases the pin of a pinned_client consumer (CONSUMER.UNPIN; the
// caller has checked that group is one of the consumer's groups), sends an
// UNPINNED advisory with reason "admin" and lets the next request be
// pinned.
func (c *Consumer) Unpin(group string) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.unassignPinLocked()
	c.unpinnedAdvisoryLocked(group, "admin")
	c.unlockAndFlush()
	c.signal()
}
