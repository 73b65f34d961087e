package raftroute_test

import (
	"flag"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/natsnet/natsnet/internal/raft"
	"github.com/natsnet/natsnet/internal/testcluster"
)

var (
	memStore   = flag.Bool("raft.memstore", false, "use the in-memory store instead of raftlog in the route tests")
	long       = flag.Bool("raft.long", false, "run the long raft tests (10,000 idle groups)")
	idleGroups = flag.Int("raft.idlegroups", 0, "number of groups of TestIdleGroupsCPU (default 300, 10,000 with -raft.long)")
	idleWait   = flag.Duration("raft.idlewait", 120*time.Second, "how long TestIdleGroupsCPU waits for quiescence")
	noQuiesce  = flag.Bool("raft.noquiesce", false, "measure idle groups with quiescence off (for comparison)")
)

func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestIdleGroupsCPU creates R3 groups on 3 servers (over real routes),
// waits until they are all quiesced and measures the process's CPU time
// while they idle. With -raft.long it runs 10,000 groups and requires
// under 5% of a core per server.
func TestIdleGroupsCPU(t *testing.T) {
	groups, measure := 300, time.Second
	if *long {
		groups, measure = 10000, 5*time.Second
	}
	if *idleGroups > 0 {
		groups = *idleGroups
	}
	rc := newRouteCluster(t, 3, func(c *raft.Config) { c.DisableQuiesce = *noQuiesce })
	start := time.Now()
	for k := range groups {
		rc.create(fmt.Sprintf("idle-%d", k), 0, 1, 2)
	}
	t.Logf("%d groups created in %v", groups, time.Since(start))
	last := time.Now()
	testcluster.WaitFor(t, *idleWait, "every group quiesced", func() bool {
		if time.Since(last) > 5*time.Second {
			last = time.Now()
			for i, h := range rc.hosts {
				st := h.Stats()
				t.Logf("server %d: quiesced %d leaderships %d saves %d updates %d msgs %d/%d pending %d", i, st.Quiesced, st.Leaderships, st.Saves, st.SavedUpdates, st.MsgsSent, st.MsgsReceived, h.Pending())
			}
		}
		if *noQuiesce {
			n := 0
			for _, h := range rc.hosts {
				for _, id := range h.Groups() {
					if h.Group(id).IsLeader() {
						n++
					}
				}
			}
			return n == groups
		}
		for _, h := range rc.hosts {
			if h.Stats().Quiesced != int64(groups) {
				return false
			}
		}
		return true
	})
	t.Logf("%d groups created, elected and quiesced in %v", groups, time.Since(start))
	before, wall := cpuTime(t), time.Now()
	sent := rc.hosts[0].Stats().MsgsSent
	time.Sleep(measure)
	used, elapsed := cpuTime(t)-before, time.Since(wall)
	perServer := float64(used) / float64(elapsed) / 3 * 100
	t.Logf("idle: %d R3 groups, CPU %v over %v for 3 servers: %.2f%% of a core per server; messages sent by server 0 while idle: %d",
		groups, used, elapsed.Round(time.Millisecond), perServer, rc.hosts[0].Stats().MsgsSent-sent)
	for _, h := range rc.hosts {
		if q := h.Stats().Quiesced; q != int64(groups) && !*noQuiesce {
			t.Errorf("%d of %d groups quiesced at the end", q, groups)
		}
	}
	if *long && !*noQuiesce && perServer > 5 {
		t.Fatalf("idle groups cost %.2f%% of a core per server, want < 5%%", perServer)
	}
}
