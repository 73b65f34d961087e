package store

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"
)

// fileFactory returns a storeFactory creating FileStores with fcfg, on
// the disk (in t.TempDir()) or, with mem, on a memFS.
func fileFactory(fcfg FileConfig, mem bool) storeFactory {
	return func(t testing.TB, cfg StreamConfig, clock func() int64) Store {
		var fsys vfs = osFS{}
		dir := "/s"
		if mem {
			fsys = newMemFS()
		} else {
			dir = t.TempDir()
		}
		s, err := openFileStore(dir, cfg, fcfg, clock, fsys)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Stop() })
		return s
	}
}

// modelSize is the model test size for the file store variants: smaller
// under the race detector, which slows the I/O paths down a lot.
func modelSize() []int {
	if raceEnabled {
		return []int{6, 300}
	}
	return []int{12, 900}
}

// TestFileStoreModel runs the model-based property test against a file
// store on disk, with small blocks (many rollovers, retirements and
// rewrites) and async syncs.
func TestFileStoreModel(t *testing.T) {
	t.Parallel()
	runModelTest(t, fileFactory(FileConfig{BlockSize: 2048, SyncInterval: time.Minute}, false), modelSize()...)
}

// TestFileStoreModelDurable runs it on a memFS in durable mode, with
// compression: every store waits for a group commit round.
func TestFileStoreModelDurable(t *testing.T) {
	t.Parallel()
	runModelTest(t, fileFactory(FileConfig{BlockSize: 4096, Compression: S2Compression}, true), modelSize()...)
}

// TestFileStoreModelReopen closes and reopens the store at random steps
// and checks that nothing observable changes across a reopen.
func TestFileStoreModelReopen(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	count := map[string]int{}
	factory := func(t testing.TB, cfg StreamConfig, clock func() int64) Store {
		mu.Lock()
		count[t.Name()]++
		n := count[t.Name()] + 31*len(t.Name()) + int(t.Name()[len(t.Name())-1])
		mu.Unlock()
		fsys := newMemFS()
		fcfg := FileConfig{BlockSize: 1024 + 512*int64(n%4), Compression: Compression(n % 2)}
		open := func(cfg StreamConfig) *FileStore {
			s, err := openFileStore("/s", cfg, fcfg, clock, fsys)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		w := &reopenStore{Store: open(cfg), t: t, open: open, cfg: cfg, r: rand.New(rand.NewPCG(uint64(n), 7))}
		t.Cleanup(func() { w.Stop() })
		return w
	}
	runModelTest(t, factory, modelSize()...)
}

// reopenStore wraps a FileStore and, before mutations, reopens it at
// random, checking that state, deleted sequences, expiry and the snapshot
// are unchanged.
type reopenStore struct {
	Store
	t    testing.TB
	r    *rand.Rand
	open func(cfg StreamConfig) *FileStore
	cfg  StreamConfig
	cb   StorageUpdateHandler
}

type observation struct {
	state   StreamState
	deleted []uint64
	next    int64
	snap    []byte
}

func observe(t testing.TB, s Store) observation {
	snap, err := s.EncodeSnapshot()
	if err != nil {
		t.Fatalf("EncodeSnapshot: %v", err)
	}
	o := observation{state: s.State(), deleted: s.DeletedSeqs(), snap: snap}
	o.state.Consumers = 0
	o.next, _ = s.NextExpiry()
	return o
}

func (w *reopenStore) maybeReopen() {
	if w.r.IntN(12) != 0 {
		return
	}
	fs := w.Store.(*FileStore)
	before := observe(w.t, fs)
	if err := fs.Stop(); err != nil {
		w.t.Fatalf("Stop: %v", err)
	}
	nfs := w.open(w.cfg)
	if lost := nfs.Lost(); lost != nil {
		w.t.Errorf("clean reopen lost %+v", lost)
	}
	after := observe(w.t, nfs)
	if before.state != after.state || !slices.Equal(before.deleted, after.deleted) ||
		before.next != after.next || !bytes.Equal(before.snap, after.snap) {
		w.t.Errorf("reopen changed the store:\nbefore %+v next %d\nafter  %+v next %d", before.state, before.next, after.state, after.next)
	}
	nfs.RegisterStorageUpdates(w.cb)
	w.Store = nfs
}

func (w *reopenStore) checkInvariants(t testing.TB) { w.Store.(*FileStore).checkInvariants(t) }

func (w *reopenStore) RegisterStorageUpdates(cb StorageUpdateHandler) {
	w.cb = cb
	w.Store.RegisterStorageUpdates(cb)
}

func (w *reopenStore) StoreMsg(subj string, hdr, data []byte, ttl time.Duration) (uint64, int64, error) {
	w.maybeReopen()
	return w.Store.StoreMsg(subj, hdr, data, ttl)
}

func (w *reopenStore) StoreMsgAt(subj string, hdr, data []byte, seq uint64, ts int64, ttl time.Duration, check bool) error {
	w.maybeReopen()
	return w.Store.StoreMsgAt(subj, hdr, data, seq, ts, ttl, check)
}

func (w *reopenStore) RemoveMsg(seq uint64) (bool, error) {
	w.maybeReopen()
	return w.Store.RemoveMsg(seq)
}

func (w *reopenStore) EraseMsg(seq uint64) (bool, error) {
	w.maybeReopen()
	return w.Store.EraseMsg(seq)
}

func (w *reopenStore) SkipMsgs(seq, num uint64) error {
	w.maybeReopen()
	return w.Store.SkipMsgs(seq, num)
}

func (w *reopenStore) Purge() (uint64, error) {
	w.maybeReopen()
	return w.Store.Purge()
}

func (w *reopenStore) PurgeEx(f string, upTo, keep uint64) (uint64, error) {
	w.maybeReopen()
	return w.Store.PurgeEx(f, upTo, keep)
}

func (w *reopenStore) Compact(seq uint64) (uint64, error) {
	w.maybeReopen()
	return w.Store.Compact(seq)
}

func (w *reopenStore) Truncate(seq uint64) error {
	w.maybeReopen()
	return w.Store.Truncate(seq)
}

func (w *reopenStore) ExpireMsgs(now int64) int {
	w.maybeReopen()
	return w.Store.ExpireMsgs(now)
}

func (w *reopenStore) UpdateConfig(cfg StreamConfig) error {
	w.maybeReopen()
	w.cfg = cfg
	return w.Store.UpdateConfig(cfg)
}

func (w *reopenStore) State() StreamState {
	w.maybeReopen()
	return w.Store.State()
}

// checkInvariants verifies the FileStore's indexes and block accounting.
func (fs *FileStore) checkInvariants(t testing.TB) {
	t.Helper()
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("invariant: %v", r)
		}
	}()
	idx := &fs.mu.index
	idx.checkInvariants()
	if uint64(idx.len()) != fs.mu.msgs {
		panic(fmt.Sprintf("index holds %d messages, state %d", idx.len(), fs.mu.msgs))
	}
	type acct struct {
		live  int
		bytes int64
	}
	blocks := map[*fblock]*acct{}
	for _, b := range fs.mu.blocks {
		if b.removed {
			panic(fmt.Sprintf("block %d is removed but listed", b.id))
		}
		blocks[b] = &acct{}
	}
	var total uint64
	perSubj := map[*subjState]int{}
	for p := idx.lowerBound(0); !idx.end(p); p = idx.next(p) {
		m, seq := idx.val(p), idx.key(p)
		total += m.size()
		perSubj[m.ss]++
		a := blocks[m.ext.blk]
		if a == nil {
			panic(fmt.Sprintf("message %d is in unlisted block %d", seq, m.ext.blk.id))
		}
		a.live++
		a.bytes += int64(m.ext.rlen)
		if seq < m.ext.blk.minSeq || seq > m.ext.blk.maxSeq {
			panic(fmt.Sprintf("message %d outside its block's range [%d, %d]", seq, m.ext.blk.minSeq, m.ext.blk.maxSeq))
		}
		if fs.mu.subjects[m.ss.subj] != m.ss {
			panic(fmt.Sprintf("message %d has a detached subject %q", seq, m.ss.subj))
		}
		if seq > fs.mu.last || seq < fs.mu.first {
			panic(fmt.Sprintf("message %d outside [%d, %d]", seq, fs.mu.first, fs.mu.last))
		}
	}
	if total != fs.mu.bytes {
		panic(fmt.Sprintf("bytes %d, state %d", total, fs.mu.bytes))
	}
	for b, a := range blocks {
		if a.live != b.live || a.bytes != b.liveBytes {
			panic(fmt.Sprintf("block %d: %d live (%d bytes), accounted %d (%d)", b.id, a.live, a.bytes, b.live, b.liveBytes))
		}
		if b.size != b.flushed+int64(len(b.buf)) {
			panic(fmt.Sprintf("block %d: size %d, flushed %d + buffered %d", b.id, b.size, b.flushed, len(b.buf)))
		}
	}
	for subj, ss := range fs.mu.subjects {
		ss.seqs.checkInvariants()
		if ss.subj != subj || ss.seqs.len() == 0 || perSubj[ss] != ss.seqs.len() {
			panic(fmt.Sprintf("subject %q: %d sequences, %d messages", subj, ss.seqs.len(), perSubj[ss]))
		}
	}
	if f, ok := idx.first(); ok && (f != fs.mu.first || idx.val(pos{}).ts != fs.mu.firstTS) {
		panic(fmt.Sprintf("first %d/%d, index first %d", fs.mu.first, fs.mu.firstTS, f))
	}
	if e := &fs.mu.exp; len(e.h) > 0 {
		if _, ok := fs.mu.liveEntry(e.h[0]); !ok {
			panic("expiry heap top is stale")
		}
	}
}

// TestFileStoreConcurrentUse runs writers (durable, so through group
// commit), readers, expiry, removals, compaction, snapshots and a consumer
// at once; run it with -race.
func TestFileStoreConcurrentUse(t *testing.T) {
	t.Parallel()
	mfs := newMemFS()
	cfg := StreamConfig{MaxMsgs: 400, MaxAge: time.Millisecond, AllowMsgTTL: true, MaxMsgsPerSubject: 20}
	s := openMem(t, mfs, cfg, FileConfig{BlockSize: 4096, Compression: S2Compression})
	var usage sync.Mutex
	var msgs int64
	s.RegisterStorageUpdates(func(m, _ int64, _ uint64, _ string) {
		usage.Lock()
		msgs += m
		usage.Unlock()
	})
	c, err := s.ConsumerStore("c", ConsumerConfig{AckPolicy: AckExplicit})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 500 {
				seq, _, err := s.StoreMsg(fmt.Sprint("w.", w, ".", i%7), nil, bytes.Repeat([]byte("payload"), 1+i%20), time.Duration(i%3))
				if err != nil {
					t.Error(err)
					return
				}
				if i%10 == 0 {
					s.RemoveMsg(seq - 3)
				}
				if i%50 == 0 {
					s.EraseMsg(seq - 5)
				}
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			var sm StoreMsg
			for i := range 1000 {
				s.LoadNextMsg("w.*.3", uint64(i), &sm)
				s.LoadMsg(uint64(i), &sm)
				s.NumPending(uint64(i), "w.1.>", i%2 == 0)
				s.ExpireMsgsLast(time.Now().UnixNano())
			}
		})
	}
	wg.Go(func() {
		for i := range 20 {
			if snap, err := s.EncodeSnapshot(); err == nil && i%5 == 0 {
				if err := s.RestoreSnapshot(snap); err != nil {
					t.Error(err)
				}
			}
			s.PurgeEx("w.2.>", 0, 10)
			c.UpdateDelivered(uint64(i+1), uint64(i+1), 1, int64(i))
			c.UpdateAcks(uint64(i+1), uint64(i+1))
		}
	})
	wg.Wait()
	s.bg.Wait()
	s.checkInvariants(t)
	usage.Lock()
	if st := s.State(); int64(st.Msgs) != msgs {
		t.Errorf("usage callbacks sum to %d, store holds %d", msgs, st.Msgs)
	}
	usage.Unlock()
	before := observe(t, s)
	cst, _ := c.State()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	s = openMem(t, mfs, cfg, FileConfig{BlockSize: 4096})
	defer s.Stop()
	if after := observe(t, s); after.state != before.state || !bytes.Equal(after.snap, before.snap) {
		t.Fatalf("reopen: %+v, want %+v", after.state, before.state)
	}
	c2, _ := s.ConsumerStore("c", ConsumerConfig{AckPolicy: AckExplicit})
	if st, _ := c2.State(); !reflect.DeepEqual(st, cst) {
		t.Fatalf("consumer %+v, want %+v", st, cst)
	}
}

// TestGroupCommit checks that concurrent durable writers on several
// stores share fsync rounds: with a slow fsync, rounds carry many
// messages.
func TestGroupCommit(t *testing.T) {
	t.Parallel()
	syncer := NewSyncer()
	defer syncer.Close()
	var stores []*FileStore
	for range 4 {
		mfs := newMemFS()
		mfs.onOp = func(op, _ string) error {
			if op == "fsync" {
				time.Sleep(2 * time.Millisecond)
			}
			return nil
		}
		s := openMem(t, mfs, StreamConfig{}, FileConfig{Syncer: syncer})
		defer s.Stop()
		stores = append(stores, s)
	}
	r0, _ := syncer.Stats()
	const writers, each = 32, 20
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for range each {
				if _, _, err := stores[w%len(stores)].StoreMsg("g", nil, []byte("x"), 0); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	r1, _ := syncer.Stats()
	if rounds := r1 - r0; rounds > writers*each/8 {
		t.Fatalf("%d rounds for %d messages", rounds, writers*each)
	}
	for _, s := range stores {
		if st := s.State(); st.Msgs != writers/uint64(len(stores))*each {
			t.Fatalf("state %+v", st)
		}
	}
}

// TestFileStoreLargeMessages stores messages larger than a block, which
// get blocks of their own.
func TestFileStoreLargeMessages(t *testing.T) {
	for _, comp := range []Compression{NoCompression, S2Compression} {
		mfs := newMemFS()
		fcfg := FileConfig{BlockSize: 4096, Compression: comp}
		s := openMem(t, mfs, StreamConfig{}, fcfg)
		r := newRand(3)
		var want [][]byte
		for i := range 12 {
			n := 10
			if i%3 == 1 {
				n = 5000 + r.IntN(20_000)
			}
			data := make([]byte, n)
			for j := range data {
				data[j] = byte(r.IntN(4)) // compressible, not trivially
			}
			want = append(want, data)
			if _, _, err := s.StoreMsg("big", []byte("h"), data, 0); err != nil {
				t.Fatal(err)
			}
		}
		check := func(s *FileStore) {
			t.Helper()
			s.checkInvariants(t)
			var sm StoreMsg
			for i, data := range want {
				m, err := s.LoadMsg(uint64(i+1), &sm)
				if err != nil || !bytes.Equal(m.Data, data) || string(m.Header) != "h" {
					t.Fatalf("compression %d: message %d: %v", comp, i+1, err)
				}
			}
		}
		check(s)
		s.Stop()
		s = openMem(t, mfs, StreamConfig{}, fcfg)
		check(s)
		s.Stop()
	}
}
