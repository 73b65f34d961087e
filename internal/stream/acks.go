package stream

import (
	"encoding/json"
	"sync"

	"github.com/natsnet/natsnet/internal/jsapi"
	"github.com/natsnet/natsnet/internal/store"
	"time"
)

// deferredStore is a store whose writes become durable after they return
// (a FileStore that acknowledges only fsynced messages). The stream then
// holds publish acks until WaitDurable says the message is on disk, so
// that one fsync covers every publish that arrived meanwhile instead of
// each publisher waiting for its own.
type deferredStore interface {
	StoreMsgDeferred(subj string, hdr, data []byte, ttl time.Duration) (seq uint64, ts int64, lsn uint64, err error)
	WaitDurable(lsn uint64) error
}

// heldAck is a publish ack waiting for its message to be durable.
type heldAck struct {
	reply string
	body  []byte
	lsn   uint64
}

// acker sends held acks once their messages are durable, from its own
// goroutine, through its own batch.
type acker struct {
	ds     deferredStore
	out    BatchSender
	stream string
	domain string

	mu      sync.Mutex
	held    []heldAck // guarded by mu
	signal  chan struct{}
	stopped chan struct{} // closed when the loop may exit once drained
	done    chan struct{}
}

func newAcker(ds deferredStore, out BatchSender, stream, domain string) *acker {
	a := &acker{ds: ds, out: out, stream: stream, domain: domain,
		signal: make(chan struct{}, 1), stopped: make(chan struct{}), done: make(chan struct{})}
	go a.run()
	return a
}

// hold queues an ack until everything up to lsn is durable.
func (a *acker) hold(reply string, body []byte, lsn uint64) {
	a.mu.Lock()
	a.held = append(a.held, heldAck{reply: reply, body: body, lsn: lsn})
	a.mu.Unlock()
	select {
	case a.signal <- struct{}{}:
	default:
	}
}

// stop sends what is held (the store must be stopped first, so that it
// is durable or failed) and ends the goroutine.
func (a *acker) stop() {
	close(a.stopped)
	<-a.done
}

func (a *acker) run() {
	defer close(a.done)
	var batch []heldAck
	for {
		select {
		case <-a.signal:
		case <-a.stopped:
			a.mu.Lock()
			n := len(a.held)
			a.mu.Unlock()
			if n == 0 {
				return
			}
		}
		a.mu.Lock()
		batch, a.held = a.held, batch[:0]
		a.mu.Unlock()
		if len(batch) == 0 {
			continue
		}
		err := a.ds.WaitDurable(batch[len(batch)-1].lsn)
		var failed []byte
		if err != nil {
			resp := jsapi.PubAckResponse{Error: storeError(err), PubAck: &jsapi.PubAck{Stream: a.stream, Domain: a.domain}}
			failed, _ = json.Marshal(&resp)
		}
		for i := range batch {
			body := batch[i].body
			if failed != nil {
				body = failed
			}
			a.out.Send(batch[i].reply, "", nil, body)
			batch[i] = heldAck{}
		}
		a.out.Flush()
	}
}

var _ deferredStore = (*store.FileStore)(nil)
