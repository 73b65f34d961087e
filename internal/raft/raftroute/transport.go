// Package raftroute carries the frames of a raft.Host over the cluster's
// route connections (internal/route), as subsystem messages on the "raft"
// channel. Create the transport from the server's route manager before the
// server starts (route handlers must be registered by then), and bind a
// host to it later: frames arriving before that are dropped, which raft
// tolerates.
package raftroute

import (
	"fmt"
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

// Send implements raft.Transport. Frames to one server arrive in order;
// Send fails when there is no route or its backlog is full.
func (t *Transport) Send(to string, frame []byte) error {
	if err := t.m.Send(to, Channel, frame); err != nil {
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
	if r := t.r.Load(); r != nil {
		r.Deliver(from, payload)
	}
}

func (t *Transport) peer(ev route.PeerEvent) {
	r := t.r.Load()
	if r == nil {
		return
	}
	if ev.Up {
		r.PeerUp(ev.ID)
	} else {
		r.PeerDown(ev.ID)
	}
}
