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
		res, idx, err := p.Result()
		if err != nil {
			t.Fatalf("proposal %d: %v", i, err)
		}
		t.Logf("proposal %d: index %d result %v", i, idx, res)
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
