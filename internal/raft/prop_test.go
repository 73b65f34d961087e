package raft_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/natsnet/natsnet/internal/raft"
	"github.com/natsnet/natsnet/internal/raft/raftsim"
)

// propCluster tracks what the property test checks.
type propCluster struct {
	*simCluster
	// leaders maps group/term to the server that led it.
	leaders map[string]string
	// props are every proposal made, by value.
	props map[string]*raft.Proposal
	on    map[string]*raft.Host // the host each proposal was made on
	seq   int
}

var propGroups = []string{"a", "b"}

func (c *propCluster) check(t *rapid.T) {
	for i, nd := range c.nodes {
		if nd.host == nil {
			continue
		}
		if nd.host.Err() != nil {
			// A torn save: the host crashed.
			c.crash(i)
			continue
		}
		for _, g := range propGroups {
			st, err := nd.host.Group(g).Status()
			if err != nil || st.Role != "leader" {
				continue
			}
			key := fmt.Sprintf("%s/%d", g, st.Term)
			if prev, ok := c.leaders[key]; ok && prev != nd.id {
				t.Fatalf("group %s term %d has two leaders: %s and %s", g, st.Term, prev, nd.id)
			}
			c.leaders[key] = nd.id
		}
	}
	for _, g := range propGroups {
		var ref []applied
		for _, nd := range c.nodes {
			got := nd.sms[g].entries()
			seen := make(map[string]bool)
			for _, a := range got {
				if seen[a.data] {
					t.Fatalf("group %s: %s applied %q twice", g, nd.id, a.data)
				}
				seen[a.data] = true
			}
			n := min(len(ref), len(got))
			for k := range n {
				if ref[k] != got[k] {
					t.Fatalf("group %s: %s applied %v at position %d, another replica %v", g, nd.id, got[k], k, ref[k])
				}
			}
			if len(got) > len(ref) {
				ref = got
			}
		}
	}
}

var totalAcked, totalSnaps atomic.Int64

func TestPropertySafety(t *testing.T) {
	defer func() {
		t.Logf("over all runs: %d acknowledged proposals, %d snapshots installed from leaders", totalAcked.Load(), totalSnaps.Load())
	}()
	rapid.Check(t, func(rt *rapid.T) {
		seed := rapid.Uint64().Draw(rt, "seed")
		snapEvery := rapid.SampledFrom([]uint64{4, 16, 1 << 30}).Draw(rt, "snapEvery")
		c := &propCluster{leaders: make(map[string]string), props: make(map[string]*raft.Proposal), on: make(map[string]*raft.Host)}
		c.simCluster = newSimCluster(rt, 3, seed, func(cfg *raft.Config) {
			cfg.SnapshotEntries = snapEvery
			cfg.SnapshotTail = 2
			cfg.SnapshotChunk = 64
		})
		for _, g := range propGroups {
			c.createGroup(g)
		}
		for _, g := range propGroups {
			c.waitLeader(g, 100)
		}
		propose := func(t *rapid.T) {
			g := rapid.SampledFrom(propGroups).Draw(t, "group")
			i := c.leader(g)
			if i < 0 || rapid.IntRange(0, 4).Draw(t, "anyNode") == 0 {
				var up []int
				for n := range c.nodes {
					if c.group(n, g) != nil {
						up = append(up, n)
					}
				}
				if len(up) == 0 {
					return // every node is down: nothing can be proposed
				}
				i = rapid.SampledFrom(up).Draw(t, "node")
			}
			gr := c.group(i, g)
			for range rapid.IntRange(1, 5).Draw(t, "count") {
				c.seq++
				v := fmt.Sprintf("%s-%d", g, c.seq)
				c.props[v] = gr.ProposeAsync([]byte(v))
				c.on[v] = c.nodes[i].host
			}
		}
		step := func(t *rapid.T) {
			for range rapid.IntRange(1, 30).Draw(t, "ticks") {
				c.step()
				c.check(t)
			}
		}
		rt.Repeat(map[string]func(*rapid.T){
			"propose":  propose,
			"propose2": propose,
			"step":     step,
			"step2":    step,

			"partition": func(t *rapid.T) {
				a := rapid.IntRange(0, 2).Draw(t, "a")
				b := (a + rapid.IntRange(1, 2).Draw(t, "other")) % 3
				c.net.Partition(c.nodes[a].id, c.nodes[b].id)
			},
			"heal": func(t *rapid.T) {
				a, b := rapid.IntRange(0, 2).Draw(t, "a"), rapid.IntRange(0, 2).Draw(t, "b")
				c.net.Heal(c.nodes[a].id, c.nodes[b].id)
			},
			"faults": func(t *rapid.T) {
				c.net.SetFaults(raftsim.Faults{
					DropRate: rapid.SampledFrom([]float64{0, 0.05, 0.3}).Draw(t, "drop"),
					MaxDelay: rapid.SampledFrom([]time.Duration{0, tick, 5 * tick}).Draw(t, "delay"),
				})
			},
			"crash": func(t *rapid.T) {
				c.crash(rapid.IntRange(0, 2).Draw(t, "node"))
			},
			"tear": func(t *rapid.T) {
				i := rapid.IntRange(0, 2).Draw(t, "node")
				c.nodes[i].store.TearNextSave(rapid.IntRange(0, 2).Draw(t, "keep"))
			},
			"restart": func(t *rapid.T) {
				c.restart(rapid.IntRange(0, 2).Draw(t, "node"))
			},
			"": func(t *rapid.T) { c.check(t) },
		})
		// Heal everything and let the groups converge.
		c.net.SetFaults(raftsim.Faults{})
		for i, a := range c.nodes {
			a.store.TearNextSave(-1)
			for _, b := range c.nodes[i+1:] {
				c.net.Heal(a.id, b.id)
			}
		}
		for i := range c.nodes {
			c.restart(i)
		}
		for _, g := range propGroups {
			// A fresh proposal commits everything before it; leaders may
			// still change while the cluster converges, so retry.
			ok := false
			for try := 0; try < 20 && !ok; try++ {
				l := c.waitLeader(g, 200)
				p := c.group(l, g).ProposeAsync([]byte(fmt.Sprintf("%s-final%d", g, try)))
				for range 100 {
					c.step()
					if done(p) {
						break
					}
				}
				if done(p) {
					_, _, err := p.Result()
					ok = err == nil
				}
			}
			if !ok {
				rt.Fatalf("no final proposal committed on %s", g)
			}
		}
		// Every replica catches up, a lagging one possibly through a
		// snapshot or after its election timeout: step until they agree,
		// within a bound that a live cluster never needs.
		converged := func() bool {
			for _, g := range propGroups {
				n := len(c.nodes[0].sms[g].entries())
				for _, nd := range c.nodes[1:] {
					if len(nd.sms[g].entries()) != n {
						return false
					}
				}
			}
			return true
		}
		for i := 0; i < 20 || i < 2000 && !converged(); i++ {
			c.step()
		}
		c.check(rt)
		acked := 0
		for _, p := range c.props {
			if done(p) {
				if _, _, err := p.Result(); err == nil {
					acked++
				}
			}
		}
		if testing.Verbose() {
			fmt.Printf("proposals %d, acknowledged %d, leader terms %d\n", len(c.props), acked, len(c.leaders))
		}
		totalAcked.Add(int64(acked))
		for _, nd := range c.nodes {
			totalSnaps.Add(int64(nd.host.Stats().SnapshotsReceived))
		}
		live := make(map[*raft.Host]bool)
		for _, nd := range c.nodes {
			live[nd.host] = true
		}
		for v, p := range c.props {
			if live[c.on[v]] && !done(p) {
				rt.Fatalf("proposal %s on a host that never crashed is still pending", v)
			}
		}
		for _, g := range propGroups {
			want := c.nodes[0].sms[g].entries()
			for _, nd := range c.nodes[1:] {
				if got := nd.sms[g].entries(); len(got) != len(want) {
					rt.Fatalf("group %s: %s applied %d entries, %s %d", g, nd.id, len(got), c.nodes[0].id, len(want))
				}
			}
			in := make(map[string]bool)
			for _, a := range want {
				in[a.data] = true
			}
			for v, p := range c.props {
				if !done(p) {
					continue
				}
				if _, _, err := p.Result(); err == nil && !in[v] && v[0] == g[0] {
					rt.Fatalf("acknowledged proposal %s is not applied", v)
				}
			}
		}
	})
}

func done(p *raft.Proposal) bool {
	select {
	case <-p.Done():
		return true
	default:
		return false
	}
}
