package raftlog

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	etcdraft "go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/natsnet/natsnet/internal/raft"
)

// fillUpdate sets u to append n entries of group starting at index first,
// with the given term and payloads derived from the index.
func fillUpdate(u *raft.Update, group string, first uint64, n int, term uint64) {
	u.Group = group
	u.Entries = make([]raftpb.Entry, n)
	for k := range u.Entries {
		i := first + uint64(k)
		u.Entries[k].Index = new(i)
		u.Entries[k].Term = new(term)
		u.Entries[k].Data = fmt.Appendf(nil, "%s/%d", group, i)
	}
	u.HardState.Term = new(term)
	u.HardState.Commit = new(first + uint64(n) - 1)
}

// checkLog verifies that group's log holds exactly entries first..last as
// fillUpdate wrote them.
func checkLog(t *testing.T, gl raft.GroupLog, group string, first, last uint64) {
	t.Helper()
	fi, _ := gl.FirstIndex()
	li, _ := gl.LastIndex()
	if fi != first || li != last {
		t.Fatalf("%s: log [%d, %d], want [%d, %d]", group, fi, li, first, last)
	}
	ents, err := gl.Entries(first, last+1, 1<<62)
	if err != nil {
		t.Fatalf("%s: entries: %v", group, err)
	}
	if uint64(len(ents)) != last-first+1 {
		t.Fatalf("%s: %d entries, want %d", group, len(ents), last-first+1)
	}
	for k, e := range ents {
		i := first + uint64(k)
		if e.GetIndex() != i || string(e.GetData()) != fmt.Sprintf("%s/%d", group, i) {
			t.Fatalf("%s: entry %d = %v", group, i, e)
		}
	}
}

func TestManyGroups(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, Options{EntryCacheBytes: 200})
	const groups, rounds = 40, 5
	name := func(i int) string { return fmt.Sprintf("stream-%02d", i) }
	// Every Save carries one update for each of 4 groups, interleaved.
	for r := 0; r < rounds; r++ {
		for base := 0; base < groups; base += 4 {
			updates := make([]raft.Update, 4)
			for k := range updates {
				fillUpdate(&updates[k], name(base+k), uint64(r*3+1), 3, 1)
				updates[k].Meta = []byte(name(base + k))
			}
			if err := s.Save(updates); err != nil {
				t.Fatal(err)
			}
		}
	}
	old, _ := s.Open(name(7))
	oldKey := old.(*groupLog).key
	if err := s.Delete(name(7)); err != nil {
		t.Fatal(err)
	}
	if _, err := old.LastIndex(); !errors.Is(err, ErrDeleted) {
		t.Fatalf("deleted group's LastIndex: %v", err)
	}
	check := func(s *Store) {
		t.Helper()
		got, err := s.Groups()
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for i := 0; i < groups; i++ {
			if i != 7 {
				want = append(want, name(i))
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("Groups() = %q, want %q", got, want)
		}
		for i := 0; i < groups; i++ {
			if i == 7 {
				continue
			}
			gl, _ := s.Open(name(i))
			checkLog(t, gl, name(i), 1, rounds*3)
			if m := gl.Meta(); string(m) != name(i) {
				t.Fatalf("meta of %s = %q", name(i), m)
			}
			hs, _, _ := gl.InitialState()
			if hs.GetCommit() != rounds*3 {
				t.Fatalf("hard state of %s = %v", name(i), hs)
			}
		}
	}
	check(s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// No key of the deleted group is left.
	db, err := pebble.Open(dir, &pebble.Options{Logger: pebbleLogger{quiet}})
	if err != nil {
		t.Fatal(err)
	}
	it, _ := db.NewIter(&pebble.IterOptions{LowerBound: appendGroupPrefix(nil, oldKey), UpperBound: groupEnd(oldKey)})
	if it.First() {
		t.Fatalf("deleted group still has key %x", it.Key())
	}
	it.Close()
	if _, closer, err := db.Get(nameKey(name(7))); err == nil {
		closer.Close()
		t.Fatal("deleted group still has its name mapping")
	}
	db.Close()

	s = mustOpen(t, dir, Options{})
	defer s.Close()
	check(s)
	// The name of the deleted group starts empty under a new key.
	gl, _ := s.Open(name(7))
	if k := gl.(*groupLog).key; k == oldKey {
		t.Fatalf("deleted group key %d reused", k)
	}
	if li, _ := gl.LastIndex(); li != 0 {
		t.Fatalf("recreated group has last index %d", li)
	}
}

func TestSaveAllOrNothing(t *testing.T) {
	s := mustOpen(t, t.TempDir(), Options{NoSync: true})
	defer s.Close()
	updates := make([]raft.Update, 2)
	fillUpdate(&updates[0], "a", 1, 3, 1)
	fillUpdate(&updates[1], "b", 5, 1, 1) // gap: b is empty
	if err := s.Save(updates); !errors.Is(err, etcdraft.ErrUnavailable) {
		t.Fatalf("save with a gap: %v", err)
	}
	a, _ := s.Open("a")
	if li, _ := a.LastIndex(); li != 0 {
		t.Fatalf("half of a failed save applied: last index %d", li)
	}
	if g, _ := s.Groups(); len(g) != 0 {
		t.Fatalf("groups after failed save: %q", g)
	}
	if err := s.Save(updates[:1]); err != nil {
		t.Fatal(err)
	}
	checkLog(t, a, "a", 1, 3)
}

func TestConcurrentSave(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, Options{EntryCacheBytes: 100})
	const writers, saves = 32, 40
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			group := fmt.Sprintf("g%d", w)
			gl, err := s.Open(group)
			if err != nil {
				t.Error(err)
				return
			}
			var u [1]raft.Update
			for i := 1; i <= saves; i++ {
				fillUpdate(&u[0], group, uint64(i), 1, 1)
				if err := s.Save(u[:]); err != nil {
					t.Error(err)
					return
				}
				// Read back while others write.
				if term, err := gl.Term(uint64(i)); err != nil || term != 1 {
					t.Errorf("%s: Term(%d) = %d, %v", group, i, term, err)
					return
				}
				if _, err := gl.Entries(1, uint64(i)+1, 1<<20); err != nil {
					t.Errorf("%s: Entries: %v", group, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	st := s.Stats()
	t.Logf("stats: %+v, %.1f saves per sync", st, float64(st.Saves)/float64(st.Syncs))
	if st.Saves != writers*saves || st.Entries != writers*saves {
		t.Fatalf("stats %+v, want %d saves and entries", st, writers*saves)
	}
	if st.Syncs >= st.Saves {
		t.Fatalf("%d syncs for %d saves: no sync shared", st.Syncs, st.Saves)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, dir, Options{})
	defer s.Close()
	for w := 0; w < writers; w++ {
		group := fmt.Sprintf("g%d", w)
		gl, _ := s.Open(group)
		checkLog(t, gl, group, 1, saves)
	}
}

// corrupt flips one bit of the value stored under key in the store at dir.
func corrupt(t *testing.T, dir string, key []byte) {
	t.Helper()
	db, err := pebble.Open(dir, &pebble.Options{Logger: pebbleLogger{quiet}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v, closer, err := db.Get(key)
	if err != nil {
		t.Fatalf("get %x: %v", key, err)
	}
	bad := bytes.Clone(v)
	closer.Close()
	bad[len(bad)/2] ^= 0x10
	if err := db.Set(key, bad, pebble.Sync); err != nil {
		t.Fatal(err)
	}
}

func TestCorruption(t *testing.T) {
	setup := func(t *testing.T) (string, uint64) {
		dir := t.TempDir()
		s := mustOpen(t, dir, Options{})
		var u [1]raft.Update
		fillUpdate(&u[0], "g", 1, 10, 2)
		if err := s.Save(u[:]); err != nil {
			t.Fatal(err)
		}
		gl, _ := s.Open("g")
		key := gl.(*groupLog).key
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		return dir, key
	}
	t.Run("entry", func(t *testing.T) {
		dir, gk := setup(t)
		corrupt(t, dir, entryKey(gk, 4))
		s := mustOpen(t, dir, Options{})
		defer s.Close()
		gl, _ := s.Open("g")
		if _, err := gl.Entries(2, 8, 1<<20); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("Entries over a corrupt entry: %v", err)
		}
		if _, err := gl.Term(4); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("Term of a corrupt entry: %v", err)
		}
		// The rest of the log still reads.
		if ents, err := gl.Entries(5, 11, 1<<20); err != nil || len(ents) != 6 {
			t.Fatalf("Entries after the corrupt one: %d, %v", len(ents), err)
		}
	})
	for _, tc := range []struct {
		name string
		key  func(gk uint64) []byte
	}{
		{"hardstate", func(gk uint64) []byte { return groupKey(gk, sfxHardState) }},
		{"last-entry", func(gk uint64) []byte { return entryKey(gk, 10) }},
		{"name", func(gk uint64) []byte { return nameKey("g") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, gk := setup(t)
			corrupt(t, dir, tc.key(gk))
			s, err := Open(dir, Options{Logger: quiet})
			if err == nil {
				s.Close()
				t.Fatal("open succeeded on a corrupt store")
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("open: %v, want ErrCorrupt", err)
			}
			t.Logf("open: %v", err)
		})
	}
}

func TestSnapshotAndCompactSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, Options{})
	var u [1]raft.Update
	fillUpdate(&u[0], "g", 1, 20, 3)
	if err := s.Save(u[:]); err != nil {
		t.Fatal(err)
	}
	gl, _ := s.Open("g")
	cs := &raftpb.ConfState{Voters: []uint64{1, 2, 3}}
	if _, err := gl.CreateSnapshot(15, cs, []byte("state")); err != nil {
		t.Fatal(err)
	}
	if _, err := gl.CreateSnapshot(15, cs, nil); !errors.Is(err, etcdraft.ErrSnapOutOfDate) {
		t.Fatalf("second snapshot at 15: %v", err)
	}
	if err := gl.Compact(12); err != nil {
		t.Fatal(err)
	}
	if err := gl.Compact(12); !errors.Is(err, etcdraft.ErrCompacted) {
		t.Fatalf("second compaction: %v", err)
	}
	// Make the (unsynced) compaction durable with any synced write.
	if err := s.Save([]raft.Update{{Group: "other", Meta: []byte{1}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(nil); err != nil {
		t.Fatal(err) // nothing to do is not an error
	}
	if err := s.Save(u[:]); !errors.Is(err, ErrClosed) {
		t.Fatalf("save after close: %v", err)
	}
	s = mustOpen(t, dir, Options{})
	defer s.Close()
	gl, _ = s.Open("g")
	checkLog(t, gl, "g", 13, 20)
	if term, err := gl.Term(12); err != nil || term != 3 {
		t.Fatalf("Term(12) = %d, %v", term, err)
	}
	if _, err := gl.Term(11); !errors.Is(err, etcdraft.ErrCompacted) {
		t.Fatalf("Term(11): %v", err)
	}
	snap, _ := gl.Snapshot()
	if snap.GetMetadata().GetIndex() != 15 || snap.GetMetadata().GetTerm() != 3 || string(snap.GetData()) != "state" {
		t.Fatalf("snapshot = %v", snap)
	}
	_, gotCS, _ := gl.InitialState()
	if !proto.Equal(gotCS, raftpb.EnsureConfState(proto.Clone(cs).(*raftpb.ConfState))) {
		t.Fatalf("conf state = %v", gotCS)
	}
}

func TestCacheBudget(t *testing.T) {
	s := mustOpen(t, t.TempDir(), Options{NoSync: true, EntryCacheBytes: 1000, EntryCacheTotal: 4000})
	defer s.Close()
	const groups = 20
	for r := 0; r < 10; r++ {
		for i := 0; i < groups; i++ {
			var u [1]raft.Update
			fillUpdate(&u[0], fmt.Sprintf("c%d", i), uint64(r*3+1), 3, 1)
			if err := s.Save(u[:]); err != nil {
				t.Fatal(err)
			}
		}
		st := s.Stats()
		var sum int64
		s.mu.Lock()
		for _, g := range s.groups {
			g.mu.RLock()
			if g.cacheBytes > 1000 {
				t.Errorf("group %s caches %d bytes", g.name, g.cacheBytes)
			}
			sum += int64(g.cacheBytes)
			g.mu.RUnlock()
		}
		s.mu.Unlock()
		if st.CacheBytes != sum || sum > 4000 || sum == 0 {
			t.Fatalf("cache bytes %d, sum over groups %d, budget 4000", st.CacheBytes, sum)
		}
	}
	for i := 0; i < groups; i++ {
		gl, _ := s.Open(fmt.Sprintf("c%d", i))
		checkLog(t, gl, fmt.Sprintf("c%d", i), 1, 30)
	}
}

// TestReadsDuringRewrites reads a group from pebble while another
// goroutine truncates, snapshots and compacts it: a read may find its
// range compacted or gone, never inconsistent.
func TestReadsDuringRewrites(t *testing.T) {
	s := mustOpen(t, t.TempDir(), Options{NoSync: true, EntryCacheBytes: -1})
	defer s.Close()
	gl, _ := s.Open("g")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			fi, _ := gl.FirstIndex()
			li, _ := gl.LastIndex()
			ents, err := gl.Entries(fi, li+1, 1<<20)
			if errors.Is(err, etcdraft.ErrCompacted) || errors.Is(err, etcdraft.ErrUnavailable) {
				continue
			}
			if err != nil {
				t.Errorf("Entries(%d, %d): %v", fi, li+1, err)
				return
			}
			for k, e := range ents {
				if e.GetIndex() != fi+uint64(k) {
					t.Errorf("Entries(%d, %d)[%d] has index %d", fi, li+1, k, e.GetIndex())
					return
				}
			}
			if _, err := gl.Term(li); err != nil && !errors.Is(err, etcdraft.ErrCompacted) && !errors.Is(err, etcdraft.ErrUnavailable) {
				t.Errorf("Term(%d): %v", li, err)
				return
			}
		}
	}()
	last := uint64(0)
	for round := uint64(1); round <= 150; round++ {
		var u [1]raft.Update
		start := last + 1
		if round%3 == 0 && last > 3 {
			start = last - 2 // conflicting append
		}
		fillUpdate(&u[0], "g", start, 5, round)
		if err := s.Save(u[:]); err != nil {
			t.Fatal(err)
		}
		last = start + 4
		if round%4 == 0 {
			if _, err := gl.CreateSnapshot(last-1, nil, nil); err != nil {
				t.Fatal(err)
			}
			if err := gl.Compact(last - 2); err != nil {
				t.Fatal(err)
			}
		}
		if round%25 == 0 {
			var u [1]raft.Update
			u[0].Group = "g"
			u[0].Snapshot.Metadata = &raftpb.SnapshotMetadata{Index: new(last + 10), Term: new(round)}
			if err := s.Save(u[:]); err != nil {
				t.Fatal(err)
			}
			last += 10
		}
	}
	close(stop)
	wg.Wait()
}
