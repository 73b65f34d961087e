package store

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSeqListModel compares seqList with a sorted slice under random
// appends (with gaps), removals at the ends and in the middle, and every
// query, at sizes that span many chunks and leave many tombstones.
func TestSeqListModel(t *testing.T) {
	t.Parallel()
	for _, aligned := range []bool{true, false} {
		for seed := range 6 {
			t.Run(fmt.Sprintf("aligned=%v/seed%d", aligned, seed), func(t *testing.T) {
				t.Parallel()
				testSeqListModel(t, aligned, uint64(seed))
			})
		}
	}
}

func testSeqListModel(t *testing.T, aligned bool, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 1))
	l := seqList[uint64]{aligned: aligned}
	var keys []uint64 // the model
	next := uint64(1 + r.IntN(1000))
	steps := 30000
	if testing.Short() {
		steps = 8000
	}
	maxLen, maxEmpty := 0, 0
	for step := range steps {
		// Alternate growing and shrinking phases so that the list gets
		// long, then sparse.
		x := r.IntN(100)
		if (step/6000)%2 == 0 {
			x = x * 59 / 100
		} else {
			x = 30 + x*70/100
		}
		switch {
		case x < 50: // append, sometimes after a gap
			if r.IntN(10) == 0 {
				next += uint64(r.IntN(2000))
			}
			l.push(next, next*3)
			keys = append(keys, next)
			next++
		case x < 60 && len(keys) > 0: // remove the first
			p, _ := l.find(keys[0])
			l.remove(p)
			keys = keys[1:]
		case x < 63 && len(keys) > 0: // remove the last
			p, _ := l.find(keys[len(keys)-1])
			l.remove(p)
			keys = keys[:len(keys)-1]
		case x < 89 && len(keys) > 0: // remove in the middle
			i := r.IntN(len(keys))
			p, ok := l.find(keys[i])
			if !ok {
				t.Fatalf("step %d: find(%d) missed", step, keys[i])
			}
			l.remove(p)
			keys = slices.Delete(keys, i, i+1)
		case x < 90 && len(keys) > 0: // remove a run, emptying middle chunks
			i := r.IntN(len(keys))
			j := min(len(keys), i+r.IntN(600))
			for _, k := range keys[i:j] {
				p, _ := l.find(k)
				l.remove(p)
			}
			keys = slices.Delete(keys, i, j)
		case x < 91: // drain a lot to leave sparse chunks
			for j := 0; j < len(keys); j++ {
				if r.IntN(4) != 0 {
					p, _ := l.find(keys[j])
					l.remove(p)
					keys = slices.Delete(keys, j, j+1)
					j--
				}
			}
		default:
			checkSeqListQueries(t, r, &l, keys, next)
		}
		func() {
			defer func() {
				if e := recover(); e != nil {
					t.Fatalf("step %d: %v", step, e)
				}
			}()
			l.checkInvariants()
		}()
		if l.len() != len(keys) {
			t.Fatalf("step %d: len %d, model %d", step, l.len(), len(keys))
		}
		maxLen, maxEmpty = max(maxLen, l.len()), max(maxEmpty, l.empty)
	}
	checkSeqListQueries(t, r, &l, keys, next)
	if !testing.Short() && (maxLen < 2000 || maxEmpty < 1) {
		t.Errorf("test too weak: longest list %d, most tombstones %d", maxLen, maxEmpty)
	}
}

func checkSeqListQueries(t *testing.T, r *rand.Rand, l *seqList[uint64], keys []uint64, next uint64) {
	t.Helper()
	// Full iteration both ways.
	var got []uint64
	for p := l.lowerBound(0); !l.end(p); p = l.next(p) {
		if *l.val(p) != l.key(p)*3 {
			t.Fatalf("value of %d is %d", l.key(p), *l.val(p))
		}
		got = append(got, l.key(p))
	}
	if !slices.Equal(got, keys) && (len(got) > 0 || len(keys) > 0) {
		t.Fatalf("iteration differs: %d keys, model %d", len(got), len(keys))
	}
	got = got[:0]
	if len(keys) > 0 {
		for p, ok := l.atOrBelow(^uint64(0)); ok; p, ok = l.prev(p) {
			got = append(got, l.key(p))
		}
		slices.Reverse(got)
		if !slices.Equal(got, keys) {
			t.Fatalf("reverse iteration differs")
		}
	}
	f, fok := l.first()
	la, lok := l.last()
	if fok != (len(keys) > 0) || lok != fok || (fok && (f != keys[0] || la != keys[len(keys)-1])) {
		t.Fatalf("first/last = %d %v %d %v", f, fok, la, lok)
	}
	for range 50 {
		k := uint64(r.IntN(int(next) + 10))
		if len(keys) > 0 && r.IntN(2) == 0 {
			k = keys[r.IntN(len(keys))] + uint64(r.IntN(3)) - 1
		}
		i, found := slices.BinarySearch(keys, k)
		if _, ok := l.find(k); ok != found {
			t.Fatalf("find(%d) = %v, model %v", k, ok, found)
		}
		if v, ok := l.get(k); ok != found || (ok && *v != k*3) {
			t.Fatalf("get(%d) = %v", k, ok)
		}
		if rk := l.rank(k); rk != i {
			t.Fatalf("rank(%d) = %d, model %d", k, rk, i)
		}
		p := l.lowerBound(k)
		if l.end(p) != (i == len(keys)) || (!l.end(p) && l.key(p) != keys[i]) {
			t.Fatalf("lowerBound(%d) wrong", k)
		}
		j := i - 1
		if found {
			j = i
		}
		p, ok := l.atOrBelow(k)
		if ok != (j >= 0) || (ok && l.key(p) != keys[j]) {
			t.Fatalf("atOrBelow(%d) wrong", k)
		}
		// searchFunc over values (3*key, monotone).
		p = l.searchFunc(func(v *uint64) bool { return *v >= 3*k })
		if l.end(p) != (i == len(keys)) || (!l.end(p) && l.key(p) != keys[i]) {
			t.Fatalf("searchFunc(%d) wrong", k)
		}
	}
}

func TestSeqListReset(t *testing.T) {
	var l seqList[int]
	for i := range 1000 {
		l.push(uint64(i+1), i)
	}
	l.reset()
	l.checkInvariants()
	if l.len() != 0 {
		t.Fatal("not empty")
	}
	if _, ok := l.first(); ok {
		t.Fatal("first of empty list")
	}
	l.push(5, 5)
	if k, _ := l.first(); k != 5 {
		t.Fatal("push after reset")
	}
}

// TestSeqListTombstones empties whole chunks in the middle until the
// tombstones are compacted away, checking lookups throughout.
func TestSeqListTombstones(t *testing.T) {
	for _, aligned := range []bool{true, false} {
		l := seqList[uint64]{aligned: aligned}
		var keys []uint64
		const base = chunkCap
		for k := uint64(base); k < base+100*chunkCap; k++ {
			l.push(k, k*3)
			keys = append(keys, k)
		}
		compacted := false
		var order []int // odd chunks, then even ones; the ends stay
		for c := 1; c < 98; c += 2 {
			order = append(order, c)
		}
		for c := 2; c < 98; c += 2 {
			order = append(order, c)
		}
		for _, c := range order {
			for k := uint64(base + c*chunkCap); k < uint64(base+(c+1)*chunkCap); k++ {
				p, ok := l.find(k)
				if !ok {
					t.Fatalf("find(%d) missed", k)
				}
				l.remove(p)
				i, _ := slices.BinarySearch(keys, k)
				keys = slices.Delete(keys, i, i+1)
			}
			l.checkInvariants()
			if l.empty == 0 {
				compacted = true
			}
			checkSeqListQueries(t, rand.New(rand.NewPCG(uint64(c), 2)), &l, keys, base+100*chunkCap)
		}
		if !compacted || l.len() != 3*chunkCap || len(l.chunks)-l.empty != 3 {
			t.Fatalf("aligned=%v: compacted=%v, %d chunks", aligned, compacted, len(l.chunks))
		}
	}
}

func TestSearchKeys(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for range 20000 {
		n := r.IntN(300)
		keys := make([]uint64, n)
		k := r.Uint64N(1 << 62)
		step := []uint64{1, 3, 1 << 20, 1 << 40}[r.IntN(4)]
		for i := range keys {
			k += 1 + r.Uint64N(step)
			keys[i] = k
		}
		for range 10 {
			var q uint64
			switch {
			case n > 0 && r.IntN(2) == 0:
				q = keys[r.IntN(n)] + uint64(r.IntN(3)) - 1
			case n > 0:
				q = keys[0] + r.Uint64N(keys[n-1]-keys[0]+2)
			default:
				q = r.Uint64()
			}
			want, _ := slices.BinarySearch(keys, q)
			if got := searchKeys(keys, q); got != want {
				t.Fatalf("searchKeys(%v, %d) = %d, want %d", keys, q, got, want)
			}
		}
	}
}
