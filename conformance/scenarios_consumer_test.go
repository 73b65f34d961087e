package conformance

import (
	"fmt"
	"time"
)

// Consumer scenarios: the CONSUMER.* endpoints and pulls.

// createC creates the pull consumer C on stream S (setup step).
func createC(cfg string) step {
	return req("create C", js("CONSUMER.CREATE.S.C"), `{"stream_name":"S","config":`+cfg+`}`).setup()
}

// farFuture is a fixed pause deadline, so responses are comparable.
const farFuture = "2099-01-01T00:00:00Z"

var consumerScenarios = []scenario{
	{
		name: "consumer.create/named",
		steps: steps(
			createS(cfgS),
			req("create", js("CONSUMER.CREATE.S.C"), `{"stream_name":"S","config":{"name":"C"}}`),
			req("create durable form", js("CONSUMER.CREATE.S.D"), `{"stream_name":"S","config":{"durable_name":"D","ack_policy":"explicit"}}`),
			req("create name only in subject", js("CONSUMER.CREATE.S.E"), `{"stream_name":"S","config":{}}`),
			req("info C", js("CONSUMER.INFO.S.C"), ""),
		),
	},
	{
		name: "consumer.create/filtered",
		steps: steps(
			createS(cfgS),
			req("filter literal", js("CONSUMER.CREATE.S.C.s.a"), `{"stream_name":"S","config":{"name":"C","filter_subject":"s.a"}}`),
			req("filter wildcard", js("CONSUMER.CREATE.S.W.s.*"), `{"stream_name":"S","config":{"name":"W","filter_subject":"s.*"}}`),
			req("filter gt", js("CONSUMER.CREATE.S.G.s.>"), `{"stream_name":"S","config":{"name":"G","filter_subject":"s.>"}}`),
			req("filter_subjects", js("CONSUMER.CREATE.S.M"), `{"stream_name":"S","config":{"name":"M","filter_subjects":["s.a","s.b"]}}`),
			req("filter_subjects one", js("CONSUMER.CREATE.S.O"), `{"stream_name":"S","config":{"name":"O","filter_subjects":["s.a"]}}`),
			req("filter not in stream", js("CONSUMER.CREATE.S.X.x.a"), `{"stream_name":"S","config":{"name":"X","filter_subject":"x.a"}}`),
			req("overlapping filters", js("CONSUMER.CREATE.S.Y"), `{"stream_name":"S","config":{"name":"Y","filter_subjects":["s.>","s.a"]}}`),
			req("both filter forms", js("CONSUMER.CREATE.S.Z"), `{"stream_name":"S","config":{"name":"Z","filter_subject":"s.a","filter_subjects":["s.b"]}}`),
		),
	},
	{
		name: "consumer.create/durable_legacy",
		steps: steps(
			createS(cfgS),
			req("create", js("CONSUMER.DURABLE.CREATE.S.D"), `{"stream_name":"S","config":{"durable_name":"D","ack_policy":"explicit"}}`),
			req("name mismatch", js("CONSUMER.DURABLE.CREATE.S.D"), `{"stream_name":"S","config":{"durable_name":"E","ack_policy":"explicit"}}`),
			req("missing durable", js("CONSUMER.DURABLE.CREATE.S.F"), `{"stream_name":"S","config":{"ack_policy":"explicit"}}`),
			req("info", js("CONSUMER.INFO.S.D"), ""),
		),
	},
	{
		name: "consumer.create/ephemeral_legacy",
		steps: steps(
			createS(cfgS),
			fill("s.a", "s.b"),
			req("create", js("CONSUMER.CREATE.S"), `{"stream_name":"S","config":{"ack_policy":"explicit","inactive_threshold":60000000000}}`).capt("eph", "json.name"),
			req("info", js("CONSUMER.INFO.S.{{eph}}"), ""),
			collect("fetch", js("CONSUMER.MSG.NEXT.S.{{eph}}"), `{"batch":2}`, 2, time.Second),
			req("with durable on ephemeral form", js("CONSUMER.CREATE.S"), `{"stream_name":"S","config":{"durable_name":"D"}}`),
			req("with name on ephemeral form", js("CONSUMER.CREATE.S"), `{"stream_name":"S","config":{"name":"N"}}`),
		),
	},
	{
		name: "consumer.create/actions",
		steps: steps(
			createS(cfgS),
			req("update missing", js("CONSUMER.CREATE.S.C"), `{"stream_name":"S","config":{"name":"C"},"action":"update"}`),
			req("create", js("CONSUMER.CREATE.S.C"), `{"stream_name":"S","config":{"name":"C"},"action":"create"}`),
			req("create same", js("CONSUMER.CREATE.S.C"), `{"stream_name":"S","config":{"name":"C"},"action":"create"}`),
			req("create different", js("CONSUMER.CREATE.S.C"), `{"stream_name":"S","config":{"name":"C","description":"new"},"action":"create"}`),
			req("update", js("CONSUMER.CREATE.S.C"), `{"stream_name":"S","config":{"name":"C","description":"new","max_ack_pending":5},"action":"update"}`),
			req("create or update", js("CONSUMER.CREATE.S.C"), `{"stream_name":"S","config":{"name":"C","description":"newer"}}`),
			req("update forbidden change", js("CONSUMER.CREATE.S.C"), `{"stream_name":"S","config":{"name":"C","ack_policy":"none"},"action":"update"}`),
			req("bad action", js("CONSUMER.CREATE.S.C"), `{"stream_name":"S","config":{"name":"C"},"action":"upsert"}`),
			req("info", js("CONSUMER.INFO.S.C"), ""),
		),
	},
	{
		name: "consumer.create/filter_mismatch",
		steps: steps(
			createS(cfgS),
			req("subject filter differs", js("CONSUMER.CREATE.S.C.s.a"), `{"stream_name":"S","config":{"name":"C","filter_subject":"s.b"}}`),
			req("subject filter but none in config", js("CONSUMER.CREATE.S.C.s.a"), `{"stream_name":"S","config":{"name":"C"}}`),
			req("subject filter with filter_subjects", js("CONSUMER.CREATE.S.C.s.a"), `{"stream_name":"S","config":{"name":"C","filter_subjects":["s.a"]}}`),
			req("names", js("CONSUMER.NAMES.S"), ""),
		),
	},
	{
		name: "consumer.create/name_mismatch",
		steps: steps(
			createS(cfgS),
			req("durable differs", js("CONSUMER.CREATE.S.C"), `{"stream_name":"S","config":{"durable_name":"D"}}`),
			req("name differs", js("CONSUMER.CREATE.S.C"), `{"stream_name":"S","config":{"name":"D"}}`),
			req("name and durable differ", js("CONSUMER.CREATE.S.C"), `{"stream_name":"S","config":{"name":"C","durable_name":"D"}}`),
			req("stream_name differs", js("CONSUMER.CREATE.S.C"), `{"stream_name":"T","config":{"name":"C"}}`),
			req("no stream_name", js("CONSUMER.CREATE.S.C"), `{"config":{"name":"C"}}`),
			req("invalid name", js("CONSUMER.CREATE.S.a*b"), `{"stream_name":"S","config":{"name":"a*b"}}`),
			req("names", js("CONSUMER.NAMES.S"), ""),
		),
	},
	{
		name: "consumer.create/pull_defaults",
		steps: steps(
			createS(cfgS),
			req("explicit ack", js("CONSUMER.CREATE.S.C"), `{"stream_name":"S","config":{"name":"C","ack_policy":"explicit"}}`),
			req("ack all", js("CONSUMER.CREATE.S.A"), `{"stream_name":"S","config":{"name":"A","ack_policy":"all"}}`),
			req("ack none", js("CONSUMER.CREATE.S.N"), `{"stream_name":"S","config":{"name":"N","ack_policy":"none"}}`),
			req("full", js("CONSUMER.CREATE.S.F"), `{"stream_name":"S","config":{"name":"F","description":"d","deliver_policy":"all",
				"ack_policy":"explicit","ack_wait":5000000000,"max_deliver":3,"backoff":[1000000000,2000000000],"replay_policy":"instant",
				"max_waiting":10,"max_ack_pending":50,"max_batch":5,"max_expires":60000000000,"max_bytes":1024,
				"inactive_threshold":3600000000000,"headers_only":true,"mem_storage":true,"metadata":{"k":"v"}}}`),
		),
	},
	{
		name: "consumer.create/push",
		steps: steps(
			createS(cfgS),
			req("push", js("CONSUMER.CREATE.S.P"), `{"stream_name":"S","config":{"name":"P","deliver_subject":"dlv.p"}}`),
			req("push with heartbeat and fc", js("CONSUMER.CREATE.S.F"), `{"stream_name":"S","config":{"name":"F","deliver_subject":"dlv.f","idle_heartbeat":5000000000,"flow_control":true,"ack_policy":"none"}}`),
			req("flow control without heartbeat", js("CONSUMER.CREATE.S.G"), `{"stream_name":"S","config":{"name":"G","deliver_subject":"dlv.g","flow_control":true}}`),
			req("max_waiting on push", js("CONSUMER.CREATE.S.H"), `{"stream_name":"S","config":{"name":"H","deliver_subject":"dlv.h","max_waiting":5}}`),
			req("deliver group", js("CONSUMER.CREATE.S.Q"), `{"stream_name":"S","config":{"name":"Q","deliver_subject":"dlv.q","deliver_group":"grp"}}`),
		),
	},
	{
		name: "consumer.create/deliver_policies",
		steps: steps(
			createS(cfgS),
			fill("s.a", "s.b", "s.a"),
			req("all", js("CONSUMER.CREATE.S.ALL"), `{"stream_name":"S","config":{"name":"ALL","deliver_policy":"all"}}`),
			req("last", js("CONSUMER.CREATE.S.LAST"), `{"stream_name":"S","config":{"name":"LAST","deliver_policy":"last"}}`),
			req("new", js("CONSUMER.CREATE.S.NEW"), `{"stream_name":"S","config":{"name":"NEW","deliver_policy":"new"}}`),
			req("by seq", js("CONSUMER.CREATE.S.SEQ"), `{"stream_name":"S","config":{"name":"SEQ","deliver_policy":"by_start_sequence","opt_start_seq":2}}`),
			req("by seq missing", js("CONSUMER.CREATE.S.SEQ2"), `{"stream_name":"S","config":{"name":"SEQ2","deliver_policy":"by_start_sequence"}}`),
			req("seq with all", js("CONSUMER.CREATE.S.SEQ3"), `{"stream_name":"S","config":{"name":"SEQ3","deliver_policy":"all","opt_start_seq":2}}`),
			req("by time missing", js("CONSUMER.CREATE.S.TIME"), `{"stream_name":"S","config":{"name":"TIME","deliver_policy":"by_start_time"}}`),
			req("last per subject", js("CONSUMER.CREATE.S.LPS.s.a"), `{"stream_name":"S","config":{"name":"LPS","deliver_policy":"last_per_subject","filter_subject":"s.a"}}`),
			req("bad policy", js("CONSUMER.CREATE.S.BAD"), `{"stream_name":"S","config":{"name":"BAD","deliver_policy":"sometimes"}}`),
		),
	},
	{
		name: "consumer.create/invalid",
		steps: steps(
			req("stream not found", js("CONSUMER.CREATE.S.C"), `{"stream_name":"S","config":{"name":"C"}}`),
			createS(cfgS),
			req("bad json", js("CONSUMER.CREATE.S.C"), `{"stream_name":`),
			req("bad ack policy", js("CONSUMER.CREATE.S.C"), `{"stream_name":"S","config":{"name":"C","ack_policy":"maybe"}}`),
			req("replicas 3", js("CONSUMER.CREATE.S.C"), `{"stream_name":"S","config":{"name":"C","num_replicas":3}}`),
			req("backoff without max_deliver", js("CONSUMER.CREATE.S.C"), `{"stream_name":"S","config":{"name":"C","backoff":[1000000000]}}`),
			req("max_deliver 1 with backoff", js("CONSUMER.CREATE.S.C"), `{"stream_name":"S","config":{"name":"C","max_deliver":1,"backoff":[1000000000,2000000000]}}`),
			req("heartbeat on pull", js("CONSUMER.CREATE.S.C"), `{"stream_name":"S","config":{"name":"C","idle_heartbeat":1000000000}}`),
			req("rate limit on pull", js("CONSUMER.CREATE.S.C"), `{"stream_name":"S","config":{"name":"C","rate_limit_bps":1000}}`),
			req("names", js("CONSUMER.NAMES.S"), ""),
		),
	},
	{
		name: "consumer.info",
		steps: steps(
			req("stream not found", js("CONSUMER.INFO.S.C"), ""),
			createS(cfgS),
			req("consumer not found", js("CONSUMER.INFO.S.C"), ""),
			fill("s.a", "s.b", "s.c"),
			createC(`{"name":"C","ack_policy":"explicit"}`),
			req("info", js("CONSUMER.INFO.S.C"), ""),
			collect("fetch 2", js("CONSUMER.MSG.NEXT.S.C"), `{"batch":2}`, 2, time.Second),
			req("info after fetch", js("CONSUMER.INFO.S.C"), ""),
		),
	},
	{
		name: "consumer.names_list/basic",
		steps: steps(
			req("stream not found", js("CONSUMER.NAMES.S"), ""),
			createS(cfgS),
			req("names empty", js("CONSUMER.NAMES.S"), ""),
			req("list empty", js("CONSUMER.LIST.S"), ""),
			req("create B", js("CONSUMER.CREATE.S.B"), `{"stream_name":"S","config":{"name":"B"}}`).setup(),
			req("create A", js("CONSUMER.CREATE.S.A"), `{"stream_name":"S","config":{"name":"A"}}`).setup(),
			req("create C", js("CONSUMER.CREATE.S.C"), `{"stream_name":"S","config":{"durable_name":"C"}}`).setup(),
			req("names", js("CONSUMER.NAMES.S"), ""),
			req("names offset 1", js("CONSUMER.NAMES.S"), `{"offset":1}`),
			req("names offset past end", js("CONSUMER.NAMES.S"), `{"offset":5}`),
			req("list", js("CONSUMER.LIST.S"), ""),
			req("list offset 2", js("CONSUMER.LIST.S"), `{"offset":2}`),
			req("list bad json", js("CONSUMER.LIST.S"), `{"offset":`),
			req("stream info consumers", js("STREAM.INFO.S"), ""),
		),
	},
	{
		name: "consumer.delete",
		steps: steps(
			req("stream not found", js("CONSUMER.DELETE.S.C"), ""),
			createS(cfgS),
			createC(`{"name":"C"}`),
			req("delete", js("CONSUMER.DELETE.S.C"), ""),
			req("delete again", js("CONSUMER.DELETE.S.C"), ""),
			req("info after", js("CONSUMER.INFO.S.C"), ""),
			req("names after", js("CONSUMER.NAMES.S"), ""),
			req("recreate", js("CONSUMER.CREATE.S.C"), `{"stream_name":"S","config":{"name":"C"},"action":"create"}`),
		),
	},
	{
		name: "consumer.next/no_wait_404",
		steps: steps(
			createS(cfgS),
			createC(`{"name":"C","ack_policy":"explicit"}`),
			collect("no_wait empty", js("CONSUMER.MSG.NEXT.S.C"), `{"batch":1,"no_wait":true}`, 0, time.Second),
			fill("s.a"),
			sleep(100*time.Millisecond), // the reference's consumer sees new messages asynchronously
			collect("no_wait batch 3 with one message", js("CONSUMER.MSG.NEXT.S.C"), `{"batch":3,"no_wait":true}`, 0, time.Second),
			collect("no_wait with expires", js("CONSUMER.MSG.NEXT.S.C"), `{"batch":2,"no_wait":true,"expires":500000000}`, 0, 2*time.Second),
		),
	},
	{
		name: "consumer.next/expires_408",
		steps: steps(
			createS(cfgS),
			createC(`{"name":"C","ack_policy":"explicit"}`),
			collect("expires no messages", js("CONSUMER.MSG.NEXT.S.C"), `{"batch":5,"expires":300000000}`, 0, 3*time.Second),
			fill("s.a", "s.b"),
			sleep(100*time.Millisecond), // let the consumer see the new messages: pending counts in ack subjects are racy otherwise
			collect("expires partial batch", js("CONSUMER.MSG.NEXT.S.C"), `{"batch":5,"expires":300000000}`, 0, 3*time.Second),
			req("info", js("CONSUMER.INFO.S.C"), ""),
		),
	},
	{
		name: "consumer.next/batch",
		steps: steps(
			createS(cfgS),
			fill("s.1", "s.2", "s.3", "s.4", "s.5", "s.6"),
			createC(`{"name":"C","ack_policy":"explicit"}`),
			collect("batch 3", js("CONSUMER.MSG.NEXT.S.C"), `{"batch":3}`, 3, time.Second),
			collect("empty body", js("CONSUMER.MSG.NEXT.S.C"), ``, 1, time.Second),
			collect("integer body", js("CONSUMER.MSG.NEXT.S.C"), `2`, 2, time.Second),
			req("info", js("CONSUMER.INFO.S.C"), ""),
		),
	},
	{
		name: "consumer.next/max_bytes_409",
		steps: steps(
			createS(cfgS),
			pub("big", "s.a", "0123456789012345678901234567890123456789012345678901234567890123456789"),
			createC(`{"name":"C","ack_policy":"explicit"}`),
			collect("max_bytes too small", js("CONSUMER.MSG.NEXT.S.C"), `{"batch":1,"max_bytes":10}`, 0, time.Second),
		),
	},
	{
		name: "consumer.next/bad_requests",
		steps: steps(
			createS(cfgS),
			createC(`{"name":"C","ack_policy":"explicit","max_batch":2,"max_expires":1000000000}`),
			collect("batch over max_batch", js("CONSUMER.MSG.NEXT.S.C"), `{"batch":5,"expires":200000000}`, 0, time.Second),
			collect("expires over max_expires", js("CONSUMER.MSG.NEXT.S.C"), `{"batch":1,"expires":5000000000}`, 0, time.Second),
			collect("heartbeat over half expires", js("CONSUMER.MSG.NEXT.S.C"), `{"batch":1,"expires":600000000,"idle_heartbeat":500000000}`, 0, time.Second),
			collect("malformed", js("CONSUMER.MSG.NEXT.S.C"), `{"batch":`, 0, time.Second),
			createN(`{"name":"N","subjects":["n.>"],"storage":"memory"}`),
			req("push consumer", js("CONSUMER.CREATE.N.P"), `{"stream_name":"N","config":{"name":"P","deliver_subject":"dlv.p"}}`).setup(),
			collect("pull on push consumer", js("CONSUMER.MSG.NEXT.N.P"), `{"batch":1,"no_wait":true}`, 0, time.Second),
			collect("pull on missing consumer", js("CONSUMER.MSG.NEXT.N.NOPE"), `{"batch":1,"no_wait":true}`, 0, time.Second),
		),
	},
	{
		name: "consumer.ack",
		steps: steps(
			createS(cfgS),
			fill("s.1", "s.2", "s.3"),
			createC(`{"name":"C","ack_policy":"explicit","ack_wait":30000000000}`),
			collect("fetch 3", js("CONSUMER.MSG.NEXT.S.C"), `{"batch":3}`, 3, time.Second).
				capt("ack1", "msgs.0.reply").capt("ack2", "msgs.1.reply").capt("ack3", "msgs.2.reply"),
			req("double ack first", "{{ack1}}", "+ACK"),
			send("{{ack2}}", "+TERM"),
			sleep(50*time.Millisecond),
			req("info after ack and term", js("CONSUMER.INFO.S.C"), ""),
			send("{{ack3}}", "-NAK"),
			sleep(50*time.Millisecond),
			collect("redelivery", js("CONSUMER.MSG.NEXT.S.C"), `{"batch":1}`, 1, time.Second),
			req("info after nak", js("CONSUMER.INFO.S.C"), ""),
		),
	},
	{
		name: "consumer.names_list/paging",
		steps: steps(
			createS(cfgS),
			manyConsumers(260),
			req("names", js("CONSUMER.NAMES.S"), ""),
			req("list", js("CONSUMER.LIST.S"), ""),
			req("list offset 256", js("CONSUMER.LIST.S"), `{"offset":256}`),
			req("names offset 258", js("CONSUMER.NAMES.S"), `{"offset":258}`),
		),
	},
	{
		name: "consumer.pause",
		steps: steps(
			req("stream not found", js("CONSUMER.PAUSE.S.C"), `{"pause_until":"`+farFuture+`"}`),
			createS(cfgS),
			req("consumer not found", js("CONSUMER.PAUSE.S.C"), `{"pause_until":"`+farFuture+`"}`),
			createC(`{"name":"C"}`),
			req("pause", js("CONSUMER.PAUSE.S.C"), `{"pause_until":"`+farFuture+`"}`),
			req("info paused", js("CONSUMER.INFO.S.C"), ""),
			req("resume", js("CONSUMER.PAUSE.S.C"), `{}`),
			req("info resumed", js("CONSUMER.INFO.S.C"), ""),
			req("pause in the past", js("CONSUMER.PAUSE.S.C"), `{"pause_until":"2001-01-01T00:00:00Z"}`),
			req("create paused", js("CONSUMER.CREATE.S.P"), `{"stream_name":"S","config":{"name":"P","pause_until":"`+farFuture+`"}}`),
			req("bad json", js("CONSUMER.PAUSE.S.C"), `{"pause_until":`),
		),
	},
}

// manyConsumers creates n consumers C000.. on stream S (setup steps).
func manyConsumers(n int) []step {
	out := make([]step, n)
	for i := range out {
		name := fmt.Sprintf("C%03d", i)
		out[i] = req("create "+name, js("CONSUMER.CREATE.S."+name), `{"stream_name":"S","config":{"name":"`+name+`"}}`).setup()
	}
	return out
}
