package route

import (
	"crypto/tls"
	"math/rand/v2"
	"net"
	"net/url"
	"sync/atomic"
	"time"
)

// Dialing: one solicitor goroutine per host:port to connect to. It dials,
// runs the route while it lasts, and dials again after a backoff. While
// another route to the same server is active (the peer dialed us, or the
// address was also configured under another name) it only waits for that
// route to end.
const (
	minBackoff  = 50 * time.Millisecond
	maxBackoff  = time.Second
	dialTimeout = 2 * time.Second
)

type solicitor struct {
	u          *url.URL
	key        string // host:port
	configured atomic.Bool
	expectID   string // the server gossip said is there, if any
}

// startSolicitor starts dialing u unless a solicitor for its address runs
// already or the address is this server's.
func (m *Manager) startSolicitor(u *url.URL, configured bool, expectID string) {
	key := u.Host
	m.mu.Lock()
	if m.mu.stopped || m.mu.self[key] {
		m.mu.Unlock()
		return
	}
	if s, ok := m.mu.solicitors[key]; ok {
		if configured {
			s.configured.Store(true)
		}
		m.mu.Unlock()
		return
	}
	s := &solicitor{u: u, key: key, expectID: expectID}
	s.configured.Store(configured)
	m.mu.solicitors[key] = s
	m.mu.Unlock()
	if !m.srv.Go("route-solicit", func() { m.solicit(s) }) {
		m.dropSolicitor(s)
	}
}

func (m *Manager) dropSolicitor(s *solicitor) {
	m.mu.Lock()
	if m.mu.solicitors[s.key] == s {
		delete(m.mu.solicitors, s.key)
	}
	m.mu.Unlock()
}

// solicit is a solicitor's loop.
func (m *Manager) solicit(s *solicitor) {
	defer m.dropSolicitor(s)
	backoff := minBackoff
	failures := 0
	for !m.stopping() {
		m.mu.Lock()
		self := m.mu.self[s.key]
		id := m.mu.urlIDs[s.key]
		if id == "" {
			id = s.expectID
		}
		var active *link
		if id != "" {
			active = m.mu.links[id]
		}
		blocked := id != "" && m.mu.blocked[id]
		wake := m.mu.wake
		dialing := active == nil && !blocked && !self
		if dialing {
			m.mu.dialing++
		}
		m.mu.Unlock()
		if self {
			return
		}
		if active != nil {
			select {
			case <-active.done:
			case <-m.quit:
				return
			}
			backoff, failures = minBackoff, 0
			continue
		}
		if !blocked {
			if m.dial(s) {
				backoff, failures = minBackoff, 0
				continue
			}
			if m.hasLinkAt(s.key) {
				continue // lost to a duplicate: wait for that one
			}
		}
		failures++
		if !s.configured.Load() && failures > m.opts.ConnectRetries && !m.vouched(id) {
			m.log.Debug("no longer dialing a route learned through gossip", "url", s.key)
			return
		}
		d := backoff/2 + rand.N(backoff)
		t := time.NewTimer(d)
		select {
		case <-t.C:
			backoff = min(backoff*2, maxBackoff)
		case <-wake:
			t.Stop()
			backoff = minBackoff
		case <-m.quit:
			t.Stop()
			return
		}
	}
}

// hasLinkAt reports whether the server found at key has an active route.
func (m *Manager) hasLinkAt(key string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := m.mu.urlIDs[key]
	return id != "" && m.mu.links[id] != nil
}

// dial connects to the solicitor's address and runs the route until it
// ends. It reports whether the route became active.
func (m *Manager) dial(s *solicitor) bool {
	tracked := false
	defer func() {
		if !tracked {
			m.doneDialing()
		}
	}()
	d := net.Dialer{Timeout: dialTimeout}
	nc, err := d.DialContext(m.ctx, "tcp", s.key)
	if err != nil {
		m.log.Debug("route dial failed", "url", s.key, "err", err)
		return false
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	if m.opts.TLSConfig != nil {
		tc := tls.Client(nc, m.clientTLS(s.u.Hostname()))
		_ = nc.SetDeadline(time.Now().Add(m.opts.TLSTimeout))
		if err := tc.Handshake(); err != nil {
			m.logRefusal("tls "+s.key, "route refused: TLS handshake failed", "url", s.key, "err", err)
			_ = nc.Close()
			return false
		}
		_ = nc.SetDeadline(time.Time{})
		nc = tc
	}
	rc, err := m.srv.NewRouteConn(nc)
	if err != nil {
		return false
	}
	l := newLink(m, nc, rc)
	l.dialed = s.key
	l.configured = s.configured.Load()
	if u := s.u.User; u != nil {
		p, _ := u.Password()
		l.creds = &userPass{u.Username(), p}
	} else if m.opts.Username != "" {
		l.creds = &userPass{m.opts.Username, m.opts.Password}
	}
	tracked = true
	if !m.trackDialed(l) {
		rc.Close()
		return false
	}
	l.state = stAwaitInfo
	_ = nc.SetReadDeadline(time.Now().Add(m.opts.AuthTimeout))
	l.run()
	return l.wasActive
}

// clientTLS is the TLS configuration for dialing host: the cluster's, with
// the peer verified against its root CAs (or, when only client CAs are
// configured, those).
func (m *Manager) clientTLS(host string) *tls.Config {
	cfg := m.opts.TLSConfig.Clone()
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	if cfg.RootCAs == nil && cfg.ClientCAs != nil {
		cfg.RootCAs = cfg.ClientCAs
	}
	return cfg
}

func (m *Manager) doneDialing() {
	m.mu.Lock()
	m.mu.dialing--
	m.mu.Unlock()
}

// trackDialed is track for a dialed connection, which ends the dial.
func (m *Manager) trackDialed(l *link) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.mu.dialing--
	if m.mu.stopped {
		return false
	}
	m.mu.all[l] = struct{}{}
	return true
}
