package stream

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/natsnet/natsnet/internal/jsapi"
	"github.com/natsnet/natsnet/internal/store"
)

// deferredStore is a store whose writes become durable after they return
// (a FileStore that acknowledges only fsynced messages). The stream then
// holds publish acks until WaitDurable says the message is on disk.
type deferredStore interface {
	DefersDurability() bool
	StoreMsgDeferred(subj string, hdr, data []byte, ttl time.Duration) (seq uint64, ts int64, lsn uint64, err error)
	WaitDurable(lsn uint64) error
}

var _ deferredStore = (*store.FileStore)(nil)

// Deferrer is a Sender that can run a function once at the end of its
// current batch, on the sender's goroutine, before the batch's output is
// flushed (a server.Delivery: after the publisher's current read). A
// second Defer with the same key in one batch is ignored.
type Deferrer interface {
	Defer(key any, fn func())
}

// maxHeldAcks bounds the acks a stream holds: past it, the end of a
// publisher's read waits for the disk instead of reading on.
const maxHeldAcks = 16384

// acker sends the held publish acks of a durable stream from its own
// goroutine once their messages are on disk.
//
// Acks are held as publishes are stored, and the acker is woken at the
// end of each publisher's read (or of each run-loop batch), not at each
// publish: it then waits once for everything stored so far, so one fsync
// answers a whole read, and the publisher's connection reads on while the
// fsync runs, so consecutive reads share the next one. Publishers on other
// connections share rounds too (the store's group commit).
type acker struct {
	s    *Stream
	out  BatchSender
	wake chan struct{}
	quit chan struct{}
	done chan struct{}

	mu   sync.Mutex
	acks []heldAck // guarded by mu
	// drained is signalled when the goroutine took the held acks.
	drained *sync.Cond
}

// heldAck is a publish ack waiting for its message to be durable.
type heldAck struct {
	reply string
	body  []byte
}

func newAcker(s *Stream, out BatchSender) *acker {
	a := &acker{s: s, out: out, wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	a.drained = sync.NewCond(&a.mu)
	go a.run()
	return a
}

// hold keeps an ack until the stream's messages so far are durable. A
// Deferrer wakes the acker at the end of its batch; other senders (the
// run loop's) call endOfBatch themselves.
func (a *acker) hold(out Sender, reply string, body []byte) {
	a.mu.Lock()
	a.acks = append(a.acks, heldAck{reply: reply, body: body})
	a.mu.Unlock()
	if d, ok := out.(Deferrer); ok {
		d.Defer(a, a.endOfBatch)
	}
}

// endOfBatch wakes the acker; with too many acks held it waits until the
// acker took them, which holds the publisher back to the disk's pace.
func (a *acker) endOfBatch() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
	a.mu.Lock()
	for len(a.acks) > maxHeldAcks {
		a.drained.Wait()
	}
	a.mu.Unlock()
}

// stop sends what is held (the store must be stopped first, so that it is
// durable or failed) and ends the goroutine.
func (a *acker) stop() {
	close(a.quit)
	<-a.done
}

func (a *acker) run() {
	defer close(a.done)
	var batch []heldAck
	for {
		select {
		case <-a.wake:
		case <-a.quit:
			a.send(a.take(&batch))
			return
		}
		a.send(a.take(&batch))
	}
}

// take swaps the held acks into *batch and returns them.
func (a *acker) take(batch *[]heldAck) []heldAck {
	a.mu.Lock()
	*batch, a.acks = a.acks, (*batch)[:0]
	a.drained.Broadcast()
	a.mu.Unlock()
	return *batch
}

// send waits until everything stored so far is durable and sends acks;
// if the store failed, they become errors.
func (a *acker) send(acks []heldAck) {
	if len(acks) == 0 {
		return
	}
	// Every held message was stored before its ack was held, so the last
	// position now covers them all.
	s := a.s
	if err := s.ds.WaitDurable(s.lastLSN.Load()); err != nil {
		resp := jsapi.PubAckResponse{Error: storeError(err), PubAck: &jsapi.PubAck{Stream: s.Name(), Domain: s.opts.Domain}}
		body, _ := json.Marshal(&resp)
		for i := range acks {
			acks[i].body = body
		}
	}
	for i := range acks {
		a.out.Send(acks[i].reply, "", nil, acks[i].body)
		acks[i] = heldAck{}
	}
	a.out.Flush()
}
