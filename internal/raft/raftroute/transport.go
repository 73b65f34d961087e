// Package raftroute carries the frames of a raft.Host over the cluster's
// route connections (internal/route), as subsystem messages on the "raft"
// channel. Create the transport from the server's route manager before the
// server starts (route handlers must be registered by then), and bind a
// host to it later: frames arriving before that are dropped, which raft
// tolerates.
//
// New names servers by their server id, which is random for each start of
// a server process: the raft state of a process cannot outlive it. NewNamed
// names them by their server name instead, which the operator keeps across
// restarts, so a server that restarts on its raft log rejoins its groups.
package raftroute

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/natsnet/natsnet/internal/raft"
	"github.com/natsnet/natsnet/internal/route"
)

// Channel is the route subsystem channel of raft frames.
const Channel = "raft"

// Transport is a raft.Transport over a route.Manager.
type Transport struct {
	m *route.Manager
	r atomic.Pointer[receiver]

	// byName: raft names servers by server name (NewNamed); the maps
	// translate to and from the route ids of the current incarnations.
	byName bool
	mu     sync.RWMutex
	ids    map[string]string // server name -> route id of its live route
	names  map[string]string // route id -> server name
}

type receiver struct{ raft.Receiver }

var _ raft.Transport = (*Transport)(nil)

// New registers the transport's handlers with m. Call it before the
// server starts.
func New(m *route.Manager) *Transport {
	t := &Transport{m: m}
	m.Handle(Channel, t.deliver)
	m.OnPeer(t.peer)
	return t
}

// NewNamed is New for hosts whose server ids (raft.Config.ServerID, the
// members of groups) are the servers' names rather than their route ids.
// Names must be unique in the cluster and stay the same across restarts.
// A frame from a server whose name is not known yet is dropped.
func NewNamed(m *route.Manager) *Transport {
	t := &Transport{m: m, byName: true, ids: make(map[string]string), names: make(map[string]string)}
	m.Handle(Channel, t.deliver)
	m.OnPeer(t.peer)
	return t
}

// Send implements raft.Transport. Frames to one server arrive in order;
// Send fails when there is no route or its backlog is full.
func (t *Transport) Send(to string, frame []byte) error {
	id := to
	if t.byName {
		t.mu.RLock()
		id = t.ids[to]
		t.mu.RUnlock()
		if id == "" {
			return fmt.Errorf("raftroute: send to %s: %w", to, route.ErrNoRoute)
		}
	}
	if err := t.m.Send(id, Channel, frame); err != nil {
		return fmt.Errorf("raftroute: send to %s: %w", to, err)
	}
	return nil
}

// Bind implements raft.Transport. Binding nil detaches the host.
func (t *Transport) Bind(r raft.Receiver) {
	if r == nil {
		t.r.Store(nil)
		return
	}
	t.r.Store(&receiver{r})
}

// deliver runs on the route's reader goroutine; the host decodes (and
// copies) the frame before it returns.
func (t *Transport) deliver(from string, payload []byte) {
	r := t.r.Load()
	if r == nil {
		return
	}
	if t.byName {
		if from = t.nameOf(from); from == "" {
			return
		}
	}
	r.Deliver(from, payload)
}

// nameOf translates a route id into a server name, asking the route
// manager when a frame comes before the route's up event.
func (t *Transport) nameOf(id string) string {
	t.mu.RLock()
	name := t.names[id]
	t.mu.RUnlock()
	if name != "" {
		return name
	}
	for _, p := range t.m.Peers() {
		if p.ID == id && p.Name != "" {
			t.mu.Lock()
			if t.names[id] == "" {
				t.names[id], t.ids[p.Name] = p.Name, id
			}
			name = t.names[id]
			t.mu.Unlock()
		}
	}
	return name
}

func (t *Transport) peer(ev route.PeerEvent) {
	server := ev.ID
	if t.byName {
		server = ev.Name
		t.mu.Lock()
		if ev.Up {
			if old := t.ids[ev.Name]; old != "" && old != ev.ID {
				delete(t.names, old)
			}
			t.ids[ev.Name], t.names[ev.ID] = ev.ID, ev.Name
		} else {
			delete(t.names, ev.ID)
			if t.ids[ev.Name] != ev.ID {
				// The route of an earlier incarnation of a server that
				// is back already: not news.
				t.mu.Unlock()
				return
			}
			delete(t.ids, ev.Name)
		}
		t.mu.Unlock()
	}
	r := t.r.Load()
	if r == nil {
		return
	}
	if ev.Up {
		r.PeerUp(server)
	} else {
		r.PeerDown(server)
	}
}
