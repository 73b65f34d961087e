package jsapi

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestStreamSetDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   StreamConfig
		want StreamConfig
	}{{
		name: "minimal",
		in:   StreamConfig{Name: "S"},
		want: StreamConfig{Name: "S", Subjects: []string{"S"}, MaxConsumers: -1, MaxMsgs: -1, MaxBytes: -1,
			MaxMsgsPer: -1, MaxMsgSize: -1, Replicas: 1, Duplicates: 2 * time.Minute},
	}, {
		name: "max age below the duplicate window",
		in:   StreamConfig{Name: "S", Subjects: []string{"a"}, MaxAge: time.Minute, MaxMsgs: -7, Replicas: 3},
		want: StreamConfig{Name: "S", Subjects: []string{"a"}, MaxAge: time.Minute, MaxConsumers: -1, MaxMsgs: -1,
			MaxBytes: -1, MaxMsgsPer: -1, MaxMsgSize: -1, Replicas: 3, Duplicates: time.Minute},
	}, {
		name: "mirror gets no duplicate window and no subjects",
		in:   StreamConfig{Name: "M", Mirror: &StreamSource{Name: "S"}},
		want: StreamConfig{Name: "M", Mirror: &StreamSource{Name: "S"}, MaxConsumers: -1, MaxMsgs: -1,
			MaxBytes: -1, MaxMsgsPer: -1, MaxMsgSize: -1, Replicas: 1},
	}, {
		name: "delete markers imply TTLs and roll-ups",
		in: StreamConfig{Name: "S", Subjects: []string{"a"}, SubjectDeleteMarkerTTL: time.Second, DenyPurge: true,
			Duplicates: time.Second, MaxMsgs: 1, MaxBytes: 2, MaxMsgsPer: 3, MaxMsgSize: 4, MaxConsumers: 5,
			Placement: &Placement{}, RePublish: &RePublish{Destination: "x.>"}},
		want: StreamConfig{Name: "S", Subjects: []string{"a"}, SubjectDeleteMarkerTTL: time.Second, AllowMsgTTL: true,
			AllowRollup: true, Duplicates: time.Second, MaxMsgs: 1, MaxBytes: 2, MaxMsgsPer: 3, MaxMsgSize: 4,
			MaxConsumers: 5, Replicas: 1, RePublish: &RePublish{Source: ">", Destination: "x.>"}},
	}, {
		name: "implicit republish follows the transform",
		in: StreamConfig{Name: "S", Subjects: []string{"in.>"}, AllowMsgSchedules: true,
			SubjectTransform: &SubjectTransformConfig{Source: "in.>", Destination: "out.>"},
			RePublish:        &RePublish{Source: ">", Destination: ">"}},
		want: StreamConfig{Name: "S", Subjects: []string{"in.>"}, AllowMsgSchedules: true, AllowRollup: true,
			SubjectTransform: &SubjectTransformConfig{Source: "in.>", Destination: "out.>"},
			RePublish:        &RePublish{Source: "out.>", Destination: "out.>"},
			MaxConsumers:     -1, MaxMsgs: -1, MaxBytes: -1, MaxMsgsPer: -1, MaxMsgSize: -1, Replicas: 1, Duplicates: 2 * time.Minute},
	}}
	for _, tt := range tests {
		got := *tt.in.Clone()
		got.SetDefaults()
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\ngot  %+v\nwant %+v", tt.name, got, tt.want)
		}
		again := *got.Clone()
		again.SetDefaults()
		if !reflect.DeepEqual(again, got) {
			t.Errorf("%s: SetDefaults is not idempotent", tt.name)
		}
		// Normalize on a valid config gives the same result.
		norm := *tt.in.Clone()
		if err := norm.Normalize(CheckOptions{}); err != nil {
			t.Errorf("%s: Normalize: %v", tt.name, err)
		} else if !reflect.DeepEqual(norm, got) {
			t.Errorf("%s: Normalize differs from SetDefaults:\n%+v\n%+v", tt.name, norm, got)
		}
	}
}

func TestStreamDefaultsWithLimits(t *testing.T) {
	t.Parallel()
	c := StreamConfig{Name: "S"}
	if err := c.Normalize(CheckOptions{Limits: Limits{Duplicates: 30 * time.Second}}); err != nil {
		t.Fatal(err)
	}
	if c.Duplicates != 30*time.Second {
		t.Errorf("duplicate window %v, want the server limit", c.Duplicates)
	}
	c = StreamConfig{Name: "S", Duplicates: time.Minute}
	err := c.Normalize(CheckOptions{Limits: Limits{Duplicates: 30 * time.Second}})
	wantErr(t, "over the server limit", err, 10052, "duplicates window can not be larger then server limit of 30s")
}

func wantErr(t *testing.T, name string, err *ApiError, code uint16, desc string) {
	t.Helper()
	switch {
	case err == nil && code == 0:
	case err == nil:
		t.Errorf("%s: no error, want %d %q", name, code, desc)
	case code == 0:
		t.Errorf("%s: unexpected error %v", name, err)
	case err.ErrCode != code || (desc != "" && err.Description != desc):
		t.Errorf("%s: got %d %q, want %d %q", name, err.ErrCode, err.Description, code, desc)
	}
}

func TestStreamValidate(t *testing.T) {
	t.Parallel()
	base := func(mod func(c *StreamConfig)) StreamConfig {
		c := StreamConfig{Name: "S", Subjects: []string{"s.>"}}
		if mod != nil {
			mod(&c)
		}
		return c
	}
	long := strings.Repeat("x", MaxNameLen+1)
	tests := []struct {
		name string
		cfg  StreamConfig
		opts CheckOptions
		code uint16
		desc string
	}{
		{"valid", base(nil), CheckOptions{}, 0, ""},
		{"no name", base(func(c *StreamConfig) { c.Name = "" }), CheckOptions{}, 10052, "stream name is required and can not contain '.', '*', '>', '\\', '/'"},
		{"dot", base(func(c *StreamConfig) { c.Name = "a.b" }), CheckOptions{}, 10052, ""},
		{"space", base(func(c *StreamConfig) { c.Name = "a b" }), CheckOptions{}, 10052, ""},
		{"slash", base(func(c *StreamConfig) { c.Name = "a/b" }), CheckOptions{}, 10052, ""},
		{"long name", base(func(c *StreamConfig) { c.Name = long }), CheckOptions{}, 10052, "stream name is too long, maximum allowed is 255"},
		{"long description", base(func(c *StreamConfig) { c.Description = strings.Repeat("d", 4097) }), CheckOptions{}, 10052, "stream description is too long, maximum allowed is 4096"},
		{"metadata", base(func(c *StreamConfig) { c.Metadata = map[string]string{"k": strings.Repeat("v", MaxMetadataLen)} }), CheckOptions{}, 10052, "stream metadata exceeds maximum size of 131072 bytes"},
		{"retention", base(func(c *StreamConfig) { c.Retention = 9 }), CheckOptions{}, 10052, "invalid retention"},
		{"discard", base(func(c *StreamConfig) { c.Discard = 9 }), CheckOptions{}, 10052, "invalid discard policy"},
		{"compression", base(func(c *StreamConfig) { c.Compression = 9 }), CheckOptions{}, 10052, "invalid compression"},
		{"storage", base(func(c *StreamConfig) { c.Storage = 9 }), CheckOptions{}, 10052, "invalid storage type"},
		{"replicas", base(func(c *StreamConfig) { c.Replicas = 6 }), CheckOptions{}, 10052, "maximum replicas is 5"},
		{"negative replicas", base(func(c *StreamConfig) { c.Replicas = -1 }), CheckOptions{}, 10133, "replicas count cannot be negative"},
		{"pedantic max_msgs", base(func(c *StreamConfig) { c.MaxMsgs = -2 }), CheckOptions{Pedantic: true}, 10157, "pedantic mode: max_msgs must be set to -1"},
		{"lenient max_msgs", base(func(c *StreamConfig) { c.MaxMsgs = -2 }), CheckOptions{}, 0, ""},
		{"pedantic max_consumers", base(func(c *StreamConfig) { c.MaxConsumers = -5 }), CheckOptions{Pedantic: true}, 10157, "pedantic mode: max_consumers must be set to -1"},
		{"negative max age", base(func(c *StreamConfig) { c.MaxAge = -1 }), CheckOptions{}, 10052, "max age can not be negative"},
		{"small max age", base(func(c *StreamConfig) { c.MaxAge = time.Millisecond }), CheckOptions{}, 10052, "max age needs to be >= 100ms"},
		{"pedantic duplicates vs max age", base(func(c *StreamConfig) { c.MaxAge = time.Second }), CheckOptions{Pedantic: true}, 10157, "pedantic mode: duplicate window cannot be bigger than max age"},
		{"pedantic duplicates vs limit", base(nil), CheckOptions{Pedantic: true, Limits: Limits{Duplicates: time.Second}}, 10157, "pedantic mode: duplicate window limits are higher than current limits"},
		{"negative duplicates", base(func(c *StreamConfig) { c.Duplicates = -1 }), CheckOptions{}, 10052, "duplicates window can not be negative"},
		{"duplicates over max age", base(func(c *StreamConfig) { c.MaxAge = time.Second; c.Duplicates = time.Minute }), CheckOptions{}, 10052, "duplicates window can not be larger then max age"},
		{"small duplicates", base(func(c *StreamConfig) { c.Duplicates = time.Millisecond }), CheckOptions{}, 10052, "duplicates window needs to be >= 100ms"},
		{"rollup without purge", base(func(c *StreamConfig) { c.DenyPurge, c.AllowRollup = true, true }), CheckOptions{}, 10052, "roll-ups require the purge permission"},
		{"counter discard new", base(func(c *StreamConfig) { c.AllowMsgCounter, c.Discard = true, DiscardNew }), CheckOptions{}, 10052, "counter stream cannot use discard new"},
		{"counter ttl", base(func(c *StreamConfig) { c.AllowMsgCounter, c.AllowMsgTTL = true, true }), CheckOptions{}, 10052, "counter stream cannot use message TTLs"},
		{"counter schedules", base(func(c *StreamConfig) { c.AllowMsgCounter, c.AllowMsgSchedules = true, true }), CheckOptions{}, 10052, "counter stream cannot use message schedules"},
		{"counter retention", base(func(c *StreamConfig) { c.AllowMsgCounter, c.Retention = true, InterestPolicy }), CheckOptions{}, 10052, "counter stream can only use limits retention"},
		{"discard new per without new", base(func(c *StreamConfig) { c.DiscardNewPer = true }), CheckOptions{}, 10052, "discard new per subject requires discard new policy to be set"},
		{"discard new per without max", base(func(c *StreamConfig) { c.DiscardNewPer, c.Discard = true, DiscardNew }), CheckOptions{}, 10052, "discard new per subject requires max msgs per subject > 0"},
		{"discard new per", base(func(c *StreamConfig) { c.DiscardNewPer, c.Discard, c.MaxMsgsPer = true, DiscardNew, 1 }), CheckOptions{}, 0, ""},
		{"small marker ttl", base(func(c *StreamConfig) { c.SubjectDeleteMarkerTTL = time.Millisecond }), CheckOptions{}, 10052, "subject delete marker TTL must be at least 1 second"},
		{"negative marker ttl", base(func(c *StreamConfig) { c.SubjectDeleteMarkerTTL = -1 }), CheckOptions{}, 10052, "subject delete marker TTL must not be negative"},
		{"pedantic marker without ttl", base(func(c *StreamConfig) { c.SubjectDeleteMarkerTTL = time.Second }), CheckOptions{Pedantic: true}, 10052, "subject delete marker cannot be set if message TTLs are disabled"},
		{"schedules discard new", base(func(c *StreamConfig) { c.AllowMsgSchedules, c.Discard = true, DiscardNew }), CheckOptions{}, 10052, "message scheduling cannot use discard new"},
		{"pedantic schedules", base(func(c *StreamConfig) { c.AllowMsgSchedules = true }), CheckOptions{Pedantic: true}, 10052, "message scheduling cannot be set if roll-ups are disabled"},
		{"async memory", base(func(c *StreamConfig) { c.PersistMode, c.Storage = AsyncPersistMode, MemoryStorage }), CheckOptions{}, 10052, "async persist mode is only supported on file storage"},
		{"async replicated", base(func(c *StreamConfig) { c.PersistMode, c.Replicas = AsyncPersistMode, 3 }), CheckOptions{}, 10052, "async persist mode is not supported on replicated streams"},
		{"async atomic", base(func(c *StreamConfig) { c.PersistMode, c.AllowAtomicPublish = AsyncPersistMode, true }), CheckOptions{}, 10052, "async persist mode is not supported with atomic batch publish"},
		{"invalid subject", base(func(c *StreamConfig) { c.Subjects = []string{"a..b"} }), CheckOptions{}, 10052, "invalid subject"},
		// The overlap check of the first copy comes before the duplicate check
		// of the second, so duplicates are reported as overlaps.
		{"duplicate subject", base(func(c *StreamConfig) { c.Subjects = []string{"a", "a"} }), CheckOptions{}, 10052, `subject "a" overlaps with "a"`},
		{"overlapping subjects", base(func(c *StreamConfig) { c.Subjects = []string{"a.*", "a.b"} }), CheckOptions{}, 10052, `subject "a.*" overlaps with "a.b"`},
		{"capture all", base(func(c *StreamConfig) { c.Subjects = []string{">"} }), CheckOptions{}, 10052, "capturing all subjects requires no-ack to be true"},
		{"capture all replicated", base(func(c *StreamConfig) { c.Subjects, c.NoAck, c.Replicas = []string{">"}, true, 3 }), CheckOptions{}, 10052, "capturing all subjects requires replicas of 1"},
		{"capture all no ack", base(func(c *StreamConfig) { c.Subjects, c.NoAck = []string{">"}, true }), CheckOptions{}, 0, ""},
		{"js api", base(func(c *StreamConfig) { c.Subjects = []string{"$JS.API.>"} }), CheckOptions{}, 10052, "subjects that overlap with jetstream api require no-ack to be true"},
		{"js wildcard", base(func(c *StreamConfig) { c.Subjects = []string{"*.API.>"} }), CheckOptions{}, 10052, "subjects that overlap with jetstream api require no-ack to be true"},
		{"js events", base(func(c *StreamConfig) { c.Subjects = []string{"$JS.EVENT.>"} }), CheckOptions{}, 0, ""},
		{"sys", base(func(c *StreamConfig) { c.Subjects = []string{"$SYS.>"} }), CheckOptions{}, 10052, "subjects that overlap with system api require no-ack to be true"},
		{"sys account", base(func(c *StreamConfig) { c.Subjects = []string{"$SYS.ACCOUNT.>"} }), CheckOptions{}, 0, ""},
		{"max bytes required", base(nil), CheckOptions{Limits: Limits{MaxBytesRequired: true}}, 10113, ""},
		{"max bytes limit", base(func(c *StreamConfig) { c.MaxBytes = 100 }), CheckOptions{Limits: Limits{MaxStreamBytes: 10}}, 10122, ""},
		{"transform source", base(func(c *StreamConfig) { c.SubjectTransform = &SubjectTransformConfig{Source: "a..b", Destination: "x"} }), CheckOptions{}, 10155, "stream transform source: invalid subject a..b"},
		{"transform destination", base(func(c *StreamConfig) {
			c.SubjectTransform = &SubjectTransformConfig{Source: "a.*", Destination: "x.{{bogus(1)}}"}
		}), CheckOptions{}, 10156, ""},
		{"transform plug-in", base(func(c *StreamConfig) { c.SubjectTransform = &SubjectTransformConfig{Destination: "x"} }),
			CheckOptions{CheckTransform: func(src, dest string) error { return errors.New("nope") }}, 10156, "stream transform: nope"},
		{"pedantic republish source", base(func(c *StreamConfig) { c.RePublish = &RePublish{Destination: "x.>"} }), CheckOptions{Pedantic: true}, 10157, "pedantic mode: republish source can not be empty"},
		{"republish cycle", base(func(c *StreamConfig) { c.RePublish = &RePublish{Source: ">", Destination: "s.x"} }), CheckOptions{}, 10052, "stream configuration for republish destination forms a cycle"},
		{"republish invalid", base(func(c *StreamConfig) { c.RePublish = &RePublish{Source: "s..x", Destination: "r.x"} }), CheckOptions{}, 10052, "stream configuration for republish with transform from 's..x' to 'r.x' not valid"},
		{"preferred", base(func(c *StreamConfig) { c.Placement = &Placement{Preferred: "n1"} }), CheckOptions{}, 10052, "preferred server not permitted in placement"},

		// Mirrors and sources.
		{"mirror first seq", StreamConfig{Name: "M", Mirror: &StreamSource{Name: "S"}, FirstSeq: 5}, CheckOptions{}, 10143, ""},
		{"mirror subjects", StreamConfig{Name: "M", Mirror: &StreamSource{Name: "S"}, Subjects: []string{"a"}}, CheckOptions{}, 10034, "stream mirrors can not contain subjects"},
		{"mirror sources", StreamConfig{Name: "M", Mirror: &StreamSource{Name: "S"}, Sources: []*StreamSource{{Name: "X"}}}, CheckOptions{}, 10031, ""},
		{"mirror counter", StreamConfig{Name: "M", Mirror: &StreamSource{Name: "S"}, AllowMsgCounter: true}, CheckOptions{}, 10173, ""},
		{"mirror atomic", StreamConfig{Name: "M", Mirror: &StreamSource{Name: "S"}, AllowAtomicPublish: true}, CheckOptions{}, 10198, ""},
		{"mirror batch", StreamConfig{Name: "M", Mirror: &StreamSource{Name: "S"}, AllowBatchPublish: true}, CheckOptions{}, 10209, ""},
		{"mirror schedules", StreamConfig{Name: "M", Mirror: &StreamSource{Name: "S"}, AllowMsgSchedules: true}, CheckOptions{}, 10186, ""},
		{"mirror consumer", StreamConfig{Name: "M", Mirror: &StreamSource{Name: "S", Consumer: &StreamConsumerSource{Name: "c", DeliverSubject: "d.*"}}}, CheckOptions{}, 10213, ""},
		{"mirror consumer start", StreamConfig{Name: "M", Mirror: &StreamSource{Name: "S", OptStartSeq: 1, Consumer: &StreamConsumerSource{Name: "c", DeliverSubject: "d"}}}, CheckOptions{}, 10213, ""},
		{"mirror filters", StreamConfig{Name: "M", Mirror: &StreamSource{Name: "S", FilterSubject: "a", SubjectTransforms: []SubjectTransformConfig{{Source: "b"}}}}, CheckOptions{}, 10150, ""},
		{"mirror markers", StreamConfig{Name: "M", Mirror: &StreamSource{Name: "S"}, SubjectDeleteMarkerTTL: time.Second}, CheckOptions{}, 10052, "subject delete markers forbidden on mirrors"},
		{"mirror transform source", StreamConfig{Name: "M", Mirror: &StreamSource{Name: "S", SubjectTransforms: []SubjectTransformConfig{{Source: "a.>.b"}}}}, CheckOptions{}, 10151, "mirror transform source: invalid subject a.>.b"},
		{"mirror transforms overlap", StreamConfig{Name: "M", Mirror: &StreamSource{Name: "S", SubjectTransforms: []SubjectTransformConfig{{Source: "a.*"}, {Source: "*.b"}}}}, CheckOptions{}, 10152, ""},
		{"mirror name", StreamConfig{Name: "M", Mirror: &StreamSource{Name: "S.x"}}, CheckOptions{}, 10142, ""},
		{"mirror of itself", StreamConfig{Name: "M", Mirror: &StreamSource{Name: "M"}}, CheckOptions{}, 10052, "detected cycle"},
		{"mirror external", StreamConfig{Name: "M", Mirror: &StreamSource{Name: "M", External: &ExternalStream{ApiPrefix: "$JS.hub.API", DeliverPrefix: "d"}}}, CheckOptions{}, 0, ""},
		{"source schedules", StreamConfig{Name: "A", Sources: []*StreamSource{{Name: "S"}}, AllowMsgSchedules: true}, CheckOptions{}, 10187, ""},
		{"source name", StreamConfig{Name: "A", Sources: []*StreamSource{{Name: ""}}}, CheckOptions{}, 10141, ""},
		{"source nil", StreamConfig{Name: "A", Sources: []*StreamSource{nil}}, CheckOptions{}, 10141, ""},
		{"source duplicate", StreamConfig{Name: "A", Sources: []*StreamSource{{Name: "S"}, {Name: "S", FilterSubject: ">"}}}, CheckOptions{}, 10140, ""},
		{"sources differ by filter", StreamConfig{Name: "A", Sources: []*StreamSource{{Name: "S", FilterSubject: "a"}, {Name: "S", FilterSubject: "b"}}}, CheckOptions{}, 0, ""},
		{"source filters", StreamConfig{Name: "A", Sources: []*StreamSource{{Name: "S", FilterSubject: "a", SubjectTransforms: []SubjectTransformConfig{{Source: "b"}}}}}, CheckOptions{}, 10144, ""},
		{"source transform source", StreamConfig{Name: "A", Sources: []*StreamSource{{Name: "S", SubjectTransforms: []SubjectTransformConfig{{Source: "a b"}}}}}, CheckOptions{}, 10145, ""},
		{"source transform dest", StreamConfig{Name: "A", Sources: []*StreamSource{{Name: "S", SubjectTransforms: []SubjectTransformConfig{{Source: "a", Destination: "x..y"}}}}}, CheckOptions{}, 10146, ""},
		{"source transforms overlap", StreamConfig{Name: "A", Sources: []*StreamSource{{Name: "S", SubjectTransforms: []SubjectTransformConfig{{Source: "a.>"}, {Source: "a.b"}}}}}, CheckOptions{}, 10147, ""},
		{"source transforms disjoint", StreamConfig{Name: "A", Sources: []*StreamSource{{Name: "S", SubjectTransforms: []SubjectTransformConfig{{Source: "a.*"}, {Source: "*.b"}}}}}, CheckOptions{}, 0, ""},
		{"source consumer", StreamConfig{Name: "A", Sources: []*StreamSource{{Name: "S", Consumer: &StreamConsumerSource{Name: "a.b", DeliverSubject: "d"}}}}, CheckOptions{}, 10215, ""},
		{"source consumer shared", StreamConfig{Name: "A", Sources: []*StreamSource{
			{Name: "S", SubjectTransforms: []SubjectTransformConfig{{Source: "a"}}, Consumer: &StreamConsumerSource{Name: "c", DeliverSubject: "d"}},
			{Name: "S", SubjectTransforms: []SubjectTransformConfig{{Source: "b"}}, Consumer: &StreamConsumerSource{Name: "c", DeliverSubject: "e"}}}}, CheckOptions{}, 10216, ""},
		{"external delivery prefix", StreamConfig{Name: "A", Sources: []*StreamSource{{Name: "S", External: &ExternalStream{ApiPrefix: "$JS.x.API", DeliverPrefix: "d.*"}}}}, CheckOptions{}, 10024, "stream external delivery prefix d.* must not contain wildcards"},
		{"external api wildcard", StreamConfig{Name: "A", Sources: []*StreamSource{{Name: "S", External: &ExternalStream{ApiPrefix: "$JS.*.API"}}}}, CheckOptions{}, 10052, `stream external api prefix "$JS.*.API" must be a valid subject without wildcards`},
		{"external api overlap", StreamConfig{Name: "A", Sources: []*StreamSource{{Name: "S", External: &ExternalStream{ApiPrefix: "$JS.API"}}}}, CheckOptions{}, 10021, "stream external api prefix $JS.API must not overlap with $JS.API"},
		{"source of itself", StreamConfig{Name: "A", Sources: []*StreamSource{{Name: "A"}}}, CheckOptions{}, 10052, "detected cycle"},
		{"source of itself disjoint", StreamConfig{Name: "A", Subjects: []string{"a"}, Sources: []*StreamSource{{Name: "A", FilterSubject: "b"}}}, CheckOptions{}, 0, ""},
	}
	for _, tt := range tests {
		before := tt.cfg.Clone()
		err := tt.cfg.ValidateWith(tt.opts)
		wantErr(t, tt.name, err, tt.code, tt.desc)
		if !reflect.DeepEqual(before, &tt.cfg) {
			t.Errorf("%s: ValidateWith modified the config", tt.name)
		}
		// Validating after SetDefaults gives the same answer (not for
		// pedantic cases, which are about the values SetDefaults changes).
		if !tt.opts.Pedantic {
			d := tt.cfg.Clone()
			d.SetDefaults()
			if got := d.ValidateWith(tt.opts); (got == nil) != (err == nil) || (got != nil && got.ErrCode != err.ErrCode) {
				t.Errorf("%s: after SetDefaults: %v, before: %v", tt.name, got, err)
			}
		}
	}
	if err := (&StreamConfig{Name: "S"}).Validate(); err != nil {
		t.Errorf("Validate() of a minimal config: %v", err)
	}
}

func TestStreamCreateRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		subj string
		cfg  StreamConfig
		code uint16
		desc string
	}{
		{"S", StreamConfig{Name: "S"}, 0, ""},
		{"T", StreamConfig{Name: "S"}, 10056, "stream name in subject does not match request"},
		{`a\b`, StreamConfig{Name: `a\b`}, 10128, ""},
		{"S", StreamConfig{Name: "S", Sealed: true}, 10052, "stream configuration for create can not be sealed"},
		{"S", StreamConfig{Name: "S", MirrorDirect: true}, 10052, "stream has no mirror but does have mirror direct"},
	}
	for _, tt := range tests {
		wantErr(t, tt.subj, tt.cfg.CheckCreateRequest(tt.subj), tt.code, tt.desc)
	}
}

func TestStreamCheckUpdate(t *testing.T) {
	t.Parallel()
	old := StreamConfig{Name: "S", Subjects: []string{"a"}, DenyDelete: true, AllowMsgTTL: true,
		Mirror: nil, AllowMsgSchedules: true}
	old.SetDefaults()
	upd := func(mod func(c *StreamConfig)) *StreamConfig {
		c := old.Clone()
		mod(c)
		return c
	}
	tests := []struct {
		name string
		new  *StreamConfig
		code uint16
		desc string
	}{
		{"same", upd(func(c *StreamConfig) {}), 0, ""},
		{"more subjects", upd(func(c *StreamConfig) { c.Subjects = []string{"a", "b"} }), 0, ""},
		{"name", upd(func(c *StreamConfig) { c.Name = "T" }), 10052, "stream configuration name must match original"},
		{"storage", upd(func(c *StreamConfig) { c.Storage = MemoryStorage }), 10052, "stream configuration update can not change storage type"},
		{"to workqueue", upd(func(c *StreamConfig) { c.Retention = WorkQueuePolicy }), 10052, "stream configuration update can not change retention policy to/from workqueue"},
		{"to interest", upd(func(c *StreamConfig) { c.Retention = InterestPolicy }), 0, ""},
		{"deny delete", upd(func(c *StreamConfig) { c.DenyDelete = false }), 10052, "stream configuration update can not cancel deny message deletes"},
		{"mirror", upd(func(c *StreamConfig) { c.Mirror = &StreamSource{Name: "X"} }), 10055, ""},
		{"ttl off", upd(func(c *StreamConfig) { c.AllowMsgTTL = false }), 10052, "message TTL status can not be disabled"},
		{"counter", upd(func(c *StreamConfig) { c.AllowMsgCounter = true }), 10052, "stream configuration update can not change message counter setting"},
		{"schedules off", upd(func(c *StreamConfig) { c.AllowMsgSchedules = false }), 10052, "message schedules can not be disabled"},
		{"persist mode", upd(func(c *StreamConfig) { c.PersistMode = AsyncPersistMode }), 10052, "stream configuration update can not change persist mode"},
		{"discard new per", upd(func(c *StreamConfig) { c.DiscardNewPer = true }), 10052, "discard new per subject requires discard new policy to be set"},
	}
	for _, tt := range tests {
		wantErr(t, tt.name, tt.new.CheckUpdate(&old), tt.code, tt.desc)
	}
	sealed := old.Clone()
	sealed.Sealed, sealed.MaxAge, sealed.AllowRollup = true, time.Hour, true
	if err := sealed.CheckUpdate(&old); err != nil {
		t.Fatal(err)
	}
	if sealed.MaxAge != 0 || sealed.Discard != DiscardNew || !sealed.DenyDelete || !sealed.DenyPurge || sealed.AllowRollup {
		t.Errorf("sealed config not adjusted: %+v", sealed)
	}
	unseal := old.Clone()
	old.Sealed = true
	wantErr(t, "unseal", unseal.CheckUpdate(&old), 10052, "stream configuration update can not unseal a sealed stream")
}

func TestCheckTransformSyntax(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		src, dest string
		ok        bool
	}{
		{"", "", true},
		{"a.*", "b.{{wildcard(1)}}", true},
		{"a.*.*", "b.{{ Partition(3,1,2) }}", true},
		{"a.>", "b.>", true},
		{"a..b", "x", false},
		{"a", "b..c", false},
		{"a", "b.>.c", false},
		{"a", "b.{{nope(1)}}", false},
		{"a", "b.{{wildcard}}", false},
	} {
		if err := CheckTransformSyntax(tt.src, tt.dest); (err == nil) != tt.ok {
			t.Errorf("CheckTransformSyntax(%q, %q) = %v", tt.src, tt.dest, err)
		}
	}
}
