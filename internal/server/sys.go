package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/natsnet/natsnet/internal/monitor"
)

// System account services: every server answers monitoring requests sent by
// system users to $SYS.REQ.SERVER.PING[.<ENDPOINT>] (all servers) and
// $SYS.REQ.SERVER.<id>.<ENDPOINT> (this server). The `nats server` commands
// are built on these.

// startSystemServices subscribes the server's handlers in the system
// account.
func (s *Server) startSystemServices() error {
	if s.sysAcc == nil {
		return nil
	}
	subs := map[string]internalHandler{
		monitor.ServerStatsPingReqSubj:                      s.handleStatszPing,
		fmt.Sprintf(monitor.ServerPingReqSubj, "*"):         s.handleEndpointRequest,
		fmt.Sprintf(monitor.ServerDirectReqSubj, s.id, "*"): s.handleEndpointRequest,
	}
	for subj, h := range subs {
		if _, err := s.subscribeInternal(s.sysAcc, subj, "", h); err != nil {
			return fmt.Errorf("system subscription %q: %w", subj, err)
		}
	}
	return nil
}

// serverInfo describes this server in system messages.
func (s *Server) sysServerInfo() *monitor.ServerInfo {
	si := &monitor.ServerInfo{
		Name:    s.name,
		Host:    s.opts.Host,
		ID:      s.id,
		Version: CompatVersion,
		Tags:    s.opts.Tags,
		Cluster: s.ClusterName(),
		Seq:     s.sysSeq.Add(1),
		Time:    time.Now().UTC(),
	}
	if s.jsEnabled.Load() {
		si.SetJetStreamEnabled()
	}
	return si
}

// respond publishes a system reply as JSON.
func (s *Server) respond(reply string, v any) {
	if reply == "" {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		s.log.Error("encode system reply", "err", err)
		return
	}
	s.publishInternal(s.sysAcc, reply, "", nil, b)
}

// handleStatszPing answers $SYS.REQ.SERVER.PING with this server's stats.
func (s *Server) handleStatszPing(_, reply string, _, msg []byte) {
	var opts monitor.StatszEventOptions
	if err := monitor.DecodeRequest(msg, &opts); err != nil {
		s.respond(reply, monitor.NewServerAPIResponse(s.sysServerInfo(), nil, 400, err))
		return
	}
	si := s.sysServerInfo()
	if opts.EventFilterOptions.Excludes(si) {
		return
	}
	s.respond(reply, &monitor.ServerStatsMsg{Server: *si, Stats: *s.statsz()})
}

// handleEndpointRequest answers $SYS.REQ.SERVER.{PING,<id>}.<ENDPOINT>.
func (s *Server) handleEndpointRequest(subject, reply string, _, msg []byte) {
	endpoint := subject[strings.LastIndexByte(subject, '.')+1:]
	si := s.sysServerInfo()
	var (
		data   any
		err    error
		filter *monitor.EventFilterOptions
	)
	switch endpoint {
	case "STATSZ":
		var o monitor.StatszEventOptions
		if err = monitor.DecodeRequest(msg, &o); err == nil {
			if o.EventFilterOptions.Excludes(si) {
				return
			}
			s.respond(reply, &monitor.ServerStatsMsg{Server: *si, Stats: *s.statsz()})
			return
		}
	case "VARZ":
		var o monitor.VarzEventOptions
		if err = monitor.DecodeRequest(msg, &o); err == nil {
			filter = &o.EventFilterOptions
			data, err = s.Varz(&o.VarzOptions)
		}
	case "CONNZ":
		var o monitor.ConnzEventOptions
		if err = monitor.DecodeRequest(msg, &o); err == nil {
			filter = &o.EventFilterOptions
			data, err = s.Connz(&o.ConnzOptions)
		}
	case "SUBSZ":
		var o monitor.SubszEventOptions
		if err = monitor.DecodeRequest(msg, &o); err == nil {
			filter = &o.EventFilterOptions
			data, err = s.Subsz(&o.SubszOptions)
		}
	case "ROUTEZ":
		var o monitor.RoutezEventOptions
		if err = monitor.DecodeRequest(msg, &o); err == nil {
			filter = &o.EventFilterOptions
			data, err = s.Routez(&o.RoutezOptions)
		}
	case "HEALTHZ":
		var o monitor.HealthzEventOptions
		if err = monitor.DecodeRequest(msg, &o); err == nil {
			filter = &o.EventFilterOptions
			data, _ = s.Healthz(&o.HealthzOptions)
		}
	case "IDZ":
		// Answered with the bare identity, without the envelope, as the
		// reference does.
		s.respond(reply, &struct {
			Name string `json:"name"`
			Host string `json:"host"`
			ID   string `json:"id"`
		}{s.name, s.opts.Host, s.id})
		return
	default:
		// Unknown endpoints get no answer, as with the reference.
		return
	}
	if filter != nil && filter.Excludes(si) {
		return
	}
	// filter is set once the body decoded: an error before that is the
	// requester's, one after it is the endpoint rejecting the options, which
	// the reference reports as a server error.
	code := http.StatusInternalServerError
	if filter == nil {
		code = http.StatusBadRequest
	}
	s.respond(reply, monitor.NewServerAPIResponse(si, data, code, err))
}

// statsz gathers the figures of a STATSZ message.
func (s *Server) statsz() *monitor.ServerStats {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	active := 0
	for _, a := range s.accounts.list() {
		if a.NumConnections() > 0 {
			active++
		}
	}
	in := monitor.DataStats{}
	in.Msgs, in.Bytes = s.stats.inMsgs.Load(), s.stats.inBytes.Load()
	out := monitor.DataStats{}
	out.Msgs, out.Bytes = s.stats.outMsgs.Load(), s.stats.outBytes.Load()
	return &monitor.ServerStats{
		Start:               s.start.UTC(),
		Mem:                 processRSS(int64(ms.Sys)),
		Cores:               runtime.NumCPU(),
		CPU:                 processCPU(),
		Connections:         s.NumClients(),
		TotalConnections:    s.stats.totalConns.Load(),
		ActiveAccounts:      active,
		NumSubs:             s.numSubscriptions(),
		Sent:                out,
		SentToClients:       out,
		Received:            in,
		ReceivedFromClients: in,
		SlowConsumers:       s.stats.slowConsumers.Load(),
		StaleConnections:    s.stats.staleConns.Load(),
		ActiveServers:       1 + s.numRoutes(),
		Routes:              s.routeStats(),
		MaxProcs:            runtime.GOMAXPROCS(0),
	}
}
