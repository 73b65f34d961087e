package monitor

import (
	"cmp"
	"slices"
	"time"
)

// Connz is the connection listing served at /connz.
type Connz struct {
	ID       string      `json:"server_id"`
	Now      time.Time   `json:"now"`
	NumConns int         `json:"num_connections"`
	Total    int         `json:"total"`
	Offset   int         `json:"offset"`
	Limit    int         `json:"limit"`
	Conns    []*ConnInfo `json:"connections"`
}

// ConnInfo describes one client or leafnode connection, open or closed.
type ConnInfo struct {
	Cid            uint64         `json:"cid"`
	Kind           string         `json:"kind,omitempty"`
	Type           string         `json:"type,omitempty"`
	IP             string         `json:"ip"`
	Port           int            `json:"port"`
	Start          time.Time      `json:"start"`
	LastActivity   time.Time      `json:"last_activity"`
	Stop           *time.Time     `json:"stop,omitempty"`
	Reason         string         `json:"reason,omitempty"`
	RTT            string         `json:"rtt,omitempty"`
	Uptime         string         `json:"uptime"`
	Idle           string         `json:"idle"`
	Pending        int            `json:"pending_bytes"`
	InMsgs         int64          `json:"in_msgs"`
	OutMsgs        int64          `json:"out_msgs"`
	InBytes        int64          `json:"in_bytes"`
	OutBytes       int64          `json:"out_bytes"`
	Stalls         int64          `json:"stalls,omitempty"`
	NumSubs        uint32         `json:"subscriptions"`
	Name           string         `json:"name,omitempty"`
	Lang           string         `json:"lang,omitempty"`
	Version        string         `json:"version,omitempty"`
	TLSVersion     string         `json:"tls_version,omitempty"`
	TLSCipher      string         `json:"tls_cipher_suite,omitempty"`
	TLSPeerCerts   []*TLSPeerCert `json:"tls_peer_certs,omitempty"`
	TLSFirst       bool           `json:"tls_first,omitempty"`
	AuthorizedUser string         `json:"authorized_user,omitempty"`
	Account        string         `json:"account,omitempty"`
	Subs           []string       `json:"subscriptions_list,omitempty"`
	SubsDetail     []SubDetail    `json:"subscriptions_list_detail,omitempty"`
	JWT            string         `json:"jwt,omitempty"`
	IssuerKey      string         `json:"issuer_key,omitempty"`
	NameTag        string         `json:"name_tag,omitempty"`
	Tags           []string       `json:"tags,omitempty"`
	MQTTClient     string         `json:"mqtt_client,omitempty"`
	Proxy          *ProxyInfo     `json:"proxy,omitempty"`

	// rtt is the numeric round trip time used by the ByRTT sort; see SetRTT.
	rtt time.Duration
}

// TLSPeerCert summarizes a certificate presented by the remote side.
type TLSPeerCert struct {
	Subject          string `json:"subject,omitempty"`
	SubjectPKISha256 string `json:"spki_sha256,omitempty"`
	CertSha256       string `json:"cert_sha256,omitempty"`
}

// ProxyInfo identifies the trusted proxy a connection came through.
type ProxyInfo struct {
	Key string `json:"key"`
}

// SubDetail describes one subscription.
type SubDetail struct {
	Account    string `json:"account,omitempty"`
	AccountTag string `json:"account_tag,omitempty"`
	Subject    string `json:"subject"`
	Queue      string `json:"qgroup,omitempty"`
	Sid        string `json:"sid"`
	Msgs       int64  `json:"msgs"`
	Max        int64  `json:"max,omitempty"`
	Cid        uint64 `json:"cid"`
}

// FormatRTT renders a round trip time the way connection listings show it:
// durations between one microsecond and one millisecond are truncated to
// whole microseconds, others are shown exactly (zero is "0s").
func FormatRTT(d time.Duration) string {
	if d > time.Microsecond && d < time.Millisecond {
		d = d.Truncate(time.Microsecond)
	}
	return d.String()
}

// SetRTT records the round trip time: it sets the RTT string (see FormatRTT)
// and the numeric value used when sorting by ByRTT. If only the RTT string is
// set, sorting parses it instead.
func (ci *ConnInfo) SetRTT(d time.Duration) {
	ci.rtt = d
	ci.RTT = FormatRTT(d)
}

// rttValue returns the numeric round trip time for sorting.
func (ci *ConnInfo) rttValue() time.Duration {
	if ci.rtt != 0 || ci.RTT == "" {
		return ci.rtt
	}
	d, err := time.ParseDuration(ci.RTT)
	if err != nil {
		return 0
	}
	return d
}

func (ci *ConnInfo) isClosed() bool { return ci.Stop != nil }

// uptime is the lifetime of the connection: until Stop when closed, until
// now when open.
func (ci *ConnInfo) uptime(now time.Time) time.Duration {
	if ci.Stop != nil && !ci.Stop.IsZero() {
		return ci.Stop.Sub(ci.Start)
	}
	return now.Sub(ci.Start)
}

// subjects returns the subscribed subjects, from SubsDetail when present,
// else from Subs.
func (ci *ConnInfo) subjects() []string {
	if len(ci.SubsDetail) == 0 {
		return ci.Subs
	}
	out := make([]string, len(ci.SubsDetail))
	for i := range ci.SubsDetail {
		out[i] = ci.SubsDetail[i].Subject
	}
	return out
}

// BuildConnz selects, sorts and pages connections according to opts.
//
// conns is a snapshot of every connection that may be selected; entries
// with a non-nil Stop are closed connections, the others are open. nil
// entries are ignored. BuildConnz applies, in order:
//
//   - validation (ConnzOptions.Validate), returning its error;
//   - filtering by state, CID, Account (raw name, "$G" for the global
//     account), User (matched against AuthorizedUser), MQTTClient and
//     FilterSubject (matched against Subs/SubsDetail subjects);
//   - sorting (see SortOpt; ties by ascending CID);
//   - paging by Offset and Limit (Limit defaults to DefaultConnListSize and
//     is forced to 1 when CID is set).
//
// The Now field of the result is now in UTC. Total is the number of
// connections that passed the filters. When the CID
// filter matches both an open and a closed entry, only the open one is kept.
//
// Each returned ConnInfo is a shallow copy, shaped for output: Uptime and
// Idle are computed when empty (against Stop for closed connections, now
// for open ones); identity fields (AuthorizedUser, Account, JWT, IssuerKey,
// NameTag, Tags, TLSPeerCerts) are cleared unless opts.Username is set, and
// Account is cleared for the global account; subscription lists are kept
// only as requested (Subs for Subscriptions, SubsDetail for
// SubscriptionsDetail, converting from the other form when needed).
func BuildConnz(serverID string, now time.Time, conns []*ConnInfo, opts *ConnzOptions) (*Connz, error) {
	if opts == nil {
		opts = &ConnzOptions{}
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	offset := max(opts.Offset, 0)
	limit := opts.Limit
	if limit <= 0 {
		limit = DefaultConnListSize
	}
	if opts.CID > 0 {
		limit = 1
	}
	filter := opts.FilterSubject
	if filter == ">" {
		filter = ""
	}

	sel := make([]*ConnInfo, 0, len(conns))
	for _, ci := range conns {
		if ci == nil {
			continue
		}
		if ci.isClosed() {
			if opts.State == ConnOpen {
				continue
			}
		} else if opts.State == ConnClosed {
			continue
		}
		if opts.CID > 0 && ci.Cid != opts.CID {
			continue
		}
		if opts.Account != "" && ci.Account != opts.Account {
			continue
		}
		if opts.User != "" && ci.AuthorizedUser != opts.User {
			continue
		}
		if opts.MQTTClient != "" && ci.MQTTClient != opts.MQTTClient {
			continue
		}
		if filter != "" && !slices.ContainsFunc(ci.subjects(), func(s string) bool {
			return subjectsCollide(filter, s)
		}) {
			continue
		}
		sel = append(sel, ci)
	}
	if opts.CID > 0 && len(sel) > 1 {
		keep := sel[0]
		for _, ci := range sel {
			if !ci.isClosed() {
				keep = ci
				break
			}
		}
		sel = []*ConnInfo{keep}
	}

	sortConns(sel, opts.Sort, now)

	lo := min(offset, len(sel))
	hi := lo + min(limit, len(sel)-lo)
	page := make([]*ConnInfo, 0, hi-lo)
	for _, ci := range sel[lo:hi] {
		page = append(page, shapeConn(ci, now, opts))
	}
	return &Connz{
		ID:       serverID,
		Now:      now.UTC(),
		NumConns: len(page),
		Total:    len(sel),
		Offset:   offset,
		Limit:    limit,
		Conns:    page,
	}, nil
}

// shapeConn copies ci and adjusts the copy for output according to opts.
func shapeConn(ci *ConnInfo, now time.Time, opts *ConnzOptions) *ConnInfo {
	out := *ci
	end := now
	if ci.Stop != nil && !ci.Stop.IsZero() {
		end = *ci.Stop
	}
	if out.Uptime == "" {
		out.Uptime = FormatUptime(end.Sub(ci.Start))
	}
	if out.Idle == "" {
		out.Idle = FormatUptime(end.Sub(ci.LastActivity))
	}
	if !opts.Username {
		out.AuthorizedUser = ""
		out.Account = ""
		out.JWT = ""
		out.IssuerKey = ""
		out.NameTag = ""
		out.Tags = nil
		out.TLSPeerCerts = nil
	} else if out.Account == GlobalAccountName {
		out.Account = ""
	}
	switch {
	case opts.SubscriptionsDetail:
		out.Subs = nil
		if len(ci.SubsDetail) > 0 {
			// Per-connection details do not repeat the account.
			out.SubsDetail = make([]SubDetail, len(ci.SubsDetail))
			for i, sd := range ci.SubsDetail {
				sd.Account, sd.AccountTag = "", ""
				out.SubsDetail[i] = sd
			}
		} else if len(ci.Subs) > 0 {
			out.SubsDetail = make([]SubDetail, len(ci.Subs))
			for i, s := range ci.Subs {
				out.SubsDetail[i] = SubDetail{Subject: s, Cid: ci.Cid}
			}
		}
	case opts.Subscriptions:
		out.SubsDetail = nil
		out.Subs = ci.subjects()
	default:
		out.Subs = nil
		out.SubsDetail = nil
	}
	return &out
}

// sortConns orders conns in place according to by.
func sortConns(conns []*ConnInfo, by SortOpt, now time.Time) {
	var key func(a, b *ConnInfo) int
	switch by {
	case "", ByCid:
		key = func(a, b *ConnInfo) int { return 0 }
	case ByStart:
		key = func(a, b *ConnInfo) int { return a.Start.Compare(b.Start) }
	case BySubs:
		key = func(a, b *ConnInfo) int { return cmp.Compare(b.NumSubs, a.NumSubs) }
	case ByPending:
		key = func(a, b *ConnInfo) int { return cmp.Compare(b.Pending, a.Pending) }
	case ByOutMsgs:
		key = func(a, b *ConnInfo) int { return cmp.Compare(b.OutMsgs, a.OutMsgs) }
	case ByInMsgs:
		key = func(a, b *ConnInfo) int { return cmp.Compare(b.InMsgs, a.InMsgs) }
	case ByOutBytes:
		key = func(a, b *ConnInfo) int { return cmp.Compare(b.OutBytes, a.OutBytes) }
	case ByInBytes:
		key = func(a, b *ConnInfo) int { return cmp.Compare(b.InBytes, a.InBytes) }
	case ByLast:
		key = func(a, b *ConnInfo) int { return b.LastActivity.Compare(a.LastActivity) }
	case ByIdle:
		key = func(a, b *ConnInfo) int {
			return cmp.Compare(now.Sub(b.LastActivity), now.Sub(a.LastActivity))
		}
	case ByUptime:
		key = func(a, b *ConnInfo) int { return cmp.Compare(a.uptime(now), b.uptime(now)) }
	case ByStop:
		key = func(a, b *ConnInfo) int { return stopTime(b).Compare(stopTime(a)) }
	case ByReason:
		key = func(a, b *ConnInfo) int { return cmp.Compare(a.Reason, b.Reason) }
	case ByRTT:
		key = func(a, b *ConnInfo) int { return cmp.Compare(b.rttValue(), a.rttValue()) }
	default:
		key = func(a, b *ConnInfo) int { return 0 }
	}
	slices.SortFunc(conns, func(a, b *ConnInfo) int {
		if c := key(a, b); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Cid, b.Cid); c != 0 {
			return c
		}
		// Same CID: open before closed.
		return cmp.Compare(boolInt(a.isClosed()), boolInt(b.isClosed()))
	})
}

func stopTime(ci *ConnInfo) time.Time {
	if ci.Stop == nil {
		return time.Time{}
	}
	return *ci.Stop
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
