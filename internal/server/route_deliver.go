package server

import (
	"bytes"
	"math/rand/v2"

	"github.com/natsnet/natsnet/internal/route/wire"
	"github.com/natsnet/natsnet/internal/sublist"
)

// Forwarding rules (clustered servers only):
//   - a message published here goes to every local subscriber, and once
//     to every route whose server has matching plain interest, however
//     many of its subscriptions match;
//   - a queue group gets the message once cluster-wide: a local member if
//     there is one that can take it, else one remote server, chosen at
//     random in proportion to its member count, which then delivers to one
//     of its members. The groups a server was chosen for travel in the
//     RMSG, so one RMSG per route carries both kinds of interest;
//   - a message that came from a route is delivered to local subscribers
//     only: it crosses at most one route.

// maxInlineTargets is how many routes and queue picks a delivery tracks
// without allocating.
const maxInlineTargets = 8

// routeFwd collects where one message goes over routes.
type routeFwd struct {
	// acc is the account of the interest: all of r's subscriptions are
	// in one account's sublist.
	acc   *Account
	n     int
	links [maxInlineTargets]*client
	more  []*client
	np    int
	picks [maxInlineTargets]qpick
	extra []qpick
}

// qpick says that the queue group r.Queues[group] goes to target link.
type qpick struct{ link, group int }

func (f *routeFwd) link(i int) *client {
	if i < maxInlineTargets {
		return f.links[i]
	}
	return f.more[i-maxInlineTargets]
}

// add records the route c as a target and returns its index.
func (f *routeFwd) add(c *client) int {
	for i := range f.n {
		if f.link(i) == c {
			return i
		}
	}
	if f.n < maxInlineTargets {
		f.links[f.n] = c
	} else {
		f.more = append(f.more, c)
	}
	f.n++
	return f.n - 1
}

func (f *routeFwd) pick(link, group int) {
	if f.np < maxInlineTargets {
		f.picks[f.np] = qpick{link, group}
	} else {
		f.extra = append(f.extra, qpick{link, group})
	}
	f.np++
}

func (f *routeFwd) pickAt(i int) qpick {
	if i < maxInlineTargets {
		return f.picks[i]
	}
	return f.extra[i-maxInlineTargets]
}

// deliverCluster is deliverAll for a clustered server. match is the
// subject the interest r was matched for, subj the one subscribers see
// (they differ for PublishAs).
//
// from may be a route connection: a service handler that runs inline on
// the route's reader (a JetStream API call that came over a route)
// publishes its reply through the route's batch. That is a new message of
// this server, forwarded like any other; only the routed message itself is
// kept local (deliverRouted).
func (s *Server) deliverCluster(from, echoFrom *client, r *sublist.Result[*subscription], match, subj, reply []byte, hdrLen int, payload []byte) bool {
	var fwd routeFwd
	delivered := false
	for _, sub := range r.Plain {
		if sub.isRoute() {
			fwd.acc = sub.acc
			fwd.add(sub.client)
			continue
		}
		if echoFrom != nil && sub.client == echoFrom && !echoFrom.echo {
			continue
		}
		if s.deliver(from, sub, subj, reply, hdrLen, payload) {
			delivered = true
		}
	}
	for i := range r.Queues {
		members := r.Queues[i].Members
		if s.deliverQueue(from, echoFrom, members, subj, reply, hdrLen, payload) {
			delivered = true
			continue
		}
		if sub := pickRemote(members); sub != nil {
			fwd.acc = sub.acc
			fwd.pick(fwd.add(sub.client), i)
		}
	}
	if fwd.n == 0 {
		return delivered
	}
	var as []byte
	if !bytes.Equal(match, subj) {
		as = subj
	}
	var qbuf [maxInlineTargets]string
	for i := range fwd.n {
		t := fwd.link(i)
		queues := qbuf[:0]
		for k := range fwd.np {
			if p := fwd.pickAt(k); p.link == i {
				queues = append(queues, r.Queues[p.group].Name)
			}
		}
		if s.sendRMsg(from, t, fwd.acc, match, as, reply, queues, hdrLen, payload) {
			delivered = true
		}
	}
	return delivered
}

// pickRemote chooses the remote member of a queue group to forward to, at
// random in proportion to the members each server reported.
func pickRemote(members []*subscription) *subscription {
	total := 0
	for _, sub := range members {
		if sub.isRoute() && !sub.closed.Load() {
			total += int(max(sub.weight.Load(), 1))
		}
	}
	if total == 0 {
		return nil
	}
	x := rand.IntN(total)
	for _, sub := range members {
		if sub.isRoute() && !sub.closed.Load() {
			if x -= int(max(sub.weight.Load(), 1)); x < 0 {
				return sub
			}
		}
	}
	return nil
}

// deliverRouted delivers an RMSG from the route client from.
func (s *Server) deliverRouted(from *client, acc *Account, m *wire.Msg) {
	r := acc.sl.MatchBytes(m.Subject)
	subj := m.Subject
	if m.As != nil {
		subj = m.As
	}
	for _, sub := range r.Plain {
		if !sub.isRoute() {
			s.deliver(from, sub, subj, m.Reply, m.HeaderLen, m.Payload)
		}
	}
	for _, q := range m.Queues {
		for i := range r.Queues {
			if r.Queues[i].Name == string(q) {
				s.deliverQueue(from, nil, r.Queues[i].Members, subj, m.Reply, m.HeaderLen, m.Payload)
				break
			}
		}
	}
}

// sendRMsg queues a message for the route t. It reports false when the
// route could not take it.
func (s *Server) sendRMsg(from, t *client, acc *Account, match, as, reply []byte, queues []string, hdrLen int, payload []byte) bool {
	if acc == nil {
		return false
	}
	need := wire.RMsgSize(acc.Name, match, as, reply, payload)
	for _, q := range queues {
		need += len(q) + 1
	}
	o := &t.out
	o.mu.Lock()
	if o.closing {
		o.mu.Unlock()
		return false
	}
	if o.pendingLocked()+int64(need) > s.opts.MaxPending {
		o.mu.Unlock()
		s.stats.slowConsumers.Add(1)
		s.log.Warn("route is a slow consumer, closing it", "rid", t.cid, "pending", t.out.pending())
		t.closeRoute()
		return false
	}
	tail := o.tailLocked(need)
	before := len(tail)
	tail = wire.AppendRMsg(tail, acc.Name, match, as, reply, queues, hdrLen, payload)
	o.setTailLocked(tail, len(tail)-before)
	var stall chan struct{}
	if o.pendingLocked() > s.stallAt {
		if o.stall == nil {
			o.stall = make(chan struct{})
		}
		stall = o.stall
	}
	o.mu.Unlock()
	t.outMsgs.Add(1)
	t.outBytes.Add(int64(len(payload)))
	if from != nil {
		if stall != nil {
			from.stall = stall
		}
		from.pend.outMsgs++
		from.pend.outBytes += int64(len(payload))
		if from.lastPcd != t {
			from.pcd[t] = struct{}{}
			from.lastPcd = t
		}
	} else {
		s.stats.outMsgs.Add(1)
		s.stats.outBytes.Add(int64(len(payload)))
		o.kick()
	}
	return true
}

// deliverAllAs delivers to the interest r matched for match, presenting the
// message under subj (PublishAs).
func (s *Server) deliverAllAs(from, echoFrom *client, r *sublist.Result[*subscription], match, subj, reply []byte, hdrLen int, payload []byte) bool {
	if s.clustered {
		return s.deliverCluster(from, echoFrom, r, match, subj, reply, hdrLen, payload)
	}
	return s.deliverAll(from, echoFrom, r, subj, reply, hdrLen, payload)
}
