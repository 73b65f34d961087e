package jsapi

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// allResponses lists one value of every Response type.
func allResponses() []Response {
	return []Response{
		&SystemResponse{}, &AccountInfoResponse{}, &AccountPurgeResponse{},
		&StreamCreateResponse{}, &StreamUpdateResponse{}, &StreamDeleteResponse{}, &StreamInfoResponse{},
		&StreamNamesResponse{}, &StreamListResponse{}, &StreamPurgeResponse{}, &MsgGetResponse{},
		&MsgDeleteResponse{}, &StreamSnapshotResponse{}, &StreamRestoreResponse{},
		&StreamLeaderStepDownResponse{}, &StreamRemovePeerResponse{}, &StreamEvacuatePeerResponse{},
		&StreamCancelMoveResponse{},
		&ConsumerCreateResponse{}, &ConsumerDeleteResponse{}, &ConsumerInfoResponse{}, &ConsumerNamesResponse{},
		&ConsumerListResponse{}, &ConsumerPauseResponse{}, &ConsumerUnpinResponse{}, &ConsumerResetResponse{},
		&ConsumerLeaderStepDownResponse{}, &ConsumerRemovePeerResponse{}, &ConsumerEvacuatePeerResponse{},
		&MetaLeaderStepDownResponse{}, &MetaServerRemoveResponse{}, &MetaServerEvacuateResponse{},
		&MetaRescueResponse{},
	}
}

func TestResponseTypes(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, r := range allResponses() {
		typ := r.ResponseType()
		if !strings.HasPrefix(typ, "io.nats.jetstream.api.v1.") || seen[typ] {
			t.Errorf("%T: bad or duplicate type %q", r, typ)
		}
		seen[typ] = true
		SetType(r)
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var probe struct {
			Type  string    `json:"type"`
			Error *ApiError `json:"error"`
		}
		if err := json.Unmarshal(b, &probe); err != nil || probe.Type != typ || probe.Error != nil {
			t.Errorf("%T marshals as %s", r, b)
		}
		SetError(r, NewBadRequestError())
		if err := r.base().ToError(); !IsNatsErr(err, ErrCodeBadRequest) {
			t.Errorf("%T: ToError() = %v", r, err)
		}
	}
	// Every JSON endpoint answers with one of these types.
	for e := Endpoint(1); e < numEndpoints; e++ {
		if rt := e.ResponseType(); rt != "" && !seen[rt] {
			t.Errorf("%v answers with %q, which has no type here", e, rt)
		}
	}
	var ok ApiResponse
	if ok.ToError() != nil {
		t.Error("ToError of a success is not nil")
	}
}

func TestEmbeddedInfoOmittedOnError(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(SetError(&StreamCreateResponse{}, NewStreamNameExistError()))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"io.nats.jetstream.api.v1.stream_create_response","error":{"code":400,"err_code":10058,"description":"stream name already in use with a different configuration"}}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	// A success carries the info fields at the top level.
	si := fullStreamInfo()
	b, err = json.Marshal(SetType(&StreamCreateResponse{StreamInfo: &si, DidCreate: true}))
	if err != nil {
		t.Fatal(err)
	}
	var back StreamCreateResponse
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.StreamInfo == nil || back.Config.Name != "ORDERS" || !back.DidCreate || back.Type != StreamCreateResponseType {
		t.Errorf("round trip lost data: %s", b)
	}
	for _, key := range []string{`"config":`, `"state":`, `"created":`, `"did_create":true`, `"ts":`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("missing %s in %s", key, b)
		}
	}
}

func TestPubAckResponse(t *testing.T) {
	t.Parallel()
	b, _ := json.Marshal(PubAckResponse{PubAck: &PubAck{Stream: "S", Sequence: 2, Duplicate: true}})
	if string(b) != `{"stream":"S","seq":2,"duplicate":true}` {
		t.Errorf("pub ack: %s", b)
	}
	b, _ = json.Marshal(PubAckResponse{Error: NewStreamNotMatchError()})
	if string(b) != `{"error":{"code":400,"err_code":10060,"description":"expected stream does not match"}}` {
		t.Errorf("pub ack error: %s", b)
	}
	var r PubAckResponse
	if err := json.Unmarshal(b, &r); err != nil || !IsNatsErr(r.ToError(), ErrCodeStreamNotMatch) {
		t.Errorf("decode pub ack error: %v %v", err, r.ToError())
	}
	if (&PubAckResponse{}).ToError() != nil {
		t.Error("ToError of a success is not nil")
	}
}

func TestRequestJSON(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		v    any
		want string
	}{
		{StreamPurgeRequest{Subject: "a.>", Keep: 5}, `{"filter":"a.>","keep":5}`},
		{StreamNamesRequest{ApiPagedRequest{Offset: 3}, "x"}, `{"offset":3,"subject":"x"}`},
		{StreamInfoRequest{DeletedDetails: true, SubjectsFilter: ">"}, `{"offset":0,"deleted_details":true,"subjects_filter":">"}`},
		{MsgDeleteRequest{Seq: 4}, `{"seq":4}`},
		{ConsumerCreateRequest{Stream: "S", Action: ActionCreate}, `{"stream_name":"S","config":{"deliver_policy":"all","ack_policy":"none","replay_policy":"instant","num_replicas":0},"action":"create"}`},
		{ConsumerPauseRequest{}, `{}`},
		{ConsumerPauseRequest{PauseUntil: t0}, `{"pause_until":"2026-01-02T03:04:05.006Z"}`},
		{PullRequest{Batch: 10, Expires: time.Second, PriorityGroup: PriorityGroup{Group: "g", MinPending: 5}}, `{"expires":1000000000,"batch":10,"group":"g","min_pending":5}`},
		{MetaServerRemoveRequest{Server: "n1"}, `{"peer":"n1"}`},
		{LeaderStepDownRequest{Placement: &Placement{Cluster: "c"}}, `{"placement":{"cluster":"c"}}`},
		{NakOptions{Delay: time.Second}, `{"delay":1000000000}`},
	} {
		b, err := json.Marshal(tt.v)
		if err != nil || strings.ReplaceAll(string(b), `\u003e`, ">") != tt.want {
			t.Errorf("%T: got %s (%v), want %s", tt.v, b, err, tt.want)
		}
	}
}

func TestParsePullRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body string
		want PullRequest
		err  error
	}{
		{"", PullRequest{Batch: 1}, nil},
		{"  \r\n", PullRequest{Batch: 1}, nil},
		{"10", PullRequest{Batch: 10}, nil},
		{" 7 ", PullRequest{Batch: 7}, nil},
		{"abc", PullRequest{Batch: 1}, nil},
		{`{"batch":5,"expires":2000000000,"idle_heartbeat":1000000000,"no_wait":true,"max_bytes":10,"id":"pin","priority":2}`,
			PullRequest{Batch: 5, Expires: 2 * time.Second, Heartbeat: time.Second, NoWait: true, MaxBytes: 10,
				PriorityGroup: PriorityGroup{ID: "pin", Priority: 2}}, nil},
		{`{"batch":5,"expires":1000000000,"idle_heartbeat":600000000}`, PullRequest{}, ErrPullHeartbeatTooLarge},
		{`{"batch":5,"idle_heartbeat":1}`, PullRequest{}, ErrPullHeartbeatTooLarge},
	}
	for _, tt := range tests {
		got, err := ParsePullRequest([]byte(tt.body))
		if !errors.Is(err, tt.err) || got != tt.want {
			t.Errorf("ParsePullRequest(%q) = %+v, %v; want %+v, %v", tt.body, got, err, tt.want, tt.err)
		}
	}
	if _, err := ParsePullRequest([]byte(`{"batch":`)); err == nil {
		t.Error("malformed JSON accepted")
	}
}

func TestMsgGetChecks(t *testing.T) {
	t.Parallel()
	ts := t0
	tests := []struct {
		req    MsgGetRequest
		get    bool   // acceptable for STREAM.MSG.GET
		direct string // DIRECT.GET status description
	}{
		{MsgGetRequest{Seq: 1}, true, ""},
		{MsgGetRequest{LastFor: "a"}, true, ""},
		{MsgGetRequest{NextFor: "a"}, true, ""},
		{MsgGetRequest{Seq: 5, NextFor: "a.*"}, true, ""},
		{MsgGetRequest{StartTime: &ts, NextFor: "a"}, true, ""},
		{MsgGetRequest{}, false, DirectGetEmptyRequest},
		{MsgGetRequest{Seq: 1, LastFor: "a"}, false, DirectGetBadRequest},
		{MsgGetRequest{Seq: 1, StartTime: &ts}, false, DirectGetBadRequest},
		{MsgGetRequest{LastFor: "a", NextFor: "b"}, false, DirectGetBadRequest},
		{MsgGetRequest{Seq: 1, Batch: 5}, false, ""},
		{MsgGetRequest{LastFor: "a", Batch: 5}, false, DirectGetBadRequest},
		{MsgGetRequest{MultiLastFor: []string{"a.>"}}, false, ""},
		{MsgGetRequest{MultiLastFor: []string{"a"}, NextFor: "b"}, true, DirectGetBadRequest}, // MSG.GET ignores multi_last
		{MsgGetRequest{MultiLastFor: []string{"a"}, UpToSeq: 3, UpToTime: &ts}, false, DirectGetBadRequest},
	}
	for _, tt := range tests {
		if err := tt.req.CheckMsgGet(); (err == nil) != tt.get || (err != nil && err.ErrCode != ErrCodeBadRequest) {
			t.Errorf("CheckMsgGet(%+v) = %v", tt.req, err)
		}
		if got := tt.req.CheckDirectGet(); got != tt.direct {
			t.Errorf("CheckDirectGet(%+v) = %q, want %q", tt.req, got, tt.direct)
		}
	}
}

func TestEvents(t *testing.T) {
	t.Parallel()
	local := time.Date(2026, 1, 2, 5, 4, 5, 0, time.FixedZone("X", 2*3600))
	ev := NewEvent(&StreamActionAdvisory{Stream: "S", Action: CreateEvent}, "id1", local)
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"io.nats.jetstream.advisory.v1.stream_action","id":"id1","timestamp":"2026-01-02T03:04:05Z","stream":"S","action":"create"}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	all := []Event{
		&APIAudit{}, &StreamActionAdvisory{}, &ConsumerActionAdvisory{}, &ConsumerPauseAdvisory{}, &ConsumerAckMetric{},
		&ConsumerDeliveryExceededAdvisory{}, &ConsumerDeliveryNakAdvisory{}, &ConsumerDeliveryTerminatedAdvisory{},
		&SnapshotCreateAdvisory{}, &SnapshotCompleteAdvisory{}, &RestoreCreateAdvisory{}, &RestoreCompleteAdvisory{},
		&DomainLeaderElectedAdvisory{}, &StreamLeaderElectedAdvisory{}, &StreamQuorumLostAdvisory{},
		&StreamBatchAbandonedAdvisory{}, &ConsumerLeaderElectedAdvisory{}, &ConsumerQuorumLostAdvisory{},
		&ConsumerGroupPinnedAdvisory{}, &ConsumerGroupUnpinnedAdvisory{}, &ServerOutOfSpaceAdvisory{},
		&ServerRemovedAdvisory{}, &MetaRescueAdvisory{}, &APILimitReachedAdvisory{},
	}
	seen := map[string]bool{}
	for _, e := range all {
		typ := e.EventType()
		if !strings.HasPrefix(typ, "io.nats.jetstream.") || seen[typ] {
			t.Errorf("%T: bad or duplicate type %q", e, typ)
		}
		seen[typ] = true
	}
}

func TestCloneIsDeep(t *testing.T) {
	t.Parallel()
	s := fullStreamConfig()
	s.Mirror = &StreamSource{Name: "M", OptStartTime: &t0}
	c := s.Clone()
	c.Subjects[0] = "changed"
	c.Placement.Tags[0] = "changed"
	c.Sources[0].External.ApiPrefix = "changed"
	c.Sources[0].Consumer.Name = "changed"
	*c.Sources[0].OptStartTime = t1
	c.Sources[1].SubjectTransforms[0].Source = "changed"
	c.SubjectTransform.Source = "changed"
	c.RePublish.Source = "changed"
	c.Metadata["owner"] = "changed"
	*c.Mirror.OptStartTime = t1
	if !jsonEqual(t, s, fullStreamConfigWithMirror()) {
		t.Error("StreamConfig.Clone shares memory")
	}
	cc := fullConsumerConfig()
	ccc := cc.Clone()
	ccc.BackOff[0], ccc.FilterSubjects[0], ccc.PriorityGroups[0] = 0, "changed", "changed"
	*ccc.OptStartTime, *ccc.PauseUntil = t1, t0
	ccc.Metadata["k"] = "changed"
	if !jsonEqual(t, cc, fullConsumerConfig()) {
		t.Error("ConsumerConfig.Clone shares memory")
	}
	if (*StreamConfig)(nil).Clone() != nil || (*ConsumerConfig)(nil).Clone() != nil {
		t.Error("Clone(nil) is not nil")
	}
}

func fullStreamConfigWithMirror() StreamConfig {
	s := fullStreamConfig()
	start := t0
	s.Mirror = &StreamSource{Name: "M", OptStartTime: &start}
	return s
}

func jsonEqual(t *testing.T, a, b any) bool {
	t.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(ja) == string(jb)
}
