package store

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// crashSeeds is the number of crash points each crash test tries.
func crashSeeds() int {
	switch {
	case *longModel:
		return 400
	case raceEnabled || testing.Short():
		return 12
	}
	return 40
}

// TestFileStoreCrashAppends has concurrent writers append in durable mode
// until the file system crashes under them at a random operation, then
// recovers the crash image: every acknowledged message must be there with
// its payload, and the recovered messages must be a gapless prefix of what
// was appended, each writer's own messages in order.
func TestFileStoreCrashAppends(t *testing.T) {
	t.Parallel()
	var totalAcked, totalRecovered int
	defer func() { t.Logf("%d acknowledged, %d recovered", totalAcked, totalRecovered) }()
	for seed := range crashSeeds() {
		r := rand.New(rand.NewPCG(uint64(seed), 1))
		mfs := newMemFS()
		syncer := NewSyncer()
		fcfg := FileConfig{BlockSize: 2048 + int64(r.IntN(4096)), Syncer: syncer, Compression: Compression(seed % 2)}
		s, err := openFileStore("/s", StreamConfig{}, fcfg, nil, mfs)
		if err != nil {
			t.Fatal(err)
		}
		mfs.crashAfter(20+r.IntN(300), rand.New(rand.NewPCG(uint64(seed), 2)))
		const writers = 4
		acked := make([]map[uint64]int, writers)
		var wg sync.WaitGroup
		for w := range writers {
			acked[w] = map[uint64]int{}
			wg.Go(func() {
				for i := 0; i < 100_000; i++ {
					seq, _, err := s.StoreMsg(fmt.Sprint("w.", w), nil, []byte(fmt.Sprintf("w%d-%d-%s", w, i, strings.Repeat("x", i%50))), 0)
					if err != nil {
						if !errors.Is(err, ErrIO) {
							t.Errorf("StoreMsg error %v is not an I/O error", err)
						}
						return
					}
					acked[w][seq] = i
				}
			})
		}
		wg.Wait()
		s.Stop()
		syncer.Close()
		img := mfs.crashImage()
		if img == nil {
			t.Fatalf("seed %d: no crash", seed)
		}
		s2, err := openFileStore("/s", StreamConfig{}, FileConfig{BlockSize: fcfg.BlockSize}, nil, img)
		if err != nil {
			t.Fatalf("seed %d: reopen: %v", seed, err)
		}
		s2.checkInvariants(t)
		if lost := s2.Lost(); lost != nil && (lost.Bytes > 0 || len(lost.Msgs) > 0) {
			t.Errorf("seed %d: a crash damaged the middle of the log: %+v", seed, lost)
		}
		st := s2.State()
		if st.NumDeleted != 0 || (st.Msgs > 0 && st.FirstSeq != 1) {
			t.Fatalf("seed %d: recovered %+v, not a gapless prefix", seed, st)
		}
		next := make([]int, writers)
		var sm StoreMsg
		for seq := uint64(1); seq <= st.LastSeq; seq++ {
			m, err := s2.LoadMsg(seq, &sm)
			if err != nil {
				t.Fatalf("seed %d: LoadMsg(%d): %v", seed, seq, err)
			}
			var w, i int
			if _, err := fmt.Sscanf(string(m.Data), "w%d-%d-", &w, &i); err != nil || m.Subject != fmt.Sprint("w.", w) {
				t.Fatalf("seed %d: message %d is %q on %q", seed, seq, m.Data, m.Subject)
			}
			if i != next[w] {
				t.Fatalf("seed %d: writer %d message %d recovered after %d", seed, w, i, next[w]-1)
			}
			next[w]++
			if j, ok := acked[w][seq]; ok && j != i {
				t.Fatalf("seed %d: seq %d acknowledged as writer %d's %d, recovered as %d", seed, seq, w, j, i)
			}
		}
		for w := range writers {
			for seq := range acked[w] {
				if seq > st.LastSeq {
					t.Fatalf("seed %d: acknowledged seq %d lost (recovered up to %d)", seed, seq, st.LastSeq)
				}
			}
		}
		totalAcked += len(acked[0]) + len(acked[1]) + len(acked[2]) + len(acked[3])
		totalRecovered += int(st.Msgs)
		// The recovered store takes new writes and reopens cleanly.
		seq, _, err := s2.StoreMsg("after", nil, []byte("crash"), 0)
		if err != nil || seq != st.LastSeq+1 {
			t.Fatalf("seed %d: store after recovery = %d, %v", seed, seq, err)
		}
		s2.Stop()
	}
}

// crashOp is one operation of TestFileStoreCrashPrefix. It returns whether
// the store made it durable before returning.
type crashOp func(s Store) (durable bool, err error)

var crashOpNames = []string{"store", "remove", "erase", "purgeEx", "compact", "truncate", "skip", "purge", "restore", "storeAt"}

// TestFileStoreCrashPrefix applies random operations of every kind to a
// file store and a memory store in lockstep until the file system crashes.
// The recovered store must equal the memory store after some operation at
// or after the last one acknowledged as durable: a consistent prefix.
func TestFileStoreCrashPrefix(t *testing.T) {
	t.Parallel()
	for seed := range crashSeeds() {
		r := rand.New(rand.NewPCG(uint64(seed), 3))
		cfg := StreamConfig{MaxMsgs: int64(20 + r.IntN(40)), MaxMsgsPerSubject: int64(1 + r.IntN(8))}
		now := int64(1000)
		clock := func() int64 { return now }
		mfs := newMemFS()
		fcfg := FileConfig{BlockSize: 1024 + int64(r.IntN(2048)), Compression: Compression(seed % 2)}
		fs, err := openFileStore("/s", cfg, fcfg, clock, mfs)
		if err != nil {
			t.Fatal(err)
		}
		ms, _ := NewMemStore(cfg, clock)
		snap0, _ := ms.EncodeSnapshot()
		snaps := [][]byte{snap0}
		lastDurable := 0
		var oplog []string
		mfs.crashAfter(30+r.IntN(400), rand.New(rand.NewPCG(uint64(seed), 4)))
		for step := 0; mfs.crashImage() == nil && step < 5000; step++ {
			now += int64(r.IntN(10))
			op, name := randCrashOp(r)
			oplog = append(oplog, fmt.Sprintf("%d %s", len(snaps), name))
			if _, err := op(ms); err != nil && errors.Is(err, ErrIO) {
				t.Fatal(err)
			}
			durable, err := op(fs)
			snap, _ := ms.EncodeSnapshot()
			if err != nil && errors.Is(err, ErrIO) {
				snaps = append(snaps, snap) // the failed operation may have reached the disk
				break
			}
			if fsnap, err := fs.EncodeSnapshot(); err == nil && !bytes.Equal(snap, fsnap) {
				t.Log(strings.Join(oplog, "\n"))
				t.Fatalf("seed %d: the stores diverged", seed)
			}
			snaps = append(snaps, snap)
			if durable {
				lastDurable = len(snaps) - 1
			}
		}
		fs.Stop()
		img := mfs.crashImage()
		if img == nil {
			continue // the crash point was never reached
		}
		fs2, err := openFileStore("/s", cfg, fcfg, clock, img)
		if err != nil {
			t.Fatalf("seed %d: reopen: %v", seed, err)
		}
		fs2.checkInvariants(t)
		got, err := fs2.EncodeSnapshot()
		if err != nil {
			t.Fatal(err)
		}
		match := -1
		for j := len(snaps) - 1; j >= lastDurable; j-- {
			if bytes.Equal(got, snaps[j]) {
				match = j
				break
			}
		}
		if match < 0 {
			m2, _ := NewMemStore(StreamConfig{}, nil)
			m2.RestoreSnapshot(got)
			m3, _ := NewMemStore(StreamConfig{}, nil)
			m3.RestoreSnapshot(snaps[lastDurable])
			t.Log(strings.Join(oplog, "\n"))
			t.Log(dumpLog(img, "/s"))
			t.Fatalf("seed %d: recovered state matches no state from operation %d (of %d) on\nrecovered %+v %v\ndurable   %+v %v",
				seed, lastDurable, len(snaps)-1, m2.State(), seqsOf(m2), m3.State(), seqsOf(m3))
		}
		fs2.Stop()
	}
}

func randCrashOp(r *rand.Rand) (crashOp, string) {
	op, i := randCrashOp1(r)
	return op, crashOpNames[i]
}

func randCrashOp1(r *rand.Rand) (crashOp, int) {
	subj := fmt.Sprint("s.", r.IntN(6))
	data := []byte(strings.Repeat(string(rune('a'+r.IntN(26))), r.IntN(120)))
	switch x := r.IntN(100); {
	case x < 55:
		return func(s Store) (bool, error) {
			_, _, err := s.StoreMsg(subj, nil, data, 0)
			return err == nil, err
		}, 0
	case x < 70:
		seq := uint64(r.IntN(200))
		return func(s Store) (bool, error) {
			_, err := s.RemoveMsg(s.State().FirstSeq + seq%8)
			return false, err
		}, 1
	case x < 75:
		seq := uint64(r.IntN(8))
		return func(s Store) (bool, error) {
			ok, err := s.EraseMsg(s.State().FirstSeq + seq)
			return ok && err == nil, err
		}, 2
	case x < 80:
		keep := uint64(r.IntN(2))
		return func(s Store) (bool, error) {
			n, err := s.PurgeEx(subj, 0, keep)
			return n > 0 && err == nil, err
		}, 3
	case x < 84:
		d := uint64(r.IntN(10))
		return func(s Store) (bool, error) {
			st := s.State()
			_, err := s.Compact(st.FirstSeq + d)
			return err == nil && st.FirstSeq+d > st.FirstSeq, err
		}, 4
	case x < 88:
		d := uint64(r.IntN(5))
		return func(s Store) (bool, error) {
			st := s.State()
			if st.LastSeq < d {
				return false, nil
			}
			err := s.Truncate(st.LastSeq - d)
			return err == nil, err
		}, 5
	case x < 92:
		n := uint64(r.IntN(3))
		return func(s Store) (bool, error) {
			err := s.SkipMsgs(0, n)
			return err == nil && n > 0, err
		}, 6
	case x < 94:
		return func(s Store) (bool, error) {
			_, err := s.Purge()
			return err == nil, err
		}, 7
	case x < 96:
		return func(s Store) (bool, error) {
			snap, err := s.EncodeSnapshot()
			if err != nil {
				return false, err
			}
			err = s.RestoreSnapshot(snap)
			return err == nil, err
		}, 8
	default:
		return func(s Store) (bool, error) {
			err := s.StoreMsgAt(subj, data, nil, 0, 5000, 0, true)
			return err == nil, err
		}, 9
	}
}

// TestFileStoreKill runs a writer in a child process on the real disk,
// kills it with SIGKILL mid-append and checks that every message it
// acknowledged survives.
func TestFileStoreKill(t *testing.T) {
	if dir := os.Getenv("NATSNET_STORE_KILL_DIR"); dir != "" {
		killChild(dir)
		return
	}
	t.Parallel()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFileStoreKill$")
	cmd.Env = append(os.Environ(), "NATSNET_STORE_KILL_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []uint64
	sc := bufio.NewScanner(out)
	deadline := time.Now().Add(300 * time.Millisecond)
	for sc.Scan() {
		if seq, err := strconv.ParseUint(sc.Text(), 10, 64); err == nil {
			acked = append(acked, seq)
		}
		if time.Now().After(deadline) && len(acked) > 20 {
			break
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	if len(acked) == 0 {
		t.Fatal("the child acknowledged nothing")
	}
	s, err := NewFileStore(dir, StreamConfig{}, FileConfig{BlockSize: 64 << 10}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	s.checkInvariants(t)
	var sm StoreMsg
	for _, seq := range acked {
		m, err := s.LoadMsg(seq, &sm)
		if err != nil || string(m.Data) != fmt.Sprint("payload-", seq) {
			t.Fatalf("acknowledged message %d: %v", seq, err)
		}
	}
	if st := s.State(); st.NumDeleted != 0 || st.LastSeq < acked[len(acked)-1] {
		t.Fatalf("recovered %+v after %d acknowledged", st, len(acked))
	}
	t.Logf("%d acknowledged before the kill, %d recovered", len(acked), s.State().Msgs)
}

func killChild(dir string) {
	s, err := NewFileStore(dir, StreamConfig{}, FileConfig{BlockSize: 64 << 10}, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	w := bufio.NewWriter(os.Stdout)
	for i := uint64(1); ; i++ {
		seq, _, err := s.StoreMsg("kill", nil, []byte(fmt.Sprint("payload-", i)), 0)
		if err != nil || seq != i {
			os.Exit(3)
		}
		fmt.Fprintln(w, seq)
		w.Flush()
	}
}

// dumpLog describes the block files of a store, for failure messages.
func dumpLog(fsys vfs, dir string) string {
	var sb strings.Builder
	names, _ := fsys.ReadDir(dir)
	for _, n := range names {
		if _, ok := parseBlockName(n); !ok {
			continue
		}
		f, err := fsys.OpenFile(dir+"/"+n, os.O_RDONLY, 0)
		if err != nil {
			continue
		}
		size, _ := f.Size()
		data, _ := readWhole(f, size, nil)
		f.Close()
		h, ok := decodeBlockHeader(data)
		fmt.Fprintf(&sb, "%s size %d header %v %+v\n", n, size, ok, h)
		for off := blockHeaderSize; off < len(data); {
			body, ok := recordAt(data, off, ^uint64(0))
			if !ok {
				fmt.Fprintf(&sb, "  %d: damaged\n", off)
				off++
				continue
			}
			switch body[0] {
			case recMsg, recMsgS2:
				m, _ := parseMsgRec(body)
				fmt.Fprintf(&sb, "  %d: MSG %d %s\n", off, m.seq, m.subj)
			case recDel:
				var seqs []uint64
				parseDelRec(body, func(s uint64) { seqs = append(seqs, s) })
				fmt.Fprintf(&sb, "  %d: DEL %v\n", off, seqs)
			case recRange:
				lo, hi, st := parseRangeRec(body)
				fmt.Fprintf(&sb, "  %d: RANGE %d-%d %+v\n", off, lo, hi, st)
			case recState:
				fmt.Fprintf(&sb, "  %d: STATE %+v\n", off, parseStateRec(body))
			case recPad:
				fmt.Fprintf(&sb, "  %d: PAD\n", off)
			}
			off += recFrame + len(body)
		}
	}
	return sb.String()
}

// TestFileStoreRestoreCrash crashes at every file system operation of a
// RestoreSnapshot in turn: recovery must find either the old contents or
// the new ones.
func TestFileStoreRestoreCrash(t *testing.T) {
	t.Parallel()
	src, _ := NewMemStore(StreamConfig{}, func() int64 { return 7 })
	for i := range 60 {
		src.StoreMsg(fmt.Sprint("new.", i%3), nil, []byte(strings.Repeat("n", i)), 0)
	}
	src.RemoveMsg(10)
	newSnap, _ := src.EncodeSnapshot()
	fcfg := FileConfig{BlockSize: 1024}
	for k := 1; ; k++ {
		mfs := newMemFS()
		s := openMem(t, mfs, StreamConfig{}, fcfg)
		storeN(t, s, 40, "old")
		s.RemoveMsg(3)
		storeN(t, s, 1, "old") // waits for a sync that covers the removal
		oldSnap, _ := s.EncodeSnapshot()
		mfs.crashAfter(k, newRand(uint64(k)))
		err := s.RestoreSnapshot(newSnap)
		s.Stop()
		img := mfs.crashImage()
		if img == nil {
			if err != nil {
				t.Fatalf("restore without a crash: %v", err)
			}
			t.Logf("the restore takes %d file system operations", k-1)
			return
		}
		s2 := openMem(t, img, StreamConfig{}, fcfg)
		got, _ := s2.EncodeSnapshot()
		s2.checkInvariants(t)
		s2.Stop()
		switch {
		case bytes.Equal(got, oldSnap):
			if err == nil {
				t.Fatalf("crash at operation %d: the acknowledged restore was lost", k)
			}
		case bytes.Equal(got, newSnap):
		default:
			t.Fatalf("crash at operation %d: recovered neither the old nor the new contents", k)
		}
	}
}

// TestFileStoreCompactionCrash reopens a store whose blocks are mostly
// dead, which rewrites and deletes them in the background, and crashes at
// every file system operation of that in turn: nothing observable may
// change.
func TestFileStoreCompactionCrash(t *testing.T) {
	t.Parallel()
	cfg := StreamConfig{MaxMsgsPerSubject: 1}
	fcfg := FileConfig{BlockSize: 1024}
	base := newMemFS()
	s := openMem(t, base, cfg, fcfg)
	s.mu.Lock()
	s.mu.noCompact = true // leave the rewrites to the reopen
	s.mu.Unlock()
	for i := range 300 {
		subj := fmt.Sprint("kv.", i%10)
		if i%25 == 0 {
			subj = fmt.Sprint("keep.", i)
		}
		if _, _, err := s.StoreMsg(subj, nil, []byte(strings.Repeat("v", 20)), 0); err != nil {
			t.Fatal(err)
		}
	}
	want, _ := s.EncodeSnapshot()
	s.Stop()
	for k := 1; ; k++ {
		mfs := cloneMemFS(base)
		mfs.crashAfter(k, newRand(uint64(k)))
		s, err := openFileStore("/s", cfg, fcfg, nil, mfs)
		if err == nil {
			s.bg.Wait()
			s.Stop()
		}
		img := mfs.crashImage()
		if img == nil {
			t.Logf("reopening with compaction takes %d file system operations; %d bytes on disk, %d before",
				k-1, diskBytes(mfs), diskBytes(base))
			if diskBytes(mfs) > diskBytes(base)/2 {
				t.Fatal("nothing was compacted")
			}
			return
		}
		s2 := openMem(t, img, cfg, fcfg)
		s2.bg.Wait()
		got, _ := s2.EncodeSnapshot()
		s2.checkInvariants(t)
		s2.Stop()
		if !bytes.Equal(got, want) {
			t.Fatalf("crash at operation %d changed the store", k)
		}
	}
}

// cloneMemFS returns a copy of a quiescent memFS.
func cloneMemFS(m *memFS) *memFS {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := newMemFS()
	for d := range m.dirs {
		c.dirs[d] = true
	}
	inodes := map[*memInode]*memInode{}
	cp := func(ino *memInode) *memInode {
		if n, ok := inodes[ino]; ok {
			return n
		}
		n := &memInode{data: append([]byte(nil), ino.data...), synced: append([]byte(nil), ino.synced...),
			pending: append([]memOp(nil), ino.pending...)}
		inodes[ino] = n
		return n
	}
	for name, ino := range m.files {
		c.files[name] = cp(ino)
	}
	for name, ino := range m.durable {
		c.durable[name] = cp(ino)
	}
	return c
}

func diskBytes(m *memFS) (n int) {
	for _, size := range m.fileNames() {
		n += size
	}
	return n
}
