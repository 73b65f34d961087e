package monitor

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

func mustQuery(t *testing.T, s string) url.Values {
	t.Helper()
	q, err := url.ParseQuery(s)
	if err != nil {
		t.Fatalf("ParseQuery(%q): %v", s, err)
	}
	return q
}

func TestConnzOptionsFromQuery(t *testing.T) {
	o, err := ConnzOptionsFromQuery(mustQuery(t,
		"sort=bytes_to&auth=1&subs=true&offset=3&limit=7&cid=42&state=closed&user=bob&acc=ACC&mqtt_client=m1&filter_subject=foo.*"))
	if err != nil {
		t.Fatal(err)
	}
	want := ConnzOptions{
		Sort: ByOutBytes, Username: true, Subscriptions: true, Offset: 3, Limit: 7,
		CID: 42, State: ConnClosed, User: "bob", Account: "ACC", MQTTClient: "m1",
		FilterSubject: "foo.*",
	}
	if *o != want {
		t.Fatalf("got %+v, want %+v", *o, want)
	}

	o, err = ConnzOptionsFromQuery(mustQuery(t, "subs=DETAIL&account=B&state=ANY"))
	if err != nil {
		t.Fatal(err)
	}
	if o.Subscriptions || !o.SubscriptionsDetail || o.Account != "B" || o.State != ConnAll {
		t.Fatalf("unexpected options %+v", o)
	}

	o, err = ConnzOptionsFromQuery(url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	if *o != (ConnzOptions{}) {
		t.Fatalf("expected zero options, got %+v", o)
	}
}

func TestConnzOptionsFromQueryErrors(t *testing.T) {
	for _, tc := range []struct{ query, want string }{
		{"auth=maybe", "Error decoding boolean for 'auth'"},
		{"subs=lots", "Error decoding boolean for 'subs'"},
		{"offset=x", "Error decoding int for 'offset'"},
		{"limit=1.5", "Error decoding int for 'limit'"},
		{"cid=-1", "Error decoding uint64 for 'cid'"},
		{"state=half", "Error decoding state for half"},
	} {
		_, err := ConnzOptionsFromQuery(mustQuery(t, tc.query))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: got error %v, want prefix %q", tc.query, err, tc.want)
		}
	}
}

func TestConnzOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		opts ConnzOptions
		want string
	}{
		{ConnzOptions{}, ""},
		{ConnzOptions{Sort: "foo"}, "invalid sorting option: foo"},
		{ConnzOptions{Sort: ByStop}, "sort by stop only valid on closed connections"},
		{ConnzOptions{Sort: ByStop, State: ConnAll}, "sort by stop only valid on closed connections"},
		{ConnzOptions{Sort: ByStop, State: ConnClosed}, ""},
		{ConnzOptions{Sort: ByReason}, "sort by reason only valid on closed connections"},
		{ConnzOptions{Sort: ByReason, State: ConnClosed}, ""},
		{ConnzOptions{FilterSubject: "foo"}, "filter by subject only valid with account filtering"},
		{ConnzOptions{FilterSubject: ">"}, ""},
		{ConnzOptions{FilterSubject: "foo", Account: "A"}, ""},
		{ConnzOptions{State: 7}, "invalid connection state 7"},
	} {
		err := tc.opts.Validate()
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%+v: got %q, want %q", tc.opts, got, tc.want)
		}
	}
	var nilOpts *ConnzOptions
	if err := nilOpts.Validate(); err != nil {
		t.Fatal(err)
	}
	if !nilOpts.WantsOpen() || nilOpts.WantsClosed() || nilOpts.WantsSubscriptions() {
		t.Fatal("unexpected Wants* for nil options")
	}
	o := &ConnzOptions{State: ConnAll, FilterSubject: "a", Account: "A"}
	if !o.WantsOpen() || !o.WantsClosed() || !o.WantsSubscriptions() {
		t.Fatal("unexpected Wants* for state=any with filter")
	}
}

func TestSortOptIsValid(t *testing.T) {
	for _, s := range []SortOpt{"", ByCid, ByStart, BySubs, ByPending, ByOutMsgs, ByInMsgs,
		ByOutBytes, ByInBytes, ByLast, ByIdle, ByUptime, ByStop, ByReason, ByRTT} {
		if !s.IsValid() {
			t.Errorf("%q should be valid", s)
		}
	}
	if SortOpt("CID").IsValid() || SortOpt("bogus").IsValid() {
		t.Fatal("invalid sort accepted")
	}
}

func TestConnStateJSON(t *testing.T) {
	for in, want := range map[string]ConnState{
		`0`: ConnOpen, `1`: ConnClosed, `2`: ConnAll,
		`"open"`: ConnOpen, `"closed"`: ConnClosed, `"any"`: ConnAll, `"ALL"`: ConnAll,
	} {
		var s ConnState
		if err := json.Unmarshal([]byte(in), &s); err != nil || s != want {
			t.Errorf("%s: got %v, %v; want %v", in, s, err, want)
		}
	}
	for _, in := range []string{`3`, `-1`, `"bogus"`, `true`} {
		var s ConnState
		if err := json.Unmarshal([]byte(in), &s); err == nil {
			t.Errorf("%s: expected error", in)
		}
	}
	b, _ := json.Marshal(ConnzOptions{State: ConnClosed})
	if !strings.Contains(string(b), `"state":1`) {
		t.Fatalf("state should marshal as a number: %s", b)
	}
	if ConnAll.String() != "any" || ConnState(9).String() != "ConnState(9)" {
		t.Fatal("bad ConnState.String")
	}
}

func TestConnzOptionsFromJSON(t *testing.T) {
	o, err := ConnzOptionsFromJSON([]byte(`{"sort":"rtt","auth":true,"subscriptions_detail":true,
		"offset":1,"limit":2,"cid":3,"state":"closed","user":"u","acc":"A","filter_subject":"x",
		"server_name":"srv","exact_match":true,"tags":["t1"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if o.Sort != ByRTT || !o.Username || !o.SubscriptionsDetail || o.Offset != 1 || o.Limit != 2 ||
		o.CID != 3 || o.State != ConnClosed || o.User != "u" || o.Account != "A" || o.FilterSubject != "x" {
		t.Fatalf("bad connz options %+v", o.ConnzOptions)
	}
	if o.Name != "srv" || !o.ExactMatch || len(o.Tags) != 1 {
		t.Fatalf("bad filter options %+v", o.EventFilterOptions)
	}
	for _, empty := range []string{"", "  \n"} {
		o, err = ConnzOptionsFromJSON([]byte(empty))
		if err != nil || o.ConnzOptions != (ConnzOptions{}) {
			t.Fatalf("empty body: %+v %v", o, err)
		}
	}
	if _, err := ConnzOptionsFromJSON([]byte(`{"limit":"x"}`)); err == nil {
		t.Fatal("expected error")
	}
}

func TestSubszOptions(t *testing.T) {
	o, err := SubszOptionsFromQuery(mustQuery(t, "subs=1&offset=2&limit=3&test=foo.bar&acc=A"))
	if err != nil {
		t.Fatal(err)
	}
	want := SubszOptions{Subscriptions: true, Offset: 2, Limit: 3, Test: "foo.bar", Account: "A"}
	if *o != want {
		t.Fatalf("got %+v want %+v", *o, want)
	}
	for _, q := range []string{"subs=x", "offset=x", "limit=x"} {
		if _, err := SubszOptionsFromQuery(mustQuery(t, q)); err == nil {
			t.Errorf("%s: expected error", q)
		}
	}
	for subj, ok := range map[string]bool{
		"foo": true, "foo.bar": true, "foo.*": false, ">": false, "foo..bar": false,
		".foo": false, "foo bar": false, "a.b>": true,
	} {
		err := (&SubszOptions{Test: subj}).Validate()
		if (err == nil) != ok {
			t.Errorf("%q: validate error %v, want ok=%v", subj, err, ok)
		}
		if err != nil && err.Error() != "invalid test subject, must be valid publish subject: "+subj {
			t.Errorf("bad error text %q", err)
		}
	}
	j, err := SubszOptionsFromJSON([]byte(`{"subscriptions":true,"account":"A","test":"x","limit":5,"cluster":"c"}`))
	if err != nil {
		t.Fatal(err)
	}
	if !j.Subscriptions || j.Account != "A" || j.Test != "x" || j.Limit != 5 || j.Cluster != "c" {
		t.Fatalf("bad %+v", j)
	}
}

func TestHealthzAndVarzOptions(t *testing.T) {
	o, err := HealthzOptionsFromQuery(mustQuery(t,
		"js-enabled=1&js-enabled-only=true&js-server-only=t&js-meta-only=1&details=1&account=A&stream=S&consumer=C"))
	if err != nil {
		t.Fatal(err)
	}
	want := HealthzOptions{JSEnabled: true, JSEnabledOnly: true, JSServerOnly: true, JSMetaOnly: true,
		Details: true, Account: "A", Stream: "S", Consumer: "C"}
	if *o != want {
		t.Fatalf("got %+v want %+v", *o, want)
	}
	_, err = HealthzOptionsFromQuery(mustQuery(t, "js-server-only=nope"))
	if err == nil || !strings.Contains(err.Error(), "'js-server-only'") {
		t.Fatalf("unexpected error %v", err)
	}
	j, err := HealthzOptionsFromJSON([]byte(`{"js-enabled-only":true,"account":"A","details":true}`))
	if err != nil || !j.JSEnabledOnly || j.Account != "A" || !j.Details {
		t.Fatalf("bad %+v %v", j, err)
	}
	if v, err := VarzOptionsFromQuery(mustQuery(t, "x=1")); err != nil || v == nil {
		t.Fatal("varz options")
	}
	if v, err := VarzOptionsFromJSON([]byte(`{"server_name":"n"}`)); err != nil || v.Name != "n" {
		t.Fatalf("varz json %+v %v", v, err)
	}
}
