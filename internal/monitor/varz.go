package monitor

import (
	"fmt"
	"time"
)

// Varz is the general server information document served at /varz and
// returned for $SYS.REQ.SERVER.<id>.VARZ requests.
type Varz struct {
	ID                  string            `json:"server_id"`
	Name                string            `json:"server_name"`
	Version             string            `json:"version"`
	Proto               int               `json:"proto"`
	GitCommit           string            `json:"git_commit,omitempty"`
	GoVersion           string            `json:"go"`
	Host                string            `json:"host"`
	Port                int               `json:"port"`
	AuthRequired        bool              `json:"auth_required,omitempty"`
	TLSRequired         bool              `json:"tls_required,omitempty"`
	TLSVerify           bool              `json:"tls_verify,omitempty"`
	IP                  string            `json:"ip,omitempty"`
	ClientConnectURLs   []string          `json:"connect_urls,omitempty"`
	WSConnectURLs       []string          `json:"ws_connect_urls,omitempty"`
	MaxConn             int               `json:"max_connections"`
	MaxSubs             int               `json:"max_subscriptions,omitempty"`
	PingInterval        time.Duration     `json:"ping_interval"` // nanoseconds
	MaxPingsOut         int               `json:"ping_max"`
	HTTPHost            string            `json:"http_host"`
	HTTPPort            int               `json:"http_port"`
	HTTPBasePath        string            `json:"http_base_path"`
	HTTPSPort           int               `json:"https_port"`
	AuthTimeout         float64           `json:"auth_timeout"` // seconds
	MaxControlLine      int32             `json:"max_control_line"`
	MaxPayload          int               `json:"max_payload"`
	MaxPending          int64             `json:"max_pending"`
	Cluster             ClusterOptsVarz   `json:"cluster"`
	Gateway             GatewayOptsVarz   `json:"gateway"`
	LeafNode            LeafNodeOptsVarz  `json:"leaf"`
	MQTT                MQTTOptsVarz      `json:"mqtt"`
	Websocket           WebsocketOptsVarz `json:"websocket"`
	JetStream           *JetStreamVarz    `json:"jetstream,omitempty"`
	TLSTimeout          float64           `json:"tls_timeout"`    // seconds
	WriteDeadline       time.Duration     `json:"write_deadline"` // nanoseconds
	WriteTimeout        string            `json:"write_timeout,omitempty"`
	Start               time.Time         `json:"start"`
	Now                 time.Time         `json:"now"`
	Uptime              string            `json:"uptime"`
	Mem                 int64             `json:"mem"`
	Cores               int               `json:"cores"`
	MaxProcs            int               `json:"gomaxprocs"`
	MemLimit            int64             `json:"gomemlimit,omitempty"`
	CPU                 float64           `json:"cpu"`
	Connections         int               `json:"connections"`
	TotalConnections    uint64            `json:"total_connections"`
	Routes              int               `json:"routes"`
	Remotes             int               `json:"remotes"`
	Leafs               int               `json:"leafnodes"`
	InMsgs              int64             `json:"in_msgs"`
	InBytes             int64             `json:"in_bytes"`
	InClientMsgs        int64             `json:"in_client_msgs"`
	InClientBytes       int64             `json:"in_client_bytes"`
	OutMsgs             int64             `json:"out_msgs"`
	OutBytes            int64             `json:"out_bytes"`
	OutClientMsgs       int64             `json:"out_client_msgs"`
	OutClientBytes      int64             `json:"out_client_bytes"`
	SlowConsumers       int64             `json:"slow_consumers"`
	StaleConnections    int64             `json:"stale_connections"`
	StalledClients      int64             `json:"stalled_clients"`
	Subscriptions       uint32            `json:"subscriptions"`
	HTTPReqStats        map[string]uint64 `json:"http_req_stats"`
	ConfigLoadTime      time.Time         `json:"config_load_time"`
	ConfigDigest        string            `json:"config_digest"`
	Tags                []string          `json:"tags,omitempty"`
	Metadata            map[string]string `json:"metadata,omitempty"`
	TrustedOperatorsJWT []string          `json:"trusted_operators_jwt,omitempty"`
	SystemAccount       string            `json:"system_account,omitempty"`
	PinnedAccountFail   uint64            `json:"pinned_account_fails,omitempty"`

	SlowConsumersStats   *SlowConsumersStats   `json:"slow_consumer_stats"`
	StaleConnectionStats *StaleConnectionStats `json:"stale_connection_stats,omitempty"`
}

// ClusterOptsVarz describes the cluster (route) listener in Varz.
type ClusterOptsVarz struct {
	Name          string        `json:"name,omitempty"`
	Host          string        `json:"addr,omitempty"`
	Port          int           `json:"cluster_port,omitempty"`
	AuthTimeout   float64       `json:"auth_timeout,omitempty"`
	URLs          []string      `json:"urls,omitempty"`
	TLSTimeout    float64       `json:"tls_timeout,omitempty"`
	TLSRequired   bool          `json:"tls_required,omitempty"`
	TLSVerify     bool          `json:"tls_verify,omitempty"`
	PoolSize      int           `json:"pool_size,omitempty"`
	WriteDeadline time.Duration `json:"write_deadline,omitempty"`
	WriteTimeout  string        `json:"write_timeout,omitempty"`
}

// GatewayOptsVarz describes the gateway listener in Varz. It is empty when
// gateways are not configured.
type GatewayOptsVarz struct {
	Name          string                  `json:"name,omitempty"`
	Host          string                  `json:"host,omitempty"`
	Port          int                     `json:"port,omitempty"`
	AuthTimeout   float64                 `json:"auth_timeout,omitempty"`
	TLSTimeout    float64                 `json:"tls_timeout,omitempty"`
	TLSRequired   bool                    `json:"tls_required,omitempty"`
	TLSVerify     bool                    `json:"tls_verify,omitempty"`
	Advertise     string                  `json:"advertise,omitempty"`
	Gateways      []RemoteGatewayOptsVarz `json:"gateways,omitempty"`
	RejectUnknown bool                    `json:"reject_unknown,omitempty"`
}

// RemoteGatewayOptsVarz describes one configured remote gateway.
type RemoteGatewayOptsVarz struct {
	Name       string   `json:"name"`
	TLSTimeout float64  `json:"tls_timeout,omitempty"`
	URLs       []string `json:"urls,omitempty"`
}

// LeafNodeOptsVarz describes the leafnode listener in Varz. It is empty when
// leafnodes are not configured.
type LeafNodeOptsVarz struct {
	Host        string               `json:"host,omitempty"`
	Port        int                  `json:"port,omitempty"`
	AuthTimeout float64              `json:"auth_timeout,omitempty"`
	TLSTimeout  float64              `json:"tls_timeout,omitempty"`
	TLSRequired bool                 `json:"tls_required,omitempty"`
	TLSVerify   bool                 `json:"tls_verify,omitempty"`
	Remotes     []RemoteLeafOptsVarz `json:"remotes,omitempty"`
}

// RemoteLeafOptsVarz describes one configured remote leafnode connection.
type RemoteLeafOptsVarz struct {
	LocalAccount string   `json:"local_account,omitempty"`
	TLSTimeout   float64  `json:"tls_timeout,omitempty"`
	URLs         []string `json:"urls,omitempty"`
}

// MQTTOptsVarz describes the MQTT listener in Varz (empty when disabled).
type MQTTOptsVarz struct {
	Host        string  `json:"host,omitempty"`
	Port        int     `json:"port,omitempty"`
	AuthTimeout float64 `json:"auth_timeout,omitempty"`
	TLSTimeout  float64 `json:"tls_timeout,omitempty"`
}

// WebsocketOptsVarz describes the websocket listener in Varz (empty when
// disabled).
type WebsocketOptsVarz struct {
	Host        string  `json:"host,omitempty"`
	Port        int     `json:"port,omitempty"`
	Advertise   string  `json:"advertise,omitempty"`
	AuthTimeout float64 `json:"auth_timeout,omitempty"`
	NoTLS       bool    `json:"no_tls,omitempty"`
	Compression bool    `json:"compression,omitempty"`
}

// JetStreamVarz is the JetStream section of Varz and ServerStats.
type JetStreamVarz struct {
	Config *JetStreamConfig `json:"config,omitempty"`
	Stats  *JetStreamStats  `json:"stats,omitempty"`
	Meta   *MetaClusterInfo `json:"meta,omitempty"`
}

// JetStreamConfig is the effective JetStream configuration of a server.
type JetStreamConfig struct {
	MaxMemory    int64         `json:"max_memory"`
	MaxStore     int64         `json:"max_storage"`
	StoreDir     string        `json:"store_dir,omitempty"`
	SyncInterval time.Duration `json:"sync_interval,omitempty"`
	SyncAlways   bool          `json:"sync_always,omitempty"`
	Domain       string        `json:"domain,omitempty"`
	CompressOK   bool          `json:"compress_ok,omitempty"`
	UniqueTag    string        `json:"unique_tag,omitempty"`
	Strict       bool          `json:"strict,omitempty"`
}

// JetStreamStats reports JetStream resource usage of a server.
type JetStreamStats struct {
	Memory         uint64            `json:"memory"`
	Store          uint64            `json:"storage"`
	ReservedMemory uint64            `json:"reserved_memory"`
	ReservedStore  uint64            `json:"reserved_storage"`
	Accounts       int               `json:"accounts"`
	HAAssets       int               `json:"ha_assets"`
	API            JetStreamAPIStats `json:"api"`
}

// JetStreamAPIStats counts JetStream API requests.
type JetStreamAPIStats struct {
	Level    int    `json:"level"`
	Total    uint64 `json:"total"`
	Errors   uint64 `json:"errors"`
	Inflight uint64 `json:"inflight,omitempty"`
}

// MetaClusterInfo describes the JetStream meta group as seen by a server.
type MetaClusterInfo struct {
	Name     string      `json:"name,omitempty"`
	Leader   string      `json:"leader,omitempty"`
	Peer     string      `json:"peer,omitempty"`
	Replicas []*PeerInfo `json:"replicas,omitempty"`
	Size     int         `json:"cluster_size"`
	Pending  int         `json:"pending"`
}

// PeerInfo describes one member of a RAFT group.
type PeerInfo struct {
	Name    string        `json:"name"`
	Current bool          `json:"current"`
	Offline bool          `json:"offline,omitempty"`
	Active  time.Duration `json:"active"`
	Lag     uint64        `json:"lag,omitempty"`
	Peer    string        `json:"peer"`
}

// SlowConsumersStats breaks the slow consumer count down by connection kind.
type SlowConsumersStats struct {
	Clients  uint64 `json:"clients"`
	Routes   uint64 `json:"routes"`
	Gateways uint64 `json:"gateways"`
	Leafs    uint64 `json:"leafs"`
}

// StaleConnectionStats breaks the stale connection count down by connection
// kind.
type StaleConnectionStats struct {
	Clients  uint64 `json:"clients"`
	Routes   uint64 `json:"routes"`
	Gateways uint64 `json:"gateways"`
	Leafs    uint64 `json:"leafs"`
}

// VarzOptions are the options of a Varz request. There are none at the
// moment; the type exists so requests and the Source interface can grow.
type VarzOptions struct{}

// FormatUptime renders a duration with whole-second precision the way the
// monitoring endpoints do: "45s", "3m7s", "2h0m5s", "1d2h3m4s" and
// "1y12d0h0m0s". Units above the largest non-zero one are omitted; units
// below it are always present. Negative durations render as "0s".
func FormatUptime(d time.Duration) string {
	secs := int64(d / time.Second)
	if secs < 0 {
		secs = 0
	}
	mins, hours := secs/60, secs/3600
	days := hours / 24
	years := days / 365
	switch {
	case years > 0:
		return fmt.Sprintf("%dy%dd%dh%dm%ds", years, days%365, hours%24, mins%60, secs%60)
	case days > 0:
		return fmt.Sprintf("%dd%dh%dm%ds", days, hours%24, mins%60, secs%60)
	case hours > 0:
		return fmt.Sprintf("%dh%dm%ds", hours, mins%60, secs%60)
	case mins > 0:
		return fmt.Sprintf("%dm%ds", mins, secs%60)
	}
	return fmt.Sprintf("%ds", secs)
}
