package route

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nuid"

	"github.com/natsnet/natsnet/internal/server"
)

// Manager runs a server's routes. Create it with Attach.
type Manager struct {
	srv  *server.Server
	opts server.ClusterOpts
	log  *slog.Logger
	id   string

	quit   chan struct{} // closed by Stop
	ctx    context.Context
	cancel context.CancelFunc
	ln     atomic.Pointer[net.Listener]

	// Registered before Start, read-only afterwards.
	handlers map[string]SysHandler
	peerFns  []func(PeerEvent)

	// peers is a copy-on-write snapshot of mu.links for Send.
	peers atomic.Pointer[map[string]*link]

	// urlMu orders connect_urls updates: computed and applied under it.
	urlMu sync.Mutex

	mu struct {
		sync.Mutex
		clusterName string
		dynamic     bool
		started     bool
		stopped     bool
		// links are the active routes, by peer id.
		links map[string]*link
		// all are every route connection, active or not, to close at Stop.
		all map[*link]struct{}
		// solicitors are the dial loops, by host:port.
		solicitors map[string]*solicitor
		// urlIDs maps a dialed host:port to the id of the server found there.
		urlIDs map[string]string
		// self are host:port addresses found to be this server.
		self map[string]bool
		// blocked peers are refused (fault injection, see Block).
		blocked map[string]bool
		// wake is closed and replaced to make waiting solicitors retry now.
		wake chan struct{}
		// logged rate-limits repeated refusal logs, by reason and peer.
		logged map[string]time.Time
		// dialing counts solicitors between deciding to dial and having
		// a tracked connection (or giving up), for Settled.
		dialing int
	}
}

// registry maps server ids to their managers, for test helpers and
// in-process tooling that hold only the public embedding API.
var registry sync.Map

// Attach creates the route manager of a server whose options enable
// clustering, installs it as the server's Router and registers it as a
// service, so that it starts and stops with the server. Call it before
// Start.
func Attach(s *server.Server) (*Manager, error) {
	o := s.Options().Cluster
	if !o.Enabled() {
		return nil, errors.New("route: clustering is not configured")
	}
	for _, r := range o.Routes {
		if _, err := parseRouteURL(r); err != nil {
			return nil, err
		}
	}
	m := &Manager{srv: s, opts: o, log: s.Logger(), id: s.ID(), quit: make(chan struct{})}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	m.handlers = make(map[string]SysHandler)
	m.mu.clusterName = o.Name
	if o.Name == "" {
		m.mu.clusterName = nuid.Next()
		m.mu.dynamic = true
	}
	m.mu.links = make(map[string]*link)
	m.mu.all = make(map[*link]struct{})
	m.mu.solicitors = make(map[string]*solicitor)
	m.mu.urlIDs = make(map[string]string)
	m.mu.self = make(map[string]bool)
	m.mu.blocked = make(map[string]bool)
	m.mu.logged = make(map[string]time.Time)
	m.mu.wake = make(chan struct{})
	s.SetRouter(m)
	s.AddService(m)
	registry.Store(s.ID(), m)
	return m, nil
}

// Lookup returns the manager of the running server with the given id, or
// nil.
func Lookup(serverID string) *Manager {
	if v, ok := registry.Load(serverID); ok {
		return v.(*Manager)
	}
	return nil
}

// parseRouteURL accepts nats://[user:pass@]host:port or host:port.
func parseRouteURL(s string) (*url.URL, error) {
	if !strings.Contains(s, "://") {
		s = "nats://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("route: invalid route URL %q: %w", s, err)
	}
	if _, _, err := net.SplitHostPort(u.Host); err != nil {
		return nil, fmt.Errorf("route: route URL %q needs host:port", s)
	}
	return u, nil
}

var _ server.Service = (*Manager)(nil)
var _ server.Router = (*Manager)(nil)

// ClusterName is the cluster's current name.
func (m *Manager) ClusterName() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.mu.clusterName
}

// ClusterAddr is the route listener's address, nil before Start.
func (m *Manager) ClusterAddr() net.Addr {
	if ln := m.ln.Load(); ln != nil {
		return (*ln).Addr()
	}
	return nil
}

// ClusterURL is nats://host:port of the route listener, for other servers'
// route lists.
func (m *Manager) ClusterURL() string {
	a, ok := m.ClusterAddr().(*net.TCPAddr)
	if !ok {
		return ""
	}
	host := m.opts.Host
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "nats://" + net.JoinHostPort(host, strconv.Itoa(a.Port))
}

// Start opens the route listener and begins soliciting the configured
// routes. The server calls it once its client listener is open.
func (m *Manager) Start() error {
	port := m.opts.Port
	if port == server.RandomPort {
		port = 0
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(m.opts.Host, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("listen for routes: %w", err)
	}
	m.ln.Store(&ln)
	m.mu.Lock()
	m.mu.started = true
	name := m.mu.clusterName
	m.mu.Unlock()
	m.log.Info("listening for route connections", "addr", ln.Addr().String(), "cluster", name)
	if m.srv.Options().JetStream {
		// Until the meta layer exists, JetStream is not clustered: each
		// server's JetStream answers the requests that reach it.
		m.log.Warn("JetStream is not clustered yet: every server of the cluster with JetStream enabled serves JetStream on its own")
	}
	m.updateConnectURLs()
	if !m.srv.Go("route-accept", m.acceptLoop) {
		_ = ln.Close()
		return server.ErrServerClosed
	}
	for _, r := range m.opts.Routes {
		u, _ := parseRouteURL(r)
		m.startSolicitor(u, true, "")
	}
	return nil
}

// Stop closes the listener and every route. The server calls it at
// shutdown.
func (m *Manager) Stop() {
	m.mu.Lock()
	if m.mu.stopped {
		m.mu.Unlock()
		return
	}
	m.mu.stopped = true
	all := make([]*link, 0, len(m.mu.all))
	for l := range m.mu.all {
		all = append(all, l)
	}
	m.mu.Unlock()
	close(m.quit)
	m.cancel()
	if ln := m.ln.Load(); ln != nil {
		_ = (*ln).Close()
	}
	for _, l := range all {
		l.rc.Close()
	}
	registry.CompareAndDelete(m.id, m)
}

func (m *Manager) stopping() bool {
	select {
	case <-m.quit:
		return true
	default:
		return false
	}
}

func (m *Manager) acceptLoop() {
	lnp := m.ln.Load()
	ln := *lnp
	backoff := 5 * time.Millisecond
	for {
		nc, err := ln.Accept()
		if err != nil {
			if m.stopping() || errors.Is(err, net.ErrClosed) {
				return
			}
			m.log.Error("route accept failed", "err", err)
			select {
			case <-time.After(backoff):
			case <-m.quit:
				return
			}
			backoff = min(backoff*2, time.Second)
			continue
		}
		backoff = 5 * time.Millisecond
		if !m.srv.Go("route", func() { m.serveAccepted(nc) }) {
			_ = nc.Close()
			return
		}
	}
}

// track records a new route connection; it fails once Stop has begun.
func (m *Manager) track(l *link) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mu.stopped {
		return false
	}
	m.mu.all[l] = struct{}{}
	return true
}

// register makes l the route to its peer, unless the peer is blocked or
// another route to it is preferred. The route it replaces, if any, is
// closed. It reports whether l was kept.
func (m *Manager) register(l *link) bool {
	m.mu.Lock()
	if m.mu.stopped || m.mu.blocked[l.peer.ID] {
		m.mu.Unlock()
		return false
	}
	old := m.mu.links[l.peer.ID]
	if old != nil && !l.preferredOver(old) {
		m.mu.Unlock()
		m.log.Debug("duplicate route, keeping the existing one", "peer", l.peer.Name, "rid", l.rc.ID())
		return false
	}
	m.mu.links[l.peer.ID] = l
	if l.dialed != "" {
		m.mu.urlIDs[l.dialed] = l.peer.ID
	}
	m.publishPeersLocked()
	m.mu.Unlock()
	if old != nil {
		m.log.Debug("duplicate route, replacing the existing one", "peer", l.peer.Name, "rid", old.rc.ID())
		old.rc.Close()
	}
	return true
}

// publishPeersLocked refreshes the snapshot Send reads. m.mu must be held.
func (m *Manager) publishPeersLocked() {
	snap := make(map[string]*link, len(m.mu.links))
	for id, l := range m.mu.links {
		snap[id] = l
	}
	m.peers.Store(&snap)
}

// linkUp runs once a route is active.
func (m *Manager) linkUp(l *link) {
	m.log.Info("route connection created", "peer", l.peer.Name, "peer_id", l.peer.ID,
		"remote", l.nc.RemoteAddr().String(), "rid", l.rc.ID(), "solicited", l.dialed != "")
	m.membershipChanged()
	m.learn(l.peer.Peers)
	m.mu.Lock()
	l.up = true
	m.mu.Unlock()
	m.notify(PeerEvent{ID: l.peer.ID, Name: l.peer.Name, Up: true})
}

// linkDone runs when a route connection's reader ends.
func (m *Manager) linkDone(l *link) {
	l.rc.Close()
	l.stopPing()
	m.mu.Lock()
	delete(m.mu.all, l)
	active := l.peer.ID != "" && m.mu.links[l.peer.ID] == l
	if active {
		delete(m.mu.links, l.peer.ID)
		m.publishPeersLocked()
	}
	stopped := m.mu.stopped
	m.mu.Unlock()
	close(l.done)
	if !active {
		return
	}
	m.log.Info("route connection closed", "peer", l.peer.Name, "peer_id", l.peer.ID, "rid", l.rc.ID())
	if stopped {
		return
	}
	m.membershipChanged()
	m.notify(PeerEvent{ID: l.peer.ID, Name: l.peer.Name, Up: false})
	// Try to get the peer back from this side too, in case it does not
	// solicit us.
	if u := l.peer.RouteURL; u != "" {
		if pu, err := parseRouteURL(u); err == nil {
			m.startSolicitor(pu, false, l.peer.ID)
		}
	}
}

// membershipChanged tells every peer and every client of the change.
func (m *Manager) membershipChanged() {
	m.mu.Lock()
	info := encodeInfo(m.localInfoLocked(), false)
	links := make([]*link, 0, len(m.mu.links))
	for _, l := range m.mu.links {
		links = append(links, l)
	}
	m.mu.Unlock()
	for _, l := range links {
		l.rc.Enqueue(info)
	}
	m.updateConnectURLs()
}

// updateConnectURLs computes the client URLs of the cluster for the
// server's INFO.
func (m *Manager) updateConnectURLs() {
	m.urlMu.Lock()
	defer m.urlMu.Unlock()
	var urls []string
	if !m.opts.NoAdvertise {
		urls = append(urls, m.srv.ClientConnectURLs()...)
	}
	m.mu.Lock()
	ids := make([]string, 0, len(m.mu.links))
	for id := range m.mu.links {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		for _, u := range m.mu.links[id].peer.ClientURLs {
			if !slices.Contains(urls, u) {
				urls = append(urls, u)
			}
		}
	}
	m.mu.Unlock()
	m.srv.SetConnectURLs(urls)
}

// learn starts soliciting the gossiped peers this server has no route to.
func (m *Manager) learn(peers []Peer) {
	for _, p := range peers {
		if p.ID == m.id || p.URL == "" {
			continue
		}
		m.mu.Lock()
		skip := m.mu.links[p.ID] != nil || m.mu.blocked[p.ID]
		m.mu.Unlock()
		if skip {
			continue
		}
		if u, err := parseRouteURL(p.URL); err == nil {
			m.startSolicitor(u, false, p.ID)
		}
	}
}

// vouched reports whether some connected peer reports a route to id.
func (m *Manager) vouched(id string) bool {
	if id == "" {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, l := range m.mu.links {
		for _, p := range l.peer.Peers {
			if p.ID == id {
				return true
			}
		}
	}
	return false
}

// logRefusal logs a refused route at error level, or at debug level when
// the same refusal was logged in the last half minute.
func (m *Manager) logRefusal(key, msg string, args ...any) {
	m.mu.Lock()
	last, seen := m.mu.logged[key]
	now := time.Now()
	loud := !seen || now.Sub(last) > 30*time.Second
	if loud {
		m.mu.logged[key] = now
	}
	m.mu.Unlock()
	if loud {
		m.log.Error(msg, args...)
	} else {
		m.log.Debug(msg, args...)
	}
}

// checkCluster agrees on the cluster name with a peer. A configured name
// must match; a dynamic one gives way to a configured one, and of two
// dynamic names the smaller wins.
func (m *Manager) checkCluster(name string, dynamic bool) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case name == m.mu.clusterName:
		if !dynamic {
			m.mu.dynamic = false
		}
		return true
	case m.mu.dynamic && (!dynamic || name < m.mu.clusterName):
		m.mu.clusterName = name
		m.mu.dynamic = dynamic
		return true
	case dynamic:
		return true // the peer takes our name
	}
	return false
}

// AddRoute starts soliciting a route as if it were configured: it is
// retried for ever.
func (m *Manager) AddRoute(routeURL string) error {
	u, err := parseRouteURL(routeURL)
	if err != nil {
		return err
	}
	m.startSolicitor(u, true, "")
	return nil
}

// Server is the server the manager belongs to.
func (m *Manager) Server() *server.Server { return m.srv }
