package jsapi

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzParseAPISubject: parsing never panics, and a parsed subject builds
// back to the same string.
func FuzzParseAPISubject(f *testing.F) {
	for _, s := range []string{
		"$JS.API.INFO", "$JS.API.STREAM.INFO.S", "$JS.hub.API.CONSUMER.CREATE.S.c.a.>",
		"$JS.API.DIRECT.GET.S.a.b.c", "$JS.API.CONSUMER.DURABLE.CREATE.S.d", "$JS.API..",
		"$JS.API.ACCOUNT.STREAM.MOVE.A.S", "$JS.ACK.S.c.1.2.3.4.5",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := ParseAPISubject(s)
		if !ok {
			return
		}
		if got := p.String(); got != s {
			t.Fatalf("ParseAPISubject(%q) = %+v, which builds %q", s, p, got)
		}
		if a, ok := ParseAckReply(s); ok {
			t.Fatalf("%q parses as an API subject and as an ack %+v", s, a)
		}
	})
}

// FuzzStreamConfig: decoding and validating any JSON never panics,
// validation does not modify its input, and a config that validates is
// left valid and unchanged by another round of defaults.
func FuzzStreamConfig(f *testing.F) {
	for _, s := range []string{
		`{"name":"S"}`,
		`{"name":"S","subjects":["a.>"],"max_age":1000000000,"republish":{"dest":"x.>"}}`,
		`{"name":"M","mirror":{"name":"S","subject_transforms":[{"src":"a.*","dest":"b.{{wildcard(1)}}"}]}}`,
		`{"name":"A","sources":[{"name":"A"},{"name":"B","external":{"api":"$JS.h.API","deliver":"d"}}]}`,
		`{"name":"S","subject_delete_marker_ttl":1000000000,"allow_msg_schedules":true,"deny_purge":true}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var c StreamConfig
		if json.Unmarshal(data, &c) != nil {
			return
		}
		before := c.Clone()
		err := c.Validate()
		if !reflect.DeepEqual(before, &c) {
			t.Fatal("Validate modified its input")
		}
		if err != nil {
			return
		}
		if err := c.Normalize(CheckOptions{}); err != nil {
			t.Fatalf("Validate passed but Normalize failed: %v", err)
		}
		again := c.Clone()
		again.SetDefaults()
		if !reflect.DeepEqual(again, &c) {
			t.Fatalf("defaults changed a normalized config:\n%+v\n%+v", c, *again)
		}
	})
}

// FuzzConsumerConfig: defaults and validation never panic.
func FuzzConsumerConfig(f *testing.F) {
	for _, s := range []string{
		`{"durable_name":"d","ack_policy":"explicit"}`,
		`{"deliver_subject":"x","flow_control":true,"idle_heartbeat":1000000000}`,
		`{"filter_subjects":["a.*","*.b"],"priority_policy":"pinned_client","priority_groups":["g"]}`,
		`{"deliver_policy":"by_start_time","opt_start_time":"2026-01-01T00:00:00Z","sample_freq":"5%"}`,
	} {
		f.Add([]byte(s))
	}
	stream := StreamConfig{Name: "S", Subjects: []string{"s.>"}, Replicas: 3, Retention: InterestPolicy}
	f.Fuzz(func(t *testing.T, data []byte) {
		var c ConsumerConfig
		if json.Unmarshal(data, &c) != nil {
			return
		}
		c.SetDefaults(&stream)
		_ = c.Validate(&stream)
		_ = c.CheckNew(&stream)
		_ = c.CheckUpdate(c.Clone(), false)
	})
}
