package stream

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/natsnet/natsnet/internal/jsapi"
	"github.com/natsnet/natsnet/internal/store"
)

// inMsg is a publish waiting to be applied.
type inMsg struct {
	subject, reply string
	hdr, data      []byte
}

// ingestQueue hands publishes from the server's goroutines to the stream's.
type ingestQueue struct {
	mu     sync.Mutex
	msgs   []inMsg // guarded by mu
	signal chan struct{}
}

// Enqueue queues a publish for the stream. The slices are copied, so the
// caller may reuse them; it never blocks.
func (s *Stream) Enqueue(subject, reply string, hdr, data []byte) {
	buf := make([]byte, len(hdr)+len(data))
	copy(buf, hdr)
	copy(buf[len(hdr):], data)
	m := inMsg{subject: subject, reply: reply, data: buf[len(hdr):]}
	if len(hdr) > 0 {
		m.hdr = buf[:len(hdr):len(hdr)]
	}
	q := &s.in
	q.mu.Lock()
	q.msgs = append(q.msgs, m)
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

// wake makes the run loop go round once (and re-arm its expiry timer)
// even with no publish queued.
func (s *Stream) wake() {
	select {
	case s.in.signal <- struct{}{}:
	default:
	}
}

// run applies queued publishes and expires messages, until Stop.
func (s *Stream) run() {
	defer close(s.done)
	expiry := time.NewTimer(time.Hour)
	defer expiry.Stop()
	var batch []inMsg
	for {
		s.armExpiry(expiry)
		select {
		case <-s.quit:
			return
		case <-expiry.C:
			s.expire()
			continue
		case <-s.in.signal:
		}
		s.procMu.Lock()
		s.in.mu.Lock()
		batch, s.in.msgs = s.in.msgs, batch[:0]
		s.in.mu.Unlock()
		for i := range batch {
			m := &batch[i]
			ack, apiErr := s.processPublish(m.subject, m.hdr, m.data)
			if m.reply != "" {
				s.sendPubAck(s.opts.Batch, m.reply, ack, apiErr)
			}
			*m = inMsg{}
		}
		if s.acks != nil {
			s.acks.endOfBatch()
		}
		s.opts.Batch.Flush()
		s.procMu.Unlock()
	}
}

// Ingest applies a publish on the caller's goroutine when the stream is
// idle, answering through out (a server.Delivery puts the ack in the
// publisher's own batch); when the stream is busy it queues the publish
// behind the others. Either way publishes apply in arrival order: the run
// loop holds procMu from taking a batch until it is applied, and Ingest
// only applies inline when it holds procMu and nothing is queued.
//
// Applying inline saves the two goroutine hand-offs of the queued path
// (publisher to stream, stream to the publisher's writer), which is most
// of a synchronous publish's latency.
func (s *Stream) Ingest(out Sender, subject, reply string, hdr, data []byte) {
	if s.procMu.TryLock() {
		s.in.mu.Lock()
		idle := len(s.in.msgs) == 0
		s.in.mu.Unlock()
		if idle {
			ack, apiErr := s.processPublish(subject, hdr, data)
			if reply != "" {
				s.sendPubAck(out, reply, ack, apiErr)
			}
			s.opts.Batch.Flush() // republished messages
			s.procMu.Unlock()
			if next, ok := s.store.NextExpiry(); ok && next < s.armedAt.Load() {
				s.wake() // the run loop's expiry timer must move earlier
			}
			return
		}
		s.procMu.Unlock()
	}
	s.Enqueue(subject, reply, hdr, data)
}

// armExpiry points the timer at the store's next expiry deadline.
func (s *Stream) armExpiry(t *time.Timer) {
	next, ok := s.store.NextExpiry()
	if !ok {
		s.armedAt.Store(math.MaxInt64)
		t.Reset(time.Hour)
		return
	}
	s.armedAt.Store(next)
	d := time.Duration(next - s.opts.Now().UnixNano())
	t.Reset(max(d, time.Millisecond))
}

func (s *Stream) sendPubAck(out Sender, reply string, ack *jsapi.PubAck, apiErr *jsapi.ApiError) {
	if apiErr != nil && ack == nil {
		// As with the reference, an error also names the stream, with
		// sequence 0.
		ack = &jsapi.PubAck{Stream: s.Name(), Domain: s.opts.Domain}
	}
	if apiErr == nil {
		if s.ds != nil && s.lastLSN.Load() > 0 {
			// The ack waits until the message (or, for a duplicate, the
			// original and everything before it) is on disk.
			s.acks.hold(out, reply, jsapi.AppendPubAckJSON(make([]byte, 0, 48), ack))
			return
		}
		// procMu is held: the scratch buffer is the caller's alone, and
		// Send copies it.
		s.ackBuf = jsapi.AppendPubAckJSON(s.ackBuf[:0], ack)
		out.Send(reply, "", nil, s.ackBuf)
		return
	}
	resp := jsapi.PubAckResponse{Error: apiErr, PubAck: ack}
	b, err := json.Marshal(&resp)
	if err != nil {
		s.log.Error("encode publish ack", "err", err)
		return
	}
	out.Send(reply, "", nil, b)
}

// processPublish checks a publish against the stream's rules and stores it.
func (s *Stream) processPublish(subject string, hdr, data []byte) (*jsapi.PubAck, *jsapi.ApiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cfg := &s.mu.cfg
	if s.mu.closed {
		return nil, jsapi.NewStreamNotFoundError()
	}
	if cfg.Sealed {
		return nil, jsapi.NewStreamSealedError()
	}
	if cfg.MaxMsgSize > 0 && len(hdr)+len(data) > int(cfg.MaxMsgSize) {
		return nil, jsapi.NewStreamMessageExceedsMaximumError()
	}
	now := s.opts.Now()
	var msgID, rollup string
	var ttl time.Duration
	if len(hdr) > 0 {
		if v, ok := jsapi.HeaderValue(hdr, jsapi.HdrExpectedStream); ok && v != cfg.Name {
			return nil, jsapi.NewStreamNotMatchError()
		}
		msgID, _ = jsapi.HeaderValue(hdr, jsapi.HdrMsgID)
		if msgID != "" {
			if seq, dup := s.mu.dedupe.lookup(msgID, now, cfg.Duplicates); dup {
				return &jsapi.PubAck{Stream: cfg.Name, Sequence: seq, Duplicate: true, Domain: s.opts.Domain}, nil
			}
		}
		if apiErr := s.checkExpectations(hdr, subject); apiErr != nil {
			return nil, apiErr
		}
		if v, ok := jsapi.HeaderValue(hdr, jsapi.HdrRollup); ok {
			if !cfg.AllowRollup || cfg.DenyPurge {
				return nil, jsapi.NewStreamRollupFailedError(errors.New("rollup not permitted"))
			}
			if v != jsapi.RollupSubject && v != jsapi.RollupAll {
				return nil, jsapi.NewStreamRollupFailedError(fmt.Errorf("rollup value invalid: %q", v))
			}
			rollup = v
		}
		if v, ok := jsapi.HeaderValue(hdr, jsapi.HdrMsgTTL); ok {
			if !cfg.AllowMsgTTL {
				return nil, jsapi.NewMessageTTLDisabledError()
			}
			d, err := parseTTL(v)
			if err != nil {
				return nil, jsapi.NewMessageTTLInvalidError()
			}
			ttl = d
		}
	}
	if tr := cfg.SubjectTransform; tr != nil && tr.Destination != "" {
		if tr.Source == "" || matches(tr.Source, subject) {
			subject = mapSubject(tr.Source, tr.Destination, subject)
		}
	}
	if s.opts.Admit != nil {
		sizeOf := store.MsgSize
		if cfg.Storage == jsapi.FileStorage {
			sizeOf = store.FileMsgSize
		}
		size := sizeOf(subject, hdr, data)
		if apiErr := s.opts.Admit(cfg.Storage, size); apiErr != nil {
			return nil, apiErr
		}
	}
	seq, apiErr := s.storeLocked(subject, hdr, data, ttl, rollup, now)
	if apiErr != nil {
		return nil, apiErr
	}
	if msgID != "" {
		s.mu.dedupe.add(msgID, seq, now, cfg.Duplicates)
	}
	// A message without an id clears the last id: Nats-Expected-Last-Msg-Id
	// then fails, as with the reference.
	s.mu.lastMsgID = msgID
	return &jsapi.PubAck{Stream: cfg.Name, Sequence: seq, Domain: s.opts.Domain}, nil
}

// storeLocked stores a message that passed the publish checks (or one the
// stream makes itself, a delete marker), applies its roll-up, republishes
// it and tells observers and consumers. s.mu must be held.
func (s *Stream) storeLocked(subject string, hdr, data []byte, ttl time.Duration, rollup string, now time.Time) (uint64, *jsapi.ApiError) {
	cfg := &s.mu.cfg
	var seq uint64
	var err error
	if s.ds != nil {
		var lsn uint64
		seq, _, lsn, err = s.ds.StoreMsgDeferred(subject, hdr, data, ttl)
		if lsn > 0 {
			s.lastLSN.Store(lsn)
		}
	} else {
		seq, _, err = s.store.StoreMsg(subject, hdr, data, ttl)
	}
	if err != nil {
		if errors.Is(err, store.ErrIO) && s.ioFailed.CompareAndSwap(false, true) {
			s.log.Error("the stream's store failed; publishes are refused until a restart", "err", err)
		}
		return 0, storeError(err)
	}
	switch rollup {
	case jsapi.RollupSubject:
		_, _ = s.store.PurgeEx(subject, seq, 0)
	case jsapi.RollupAll:
		_, _ = s.store.PurgeEx("", seq, 0)
	}
	if rp := cfg.RePublish; rp != nil {
		s.republishLocked(rp, subject, hdr, data, seq, now)
	}
	for _, o := range s.mu.observers {
		o.NotifyNewMsg(seq, subject)
	}
	for _, c := range s.mu.consumers {
		c.NotifyNewMsg(seq, subject)
	}
	if cfg.Retention == jsapi.InterestPolicy && !s.neededLocked(seq, subject) {
		// Nobody is interested: the publish is acknowledged but the
		// message is not kept.
		_, _ = s.store.RemoveMsg(seq)
	}
	return seq, nil
}

// checkExpectations applies the Nats-Expected-* headers. s.mu must be held.
func (s *Stream) checkExpectations(hdr []byte, subject string) *jsapi.ApiError {
	if v, ok := jsapi.HeaderValue(hdr, jsapi.HdrExpectedLastSeq); ok {
		want, err := strconv.ParseUint(v, 10, 64)
		last := s.store.State().LastSeq
		if err != nil || want != last {
			return jsapi.NewStreamWrongLastSequenceError(last)
		}
	}
	if v, ok := jsapi.HeaderValue(hdr, jsapi.HdrExpectedLastSubjSeq); ok {
		want, err := strconv.ParseUint(v, 10, 64)
		subj := subject
		if alt, ok := jsapi.HeaderValue(hdr, jsapi.HdrExpectedLastSubjSeqSubj); ok && alt != "" {
			subj = alt
		}
		var last uint64
		if sm, lerr := s.store.LoadLastMsg(subj, nil); lerr == nil {
			last = sm.Seq
		}
		if err != nil || want != last {
			return jsapi.NewStreamWrongLastSequenceError(last)
		}
	}
	if v, ok := jsapi.HeaderValue(hdr, jsapi.HdrExpectedLastMsgID); ok && v != s.mu.lastMsgID {
		return jsapi.NewStreamWrongLastMsgIDError(s.mu.lastMsgID)
	}
	return nil
}

// republishLocked sends a copy of a stored message to the republish
// destination. s.mu must be held.
func (s *Stream) republishLocked(rp *jsapi.RePublish, subject string, hdr, data []byte, seq uint64, now time.Time) {
	if rp.Source != "" && rp.Source != ">" && !matches(rp.Source, subject) {
		return
	}
	dest := mapSubject(rp.Source, rp.Destination, subject)
	last := uint64(0)
	if sm, err := s.store.LoadPrevMsg(subject, seq-1, nil); err == nil && seq > 1 {
		last = sm.Seq
	}
	h := jsapi.HeaderWith(hdr,
		jsapi.HdrStream, s.mu.cfg.Name,
		jsapi.HdrSubject, subject,
		jsapi.HdrSequence, strconv.FormatUint(seq, 10),
		jsapi.HdrTimeStamp, now.UTC().Format(time.RFC3339Nano),
		jsapi.HdrLastSequence, strconv.FormatUint(last, 10),
	)
	if rp.HeadersOnly {
		h = jsapi.HeaderWith(h, jsapi.HdrMsgSize, strconv.Itoa(len(data)))
		data = nil
	}
	s.opts.Batch.Send(dest, "", h, data)
}

// parseTTL reads a Nats-TTL value: a Go duration, a number of seconds, or
// "never".
func parseTTL(v string) (time.Duration, error) {
	if v == "never" {
		return -1, nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0, errors.New("ttl must be positive")
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Second {
		return 0, errors.New("invalid ttl")
	}
	return d, nil
}

// storeError maps a store error to the API error the reference returns.
func storeError(err error) *jsapi.ApiError {
	var text string
	switch {
	case errors.Is(err, store.ErrMaxMsgs):
		text = "maximum messages exceeded"
	case errors.Is(err, store.ErrMaxBytes):
		text = "maximum bytes exceeded"
	case errors.Is(err, store.ErrMaxMsgsPerSubject):
		text = "maximum messages per subject exceeded"
	case errors.Is(err, store.ErrMaxMsgSize):
		return jsapi.NewStreamMessageExceedsMaximumError()
	default:
		text = err.Error()
	}
	return jsapi.NewStreamStoreFailedError(errors.New(text))
}

// dedupeWindow remembers message ids for the duplicate window.
type dedupeWindow struct {
	ids   map[string]dedupeEntry
	order []dedupeKey // ids in arrival order, for expiry
}

type dedupeEntry struct {
	seq uint64
	at  time.Time
}

type dedupeKey struct {
	id string
	at time.Time
}

// lookup reports the sequence an id was stored at within the window.
func (d *dedupeWindow) lookup(id string, now time.Time, window time.Duration) (uint64, bool) {
	d.expire(now, window)
	e, ok := d.ids[id]
	return e.seq, ok
}

func (d *dedupeWindow) add(id string, seq uint64, now time.Time, window time.Duration) {
	if window <= 0 {
		return
	}
	if d.ids == nil {
		d.ids = make(map[string]dedupeEntry)
	}
	d.ids[id] = dedupeEntry{seq: seq, at: now}
	d.order = append(d.order, dedupeKey{id: id, at: now})
}

func (d *dedupeWindow) expire(now time.Time, window time.Duration) {
	n := 0
	for n < len(d.order) && now.Sub(d.order[n].at) > window {
		k := d.order[n]
		if e, ok := d.ids[k.id]; ok && e.at.Equal(k.at) {
			delete(d.ids, k.id)
		}
		n++
	}
	if n > 0 {
		d.order = append(d.order[:0], d.order[n:]...)
	}
}
