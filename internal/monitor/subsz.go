package monitor

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"
)

// SublistStats are the subscription index statistics reported by Subsz.
type SublistStats struct {
	NumSubs      uint32  `json:"num_subscriptions"`
	NumCache     uint32  `json:"num_cache"`
	NumInserts   uint64  `json:"num_inserts"`
	NumRemoves   uint64  `json:"num_removes"`
	NumMatches   uint64  `json:"num_matches"`
	CacheHitRate float64 `json:"cache_hit_rate"`
	MaxFanout    uint32  `json:"max_fanout"`
	AvgFanout    float64 `json:"avg_fanout"`

	// Raw counters behind the two ratios, used by Add to combine the
	// statistics of several indexes exactly. When they are zero, Add derives
	// them from the ratios.
	CacheHits   uint64 `json:"-"`
	TotalFanout uint64 `json:"-"` // sum of the fanouts of the cached results
	CacheCount  uint64 `json:"-"` // number of cached results the fanout was taken over
}

// raw returns the hit, fanout-total and cache-count counters, derived from
// the ratios when not set.
func (s *SublistStats) raw() (hits, totFanout, cacheCnt uint64) {
	hits, totFanout, cacheCnt = s.CacheHits, s.TotalFanout, s.CacheCount
	if hits == 0 && s.CacheHitRate > 0 {
		hits = uint64(math.Round(s.CacheHitRate * float64(s.NumMatches)))
	}
	if cacheCnt == 0 && totFanout == 0 && s.AvgFanout > 0 {
		cacheCnt = uint64(s.NumCache)
		totFanout = uint64(math.Round(s.AvgFanout * float64(cacheCnt)))
	}
	return hits, totFanout, cacheCnt
}

// Add accumulates other into s, as when aggregating the indexes of several
// accounts: counters are summed, MaxFanout is the maximum, and the hit rate
// and average fanout are recomputed from the summed raw counters. A nil
// other is ignored.
func (s *SublistStats) Add(other *SublistStats) {
	if other == nil {
		return
	}
	h1, f1, c1 := s.raw()
	h2, f2, c2 := other.raw()
	s.NumSubs += other.NumSubs
	s.NumCache += other.NumCache
	s.NumInserts += other.NumInserts
	s.NumRemoves += other.NumRemoves
	s.NumMatches += other.NumMatches
	s.MaxFanout = max(s.MaxFanout, other.MaxFanout)
	s.CacheHits, s.TotalFanout, s.CacheCount = h1+h2, f1+f2, c1+c2
	s.CacheHitRate, s.AvgFanout = 0, 0
	if s.NumMatches > 0 {
		s.CacheHitRate = float64(s.CacheHits) / float64(s.NumMatches)
	}
	if s.CacheCount > 0 {
		s.AvgFanout = float64(s.TotalFanout) / float64(s.CacheCount)
	}
}

// Subsz is the subscription report served at /subsz.
type Subsz struct {
	ID  string    `json:"server_id"`
	Now time.Time `json:"now"`
	*SublistStats
	Total  int         `json:"total"`
	Offset int         `json:"offset"`
	Limit  int         `json:"limit"`
	Subs   []SubDetail `json:"subscriptions_list,omitempty"`
}

// BuildSubsz assembles a Subsz report.
//
// stats are the index statistics to report; they must already be restricted
// to opts.Account when one is given (see SublistStats.Add for aggregating
// accounts). A nil stats reports zeros. subs lists the subscriptions that
// may be selected; it is only consulted when opts.Subscriptions is set.
//
// With opts.Subscriptions, the subscriptions of opts.Account (when given)
// that match opts.Test (when given) are sorted by account, subject, CID and
// SID, then paged by Offset and Limit (default DefaultSubListSize); Total is
// the number that passed the filters. Without it, only the statistics are
// reported and Total is 0. An invalid test subject is an error. The input
// slice is not modified. The Now field of the result is now in UTC.
func BuildSubsz(serverID string, now time.Time, stats *SublistStats, subs []SubDetail, opts *SubszOptions) (*Subsz, error) {
	if opts == nil {
		opts = &SubszOptions{}
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	offset := max(opts.Offset, 0)
	limit := opts.Limit
	if limit <= 0 {
		limit = DefaultSubListSize
	}
	st := &SublistStats{}
	if stats != nil {
		*st = *stats
	}
	sz := &Subsz{
		ID:           serverID,
		Now:          now.UTC(),
		SublistStats: st,
		Offset:       offset,
		Limit:        limit,
	}
	if !opts.Subscriptions {
		return sz, nil
	}
	sel := make([]SubDetail, 0, len(subs))
	for _, sd := range subs {
		if opts.Account != "" && sd.Account != opts.Account {
			continue
		}
		if opts.Test != "" && !literalMatches(opts.Test, sd.Subject) {
			continue
		}
		sel = append(sel, sd)
	}
	slices.SortStableFunc(sel, func(a, b SubDetail) int {
		return cmp.Or(
			cmp.Compare(a.Account, b.Account),
			cmp.Compare(a.Subject, b.Subject),
			cmp.Compare(a.Cid, b.Cid),
			cmp.Compare(a.Sid, b.Sid),
		)
	})
	lo := min(offset, len(sel))
	hi := lo + min(limit, len(sel)-lo)
	sz.Subs = sel[lo:hi:hi]
	sz.Total = len(sel)
	return sz, nil
}

// Subject helpers. Subjects are dot-separated tokens; "*" matches exactly
// one token and ">" (only as the last token) matches one or more tokens.

// isValidLiteralSubject reports whether s is a non-empty subject without
// empty tokens, wildcard tokens or whitespace.
func isValidLiteralSubject(s string) bool {
	if s == "" || strings.ContainsAny(s, " \t\r\n\f") {
		return false
	}
	for tok := range strings.SplitSeq(s, ".") {
		if tok == "" || tok == "*" || tok == ">" {
			return false
		}
	}
	return true
}

// literalMatches reports whether a message published on the literal subject
// would be delivered to a subscription on pattern.
func literalMatches(literal, pattern string) bool {
	lt := strings.Split(literal, ".")
	pt := strings.Split(pattern, ".")
	for i, p := range pt {
		if p == ">" {
			return i == len(pt)-1 && len(lt) > i
		}
		if i >= len(lt) {
			return false
		}
		if p != "*" && p != lt[i] {
			return false
		}
	}
	return len(lt) == len(pt)
}

// subjectsCollide reports whether some literal subject could match both a
// and b (either of which may contain wildcards).
func subjectsCollide(a, b string) bool {
	if a == b {
		return true
	}
	at := strings.Split(a, ".")
	bt := strings.Split(b, ".")
	for i := 0; i < len(at) && i < len(bt); i++ {
		x, y := at[i], bt[i]
		if x == ">" || y == ">" {
			return true
		}
		if x != y && x != "*" && y != "*" {
			return false
		}
	}
	return len(at) == len(bt)
}
