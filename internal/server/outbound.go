package server

import (
	"crypto/tls"
	"errors"
	"net"
	"os"
	"sync"
	"time"
)

// chunkSize is the size of the pooled buffers that hold pending output.
const chunkSize = 32 * 1024

// maxWriteBatch bounds what one writev hands to the kernel, so a large
// backlog is written in slices that each get a fresh write deadline.
const maxWriteBatch = 1024 * 1024

// chunkPool holds *[chunkSize]byte; storing array pointers (rather than
// *[]byte) lets a chunk go back to the pool without allocating.
var chunkPool = sync.Pool{New: func() any { return new([chunkSize]byte) }}

func getChunk() []byte { return chunkPool.Get().(*[chunkSize]byte)[:0] }

func putChunk(b []byte) {
	if cap(b) != chunkSize {
		return // an oversized one-off buffer; let the GC have it
	}
	chunkPool.Put((*[chunkSize]byte)(b[:chunkSize]))
}

// outbound is a connection's pending output: a list of byte chunks.
// Producers (any goroutine delivering to this client) append to the last
// chunk under mu, taking a fresh pooled chunk when it is full; the writer
// goroutine takes the whole list and writes it with one writev.
//
// Design note: a single growing []byte was tried first; under load its
// growth (copy of the whole backlog, clearing of new memory, GC of the old
// array) cost a quarter of the server's CPU. A channel of messages per
// client was rejected too: an allocation per message and no coalescing.
// Fixed pooled chunks are never copied and never cleared, and idle clients
// hold none.
type outbound struct {
	mu       sync.Mutex
	chunks   [][]byte // guarded by mu
	queued   int      // bytes in chunks, guarded by mu
	inflight int      // bytes handed to the writer, guarded by mu
	closing  bool     // flush what is queued, then close; guarded by mu
	// flushing is set while one goroutine (the writer, or a producer
	// flushing inline) writes; it keeps writes in order. Guarded by mu.
	flushing bool
	// stall is non-nil while pending output is above the stall threshold;
	// the writer closes it once the backlog drains. Guarded by mu.
	stall  chan struct{}
	signal chan struct{}
	done   chan struct{} // closed when the writer exits
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
func (o *outbound) pendingLocked() int64 { return int64(o.queued + o.inflight) }

// pending reports bytes queued or being written.
func (o *outbound) pending() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.pendingLocked()
}

// tailLocked returns the chunk to append need bytes to, with room for them.
// The caller appends and stores the result back with setTailLocked.
// o.mu must be held.
func (o *outbound) tailLocked(need int) []byte {
	if n := len(o.chunks); n > 0 {
		if last := o.chunks[n-1]; cap(last)-len(last) >= need {
			return last
		}
	}
	var b []byte
	if need <= chunkSize {
		b = getChunk()
	} else {
		b = make([]byte, 0, need)
	}
	o.chunks = append(o.chunks, b)
	return b
}

// setTailLocked stores the appended-to tail chunk. o.mu must be held.
func (o *outbound) setTailLocked(b []byte, added int) {
	o.chunks[len(o.chunks)-1] = b
	o.queued += added
}

// appendLocked queues raw bytes. o.mu must be held.
func (o *outbound) appendLocked(p []byte) {
	t := o.tailLocked(len(p))
	o.setTailLocked(append(t, p...), len(p))
}

// Producers that push a client's backlog past the stall threshold wait for
// it to drain (at most maxStall per read) before reading more from their own
// connection. That turns a fast publisher and a slower subscriber into TCP
// back-pressure on the publisher instead of a growing backlog; a subscriber
// that does not read at all still reaches max_pending and is cut off.
const maxStall = 10 * time.Millisecond

// stallAtFor derives the stall threshold from max_pending.
func stallAtFor(maxPending int64) int64 {
	return max(maxPending/8, 64*1024)
}

// waitStall waits, bounded, for the backlog of a client this reader
// overfilled during the last read.
func (c *client) waitStall() {
	st := c.stall
	c.stall = nil
	if c.stallTimer == nil {
		c.stallTimer = time.NewTimer(maxStall)
	} else {
		c.stallTimer.Reset(maxStall)
	}
	select {
	case <-st:
		c.stallTimer.Stop()
	case <-c.stallTimer.C:
	}
}

// A producer that leaves a small backlog (one chunk of at most
// inlineFlushMax bytes) writes it itself instead of waking the writer
// goroutine; this saves a goroutine hand-off per message on request/reply
// paths. The write gets a short deadline so a full socket buffer never
// holds the producer: whatever is left goes back to the writer.
const (
	inlineFlushMax     = 4096
	inlineWriteTimeout = time.Millisecond
)

// flushInline writes the client's pending output on the calling goroutine
// if it is small and nobody else is writing. It reports whether it took
// the write on.
func (c *client) flushInline() bool {
	if _, isTLS := c.nc.(*tls.Conn); isTLS {
		// A timed-out write leaves a TLS connection unusable (crypto/tls
		// keeps the error), so TLS output is only written by the writer,
		// under the full write deadline.
		return false
	}
	o := &c.out
	o.mu.Lock()
	if o.flushing || o.closing || len(o.chunks) != 1 || o.queued > inlineFlushMax {
		o.mu.Unlock()
		return false
	}
	b := o.chunks[0]
	o.chunks[0] = nil
	o.chunks = o.chunks[:0]
	o.flushing = true
	o.inflight = o.queued
	o.queued = 0
	o.mu.Unlock()

	_ = c.nc.SetWriteDeadline(time.Now().Add(inlineWriteTimeout))
	n, err := c.nc.Write(b)

	o.mu.Lock()
	if n < len(b) {
		// Put the unwritten rest back in front of anything queued since.
		rest := append(getChunk(), b[n:]...)
		o.chunks = append(o.chunks, nil)
		copy(o.chunks[1:], o.chunks)
		o.chunks[0] = rest
		o.queued += len(rest)
	}
	c.finishWriteLocked(err)
	// The writer may have gone back to sleep while this write held the
	// turn: wake it if anything is left for it, including closing.
	wake := len(o.chunks) > 0 || o.closing || err != nil
	o.mu.Unlock()
	putChunk(b)
	if wake {
		o.kick()
	}
	return true
}

// finishWriteLocked ends a write turn and releases producers stalled on
// this client's backlog once it has drained. c.out.mu must be held.
func (c *client) finishWriteLocked(err error) {
	o := &c.out
	o.flushing = false
	o.inflight = 0
	if o.stall != nil && (err != nil || o.pendingLocked() <= c.srv.stallAt) {
		close(o.stall)
		o.stall = nil
	}
}

// writeLoop runs on its own goroutine for the life of the connection: it
// writes whatever is queued and, once closing is set and the queue is empty,
// closes the network connection.
func (c *client) writeLoop() {
	o := &c.out
	defer close(o.done)
	var spare [][]byte
	var scratch net.Buffers
	wd := c.srv.opts.WriteDeadline
	for {
		o.mu.Lock()
		for o.flushing || (len(o.chunks) == 0 && !o.closing) {
			o.mu.Unlock()
			<-o.signal
			o.mu.Lock()
		}
		batch := o.chunks
		closing := o.closing
		o.chunks = spare[:0]
		o.flushing = true
		o.inflight = o.queued
		o.queued = 0
		o.mu.Unlock()

		err := c.writeChunks(batch, &scratch, wd)
		for i, b := range batch {
			putChunk(b)
			batch[i] = nil
		}
		spare = batch[:0]

		o.mu.Lock()
		c.finishWriteLocked(err)
		more := len(o.chunks) > 0
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

// writeChunks writes the chunks in order with vectored writes, each batch
// under its own write deadline.
func (c *client) writeChunks(chunks [][]byte, scratch *net.Buffers, wd time.Duration) error {
	for len(chunks) > 0 {
		n, size := 0, 0
		for n < len(chunks) && (n == 0 || size+len(chunks[n]) <= maxWriteBatch) {
			size += len(chunks[n])
			n++
		}
		// WriteTo consumes the slice it is given; hand it a copy of the
		// header so the chunks can still be returned to the pool.
		*scratch = append((*scratch)[:0], chunks[:n]...)
		bufs := *scratch
		_ = c.nc.SetWriteDeadline(time.Now().Add(wd))
		if _, err := bufs.WriteTo(c.nc); err != nil {
			return err
		}
		clear(*scratch)
		chunks = chunks[n:]
	}
	return nil
}

func isTimeout(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return errors.Is(err, os.ErrDeadlineExceeded)
}
