package route

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/natsnet/natsnet/internal/route/wire"
	"github.com/natsnet/natsnet/internal/server"
)

// Handshake states of a link; the reader owns the state.
const (
	stAwaitInfo    = iota // dialer: waiting for the acceptor's INFO
	stAwaitPong           // dialer: CONNECT and PING sent
	stAwaitConnect        // acceptor: INFO sent
	stAwaitPing           // acceptor: CONNECT accepted
	stActive
)

// errLinkClosed stops the parser once the link has been closed on purpose
// (refused, duplicate); the reason was logged already.
var errLinkClosed = errors.New("route closed")

// link is one route connection as the route layer runs it. Its reader
// goroutine owns the parser and the handshake state.
type link struct {
	m  *Manager
	rc *server.RouteConn
	nc net.Conn
	// dialed is the host:port this server dialed, "" for an accepted link.
	dialed     string
	configured bool
	creds      *userPass // credentials to present when dialing

	parser wire.Parser // reader
	state  int         // reader
	// wasActive is set by the reader once the link is in service.
	wasActive bool
	// up is set once linkUp has run, synced once the peer answered the
	// first PING, sent after this server's interest: the peer has it all.
	// Guarded by Manager.mu.
	up, synced bool
	// refused is set by a dialer that found the peer unacceptable: it
	// waits for the peer's -ERR (the peer logs its side) and then closes.
	refused bool
	// accs caches account lookups by name (nil: unknown). Reader.
	accs map[string]*server.Account

	// peer describes the other server. Written by the reader before the
	// link is registered and on INFO updates under Manager.mu; read under
	// Manager.mu by others.
	peer Info

	done     chan struct{} // closed when the reader has ended
	pingsOut atomic.Int32
	rttStart atomic.Int64
	pingMu   sync.Mutex
	pingT    *time.Timer // guarded by pingMu
	pingStop bool        // guarded by pingMu
}

type userPass struct{ user, pass string }

func newLink(m *Manager, nc net.Conn, rc *server.RouteConn) *link {
	return &link{m: m, rc: rc, nc: nc, accs: make(map[string]*server.Account), done: make(chan struct{})}
}

// preferredOver reports whether l should replace other as the route to the
// same peer: both servers keep the route dialed by the smaller server id.
func (l *link) preferredOver(other *link) bool {
	return l.dialerID() < other.dialerID()
}

func (l *link) dialerID() string {
	if l.dialed != "" {
		return l.m.id
	}
	return l.peer.ID
}

// serveAccepted runs an inbound route connection to its end.
func (m *Manager) serveAccepted(nc net.Conn) {
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	if m.opts.TLSConfig != nil {
		tc := tls.Server(nc, m.opts.TLSConfig)
		_ = nc.SetDeadline(time.Now().Add(m.opts.TLSTimeout))
		if err := tc.Handshake(); err != nil {
			m.logRefusal("tls "+nc.RemoteAddr().String(), "route refused: TLS handshake failed",
				"remote", nc.RemoteAddr().String(), "err", err)
			_ = nc.Close()
			return
		}
		_ = nc.SetDeadline(time.Time{})
		nc = tc
	}
	rc, err := m.srv.NewRouteConn(nc)
	if err != nil {
		return
	}
	l := newLink(m, nc, rc)
	if !m.track(l) {
		rc.Close()
		return
	}
	l.state = stAwaitConnect
	_ = nc.SetReadDeadline(time.Now().Add(m.opts.AuthTimeout))
	m.mu.Lock()
	info := encodeInfo(m.localInfoLocked(), false)
	m.mu.Unlock()
	rc.Enqueue(info)
	l.run()
}

// run reads and handles the route's traffic until the connection ends.
func (l *link) run() {
	defer l.m.linkDone(l)
	buf := make([]byte, 64*1024)
	for {
		n, err := l.nc.Read(buf)
		if n > 0 {
			l.rc.Touch()
			perr := l.parser.Parse(buf[:n], l)
			l.rc.EndRead()
			if perr != nil {
				if !errors.Is(perr, errLinkClosed) {
					l.m.log.Warn("route protocol error, closing", "peer", l.peer.Name, "rid", l.rc.ID(), "err", perr)
				}
				return
			}
		}
		if err != nil {
			if l.state != stActive && !l.rc.Closed() && !errors.Is(err, net.ErrClosed) {
				remote := l.nc.RemoteAddr().String()
				if l.state == stAwaitInfo {
					l.m.logRefusal("handshake "+remote, "route handshake failed: no INFO from the peer (TLS on one side only?)",
						"remote", remote, "err", err)
				} else {
					l.m.log.Debug("route closed during handshake", "remote", remote, "err", err)
				}
			}
			return
		}
	}
}

// refuse sends -ERR with the reason and closes the link.
func (l *link) refuse(text string) error {
	l.rc.Enqueue(wire.AppendErr(nil, text))
	l.rc.Close()
	return errLinkClosed
}

// Info handles INFO: the acceptor's introduction (dialer side) or a
// gossip update (active link).
func (l *link) Info(arg []byte) error {
	var info Info
	if err := json.Unmarshal(arg, &info); err != nil {
		return fmt.Errorf("route INFO: %w", err)
	}
	m := l.m
	switch l.state {
	case stAwaitInfo:
		if info.ID == m.id {
			m.mu.Lock()
			m.mu.self[l.dialed] = true
			m.mu.Unlock()
			l.rc.Close()
			return errLinkClosed
		}
		if !l.acceptPeer(&info) {
			if m.isBlocked(info.ID) {
				l.rc.Close()
				return errLinkClosed
			}
			// Still introduce ourselves, so that the peer logs the
			// refusal too; its -ERR ends the link.
			l.refused = true
		}
		m.mu.Lock()
		m.mu.urlIDs[l.dialed] = info.ID
		me := m.localInfoLocked()
		m.mu.Unlock()
		if l.creds != nil {
			me.User, me.Pass = l.creds.user, l.creds.pass
		}
		l.peer = info
		l.peer.RouteURL = resolveURL(info.RouteURL, l.nc.RemoteAddr())
		out := encodeInfo(me, true)
		out = append(out, wire.PingOp...)
		l.rc.Enqueue(out)
		l.state = stAwaitPong
		return nil
	case stActive:
		m.mu.Lock()
		l.peer.ClientURLs = info.ClientURLs
		l.peer.Peers = info.Peers
		m.mu.Unlock()
		m.updateConnectURLs()
		m.learn(info.Peers)
		return nil
	}
	return fmt.Errorf("route: unexpected INFO during handshake")
}

// acceptPeer applies the checks both sides make of the other: not a
// blocked server, and the same cluster. It logs refusals.
func (l *link) acceptPeer(info *Info) bool {
	m := l.m
	remote := l.nc.RemoteAddr().String()
	m.mu.Lock()
	blocked := m.mu.blocked[info.ID]
	m.mu.Unlock()
	if blocked {
		m.log.Debug("route refused: peer is blocked", "peer", info.Name, "remote", remote)
		return false
	}
	if info.Proto < 1 {
		m.logRefusal("proto "+info.ID, "route refused: unsupported route protocol", "peer", info.Name, "remote", remote, "proto", info.Proto)
		return false
	}
	if !m.checkCluster(info.Cluster, info.Dynamic) {
		mine := m.ClusterName()
		m.logRefusal("cluster "+info.ID, fmt.Sprintf("route refused: cluster name mismatch: remote server %s is in cluster %s, this server is in cluster %s", info.Name, info.Cluster, mine),
			"remote", remote, "remote_cluster", info.Cluster, "cluster", mine)
		return false
	}
	return true
}

// Connect handles the dialer's CONNECT on the acceptor side.
func (l *link) Connect(arg []byte) error {
	if l.state != stAwaitConnect {
		return fmt.Errorf("route: unexpected CONNECT")
	}
	var info Info
	if err := json.Unmarshal(arg, &info); err != nil {
		return fmt.Errorf("route CONNECT: %w", err)
	}
	m := l.m
	remote := l.nc.RemoteAddr().String()
	if info.ID == m.id {
		l.rc.Close()
		return errLinkClosed
	}
	if u := m.opts.Username; u != "" {
		if info.User != u || !server.PasswordMatches(m.opts.Password, info.Pass) {
			m.logRefusal("auth "+remote, "route refused: authorization violation", "peer", info.Name, "remote", remote, "user", info.User)
			return l.refuse("Authorization Violation")
		}
	}
	if !l.acceptPeer(&info) {
		if m.isBlocked(info.ID) {
			return l.refuse("Route Refused")
		}
		return l.refuse("Cluster Name Mismatch")
	}
	info.User, info.Pass = "", ""
	l.peer = info
	l.peer.RouteURL = resolveURL(info.RouteURL, l.nc.RemoteAddr())
	l.state = stAwaitPing
	return nil
}

// Ping answers PING; on the acceptor, the first PING completes the
// handshake.
func (l *link) Ping() error {
	switch l.state {
	case stActive:
		l.rc.Enqueue([]byte(wire.PongOp))
		return nil
	case stAwaitPing:
		if !l.m.register(l) {
			return l.refuse("Duplicate Route")
		}
		l.rc.Enqueue([]byte(wire.PongOp))
		return l.activate()
	}
	return fmt.Errorf("route: unexpected PING during handshake")
}

// Pong records a PONG; on the dialer, the first PONG completes the
// handshake.
func (l *link) Pong() error {
	switch l.state {
	case stActive:
		l.pingsOut.Store(0)
		if start := l.rttStart.Swap(0); start > 0 {
			l.rc.SetRTT(time.Duration(time.Now().UnixNano() - start))
		}
		l.m.mu.Lock()
		l.synced = true
		l.m.mu.Unlock()
		return nil
	case stAwaitPong:
		if l.refused || !l.m.register(l) {
			l.rc.Close()
			return errLinkClosed
		}
		return l.activate()
	}
	return fmt.Errorf("route: unexpected PONG during handshake")
}

// activate puts a registered link into service.
func (l *link) activate() error {
	info := server.RouteInfo{
		RemoteID:   l.peer.ID,
		RemoteName: l.peer.Name,
		Solicited:  l.dialed != "",
		Configured: l.configured,
	}
	if err := l.rc.Activate(info); err != nil {
		return errLinkClosed
	}
	l.state = stActive
	l.wasActive = true
	_ = l.nc.SetReadDeadline(time.Time{})
	l.startPing()
	l.m.linkUp(l)
	return nil
}

// Err handles -ERR: a refusal from the peer.
func (l *link) Err(text []byte) error {
	t := strings.Trim(string(text), "'")
	if t == "Duplicate Route" || l.refused {
		l.m.log.Debug("route refused by peer as a duplicate", "remote", l.nc.RemoteAddr().String())
	} else {
		l.m.logRefusal("err "+l.nc.RemoteAddr().String()+t, "route refused by peer: "+t, "remote", l.nc.RemoteAddr().String())
	}
	l.rc.Close()
	return errLinkClosed
}

// account returns the named account, or nil (cached either way).
func (l *link) account(name []byte) *server.Account {
	if a, ok := l.accs[string(name)]; ok {
		return a
	}
	n := string(name)
	a := l.m.srv.LookupAccount(n)
	if a == nil {
		l.m.log.Debug("route traffic for an unknown account is dropped", "peer", l.peer.Name, "account", n)
	}
	l.accs[n] = a
	return a
}

// Sub handles RS+.
func (l *link) Sub(acc, subject, queue []byte, weight int32) error {
	if l.state != stActive {
		return fmt.Errorf("route: RS+ before the handshake completed")
	}
	a := l.account(acc)
	if a == nil {
		return nil
	}
	if err := l.rc.AddSub(a, subject, queue, weight); err != nil && !errors.Is(err, server.ErrRouteClosed) {
		l.m.log.Debug("route interest ignored", "peer", l.peer.Name, "subject", string(subject), "err", err)
	}
	return nil
}

// Unsub handles RS-.
func (l *link) Unsub(acc, subject, queue []byte) error {
	if l.state != stActive {
		return fmt.Errorf("route: RS- before the handshake completed")
	}
	if a := l.account(acc); a != nil {
		l.rc.RemoveSub(a, subject, queue)
	}
	return nil
}

// Msg handles RMSG.
func (l *link) Msg(msg *wire.Msg) error {
	if l.state != stActive {
		return fmt.Errorf("route: RMSG before the handshake completed")
	}
	if a := l.account(msg.Account); a != nil {
		l.rc.DeliverMsg(a, msg)
	}
	return nil
}

// Sys handles SMSG.
func (l *link) Sys(channel, payload []byte) error {
	if l.state != stActive {
		return fmt.Errorf("route: SMSG before the handshake completed")
	}
	if h := l.m.handlers[string(channel)]; h != nil {
		h(l.peer.ID, payload)
	}
	return nil
}

// startPing arms the route's ping timer; the first PING goes at once, to
// measure the round-trip time.
func (l *link) startPing() {
	l.pingMu.Lock()
	defer l.pingMu.Unlock()
	if l.pingStop {
		return
	}
	l.pingT = time.AfterFunc(0, l.ping)
}

func (l *link) ping() {
	if int(l.pingsOut.Add(1)) > l.m.srv.Options().MaxPingsOut+1 {
		l.m.log.Warn("route is stale, closing", "peer", l.peer.Name, "rid", l.rc.ID())
		l.rc.Close()
		return
	}
	l.rttStart.Store(time.Now().UnixNano())
	l.rc.Enqueue([]byte(wire.PingOp))
	l.pingMu.Lock()
	if !l.pingStop {
		l.pingT = time.AfterFunc(l.m.opts.PingInterval, l.ping)
	}
	l.pingMu.Unlock()
}

func (l *link) stopPing() {
	l.pingMu.Lock()
	l.pingStop = true
	if l.pingT != nil {
		l.pingT.Stop()
	}
	l.pingMu.Unlock()
}

func (m *Manager) isBlocked(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.mu.blocked[id]
}
