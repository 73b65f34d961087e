package server

import (
	"errors"
	"net"
	"os"
	"sync"
	"time"
)

// Buffer sizes for a connection's output. Idle connections hold no output
// buffer at all; busy ones keep one up to maxRetainedOut between writes.
const (
	maxRetainedOut = 64 * 1024
	// maxWriteChunk bounds a single Write so a huge backlog is sent in
	// slices that each get a fresh write deadline.
	maxWriteChunk = 4 * 1024 * 1024
)

// outbound is a connection's pending output. Producers (any goroutine that
// delivers to this client) append under mu; the connection's writer goroutine
// swaps the buffer out and writes it. Design note: a channel of messages per
// client was rejected because it costs an allocation per message and defeats
// write coalescing; one growing buffer and a one-slot signal channel give
// natural batching (everything appended while a write is in flight goes out
// in the next write).
type outbound struct {
	mu       sync.Mutex
	buf      []byte // guarded by mu
	inflight int    // bytes handed to the writer, guarded by mu
	closing  bool   // flush what is queued, then close; guarded by mu
	signal   chan struct{}
	done     chan struct{} // closed when the writer exits
}

func (o *outbound) init() {
	o.signal = make(chan struct{}, 1)
	o.done = make(chan struct{})
}

// kick wakes the writer without blocking.
func (o *outbound) kick() {
	select {
	case o.signal <- struct{}{}:
	default:
	}
}

// pendingLocked reports bytes queued or being written. o.mu must be held.
func (o *outbound) pendingLocked() int64 { return int64(len(o.buf) + o.inflight) }

// pending reports bytes queued or being written.
func (o *outbound) pending() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.pendingLocked()
}

// writeLoop runs on its own goroutine for the life of the connection: it
// writes whatever is queued and, once closing is set and the queue is empty,
// closes the network connection.
func (c *client) writeLoop() {
	o := &c.out
	defer close(o.done)
	var spare []byte
	wd := c.srv.opts.WriteDeadline
	for {
		o.mu.Lock()
		for len(o.buf) == 0 && !o.closing {
			o.mu.Unlock()
			<-o.signal
			o.mu.Lock()
		}
		b := o.buf
		closing := o.closing
		o.buf = spare
		o.inflight = len(b)
		o.mu.Unlock()

		var err error
		for off := 0; off < len(b) && err == nil; {
			end := min(off+maxWriteChunk, len(b))
			_ = c.nc.SetWriteDeadline(time.Now().Add(wd))
			var n int
			n, err = c.nc.Write(b[off:end])
			off += n
		}

		o.mu.Lock()
		o.inflight = 0
		if cap(b) <= maxRetainedOut {
			spare = b[:0]
		} else {
			spare = nil
		}
		more := len(o.buf) > 0
		closing = closing || o.closing
		o.mu.Unlock()

		if err != nil {
			if isTimeout(err) {
				c.srv.stats.slowConsumers.Add(1)
				c.srv.log.Debug("slow consumer: write deadline exceeded", "cid", c.cid)
				c.closeConnection(reasonSlowConsumerWriteDeadline)
			} else {
				c.closeConnection(reasonWriteError)
			}
			_ = c.nc.Close()
			return
		}
		if closing && !more {
			_ = c.nc.Close()
			return
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return errors.Is(err, os.ErrDeadlineExceeded)
}
