package store

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// TestFileConsumerResume drives a file consumer and a memory consumer with
// the same random updates, reopening the stream store at random, and
// checks that the file consumer always resumes exactly where it was.
func TestFileConsumerResume(t *testing.T) {
	dir := t.TempDir()
	fcfg := FileConfig{SyncInterval: time.Minute}
	open := func() *FileStore {
		s, err := NewFileStore(dir, StreamConfig{}, fcfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	cfg := ConsumerConfig{AckPolicy: AckExplicit, MaxDeliver: 3}
	s := open()
	fc, err := s.ConsumerStore("durable-1", cfg)
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := NewMemStore(StreamConfig{}, nil)
	mc, _ := ms.ConsumerStore("durable-1", cfg)
	r := rand.New(rand.NewPCG(5, 5))
	var dseq, sseq uint64
	delivered := map[uint64]uint64{} // sseq -> dseq of a pending delivery
	for step := range 2000 {
		var ferr, merr error
		switch x := r.IntN(10); {
		case x < 5:
			dseq++
			sseq += 1 + uint64(r.IntN(3))
			delivered[sseq] = dseq
			ferr, merr = fc.UpdateDelivered(dseq, sseq, 1, int64(step)), mc.UpdateDelivered(dseq, sseq, 1, int64(step))
		case x < 6:
			for ss := range delivered {
				dseq++
				dc := uint64(2 + r.IntN(3))
				ferr, merr = fc.UpdateDelivered(dseq, ss, dc, int64(step)), mc.UpdateDelivered(dseq, ss, dc, int64(step))
				break
			}
		case x < 9:
			for ss, ds := range delivered {
				delete(delivered, ss)
				ferr, merr = fc.UpdateAcks(ds, ss), mc.UpdateAcks(ds, ss)
				break
			}
		case r.IntN(4) > 0:
		default:
			if err := s.Stop(); err != nil {
				t.Fatal(err)
			}
			if _, err := fc.State(); !errors.Is(err, ErrStoreClosed) {
				t.Fatalf("consumer usable after its stream stopped: %v", err)
			}
			s = open()
			if fc, err = s.ConsumerStore("durable-1", cfg); err != nil {
				t.Fatal(err)
			}
		}
		if !errors.Is(ferr, merr) {
			t.Fatalf("step %d: file %v, memory %v", step, ferr, merr)
		}
		fst, _ := fc.State()
		mst, _ := mc.State()
		if !reflect.DeepEqual(fst, mst) {
			t.Fatalf("step %d: file state %+v\nmemory state %+v", step, fst, mst)
		}
	}
	fe, _ := fc.EncodedState()
	me, _ := mc.EncodedState()
	if string(fe) != string(me) {
		t.Fatal("encoded states differ")
	}
	if st := s.State(); st.Consumers != 1 {
		t.Fatalf("consumers %d", st.Consumers)
	}
	if _, err := s.ConsumerStore("durable-1", cfg); !errors.Is(err, ErrConsumerOpen) {
		t.Fatalf("second open = %v", err)
	}
	if err := fc.Delete(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "consumers", "durable-1.clog")); !os.IsNotExist(err) {
		t.Fatalf("log left after Delete: %v", err)
	}
	s.Stop()
}

// TestFileConsumerTornLog cuts the consumer log at every length and checks
// that reopening restores the state after some prefix of the updates.
func TestFileConsumerTornLog(t *testing.T) {
	mfs := newMemFS()
	s := openMem(t, mfs, StreamConfig{}, FileConfig{})
	cfg := ConsumerConfig{AckPolicy: AckAll}
	c, err := s.ConsumerStore("c/with space", cfg)
	if err != nil {
		t.Fatal(err)
	}
	var states []*ConsumerState
	st, _ := c.State()
	states = append(states, st)
	for i := uint64(1); i <= 20; i++ {
		c.UpdateDelivered(i, i*2, 1, int64(i))
		st, _ := c.State()
		states = append(states, st)
		if i%3 == 0 {
			c.UpdateAcks(i, i*2)
			st, _ := c.State()
			states = append(states, st)
		}
	}
	s.Stop()
	path := "/s/consumers/" + consumerFileName("c/with space")
	full := slicesClone(mfs.files[path].data)
	for cut := len(full); cut >= 0; cut-- {
		mfs.files[path].data = slicesClone(full[:cut])
		s := openMem(t, mfs, StreamConfig{}, FileConfig{})
		c, err := s.ConsumerStore("c/with space", cfg)
		if err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		got, _ := c.State()
		found := false
		for _, want := range states {
			if reflect.DeepEqual(got, want) {
				found = true
			}
		}
		if !found {
			t.Fatalf("cut %d: state %+v is no prefix state", cut, got)
		}
		s.Stop()
	}
}

func slicesClone(b []byte) []byte { return append([]byte(nil), b...) }

func TestConsumerFileName(t *testing.T) {
	for name, want := range map[string]string{
		"ORDERS_1-a": "ORDERS_1-a.clog",
		"a/b":        "x-612f62.clog",
		"":           "x-.clog",
		"..":         "x-2e2e.clog",
	} {
		if got := consumerFileName(name); got != want {
			t.Errorf("consumerFileName(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestFileConsumerLogRewrite checks that a long-lived consumer's log is
// rewritten as its state instead of growing with every operation.
func TestFileConsumerLogRewrite(t *testing.T) {
	mfs := newMemFS()
	s := openMem(t, mfs, StreamConfig{}, FileConfig{})
	c, err := s.ConsumerStore("c", ConsumerConfig{AckPolicy: AckExplicit})
	if err != nil {
		t.Fatal(err)
	}
	for i := uint64(1); i <= 20_000; i++ {
		c.UpdateDelivered(i, i, 1, int64(i))
		if i > 10 {
			c.UpdateAcks(i-10, i-10) // ten pending at any time
		}
	}
	want, _ := c.State()
	s.Stop()
	if size := len(mfs.files["/s/consumers/c.clog"].data); size > 4*clogMinSize {
		t.Fatalf("consumer log of %d bytes after 40000 operations", size)
	}
	s = openMem(t, mfs, StreamConfig{}, FileConfig{})
	defer s.Stop()
	c, _ = s.ConsumerStore("c", ConsumerConfig{AckPolicy: AckExplicit})
	if got, _ := c.State(); !reflect.DeepEqual(got, want) {
		t.Fatalf("state %+v, want %+v", got, want)
	}
}
