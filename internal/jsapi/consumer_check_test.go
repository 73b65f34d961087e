package jsapi

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

var limitsStream = StreamConfig{Name: "S", Subjects: []string{"s.>"}, Replicas: 3}

func TestConsumerSetDefaults(t *testing.T) {
	t.Parallel()
	withLimits := limitsStream
	withLimits.ConsumerLimits = StreamConsumerLimits{InactiveThreshold: time.Minute, MaxAckPending: 20}
	tests := []struct {
		name   string
		stream StreamConfig
		opts   CheckOptions
		in     ConsumerConfig
		want   ConsumerConfig
	}{{
		name: "pull explicit",
		in:   ConsumerConfig{Durable: "d", AckPolicy: AckExplicit},
		want: ConsumerConfig{Durable: "d", AckPolicy: AckExplicit, AckWait: 30 * time.Second, MaxDeliver: -1,
			MaxWaiting: 512, MaxAckPending: 1000},
	}, {
		name: "push ack none",
		in:   ConsumerConfig{DeliverSubject: "d", MaxDeliver: -5},
		want: ConsumerConfig{DeliverSubject: "d", MaxDeliver: -1},
	}, {
		name: "ack all with backoff",
		in:   ConsumerConfig{AckPolicy: AckAll, BackOff: []time.Duration{time.Second, time.Minute}, MaxWaiting: -1, MaxAckPending: -3},
		want: ConsumerConfig{AckPolicy: AckAll, BackOff: []time.Duration{time.Second, time.Minute}, AckWait: time.Second,
			MaxDeliver: -1, MaxWaiting: 512, MaxAckPending: -1},
	}, {
		name:   "stream consumer limits",
		stream: withLimits,
		in:     ConsumerConfig{AckPolicy: AckExplicit},
		want: ConsumerConfig{AckPolicy: AckExplicit, AckWait: 30 * time.Second, MaxDeliver: -1, MaxWaiting: 512,
			MaxAckPending: 20, InactiveThreshold: time.Minute},
	}, {
		name: "server and account limits",
		opts: CheckOptions{Limits: Limits{MaxAckPending: 500, AccountMaxAckPending: 100, MaxRequestBatch: 10}},
		in:   ConsumerConfig{AckPolicy: AckExplicit},
		want: ConsumerConfig{AckPolicy: AckExplicit, AckWait: 30 * time.Second, MaxDeliver: -1, MaxWaiting: 512,
			MaxAckPending: 100, MaxRequestBatch: 10},
	}, {
		name: "negative values reset",
		in: ConsumerConfig{AckPolicy: AckNone, MaxRequestBatch: -1, MaxRequestExpires: -1, MaxRequestMaxBytes: -1,
			Heartbeat: -1, InactiveThreshold: -1, PinnedTTL: -1},
		want: ConsumerConfig{AckPolicy: AckNone, MaxDeliver: -1, MaxWaiting: 512},
	}, {
		name: "pinned client",
		in:   ConsumerConfig{AckPolicy: AckNone, PriorityPolicy: PriorityPinnedClient, PriorityGroups: []string{"g"}},
		want: ConsumerConfig{AckPolicy: AckNone, PriorityPolicy: PriorityPinnedClient, PriorityGroups: []string{"g"},
			PinnedTTL: 2 * time.Minute, MaxDeliver: -1, MaxWaiting: 512},
	}, {
		name: "flow control ack",
		in:   ConsumerConfig{AckPolicy: AckFlowControl, DeliverSubject: "d"},
		want: ConsumerConfig{AckPolicy: AckFlowControl, DeliverSubject: "d", FlowControl: true, Heartbeat: time.Second,
			MaxDeliver: -1, MaxAckPending: 1000},
	}}
	for _, tt := range tests {
		s := tt.stream
		if s.Name == "" {
			s = limitsStream
		}
		got := *tt.in.Clone()
		if err := got.ApplyDefaults(&s, tt.opts); err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\ngot  %+v\nwant %+v", tt.name, got, tt.want)
		}
		if err := got.ValidateWith(&s, tt.opts); err != nil {
			t.Errorf("%s: defaulted config does not validate: %v", tt.name, err)
		}
	}
	c := ConsumerConfig{AckPolicy: AckExplicit}
	c.SetDefaults(&limitsStream)
	if c.MaxAckPending != DefaultMaxAckPending || c.AckWait != DefaultAckWait {
		t.Errorf("SetDefaults: %+v", c)
	}
}

func TestConsumerPedanticDefaults(t *testing.T) {
	t.Parallel()
	withLimits := limitsStream
	withLimits.ConsumerLimits = StreamConsumerLimits{InactiveThreshold: time.Minute, MaxAckPending: 20}
	ped := CheckOptions{Pedantic: true}
	tests := []struct {
		name   string
		stream *StreamConfig
		opts   CheckOptions
		cfg    ConsumerConfig
		desc   string
	}{
		{"max deliver", &limitsStream, ped, ConsumerConfig{MaxDeliver: -2}, "pedantic mode: max_deliver must be set to -1"},
		{"max waiting", &limitsStream, ped, ConsumerConfig{MaxWaiting: -1}, "pedantic mode: max_waiting must not be negative"},
		{"max ack pending", &limitsStream, ped, ConsumerConfig{MaxAckPending: -2}, "pedantic mode: max_ack_pending must be set to -1"},
		{"pinned ttl", &limitsStream, ped, ConsumerConfig{PinnedTTL: -1}, "pedantic mode: priority_timeout must not be negative"},
		{"backoff", &limitsStream, ped, ConsumerConfig{BackOff: []time.Duration{time.Second}}, "pedantic mode: first backoff value has to equal batch AckWait"},
		{"stream max ack pending", &withLimits, ped, ConsumerConfig{}, "pedantic mode: max_ack_pending must be set if it's configured in stream limits"},
		{"stream inactive", &withLimits, ped, ConsumerConfig{MaxAckPending: 5}, "pedantic mode: inactive_threshold must be set if it's configured in stream limits"},
		{"request batch", &limitsStream, CheckOptions{Pedantic: true, Limits: Limits{MaxRequestBatch: 5}}, ConsumerConfig{}, "pedantic mode: max_request_batch must be set if it's JetStream limits are set"},
	}
	for _, tt := range tests {
		wantErr(t, tt.name, tt.cfg.ApplyDefaults(tt.stream, tt.opts), 10157, tt.desc)
	}
	// Pedantic mode does not turn on flow control for the flow_control policy.
	c := ConsumerConfig{AckPolicy: AckFlowControl, DeliverSubject: "d"}
	if err := c.ApplyDefaults(&limitsStream, ped); err != nil || c.FlowControl {
		t.Errorf("pedantic flow control defaults: %v %+v", err, c)
	}
}

func TestConsumerValidate(t *testing.T) {
	t.Parallel()
	wq := StreamConfig{Name: "W", Subjects: []string{"w.>"}, Retention: WorkQueuePolicy, Replicas: 3}
	preferred := limitsStream
	preferred.Placement = &Placement{Preferred: "n1"}
	withLimits := limitsStream
	withLimits.ConsumerLimits = StreamConsumerLimits{InactiveThreshold: time.Minute, MaxAckPending: 20}
	start := t0
	pull := func(mod func(c *ConsumerConfig)) ConsumerConfig {
		c := ConsumerConfig{Durable: "d", AckPolicy: AckExplicit}
		if mod != nil {
			mod(&c)
		}
		return c
	}
	push := func(mod func(c *ConsumerConfig)) ConsumerConfig {
		return pull(func(c *ConsumerConfig) {
			c.DeliverSubject = "deliver.d"
			if mod != nil {
				mod(c)
			}
		})
	}
	tests := []struct {
		name   string
		stream *StreamConfig
		opts   CheckOptions
		cfg    ConsumerConfig
		code   uint16
		desc   string
	}{
		{"pull", nil, CheckOptions{}, pull(nil), 0, ""},
		{"push", nil, CheckOptions{}, push(nil), 0, ""},
		{"bad name", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.Name = "a.b" }), 10052, "consumer name can not contain '.', '*', '>', '\\', '/'"},
		{"bad durable", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.Durable = "a*" }), 10052, "consumer durable name can not contain '.', '*', '>', '\\', '/'"},
		{"replicas over stream", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.Replicas = 5 }), 10126, ""},
		{"negative replicas", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.Replicas = -1 }), 10133, ""},
		{"wq replicas", &wq, CheckOptions{}, pull(func(c *ConsumerConfig) { c.Replicas = 1 }), 10134, ""},
		{"wq replicas recovering", &wq, CheckOptions{Recovering: true}, pull(func(c *ConsumerConfig) { c.Replicas = 1 }), 0, ""},
		{"ack policy", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.AckPolicy = 7 }), 10181, ""},
		{"replay policy", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.ReplayPolicy = 7 }), 10182, ""},
		{"negative backoff", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.BackOff = []time.Duration{-1} }), 10184, ""},
		{"negative ack wait", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.AckWait = -1 }), 10183, ""},
		{"fc ack pull", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.AckPolicy = AckFlowControl }), 10218, ""},
		{"fc ack without fc", nil, CheckOptions{}, push(func(c *ConsumerConfig) { c.AckPolicy = AckFlowControl }), 10219, ""},
		{"fc ack heartbeat", nil, CheckOptions{}, push(func(c *ConsumerConfig) {
			c.AckPolicy, c.FlowControl, c.Heartbeat = AckFlowControl, true, 2*time.Second
		}), 10052, "flow control ack policy heartbeat needs to be 1s"},
		{"fc ack max ack pending", nil, CheckOptions{}, push(func(c *ConsumerConfig) {
			c.AckPolicy, c.FlowControl, c.Heartbeat = AckFlowControl, true, time.Second
		}), 10220, ""},
		{"fc ack wait", nil, CheckOptions{}, push(func(c *ConsumerConfig) {
			c.AckPolicy, c.FlowControl, c.Heartbeat, c.MaxAckPending, c.AckWait = AckFlowControl, true, time.Second, 10, time.Second
		}), 10221, ""},
		{"fc ack max deliver", nil, CheckOptions{}, push(func(c *ConsumerConfig) {
			c.AckPolicy, c.FlowControl, c.Heartbeat, c.MaxAckPending, c.MaxDeliver = AckFlowControl, true, time.Second, 10, 3
		}), 10222, ""},
		{"backoff over max deliver", nil, CheckOptions{}, pull(func(c *ConsumerConfig) {
			c.BackOff, c.MaxDeliver = []time.Duration{1, 2, 3}, 2
		}), 10116, ""},
		{"description", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.Description = strings.Repeat("x", 4097) }), 10107, "consumer description is too long, maximum allowed is 4096"},
		{"deliver wildcard", nil, CheckOptions{}, push(func(c *ConsumerConfig) { c.DeliverSubject = "d.*" }), 10079, ""},
		{"deliver invalid", nil, CheckOptions{}, push(func(c *ConsumerConfig) { c.DeliverSubject = "d..x" }), 10112, ""},
		{"deliver cycle", nil, CheckOptions{}, push(func(c *ConsumerConfig) { c.DeliverSubject = "s.x" }), 10081, ""},
		{"push max waiting", nil, CheckOptions{}, push(func(c *ConsumerConfig) { c.MaxWaiting = 5 }), 10080, ""},
		{"push ack none pending", nil, CheckOptions{}, push(func(c *ConsumerConfig) { c.AckPolicy, c.MaxAckPending = AckNone, 5 }), 10082, ""},
		{"small heartbeat", nil, CheckOptions{}, push(func(c *ConsumerConfig) { c.Heartbeat = time.Millisecond }), 10083, ""},
		{"wq pull ack none", &wq, CheckOptions{}, pull(func(c *ConsumerConfig) { c.AckPolicy = AckNone }), 10084, ""},
		{"pull rate limit", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.RateLimit = 10 }), 10086, ""},
		{"pull max waiting", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.MaxWaiting = -1 }), 10087, ""},
		{"pull heartbeat", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.Heartbeat = time.Second }), 10088, ""},
		{"pull flow control", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.FlowControl = true }), 10089, ""},
		{"pull batch", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.MaxRequestBatch = -1 }), 10114, ""},
		{"pull expires", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.MaxRequestExpires = time.Microsecond }), 10115, ""},
		{"pull batch limit", nil, CheckOptions{Limits: Limits{MaxRequestBatch: 10}}, pull(func(c *ConsumerConfig) { c.MaxRequestBatch = 11 }), 10125, "consumer max request batch exceeds server limit of 10"},
		{"server ack pending", nil, CheckOptions{Limits: Limits{MaxAckPending: 10}}, pull(func(c *ConsumerConfig) { c.MaxAckPending = 11 }), 10121, "consumer max ack pending exceeds system limit of 10"},
		{"account ack pending", nil, CheckOptions{Limits: Limits{AccountMaxAckPending: 9}}, pull(func(c *ConsumerConfig) { c.MaxAckPending = 11 }), 10121, "consumer max ack pending exceeds system limit of 9"},
		{"stream ack pending", &withLimits, CheckOptions{}, pull(func(c *ConsumerConfig) { c.MaxAckPending = 21 }), 10121, "consumer max ack pending exceeds system limit of 20"},
		{"stream inactive", &withLimits, CheckOptions{}, pull(func(c *ConsumerConfig) { c.InactiveThreshold = time.Hour }), 10153, "consumer inactive threshold exceeds system limit of 1m0s"},
		{"direct pull", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.Direct = true }), 10090, ""},
		{"direct durable", nil, CheckOptions{}, push(func(c *ConsumerConfig) { c.Direct = true }), 10091, ""},
		{"both filters", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.FilterSubject, c.FilterSubjects = "a", []string{"b"} }), 10136, ""},
		{"bad filter", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.FilterSubject = "a..b" }), 10052, "invalid subject"},
		{"empty filter", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.FilterSubjects = []string{"a", ""} }), 10139, ""},
		{"bad filters", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.FilterSubjects = []string{"a.>.b"} }), 10052, "invalid subject"},
		{"overlapping filters", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.FilterSubjects = []string{"a.>", "a.b"} }), 10138, ""},
		{"crossing filters", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.FilterSubjects = []string{"a.*", "*.b"} }), 0, ""},
		{"all with seq", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.OptStartSeq = 1 }), 10094, "consumer delivery policy is deliver all, but optional start sequence is also set"},
		{"last with time", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.DeliverPolicy, c.OptStartTime = DeliverLast, &start }), 10094, "consumer delivery policy is deliver last, but optional start time is also set"},
		{"last per subject", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.DeliverPolicy = DeliverLastPerSubject }), 10094, "consumer delivery policy is deliver last per subject, but optional filter subject is not set"},
		{"new with seq", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.DeliverPolicy, c.OptStartSeq = DeliverNew, 3 }), 10094, "consumer delivery policy is deliver new, but optional start sequence is also set"},
		{"by seq", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.DeliverPolicy = DeliverByStartSequence }), 10094, "consumer delivery policy is deliver by start sequence, but optional start sequence is not set"},
		{"by time", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.DeliverPolicy = DeliverByStartTime }), 10094, "consumer delivery policy is deliver by start time, but optional start time is not set"},
		{"by time with seq", nil, CheckOptions{}, pull(func(c *ConsumerConfig) {
			c.DeliverPolicy, c.OptStartTime, c.OptStartSeq = DeliverByStartTime, &start, 2
		}), 10094, "consumer delivery policy is deliver by start time, but optional start start sequence is also set"},
		{"sampling", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.SampleFrequency = "x%" }), 10095, `failed to parse consumer sampling configuration: strconv.Atoi: parsing "x": invalid syntax`},
		{"negative sampling", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.SampleFrequency = "-5" }), 10095, "failed to parse consumer sampling configuration: <nil>"},
		{"sampling ok", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.SampleFrequency = "30%" }), 0, ""},
		{"fc without heartbeat", nil, CheckOptions{}, push(func(c *ConsumerConfig) { c.FlowControl = true }), 10108, ""},
		{"durable and name", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.Name = "other" }), 10132, ""},
		{"metadata", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.Metadata = map[string]string{"k": strings.Repeat("v", MaxMetadataLen)} }), 10135, "consumer metadata exceeds maximum size of 128KB"},
		{"priority push", nil, CheckOptions{}, push(func(c *ConsumerConfig) { c.PriorityPolicy = PriorityOverflow }), 10178, ""},
		{"priority no group", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.PriorityPolicy = PriorityOverflow }), 10159, ""},
		{"priority empty group", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.PriorityPolicy, c.PriorityGroups = PriorityOverflow, []string{""} }), 10161, ""},
		{"priority bad group", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.PriorityPolicy, c.PriorityGroups = PriorityOverflow, []string{"a.b"} }), 10162, ""},
		{"priority long group", nil, CheckOptions{}, pull(func(c *ConsumerConfig) {
			c.PriorityPolicy, c.PriorityGroups = PriorityOverflow, []string{strings.Repeat("g", 17)}
		}), 10162, ""},
		{"groups without policy", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.PriorityGroups = []string{"g"} }), 10196, ""},
		{"pinned ttl without policy", nil, CheckOptions{}, pull(func(c *ConsumerConfig) { c.PinnedTTL = time.Second }), 10197, ""},
		{"preferred placement", &preferred, CheckOptions{}, pull(nil), 10052, "preferred server not permitted in placement"},
	}
	for _, tt := range tests {
		s := tt.stream
		if s == nil {
			s = &limitsStream
		}
		wantErr(t, tt.name, tt.cfg.ValidateWith(s, tt.opts), tt.code, tt.desc)
	}
	if err := (&ConsumerConfig{}).Validate(&limitsStream); err != nil {
		t.Errorf("Validate of an empty config: %v", err)
	}
}

func TestConsumerCheckNew(t *testing.T) {
	t.Parallel()
	wq := StreamConfig{Name: "W", Retention: WorkQueuePolicy, Replicas: 1}
	tests := []struct {
		name string
		s    *StreamConfig
		cfg  ConsumerConfig
		code uint16
	}{
		{"limits", &limitsStream, ConsumerConfig{AckPolicy: AckNone, DeliverPolicy: DeliverNew}, 0},
		{"wq ack", &wq, ConsumerConfig{AckPolicy: AckAll}, 10098},
		{"wq deliver", &wq, ConsumerConfig{AckPolicy: AckExplicit, DeliverPolicy: DeliverLast}, 10101},
		{"wq flow control", &wq, ConsumerConfig{AckPolicy: AckFlowControl}, 0},
		{"wq sourcing", &wq, ConsumerConfig{AckPolicy: AckNone, Sourcing: true}, 0},
		{"long durable", &limitsStream, ConsumerConfig{Durable: strings.Repeat("d", 256)}, 10102},
	}
	for _, tt := range tests {
		wantErr(t, tt.name, tt.cfg.CheckNew(tt.s), tt.code, "")
	}
}

func TestConsumerCheckUpdate(t *testing.T) {
	t.Parallel()
	start := t0
	old := ConsumerConfig{Durable: "d", AckPolicy: AckExplicit, DeliverSubject: "x", OptStartTime: &start}
	old.SetDefaults(&limitsStream)
	upd := func(mod func(c *ConsumerConfig)) *ConsumerConfig {
		c := old.Clone()
		mod(c)
		return c
	}
	later := t1
	tests := []struct {
		name  string
		new   *ConsumerConfig
		bound bool
		code  uint16
		desc  string
	}{
		{"same", upd(func(c *ConsumerConfig) {}), false, 0, ""},
		{"description", upd(func(c *ConsumerConfig) { c.Description = "new" }), false, 0, ""},
		{"deliver policy", upd(func(c *ConsumerConfig) { c.DeliverPolicy = DeliverNew }), false, 10012, "deliver policy can not be updated"},
		{"storage", upd(func(c *ConsumerConfig) { c.MemoryStorage = true }), false, 10012, "storage type can not be updated"},
		{"start time", upd(func(c *ConsumerConfig) { c.OptStartTime = &later }), false, 10012, "start time can not be updated"},
		{"start time removed", upd(func(c *ConsumerConfig) { c.OptStartTime = nil }), false, 10012, "start time can not be updated"},
		{"ack policy", upd(func(c *ConsumerConfig) { c.AckPolicy = AckAll }), false, 10012, "ack policy can not be updated"},
		{"to pull", upd(func(c *ConsumerConfig) { c.DeliverSubject = "" }), false, 10012, "can not update push consumer to pull based"},
		{"rebind", upd(func(c *ConsumerConfig) { c.DeliverSubject = "y" }), false, 0, ""},
		{"rebind bound", upd(func(c *ConsumerConfig) { c.DeliverSubject = "y" }), true, 10013, ""},
		{"backoff", upd(func(c *ConsumerConfig) { c.BackOff, c.MaxDeliver = []time.Duration{1, 2}, 1 }), false, 10116, ""},
	}
	for _, tt := range tests {
		wantErr(t, tt.name, tt.new.CheckUpdate(&old, tt.bound), tt.code, tt.desc)
	}
	pullOld := ConsumerConfig{Durable: "d"}
	wantErr(t, "to push", (&ConsumerConfig{Durable: "d", DeliverSubject: "x"}).CheckUpdate(&pullOld, false), 10012, "can not update pull consumer to push based")
}

func TestConsumerCreateCheckSubject(t *testing.T) {
	t.Parallel()
	tests := []struct {
		subj     string
		req      ConsumerCreateRequest
		code     uint16
		wantName string
	}{
		{"$JS.API.CONSUMER.CREATE.S.c", ConsumerCreateRequest{Stream: "S"}, 0, "c"},
		{"$JS.API.CONSUMER.CREATE.S.c", ConsumerCreateRequest{Stream: "S", Config: ConsumerConfig{Durable: "c"}}, 0, "c"},
		{"$JS.API.CONSUMER.CREATE.S.c", ConsumerCreateRequest{Stream: "T"}, 10056, ""},
		{"$JS.API.CONSUMER.CREATE.S.c", ConsumerCreateRequest{Stream: "S", Config: ConsumerConfig{Durable: "d"}}, 10017, ""},
		{`$JS.API.CONSUMER.CREATE.S.a\b`, ConsumerCreateRequest{Stream: "S"}, 10127, ""},
		{"$JS.API.CONSUMER.CREATE.S.c.a.>", ConsumerCreateRequest{Stream: "S", Config: ConsumerConfig{FilterSubject: "a.>"}}, 0, "c"},
		{"$JS.API.CONSUMER.CREATE.S.c.a.>", ConsumerCreateRequest{Stream: "S", Config: ConsumerConfig{FilterSubject: "a.b"}}, 10131, ""},
		{"$JS.API.CONSUMER.CREATE.S.c.a.>", ConsumerCreateRequest{Stream: "S", Config: ConsumerConfig{FilterSubjects: []string{"a.>"}}}, 10137, ""},
		{"$JS.API.CONSUMER.CREATE.S", ConsumerCreateRequest{Stream: "S", Config: ConsumerConfig{Name: "eph"}}, 0, "eph"},
		{"$JS.API.CONSUMER.CREATE.S", ConsumerCreateRequest{Stream: "S", Config: ConsumerConfig{Durable: "d"}}, 10020, ""},
		{"$JS.API.CONSUMER.CREATE.S", ConsumerCreateRequest{Stream: "S", Config: ConsumerConfig{Name: "a/b"}}, 10127, ""},
		{"$JS.API.CONSUMER.DURABLE.CREATE.S.d", ConsumerCreateRequest{Stream: "S", Config: ConsumerConfig{Durable: "d"}}, 0, "d"},
		{"$JS.API.CONSUMER.DURABLE.CREATE.S.d", ConsumerCreateRequest{Stream: "S"}, 10018, ""},
		{"$JS.API.CONSUMER.DURABLE.CREATE.S.d", ConsumerCreateRequest{Stream: "S", Config: ConsumerConfig{Durable: "e"}}, 10017, ""},
	}
	for _, tt := range tests {
		p, ok := ParseAPISubject(tt.subj)
		if !ok {
			t.Fatalf("%s does not parse", tt.subj)
		}
		err := tt.req.CheckSubject(p)
		wantErr(t, tt.subj, err, tt.code, "")
		if err == nil && tt.req.Config.Name != tt.wantName {
			t.Errorf("%s: config name %q, want %q", tt.subj, tt.req.Config.Name, tt.wantName)
		}
	}
}

func TestEffectiveReplicas(t *testing.T) {
	t.Parallel()
	r3 := StreamConfig{Replicas: 3}
	wq3 := StreamConfig{Replicas: 3, Retention: WorkQueuePolicy}
	for _, tt := range []struct {
		c    ConsumerConfig
		s    *StreamConfig
		want int
	}{
		{ConsumerConfig{}, &r3, 1},
		{ConsumerConfig{Durable: "d"}, &r3, 3},
		{ConsumerConfig{}, &wq3, 3},
		{ConsumerConfig{Replicas: 1, Durable: "d"}, &r3, 1},
		{ConsumerConfig{Replicas: 5}, &r3, 3},
	} {
		if got := tt.c.EffectiveReplicas(tt.s); got != tt.want {
			t.Errorf("%+v on %+v: %d, want %d", tt.c, tt.s, got, tt.want)
		}
	}
}
