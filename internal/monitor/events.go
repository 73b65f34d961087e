package monitor

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// Subjects used by the system account for server monitoring. The %s verbs
// are filled with fmt.Sprintf.
const (
	// ServerStatsSubj is where a server publishes its periodic ServerStatsMsg;
	// the verb is the server ID.
	ServerStatsSubj = "$SYS.SERVER.%s.STATSZ"
	// ServerDirectReqSubj addresses one server; the verbs are the server ID
	// and the endpoint name (e.g. "VARZ", "CONNZ").
	ServerDirectReqSubj = "$SYS.REQ.SERVER.%s.%s"
	// ServerPingReqSubj addresses every server; the verb is the endpoint name.
	ServerPingReqSubj = "$SYS.REQ.SERVER.PING.%s"
	// ServerStatsPingReqSubj is the legacy all-servers STATSZ request subject.
	ServerStatsPingReqSubj = "$SYS.REQ.SERVER.PING"
)

// ServerCapability is a bit set of optional server features advertised in
// ServerInfo.Flags.
type ServerCapability uint64

// Capability bits.
const (
	JetStreamEnabled ServerCapability = 1 << iota
	BinaryStreamSnapshot
	AccountNRG
)

// ServerInfo identifies the server that produced a system event or an API
// response.
type ServerInfo struct {
	Name         string            `json:"name"`
	Host         string            `json:"host"`
	ID           string            `json:"id"`
	Cluster      string            `json:"cluster,omitempty"`
	Domain       string            `json:"domain,omitempty"`
	Version      string            `json:"ver"`
	Tags         []string          `json:"tags,omitempty"`
	Metadata     map[string]string `json:"metadata,omitempty"`
	FeatureFlags map[string]bool   `json:"feature_flags,omitempty"`
	// JetStream is the legacy form of the JetStreamEnabled flag; both are set
	// by SetJetStreamEnabled.
	JetStream bool             `json:"jetstream"`
	Flags     ServerCapability `json:"flags"`
	// Seq and Time are stamped by the sender for every message.
	Seq  uint64    `json:"seq"`
	Time time.Time `json:"time"`
}

// SetJetStreamEnabled marks JetStream as enabled, in both the flag set and
// the legacy boolean.
func (si *ServerInfo) SetJetStreamEnabled() {
	si.Flags |= JetStreamEnabled
	si.JetStream = true
}

// JetStreamEnabled reports whether the flag set or the legacy boolean says
// JetStream is enabled.
func (si *ServerInfo) JetStreamEnabled() bool {
	return si.Flags&JetStreamEnabled != 0 || si.JetStream
}

// ServerStatsMsg is the periodic statistics message published on
// ServerStatsSubj and returned for STATSZ requests.
type ServerStatsMsg struct {
	Server ServerInfo  `json:"server"`
	Stats  ServerStats `json:"statsz"`
}

// ServerStats is the statistics part of ServerStatsMsg.
type ServerStats struct {
	Start                time.Time             `json:"start"`
	Mem                  int64                 `json:"mem"`
	Cores                int                   `json:"cores"`
	CPU                  float64               `json:"cpu"`
	Connections          int                   `json:"connections"`
	TotalConnections     uint64                `json:"total_connections"`
	ActiveAccounts       int                   `json:"active_accounts"`
	NumSubs              uint32                `json:"subscriptions"`
	Sent                 DataStats             `json:"sent"`
	SentToClients        DataStats             `json:"sent_to_clients"`
	Received             DataStats             `json:"received"`
	ReceivedFromClients  DataStats             `json:"received_from_clients"`
	SlowConsumers        int64                 `json:"slow_consumers"`
	SlowConsumersStats   *SlowConsumersStats   `json:"slow_consumer_stats,omitempty"`
	StaleConnections     int64                 `json:"stale_connections,omitempty"`
	StaleConnectionStats *StaleConnectionStats `json:"stale_connection_stats,omitempty"`
	StalledClients       int64                 `json:"stalled_clients,omitempty"`
	Routes               []*RouteStat          `json:"routes,omitempty"`
	Gateways             []*GatewayStat        `json:"gateways,omitempty"`
	ActiveServers        int                   `json:"active_servers,omitempty"`
	JetStream            *JetStreamVarz        `json:"jetstream,omitempty"`
	MemLimit             int64                 `json:"gomemlimit,omitempty"`
	MaxProcs             int                   `json:"gomaxprocs,omitempty"`
}

// MsgBytes is a message count together with its byte count.
type MsgBytes struct {
	Msgs  int64 `json:"msgs"`
	Bytes int64 `json:"bytes"`
}

// DataStats is a traffic total, optionally broken down by connection kind.
// The embedded totals are flattened into the JSON object.
type DataStats struct {
	MsgBytes
	Gateways *MsgBytes `json:"gateways,omitempty"`
	Routes   *MsgBytes `json:"routes,omitempty"`
	Leafs    *MsgBytes `json:"leafs,omitempty"`
}

// RouteStat is the per-route traffic in ServerStats.
type RouteStat struct {
	ID       uint64    `json:"rid"`
	Name     string    `json:"name,omitempty"`
	Sent     DataStats `json:"sent"`
	Received DataStats `json:"received"`
	Pending  int       `json:"pending"`
}

// GatewayStat is the per-gateway traffic in ServerStats.
type GatewayStat struct {
	ID         uint64    `json:"gwid"`
	Name       string    `json:"name"`
	Sent       DataStats `json:"sent"`
	Received   DataStats `json:"received"`
	NumInbound int       `json:"inbound_connections"`
}

// ApiError is the error object carried by ServerAPIResponse.
type ApiError struct {
	Code        int    `json:"code"`
	ErrCode     uint16 `json:"err_code,omitempty"`
	Description string `json:"description,omitempty"`
}

// Error implements the error interface.
func (e *ApiError) Error() string {
	return e.Description
}

// ServerAPIResponse is the envelope of every reply to a
// $SYS.REQ.SERVER.<id|PING>.<ENDPOINT> request: Data holds the endpoint
// document (*Varz, *Connz, ...) on success, Error is set on failure.
type ServerAPIResponse struct {
	Server *ServerInfo `json:"server"`
	Data   any         `json:"data,omitempty"`
	Error  *ApiError   `json:"error,omitempty"`
}

// NewServerAPIResponse builds the reply envelope for a system request. When
// err is nil the response carries data; otherwise it carries an ApiError
// with the given HTTP-style status code (use http.StatusBadRequest for an
// undecodable request, http.StatusInternalServerError for a failure while
// producing the data). A zero code defaults to 500.
func NewServerAPIResponse(si *ServerInfo, data any, code int, err error) *ServerAPIResponse {
	if si == nil {
		si = &ServerInfo{}
	}
	r := &ServerAPIResponse{Server: si}
	if err != nil {
		if code == 0 {
			code = http.StatusInternalServerError
		}
		r.Error = &ApiError{Code: code, Description: err.Error()}
		return r
	}
	r.Data = data
	return r
}

// DecodeRequest unmarshals a system request body into opts. An empty (or
// all-whitespace) body is not an error and leaves opts untouched, since
// system requests may be sent without a payload.
func DecodeRequest(msg []byte, opts any) error {
	if len(strings.TrimSpace(string(msg))) == 0 {
		return nil
	}
	return json.Unmarshal(msg, opts)
}

// EventFilterOptions are the filters common to every system monitoring
// request; a server that does not match them stays silent.
type EventFilterOptions struct {
	Name       string   `json:"server_name,omitempty"`
	Cluster    string   `json:"cluster,omitempty"`
	Host       string   `json:"host,omitempty"`
	ExactMatch bool     `json:"exact_match,omitempty"`
	Tags       []string `json:"tags,omitempty"`
	Domain     string   `json:"domain,omitempty"`
}

// Excludes reports whether a request with these filters should be ignored
// by the server described by si (its Name, Host, Cluster, Tags and Domain
// are consulted). Name, host and cluster are substring matches unless
// ExactMatch is set; every requested tag must be present (case-insensitive);
// the domain must be equal. A nil receiver excludes nothing.
func (f *EventFilterOptions) Excludes(si *ServerInfo) bool {
	if f == nil {
		return false
	}
	if si == nil {
		si = &ServerInfo{}
	}
	match := strings.Contains
	if f.ExactMatch {
		match = func(s, sub string) bool { return s == sub }
	}
	if (f.Name != "" && !match(si.Name, f.Name)) ||
		(f.Host != "" && !match(si.Host, f.Host)) ||
		(f.Cluster != "" && !match(si.Cluster, f.Cluster)) {
		return true
	}
	for _, want := range f.Tags {
		found := false
		for _, have := range si.Tags {
			if strings.EqualFold(want, have) {
				found = true
				break
			}
		}
		if !found {
			return true
		}
	}
	return f.Domain != "" && f.Domain != si.Domain
}

// StatszEventOptions is the body of a STATSZ system request.
type StatszEventOptions struct {
	EventFilterOptions
}

// VarzEventOptions is the body of a VARZ system request.
type VarzEventOptions struct {
	VarzOptions
	EventFilterOptions
}

// ConnzEventOptions is the body of a CONNZ system request.
type ConnzEventOptions struct {
	ConnzOptions
	EventFilterOptions
}

// SubszEventOptions is the body of a SUBSZ system request.
type SubszEventOptions struct {
	SubszOptions
	EventFilterOptions
}

// HealthzEventOptions is the body of a HEALTHZ system request.
type HealthzEventOptions struct {
	HealthzOptions
	EventFilterOptions
}
