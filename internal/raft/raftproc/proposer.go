package raftproc

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"time"
)

// Proposer proposes to the main group without pause, one proposal at a
// time, through whichever server leads (following not-leader hints), and
// records every acknowledged proposal. Every attempt has a new id, so an
// id is in the log at most once. It measures failovers: from MarkKilled
// to the next acknowledged proposal.
type Proposer struct {
	c    *Cluster
	size int

	mu        sync.Mutex
	acked     []uint64
	attempts  uint64
	errors    uint64
	down      map[int]bool
	killedAt  time.Time // zero when no failover is being measured
	failovers []time.Duration
	cancel    context.CancelFunc // of the attempt in flight

	stop chan struct{}
	done chan struct{}
}

// NewProposer starts proposing entries of size bytes (at least 8) to c.
func NewProposer(c *Cluster, size int) *Proposer {
	p := &Proposer{c: c, size: max(size, 8), down: make(map[int]bool), stop: make(chan struct{}), done: make(chan struct{})}
	go p.run()
	return p
}

func (p *Proposer) run() {
	defer close(p.done)
	data := make([]byte, p.size)
	target := 0
	var id uint64
	for {
		select {
		case <-p.stop:
			return
		default:
		}
		p.mu.Lock()
		for k := 0; p.down[target] && k < p.c.N(); k++ {
			target = (target + 1) % p.c.N()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		p.cancel = cancel
		p.attempts++
		p.mu.Unlock()

		id++
		binary.BigEndian.PutUint64(data, id)
		t0 := time.Now()
		res := p.c.Propose(ctx, target, data)
		cancel()
		now := time.Now()
		if d := now.Sub(t0); d > 200*time.Millisecond {
			p.c.log.Info("slow proposal attempt", "at", t0.Format("15:04:05.000"), "server", p.c.nodes[target].Name, "took", d, "ok", res.OK, "leader", res.Leader, "err", res.Err)
		}
		p.mu.Lock()
		switch {
		case res.OK:
			p.acked = append(p.acked, id)
			if !p.killedAt.IsZero() && t0.After(p.killedAt) {
				p.failovers = append(p.failovers, now.Sub(p.killedAt))
				p.killedAt = time.Time{}
			}
		case res.Leader != "" && p.c.Index(res.Leader) >= 0 && !p.down[p.c.Index(res.Leader)]:
			target = p.c.Index(res.Leader)
		default:
			if res.Err != nil {
				p.errors++
			}
			target = (target + 1) % p.c.N()
		}
		p.mu.Unlock()
		if !res.OK && res.Leader == "" {
			// No leader known, or the server is gone: do not spin.
			time.Sleep(2 * time.Millisecond)
		}
	}
}

// MarkKilled tells the proposer that server i is about to be killed:
// it stops sending to it, abandons the attempt in flight, and, when
// leader is set, measures the failover from now to the next
// acknowledged proposal.
func (p *Proposer) MarkKilled(i int, leader bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down[i] = true
	if leader {
		p.killedAt = time.Now()
	}
	if p.cancel != nil {
		p.cancel()
	}
}

// MarkUp tells the proposer that server i runs again.
func (p *Proposer) MarkUp(i int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.down, i)
}

// Acked returns how many proposals were acknowledged so far.
func (p *Proposer) Acked() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.acked)
}

// WaitAcked waits until n more proposals than now are acknowledged, or
// d passes.
func (p *Proposer) WaitAcked(n int, d time.Duration) error {
	want := p.Acked() + n
	deadline := time.Now().Add(d)
	for p.Acked() < want {
		if time.Now().After(deadline) {
			return fmt.Errorf("raftproc: %d proposals acknowledged in %v, want %d", p.Acked()-want+n, d, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

// Stop stops proposing and returns the acknowledged ids (in the order
// acknowledged), the attempts and errors, and the failover times.
func (p *Proposer) Stop() (acked []uint64, attempts, errors uint64, failovers []time.Duration) {
	close(p.stop)
	p.mu.Lock()
	if p.cancel != nil {
		p.cancel()
	}
	p.mu.Unlock()
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.acked, p.attempts, p.errors, p.failovers
}
