package server

import (
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/natsnet/natsnet/internal/proto"
)

// Read buffer sizing: a connection starts small so that thousands of idle
// connections cost little, and grows while reads fill the buffer.
const (
	minReadBuf = 512
	maxReadBuf = 64 * 1024
)

// closeReason says why a connection ended; the strings are those shown by
// the reference's /connz?state=closed.
type closeReason string

const (
	reasonClientClosed              closeReason = "Client Closed"
	reasonAuthTimeout               closeReason = "Authentication Timeout"
	reasonAuthViolation             closeReason = "Authentication Failure"
	reasonTLSHandshake              closeReason = "TLS Handshake Failure"
	reasonSlowConsumerPending       closeReason = "Slow Consumer (Pending Bytes)"
	reasonSlowConsumerWriteDeadline closeReason = "Slow Consumer (Write Deadline)"
	reasonWriteError                closeReason = "Write Error"
	reasonReadError                 closeReason = "Read Error"
	reasonParseError                closeReason = "Parse Error"
	reasonStaleConnection           closeReason = "Stale Connection"
	reasonProtocolViolation         closeReason = "Protocol Violation"
	reasonBadClientProtocol         closeReason = "Bad Client Protocol Version"
	reasonMaxPayload                closeReason = "Maximum Message Payload Exceeded"
	reasonMaxControlLine            closeReason = "Maximum Control Line Exceeded"
	reasonMaxConnections            closeReason = "Maximum Connections Exceeded"
	reasonServerShutdown            closeReason = "Server Shutdown"
	reasonMissingAccount            closeReason = "Missing Account"
	reasonNoRespondersNoHeaders     closeReason = "No Responders Requires Headers"
)

// connectOpts is what a client declared in CONNECT. Immutable once the
// connection is registered.
type connectOpts struct {
	Verbose      bool   `json:"verbose"`
	Pedantic     bool   `json:"pedantic"`
	TLSRequired  bool   `json:"tls_required"`
	Name         string `json:"name"`
	Lang         string `json:"lang"`
	Version      string `json:"version"`
	Protocol     int    `json:"protocol"`
	Echo         *bool  `json:"echo"`
	Headers      bool   `json:"headers"`
	NoResponders bool   `json:"no_responders"`
	User         string `json:"user"`
	Pass         string `json:"pass"`
	Token        string `json:"auth_token"`
	Nkey         string `json:"nkey"`
	Sig          string `json:"sig"`
	JWT          string `json:"jwt"`
}

// client is one client connection. The read goroutine owns the parser and
// everything marked "reader"; other state is guarded as commented.
type client struct {
	srv   *Server
	cid   uint64
	nc    net.Conn
	start time.Time
	host  string
	port  int
	nonce []byte

	parser proto.Parser // reader

	// route is set, at creation, for a connection to another server of
	// the cluster (see route_conn.go).
	route *routeLink
	// urlGen is the generation of the connect_urls in the INFO the client
	// got when it connected (see afterPong). Reader.
	urlGen uint64

	// Set once by the reader when CONNECT succeeds, before the client is
	// visible to other goroutines as connected; read-only afterwards.
	acc          *Account
	perms        *perms
	echo         bool
	headers      bool
	verbose      bool
	pedantic     bool
	noResponders bool

	// pcd collects clients that got messages during one read, so each is
	// woken once per read instead of once per message. Reader-owned.
	pcd     map[*client]struct{}
	lastPcd *client
	// deferred run at the end of the current read (Delivery.Defer); only
	// the reading goroutine touches them.
	deferred []deferredFn
	// pend accumulates statistics during one read; flushStats publishes
	// them, so the hot path does no atomic operations per message.
	pend struct{ inMsgs, inBytes, outMsgs, outBytes int64 }
	// stall is a backlog this reader overfilled; see waitStall.
	stall      chan struct{}
	stallTimer *time.Timer

	// Statistics, readable by monitoring at any time.
	inMsgs, inBytes   atomic.Int64
	outMsgs, outBytes atomic.Int64
	lastActivity      atomic.Int64 // unix nanoseconds
	rtt               atomic.Int64 // nanoseconds
	rttStart          atomic.Int64

	out outbound

	mu struct {
		sync.Mutex
		subs       map[string]*subscription
		connected  bool
		closed     bool
		reason     closeReason
		stop       time.Time
		opts       connectOpts
		user       string
		pingsOut   int
		pingTimer  *time.Timer
		authTimer  *time.Timer
		replies    map[string]*replyGrant
		tlsVersion string
		tlsCipher  string
		// firstPong is set once the client got its first PONG after
		// CONNECT; only then may asynchronous INFO be sent (a client
		// waits for that PONG to finish connecting).
		firstPong bool
	}
}

func newClient(s *Server, nc net.Conn, cid uint64) *client {
	c := &client{srv: s, nc: nc, cid: cid, start: time.Now()}
	c.mu.subs = make(map[string]*subscription)
	c.parser.MaxControlLine = s.opts.MaxControlLine
	c.parser.MaxPayload = s.opts.MaxPayload
	c.pcd = make(map[*client]struct{})
	c.out.init()
	if addr, ok := nc.RemoteAddr().(*net.TCPAddr); ok {
		c.host = addr.IP.String()
		c.port = addr.Port
	}
	c.lastActivity.Store(c.start.UnixNano())
	return c
}

// isConnected reports whether CONNECT was accepted.
func (c *client) isConnected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mu.connected
}

// readLoop reads and parses until the connection ends.
func (c *client) readLoop() {
	buf := make([]byte, minReadBuf)
	small := 0
	for {
		n, err := c.nc.Read(buf)
		if n > 0 {
			c.lastActivity.Store(time.Now().UnixNano())
			perr := c.parser.Parse(buf[:n], c)
			if len(c.deferred) > 0 {
				c.runDeferred()
			}
			c.flushStats()
			c.flushPending()
			if c.stall != nil {
				c.waitStall()
			}
			if perr != nil {
				c.handleParseError(perr)
				return
			}
		}
		if err != nil {
			c.closeConnection(reasonClientClosed)
			return
		}
		// Adapt the read buffer to the traffic.
		switch {
		case n == len(buf) && len(buf) < maxReadBuf:
			buf = make([]byte, len(buf)*2)
			small = 0
		case n < len(buf)/4 && len(buf) > minReadBuf:
			if small++; small > 4 {
				buf = make([]byte, len(buf)/2)
				small = 0
			}
		default:
			small = 0
		}
	}
}

// flushPending wakes the writers of every client that got data during the
// last read.
func (c *client) flushPending() {
	if c.lastPcd == nil {
		return
	}
	for t := range c.pcd {
		if !t.flushInline() {
			t.out.kick()
		}
	}
	clear(c.pcd)
	c.lastPcd = nil
}

// flushStats publishes the statistics gathered during one read.
func (c *client) flushStats() {
	p := &c.pend
	if p.inMsgs > 0 {
		c.inMsgs.Add(p.inMsgs)
		c.inBytes.Add(p.inBytes)
		c.srv.stats.inMsgs.Add(p.inMsgs)
		c.srv.stats.inBytes.Add(p.inBytes)
	}
	if p.outMsgs > 0 {
		c.srv.stats.outMsgs.Add(p.outMsgs)
		c.srv.stats.outBytes.Add(p.outBytes)
	}
	*p = struct{ inMsgs, inBytes, outMsgs, outBytes int64 }{}
}

// handleParseError turns a parser or handler error into the reference's
// reaction: the -ERR it sends, if any, and the close reason.
func (c *client) handleParseError(err error) {
	reason := reasonProtocolViolation
	switch {
	case errors.Is(err, errClosed):
		return // already closed by whoever reported it
	case errors.Is(err, proto.ErrMaxPayload):
		reason = reasonMaxPayload
	case errors.Is(err, proto.ErrMaxControlLine):
		reason = reasonMaxControlLine
	case errors.Is(err, errAuthViolation):
		reason = reasonAuthViolation
	case errors.Is(err, errBadProtocol):
		reason = reasonBadClientProtocol
	case errors.Is(err, errNoRespondersNoHeaders):
		reason = reasonNoRespondersNoHeaders
	case errors.Is(err, errClientErr):
		reason = reasonParseError
	}
	if text, send := proto.ClientErrText(err); send {
		c.sendErr(text)
	}
	c.srv.log.Debug("closing client after protocol error", "cid", c.cid, "err", err)
	c.closeConnection(reason)
}

var (
	errClosed                = errors.New("connection closed")
	errAuthViolation         = errors.New("authorization violation")
	errBadProtocol           = errors.New("invalid client protocol")
	errNoRespondersNoHeaders = errors.New("no responders requires headers support")
	errClientErr             = errors.New("client sent -ERR")
	errBadConnect            = errors.New("invalid CONNECT")
	errHeadersNotSupported   = errors.New("HPUB without headers support")
)

// enqueue appends raw protocol bytes for the client and wakes its writer.
func (c *client) enqueue(b []byte) {
	o := &c.out
	o.mu.Lock()
	if o.closing {
		o.mu.Unlock()
		return
	}
	o.appendLocked(b)
	o.mu.Unlock()
	o.kick()
}

func (c *client) sendErr(text string) {
	c.enqueue(proto.AppendErr(nil, text))
}

func (c *client) sendOK() { c.enqueue([]byte("+OK\r\n")) }

// closeConnection ends the connection once: it removes its interest, records
// it as closed and lets the writer flush what is queued before the socket
// closes. Safe to call from any goroutine.
func (c *client) closeConnection(reason closeReason) {
	if c.route != nil {
		c.closeRoute()
		return
	}
	c.mu.Lock()
	if c.mu.closed {
		c.mu.Unlock()
		return
	}
	c.mu.closed = true
	c.mu.reason = reason
	c.mu.stop = time.Now()
	if c.mu.pingTimer != nil {
		c.mu.pingTimer.Stop()
	}
	if c.mu.authTimer != nil {
		c.mu.authTimer.Stop()
	}
	subs := make([]*subscription, 0, len(c.mu.subs))
	for _, sub := range c.mu.subs {
		subs = append(subs, sub)
	}
	clear(c.mu.subs)
	acc := c.acc
	c.mu.Unlock()

	for _, sub := range subs {
		sub.closed.Store(true)
		if acc != nil {
			_ = acc.sl.Remove(sub.subjectString(), sub.queueString(), sub)
		}
	}
	if acc != nil {
		acc.removeClient(c)
	}

	c.out.mu.Lock()
	c.out.closing = true
	c.out.mu.Unlock()
	c.out.kick()
	// A writer stuck on a dead peer is cut off by its write deadline; make
	// sure the reader stops too.
	_ = c.nc.SetReadDeadline(time.Now())
	c.srv.removeClient(c, subs)
}

// closed reports whether the connection has been closed.
func (c *client) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mu.closed
}

// tlsState records the negotiated TLS parameters for monitoring.
func (c *client) tlsState(cs tls.ConnectionState) {
	c.mu.Lock()
	c.mu.tlsVersion = tlsVersionName(cs.Version)
	c.mu.tlsCipher = tls.CipherSuiteName(cs.CipherSuite)
	c.mu.Unlock()
}

func tlsVersionName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "1.0"
	case tls.VersionTLS11:
		return "1.1"
	case tls.VersionTLS12:
		return "1.2"
	case tls.VersionTLS13:
		return "1.3"
	}
	return "unknown"
}

// schedulePing arms the ping timer.
func (c *client) schedulePingLocked() {
	d := c.srv.opts.PingInterval
	if d <= 0 {
		return
	}
	c.mu.pingTimer = time.AfterFunc(d, c.processPingTimer)
}

// processPingTimer sends a PING, or closes the connection as stale if too
// many went unanswered.
func (c *client) processPingTimer() {
	c.mu.Lock()
	if c.mu.closed {
		c.mu.Unlock()
		return
	}
	if c.mu.pingsOut+1 > c.srv.opts.MaxPingsOut {
		c.mu.Unlock()
		c.srv.stats.staleConns.Add(1)
		c.sendErr("Stale Connection")
		c.closeConnection(reasonStaleConnection)
		return
	}
	c.mu.pingsOut++
	c.rttStart.Store(time.Now().UnixNano())
	c.schedulePingLocked()
	c.mu.Unlock()
	c.enqueue([]byte("PING\r\n"))
}
