//go:build !race

package store

import "testing"

// This test is left out of race builds, where the race detector's own
// allocations make the counts meaningless.

func TestQueriesDoNotAllocate(t *testing.T) {
	s := fillStore(t, 10_000, 50)
	var sm StoreMsg
	s.LoadMsg(1, &sm) // size the buffer
	// The filter slices live outside the closures: the subject matcher's
	// generic code makes escape analysis treat a filter slice as escaping,
	// so a literal built per call would be the caller's allocation.
	lits, mixed := []string{"bench.1", "bench.2"}, []string{"bench.1", "bench.*"}
	checks := map[string]func(){
		"LoadMsg":            func() { s.LoadMsg(1234, &sm) },
		"LoadNextMsg all":    func() { s.LoadNextMsg(">", 5000, &sm) },
		"LoadNextMsg lit":    func() { s.LoadNextMsg("bench.7", 5000, &sm) },
		"LoadNextMsg wild":   func() { s.LoadNextMsg("bench.*", 5000, &sm) },
		"LoadPrevMsg lit":    func() { s.LoadPrevMsg("bench.7", 5000, &sm) },
		"LoadLastMsg lit":    func() { s.LoadLastMsg("bench.7", &sm) },
		"NumPending all":     func() { s.NumPending(5000, ">", false) },
		"NumPending lit":     func() { s.NumPending(5000, "bench.7", false) },
		"NumPending wild":    func() { s.NumPending(5000, "bench.*", true) },
		"NumPendingMulti":    func() { s.NumPendingMulti(5000, lits, false) },
		"FilteredState":      func() { s.FilteredState(5000, "bench.*") },
		"GetSeqFromTime":     func() { s.GetSeqFromTime(0) },
		"State":              func() { s.State() },
		"NextExpiry":         func() { s.NextExpiry() },
		"LoadNextMsgMulti 2": func() { s.LoadNextMsgMulti(mixed, 5000, &sm) },
	}
	for name, fn := range checks {
		if n := testing.AllocsPerRun(100, fn); n != 0 {
			t.Errorf("%s allocates %.1f times", name, n)
		}
	}
	// Storing allocates the message buffer only (chunk growth amortised).
	data := make([]byte, 128)
	if n := testing.AllocsPerRun(1000, func() { s.StoreMsg("bench.1", nil, data, 0) }); n > 1.1 {
		t.Errorf("StoreMsg allocates %.2f times", n)
	}
}

func TestFileLoadMsgAllocs(t *testing.T) {
	s := fillFileStore(t, 5000, FileConfig{BlockSize: 64 << 10})
	defer s.Stop()
	var sm StoreMsg
	s.LoadMsg(1, &sm)
	seq := uint64(1)
	if n := testing.AllocsPerRun(1000, func() {
		s.LoadMsg(seq, &sm)
		seq = seq*7919%5000 + 1
	}); n != 0 {
		t.Errorf("LoadMsg allocates %.1f times", n)
	}
	data := make([]byte, 128)
	if n := testing.AllocsPerRun(1000, func() { s.StoreMsg("bench.1", nil, data, 0) }); n > 0.1 {
		t.Errorf("async StoreMsg allocates %.2f times", n)
	}
}
