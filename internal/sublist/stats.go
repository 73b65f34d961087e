package sublist

import (
	"slices"
	"strings"
)

// Stats is a snapshot of the sublist counters, shaped like the
// "sublist_stats" object of the NATS /subsz monitoring endpoint.
type Stats struct {
	NumSubs      uint32  `json:"num_subscriptions"`
	NumCache     uint32  `json:"num_cache"`
	NumInserts   uint64  `json:"num_inserts"`
	NumRemoves   uint64  `json:"num_removes"`
	NumMatches   uint64  `json:"num_matches"`
	CacheHitRate float64 `json:"cache_hit_rate"`
	MaxFanout    uint32  `json:"max_fanout"`
	AvgFanout    float64 `json:"avg_fanout"`
}

// Stats returns the current counters. Fan-out figures are computed over the
// cached results (one delivery per plain subscriber and per queue group).
func (s *Sublist[T]) Stats() Stats {
	s.mu.RLock()
	st := Stats{
		NumSubs:    s.count.Load(),
		NumCache:   uint32(len(s.cache)),
		NumInserts: s.inserts,
		NumRemoves: s.removes,
	}
	total := 0
	for _, r := range s.cache {
		f := r.Fanout()
		total += f
		st.MaxFanout = max(st.MaxFanout, uint32(f))
	}
	s.mu.RUnlock()
	if st.NumCache > 0 {
		st.AvgFanout = float64(total) / float64(st.NumCache)
	}
	misses := s.misses.Load() // read first: misses never exceed matches
	st.NumMatches = s.matches.Load()
	if st.NumMatches > 0 {
		st.CacheHitRate = float64(st.NumMatches-min(misses, st.NumMatches)) / float64(st.NumMatches)
	}
	return st
}

type entry[T comparable] struct {
	subj, queue string
	v           T
}

// ForEach calls fn for every subscription (once per Insert still in effect)
// until fn returns false. Subjects are visited in lexical token order. fn
// runs on a snapshot taken under the read lock and may call back into the
// Sublist; changes made meanwhile are not reflected in the iteration.
func (s *Sublist[T]) ForEach(fn func(subj, queue string, v T) bool) {
	s.mu.RLock()
	var ents []entry[T]
	if n := s.count.Load(); n > 0 {
		ents = make([]entry[T], 0, n)
		ents = collectAll(&s.root, make([]byte, 0, 64), ents)
	}
	s.mu.RUnlock()
	for _, e := range ents {
		if !fn(e.subj, e.queue, e.v) {
			return
		}
	}
}

func collectAll[T comparable](n *node[T], path []byte, out []entry[T]) []entry[T] {
	if n.hasSubs() {
		subj := string(path)
		n.plain.each(func(v T) { out = append(out, entry[T]{subj: subj, v: v}) })
		for _, g := range n.queues {
			g.members.each(func(v T) { out = append(out, entry[T]{subj: subj, queue: g.name, v: v}) })
		}
	}
	child := func(tok string, c *node[T]) {
		p := path
		if len(p) > 0 {
			p = append(p, '.')
		}
		out = collectAll(c, append(p, tok...), out)
	}
	if len(n.lits) > 0 {
		keys := make([]string, 0, len(n.lits))
		for k := range n.lits {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, strings.Compare)
		for _, k := range keys {
			child(k, n.lits[k])
		}
	}
	if n.pwc != nil {
		child("*", n.pwc)
	}
	if n.fwc != nil {
		child(">", n.fwc)
	}
	return out
}
