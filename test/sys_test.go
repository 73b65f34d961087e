package test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/natsnet/natsnet"
)

// System account monitoring requests, as the nats CLI sends them. Reply
// shapes are checked against the JSON names of nats-server v2.15.2.

// sysServer describes the server in every system reply.
type sysServer struct {
	Name    string    `json:"name"`
	Host    string    `json:"host"`
	ID      string    `json:"id"`
	Version string    `json:"ver"`
	Seq     uint64    `json:"seq"`
	Time    time.Time `json:"time"`
}

// sysStatsz is the reply to $SYS.REQ.SERVER.PING and ...PING.STATSZ.
type sysStatsz struct {
	Server sysServer `json:"server"`
	Stats  *struct {
		Start            time.Time `json:"start"`
		Connections      int       `json:"connections"`
		TotalConnections uint64    `json:"total_connections"`
		ActiveAccounts   int       `json:"active_accounts"`
		NumSubs          uint32    `json:"subscriptions"`
		Received         struct {
			Msgs  int64 `json:"msgs"`
			Bytes int64 `json:"bytes"`
		} `json:"received"`
		Sent struct {
			Msgs int64 `json:"msgs"`
		} `json:"sent"`
		SlowConsumers int64 `json:"slow_consumers"`
	} `json:"statsz"`
}

// sysAPIResponse is the envelope of $SYS.REQ.SERVER.<id|PING>.<ENDPOINT>
// replies.
type sysAPIResponse struct {
	Server *sysServer      `json:"server"`
	Data   json.RawMessage `json:"data"`
	Error  *struct {
		Code        int    `json:"code"`
		Description string `json:"description"`
	} `json:"error"`
}

// startSysServer starts a server with a system user and an application
// user in the global account, and connects both: sys as "sys-client" and
// app as "app-client" with subscriptions on "work" and "work.>".
func startSysServer(t *testing.T, opts *natsnet.Options) (s *natsnet.Server, sys, app *nats.Conn) {
	t.Helper()
	if opts == nil {
		opts = &natsnet.Options{}
	}
	opts.Users = []*natsnet.User{
		{Username: "sys", Password: "p", Account: "$SYS"},
		{Username: "app", Password: "p"},
	}
	s = startServer(t, opts)
	sys = connect(t, s.ClientURL(), nats.UserInfo("sys", "p"), nats.Name("sys-client"))
	app = connect(t, s.ClientURL(), nats.UserInfo("app", "p"), nats.Name("app-client"))
	for _, subj := range []string{"work", "work.>"} {
		if _, err := app.SubscribeSync(subj); err != nil {
			t.Fatal(err)
		}
	}
	if err := app.Flush(); err != nil {
		t.Fatal(err)
	}
	return s, sys, app
}

// sysRequest sends a system request and decodes the reply into v.
func sysRequest(t testing.TB, nc *nats.Conn, subj, body string, v any) []byte {
	t.Helper()
	m, err := nc.Request(subj, []byte(body), 5*time.Second)
	if err != nil {
		t.Fatalf("request %s: %v", subj, err)
	}
	if err := json.Unmarshal(m.Data, v); err != nil {
		t.Fatalf("reply to %s: %v in %s", subj, err, m.Data)
	}
	return m.Data
}

// sysEndpoint sends a request for an endpoint document, checks the envelope
// names this server and carries no error, and decodes the document into v.
func sysEndpoint(t testing.TB, s *natsnet.Server, nc *nats.Conn, subj, body string, v any) {
	t.Helper()
	var r sysAPIResponse
	raw := sysRequest(t, nc, subj, body, &r)
	if r.Error != nil || r.Server == nil || r.Server.ID != s.ID() || r.Server.Name != s.Name() || len(r.Data) == 0 {
		t.Fatalf("reply to %s: %s", subj, raw)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("data of %s: %v in %s", subj, err, r.Data)
	}
}

func checkStatsz(t testing.TB, s *natsnet.Server, what string, st *sysStatsz) {
	t.Helper()
	if st.Server.ID != s.ID() || st.Server.Name != s.Name() || st.Server.Version != "2.15.2" ||
		st.Server.Host != "127.0.0.1" || st.Server.Seq == 0 || st.Server.Time.IsZero() {
		t.Fatalf("%s: server %+v", what, st.Server)
	}
	if st.Stats == nil {
		t.Fatalf("%s: no statsz", what)
	}
	// sys and app, each in its own account.
	if st.Stats.Connections != 2 || st.Stats.TotalConnections != 2 || st.Stats.ActiveAccounts != 2 ||
		st.Stats.NumSubs == 0 || st.Stats.Start.IsZero() {
		t.Fatalf("%s: statsz %+v", what, *st.Stats)
	}
}

func TestSysServerPing(t *testing.T) {
	t.Parallel()
	s, sys, _ := startSysServer(t, nil)

	var ping sysStatsz
	sysRequest(t, sys, "$SYS.REQ.SERVER.PING", "", &ping)
	checkStatsz(t, s, "PING", &ping)

	var statsz sysStatsz
	sysRequest(t, sys, "$SYS.REQ.SERVER.PING.STATSZ", "", &statsz)
	checkStatsz(t, s, "PING.STATSZ", &statsz)
	if statsz.Server.Seq <= ping.Server.Seq {
		t.Errorf("seq did not advance: %d then %d", ping.Server.Seq, statsz.Server.Seq)
	}
	// Each request is a message received from a client.
	if statsz.Stats.Received.Msgs <= ping.Stats.Received.Msgs {
		t.Errorf("received msgs %d then %d", ping.Stats.Received.Msgs, statsz.Stats.Received.Msgs)
	}

	var direct sysStatsz
	sysRequest(t, sys, "$SYS.REQ.SERVER."+s.ID()+".STATSZ", "", &direct)
	checkStatsz(t, s, "<id>.STATSZ", &direct)
}

func TestSysServerEndpoints(t *testing.T) {
	t.Parallel()
	s, sys, _ := startSysServer(t, nil)

	for _, subj := range []string{"$SYS.REQ.SERVER.PING.VARZ", "$SYS.REQ.SERVER." + s.ID() + ".VARZ"} {
		var v monVarz
		sysEndpoint(t, s, sys, subj, "", &v)
		if v.ID != s.ID() || v.Connections != 2 || v.SystemAccount != "$SYS" {
			t.Fatalf("%s: varz %+v", subj, v)
		}
	}

	var c monConnz
	sysEndpoint(t, s, sys, "$SYS.REQ.SERVER.PING.CONNZ", "", &c)
	if c.ID != s.ID() || c.Total != 2 || !slices.Equal(connNames(&c), []string{"sys-client", "app-client"}) {
		t.Fatalf("connz %+v", c)
	}
	c = monConnz{}
	sysEndpoint(t, s, sys, "$SYS.REQ.SERVER.PING.CONNZ", `{"subscriptions":true,"sort":"subs","limit":1}`, &c)
	if len(c.Conns) != 1 || c.Conns[0].Name != "app-client" || !slices.Equal(slices.Sorted(slices.Values(c.Conns[0].Subs)), []string{"work", "work.>"}) ||
		c.Total != 2 || c.Limit != 1 {
		t.Fatalf("connz with options %+v", c)
	}

	var sz monSubsz
	sysEndpoint(t, s, sys, "$SYS.REQ.SERVER.PING.SUBSZ", "", &sz)
	if sz.ID != s.ID() || sz.NumSubs == 0 || sz.Subs != nil {
		t.Fatalf("subsz %+v", sz)
	}
	sz = monSubsz{}
	sysEndpoint(t, s, sys, "$SYS.REQ.SERVER.PING.SUBSZ", `{"subscriptions":true,"test":"work"}`, &sz)
	if sz.Total != 1 || len(sz.Subs) != 1 || sz.Subs[0].Subject != "work" || sz.Subs[0].Account != "$G" {
		t.Fatalf("subsz listing %+v", sz)
	}

	var h struct {
		Status     string `json:"status"`
		StatusCode int    `json:"status_code"`
	}
	sysEndpoint(t, s, sys, "$SYS.REQ.SERVER.PING.HEALTHZ", "", &h)
	if h.Status != "ok" || h.StatusCode != 200 {
		t.Fatalf("healthz %+v", h)
	}
	sysEndpoint(t, s, sys, "$SYS.REQ.SERVER."+s.ID()+".HEALTHZ", "", &h)
	if h.Status != "ok" {
		t.Fatalf("direct healthz %+v", h)
	}

	// IDZ is answered with the bare identity, without the envelope.
	var id map[string]string
	sysRequest(t, sys, "$SYS.REQ.SERVER.PING.IDZ", "", &id)
	if len(id) != 3 || id["id"] != s.ID() || id["name"] != s.Name() || id["host"] != "127.0.0.1" {
		t.Fatalf("idz %v", id)
	}
}

func TestSysServerRequestErrors(t *testing.T) {
	t.Parallel()
	s, sys, _ := startSysServer(t, nil)
	// Codes and texts are those of nats-server v2.15.2: 400 for a body that
	// does not decode, 500 for options the endpoint rejects.
	cases := []struct {
		subj, body string
		code       int
		desc       string
	}{
		{"$SYS.REQ.SERVER.PING.VARZ", "notjson", 400, "invalid character 'o' in literal null (expecting 'u')"},
		{"$SYS.REQ.SERVER.PING", "notjson", 400, "invalid character 'o' in literal null (expecting 'u')"},
		{"$SYS.REQ.SERVER.PING.CONNZ", `{"sort":"bogus"}`, 500, "invalid sorting option: bogus"},
		{"$SYS.REQ.SERVER.PING.SUBSZ", `{"subscriptions":true,"test":"a.*"}`, 500, "invalid test subject, must be valid publish subject: a.*"},
	}
	for _, tc := range cases {
		var r sysAPIResponse
		raw := sysRequest(t, sys, tc.subj, tc.body, &r)
		if r.Error == nil || r.Error.Code != tc.code || r.Error.Description != tc.desc ||
			r.Server == nil || r.Server.ID != s.ID() {
			t.Errorf("%s %s: got %s, want error %d %q", tc.subj, tc.body, raw, tc.code, tc.desc)
		}
	}
	// A rejected health check is a document, not an error.
	var h struct {
		Status     string `json:"status"`
		StatusCode int    `json:"status_code"`
		Error      string `json:"error"`
	}
	sysEndpoint(t, s, sys, "$SYS.REQ.SERVER.PING.HEALTHZ", `{"stream":"x"}`, &h)
	if h.Status != "error" || h.StatusCode != 400 || h.Error != `"account" must not be empty when checking stream health` {
		t.Fatalf("healthz %+v", h)
	}
}

// TestSysServerFilters checks that a server stays silent for requests whose
// filters exclude it. Requests from one connection are answered in order,
// so a reply to a later request arriving first proves an earlier one got
// none.
func TestSysServerFilters(t *testing.T) {
	t.Parallel()
	s, sys, _ := startSysServer(t, &natsnet.Options{ServerName: "filter-me", Tags: []string{"region:east"}})
	inbox := nats.NewInbox()
	replies, err := sys.SubscribeSync(inbox + ".*")
	if err != nil {
		t.Fatal(err)
	}
	if err := sys.Flush(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		subj    string
		body    string
		answers bool
	}{
		{"$SYS.REQ.SERVER.PING", `{"server_name":"other"}`, false},
		{"$SYS.REQ.SERVER.PING.STATSZ", `{"server_name":"other"}`, false},
		{"$SYS.REQ.SERVER.PING.VARZ", `{"server_name":"other"}`, false},
		{"$SYS.REQ.SERVER.PING.CONNZ", `{"server_name":"other"}`, false},
		{"$SYS.REQ.SERVER.PING.SUBSZ", `{"server_name":"other"}`, false},
		{"$SYS.REQ.SERVER.PING.HEALTHZ", `{"server_name":"other"}`, false},
		{"$SYS.REQ.SERVER." + s.ID() + ".VARZ", `{"server_name":"other"}`, false},
		{"$SYS.REQ.SERVER.PING.VARZ", `{"server_name":"filter","exact_match":true}`, false},
		{"$SYS.REQ.SERVER.PING.VARZ", `{"tags":["region:west"]}`, false},
		{"$SYS.REQ.SERVER.PING.VARZ", `{"host":"no-such-host"}`, false},
		{"$SYS.REQ.SERVER.PING.NOPE", "", false}, // unknown endpoints get no answer
		{"$SYS.REQ.SERVER.PING.VARZ", `{"server_name":"filter"}`, true},
		{"$SYS.REQ.SERVER.PING.VARZ", `{"server_name":"filter-me","exact_match":true}`, true},
		{"$SYS.REQ.SERVER.PING.CONNZ", `{"tags":["REGION:EAST"]}`, true},
		{"$SYS.REQ.SERVER.PING", `{"server_name":"filter-me"}`, true},
	}
	var want []string
	for i, tc := range cases {
		reply := inbox + "." + string(rune('a'+i))
		if err := sys.PublishRequest(tc.subj, reply, []byte(tc.body)); err != nil {
			t.Fatal(err)
		}
		if tc.answers {
			want = append(want, reply)
		}
	}
	// A last request that is always answered marks the end.
	end := inbox + ".end"
	if err := sys.PublishRequest("$SYS.REQ.SERVER.PING.HEALTHZ", end, nil); err != nil {
		t.Fatal(err)
	}
	want = append(want, end)
	var got []string
	for len(got) == 0 || got[len(got)-1] != end {
		m, err := replies.NextMsg(5 * time.Second)
		if err != nil {
			t.Fatalf("after replies %v: %v", got, err)
		}
		got = append(got, m.Subject)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("replies arrived on %v, want %v", got, want)
	}
}

func TestSysRequestsNeedTheSystemAccount(t *testing.T) {
	t.Parallel()
	s, _, app := startSysServer(t, nil)
	for _, subj := range []string{"$SYS.REQ.SERVER.PING", "$SYS.REQ.SERVER.PING.VARZ", "$SYS.REQ.SERVER." + s.ID() + ".CONNZ"} {
		if _, err := app.Request(subj, nil, 2*time.Second); !errors.Is(err, nats.ErrNoResponders) {
			t.Errorf("%s from the global account: %v, want no responders", subj, err)
		}
	}
	// Without a system account there is nobody to ask.
	s2 := startServer(t, &natsnet.Options{NoSystemAcct: true})
	nc := connect(t, s2.ClientURL())
	if _, err := nc.Request("$SYS.REQ.SERVER.PING", nil, 2*time.Second); !errors.Is(err, nats.ErrNoResponders) {
		t.Errorf("PING without a system account: %v, want no responders", err)
	}
}
