package jsapi

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// The tests in this file check wire compatibility with the Go client: our
// JSON decodes into nats.go's jetstream types and back to the same JSON, and
// JSON written by nats.go decodes into our types and back.
//
// Comparisons go through normalize, which drops zero values (the two sides
// disagree on some omitempty flags, which does not change the meaning) and
// the keys listed as known to only one side.

var (
	t0 = time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	t1 = t0.Add(90 * time.Minute)
)

func fullStreamConfig() StreamConfig {
	start := t0
	return StreamConfig{
		Name: "ORDERS", Description: "orders", Subjects: []string{"orders.>", "refunds.*"},
		Retention: InterestPolicy, MaxConsumers: 10, MaxMsgs: 1000, MaxBytes: 1 << 20,
		MaxAge: time.Hour, MaxMsgsPer: 5, MaxMsgSize: 4096, Discard: DiscardNew,
		Storage: MemoryStorage, Replicas: 3, NoAck: true, Duplicates: time.Minute,
		Placement: &Placement{Cluster: "east", Tags: []string{"ssd"}},
		Sources: []*StreamSource{{
			Name: "SRC", OptStartSeq: 5, OptStartTime: &start, FilterSubject: "a.>",
			External: &ExternalStream{ApiPrefix: "$JS.hub.API", DeliverPrefix: "deliver.hub"},
			Consumer: &StreamConsumerSource{Name: "dur", DeliverSubject: "dlv.x"},
		}, {
			Name: "SRC2", SubjectTransforms: []SubjectTransformConfig{{Source: "b.*", Destination: "c.{{wildcard(1)}}"}},
		}},
		Compression: S2Compression, FirstSeq: 9,
		SubjectTransform: &SubjectTransformConfig{Source: "orders.>", Destination: "o.>"},
		RePublish:        &RePublish{Source: ">", Destination: "rp.>", HeadersOnly: true},
		AllowDirect:      true, MirrorDirect: true, DiscardNewPer: true, Sealed: true,
		DenyDelete: true, DenyPurge: true, AllowRollup: true,
		ConsumerLimits:         StreamConsumerLimits{InactiveThreshold: time.Minute, MaxAckPending: 50},
		AllowMsgTTL:            true,
		SubjectDeleteMarkerTTL: 2 * time.Second,
		AllowMsgCounter:        true, AllowAtomicPublish: true, AllowMsgSchedules: true,
		PersistMode: AsyncPersistMode, AllowBatchPublish: true,
		Metadata: map[string]string{"owner": "team", MetaRequiredLevel: "1"},
	}
}

func fullConsumerConfig() ConsumerConfig {
	start, pause := t0, t1
	return ConsumerConfig{
		Durable: "worker", Name: "worker", Description: "d", DeliverPolicy: DeliverByStartTime,
		OptStartSeq: 3, OptStartTime: &start, AckPolicy: AckExplicit, AckWait: 10 * time.Second,
		MaxDeliver: 5, BackOff: []time.Duration{time.Second, 2 * time.Second},
		FilterSubjects: []string{"a.*", "b.>"}, ReplayPolicy: ReplayOriginal, RateLimit: 1000,
		SampleFrequency: "50%", MaxWaiting: 7, MaxAckPending: 8, FlowControl: true,
		HeadersOnly: true, MaxRequestBatch: 9, MaxRequestExpires: time.Minute, MaxRequestMaxBytes: 1024,
		DeliverSubject: "deliver.x", DeliverGroup: "grp", Heartbeat: 5 * time.Second,
		InactiveThreshold: time.Hour, Replicas: 3, MemoryStorage: true,
		Metadata: map[string]string{"k": "v"}, PauseUntil: &pause,
		PriorityGroups: []string{"g1"}, PriorityPolicy: PriorityPinnedClient, PinnedTTL: time.Minute,
	}
}

func fullClusterInfo() *ClusterInfo {
	since := t0
	retention := WorkQueuePolicy
	return &ClusterInfo{
		Name: "east", RaftGroup: "S-R3F-abc", Leader: "n1", LeaderSince: &since,
		SystemAcc: true, TrafficAcc: "SYS",
		Replicas: []*PeerInfo{{Name: "n2", Current: true, Active: time.Second, Lag: 3, Peer: "p2", Pending: true}, {Name: "n3", Offline: true, Peer: "p3"}},
		Desired: &DesiredClusterInfo{
			Created: t1, Name: "west",
			Replicas: []*DesiredPeerInfo{{Name: "w1", Offline: true, Peer: "pw1"}},
			Origin:   &DesiredClusterInfoOrigin{Replicas: 1, Placement: &Placement{Cluster: "east"}, Retention: &retention},
			Status:   &DesiredClusterInfoStatus{Description: "waiting", Type: MigrationStatusCatchup, Err: "x"},
		},
	}
}

func fullStreamInfo() StreamInfo {
	return StreamInfo{
		Config: fullStreamConfig(), Created: t0, Domain: "hub",
		State: StreamState{
			Msgs: 10, Bytes: 100, FirstSeq: 1, FirstTime: t0, LastSeq: 12, LastTime: t1,
			NumSubjects: 2, Subjects: map[string]uint64{"a": 4, "b": 6}, NumDeleted: 2,
			Deleted: []uint64{3, 4}, Lost: &LostStreamData{Msgs: []uint64{7}, Bytes: 70}, Consumers: 4,
		},
		Cluster: fullClusterInfo(),
		Mirror: &StreamSourceInfo{Name: "M", Lag: 1, Seq: 2, Active: time.Second,
			Error: NewStreamNotFoundError(), FilterSubject: "x.>"},
		Sources: []*StreamSourceInfo{{Name: "S", External: &ExternalStream{ApiPrefix: "$JS.a.API", DeliverPrefix: "d"},
			SubjectTransforms: []SubjectTransformConfig{{Source: "a", Destination: "b"}}}},
		Alternates: []StreamAlternate{{Name: "ALT", Domain: "d", Cluster: "c"}},
		TimeStamp:  t1,
	}
}

func fullConsumerInfo() ConsumerInfo {
	last := t1
	cfg := fullConsumerConfig()
	return ConsumerInfo{
		Stream: "ORDERS", Name: "worker", Created: t0, Config: &cfg,
		Delivered:     SequenceInfo{Consumer: 5, Stream: 10, Last: &last},
		AckFloor:      SequenceInfo{Consumer: 4, Stream: 9},
		NumAckPending: 1, NumRedelivered: 2, NumWaiting: 3, NumPending: 4,
		Cluster: fullClusterInfo(), PushBound: true, Paused: true, PauseRemaining: time.Minute,
		TimeStamp:      t1,
		PriorityGroups: []PriorityGroupState{{Group: "g1", PinnedClientID: "pin", PinnedTS: t0}},
	}
}

func fullAccountInfo() AccountInfo {
	lim := AccountLimits{MaxMemory: 1, MaxStore: 2, MaxStreams: 3, MaxConsumers: 4, MaxAckPending: 5,
		MemoryMaxStreamBytes: 6, StoreMaxStreamBytes: 7, MaxBytesRequired: true}
	tier := Tier{Memory: 1, Store: 2, ReservedMemory: 3, ReservedStore: 4, Streams: 5, Consumers: 6, Limits: lim}
	return AccountInfo{Tier: tier, Domain: "hub", API: APIStats{Level: 5, Total: 10, Errors: 1, Inflight: 2},
		Tiers: map[string]Tier{"R1": tier}}
}

// roundTrip marshals ours, decodes it into theirs (a pointer to a nats.go
// type), marshals that, and compares both JSON documents after normalize.
// Then it decodes theirs' JSON back into a fresh value of ours' type and
// compares again.
func roundTrip[T any](t *testing.T, name string, ours T, theirs any, onlyOurs ...string) {
	t.Helper()
	ourJSON, err := json.Marshal(ours)
	if err != nil {
		t.Fatalf("%s: marshal ours: %v", name, err)
	}
	if err := json.Unmarshal(ourJSON, theirs); err != nil {
		t.Fatalf("%s: nats.go can not decode our JSON: %v\n%s", name, err, ourJSON)
	}
	theirJSON, err := json.Marshal(theirs)
	if err != nil {
		t.Fatalf("%s: marshal nats.go: %v", name, err)
	}
	want := normalize(t, ourJSON, onlyOurs)
	if got := normalize(t, theirJSON, nil); !reflect.DeepEqual(got, want) {
		t.Errorf("%s: nats.go round trip differs\nours:   %s\nnats.go: %s", name, ourJSON, theirJSON)
	}
	var back T
	if err := json.Unmarshal(theirJSON, &back); err != nil {
		t.Fatalf("%s: can not decode nats.go JSON: %v\n%s", name, err, theirJSON)
	}
	backJSON, err := json.Marshal(back)
	if err != nil {
		t.Fatal(err)
	}
	if got := normalize(t, backJSON, onlyOurs); !reflect.DeepEqual(got, want) {
		t.Errorf("%s: decoding nats.go JSON lost data\nwant: %s\ngot:  %s", name, ourJSON, backJSON)
	}
}

// normalize decodes JSON and removes zero values and the dotted key paths
// in drop (e.g. "config.placement.preferred").
func normalize(t *testing.T, data []byte, drop []string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	for _, path := range drop {
		dropPath(v, strings.Split(path, "."))
	}
	return prune(v)
}

func dropPath(v any, path []string) {
	switch v := v.(type) {
	case map[string]any:
		if len(path) == 1 {
			delete(v, path[0])
			return
		}
		dropPath(v[path[0]], path[1:])
	case []any:
		for _, e := range v {
			dropPath(e, path)
		}
	}
}

func prune(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if e = prune(e); e == nil {
				delete(v, k)
			} else {
				v[k] = e
			}
		}
		if len(v) == 0 {
			return nil
		}
		return v
	case []any:
		if len(v) == 0 {
			return nil
		}
		for i := range v {
			v[i] = prune(v[i])
		}
		return v
	case bool:
		if !v {
			return nil
		}
	case float64:
		if v == 0 {
			return nil
		}
	case string:
		if v == "" || v == "0001-01-01T00:00:00Z" {
			return nil
		}
	}
	return v
}

func TestStreamConfigCompatible(t *testing.T) {
	t.Parallel()
	roundTrip(t, "StreamConfig", fullStreamConfig(), new(jetstream.StreamConfig))
	mirror := StreamConfig{Name: "M", Mirror: &StreamSource{Name: "ORDERS", FilterSubject: "x"}, Retention: WorkQueuePolicy}
	roundTrip(t, "mirror StreamConfig", mirror, new(jetstream.StreamConfig))
	// placement.preferred is a server-side field nats.go does not know.
	withPreferred := fullStreamConfig()
	withPreferred.Placement.Preferred = "n1"
	roundTrip(t, "StreamConfig+preferred", withPreferred, new(jetstream.StreamConfig), "placement.preferred")
}

func TestConsumerConfigCompatible(t *testing.T) {
	t.Parallel()
	roundTrip(t, "ConsumerConfig", fullConsumerConfig(), new(jetstream.ConsumerConfig))
	c := fullConsumerConfig()
	c.FilterSubjects, c.FilterSubject = nil, "only.>"
	c.AckPolicy, c.DeliverPolicy, c.PriorityPolicy = AckFlowControl, DeliverLastPerSubject, PriorityPrioritized
	// direct and sourcing mark the server's internal consumers.
	c.Direct, c.Sourcing = true, true
	roundTrip(t, "ConsumerConfig variant", c, new(jetstream.ConsumerConfig), "direct", "sourcing")
}

func TestInfoCompatible(t *testing.T) {
	t.Parallel()
	roundTrip(t, "StreamInfo", fullStreamInfo(), new(jetstream.StreamInfo))
	roundTrip(t, "ConsumerInfo", fullConsumerInfo(), new(jetstream.ConsumerInfo))
	roundTrip(t, "AccountInfo", fullAccountInfo(), new(jetstream.AccountInfo))
	roundTrip(t, "PubAck", PubAck{Stream: "S", Sequence: 3, Domain: "d", Duplicate: true, Value: "12"}, new(jetstream.PubAck))
	roundTrip(t, "ApiError", *NewStreamNotFoundError(), new(jetstream.APIError))
}

// TestEnumsCompatible checks every enum value against nats.go's decoding
// and encoding of the same string.
func TestEnumsCompatible(t *testing.T) {
	t.Parallel()
	check := func(ours json.Marshaler, theirs any) {
		t.Helper()
		b, err := ours.MarshalJSON()
		if err != nil {
			t.Fatalf("%v: %v", ours, err)
		}
		if err := json.Unmarshal(b, theirs); err != nil {
			t.Errorf("nats.go can not decode %s: %v", b, err)
			return
		}
		back, err := json.Marshal(theirs)
		if err != nil || string(back) != string(b) {
			t.Errorf("nats.go encodes %s as %s (%v)", b, back, err)
		}
	}
	for _, v := range []RetentionPolicy{LimitsPolicy, InterestPolicy, WorkQueuePolicy} {
		check(v, new(jetstream.RetentionPolicy))
	}
	for _, v := range []DiscardPolicy{DiscardOld, DiscardNew} {
		check(v, new(jetstream.DiscardPolicy))
	}
	for _, v := range []StorageType{FileStorage, MemoryStorage} {
		check(v, new(jetstream.StorageType))
	}
	for _, v := range []Compression{NoCompression, S2Compression} {
		check(v, new(jetstream.StoreCompression))
	}
	for _, v := range []PersistMode{DefaultPersistMode, AsyncPersistMode} {
		check(v, new(jetstream.PersistModeType))
	}
	for _, v := range []AckPolicy{AckNone, AckAll, AckExplicit, AckFlowControl} {
		check(v, new(jetstream.AckPolicy))
	}
	for _, v := range []DeliverPolicy{DeliverAll, DeliverLast, DeliverNew, DeliverByStartSequence, DeliverByStartTime, DeliverLastPerSubject} {
		check(v, new(jetstream.DeliverPolicy))
	}
	for _, v := range []ReplayPolicy{ReplayInstant, ReplayOriginal} {
		check(v, new(jetstream.ReplayPolicy))
	}
	// PriorityNone is "none" for the server and "" for nats.go; neither
	// side writes it, because priority_policy is omitempty and none is 0.
	for _, v := range []PriorityPolicy{PriorityOverflow, PriorityPinnedClient, PriorityPrioritized} {
		check(v, new(jetstream.PriorityPolicy))
	}
}

func TestEnumJSON(t *testing.T) {
	t.Parallel()
	var (
		r  RetentionPolicy
		d  DiscardPolicy
		s  StorageType
		c  Compression
		p  PersistMode
		a  AckPolicy
		dp DeliverPolicy
		rp ReplayPolicy
		pp PriorityPolicy
		ca ConsumerAction
	)
	ok := []struct {
		in   string
		dst  any
		want any
	}{
		{`"workqueue"`, &r, WorkQueuePolicy},
		{`"NEW"`, &d, DiscardNew},
		{`"Old"`, &d, DiscardOld},
		{`"memory"`, &s, MemoryStorage},
		{`"\u0073\u0032"`, &c, S2Compression},
		{`""`, &p, DefaultPersistMode},
		{`"async"`, &p, AsyncPersistMode},
		{`"flow_control"`, &a, AckFlowControl},
		{`"undefined"`, &dp, DeliverAll},
		{`"last_per_subject"`, &dp, DeliverLastPerSubject},
		{`"original"`, &rp, ReplayOriginal},
		{`"pinned_client"`, &pp, PriorityPinnedClient},
		{`""`, &ca, ActionCreateOrUpdate},
		{`"create"`, &ca, ActionCreate},
		{`"update"`, &ca, ActionUpdate},
	}
	for _, tt := range ok {
		if err := json.Unmarshal([]byte(tt.in), tt.dst); err != nil {
			t.Errorf("decode %s: %v", tt.in, err)
			continue
		}
		if got := reflect.ValueOf(tt.dst).Elem().Interface(); got != tt.want {
			t.Errorf("decode %s = %v, want %v", tt.in, got, tt.want)
		}
	}
	bad := []struct {
		in, dst string
		err     string
	}{
		{`"Limits"`, "r", `can not unmarshal "\"Limits\""`},
		{`null`, "r", `can not unmarshal "null"`},
		{`"x"`, "d", `can not unmarshal "\"x\""`},
		{`"disk"`, "s", `can not unmarshal "\"disk\""`},
		{`"gzip"`, "c", "unknown compression algorithm"},
		{`"sync"`, "p", `can not unmarshal "\"sync\""`},
		{`"ALL"`, "a", `can not unmarshal "\"ALL\""`},
		{`1`, "dp", `can not unmarshal "1"`},
		{`"fast"`, "rp", `can not unmarshal "\"fast\""`},
		{`"max"`, "pp", `unknown priority policy: "max"`},
		{`"upsert"`, "ca", `unknown consumer action: "upsert"`},
	}
	dsts := map[string]any{"r": &r, "d": &d, "s": &s, "c": &c, "p": &p, "a": &a, "dp": &dp, "rp": &rp, "pp": &pp, "ca": &ca}
	for _, tt := range bad {
		err := json.Unmarshal([]byte(tt.in), dsts[tt.dst])
		if err == nil || err.Error() != tt.err {
			t.Errorf("decode %s into %s: err %v, want %q", tt.in, tt.dst, err, tt.err)
		}
	}
	for _, m := range []json.Marshaler{RetentionPolicy(7), DiscardPolicy(-1), StorageType(2), Compression(5), PersistMode(3), AckPolicy(9), ReplayPolicy(4), PriorityPolicy(8), ConsumerAction(5)} {
		if _, err := json.Marshal(m); err == nil {
			t.Errorf("%T(%v) marshalled", m, m)
		}
	}
	if b, _ := json.Marshal(DeliverPolicy(42)); string(b) != `"undefined"` {
		t.Errorf("unknown deliver policy marshals as %s", b)
	}
	if RetentionPolicy(7).String() != "unknown(7)" || WorkQueuePolicy.String() != "workqueue" {
		t.Error("String() of enums")
	}
}

// TestStreamConfigWire pins the exact JSON of a defaulted config: field
// order, omitempty flags and the presence of false booleans the reference
// always writes.
func TestStreamConfigWire(t *testing.T) {
	t.Parallel()
	c := StreamConfig{Name: "S"}
	c.SetDefaults()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"S","subjects":["S"],"retention":"limits","max_consumers":-1,"max_msgs":-1,"max_bytes":-1,` +
		`"max_age":0,"max_msgs_per_subject":-1,"max_msg_size":-1,"discard":"old","storage":"file","num_replicas":1,` +
		`"duplicate_window":120000000000,"compression":"none","allow_direct":false,"mirror_direct":false,` +
		`"sealed":false,"deny_delete":false,"deny_purge":false,"allow_rollup_hdrs":false,"consumer_limits":{},` +
		`"allow_msg_ttl":false}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestConsumerConfigWire(t *testing.T) {
	t.Parallel()
	c := ConsumerConfig{Durable: "d", AckPolicy: AckExplicit}
	c.SetDefaults(&StreamConfig{Replicas: 1})
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"durable_name":"d","deliver_policy":"all","ack_policy":"explicit","ack_wait":30000000000,` +
		`"max_deliver":-1,"replay_policy":"instant","max_waiting":512,"max_ack_pending":1000,"num_replicas":0}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}
