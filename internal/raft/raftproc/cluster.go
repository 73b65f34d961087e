package raftproc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
)

// Options configure a Cluster.
type Options struct {
	// N is the number of servers (default 3).
	N int
	// Dir holds one directory per server, and their logs (child-<i>.log).
	Dir string
	// Binary is the executable re-executed as a child (default
	// os.Args[0]); it must call Child early.
	Binary string
	// Args are the child's arguments (e.g. -test.run=^$ for a test
	// binary, so that it runs nothing if Child ever returns).
	Args []string
	// SnapshotEntries and SnapshotTail are passed to the children.
	SnapshotEntries, SnapshotTail uint64
	// Debug turns on the children's debug logs.
	Debug bool
	// Logger receives the parent's logs (default slog.Default()).
	Logger *slog.Logger
}

// Cluster is a set of child processes, one server each.
type Cluster struct {
	opts  Options
	log   *slog.Logger
	nodes []*Node
}

// Node is one child server; it keeps its ports and directory across
// restarts.
type Node struct {
	Index                   int
	Name                    string
	Dir                     string
	ClientPort, ClusterPort int

	mu   sync.Mutex
	cmd  *exec.Cmd
	exit chan struct{} // closed when cmd has exited
	nc   *nats.Conn
}

// NewCluster picks ports and directories for the servers and starts them.
func NewCluster(opts Options) (*Cluster, error) {
	if opts.N <= 0 {
		opts.N = 3
	}
	if opts.Binary == "" {
		opts.Binary = os.Args[0]
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	c := &Cluster{opts: opts, log: opts.Logger}
	ports, err := freePorts(2 * opts.N)
	if err != nil {
		return nil, err
	}
	for i := range opts.N {
		nd := &Node{Index: i, Name: fmt.Sprintf("r%d", i), Dir: filepath.Join(opts.Dir, fmt.Sprintf("s%d", i)),
			ClientPort: ports[2*i], ClusterPort: ports[2*i+1]}
		if err := os.MkdirAll(nd.Dir, 0o755); err != nil {
			return nil, fmt.Errorf("raftproc: %w", err)
		}
		c.nodes = append(c.nodes, nd)
	}
	for i := range c.nodes {
		if err := c.Start(i); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// freePorts finds n free loopback ports (free when asked; the children
// bind them a moment later).
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	var out []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("raftproc: free port: %w", err)
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

// N is the number of servers.
func (c *Cluster) N() int { return len(c.nodes) }

// Node returns server i.
func (c *Cluster) Node(i int) *Node { return c.nodes[i] }

// Names lists the servers' names.
func (c *Cluster) Names() []string {
	var out []string
	for _, nd := range c.nodes {
		out = append(out, nd.Name)
	}
	return out
}

// Index returns the index of the server named name, or -1.
func (c *Cluster) Index(name string) int {
	for i, nd := range c.nodes {
		if nd.Name == name {
			return i
		}
	}
	return -1
}

// Start starts server i's process (on its directory and ports) and
// returns once it answers requests.
func (c *Cluster) Start(i int) error {
	nd := c.nodes[i]
	cfg := ChildConfig{Name: nd.Name, Members: c.Names(), Dir: nd.Dir, ClientPort: nd.ClientPort, ClusterPort: nd.ClusterPort,
		SnapshotEntries: c.opts.SnapshotEntries, SnapshotTail: c.opts.SnapshotTail, Debug: c.opts.Debug}
	for j, o := range c.nodes {
		if j != i {
			cfg.Routes = append(cfg.Routes, "nats://127.0.0.1:"+strconv.Itoa(o.ClusterPort))
		}
	}
	env, err := json.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("raftproc: %w", err)
	}
	logf, err := os.OpenFile(filepath.Join(c.opts.Dir, fmt.Sprintf("child-%d.log", i)), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("raftproc: child log: %w", err)
	}
	cmd := exec.Command(c.opts.Binary, c.opts.Args...)
	cmd.Env = append(os.Environ(), EnvChild+"="+string(env))
	cmd.Stdout, cmd.Stderr = logf, logf
	// The child exits when its stdin closes: when this process dies
	// without stopping it (a test timeout, a crash).
	if _, err := cmd.StdinPipe(); err != nil {
		_ = logf.Close()
		return fmt.Errorf("raftproc: start server %d: %w", i, err)
	}
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		return fmt.Errorf("raftproc: start server %d: %w", i, err)
	}
	exit := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		_ = logf.Close()
		close(exit)
	}()
	nd.mu.Lock()
	nd.cmd, nd.exit = cmd, exit
	nc := nd.nc
	nd.mu.Unlock()
	if nc == nil {
		// One connection per node for the cluster's life: it reconnects
		// to the same port after a restart, and only to it (a connection
		// that moved to another server would reach this one through
		// the routes, and lose requests when that server dies).
		nc, err = nats.Connect("nats://127.0.0.1:"+strconv.Itoa(nd.ClientPort), nats.MaxReconnects(-1), nats.IgnoreDiscoveredServers(),
			nats.ReconnectWait(20*time.Millisecond), nats.RetryOnFailedConnect(true), nats.ReconnectBufSize(-1))
		if err != nil {
			return fmt.Errorf("raftproc: connect to server %d: %w", i, err)
		}
		nd.mu.Lock()
		nd.nc = nc
		nd.mu.Unlock()
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := c.Stats(i); err == nil && c.conn(i).ConnectedServerName() == nd.Name {
			c.log.Debug("server started", "server", nd.Name, "pid", cmd.Process.Pid)
			return nil
		}
		select {
		case <-exit:
			return fmt.Errorf("raftproc: server %d exited at start (see %s)", i, filepath.Join(c.opts.Dir, fmt.Sprintf("child-%d.log", i)))
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("raftproc: server %d does not answer after 30s", i)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// PID is the process id of server i, 0 when it is not running.
func (c *Cluster) PID(i int) int {
	nd := c.nodes[i]
	nd.mu.Lock()
	defer nd.mu.Unlock()
	if nd.cmd == nil {
		return 0
	}
	return nd.cmd.Process.Pid
}

// Kill sends SIGKILL to server i and waits until the process is gone.
func (c *Cluster) Kill(i int) error { return c.signal(i, syscall.SIGKILL) }

// Stop asks server i to shut down (SIGTERM) and waits until it has.
func (c *Cluster) Stop(i int) error { return c.signal(i, syscall.SIGTERM) }

func (c *Cluster) signal(i int, sig syscall.Signal) error {
	nd := c.nodes[i]
	nd.mu.Lock()
	cmd, exit := nd.cmd, nd.exit
	nd.cmd = nil
	nd.mu.Unlock()
	if cmd == nil {
		return nil
	}
	if err := cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("raftproc: signal server %d: %w", i, err)
	}
	select {
	case <-exit:
		return nil
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-exit
		return fmt.Errorf("raftproc: server %d did not exit on %v", i, sig)
	}
}

// Close stops every server (all at once) and closes the connections.
func (c *Cluster) Close() {
	var wg sync.WaitGroup
	for i, nd := range c.nodes {
		wg.Go(func() {
			t0 := time.Now()
			if err := c.Stop(i); err != nil {
				c.log.Warn("stop", "server", nd.Name, "err", err)
			}
			c.log.Debug("server stopped", "server", nd.Name, "took", time.Since(t0))
			nd.mu.Lock()
			if nd.nc != nil {
				nd.nc.Close()
				nd.nc = nil
			}
			nd.mu.Unlock()
		})
	}
	wg.Wait()
}

func (c *Cluster) conn(i int) *nats.Conn {
	nd := c.nodes[i]
	nd.mu.Lock()
	defer nd.mu.Unlock()
	return nd.nc
}

func (c *Cluster) request(ctx context.Context, i int, op string, data []byte) ([]byte, error) {
	nc := c.conn(i)
	if nc == nil {
		return nil, fmt.Errorf("raftproc: server %d: no connection", i)
	}
	msg, err := nc.RequestWithContext(ctx, Subject(c.nodes[i].Name, op), data)
	if err != nil {
		return nil, fmt.Errorf("raftproc: %s on server %d: %w", op, i, err)
	}
	return msg.Data, nil
}

func (c *Cluster) requestJSON(ctx context.Context, i int, op string, req, rep any) error {
	var data []byte
	if req != nil {
		var err error
		if data, err = json.Marshal(req); err != nil {
			return fmt.Errorf("raftproc: %w", err)
		}
	}
	b, err := c.request(ctx, i, op, data)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, rep); err != nil {
		return fmt.Errorf("raftproc: %s reply of server %d: %w", op, i, err)
	}
	return nil
}

// Stats asks server i for its host's stats and the main group's leader.
func (c *Cluster) Stats(i int) (Stats, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var st Stats
	err := c.requestJSON(ctx, i, "stats", nil, &st)
	return st, err
}

// State asks server i for the ids its main group applied.
func (c *Cluster) State(i int) (State, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var st State
	err := c.requestJSON(ctx, i, "state", nil, &st)
	return st, err
}

// Bench runs req on server i (which should lead the main group).
func (c *Cluster) Bench(i int, req BenchRequest) (BenchReply, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var rep BenchReply
	if err := c.requestJSON(ctx, i, "bench", req, &rep); err != nil {
		return rep, err
	}
	if rep.Err != "" {
		return rep, fmt.Errorf("raftproc: bench on server %d: %s", i, rep.Err)
	}
	return rep, nil
}

// CreateIdle makes every server create n idle groups idle-0..idle-(n-1).
func (c *Cluster) CreateIdle(n int) error {
	errs := make([]error, c.N())
	var wg sync.WaitGroup
	for i := range c.nodes {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			b, err := c.request(ctx, i, "idle", []byte(strconv.Itoa(n)))
			if err == nil && string(b) != "ok" {
				err = fmt.Errorf("raftproc: idle on server %d: %s", i, b)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Leader returns the index of the server that leads the main group
// according to itself, or -1.
func (c *Cluster) Leader() int {
	for i := range c.nodes {
		if c.PID(i) == 0 {
			continue
		}
		if st, err := c.Stats(i); err == nil && st.IsLeader {
			return i
		}
	}
	return -1
}

// WaitLeader waits up to d for a leader of the main group.
func (c *Cluster) WaitLeader(d time.Duration) (int, error) {
	deadline := time.Now().Add(d)
	for {
		if l := c.Leader(); l >= 0 {
			return l, nil
		}
		if time.Now().After(deadline) {
			return -1, fmt.Errorf("raftproc: no leader of %s after %v", MainGroup, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ProposeResult is the outcome of one proposal attempt.
type ProposeResult struct {
	OK bool
	// Leader is the not-leader hint ("" when the server knows none).
	Leader string
	// Err is the failure, when not OK and not a not-leader hint.
	Err error
}

// Propose proposes data (its first 8 bytes are its id) on server i.
func (c *Cluster) Propose(ctx context.Context, i int, data []byte) ProposeResult {
	b, err := c.request(ctx, i, "propose", data)
	if err != nil {
		return ProposeResult{Err: err}
	}
	s := string(b)
	switch {
	case s == "ok":
		return ProposeResult{OK: true}
	case strings.HasPrefix(s, "notleader"):
		return ProposeResult{Leader: strings.TrimSpace(strings.TrimPrefix(s, "notleader"))}
	default:
		return ProposeResult{Err: fmt.Errorf("raftproc: propose on server %d: %s", i, strings.TrimPrefix(s, "err "))}
	}
}

// DirBytes is the disk usage of the files under dir: the blocks
// allocated (as du reports), and the sum of their sizes.
func DirBytes(dir string) (allocated, apparent int64, err error) {
	err = filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.IsDir() {
			return nil
		}
		apparent += fi.Size()
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			allocated += st.Blocks * 512
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("raftproc: du %s: %w", dir, err)
	}
	return allocated, apparent, nil
}

// CPUTime is the user+system CPU time of process pid, from
// /proc/<pid>/stat.
func CPUTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("raftproc: cpu time: %w", err)
	}
	// The command name (field 2) may hold spaces: fields count from the
	// closing parenthesis. utime and stime are fields 14 and 15.
	s := string(b)
	k := strings.LastIndexByte(s, ')')
	if k < 0 {
		return 0, fmt.Errorf("raftproc: cpu time: bad /proc/%d/stat", pid)
	}
	f := strings.Fields(s[k+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("raftproc: cpu time: short /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("raftproc: cpu time: %w", err)
	}
	const clkTck = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / clkTck, nil
}
