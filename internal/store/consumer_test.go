package store

import (
	"errors"
	"reflect"
	"testing"
)

func newTestConsumer(t *testing.T, cfg ConsumerConfig) (ConsumerStore, *MemStore) {
	t.Helper()
	s, _ := newTestStore(t, StreamConfig{})
	c, err := s.ConsumerStore("c", cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

func consumerState(t *testing.T, c ConsumerStore) *ConsumerState {
	t.Helper()
	st, err := c.State()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestConsumerExplicitAcks(t *testing.T) {
	c, _ := newTestConsumer(t, ConsumerConfig{AckPolicy: AckExplicit, MaxDeliver: 3})
	// Deliver stream 10, 12, 13, 15 as consumer 1..4.
	for i, sseq := range []uint64{10, 12, 13, 15} {
		if err := c.UpdateDelivered(uint64(i+1), sseq, 1, int64(100+i)); err != nil {
			t.Fatal(err)
		}
	}
	// Redeliver 12 as consumer 5: keeps its original consumer sequence.
	c.UpdateDelivered(5, 12, 2, 200)
	st := consumerState(t, c)
	want := &ConsumerState{
		Delivered: SequencePair{5, 15},
		Pending: map[uint64]Pending{
			10: {1, 100}, 12: {2, 200}, 13: {3, 102}, 15: {4, 103},
		},
		Redelivered: map[uint64]uint64{12: 1},
	}
	if !reflect.DeepEqual(st, want) {
		t.Fatalf("state %+v\nwant  %+v", st, want)
	}
	steps := []struct {
		dseq, sseq uint64
		err        error
		floor      SequencePair
	}{
		{3, 13, nil, SequencePair{0, 0}},  // out of order: floor stays
		{1, 10, nil, SequencePair{1, 11}}, // floor moves to below the next pending (12)
		{5, 12, nil, SequencePair{3, 14}}, // redelivery acks as consumer 2; 13 done, 15 pending
		{9, 99, ErrNotFound, SequencePair{3, 14}},
		{4, 15, nil, SequencePair{5, 15}}, // nothing pending: floor = delivered
		{4, 15, nil, SequencePair{5, 15}}, // replay below the floor is ignored
	}
	for i, s := range steps {
		if err := c.UpdateAcks(s.dseq, s.sseq); !errors.Is(err, s.err) {
			t.Fatalf("step %d: UpdateAcks = %v, want %v", i, err, s.err)
		}
		if st := consumerState(t, c); st.AckFloor != s.floor {
			t.Fatalf("step %d: ack floor %+v, want %+v", i, st.AckFloor, s.floor)
		}
	}
	if st := consumerState(t, c); len(st.Pending) != 0 || len(st.Redelivered) != 0 {
		t.Fatalf("left over %+v", st)
	}
}

func TestConsumerMaxDeliver(t *testing.T) {
	c, _ := newTestConsumer(t, ConsumerConfig{AckPolicy: AckExplicit, MaxDeliver: 2})
	c.UpdateDelivered(1, 1, 1, 1)
	c.UpdateDelivered(2, 1, 2, 2)
	c.UpdateDelivered(3, 1, 3, 3) // beyond max deliver: dropped from pending
	st := consumerState(t, c)
	if len(st.Pending) != 0 || st.Redelivered[1] != 2 {
		t.Fatalf("state %+v", st)
	}
}

func TestConsumerAckAll(t *testing.T) {
	c, _ := newTestConsumer(t, ConsumerConfig{AckPolicy: AckAll})
	for i := uint64(1); i <= 5; i++ {
		c.UpdateDelivered(i, i*2, 1, int64(i))
	}
	c.UpdateDelivered(6, 4, 2, 9)
	if err := c.UpdateAcks(3, 6); err != nil {
		t.Fatal(err)
	}
	st := consumerState(t, c)
	if st.AckFloor != (SequencePair{3, 6}) || len(st.Pending) != 2 || len(st.Redelivered) != 0 {
		t.Fatalf("state %+v", st)
	}
}

func TestConsumerAckNone(t *testing.T) {
	c, _ := newTestConsumer(t, ConsumerConfig{AckPolicy: AckNone})
	c.UpdateDelivered(1, 5, 1, 1)
	c.UpdateDelivered(2, 9, 1, 2)
	st := consumerState(t, c)
	if st.Delivered != (SequencePair{2, 9}) || st.AckFloor != st.Delivered || st.Pending != nil {
		t.Fatalf("state %+v", st)
	}
	if err := c.UpdateAcks(2, 9); !errors.Is(err, ErrNoAckPolicy) {
		t.Fatalf("UpdateAcks = %v", err)
	}
	if err := c.UpdateDelivered(3, 9, 2, 3); !errors.Is(err, ErrNoAckPolicy) {
		t.Fatalf("redelivery = %v", err)
	}
}

func TestConsumerUpdateAndEncode(t *testing.T) {
	c, s := newTestConsumer(t, ConsumerConfig{AckPolicy: AckExplicit})
	st := &ConsumerState{
		Delivered:   SequencePair{20, 40},
		AckFloor:    SequencePair{10, 22},
		Pending:     map[uint64]Pending{25: {12, -5}, 30: {15, 1 << 50}, 40: {20, 7}},
		Redelivered: map[uint64]uint64{25: 3, 3: 1},
	}
	if err := c.Update(st); err != nil {
		t.Fatal(err)
	}
	st.Pending[25] = Pending{} // the store must have copied
	got := consumerState(t, c)
	if got.Pending[25] != (Pending{12, -5}) {
		t.Fatalf("Update did not copy: %+v", got)
	}
	enc, err := c.EncodedState()
	if err != nil {
		t.Fatal(err)
	}
	dec, err := DecodeConsumerState(enc)
	if err != nil || !reflect.DeepEqual(dec, got) {
		t.Fatalf("decode = %+v, %v; want %+v", dec, err, got)
	}
	if enc2 := EncodeConsumerState(dec); string(enc2) != string(enc) {
		t.Fatal("encoding is not deterministic")
	}
	for i := range enc {
		bad := append([]byte(nil), enc...)
		bad[i] ^= 1
		if _, err := DecodeConsumerState(bad); err == nil {
			t.Fatalf("corrupt byte %d accepted", i)
		}
	}
	if err := c.Update(&ConsumerState{Delivered: SequencePair{5, 5}}); !errors.Is(err, ErrOldUpdate) {
		t.Fatalf("old update: %v", err)
	}
	bad := []*ConsumerState{
		{Delivered: SequencePair{1, 1}, AckFloor: SequencePair{2, 1}},
		{Delivered: SequencePair{30, 50}, AckFloor: SequencePair{10, 22}, Pending: map[uint64]Pending{51: {}}},
		{Delivered: SequencePair{30, 50}, AckFloor: SequencePair{10, 22}, Pending: map[uint64]Pending{22: {}}},
	}
	for i, b := range bad {
		if err := c.Update(b); !errors.Is(err, ErrBadConsumerState) {
			t.Fatalf("bad state %d: %v", i, err)
		}
	}
	if s.State().Consumers != 1 {
		t.Fatal("consumer not counted")
	}
	if err := c.Delete(); err != nil || s.State().Consumers != 0 {
		t.Fatalf("Delete = %v, consumers %d", err, s.State().Consumers)
	}
	if _, err := c.State(); !errors.Is(err, ErrStoreClosed) {
		t.Fatalf("State after Delete = %v", err)
	}
}

func TestConsumerSetStarting(t *testing.T) {
	c, _ := newTestConsumer(t, ConsumerConfig{AckPolicy: AckExplicit})
	c.SetStarting(100)
	c.UpdateDelivered(1, 101, 1, 1)
	c.UpdateAcks(1, 101)
	st := consumerState(t, c)
	if st.AckFloor != (SequencePair{1, 101}) || st.Delivered != st.AckFloor {
		t.Fatalf("state %+v", st)
	}
	if err := c.UpdateConfig(ConsumerConfig{AckPolicy: AckNone}); err != nil {
		t.Fatal(err)
	}
	if err := c.UpdateAcks(1, 101); !errors.Is(err, ErrNoAckPolicy) {
		t.Fatalf("after UpdateConfig: %v", err)
	}
}
