package raftsim

import (
	"sync"

	"github.com/natsnet/natsnet/internal/raft"
)

// LiveNetwork is an in-memory transport for hosts that run their own
// goroutines (benchmarks): each endpoint delivers its inbound frames in
// order on one goroutine of its own.
type LiveNetwork struct {
	mu  sync.Mutex
	eps map[string]*LiveEndpoint // guarded by mu
}

// NewLiveNetwork returns an empty network.
func NewLiveNetwork() *LiveNetwork { return &LiveNetwork{eps: make(map[string]*LiveEndpoint)} }

// LiveEndpoint is one server's raft.Transport on a LiveNetwork.
type LiveEndpoint struct {
	n    *LiveNetwork
	id   string
	mu   sync.Mutex
	cond *sync.Cond
	q    []liveFrame   // guarded by mu
	r    raft.Receiver // guarded by mu
	done bool          // guarded by mu
}

type liveFrame struct {
	from string
	data []byte
}

// Endpoint returns the endpoint of id, creating it and its delivery
// goroutine.
func (n *LiveNetwork) Endpoint(id string) *LiveEndpoint {
	n.mu.Lock()
	defer n.mu.Unlock()
	if e := n.eps[id]; e != nil {
		return e
	}
	e := &LiveEndpoint{n: n, id: id}
	e.cond = sync.NewCond(&e.mu)
	n.eps[id] = e
	go e.loop()
	return e
}

// Close stops every delivery goroutine.
func (n *LiveNetwork) Close() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, e := range n.eps {
		e.mu.Lock()
		e.done = true
		e.cond.Broadcast()
		e.mu.Unlock()
	}
}

// Bind implements raft.Transport.
func (e *LiveEndpoint) Bind(r raft.Receiver) {
	e.mu.Lock()
	e.r = r
	e.mu.Unlock()
}

// Send implements raft.Transport.
func (e *LiveEndpoint) Send(to string, frame []byte) error {
	e.n.mu.Lock()
	dst := e.n.eps[to]
	e.n.mu.Unlock()
	if dst == nil {
		return ErrUnreachable
	}
	dst.mu.Lock()
	dst.q = append(dst.q, liveFrame{from: e.id, data: frame})
	dst.cond.Signal()
	dst.mu.Unlock()
	return nil
}

func (e *LiveEndpoint) loop() {
	var batch []liveFrame
	for {
		e.mu.Lock()
		for len(e.q) == 0 && !e.done {
			e.cond.Wait()
		}
		if e.done {
			e.mu.Unlock()
			return
		}
		batch, e.q = e.q, batch[:0]
		r := e.r
		e.mu.Unlock()
		for _, f := range batch {
			if r != nil {
				r.Deliver(f.from, f.data)
			}
		}
		clear(batch)
	}
}
