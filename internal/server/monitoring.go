package server

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime"
	"sort"
	"strconv"
	"time"

	"github.com/natsnet/natsnet/internal/monitor"
	"github.com/natsnet/natsnet/internal/sublist"
)

// httpServer is the monitoring listener.
type httpServer struct {
	srv     *http.Server
	handler *monitor.Handler
}

func (h *httpServer) close() { _ = h.srv.Close() }

// startMonitoring opens the HTTP monitoring listener.
func (s *Server) startMonitoring() error {
	port := s.opts.HTTPPort
	if port == RandomPort {
		port = 0
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(s.opts.HTTPHost, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("listen for monitoring: %w", err)
	}
	s.httpLn = ln
	h := monitor.NewHandler(s, monitor.WithVersion(CompatVersion))
	s.http = &httpServer{
		srv:     &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second},
		handler: h,
	}
	s.goFunc("http", func() {
		if err := s.http.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("monitoring listener failed", "err", err)
		}
	})
	s.log.Info("monitoring listening", "addr", ln.Addr().String())
	return nil
}

// startProfiling serves net/http/pprof on its own port.
func (s *Server) startProfiling() error {
	port := s.opts.ProfPort
	if port == RandomPort {
		port = 0
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(s.opts.HTTPHost, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("listen for profiling: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	s.goFunc("pprof", func() { _ = srv.Serve(ln) })
	s.goFunc("pprof-close", func() { <-s.quit; _ = srv.Close() })
	s.log.Info("profiling listening", "addr", ln.Addr().String())
	return nil
}

// MonitorURL is the base URL of the monitoring endpoints, or "".
func (s *Server) MonitorURL() string {
	if s.httpLn == nil {
		return ""
	}
	a := s.httpLn.Addr().(*net.TCPAddr)
	host := s.opts.HTTPHost
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(a.Port))
}

var _ monitor.Source = (*Server)(nil)

// Varz reports the server's configuration and statistics.
func (s *Server) Varz(*monitor.VarzOptions) (*monitor.Varz, error) {
	o := s.opts
	now := time.Now()
	info := s.baseInfo()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	v := &monitor.Varz{
		ID:             s.id,
		Name:           s.name,
		Version:        CompatVersion,
		Proto:          1,
		GoVersion:      runtime.Version(),
		Host:           o.Host,
		Port:           info.Port,
		AuthRequired:   info.AuthRequired,
		TLSRequired:    info.TLSRequired,
		TLSVerify:      info.TLSVerify,
		MaxConn:        o.MaxConnections,
		MaxSubs:        o.MaxSubscriptions,
		PingInterval:   o.PingInterval,
		MaxPingsOut:    o.MaxPingsOut,
		HTTPHost:       o.HTTPHost,
		HTTPPort:       o.HTTPPort,
		AuthTimeout:    o.AuthTimeout.Seconds(),
		MaxControlLine: int32(o.MaxControlLine),
		MaxPayload:     o.MaxPayload,
		MaxPending:     o.MaxPending,
		TLSTimeout:     o.TLSTimeout.Seconds(),
		WriteDeadline:  o.WriteDeadline,
		Start:          s.start.UTC(),
		Now:            now.UTC(),
		Uptime:         monitor.FormatUptime(now.Sub(s.start)),
		Mem:            processRSS(int64(ms.Sys)),
		Cores:          runtime.NumCPU(),
		MaxProcs:       runtime.GOMAXPROCS(0),
		CPU:            processCPU(),
		Connections:    s.NumClients(),

		TotalConnections:  s.stats.totalConns.Load(),
		InMsgs:            s.stats.inMsgs.Load(),
		InBytes:           s.stats.inBytes.Load(),
		InClientMsgs:      s.stats.inMsgs.Load(),
		InClientBytes:     s.stats.inBytes.Load(),
		OutMsgs:           s.stats.outMsgs.Load(),
		OutBytes:          s.stats.outBytes.Load(),
		OutClientMsgs:     s.stats.outMsgs.Load(),
		OutClientBytes:    s.stats.outBytes.Load(),
		SlowConsumers:     s.stats.slowConsumers.Load(),
		StaleConnections:  s.stats.staleConns.Load(),
		Subscriptions:     s.numSubscriptions(),
		Tags:              o.Tags,
		ClientConnectURLs: info.ConnectURLs,
		SlowConsumersStats: &monitor.SlowConsumersStats{
			Clients: uint64(s.stats.slowConsumers.Load()),
		},
	}
	if s.sysAcc != nil {
		v.SystemAccount = s.sysAcc.Name
	}
	s.clusterVarz(v)
	s.mu.Lock()
	v.ConfigLoadTime = s.mu.configTime.UTC()
	s.mu.Unlock()
	if s.http != nil {
		v.HTTPReqStats = s.http.handler.RequestStats()
	}
	return v, nil
}

func (s *Server) numSubscriptions() uint32 {
	var n uint32
	for _, a := range s.accounts.list() {
		n += a.sl.Count()
	}
	return n
}

// Connz reports connections, open and recently closed.
func (s *Server) Connz(opts *monitor.ConnzOptions) (*monitor.Connz, error) {
	if opts == nil {
		opts = &monitor.ConnzOptions{}
	}
	now := time.Now()
	var conns []*monitor.ConnInfo
	if opts.WantsOpen() {
		for _, c := range s.clientsSnapshot() {
			if ci := c.connInfo(now, opts.WantsSubscriptions()); ci != nil {
				conns = append(conns, ci)
			}
		}
	}
	if opts.WantsClosed() {
		s.mu.Lock()
		conns = append(conns, s.mu.closed.snapshot()...)
		s.mu.Unlock()
	}
	return monitor.BuildConnz(s.id, now, conns, opts)
}

// connInfo describes an open client for /connz; nil before CONNECT.
func (c *client) connInfo(now time.Time, withSubs bool) *monitor.ConnInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.closed {
		return nil
	}
	ci := &monitor.ConnInfo{
		Cid:            c.cid,
		Kind:           "Client",
		Type:           "nats",
		IP:             c.host,
		Port:           c.port,
		Start:          c.start.UTC(),
		LastActivity:   time.Unix(0, c.lastActivity.Load()).UTC(),
		Uptime:         monitor.FormatUptime(now.Sub(c.start)),
		Idle:           monitor.FormatUptime(now.Sub(time.Unix(0, c.lastActivity.Load()))),
		Pending:        int(c.out.pending()),
		InMsgs:         c.inMsgs.Load(),
		OutMsgs:        c.outMsgs.Load(),
		InBytes:        c.inBytes.Load(),
		OutBytes:       c.outBytes.Load(),
		NumSubs:        uint32(len(c.mu.subs)),
		Name:           c.mu.opts.Name,
		Lang:           c.mu.opts.Lang,
		Version:        c.mu.opts.Version,
		TLSVersion:     c.mu.tlsVersion,
		TLSCipher:      c.mu.tlsCipher,
		AuthorizedUser: c.mu.user,
	}
	ci.SetRTT(time.Duration(c.rtt.Load()))
	if c.acc != nil && c.mu.connected {
		ci.Account = c.acc.Name
	}
	if withSubs {
		ci.Subs, ci.SubsDetail = subLists(c.cid, ci.Account, c.mu.subs)
	}
	return ci
}

// subLists renders a client's subscriptions for /connz.
func subLists(cid uint64, acc string, subs map[string]*subscription) ([]string, []monitor.SubDetail) {
	names := make([]string, 0, len(subs))
	details := make([]monitor.SubDetail, 0, len(subs))
	for _, sub := range subs {
		names = append(names, sub.subjectString())
		details = append(details, monitor.SubDetail{
			Account: acc, Subject: sub.subjectString(), Queue: sub.queueString(),
			Sid: string(sub.sid), Msgs: sub.delivered.Load(), Max: sub.max.Load(), Cid: cid,
		})
	}
	sort.Strings(names)
	sort.Slice(details, func(i, j int) bool { return details[i].Sid < details[j].Sid })
	return names, details
}

// closedSnapshot records a closing client for /connz?state=closed.
func (c *client) closedSnapshot(subs []*subscription) *monitor.ConnInfo {
	c.mu.Lock()
	stop := c.mu.stop
	c.mu.Unlock()
	ci := &monitor.ConnInfo{
		Cid:          c.cid,
		Kind:         "Client",
		Type:         "nats",
		IP:           c.host,
		Port:         c.port,
		Start:        c.start.UTC(),
		LastActivity: time.Unix(0, c.lastActivity.Load()).UTC(),
		Uptime:       monitor.FormatUptime(stop.Sub(c.start)),
		Idle:         monitor.FormatUptime(stop.Sub(time.Unix(0, c.lastActivity.Load()))),
		InMsgs:       c.inMsgs.Load(),
		OutMsgs:      c.outMsgs.Load(),
		InBytes:      c.inBytes.Load(),
		OutBytes:     c.outBytes.Load(),
	}
	c.mu.Lock()
	ci.Name, ci.Lang, ci.Version = c.mu.opts.Name, c.mu.opts.Lang, c.mu.opts.Version
	ci.AuthorizedUser = c.mu.user
	ci.Reason = string(c.mu.reason)
	ci.TLSVersion, ci.TLSCipher = c.mu.tlsVersion, c.mu.tlsCipher
	c.mu.Unlock()
	st := stop.UTC()
	ci.Stop = &st
	ci.SetRTT(time.Duration(c.rtt.Load()))
	if c.acc != nil {
		ci.Account = c.acc.Name
	}
	m := make(map[string]*subscription, len(subs))
	for _, sub := range subs {
		m[string(sub.sid)] = sub
	}
	ci.Subs, ci.SubsDetail = subLists(c.cid, ci.Account, m)
	ci.NumSubs = uint32(len(subs))
	return ci
}

// closedRing keeps the most recent closed connections.
type closedRing struct {
	buf  []*monitor.ConnInfo
	next int
	full bool
}

func (r *closedRing) init(n int) { r.buf = make([]*monitor.ConnInfo, n) }

func (r *closedRing) add(ci *monitor.ConnInfo) {
	if len(r.buf) == 0 {
		return
	}
	r.buf[r.next] = ci
	r.next++
	if r.next == len(r.buf) {
		r.next, r.full = 0, true
	}
}

func (r *closedRing) snapshot() []*monitor.ConnInfo {
	if !r.full {
		return append([]*monitor.ConnInfo(nil), r.buf[:r.next]...)
	}
	out := make([]*monitor.ConnInfo, 0, len(r.buf))
	out = append(out, r.buf[r.next:]...)
	return append(out, r.buf[:r.next]...)
}

// Subsz reports subscription statistics and, on request, the subscriptions.
func (s *Server) Subsz(opts *monitor.SubszOptions) (*monitor.Subsz, error) {
	if opts == nil {
		opts = &monitor.SubszOptions{}
	}
	stats := &monitor.SublistStats{}
	var details []monitor.SubDetail
	for _, a := range s.accounts.list() {
		if opts.Account != "" && opts.Account != a.Name {
			continue
		}
		st := a.sl.Stats()
		stats.Add(sublistStats(st))
		if opts.Subscriptions {
			a.sl.ForEach(func(subj, queue string, sub *subscription) bool {
				if sub.client == nil || sub.isRoute() {
					return true // as with the reference: clients' only
				}
				details = append(details, monitor.SubDetail{
					Account: a.Name, Subject: subj, Queue: queue, Sid: string(sub.sid),
					Msgs: sub.delivered.Load(), Max: sub.max.Load(), Cid: sub.client.cid,
				})
				return true
			})
		}
	}
	return monitor.BuildSubsz(s.id, time.Now(), stats, details, opts)
}

func sublistStats(st sublist.Stats) *monitor.SublistStats {
	return &monitor.SublistStats{
		NumSubs:      st.NumSubs,
		NumCache:     st.NumCache,
		NumInserts:   st.NumInserts,
		NumRemoves:   st.NumRemoves,
		NumMatches:   st.NumMatches,
		CacheHitRate: st.CacheHitRate,
		MaxFanout:    st.MaxFanout,
		AvgFanout:    st.AvgFanout,
	}
}

// Healthz reports whether the server can serve clients.
func (s *Server) Healthz(opts *monitor.HealthzOptions) (*monitor.HealthStatus, int) {
	if bad := monitor.ValidateHealthzOptions(opts); bad != nil {
		return bad, bad.StatusCode
	}
	details := opts != nil && opts.Details
	h := monitor.NewHealthStatus()
	if s.isShuttingDown() || s.Addr() == nil {
		h.Fail(details, http.StatusServiceUnavailable, monitor.HealthUnavailableStatus,
			monitor.HealthzError{Type: monitor.HealthzErrorConn, Error: "server not accepting connections"})
	}
	code := h.Finish(details)
	return h, code
}
