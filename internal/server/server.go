package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nkeys"
)

// Version is natsnet's own version.
const Version = "0.1.0"

// CompatVersion is the nats-server version whose client-visible behaviour
// natsnet implements; clients gate features on it.
const CompatVersion = "2.15.2"

// ErrServerClosed is returned when starting a server that was shut down.
var ErrServerClosed = errors.New("server shut down")

// serverStats are server-wide counters, updated atomically.
type serverStats struct {
	inMsgs, inBytes   atomic.Int64
	outMsgs, outBytes atomic.Int64
	slowConsumers     atomic.Int64
	staleConns        atomic.Int64
	totalConns        atomic.Uint64
}

// Server is a NATS server. Create it with New, run it with Start and stop it
// with Shutdown or LameDuckShutdown.
//
// Lock order: Server.mu, then client.mu, then client.out.mu. Sublist and
// account locks are leaves: nothing else is acquired while they are held.
type Server struct {
	opts  *Options
	log   *slog.Logger
	id    string
	name  string
	start time.Time

	accounts accounts
	gacc     *Account
	sysAcc   *Account
	auth     *authenticator

	ln     net.Listener
	httpLn net.Listener
	http   *httpServer

	svcs    services
	quit    chan struct{}
	done    chan struct{} // closed when Shutdown has finished
	wg      sync.WaitGroup
	iq      internalQueue
	nextCID atomic.Uint64
	stats   serverStats
	sysSeq  atomic.Uint64
	// jsEnabled is set by the JetStream service once it serves.
	jsEnabled atomic.Bool
	// stallAt is the backlog above which producers wait for a client's
	// writer; see waitStall.
	stallAt int64

	// Clustering (see route_hooks.go): clustered is set from the options
	// at New; router is set before Start; routes are the route
	// connections.
	clustered bool
	router    Router
	routes    routeTable

	mu struct {
		sync.Mutex
		clients     map[uint64]*client
		closed      closedRing
		started     bool
		shutdown    bool
		ldm         bool
		connectURLs []string
		urlGen      uint64 // bumped when connectURLs change
		configTime  time.Time
	}
}

// New validates the options and creates a server that is not yet listening.
func New(opts *Options) (*Server, error) {
	o := opts.Clone()
	o.SetDefaults()
	if o.MaxPayload > 64*1024*1024 {
		return nil, fmt.Errorf("max_payload %d exceeds the 64MB limit", o.MaxPayload)
	}
	if int64(o.MaxPayload) > o.MaxPending {
		return nil, fmt.Errorf("max_payload (%d) can not be higher than max_pending (%d)", o.MaxPayload, o.MaxPending)
	}
	kp, err := nkeys.CreateServer()
	if err != nil {
		return nil, fmt.Errorf("create server identity: %w", err)
	}
	id, err := kp.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("server identity: %w", err)
	}
	s := &Server{opts: o, id: id, name: o.ServerName, start: time.Now(), quit: make(chan struct{}), done: make(chan struct{})}
	if s.name == "" {
		s.name = id
	}
	s.log = newLogger(o).With("server", s.name)
	s.stallAt = stallAtFor(o.MaxPending)
	s.iq.signal = make(chan struct{}, 1)
	s.mu.clients = make(map[uint64]*client)
	s.mu.closed.init(o.MaxClosedClients)
	s.mu.configTime = s.start
	s.clustered = o.Cluster.Enabled()

	s.accounts.srv = s
	s.gacc = s.accounts.register(DefaultGlobalAccount)
	for _, ac := range o.Accounts {
		if ac.Name == DefaultGlobalAccount {
			return nil, fmt.Errorf("account name %q is reserved", ac.Name)
		}
		s.accounts.register(ac.Name)
	}
	if o.SystemAccount != "" {
		s.sysAcc = s.accounts.register(o.SystemAccount)
	}
	if s.auth, err = newAuthenticator(s); err != nil {
		return nil, err
	}
	return s, nil
}

func newLogger(o *Options) *slog.Logger {
	if o.NoLog {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Logger != nil {
		return o.Logger
	}
	level := slog.LevelInfo
	if o.Debug || o.Trace {
		level = slog.LevelDebug
	}
	var w io.Writer = os.Stderr
	if o.LogFile != "" {
		if f, err := os.OpenFile(o.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640); err == nil {
			w = f
		}
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// ID is the server's unique id (an nkey public key).
func (s *Server) ID() string { return s.id }

// Name is the configured server name, or the id.
func (s *Server) Name() string { return s.name }

// Options returns the effective options. Callers must not modify them.
func (s *Server) Options() *Options { return s.opts }

// Start opens the client (and monitoring) listeners and begins accepting.
// It returns once the listeners are open.
func (s *Server) Start() error {
	s.mu.Lock()
	if s.mu.shutdown {
		s.mu.Unlock()
		return ErrServerClosed
	}
	if s.mu.started {
		s.mu.Unlock()
		return errors.New("server already started")
	}
	s.mu.started = true
	s.mu.Unlock()

	port := s.opts.Port
	if port == RandomPort {
		port = 0
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(s.opts.Host, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("listen for clients: %w", err)
	}
	s.ln = ln
	if s.opts.HTTPPort != 0 {
		if err := s.startMonitoring(); err != nil {
			_ = ln.Close()
			return err
		}
	}
	if s.opts.ProfPort != 0 {
		if err := s.startProfiling(); err != nil {
			_ = ln.Close()
			return err
		}
	}
	if err := s.startSystemServices(); err != nil {
		_ = ln.Close()
		return err
	}
	s.goFunc("internal", s.internalLoop)
	if err := s.startServices(); err != nil {
		_ = ln.Close()
		return err
	}
	s.goFunc("accept", s.acceptLoop)
	s.log.Info("server ready", "version", Version, "compat", CompatVersion, "listen", ln.Addr().String(), "id", s.id)
	return nil
}

// Addr is the client listener's address, once started.
func (s *Server) Addr() net.Addr {
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// ClientURL is a nats:// URL for the client listener.
func (s *Server) ClientURL() string {
	a, ok := s.Addr().(*net.TCPAddr)
	if !ok {
		return ""
	}
	host := s.opts.Host
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return fmt.Sprintf("nats://%s", net.JoinHostPort(host, strconv.Itoa(a.Port)))
}

// goFunc runs fn on a tracked goroutine labelled for pprof. It refuses, and
// returns false, once shutdown has begun.
func (s *Server) goFunc(name string, fn func()) bool {
	s.mu.Lock()
	if s.mu.shutdown {
		s.mu.Unlock()
		return false
	}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		pprof.Do(context.Background(), pprof.Labels("natsnet", name), func(context.Context) { fn() })
	}()
	return true
}

func (s *Server) acceptLoop() {
	backoff := 5 * time.Millisecond
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			if s.isShuttingDown() || errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Error("accept failed", "err", err)
			select {
			case <-time.After(backoff):
			case <-s.quit:
				return
			}
			backoff = min(backoff*2, time.Second)
			continue
		}
		backoff = 5 * time.Millisecond
		cid := s.nextCID.Add(1)
		if !s.goFunc("client", func() { s.serveClient(conn, cid) }) {
			_ = conn.Close()
			return
		}
	}
}

func (s *Server) isShuttingDown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mu.shutdown
}

// serveClient performs the handshake and then runs the connection's read
// loop on the calling goroutine.
func (s *Server) serveClient(conn net.Conn, cid uint64) {
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	c := newClient(s, conn, cid)
	if s.auth.needsNonce() {
		raw := make([]byte, 11)
		_, _ = rand.Read(raw)
		c.nonce = make([]byte, base64.RawURLEncoding.EncodedLen(len(raw)))
		base64.RawURLEncoding.Encode(c.nonce, raw)
	}
	info := s.infoFor(c)
	_ = conn.SetWriteDeadline(time.Now().Add(s.opts.WriteDeadline))
	if _, err := conn.Write(info); err != nil {
		_ = conn.Close()
		return
	}
	s.mu.Lock()
	full := len(s.mu.clients) >= s.opts.MaxConnections
	shutdown := s.mu.shutdown
	s.mu.Unlock()
	if full || shutdown {
		if full {
			_, _ = conn.Write([]byte("-ERR 'maximum connections exceeded'\r\n"))
		}
		_ = conn.Close()
		return
	}
	if s.opts.TLSConfig != nil {
		tc := tls.Server(conn, s.opts.TLSConfig)
		_ = conn.SetDeadline(time.Now().Add(s.opts.TLSTimeout))
		if err := tc.Handshake(); err != nil {
			s.log.Debug("TLS handshake failed", "cid", cid, "err", err)
			_ = conn.Close()
			s.handshakeFailed(c)
			return
		}
		_ = conn.SetDeadline(time.Time{})
		c.nc = tc
		c.tlsState(tc.ConnectionState())
	}
	s.stats.totalConns.Add(1)
	s.mu.Lock()
	if s.mu.shutdown {
		s.mu.Unlock()
		_ = conn.Close()
		return
	}
	s.mu.clients[cid] = c
	s.mu.Unlock()

	if !s.goFunc("client-writer", c.writeLoop) {
		c.closeConnection(reasonServerShutdown)
		_ = c.nc.Close()
		return
	}
	c.mu.Lock()
	if s.auth.required {
		c.mu.authTimer = time.AfterFunc(s.opts.AuthTimeout, c.authTimeout)
	}
	c.schedulePingLocked()
	c.mu.Unlock()
	c.readLoop()
}

// handshakeFailed records a client whose TLS handshake failed among the
// closed connections, where the reference's /connz?state=closed shows it.
// The client was never registered, so there is nothing else to undo.
func (s *Server) handshakeFailed(c *client) {
	c.mu.Lock()
	c.mu.closed = true
	c.mu.reason = reasonTLSHandshake
	c.mu.stop = time.Now()
	c.mu.Unlock()
	s.removeClient(c, nil)
}

// authTimeout closes a client that did not authenticate in time.
func (c *client) authTimeout() {
	if c.isConnected() || c.isClosed() {
		return
	}
	c.sendErr("Authentication Timeout")
	c.closeConnection(reasonAuthTimeout)
}

// removeClient forgets a closed client and records it for /connz.
func (s *Server) removeClient(c *client, subs []*subscription) {
	cc := c.closedSnapshot(subs)
	s.mu.Lock()
	delete(s.mu.clients, c.cid)
	s.mu.closed.add(cc)
	s.mu.Unlock()
}

// clientsSnapshot returns the open clients.
func (s *Server) clientsSnapshot() []*client {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*client, 0, len(s.mu.clients))
	for _, c := range s.mu.clients {
		out = append(out, c)
	}
	return out
}

// NumClients reports the open client connections.
func (s *Server) NumClients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.mu.clients)
}

// Shutdown stops the server: listeners close, clients are disconnected and
// every goroutine the server started has returned when it does.
func (s *Server) Shutdown() {
	s.mu.Lock()
	if s.mu.shutdown {
		s.mu.Unlock()
		<-s.done
		return
	}
	s.mu.shutdown = true
	clients := make([]*client, 0, len(s.mu.clients))
	for _, c := range s.mu.clients {
		clients = append(clients, c)
	}
	s.mu.Unlock()

	s.stopServices()
	close(s.quit)
	if s.ln != nil {
		_ = s.ln.Close()
	}
	if s.http != nil {
		s.http.close()
	}
	for _, c := range clients {
		c.closeConnection(reasonServerShutdown)
	}
	s.closeRoutes()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(s.opts.WriteDeadline + time.Second):
		// Writers blocked on dead peers: cut the sockets.
		for _, c := range clients {
			_ = c.nc.Close()
		}
		s.routeSockets(func(nc net.Conn) { _ = nc.Close() })
		<-done
	}
	s.log.Info("server shut down")
	close(s.done)
}

// WaitForShutdown blocks until Shutdown has been called.
func (s *Server) WaitForShutdown() { <-s.quit }

// infoFor renders the INFO line sent to a new client.
func (s *Server) infoFor(c *client) []byte {
	info := s.baseInfo()
	c.urlGen = info.urlGen
	info.ClientID = c.cid
	info.ClientIP = c.host
	if c.nonce != nil {
		info.Nonce = string(c.nonce)
	}
	return renderInfo(info)
}

func renderInfo(info *serverInfo) []byte {
	b, _ := json.Marshal(info)
	out := make([]byte, 0, len(b)+8)
	out = append(out, "INFO "...)
	out = append(out, b...)
	return append(out, "\r\n"...)
}
