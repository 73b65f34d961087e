package raftlog

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"log/slog"
	"testing"

	etcdraft "go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
	"pgregory.net/rapid"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/natsnet/natsnet/internal/raft"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// setDefaultFlag sets a flag unless the command line set it.
func setDefaultFlag(t testing.TB, name, value string) {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	if !set {
		if err := flag.Set(name, value); err != nil {
			t.Fatal(err)
		}
	}
}

func mustOpen(t testing.TB, dir string, opts Options) *Store {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return s
}

// msBounds returns the offset (first index - 1), last index and snapshot
// index of a MemoryStorage.
func msBounds(ms *etcdraft.MemoryStorage) (offset, last, snap uint64) {
	first, _ := ms.FirstIndex()
	last, _ = ms.LastIndex()
	sn, _ := ms.Snapshot()
	return first - 1, last, sn.GetMetadata().GetIndex()
}

// errKind maps an error to the raft sentinel it wraps, for comparisons.
func errKind(err error) string {
	switch {
	case err == nil:
		return "nil"
	case errors.Is(err, etcdraft.ErrCompacted):
		return "compacted"
	case errors.Is(err, etcdraft.ErrUnavailable):
		return "unavailable"
	case errors.Is(err, etcdraft.ErrSnapOutOfDate):
		return "snap-out-of-date"
	}
	return "other: " + err.Error()
}

func drawData(t *rapid.T, label string) []byte {
	switch rapid.IntRange(0, 4).Draw(t, label+"-kind") {
	case 0:
		return nil
	case 1:
		return []byte{}
	}
	return rapid.SliceOfN(rapid.Byte(), 1, 60).Draw(t, label)
}

func drawConfState(t *rapid.T) *raftpb.ConfState {
	if rapid.Bool().Draw(t, "cs-nil") {
		return nil
	}
	return &raftpb.ConfState{
		Voters:   rapid.SliceOfN(rapid.Uint64Range(1, 9), 0, 3).Draw(t, "voters"),
		Learners: rapid.SliceOfN(rapid.Uint64Range(10, 19), 0, 2).Draw(t, "learners"),
	}
}

// conformance drives a GroupLog and a MemoryStorage with the same calls.
type conformance struct {
	t     *testing.T
	dir   string
	opts  Options
	s     *Store
	gl    raft.GroupLog
	ms    *etcdraft.MemoryStorage
	meta  []byte
	term  uint64
	saves int // calls that wrote something for the group
}

func (c *conformance) reopen(t *rapid.T) {
	if err := c.s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	s, err := Open(c.dir, c.opts)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	c.s = s
	groups, err := s.Groups()
	if err != nil {
		t.Fatal(err)
	}
	if c.saves > 0 && (len(groups) != 1 || groups[0] != "g") {
		t.Fatalf("groups after reopen: %q", groups)
	}
	if c.gl, err = s.Open("g"); err != nil {
		t.Fatal(err)
	}
}

// drawUpdate draws into u an update for group g relative to the bounds
// offset/last/snap; it returns whether it is valid, and the bounds it
// leaves.
func (c *conformance) drawUpdate(t *rapid.T, u *raft.Update, offset, last, snap uint64) (valid bool, nOffset, nLast, nSnap uint64) {
	u.Group = "g"
	valid = true
	if rapid.IntRange(0, 2).Draw(t, "hs") == 0 {
		c.term += rapid.Uint64Range(0, 1).Draw(t, "term-inc")
		u.HardState.Term = new(c.term)
		u.HardState.Vote = new(rapid.Uint64Range(0, 3).Draw(t, "vote"))
		u.HardState.Commit = new(rapid.Uint64Range(0, last).Draw(t, "commit"))
	}
	if rapid.IntRange(0, 7).Draw(t, "has-snap") == 0 {
		i := rapid.Uint64Range(snap, max(snap, last)+4).Draw(t, "snap-index")
		if i == 0 {
			i = 1
		}
		u.Snapshot.Data = drawData(t, "snap-data")
		u.Snapshot.Metadata = &raftpb.SnapshotMetadata{
			Index:     new(i),
			Term:      new(c.term),
			ConfState: drawConfState(t),
		}
		if snap != 0 && snap >= i {
			valid = false
		}
		offset, last, snap = i, i, i
	}
	if n := rapid.IntRange(0, 6).Draw(t, "n-entries"); n > 0 {
		lo := uint64(1)
		if offset > 2 {
			lo = offset - 1
		}
		hi := last + 1
		if rapid.IntRange(0, 15).Draw(t, "gap") == 0 {
			hi = last + 2
		}
		start := rapid.Uint64Range(lo, hi).Draw(t, "start")
		u.Entries = make([]raftpb.Entry, n)
		for k := range u.Entries {
			e := &u.Entries[k]
			e.Index = new(start + uint64(k))
			e.Term = new(c.term)
			if rapid.Bool().Draw(t, "has-type") {
				e.Type = raftpb.EntryType(rapid.IntRange(0, 2).Draw(t, "type")).Enum()
			}
			e.Data = drawData(t, "data")
		}
		lastNew := start + uint64(n) - 1
		if lastNew > offset {
			if max(start, offset+1) > last+1 {
				valid = false
			}
			last = lastNew
		}
	}
	if rapid.IntRange(0, 3).Draw(t, "has-meta") == 0 {
		u.Meta = drawData(t, "meta")
		if u.Meta == nil {
			u.Meta = []byte{}
		}
	}
	return valid, offset, last, snap
}

func (c *conformance) applyModel(t *rapid.T, u *raft.Update) {
	if !etcdraft.IsEmptyHardState(&u.HardState) || !etcdraft.IsEmptySnap(&u.Snapshot) || u.Meta != nil {
		c.saves++
	}
	if n := len(u.Entries); n > 0 {
		first, _ := c.ms.FirstIndex()
		if !etcdraft.IsEmptySnap(&u.Snapshot) {
			first = u.Snapshot.GetMetadata().GetIndex() + 1
		}
		if u.Entries[n-1].GetIndex() >= first {
			c.saves++
		}
	}
	if !etcdraft.IsEmptyHardState(&u.HardState) {
		if err := c.ms.SetHardState(proto.Clone(&u.HardState).(*raftpb.HardState)); err != nil {
			t.Fatal(err)
		}
	}
	if !etcdraft.IsEmptySnap(&u.Snapshot) {
		if err := c.ms.ApplySnapshot(proto.Clone(&u.Snapshot).(*raftpb.Snapshot)); err != nil {
			t.Fatalf("model apply snapshot: %v", err)
		}
	}
	if len(u.Entries) > 0 {
		ents := make([]*raftpb.Entry, len(u.Entries))
		for k := range u.Entries {
			ents[k] = proto.Clone(&u.Entries[k]).(*raftpb.Entry)
		}
		if err := c.ms.Append(ents); err != nil {
			t.Fatal(err)
		}
	}
	if u.Meta != nil {
		c.meta = bytes.Clone(u.Meta)
	}
}

func (c *conformance) save(t *rapid.T) {
	offset, last, snap := msBounds(c.ms)
	n := rapid.IntRange(1, 2).Draw(t, "updates")
	updates := make([]raft.Update, n)
	valid := true
	for k := range updates {
		var ok bool
		ok, offset, last, snap = c.drawUpdate(t, &updates[k], offset, last, snap)
		valid = valid && ok
	}
	err := c.s.Save(updates)
	if !valid {
		if err == nil {
			t.Fatalf("invalid save accepted")
		}
		return
	}
	if err != nil {
		t.Fatalf("save: %v", err)
	}
	for k := range updates {
		c.applyModel(t, &updates[k])
	}
}

func (c *conformance) createSnapshot(t *rapid.T) {
	_, last, snap := msBounds(c.ms)
	i := rapid.Uint64Range(min(max(snap, 1)-1, last+1), last+1).Draw(t, "snap-at")
	cs := drawConfState(t)
	data := drawData(t, "snap-data")
	got, err := c.gl.CreateSnapshot(i, cs, data)
	if i > last {
		if err == nil {
			t.Fatalf("snapshot beyond last index accepted")
		}
		return
	}
	want, werr := c.ms.CreateSnapshot(i, cs, data)
	if errKind(err) != errKind(werr) {
		t.Fatalf("CreateSnapshot(%d): err %v, model %v", i, err, werr)
	}
	if err == nil {
		c.saves++
		if !proto.Equal(raftpb.EnsureSnapshot(&got), raftpb.EnsureSnapshot(want)) {
			t.Fatalf("CreateSnapshot(%d) = %v, model %v", i, &got, want)
		}
	}
}

func (c *conformance) compact(t *rapid.T) {
	offset, last, snap := msBounds(c.ms)
	i := rapid.Uint64Range(max(offset, 1)-1, snap+1).Draw(t, "compact-at")
	err := c.gl.Compact(i)
	if i > offset && (i > snap || i > last) {
		if err == nil {
			t.Fatalf("compaction beyond snapshot accepted")
		}
		return
	}
	werr := c.ms.Compact(i)
	if errKind(err) != errKind(werr) {
		t.Fatalf("Compact(%d): err %v, model %v", i, err, werr)
	}
}

func (c *conformance) check(t *rapid.T) {
	gl, ms := c.gl, c.ms
	first, err := gl.FirstIndex()
	wfirst, _ := ms.FirstIndex()
	if err != nil || first != wfirst {
		t.Fatalf("FirstIndex = %d, %v; model %d", first, err, wfirst)
	}
	last, err := gl.LastIndex()
	wlast, _ := ms.LastIndex()
	if err != nil || last != wlast {
		t.Fatalf("LastIndex = %d, %v; model %d", last, err, wlast)
	}
	for i := max(first, 2) - 2; i <= last+1; i++ {
		got, err := gl.Term(i)
		want, werr := ms.Term(i)
		if errKind(err) != errKind(werr) || got != want {
			t.Fatalf("Term(%d) = %d, %v; model %d, %v", i, got, err, want, werr)
		}
	}
	hs, cs, err := gl.InitialState()
	whs, wcs, _ := ms.InitialState()
	if err != nil || (hs == nil) != (whs == nil) || !proto.Equal(hs, whs) || !proto.Equal(cs, wcs) {
		t.Fatalf("InitialState = %v, %v, %v; model %v, %v", hs, cs, err, whs, wcs)
	}
	snap, err := gl.Snapshot()
	wsnap, _ := ms.Snapshot()
	if err != nil || !proto.Equal(snap, wsnap) {
		t.Fatalf("Snapshot = %v, %v; model %v", snap, err, wsnap)
	}
	if m := gl.Meta(); !bytes.Equal(m, c.meta) || (m == nil) != (c.meta == nil) {
		t.Fatalf("Meta = %q, model %q", m, c.meta)
	}
	c.checkEntries(t, max(first, 1)-1, last+1, 1<<62)
	for k := 0; k < 3; k++ {
		lo := rapid.Uint64Range(max(first, 1)-1, last+1).Draw(t, "lo")
		hi := rapid.Uint64Range(lo, last+1).Draw(t, "hi")
		c.checkEntries(t, lo, hi, rapid.Uint64Range(0, 300).Draw(t, "max-size"))
	}
}

func (c *conformance) checkEntries(t *rapid.T, lo, hi, maxSize uint64) {
	got, err := c.gl.Entries(lo, hi, maxSize)
	want, werr := c.ms.Entries(lo, hi, maxSize)
	if errKind(err) != errKind(werr) || len(got) != len(want) {
		t.Fatalf("Entries(%d, %d, %d) = %d entries, %v; model %d, %v", lo, hi, maxSize, len(got), err, len(want), werr)
	}
	for k := range got {
		if !proto.Equal(got[k], want[k]) {
			t.Fatalf("Entries(%d, %d, %d)[%d] = %v; model %v", lo, hi, maxSize, k, got[k], want[k])
		}
	}
}

// TestConformance compares a GroupLog with etcdraft.MemoryStorage under the
// same random calls, closing and reopening the store in between.
func TestConformance(t *testing.T) {
	setDefaultFlag(t, "rapid.nofailfile", "true")
	setDefaultFlag(t, "rapid.checks", "60")
	setDefaultFlag(t, "rapid.steps", "60")
	rapid.Check(t, func(rt *rapid.T) {
		c := &conformance{
			t:   t,
			dir: t.TempDir(),
			opts: Options{
				Logger:          quiet,
				NoSync:          true,
				fs:              vfs.NewMem(),
				EntryCacheBytes: rapid.SampledFrom([]int{-1, 0, 60, 300}).Draw(rt, "cache-bytes"),
			},
			ms:   etcdraft.NewMemoryStorage(),
			term: 1,
		}
		var err error
		if c.s, err = Open(c.dir, c.opts); err != nil {
			rt.Fatal(err)
		}
		defer func() { c.s.Close() }()
		if c.gl, err = c.s.Open("g"); err != nil {
			rt.Fatal(err)
		}
		rt.Repeat(map[string]func(*rapid.T){
			"save":     c.save,
			"save2":    c.save,
			"save3":    c.save,
			"snapshot": c.createSnapshot,
			"compact":  c.compact,
			"reopen":   c.reopen,
			"":         c.check,
		})
	})
}
