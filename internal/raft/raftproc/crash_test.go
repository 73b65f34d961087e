package raftproc_test

import (
	"flag"
	"io"
	"log/slog"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/natsnet/natsnet/internal/raft/raftproc"
)

var (
	crashes    = flag.Int("raft.crashes", 3, "SIGKILLs of TestCrashSIGKILL (the second one kills a follower, the others the leader)")
	crashDebug = flag.Bool("raft.crashdebug", false, "debug logs in the children of TestCrashSIGKILL")
	crashDir   = flag.String("raft.crashdir", "", "directory of TestCrashSIGKILL's servers and their logs, kept (default a temporary one)")
)

func TestMain(m *testing.M) {
	raftproc.Child()
	os.Exit(m.Run())
}

// TestCrashSIGKILL runs 3 servers in child processes, each with its
// pebble raft log, proposes without pause through the leader of one R3
// group, SIGKILLs the leader's process (a follower's the second time)
// and restarts it on its directory, -raft.crashes times, and then
// checks that every acknowledged proposal is applied exactly once on
// every replica, in the same order everywhere.
func TestCrashSIGKILL(t *testing.T) {
	start := time.Now()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.Default()
	}
	dir := *crashDir
	if dir == "" {
		dir = t.TempDir()
	}
	c, err := raftproc.NewCluster(raftproc.Options{Dir: dir, Args: []string{"-test.run=^$"},
		SnapshotEntries: 300, SnapshotTail: 50, Debug: *crashDebug, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.WaitLeader(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	t.Logf("3 servers started, leader elected in %v", time.Since(start).Round(time.Millisecond))

	p := raftproc.NewProposer(c, 64)
	stopped := false
	defer func() {
		if !stopped {
			p.Stop()
		}
	}()
	if err := p.WaitAcked(50, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	for k := range *crashes {
		leader := k != 1
		victim, err := c.WaitLeader(10 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if !leader {
			victim = (victim + 1) % c.N()
		}
		p.MarkKilled(victim, leader)
		t0 := time.Now()
		if err := c.Kill(victim); err != nil {
			t.Fatal(err)
		}
		// Keep it down while the others carry on (a follower coming back
		// must catch up, possibly by a snapshot).
		if err := p.WaitAcked(100, 15*time.Second); err != nil {
			t.Fatalf("after killing server %d: %v", victim, err)
		}
		down := time.Since(t0)
		if err := c.Start(victim); err != nil {
			t.Fatal(err)
		}
		p.MarkUp(victim)
		what := "leader"
		if !leader {
			what = "follower"
		}
		t.Logf("crash %d: SIGKILL of the %s %s, 100 proposals acknowledged in %v without it, restarted in %v",
			k+1, what, c.Node(victim).Name, down.Round(time.Millisecond), (time.Since(t0) - down).Round(time.Millisecond))
		if err := p.WaitAcked(100, 15*time.Second); err != nil {
			t.Fatalf("after restarting server %d: %v", victim, err)
		}
	}
	acked, attempts, errs, failovers := p.Stop()
	stopped = true
	t.Logf("%d proposals acknowledged of %d attempts (%d errors)", len(acked), attempts, errs)
	for k, d := range failovers {
		t.Logf("failover %d: %v from SIGKILL of the leader to the first proposal acknowledged by the new one", k+1, d.Round(100*time.Microsecond))
	}

	// Every replica must reach the same log: wait until they agree.
	var states []raftproc.State
	deadline := time.Now().Add(15 * time.Second)
	for {
		states = states[:0]
		same := true
		for i := range c.N() {
			st, err := c.State(i)
			if err != nil {
				t.Fatal(err)
			}
			states = append(states, st)
			same = same && slices.Equal(st.IDs, states[0].IDs)
		}
		if same {
			break
		}
		if time.Now().After(deadline) {
			for i, st := range states {
				t.Logf("server %d: %d ids applied", i, len(st.IDs))
			}
			for i := 1; i < len(states); i++ {
				a, b := states[0].IDs, states[i].IDs
				for k := range min(len(a), len(b)) {
					if a[k] != b[k] {
						t.Fatalf("servers 0 and %d differ at position %d: %d and %d", i, k, a[k], b[k])
					}
				}
			}
			t.Fatal("the replicas do not converge")
		}
		time.Sleep(50 * time.Millisecond)
	}
	ids := states[0].IDs
	seen := make(map[uint64]int, len(ids))
	for k, id := range ids {
		if prev, dup := seen[id]; dup {
			t.Fatalf("id %d applied twice, at positions %d and %d", id, prev, k)
		}
		seen[id] = k
	}
	// Proposals are acknowledged one at a time, so their log order is
	// the order acknowledged.
	last := -1
	for _, id := range acked {
		pos, ok := seen[id]
		if !ok {
			t.Fatalf("acknowledged proposal %d is not applied", id)
		}
		if pos <= last {
			t.Fatalf("acknowledged proposal %d is applied before an earlier one", id)
		}
		last = pos
	}
	t.Logf("%d entries applied on every replica in the same order (%d acknowledged, %d more that were not acknowledged); total %v",
		len(ids), len(acked), len(ids)-len(acked), time.Since(start).Round(time.Millisecond))
	for i := range c.N() {
		if st, err := c.Stats(i); err == nil {
			t.Logf("server %d since its last start: %d snapshots taken, %d received from the leader, %d restored, %d leader changes",
				i, st.Host.SnapshotsTaken, st.Host.SnapshotsReceived, st.Host.SnapshotsRestored, st.Host.LeaderChanges)
		}
	}
	if len(failovers) == 0 {
		t.Error("no failover measured")
	}
}
