package test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/natsnet/natsnet"
	"github.com/natsnet/natsnet/internal/route"
	"github.com/natsnet/natsnet/internal/testcluster"
)

// Clusters of in-process servers, driven by nats.go clients connected to
// different servers. Every wait polls with a deadline (testcluster.WaitFor
// and the client's own timeouts); "nothing else arrived" is always proven
// by a later message on the same path, never by sleeping.

const clusterWait = 10 * time.Second

// clusterNext returns the next message of sub or fails.
func clusterNext(t testing.TB, sub *nats.Subscription) *nats.Msg {
	t.Helper()
	m, err := sub.NextMsg(clusterWait)
	if err != nil {
		t.Fatalf("next message on %q: %v", sub.Subject, err)
	}
	return m
}

// flushed publishes through nc and flushes.
func flushed(t testing.TB, nc *nats.Conn, subj, data string) {
	t.Helper()
	if err := nc.Publish(subj, []byte(data)); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
}

func subscribeSync(t testing.TB, nc *nats.Conn, subj string) *nats.Subscription {
	t.Helper()
	sub, err := nc.SubscribeSync(subj)
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return sub
}

func TestClusterPubSubWildcards(t *testing.T) {
	t.Parallel()
	for _, n := range []int{3, 5} {
		t.Run(fmt.Sprintf("%d servers", n), func(t *testing.T) {
			t.Parallel()
			c := testcluster.New(t, n, testcluster.Config{Name: fmt.Sprintf("wild%d", n)})
			pub := connect(t, c.ClientURL(0))
			type rx struct {
				server int
				sub    *nats.Subscription
			}
			var subs []rx
			for i := range n {
				nc := connect(t, c.ClientURL(i))
				// Overlapping filters on one connection: each subscription
				// gets every message once, however many of the server's
				// subscriptions match.
				for _, f := range []string{"orders.>", "orders.*.new", "orders.eu.*"} {
					subs = append(subs, rx{i, subscribeSync(t, nc, f)})
				}
			}
			// Server 0 must know of every other server's interest before
			// the publishes.
			c.WaitFor("every server's interest on server 0", func() bool {
				return c.Internal(0).GlobalAccount().RemoteInterestServers("orders.eu.end") == n-1
			})
			const count = 200
			for k := range count {
				m := nats.NewMsg("orders.eu.new")
				m.Data = []byte(fmt.Sprint(k))
				if k%2 == 0 {
					m.Header.Set("X-K", fmt.Sprint(k))
				}
				if err := pub.PublishMsg(m); err != nil {
					t.Fatal(err)
				}
			}
			flushed(t, pub, "orders.eu.end", "end")
			for _, r := range subs {
				for k := range count {
					m := clusterNext(t, r.sub)
					if string(m.Data) != fmt.Sprint(k) || m.Subject != "orders.eu.new" {
						t.Fatalf("server %d %q: message %d is %q on %q", r.server, r.sub.Subject, k, m.Data, m.Subject)
					}
					if k%2 == 0 && m.Header.Get("X-K") != fmt.Sprint(k) {
						t.Fatalf("server %d: message %d lost its header: %v", r.server, k, m.Header)
					}
				}
				if r.sub.Subject == "orders.*.new" {
					continue // does not match the end marker
				}
				if m := clusterNext(t, r.sub); m.Subject != "orders.eu.end" {
					t.Fatalf("server %d %q: extra message %q on %q", r.server, r.sub.Subject, m.Data, m.Subject)
				}
			}
		})
	}
}

func TestClusterQueueGroups(t *testing.T) {
	t.Parallel()
	c := testcluster.New(t, 3, testcluster.Config{Name: "queues"})
	var got sync.Map // message -> server that got it
	var dups, perServer [3]atomic.Int64
	member := func(server int) *nats.Subscription {
		nc := connect(t, c.ClientURL(server))
		sub, err := nc.QueueSubscribe("jobs", "workers", func(m *nats.Msg) {
			if _, loaded := got.LoadOrStore(string(m.Data), server); loaded {
				dups[server].Add(1)
			}
			perServer[server].Add(1)
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := nc.Flush(); err != nil {
			t.Fatal(err)
		}
		return sub
	}
	member(1)
	member(1)
	member(2)
	// A plain subscriber on server 1 gets everything, in the same RMSG as
	// the queue messages its server is chosen for.
	plainNC := connect(t, c.ClientURL(1))
	plain := subscribeSync(t, plainNC, "jobs")
	c.WaitForRemoteQueue(0, "jobs", "workers", 2)

	pub := connect(t, c.ClientURL(0))
	total := func() int64 { return perServer[0].Load() + perServer[1].Load() + perServer[2].Load() }
	const first = 1000
	for k := range first {
		if err := pub.Publish("jobs", []byte(fmt.Sprintf("a%d", k))); err != nil {
			t.Fatal(err)
		}
	}
	if err := pub.Flush(); err != nil {
		t.Fatal(err)
	}
	for range first {
		clusterNext(t, plain)
	}
	c.WaitFor("every queued message", func() bool { return total() >= first })
	if perServer[1].Load() == 0 || perServer[2].Load() == 0 {
		t.Fatalf("no local member on server 0, yet one server got everything: %d / %d", perServer[1].Load(), perServer[2].Load())
	}

	// A local member takes everything from then on.
	member(0)
	const second = 300
	for k := range second {
		if err := pub.Publish("jobs", []byte(fmt.Sprintf("b%d", k))); err != nil {
			t.Fatal(err)
		}
	}
	if err := pub.Flush(); err != nil {
		t.Fatal(err)
	}
	// The plain subscriber on server 1 sees the second batch too; once it
	// has, any queue copy server 1 or 2 were sent (there must be none)
	// was delivered before, on the same routes.
	for range second {
		clusterNext(t, plain)
	}
	c.WaitFor("the local member", func() bool { return perServer[0].Load() == second })
	if total() != first+second {
		t.Fatalf("queue group got %d messages, want exactly %d", total(), first+second)
	}
	for i := range dups {
		if n := dups[i].Load(); n != 0 {
			t.Fatalf("server %d delivered %d duplicates", i, n)
		}
	}
}

func TestClusterRequestReply(t *testing.T) {
	t.Parallel()
	c := testcluster.New(t, 3, testcluster.Config{Name: "rr"})
	svc := connect(t, c.ClientURL(2))
	if _, err := svc.Subscribe("svc.echo", func(m *nats.Msg) { _ = m.Respond(append([]byte("echo:"), m.Data...)) }); err != nil {
		t.Fatal(err)
	}
	// A service spread over two servers as a queue group answers each
	// request exactly once.
	var handled atomic.Int64
	for _, i := range []int{1, 2} {
		nc := connect(t, c.ClientURL(i))
		if _, err := nc.QueueSubscribe("svc.q", "svc", func(m *nats.Msg) {
			handled.Add(1)
			_ = m.Respond(m.Data)
		}); err != nil {
			t.Fatal(err)
		}
		if err := nc.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.Flush(); err != nil {
		t.Fatal(err)
	}
	c.WaitForInterest(0, "", "svc.echo")
	c.WaitForRemoteQueue(0, "svc.q", "svc", 2)

	req := connect(t, c.ClientURL(0))
	for k := range 100 {
		resp, err := req.Request("svc.echo", []byte(fmt.Sprint(k)), clusterWait)
		if err != nil {
			t.Fatalf("request %d: %v", k, err)
		}
		if want := fmt.Sprintf("echo:%d", k); string(resp.Data) != want {
			t.Fatalf("reply %q, want %q", resp.Data, want)
		}
	}
	const n = 200
	for k := range n {
		resp, err := req.Request("svc.q", []byte(fmt.Sprint(k)), clusterWait)
		if err != nil {
			t.Fatalf("queue request %d: %v", k, err)
		}
		if string(resp.Data) != fmt.Sprint(k) {
			t.Fatalf("queue request %d: reply %q", k, resp.Data)
		}
	}
	// Each reply came after its request was handled: the count is final.
	if got := handled.Load(); got != n {
		t.Fatalf("queue service handled %d requests, want %d", got, n)
	}
}

func TestClusterNoResponders(t *testing.T) {
	t.Parallel()
	c := testcluster.New(t, 3, testcluster.Config{Name: "nr"})
	req := connect(t, c.ClientURL(0))
	start := time.Now()
	if _, err := req.Request("nobody.home", nil, clusterWait); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("request without responders anywhere: %v", err)
	}
	if d := time.Since(start); d > clusterWait/2 {
		t.Fatalf("no responders took %v", d)
	}
	svc := connect(t, c.ClientURL(2))
	sub, err := svc.Subscribe("nobody.home", func(m *nats.Msg) { _ = m.Respond([]byte("here")) })
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Flush(); err != nil {
		t.Fatal(err)
	}
	c.WaitForInterest(0, "", "nobody.home")
	resp, err := req.Request("nobody.home", nil, clusterWait)
	if err != nil || string(resp.Data) != "here" {
		t.Fatalf("request with a responder on another server: %v %v", err, resp)
	}
	if err := sub.Unsubscribe(); err != nil {
		t.Fatal(err)
	}
	if err := svc.Flush(); err != nil {
		t.Fatal(err)
	}
	c.WaitFor("the interest to go", func() bool { return !c.Internal(0).GlobalAccount().HasInterest("nobody.home") })
	if _, err := req.Request("nobody.home", nil, clusterWait); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("request after the responder left: %v", err)
	}
}

func TestClusterNoEcho(t *testing.T) {
	t.Parallel()
	c := testcluster.New(t, 3, testcluster.Config{Name: "echo"})
	self := connect(t, c.ClientURL(0), nats.NoEcho())
	mine := subscribeSync(t, self, "echo.x")
	other := connect(t, c.ClientURL(1))
	theirs := subscribeSync(t, other, "echo.x")
	c.WaitFor("interest both ways", func() bool {
		return c.Internal(0).GlobalAccount().RemoteInterestServers("echo.x") == 1 &&
			c.Internal(1).GlobalAccount().RemoteInterestServers("echo.x") == 1
	})
	flushed(t, self, "echo.x", "own")
	if m := clusterNext(t, theirs); string(m.Data) != "own" {
		t.Fatalf("other server's subscriber got %q", m.Data)
	}
	// The publisher's own subscription must skip "own": its next message
	// is one published by someone else, after "own" went round.
	flushed(t, other, "echo.x", "theirs")
	if m := clusterNext(t, mine); string(m.Data) != "theirs" {
		t.Fatalf("no-echo connection got %q", m.Data)
	}
}

func TestClusterRestartFailover(t *testing.T) {
	t.Parallel()
	c := testcluster.New(t, 3, testcluster.Config{Name: "failover"})
	reconnected := make(chan string, 4)
	nc := connect(t, c.ClientURL(0),
		nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond), nats.ReconnectJitter(0, 0),
		nats.ReconnectHandler(func(nc *nats.Conn) { reconnected <- nc.ConnectedUrl() }))
	// The client learns the other servers from connect_urls.
	testcluster.WaitFor(t, clusterWait, "connect_urls of the cluster", func() bool {
		return len(nc.DiscoveredServers()) == 2
	})
	sub := subscribeSync(t, nc, "fail.>")
	pub := connect(t, c.ClientURL(2))
	c.WaitForInterest(2, "", "fail.x")
	flushed(t, pub, "fail.x", "before")
	if m := clusterNext(t, sub); string(m.Data) != "before" {
		t.Fatalf("got %q", m.Data)
	}

	c.Stop(0)
	var url string
	select {
	case url = <-reconnected:
	case <-time.After(clusterWait):
		t.Fatal("client did not fail over")
	}
	if url == c.ClientURL(0) {
		t.Fatalf("reconnected to the stopped server %s", url)
	}
	// Its subscription moved with it (to server 1 or 2): server 2 sees it
	// again once its route to server 0 is gone.
	c.WaitFor("server 2 to see the interest without server 0", func() bool {
		return c.Manager(2).NumRoutes() == 1 && c.Internal(2).GlobalAccount().HasInterest("fail.x")
	})
	flushed(t, pub, "fail.x", "after")
	if m := clusterNext(t, sub); string(m.Data) != "after" {
		t.Fatalf("got %q", m.Data)
	}
	// connect_urls no longer lists the stopped server.
	testcluster.WaitFor(t, clusterWait, "connect_urls without server 0", func() bool {
		return !slices.Contains(c.Internal(1).ConnectURLs(), strings.TrimPrefix(c.ClientURL(0), "nats://"))
	})

	c.Restart(0)
	fresh := connect(t, c.ClientURL(0))
	freshSub := subscribeSync(t, fresh, "healed.y")
	c.WaitForInterest(2, "", "healed.y")
	flushed(t, pub, "healed.y", "healed")
	if m := clusterNext(t, freshSub); string(m.Data) != "healed" {
		t.Fatalf("got %q", m.Data)
	}
	testcluster.WaitFor(t, clusterWait, "connect_urls with server 0 again", func() bool {
		return len(c.Internal(1).ConnectURLs()) == 3
	})
}

func TestClusterPartition(t *testing.T) {
	t.Parallel()
	c := testcluster.New(t, 3, testcluster.Config{Name: "part"})
	pub := connect(t, c.ClientURL(0))
	nc1 := connect(t, c.ClientURL(1))
	sub1 := subscribeSync(t, nc1, "part.x")
	nc2 := connect(t, c.ClientURL(2))
	sub2 := subscribeSync(t, nc2, "part.x")
	c.WaitFor("interest of servers 1 and 2 on server 0", func() bool {
		return c.Internal(0).GlobalAccount().RemoteInterestServers("part.x") == 2
	})

	c.Partition(0, 1)
	c.WaitFor("server 0 to forget server 1's interest", func() bool {
		return c.Internal(0).GlobalAccount().RemoteInterestServers("part.x") == 1
	})
	flushed(t, pub, "part.x", "during")
	if m := clusterNext(t, sub2); string(m.Data) != "during" {
		t.Fatalf("server 2 got %q", m.Data)
	}
	// Server 2 got "during" from server 0 and must not pass it on to
	// server 1: a message crosses one route at most. Had it done so, it
	// would reach server 1 before this marker, sent later on that route.
	flushed(t, nc2, "part.x", "marker")
	if m := clusterNext(t, sub1); string(m.Data) != "marker" {
		t.Fatalf("server 1 got %q across the partition", m.Data)
	}
	// Requests from server 0 to a service only on server 1 find no one.
	svc := connect(t, c.ClientURL(1))
	if _, err := svc.Subscribe("part.svc", func(m *nats.Msg) { _ = m.Respond([]byte("ok")) }); err != nil {
		t.Fatal(err)
	}
	if err := svc.Flush(); err != nil {
		t.Fatal(err)
	}
	c.WaitForInterest(2, "", "part.svc")
	if _, err := pub.Request("part.svc", nil, clusterWait); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("request across the partition: %v", err)
	}

	c.Heal(0, 1)
	c.WaitForInterest(0, "", "part.svc")
	if resp, err := pub.Request("part.svc", nil, clusterWait); err != nil || string(resp.Data) != "ok" {
		t.Fatalf("request after the heal: %v %v", err, resp)
	}
	flushed(t, pub, "part.x", "healed")
	if m := clusterNext(t, sub1); string(m.Data) != "healed" {
		t.Fatalf("server 1 got %q", m.Data)
	}
}

// logCapture is a slog handler keeping every line.
type logCapture struct {
	mu    sync.Mutex
	lines []string
}

func (l *logCapture) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func (l *logCapture) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.lines = append(l.lines, string(p))
	l.mu.Unlock()
	return len(p), nil
}

func (l *logCapture) has(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		if strings.Contains(line, s) {
			return true
		}
	}
	return false
}

// startClustered starts a clustered server that logs into a capture.
func startClustered(t *testing.T, name string, cluster natsnet.ClusterOpts) (*natsnet.Server, *logCapture) {
	t.Helper()
	logs := &logCapture{}
	cluster.Host = "127.0.0.1"
	if cluster.Port == 0 {
		cluster.Port = natsnet.RandomPort
	}
	s, err := natsnet.New(&natsnet.Options{
		ServerName: name, Host: "127.0.0.1", Port: natsnet.RandomPort,
		Logger: logs.logger(), Cluster: cluster,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
	return s, logs
}

func TestClusterRefusedRoutes(t *testing.T) {
	t.Parallel()
	t.Run("cluster name", func(t *testing.T) {
		t.Parallel()
		a, alog := startClustered(t, "alpha-1", natsnet.ClusterOpts{Name: "alpha"})
		b, blog := startClustered(t, "beta-1", natsnet.ClusterOpts{Name: "beta", Routes: []string{a.ClusterURL()}})
		testcluster.WaitFor(t, clusterWait, "the refusal in alpha's log", func() bool {
			return alog.has("route refused: cluster name mismatch: remote server beta-1 is in cluster beta, this server is in cluster alpha")
		})
		testcluster.WaitFor(t, clusterWait, "the refusal in beta's log", func() bool {
			return blog.has("route refused: cluster name mismatch: remote server alpha-1 is in cluster alpha, this server is in cluster beta")
		})
		if a.NumRoutes() != 0 || b.NumRoutes() != 0 {
			t.Fatalf("routes formed across cluster names: %d, %d", a.NumRoutes(), b.NumRoutes())
		}
	})
	t.Run("credentials", func(t *testing.T) {
		t.Parallel()
		a, alog := startClustered(t, "guarded", natsnet.ClusterOpts{Name: "sec", Username: "route", Password: "s3cret"})
		bad := strings.Replace(a.ClusterURL(), "nats://", "nats://route:wrong@", 1)
		b, blog := startClustered(t, "intruder", natsnet.ClusterOpts{Name: "sec", Routes: []string{bad}})
		testcluster.WaitFor(t, clusterWait, "the refusal in the log", func() bool {
			return alog.has("route refused: authorization violation") && blog.has("route refused by peer: Authorization Violation")
		})
		if a.NumRoutes() != 0 || b.NumRoutes() != 0 {
			t.Fatalf("route formed with a wrong password: %d, %d", a.NumRoutes(), b.NumRoutes())
		}
		// The right credentials, from the cluster's own authorization.
		good, _ := startClustered(t, "friend", natsnet.ClusterOpts{Name: "sec", Username: "route", Password: "s3cret", Routes: []string{a.ClusterURL()}})
		testcluster.WaitFor(t, clusterWait, "the good route", func() bool { return good.NumRoutes() == 1 && a.NumRoutes() == 1 })
	})
}

func TestClusterGossipMesh(t *testing.T) {
	t.Parallel()
	// Servers 1..4 know only server 0; gossip completes the mesh.
	c := testcluster.New(t, 5, testcluster.Config{Name: "gossip", Seed: true})
	nc3 := connect(t, c.ClientURL(3))
	sub := subscribeSync(t, nc3, "gossip.x")
	c.WaitForInterest(4, "", "gossip.x")
	nc4 := connect(t, c.ClientURL(4))
	flushed(t, nc4, "gossip.x", "direct")
	if m := clusterNext(t, sub); string(m.Data) != "direct" {
		t.Fatalf("got %q", m.Data)
	}
	for i := range 5 {
		if got := c.Manager(i).NumRoutes(); got != 4 {
			t.Fatalf("server %d has %d routes, want 4", i, got)
		}
	}
}

func TestClusterMonitoring(t *testing.T) {
	t.Parallel()
	sys := []*natsnet.User{{Username: "sys", Password: "p", Account: "$SYS"}, {Username: "app", Password: "p"}}
	c := testcluster.New(t, 3, testcluster.Config{Name: "mon", Configure: func(i int, o *natsnet.Options) {
		o.HTTPPort = natsnet.RandomPort
		o.Users = sys
	}})
	s0 := c.Server(0)
	var rz struct {
		ID        string `json:"server_id"`
		Name      string `json:"server_name"`
		NumRoutes int    `json:"num_routes"`
		Routes    []struct {
			Rid        uint64   `json:"rid"`
			RemoteID   string   `json:"remote_id"`
			RemoteName string   `json:"remote_name"`
			NumSubs    uint32   `json:"subscriptions"`
			Subs       []string `json:"subscriptions_list"`
		} `json:"routes"`
	}
	monJSON(t, s0, "/routez?subs=1", &rz)
	if rz.NumRoutes != 2 || len(rz.Routes) != 2 || rz.Name != "mon-0" {
		t.Fatalf("routez: %+v", rz)
	}
	var names []string
	for _, r := range rz.Routes {
		names = append(names, r.RemoteName)
		if r.NumSubs == 0 || !slices.Contains(r.Subs, "$SYS.REQ.SERVER.PING") {
			t.Fatalf("route to %s lacks the peer's system subscriptions: %v", r.RemoteName, r.Subs)
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"mon-1", "mon-2"}) {
		t.Fatalf("routes to %v", names)
	}

	var vz struct {
		Routes      int      `json:"routes"`
		ConnectURLs []string `json:"connect_urls"`
		Cluster     struct {
			Name string `json:"name"`
			Port int    `json:"cluster_port"`
		} `json:"cluster"`
	}
	monJSON(t, s0, "/varz", &vz)
	if vz.Routes != 2 || vz.Cluster.Name != "mon" || vz.Cluster.Port == 0 || len(vz.ConnectURLs) != 3 {
		t.Fatalf("varz: %+v", vz)
	}

	// Every server answers a system request sent to any one of them.
	nc := connect(t, c.ClientURL(1), nats.UserInfo("sys", "p"))
	inbox := nats.NewInbox()
	replies := subscribeSync(t, nc, inbox)
	if err := nc.PublishRequest("$SYS.REQ.SERVER.PING.ROUTEZ", inbox, nil); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for range 3 {
		m := clusterNext(t, replies)
		var resp struct {
			Server sysServer `json:"server"`
			Data   struct {
				NumRoutes int `json:"num_routes"`
			} `json:"data"`
		}
		if err := json.Unmarshal(m.Data, &resp); err != nil {
			t.Fatal(err)
		}
		seen[resp.Server.Name] = resp.Data.NumRoutes
	}
	if len(seen) != 3 || seen["mon-0"] != 2 || seen["mon-1"] != 2 || seen["mon-2"] != 2 {
		t.Fatalf("ROUTEZ replies: %v", seen)
	}
}

func TestClusterCLIServerList(t *testing.T) {
	t.Parallel()
	sys := []*natsnet.User{{Username: "sys", Password: "p", Account: "$SYS"}}
	c := testcluster.New(t, 3, testcluster.Config{Name: "cli", Configure: func(i int, o *natsnet.Options) { o.Users = sys }})
	args := []string{"--server", c.ClientURL(1), "--user", "sys", "--password", "p"}
	out := expectCLI(t, 0, nil, append(slices.Clone(args), "server", "list", "3", "--json")...)
	var list []struct {
		Server struct {
			Name    string `json:"name"`
			Cluster string `json:"cluster"`
		} `json:"server"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("server list --json: %v in %s", err, out)
	}
	var names []string
	for _, e := range list {
		names = append(names, e.Server.Name)
		if e.Server.Cluster != "cli" {
			t.Fatalf("server %s reports cluster %q", e.Server.Name, e.Server.Cluster)
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"cli-0", "cli-1", "cli-2"}) {
		t.Fatalf("server list: %v", names)
	}
	expectCLI(t, 0, []string{"cli-0", "cli-1", "cli-2", "Server Overview"}, append(slices.Clone(args), "server", "list", "3")...)
}

// TestClusterConfigFile starts a cluster from configuration text, as an
// operator would, with route credentials.
func TestClusterConfigFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	seed := startServerFromConfig(t, dir, "seed", `
		server_name: seed
		listen: 127.0.0.1:-1
		cluster { name: conf, listen: 127.0.0.1:-1, authorization { user: r, password: pw } }
	`)
	other := startServerFromConfig(t, dir, "other", fmt.Sprintf(`
		server_name: other
		listen: 127.0.0.1:-1
		cluster { name: conf, listen: 127.0.0.1:-1, routes: [%q] }
	`, strings.Replace(seed.ClusterURL(), "nats://", "nats://r:pw@", 1)))
	testcluster.WaitFor(t, clusterWait, "the route", func() bool { return seed.NumRoutes() == 1 && other.NumRoutes() == 1 })
	nc := connect(t, other.ClientURL())
	sub := subscribeSync(t, nc, "conf.x")
	pub := connect(t, seed.ClientURL())
	testcluster.WaitFor(t, clusterWait, "interest", func() bool { return hasInterest(seed, "conf.x") })
	flushed(t, pub, "conf.x", "hi")
	if m := clusterNext(t, sub); string(m.Data) != "hi" {
		t.Fatalf("got %q", m.Data)
	}
}

// hasInterest reports whether s knows of interest in subj in the global
// account, local or remote.
func hasInterest(s *natsnet.Server, subj string) bool {
	m := route.Lookup(s.ID())
	return m != nil && m.Server().GlobalAccount().HasInterest(subj)
}

func startServerFromConfig(t *testing.T, dir, name, text string) *natsnet.Server {
	t.Helper()
	_ = dir
	o, err := natsnet.LoadConfig(writeTemp(t, name+".conf", text))
	if err != nil {
		t.Fatal(err)
	}
	return startServer(t, o)
}

// TestClusterTLS runs routes over TLS, configured from a file; a server
// that speaks plaintext cannot join.
func TestClusterTLS(t *testing.T) {
	t.Parallel()
	pki := newPKI(t)
	conf := func(name, routes string) string {
		return fmt.Sprintf(`
			server_name: %s
			listen: 127.0.0.1:-1
			cluster {
				name: sec
				listen: 127.0.0.1:-1
				routes: [%s]
				tls { cert_file: %q, key_file: %q, ca_file: %q }
			}
		`, name, routes, pki.serverCert, pki.serverKey, pki.caFile)
	}
	a := startServerFromConfig(t, "", "tls-a", conf("tls-a", ""))
	b := startServerFromConfig(t, "", "tls-b", conf("tls-b", fmt.Sprintf("%q", a.ClusterURL())))
	testcluster.WaitFor(t, clusterWait, "the TLS route", func() bool { return a.NumRoutes() == 1 && b.NumRoutes() == 1 })
	nc := connect(t, b.ClientURL())
	sub := subscribeSync(t, nc, "tls.x")
	pub := connect(t, a.ClientURL())
	testcluster.WaitFor(t, clusterWait, "interest over TLS", func() bool { return hasInterest(a, "tls.x") })
	flushed(t, pub, "tls.x", "secret")
	if m := clusterNext(t, sub); string(m.Data) != "secret" {
		t.Fatalf("got %q", m.Data)
	}

	// A plaintext server is refused at the TLS handshake.
	plain, logs := startClustered(t, "plain", natsnet.ClusterOpts{Name: "sec", Routes: []string{a.ClusterURL()}, AuthTimeout: 300 * time.Millisecond})
	testcluster.WaitFor(t, clusterWait, "the failed handshake", func() bool {
		return logs.has("route handshake failed: no INFO from the peer")
	})
	if plain.NumRoutes() != 0 || a.NumRoutes() != 1 {
		t.Fatalf("plaintext server joined: %d, %d", plain.NumRoutes(), a.NumRoutes())
	}
}

// TestClusterJetStreamOnOneServer reaches the JetStream of one server from
// a client of another: API requests and their replies cross a route, and so
// do direct gets, which are answered on the route's own reader.
func TestClusterJetStreamOnOneServer(t *testing.T) {
	t.Parallel()
	c := testcluster.New(t, 3, testcluster.Config{Name: "js1", Configure: func(i int, o *natsnet.Options) {
		if i == 0 {
			o.JetStream = true
			o.StoreDir = t.TempDir()
		}
	}})
	// The API subscribes several patterns; wait for the ones this test
	// uses, not only the first.
	c.WaitForInterest(2, "", "$JS.API.INFO")
	c.WaitForInterest(2, "", "$JS.API.STREAM.CREATE.R")
	nc := connect(t, c.ClientURL(2))
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := func() context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), clusterWait)
		t.Cleanup(cancel)
		return ctx
	}
	st, err := js.CreateStream(ctx(), jetstream.StreamConfig{Name: "R", Subjects: []string{"r.>"}, AllowDirect: true, Storage: jetstream.MemoryStorage})
	if err != nil {
		t.Fatal(err)
	}
	for k := range 10 {
		if _, err := js.Publish(ctx(), "r.x", []byte(fmt.Sprint(k))); err != nil {
			t.Fatalf("publish %d: %v", k, err)
		}
	}
	m, err := st.GetLastMsgForSubject(ctx(), "r.x")
	if err != nil || string(m.Data) != "9" {
		t.Fatalf("direct get across a route: %v %v", err, m)
	}
}
