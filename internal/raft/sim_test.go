package raft_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/natsnet/natsnet/internal/raft"
)

func TestSimElectAndPropose(t *testing.T) {
	c := newSimCluster(t, 3, 1, nil)
	c.createGroup("g")
	l := c.waitLeader("g", 100)
	var props []*raft.Proposal
	for i := range 10 {
		props = append(props, c.group(l, "g").ProposeAsync(fmt.Appendf(nil, "v%d", i)))
	}
	c.step()
	for i, p := range props {
		select {
		case <-p.Done():
		default:
			t.Fatalf("proposal %d not done", i)
		}
		res, _, err := p.Result()
		if err != nil || res != i+1 {
			t.Fatalf("proposal %d: result %v, %v; want %d", i, res, err, i+1)
		}
	}
	for range 5 {
		c.step()
	}
	for i, nd := range c.nodes {
		if got := len(nd.sms["g"].entries()); got != 10 {
			t.Errorf("node %d applied %d entries, want 10", i, got)
		}
	}
	f := (l + 1) % 3
	_, err := c.group(f, "g").Propose(t.Context(), []byte("x"))
	var nle *raft.NotLeaderError
	if !errors.As(err, &nle) || nle.Leader != c.nodes[l].id {
		t.Fatalf("propose on follower: %v, want not leader with leader %s", err, c.nodes[l].id)
	}
}

// stepExcept is step with node skip hung: not ticked, not processed (its
// route stays up).
func (c *simCluster) stepExcept(skip int) {
	c.clock.Advance(tick)
	for i, nd := range c.nodes {
		if nd.host != nil && i != skip {
			nd.host.Tick()
		}
	}
	for range 1000 {
		n := 0
		for i, nd := range c.nodes {
			if nd.host != nil && i != skip {
				n += nd.host.Process()
			}
		}
		if n += c.net.Deliver(); n == 0 {
			return
		}
	}
}

func TestSimQuiesce(t *testing.T) {
	c := newSimCluster(t, 3, 2, nil)
	for k := range 10 {
		c.createGroup(fmt.Sprintf("g%d", k))
	}
	for k := range 10 {
		c.waitLeader(fmt.Sprintf("g%d", k), 100)
	}
	for range 10 {
		c.step()
	}
	for _, nd := range c.nodes {
		if q := nd.host.Stats().Quiesced; q != 10 {
			t.Fatalf("%s: %d of 10 groups quiesced", nd.id, q)
		}
	}
	sent := c.nodes[0].host.Stats().MsgsSent
	for range 100 {
		c.step()
	}
	if d := c.nodes[0].host.Stats().MsgsSent - sent; d != 0 {
		t.Fatalf("quiesced groups sent %d raft messages in 100 ticks", d)
	}
	// A read on a quiesced follower wakes the group and completes.
	l := c.leader("g3")
	r := c.group((l+1)%3, "g3").ReadIndexAsync()
	c.step()
	select {
	case <-r.Done():
		if err := r.Err(); err != nil {
			t.Fatalf("read index on a quiesced follower: %v", err)
		}
	default:
		t.Fatal("read index on a quiesced follower did not complete")
	}
	// A proposal wakes the group, commits, and it quiesces again.
	p := c.group(l, "g3").ProposeAsync([]byte("x"))
	c.step()
	if _, _, err := p.Result(); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		c.step()
	}
	for _, nd := range c.nodes {
		if q := nd.host.Stats().Quiesced; q != 10 {
			t.Fatalf("%s: %d of 10 groups quiesced after the proposal", nd.id, q)
		}
		if got := len(nd.sms["g3"].entries()); got != 1 {
			t.Fatalf("%s applied %d entries", nd.id, got)
		}
	}
}

func TestSimFastFailoverOnPeerDown(t *testing.T) {
	c := newSimCluster(t, 3, 3, nil)
	c.createGroup("g")
	l := c.waitLeader("g", 100)
	for range 10 {
		c.step()
	}
	c.crash(l)
	// No tick: the route drop alone must elect a new leader.
	c.settle()
	if nl := c.leader("g"); nl < 0 || nl == l {
		t.Fatalf("no new leader right after the leader's route dropped (leader %d)", nl)
	}
}

func TestSimSilentLeaderFailover(t *testing.T) {
	c := newSimCluster(t, 3, 4, nil)
	c.createGroup("g")
	l := c.waitLeader("g", 100)
	for range 10 {
		c.step()
	}
	if !c.nodes[(l+1)%3].host.Group("g").Current() {
		t.Fatal("quiesced follower is not current")
	}
	// The leader's host hangs while its route stays up: the followers are
	// quiesced and hear no heartbeats; host beats must notice.
	for i := range 40 {
		c.stepExcept(l)
		for j := range c.nodes {
			if j != l && c.group(j, "g").IsLeader() {
				t.Logf("new leader after %d ticks", i+1)
				return
			}
		}
	}
	t.Fatal("no failover from a silent leader")
}
