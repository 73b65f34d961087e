package store

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// storeFactory creates an empty Store for the conformance tests. The file
// store will run the same tests with its own factory.
type storeFactory func(t testing.TB, cfg StreamConfig, clock func() int64) Store

func newMemStoreForTest(t testing.TB, cfg StreamConfig, clock func() int64) Store {
	s, err := NewMemStore(cfg, clock)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var (
	propSubjects = []string{"a", "a.b", "a.c", "a.b.c", "b.b", "b.x.c", "c", "kv.k1", "kv.k2", "kv.k3"}
	propFilters  = []string{"", ">", "a", "a.*", "a.>", "*.b", "b.*.c", "*.*.c", "kv.>", "kv.k2", "zz", "a.b", "*"}
)

var longModel = flag.Bool("store.long", false, "run the model tests with many more seeds and steps")

func TestMemStoreModel(t *testing.T) {
	t.Parallel()
	runModelTest(t, newMemStoreForTest)
}

// runModelTest drives random operation sequences against a Store and the
// naive model, comparing every observable after every step. A failure
// prints the seed and the operations so far.
//
// The small profile uses tight limits so that every limit, eviction and
// error path is hit often; the large profile grows streams to thousands of
// messages (hundreds per subject) so that the indexes span many chunks.
// size, if given, is the number of seeds and steps (unless -store.long).
func runModelTest(t *testing.T, newStore storeFactory, size ...int) {
	seeds, steps := 24, 1200
	switch {
	case *longModel:
		seeds, steps = 400, 3000
	case len(size) == 2:
		seeds, steps = size[0], size[1]
	case testing.Short():
		seeds, steps = 8, 600
	}
	for seed := range seeds {
		large := seed%4 == 3
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			h := newPropHarness(t, newStore, uint64(seed), large)
			n := steps
			if large {
				n *= 4
			}
			for i := range n {
				h.step()
				if !large || i%25 == 0 {
					h.compare()
				} else {
					h.queries(1)
				}
				if t.Failed() {
					t.Logf("seed %d, config %+v, operations:\n%s", seed, h.m.cfg, strings.Join(h.log, "\n"))
					return
				}
				if large {
					h.maxMsgs = max(h.maxMsgs, len(h.m.msgs))
				}
			}
			if large && steps >= 1200 && h.maxMsgs < 500 {
				t.Errorf("large profile too weak: at most %d messages", h.maxMsgs)
			}
		})
	}
}

type propHarness struct {
	t        *testing.T
	newStore storeFactory
	r        *rand.Rand
	now      int64
	s        Store
	m        *model
	log      []string
	large    bool
	maxMsgs  int
	cbMsgs   int64
	cbBytes  int64
	sm       StoreMsg
}

func newPropHarness(t *testing.T, newStore storeFactory, seed uint64, large bool) *propHarness {
	h := &propHarness{t: t, newStore: newStore, r: rand.New(rand.NewPCG(seed, 99)), now: 1_000_000, large: large}
	cfg := h.randConfig()
	if h.r.IntN(4) == 0 {
		cfg.FirstSeq = 1 + uint64(h.r.IntN(1000))
	}
	h.s = newStore(t, cfg, func() int64 { return h.now })
	h.tune()
	h.s.RegisterStorageUpdates(h.onUpdate)
	h.m = newModel(cfg)
	switch h.s.(type) {
	case *FileStore, *reopenStore:
		h.m.sizeOf = FileMsgSize
	}
	h.logf("new %+v", cfg)
	return h
}

// tune makes half of the memory stores take the subject walk of wildcard
// searches after a single scanned message.
func (h *propHarness) tune() {
	if ms, ok := h.s.(*MemStore); ok && h.r.IntN(2) == 0 {
		ms.mu.scanBase, ms.mu.scanPerSubject = 1, 0
	}
}

func (h *propHarness) onUpdate(msgs, bytes int64, _ uint64, _ string) {
	h.cbMsgs += msgs
	h.cbBytes += bytes
}

func (h *propHarness) logf(format string, args ...any) {
	h.log = append(h.log, fmt.Sprintf(format, args...))
}

func (h *propHarness) randConfig() StreamConfig {
	r := h.r
	var cfg StreamConfig
	if h.large {
		if r.IntN(2) == 0 {
			cfg.MaxMsgs = int64(1000 + r.IntN(4000))
		}
		if r.IntN(2) == 0 {
			cfg.MaxMsgsPerSubject = int64(100 + r.IntN(400))
		}
		if r.IntN(2) == 0 {
			cfg.MaxAge = time.Duration(20_000_000 + r.IntN(20_000_000))
		}
		cfg.AllowMsgTTL = r.IntN(2) == 0
		return cfg
	}
	if r.IntN(2) == 0 {
		cfg.MaxMsgs = int64(1 + r.IntN(30))
	}
	if r.IntN(3) == 0 {
		cfg.MaxBytes = int64(200 + r.IntN(4000))
	}
	if r.IntN(2) == 0 {
		cfg.MaxMsgsPerSubject = int64(1 + r.IntN(6))
	}
	if r.IntN(3) == 0 {
		cfg.MaxAge = time.Duration(1000 + r.IntN(50_000))
	}
	if r.IntN(4) == 0 {
		cfg.MaxMsgSize = int32(20 + r.IntN(80))
	}
	if r.IntN(2) == 0 {
		cfg.Discard = DiscardNew
		cfg.DiscardNewPerSubject = r.IntN(2) == 0
	}
	cfg.AllowMsgTTL = r.IntN(2) == 0
	return cfg
}

func (h *propHarness) randBytes(n int) []byte {
	if n == 0 {
		return nil
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + h.r.IntN(26))
	}
	return b
}

func (h *propHarness) randTTL() time.Duration {
	switch x := h.r.IntN(10); {
	case x < 6:
		return 0
	case x < 7:
		return -1
	case h.large:
		return time.Duration(1 + h.r.IntN(10_000_000))
	default:
		return time.Duration(1 + h.r.IntN(40_000))
	}
}

// randSeq returns a sequence near the store's range.
func (h *propHarness) randSeq() uint64 {
	lo := h.m.first
	if lo > 2 {
		lo -= 2
	}
	return lo + uint64(h.r.IntN(int(h.m.last-lo)+4))
}

func (h *propHarness) randFilter() string { return propFilters[h.r.IntN(len(propFilters))] }

func (h *propHarness) step() {
	r, t := h.r, h.t
	h.now += int64(r.IntN(3000))
	x := r.IntN(100)
	if h.large && x >= 78 && x < 97 && r.IntN(60) != 0 {
		x = 0 // bulk removals and config changes are rare in large streams
	}
	if h.large && x >= 55 && x < 65 && r.IntN(2) == 0 {
		x = 0 // and grow faster than they shrink
	}
	switch {
	case x < 45:
		subj := propSubjects[r.IntN(len(propSubjects))]
		if h.large && r.IntN(2) == 0 {
			subj = "kv.k1" // one subject spanning several chunks
		}
		if r.IntN(200) == 0 {
			subj = ""
		}
		hdr, data, ttl := h.randBytes(r.IntN(3)*r.IntN(12)), h.randBytes(r.IntN(70)), h.randTTL()
		h.logf("StoreMsg(%q, %d, %d, %v) now=%d", subj, len(hdr), len(data), ttl, h.now)
		seq, ts, err := h.s.StoreMsg(subj, hdr, data, ttl)
		ts0 := max(h.now, h.m.lastTS)
		merr := h.m.store(subj, hdr, data, h.m.last+1, ts0, ttl, true)
		if !errors.Is(err, merr) || (err == nil && (seq != h.m.last || ts != ts0)) {
			t.Errorf("StoreMsg = %d, %d, %v; model %d, %d, %v", seq, ts, err, h.m.last, ts0, merr)
		}
	case x < 55:
		seq := h.m.last + 1
		if r.IntN(8) == 0 {
			seq = 0
		} else if r.IntN(20) == 0 {
			seq = h.randSeq()
		}
		subj := propSubjects[r.IntN(len(propSubjects))]
		data, ttl, check := h.randBytes(r.IntN(50)), h.randTTL(), r.IntN(2) == 0
		ts := max(h.now, h.m.lastTS)
		h.logf("StoreMsgAt(%q, %d, seq=%d, ts=%d, %v, %v)", subj, len(data), seq, ts, ttl, check)
		err := h.s.StoreMsgAt(subj, nil, data, seq, ts, ttl, check)
		if seq == 0 {
			seq = h.m.last + 1
		}
		if merr := h.m.store(subj, nil, data, seq, ts, ttl, check); !errors.Is(err, merr) {
			t.Errorf("StoreMsgAt = %v; model %v", err, merr)
		}
	case x < 65:
		seq, erase := h.randSeq(), r.IntN(4) == 0
		h.logf("RemoveMsg(%d) erase=%v", seq, erase)
		var ok bool
		var err error
		if erase {
			ok, err = h.s.EraseMsg(seq)
		} else {
			ok, err = h.s.RemoveMsg(seq)
		}
		if mok := h.m.remove(seq); ok != mok || err != nil {
			t.Errorf("RemoveMsg(%d) = %v, %v; model %v", seq, ok, err, mok)
		}
	case x < 75:
		h.logf("ExpireMsgs(%d)", h.now)
		if n, mn := h.s.ExpireMsgs(h.now), h.m.expire(h.now); n != mn {
			t.Errorf("ExpireMsgs = %d; model %d", n, mn)
		}
	case x < 78:
		seq, num := h.m.last+1, uint64(r.IntN(4))
		if r.IntN(5) == 0 {
			seq = h.randSeq()
		}
		h.logf("SkipMsgs(%d, %d)", seq, num)
		if err, merr := h.s.SkipMsgs(seq, num), h.m.skip(seq, num); !errors.Is(err, merr) {
			t.Errorf("SkipMsgs = %v; model %v", err, merr)
		}
	case x < 79:
		h.logf("Purge()")
		if n, err := h.s.Purge(); n != h.m.purge() || err != nil {
			t.Errorf("Purge = %d, %v", n, err)
		}
	case x < 85:
		f, upTo, keep := h.randFilter(), uint64(0), uint64(0)
		if r.IntN(2) == 0 {
			upTo = h.randSeq()
		}
		if r.IntN(2) == 0 {
			keep = uint64(r.IntN(6))
		}
		h.logf("PurgeEx(%q, %d, %d)", f, upTo, keep)
		n, err := h.s.PurgeEx(f, upTo, keep)
		if mn := h.m.purgeEx(f, upTo, keep); n != mn || err != nil {
			t.Errorf("PurgeEx = %d, %v; model %d", n, err, mn)
		}
	case x < 88:
		seq := h.randSeq()
		h.logf("Compact(%d)", seq)
		if n, err := h.s.Compact(seq); n != h.m.compact(seq) || err != nil {
			t.Errorf("Compact = %d, %v", n, err)
		}
	case x < 91:
		seq := h.randSeq()
		if r.IntN(10) == 0 {
			seq = 0
		}
		h.logf("Truncate(%d)", seq)
		if err, merr := h.s.Truncate(seq), h.m.truncate(seq); !errors.Is(err, merr) {
			t.Errorf("Truncate = %v; model %v", err, merr)
		}
	case x < 94:
		cfg := h.randConfig()
		h.logf("UpdateConfig(%+v)", cfg)
		if err := h.s.UpdateConfig(cfg); err != nil {
			t.Errorf("UpdateConfig: %v", err)
		}
		h.m.updateConfig(cfg)
	case x < 97:
		h.logf("snapshot and restore")
		h.snapshotRoundTrip()
	default:
		h.logf("query storm")
		h.queries(20)
	}
}

// snapshotRoundTrip replaces the store under test with one restored from
// its snapshot.
func (h *propHarness) snapshotRoundTrip() {
	snap, err := h.s.EncodeSnapshot()
	if err != nil {
		h.t.Fatal(err)
	}
	cfg := h.m.cfg
	cfg.FirstSeq = 0
	s2 := h.newStore(h.t, cfg, func() int64 { return h.now })
	if err := s2.RestoreSnapshot(snap); err != nil {
		h.t.Fatalf("RestoreSnapshot: %v", err)
	}
	if snap2, _ := s2.EncodeSnapshot(); !bytes.Equal(snap, snap2) {
		h.t.Errorf("snapshot of restored store differs")
	}
	h.s.Stop()
	h.s = s2
	h.tune()
	h.cbMsgs, h.cbBytes = int64(h.m.state().Msgs), int64(h.m.bytes())
	h.s.RegisterStorageUpdates(h.onUpdate)
}

func sameMsg(sm *StoreMsg, x *modelMsg) bool {
	return sm.Seq == x.seq && sm.Subject == x.subj && bytes.Equal(sm.Header, x.hdr) &&
		bytes.Equal(sm.Data, x.data) && sm.TS == x.ts && sm.TTL == x.ttl
}

// checkLoad compares a load result with the model's.
func (h *propHarness) checkLoad(what string, sm *StoreMsg, err error, x *modelMsg, merr error) {
	h.t.Helper()
	switch {
	case merr != nil:
		if !errors.Is(err, merr) || (merr == ErrNotFound && errors.Is(err, ErrDeleted) != errors.Is(merr, ErrDeleted)) {
			h.t.Errorf("%s: err %v, model %v", what, err, merr)
		}
	case err != nil:
		h.t.Errorf("%s: err %v, model seq %d", what, err, x.seq)
	case !sameMsg(sm, x):
		h.t.Errorf("%s: got seq %d %q, model seq %d %q", what, sm.Seq, sm.Subject, x.seq, x.subj)
	}
}

func (h *propHarness) compare() {
	t := h.t
	if s, ok := h.s.(interface{ checkInvariants(testing.TB) }); ok {
		s.checkInvariants(t)
	}
	st, mst := h.s.State(), h.m.state()
	st.Consumers = 0
	if st != mst {
		t.Errorf("State = %+v\nmodel   %+v", st, mst)
		return
	}
	if h.cbMsgs != int64(st.Msgs) || h.cbBytes != int64(st.Bytes) {
		t.Errorf("storage updates sum to %d msgs %d bytes, state %d %d", h.cbMsgs, h.cbBytes, st.Msgs, st.Bytes)
	}
	if d, md := h.s.DeletedSeqs(), h.m.deleted(); !slices.Equal(d, md) {
		t.Errorf("DeletedSeqs = %v, model %v", d, md)
	}
	lo := mst.FirstSeq
	if lo > 2 {
		lo -= 2
	}
	for seq := lo; seq <= mst.LastSeq+2; seq++ {
		sm, err := h.s.LoadMsg(seq, &h.sm)
		x, merr := h.m.load(seq)
		h.checkLoad(fmt.Sprintf("LoadMsg(%d)", seq), sm, err, x, merr)
	}
	if got, want := h.s.SubjectsState(">"), h.m.subjectsState(">"); !maps.Equal(got, want) {
		t.Errorf("SubjectsState = %v, model %v", got, want)
	}
	d, ok := h.s.NextExpiry()
	if md, mok := h.m.nextExpiry(); d != md && (ok || mok) || ok != mok {
		t.Errorf("NextExpiry = %d %v, model %d %v", d, ok, md, mok)
	}
	h.queries(3)
}

// queries compares n rounds of filtered queries at random starts.
func (h *propHarness) queries(n int) {
	t := h.t
	for range n {
		f, start := h.randFilter(), h.randSeq()
		fs := []string{h.randFilter(), h.randFilter()}[:h.r.IntN(3)]
		sm, err := h.s.LoadNextMsg(f, start, &h.sm)
		x, merr := h.m.next([]string{f}, start)
		h.checkLoad(fmt.Sprintf("LoadNextMsg(%q, %d)", f, start), sm, err, x, merr)
		sm, err = h.s.LoadNextMsgMulti(fs, start, &h.sm)
		x, merr = h.m.next(fs, start)
		h.checkLoad(fmt.Sprintf("LoadNextMsgMulti(%q, %d)", fs, start), sm, err, x, merr)
		sm, err = h.s.LoadPrevMsg(f, start, &h.sm)
		x, merr = h.m.prev(f, start)
		h.checkLoad(fmt.Sprintf("LoadPrevMsg(%q, %d)", f, start), sm, err, x, merr)
		sm, err = h.s.LoadLastMsg(f, &h.sm)
		x, merr = h.m.prev(f, h.m.last)
		if merr != nil {
			merr = ErrNotFound
		}
		h.checkLoad(fmt.Sprintf("LoadLastMsg(%q)", f), sm, err, x, merr)
		for _, lps := range []bool{false, true} {
			np, err := h.s.NumPending(start, f, lps)
			if want := h.m.filtered([]string{f}, start, lps).Msgs; np != want || err != nil {
				t.Errorf("NumPending(%d, %q, %v) = %d, %v; model %d", start, f, lps, np, err, want)
			}
			np, err = h.s.NumPendingMulti(start, fs, lps)
			if want := h.m.filtered(fs, start, lps).Msgs; np != want || err != nil {
				t.Errorf("NumPendingMulti(%d, %q, %v) = %d, %v; model %d", start, fs, lps, np, err, want)
			}
		}
		if fst, err := h.s.FilteredState(start, f); err != nil || fst != h.m.filtered([]string{f}, start, false) {
			t.Errorf("FilteredState(%d, %q) = %+v, %v; model %+v", start, f, fst, err, h.m.filtered([]string{f}, start, false))
		}
		mss := h.m.subjectsState(f)
		if got := h.s.SubjectsState(f); !maps.Equal(got, mss) {
			t.Errorf("SubjectsState(%q) = %v, model %v", f, got, mss)
		}
		want := map[string]uint64(nil)
		for k, v := range mss {
			if want == nil {
				want = map[string]uint64{}
			}
			want[k] = v.Msgs
		}
		if got := h.s.SubjectsTotals(f); !maps.Equal(got, want) {
			t.Errorf("SubjectsTotals(%q) = %v, model %v", f, got, want)
		}
		ts := h.now - int64(h.r.IntN(100_000))
		if got, want := h.s.GetSeqFromTime(ts), h.m.seqFromTime(ts); got != want {
			t.Errorf("GetSeqFromTime(%d) = %d, model %d", ts, got, want)
		}
	}
}
