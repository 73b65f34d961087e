package test

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/natsnet/natsnet"
)

// The monitoring documents are decoded into the local types below, whose
// JSON names are those of nats-server v2.15.2, so a renamed field shows up
// as a zero value here.

type monVarz struct {
	ID                string            `json:"server_id"`
	Name              string            `json:"server_name"`
	Version           string            `json:"version"`
	Host              string            `json:"host"`
	Port              int               `json:"port"`
	HTTPPort          int               `json:"http_port"`
	MaxPayload        int               `json:"max_payload"`
	Connections       int               `json:"connections"`
	TotalConnections  uint64            `json:"total_connections"`
	InMsgs            int64             `json:"in_msgs"`
	OutMsgs           int64             `json:"out_msgs"`
	InBytes           int64             `json:"in_bytes"`
	OutBytes          int64             `json:"out_bytes"`
	Subscriptions     uint32            `json:"subscriptions"`
	SlowConsumers     int64             `json:"slow_consumers"`
	HTTPReqStats      map[string]uint64 `json:"http_req_stats"`
	SystemAccount     string            `json:"system_account"`
	SlowConsumerStats struct {
		Clients uint64 `json:"clients"`
	} `json:"slow_consumer_stats"`
}

type monConnz struct {
	ID       string     `json:"server_id"`
	NumConns int        `json:"num_connections"`
	Total    int        `json:"total"`
	Offset   int        `json:"offset"`
	Limit    int        `json:"limit"`
	Conns    []monConn  `json:"connections"`
	Now      *time.Time `json:"now"`
}

type monConn struct {
	Cid        uint64       `json:"cid"`
	Name       string       `json:"name"`
	Lang       string       `json:"lang"`
	IP         string       `json:"ip"`
	NumSubs    uint32       `json:"subscriptions"`
	InMsgs     int64        `json:"in_msgs"`
	OutMsgs    int64        `json:"out_msgs"`
	Subs       []string     `json:"subscriptions_list"`
	SubsDetail []monSubInfo `json:"subscriptions_list_detail"`
	Stop       *time.Time   `json:"stop"`
	Reason     string       `json:"reason"`
}

type monSubInfo struct {
	Account string `json:"account"`
	Subject string `json:"subject"`
	Queue   string `json:"qgroup"`
	Sid     string `json:"sid"`
	Msgs    int64  `json:"msgs"`
	Cid     uint64 `json:"cid"`
}

type monSubsz struct {
	ID      string       `json:"server_id"`
	NumSubs uint32       `json:"num_subscriptions"`
	Total   int          `json:"total"`
	Offset  int          `json:"offset"`
	Limit   int          `json:"limit"`
	Subs    []monSubInfo `json:"subscriptions_list"`
}

// startMonitored starts a server with the HTTP monitor on a random port.
func startMonitored(t testing.TB, opts *natsnet.Options) *natsnet.Server {
	t.Helper()
	if opts == nil {
		opts = &natsnet.Options{}
	}
	opts.HTTPPort = natsnet.RandomPort
	s := startServer(t, opts)
	if s.MonitorURL() == "" {
		t.Fatal("monitoring is not listening")
	}
	return s
}

// monClient bounds every monitoring request, so a stuck endpoint fails the
// test instead of hanging it.
var monClient = &http.Client{Timeout: 30 * time.Second}

// monGet fetches a monitoring path such as "/varz?x=1" and returns the
// status code, the content type and the body.
func monGet(t testing.TB, s *natsnet.Server, path string) (int, string, []byte) {
	t.Helper()
	resp, err := monClient.Get(s.MonitorURL() + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), body
}

// monJSON fetches a monitoring path, which must answer 200 with JSON,
// decodes it into v and returns the raw body.
func monJSON(t testing.TB, s *natsnet.Server, path string, v any) []byte {
	t.Helper()
	code, ctype, body := monGet(t, s, path)
	if code != http.StatusOK || ctype != "application/json" {
		t.Fatalf("GET %s: %d %s %s", path, code, ctype, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, body)
	}
	return body
}

// rawObjects splits the JSON array found under key in doc into its raw
// elements, for key checks on single entries.
func rawObjects(t testing.TB, doc []byte, key string) []json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatalf("decode: %v", err)
	}
	var out []json.RawMessage
	if err := json.Unmarshal(m[key], &out); err != nil {
		t.Fatalf("decode %s: %v in %s", key, err, m[key])
	}
	return out
}

func connNames(c *monConnz) []string {
	var out []string
	for _, ci := range c.Conns {
		out = append(out, ci.Name)
	}
	return out
}

func TestMonitorVarz(t *testing.T) {
	t.Parallel()
	s := startMonitored(t, nil)
	var base monVarz
	body := monJSON(t, s, "/varz", &base)
	expectKeys(t, "/varz", "varz", body, refVarzKeys)
	if base.ID != s.ID() || base.Name != s.Name() || base.Version != "2.15.2" {
		t.Fatalf("varz identifies %q %q %q, want %q %q 2.15.2", base.ID, base.Name, base.Version, s.ID(), s.Name())
	}
	if base.Connections != 0 || base.InMsgs != 0 || base.OutMsgs != 0 || base.SystemAccount != "$SYS" {
		t.Fatalf("fresh server varz %+v", base)
	}
	// As with the reference, a random monitoring port is reported as the
	// configured -1 while the client port is the one actually bound.
	if base.Host != "127.0.0.1" || !strings.HasSuffix(s.ClientURL(), ":"+strconv.Itoa(base.Port)) || base.HTTPPort != -1 {
		t.Fatalf("varz listeners host=%q port=%d http_port=%d, client URL %s", base.Host, base.Port, base.HTTPPort, s.ClientURL())
	}

	pub := connect(t, s.ClientURL(), nats.Name("pub"))
	subA := connect(t, s.ClientURL(), nats.Name("sub-a"))
	subB := connect(t, s.ClientURL(), nats.Name("sub-b"))
	for _, nc := range []*nats.Conn{subA, subB} {
		if _, err := nc.SubscribeSync("traffic"); err != nil {
			t.Fatal(err)
		}
		if _, err := nc.SubscribeSync("idle.>"); err != nil {
			t.Fatal(err)
		}
		if err := nc.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	const n = 10
	for i := 0; i < n; i++ {
		if err := pub.Publish("traffic", []byte("0123456789")); err != nil {
			t.Fatal(err)
		}
	}
	if err := pub.Flush(); err != nil {
		t.Fatal(err)
	}
	var v monVarz
	waitFor(t, 5*time.Second, "varz traffic counters", func() bool {
		v = monVarz{}
		monJSON(t, s, "/varz", &v)
		return v.InMsgs == n && v.OutMsgs == 2*n
	})
	if v.InBytes != 10*n || v.OutBytes != 2*10*n {
		t.Errorf("in_bytes=%d out_bytes=%d, want %d and %d", v.InBytes, v.OutBytes, 10*n, 2*10*n)
	}
	if v.Connections != 3 || v.TotalConnections != 3 {
		t.Errorf("connections=%d total_connections=%d, want 3 and 3", v.Connections, v.TotalConnections)
	}
	if v.Subscriptions != base.Subscriptions+4 {
		t.Errorf("subscriptions=%d, want %d (baseline %d + 4)", v.Subscriptions, base.Subscriptions+4, base.Subscriptions)
	}
	if v.HTTPReqStats["/varz"] < 2 {
		t.Errorf("http_req_stats %v does not count the /varz requests", v.HTTPReqStats)
	}

	// Closing a client lowers connections but not total_connections.
	subB.Close()
	waitFor(t, 5*time.Second, "closed client to leave varz", func() bool {
		v = monVarz{}
		monJSON(t, s, "/varz", &v)
		return v.Connections == 2
	})
	if v.TotalConnections != 3 || v.Subscriptions != base.Subscriptions+2 {
		t.Errorf("after close total_connections=%d subscriptions=%d, want 3 and %d", v.TotalConnections, v.Subscriptions, base.Subscriptions+2)
	}
}

func TestMonitorSlowConsumer(t *testing.T) {
	t.Parallel()
	s := startMonitored(t, &natsnet.Options{MaxPending: 256 * 1024, MaxPayload: 64 * 1024})
	// A raw subscriber that never reads.
	rc := dialRaw(t, s)
	rc.send("CONNECT {\"verbose\":false,\"name\":\"sleepy\"}\r\nSUB slow 1\r\nPING\r\n")
	rc.expect("PONG")
	nc := connect(t, s.ClientURL(), nats.Name("firehose"))
	payload := make([]byte, 32*1024)
	for i := 0; i < 2000 && s.NumClients() == 2; i++ {
		if err := nc.Publish("slow", payload); err != nil {
			t.Fatal(err)
		}
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "slow consumer disconnect", func() bool { return s.NumClients() == 1 })

	var v monVarz
	monJSON(t, s, "/varz", &v)
	if v.SlowConsumers != 1 || v.SlowConsumerStats.Clients != 1 {
		t.Errorf("slow_consumers=%d slow_consumer_stats.clients=%d, want 1 and 1", v.SlowConsumers, v.SlowConsumerStats.Clients)
	}
	var c monConnz
	monJSON(t, s, "/connz?state=closed", &c)
	if c.NumConns != 1 || c.Conns[0].Name != "sleepy" || c.Conns[0].Reason != "Slow Consumer (Pending Bytes)" {
		t.Fatalf("closed connections %+v, want sleepy closed as a slow consumer", c.Conns)
	}
}

// connzFixture starts a server with three named clients:
//
//	alpha: 1 subscription, publishes 5 messages to gamma and 2 to beta
//	beta:  3 subscriptions, receives 2 messages
//	gamma: 2 subscriptions, receives 5 messages
//
// connected in that order, so their CIDs ascend.
func connzFixture(t *testing.T) (s *natsnet.Server, alpha, beta, gamma *nats.Conn) {
	t.Helper()
	s = startMonitored(t, nil)
	subs := map[string][]string{"alpha": {"a"}, "beta": {"b.1", "b.2", "b.3"}, "gamma": {"g.1", "g.2"}}
	conns := map[string]*nats.Conn{}
	for _, name := range []string{"alpha", "beta", "gamma"} {
		nc := connect(t, s.ClientURL(), nats.Name(name))
		for _, subj := range subs[name] {
			if _, err := nc.Subscribe(subj, func(*nats.Msg) {}); err != nil {
				t.Fatal(err)
			}
		}
		if err := nc.Flush(); err != nil {
			t.Fatal(err)
		}
		conns[name] = nc
	}
	alpha, beta, gamma = conns["alpha"], conns["beta"], conns["gamma"]
	for i := 0; i < 5; i++ {
		_ = alpha.Publish("g.1", []byte("x"))
	}
	for i := 0; i < 2; i++ {
		_ = alpha.Publish("b.2", []byte("y"))
	}
	if err := alpha.Flush(); err != nil {
		t.Fatal(err)
	}
	return s, alpha, beta, gamma
}

func TestMonitorConnzPagingAndSorting(t *testing.T) {
	t.Parallel()
	s, _, _, _ := connzFixture(t)

	var all monConnz
	body := monJSON(t, s, "/connz", &all)
	expectKeys(t, "/connz", "connz", body, refConnzKeys)
	if all.ID != s.ID() || all.NumConns != 3 || all.Total != 3 || all.Offset != 0 || all.Limit != 1024 {
		t.Fatalf("connz header %+v", all)
	}
	if got := connNames(&all); !slices.Equal(got, []string{"alpha", "beta", "gamma"}) {
		t.Fatalf("default order %v, want by cid", got)
	}
	if !(all.Conns[0].Cid < all.Conns[1].Cid && all.Conns[1].Cid < all.Conns[2].Cid) {
		t.Fatalf("cids not ascending: %+v", all.Conns)
	}
	for _, ci := range all.Conns {
		if ci.Lang != "go" || ci.IP != "127.0.0.1" || ci.Subs != nil {
			t.Errorf("connection %+v: want lang go, ip 127.0.0.1 and no subscription list", ci)
		}
	}

	cases := []struct {
		query     string
		names     []string
		total     int
		offset    int
		limit     int
		checkConn func(*testing.T, []monConn)
	}{
		{"?limit=2", []string{"alpha", "beta"}, 3, 0, 2, nil},
		{"?offset=1&limit=1", []string{"beta"}, 3, 1, 1, nil},
		{"?offset=2", []string{"gamma"}, 3, 2, 1024, nil},
		{"?offset=5", nil, 3, 5, 1024, nil},
		{"?sort=cid", []string{"alpha", "beta", "gamma"}, 3, 0, 1024, nil},
		{"?sort=subs", []string{"beta", "gamma", "alpha"}, 3, 0, 1024, func(t *testing.T, cs []monConn) {
			if cs[0].NumSubs != 3 || cs[1].NumSubs != 2 || cs[2].NumSubs != 1 {
				t.Errorf("subscription counts %d %d %d, want 3 2 1", cs[0].NumSubs, cs[1].NumSubs, cs[2].NumSubs)
			}
		}},
		{"?sort=msgs_to", []string{"gamma", "beta", "alpha"}, 3, 0, 1024, func(t *testing.T, cs []monConn) {
			if cs[0].OutMsgs != 5 || cs[1].OutMsgs != 2 || cs[2].OutMsgs != 0 {
				t.Errorf("out_msgs %d %d %d, want 5 2 0", cs[0].OutMsgs, cs[1].OutMsgs, cs[2].OutMsgs)
			}
		}},
		{"?sort=msgs_from&limit=1", []string{"alpha"}, 3, 0, 1, func(t *testing.T, cs []monConn) {
			if cs[0].InMsgs != 7 {
				t.Errorf("alpha in_msgs %d, want 7", cs[0].InMsgs)
			}
		}},
		{"?cid=" + strconv.Itoa(int(all.Conns[1].Cid)), []string{"beta"}, 1, 0, 1, nil},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			var c monConnz
			monJSON(t, s, "/connz"+tc.query, &c)
			if got := connNames(&c); !slices.Equal(got, tc.names) {
				t.Fatalf("connections %v, want %v", got, tc.names)
			}
			if c.NumConns != len(tc.names) || c.Total != tc.total || c.Offset != tc.offset || c.Limit != tc.limit {
				t.Fatalf("num_connections=%d total=%d offset=%d limit=%d, want %d %d %d %d",
					c.NumConns, c.Total, c.Offset, c.Limit, len(tc.names), tc.total, tc.offset, tc.limit)
			}
			if tc.checkConn != nil {
				tc.checkConn(t, c.Conns)
			}
		})
	}
}

func TestMonitorConnzSubscriptions(t *testing.T) {
	t.Parallel()
	s, _, _, _ := connzFixture(t)

	var c monConnz
	body := monJSON(t, s, "/connz?subs=1", &c)
	for _, raw := range rawObjects(t, body, "connections") {
		expectKeys(t, "/connz?subs=1 connection", "connz.conn", raw, refConnKeys)
	}
	want := map[string][]string{"alpha": {"a"}, "beta": {"b.1", "b.2", "b.3"}, "gamma": {"g.1", "g.2"}}
	for _, ci := range c.Conns {
		got := slices.Sorted(slices.Values(ci.Subs))
		if !slices.Equal(got, want[ci.Name]) {
			t.Errorf("%s subscriptions_list %v, want %v", ci.Name, ci.Subs, want[ci.Name])
		}
	}

	c = monConnz{}
	body = monJSON(t, s, "/connz?subs=detail&sort=msgs_to&limit=1", &c)
	if len(c.Conns) != 1 || c.Conns[0].Name != "gamma" || c.Conns[0].Subs != nil {
		t.Fatalf("detail listing %+v", c.Conns)
	}
	details := c.Conns[0].SubsDetail
	slices.SortFunc(details, func(a, b monSubInfo) int { return strings.Compare(a.Subject, b.Subject) })
	if len(details) != 2 || details[0].Subject != "g.1" || details[0].Msgs != 5 || details[0].Sid == "" ||
		details[0].Cid != c.Conns[0].Cid || details[1].Subject != "g.2" || details[1].Msgs != 0 {
		t.Fatalf("gamma subscriptions_list_detail %+v", details)
	}
	conn := rawObjects(t, body, "connections")[0]
	for _, raw := range rawObjects(t, conn, "subscriptions_list_detail") {
		expectKeys(t, "subscriptions_list_detail entry", "connz.subdetail", raw, refConnSubDetailKeys)
	}
}

func TestMonitorConnzClosed(t *testing.T) {
	t.Parallel()
	s, _, _, gamma := connzFixture(t)
	gamma.Close()

	var closed monConnz
	var body []byte
	waitFor(t, 5*time.Second, "gamma in the closed connections", func() bool {
		closed = monConnz{}
		body = monJSON(t, s, "/connz?state=closed", &closed)
		return closed.NumConns == 1
	})
	for _, raw := range rawObjects(t, body, "connections") {
		expectKeys(t, "/connz?state=closed connection", "connz.closed", raw, refClosedConnKeys)
	}
	ci := closed.Conns[0]
	if ci.Name != "gamma" || ci.Reason != "Client Closed" || ci.Stop == nil || ci.Stop.IsZero() ||
		ci.NumSubs != 2 || ci.OutMsgs != 5 {
		t.Fatalf("closed connection %+v", ci)
	}

	var open monConnz
	monJSON(t, s, "/connz", &open)
	if got := connNames(&open); !slices.Equal(got, []string{"alpha", "beta"}) {
		t.Fatalf("open connections %v after closing gamma", got)
	}
	for _, ci := range open.Conns {
		if ci.Stop != nil || ci.Reason != "" {
			t.Errorf("open connection %s has stop %v reason %q", ci.Name, ci.Stop, ci.Reason)
		}
	}

	var every monConnz
	monJSON(t, s, "/connz?state=any", &every)
	if got := connNames(&every); !slices.Equal(got, []string{"alpha", "beta", "gamma"}) {
		t.Fatalf("state=any connections %v", got)
	}

	// Closed connections keep their subscriptions for the listing.
	closed = monConnz{}
	monJSON(t, s, "/connz?state=closed&subs=1", &closed)
	if got := slices.Sorted(slices.Values(closed.Conns[0].Subs)); !slices.Equal(got, []string{"g.1", "g.2"}) {
		t.Fatalf("closed gamma subscriptions_list %v", closed.Conns[0].Subs)
	}
	closed = monConnz{}
	monJSON(t, s, "/connz?state=closed&sort=reason", &closed)
	if closed.NumConns != 1 {
		t.Fatalf("sort=reason on closed connections: %+v", closed)
	}
}

func TestMonitorSubsz(t *testing.T) {
	t.Parallel()
	s := startMonitored(t, nil)
	var base monSubsz
	body := monJSON(t, s, "/subsz", &base)
	expectKeys(t, "/subsz", "subsz", body, slices.DeleteFunc(slices.Clone(refSubszKeys), func(k string) bool {
		return k == "subscriptions_list" // only listed with subs=1
	}))
	if base.ID != s.ID() || base.Subs != nil {
		t.Fatalf("subsz %+v", base)
	}

	nc := connect(t, s.ClientURL(), nats.Name("subber"))
	for _, subj := range []string{"orders.new", "orders.*", "audit.>"} {
		if _, err := nc.SubscribeSync(subj); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := nc.QueueSubscribeSync("orders.new", "workers"); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}

	var sz monSubsz
	monJSON(t, s, "/subsz", &sz)
	if sz.NumSubs != base.NumSubs+4 || sz.Subs != nil {
		t.Fatalf("num_subscriptions=%d (baseline %d) list %v, want 4 more and no list", sz.NumSubs, base.NumSubs, sz.Subs)
	}

	sz = monSubsz{}
	body = monJSON(t, s, "/subsz?subs=1&acc=$G", &sz)
	expectKeys(t, "/subsz?subs=1", "subsz", body, refSubszKeys)
	for _, raw := range rawObjects(t, body, "subscriptions_list") {
		expectKeys(t, "/subsz?subs=1 entry", "subsz.entry", raw, refSubszEntryKeys)
	}
	if sz.Total != 4 || len(sz.Subs) != 4 {
		t.Fatalf("listing total=%d entries=%+v, want the 4 client subscriptions", sz.Total, sz.Subs)
	}
	var subjects []string
	for _, e := range sz.Subs {
		subjects = append(subjects, e.Subject+"|"+e.Queue)
		if e.Account != "$G" || e.Cid == 0 || e.Sid == "" {
			t.Errorf("entry %+v: want account $G and a cid and sid", e)
		}
	}
	slices.Sort(subjects)
	if want := []string{"audit.>|", "orders.*|", "orders.new|", "orders.new|workers"}; !slices.Equal(subjects, want) {
		t.Fatalf("listed %v, want %v", subjects, want)
	}

	// test= keeps the subscriptions a message on that subject would reach.
	sz = monSubsz{}
	monJSON(t, s, "/subsz?subs=1&test=orders.new", &sz)
	if sz.Total != 3 || len(sz.Subs) != 3 {
		t.Fatalf("test=orders.new matched %+v, want 3", sz.Subs)
	}
	sz = monSubsz{}
	monJSON(t, s, "/subsz?subs=1&test=audit.x.y", &sz)
	if sz.Total != 1 || sz.Subs[0].Subject != "audit.>" {
		t.Fatalf("test=audit.x.y matched %+v", sz.Subs)
	}

	// Paging.
	sz = monSubsz{}
	monJSON(t, s, "/subsz?subs=1&acc=$G&offset=1&limit=2", &sz)
	if sz.Total != 4 || len(sz.Subs) != 2 || sz.Offset != 1 || sz.Limit != 2 {
		t.Fatalf("paged listing total=%d offset=%d limit=%d entries=%d", sz.Total, sz.Offset, sz.Limit, len(sz.Subs))
	}

	// The /subscriptionsz alias serves the same document.
	sz = monSubsz{}
	monJSON(t, s, "/subscriptionsz", &sz)
	if sz.NumSubs != base.NumSubs+4 {
		t.Fatalf("/subscriptionsz num_subscriptions=%d", sz.NumSubs)
	}
}

func TestMonitorHealthz(t *testing.T) {
	t.Parallel()
	s := startMonitored(t, nil)
	code, ctype, body := monGet(t, s, "/healthz")
	if code != http.StatusOK || ctype != "application/json" || string(body) != `{"status":"ok"}` {
		t.Fatalf("healthz: %d %s %s", code, ctype, body)
	}
	code, _, body = monGet(t, s, "/healthz?details=true")
	if code != http.StatusOK || string(body) != `{"status":"ok"}` {
		t.Fatalf("healthz details: %d %s", code, body)
	}
	code, _, body = monGet(t, s, "/healthz?stream=x")
	if code != http.StatusBadRequest ||
		string(body) != `{"status":"error","error":"\"account\" must not be empty when checking stream health"}` {
		t.Fatalf("healthz stream without account: %d %s", code, body)
	}
}

func TestMonitorBadRequests(t *testing.T) {
	t.Parallel()
	s := startMonitored(t, nil)
	// Status codes and texts are those of nats-server v2.15.2.
	cases := []struct {
		path string
		code int
		body string
	}{
		{"/connz?sort=bogus", 400, "invalid sorting option: bogus"},
		{"/connz?limit=abc", 400, `Error decoding int for 'limit': strconv.Atoi: parsing "abc": invalid syntax`},
		{"/connz?state=weird", 400, "Error decoding state for weird"},
		{"/connz?sort=stop", 400, "sort by stop only valid on closed connections"},
		{"/connz?subs=x", 400, `Error decoding boolean for 'subs': strconv.ParseBool: parsing "x": invalid syntax`},
		{"/subsz?test=foo.*", 400, "invalid test subject, must be valid publish subject: foo.*"},
		{"/subsz?subs=maybe", 400, `Error decoding boolean for 'subs': strconv.ParseBool: parsing "maybe": invalid syntax`},
		{"/healthz?details=x", 400, `Error decoding boolean for 'details': strconv.ParseBool: parsing "x": invalid syntax`},
		{"/nosuch", 404, "404 page not found\n"},
	}
	for _, tc := range cases {
		code, ctype, body := monGet(t, s, tc.path)
		if code != tc.code || string(body) != tc.body || !strings.HasPrefix(ctype, "text/plain") {
			t.Errorf("GET %s: %d %q %q, want %d %q", tc.path, code, ctype, body, tc.code, tc.body)
		}
	}
	// The server still answers after the bad requests.
	var v monVarz
	monJSON(t, s, "/varz", &v)
	if v.HTTPReqStats["/connz"] != 5 || v.HTTPReqStats["/subsz"] != 2 {
		t.Errorf("http_req_stats %v, want 5 /connz and 2 /subsz requests counted", v.HTTPReqStats)
	}
}
