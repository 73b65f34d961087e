package jsapi

import (
	"testing"
)

func TestParseAPISubject(t *testing.T) {
	t.Parallel()
	tests := []struct {
		subj string
		want APISubject
	}{
		{"$JS.API.INFO", APISubject{Endpoint: APIAccountInfo}},
		{"$JS.API.STREAM.CREATE.ORDERS", APISubject{Endpoint: APIStreamCreate, Stream: "ORDERS"}},
		{"$JS.API.STREAM.UPDATE.ORDERS", APISubject{Endpoint: APIStreamUpdate, Stream: "ORDERS"}},
		{"$JS.API.STREAM.DELETE.ORDERS", APISubject{Endpoint: APIStreamDelete, Stream: "ORDERS"}},
		{"$JS.API.STREAM.INFO.ORDERS", APISubject{Endpoint: APIStreamInfo, Stream: "ORDERS"}},
		{"$JS.API.STREAM.NAMES", APISubject{Endpoint: APIStreamNames}},
		{"$JS.API.STREAM.LIST", APISubject{Endpoint: APIStreamList}},
		{"$JS.API.STREAM.PURGE.ORDERS", APISubject{Endpoint: APIStreamPurge, Stream: "ORDERS"}},
		{"$JS.API.STREAM.MSG.GET.ORDERS", APISubject{Endpoint: APIStreamMsgGet, Stream: "ORDERS"}},
		{"$JS.API.STREAM.MSG.DELETE.ORDERS", APISubject{Endpoint: APIStreamMsgDelete, Stream: "ORDERS"}},
		{"$JS.API.STREAM.SNAPSHOT.ORDERS", APISubject{Endpoint: APIStreamSnapshot, Stream: "ORDERS"}},
		{"$JS.API.STREAM.RESTORE.ORDERS", APISubject{Endpoint: APIStreamRestore, Stream: "ORDERS"}},
		{"$JS.API.STREAM.LEADER.STEPDOWN.ORDERS", APISubject{Endpoint: APIStreamLeaderStepDown, Stream: "ORDERS"}},
		{"$JS.API.STREAM.PEER.REMOVE.ORDERS", APISubject{Endpoint: APIStreamPeerRemove, Stream: "ORDERS"}},
		{"$JS.API.STREAM.PEER.EVACUATE.ORDERS", APISubject{Endpoint: APIStreamPeerEvacuate, Stream: "ORDERS"}},
		{"$JS.API.STREAM.CANCEL_MOVE.ORDERS", APISubject{Endpoint: APIStreamCancelMove, Stream: "ORDERS"}},
		{"$JS.API.DIRECT.GET.KV_cfg", APISubject{Endpoint: APIDirectGet, Stream: "KV_cfg"}},
		{"$JS.API.DIRECT.GET.KV_cfg.$KV.cfg.a.b", APISubject{Endpoint: APIDirectGetLastBySubject, Stream: "KV_cfg", Filter: "$KV.cfg.a.b"}},
		{"$JS.API.CONSUMER.CREATE.ORDERS", APISubject{Endpoint: APIConsumerCreateEphemeral, Stream: "ORDERS"}},
		{"$JS.API.CONSUMER.CREATE.ORDERS.worker", APISubject{Endpoint: APIConsumerCreate, Stream: "ORDERS", Consumer: "worker"}},
		{"$JS.API.CONSUMER.CREATE.ORDERS.worker.orders.*.>", APISubject{Endpoint: APIConsumerCreate, Stream: "ORDERS", Consumer: "worker", Filter: "orders.*.>"}},
		{"$JS.API.CONSUMER.DURABLE.CREATE.ORDERS.dur", APISubject{Endpoint: APIConsumerDurableCreate, Stream: "ORDERS", Consumer: "dur"}},
		{"$JS.API.CONSUMER.NAMES.ORDERS", APISubject{Endpoint: APIConsumerNames, Stream: "ORDERS"}},
		{"$JS.API.CONSUMER.LIST.ORDERS", APISubject{Endpoint: APIConsumerList, Stream: "ORDERS"}},
		{"$JS.API.CONSUMER.INFO.ORDERS.c", APISubject{Endpoint: APIConsumerInfo, Stream: "ORDERS", Consumer: "c"}},
		{"$JS.API.CONSUMER.DELETE.ORDERS.c", APISubject{Endpoint: APIConsumerDelete, Stream: "ORDERS", Consumer: "c"}},
		{"$JS.API.CONSUMER.PAUSE.ORDERS.c", APISubject{Endpoint: APIConsumerPause, Stream: "ORDERS", Consumer: "c"}},
		{"$JS.API.CONSUMER.UNPIN.ORDERS.c", APISubject{Endpoint: APIConsumerUnpin, Stream: "ORDERS", Consumer: "c"}},
		{"$JS.API.CONSUMER.RESET.ORDERS.c", APISubject{Endpoint: APIConsumerReset, Stream: "ORDERS", Consumer: "c"}},
		{"$JS.API.CONSUMER.MSG.NEXT.ORDERS.c", APISubject{Endpoint: APIConsumerMsgNext, Stream: "ORDERS", Consumer: "c"}},
		{"$JS.API.CONSUMER.LEADER.STEPDOWN.ORDERS.c", APISubject{Endpoint: APIConsumerLeaderStepDown, Stream: "ORDERS", Consumer: "c"}},
		{"$JS.API.CONSUMER.PEER.REMOVE.ORDERS.c", APISubject{Endpoint: APIConsumerPeerRemove, Stream: "ORDERS", Consumer: "c"}},
		{"$JS.API.CONSUMER.PEER.EVACUATE.ORDERS.c", APISubject{Endpoint: APIConsumerPeerEvacuate, Stream: "ORDERS", Consumer: "c"}},
		{"$JS.API.META.LEADER.STEPDOWN", APISubject{Endpoint: APIMetaLeaderStepDown}},
		{"$JS.API.META.RESCUE", APISubject{Endpoint: APIMetaRescue}},
		{"$JS.API.SERVER.REMOVE", APISubject{Endpoint: APIServerRemove}},
		{"$JS.API.SERVER.EVACUATE", APISubject{Endpoint: APIServerEvacuate}},
		{"$JS.API.ACCOUNT.PURGE.ACC", APISubject{Endpoint: APIAccountPurge, Account: "ACC"}},
		{"$JS.API.ACCOUNT.STREAM.MOVE.ACC.ORDERS", APISubject{Endpoint: APIAccountStreamMove, Account: "ACC", Stream: "ORDERS"}},
		{"$JS.API.ACCOUNT.STREAM.CANCEL_MOVE.ACC.ORDERS", APISubject{Endpoint: APIAccountStreamCancelMove, Account: "ACC", Stream: "ORDERS"}},

		// Domain form.
		{"$JS.hub.API.INFO", APISubject{Endpoint: APIAccountInfo, Domain: "hub"}},
		{"$JS.hub.API.STREAM.INFO.S", APISubject{Endpoint: APIStreamInfo, Domain: "hub", Stream: "S"}},
		{"$JS.hub.API.CONSUMER.CREATE.S.c.a.b", APISubject{Endpoint: APIConsumerCreate, Domain: "hub", Stream: "S", Consumer: "c", Filter: "a.b"}},
		{"$JS.API.API.INFO", APISubject{Endpoint: APIAccountInfo, Domain: "API"}},

		// Names that look like keywords are names.
		{"$JS.API.STREAM.INFO.NAMES", APISubject{Endpoint: APIStreamInfo, Stream: "NAMES"}},
		{"$JS.API.CONSUMER.INFO.MSG.NEXT", APISubject{Endpoint: APIConsumerInfo, Stream: "MSG", Consumer: "NEXT"}},
		// Wildcard tokens are taken literally.
		{"$JS.API.STREAM.INFO.*", APISubject{Endpoint: APIStreamInfo, Stream: "*"}},
	}
	for _, tt := range tests {
		got, ok := ParseAPISubject(tt.subj)
		if !ok || got != tt.want {
			t.Errorf("ParseAPISubject(%q) = %+v, %v; want %+v", tt.subj, got, ok, tt.want)
			continue
		}
		if s := got.String(); s != tt.subj {
			t.Errorf("%+v.String() = %q, want %q", got, s, tt.subj)
		}
	}
}

func TestParseAPISubjectRejects(t *testing.T) {
	t.Parallel()
	for _, subj := range []string{
		"", "$JS", "$JS.", "$JS.API", "$JS.API.", "$JS.API.INFO.x", "$JS.API.info",
		"$JS.API.STREAM", "$JS.API.STREAM.CREATE", "$JS.API.STREAM.CREATE.a.b",
		"$JS.API.STREAM.NAMES.x", "$JS.API.STREAM.MSG.GET", "$JS.API.STREAM.INFO..x",
		"$JS.API.STREAM.INFO.x.", "$JS.API.DIRECT.GET", "$JS.API.DIRECT.GET.S.a..b",
		"$JS.API.DIRECT.GET.S.a.", "$JS.API.CONSUMER.DURABLE.CREATE.S",
		"$JS.API.CONSUMER.DURABLE.CREATE.S.d.x", "$JS.API.CONSUMER.INFO.S",
		"$JS.API.CONSUMER.INFO.S.c.x", "$JS.API.CONSUMER.MSG.NEXT.S", "$JS.API.META.LEADER",
		"$JS.API.ACCOUNT.PURGE", "$JS.API.ACCOUNT.STREAM.MOVE.A", "$JS.API.UNKNOWN",
		"$JS.ACK.S.c.1.1.1.1.1", "$JS.hub.INFO", "$JS..API.INFO", "$JS.hub.API.", "JS.API.INFO",
		"$JS.EVENT.ADVISORY.API",
	} {
		if got, ok := ParseAPISubject(subj); ok {
			t.Errorf("ParseAPISubject(%q) = %+v, want no match", subj, got)
		}
	}
}

func TestEndpointTable(t *testing.T) {
	t.Parallel()
	patterns := map[string]Endpoint{}
	for e := Endpoint(1); e < numEndpoints; e++ {
		p := e.Pattern()
		if p == "" || e.String() == "UNKNOWN" {
			t.Errorf("endpoint %d has no spec", e)
		}
		if prev, dup := patterns[p]; dup {
			t.Errorf("endpoints %v and %v share pattern %s", prev, e, p)
		}
		patterns[p] = e
		// A sample subject for the endpoint parses back to it.
		s := APISubject{Endpoint: e, Stream: "S", Consumer: "C", Account: "A", Filter: "f.>"}
		got, ok := ParseAPISubject(s.String())
		if !ok || got.Endpoint != e {
			t.Errorf("%v: %q parses as %v, %v", e, s.String(), got.Endpoint, ok)
		}
		if (e.ResponseType() == "") != (e == APIDirectGet || e == APIDirectGetLastBySubject || e == APIConsumerMsgNext) {
			t.Errorf("%v: response type %q", e, e.ResponseType())
		}
	}
	wantPatterns := map[Endpoint]string{
		APIStreamCreate:           "$JS.API.STREAM.CREATE.*",
		APIDirectGetLastBySubject: "$JS.API.DIRECT.GET.*.>",
		APIConsumerCreate:         "$JS.API.CONSUMER.CREATE.*.>",
		APIConsumerDurableCreate:  "$JS.API.CONSUMER.DURABLE.CREATE.*.*",
		APIMetaLeaderStepDown:     "$JS.API.META.LEADER.STEPDOWN",
	}
	for e, want := range wantPatterns {
		if got := e.Pattern(); got != want {
			t.Errorf("%v.Pattern() = %q, want %q", e, got, want)
		}
	}
	for _, e := range []Endpoint{APIMetaLeaderStepDown, APIMetaRescue, APIServerRemove, APIServerEvacuate, APIAccountPurge, APIAccountStreamMove, APIAccountStreamCancelMove} {
		if !e.SystemOnly() {
			t.Errorf("%v is not system only", e)
		}
	}
	if APIStreamInfo.SystemOnly() || APIUnknown.SystemOnly() || APIUnknown.Pattern() != "" || APIUnknown.ResponseType() != "" {
		t.Error("unexpected endpoint properties")
	}
	if (APISubject{}).String() != "" {
		t.Error("unknown endpoint builds a subject")
	}
	if got := (APISubject{Endpoint: APIStreamInfo, Domain: "hub", Stream: "S"}).String(); got != "$JS.hub.API.STREAM.INFO.S" {
		t.Errorf("domain subject = %q", got)
	}
}

func TestAckReply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		subj string
		want AckReply
	}{
		{"$JS.ACK.ORDERS.worker.2.100.7.1700000000000000000.5",
			AckReply{Stream: "ORDERS", Consumer: "worker", Delivered: 2, StreamSeq: 100, ConsumerSeq: 7, Timestamp: 1700000000000000000, Pending: 5}},
		{"$JS.ACK.hub.AbC123.ORDERS.worker.1.1.1.1.0",
			AckReply{Domain: "hub", AccountHash: "AbC123", Stream: "ORDERS", Consumer: "worker", Delivered: 1, StreamSeq: 1, ConsumerSeq: 1, Timestamp: 1}},
		{"$JS.ACK._.AbC123.ORDERS.worker.1.1.1.1.0",
			AckReply{AccountHash: "AbC123", Stream: "ORDERS", Consumer: "worker", Delivered: 1, StreamSeq: 1, ConsumerSeq: 1, Timestamp: 1}},
	}
	for _, tt := range tests {
		got, ok := ParseAckReply(tt.subj)
		if !ok || got != tt.want {
			t.Errorf("ParseAckReply(%q) = %+v, %v; want %+v", tt.subj, got, ok, tt.want)
		}
		if s := tt.want.String(); s != tt.subj {
			t.Errorf("String() = %q, want %q", s, tt.subj)
		}
	}
	// Extra trailing tokens of the long form are ignored.
	if got, ok := ParseAckReply("$JS.ACK.hub.h.S.c.1.2.3.4.5.rand"); !ok || got.Pending != 5 {
		t.Errorf("long form with a trailing token: %+v, %v", got, ok)
	}
	for _, bad := range []string{
		"", "$JS.ACK.S.c.1.2.3.4", "$JS.ACK.S.c.1.2.3.4.5.6", "$JS.ACK.S.c.x.2.3.4.5",
		"$JS.ACK.S.c.1.2.3.4.-5", "$JS.FC.S.c.1.2.3.4.5", "$JS.NAK.S.c.1.2.3.4.5",
	} {
		if got, ok := ParseAckReply(bad); ok {
			t.Errorf("ParseAckReply(%q) = %+v", bad, got)
		}
	}
}

func TestMiscSubjects(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ got, want string }{
		{EventSubject(AdvisoryStreamCreated, "ORDERS"), "$JS.EVENT.ADVISORY.STREAM.CREATED.ORDERS"},
		{EventSubject(AdvisoryConsumerMaxDeliveries, "S", "c"), "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.S.c"},
		{EventSubject(AdvisoryAPIAudit), "$JS.EVENT.ADVISORY.API"},
		{FlowControlSubject("S", "c", "3"), "$JS.FC.S.c.3"},
		{SnapshotAckSubject("S", "x"), "$JS.SNAPSHOT.ACK.S.x"},
		{RestoreSubject("S", "x"), "$JS.SNAPSHOT.RESTORE.S.x"},
		{DomainAPIPrefix(""), "$JS.API"},
		{DomainAPIPrefix("hub"), "$JS.hub.API"},
		{(&ExternalStream{ApiPrefix: "$JS.hub.API"}).Domain(), "hub"},
		{(&ExternalStream{ApiPrefix: "x"}).Domain(), ""},
		{(*ExternalStream)(nil).Domain(), ""},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func BenchmarkParseAPISubject(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := ParseAPISubject("$JS.API.CONSUMER.CREATE.ORDERS.worker.orders.eu.>"); !ok {
			b.Fatal("no match")
		}
	}
}

func TestParseAPISubjectAllocs(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() {
		ParseAPISubject("$JS.hub.API.CONSUMER.MSG.NEXT.ORDERS.worker")
	}); n != 0 {
		t.Errorf("ParseAPISubject allocates %v times", n)
	}
}
