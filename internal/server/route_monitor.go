package server

import (
	"net"
	"net/url"
	"sort"
	"time"

	"github.com/natsnet/natsnet/internal/monitor"
)

var _ monitor.RoutezSource = (*Server)(nil)

// Routez reports the active routes.
func (s *Server) Routez(opts *monitor.RoutezOptions) (*monitor.Routez, error) {
	if opts == nil {
		opts = &monitor.RoutezOptions{}
	}
	now := time.Now()
	rz := &monitor.Routez{ID: s.id, Name: s.name, Now: now.UTC(), Routes: []*monitor.RouteInfo{}}
	for _, c := range s.routes.activeList() {
		rz.Routes = append(rz.Routes, c.routeInfo(now, opts))
	}
	sort.Slice(rz.Routes, func(i, j int) bool { return rz.Routes[i].Rid < rz.Routes[j].Rid })
	rz.NumRoutes = len(rz.Routes)
	return rz, nil
}

// routeInfo describes a route for /routez.
func (c *client) routeInfo(now time.Time, opts *monitor.RoutezOptions) *monitor.RouteInfo {
	rl := c.route
	last := time.Unix(0, c.lastActivity.Load())
	ri := &monitor.RouteInfo{
		Rid:          rl.rid,
		IP:           c.host,
		Port:         c.port,
		Start:        c.start.UTC(),
		LastActivity: last.UTC(),
		Uptime:       monitor.FormatUptime(now.Sub(c.start)),
		Idle:         monitor.FormatUptime(now.Sub(last)),
		Pending:      int(c.out.pending()),
		InMsgs:       c.inMsgs.Load(),
		OutMsgs:      c.outMsgs.Load(),
		InBytes:      c.inBytes.Load(),
		OutBytes:     c.outBytes.Load(),
		Compression:  "off",
	}
	if rtt := time.Duration(c.rtt.Load()); rtt > 0 {
		ri.RTT = rtt.String()
	}
	rl.mu.Lock()
	defer rl.mu.Unlock()
	ri.RemoteID, ri.RemoteName = rl.mu.info.RemoteID, rl.mu.info.RemoteName
	ri.DidSolicit, ri.IsConfigured = rl.mu.info.Solicited, rl.mu.info.Configured
	ri.NumSubs = uint32(rl.mu.nsubs)
	if opts.Subscriptions || opts.SubscriptionsDetail {
		for acc, m := range rl.mu.subs {
			for _, sub := range m {
				if opts.SubscriptionsDetail {
					ri.SubsDetail = append(ri.SubsDetail, monitor.SubDetail{
						Account: acc.Name, Subject: sub.subjectString(), Queue: sub.queueString(),
					})
				} else {
					ri.Subs = append(ri.Subs, sub.subjectString())
				}
			}
		}
		sort.Strings(ri.Subs)
		sort.Slice(ri.SubsDetail, func(i, j int) bool { return ri.SubsDetail[i].Subject < ri.SubsDetail[j].Subject })
	}
	return ri
}

// routeTraffic totals the messages and bytes received from and sent to
// routes, closed ones included.
func (s *Server) routeTraffic() (in, inBytes, out, outBytes int64) {
	in, inBytes = s.routes.closedIn.Load(), s.routes.closedInBytes.Load()
	out, outBytes = s.routes.closedOut.Load(), s.routes.closedOutBytes.Load()
	s.routes.mu.Lock()
	defer s.routes.mu.Unlock()
	for _, c := range s.routes.all {
		in += c.inMsgs.Load()
		inBytes += c.inBytes.Load()
		out += c.outMsgs.Load()
		outBytes += c.outBytes.Load()
	}
	return in, inBytes, out, outBytes
}

// clusterVarz fills the cluster part of /varz.
func (s *Server) clusterVarz(v *monitor.Varz) {
	co := &s.opts.Cluster
	if !co.Enabled() {
		return
	}
	v.Routes = s.numRoutes()
	rin, rinBytes, rout, routBytes := s.routeTraffic()
	v.InClientMsgs = max(v.InMsgs-rin, 0)
	v.InClientBytes = max(v.InBytes-rinBytes, 0)
	v.OutClientMsgs = max(v.OutMsgs-rout, 0)
	v.OutClientBytes = max(v.OutBytes-routBytes, 0)
	cv := monitor.ClusterOptsVarz{
		Name:        s.ClusterName(),
		Host:        co.Host,
		Port:        co.Port,
		AuthTimeout: co.AuthTimeout.Seconds(),
		TLSTimeout:  co.TLSTimeout.Seconds(),
		TLSRequired: co.TLSConfig != nil,
		PoolSize:    1,
	}
	if s.router != nil {
		if a, ok := s.router.ClusterAddr().(*net.TCPAddr); ok {
			cv.Port = a.Port
		}
	}
	for _, r := range co.Routes {
		if u, err := url.Parse(r); err == nil && u.Host != "" {
			cv.URLs = append(cv.URLs, u.Host)
		}
	}
	v.Cluster = cv
}

// routeStats are the per-route figures of a STATSZ message.
func (s *Server) routeStats() []*monitor.RouteStat {
	var out []*monitor.RouteStat
	for _, c := range s.routes.activeList() {
		rl := c.route
		rl.mu.Lock()
		name := rl.mu.info.RemoteName
		rl.mu.Unlock()
		rs := &monitor.RouteStat{ID: rl.rid, Name: name, Pending: int(c.out.pending())}
		rs.Sent.Msgs, rs.Sent.Bytes = c.outMsgs.Load(), c.outBytes.Load()
		rs.Received.Msgs, rs.Received.Bytes = c.inMsgs.Load(), c.inBytes.Load()
		out = append(out, rs)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
