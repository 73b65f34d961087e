// Package testcluster starts clusters of natsnet servers in process for
// tests: N servers on random loopback ports, each told the route URLs of
// all the others (so every route is a configured one and is retried for
// ever), with helpers that wait for the full mesh or for interest, stop
// and restart one server, cut and heal the route between two servers, and
// shut everything down. Every wait polls with a deadline; none sleeps
// blindly.
package testcluster

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/natsnet/natsnet"
	"github.com/natsnet/natsnet/internal/route"
	"github.com/natsnet/natsnet/internal/server"
)

// DefaultWait bounds the helpers' waits.
const DefaultWait = 20 * time.Second

// Config describes the cluster to start.
type Config struct {
	// Name is the cluster name (default "tc").
	Name string
	// Configure, if set, adjusts each server's options before it starts
	// (for every start, restarts included).
	Configure func(i int, o *natsnet.Options)
	// Seed makes servers 1..N-1 route to server 0 only, so that the mesh
	// forms through gossip, instead of every server routing to all.
	Seed bool
	// Setup, if set, is called with each server's route manager before
	// the server starts (to register subsystem handlers).
	Setup func(i int, m *route.Manager)
}

// Cluster is a set of in-process servers forming one cluster.
type Cluster struct {
	t     testing.TB
	cfg   Config
	nodes []*Node
	mu    sync.Mutex
	cuts  map[[2]int]bool // pairs cut by Partition; guarded by mu
}

// Node is one server of a Cluster.
type Node struct {
	Index int
	// Opts are the options of the node's last start.
	Opts *natsnet.Options
	srv  *natsnet.Server // nil while stopped
	// Ports kept across restarts.
	clientPort, clusterPort int
}

// New starts n servers, waits for the full mesh and shuts them down when
// the test ends.
func New(t testing.TB, n int, cfg Config) *Cluster {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "tc"
	}
	c := &Cluster{t: t, cfg: cfg}
	t.Cleanup(c.Shutdown)
	for i := range n {
		c.nodes = append(c.nodes, &Node{Index: i, clientPort: natsnet.RandomPort, clusterPort: natsnet.RandomPort})
	}
	for i := range n {
		c.start(i, false)
	}
	// The ports are known only once the servers listen: tell each server
	// of the others now (later starts get them in their options).
	for i := range n {
		for _, u := range c.routesFor(i) {
			if err := c.Manager(i).AddRoute(u); err != nil {
				t.Fatalf("add route: %v", err)
			}
		}
	}
	c.WaitForMesh()
	return c
}

// routesFor lists the route URLs server i dials.
func (c *Cluster) routesFor(i int) []string {
	var out []string
	for j, nd := range c.nodes {
		if j == i || nd.clusterPort <= 0 || (c.cfg.Seed && j != 0) {
			continue
		}
		out = append(out, "nats://"+net.JoinHostPort("127.0.0.1", strconv.Itoa(nd.clusterPort)))
	}
	return out
}

func (c *Cluster) start(i int, withRoutes bool) {
	c.t.Helper()
	nd := c.nodes[i]
	o := &natsnet.Options{
		ServerName: fmt.Sprintf("%s-%d", c.cfg.Name, i),
		Host:       "127.0.0.1",
		Port:       nd.clientPort,
		NoLog:      !testing.Verbose(),
		Cluster: natsnet.ClusterOpts{
			Name: c.cfg.Name,
			Host: "127.0.0.1",
			Port: nd.clusterPort,
		},
	}
	if withRoutes {
		o.Cluster.Routes = c.routesFor(i)
	}
	if c.cfg.Configure != nil {
		c.cfg.Configure(i, o)
	}
	s, err := natsnet.New(o)
	if err != nil {
		c.t.Fatalf("server %d: %v", i, err)
	}
	if c.cfg.Setup != nil {
		c.cfg.Setup(i, route.Lookup(s.ID()))
	}
	if err := s.Start(); err != nil {
		c.t.Fatalf("start server %d: %v", i, err)
	}
	nd.Opts, nd.srv = o, s
	nd.clientPort = portOf(s.ClientURL())
	nd.clusterPort = portOf(s.ClusterURL())
}

func portOf(u string) int {
	pu, err := url.Parse(u)
	if err != nil {
		return 0
	}
	p, _ := strconv.Atoi(pu.Port())
	return p
}

// N is the number of servers (running or not).
func (c *Cluster) N() int { return len(c.nodes) }

// Server returns server i, or nil while it is stopped.
func (c *Cluster) Server(i int) *natsnet.Server { return c.nodes[i].srv }

// Node returns node i.
func (c *Cluster) Node(i int) *Node { return c.nodes[i] }

// Manager returns the route manager of server i.
func (c *Cluster) Manager(i int) *route.Manager {
	c.t.Helper()
	s := c.nodes[i].srv
	if s == nil {
		c.t.Fatalf("server %d is stopped", i)
	}
	m := route.Lookup(s.ID())
	if m == nil {
		c.t.Fatalf("server %d has no route manager", i)
	}
	return m
}

// Internal returns the internal server of server i.
func (c *Cluster) Internal(i int) *server.Server { return c.Manager(i).Server() }

// ClientURL is server i's client URL.
func (c *Cluster) ClientURL(i int) string {
	return "nats://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(c.nodes[i].clientPort))
}

// ClientURLs lists every server's client URL, comma separated, for a
// client that may use any of them.
func (c *Cluster) ClientURLs() string {
	var out []string
	for i := range c.nodes {
		out = append(out, c.ClientURL(i))
	}
	return strings.Join(out, ",")
}

// running lists the indexes of the running servers.
func (c *Cluster) running() []int {
	var out []int
	for i, nd := range c.nodes {
		if nd.srv != nil {
			out = append(out, i)
		}
	}
	return out
}

// WaitFor polls cond until it holds, failing the test after DefaultWait.
func (c *Cluster) WaitFor(what string, cond func() bool) {
	c.t.Helper()
	WaitFor(c.t, DefaultWait, what, cond)
}

// WaitFor polls cond until it holds or d passes, then fails t.
func WaitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// WaitForMesh waits until every running server has a route to every other
// running server (and to nothing else), except for pairs cut by Partition,
// and no route is being set up anywhere: from then on the routes stay as
// they are until a server stops or a pair is cut. Every server then also
// knows the interest the others had when their routes came up.
func (c *Cluster) WaitForMesh() {
	c.t.Helper()
	c.WaitFor("the full mesh", c.meshed)
}

func (c *Cluster) meshed() bool {
	run := c.running()
	for _, i := range run {
		m := c.Manager(i)
		want := 0
		for _, j := range run {
			if j == i || c.cut(i, j) {
				continue
			}
			want++
			if !m.Connected(c.nodes[j].srv.ID()) {
				return false
			}
		}
		if m.NumRoutes() != want || !m.Settled() {
			return false
		}
	}
	return true
}

// WaitForInterest waits until server i knows of interest in subject in
// account (the global account when ""), its own or another server's.
func (c *Cluster) WaitForInterest(i int, account, subject string) {
	c.t.Helper()
	s := c.Internal(i)
	acc := s.GlobalAccount()
	if account != "" {
		acc = s.LookupAccount(account)
	}
	if acc == nil {
		c.t.Fatalf("server %d has no account %q", i, account)
	}
	c.WaitFor(fmt.Sprintf("interest in %q on server %d", subject, i), func() bool { return acc.HasInterest(subject) })
}

// WaitForRemoteQueue waits until server i knows that count other servers
// have members of queue group queue on subject.
func (c *Cluster) WaitForRemoteQueue(i int, subject, queue string, count int) {
	c.t.Helper()
	acc := c.Internal(i).GlobalAccount()
	c.WaitFor(fmt.Sprintf("%d servers with queue %q on %q seen by server %d", count, queue, subject, i), func() bool {
		return acc.RemoteQueueServers(subject, queue) == count
	})
}

// Stop shuts server i down.
func (c *Cluster) Stop(i int) {
	c.t.Helper()
	nd := c.nodes[i]
	if nd.srv == nil {
		return
	}
	nd.srv.Shutdown()
	nd.srv = nil
}

// Restart starts server i again, on the same ports, and waits for the mesh.
func (c *Cluster) Restart(i int) {
	c.t.Helper()
	c.Stop(i)
	c.start(i, true)
	c.WaitForMesh()
}

func (c *Cluster) cut(i, j int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cuts[pair(i, j)]
}

func pair(i, j int) [2]int {
	if i > j {
		i, j = j, i
	}
	return [2]int{i, j}
}

// Partition cuts the route between servers i and j, and keeps them from
// reconnecting, without stopping either; messages between their clients
// then only flow if a third server has the interest (a message crosses
// one route at most, so they do not).
func (c *Cluster) Partition(i, j int) {
	c.t.Helper()
	c.mu.Lock()
	if c.cuts == nil {
		c.cuts = make(map[[2]int]bool)
	}
	c.cuts[pair(i, j)] = true
	c.mu.Unlock()
	idi, idj := c.nodes[i].srv.ID(), c.nodes[j].srv.ID()
	c.Manager(i).Block(idj)
	c.Manager(j).Block(idi)
	c.WaitForMesh()
}

// Heal undoes Partition and waits for the mesh.
func (c *Cluster) Heal(i, j int) {
	c.t.Helper()
	c.mu.Lock()
	delete(c.cuts, pair(i, j))
	c.mu.Unlock()
	idi, idj := c.nodes[i].srv.ID(), c.nodes[j].srv.ID()
	c.Manager(i).Unblock(idj)
	c.Manager(j).Unblock(idi)
	c.WaitForMesh()
}

// Shutdown stops every server. It runs when the test ends.
func (c *Cluster) Shutdown() {
	var wg sync.WaitGroup
	for _, nd := range c.nodes {
		if s := nd.srv; s != nil {
			wg.Add(1)
			go func() { defer wg.Done(); s.Shutdown() }()
		}
	}
	wg.Wait()
	for _, nd := range c.nodes {
		nd.srv = nil
	}
}
