package stream

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/natsnet/natsnet/internal/consumer"
	"github.com/natsnet/natsnet/internal/jsapi"
	"github.com/natsnet/natsnet/internal/store"
)

// Sender publishes messages in the stream's account: publish acks,
// republished messages, direct get replies.
type Sender interface {
	Send(subject, reply string, hdr, data []byte)
}

// BatchSender is a Sender whose sends may be held until Flush.
type BatchSender interface {
	Sender
	Flush()
}

// Options wire a stream to its surroundings.
type Options struct {
	Sender Sender
	// Batch, if set, carries the publish acks and republished messages of
	// the stream's goroutine, flushed after each batch of publishes. It is
	// only used by that goroutine.
	Batch BatchSender
	// AckBatch, if set, carries the publish acks that wait for their
	// messages to be fsynced (a durable file store); only the stream's
	// acker goroutine uses it.
	AckBatch BatchSender
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// Domain is echoed in publish acks.
	Domain string
	// Admit, if set, may refuse a message of size bytes before it is
	// stored (account limits).
	Admit func(storage jsapi.StorageType, size uint64) *jsapi.ApiError
	// Usage, if set, is told of every change in stored bytes, starting
	// with the bytes a reopened store already holds.
	Usage func(storage jsapi.StorageType, deltaBytes int64)
	// OpenStore, if set, opens the stream's message store (a file store
	// for storage=file, possibly holding messages from before a restart).
	// Nil keeps messages in memory.
	OpenStore func(cfg store.StreamConfig, clock func() int64) (store.Store, error)
}

// ErrClosed is returned by operations on a stopped or deleted stream.
var ErrClosed = errors.New("stream: closed")

// Stream is one JetStream stream on this server: its configuration, its
// message store and the logic that turns publishes into stored messages.
//
// Publishes are applied in arrival order by the stream's own goroutine;
// each one is a deterministic function of the message, the stream state and
// the time it is applied at, which is what a replicated log will feed later.
type Stream struct {
	opts    Options
	created time.Time
	store   store.Store
	log     *slog.Logger

	// ds is the store when it makes messages durable after storing them;
	// acks then wait in acks until they are. lastLSN is the log position
	// of the last stored message.
	ds      deferredStore
	acks    *acker
	lastLSN atomic.Uint64
	// ioFailed is set once the store reported an I/O error (logged once).
	ioFailed atomic.Bool

	in ingestQueue
	// procMu serializes applying publishes (run loop or Ingest) and the
	// use of opts.Batch and ackBuf; see Ingest.
	procMu sync.Mutex
	ackBuf []byte
	// armedAt is the expiry deadline (unix ns) the run loop's timer is set
	// for; Ingest wakes the loop when a message expires sooner.
	armedAt atomic.Int64
	quit    chan struct{}
	done    chan struct{}

	mu struct {
		sync.RWMutex
		cfg       jsapi.StreamConfig
		closed    bool
		dedupe    dedupeWindow
		lastMsgID string
		observers []Observer
		consumers map[string]*consumer.Consumer
	}
}

// Observer is told about every message the stream stores; consumers are
// observers.
type Observer interface {
	NotifyNewMsg(seq uint64, subject string)
}

// New creates a stream on a store from opts.OpenStore, or on a memory
// store. cfg must already be defaulted and validated
// (jsapi.StreamConfig.Normalize). A store that already holds messages
// (a restart) resumes where it was, duplicate window included.
func New(cfg *jsapi.StreamConfig, created time.Time, opts Options) (*Stream, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Batch == nil {
		opts.Batch = unbatched{opts.Sender}
	}
	clock := func() int64 { return opts.Now().UnixNano() }
	var st store.Store
	var err error
	if opts.OpenStore != nil {
		st, err = opts.OpenStore(storeConfig(cfg), clock)
	} else {
		st, err = store.NewMemStore(storeConfig(cfg), clock)
	}
	if err != nil {
		return nil, fmt.Errorf("stream %q: create store: %w", cfg.Name, err)
	}
	s := &Stream{
		opts:    opts,
		created: created.UTC(),
		store:   st,
		log:     opts.Logger.With("stream", cfg.Name),
		quit:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	s.mu.cfg = *cfg.Clone()
	s.in.signal = make(chan struct{}, 1)
	if ds, ok := st.(deferredStore); ok && ds.DefersDurability() {
		out := opts.AckBatch
		if out == nil {
			out = unbatched{opts.Sender}
		}
		s.ds = ds
		s.acks = newAcker(s, out)
	}
	s.recoverDedupe()
	if opts.Usage != nil {
		storage := cfg.Storage
		if b := st.State().Bytes; b > 0 {
			opts.Usage(storage, int64(b))
		}
		st.RegisterStorageUpdates(func(_, bytes int64, _ uint64, _ string) { opts.Usage(storage, bytes) })
	}
	go s.run()
	return s, nil
}

// storeConfig derives the store's limits from a stream configuration.
func storeConfig(cfg *jsapi.StreamConfig) store.StreamConfig {
	sc := store.StreamConfig{
		MaxMsgs:              cfg.MaxMsgs,
		MaxBytes:             cfg.MaxBytes,
		MaxAge:               cfg.MaxAge,
		MaxMsgsPerSubject:    cfg.MaxMsgsPer,
		MaxMsgSize:           cfg.MaxMsgSize,
		DiscardNewPerSubject: cfg.DiscardNewPer,
		AllowMsgTTL:          cfg.AllowMsgTTL,
		FirstSeq:             cfg.FirstSeq,
	}
	if cfg.Discard == jsapi.DiscardNew {
		sc.Discard = store.DiscardNew
	}
	return sc
}

// Name is the stream's name.
func (s *Stream) Name() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.mu.cfg.Name
}

// Config returns a copy of the configuration.
func (s *Stream) Config() jsapi.StreamConfig {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return *s.mu.cfg.Clone()
}

// Created is when the stream was created.
func (s *Stream) Created() time.Time { return s.created }

// Store is the stream's message store.
func (s *Stream) Store() store.Store { return s.store }

// Retention is the stream's retention policy.
func (s *Stream) Retention() jsapi.RetentionPolicy {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.mu.cfg.Retention
}

// AddObserver registers o to hear about new messages.
func (s *Stream) AddObserver(o Observer) {
	s.mu.Lock()
	s.mu.observers = append(s.mu.observers, o)
	s.mu.Unlock()
}

// RemoveObserver unregisters o.
func (s *Stream) RemoveObserver(o Observer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, x := range s.mu.observers {
		if x == o {
			s.mu.observers = append(s.mu.observers[:i], s.mu.observers[i+1:]...)
			return
		}
	}
}

// Update applies a new configuration, already checked against the old one
// (jsapi.StreamConfig.CheckUpdate).
func (s *Stream) Update(cfg *jsapi.StreamConfig) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.closed {
		return ErrClosed
	}
	if err := s.store.UpdateConfig(storeConfig(cfg)); err != nil {
		return fmt.Errorf("stream %q: update store: %w", cfg.Name, err)
	}
	s.mu.cfg = *cfg.Clone()
	// New age limits take effect on the stream's goroutine, which re-arms
	// its expiry timer when woken: delete markers and their republished
	// copies go out from there, through its batch.
	s.wake()
	return nil
}

// Info describes the stream. subjectsFilter, if set, fills the per-subject
// counts; withDeleted lists deleted sequences.
func (s *Stream) Info(subjectsFilter string, withDeleted bool, consumers int) *jsapi.StreamInfo {
	cfg := s.Config()
	st := s.store.State()
	si := &jsapi.StreamInfo{
		Config:    cfg,
		Created:   s.created,
		TimeStamp: s.opts.Now().UTC(),
		Domain:    s.opts.Domain,
		State: jsapi.StreamState{
			Msgs:        st.Msgs,
			Bytes:       st.Bytes,
			FirstSeq:    st.FirstSeq,
			LastSeq:     st.LastSeq,
			NumSubjects: st.NumSubjects,
			NumDeleted:  st.NumDeleted,
			Consumers:   consumers,
		},
	}
	si.State.FirstTime = unixTime(st.FirstTS)
	si.State.LastTime = unixTime(st.LastTS)
	if subjectsFilter != "" {
		si.State.Subjects = s.store.SubjectsTotals(subjectsFilter)
	}
	if withDeleted {
		si.State.Deleted = s.store.DeletedSeqs()
	}
	if ls, ok := s.store.(interface{ Lost() *store.LostData }); ok {
		if lost := ls.Lost(); lost != nil && (len(lost.Msgs) > 0 || lost.Bytes > 0) {
			si.State.Lost = &jsapi.LostStreamData{Msgs: lost.Msgs, Bytes: lost.Bytes}
		}
	}
	return si
}

// unixTime renders a store timestamp; zero stays the zero time, which
// encodes as the reference's "0001-01-01T00:00:00Z".
func unixTime(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}

// Stop halts the stream's goroutine and closes its store, keeping data
// (memory streams lose it, as with the reference).
func (s *Stream) Stop() { s.shutdown(false) }

// Delete halts the stream and deletes its data.
func (s *Stream) Delete() { s.shutdown(true) }

func (s *Stream) shutdown(deleteData bool) {
	s.mu.Lock()
	if s.mu.closed {
		s.mu.Unlock()
		return
	}
	s.mu.closed = true
	consumers := make([]*consumer.Consumer, 0, len(s.mu.consumers))
	for _, c := range s.mu.consumers {
		consumers = append(consumers, c)
	}
	s.mu.Unlock()
	for _, c := range consumers {
		if deleteData {
			c.Delete()
		} else {
			c.Stop()
		}
	}
	close(s.quit)
	<-s.done
	if deleteData {
		_ = s.store.Delete()
	} else {
		_ = s.store.Stop()
	}
	if s.acks != nil {
		s.acks.stop()
	}
}

// unbatched adapts a Sender that sends at once.
type unbatched struct{ Sender }

func (unbatched) Flush() {}
