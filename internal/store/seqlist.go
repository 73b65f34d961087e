package store

import "math/bits"

// seqList is an ordered map from sequence numbers to values, specialised for
// the way a stream uses sequences: keys are only ever appended above the
// current maximum, and are removed mostly at the front (limits, expiry),
// sometimes at the back (Truncate) and sometimes in the middle (RemoveMsg,
// per-subject limits).
//
// Keys live in chunks of at most chunkCap sorted keys; firsts[i] caches the
// smallest key of chunk i so that locating a chunk is a binary search over
// one []uint64. Each operation touches one chunk, so its cost is bounded
// (at most chunkCap moved entries), and memory is proportional to the live
// keys, however sparse they are.
//
// Aligned lists (the message index) put keys with the same key/chunkCap in
// the same chunk. Sequence ranges without deletions then make the chunk of a
// key computable, and lookups cost O(1). Unaligned lists (per-subject
// sequence lists) start a new chunk whenever the last one is full.
//
// A chunk that becomes empty at either end is dropped at once. One that
// becomes empty in the middle stays as a tombstone (its firsts entry keeps
// the list sorted) until tombstones make up half the chunks, so that a
// middle delete never moves the whole chunk directory.
//
// Rejected alternatives: a map (the reference's choice) cannot find the next
// live sequence without probing every deleted one; a flat slot array indexed
// by sequence costs memory for every deleted sequence, which KV buckets with
// a few long-lived keys make unbounded; a balanced tree costs a pointer chase
// per level on every lookup and an allocation per message.
type seqList[V any] struct {
	firsts  []uint64
	chunks  []chunk[V]
	n       int  // live keys
	empty   int  // tombstone chunks
	aligned bool // chunk by key/chunkCap instead of by count
}

type chunk[V any] struct {
	keys []uint64
	vals []V
}

const (
	chunkShift = 8
	chunkCap   = 1 << chunkShift
)

// pos is a position in a seqList: chunk index and index within the chunk.
// A position with ci == len(chunks) is the end.
type pos struct{ ci, i int }

func (l *seqList[V]) len() int { return l.n }

func (l *seqList[V]) reset() {
	clear(l.chunks)
	l.firsts, l.chunks = l.firsts[:0], l.chunks[:0]
	l.n, l.empty = 0, 0
}

// push appends key, which must be greater than every key in the list.
func (l *seqList[V]) push(key uint64, v V) {
	last := len(l.chunks) - 1
	if last >= 0 {
		c := &l.chunks[last]
		var fits bool
		if l.aligned {
			fits = l.firsts[last]>>chunkShift == key>>chunkShift
		} else {
			fits = len(c.keys) < chunkCap
		}
		if fits {
			c.keys = append(c.keys, key)
			c.vals = append(c.vals, v)
			l.n++
			return
		}
	}
	// A list whose last chunk filled up is being appended to steadily:
	// give the new chunk its full capacity at once instead of growing it
	// through eight reallocations. Small lists keep small chunks.
	size := 1
	if last >= 0 && len(l.chunks[last].keys) >= chunkCap/2 {
		size = chunkCap
	}
	c := chunk[V]{keys: make([]uint64, 1, size), vals: make([]V, 1, size)}
	c.keys[0], c.vals[0] = key, v
	l.firsts = append(l.firsts, key)
	l.chunks = append(l.chunks, c)
	l.n++
}

// chunkFor returns the index of the last chunk whose first key is <= key,
// or -1. The chunk may be a tombstone.
func (l *seqList[V]) chunkFor(key uint64) int {
	nc := len(l.firsts)
	if nc == 0 || key < l.firsts[0] {
		return -1
	}
	if l.aligned {
		g := int(key>>chunkShift - l.firsts[0]>>chunkShift)
		if g < nc && l.firsts[g]>>chunkShift == key>>chunkShift {
			return g
		}
	}
	lo, hi := 0, nc // find the first chunk with firsts > key
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if l.firsts[mid] <= key {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo - 1
}

// searchKeys returns the index of the first key >= key in keys.
//
// Keys are sequence numbers, usually dense or thinned evenly, so the search
// interpolates a guess and walks a few steps from it; only if that fails
// does it fall back to a binary search of the remaining range.
func searchKeys(keys []uint64, key uint64) int {
	n := len(keys)
	if n == 0 || key <= keys[0] {
		return 0
	}
	if key > keys[n-1] {
		return n
	}
	// Here keys[0] < key <= keys[n-1], so n >= 2.
	k0, span := keys[0], keys[n-1]-keys[0]
	var g int
	if d := key - k0; d < uint64(n) && keys[d] == key {
		return int(d) // dense run: the usual case
	} else if span < 1<<32 {
		g = int(d * uint64(n-1) / span)
	} else {
		hi, lo := bits.Mul64(d, uint64(n-1))
		q, _ := bits.Div64(hi, lo, span) // hi < span since d < span
		g = int(q)
	}
	lo, hi := 1, n-1 // the answer is in [lo, hi]
	const probes = 4
	if keys[g] < key {
		lo = g + 1
		for i := 0; i < probes && lo < hi; i++ {
			if keys[lo] >= key {
				return lo
			}
			lo++
		}
	} else {
		hi = g
		for i := 0; i < probes && hi > lo; i++ {
			if keys[hi-1] < key {
				return hi
			}
			hi--
		}
	}
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if keys[mid] < key {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// find returns the position of key.
func (l *seqList[V]) find(key uint64) (pos, bool) {
	ci := l.chunkFor(key)
	if ci < 0 {
		return pos{}, false
	}
	keys := l.chunks[ci].keys
	i := searchKeys(keys, key)
	if i < len(keys) && keys[i] == key {
		return pos{ci, i}, true
	}
	return pos{}, false
}

// get returns a pointer to the value of key, valid until the next mutation.
func (l *seqList[V]) get(key uint64) (*V, bool) {
	p, ok := l.find(key)
	if !ok {
		return nil, false
	}
	return &l.chunks[p.ci].vals[p.i], true
}

// skipEmpty moves ci forward past tombstones.
func (l *seqList[V]) skipEmpty(ci int) int {
	for ci < len(l.chunks) && len(l.chunks[ci].keys) == 0 {
		ci++
	}
	return ci
}

// lowerBound returns the position of the first key >= key (or the end).
func (l *seqList[V]) lowerBound(key uint64) pos {
	ci := l.chunkFor(key)
	if ci < 0 {
		return pos{l.skipEmpty(0), 0}
	}
	keys := l.chunks[ci].keys
	if i := searchKeys(keys, key); i < len(keys) {
		return pos{ci, i}
	}
	return pos{l.skipEmpty(ci + 1), 0}
}

// atOrBelow returns the position of the last key <= key.
func (l *seqList[V]) atOrBelow(key uint64) (pos, bool) {
	ci := l.chunkFor(key)
	if ci < 0 {
		return pos{}, false
	}
	keys := l.chunks[ci].keys
	i := searchKeys(keys, key)
	if i < len(keys) && keys[i] == key {
		return pos{ci, i}, true
	}
	if i > 0 {
		return pos{ci, i - 1}, true
	}
	return l.prevChunkEnd(ci)
}

// prevChunkEnd returns the last position of the nearest non-empty chunk
// before ci.
func (l *seqList[V]) prevChunkEnd(ci int) (pos, bool) {
	for ci--; ci >= 0; ci-- {
		if n := len(l.chunks[ci].keys); n > 0 {
			return pos{ci, n - 1}, true
		}
	}
	return pos{}, false
}

func (l *seqList[V]) end(p pos) bool { return p.ci >= len(l.chunks) }

func (l *seqList[V]) key(p pos) uint64 { return l.chunks[p.ci].keys[p.i] }

func (l *seqList[V]) val(p pos) *V { return &l.chunks[p.ci].vals[p.i] }

// next returns the position after p.
func (l *seqList[V]) next(p pos) pos {
	if p.i+1 < len(l.chunks[p.ci].keys) {
		return pos{p.ci, p.i + 1}
	}
	return pos{l.skipEmpty(p.ci + 1), 0}
}

// prev returns the position before p.
func (l *seqList[V]) prev(p pos) (pos, bool) {
	if p.i > 0 {
		return pos{p.ci, p.i - 1}, true
	}
	return l.prevChunkEnd(p.ci)
}

// first returns the smallest key.
func (l *seqList[V]) first() (uint64, bool) {
	if l.n == 0 {
		return 0, false
	}
	return l.chunks[0].keys[0], true // leading tombstones are always dropped
}

// last returns the largest key.
func (l *seqList[V]) last() (uint64, bool) {
	if l.n == 0 {
		return 0, false
	}
	keys := l.chunks[len(l.chunks)-1].keys // trailing tombstones are dropped
	return keys[len(keys)-1], true
}

// rank returns the number of keys < key.
func (l *seqList[V]) rank(key uint64) int {
	p := l.lowerBound(key)
	if l.end(p) {
		return l.n
	}
	// Count chunk sizes from whichever end is nearer.
	if p.ci <= len(l.chunks)/2 {
		r := p.i
		for ci := 0; ci < p.ci; ci++ {
			r += len(l.chunks[ci].keys)
		}
		return r
	}
	r := l.n
	for ci := p.ci; ci < len(l.chunks); ci++ {
		r -= len(l.chunks[ci].keys)
	}
	return r + p.i
}

// remove deletes the entry at p.
func (l *seqList[V]) remove(p pos) {
	c := &l.chunks[p.ci]
	var zero V
	n := len(c.keys)
	switch i := p.i; {
	case i == n-1:
		c.vals[i] = zero
		c.keys, c.vals = c.keys[:i], c.vals[:i]
	case i < n/2: // shift the front part right and drop the first slot
		copy(c.keys[1:i+1], c.keys[:i])
		copy(c.vals[1:i+1], c.vals[:i])
		c.vals[0] = zero
		c.keys, c.vals = c.keys[1:], c.vals[1:]
	default:
		copy(c.keys[i:], c.keys[i+1:])
		copy(c.vals[i:], c.vals[i+1:])
		c.vals[n-1] = zero
		c.keys, c.vals = c.keys[:n-1], c.vals[:n-1]
	}
	l.n--
	if len(c.keys) == 0 {
		l.dropChunk(p.ci)
		return
	}
	l.firsts[p.ci] = c.keys[0]
	if cap(c.keys) > 32 && len(c.keys) < cap(c.keys)/4 {
		c.keys = append([]uint64(nil), c.keys...)
		c.vals = append([]V(nil), c.vals...)
	}
}

// dropChunk handles chunk ci having become empty.
func (l *seqList[V]) dropChunk(ci int) {
	l.chunks[ci] = chunk[V]{}
	nc := len(l.chunks)
	switch {
	case ci == 0:
		j := 1
		for j < nc && len(l.chunks[j].keys) == 0 {
			l.empty--
			j++
		}
		clear(l.chunks[:j])
		l.chunks, l.firsts = l.chunks[j:], l.firsts[j:]
	case ci == nc-1:
		j := ci
		for j > 0 && len(l.chunks[j-1].keys) == 0 {
			l.empty--
			j--
		}
		clear(l.chunks[j:])
		l.chunks, l.firsts = l.chunks[:j], l.firsts[:j]
	default:
		l.empty++
		if l.empty > 8 && 2*l.empty > nc {
			l.compactChunks()
		}
	}
	if len(l.chunks) == 0 {
		l.chunks, l.firsts = nil, nil
	}
}

// compactChunks removes tombstone chunks.
func (l *seqList[V]) compactChunks() {
	w := 0
	for r := range l.chunks {
		if len(l.chunks[r].keys) > 0 {
			l.chunks[w], l.firsts[w] = l.chunks[r], l.firsts[r]
			w++
		}
	}
	clear(l.chunks[w:])
	l.chunks, l.firsts = l.chunks[:w], l.firsts[:w]
	l.empty = 0
}

// searchFunc returns the position of the first entry for which pred is
// true, assuming pred is false for a prefix of the list and true after.
func (l *seqList[V]) searchFunc(pred func(*V) bool) pos {
	// Binary search over chunks by their last entry. A tombstone behaves
	// like the next non-empty chunk (or "true" at the bound).
	lo, hi := 0, len(l.chunks)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		m := mid
		for m < hi && len(l.chunks[m].keys) == 0 {
			m++
		}
		if m == hi || pred(&l.chunks[m].vals[len(l.chunks[m].vals)-1]) {
			hi = mid
		} else {
			lo = m + 1
		}
	}
	ci := l.skipEmpty(lo)
	if ci == len(l.chunks) {
		return pos{ci, 0}
	}
	vals := l.chunks[ci].vals
	lo, hi = 0, len(vals)-1 // the last entry satisfies pred
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if pred(&vals[mid]) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return pos{ci, lo}
}

// checkInvariants panics if the list's internal structure is broken; tests
// call it after every operation.
func (l *seqList[V]) checkInvariants() {
	if len(l.firsts) != len(l.chunks) {
		panic("seqList: firsts/chunks length mismatch")
	}
	n, empty := 0, 0
	var prev uint64
	for ci, c := range l.chunks {
		if len(c.keys) != len(c.vals) {
			panic("seqList: keys/vals length mismatch")
		}
		if len(c.keys) == 0 {
			if ci == 0 || ci == len(l.chunks)-1 {
				panic("seqList: tombstone at an end")
			}
			empty++
		} else if c.keys[0] != l.firsts[ci] {
			panic("seqList: stale first")
		}
		if len(c.keys) > chunkCap {
			panic("seqList: chunk over capacity")
		}
		if ci > 0 && l.firsts[ci] <= l.firsts[ci-1] {
			panic("seqList: firsts not increasing")
		}
		for i, k := range c.keys {
			if (ci > 0 || i > 0) && k <= prev {
				panic("seqList: keys not increasing")
			}
			if l.aligned && k>>chunkShift != l.firsts[ci]>>chunkShift {
				panic("seqList: key outside its aligned chunk")
			}
			prev = k
		}
		n += len(c.keys)
	}
	if n != l.n || empty != l.empty {
		panic("seqList: counts out of date")
	}
}
