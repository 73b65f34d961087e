package store

import (
	"encoding/binary"
	"hash/crc32"
	"maps"
	"slices"
	"sync"
)

// AckPolicy is the part of a consumer's ack policy the store needs.
type AckPolicy uint8

const (
	// AckNone: delivered messages count as acknowledged.
	AckNone AckPolicy = iota
	// AckAll: acknowledging a message acknowledges every earlier one.
	AckAll
	// AckExplicit: every message is acknowledged on its own.
	AckExplicit
)

// ConsumerConfig holds the consumer settings a ConsumerStore uses.
type ConsumerConfig struct {
	AckPolicy AckPolicy
	// MaxDeliver (<= 0: unlimited) drops a message from Pending once it has
	// been delivered more often.
	MaxDeliver int
}

// SequencePair names one delivery by consumer and stream sequence.
type SequencePair struct {
	Consumer uint64
	Stream   uint64
}

// Pending is an unacknowledged delivery: the consumer sequence of its
// first delivery and the time of its last.
type Pending struct {
	Sequence  uint64
	Timestamp int64
}

// ConsumerState is a consumer's durable delivery state.
type ConsumerState struct {
	// Delivered is the highest delivery so far.
	Delivered SequencePair
	// AckFloor is the highest delivery below which everything is acked.
	AckFloor SequencePair
	// Pending maps stream sequence to unacknowledged delivery.
	Pending map[uint64]Pending
	// Redelivered maps stream sequence to the number of redeliveries.
	Redelivered map[uint64]uint64
}

// ConsumerStore keeps one consumer's state. Methods are safe for concurrent
// use; every update is deterministic given its arguments.
type ConsumerStore interface {
	// SetStarting sets delivered and ack floor stream sequences to sseq, for
	// a consumer that starts after existing messages.
	SetStarting(sseq uint64) error
	// UpdateDelivered records delivery number dc (1 for the first) of
	// stream sequence sseq as consumer sequence dseq at time ts.
	UpdateDelivered(dseq, sseq, dc uint64, ts int64) error
	// UpdateAcks records an acknowledgement of delivery (dseq, sseq).
	UpdateAcks(dseq, sseq uint64) error
	// UpdateConfig replaces the consumer settings.
	UpdateConfig(cfg ConsumerConfig) error
	// Update replaces the state (restore from a snapshot or a leader);
	// ErrOldUpdate if it is older than the current state.
	Update(state *ConsumerState) error
	// State returns a copy of the state.
	State() (*ConsumerState, error)
	// EncodedState returns the state in the binary consumer state format.
	EncodedState() ([]byte, error)
	// Stop closes the store.
	Stop() error
	// Delete closes the store and discards its state.
	Delete() error
}

// memConsumer is the memory ConsumerStore.
type memConsumer struct {
	name string
	ms   *MemStore
	mu   struct {
		sync.Mutex
		closed bool
		cfg    ConsumerConfig
		state  ConsumerState
	}
}

// ConsumerStore implements Store.
func (s *MemStore) ConsumerStore(name string, cfg ConsumerConfig) (ConsumerStore, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.closed {
		return nil, ErrStoreClosed
	}
	c := &memConsumer{name: name, ms: s}
	c.mu.cfg = cfg
	if s.mu.consumers == nil {
		s.mu.consumers = make(map[*memConsumer]struct{})
	}
	s.mu.consumers[c] = struct{}{}
	return c, nil
}

// NewMemConsumerStore returns a ConsumerStore that keeps its state in
// memory only, whatever the stream's store: for consumers that need not
// survive a restart (ephemeral ones, or those asking for memory storage).
func NewMemConsumerStore(name string, cfg ConsumerConfig) ConsumerStore {
	c := &memConsumer{name: name}
	c.mu.cfg = cfg
	return c
}

// stop closes c; the stream's lock may be held (lock order: stream, then
// consumer).
func (c *memConsumer) stop() {
	c.mu.Lock()
	c.mu.closed = true
	c.mu.Unlock()
}

func (c *memConsumer) SetStarting(sseq uint64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.closed {
		return ErrStoreClosed
	}
	c.mu.state.Delivered.Stream, c.mu.state.AckFloor.Stream = sseq, sseq
	return nil
}

func (c *memConsumer) UpdateDelivered(dseq, sseq, dc uint64, ts int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.closed {
		return ErrStoreClosed
	}
	st := &c.mu.state
	if c.mu.cfg.AckPolicy == AckNone {
		if dc != 1 {
			return ErrNoAckPolicy
		}
		if dseq > st.Delivered.Consumer {
			st.Delivered.Consumer, st.AckFloor.Consumer = dseq, dseq
		}
		if sseq > st.Delivered.Stream {
			st.Delivered.Stream, st.AckFloor.Stream = sseq, sseq
		}
		return nil
	}
	if dseq <= st.AckFloor.Consumer {
		return nil // replay of an old delivery
	}
	if st.Pending == nil {
		st.Pending = make(map[uint64]Pending)
	}
	if sseq <= st.Delivered.Stream {
		// A redelivery keeps the consumer sequence of the first delivery.
		if p, ok := st.Pending[sseq]; ok {
			p.Timestamp = ts
			st.Pending[sseq] = p
		}
	} else {
		st.Pending[sseq] = Pending{Sequence: dseq, Timestamp: ts}
	}
	st.Delivered.Consumer = max(st.Delivered.Consumer, dseq)
	st.Delivered.Stream = max(st.Delivered.Stream, sseq)
	if dc > 1 {
		if md := c.mu.cfg.MaxDeliver; md > 0 && dc > uint64(md) {
			delete(st.Pending, sseq)
		}
		if st.Redelivered == nil {
			st.Redelivered = make(map[uint64]uint64)
		}
		st.Redelivered[sseq] = max(st.Redelivered[sseq], dc-1)
	}
	return nil
}

func (c *memConsumer) UpdateAcks(dseq, sseq uint64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.closed {
		return ErrStoreClosed
	}
	if c.mu.cfg.AckPolicy == AckNone {
		return ErrNoAckPolicy
	}
	st := &c.mu.state
	delete(st.Redelivered, sseq)
	if dseq <= st.AckFloor.Consumer {
		return nil // replay of an old ack
	}
	p, ok := st.Pending[sseq]
	if !ok {
		return ErrNotFound
	}
	if c.mu.cfg.AckPolicy == AckAll {
		st.AckFloor = SequencePair{Consumer: dseq, Stream: sseq}
		for s := range st.Pending {
			if s <= sseq {
				delete(st.Pending, s)
				delete(st.Redelivered, s)
			}
		}
		return nil
	}
	delete(st.Pending, sseq)
	if p.Sequence > 0 && dseq > p.Sequence {
		dseq = p.Sequence // a redelivery acks as its first delivery
	}
	switch {
	case len(st.Pending) == 0:
		st.AckFloor = st.Delivered
	case dseq == st.AckFloor.Consumer+1:
		st.AckFloor = SequencePair{Consumer: dseq, Stream: sseq}
		// Move the floor up to just below the next pending delivery.
		if ns, np, ok := nextPending(st, sseq); ok && np.Sequence > 0 {
			st.AckFloor = SequencePair{Consumer: np.Sequence - 1, Stream: ns - 1}
		}
	}
	return nil
}

// nextPending returns the pending entry with the smallest stream sequence
// in (after, Delivered.Stream], probing sequences or scanning the map,
// whichever is shorter.
func nextPending(st *ConsumerState, after uint64) (uint64, Pending, bool) {
	if st.Delivered.Stream <= after {
		return 0, Pending{}, false
	}
	if gap := st.Delivered.Stream - after; gap <= uint64(len(st.Pending)) {
		for s := after + 1; s <= st.Delivered.Stream; s++ {
			if p, ok := st.Pending[s]; ok {
				return s, p, true
			}
		}
		return 0, Pending{}, false
	}
	var best uint64
	var bp Pending
	for s, p := range st.Pending {
		if s > after && s <= st.Delivered.Stream && (best == 0 || s < best) {
			best, bp = s, p
		}
	}
	return best, bp, best != 0
}

func (c *memConsumer) UpdateConfig(cfg ConsumerConfig) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.closed {
		return ErrStoreClosed
	}
	c.mu.cfg = cfg
	return nil
}

// checkConsumerState validates the internal consistency of st.
func checkConsumerState(st *ConsumerState) error {
	if st.AckFloor.Consumer > st.Delivered.Consumer || st.AckFloor.Stream > st.Delivered.Stream {
		return ErrBadConsumerState
	}
	for s := range st.Pending {
		if s <= st.AckFloor.Stream || s > st.Delivered.Stream {
			return ErrBadConsumerState
		}
	}
	return nil
}

func (st *ConsumerState) clone() *ConsumerState {
	out := &ConsumerState{Delivered: st.Delivered, AckFloor: st.AckFloor}
	if len(st.Pending) > 0 {
		out.Pending = maps.Clone(st.Pending)
	}
	if len(st.Redelivered) > 0 {
		out.Redelivered = maps.Clone(st.Redelivered)
	}
	return out
}

func (c *memConsumer) Update(state *ConsumerState) error {
	if err := checkConsumerState(state); err != nil {
		return err
	}
	cp := state.clone()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.closed {
		return ErrStoreClosed
	}
	cur := &c.mu.state
	if state.Delivered.Consumer < cur.Delivered.Consumer || state.AckFloor.Stream < cur.AckFloor.Stream {
		return ErrOldUpdate
	}
	c.mu.state = *cp
	return nil
}

func (c *memConsumer) State() (*ConsumerState, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.closed {
		return nil, ErrStoreClosed
	}
	return c.mu.state.clone(), nil
}

func (c *memConsumer) EncodedState() ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.closed {
		return nil, ErrStoreClosed
	}
	return EncodeConsumerState(&c.mu.state), nil
}

func (c *memConsumer) Stop() error {
	c.mu.Lock()
	closed := c.mu.closed
	c.mu.Unlock()
	if closed {
		return ErrStoreClosed
	}
	if c.ms == nil {
		c.stop()
		return nil
	}
	// Take the stream lock first (lock order), then close.
	c.ms.mu.Lock()
	delete(c.ms.mu.consumers, c)
	c.stop()
	c.ms.mu.Unlock()
	return nil
}

func (c *memConsumer) Delete() error {
	if err := c.Stop(); err != nil {
		return err
	}
	c.mu.Lock()
	c.mu.state = ConsumerState{}
	c.mu.Unlock()
	return nil
}

// Consumer state format, version 1 (integers varint-encoded):
//
//	magic "NNCS", version byte,
//	ack floor consumer, ack floor stream, delivered consumer, delivered stream,
//	pending count, then per entry in stream order: stream seq delta (from the
//	previous entry, the first from 0), consumer seq, timestamp delta (signed),
//	redelivered count, then per entry in stream order: stream seq delta, count,
//	CRC-32C (4 bytes little endian) of everything before.
const (
	consumerMagic   = "NNCS"
	consumerVersion = 1
)

// EncodeConsumerState encodes st deterministically.
func EncodeConsumerState(st *ConsumerState) []byte {
	b := make([]byte, 0, 32+len(st.Pending)*12+len(st.Redelivered)*4)
	b = append(b, consumerMagic...)
	b = append(b, consumerVersion)
	for _, v := range []uint64{st.AckFloor.Consumer, st.AckFloor.Stream, st.Delivered.Consumer, st.Delivered.Stream} {
		b = binary.AppendUvarint(b, v)
	}
	b = binary.AppendUvarint(b, uint64(len(st.Pending)))
	var prev uint64
	var prevTS int64
	for _, s := range slices.Sorted(maps.Keys(st.Pending)) {
		p := st.Pending[s]
		b = binary.AppendUvarint(b, s-prev)
		b = binary.AppendUvarint(b, p.Sequence)
		b = binary.AppendVarint(b, p.Timestamp-prevTS)
		prev, prevTS = s, p.Timestamp
	}
	b = binary.AppendUvarint(b, uint64(len(st.Redelivered)))
	prev = 0
	for _, s := range slices.Sorted(maps.Keys(st.Redelivered)) {
		b = binary.AppendUvarint(b, s-prev)
		b = binary.AppendUvarint(b, st.Redelivered[s])
		prev = s
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, crcTable))
}

// DecodeConsumerState decodes the output of EncodeConsumerState.
func DecodeConsumerState(buf []byte) (*ConsumerState, error) {
	n := len(buf) - 4
	if n < len(consumerMagic)+1 || string(buf[:4]) != consumerMagic || buf[4] != consumerVersion {
		return nil, ErrBadConsumerState
	}
	if crc32.Checksum(buf[:n], crcTable) != binary.LittleEndian.Uint32(buf[n:]) {
		return nil, ErrBadConsumerState
	}
	r := snapReader{b: buf[len(consumerMagic)+1 : n]}
	st := &ConsumerState{}
	st.AckFloor.Consumer, st.AckFloor.Stream = r.uvarint(), r.uvarint()
	st.Delivered.Consumer, st.Delivered.Stream = r.uvarint(), r.uvarint()
	np := r.uvarint()
	if r.bad || np > uint64(len(r.b)) {
		return nil, ErrBadConsumerState
	}
	var s uint64
	var ts int64
	for i := uint64(0); i < np; i++ {
		s += r.uvarint()
		dseq := r.uvarint()
		ts += r.varint()
		if st.Pending == nil {
			st.Pending = make(map[uint64]Pending, np)
		}
		st.Pending[s] = Pending{Sequence: dseq, Timestamp: ts}
	}
	nr := r.uvarint()
	if r.bad || nr > uint64(len(r.b)) {
		return nil, ErrBadConsumerState
	}
	s = 0
	for i := uint64(0); i < nr; i++ {
		s += r.uvarint()
		if st.Redelivered == nil {
			st.Redelivered = make(map[uint64]uint64, nr)
		}
		st.Redelivered[s] = r.uvarint()
	}
	if r.bad || len(r.b) != 0 || uint64(len(st.Pending)) != np || uint64(len(st.Redelivered)) != nr {
		return nil, ErrBadConsumerState
	}
	return st, nil
}
