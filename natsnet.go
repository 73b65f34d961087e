// Package natsnet embeds a NATS-compatible server in a Go program.
//
// A server is created from Options, started, and shut down:
//
//	s, err := natsnet.New(&natsnet.Options{Host: "127.0.0.1", Port: natsnet.RandomPort})
//	if err != nil { ... }
//	if err := s.Start(); err != nil { ... }
//	defer s.Shutdown()
//	nc, err := nats.Connect(s.ClientURL())
//
// The same options can be loaded from a nats-server style configuration
// file with LoadConfig.
package natsnet

import (
	"github.com/natsnet/natsnet/internal/config"
	"github.com/natsnet/natsnet/internal/jetstream"
	"github.com/natsnet/natsnet/internal/route"
	"github.com/natsnet/natsnet/internal/server"
)

// Options configure a server; see the fields for what each does. The zero
// value is a server on the default port with no authentication.
type Options = server.Options

// User, NkeyUser, Permissions, SubjectPermission and ResponsePermission
// describe authentication and authorization in Options.
type (
	User               = server.User
	NkeyUser           = server.NkeyUser
	Permissions        = server.Permissions
	SubjectPermission  = server.SubjectPermission
	ResponsePermission = server.ResponsePermission
	AccountConfig      = server.AccountConfig
	ClusterOpts        = server.ClusterOpts
)

// RandomPort asks for a free port chosen by the operating system.
const RandomPort = server.RandomPort

// Server is a running (or startable) natsnet server.
type Server struct {
	s *server.Server
}

// New validates opts and prepares a server, with JetStream when
// opts.JetStream is set. It does not listen yet.
func New(opts *Options) (*Server, error) {
	s, err := server.New(opts)
	if err != nil {
		return nil, err
	}
	if opts.JetStream {
		cfg := jetstream.Config{StoreDir: opts.StoreDir, Domain: opts.JetStreamDomain, SyncInterval: opts.JetStreamSyncInterval}
		for _, a := range opts.Accounts {
			if a.JetStream != nil {
				if cfg.Accounts == nil {
					cfg.Accounts = make(map[string]*server.JetStreamLimits)
				}
				cfg.Accounts[a.Name] = a.JetStream
			}
		}
		s.AddService(jetstream.New(s, cfg))
	}
	if opts.Cluster.Enabled() {
		if _, err := route.Attach(s); err != nil {
			return nil, err
		}
	}
	return &Server{s: s}, nil
}

// LoadConfig reads a nats-server style configuration file into Options.
func LoadConfig(path string) (*Options, error) { return config.Load(path) }

// Start opens the listeners and begins serving. It returns once clients can
// connect.
func (s *Server) Start() error { return s.s.Start() }

// Shutdown disconnects every client and stops the server.
func (s *Server) Shutdown() { s.s.Shutdown() }

// LameDuckShutdown tells clients to move away, closes them over the lame
// duck period and then shuts down.
func (s *Server) LameDuckShutdown() { s.s.LameDuckShutdown() }

// ClientURL is the nats:// URL clients connect to.
func (s *Server) ClientURL() string { return s.s.ClientURL() }

// MonitorURL is the http:// base URL of the monitoring endpoints, or "" if
// monitoring is off.
func (s *Server) MonitorURL() string { return s.s.MonitorURL() }

// ID is the server's unique id.
func (s *Server) ID() string { return s.s.ID() }

// Name is the server's name.
func (s *Server) Name() string { return s.s.Name() }

// NumClients reports open client connections.
func (s *Server) NumClients() int { return s.s.NumClients() }

// NumRoutes reports the active routes to other servers of the cluster.
func (s *Server) NumRoutes() int { return s.s.NumRoutes() }

// ClusterURL is the nats:// URL of the route listener, for the route lists
// of other servers, or "" when the server is not clustered.
func (s *Server) ClusterURL() string {
	if m := route.Lookup(s.s.ID()); m != nil {
		return m.ClusterURL()
	}
	return ""
}

// WaitForShutdown blocks until the server has been told to shut down.
func (s *Server) WaitForShutdown() { s.s.WaitForShutdown() }
