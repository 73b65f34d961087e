package store

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// testClock is a manual clock.
type testClock struct{ now int64 }

func (c *testClock) Now() int64 { return c.now }

func newTestStore(t *testing.T, cfg StreamConfig) (*MemStore, *testClock) {
	t.Helper()
	c := &testClock{now: 1000}
	s, err := NewMemStore(cfg, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func mustStore(t *testing.T, s Store, subj, data string) uint64 {
	t.Helper()
	seq, _, err := s.StoreMsg(subj, nil, []byte(data), 0)
	if err != nil {
		t.Fatalf("StoreMsg(%q): %v", subj, err)
	}
	return seq
}

// seqsOf lists the stored sequences.
func seqsOf(s Store) []uint64 {
	var out []uint64
	var sm StoreMsg
	for seq := uint64(0); ; seq++ {
		m, err := s.LoadNextMsg(">", seq, &sm)
		if err != nil {
			return out
		}
		out = append(out, m.Seq)
		seq = m.Seq
	}
}

func TestStoreAndLoad(t *testing.T) {
	s, clock := newTestStore(t, StreamConfig{})
	hdr, data := []byte("NATS/1.0\r\nA: b\r\n\r\n"), []byte("hello")
	clock.now = 5000
	seq, ts, err := s.StoreMsg("foo.bar", hdr, data, 0)
	if err != nil || seq != 1 || ts != 5000 {
		t.Fatalf("StoreMsg = %d, %d, %v", seq, ts, err)
	}
	hdr[0], data[0] = 'X', 'X' // the store must have copied
	sm, err := s.LoadMsg(1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sm.Subject != "foo.bar" || string(sm.Header) != "NATS/1.0\r\nA: b\r\n\r\n" || string(sm.Data) != "hello" || sm.Seq != 1 || sm.TS != 5000 {
		t.Fatalf("loaded %+v", sm)
	}
	// A message without header or data loads with nil slices.
	mustStore(t, s, "empty", "")
	if sm, _ := s.LoadMsg(2, sm); sm.Header != nil || sm.Data != nil || sm.Subject != "empty" {
		t.Fatalf("empty message loaded as %+v", sm)
	}
	st := s.State()
	want := StreamState{Msgs: 2, Bytes: MsgSize("foo.bar", hdr, data) + MsgSize("empty", nil, nil),
		FirstSeq: 1, FirstTS: 5000, LastSeq: 2, LastTS: 5000, NumSubjects: 2}
	if st != want {
		t.Fatalf("State = %+v, want %+v", st, want)
	}
}

func TestStoreTimestampsNeverGoBack(t *testing.T) {
	s, clock := newTestStore(t, StreamConfig{})
	clock.now = 100
	mustStore(t, s, "a", "1")
	clock.now = 50 // clock stepped back
	if _, ts, _ := s.StoreMsg("a", nil, nil, 0); ts != 100 {
		t.Fatalf("ts = %d, want 100", ts)
	}
}

func TestStoreMsgAt(t *testing.T) {
	s, _ := newTestStore(t, StreamConfig{MaxMsgSize: 4, MaxMsgs: 1, Discard: DiscardNew})
	if err := s.StoreMsgAt("a", nil, nil, 2, 10, 0, false); !errors.Is(err, ErrSequenceMismatch) {
		t.Fatalf("wrong sequence: %v", err)
	}
	if err := s.StoreMsgAt("a", nil, []byte("toolong"), 0, 77, 0, false); err != nil {
		t.Fatalf("unchecked store: %v", err)
	}
	if err := s.StoreMsgAt("a", nil, []byte("toolong"), 2, 78, 0, true); !errors.Is(err, ErrMaxMsgSize) {
		t.Fatalf("checked store: %v", err)
	}
	if err := s.StoreMsgAt("a", nil, nil, 2, 78, 0, true); !errors.Is(err, ErrMaxMsgs) {
		t.Fatalf("checked store: %v", err)
	}
	if err := s.StoreMsgAt("a", nil, nil, 2, 79, 0, false); err != nil {
		t.Fatalf("unchecked store: %v", err)
	}
	if st := s.State(); st.FirstTS != 77 || st.LastTS != 79 || st.Msgs != 2 {
		t.Fatalf("State = %+v", st)
	}
	if err := s.StoreMsgAt("", nil, nil, 0, 80, 0, false); !errors.Is(err, ErrBadSubject) {
		t.Fatalf("empty subject: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	s, _ := newTestStore(t, StreamConfig{})
	for range 10 {
		mustStore(t, s, "a", "x")
	}
	s.Compact(3)
	s.RemoveMsg(5)
	tests := []struct {
		seq  uint64
		want error
	}{
		{0, ErrNotFound}, {2, ErrNotFound}, {3, nil}, {5, ErrDeleted}, {10, nil}, {11, ErrEOF},
	}
	for _, tc := range tests {
		_, err := s.LoadMsg(tc.seq, nil)
		if err != tc.want {
			t.Errorf("LoadMsg(%d) = %v, want %v", tc.seq, err, tc.want)
		}
		_, err = s.SubjectForSeq(tc.seq)
		if err != tc.want {
			t.Errorf("SubjectForSeq(%d) = %v, want %v", tc.seq, err, tc.want)
		}
	}
	if !errors.Is(ErrDeleted, ErrNotFound) || errors.Is(ErrEOF, ErrNotFound) {
		t.Error("ErrDeleted must be a kind of ErrNotFound, ErrEOF not")
	}
}

func TestLimits(t *testing.T) {
	type op struct {
		subj string
		size int
		err  error
	}
	tests := []struct {
		name string
		cfg  StreamConfig
		ops  []op
		seqs []uint64 // stored afterwards
	}{
		{"max msgs discard old", StreamConfig{MaxMsgs: 3},
			[]op{{"a", 1, nil}, {"b", 1, nil}, {"c", 1, nil}, {"d", 1, nil}, {"e", 1, nil}}, []uint64{3, 4, 5}},
		{"max msgs discard new", StreamConfig{MaxMsgs: 2, Discard: DiscardNew},
			[]op{{"a", 1, nil}, {"b", 1, nil}, {"c", 1, ErrMaxMsgs}}, []uint64{1, 2}},
		{"max bytes discard old", StreamConfig{MaxBytes: 3 * 20},
			[]op{{"a", 3, nil}, {"a", 3, nil}, {"a", 3, nil}, {"a", 3, nil}}, []uint64{2, 3, 4}},
		{"max bytes discard new", StreamConfig{MaxBytes: 3 * 20, Discard: DiscardNew},
			[]op{{"a", 3, nil}, {"a", 3, nil}, {"a", 3, nil}, {"a", 3, ErrMaxBytes}, {"a", 0, ErrMaxBytes}}, []uint64{1, 2, 3}},
		{"message larger than max bytes", StreamConfig{MaxBytes: 50},
			[]op{{"a", 3, nil}, {"a", 100, nil}}, nil},
		{"per subject discard old", StreamConfig{MaxMsgsPerSubject: 2},
			[]op{{"a", 1, nil}, {"b", 1, nil}, {"a", 1, nil}, {"a", 1, nil}, {"b", 1, nil}, {"b", 1, nil}}, []uint64{3, 4, 5, 6}},
		{"per subject with discard new evicts", StreamConfig{MaxMsgsPerSubject: 1, Discard: DiscardNew},
			[]op{{"a", 1, nil}, {"a", 1, nil}}, []uint64{2}},
		{"discard new per subject", StreamConfig{MaxMsgsPerSubject: 1, Discard: DiscardNew, DiscardNewPerSubject: true},
			[]op{{"a", 1, nil}, {"b", 1, nil}, {"a", 1, ErrMaxMsgsPerSubject}}, []uint64{1, 2}},
		{"discard new per subject ignored with discard old", StreamConfig{MaxMsgsPerSubject: 1, DiscardNewPerSubject: true},
			[]op{{"a", 1, nil}, {"a", 1, nil}}, []uint64{2}},
		{"full store accepts a subject at its limit", StreamConfig{MaxMsgs: 2, MaxMsgsPerSubject: 1, Discard: DiscardNew},
			[]op{{"a", 1, nil}, {"b", 1, nil}, {"c", 1, ErrMaxMsgs}, {"a", 1, nil}}, []uint64{2, 3}},
		{"bytes full, replacing a larger message fits", StreamConfig{MaxBytes: 2*1 + 32 + 5, MaxMsgsPerSubject: 1, Discard: DiscardNew},
			[]op{{"a", 5, nil}, {"b", 0, nil}, {"a", 4, nil}, {"a", 6, ErrMaxBytes}}, []uint64{2, 3}},
		{"max msg size", StreamConfig{MaxMsgSize: 4},
			[]op{{"a", 4, nil}, {"a", 5, ErrMaxMsgSize}}, []uint64{1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newTestStore(t, tc.cfg)
			for i, o := range tc.ops {
				_, _, err := s.StoreMsg(o.subj, nil, make([]byte, o.size), 0)
				if !errors.Is(err, o.err) {
					t.Fatalf("op %d: StoreMsg(%q, %d bytes) = %v, want %v", i, o.subj, o.size, err, o.err)
				}
			}
			if got := seqsOf(s); !slices.Equal(got, tc.seqs) {
				t.Fatalf("stored %v, want %v", got, tc.seqs)
			}
			s.checkInvariants(t)
		})
	}
}

func TestUpdateConfigEnforces(t *testing.T) {
	fill := func(t *testing.T, cfg StreamConfig) *MemStore {
		s, _ := newTestStore(t, cfg)
		for _, subj := range []string{"a", "b", "a", "b", "a", "c"} {
			mustStore(t, s, subj, "x")
		}
		return s
	}
	tests := []struct {
		name     string
		from, to StreamConfig
		seqs     []uint64
	}{
		{"lower max msgs", StreamConfig{}, StreamConfig{MaxMsgs: 2}, []uint64{5, 6}},
		{"lower max msgs discard new keeps", StreamConfig{Discard: DiscardNew}, StreamConfig{MaxMsgs: 2, Discard: DiscardNew}, []uint64{1, 2, 3, 4, 5, 6}},
		{"lower max bytes", StreamConfig{}, StreamConfig{MaxBytes: 3 * MsgSizeInt("a", 1)}, []uint64{4, 5, 6}},
		{"set per subject", StreamConfig{}, StreamConfig{MaxMsgsPerSubject: 1}, []uint64{4, 5, 6}},
		{"lower per subject", StreamConfig{MaxMsgsPerSubject: 3}, StreamConfig{MaxMsgsPerSubject: 2}, []uint64{2, 3, 4, 5, 6}},
		{"raise limits", StreamConfig{MaxMsgs: 6}, StreamConfig{MaxMsgs: 10}, []uint64{1, 2, 3, 4, 5, 6}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := fill(t, tc.from)
			if err := s.UpdateConfig(tc.to); err != nil {
				t.Fatal(err)
			}
			if got := seqsOf(s); !slices.Equal(got, tc.seqs) {
				t.Fatalf("stored %v, want %v", got, tc.seqs)
			}
			s.checkInvariants(t)
		})
	}
}

// MsgSizeInt is MsgSize of a subject and n data bytes, as an int64 limit.
func MsgSizeInt(subj string, n int) int64 { return int64(len(subj) + n + 16) }

func TestFirstSeqAndSkip(t *testing.T) {
	s, _ := newTestStore(t, StreamConfig{FirstSeq: 100})
	if st := s.State(); st.FirstSeq != 100 || st.LastSeq != 99 {
		t.Fatalf("new store state %+v", st)
	}
	if seq := mustStore(t, s, "a", "x"); seq != 100 {
		t.Fatalf("first seq %d", seq)
	}
	if seq, err := s.SkipMsg(0); seq != 101 || err != nil {
		t.Fatalf("SkipMsg = %d, %v", seq, err)
	}
	if _, err := s.SkipMsg(5); !errors.Is(err, ErrSequenceMismatch) {
		t.Fatalf("SkipMsg(5) = %v", err)
	}
	if err := s.SkipMsgs(102, 3); err != nil {
		t.Fatal(err)
	}
	mustStore(t, s, "a", "y")
	st := s.State()
	if st.FirstSeq != 100 || st.LastSeq != 105 || st.NumDeleted != 4 || st.Msgs != 2 {
		t.Fatalf("state %+v", st)
	}
	if d := s.DeletedSeqs(); !slices.Equal(d, []uint64{101, 102, 103, 104}) {
		t.Fatalf("DeletedSeqs = %v", d)
	}
	// Skipping on an empty store moves the first sequence along.
	s.Purge()
	s.SkipMsgs(0, 10)
	if st := s.State(); st.FirstSeq != 116 || st.LastSeq != 115 || st.NumDeleted != 0 {
		t.Fatalf("state after skip on empty %+v", st)
	}
	// A pristine store reports 0, 0.
	p, _ := newTestStore(t, StreamConfig{})
	if st := p.State(); st.FirstSeq != 0 || st.LastSeq != 0 {
		t.Fatalf("pristine state %+v", st)
	}
}

func TestRemoveMsg(t *testing.T) {
	s, _ := newTestStore(t, StreamConfig{})
	for i := range 6 {
		mustStore(t, s, fmt.Sprint("s", i%2), "x")
	}
	for _, seq := range []uint64{3, 1, 6} {
		if ok, err := s.RemoveMsg(seq); !ok || err != nil {
			t.Fatalf("RemoveMsg(%d) = %v, %v", seq, ok, err)
		}
	}
	if ok, _ := s.RemoveMsg(3); ok {
		t.Fatal("removed twice")
	}
	st := s.State()
	if st.FirstSeq != 2 || st.LastSeq != 6 || st.Msgs != 3 || st.NumDeleted != 2 {
		t.Fatalf("state %+v", st)
	}
	if d := s.DeletedSeqs(); !slices.Equal(d, []uint64{3, 6}) {
		t.Fatalf("DeletedSeqs = %v", d)
	}
	if ok, _ := s.EraseMsg(2); !ok {
		t.Fatal("EraseMsg failed")
	}
	if st := s.State(); st.FirstSeq != 4 {
		t.Fatalf("first after removing through a gap: %d", st.FirstSeq)
	}
	if ss := s.SubjectsState(">"); ss["s0"] != (SimpleState{1, 5, 5}) || ss["s1"] != (SimpleState{1, 4, 4}) {
		t.Fatalf("SubjectsState = %v", ss)
	}
}

func TestPurgeEx(t *testing.T) {
	// Subjects of sequences 1..10.
	subjs := []string{"a.1", "b.1", "a.2", "a.1", "b.2", "a.1", "c", "a.2", "b.1", "a.1"}
	tests := []struct {
		filter     string
		upTo, keep uint64
		purged     uint64
		left       []uint64
	}{
		{"", 0, 0, 10, nil},
		{">", 5, 0, 4, []uint64{5, 6, 7, 8, 9, 10}},
		{">", 0, 3, 7, []uint64{8, 9, 10}},
		{">", 1, 0, 0, []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{"a.1", 0, 0, 4, []uint64{2, 3, 5, 7, 8, 9}},
		{"a.1", 0, 1, 3, []uint64{2, 3, 5, 7, 8, 9, 10}},
		{"a.1", 6, 0, 2, []uint64{2, 3, 5, 6, 7, 8, 9, 10}},
		{"a.1", 0, 4, 0, []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{"a.*", 0, 2, 4, []uint64{2, 5, 7, 8, 9, 10}},
		{"a.*", 4, 0, 2, []uint64{2, 4, 5, 6, 7, 8, 9, 10}},
		{"*.1", 0, 0, 6, []uint64{3, 5, 7, 8}},
		{"b.>", 9, 1, 2, []uint64{1, 3, 4, 6, 7, 8, 9, 10}},
		{"none", 0, 0, 0, []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%q/%d/%d", tc.filter, tc.upTo, tc.keep), func(t *testing.T) {
			s, _ := newTestStore(t, StreamConfig{})
			for _, subj := range subjs {
				mustStore(t, s, subj, "x")
			}
			n, err := s.PurgeEx(tc.filter, tc.upTo, tc.keep)
			if n != tc.purged || err != nil {
				t.Fatalf("PurgeEx = %d, %v; want %d", n, err, tc.purged)
			}
			if got := seqsOf(s); !slices.Equal(got, tc.left) {
				t.Fatalf("left %v, want %v", got, tc.left)
			}
			if st := s.State(); st.LastSeq != 10 {
				t.Fatalf("last seq moved: %+v", st)
			}
			s.checkInvariants(t)
		})
	}
}

func TestCompactTruncate(t *testing.T) {
	tests := []struct {
		name        string
		op          func(s *MemStore) (uint64, error)
		n           uint64
		first, last uint64
		lastTS      int64
		seqs        []uint64
	}{
		{"compact middle", func(s *MemStore) (uint64, error) { return s.Compact(4) }, 2, 4, 6, 600, []uint64{4, 6}},
		{"compact onto a gap", func(s *MemStore) (uint64, error) { return s.Compact(5) }, 3, 6, 6, 600, []uint64{6}},
		{"compact below first", func(s *MemStore) (uint64, error) { return s.Compact(1) }, 0, 1, 6, 600, []uint64{1, 2, 4, 6}},
		{"compact past end", func(s *MemStore) (uint64, error) { return s.Compact(20) }, 4, 20, 19, 600, nil},
		{"compact 0 purges", func(s *MemStore) (uint64, error) { return s.Compact(0) }, 4, 7, 6, 600, nil},
		{"truncate middle", func(s *MemStore) (uint64, error) { return 0, s.Truncate(4) }, 0, 1, 4, 400, []uint64{1, 2, 4}},
		{"truncate onto a gap", func(s *MemStore) (uint64, error) { return 0, s.Truncate(3) }, 0, 1, 3, 200, []uint64{1, 2}},
		{"truncate at last", func(s *MemStore) (uint64, error) { return 0, s.Truncate(6) }, 0, 1, 6, 600, []uint64{1, 2, 4, 6}},
		{"truncate below first", func(s *MemStore) (uint64, error) { return 0, s.Truncate(0) }, 0, 0, 0, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, clock := newTestStore(t, StreamConfig{})
			for i := range 6 {
				clock.now = int64(i+1) * 100
				mustStore(t, s, "a", "x")
			}
			s.RemoveMsg(3)
			s.RemoveMsg(5)
			n, err := tc.op(s)
			if n != tc.n || err != nil {
				t.Fatalf("got %d, %v; want %d", n, err, tc.n)
			}
			st := s.State()
			if st.FirstSeq != tc.first || st.LastSeq != tc.last || st.LastTS != tc.lastTS {
				t.Fatalf("state %+v, want first %d last %d lastTS %d", st, tc.first, tc.last, tc.lastTS)
			}
			if got := seqsOf(s); !slices.Equal(got, tc.seqs) {
				t.Fatalf("left %v, want %v", got, tc.seqs)
			}
			s.checkInvariants(t)
		})
	}
	s, _ := newTestStore(t, StreamConfig{})
	mustStore(t, s, "a", "x")
	if err := s.Truncate(2); !errors.Is(err, ErrInvalidSequence) {
		t.Fatalf("Truncate beyond last = %v", err)
	}
}

func TestQueries(t *testing.T) {
	s, clock := newTestStore(t, StreamConfig{})
	// seq: 1    2     3      4    5      6    7      8
	for _, subj := range []string{"a.1", "b.1", "a.2", "c", "a.1", "b.2", "a.2", "c"} {
		clock.now += 10
		mustStore(t, s, subj, subj)
	}
	s.RemoveMsg(5)
	next := []struct {
		filter string
		start  uint64
		want   uint64 // 0: ErrEOF
	}{
		{">", 0, 1}, {"", 5, 6}, {"a.1", 2, 0}, {"a.1", 1, 1}, {"a.*", 4, 7}, {"*.2", 4, 6},
		{"c", 5, 8}, {"x", 1, 0}, {">", 9, 0}, {"a.>", 8, 0},
	}
	for _, tc := range next {
		sm, err := s.LoadNextMsg(tc.filter, tc.start, nil)
		if tc.want == 0 {
			if !errors.Is(err, ErrEOF) {
				t.Errorf("LoadNextMsg(%q, %d) = %v, want EOF", tc.filter, tc.start, err)
			}
		} else if err != nil || sm.Seq != tc.want || string(sm.Data) != sm.Subject {
			t.Errorf("LoadNextMsg(%q, %d) = %v, %v; want %d", tc.filter, tc.start, sm, err, tc.want)
		}
	}
	prev := []struct {
		filter string
		start  uint64
		want   uint64
	}{
		{">", 100, 8}, {">", 5, 4}, {"a.1", 8, 1}, {"b.*", 5, 2}, {"c", 3, 0}, {"*.2", 6, 6},
	}
	for _, tc := range prev {
		sm, err := s.LoadPrevMsg(tc.filter, tc.start, nil)
		if tc.want == 0 {
			if !errors.Is(err, ErrEOF) {
				t.Errorf("LoadPrevMsg(%q, %d) = %v, want EOF", tc.filter, tc.start, err)
			}
		} else if err != nil || sm.Seq != tc.want {
			t.Errorf("LoadPrevMsg(%q, %d) = %v, %v; want %d", tc.filter, tc.start, sm, err, tc.want)
		}
	}
	for filter, want := range map[string]uint64{">": 8, "a.1": 1, "a.*": 7, "b.>": 6, "zz": 0} {
		sm, err := s.LoadLastMsg(filter, nil)
		if want == 0 {
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("LoadLastMsg(%q) = %v", filter, err)
			}
		} else if err != nil || sm.Seq != want {
			t.Errorf("LoadLastMsg(%q) = %v, %v; want %d", filter, sm, err, want)
		}
	}
	if sm, err := s.LoadNextMsgMulti([]string{"c", "b.2"}, 5, nil); err != nil || sm.Seq != 6 {
		t.Errorf("LoadNextMsgMulti = %v, %v", sm, err)
	}
	pending := []struct {
		filter string
		start  uint64
		lps    bool
		want   uint64
	}{
		{">", 0, false, 7}, {">", 4, false, 4}, {">", 6, false, 3}, {">", 9, false, 0},
		{">", 0, true, 5}, {">", 5, true, 3}, {"a.*", 0, false, 3}, {"a.*", 2, true, 1},
		{"a.1", 2, false, 0}, {"c", 1, true, 1}, {"*.1", 0, false, 2}, {"zz", 0, false, 0},
	}
	for _, tc := range pending {
		if n, err := s.NumPending(tc.start, tc.filter, tc.lps); n != tc.want || err != nil {
			t.Errorf("NumPending(%d, %q, %v) = %d, %v; want %d", tc.start, tc.filter, tc.lps, n, err, tc.want)
		}
	}
	if n, _ := s.NumPendingMulti(0, []string{"a.1", "a.*", "c"}, false); n != 5 {
		t.Errorf("NumPendingMulti with overlapping filters = %d, want 5", n)
	}
	if n, _ := s.NumPendingMulti(0, []string{"c", "c"}, false); n != 2 {
		t.Errorf("NumPendingMulti with duplicate literals = %d, want 2", n)
	}
	if fs, _ := s.FilteredState(2, "a.*"); fs != (SimpleState{Msgs: 2, First: 3, Last: 7}) {
		t.Errorf("FilteredState = %+v", fs)
	}
	if fs, _ := s.FilteredState(3, ">"); fs != (SimpleState{Msgs: 5, First: 3, Last: 8}) {
		t.Errorf("FilteredState(>) = %+v", fs)
	}
	wantSS := map[string]SimpleState{"a.1": {1, 1, 1}, "a.2": {2, 3, 7}}
	if ss := s.SubjectsState("a.*"); !mapsEqual(ss, wantSS) {
		t.Errorf("SubjectsState = %v", ss)
	}
	if st := s.SubjectsTotals(">"); len(st) != 5 || st["c"] != 2 || st["b.2"] != 1 {
		t.Errorf("SubjectsTotals = %v", st)
	}
	if s.SubjectsState("zz") != nil || s.SubjectsTotals("zz") != nil {
		t.Error("no match must give nil")
	}
	// Timestamps are 1010, 1020, ... by sequence; 1050 (seq 5) was removed.
	for ts, want := range map[int64]uint64{0: 1, 1010: 1, 1011: 2, 1045: 6, 1080: 8, 1081: 9} {
		if got := s.GetSeqFromTime(ts); got != want {
			t.Errorf("GetSeqFromTime(%d) = %d, want %d", ts, got, want)
		}
	}
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestStorageUpdates(t *testing.T) {
	s, _ := newTestStore(t, StreamConfig{MaxMsgs: 2})
	type call struct {
		msgs, bytes int64
		seq         uint64
		subj        string
	}
	var calls []call
	s.RegisterStorageUpdates(func(msgs, bytes int64, seq uint64, subj string) {
		calls = append(calls, call{msgs, bytes, seq, subj})
		s.State() // calling back into the store must not deadlock
	})
	size := int64(MsgSize("a", nil, []byte("x")))
	mustStore(t, s, "a", "x")
	mustStore(t, s, "a", "x")
	mustStore(t, s, "a", "x") // evicts 1
	s.RemoveMsg(2)
	mustStore(t, s, "a", "x")
	s.Purge()
	want := []call{
		{1, size, 1, "a"}, {1, size, 2, "a"}, {1, size, 3, "a"}, {-1, -size, 1, "a"},
		{-1, -size, 2, "a"}, {1, size, 4, "a"}, {-2, -2 * size, 0, ""},
	}
	if !slices.Equal(calls, want) {
		t.Fatalf("calls\n%v\nwant\n%v", calls, want)
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	s, clock := newTestStore(t, StreamConfig{MaxAge: time.Hour, AllowMsgTTL: true})
	for i := range 600 {
		clock.now += 7
		ttl := time.Duration(0)
		if i%5 == 0 {
			ttl = time.Minute
		}
		if _, _, err := s.StoreMsg(fmt.Sprint("s.", i%7), []byte("h"), bytes.Repeat([]byte{byte(i)}, i%40), ttl); err != nil {
			t.Fatal(err)
		}
	}
	for seq := uint64(1); seq <= 600; seq += 3 {
		s.RemoveMsg(seq)
	}
	s.SkipMsgs(0, 5)
	snap, err := s.EncodeSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	r, _ := newTestStore(t, StreamConfig{MaxAge: time.Hour, AllowMsgTTL: true})
	mustStore(t, r, "old", "content")
	if err := r.RestoreSnapshot(snap); err != nil {
		t.Fatal(err)
	}
	if r.State() != s.State() || !slices.Equal(r.DeletedSeqs(), s.DeletedSeqs()) {
		t.Fatalf("restored state %+v, want %+v", r.State(), s.State())
	}
	for seq := uint64(0); seq <= 606; seq++ {
		a, errA := s.LoadMsg(seq, nil)
		b, errB := r.LoadMsg(seq, nil)
		if errA != errB || (errA == nil && (a.Subject != b.Subject || !bytes.Equal(a.Header, b.Header) ||
			!bytes.Equal(a.Data, b.Data) || a.TS != b.TS || a.TTL != b.TTL)) {
			t.Fatalf("seq %d differs: %v %v / %v %v", seq, a, errA, b, errB)
		}
	}
	d1, _ := s.NextExpiry()
	d2, _ := r.NextExpiry()
	if d1 != d2 {
		t.Fatalf("NextExpiry %d vs %d", d1, d2)
	}
	r.checkInvariants(t)

	// Every corruption is detected and leaves the store untouched.
	before := r.State()
	for _, bad := range [][]byte{
		nil, snap[:10], snap[:len(snap)-1],
		append([]byte("XXSS"), snap[4:]...),
		append(append([]byte(nil), snap[:4]...), append([]byte{9}, snap[5:]...)...),
	} {
		if err := r.RestoreSnapshot(bad); !errors.Is(err, ErrBadSnapshot) {
			t.Fatalf("bad snapshot accepted: %v", err)
		}
	}
	for i := 5; i < len(snap); i += 37 {
		bad := bytes.Clone(snap)
		bad[i] ^= 0x40
		if err := r.RestoreSnapshot(bad); !errors.Is(err, ErrBadSnapshot) {
			t.Fatalf("flipped byte %d accepted: %v", i, err)
		}
	}
	if r.State() != before {
		t.Fatal("failed restore changed the store")
	}

	// An empty (purged) store round-trips its sequence state.
	s.Purge()
	snap, _ = s.EncodeSnapshot()
	e, _ := newTestStore(t, StreamConfig{})
	if err := e.RestoreSnapshot(snap); err != nil || e.State() != s.State() {
		t.Fatalf("empty restore: %v, %+v vs %+v", err, e.State(), s.State())
	}
}

func TestClosedStore(t *testing.T) {
	s, _ := newTestStore(t, StreamConfig{})
	mustStore(t, s, "a", "x")
	c, _ := s.ConsumerStore("c", ConsumerConfig{AckPolicy: AckExplicit})
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.StoreMsg("a", nil, nil, 0); err != ErrStoreClosed {
		t.Errorf("StoreMsg after Stop: %v", err)
	}
	if _, err := s.LoadMsg(1, nil); err != ErrStoreClosed {
		t.Errorf("LoadMsg after Stop: %v", err)
	}
	if _, err := s.Purge(); err != ErrStoreClosed {
		t.Errorf("Purge after Stop: %v", err)
	}
	if _, err := c.State(); err != ErrStoreClosed {
		t.Errorf("consumer State after stream Stop: %v", err)
	}
	if err := s.Stop(); err != ErrStoreClosed {
		t.Errorf("second Stop: %v", err)
	}
}

func TestDelete(t *testing.T) {
	s, _ := newTestStore(t, StreamConfig{})
	var msgs int64
	s.RegisterStorageUpdates(func(m, _ int64, _ uint64, _ string) { msgs += m })
	mustStore(t, s, "a", "x")
	mustStore(t, s, "b", "x")
	if err := s.Delete(); err != nil || msgs != 0 {
		t.Fatalf("Delete = %v, usage left %d", err, msgs)
	}
}
