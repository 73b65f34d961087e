// Package raftproc runs the Raft substrate in separate processes, so that
// tests and benchmarks can kill a server with SIGKILL and restart it on
// its log. A child process runs one natsnet server with cluster routes, a
// raft.Host over raftroute (servers named by server name, see
// raftroute.NewNamed) and the raftlog pebble store, and hosts one R3
// group, "main", whose state machine is the list of the ids of the
// entries it applied. The child answers core NATS requests on its own
// server under "raftproc.<name>.": propose, state, stats, bench and idle.
// The parent side (Cluster) starts children by re-executing its own
// binary (Child must be called early in main or TestMain), kills and
// restarts them, and talks to them with nats.go.
package raftproc

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/natsnet/natsnet"
	"github.com/natsnet/natsnet/internal/raft"
	"github.com/natsnet/natsnet/internal/raft/raftlog"
	"github.com/natsnet/natsnet/internal/raft/raftroute"
	"github.com/natsnet/natsnet/internal/route"
)

// EnvChild is the environment variable that makes a process a child: it
// holds the child's configuration as JSON.
const EnvChild = "NATSNET_RAFTPROC_CHILD"

// MainGroup is the id of the group every child hosts.
const MainGroup = "main"

// ChildConfig configures a child process.
type ChildConfig struct {
	// Name is the server name, also the raft server id.
	Name string
	// Members are the names of the servers of the main group, in order.
	Members []string
	// Dir holds the raft log (Dir/raftlog).
	Dir string
	// ClientPort and ClusterPort are the loopback ports of the server.
	ClientPort, ClusterPort int
	// Routes are the route URLs of the other servers.
	Routes []string
	// SnapshotEntries and SnapshotTail configure the host (0: defaults).
	SnapshotEntries, SnapshotTail uint64
	// Debug logs the host's debug lines.
	Debug bool
}

// Child runs a child process and exits if EnvChild is set; otherwise it
// returns at once. Call it first thing in main or TestMain.
func Child() {
	env := os.Getenv(EnvChild)
	if env == "" {
		return
	}
	var cfg ChildConfig
	if err := json.Unmarshal([]byte(env), &cfg); err != nil {
		fmt.Fprintf(os.Stderr, "raftproc: bad %s: %v\n", EnvChild, err)
		os.Exit(2)
	}
	if err := runChild(cfg); err != nil {
		fmt.Fprintf(os.Stderr, "raftproc: child %s: %v\n", cfg.Name, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// Subject is the subject of a child's operation op.
func Subject(name, op string) string { return "raftproc." + name + "." + op }

// idList is the main group's state machine: the ids (first 8 bytes,
// big endian) of the entries applied, in order.
type idList struct {
	mu  sync.Mutex
	ids []uint64
}

// Apply implements raft.StateMachine.
func (s *idList) Apply(_ uint64, data []byte) (any, error) {
	var id uint64
	if len(data) >= 8 {
		id = binary.BigEndian.Uint64(data)
	}
	s.mu.Lock()
	s.ids = append(s.ids, id)
	n := len(s.ids)
	s.mu.Unlock()
	return n, nil
}

// Snapshot implements raft.StateMachine.
func (s *idList) Snapshot() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := make([]byte, 0, 8*len(s.ids))
	for _, id := range s.ids {
		b = binary.BigEndian.AppendUint64(b, id)
	}
	return b, nil
}

// Restore implements raft.StateMachine.
func (s *idList) Restore(b []byte) error {
	if len(b)%8 != 0 {
		return fmt.Errorf("raftproc: snapshot of %d bytes is not a list of ids", len(b))
	}
	ids := make([]uint64, 0, len(b)/8)
	for ; len(b) > 0; b = b[8:] {
		ids = append(ids, binary.BigEndian.Uint64(b))
	}
	s.mu.Lock()
	s.ids = ids
	s.mu.Unlock()
	return nil
}

// counter is the state machine of the idle groups: a count of entries.
type counter struct{ n uint64 }

func (c *counter) Apply(uint64, []byte) (any, error) { c.n++; return c.n, nil }
func (c *counter) Snapshot() ([]byte, error)         { return binary.AppendUvarint(nil, c.n), nil }
func (c *counter) Restore(b []byte) error {
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return errors.New("raftproc: bad counter snapshot")
	}
	c.n = n
	return nil
}

// State is the reply to a state request.
type State struct {
	Leader string
	IDs    []uint64
}

// Stats is the reply to a stats request.
type Stats struct {
	Leader   string
	IsLeader bool
	Host     raft.HostStats
}

// BenchRequest asks the leader for N proposals of Size bytes with
// Inflight of them in flight at a time.
type BenchRequest struct {
	N, Size, Inflight int
	// FirstID is the id of the first proposal (the ids must not repeat).
	FirstID uint64
}

// BenchReply reports a bench request.
type BenchReply struct {
	Elapsed  time.Duration
	P50, P99 time.Duration
	Err      string
}

type child struct {
	cfg   ChildConfig
	log   *slog.Logger
	host  *raft.Host
	main  *raft.Group
	sm    *idList
	store *raftlog.Store
	idle  sync.Mutex // serializes idle requests
}

func runChild(cfg ChildConfig) error {
	level := slog.LevelInfo
	if cfg.Debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})).With("server", cfg.Name)
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})).With("server", cfg.Name)
	c := &child{cfg: cfg, log: log, sm: &idList{}}

	opts := &natsnet.Options{
		ServerName: cfg.Name,
		Host:       "127.0.0.1",
		Port:       cfg.ClientPort,
		Logger:     quiet,
		MaxPayload: 8 << 20,
		MaxPending: 64 << 20,
		Cluster: natsnet.ClusterOpts{
			Name:   "raftproc",
			Host:   "127.0.0.1",
			Port:   cfg.ClusterPort,
			Routes: cfg.Routes,
		},
	}
	srv, err := natsnet.New(opts)
	if err != nil {
		return fmt.Errorf("new server: %w", err)
	}
	m := route.Lookup(srv.ID())
	if m == nil {
		return errors.New("server has no route manager")
	}
	tr := raftroute.NewNamed(m)
	store, err := raftlog.Open(filepath.Join(cfg.Dir, "raftlog"), raftlog.Options{Logger: quiet})
	if err != nil {
		return fmt.Errorf("open raft log: %w", err)
	}
	c.store = store
	host, err := raft.NewHost(raft.Config{ServerID: cfg.Name, Store: store, Transport: tr, Logger: log,
		SnapshotEntries: cfg.SnapshotEntries, SnapshotTail: cfg.SnapshotTail})
	if err != nil {
		return fmt.Errorf("new raft host: %w", err)
	}
	c.host = host
	// Reopen the idle groups of an earlier run, if any.
	stored, err := host.StoredGroups()
	if err != nil {
		return fmt.Errorf("stored groups: %w", err)
	}
	for _, id := range stored {
		if id == MainGroup {
			continue
		}
		if _, err := host.CreateGroup(id, cfg.Members, &counter{}); err != nil {
			return fmt.Errorf("reopen group %s: %w", id, err)
		}
	}
	if c.main, err = host.CreateGroup(MainGroup, cfg.Members, c.sm); err != nil {
		return fmt.Errorf("create group %s: %w", MainGroup, err)
	}
	if err := srv.Start(); err != nil {
		return fmt.Errorf("start server: %w", err)
	}
	host.Start()

	nc, err := nats.Connect(srv.ClientURL(), nats.Name("raftproc-"+cfg.Name))
	if err != nil {
		return fmt.Errorf("connect to own server: %w", err)
	}
	handlers := map[string]nats.MsgHandler{
		"propose": func(msg *nats.Msg) {
			if cfg.Debug {
				log.Debug("propose request", "bytes", len(msg.Data))
			}
			go c.propose(msg)
		},
		"state": c.state,
		"stats": c.stats,
		"bench": func(msg *nats.Msg) { go c.bench(msg) },
		"idle":  func(msg *nats.Msg) { go c.createIdle(msg) },
	}
	for op, h := range handlers {
		if _, err := nc.Subscribe(Subject(cfg.Name, op), h); err != nil {
			return fmt.Errorf("subscribe %s: %w", op, err)
		}
	}
	if err := nc.Flush(); err != nil {
		return fmt.Errorf("flush subscriptions: %w", err)
	}
	log.Info("child ready", "pid", os.Getpid(), "client", srv.ClientURL(), "stored_groups", len(stored))

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	orphaned := make(chan struct{})
	go func() {
		// The parent holds our stdin open; EOF means it is gone.
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(orphaned)
	}()
	select {
	case <-sig:
	case <-orphaned:
		log.Warn("parent gone, exiting")
	case <-hostFailed(host):
		log.Error("raft host failed", "err", host.Err())
	}
	nc.Close()
	host.Stop()
	srv.Shutdown()
	if err := store.Close(); err != nil {
		return fmt.Errorf("close raft log: %w", err)
	}
	return host.Err()
}

// hostFailed is closed when the host reports an error.
func hostFailed(h *raft.Host) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		for h.Err() == nil {
			time.Sleep(100 * time.Millisecond)
		}
		close(ch)
	}()
	return ch
}

// propose replies "ok <index>", "notleader <leader>" or "err <reason>".
func (c *child) propose(msg *nats.Msg) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	t0 := time.Now()
	_, err := c.main.Propose(ctx, msg.Data)
	if d := time.Since(t0); d > 100*time.Millisecond {
		c.log.Info("slow proposal", "took", d, "err", err)
	}
	var reply string
	var nl *raft.NotLeaderError
	switch {
	case err == nil:
		reply = "ok"
	case errors.As(err, &nl):
		reply = "notleader " + nl.Leader
	default:
		reply = "err " + err.Error()
	}
	_ = msg.Respond([]byte(reply))
}

func (c *child) state(msg *nats.Msg) {
	c.sm.mu.Lock()
	st := State{Leader: c.main.Leader(), IDs: slices.Clone(c.sm.ids)}
	c.sm.mu.Unlock()
	respondJSON(msg, st)
}

func (c *child) stats(msg *nats.Msg) {
	respondJSON(msg, Stats{Leader: c.main.Leader(), IsLeader: c.main.IsLeader(), Host: c.host.Stats()})
}

// bench runs a BenchRequest on this server's replica of the main group.
func (c *child) bench(msg *nats.Msg) {
	var req BenchRequest
	if err := json.Unmarshal(msg.Data, &req); err != nil {
		respondJSON(msg, BenchReply{Err: "bad request: " + err.Error()})
		return
	}
	req.Inflight = max(req.Inflight, 1)
	req.Size = max(req.Size, 8)
	lat := make([]time.Duration, req.N)
	var (
		next     = make(chan int)
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	start := time.Now()
	for range req.Inflight {
		wg.Go(func() {
			// Random bytes, so that compression does not flatter the log.
			data := make([]byte, req.Size)
			_, _ = rand.Read(data)
			for k := range next {
				binary.BigEndian.PutUint64(data, req.FirstID+uint64(k))
				t0 := time.Now()
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				_, err := c.main.Propose(ctx, data)
				cancel()
				lat[k] = time.Since(t0)
				if err != nil {
					errOnce.Do(func() { firstErr = err })
				}
			}
		})
	}
	for k := range req.N {
		next <- k
	}
	close(next)
	wg.Wait()
	rep := BenchReply{Elapsed: time.Since(start)}
	if firstErr != nil {
		rep.Err = firstErr.Error()
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		rep.P50, rep.P99 = lat[len(lat)/2], lat[len(lat)*99/100]
	}
	respondJSON(msg, rep)
}

// createIdle creates the groups idle-0 .. idle-(n-1), n in the request,
// with every server as a member, and replies once they are created here.
func (c *child) createIdle(msg *nats.Msg) {
	c.idle.Lock()
	defer c.idle.Unlock()
	n, err := strconv.Atoi(string(msg.Data))
	if err != nil {
		_ = msg.Respond([]byte("err " + err.Error()))
		return
	}
	for k := range n {
		id := "idle-" + strconv.Itoa(k)
		if c.host.Group(id) != nil {
			continue
		}
		if _, err := c.host.CreateGroup(id, c.cfg.Members, &counter{}); err != nil {
			_ = msg.Respond([]byte("err " + fmt.Sprintf("create group %s: %v", id, err)))
			return
		}
	}
	_ = msg.Respond([]byte("ok"))
}

func respondJSON(msg *nats.Msg, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"Err":"marshal"}`)
	}
	_ = msg.Respond(b)
}
