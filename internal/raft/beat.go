package raft

import (
	"sync/atomic"
	"time"
)

// Host beats: quiesced groups do not heartbeat, so a leader's host that
// stops working while its route stays up would go unnoticed by their
// followers. Each tick the host sends every server it knows a tiny beat
// frame (one per server, whatever the number of groups), and treats a
// server it has heard nothing from for three election timeouts as down
// (PeerDown), until it hears from it again (PeerUp).

// peerState is what the host knows of another server.
type peerState struct {
	heard  atomic.Int64 // unix nanoseconds of the last frame from it
	silent bool         // declared down for silence; guarded by Host.mu
}

func newPeerState(now time.Time) *peerState {
	p := &peerState{}
	p.heard.Store(now.UnixNano())
	return p
}

// heard notes a frame from server.
func (h *Host) heard(server string) {
	now := h.clock.Now()
	h.mu.RLock()
	p := h.peers[server]
	ok := p != nil && !p.silent
	h.mu.RUnlock()
	if ok {
		p.heard.Store(now.UnixNano())
		return
	}
	h.mu.Lock()
	if p = h.peers[server]; p == nil {
		p = newPeerState(now)
		h.peers[server] = p
	}
	p.heard.Store(now.UnixNano())
	back := p.silent
	p.silent = false
	h.mu.Unlock()
	if back {
		h.log.Info("raft: server heard from again", "peer", server)
		h.PeerUp(server)
	}
}

// know adds server to the servers that get beats.
func (h *Host) know(server string) {
	h.mu.RLock()
	_, ok := h.peers[server]
	h.mu.RUnlock()
	if ok {
		return
	}
	h.mu.Lock()
	if h.peers[server] == nil {
		h.peers[server] = newPeerState(h.clock.Now())
	}
	h.mu.Unlock()
}

// beat sends a beat to every known server and declares the silent ones
// down. Called by Tick.
func (h *Host) beat() {
	now := h.clock.Now()
	limit := 3 * h.cfg.electionTimeout()
	var to, silent []string
	h.mu.Lock()
	for srv, p := range h.peers {
		if h.down[srv] && !p.silent {
			continue // the transport reported it down
		}
		to = append(to, srv)
		if !p.silent && now.Sub(time.Unix(0, p.heard.Load())) > limit {
			p.silent = true
			silent = append(silent, srv)
		}
	}
	h.mu.Unlock()
	for _, srv := range to {
		_ = h.tr.Send(srv, []byte{frameVersion, recBeat, 0})
	}
	for _, srv := range silent {
		h.log.Warn("raft: server silent, treating it as down", "peer", srv, "silence", limit)
		h.PeerDown(srv)
	}
}
