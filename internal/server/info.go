package server

import (
	"net"
	"runtime"
	"strconv"
)

// serverInfo is the INFO document sent to clients.
type serverInfo struct {
	ID             string   `json:"server_id"`
	Name           string   `json:"server_name"`
	Version        string   `json:"version"`
	Proto          int      `json:"proto"`
	GoVersion      string   `json:"go"`
	Host           string   `json:"host"`
	Port           int      `json:"port"`
	Headers        bool     `json:"headers"`
	AuthRequired   bool     `json:"auth_required,omitempty"`
	TLSRequired    bool     `json:"tls_required,omitempty"`
	TLSVerify      bool     `json:"tls_verify,omitempty"`
	MaxPayload     int      `json:"max_payload"`
	JetStream      bool     `json:"jetstream,omitempty"`
	Domain         string   `json:"domain,omitempty"`
	ClientID       uint64   `json:"client_id,omitempty"`
	ClientIP       string   `json:"client_ip,omitempty"`
	Nonce          string   `json:"nonce,omitempty"`
	Cluster        string   `json:"cluster,omitempty"`
	ConnectURLs    []string `json:"connect_urls,omitempty"`
	LameDuckMode   bool     `json:"ldm,omitempty"`
	NatsnetVersion string   `json:"natsnet_version"`

	// urlGen is the generation of ConnectURLs (see SetConnectURLs).
	urlGen uint64
}

// baseInfo is the part of INFO common to all clients.
func (s *Server) baseInfo() *serverInfo {
	host, port := s.opts.Host, s.opts.Port
	if a, ok := s.Addr().(*net.TCPAddr); ok {
		port = a.Port
	}
	if s.opts.ClientAdvertise != "" {
		if h, p, err := net.SplitHostPort(s.opts.ClientAdvertise); err == nil {
			host = h
			port, _ = strconv.Atoi(p)
		} else {
			host = s.opts.ClientAdvertise
		}
	}
	s.mu.Lock()
	ldm := s.mu.ldm
	urls := append([]string(nil), s.mu.connectURLs...)
	gen := s.mu.urlGen
	s.mu.Unlock()
	return &serverInfo{
		ID:             s.id,
		Name:           s.name,
		Version:        CompatVersion,
		Proto:          1,
		GoVersion:      runtime.Version(),
		Host:           host,
		Port:           port,
		Headers:        !s.opts.NoHeaderSupport,
		AuthRequired:   s.auth.required,
		TLSRequired:    s.opts.TLSConfig != nil,
		TLSVerify:      s.opts.TLSVerify,
		MaxPayload:     s.opts.MaxPayload,
		JetStream:      s.jsEnabled.Load(),
		Domain:         s.opts.JetStreamDomain,
		Cluster:        s.ClusterName(),
		ConnectURLs:    urls,
		LameDuckMode:   ldm,
		NatsnetVersion: Version,
		urlGen:         gen,
	}
}

// sendInfoUpdate sends the current INFO to a client that speaks protocol 1,
// which is how clients learn of lame duck mode and cluster URLs.
func (c *client) sendInfoUpdate() {
	c.mu.Lock()
	proto := c.mu.opts.Protocol
	ready := c.mu.firstPong
	c.mu.Unlock()
	if !ready || proto < 1 {
		return
	}
	info := c.srv.baseInfo()
	c.enqueue(renderInfo(info))
}

// broadcastInfo sends the current INFO to every connected client.
func (s *Server) broadcastInfo() {
	for _, c := range s.clientsSnapshot() {
		c.sendInfoUpdate()
	}
}
