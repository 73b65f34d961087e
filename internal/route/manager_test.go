package route

import (
	"testing"
	"time"

	"github.com/natsnet/natsnet/internal/server"
)

// start runs a clustered server on random loopback ports.
func start(t *testing.T, name string, c server.ClusterOpts) *Manager {
	t.Helper()
	c.Host, c.Port = "127.0.0.1", server.RandomPort
	s, err := server.New(&server.Options{ServerName: name, Host: "127.0.0.1", Port: server.RandomPort, NoLog: !testing.Verbose(), Cluster: c})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Attach(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
	return m
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A server whose route list includes itself notices it at the handshake
// and stops dialing that address.
func TestRouteToSelf(t *testing.T) {
	t.Parallel()
	m := start(t, "self", server.ClusterOpts{Name: "c"})
	if err := m.AddRoute(m.ClusterURL()); err != nil {
		t.Fatal(err)
	}
	key := m.ClusterAddr().String()
	waitFor(t, "the self route to be recognised and dropped", func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		_, dialing := m.mu.solicitors[key]
		return m.mu.self[key] && !dialing
	})
	if m.NumRoutes() != 0 || !m.Settled() {
		t.Fatalf("routes %d, settled %v", m.NumRoutes(), m.Settled())
	}
}

// Servers without a configured cluster name agree on one; a configured
// name wins over a dynamic one.
func TestDynamicClusterName(t *testing.T) {
	t.Parallel()
	a := start(t, "a", server.ClusterOpts{})
	b := start(t, "b", server.ClusterOpts{Routes: []string{a.ClusterURL()}})
	waitFor(t, "the route", func() bool { return a.NumRoutes() == 1 && b.NumRoutes() == 1 })
	if a.ClusterName() != b.ClusterName() || a.ClusterName() == "" {
		t.Fatalf("names %q and %q", a.ClusterName(), b.ClusterName())
	}
	c := start(t, "c", server.ClusterOpts{Name: "fixed", Routes: []string{a.ClusterURL()}})
	waitFor(t, "the route to the named server", func() bool { return c.NumRoutes() >= 1 })
	if a.ClusterName() != "fixed" {
		t.Fatalf("dynamic name %q did not give way to the configured one", a.ClusterName())
	}
}

// Two servers dialing each other at once keep exactly one route.
func TestSimultaneousDialKeepsOneRoute(t *testing.T) {
	t.Parallel()
	a := start(t, "a", server.ClusterOpts{Name: "c"})
	b := start(t, "b", server.ClusterOpts{Name: "c"})
	if err := a.AddRoute(b.ClusterURL()); err != nil {
		t.Fatal(err)
	}
	if err := b.AddRoute(a.ClusterURL()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "one settled route each way", func() bool {
		return a.NumRoutes() == 1 && b.NumRoutes() == 1 && a.Settled() && b.Settled() &&
			a.Server().NumRoutes() == 1 && b.Server().NumRoutes() == 1
	})
	pa, pb := a.Peers()[0], b.Peers()[0]
	if pa.Solicited == pb.Solicited {
		t.Fatalf("both ends report solicited=%v", pa.Solicited)
	}
	// The route kept is the one dialed by the smaller id.
	if dialer := map[bool]string{true: a.id, false: b.id}[pa.Solicited]; dialer != min(a.id, b.id) {
		t.Fatalf("kept the route dialed by %s", dialer)
	}
}
