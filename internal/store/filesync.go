package store

import (
	"container/heap"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Syncer makes the writes of many file stores durable with few fsyncs:
// group commit. A store that must acknowledge only durable data appends its
// record, registers with the syncer and waits for the next round. A round
// asks every registered store to write out its buffered records
// (syncPrepare), fsyncs all the files they report, in parallel, and then
// tells each store how far it is durable (syncFinish). Appends that arrive
// while a round is running join the next one, so concurrent writers of one
// stream, and of all streams sharing the syncer, share an fsync.
//
// Stores in async mode (FileConfig.SyncInterval > 0) and consumer logs
// register lazily with a due time instead; they are synced in the first
// round at or after it, without anybody waiting.
//
// One goroutine runs the rounds; it starts on first use and sleeps while
// there is nothing to do. The zero value is not usable: call NewSyncer, or
// leave FileConfig.Syncer nil to share the process-wide one.
type Syncer struct {
	wake    chan struct{}
	stopped chan struct{}

	rounds atomic.Uint64
	fsyncs atomic.Uint64

	mu      sync.Mutex
	started bool
	closed  bool
	next    *syncRound   // the round that will start next
	urgent  []syncTarget // registered for the next round
	lazy    lazyHeap
	// Gathering: after a round, the next one waits (until gatherUntil at
	// most) for as many waiters as were just released plus those already
	// waiting, so that writers released together commit together instead
	// of splitting into two cohorts that alternate rounds at half the
	// batch size.
	waiters     int // requests for the next round
	expect      int
	gatherUntil time.Time
}

// Bounds of the gathering pause, which is a quarter of the last round.
const (
	minGather = 10 * time.Microsecond
	maxGather = 500 * time.Microsecond
)

// syncRound is one batch of fsyncs; done is closed when it has finished.
type syncRound struct {
	done    chan struct{}
	waiters int
}

// syncTarget is something with files to fsync: a FileStore or a consumer
// log.
type syncTarget interface {
	// syncPrepare writes out buffered data and returns what to fsync, or
	// nil if there is nothing (for example the target was closed).
	syncPrepare() *syncJob
	// syncFinish reports the outcome of the job's fsyncs in j.err.
	syncFinish(j *syncJob)
	syncFlags() *syncFlags
}

// syncFlags is the syncer's bookkeeping inside a target.
type syncFlags struct {
	urgent bool         // in Syncer.urgent; guarded by Syncer.mu
	lazy   atomic.Bool  // in Syncer.lazy
	due    atomic.Int64 // the earliest due time in Syncer.lazy (Unix ns)
}

// syncJob is the work of one target in a round.
type syncJob struct {
	fsys  vfs
	files []vfile
	dir   string // fsynced after the files when not empty
	lsn   uint64 // the target's position covered by this job
	err   error
}

var defaultSyncer = sync.OnceValue(NewSyncer)

// NewSyncer returns a syncer with its own goroutine, started on first use.
func NewSyncer() *Syncer {
	return &Syncer{
		wake:    make(chan struct{}, 1),
		stopped: make(chan struct{}),
		next:    &syncRound{done: make(chan struct{})},
	}
}

// Stats returns the number of rounds run and of files fsynced so far.
func (s *Syncer) Stats() (rounds, fsyncs uint64) { return s.rounds.Load(), s.fsyncs.Load() }

// Close stops the syncer's goroutine once the registered targets are
// synced. Stores still using it then sync on their own, one at a time.
func (s *Syncer) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	started := s.started
	s.mu.Unlock()
	s.poke()
	if started {
		<-s.stopped
	}
}

func (s *Syncer) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// startLocked starts the goroutine on first use. s.mu is held.
func (s *Syncer) startLocked() {
	if !s.started {
		s.started = true
		go s.run()
	}
}

// request registers t for the next round and returns it; nil if the syncer
// is closed.
func (s *Syncer) request(t syncTarget) *syncRound {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.startLocked()
	s.waiters++
	if f := t.syncFlags(); !f.urgent {
		f.urgent = true
		s.urgent = append(s.urgent, t)
	}
	if len(s.urgent) == 1 || s.waiters == s.expect {
		s.poke()
	}
	return s.next
}

// later registers t to be synced within d, unless it already is as soon.
// Targets call it after appending, so that a round popping t concurrently
// still covers the append or t registers again.
func (s *Syncer) later(t syncTarget, d time.Duration) {
	f := t.syncFlags()
	due := time.Now().Add(d)
	if f.lazy.Load() && f.due.Load() <= due.UnixNano() {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || f.lazy.Load() && f.due.Load() <= due.UnixNano() {
		return
	}
	s.startLocked()
	// An earlier registration stays in the heap; popping it is harmless.
	f.lazy.Store(true)
	f.due.Store(due.UnixNano())
	heap.Push(&s.lazy, lazyEntry{due, t})
	if s.lazy[0].t == t {
		s.poke()
	}
}

// syncNow runs a round for t alone on the caller's goroutine.
func (s *Syncer) syncNow(t syncTarget) { s.runRound([]syncTarget{t}) }

func (s *Syncer) run() {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		s.mu.Lock()
		var now time.Time
		for {
			if s.closed && len(s.urgent) == 0 {
				s.mu.Unlock()
				close(s.stopped)
				return
			}
			now = time.Now()
			lazyDue := len(s.lazy) > 0 && !s.lazy[0].due.After(now)
			if lazyDue || len(s.urgent) > 0 && (s.waiters >= s.expect || s.closed || !now.Before(s.gatherUntil)) {
				break
			}
			if len(s.urgent) > 0 {
				// Gathering is shorter than a timer's resolution: yield
				// to the writers instead.
				s.mu.Unlock()
				runtime.Gosched()
				s.mu.Lock()
				continue
			}
			var tc <-chan time.Time
			if len(s.lazy) > 0 {
				timer.Reset(s.lazy[0].due.Sub(now))
				tc = timer.C
			}
			s.mu.Unlock()
			select {
			case <-s.wake:
			case <-tc:
			}
			s.mu.Lock()
		}
		r := s.next
		r.waiters, s.waiters = s.waiters, 0
		s.next = &syncRound{done: make(chan struct{})}
		targets := s.urgent
		s.urgent = nil
		for _, t := range targets {
			t.syncFlags().urgent = false
		}
		for len(s.lazy) > 0 && !s.lazy[0].due.After(now) {
			e := heap.Pop(&s.lazy).(lazyEntry)
			if f := e.t.syncFlags(); f.due.Load() == e.due.UnixNano() {
				f.lazy.Store(false)
			}
			targets = append(targets, e.t)
		}
		s.mu.Unlock()
		s.runRound(targets)
		took := time.Since(now)
		s.mu.Lock()
		s.expect = r.waiters + s.waiters
		s.gatherUntil = time.Now().Add(min(max(took/4, minGather), maxGather))
		s.mu.Unlock()
		close(r.done)
	}
}

// maxParallelSyncs bounds the fsyncs of one round that run at once.
const maxParallelSyncs = 8

// runRound prepares every target, fsyncs their files and directories
// (several at once when there are several) and reports back.
func (s *Syncer) runRound(targets []syncTarget) {
	s.rounds.Add(1)
	type item struct {
		job *syncJob
		f   vfile  // nil: the directory
		dir string //
	}
	jobs := make([]*syncJob, len(targets))
	var work []item
	for i, t := range targets {
		j := t.syncPrepare()
		jobs[i] = j
		if j == nil || j.err != nil {
			continue
		}
		for _, f := range j.files {
			work = append(work, item{job: j, f: f})
		}
		if j.dir != "" {
			work = append(work, item{job: j, dir: j.dir})
		}
	}
	var errMu sync.Mutex
	do := func(it item) {
		var err error
		if it.f != nil {
			err = ignoreClosed(it.f.Sync())
		} else {
			err = it.job.fsys.SyncDir(it.dir)
		}
		s.fsyncs.Add(1)
		if err != nil {
			errMu.Lock()
			if it.job.err == nil {
				it.job.err = ioErr("fsync", err)
			}
			errMu.Unlock()
		}
	}
	if len(work) <= 1 {
		for _, it := range work {
			do(it)
		}
	} else {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range min(len(work), maxParallelSyncs) {
			wg.Go(func() {
				for i := next.Add(1) - 1; i < int64(len(work)); i = next.Add(1) - 1 {
					do(work[i])
				}
			})
		}
		wg.Wait()
	}
	for i, t := range targets {
		if jobs[i] != nil {
			t.syncFinish(jobs[i])
		}
	}
}

type lazyEntry struct {
	due time.Time
	t   syncTarget
}

type lazyHeap []lazyEntry

func (h lazyHeap) Len() int           { return len(h) }
func (h lazyHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h lazyHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *lazyHeap) Push(x any)        { *h = append(*h, x.(lazyEntry)) }
func (h *lazyHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = lazyEntry{}
	*h = old[:len(old)-1]
	return x
}
