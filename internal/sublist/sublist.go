package sublist

import (
	"errors"
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/natsnet/natsnet/internal/subject"
)

// Errors returned by Insert and Remove.
var (
	ErrInvalidSubject = errors.New("sublist: invalid subject")
	ErrInvalidQueue   = errors.New("sublist: invalid queue name")
	ErrNotFound       = errors.New("sublist: subscription not found")
)

// DefaultCacheSize is the number of match results New caches.
const DefaultCacheSize = 1024

// cacheUpdateMax is the largest cached fan-out that Insert/Remove patch by
// copying; larger cached results are dropped instead, which keeps building a
// huge fan-out subject one subscription at a time linear rather than
// quadratic.
const cacheUpdateMax = 256

// Result is the interest in one subject: plain subscribers and queue groups.
// A Result is shared (cached) and must not be modified by the caller.
type Result[T comparable] struct {
	Plain  []T
	Queues []Group[T]
}

// Group is the set of queue subscribers sharing a queue name.
type Group[T comparable] struct {
	Name    string
	Members []T
}

// Fanout is the number of deliveries the result implies: one per plain
// subscriber and one per queue group.
func (r *Result[T]) Fanout() int { return len(r.Plain) + len(r.Queues) }

// Empty reports whether the result has no interest at all.
func (r *Result[T]) Empty() bool { return len(r.Plain) == 0 && len(r.Queues) == 0 }

// size is the number of elements a copy of r has to move.
func (r *Result[T]) size() int {
	n := len(r.Plain)
	for i := range r.Queues {
		n += len(r.Queues[i].Members)
	}
	return n
}

type qgroup[T comparable] struct {
	name    string
	members bag[T]
}

type node[T comparable] struct {
	lits   map[string]*node[T]
	pwc    *node[T] // child for a '*' token
	fwc    *node[T] // child for a '>' token (never has children)
	plain  bag[T]
	queues []*qgroup[T]
}

func (n *node[T]) hasSubs() bool { return n.plain.total > 0 || len(n.queues) > 0 }

func (n *node[T]) isEmpty() bool {
	return !n.hasSubs() && n.pwc == nil && n.fwc == nil && len(n.lits) == 0
}

func (n *node[T]) group(name string) (int, *qgroup[T]) {
	for i, g := range n.queues {
		if g.name == name {
			return i, g
		}
	}
	return -1, nil
}

// Sublist is the interest table. It is safe for concurrent use. The zero
// value is not usable; create one with New or NewWithCacheSize.
type Sublist[T comparable] struct {
	mu       sync.RWMutex
	root     node[T]
	cache    map[string]*Result[T] // nil when caching is disabled
	cacheMax int
	gen      uint64 // bumped by every successful Insert/Remove; guarded by mu
	inserts  uint64 // guarded by mu
	removes  uint64 // guarded by mu
	empty    *Result[T]

	count   atomic.Uint32
	matches atomic.Uint64
	misses  atomic.Uint64
	scratch sync.Pool // *[]*node[T], reused by cache misses
	// door admits a subject into the cache on its second miss: subjects
	// seen once (reply inboxes, $JS.ACK subjects, unique per message)
	// would only churn the cache. It remembers hashes of subjects that
	// missed, one per slot.
	door     []atomic.Uint64
	doorSeed maphash.Seed

	// observer, if set, hears of every successful Insert and Remove; see
	// SetObserver.
	observer func(subj, queue string, v T, added bool)
}

// SetObserver registers fn to be called after every successful Insert
// (added true) and Remove (added false), on the caller's goroutine, once
// the change is visible to Match and without any lock of the Sublist held.
// Calls for concurrent changes may arrive in either order. It must be set
// before the Sublist is shared.
func (s *Sublist[T]) SetObserver(fn func(subj, queue string, v T, added bool)) {
	s.observer = fn
}

// New returns an empty Sublist with a match cache of DefaultCacheSize.
func New[T comparable]() *Sublist[T] { return NewWithCacheSize[T](DefaultCacheSize) }

// NewWithCacheSize returns an empty Sublist caching at most size match
// results; size <= 0 disables the cache.
func NewWithCacheSize[T comparable](size int) *Sublist[T] {
	s := &Sublist[T]{empty: &Result[T]{}}
	if size > 0 {
		s.cacheMax = size
		s.cache = make(map[string]*Result[T], size)
		s.door = make([]atomic.Uint64, doorSlots)
		s.doorSeed = maphash.MakeSeed()
	}
	s.scratch.New = func() any {
		b := make([]*node[T], 0, 16)
		return &b
	}
	return s
}

// Count returns the number of subscriptions.
func (s *Sublist[T]) Count() uint32 { return s.count.Load() }

// Insert adds v as a subscriber of the filter subj, in queue group queue
// ("" for a plain subscription). Inserting the same (subj, queue, v) twice
// records two subscriptions.
func (s *Sublist[T]) Insert(subj, queue string, v T) error {
	if err := s.insert(subj, queue, v); err != nil {
		return err
	}
	if s.observer != nil {
		s.observer(subj, queue, v, true)
	}
	return nil
}

func (s *Sublist[T]) insert(subj, queue string, v T) error {
	if !subject.ValidFilter(subj) {
		return ErrInvalidSubject
	}
	if queue != "" && !subject.ValidQueue(queue) {
		return ErrInvalidQueue
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := &s.root
	for rest, more := subj, true; more; {
		var tok string
		tok, rest, more = strings.Cut(rest, ".")
		var next **node[T]
		switch tok {
		case "*":
			next = &n.pwc
		case ">":
			next = &n.fwc
		default:
			c := n.lits[tok]
			if c == nil {
				if n.lits == nil {
					n.lits = make(map[string]*node[T])
				}
				c = &node[T]{}
				n.lits[strings.Clone(tok)] = c
			}
			n = c
			continue
		}
		if *next == nil {
			*next = &node[T]{}
		}
		n = *next
	}
	gname := ""
	if queue == "" {
		n.plain.add(v)
	} else {
		_, g := n.group(queue)
		if g == nil {
			g = &qgroup[T]{name: strings.Clone(queue)}
			n.queues = append(n.queues, g)
		}
		g.members.add(v)
		gname = g.name
	}
	s.count.Add(1)
	s.inserts++
	s.gen++
	s.updateCache(subj, func(r *Result[T]) *Result[T] { return withAdded(r, gname, v) })
	return nil
}

// Remove removes one subscription previously added with Insert(subj, queue, v).
// It returns ErrNotFound if there is none.
func (s *Sublist[T]) Remove(subj, queue string, v T) error {
	if err := s.remove(subj, queue, v); err != nil {
		return err
	}
	if s.observer != nil {
		s.observer(subj, queue, v, false)
	}
	return nil
}

func (s *Sublist[T]) remove(subj, queue string, v T) error {
	if !subject.ValidFilter(subj) {
		return ErrInvalidSubject
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !removeFrom(&s.root, subj, queue, v) {
		return ErrNotFound
	}
	s.count.Add(^uint32(0))
	s.removes++
	s.gen++
	s.updateCache(subj, func(r *Result[T]) *Result[T] { return withRemoved(r, queue, v) })
	return nil
}

// removeFrom removes the subscription below n and prunes nodes left empty.
func removeFrom[T comparable](n *node[T], subj, queue string, v T) bool {
	tok, rest, more := strings.Cut(subj, ".")
	var c *node[T]
	switch tok {
	case "*":
		c = n.pwc
	case ">":
		c = n.fwc
	default:
		c = n.lits[tok]
	}
	if c == nil {
		return false
	}
	if more {
		if !removeFrom(c, rest, queue, v) {
			return false
		}
	} else if queue == "" {
		if !c.plain.remove(v) {
			return false
		}
	} else {
		i, g := c.group(queue)
		if g == nil || !g.members.remove(v) {
			return false
		}
		if g.members.total == 0 {
			copy(c.queues[i:], c.queues[i+1:])
			c.queues[len(c.queues)-1] = nil
			c.queues = c.queues[:len(c.queues)-1]
			if len(c.queues) == 0 {
				c.queues = nil
			}
		}
	}
	if c.isEmpty() {
		switch tok {
		case "*":
			n.pwc = nil
		case ">":
			n.fwc = nil
		default:
			delete(n.lits, tok)
			if len(n.lits) == 0 {
				n.lits = nil
			}
		}
	}
	return true
}

// updateCache applies f to every cached result whose subject the filter
// matches; large results are dropped instead. Must hold the write lock.
func (s *Sublist[T]) updateCache(filter string, f func(*Result[T]) *Result[T]) {
	if len(s.cache) == 0 {
		return
	}
	patch := func(key string, r *Result[T]) {
		if r.size() >= cacheUpdateMax {
			delete(s.cache, key)
		} else {
			s.cache[key] = f(r)
		}
	}
	if subject.IsLiteral(filter) {
		if r, ok := s.cache[filter]; ok {
			patch(filter, r)
		}
		return
	}
	for key, r := range s.cache {
		if subject.Matches(filter, key) {
			patch(key, r)
		}
	}
}

// withAdded returns a copy of r with v added (queue "" = plain). r is not
// modified; unchanged slices are shared.
func withAdded[T comparable](r *Result[T], queue string, v T) *Result[T] {
	nr := &Result[T]{Plain: r.Plain, Queues: r.Queues}
	if queue == "" {
		nr.Plain = make([]T, len(r.Plain)+1)
		copy(nr.Plain, r.Plain)
		nr.Plain[len(r.Plain)] = v
		return nr
	}
	for i := range r.Queues {
		if r.Queues[i].Name == queue {
			nr.Queues = append([]Group[T](nil), r.Queues...)
			m := make([]T, len(r.Queues[i].Members)+1)
			copy(m, r.Queues[i].Members)
			m[len(m)-1] = v
			nr.Queues[i].Members = m
			return nr
		}
	}
	nr.Queues = make([]Group[T], len(r.Queues), len(r.Queues)+1)
	copy(nr.Queues, r.Queues)
	nr.Queues = append(nr.Queues, Group[T]{Name: queue, Members: []T{v}})
	return nr
}

// withRemoved returns a copy of r with one occurrence of v removed (queue
// "" = plain). r is not modified; unchanged slices are shared.
func withRemoved[T comparable](r *Result[T], queue string, v T) *Result[T] {
	nr := &Result[T]{Plain: r.Plain, Queues: r.Queues}
	if queue == "" {
		nr.Plain = without(r.Plain, v)
	} else {
		for i := range r.Queues {
			if r.Queues[i].Name != queue {
				continue
			}
			m := without(r.Queues[i].Members, v)
			if len(m) == 0 {
				nr.Queues = make([]Group[T], 0, len(r.Queues)-1)
				nr.Queues = append(nr.Queues, r.Queues[:i]...)
				nr.Queues = append(nr.Queues, r.Queues[i+1:]...)
			} else {
				nr.Queues = append([]Group[T](nil), r.Queues...)
				nr.Queues[i].Members = m
			}
			break
		}
	}
	if len(nr.Plain) == 0 {
		nr.Plain = nil
	}
	if len(nr.Queues) == 0 {
		nr.Queues = nil
	}
	return nr
}

// without returns a new slice holding xs minus its last occurrence of v.
func without[T comparable](xs []T, v T) []T {
	for i := len(xs) - 1; i >= 0; i-- {
		if xs[i] == v {
			out := make([]T, 0, len(xs)-1)
			out = append(out, xs[:i]...)
			return append(out, xs[i+1:]...)
		}
	}
	return xs // cannot happen while the cache is consistent
}

// Match returns the interest in the literal subject subj. Wildcard tokens in
// subj are treated literally. A subject that is not a valid publish subject
// (see subject.ValidPublish) has no interest. The result is shared and must
// not be modified.
func (s *Sublist[T]) Match(subj string) *Result[T] {
	s.matches.Add(1)
	s.mu.RLock()
	r, ok := s.cache[subj]
	s.mu.RUnlock()
	if ok {
		return r
	}
	return s.matchSlow(subj, false)
}

// MatchBytes is Match for a []byte subject. It does not allocate on a cache
// hit, and does not retain subj.
func (s *Sublist[T]) MatchBytes(subj []byte) *Result[T] {
	s.matches.Add(1)
	s.mu.RLock()
	r, ok := s.cache[string(subj)]
	s.mu.RUnlock()
	if ok {
		return r
	}
	return s.matchSlow(string(subj), true)
}

// matchSlow handles a cache miss. owned reports whether subj is a private
// copy that may be retained as a cache key.
func (s *Sublist[T]) matchSlow(subj string, owned bool) *Result[T] {
	s.misses.Add(1)
	if !subject.ValidPublish(subj) {
		return s.empty // never cached: no filter matches an invalid subject
	}
	s.mu.RLock()
	gen := s.gen
	r := s.collect(subj)
	s.mu.RUnlock()
	if s.cacheMax == 0 || !s.admit(subj) {
		return r
	}
	s.mu.Lock()
	if s.gen == gen { // nothing changed since r was computed: safe to cache
		if _, ok := s.cache[subj]; !ok {
			if len(s.cache) >= s.cacheMax {
				s.evict()
			}
			if !owned {
				subj = strings.Clone(subj)
			}
			s.cache[subj] = r
		}
	}
	s.mu.Unlock()
	return r
}

// doorSlots is the number of subjects the cache's doorkeeper remembers.
const doorSlots = 4096

// admit reports whether subj missed before (recently enough to be
// remembered), and remembers it otherwise.
func (s *Sublist[T]) admit(subj string) bool {
	h := maphash.String(s.doorSeed, subj) | 1 // never 0, the empty slot
	slot := &s.door[h&(doorSlots-1)]
	if slot.Load() == h {
		return true
	}
	slot.Store(h)
	return false
}

// evict drops about an eighth of the cache. Map iteration starts at a random
// position, which makes the choice approximately random. Must hold the
// write lock.
func (s *Sublist[T]) evict() {
	n := len(s.cache) - s.cacheMax + 1 + s.cacheMax/8
	for k := range s.cache {
		if n <= 0 {
			break
		}
		delete(s.cache, k)
		n--
	}
}

// collect builds a fresh result for subj from the trie. Must hold at least
// the read lock.
func (s *Sublist[T]) collect(subj string) *Result[T] {
	sp := s.scratch.Get().(*[]*node[T])
	nodes := matchNodes(&s.root, subj, (*sp)[:0])
	r := s.empty
	if len(nodes) > 0 {
		r = build(nodes)
	}
	clear(nodes)
	*sp = nodes[:0]
	s.scratch.Put(sp)
	return r
}

// matchNodes appends to out every node with subscribers whose filter
// matches the (structurally valid) subject subj, starting below n.
func matchNodes[T comparable](n *node[T], subj string, out []*node[T]) []*node[T] {
	tok, rest, more := strings.Cut(subj, ".")
	if n.fwc != nil && n.fwc.hasSubs() {
		out = append(out, n.fwc)
	}
	if c := n.pwc; c != nil {
		if more {
			out = matchNodes(c, rest, out)
		} else if c.hasSubs() {
			out = append(out, c)
		}
	}
	if c := n.lits[tok]; c != nil {
		if more {
			out = matchNodes(c, rest, out)
		} else if c.hasSubs() {
			out = append(out, c)
		}
	}
	return out
}

// build assembles a new Result from matching nodes, merging queue groups
// by name.
func build[T comparable](nodes []*node[T]) *Result[T] {
	r := &Result[T]{}
	plain, groups := 0, 0
	for _, n := range nodes {
		plain += n.plain.total
		groups += len(n.queues)
	}
	if plain > 0 {
		r.Plain = make([]T, 0, plain)
		for _, n := range nodes {
			r.Plain = n.plain.appendTo(r.Plain)
		}
	}
	if groups > 0 {
		r.Queues = make([]Group[T], 0, groups)
		for _, n := range nodes {
			for _, g := range n.queues {
				j := 0
				for j < len(r.Queues) && r.Queues[j].Name != g.name {
					j++
				}
				if j == len(r.Queues) {
					r.Queues = append(r.Queues, Group[T]{
						Name:    g.name,
						Members: make([]T, 0, g.members.total),
					})
				}
				r.Queues[j].Members = g.members.appendTo(r.Queues[j].Members)
			}
		}
	}
	return r
}

// HasInterest reports whether any subscription matches the literal subject
// subj. It never allocates and does not populate the cache.
func (s *Sublist[T]) HasInterest(subj string) bool {
	if !subject.ValidPublish(subj) {
		return false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if r, ok := s.cache[subj]; ok {
		return !r.Empty()
	}
	return hasInterest(&s.root, subj)
}

func hasInterest[T comparable](n *node[T], subj string) bool {
	tok, rest, more := strings.Cut(subj, ".")
	if n.fwc != nil && n.fwc.hasSubs() {
		return true
	}
	for _, c := range [2]*node[T]{n.pwc, n.lits[tok]} {
		if c == nil {
			continue
		}
		if more {
			if hasInterest(c, rest) {
				return true
			}
		} else if c.hasSubs() {
			return true
		}
	}
	return false
}
