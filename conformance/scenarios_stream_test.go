package conformance

// Stream scenarios: $JS.API.INFO and the STREAM.* endpoints.

import "fmt"

const (
	// cfgS is the stream most scenarios use.
	cfgS = `{"name":"S","subjects":["s.>"],"storage":"memory"}`
	// cfgSDirect is cfgS with direct gets.
	cfgSDirect = `{"name":"S","subjects":["s.>"],"storage":"memory","allow_direct":true}`
)

// createS creates stream S (a setup step).
func createS(cfg string) step {
	return req("create S", js("STREAM.CREATE.S"), cfg).setup()
}

// fill publishes one message per subject, in order.
func fill(subjects ...string) []step {
	out := make([]step, len(subjects))
	for i, s := range subjects {
		out[i] = pub("pub "+s, s, "m"+s).setup()
	}
	return out
}

func steps(parts ...any) []step {
	var out []step
	for _, p := range parts {
		switch x := p.(type) {
		case step:
			out = append(out, x)
		case []step:
			out = append(out, x...)
		default:
			panic("steps: bad part")
		}
	}
	return out
}

var streamScenarios = []scenario{
	{
		name:  "info/empty",
		steps: steps(req("info", js("INFO"), "")),
	},
	{
		name: "info/usage",
		steps: steps(
			createS(cfgS),
			fill("s.a", "s.b", "s.c"),
			req("consumer", js("CONSUMER.CREATE.S.C"), `{"stream_name":"S","config":{"name":"C"}}`).setup(),
			req("info", js("INFO"), ""),
		),
	},
	{
		name: "info/required_api_level",
		steps: steps(
			req("info level 100", js("INFO"), "").hdr("Nats-Required-Api-Level", "100"),
			req("create level 100", js("STREAM.CREATE.S"), cfgS).hdr("Nats-Required-Api-Level", "100"),
			req("names level 100", js("STREAM.NAMES"), "").hdr("Nats-Required-Api-Level", "100"),
			req("info level 0", js("INFO"), "").hdr("Nats-Required-Api-Level", "0"),
			req("info level bogus", js("INFO"), "").hdr("Nats-Required-Api-Level", "abc"),
			req("names after", js("STREAM.NAMES"), ""),
		),
	},
	{
		name: "api/unknown_endpoints",
		steps: steps(
			req("stream bogus", js("STREAM.BOGUS.S"), "").within(500e6),
			req("consumer bogus", js("CONSUMER.BOGUS.S.C"), "").within(500e6),
			req("top bogus", js("BOGUS"), "").within(500e6),
		),
	},
	{
		name: "stream.create/defaults",
		steps: steps(
			req("create", js("STREAM.CREATE.S"), `{"name":"S","storage":"memory"}`),
			req("info", js("STREAM.INFO.S"), ""),
		),
	},
	{
		name: "stream.create/subjects",
		steps: steps(
			req("create", js("STREAM.CREATE.S"), `{"name":"S","subjects":["s.>","t.*","u"],"storage":"memory"}`),
		),
	},
	{
		name: "stream.create/same_config_twice",
		steps: steps(
			req("create", js("STREAM.CREATE.S"), cfgS),
			req("create again", js("STREAM.CREATE.S"), cfgS),
			req("create with defaults spelled out", js("STREAM.CREATE.S"),
				`{"name":"S","subjects":["s.>"],"storage":"memory","retention":"limits","max_consumers":-1,"max_msgs":-1,"max_bytes":-1,"max_age":0,"max_msg_size":-1,"discard":"old","num_replicas":1,"duplicate_window":120000000000}`),
		),
	},
	{
		name: "stream.create/different_config",
		steps: steps(
			createS(cfgS),
			req("different subjects", js("STREAM.CREATE.S"), `{"name":"S","subjects":["x.>"],"storage":"memory"}`),
			req("different limits", js("STREAM.CREATE.S"), `{"name":"S","subjects":["s.>"],"storage":"memory","max_msgs":10}`),
		),
	},
	{
		name: "stream.create/overlapping_subjects",
		steps: steps(
			createS(cfgS),
			req("same subjects", js("STREAM.CREATE.T"), `{"name":"T","subjects":["s.>"],"storage":"memory"}`),
			req("narrower", js("STREAM.CREATE.T"), `{"name":"T","subjects":["s.a"],"storage":"memory"}`),
			req("wider", js("STREAM.CREATE.T"), `{"name":"T","subjects":[">"],"storage":"memory"}`),
			req("self overlap", js("STREAM.CREATE.U"), `{"name":"U","subjects":["u.>","u.a"],"storage":"memory"}`),
			req("duplicate subject", js("STREAM.CREATE.V"), `{"name":"V","subjects":["v.a","v.a"],"storage":"memory"}`),
			req("disjoint", js("STREAM.CREATE.W"), `{"name":"W","subjects":["w.>"],"storage":"memory"}`),
		),
	},
	{
		name: "stream.create/name_mismatch",
		steps: steps(
			req("mismatch", js("STREAM.CREATE.S"), `{"name":"T","storage":"memory"}`),
			req("empty name", js("STREAM.CREATE.S"), `{"name":"","storage":"memory"}`),
			req("no name", js("STREAM.CREATE.S"), `{"subjects":["s.>"],"storage":"memory"}`),
			req("empty body", js("STREAM.CREATE.S2"), ""),
			req("names", js("STREAM.NAMES"), ""),
		),
	},
	{
		name: "stream.create/bad_json",
		steps: steps(
			req("truncated", js("STREAM.CREATE.S"), `{"name":`),
			req("not json", js("STREAM.CREATE.S"), `hello`),
			req("wrong type", js("STREAM.CREATE.S"), `{"name":"S","max_msgs":"ten"}`),
			req("array", js("STREAM.CREATE.S"), `[1,2]`),
		),
	},
	{
		name: "stream.create/invalid_names",
		steps: steps(
			req("star", js("STREAM.CREATE.*"), `{"name":"*","storage":"memory"}`),
			req("gt", js("STREAM.CREATE.>"), `{"name":">","storage":"memory"}`),
			req("dot", js("STREAM.CREATE.a.b"), `{"name":"a.b","storage":"memory"}`).within(500e6),
			req("space in body", js("STREAM.CREATE.ab"), `{"name":"a b","storage":"memory"}`),
			req("slash", js("STREAM.CREATE.a/b"), `{"name":"a/b","storage":"memory"}`),
			req("backslash", js("STREAM.CREATE.a\\b"), `{"name":"a\\b","storage":"memory"}`),
			req("long", js("STREAM.CREATE.N"+long300), `{"name":"N`+long300+`","storage":"memory"}`),
			req("names", js("STREAM.NAMES"), ""),
		),
	},
	{
		name: "stream.create/replicas",
		steps: steps(
			req("replicas 3", js("STREAM.CREATE.S"), `{"name":"S","subjects":["s.>"],"storage":"memory","num_replicas":3}`),
			req("replicas 0", js("STREAM.CREATE.T"), `{"name":"T","subjects":["t.>"],"storage":"memory","num_replicas":0}`),
			req("replicas 6", js("STREAM.CREATE.U"), `{"name":"U","subjects":["u.>"],"storage":"memory","num_replicas":6}`),
			req("replicas -1", js("STREAM.CREATE.V"), `{"name":"V","subjects":["v.>"],"storage":"memory","num_replicas":-1}`),
		),
	},
	{
		name: "stream.create/invalid_configs",
		steps: steps(
			req("bad retention", js("STREAM.CREATE.A"), `{"name":"A","storage":"memory","retention":"forever"}`),
			req("bad storage", js("STREAM.CREATE.B"), `{"name":"B","storage":"tape"}`),
			req("bad discard", js("STREAM.CREATE.C"), `{"name":"C","storage":"memory","discard":"middle"}`),
			req("negative max_age", js("STREAM.CREATE.D"), `{"name":"D","storage":"memory","max_age":-5}`),
			req("dup window over max_age", js("STREAM.CREATE.E"), `{"name":"E","storage":"memory","max_age":1000000000,"duplicate_window":5000000000}`),
			req("per-subject discard without new", js("STREAM.CREATE.F"), `{"name":"F","storage":"memory","discard_new_per_subject":true,"max_msgs_per_subject":1}`),
			req("per-subject discard without limit", js("STREAM.CREATE.G"), `{"name":"G","storage":"memory","discard":"new","discard_new_per_subject":true}`),
			req("max_msg_size over max_payload", js("STREAM.CREATE.H"), `{"name":"H","storage":"memory","max_msg_size":2000000}`),
			req("bad subject", js("STREAM.CREATE.I"), `{"name":"I","storage":"memory","subjects":["a..b"]}`),
			req("empty subject", js("STREAM.CREATE.J"), `{"name":"J","storage":"memory","subjects":[""]}`),
			req("api subjects", js("STREAM.CREATE.K"), `{"name":"K","storage":"memory","subjects":["$JS.API.>"]}`),
			req("bad compression", js("STREAM.CREATE.L"), `{"name":"L","storage":"memory","compression":"zip"}`),
			req("sealed on create", js("STREAM.CREATE.M"), `{"name":"M","storage":"memory","sealed":true}`),
			req("ttl marker without ttl", js("STREAM.CREATE.N"), `{"name":"N","storage":"memory","subject_delete_marker_ttl":1000000000}`),
			req("names", js("STREAM.NAMES"), ""),
		),
	},
	{
		name: "stream.create/full_config",
		steps: steps(
			req("create", js("STREAM.CREATE.S"), `{"name":"S","description":"all the things","subjects":["s.>"],"storage":"memory",
				"retention":"limits","max_consumers":10,"max_msgs":1000,"max_bytes":1048576,"max_age":3600000000000,
				"max_msgs_per_subject":5,"max_msg_size":4096,"discard":"new","num_replicas":1,"duplicate_window":60000000000,
				"allow_rollup_hdrs":true,"deny_delete":true,"deny_purge":false,"allow_direct":true,"mirror_direct":false,
				"compression":"none","first_seq":100,"metadata":{"owner":"conformance"}}`),
			req("info", js("STREAM.INFO.S"), ""),
		),
	},
	{
		name: "stream.create/retention_policies",
		steps: steps(
			req("workqueue", js("STREAM.CREATE.W"), `{"name":"W","subjects":["w.>"],"storage":"memory","retention":"workqueue"}`),
			req("interest", js("STREAM.CREATE.I"), `{"name":"I","subjects":["i.>"],"storage":"memory","retention":"interest"}`),
		),
	},
	{
		name: "stream.create/msg_ttl",
		steps: steps(
			req("allow ttl", js("STREAM.CREATE.S"), `{"name":"S","subjects":["s.>"],"storage":"memory","allow_msg_ttl":true}`),
			req("delete markers", js("STREAM.CREATE.T"), `{"name":"T","subjects":["t.>"],"storage":"memory","allow_msg_ttl":true,"allow_rollup_hdrs":true,"subject_delete_marker_ttl":1000000000}`),
		),
	},
	{
		name: "stream.create/metadata",
		steps: steps(
			req("create", js("STREAM.CREATE.S"), `{"name":"S","subjects":["s.>"],"storage":"memory","metadata":{"a":"1","b":"2"}}`),
			req("again with server keys", js("STREAM.CREATE.S"), `{"name":"S","subjects":["s.>"],"storage":"memory","metadata":{"a":"1","b":"2","_nats.req.level":"0"}}`),
		),
	},
	{
		name: "stream.update/allowed",
		steps: steps(
			createS(cfgS),
			fill("s.a", "s.b"),
			req("update", js("STREAM.UPDATE.S"), `{"name":"S","subjects":["s.>","x.>"],"storage":"memory","description":"updated","max_msgs":100,"allow_direct":true,"max_age":3600000000000}`),
			pub("pub new subject", "x.1", "x"),
			req("info", js("STREAM.INFO.S"), ""),
			req("update no change", js("STREAM.UPDATE.S"), `{"name":"S","subjects":["s.>","x.>"],"storage":"memory","description":"updated","max_msgs":100,"allow_direct":true,"max_age":3600000000000}`),
		),
	},
	{
		name: "stream.update/forbidden",
		steps: steps(
			req("create", js("STREAM.CREATE.S"), `{"name":"S","subjects":["s.>"],"storage":"memory","deny_delete":true,"allow_msg_ttl":true}`).setup(),
			req("change storage", js("STREAM.UPDATE.S"), `{"name":"S","subjects":["s.>"],"storage":"file","deny_delete":true,"allow_msg_ttl":true}`),
			req("change retention", js("STREAM.UPDATE.S"), `{"name":"S","subjects":["s.>"],"storage":"memory","retention":"workqueue","deny_delete":true,"allow_msg_ttl":true}`),
			req("undo deny_delete", js("STREAM.UPDATE.S"), `{"name":"S","subjects":["s.>"],"storage":"memory","allow_msg_ttl":true}`),
			req("disable ttl", js("STREAM.UPDATE.S"), `{"name":"S","subjects":["s.>"],"storage":"memory","deny_delete":true}`),
			req("name mismatch", js("STREAM.UPDATE.S"), `{"name":"T","subjects":["s.>"],"storage":"memory","deny_delete":true,"allow_msg_ttl":true}`),
			req("replicas 3", js("STREAM.UPDATE.S"), `{"name":"S","subjects":["s.>"],"storage":"memory","deny_delete":true,"allow_msg_ttl":true,"num_replicas":3}`),
			req("bad json", js("STREAM.UPDATE.S"), `{`),
			req("info", js("STREAM.INFO.S"), ""),
		),
	},
	{
		name: "stream.update/not_found_and_overlap",
		steps: steps(
			req("not found", js("STREAM.UPDATE.S"), cfgS),
			createS(cfgS),
			req("create T", js("STREAM.CREATE.T"), `{"name":"T","subjects":["t.>"],"storage":"memory"}`).setup(),
			req("overlap", js("STREAM.UPDATE.T"), `{"name":"T","subjects":["t.>","s.a"],"storage":"memory"}`),
		),
	},
	{
		name: "stream.info/subjects_filter",
		steps: steps(
			createS(cfgS),
			fill("s.a.1", "s.a.2", "s.b.1", "s.a.1"),
			req("all subjects", js("STREAM.INFO.S"), `{"subjects_filter":">"}`),
			req("filtered", js("STREAM.INFO.S"), `{"subjects_filter":"s.a.*"}`),
			req("literal", js("STREAM.INFO.S"), `{"subjects_filter":"s.b.1"}`),
			req("no match", js("STREAM.INFO.S"), `{"subjects_filter":"zzz"}`),
			req("no filter", js("STREAM.INFO.S"), `{}`),
		),
	},
	{
		name: "stream.info/deleted_details",
		steps: steps(
			createS(cfgS),
			fill("s.1", "s.2", "s.3", "s.4", "s.5"),
			req("delete 2", js("STREAM.MSG.DELETE.S"), `{"seq":2}`).setup(),
			req("delete 4", js("STREAM.MSG.DELETE.S"), `{"seq":4}`).setup(),
			req("with details", js("STREAM.INFO.S"), `{"deleted_details":true}`),
			req("without details", js("STREAM.INFO.S"), ``),
		),
	},
	{
		name: "stream.info/errors",
		steps: steps(
			req("not found", js("STREAM.INFO.NOPE"), ""),
			createS(cfgS),
			req("bad json", js("STREAM.INFO.S"), `{"subjects_filter":`),
		),
	},
	{
		name: "stream.names_list/paging_and_filter",
		steps: steps(
			req("create B", js("STREAM.CREATE.B"), `{"name":"B","subjects":["b.>"],"storage":"memory"}`).setup(),
			req("create A", js("STREAM.CREATE.A"), `{"name":"A","subjects":["a.>"],"storage":"memory"}`).setup(),
			req("create C", js("STREAM.CREATE.C"), `{"name":"C","subjects":["c.x","c.y"],"storage":"memory"}`).setup(),
			req("names", js("STREAM.NAMES"), ""),
			req("names offset 1", js("STREAM.NAMES"), `{"offset":1}`),
			req("names offset past end", js("STREAM.NAMES"), `{"offset":10}`),
			req("names subject b.>", js("STREAM.NAMES"), `{"subject":"b.>"}`),
			req("names subject c.x", js("STREAM.NAMES"), `{"subject":"c.x"}`),
			req("names subject none", js("STREAM.NAMES"), `{"subject":"zzz"}`),
			req("list", js("STREAM.LIST"), ""),
			req("list offset 2", js("STREAM.LIST"), `{"offset":2}`),
			req("list subject", js("STREAM.LIST"), `{"subject":"a.*"}`),
		),
	},
	{
		name: "stream.names_list/paging",
		steps: steps(
			manyStreams(260),
			req("names", js("STREAM.NAMES"), ""),
			req("names offset 250", js("STREAM.NAMES"), `{"offset":250}`),
			req("list", js("STREAM.LIST"), ""),
			req("list offset 256", js("STREAM.LIST"), `{"offset":256}`),
			req("list subject filter", js("STREAM.LIST"), `{"subject":"m.S007.x"}`),
		),
	},
	{
		name: "stream.names_list/empty",
		steps: steps(
			req("names", js("STREAM.NAMES"), ""),
			req("list", js("STREAM.LIST"), ""),
			req("names bad json", js("STREAM.NAMES"), "{"),
		),
	},
	{
		name: "stream.delete",
		steps: steps(
			createS(cfgS),
			fill("s.a"),
			req("delete", js("STREAM.DELETE.S"), ""),
			req("delete again", js("STREAM.DELETE.S"), ""),
			req("info after", js("STREAM.INFO.S"), ""),
			pub("publish after", "s.a", "x"),
			req("recreate", js("STREAM.CREATE.S"), cfgS),
		),
	},
	{
		name: "stream.purge/all",
		steps: steps(
			createS(cfgS),
			fill("s.a", "s.b", "s.c"),
			req("purge", js("STREAM.PURGE.S"), ""),
			req("info", js("STREAM.INFO.S"), ""),
			pub("publish after purge", "s.a", "x"),
			req("purge empty body object", js("STREAM.PURGE.S"), "{}"),
		),
	},
	{
		name: "stream.purge/filter",
		steps: steps(
			createS(cfgS),
			fill("s.a.1", "s.b.1", "s.a.2", "s.b.2", "s.a.1"),
			req("purge literal", js("STREAM.PURGE.S"), `{"filter":"s.a.1"}`),
			req("purge wildcard", js("STREAM.PURGE.S"), `{"filter":"s.b.*"}`),
			req("purge nothing", js("STREAM.PURGE.S"), `{"filter":"zzz"}`),
			req("info", js("STREAM.INFO.S"), `{"subjects_filter":">"}`),
		),
	},
	{
		name: "stream.purge/seq",
		steps: steps(
			createS(cfgS),
			fill("s.a", "s.b", "s.a", "s.b", "s.a", "s.b"),
			req("purge below 3", js("STREAM.PURGE.S"), `{"seq":3}`),
			req("purge s.a below 6", js("STREAM.PURGE.S"), `{"filter":"s.a","seq":6}`),
			req("info", js("STREAM.INFO.S"), ""),
			req("purge beyond last", js("STREAM.PURGE.S"), `{"seq":100}`),
			req("info after", js("STREAM.INFO.S"), ""),
		),
	},
	{
		name: "stream.purge/keep",
		steps: steps(
			createS(cfgS),
			fill("s.a", "s.b", "s.a", "s.b", "s.a", "s.b"),
			req("keep 1 of s.a", js("STREAM.PURGE.S"), `{"filter":"s.a","keep":1}`),
			req("keep 2", js("STREAM.PURGE.S"), `{"keep":2}`),
			req("keep more than there are", js("STREAM.PURGE.S"), `{"keep":10}`),
			req("info", js("STREAM.INFO.S"), ""),
		),
	},
	{
		name: "stream.purge/errors",
		steps: steps(
			req("not found", js("STREAM.PURGE.S"), ""),
			createS(cfgS),
			fill("s.a", "s.b"),
			req("seq and keep", js("STREAM.PURGE.S"), `{"seq":2,"keep":1}`),
			req("bad json", js("STREAM.PURGE.S"), `{"keep":`),
			req("deny purge", js("STREAM.CREATE.D"), `{"name":"D","subjects":["d.>"],"storage":"memory","deny_purge":true}`).setup(),
			req("purge denied", js("STREAM.PURGE.D"), ""),
		),
	},
	{
		name: "stream.msg.get/forms",
		steps: steps(
			createS(cfgS),
			fill("s.a", "s.b", "s.a"),
			pub("pub with headers", "s.h", "hello").hdr("X-Test", "1").hdr("X-Multi", "a").hdr("X-Multi", "b"),
			req("seq 1", js("STREAM.MSG.GET.S"), `{"seq":1}`),
			req("seq with headers", js("STREAM.MSG.GET.S"), `{"seq":4}`),
			req("last_by_subj", js("STREAM.MSG.GET.S"), `{"last_by_subj":"s.a"}`),
			req("last_by_subj wildcard", js("STREAM.MSG.GET.S"), `{"last_by_subj":"s.*"}`),
			req("next_by_subj", js("STREAM.MSG.GET.S"), `{"next_by_subj":"s.a","seq":2}`),
			req("next_by_subj from start", js("STREAM.MSG.GET.S"), `{"next_by_subj":"s.b"}`),
			req("next_by_subj wildcard", js("STREAM.MSG.GET.S"), `{"next_by_subj":"s.>","seq":2}`),
		),
	},
	{
		name: "stream.msg.get/errors",
		steps: steps(
			req("stream not found", js("STREAM.MSG.GET.S"), `{"seq":1}`),
			createS(cfgS),
			fill("s.a", "s.b"),
			req("missing seq", js("STREAM.MSG.GET.S"), `{"seq":10}`),
			req("missing subject", js("STREAM.MSG.GET.S"), `{"last_by_subj":"s.zzz"}`),
			req("next past end", js("STREAM.MSG.GET.S"), `{"next_by_subj":"s.a","seq":2}`),
			req("seq 0", js("STREAM.MSG.GET.S"), `{"seq":0}`),
			req("empty body", js("STREAM.MSG.GET.S"), ``),
			req("seq and last_by_subj", js("STREAM.MSG.GET.S"), `{"seq":1,"last_by_subj":"s.a"}`),
			req("bad json", js("STREAM.MSG.GET.S"), `{"seq":`),
			req("deleted seq", js("STREAM.MSG.DELETE.S"), `{"seq":1}`).setup(),
			req("get deleted", js("STREAM.MSG.GET.S"), `{"seq":1}`),
		),
	},
	{
		name: "stream.msg.delete",
		steps: steps(
			req("stream not found", js("STREAM.MSG.DELETE.S"), `{"seq":1}`),
			createS(cfgS),
			fill("s.a", "s.b", "s.c", "s.d"),
			req("delete", js("STREAM.MSG.DELETE.S"), `{"seq":2}`),
			req("delete no_erase", js("STREAM.MSG.DELETE.S"), `{"seq":3,"no_erase":true}`),
			req("delete again", js("STREAM.MSG.DELETE.S"), `{"seq":2}`),
			req("delete missing", js("STREAM.MSG.DELETE.S"), `{"seq":99}`),
			req("delete seq 0", js("STREAM.MSG.DELETE.S"), `{"seq":0}`),
			req("delete first", js("STREAM.MSG.DELETE.S"), `{"seq":1}`),
			req("delete below first", js("STREAM.MSG.DELETE.S"), `{"seq":1}`),
			req("info", js("STREAM.INFO.S"), `{"deleted_details":true}`),
			req("create deny", js("STREAM.CREATE.D"), `{"name":"D","subjects":["d.>"],"storage":"memory","deny_delete":true}`).setup(),
			pub("pub d", "d.1", "x").setup(),
			req("delete denied", js("STREAM.MSG.DELETE.D"), `{"seq":1}`),
		),
	},
}

// long300 is a 300-character name token.
var long300 = func() string {
	b := make([]byte, 300)
	for i := range b {
		b[i] = 'x'
	}
	return string(b)
}()

// manyStreams creates n streams S000.. with subjects m.<name>.> (setup steps).
func manyStreams(n int) []step {
	out := make([]step, n)
	for i := range out {
		name := fmt.Sprintf("S%03d", i)
		out[i] = req("create "+name, js("STREAM.CREATE."+name), `{"name":"`+name+`","subjects":["m.`+name+`.>"],"storage":"memory"}`).setup()
	}
	return out
}
