package consumer

import (
	"context"
	"errors"
	"log/slog"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/natsnet/natsnet/internal/jsapi"
	"github.com/natsnet/natsnet/internal/store"
)

// Stream is what a consumer needs from its stream.
type Stream interface {
	Name() string
	// Store returns the stream's message store. It is read once, in New.
	Store() store.Store
	Retention() jsapi.RetentionPolicy
	// Acked tells the stream that this consumer no longer needs seq
	// (interest and workqueue retention decide removal). It is called
	// without the consumer's lock held; it may call NeedsAck.
	Acked(c *Consumer, seq uint64)
}

// Sender publishes deliveries and status messages in the consumer's account.
type Sender interface {
	// Send publishes one message. It is never called with the consumer's
	// lock held, and calls from one consumer are made one at a time, in the
	// order the consumer produced them. hdr and data are only valid during
	// the call: the consumer reuses their buffers.
	Send(subject, reply string, hdr, data []byte)
	// HasInterest reports whether anything is subscribed to subject (the
	// deliver subject of a push consumer, or the reply inbox of a pull
	// request). It is called with the consumer's lock held and must not
	// call back into the consumer.
	HasInterest(subject string) bool
}

// MsgSender is implemented by a Sender that can route a message by one
// subject while the receiver sees another, as the reference does for every
// JetStream delivery: the message goes to the deliver subject (push) or the
// request's inbox (pull), and the client sees the stream subject it was
// stored under (KV and ordered consumers read keys from it). When the
// Sender implements it, deliveries use SendMsg; status messages always use
// Send.
type MsgSender interface {
	// SendMsg routes a message by deliverTo; the receiver sees subject.
	// As with Send, hdr and data are only valid during the call.
	SendMsg(deliverTo, subject, reply string, hdr, data []byte)
}

// Options are the collaborators of a consumer. Stream, Sender and Store are
// required; the consumer owns Store and stops or deletes it.
type Options struct {
	Stream Stream
	Sender Sender
	Store  store.ConsumerStore
	// Now is the clock (default time.Now). Every time the consumer uses,
	// including the timestamps it records, comes from it.
	Now    func() time.Time
	Logger *slog.Logger
	// Advisory publishes an advisory or metric (a *jsapi.Consumer...
	// value with its TypedEvent filled in). It is called without the
	// consumer's lock held. Nil drops advisories.
	Advisory func(subject string, event any)
}

// Errors returned by New and UpdateConfig besides *jsapi.ApiError.
var (
	ErrMissingOption = errors.New("consumer: Stream, Sender and Store are required")
	ErrClosed        = errors.New("consumer: closed")
)

// Defaults taken over from the reference server.
const (
	// EphemeralInactiveThreshold is stamped into the config of an ephemeral
	// consumer that has none.
	EphemeralInactiveThreshold = 5 * time.Second
	// flowControlMaxPending is the largest window of unacknowledged bytes
	// of a flow-controlled push consumer; the window starts at 1/16 of it
	// and doubles with every flow-control reply.
	flowControlMaxPending = 32 * 1024 * 1024
	// maxStepDeliveries bounds the deliveries of one step, so that the
	// outbox is flushed regularly and NotifyNewMsg (called by the stream
	// on its publish path) never waits long for the lock.
	maxStepDeliveries = 64
	// maxOutbox is the number of queued effects above which the run loop
	// waits for the flusher before stepping again.
	maxOutbox = 4096
	// rateBurst is the burst of the rate limiter, in bytes (the default
	// max_payload).
	rateBurst = 1024 * 1024
	// Interest polling of a push consumer without interest backs off from
	// interestPollMin to interestPollMax.
	interestPollMin = 10 * time.Millisecond
	interestPollMax = time.Second
)

// Consumer is the JetStream consumer engine of one consumer of one stream.
// See the package documentation for the contract and the lock rules.
type Consumer struct {
	// Immutable after New.
	name    string
	sname   string
	stream  Stream
	st      store.Store
	sender  Sender
	msgSend MsgSender // sender, if it implements MsgSender
	cs      store.ConsumerStore
	clock   func() time.Time
	log     *slog.Logger
	advise  func(subject string, event any)
	created time.Time

	sig  chan struct{} // wake-up for the run loop, capacity 1
	quit chan struct{} // closed by Stop and Delete
	wg   sync.WaitGroup

	// Inbox of acks, pull requests and flow-control replies (inbox.go).
	inMu sync.Mutex
	in   []inMsg // guarded by inMu

	mu sync.Mutex
	// Everything below is guarded by mu.

	cfg     jsapi.ConsumerConfig
	filters []string // nil: the whole stream
	maxdc   uint64   // max deliveries, 0 unlimited
	maxp    int      // max ack pending, 0 unlimited
	sfreq   int32    // ack sample frequency in percent

	// Delivery state (mirrors the ConsumerStore, which is written first).
	sseq    uint64 // next stream sequence to consider
	dseq    uint64 // next consumer sequence
	adflr   uint64 // ack floor, consumer sequence
	asflr   uint64 // ack floor, stream sequence
	pending map[uint64]*pend
	rdc     map[uint64]uint64 // stream seq -> redeliveries so far
	rdq     []uint64          // redelivery queue, FIFO
	rdqSet  map[uint64]struct{}
	dl      deadlineHeap
	lps     *lastPerSubject
	np      numPending

	// Pull.
	waiting *waitQueue
	pin     pinState

	// Push.
	active       bool      // deliver subject has interest
	inactiveFrom time.Time // since when there is no interest (push)
	pollDelay    time.Duration
	hbDue        time.Time // next idle heartbeat of a push consumer
	fc           flowControl

	// Pacing.
	replay replayState
	rate   rateLimiter

	pauseArmed bool // an end-of-pause advisory is due at PauseUntil

	ldt time.Time // last delivery
	lat time.Time // last ack

	started bool
	closed  bool

	// Outbox, flushed in order by one goroutine at a time.
	out      []effect
	flushing bool
}

// pend is an unacknowledged delivery: the consumer sequence of its first
// delivery and the time of its last (or a NAK-shifted time).
type pend struct {
	dseq uint64
	ts   int64
}

// lastPerSubject is the start list of a last_per_subject consumer: the
// newest message of every matching subject when it was created, after which
// delivery resumes at resume+1.
type lastPerSubject struct {
	seqs   []uint64
	resume uint64
}

// New creates the consumer name of opts.Stream with cfg, which must already
// be defaulted and validated (jsapi.ConsumerConfig.ApplyDefaults and
// ValidateWith). If opts.Store holds state, the consumer resumes from it;
// otherwise it selects its starting sequence from the deliver policy and
// records it. The consumer does nothing until Start.
func New(name string, cfg *jsapi.ConsumerConfig, created time.Time, opts Options) (*Consumer, error) {
	if opts.Stream == nil || opts.Sender == nil || opts.Store == nil || cfg == nil {
		return nil, ErrMissingOption
	}
	c := &Consumer{
		name:    name,
		stream:  opts.Stream,
		sname:   opts.Stream.Name(),
		st:      opts.Stream.Store(),
		sender:  opts.Sender,
		cs:      opts.Store,
		clock:   opts.Now,
		log:     opts.Logger,
		advise:  opts.Advisory,
		created: created,
		sig:     make(chan struct{}, 1),
		quit:    make(chan struct{}),
	}
	if c.st == nil {
		return nil, ErrMissingOption
	}
	if c.clock == nil {
		c.clock = time.Now
	}
	c.msgSend, _ = c.sender.(MsgSender)
	if c.log == nil {
		c.log = slog.Default()
	}
	c.log = c.log.With("stream", c.sname, "consumer", name)

	c.mu.Lock()
	defer c.mu.Unlock()
	c.setConfigLocked(cfg.Clone())
	if err := c.cs.UpdateConfig(storeConfig(&c.cfg)); err != nil {
		return nil, err
	}
	state, err := c.cs.State()
	if err != nil {
		return nil, err
	}
	if hasState(state) {
		c.restoreLocked(state)
	} else if err := c.selectStartLocked(); err != nil {
		return nil, err
	}
	if !c.cfg.IsPush() {
		c.waiting = newWaitQueue(c.cfg.MaxWaiting)
	}
	c.recountLocked()
	return c, nil
}

// setConfigLocked installs cfg and the values derived from it.
func (c *Consumer) setConfigLocked(cfg *jsapi.ConsumerConfig) {
	if cfg.Durable == "" && cfg.InactiveThreshold <= 0 {
		cfg.InactiveThreshold = EphemeralInactiveThreshold
	}
	if cfg.PauseUntil != nil {
		if cfg.PauseUntil.IsZero() {
			cfg.PauseUntil = nil
		} else {
			t := cfg.PauseUntil.UTC()
			cfg.PauseUntil = &t
		}
	}
	c.cfg = *cfg
	c.filters = nil
	if f := cfg.Filters(); len(f) > 0 && !(len(f) == 1 && (f[0] == "" || f[0] == ">")) {
		c.filters = append([]string(nil), f...)
	}
	c.maxdc = uint64(max(cfg.MaxDeliver, 0))
	c.maxp = 0
	if cfg.AckPolicy != jsapi.AckNone {
		c.maxp = max(cfg.MaxAckPending, 0)
	}
	c.sfreq = parseSampleFreq(cfg.SampleFrequency)
	c.rate.setRate(cfg.RateLimit)
	if cfg.FlowControl && cfg.IsPush() && c.fc.limit == 0 {
		c.fc.limit = flowControlMaxPending
		c.fc.window = flowControlMaxPending / 16
	}
}

// storeConfig is the part of cfg the ConsumerStore needs.
func storeConfig(cfg *jsapi.ConsumerConfig) store.ConsumerConfig {
	sc := store.ConsumerConfig{MaxDeliver: cfg.MaxDeliver}
	switch cfg.AckPolicy {
	case jsapi.AckNone:
		sc.AckPolicy = store.AckNone
	case jsapi.AckExplicit:
		sc.AckPolicy = store.AckExplicit
	default: // all, flow_control
		sc.AckPolicy = store.AckAll
	}
	return sc
}

func parseSampleFreq(s string) int32 {
	n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(s), "%"), 10, 32)
	if err != nil {
		return 0
	}
	return int32(n)
}

// Name returns the consumer's name.
func (c *Consumer) Name() string { return c.name }

// Config returns a copy of the current configuration.
func (c *Consumer) Config() jsapi.ConsumerConfig {
	c.mu.Lock()
	defer c.mu.Unlock()
	return *c.cfg.Clone()
}

// Start begins delivery (push) or serving pull requests. It starts the
// consumer's one goroutine; calling it again does nothing.
func (c *Consumer) Start() {
	c.mu.Lock()
	if c.started || c.closed {
		c.mu.Unlock()
		return
	}
	c.startLocked()
	c.started = true
	c.wg.Add(1)
	c.mu.Unlock()
	labels := pprof.Labels("type", "consumer", "stream", c.sname, "consumer", c.name)
	go pprof.Do(context.Background(), labels, func(context.Context) { c.run() })
}

// startLocked prepares the run-time state that depends on the clock.
func (c *Consumer) startLocked() {
	now := c.now()
	if c.cfg.ReplayPolicy == jsapi.ReplayOriginal {
		c.replay = replayState{on: true, until: c.st.State().LastSeq}
	}
	if c.cfg.Heartbeat > 0 && c.cfg.IsPush() {
		c.hbDue = now.Add(c.cfg.Heartbeat)
	}
	if c.cfg.PauseUntil != nil && now.Before(*c.cfg.PauseUntil) {
		c.pauseArmed = true
	}
	if c.waiting != nil {
		c.waiting.last = now
	}
	c.inactiveFrom = now
	c.scheduleAllLocked()
}

// Stop stops the goroutine and the ConsumerStore, keeping the state (server
// shutdown). Waiting pull requests get 409 Server Shutdown.
func (c *Consumer) Stop() {
	if !c.shutdown(jsapi.StatusServerShutdown, true) {
		return
	}
	if err := c.cs.Stop(); err != nil && !errors.Is(err, store.ErrStoreClosed) {
		c.log.Warn("stopping consumer store", "err", err)
	}
}

// Delete stops the consumer, answers waiting pull requests with 409
// Consumer Deleted and deletes its state.
func (c *Consumer) Delete() {
	if !c.shutdown(jsapi.StatusConsumerDeleted, false) {
		return
	}
	if err := c.cs.Delete(); err != nil && !errors.Is(err, store.ErrStoreClosed) {
		c.log.Warn("deleting consumer store", "err", err)
	}
}

// shutdown closes the consumer, waits for its goroutine and releases the
// waiting pull requests with the given 409 status. It reports false if the
// consumer was already closed.
func (c *Consumer) shutdown(status string, withPending bool) bool {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return false
	}
	c.closed = true
	close(c.quit)
	c.mu.Unlock()
	c.wg.Wait()

	c.mu.Lock()
	// Apply what arrived before the end: acks reach the store, queued
	// pull requests are released with the others.
	c.drainInboxLocked(c.now())
	if c.waiting != nil {
		for wr := c.waiting.head; wr != nil; wr = wr.next {
			if withPending {
				c.sendLocked(wr.reply, "", statusPendingHdr(409, status, wr.n, wr.b), nil)
			} else {
				c.sendLocked(wr.reply, "", statusHdr(409, status), nil)
			}
		}
		c.waiting.clear()
	}
	c.unlockAndFlush()
	return true
}

// now returns the consumer clock's time.
func (c *Consumer) now() time.Time { return c.clock() }

// signal wakes the run loop.
func (c *Consumer) signal() {
	select {
	case c.sig <- struct{}{}:
	default:
	}
}

// run is the consumer's goroutine: it steps, flushes, and sleeps until the
// next due event or a signal.
func (c *Consumer) run() {
	defer c.wg.Done()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-c.quit:
			return
		default:
		}
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return
		}
		backlog := len(c.out) >= maxOutbox
		var more bool
		var next time.Time
		if !backlog {
			next, more = c.stepLocked()
		}
		c.unlockAndFlush()
		if more {
			continue
		}
		var tc <-chan time.Time
		if !next.IsZero() {
			// At least a millisecond, so that a deadline that is already
			// due (a zero backoff, a NAK delay of 0) can not make the
			// loop spin.
			timer.Reset(max(next.Sub(c.now()), time.Millisecond))
			tc = timer.C
		}
		select {
		case <-c.sig:
		case <-tc:
		case <-c.quit:
			return
		}
		if tc != nil && !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// step runs one step at the consumer clock's current time and flushes; it
// is the deterministic driver tests use instead of Start. It reports when
// the next step is due (zero: only on a signal) and whether more work is
// immediately available.
func (c *Consumer) step() (time.Time, bool) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return time.Time{}, false
	}
	next, more := c.stepLocked()
	c.unlockAndFlush()
	return next, more
}
