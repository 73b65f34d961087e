package server

import (
	"math/rand/v2"

	"github.com/natsnet/natsnet/internal/proto"
	"github.com/natsnet/natsnet/internal/sublist"
)

// processMsg delivers one published message to the interest in acc. from is
// the publishing client, or nil when the server itself publishes. It reports
// whether any subscriber took the message.
//
// This is the hot path: with a cached sublist match and no subscribers it
// allocates nothing.
func (s *Server) processMsg(from *client, acc *Account, subj, reply []byte, hdrLen int, payload []byte) bool {
	return s.deliverAll(from, from, acc.sl.MatchBytes(subj), subj, reply, hdrLen, payload)
}

// deliverAll delivers a message, under the subject subj, to the interest r.
// from batches the wake-ups (nil: wake at once); echoFrom is the publisher
// whose echo setting applies (nil when the server itself publishes, even
// through a client's batch).
func (s *Server) deliverAll(from, echoFrom *client, r *sublist.Result[*subscription], subj, reply []byte, hdrLen int, payload []byte) bool {
	if s.clustered {
		return s.deliverCluster(from, echoFrom, r, subj, subj, reply, hdrLen, payload)
	}
	delivered := false
	for _, sub := range r.Plain {
		if echoFrom != nil && sub.client == echoFrom && !echoFrom.echo {
			continue
		}
		if s.deliver(from, sub, subj, reply, hdrLen, payload) {
			delivered = true
		}
	}
	for i := range r.Queues {
		if s.deliverQueue(from, echoFrom, r.Queues[i].Members, subj, reply, hdrLen, payload) {
			delivered = true
		}
	}
	return delivered
}

// deliverQueue gives the message to one member of a queue group, starting at
// a random member and moving on if that one cannot take it.
func (s *Server) deliverQueue(from, echoFrom *client, members []*subscription, subj, reply []byte, hdrLen int, payload []byte) bool {
	n := len(members)
	if n == 0 {
		return false
	}
	start := 0
	if n > 1 {
		start = rand.IntN(n)
	}
	for i := range n {
		sub := members[(start+i)%n]
		if sub.isRoute() {
			continue // another server's members: see deliverCluster
		}
		if echoFrom != nil && sub.client == echoFrom && !echoFrom.echo {
			continue
		}
		if s.deliver(from, sub, subj, reply, hdrLen, payload) {
			return true
		}
	}
	return false
}

// deliver queues the message for one subscription. It reports false when the
// subscription could not take it (closed, over its limit, slow consumer).
func (s *Server) deliver(from *client, sub *subscription, subj, reply []byte, hdrLen int, payload []byte) bool {
	if sub.closed.Load() {
		return false
	}
	if sub.dcb != nil {
		var hdr []byte
		data := payload
		if hdrLen >= 0 {
			hdr, data = payload[:hdrLen], payload[hdrLen:]
		}
		sub.dcb(Delivery{batch: from, acc: sub.acc}, string(subj), string(reply), hdr, data)
		return true
	}
	if sub.icb != nil {
		if sub.inline {
			var hdr []byte
			data := payload
			if hdrLen >= 0 {
				hdr, data = payload[:hdrLen], payload[hdrLen:]
			}
			sub.icb(string(subj), string(reply), hdr, data)
			return true
		}
		s.queueInternal(sub, subj, reply, hdrLen, payload)
		return true
	}
	t := sub.client
	reachedMax := false
	n := sub.delivered.Add(1)
	if max := sub.max.Load(); max > 0 {
		if n > max {
			return false
		}
		reachedMax = n == max
	}
	if t.perms != nil && t.perms.sub.deniesDelivery(subj) {
		return false
	}
	if hdrLen >= 0 && !t.headers {
		payload = payload[hdrLen:]
		hdrLen = -1
	}
	need := int64(len(subj) + len(reply) + len(sub.sid) + len(payload) + 48)
	o := &t.out
	o.mu.Lock()
	if o.closing {
		o.mu.Unlock()
		return false
	}
	if o.pendingLocked()+need > s.opts.MaxPending {
		o.mu.Unlock()
		s.slowConsumer(t)
		return false
	}
	tail := o.tailLocked(int(need))
	before := len(tail)
	if hdrLen >= 0 {
		tail = proto.AppendHMsg(tail, subj, sub.sid, reply, hdrLen, payload)
	} else {
		tail = proto.AppendMsg(tail, subj, sub.sid, reply, payload)
	}
	o.setTailLocked(tail, len(tail)-before)
	var stall chan struct{}
	if o.pendingLocked() > s.stallAt {
		if o.stall == nil {
			o.stall = make(chan struct{})
		}
		stall = o.stall
	}
	o.mu.Unlock()
	if stall != nil && from != nil {
		from.stall = stall
	}
	t.outMsgs.Add(1)
	t.outBytes.Add(int64(len(payload)))
	if from != nil {
		from.pend.outMsgs++
		from.pend.outBytes += int64(len(payload))
	} else {
		s.stats.outMsgs.Add(1)
		s.stats.outBytes.Add(int64(len(payload)))
	}
	if len(reply) > 0 && t.perms != nil && t.perms.resp != nil {
		t.grantReply(reply)
	}
	if from != nil {
		if from.lastPcd != t {
			from.pcd[t] = struct{}{}
			from.lastPcd = t
		}
	} else {
		o.kick()
	}
	if reachedMax {
		t.unsubscribeMax(sub)
	}
	return true
}

// slowConsumer disconnects a client whose pending output passed the limit.
func (s *Server) slowConsumer(t *client) {
	if t.isClosed() {
		return
	}
	s.stats.slowConsumers.Add(1)
	s.log.Warn("slow consumer detected, disconnecting", "cid", t.cid, "pending", t.out.pending())
	t.closeConnection(reasonSlowConsumerPending)
}
