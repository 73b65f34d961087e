package server

import (
	"crypto/tls"
	"net"
	"slices"
	"strconv"
	"time"
)

// This file is the server's surface for the cluster layer (internal/route).
// The split: the route package owns the control plane (listening, dialing,
// the handshake, authentication of peers, gossip, retries, the subsystem
// messaging API) and the server owns the data plane (a route connection's
// output buffer and writer, the interest it advertises and the remote
// interest it holds, forwarding published messages and delivering routed
// ones). The server never imports the route package: the route layer sits
// above it and drives it through RouteConn and the methods below.

// DefaultClusterAuthTimeout bounds a route handshake.
const DefaultClusterAuthTimeout = 2 * time.Second

// ClusterOpts configure clustering: the route listener, the routes to
// solicit and how peers authenticate.
type ClusterOpts struct {
	// Name is the cluster's name; servers of different names refuse each
	// other's routes. Empty means a name agreed on with the peers.
	Name string
	// Host and Port are the route listener's address; Port 0 disables
	// clustering, RandomPort picks a free port.
	Host string
	Port int
	// Advertise is the host:port peers are told to dial, if not the
	// listener's address.
	Advertise string
	// Routes are the URLs (nats://[user:pass@]host:port) of servers to
	// connect to. Servers learn of the others through gossip.
	Routes []string
	// Username and Password, when set, are required of peers that connect,
	// and sent to routes whose URL carries no credentials.
	Username string
	Password string
	// AuthTimeout bounds the route handshake.
	AuthTimeout time.Duration
	// NoAdvertise keeps this server's client URLs out of the connect_urls
	// that the cluster's servers tell their clients.
	NoAdvertise bool
	// ConnectRetries is how many times a lost route to a server learned
	// through gossip is retried once no other server reports it connected.
	// Configured routes are retried for ever.
	ConnectRetries int
	// TLSConfig, when set, makes every route connection TLS, both ways
	// (it needs a certificate, and RootCAs or ClientCAs to verify peers).
	TLSConfig  *tls.Config
	TLSTimeout time.Duration
	// PingInterval is the interval of route PINGs (default: the client
	// ping interval).
	PingInterval time.Duration
}

// Enabled reports whether clustering is configured.
func (c *ClusterOpts) Enabled() bool { return c.Port != 0 }

func (c *ClusterOpts) setDefaults(o *Options) {
	if !c.Enabled() {
		return
	}
	if c.Host == "" {
		c.Host = DefaultHost
	}
	if c.AuthTimeout == 0 {
		c.AuthTimeout = DefaultClusterAuthTimeout
	}
	if c.TLSTimeout == 0 {
		c.TLSTimeout = DefaultTLSTimeout
	}
	if c.PingInterval == 0 {
		c.PingInterval = o.PingInterval
	}
}

// Router is what the server asks of the cluster layer. It is set once,
// before Start, with SetRouter.
type Router interface {
	// ClusterName is the cluster's current name.
	ClusterName() string
	// ClusterAddr is the route listener's address; nil until it listens.
	ClusterAddr() net.Addr
}

// SetRouter installs the cluster layer. It must be called before Start,
// and only when Options.Cluster is enabled.
func (s *Server) SetRouter(r Router) { s.router = r }

// Router returns the installed cluster layer, or nil.
func (s *Server) Router() Router { return s.router }

// ClusterName is the cluster's name, or "" when not clustered.
func (s *Server) ClusterName() string {
	if s.router == nil {
		return ""
	}
	return s.router.ClusterName()
}

// Go runs fn on a goroutine the server tracks: Shutdown waits for it. It
// refuses, and returns false, once shutdown has begun.
func (s *Server) Go(name string, fn func()) bool { return s.goFunc(name, fn) }

// Quit is closed when the server begins to shut down.
func (s *Server) Quit() <-chan struct{} { return s.quit }

// PasswordMatches compares a configured password (plain or bcrypt) with
// one presented by a peer, in constant time for plain passwords.
func PasswordMatches(configured, given string) bool { return passwordMatches(configured, given) }

// ClientConnectURLs are the host:port addresses clients can reach this
// server at: the client advertise address if set, else the listener's
// address, or every global unicast address of the machine when it listens
// on all interfaces.
func (s *Server) ClientConnectURLs() []string {
	if s.opts.ClientAdvertise != "" {
		a := s.opts.ClientAdvertise
		if _, _, err := net.SplitHostPort(a); err != nil {
			a = net.JoinHostPort(a, strconv.Itoa(DefaultPort))
		}
		return []string{a}
	}
	addr, ok := s.Addr().(*net.TCPAddr)
	if !ok {
		return nil
	}
	port := strconv.Itoa(addr.Port)
	host := s.opts.Host
	if ip := net.ParseIP(host); ip == nil || !ip.IsUnspecified() {
		return []string{net.JoinHostPort(host, port)}
	}
	var out []string
	ifaddrs, _ := net.InterfaceAddrs()
	for _, a := range ifaddrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || !ipn.IP.IsGlobalUnicast() {
			continue
		}
		out = append(out, net.JoinHostPort(ipn.IP.String(), port))
	}
	if len(out) == 0 {
		out = append(out, net.JoinHostPort("127.0.0.1", port))
	}
	return out
}

// SetConnectURLs sets the connect_urls clients are told (the client URLs
// of every server of the cluster), and sends the new INFO to connected
// clients that understand asynchronous INFO when the set changed.
func (s *Server) SetConnectURLs(urls []string) {
	urls = slices.Clone(urls)
	s.mu.Lock()
	same := slices.Equal(s.mu.connectURLs, urls)
	if !same {
		s.mu.connectURLs = urls
		s.mu.urlGen++
	}
	s.mu.Unlock()
	if !same {
		s.broadcastInfo()
	}
}

// ConnectURLs returns the connect_urls clients are told.
func (s *Server) ConnectURLs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.mu.connectURLs)
}

// afterPong runs after every PONG sent to a client. The first one after
// CONNECT completes the client's handshake: from then on it may get
// asynchronous INFO, and it gets one at once if connect_urls changed (or
// lame duck mode began) since its first INFO, as the broadcasts in between
// skipped it.
func (c *client) afterPong() {
	c.mu.Lock()
	first := c.mu.connected && !c.mu.firstPong
	if first {
		c.mu.firstPong = true
	}
	c.mu.Unlock()
	if !first {
		return
	}
	s := c.srv
	s.mu.Lock()
	stale := s.mu.urlGen != c.urlGen || s.mu.ldm
	s.mu.Unlock()
	if stale {
		c.sendInfoUpdate()
	}
}
