package monitor

import (
	"net/url"
	"time"
)

// RoutezPath serves Routez.
const RoutezPath = "/routez"

// Routez describes a server's routes, served at /routez and returned for
// $SYS.REQ.SERVER.<id|PING>.ROUTEZ requests.
type Routez struct {
	ID        string       `json:"server_id"`
	Name      string       `json:"server_name"`
	Now       time.Time    `json:"now"`
	NumRoutes int          `json:"num_routes"`
	Routes    []*RouteInfo `json:"routes"`
}

// RouteInfo describes one route connection.
type RouteInfo struct {
	Rid          uint64      `json:"rid"`
	RemoteID     string      `json:"remote_id"`
	RemoteName   string      `json:"remote_name"`
	DidSolicit   bool        `json:"did_solicit"`
	IsConfigured bool        `json:"is_configured"`
	IP           string      `json:"ip"`
	Port         int         `json:"port"`
	Start        time.Time   `json:"start"`
	LastActivity time.Time   `json:"last_activity"`
	RTT          string      `json:"rtt,omitempty"`
	Uptime       string      `json:"uptime"`
	Idle         string      `json:"idle"`
	Pending      int         `json:"pending_size"`
	InMsgs       int64       `json:"in_msgs"`
	OutMsgs      int64       `json:"out_msgs"`
	InBytes      int64       `json:"in_bytes"`
	OutBytes     int64       `json:"out_bytes"`
	NumSubs      uint32      `json:"subscriptions"`
	Subs         []string    `json:"subscriptions_list,omitempty"`
	SubsDetail   []SubDetail `json:"subscriptions_list_detail,omitempty"`
	Account      string      `json:"account,omitempty"`
	Compression  string      `json:"compression,omitempty"`
}

// RoutezOptions are the options of a Routez request.
type RoutezOptions struct {
	Subscriptions       bool `json:"subscriptions"`
	SubscriptionsDetail bool `json:"subscriptions_detail"`
}

// RoutezEventOptions is the body of a ROUTEZ system request.
type RoutezEventOptions struct {
	RoutezOptions
	EventFilterOptions
}

// RoutezOptionsFromQuery decodes the /routez query parameter subs
// (boolean or "detail").
func RoutezOptionsFromQuery(q url.Values) (*RoutezOptions, error) {
	var o RoutezOptions
	var err error
	if o.Subscriptions, o.SubscriptionsDetail, err = querySubs(q); err != nil {
		return nil, err
	}
	return &o, nil
}

// RoutezSource is implemented by sources that have routes; the handler
// serves /routez only for them.
type RoutezSource interface {
	Routez(*RoutezOptions) (*Routez, error)
}
