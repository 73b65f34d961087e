package monitor

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func tp(t time.Time) *time.Time { return &t }

// testConns returns three open and two closed connections with distinct
// values for every sort key.
func testConns() []*ConnInfo {
	c1 := &ConnInfo{Cid: 1, Start: t0, LastActivity: t0.Add(50 * time.Second), NumSubs: 2,
		Pending: 10, InMsgs: 5, OutMsgs: 50, InBytes: 500, OutBytes: 5, Account: "A",
		AuthorizedUser: "alice", SubsDetail: []SubDetail{
			{Account: "A", Subject: "foo.bar", Sid: "1", Cid: 1},
			{Account: "A", Subject: "baz", Sid: "2", Cid: 1},
		}}
	c1.SetRTT(3 * time.Millisecond)
	c2 := &ConnInfo{Cid: 2, Start: t0.Add(10 * time.Second), LastActivity: t0.Add(20 * time.Second),
		NumSubs: 5, Pending: 30, InMsgs: 50, OutMsgs: 5, InBytes: 5, OutBytes: 500,
		Account: GlobalAccountName, AuthorizedUser: "bob", Subs: []string{"orders.>"}, JWT: "jwt",
		Tags: []string{"x"}}
	c2.SetRTT(1500 * time.Microsecond)
	c3 := &ConnInfo{Cid: 3, Start: t0.Add(20 * time.Second), LastActivity: t0.Add(30 * time.Second),
		NumSubs: 1, Pending: 20, InMsgs: 20, OutMsgs: 20, InBytes: 50, OutBytes: 50, Account: "A",
		AuthorizedUser: "bob", MQTTClient: "mq", RTT: "9ms"}
	c4 := &ConnInfo{Cid: 4, Start: t0.Add(-time.Hour), LastActivity: t0.Add(-50 * time.Minute),
		Stop: tp(t0.Add(-40 * time.Minute)), Reason: "Client Closed", Account: "A", AuthorizedUser: "carol"}
	c5 := &ConnInfo{Cid: 5, Start: t0.Add(-30 * time.Minute), LastActivity: t0.Add(-29 * time.Minute),
		Stop: tp(t0.Add(-28 * time.Minute)), Reason: "Authentication Timeout", Account: "B"}
	return []*ConnInfo{c3, c5, c1, c4, c2}
}

func cids(c *Connz) []uint64 {
	out := make([]uint64, 0, len(c.Conns))
	for _, ci := range c.Conns {
		out = append(out, ci.Cid)
	}
	return out
}

func build(t *testing.T, opts *ConnzOptions) *Connz {
	t.Helper()
	c, err := BuildConnz("SRV", t0.Add(time.Minute), testConns(), opts)
	if err != nil {
		t.Fatalf("BuildConnz(%+v): %v", opts, err)
	}
	return c
}

func TestBuildConnzDefaults(t *testing.T) {
	c := build(t, nil)
	if c.ID != "SRV" || c.Limit != DefaultConnListSize || c.Offset != 0 || c.Total != 3 || c.NumConns != 3 {
		t.Fatalf("unexpected header %+v", c)
	}
	if got := cids(c); !slices.Equal(got, []uint64{1, 2, 3}) {
		t.Fatalf("got %v", got)
	}
	ci := c.Conns[0]
	if ci.Uptime != "1m0s" || ci.Idle != "10s" {
		t.Fatalf("uptime/idle %q %q", ci.Uptime, ci.Idle)
	}
	if ci.Account != "" || ci.AuthorizedUser != "" || ci.Subs != nil || ci.SubsDetail != nil {
		t.Fatalf("identity or subs leaked without options: %+v", ci)
	}
	if c.Conns[1].JWT != "" || c.Conns[1].Tags != nil {
		t.Fatal("jwt/tags leaked without auth")
	}
	if ci.RTT != "3ms" || c.Conns[1].RTT != "1.5ms" {
		t.Fatalf("rtt strings %q %q", ci.RTT, c.Conns[1].RTT)
	}
}

func TestBuildConnzDoesNotMutateInput(t *testing.T) {
	conns := testConns()
	before, _ := json.Marshal(conns)
	if _, err := BuildConnz("S", t0, conns, &ConnzOptions{State: ConnAll, Subscriptions: true}); err != nil {
		t.Fatal(err)
	}
	after, _ := json.Marshal(conns)
	if string(before) != string(after) {
		t.Fatal("input modified")
	}
}

func TestBuildConnzEmpty(t *testing.T) {
	c, err := BuildConnz("S", t0, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(c)
	if !strings.Contains(string(b), `"connections":[]`) {
		t.Fatalf("empty list should encode as []: %s", b)
	}
}

func TestBuildConnzStates(t *testing.T) {
	if got := cids(build(t, &ConnzOptions{State: ConnClosed})); !slices.Equal(got, []uint64{4, 5}) {
		t.Fatalf("closed: %v", got)
	}
	c := build(t, &ConnzOptions{State: ConnAll})
	if got := cids(c); !slices.Equal(got, []uint64{1, 2, 3, 4, 5}) || c.Total != 5 {
		t.Fatalf("all: %v total %d", got, c.Total)
	}
	// Closed connections measure uptime and idle against Stop.
	closed := c.Conns[3]
	if closed.Uptime != "20m0s" || closed.Idle != "10m0s" {
		t.Fatalf("closed uptime/idle %q %q", closed.Uptime, closed.Idle)
	}
}

func TestBuildConnzSorting(t *testing.T) {
	for _, tc := range []struct {
		sort  SortOpt
		state ConnState
		want  []uint64
	}{
		{"", ConnOpen, []uint64{1, 2, 3}},
		{ByCid, ConnOpen, []uint64{1, 2, 3}},
		{ByStart, ConnAll, []uint64{4, 5, 1, 2, 3}},
		{BySubs, ConnOpen, []uint64{2, 1, 3}},
		{ByPending, ConnOpen, []uint64{2, 3, 1}},
		{ByOutMsgs, ConnOpen, []uint64{1, 3, 2}},
		{ByInMsgs, ConnOpen, []uint64{2, 3, 1}},
		{ByOutBytes, ConnOpen, []uint64{2, 3, 1}},
		{ByInBytes, ConnOpen, []uint64{1, 3, 2}},
		{ByLast, ConnOpen, []uint64{1, 3, 2}},
		{ByIdle, ConnOpen, []uint64{2, 3, 1}},
		{ByUptime, ConnOpen, []uint64{3, 2, 1}},
		{ByUptime, ConnAll, []uint64{3, 2, 1, 5, 4}},
		{ByStop, ConnClosed, []uint64{5, 4}},
		{ByReason, ConnClosed, []uint64{5, 4}},
		{ByRTT, ConnOpen, []uint64{3, 1, 2}},
		// Ties are broken by CID.
		{BySubs, ConnClosed, []uint64{4, 5}},
	} {
		c := build(t, &ConnzOptions{Sort: tc.sort, State: tc.state})
		if got := cids(c); !slices.Equal(got, tc.want) {
			t.Errorf("sort %q state %v: got %v want %v", tc.sort, tc.state, got, tc.want)
		}
	}
}

func TestBuildConnzInvalid(t *testing.T) {
	for _, o := range []*ConnzOptions{
		{Sort: "nope"},
		{Sort: ByStop},
		{Sort: ByReason, State: ConnAll},
		{FilterSubject: "foo"},
	} {
		if _, err := BuildConnz("S", t0, testConns(), o); err == nil {
			t.Errorf("%+v: expected error", o)
		}
	}
}

func TestBuildConnzPaging(t *testing.T) {
	for _, tc := range []struct {
		offset, limit int
		want          []uint64
		wantLimit     int
		wantOffset    int
	}{
		{0, 2, []uint64{1, 2}, 2, 0},
		{1, 2, []uint64{2, 3}, 2, 1},
		{2, 2, []uint64{3}, 2, 2},
		{3, 2, []uint64{}, 2, 3},
		{10, 2, []uint64{}, 2, 10},
		{-5, 0, []uint64{1, 2, 3}, DefaultConnListSize, 0},
		{1, -1, []uint64{2, 3}, DefaultConnListSize, 1},
	} {
		c := build(t, &ConnzOptions{Offset: tc.offset, Limit: tc.limit})
		if got := cids(c); !slices.Equal(got, tc.want) {
			t.Errorf("offset %d limit %d: got %v want %v", tc.offset, tc.limit, got, tc.want)
		}
		if c.Total != 3 || c.NumConns != len(tc.want) || c.Limit != tc.wantLimit || c.Offset != tc.wantOffset {
			t.Errorf("offset %d limit %d: header %+v", tc.offset, tc.limit, c)
		}
	}
	// Sort happens before paging.
	c := build(t, &ConnzOptions{Sort: BySubs, Limit: 1})
	if got := cids(c); !slices.Equal(got, []uint64{2}) {
		t.Fatalf("got %v", got)
	}
}

func TestBuildConnzFilters(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts ConnzOptions
		want []uint64
	}{
		{"cid", ConnzOptions{CID: 2}, []uint64{2}},
		{"cid closed not in open", ConnzOptions{CID: 4}, []uint64{}},
		{"cid closed", ConnzOptions{CID: 4, State: ConnClosed}, []uint64{4}},
		{"cid any", ConnzOptions{CID: 5, State: ConnAll}, []uint64{5}},
		{"cid missing", ConnzOptions{CID: 99}, []uint64{}},
		{"account", ConnzOptions{Account: "A"}, []uint64{1, 3}},
		{"account any", ConnzOptions{Account: "A", State: ConnAll}, []uint64{1, 3, 4}},
		{"global account", ConnzOptions{Account: GlobalAccountName}, []uint64{2}},
		{"user", ConnzOptions{User: "bob"}, []uint64{2, 3}},
		{"user+account", ConnzOptions{User: "bob", Account: "A"}, []uint64{3}},
		{"mqtt", ConnzOptions{MQTTClient: "mq"}, []uint64{3}},
		{"subject literal", ConnzOptions{Account: "A", FilterSubject: "foo.bar"}, []uint64{1}},
		{"subject wildcard", ConnzOptions{Account: "A", FilterSubject: "foo.*"}, []uint64{1}},
		{"subject from Subs", ConnzOptions{Account: GlobalAccountName, FilterSubject: "orders.new"}, []uint64{2}},
		{"subject no match", ConnzOptions{Account: "A", FilterSubject: "nope"}, []uint64{}},
		{"subject fwc means all", ConnzOptions{FilterSubject: ">"}, []uint64{1, 2, 3}},
	} {
		c := build(t, &tc.opts)
		if got := cids(c); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v want %v", tc.name, got, tc.want)
		}
		if c.Total != len(tc.want) {
			t.Errorf("%s: total %d", tc.name, c.Total)
		}
		if tc.opts.CID > 0 && c.Limit != 1 {
			t.Errorf("%s: cid should force limit 1, got %d", tc.name, c.Limit)
		}
	}
}

func TestBuildConnzCIDPrefersOpen(t *testing.T) {
	conns := []*ConnInfo{
		{Cid: 7, Stop: tp(t0), Reason: "old"},
		{Cid: 7},
	}
	c, err := BuildConnz("S", t0, conns, &ConnzOptions{CID: 7, State: ConnAll})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Conns) != 1 || c.Conns[0].Stop != nil {
		t.Fatalf("expected the open connection, got %+v", c.Conns)
	}
}

func TestBuildConnzAuthAndSubs(t *testing.T) {
	c := build(t, &ConnzOptions{Username: true, Subscriptions: true})
	c1, c2 := c.Conns[0], c.Conns[1]
	if c1.Account != "A" || c1.AuthorizedUser != "alice" {
		t.Fatalf("auth fields missing: %+v", c1)
	}
	if c2.Account != "" || c2.AuthorizedUser != "bob" || c2.JWT != "jwt" || len(c2.Tags) != 1 {
		t.Fatalf("global account should be blank and identity kept: %+v", c2)
	}
	if !slices.Equal(c1.Subs, []string{"foo.bar", "baz"}) || c1.SubsDetail != nil {
		t.Fatalf("subs list from details: %+v", c1.Subs)
	}
	if !slices.Equal(c2.Subs, []string{"orders.>"}) {
		t.Fatalf("subs list: %+v", c2.Subs)
	}

	c = build(t, &ConnzOptions{SubscriptionsDetail: true, Subscriptions: true})
	c1, c2 = c.Conns[0], c.Conns[1]
	if c1.Subs != nil || len(c1.SubsDetail) != 2 || c1.SubsDetail[0].Account != "" || c1.SubsDetail[0].Subject != "foo.bar" {
		t.Fatalf("details: %+v", c1)
	}
	if len(c2.SubsDetail) != 1 || c2.SubsDetail[0].Subject != "orders.>" || c2.SubsDetail[0].Cid != 2 {
		t.Fatalf("details from subs: %+v", c2.SubsDetail)
	}
	b, _ := json.Marshal(c1)
	if !strings.Contains(string(b), `"subscriptions_list_detail":[{"subject":"foo.bar","sid":"1","msgs":0,"cid":1}`) {
		t.Fatalf("json %s", b)
	}
}

func TestConnInfoJSONFields(t *testing.T) {
	ci := &ConnInfo{Cid: 1, IP: "127.0.0.1", Port: 4222, Start: t0, LastActivity: t0,
		Stop: tp(t0), Reason: "r", Uptime: "1s", Idle: "0s", Pending: 1, InMsgs: 2, OutMsgs: 3,
		InBytes: 4, OutBytes: 5, NumSubs: 6, Name: "n", Lang: "go", Version: "1", TLSVersion: "1.3",
		TLSCipher: "c", AuthorizedUser: "u", Account: "a", Kind: "Client", Type: "nats"}
	ci.SetRTT(0)
	b, _ := json.Marshal(ci)
	for _, k := range []string{"cid", "kind", "type", "ip", "port", "start", "last_activity", "stop",
		"reason", "rtt", "uptime", "idle", "pending_bytes", "in_msgs", "out_msgs", "in_bytes",
		"out_bytes", "subscriptions", "name", "lang", "version", "tls_version", "tls_cipher_suite",
		"authorized_user", "account"} {
		if !strings.Contains(string(b), `"`+k+`":`) {
			t.Errorf("missing %q in %s", k, b)
		}
	}
	if ci.RTT != "0s" {
		t.Fatalf("zero rtt %q", ci.RTT)
	}
	b, _ = json.Marshal(&Connz{})
	for _, k := range []string{"server_id", "now", "num_connections", "total", "offset", "limit", "connections"} {
		if !strings.Contains(string(b), `"`+k+`":`) {
			t.Errorf("missing %q in %s", k, b)
		}
	}
}

func TestFormatRTT(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                         "0s",
		500 * time.Nanosecond:     "500ns",
		1234567 * time.Nanosecond: "1.234567ms",
		1500 * time.Nanosecond:    "1µs",
		999999 * time.Nanosecond:  "999µs",
		2 * time.Second:           "2s",
	} {
		if got := FormatRTT(d); got != want {
			t.Errorf("FormatRTT(%d) = %q want %q", d, got, want)
		}
	}
}

func TestFormatUptime(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                             "0s",
		-time.Second:                  "0s",
		999 * time.Millisecond:        "0s",
		45 * time.Second:              "45s",
		3*time.Minute + 7*time.Second: "3m7s",
		2*time.Hour + 5*time.Second:   "2h0m5s",
		26*time.Hour + 3*time.Minute + 4*time.Second:     "1d2h3m4s",
		377 * 24 * time.Hour:                             "1y12d0h0m0s",
		(2*365+1)*24*time.Hour + time.Hour + time.Second: "2y1d1h0m1s",
	} {
		if got := FormatUptime(d); got != want {
			t.Errorf("FormatUptime(%v) = %q want %q", d, got, want)
		}
	}
}
