package monitor

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func testSubs() []SubDetail {
	return []SubDetail{
		{Account: "B", Subject: "foo.bar", Sid: "1", Cid: 9},
		{Account: "A", Subject: "foo.*", Sid: "2", Cid: 1},
		{Account: "A", Subject: "foo.>", Sid: "3", Cid: 2, Queue: "q"},
		{Account: "A", Subject: "bar", Sid: "4", Cid: 1},
		{Account: "A", Subject: "foo.bar.baz", Sid: "5", Cid: 3},
		{Account: "A", Subject: "foo.bar", Sid: "6", Cid: 3},
	}
}

func subjectsOf(sz *Subsz) []string {
	var out []string
	for _, s := range sz.Subs {
		out = append(out, s.Account+":"+s.Subject)
	}
	return out
}

func TestBuildSubszStatsOnly(t *testing.T) {
	st := &SublistStats{NumSubs: 6, NumCache: 2, NumMatches: 10, CacheHitRate: 0.5}
	sz, err := BuildSubsz("SRV", t0, st, testSubs(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if sz.ID != "SRV" || sz.NumSubs != 6 || sz.Total != 0 || sz.Subs != nil || sz.Limit != DefaultSubListSize {
		t.Fatalf("unexpected %+v", sz)
	}
	b, _ := json.Marshal(sz)
	for _, k := range []string{"server_id", "now", "num_subscriptions", "num_cache", "num_inserts",
		"num_removes", "num_matches", "cache_hit_rate", "max_fanout", "avg_fanout", "total", "offset", "limit"} {
		if !strings.Contains(string(b), `"`+k+`":`) {
			t.Errorf("missing %q in %s", k, b)
		}
	}
	if strings.Contains(string(b), "subscriptions_list") {
		t.Errorf("list should be omitted: %s", b)
	}
	// The caller's stats are not aliased.
	sz.NumSubs = 1
	if st.NumSubs != 6 {
		t.Fatal("stats aliased")
	}
	sz, err = BuildSubsz("SRV", t0, nil, nil, &SubszOptions{Subscriptions: true})
	if err != nil || sz.SublistStats == nil || sz.Total != 0 || len(sz.Subs) != 0 {
		t.Fatalf("nil stats: %+v %v", sz, err)
	}
}

func TestBuildSubszList(t *testing.T) {
	sz, err := BuildSubsz("S", t0, nil, testSubs(), &SubszOptions{Subscriptions: true})
	if err != nil {
		t.Fatal(err)
	}
	want := "A:bar A:foo.* A:foo.> A:foo.bar A:foo.bar.baz B:foo.bar"
	if got := strings.Join(subjectsOf(sz), " "); got != want || sz.Total != 6 {
		t.Fatalf("got %q total %d", got, sz.Total)
	}
	b, _ := json.Marshal(sz.Subs[2])
	if string(b) != `{"account":"A","subject":"foo.\u003e","qgroup":"q","sid":"3","msgs":0,"cid":2}` {
		t.Fatalf("json %s", b)
	}
}

func TestBuildSubszFilters(t *testing.T) {
	for _, tc := range []struct {
		opts  SubszOptions
		want  string
		total int
	}{
		{SubszOptions{Account: "A"}, "A:bar A:foo.* A:foo.> A:foo.bar A:foo.bar.baz", 5},
		{SubszOptions{Test: "foo.bar"}, "A:foo.* A:foo.> A:foo.bar B:foo.bar", 4},
		{SubszOptions{Test: "foo.bar", Account: "A"}, "A:foo.* A:foo.> A:foo.bar", 3},
		{SubszOptions{Test: "foo.bar.baz"}, "A:foo.> A:foo.bar.baz", 2},
		{SubszOptions{Test: "foo"}, "", 0},
		{SubszOptions{Test: "foo.bar", Offset: 1, Limit: 2}, "A:foo.> A:foo.bar", 4},
		{SubszOptions{Test: "foo.bar", Offset: 3, Limit: 2}, "B:foo.bar", 4},
		{SubszOptions{Test: "foo.bar", Offset: 9}, "", 4},
		{SubszOptions{Offset: -2, Limit: -1}, "A:bar A:foo.* A:foo.> A:foo.bar A:foo.bar.baz B:foo.bar", 6},
	} {
		tc.opts.Subscriptions = true
		sz, err := BuildSubsz("S", t0, nil, testSubs(), &tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(subjectsOf(sz), " "); got != tc.want || sz.Total != tc.total {
			t.Errorf("%+v: got %q total %d, want %q total %d", tc.opts, got, sz.Total, tc.want, tc.total)
		}
		if sz.Offset < 0 || sz.Limit <= 0 {
			t.Errorf("%+v: bad paging header %d %d", tc.opts, sz.Offset, sz.Limit)
		}
	}
	if _, err := BuildSubsz("S", t0, nil, testSubs(), &SubszOptions{Test: "foo.*"}); err == nil ||
		err.Error() != "invalid test subject, must be valid publish subject: foo.*" {
		t.Fatalf("unexpected error %v", err)
	}
}

func TestSublistStatsAdd(t *testing.T) {
	a := &SublistStats{NumSubs: 1, NumCache: 2, NumInserts: 3, NumRemoves: 1, NumMatches: 10,
		CacheHits: 5, MaxFanout: 4, TotalFanout: 6, CacheCount: 2}
	a.CacheHitRate, a.AvgFanout = 0.5, 3
	// b only has the ratios: raw counters are derived.
	b := &SublistStats{NumSubs: 2, NumCache: 4, NumMatches: 30, CacheHitRate: 0.5, MaxFanout: 9, AvgFanout: 1.5}
	var tot SublistStats
	tot.Add(a)
	tot.Add(b)
	tot.Add(nil)
	if tot.NumSubs != 3 || tot.NumCache != 6 || tot.NumInserts != 3 || tot.NumRemoves != 1 ||
		tot.NumMatches != 40 || tot.MaxFanout != 9 {
		t.Fatalf("bad sums %+v", tot)
	}
	if math.Abs(tot.CacheHitRate-0.5) > 1e-9 {
		t.Fatalf("hit rate %v", tot.CacheHitRate)
	}
	// (6 + 1.5*4) / (2 + 4) = 2
	if math.Abs(tot.AvgFanout-2) > 1e-9 {
		t.Fatalf("avg fanout %v", tot.AvgFanout)
	}
}

func TestSubjectHelpers(t *testing.T) {
	for _, tc := range []struct {
		lit, pat string
		want     bool
	}{
		{"foo", "foo", true},
		{"foo", "bar", false},
		{"foo.bar", "foo.*", true},
		{"foo.bar", "*.*", true},
		{"foo.bar", "*", false},
		{"foo.bar", "foo.>", true},
		{"foo", "foo.>", false},
		{"foo.bar.baz", ">", true},
		{"foo.bar.baz", "foo.*.baz", true},
		{"foo.bar", "foo.bar.baz", false},
		{"foo.bar.baz", "foo.bar", false},
	} {
		if got := literalMatches(tc.lit, tc.pat); got != tc.want {
			t.Errorf("literalMatches(%q, %q) = %v", tc.lit, tc.pat, got)
		}
	}
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"foo.*", "foo.bar", true},
		{"foo.*", "*.bar", true},
		{"foo.*", "foo.>", true},
		{"foo.*", "foo", false},
		{"foo.*", "foo.bar.baz", false},
		{">", "a.b.c", true},
		{"a.>", "b.>", false},
		{"a.*.c", "a.b.d", false},
		{"a.b", "a.b", true},
	} {
		if got := subjectsCollide(tc.a, tc.b); got != tc.want {
			t.Errorf("subjectsCollide(%q, %q) = %v", tc.a, tc.b, got)
		}
		if got := subjectsCollide(tc.b, tc.a); got != tc.want {
			t.Errorf("subjectsCollide(%q, %q) = %v (reversed)", tc.b, tc.a, got)
		}
	}
}
