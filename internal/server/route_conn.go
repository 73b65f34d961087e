package server

import (
	"errors"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/natsnet/natsnet/internal/route/wire"
)

// A route connection is, inside the server, a client whose route field is
// set: it shares the client's output buffer, writer goroutine and delivery
// batching, so forwarding a message to another server costs what delivering
// it to a local subscriber costs. Its reader belongs to the route package,
// which parses the route protocol and calls the RouteConn methods below.

// ErrRouteClosed is returned for operations on a closed route.
var ErrRouteClosed = errors.New("route closed")

// RouteInfo describes the server at the other end of a route.
type RouteInfo struct {
	RemoteID   string
	RemoteName string
	// Solicited is set when this server dialed the route.
	Solicited bool
	// Configured is set when the route's URL is in the configuration.
	Configured bool
}

// routeLink is the route-specific state of a route connection.
type routeLink struct {
	rid uint64
	mu  struct {
		sync.Mutex
		info   RouteInfo
		active bool
		closed bool
		// subs are the remote interest, per account, keyed by
		// "subject" or "subject queue".
		subs  map[*Account]map[string]*subscription
		nsubs int
	}
	// key is the reader's scratch buffer for building sub keys.
	key []byte
}

// routeTable holds the server's route connections.
type routeTable struct {
	mu  sync.Mutex
	all map[uint64]*client // open route connections; guarded by mu
	// active is the copy-on-write list of activated routes, read without
	// a lock by interest propagation. Written under mu.
	active  atomic.Pointer[[]*client]
	nextRID atomic.Uint64
	// Traffic of routes already closed, for the totals in /varz.
	closedIn, closedInBytes, closedOut, closedOutBytes atomic.Int64
}

func (t *routeTable) activeList() []*client {
	if p := t.active.Load(); p != nil {
		return *p
	}
	return nil
}

// RouteConn is a route connection as the server's data path sees it. Its
// methods other than Enqueue, EnqueueSys, Close and SetRTT must be called
// from the connection's reader goroutine.
type RouteConn struct {
	c *client
}

// NewRouteConn adopts a connection to another server (after TLS, if any)
// and starts its writer. The connection carries nothing of the data path
// until Activate.
func (s *Server) NewRouteConn(nc net.Conn) (*RouteConn, error) {
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	rid := s.routes.nextRID.Add(1)
	c := newClient(s, nc, rid)
	c.route = &routeLink{rid: rid}
	c.route.mu.subs = make(map[*Account]map[string]*subscription)
	c.echo, c.headers = true, true
	s.routes.mu.Lock()
	if s.isShuttingDown() {
		s.routes.mu.Unlock()
		_ = nc.Close()
		return nil, ErrServerClosed
	}
	if s.routes.all == nil {
		s.routes.all = make(map[uint64]*client)
	}
	s.routes.all[rid] = c
	s.routes.mu.Unlock()
	if !s.goFunc("route-writer", c.writeLoop) {
		c.closeRoute()
		_ = nc.Close()
		return nil, ErrServerClosed
	}
	return &RouteConn{c: c}, nil
}

// ID is the route's id (rid in /routez).
func (rc *RouteConn) ID() uint64 { return rc.c.route.rid }

// Conn is the network connection.
func (rc *RouteConn) Conn() net.Conn { return rc.c.nc }

// Activate makes the route part of the data path: the server's interest
// is sent to it now and every change later, and interest it receives is
// used to forward messages.
func (rc *RouteConn) Activate(info RouteInfo) error {
	c, rl := rc.c, rc.c.route
	rl.mu.Lock()
	if rl.mu.closed {
		rl.mu.Unlock()
		return ErrRouteClosed
	}
	rl.mu.active = true
	rl.mu.info = info
	rl.mu.Unlock()
	s := c.srv
	s.routes.mu.Lock()
	list := append(slices.Clone(s.routes.activeList()), c)
	s.routes.active.Store(&list)
	s.routes.mu.Unlock()
	s.sendInterestSnapshot(c)
	return nil
}

// Close closes the route: its remote interest is dropped, what is queued
// is flushed and the connection closes, which ends the reader. Safe to call
// from any goroutine, more than once.
func (rc *RouteConn) Close() { rc.c.closeRoute() }

// Closed reports whether the route has been closed.
func (rc *RouteConn) Closed() bool {
	rl := rc.c.route
	rl.mu.Lock()
	defer rl.mu.Unlock()
	return rl.mu.closed
}

// closeRoute is closeConnection for a route connection.
func (c *client) closeRoute() {
	rl := c.route
	rl.mu.Lock()
	if rl.mu.closed {
		rl.mu.Unlock()
		return
	}
	rl.mu.closed = true
	subs := rl.mu.subs
	rl.mu.subs = nil
	rl.mu.nsubs = 0
	rl.mu.Unlock()

	s := c.srv
	s.routes.mu.Lock()
	delete(s.routes.all, rl.rid)
	if i := slices.Index(s.routes.activeList(), c); i >= 0 {
		list := slices.Delete(slices.Clone(s.routes.activeList()), i, i+1)
		s.routes.active.Store(&list)
	}
	s.routes.mu.Unlock()
	s.routes.closedIn.Add(c.inMsgs.Load())
	s.routes.closedInBytes.Add(c.inBytes.Load())
	s.routes.closedOut.Add(c.outMsgs.Load())
	s.routes.closedOutBytes.Add(c.outBytes.Load())

	for acc, m := range subs {
		for _, sub := range m {
			sub.closed.Store(true)
			_ = acc.sl.Remove(sub.subjectString(), sub.queueString(), sub)
		}
	}
	c.out.mu.Lock()
	c.out.closing = true
	c.out.mu.Unlock()
	c.out.kick()
	_ = c.nc.SetReadDeadline(time.Now())
}

// Enqueue queues raw protocol bytes and wakes the writer.
func (rc *RouteConn) Enqueue(b []byte) { rc.c.enqueue(b) }

// EnqueueSys queues an SMSG for an in-process subsystem of the peer. It
// fails when the route is closed or its backlog is over max_pending; it
// never closes the route.
func (rc *RouteConn) EnqueueSys(channel string, payload []byte) error {
	c := rc.c
	o := &c.out
	need := len(channel) + len(payload) + 32
	o.mu.Lock()
	if o.closing {
		o.mu.Unlock()
		return ErrRouteClosed
	}
	if o.pendingLocked()+int64(need) > c.srv.opts.MaxPending {
		o.mu.Unlock()
		return ErrRouteBacklog
	}
	tail := o.tailLocked(need)
	before := len(tail)
	tail = wire.AppendSys(tail, channel, payload)
	o.setTailLocked(tail, len(tail)-before)
	o.mu.Unlock()
	o.kick()
	return nil
}

// ErrRouteBacklog is returned when a route's backlog is too large to queue
// more subsystem messages.
var ErrRouteBacklog = errors.New("route backlog over max_pending")

// SetRTT records the route's round-trip time.
func (rc *RouteConn) SetRTT(d time.Duration) { rc.c.rtt.Store(int64(d)) }

// Touch records activity on the route (a read).
func (rc *RouteConn) Touch() { rc.c.lastActivity.Store(time.Now().UnixNano()) }

// EndRead must be called after the messages of one read are handled: it
// publishes the read's statistics and wakes (or writes for) the local
// subscribers that got messages, then waits, bounded, if one of them is
// far behind.
func (rc *RouteConn) EndRead() {
	c := rc.c
	if len(c.deferred) > 0 {
		c.runDeferred()
	}
	c.flushStats()
	c.flushPending()
	if c.stall != nil {
		c.waitStall()
	}
}

// subKey returns the key of remote interest in the reader's scratch
// buffer; it is only valid until the next call.
func (rl *routeLink) subKey(subj, queue []byte) []byte {
	k := append(rl.key[:0], subj...)
	if len(queue) > 0 {
		k = append(k, ' ')
		k = append(k, queue...)
	}
	rl.key = k
	return k
}

// AddSub records the peer's interest (RS+) in subj, or in queue group
// queue with weight members. Repeated for the same subject and queue, it
// updates the weight.
func (rc *RouteConn) AddSub(acc *Account, subj, queue []byte, weight int32) error {
	c, rl := rc.c, rc.c.route
	key := rl.subKey(subj, queue)
	rl.mu.Lock()
	defer rl.mu.Unlock()
	if rl.mu.closed {
		return ErrRouteClosed
	}
	m := rl.mu.subs[acc]
	if sub, ok := m[string(key)]; ok {
		sub.weight.Store(weight)
		return nil
	}
	// One allocation holds the key and, as sub-slices, the subject and
	// queue; none of them is ever modified.
	kb := slices.Clone(key)
	sub := &subscription{client: c, acc: acc, subject: kb[:len(subj):len(subj)]}
	if len(queue) > 0 {
		sub.queue = kb[len(subj)+1:]
	}
	sub.weight.Store(weight)
	if err := acc.sl.Insert(sub.subjectString(), sub.queueString(), sub); err != nil {
		return err
	}
	if m == nil {
		m = make(map[string]*subscription)
		rl.mu.subs[acc] = m
	}
	m[unsafe.String(unsafe.SliceData(kb), len(kb))] = sub
	rl.mu.nsubs++
	return nil
}

// RemoveSub drops the peer's interest (RS-).
func (rc *RouteConn) RemoveSub(acc *Account, subj, queue []byte) {
	rl := rc.c.route
	key := rl.subKey(subj, queue)
	rl.mu.Lock()
	defer rl.mu.Unlock()
	sub, ok := rl.mu.subs[acc][string(key)]
	if !ok {
		return
	}
	delete(rl.mu.subs[acc], string(key))
	rl.mu.nsubs--
	sub.closed.Store(true)
	_ = acc.sl.Remove(sub.subjectString(), sub.queueString(), sub)
}

// DeliverMsg delivers a message that came over the route (RMSG) to the
// local subscribers: every plain one, and one member of each queue group
// the sender chose this server for. It is never forwarded to another route.
func (rc *RouteConn) DeliverMsg(acc *Account, m *wire.Msg) {
	c := rc.c
	c.pend.inMsgs++
	c.pend.inBytes += int64(len(m.Payload))
	c.srv.deliverRouted(c, acc, m)
}

// isRouteSub reports whether sub is another server's interest.
func (sub *subscription) isRoute() bool {
	return sub.client != nil && sub.client.route != nil
}

// numRoutes reports the active routes.
func (s *Server) numRoutes() int { return len(s.routes.activeList()) }

// NumRoutes reports the active routes.
func (s *Server) NumRoutes() int { return s.numRoutes() }

// closeRoutes closes every route connection (at shutdown).
func (s *Server) closeRoutes() {
	s.routes.mu.Lock()
	all := make([]*client, 0, len(s.routes.all))
	for _, c := range s.routes.all {
		all = append(all, c)
	}
	s.routes.mu.Unlock()
	for _, c := range all {
		c.closeRoute()
	}
}

// routeSockets calls fn for the network connection of every route.
func (s *Server) routeSockets(fn func(net.Conn)) {
	s.routes.mu.Lock()
	defer s.routes.mu.Unlock()
	for _, c := range s.routes.all {
		fn(c.nc)
	}
}

// RemoteQueueServers reports how many other servers have members of queue
// group queue that receive messages published on the literal subject.
func (a *Account) RemoteQueueServers(subject, queue string) int {
	r := a.sl.Match(subject)
	var seen []*client
	for i := range r.Queues {
		if r.Queues[i].Name != queue {
			continue
		}
		for _, sub := range r.Queues[i].Members {
			if sub.isRoute() && !slices.Contains(seen, sub.client) {
				seen = append(seen, sub.client)
			}
		}
	}
	return len(seen)
}

// RemoteInterestServers reports how many other servers have plain interest
// in the literal subject.
func (a *Account) RemoteInterestServers(subject string) int {
	var seen []*client
	for _, sub := range a.sl.Match(subject).Plain {
		if sub.isRoute() && !slices.Contains(seen, sub.client) {
			seen = append(seen, sub.client)
		}
	}
	return len(seen)
}
