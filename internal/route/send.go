package route

import (
	"errors"
	"sort"
)

// SysHandler receives a subsystem message sent by the server with id from.
// It runs on the route's reader goroutine: it must not block, and payload
// is only valid during the call.
type SysHandler func(from string, payload []byte)

// PeerEvent reports a route to a server coming up or going down.
type PeerEvent struct {
	ID   string
	Name string
	Up   bool
}

// ErrNoRoute is returned by Send when there is no route to the server.
var ErrNoRoute = errors.New("route: no route to server")

// Handle registers h for the subsystem messages of channel. It must be
// called before the server starts.
func (m *Manager) Handle(channel string, h SysHandler) {
	m.handlers[channel] = h
}

// OnPeer registers fn to hear of routes coming up and going down. It must
// be called before the server starts. fn runs on route goroutines and must
// not block.
func (m *Manager) OnPeer(fn func(PeerEvent)) {
	m.peerFns = append(m.peerFns, fn)
}

func (m *Manager) notify(ev PeerEvent) {
	for _, fn := range m.peerFns {
		fn(ev)
	}
}

// Send queues payload for the subsystem that handles channel on the server
// with id serverID. Messages to one server arrive in the order they were
// sent. It fails when there is no route to that server or the route's
// backlog is over the server's max_pending.
func (m *Manager) Send(serverID, channel string, payload []byte) error {
	p := m.peers.Load()
	if p == nil {
		return ErrNoRoute
	}
	l := (*p)[serverID]
	if l == nil {
		return ErrNoRoute
	}
	return l.rc.EnqueueSys(channel, payload)
}

// Broadcast queues payload for channel on every server with a route, and
// returns how many it was queued for.
func (m *Manager) Broadcast(channel string, payload []byte) int {
	p := m.peers.Load()
	if p == nil {
		return 0
	}
	n := 0
	for _, l := range *p {
		if l.rc.EnqueueSys(channel, payload) == nil {
			n++
		}
	}
	return n
}

// PeerInfo describes an active route.
type PeerInfo struct {
	ID         string
	Name       string
	Solicited  bool
	Configured bool
	// RouteURL is where the peer accepts routes.
	RouteURL   string
	ClientURLs []string
}

// Peers lists the servers this one has an active route to, by name.
func (m *Manager) Peers() []PeerInfo {
	m.mu.Lock()
	out := make([]PeerInfo, 0, len(m.mu.links))
	for _, l := range m.mu.links {
		out = append(out, PeerInfo{
			ID: l.peer.ID, Name: l.peer.Name, Solicited: l.dialed != "", Configured: l.configured,
			RouteURL: l.peer.RouteURL, ClientURLs: append([]string(nil), l.peer.ClientURLs...),
		})
	}
	m.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// NumRoutes reports the active routes.
func (m *Manager) NumRoutes() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.mu.links)
}

// Connected reports whether there is a route to serverID that is fully in
// service: the cluster was told of it, and the peer has acknowledged (with
// a PONG) the interest this server sent it.
func (m *Manager) Connected(serverID string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.mu.links[serverID]
	return l != nil && l.up && l.synced
}

// Settled reports whether this server has no route being set up: no dial
// in progress, no handshake pending, every route fully in service. Once
// every server of a full mesh is settled, routes stay as they are until a
// server or a connection goes away.
func (m *Manager) Settled() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mu.dialing > 0 || len(m.mu.all) != len(m.mu.links) {
		return false
	}
	for _, l := range m.mu.links {
		if !l.up || !l.synced {
			return false
		}
	}
	return true
}
