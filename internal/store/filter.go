package store

import (
	"slices"

	"github.com/natsnet/natsnet/internal/subject"
)

// matcher is a set of subject filters prepared for one query. It is built
// by value (newMatcher, newMultiMatcher) so that it and the caller's filter
// slice stay on the stack: a query allocates nothing for it.
type matcher struct {
	all     bool     // matches every subject
	literal bool     // every filter is a literal subject
	one     string   // the filter, when there is exactly one
	many    []string // the filters, when there are several
	deduped bool     // many holds no duplicates
}

func isAllFilter(f string) bool { return f == "" || f == ">" }

func newMatcher(filter string) matcher {
	if isAllFilter(filter) {
		return matcher{all: true}
	}
	return matcher{one: filter, literal: subject.IsLiteral(filter)}
}

// smallFilterSet is the size up to which duplicate literals are skipped by
// a scan instead of a deduplicated copy.
const smallFilterSet = 16

func newMultiMatcher(filters []string) matcher {
	switch len(filters) {
	case 0:
		return matcher{all: true}
	case 1:
		return newMatcher(filters[0])
	}
	m := matcher{literal: true}
	for _, f := range filters {
		if isAllFilter(f) {
			return matcher{all: true}
		}
		if !subject.IsLiteral(f) {
			m.literal = false
		}
	}
	m.many = filters
	if m.literal && len(filters) > smallFilterSet {
		// Deduplicate literals so that counts see each subject once.
		seen := make(map[string]struct{}, len(filters))
		m.many = make([]string, 0, len(filters))
		for _, f := range filters {
			if _, dup := seen[f]; !dup {
				seen[f] = struct{}{}
				m.many = append(m.many, f)
			}
		}
		m.deduped = true
	}
	return m
}

func (m *matcher) match1(f, subj string) bool {
	if m.literal {
		return f == subj
	}
	return subject.Matches(f, subj)
}

func (m *matcher) matches(subj string) bool {
	if m.all {
		return true
	}
	if m.many == nil {
		return m.match1(m.one, subj)
	}
	for _, f := range m.many {
		if m.match1(f, subj) {
			return true
		}
	}
	return false
}

// forEachSubject calls fn once for every subject of subjects that m
// matches, stopping early if fn returns false. Literal filters cost one
// lookup each; wildcards walk the subject map.
func forEachSubject(subjects map[string]*subjState, m *matcher, fn func(ss *subjState) bool) {
	switch {
	case m.all:
	case m.literal && m.many == nil:
		if ss := subjects[m.one]; ss != nil {
			fn(ss)
		}
		return
	case m.literal:
		for i, f := range m.many {
			if !m.deduped && slices.Contains(m.many[:i], f) {
				continue
			}
			if ss := subjects[f]; ss != nil && !fn(ss) {
				return
			}
		}
		return
	}
	for _, ss := range subjects {
		if m.matches(ss.subj) && !fn(ss) {
			return
		}
	}
}
