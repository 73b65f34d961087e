package sublist

// bagIndexAt is the number of distinct values above which a bag maintains a
// map index, so that Insert/Remove stay O(1) for high fan-out subjects while
// small bags (the common case) stay compact and scan linearly.
const bagIndexAt = 16

type bagEnt[T comparable] struct {
	v T
	n uint32 // multiplicity
}

// bag is a multiset of T with O(1) add/remove once large.
type bag[T comparable] struct {
	ents  []bagEnt[T]
	idx   map[T]int32 // position in ents; nil while small
	total int         // sum of multiplicities
}

func (b *bag[T]) find(v T) int {
	if b.idx != nil {
		if i, ok := b.idx[v]; ok {
			return int(i)
		}
		return -1
	}
	for i := range b.ents {
		if b.ents[i].v == v {
			return i
		}
	}
	return -1
}

func (b *bag[T]) add(v T) {
	b.total++
	if i := b.find(v); i >= 0 {
		b.ents[i].n++
		return
	}
	b.ents = append(b.ents, bagEnt[T]{v: v, n: 1})
	switch {
	case b.idx != nil:
		b.idx[v] = int32(len(b.ents) - 1)
	case len(b.ents) > bagIndexAt:
		b.idx = make(map[T]int32, 2*len(b.ents))
		for i, e := range b.ents {
			b.idx[e.v] = int32(i)
		}
	}
}

// remove removes one occurrence of v and reports whether it was present.
func (b *bag[T]) remove(v T) bool {
	i := b.find(v)
	if i < 0 {
		return false
	}
	b.total--
	if b.ents[i].n > 1 {
		b.ents[i].n--
		return true
	}
	last := len(b.ents) - 1
	if i != last {
		b.ents[i] = b.ents[last]
		if b.idx != nil {
			b.idx[b.ents[i].v] = int32(i)
		}
	}
	b.ents[last] = bagEnt[T]{} // release the reference
	b.ents = b.ents[:last]
	if b.idx != nil {
		delete(b.idx, v)
		if len(b.ents) < bagIndexAt/2 {
			b.idx = nil
		}
	}
	switch {
	case len(b.ents) == 0:
		b.ents = nil
	case cap(b.ents) > 64 && 4*len(b.ents) < cap(b.ents):
		b.ents = append([]bagEnt[T](nil), b.ents...)
	}
	return true
}

// appendTo appends every element (with multiplicity) to dst.
func (b *bag[T]) appendTo(dst []T) []T {
	for _, e := range b.ents {
		for range e.n {
			dst = append(dst, e.v)
		}
	}
	return dst
}

// each calls fn for every element, with multiplicity.
func (b *bag[T]) each(fn func(T)) {
	for _, e := range b.ents {
		for range e.n {
			fn(e.v)
		}
	}
}
