package raftsim

import (
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/natsnet/natsnet/internal/raft"
)

// Clock is a manual clock.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock at a fixed instant.
func NewClock() *Clock { return &Clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

// Now implements raft.Clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// ErrUnreachable is returned by Send when the destination is down or cut
// off, as a route transport fails when it has no route.
var ErrUnreachable = errors.New("raftsim: unreachable")

// Network is a simulated network between endpoints, driven by a manual
// clock: frames are queued with a delivery time and delivered by Deliver,
// in time order, on the caller's goroutine.
type Network struct {
	clock *Clock

	mu      sync.Mutex
	rng     *rand.Rand
	eps     map[string]*Endpoint // guarded by mu
	cut     map[[2]string]bool   // guarded by mu
	queue   []frame              // guarded by mu
	seq     uint64               // guarded by mu
	faults  Faults               // guarded by mu
	dropped int                  // guarded by mu
}

// Faults are the network's misbehaviours.
type Faults struct {
	// DropRate is the probability that a frame is lost.
	DropRate float64
	// MaxDelay: frames take a uniform random delay in [0, MaxDelay],
	// which reorders them.
	MaxDelay time.Duration
}

type frame struct {
	at       time.Time
	seq      uint64
	from, to string
	data     []byte
}

// NewNetwork returns a network with a seeded random source.
func NewNetwork(clock *Clock, seed uint64) *Network {
	return &Network{clock: clock, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		eps: make(map[string]*Endpoint), cut: make(map[[2]string]bool)}
}

// SetFaults changes the faults.
func (n *Network) SetFaults(f Faults) {
	n.mu.Lock()
	n.faults = f
	n.mu.Unlock()
}

// Endpoint is one server's attachment, a raft.Transport.
type Endpoint struct {
	n  *Network
	id string
	mu sync.Mutex
	r  raft.Receiver // guarded by mu; nil while down
}

// Endpoint returns the endpoint of server id, creating it.
func (n *Network) Endpoint(id string) *Endpoint {
	n.mu.Lock()
	defer n.mu.Unlock()
	e := n.eps[id]
	if e == nil {
		e = &Endpoint{n: n, id: id}
		n.eps[id] = e
	}
	return e
}

// Bind implements raft.Transport; the endpoint is up from then on.
func (e *Endpoint) Bind(r raft.Receiver) {
	e.mu.Lock()
	e.r = r
	e.mu.Unlock()
}

func (e *Endpoint) receiver() raft.Receiver {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.r
}

func pair(a, b string) [2]string {
	if a > b {
		a, b = b, a
	}
	return [2]string{a, b}
}

// Send implements raft.Transport.
func (e *Endpoint) Send(to string, data []byte) error {
	n := e.n
	n.mu.Lock()
	defer n.mu.Unlock()
	dst := n.eps[to]
	if dst == nil || dst.receiver() == nil || e.receiver() == nil || n.cut[pair(e.id, to)] {
		return ErrUnreachable
	}
	if n.faults.DropRate > 0 && n.rng.Float64() < n.faults.DropRate {
		n.dropped++
		return nil
	}
	var d time.Duration
	if n.faults.MaxDelay > 0 {
		d = time.Duration(n.rng.Int64N(int64(n.faults.MaxDelay) + 1))
	}
	n.seq++
	n.queue = append(n.queue, frame{at: n.clock.Now().Add(d), seq: n.seq, from: e.id, to: to, data: data})
	return nil
}

// Deliver delivers the frames due by now, in time order, and returns how
// many it delivered. Frames to or from an endpoint that went down, or
// across a cut, are lost.
func (n *Network) Deliver() int {
	count := 0
	for {
		n.mu.Lock()
		now := n.clock.Now()
		slices.SortFunc(n.queue, func(a, b frame) int {
			if c := a.at.Compare(b.at); c != 0 {
				return c
			}
			return int(a.seq - b.seq)
		})
		if len(n.queue) == 0 || n.queue[0].at.After(now) {
			n.mu.Unlock()
			return count
		}
		f := n.queue[0]
		n.queue = n.queue[1:]
		src, dst := n.eps[f.from], n.eps[f.to]
		ok := !n.cut[pair(f.from, f.to)]
		n.mu.Unlock()
		if !ok || src.receiver() == nil {
			continue
		}
		if r := dst.receiver(); r != nil {
			r.Deliver(f.from, f.data)
			count++
		}
	}
}

// Pending reports the frames in flight.
func (n *Network) Pending() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.queue)
}

// Partition cuts the link between a and b; both hear their peer went down.
func (n *Network) Partition(a, b string) {
	n.mu.Lock()
	was := n.cut[pair(a, b)]
	n.cut[pair(a, b)] = true
	ea, eb := n.eps[a], n.eps[b]
	n.mu.Unlock()
	if !was {
		n.notify(ea, b, false)
		n.notify(eb, a, false)
	}
}

// Heal restores the link between a and b.
func (n *Network) Heal(a, b string) {
	n.mu.Lock()
	was := n.cut[pair(a, b)]
	delete(n.cut, pair(a, b))
	ea, eb := n.eps[a], n.eps[b]
	n.mu.Unlock()
	if was {
		n.notify(ea, b, true)
		n.notify(eb, a, true)
	}
}

// Cut reports whether the link between a and b is cut.
func (n *Network) Cut(a, b string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cut[pair(a, b)]
}

// Down detaches id's receiver (its host crashed): every other endpoint
// hears it went down.
func (n *Network) Down(id string) {
	e := n.Endpoint(id)
	e.Bind(nil)
	for _, o := range n.others(id) {
		if !n.Cut(id, o.id) {
			n.notify(o, id, false)
		}
	}
}

// Up announces id (bound to a new host) to the others.
func (n *Network) Up(id string) {
	for _, o := range n.others(id) {
		if !n.Cut(id, o.id) && o.receiver() != nil {
			n.notify(o, id, true)
			n.notify(n.Endpoint(id), o.id, true)
		}
	}
}

func (n *Network) others(id string) []*Endpoint {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []*Endpoint
	for oid, e := range n.eps {
		if oid != id {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b *Endpoint) int {
		if a.id < b.id {
			return -1
		}
		return 1
	})
	return out
}

func (n *Network) notify(e *Endpoint, peer string, up bool) {
	if e == nil {
		return
	}
	r := e.receiver()
	if r == nil {
		return
	}
	if up {
		r.PeerUp(peer)
	} else {
		r.PeerDown(peer)
	}
}
