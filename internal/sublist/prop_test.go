package sublist

import (
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

var (
	propLits  = []string{"a", "b", "c"}
	propQueue = []string{"", "", "q1", "q2"}
)

func randFilter(r *rand.Rand) string {
	n := 1 + r.IntN(4)
	toks := make([]string, n)
	for i := range toks {
		switch x := r.IntN(10); {
		case x < 2:
			toks[i] = "*"
		case x < 3 && i == n-1:
			toks[i] = ">"
		default:
			toks[i] = propLits[r.IntN(len(propLits))]
		}
	}
	return strings.Join(toks, ".")
}

// randSubject mostly returns literals, sometimes with literal wildcard
// tokens (which clients may publish) or unknown tokens.
func randSubject(r *rand.Rand) string {
	n := 1 + r.IntN(5)
	toks := make([]string, n)
	for i := range toks {
		switch x := r.IntN(20); {
		case x == 0:
			toks[i] = "*"
		case x == 1:
			toks[i] = ">"
		case x == 2:
			toks[i] = "zz"
		default:
			toks[i] = propLits[r.IntN(len(propLits))]
		}
	}
	return strings.Join(toks, ".")
}

// TestMatchProperty applies random Insert/Remove sequences and compares
// Match, MatchBytes and HasInterest with a brute-force model after every step.
func TestMatchProperty(t *testing.T) {
	steps := 2000
	if testing.Short() {
		steps = 800
	}
	for _, size := range []int{0, 3, 32, DefaultCacheSize} {
		r := rand.New(rand.NewPCG(uint64(size), 7))
		s := NewWithCacheSize[int](size)
		var m model
		for step := range steps {
			if len(m) >= 60 || (len(m) > 0 && r.IntN(5) < 2) {
				x := m[r.IntN(len(m))]
				if err := s.Remove(x.subj, x.queue, x.v); err != nil {
					t.Fatalf("Remove(%v): %v", x, err)
				}
				m.remove(x)
			} else {
				x := sub{randFilter(r), propQueue[r.IntN(len(propQueue))], r.IntN(8)}
				mustInsert(t, s, x.subj, x.queue, x.v)
				m = append(m, x)
			}
			for range 8 {
				subj := randSubject(r)
				want := m.match(subj)
				var got string
				if step%2 == 0 {
					got = canon(s.Match(subj))
				} else {
					got = canon(s.MatchBytes([]byte(subj)))
				}
				if got != want {
					t.Fatalf("size %d step %d: Match(%q) = %s, want %s", size, step, subj, got, want)
				}
				if s.HasInterest(subj) != (want != "plain[] queues[]") {
					t.Fatalf("HasInterest(%q) wrong", subj)
				}
			}
			if s.Count() != uint32(len(m)) {
				t.Fatalf("Count = %d, want %d", s.Count(), len(m))
			}
		}
		if size > 0 && len(s.cache) > size {
			t.Fatalf("cache size %d > %d", len(s.cache), size)
		}
	}
}

// TestConcurrent runs writers and readers together under -race.
//
// Each writer owns a distinct value and holds at most one subscription at a
// time, so it can check linearizability of its own operations: right after
// Insert(f, q, v) returns, Match of any subject matched by f must contain v,
// and right after Remove it must not. This catches a cache serving a stale
// result. Readers check that results they hold are never mutated. After
// quiescing, every subject is compared against the brute-force model built
// from the writers' final state.
func TestConcurrent(t *testing.T) {
	const writers, readers = 8, 4
	iters := 3000
	if testing.Short() {
		iters = 500
	}
	s := NewWithCacheSize[int](64)
	// Static background interest.
	for i := range 20 {
		mustInsert(t, s, randFilter(rand.New(rand.NewPCG(uint64(i), 1))), "", 1000+i)
	}
	final := make([]model, writers)
	var wg sync.WaitGroup
	var stop atomic.Bool
	errs := make(chan string, 100)
	fail := func(msg string) {
		select {
		case errs <- msg:
		default:
		}
	}
	contains := func(res *Result[int], queue string, v int) bool {
		if queue == "" {
			for _, x := range res.Plain {
				if x == v {
					return true
				}
			}
			return false
		}
		for _, g := range res.Queues {
			if g.Name == queue {
				for _, x := range g.Members {
					if x == v {
						return true
					}
				}
			}
		}
		return false
	}
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 99))
			v := w
			var cur *sub
			for range iters {
				if cur == nil {
					x := sub{randFilter(r), propQueue[r.IntN(len(propQueue))], v}
					if err := s.Insert(x.subj, x.queue, x.v); err != nil {
						fail(err.Error())
						return
					}
					cur = &x
					subj := concretize(r, x.subj)
					if !contains(s.Match(subj), x.queue, v) || !s.HasInterest(subj) {
						fail("missing own subscription " + x.subj + " in Match(" + subj + ")")
						return
					}
				} else {
					if err := s.Remove(cur.subj, cur.queue, cur.v); err != nil {
						fail(err.Error())
						return
					}
					subj := concretize(r, cur.subj)
					if contains(s.MatchBytes([]byte(subj)), cur.queue, v) {
						fail("removed subscription " + cur.subj + " still in Match(" + subj + ")")
						return
					}
					cur = nil
				}
			}
			if cur != nil {
				final[w] = model{*cur}
			}
		}()
	}
	var rwg sync.WaitGroup
	for i := range readers {
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			r := rand.New(rand.NewPCG(uint64(i), 5))
			type held struct {
				res  *Result[int]
				want string
			}
			var hold []held
			for !stop.Load() {
				subj := randSubject(r)
				var res *Result[int]
				if r.IntN(2) == 0 {
					res = s.Match(subj)
				} else {
					res = s.MatchBytes([]byte(subj))
				}
				_ = s.HasInterest(subj)
				if len(hold) < 50 {
					hold = append(hold, held{res, canon(res)})
				}
				if r.IntN(200) == 0 {
					_ = s.Stats()
					s.ForEach(func(string, string, int) bool { return true })
				}
			}
			for _, h := range hold {
				if canon(h.res) != h.want {
					fail("a returned result was mutated")
				}
			}
		}()
	}
	wg.Wait()
	stop.Store(true)
	rwg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	var m model
	s.ForEach(func(subj, queue string, v int) bool {
		if v >= 1000 {
			m = append(m, sub{subj, queue, v})
		}
		return true
	})
	for _, fm := range final {
		m = append(m, fm...)
	}
	if s.Count() != uint32(len(m)) {
		t.Fatalf("Count = %d, want %d", s.Count(), len(m))
	}
	// Exhaustive comparison over all subjects of up to 5 tokens.
	var all []string
	var gen func(prefix string, depth int)
	gen = func(prefix string, depth int) {
		if depth == 5 {
			return
		}
		for _, tok := range []string{"a", "b", "c", "zz", "*"} {
			subj := tok
			if prefix != "" {
				subj = prefix + "." + tok
			}
			all = append(all, subj)
			gen(subj, depth+1)
		}
	}
	gen("", 0)
	for range 2 { // second pass mostly hits the cache
		for _, subj := range all {
			if got, want := canon(s.Match(subj)), m.match(subj); got != want {
				t.Fatalf("after quiescing Match(%q) = %s, want %s", subj, got, want)
			}
		}
	}
}

// concretize returns a random literal subject matched by filter f.
func concretize(r *rand.Rand, f string) string {
	toks := strings.Split(f, ".")
	for i, t := range toks {
		switch t {
		case "*":
			toks[i] = propLits[r.IntN(len(propLits))]
		case ">":
			toks[i] = propLits[r.IntN(len(propLits))]
			for range r.IntN(3) {
				toks[i] += "." + propLits[r.IntN(len(propLits))]
			}
		}
	}
	return strings.Join(toks, ".")
}
