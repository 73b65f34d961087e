package route

import (
	"encoding/json"
	"net"
	"strconv"

	"github.com/natsnet/natsnet/internal/route/wire"
	"github.com/natsnet/natsnet/internal/server"
)

// protoVersion is the route protocol version natsnet speaks.
const protoVersion = 1

// Info is the document servers exchange: the acceptor sends it as INFO
// when a route opens, the dialer answers with it as CONNECT (adding its
// credentials), and both send it again as INFO whenever their set of
// connected peers or their client URLs change.
type Info struct {
	ID      string `json:"server_id"`
	Name    string `json:"server_name"`
	Cluster string `json:"cluster"`
	// Dynamic is set while the cluster name was not configured and may
	// still be replaced by a peer's.
	Dynamic bool `json:"cluster_dynamic,omitempty"`
	// RouteURL is host:port to dial this server's routes at; an empty host
	// means "the address you see me at".
	RouteURL string `json:"route_url,omitempty"`
	// ClientURLs are this server's client addresses, unless it does not
	// advertise them.
	ClientURLs []string `json:"client_urls,omitempty"`
	// Peers are the servers this one has routes to.
	Peers        []Peer `json:"peers,omitempty"`
	AuthRequired bool   `json:"auth_required,omitempty"`
	Proto        int    `json:"proto"`
	Version      string `json:"version"`
	// User and Pass are sent in CONNECT only.
	User string `json:"user,omitempty"`
	Pass string `json:"pass,omitempty"`
}

// Peer is a member of the cluster as gossiped in Info.
type Peer struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	URL  string `json:"url"`
}

// localInfo builds this server's Info. Manager.mu must be held.
func (m *Manager) localInfoLocked() *Info {
	info := &Info{
		ID:           m.srv.ID(),
		Name:         m.srv.Name(),
		Cluster:      m.mu.clusterName,
		Dynamic:      m.mu.dynamic,
		RouteURL:     m.routeURL(),
		AuthRequired: m.opts.Username != "",
		Proto:        protoVersion,
		Version:      server.Version,
	}
	if !m.opts.NoAdvertise {
		info.ClientURLs = m.srv.ClientConnectURLs()
	}
	for _, l := range m.mu.links {
		info.Peers = append(info.Peers, Peer{ID: l.peer.ID, Name: l.peer.Name, URL: l.peer.RouteURL})
	}
	return info
}

// routeURL is the address peers are told to dial.
func (m *Manager) routeURL() string {
	if m.opts.Advertise != "" {
		return m.opts.Advertise
	}
	port := m.opts.Port
	if a, ok := m.ClusterAddr().(*net.TCPAddr); ok {
		port = a.Port
	}
	host := m.opts.Host
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = ""
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// encodeInfo renders an INFO (or, with connect, a CONNECT) line.
func encodeInfo(info *Info, connect bool) []byte {
	b, _ := json.Marshal(info)
	if connect {
		return wire.AppendConnect(nil, b)
	}
	return wire.AppendInfo(nil, b)
}

// resolveURL fills in the host of a peer's route URL from the address the
// connection comes from when the peer listens on every interface.
func resolveURL(routeURL string, remote net.Addr) string {
	host, port, err := net.SplitHostPort(routeURL)
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		ta, ok := remote.(*net.TCPAddr)
		if !ok {
			return ""
		}
		host = ta.IP.String()
	}
	return net.JoinHostPort(host, port)
}
