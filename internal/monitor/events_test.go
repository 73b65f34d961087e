package monitor

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestServerInfoJSONAndFlags(t *testing.T) {
	si := &ServerInfo{Name: "n", Host: "h", ID: "ID", Cluster: "c", Domain: "d", Version: "2.0.0",
		Tags: []string{"t"}, Seq: 3, Time: t0}
	if si.JetStreamEnabled() {
		t.Fatal("js should be disabled")
	}
	si.SetJetStreamEnabled()
	if !si.JetStreamEnabled() || !si.JetStream || si.Flags&JetStreamEnabled == 0 {
		t.Fatal("js should be enabled")
	}
	b, _ := json.Marshal(si)
	want := `{"name":"n","host":"h","id":"ID","cluster":"c","domain":"d","ver":"2.0.0","tags":["t"],` +
		`"jetstream":true,"flags":1,"seq":3,"time":"2024-05-01T12:00:00Z"}`
	if string(b) != want {
		t.Fatalf("got %s\nwant %s", b, want)
	}
	if (&ServerInfo{Flags: JetStreamEnabled}).JetStreamEnabled() != true {
		t.Fatal("flag alone should enable")
	}
}

func TestServerStatsMsgJSON(t *testing.T) {
	m := ServerStatsMsg{
		Server: ServerInfo{ID: "X"},
		Stats: ServerStats{
			Start: t0, Mem: 1, Cores: 2, CPU: 0.5, Connections: 3, TotalConnections: 4,
			ActiveAccounts: 5, NumSubs: 6,
			Sent:          DataStats{MsgBytes: MsgBytes{Msgs: 7, Bytes: 8}, Routes: &MsgBytes{Msgs: 1}},
			Received:      DataStats{MsgBytes: MsgBytes{Msgs: 9, Bytes: 10}},
			SlowConsumers: 11, ActiveServers: 2,
			Routes: []*RouteStat{{ID: 1, Name: "r"}},
		},
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, frag := range []string{`"server":{`, `"statsz":{`, `"start":`, `"mem":1`, `"cores":2`,
		`"cpu":0.5`, `"connections":3`, `"total_connections":4`, `"active_accounts":5`,
		`"subscriptions":6`, `"sent":{"msgs":7,"bytes":8,"routes":{"msgs":1,"bytes":0}}`,
		`"received":{"msgs":9,"bytes":10}`, `"slow_consumers":11`, `"routes":[{"rid":1,"name":"r"`,
		`"active_servers":2`} {
		if !strings.Contains(s, frag) {
			t.Errorf("missing %s in %s", frag, s)
		}
	}
	var back ServerStatsMsg
	if err := json.Unmarshal(b, &back); err != nil || back.Stats.Sent.Msgs != 7 || back.Server.ID != "X" {
		t.Fatalf("round trip %+v %v", back, err)
	}
}

func TestServerAPIResponse(t *testing.T) {
	si := &ServerInfo{ID: "S"}
	r := NewServerAPIResponse(si, &Varz{ID: "S"}, 0, nil)
	b, _ := json.Marshal(r)
	if !strings.HasPrefix(string(b), `{"server":{"name":"","host":"","id":"S"`) ||
		!strings.Contains(string(b), `"data":{"server_id":"S"`) || strings.Contains(string(b), `"error"`) {
		t.Fatalf("data response %s", b)
	}
	r = NewServerAPIResponse(nil, nil, http.StatusBadRequest, errors.New("bad json"))
	b, _ = json.Marshal(r)
	if !strings.HasSuffix(string(b), `"error":{"code":400,"description":"bad json"}}`) || strings.Contains(string(b), `"data"`) {
		t.Fatalf("error response %s", b)
	}
	r = NewServerAPIResponse(si, "x", 0, errors.New("boom"))
	if r.Error.Code != 500 || r.Data != nil || r.Error.Error() != "boom" {
		t.Fatalf("default code %+v", r.Error)
	}
}

func TestEventFilterOptions(t *testing.T) {
	si := &ServerInfo{Name: "nats-1", Host: "10.0.0.1", Cluster: "east", Domain: "hub", Tags: []string{"az:1", "ssd"}}
	for _, tc := range []struct {
		f    *EventFilterOptions
		excl bool
	}{
		{nil, false},
		{&EventFilterOptions{}, false},
		{&EventFilterOptions{Name: "nats"}, false},
		{&EventFilterOptions{Name: "nats", ExactMatch: true}, true},
		{&EventFilterOptions{Name: "nats-1", ExactMatch: true}, false},
		{&EventFilterOptions{Host: "10.0"}, false},
		{&EventFilterOptions{Cluster: "west"}, true},
		{&EventFilterOptions{Tags: []string{"SSD"}}, false},
		{&EventFilterOptions{Tags: []string{"ssd", "gpu"}}, true},
		{&EventFilterOptions{Domain: "hub"}, false},
		{&EventFilterOptions{Domain: "leaf"}, true},
	} {
		if got := tc.f.Excludes(si); got != tc.excl {
			t.Errorf("%+v: Excludes = %v", tc.f, got)
		}
	}
}

func TestHealthStatus(t *testing.T) {
	h := NewHealthStatus()
	if code := h.Finish(false); code != 200 {
		t.Fatalf("code %d", code)
	}
	b, _ := json.Marshal(h)
	if string(b) != `{"status":"ok","status_code":200}` {
		t.Fatalf("%s", b)
	}

	h = NewHealthStatus()
	h.Fail(false, 0, HealthUnavailableStatus, HealthzError{Type: HealthzErrorJetStream, Error: "JetStream not enabled"})
	h.Fail(false, 0, HealthErrorStatus, HealthzError{Error: "second"})
	if code := h.Finish(false); code != 503 || h.Status != "unavailable" || h.Error != "JetStream not enabled" {
		t.Fatalf("%+v", h)
	}

	h = NewHealthStatus()
	h.Fail(true, 500, HealthErrorStatus, HealthzError{Type: HealthzErrorConn, Error: "a"})
	h.Fail(true, 503, HealthErrorStatus, HealthzError{Type: HealthzErrorStream, Account: "A", Stream: "S", Error: "b"})
	if code := h.Finish(true); code != 500 || h.Status != "error" || len(h.Errors) != 2 || h.Error != "" {
		t.Fatalf("%+v", h)
	}
	b, _ = json.Marshal(h.Errors[1])
	if string(b) != `{"type":"STREAM","account":"A","stream":"S","error":"b"}` {
		t.Fatalf("%s", b)
	}
	var e HealthzError
	if err := json.Unmarshal(b, &e); err != nil || e.Type != HealthzErrorStream {
		t.Fatalf("%+v %v", e, err)
	}
	if err := json.Unmarshal([]byte(`{"type":"NOPE"}`), &e); err == nil {
		t.Fatal("expected error")
	}
	if HealthzErrorType(42).String() != "unknown" {
		t.Fatal("unknown type name")
	}
}

func TestValidateHealthzOptions(t *testing.T) {
	if ValidateHealthzOptions(nil) != nil || ValidateHealthzOptions(&HealthzOptions{Account: "A", Stream: "S", Consumer: "C"}) != nil {
		t.Fatal("valid options rejected")
	}
	h := ValidateHealthzOptions(&HealthzOptions{Stream: "S"})
	if h == nil || h.StatusCode != 400 || h.Status != "error" || h.Error != `"account" must not be empty when checking stream health` {
		t.Fatalf("%+v", h)
	}
	h = ValidateHealthzOptions(&HealthzOptions{Account: "A", Consumer: "C", Details: true})
	if h == nil || h.StatusCode != 400 || h.Status != "error" || len(h.Errors) != 1 ||
		h.Errors[0].Type != HealthzErrorBadRequest || h.Errors[0].Error != `"stream" must not be empty when checking consumer health` {
		t.Fatalf("%+v", h)
	}
}

func TestVarzJSONFields(t *testing.T) {
	v := &Varz{ID: "ID", PingInterval: 2 * time.Minute, AuthTimeout: 2, WriteDeadline: 10 * time.Second,
		Cluster:            ClusterOptsVarz{Name: "c", Host: "0.0.0.0", Port: 6222, AuthTimeout: 1, URLs: []string{"a"}},
		SlowConsumersStats: &SlowConsumersStats{Clients: 1}, HTTPReqStats: map[string]uint64{"/varz": 1},
		JetStream: &JetStreamVarz{Config: &JetStreamConfig{MaxMemory: 1}, Stats: &JetStreamStats{},
			Meta: &MetaClusterInfo{Name: "m"}}}
	b, _ := json.Marshal(v)
	s := string(b)
	for _, frag := range []string{`"server_id":"ID"`, `"server_name":`, `"version":`, `"proto":`, `"go":`,
		`"host":`, `"port":`, `"max_connections":`, `"ping_interval":120000000000`, `"ping_max":`,
		`"http_host":`, `"http_port":`, `"https_port":`, `"auth_timeout":2`, `"max_control_line":`,
		`"max_payload":`, `"max_pending":`,
		`"cluster":{"name":"c","addr":"0.0.0.0","cluster_port":6222,"auth_timeout":1,"urls":["a"]}`,
		`"gateway":{}`, `"leaf":{}`, `"jetstream":{"config":{"max_memory":1,"max_storage":0}`,
		`"meta":{"name":"m","cluster_size":0,"pending":0}`,
		`"tls_timeout":`, `"write_deadline":10000000000`, `"start":`, `"now":`, `"uptime":`, `"mem":`,
		`"cores":`, `"gomaxprocs":`, `"cpu":`, `"connections":`, `"total_connections":`, `"routes":`,
		`"remotes":`, `"leafnodes":`, `"in_msgs":`, `"out_msgs":`, `"in_bytes":`, `"out_bytes":`,
		`"slow_consumers":`, `"slow_consumer_stats":{"clients":1,"routes":0,"gateways":0,"leafs":0}`,
		`"stale_connections":`, `"subscriptions":`, `"http_req_stats":{"/varz":1}`, `"config_load_time":`} {
		if !strings.Contains(s, frag) {
			t.Errorf("missing %s", frag)
		}
	}
	if strings.Contains(s, `"git_commit"`) || strings.Contains(s, `"max_subscriptions"`) || strings.Contains(s, `"system_account"`) {
		t.Errorf("omitempty fields present: %s", s)
	}
	v.JetStream = nil
	b, _ = json.Marshal(v)
	if strings.Contains(string(b), `"jetstream"`) {
		t.Fatal("nil jetstream should be omitted")
	}
}
