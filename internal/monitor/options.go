package monitor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Default page sizes.
const (
	// DefaultConnListSize is the Connz limit used when none (or a
	// non-positive one) is requested.
	DefaultConnListSize = 1024
	// DefaultSubListSize is the Subsz limit used when none (or a
	// non-positive one) is requested.
	DefaultSubListSize = 1024
)

// GlobalAccountName is the name of the default account. It is reported as
// an empty account in connection listings.
const GlobalAccountName = "$G"

// SortOpt selects the order of Connz results.
type SortOpt string

// Sort options. ByCid, ByStart, ByUptime and ByReason sort ascending; every
// other option sorts descending (largest, most recent or longest first).
// Ties are broken by ascending connection ID.
const (
	ByCid      SortOpt = "cid"        // connection ID
	ByStart    SortOpt = "start"      // connection start time
	BySubs     SortOpt = "subs"       // number of subscriptions
	ByPending  SortOpt = "pending"    // bytes waiting to be written
	ByOutMsgs  SortOpt = "msgs_to"    // messages sent to the connection
	ByInMsgs   SortOpt = "msgs_from"  // messages received from the connection
	ByOutBytes SortOpt = "bytes_to"   // bytes sent to the connection
	ByInBytes  SortOpt = "bytes_from" // bytes received from the connection
	ByLast     SortOpt = "last"       // last activity time
	ByIdle     SortOpt = "idle"       // time since last activity
	ByUptime   SortOpt = "uptime"     // connection lifetime
	ByStop     SortOpt = "stop"       // close time (closed connections only)
	ByReason   SortOpt = "reason"     // close reason (closed connections only)
	ByRTT      SortOpt = "rtt"        // round trip time
)

// IsValid reports whether s is empty or one of the known sort options.
func (s SortOpt) IsValid() bool {
	switch s {
	case "", ByCid, ByStart, BySubs, ByPending, ByOutMsgs, ByInMsgs, ByOutBytes,
		ByInBytes, ByLast, ByIdle, ByUptime, ByStop, ByReason, ByRTT:
		return true
	}
	return false
}

// ConnState selects open connections, closed connections or both. In JSON
// it is encoded as a number (0 open, 1 closed, 2 any); decoding also accepts
// the strings "open", "closed", "any" and "all".
type ConnState int

// Connection states.
const (
	ConnOpen ConnState = iota
	ConnClosed
	ConnAll
)

// String returns "open", "closed" or "any".
func (s ConnState) String() string {
	switch s {
	case ConnOpen:
		return "open"
	case ConnClosed:
		return "closed"
	case ConnAll:
		return "any"
	}
	return fmt.Sprintf("ConnState(%d)", int(s))
}

// ParseConnState parses a state name as accepted by the "state" query
// parameter (case-insensitive): "open", "closed", "any" or "all". The empty
// string means ConnOpen.
func ParseConnState(s string) (ConnState, error) {
	switch strings.ToLower(s) {
	case "", "open":
		return ConnOpen, nil
	case "closed":
		return ConnClosed, nil
	case "any", "all":
		return ConnAll, nil
	}
	return ConnOpen, fmt.Errorf("Error decoding state for %s", s)
}

// UnmarshalJSON accepts either the numeric form or a state name.
func (s *ConnState) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		var name string
		if err := json.Unmarshal(data, &name); err != nil {
			return err
		}
		st, err := ParseConnState(name)
		if err != nil {
			return err
		}
		*s = st
		return nil
	}
	if string(data) == "null" {
		return nil
	}
	var n int
	if err := json.Unmarshal(data, &n); err != nil {
		return fmt.Errorf("invalid connection state %s", data)
	}
	if n < int(ConnOpen) || n > int(ConnAll) {
		return fmt.Errorf("invalid connection state %d", n)
	}
	*s = ConnState(n)
	return nil
}

// ConnzOptions are the options of a Connz request.
type ConnzOptions struct {
	// Sort selects the result order; empty means ByCid.
	Sort SortOpt `json:"sort"`
	// Username includes authorized user, account and other identity fields.
	Username bool `json:"auth"`
	// Subscriptions includes each connection's subscribed subjects.
	Subscriptions bool `json:"subscriptions"`
	// SubscriptionsDetail includes full subscription details; it takes
	// precedence over Subscriptions.
	SubscriptionsDetail bool `json:"subscriptions_detail"`
	// Offset is the index of the first returned connection.
	Offset int `json:"offset"`
	// Limit is the page size; non-positive means DefaultConnListSize.
	Limit int `json:"limit"`
	// CID selects a single connection; it forces the limit to 1.
	CID uint64 `json:"cid"`
	// MQTTClient selects connections by MQTT client ID.
	MQTTClient string `json:"mqtt_client"`
	// State selects open (default), closed or all connections.
	State ConnState `json:"state"`
	// User selects connections by authorized user.
	User string `json:"user"`
	// Account selects connections by account name.
	Account string `json:"acc"`
	// FilterSubject selects connections with a subscription that collides
	// with this subject. It requires Account.
	FilterSubject string `json:"filter_subject"`
}

// Validate checks option combinations and returns the error the monitoring
// endpoint reports for them. A nil receiver is valid.
func (o *ConnzOptions) Validate() error {
	if o == nil {
		return nil
	}
	if !o.Sort.IsValid() {
		return fmt.Errorf("invalid sorting option: %s", o.Sort)
	}
	if o.State < ConnOpen || o.State > ConnAll {
		return fmt.Errorf("invalid connection state %d", int(o.State))
	}
	if o.Sort == ByStop && o.State != ConnClosed {
		return fmt.Errorf("sort by stop only valid on closed connections")
	}
	if o.Sort == ByReason && o.State != ConnClosed {
		return fmt.Errorf("sort by reason only valid on closed connections")
	}
	if o.FilterSubject != "" && o.FilterSubject != ">" && o.Account == "" {
		return fmt.Errorf("filter by subject only valid with account filtering")
	}
	return nil
}

// WantsSubscriptions reports whether BuildConnz will look at the
// subscription lists of the connections (to output or to filter them), so a
// caller can skip collecting them otherwise.
func (o *ConnzOptions) WantsSubscriptions() bool {
	return o != nil && (o.Subscriptions || o.SubscriptionsDetail ||
		(o.FilterSubject != "" && o.FilterSubject != ">"))
}

// WantsClosed reports whether closed connections can be selected.
func (o *ConnzOptions) WantsClosed() bool {
	return o != nil && (o.State == ConnClosed || o.State == ConnAll)
}

// WantsOpen reports whether open connections can be selected.
func (o *ConnzOptions) WantsOpen() bool {
	return o == nil || o.State == ConnOpen || o.State == ConnAll
}

// SubszOptions are the options of a Subsz request.
type SubszOptions struct {
	// Offset is the index of the first returned subscription.
	Offset int `json:"offset"`
	// Limit is the page size; non-positive means DefaultSubListSize.
	Limit int `json:"limit"`
	// Subscriptions includes the subscription list, not only statistics.
	Subscriptions bool `json:"subscriptions"`
	// Account restricts the listing to one account.
	Account string `json:"account,omitempty"`
	// Test keeps only subscriptions that a message published on this literal
	// subject would match.
	Test string `json:"test,omitempty"`
}

// Validate checks the options and returns the error the monitoring endpoint
// reports for them. A nil receiver is valid.
func (o *SubszOptions) Validate() error {
	if o == nil || o.Test == "" {
		return nil
	}
	if !isValidLiteralSubject(o.Test) {
		return fmt.Errorf("invalid test subject, must be valid publish subject: %s", o.Test)
	}
	return nil
}

// HealthzOptions are the options of a Healthz request.
type HealthzOptions struct {
	// JSEnabled is the deprecated spelling of JSEnabledOnly.
	JSEnabled bool `json:"js-enabled,omitempty"`
	// JSEnabledOnly only checks that JetStream is enabled.
	JSEnabledOnly bool `json:"js-enabled-only,omitempty"`
	// JSServerOnly skips the account, stream and consumer checks.
	JSServerOnly bool `json:"js-server-only,omitempty"`
	// JSMetaOnly only checks the JetStream meta group.
	JSMetaOnly bool `json:"js-meta-only,omitempty"`
	// Account, Stream and Consumer narrow the check to one asset.
	Account  string `json:"account,omitempty"`
	Stream   string `json:"stream,omitempty"`
	Consumer string `json:"consumer,omitempty"`
	// Details reports every failure in HealthStatus.Errors instead of the
	// first one in HealthStatus.Error.
	Details bool `json:"details,omitempty"`
}

// Query decoding helpers. Their error texts are the ones the monitoring port
// returns with HTTP 400.

func queryBool(q url.Values, name string) (bool, error) {
	s := q.Get(name)
	if s == "" {
		return false, nil
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("Error decoding boolean for '%s': %v", name, err)
	}
	return v, nil
}

func queryInt(q url.Values, name string) (int, error) {
	s := q.Get(name)
	if s == "" {
		return 0, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("Error decoding int for '%s': %v", name, err)
	}
	return v, nil
}

func queryUint64(q url.Values, name string) (uint64, error) {
	s := q.Get(name)
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("Error decoding uint64 for '%s': %v", name, err)
	}
	return v, nil
}

// querySubs decodes the "subs" parameter: "detail" (any case) asks for
// details, anything else must be a boolean.
func querySubs(q url.Values) (subs, detail bool, err error) {
	if strings.EqualFold(q.Get("subs"), "detail") {
		return false, true, nil
	}
	subs, err = queryBool(q, "subs")
	return subs, false, err
}

// firstOf returns the value of the first present parameter among names.
func firstOf(q url.Values, names ...string) string {
	for _, n := range names {
		if v := q.Get(n); v != "" {
			return v
		}
	}
	return ""
}

// ConnzOptionsFromQuery decodes the /connz query parameters: sort, auth,
// subs (boolean or "detail"), offset, limit, cid, state (open, closed, any
// or all), user, acc (or account), mqtt_client and filter_subject. Only
// malformed values are reported here; use Validate (BuildConnz calls it) for
// invalid combinations such as an unknown sort option.
func ConnzOptionsFromQuery(q url.Values) (*ConnzOptions, error) {
	var (
		o   ConnzOptions
		err error
	)
	o.Sort = SortOpt(q.Get("sort"))
	if o.Username, err = queryBool(q, "auth"); err != nil {
		return nil, err
	}
	if o.Subscriptions, o.SubscriptionsDetail, err = querySubs(q); err != nil {
		return nil, err
	}
	if o.Offset, err = queryInt(q, "offset"); err != nil {
		return nil, err
	}
	if o.Limit, err = queryInt(q, "limit"); err != nil {
		return nil, err
	}
	if o.CID, err = queryUint64(q, "cid"); err != nil {
		return nil, err
	}
	if o.State, err = ParseConnState(q.Get("state")); err != nil {
		return nil, err
	}
	o.User = q.Get("user")
	o.Account = firstOf(q, "acc", "account")
	o.MQTTClient = q.Get("mqtt_client")
	o.FilterSubject = q.Get("filter_subject")
	return &o, nil
}

// SubszOptionsFromQuery decodes the /subsz query parameters: subs, offset,
// limit, test and acc (or account).
func SubszOptionsFromQuery(q url.Values) (*SubszOptions, error) {
	var (
		o   SubszOptions
		err error
	)
	if o.Subscriptions, err = queryBool(q, "subs"); err != nil {
		return nil, err
	}
	if o.Offset, err = queryInt(q, "offset"); err != nil {
		return nil, err
	}
	if o.Limit, err = queryInt(q, "limit"); err != nil {
		return nil, err
	}
	o.Test = q.Get("test")
	o.Account = firstOf(q, "acc", "account")
	return &o, nil
}

// VarzOptionsFromQuery decodes the /varz query parameters (there are none).
func VarzOptionsFromQuery(url.Values) (*VarzOptions, error) {
	return &VarzOptions{}, nil
}

// HealthzOptionsFromQuery decodes the /healthz query parameters:
// js-enabled (deprecated), js-enabled-only, js-server-only, js-meta-only,
// details, account, stream and consumer.
func HealthzOptionsFromQuery(q url.Values) (*HealthzOptions, error) {
	var o HealthzOptions
	for _, b := range []struct {
		name string
		dst  *bool
	}{
		{"js-enabled", &o.JSEnabled},
		{"js-enabled-only", &o.JSEnabledOnly},
		{"js-server-only", &o.JSServerOnly},
		{"js-meta-only", &o.JSMetaOnly},
		{"details", &o.Details},
	} {
		v, err := queryBool(q, b.name)
		if err != nil {
			return nil, err
		}
		*b.dst = v
	}
	o.Account = q.Get("account")
	o.Stream = q.Get("stream")
	o.Consumer = q.Get("consumer")
	return &o, nil
}

// ConnzOptionsFromJSON decodes a CONNZ system request body, including the
// server filters. An empty body yields default options.
func ConnzOptionsFromJSON(data []byte) (*ConnzEventOptions, error) {
	var o ConnzEventOptions
	if err := DecodeRequest(data, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// SubszOptionsFromJSON decodes a SUBSZ system request body, including the
// server filters. An empty body yields default options.
func SubszOptionsFromJSON(data []byte) (*SubszEventOptions, error) {
	var o SubszEventOptions
	if err := DecodeRequest(data, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// VarzOptionsFromJSON decodes a VARZ system request body, including the
// server filters. An empty body yields default options.
func VarzOptionsFromJSON(data []byte) (*VarzEventOptions, error) {
	var o VarzEventOptions
	if err := DecodeRequest(data, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// HealthzOptionsFromJSON decodes a HEALTHZ system request body, including
// the server filters. An empty body yields default options.
func HealthzOptionsFromJSON(data []byte) (*HealthzEventOptions, error) {
	var o HealthzEventOptions
	if err := DecodeRequest(data, &o); err != nil {
		return nil, err
	}
	return &o, nil
}
