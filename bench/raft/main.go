// Command raft measures the Raft substrate (internal/raft) on a 3-server
// loopback cluster of child processes (this program re-executed), each a
// natsnet server with cluster routes, a raft host over them and the
// pebble raft log, and prints one report:
//
//   - proposals per second and commit latency (p50, p99) of one R3 group
//     with entries of -size bytes, sequential and with -inflight in flight;
//   - failover time after SIGKILL of the leader's server, from the kill to
//     the first proposal acknowledged by the new leader (median of
//     -failovers);
//   - CPU used by -idle idle R3 groups per server over -idlesecs, from
//     /proc/<pid>/stat (utime+stime), as % of one core;
//   - raft log bytes per entry: the disk usage of a server's raftlog
//     directory after -logentries proposals (snapshots off), divided by
//     the entries.
//
// Run it with go run ./bench/raft (see docs/RAFT.md).
package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/natsnet/natsnet/internal/raft/raftproc"
)

var (
	size       = flag.Int("size", 128, "bytes per entry")
	seqN       = flag.Int("seq", 2000, "proposals of the sequential run")
	inflightN  = flag.Int("n", 20000, "proposals of the run with -inflight in flight")
	inflight   = flag.Int("inflight", 64, "proposals in flight")
	failovers  = flag.Int("failovers", 9, "leader SIGKILLs to measure failover (0: skip)")
	idle       = flag.Int("idle", 10000, "idle R3 groups per server (0: skip)")
	idleSecs   = flag.Duration("idlesecs", 20*time.Second, "how long to measure the idle groups' CPU")
	idleWait   = flag.Duration("idlewait", 5*time.Minute, "how long to wait for the idle groups to quiesce")
	logEntries = flag.Int("logentries", 50000, "proposals before measuring log bytes per entry (0: skip)")
	dirFlag    = flag.String("dir", "", "directory for the servers' data and logs (default a temporary one, removed)")
	verbose    = flag.Bool("v", false, "log progress")
)

func main() {
	raftproc.Child()
	flag.Parse()
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})))
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/raft:", err)
		os.Exit(1)
	}
}

// report collects the lines of the final report.
type report struct{ lines []string }

func (r *report) add(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	r.lines = append(r.lines, line)
	slog.Info(line)
}

func run() error {
	dir := *dirFlag
	if dir == "" {
		d, err := os.MkdirTemp("", "bench-raft-")
		if err != nil {
			return fmt.Errorf("temporary directory: %w", err)
		}
		defer os.RemoveAll(d)
		dir = d
	}
	start := time.Now()
	var r report
	r.add("bench/raft: 3 servers (child processes) on loopback, pebble raft log with fsync, R3 groups; %d CPUs, %s %s/%s",
		runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)

	if err := throughput(&r, filepath.Join(dir, "throughput")); err != nil {
		return err
	}
	if *logEntries > 0 {
		if err := logBytes(&r, filepath.Join(dir, "logbytes")); err != nil {
			return err
		}
	}
	if *idle > 0 {
		if err := idleCPU(&r, filepath.Join(dir, "idle")); err != nil {
			return err
		}
	}
	r.add("total time %v", time.Since(start).Round(time.Second))
	fmt.Println(strings.Join(r.lines, "\n"))
	return nil
}

func newCluster(dir string, snapEntries uint64) (*raftproc.Cluster, int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, -1, fmt.Errorf("cluster directory: %w", err)
	}
	c, err := raftproc.NewCluster(raftproc.Options{Dir: dir, SnapshotEntries: snapEntries,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return nil, -1, fmt.Errorf("start cluster: %w", err)
	}
	l, err := c.WaitLeader(20 * time.Second)
	if err != nil {
		c.Close()
		return nil, -1, err
	}
	return c, l, nil
}

// throughput measures proposals on the leader, then failovers.
func throughput(r *report, dir string) error {
	c, l, err := newCluster(dir, 0)
	if err != nil {
		return err
	}
	defer c.Close()
	var first uint64 = 1 << 40 // ids apart from the failover proposer's
	for _, run := range []struct{ n, inflight int }{{*seqN, 1}, {*inflightN, *inflight}} {
		if run.n <= 0 {
			continue
		}
		rep, err := c.Bench(l, raftproc.BenchRequest{N: run.n, Size: *size, Inflight: run.inflight, FirstID: first})
		if err != nil {
			return err
		}
		first += uint64(run.n)
		r.add("propose, %d in flight: %d x %d B in %v: %.0f proposals/s, commit latency p50 %v p99 %v",
			run.inflight, run.n, *size, rep.Elapsed.Round(time.Millisecond), float64(run.n)/rep.Elapsed.Seconds(),
			rep.P50.Round(time.Microsecond), rep.P99.Round(time.Microsecond))
	}
	if *failovers <= 0 {
		return nil
	}
	p := raftproc.NewProposer(c, *size)
	defer func() {
		if p != nil {
			p.Stop()
		}
	}()
	for k := range *failovers {
		if err := p.WaitAcked(200, 20*time.Second); err != nil {
			return fmt.Errorf("failover %d: %w", k+1, err)
		}
		l, err := c.WaitLeader(20 * time.Second)
		if err != nil {
			return err
		}
		p.MarkKilled(l, true)
		if err := c.Kill(l); err != nil {
			return err
		}
		if err := p.WaitAcked(1, 20*time.Second); err != nil {
			return fmt.Errorf("failover %d: %w", k+1, err)
		}
		if err := c.Start(l); err != nil {
			return err
		}
		p.MarkUp(l)
	}
	_, attempts, errs, times := p.Stop()
	p = nil
	if len(times) == 0 {
		return fmt.Errorf("no failover measured")
	}
	sorted := slices.Clone(times)
	slices.Sort(sorted)
	var all []string
	for _, d := range times {
		all = append(all, d.Round(100*time.Microsecond).String())
	}
	r.add("failover after SIGKILL of the leader: median %v, min %v, max %v over %d (%s); %d proposal attempts, %d failed",
		sorted[len(sorted)/2].Round(100*time.Microsecond), sorted[0].Round(100*time.Microsecond),
		sorted[len(sorted)-1].Round(100*time.Microsecond), len(times), strings.Join(all, " "), attempts, errs)
	return nil
}

// logBytes measures the disk usage of the raft logs per entry, with
// snapshots (and so log compaction) off.
func logBytes(r *report, dir string) error {
	n := *logEntries
	c, l, err := newCluster(dir, uint64(n)*2+1000)
	if err != nil {
		return err
	}
	defer c.Close()
	raftDir := filepath.Join(c.Node(l).Dir, "raftlog")
	before, beforeApp, err := raftproc.DirBytes(raftDir)
	if err != nil {
		return err
	}
	if _, err := c.Bench(l, raftproc.BenchRequest{N: n, Size: *size, Inflight: *inflight, FirstID: 1}); err != nil {
		return err
	}
	var sizes []string
	var after, afterApp int64
	for i := range c.N() {
		b, app, err := raftproc.DirBytes(filepath.Join(c.Node(i).Dir, "raftlog"))
		if err != nil {
			return err
		}
		if i == l {
			after, afterApp = b, app
		}
		sizes = append(sizes, fmt.Sprintf("%.1f MB", float64(b)/1e6))
	}
	r.add("log bytes per entry: %d entries of %d B (snapshots off): leader's raftlog du %.1f MB (%.1f MB empty): %.0f B/entry net of the empty store; file sizes %.1f MB (%.1f MB empty): %.0f B/entry net; du of the 3 servers: %s",
		n, *size, float64(after)/1e6, float64(before)/1e6, float64(after-before)/float64(n),
		float64(afterApp)/1e6, float64(beforeApp)/1e6, float64(afterApp-beforeApp)/float64(n), strings.Join(sizes, ", "))
	return nil
}

// idleCPU creates -idle R3 groups on every server, waits until they are
// quiesced and measures each server process's CPU use.
func idleCPU(r *report, dir string) error {
	c, _, err := newCluster(dir, 0)
	if err != nil {
		return err
	}
	defer c.Close()
	t0 := time.Now()
	if err := c.CreateIdle(*idle); err != nil {
		return err
	}
	created := time.Since(t0)
	deadline := time.Now().Add(*idleWait)
	for {
		ok := true
		for i := range c.N() {
			st, err := c.Stats(i)
			if err != nil || st.Host.Quiesced < int64(*idle) {
				ok = false
				break
			}
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the idle groups did not quiesce in %v", *idleWait)
		}
		time.Sleep(200 * time.Millisecond)
	}
	settled := time.Since(t0)
	before := make([]time.Duration, c.N())
	for i := range c.N() {
		if before[i], err = raftproc.CPUTime(c.PID(i)); err != nil {
			return err
		}
	}
	w0 := time.Now()
	time.Sleep(*idleSecs)
	wall := time.Since(w0)
	var per []string
	var total float64
	for i := range c.N() {
		after, err := raftproc.CPUTime(c.PID(i))
		if err != nil {
			return err
		}
		pct := float64(after-before[i]) / float64(wall) * 100
		total += pct
		per = append(per, fmt.Sprintf("%.2f%%", pct))
	}
	r.add("idle: %d R3 groups per server (created in %v, all quiesced after %v): CPU over %v: %.2f%% of one core per server on average (%s)",
		*idle, created.Round(time.Millisecond), settled.Round(time.Millisecond), wall.Round(time.Millisecond),
		total/float64(c.N()), strings.Join(per, ", "))
	return nil
}
