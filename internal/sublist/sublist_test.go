package sublist

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/natsnet/natsnet/internal/subject"
)

// canon renders a result in a canonical, order-independent form.
func canon[T comparable](r *Result[T]) string {
	var plain []string
	for _, v := range r.Plain {
		plain = append(plain, fmt.Sprint(v))
	}
	slices.Sort(plain)
	var groups []string
	seen := map[string]bool{}
	for _, g := range r.Queues {
		if seen[g.Name] {
			groups = append(groups, "DUPLICATE-GROUP:"+g.Name)
		}
		seen[g.Name] = true
		if len(g.Members) == 0 {
			groups = append(groups, "EMPTY-GROUP:"+g.Name)
		}
		var m []string
		for _, v := range g.Members {
			m = append(m, fmt.Sprint(v))
		}
		slices.Sort(m)
		groups = append(groups, g.Name+"="+strings.Join(m, ","))
	}
	slices.Sort(groups)
	return "plain[" + strings.Join(plain, ",") + "] queues[" + strings.Join(groups, " ") + "]"
}

// naiveMatch is an independent token-by-token matcher used as the oracle.
func naiveMatch(filter, subj string) bool {
	f, s := strings.Split(filter, "."), strings.Split(subj, ".")
	for i, t := range f {
		if t == ">" {
			return len(s) > i
		}
		if i >= len(s) || (t != "*" && t != s[i]) {
			return false
		}
	}
	return len(f) == len(s)
}

type sub struct {
	subj, queue string
	v           int
}

// model is a brute-force interest table.
type model []sub

func (m *model) remove(x sub) bool {
	for i, y := range *m {
		if y == x {
			*m = slices.Delete(*m, i, i+1)
			return true
		}
	}
	return false
}

func (m model) match(subj string) string {
	r := &Result[int]{}
	for _, x := range m {
		if !naiveMatch(x.subj, subj) {
			continue
		}
		if x.queue == "" {
			r.Plain = append(r.Plain, x.v)
			continue
		}
		j := slices.IndexFunc(r.Queues, func(g Group[int]) bool { return g.Name == x.queue })
		if j < 0 {
			r.Queues = append(r.Queues, Group[int]{Name: x.queue})
			j = len(r.Queues) - 1
		}
		r.Queues[j].Members = append(r.Queues[j].Members, x.v)
	}
	return canon(r)
}

func mustInsert[T comparable](t testing.TB, s *Sublist[T], subj, queue string, v T) {
	t.Helper()
	if err := s.Insert(subj, queue, v); err != nil {
		t.Fatalf("Insert(%q, %q, %v): %v", subj, queue, v, err)
	}
}

func TestMatchTable(t *testing.T) {
	subs := []sub{
		{"foo", "", 1},
		{"foo.bar", "", 2},
		{"foo.*", "", 3},
		{"foo.>", "", 4},
		{"*.bar", "", 5},
		{">", "", 6},
		{"foo.bar.baz", "", 7},
		{"foo.*.baz", "", 8},
		{"*.*.*", "", 9},
		{"foo.bar", "q1", 10},
		{"foo.bar", "q1", 11},
		{"foo.*", "q1", 12},
		{"foo.bar", "q2", 13},
		{"bar.>", "q2", 14},
		{"foo*", "", 15}, // literal token
	}
	for _, size := range []int{0, 4, DefaultCacheSize} {
		s := NewWithCacheSize[int](size)
		var m model
		for _, x := range subs {
			mustInsert(t, s, x.subj, x.queue, x.v)
			m = append(m, x)
		}
		cases := map[string]string{
			"foo":         "plain[1,6] queues[]",
			"foo.bar":     "plain[2,3,4,5,6] queues[q1=10,11,12 q2=13]",
			"foo.baz":     "plain[3,4,6] queues[q1=12]",
			"foo.bar.baz": "plain[4,6,7,8,9] queues[]",
			"bar":         "plain[6] queues[]",
			"bar.bar":     "plain[5,6] queues[q2=14]",
			"bar.x.y":     "plain[6,9] queues[q2=14]",
			"a.b.c.d":     "plain[6] queues[]",
			"foo*":        "plain[15,6] queues[]",
			"foo.*":       "plain[3,4,6] queues[q1=12]", // '*' matched literally
			"foo.>":       "plain[3,4,6] queues[q1=12]",
			"*":           "plain[6] queues[]",
			"":            "plain[] queues[]",
			"foo..bar":    "plain[] queues[]",
			".foo":        "plain[] queues[]",
			"foo.":        "plain[] queues[]",
			"foo bar":     "plain[] queues[]",
			"foo.bar\t":   "plain[] queues[]",
		}
		for range 3 { // cold, then cached
			for subj, want := range cases {
				if got := canon(s.Match(subj)); got != want {
					t.Errorf("size %d: Match(%q) = %s, want %s", size, subj, got, want)
				}
				if got := canon(s.MatchBytes([]byte(subj))); got != want {
					t.Errorf("size %d: MatchBytes(%q) = %s, want %s", size, subj, got, want)
				}
				if got := m.match(subj); subject.ValidPublish(subj) && got != want {
					t.Errorf("model(%q) = %s, want %s (oracle broken)", subj, got, want)
				}
				if got, want := s.HasInterest(subj), want != "plain[] queues[]"; got != want {
					t.Errorf("HasInterest(%q) = %v, want %v", subj, got, want)
				}
			}
		}
		if s.Count() != uint32(len(subs)) {
			t.Errorf("Count = %d, want %d", s.Count(), len(subs))
		}
	}
}

func TestSameValueSeveralSubs(t *testing.T) {
	s := New[string]()
	c := "client1"
	for _, f := range []string{"a.b", "a.*", "a.>", ">", "a.b"} {
		mustInsert(t, s, f, "", c)
	}
	mustInsert(t, s, "a.b", "q", c)
	mustInsert(t, s, "a.*", "q", c)
	if got, want := canon(s.Match("a.b")), "plain[client1,client1,client1,client1,client1] queues[q=client1,client1]"; got != want {
		t.Fatalf("got %s want %s", got, want)
	}
	// Removing one of the duplicates leaves the other.
	if err := s.Remove("a.b", "", c); err != nil {
		t.Fatal(err)
	}
	if got, want := canon(s.Match("a.b")), "plain[client1,client1,client1,client1] queues[q=client1,client1]"; got != want {
		t.Fatalf("got %s want %s", got, want)
	}
	if err := s.Remove("a.*", "q", c); err != nil {
		t.Fatal(err)
	}
	if got, want := canon(s.Match("a.b")), "plain[client1,client1,client1,client1] queues[q=client1]"; got != want {
		t.Fatalf("got %s want %s", got, want)
	}
	if s.Count() != 5 {
		t.Fatalf("Count = %d", s.Count())
	}
}

func TestErrors(t *testing.T) {
	s := New[int]()
	for _, bad := range []string{"", "foo.", ".foo", "foo..bar", "foo.>.bar", "foo bar", ">.>"} {
		if err := s.Insert(bad, "", 1); !errors.Is(err, ErrInvalidSubject) {
			t.Errorf("Insert(%q) = %v, want ErrInvalidSubject", bad, err)
		}
		if err := s.Remove(bad, "", 1); !errors.Is(err, ErrInvalidSubject) {
			t.Errorf("Remove(%q) = %v, want ErrInvalidSubject", bad, err)
		}
	}
	if err := s.Insert("foo", "bad queue", 1); !errors.Is(err, ErrInvalidQueue) {
		t.Errorf("Insert with bad queue = %v", err)
	}
	mustInsert(t, s, "foo.bar", "", 1)
	mustInsert(t, s, "foo.bar", "q", 1)
	for _, x := range []sub{{"foo.bar", "", 2}, {"foo", "", 1}, {"foo.bar.baz", "", 1}, {"foo.*", "", 1},
		{"foo.bar", "r", 1}, {"foo.bar", "q", 2}, {"foo.>", "", 1}} {
		if err := s.Remove(x.subj, x.queue, x.v); !errors.Is(err, ErrNotFound) {
			t.Errorf("Remove(%v) = %v, want ErrNotFound", x, err)
		}
	}
	if s.Count() != 2 {
		t.Fatalf("Count = %d", s.Count())
	}
	if err := s.Remove("foo.bar", "", 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove("foo.bar", "", 1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Remove = %v", err)
	}
}

func TestPruning(t *testing.T) {
	s := New[int]()
	filters := []string{"a", "a.b", "a.b.c", "a.*.c", "a.>", "*", ">", "x.y.z.w", "a.b.*"}
	for i, f := range filters {
		mustInsert(t, s, f, "", i)
		mustInsert(t, s, f, "q", i)
	}
	for i, f := range filters {
		if err := s.Remove(f, "", i); err != nil {
			t.Fatal(err)
		}
		if err := s.Remove(f, "q", i); err != nil {
			t.Fatal(err)
		}
	}
	if !s.root.isEmpty() || s.root.lits != nil {
		t.Fatalf("trie not pruned: %+v", s.root)
	}
	if s.Count() != 0 {
		t.Fatalf("Count = %d", s.Count())
	}
}

// TestResultsImmutable checks that results handed out are never modified by
// later Insert/Remove calls, including through cache updates.
func TestResultsImmutable(t *testing.T) {
	s := New[int]()
	mustInsert(t, s, "a.b", "", 1)
	mustInsert(t, s, "a.*", "q", 2)
	s.Match("a.b") // the first miss is only remembered (see admit)
	r := s.Match("a.b")
	r2 := s.Match("a.b")
	if r != r2 {
		t.Fatal("third Match did not hit the cache")
	}
	before := canon(r)
	plain := slices.Clone(r.Plain)
	mustInsert(t, s, "a.b", "", 3)
	mustInsert(t, s, "a.>", "q", 4)
	mustInsert(t, s, "a.b", "q2", 5)
	if err := s.Remove("a.b", "", 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove("a.*", "q", 2); err != nil {
		t.Fatal(err)
	}
	if canon(r) != before || !slices.Equal(r.Plain, plain) || r.Plain[:cap(r.Plain)][len(plain)-1] != 1 {
		t.Fatalf("result mutated: %s, was %s", canon(r), before)
	}
	if got, want := canon(s.Match("a.b")), "plain[3] queues[q2=5 q=4]"; got != want {
		t.Fatalf("after updates got %s want %s", got, want)
	}
}

// TestInvalidSubjectNotCached guards the invariant that only subjects
// subject.Matches understands are cached, since Insert/Remove rely on it to
// find the cached results they must update.
func TestInvalidSubjectNotCached(t *testing.T) {
	s := New[int]()
	mustInsert(t, s, ">", "", 1)
	for _, subj := range []string{"foo bar", "a..b", "a.", "x\ty"} {
		if r := s.Match(subj); !r.Empty() {
			t.Errorf("Match(%q) = %s", subj, canon(r))
		}
		if s.HasInterest(subj) {
			t.Errorf("HasInterest(%q)", subj)
		}
	}
	if len(s.cache) != 0 {
		t.Fatalf("invalid subjects cached: %d", len(s.cache))
	}
}

func TestCacheBounded(t *testing.T) {
	s := NewWithCacheSize[int](64)
	mustInsert(t, s, ">", "", 1)
	for i := range 10000 {
		subj := fmt.Sprintf("s.%d", i)
		s.Match(subj)
		if r := s.Match(subj); len(r.Plain) != 1 {
			t.Fatal("bad result")
		}
		if n := len(s.cache); n > 64 {
			t.Fatalf("cache size %d > 64", n)
		}
	}
	st := s.Stats()
	if st.NumCache == 0 || st.NumCache > 64 || st.MaxFanout != 1 || st.AvgFanout != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestLargeFanout(t *testing.T) {
	s := New[int]()
	const n = 2000
	_ = s.Match("big") // cached while it grows: exercises patch-then-drop
	for i := range n {
		mustInsert(t, s, "big", "", i)
		mustInsert(t, s, "big", "q", i)
		if i%97 == 0 {
			if r := s.Match("big"); len(r.Plain) != i+1 || len(r.Queues[0].Members) != i+1 {
				t.Fatalf("fanout %d, want %d", len(r.Plain), i+1)
			}
		}
	}
	for i := 0; i < n; i += 2 {
		if err := s.Remove("big", "", i); err != nil {
			t.Fatal(err)
		}
		if err := s.Remove("big", "q", i); err != nil {
			t.Fatal(err)
		}
	}
	r := s.Match("big")
	if len(r.Plain) != n/2 || len(r.Queues[0].Members) != n/2 {
		t.Fatalf("fanout %d/%d, want %d", len(r.Plain), len(r.Queues[0].Members), n/2)
	}
	for _, v := range r.Plain {
		if v%2 == 0 {
			t.Fatalf("removed value %d still present", v)
		}
	}
}

func TestStatsJSON(t *testing.T) {
	s := New[int]()
	mustInsert(t, s, "a.*", "", 1)
	mustInsert(t, s, "a.b", "q", 2)
	mustInsert(t, s, "x", "", 3)
	if err := s.Remove("x", "", 3); err != nil {
		t.Fatal(err)
	}
	s.Match("a.b") // a miss, remembered
	s.Match("a.b") // a miss, cached
	s.Match("a.b") // a hit
	s.Match("a.c")
	s.Match("a.c")
	st := s.Stats()
	want := Stats{NumSubs: 2, NumCache: 2, NumInserts: 3, NumRemoves: 1, NumMatches: 5,
		CacheHitRate: 0.2, MaxFanout: 2, AvgFanout: 1.5}
	if st != want {
		t.Fatalf("Stats = %+v, want %+v", st, want)
	}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	keys := slices.Sorted(maps.Keys(m))
	wantKeys := []string{"avg_fanout", "cache_hit_rate", "max_fanout", "num_cache",
		"num_inserts", "num_matches", "num_removes", "num_subscriptions"}
	if !slices.Equal(keys, wantKeys) {
		t.Fatalf("json keys %v, want %v", keys, wantKeys)
	}
}

func TestForEach(t *testing.T) {
	s := New[int]()
	in := []sub{{"b.c", "", 1}, {"a", "", 2}, {"a.*", "q", 3}, {"a.>", "", 4}, {"a", "", 2}, {"b.c", "r", 5}}
	for _, x := range in {
		mustInsert(t, s, x.subj, x.queue, x.v)
	}
	var got []string
	s.ForEach(func(subj, queue string, v int) bool {
		got = append(got, fmt.Sprintf("%s|%s|%d", subj, queue, v))
		// Calling back into the sublist must not deadlock.
		_ = s.Insert("zz", "", 99)
		return true
	})
	want := []string{"a||2", "a||2", "a.*|q|3", "a.>||4", "b.c||1", "b.c|r|5"}
	if !slices.Equal(got, want) {
		t.Fatalf("ForEach = %v, want %v", got, want)
	}
	n := 0
	s.ForEach(func(string, string, int) bool { n++; return n < 2 })
	if n != 2 {
		t.Fatalf("early stop visited %d", n)
	}
}

func TestZeroAllocsOnHit(t *testing.T) {
	s := New[*int]()
	for i := range 100 {
		v := new(int)
		mustInsert(t, s, fmt.Sprintf("foo.%d.*", i%10), "", v)
		mustInsert(t, s, "foo.>", "q", v)
	}
	subj := "foo.3.bar"
	bsubj := []byte(subj)
	s.Match(subj)
	var r *Result[*int]
	if n := testing.AllocsPerRun(1000, func() { r = s.Match(subj) }); n != 0 {
		t.Fatalf("Match allocs on hit = %v", n)
	}
	if n := testing.AllocsPerRun(1000, func() { r = s.MatchBytes(bsubj) }); n != 0 {
		t.Fatalf("MatchBytes allocs on hit = %v", n)
	}
	if n := testing.AllocsPerRun(1000, func() { _ = s.HasInterest("foo.7.x") }); n != 0 {
		t.Fatalf("HasInterest allocs = %v", n)
	}
	if len(r.Plain) != 10 || len(r.Queues) != 1 || len(r.Queues[0].Members) != 100 {
		t.Fatalf("unexpected result %d %d", len(r.Plain), len(r.Queues))
	}
}

func TestBag(t *testing.T) {
	var b bag[int]
	ref := map[int]int{}
	for round := range 3 {
		for i := range 100 {
			for range i%3 + 1 {
				b.add(i)
				ref[i]++
			}
		}
		for i := round; i < 100; i += 2 {
			if !b.remove(i) {
				t.Fatalf("remove %d failed", i)
			}
			ref[i]--
			if ref[i] == 0 {
				delete(ref, i)
			}
		}
		got := map[int]int{}
		total := 0
		for _, v := range b.appendTo(nil) {
			got[v]++
			total++
		}
		if !maps.Equal(got, ref) || total != b.total {
			t.Fatalf("bag mismatch")
		}
	}
	for v, n := range ref {
		for range n {
			if !b.remove(v) {
				t.Fatal("remove failed")
			}
		}
	}
	if b.total != 0 || b.ents != nil || b.idx != nil || b.remove(1) {
		t.Fatalf("bag not empty: %+v", b)
	}
}

// TestCacheAdmitsRepeatedSubjects checks the doorkeeper: a subject is
// cached on its second miss, and subjects seen once never are.
func TestCacheAdmitsRepeatedSubjects(t *testing.T) {
	s := New[int]()
	mustInsert(t, s, "_INBOX.>", "", 1)
	for i := range 1000 {
		if r := s.Match(fmt.Sprintf("_INBOX.x.%d", i)); len(r.Plain) != 1 {
			t.Fatal("bad result")
		}
	}
	if n := len(s.cache); n != 0 {
		t.Fatalf("%d subjects seen once were cached", n)
	}
	s.Match("_INBOX.again")
	s.Match("_INBOX.again")
	if _, ok := s.cache["_INBOX.again"]; !ok {
		t.Fatal("a subject that missed twice was not cached")
	}
}
