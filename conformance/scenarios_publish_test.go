package conformance

import "time"

// Direct get and publish scenarios.

var directScenarios = []scenario{
	{
		name: "direct.get/forms",
		steps: steps(
			createS(cfgSDirect),
			fill("s.a", "s.b", "s.a"),
			pub("pub with headers", "s.h", "hello").hdr("X-Test", "1"),
			req("seq", js("DIRECT.GET.S"), `{"seq":2}`),
			req("seq with headers", js("DIRECT.GET.S"), `{"seq":4}`),
			req("last_by_subj", js("DIRECT.GET.S"), `{"last_by_subj":"s.a"}`),
			req("next_by_subj", js("DIRECT.GET.S"), `{"next_by_subj":"s.a","seq":2}`),
			req("next_by_subj from start", js("DIRECT.GET.S"), `{"next_by_subj":"s.b"}`),
			req("subject form", js("DIRECT.GET.S.s.a"), ""),
			req("subject form with headers", js("DIRECT.GET.S.s.h"), ""),
			req("subject form wildcard", js("DIRECT.GET.S.s.*"), ""),
			req("no_hdr", js("DIRECT.GET.S"), `{"seq":4,"no_hdr":true}`),
		),
	},
	{
		name: "direct.get/batch",
		steps: steps(
			createS(cfgSDirect),
			fill("s.a", "s.b", "s.a", "s.b", "s.c"),
			collect("batch 3 from 1", js("DIRECT.GET.S"), `{"seq":1,"batch":3}`, 0, time.Second),
			collect("batch s.a", js("DIRECT.GET.S"), `{"next_by_subj":"s.a","batch":10}`, 0, time.Second),
			collect("batch max_bytes", js("DIRECT.GET.S"), `{"seq":1,"batch":10,"max_bytes":40}`, 0, time.Second),
			collect("batch past end", js("DIRECT.GET.S"), `{"seq":4,"batch":5}`, 0, time.Second),
			collect("batch 1", js("DIRECT.GET.S"), `{"seq":2,"batch":1}`, 0, time.Second),
			collect("batch from missing seq", js("DIRECT.GET.S"), `{"seq":50,"batch":2}`, 0, time.Second),
		),
	},
	{
		name: "direct.get/multi_last",
		steps: steps(
			createS(cfgSDirect),
			fill("s.a", "s.b", "s.a", "s.c", "s.b"),
			collect("multi_last all", js("DIRECT.GET.S"), `{"multi_last":["s.*"]}`, 0, time.Second),
			collect("multi_last two", js("DIRECT.GET.S"), `{"multi_last":["s.a","s.c"]}`, 0, time.Second),
			collect("multi_last up_to_seq", js("DIRECT.GET.S"), `{"multi_last":["s.*"],"up_to_seq":3}`, 0, time.Second),
			collect("multi_last batch", js("DIRECT.GET.S"), `{"multi_last":["s.*"],"batch":2}`, 0, time.Second),
			collect("multi_last none", js("DIRECT.GET.S"), `{"multi_last":["zzz"]}`, 0, time.Second),
		),
	},
	{
		name: "direct.get/not_found_404",
		steps: steps(
			createS(cfgSDirect),
			fill("s.a"),
			req("missing seq", js("DIRECT.GET.S"), `{"seq":9}`),
			req("missing last_by_subj", js("DIRECT.GET.S"), `{"last_by_subj":"s.zzz"}`),
			req("missing next_by_subj", js("DIRECT.GET.S"), `{"next_by_subj":"s.a","seq":2}`),
			req("subject form missing", js("DIRECT.GET.S.s.zzz"), ""),
			req("deleted seq", js("STREAM.MSG.DELETE.S"), `{"seq":1}`).setup(),
			req("get deleted", js("DIRECT.GET.S"), `{"seq":1}`),
		),
	},
	{
		name: "direct.get/bad_request_408",
		steps: steps(
			createS(cfgSDirect),
			fill("s.a"),
			req("empty body", js("DIRECT.GET.S"), ""),
			req("malformed", js("DIRECT.GET.S"), `{"seq":`),
			req("seq and last_by_subj", js("DIRECT.GET.S"), `{"seq":1,"last_by_subj":"s.a"}`),
			req("last_by_subj and next_by_subj", js("DIRECT.GET.S"), `{"last_by_subj":"s.a","next_by_subj":"s.a"}`),
			req("multi_last with seq", js("DIRECT.GET.S"), `{"multi_last":["s.a"],"seq":1}`),
			req("empty object", js("DIRECT.GET.S"), `{}`),
		),
	},
	{
		name: "direct.get/not_allowed",
		steps: steps(
			createS(cfgS),
			fill("s.a"),
			req("request form", js("DIRECT.GET.S"), `{"seq":1}`),
			req("subject form", js("DIRECT.GET.S.s.a"), ""),
			req("missing stream", js("DIRECT.GET.NOPE"), `{"seq":1}`),
		),
	},
}

var publishScenarios = []scenario{
	{
		name: "publish/ack",
		steps: steps(
			createS(cfgS),
			pub("first", "s.a", "one"),
			pub("second", "s.b", "two"),
			pub("with headers", "s.c", "three").hdr("X-Test", "x"),
			pub("empty payload", "s.d", ""),
			pub("no stream", "nostream.x", "x").within(500e6),
			req("info", js("STREAM.INFO.S"), ""),
		),
	},
	{
		name: "publish/msg_id_duplicates",
		steps: steps(
			createS(cfgS),
			pub("first", "s.a", "one").hdr("Nats-Msg-Id", "id-1"),
			pub("duplicate", "s.a", "one").hdr("Nats-Msg-Id", "id-1"),
			pub("duplicate other subject", "s.b", "other").hdr("Nats-Msg-Id", "id-1"),
			pub("second id", "s.a", "two").hdr("Nats-Msg-Id", "id-2"),
			pub("duplicate of second", "s.a", "two").hdr("Nats-Msg-Id", "id-2"),
			req("info", js("STREAM.INFO.S"), ""),
		),
	},
	{
		name: "publish/expected_stream",
		steps: steps(
			createS(cfgS),
			pub("right stream", "s.a", "x").hdr("Nats-Expected-Stream", "S"),
			pub("wrong stream", "s.a", "x").hdr("Nats-Expected-Stream", "T"),
			req("info", js("STREAM.INFO.S"), ""),
		),
	},
	{
		name: "publish/expected_last_sequence",
		steps: steps(
			createS(cfgS),
			pub("0 on empty", "s.a", "x").hdr("Nats-Expected-Last-Sequence", "0"),
			pub("right", "s.a", "x").hdr("Nats-Expected-Last-Sequence", "1"),
			pub("wrong", "s.a", "x").hdr("Nats-Expected-Last-Sequence", "1"),
			pub("0 when not empty", "s.a", "x").hdr("Nats-Expected-Last-Sequence", "0"),
			pub("not a number", "s.a", "x").hdr("Nats-Expected-Last-Sequence", "abc"),
			req("info", js("STREAM.INFO.S"), ""),
		),
	},
	{
		name: "publish/expected_last_subject_sequence",
		steps: steps(
			createS(cfgS),
			pub("0 with none", "s.a", "x").hdr("Nats-Expected-Last-Subject-Sequence", "0"),
			pub("other subject", "s.b", "x"),
			pub("right", "s.a", "x").hdr("Nats-Expected-Last-Subject-Sequence", "1"),
			pub("wrong", "s.a", "x").hdr("Nats-Expected-Last-Subject-Sequence", "1"),
			pub("0 when present", "s.a", "x").hdr("Nats-Expected-Last-Subject-Sequence", "0"),
			pub("with subject filter right", "s.c", "x").
				hdr("Nats-Expected-Last-Subject-Sequence", "3").
				hdr("Nats-Expected-Last-Subject-Sequence-Subject", "s.a"),
			pub("with subject filter wrong", "s.c", "x").
				hdr("Nats-Expected-Last-Subject-Sequence", "1").
				hdr("Nats-Expected-Last-Subject-Sequence-Subject", "s.*"),
			req("info", js("STREAM.INFO.S"), ""),
		),
	},
	{
		name: "publish/expected_last_msg_id",
		steps: steps(
			createS(cfgS),
			pub("first with id", "s.a", "x").hdr("Nats-Msg-Id", "a"),
			pub("right", "s.a", "x").hdr("Nats-Msg-Id", "b").hdr("Nats-Expected-Last-Msg-Id", "a"),
			pub("wrong", "s.a", "x").hdr("Nats-Msg-Id", "c").hdr("Nats-Expected-Last-Msg-Id", "a"),
			pub("without own id", "s.a", "x").hdr("Nats-Expected-Last-Msg-Id", "b"),
			pub("after message without id", "s.a", "x").hdr("Nats-Expected-Last-Msg-Id", "b"),
			req("info", js("STREAM.INFO.S"), ""),
		),
	},
	{
		name: "publish/rollup",
		steps: steps(
			req("create", js("STREAM.CREATE.S"), `{"name":"S","subjects":["s.>"],"storage":"memory","allow_rollup_hdrs":true}`).setup(),
			fill("s.a", "s.a", "s.b", "s.b"),
			pub("rollup sub", "s.a", "r").hdr("Nats-Rollup", "sub"),
			req("info after sub", js("STREAM.INFO.S"), `{"subjects_filter":">"}`),
			pub("rollup all", "s.b", "r").hdr("Nats-Rollup", "all"),
			req("info after all", js("STREAM.INFO.S"), `{"subjects_filter":">"}`),
			pub("rollup bogus", "s.b", "r").hdr("Nats-Rollup", "bogus"),
			createN(`{"name":"N","subjects":["n.>"],"storage":"memory"}`),
			pub("rollup not allowed", "n.a", "r").hdr("Nats-Rollup", "sub"),
			req("create deny purge", js("STREAM.CREATE.D"), `{"name":"D","subjects":["d.>"],"storage":"memory","allow_rollup_hdrs":true,"deny_purge":true}`),
		),
	},
	{
		name: "publish/ttl",
		steps: steps(
			req("create", js("STREAM.CREATE.S"), `{"name":"S","subjects":["s.>"],"storage":"memory","allow_msg_ttl":true}`).setup(),
			pub("ttl 1s", "s.a", "x").hdr("Nats-TTL", "1s"),
			pub("ttl never", "s.b", "x").hdr("Nats-TTL", "never"),
			pub("ttl seconds number", "s.c", "x").hdr("Nats-TTL", "60"),
			pub("ttl invalid", "s.d", "x").hdr("Nats-TTL", "abc"),
			pub("ttl negative", "s.d", "x").hdr("Nats-TTL", "-1s"),
			req("get ttl message", js("STREAM.MSG.GET.S"), `{"seq":1}`),
			sleep(2500*time.Millisecond),
			req("get expired", js("STREAM.MSG.GET.S"), `{"seq":1}`),
			req("info", js("STREAM.INFO.S"), ""),
			createN(`{"name":"N","subjects":["n.>"],"storage":"memory"}`),
			pub("ttl not allowed", "n.a", "x").hdr("Nats-TTL", "1s"),
		),
	},
	{
		name: "publish/discard_new",
		steps: steps(
			req("create max_msgs", js("STREAM.CREATE.S"), `{"name":"S","subjects":["s.>"],"storage":"memory","max_msgs":2,"discard":"new"}`).setup(),
			pub("1", "s.a", "x"),
			pub("2", "s.a", "x"),
			pub("3 rejected", "s.a", "x"),
			req("create max_bytes", js("STREAM.CREATE.B"), `{"name":"B","subjects":["b.>"],"storage":"memory","max_bytes":100,"discard":"new"}`).setup(),
			pub("b 1", "b.a", "0123456789012345678901234567890123456789"),
			pub("b 2 rejected", "b.a", "0123456789012345678901234567890123456789012345678901234567890123456789"),
			req("create per subject", js("STREAM.CREATE.P"), `{"name":"P","subjects":["p.>"],"storage":"memory","max_msgs_per_subject":1,"discard":"new","discard_new_per_subject":true}`).setup(),
			pub("p a", "p.a", "x"),
			pub("p b", "p.b", "x"),
			pub("p a rejected", "p.a", "x"),
			req("create discard old", js("STREAM.CREATE.O"), `{"name":"O","subjects":["o.>"],"storage":"memory","max_msgs":2}`).setup(),
			pub("o 1", "o.a", "x"),
			pub("o 2", "o.a", "x"),
			pub("o 3", "o.a", "x"),
			req("info S", js("STREAM.INFO.S"), ""),
			req("info O", js("STREAM.INFO.O"), ""),
		),
	},
	{
		name: "publish/max_msg_size",
		steps: steps(
			req("create", js("STREAM.CREATE.S"), `{"name":"S","subjects":["s.>"],"storage":"memory","max_msg_size":10}`).setup(),
			pub("fits", "s.a", "0123456789"),
			pub("too big", "s.a", "0123456789X"),
			pub("headers count", "s.a", "01234").hdr("X-Long-Header", "abcdefghijklmnop"),
			req("info", js("STREAM.INFO.S"), ""),
		),
	},
}

// createN creates stream N, whose config must be named N (setup step).
func createN(cfg string) step {
	return req("create N", js("STREAM.CREATE.N"), cfg).setup()
}
