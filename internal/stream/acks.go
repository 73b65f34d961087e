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
// holds publish acks until WaitDurable says the message is on disk, and
// releases them at the end of the publisher's batch: one fsync answers a
// whole read of publishes, and publishers reading at the same time share
// it too (the store's group commit).
type deferredStore interface {
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

// heldAck is a publish ack waiting for its message to be durable.
type heldAck struct {
	out   Sender
	reply string
	body  []byte
}

// heldAcks are the acks of a durable stream not yet released.
type heldAcks struct {
	mu   sync.Mutex
	acks []heldAck // guarded by mu
}

// holdAck keeps an ack until the stream's messages so far are durable. A
// Deferrer releases it at the end of its batch; other senders (the run
// loop's) are released by their owner with releaseAcks.
func (s *Stream) holdAck(out Sender, reply string, body []byte) {
	h := &s.held
	h.mu.Lock()
	h.acks = append(h.acks, heldAck{out: out, reply: reply, body: body})
	h.mu.Unlock()
	if d, ok := out.(Deferrer); ok {
		d.Defer(s, func() { s.releaseAcks(out) })
	}
}

// releaseAcks waits until everything stored so far is durable and sends
// the acks held for out; if the store failed, they become errors.
func (s *Stream) releaseAcks(out Sender) {
	h := &s.held
	var mine []heldAck
	h.mu.Lock()
	if n := len(h.acks); n > 0 && h.acks[0].out == out && h.acks[n-1].out == out && s.onlyFor(out) {
		mine, h.acks = h.acks, nil
	} else {
		rest := h.acks[:0]
		for _, a := range h.acks {
			if a.out == out {
				mine = append(mine, a)
			} else {
				rest = append(rest, a)
			}
		}
		clear(h.acks[len(rest):])
		h.acks = rest
	}
	h.mu.Unlock()
	if len(mine) == 0 {
		return
	}
	// Every held message was stored before its ack was held, so the last
	// position now covers them all.
	if err := s.ds.WaitDurable(s.lastLSN.Load()); err != nil {
		resp := jsapi.PubAckResponse{Error: storeError(err), PubAck: &jsapi.PubAck{Stream: s.Name(), Domain: s.opts.Domain}}
		body, _ := json.Marshal(&resp)
		for i := range mine {
			mine[i].body = body
		}
	}
	for _, a := range mine {
		out.Send(a.reply, "", nil, a.body)
	}
}

// onlyFor reports whether every held ack is for out. h.mu is held.
func (s *Stream) onlyFor(out Sender) bool {
	for _, a := range s.held.acks {
		if a.out != out {
			return false
		}
	}
	return true
}
