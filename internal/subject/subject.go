package subject

// text is the set of byte sequences the validators and matchers accept.
type text interface{ ~string | ~[]byte }

const (
	sep = '.' // token separator
	pwc = '*' // partial wildcard: matches exactly one token
	fwc = '>' // full wildcard: matches one or more trailing tokens
)

// isSpace reports whether c is a whitespace character forbidden in subjects
// and queue names.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'
}

// tokenEnd scans the token of s that starts at i and returns the index of the
// '.' that terminates it (or len(s) for the last token). ok is false if the
// token is empty or contains whitespace.
func tokenEnd[S text](s S, i int) (end int, ok bool) {
	j := i
	for ; j < len(s); j++ {
		c := s[j]
		if c == sep {
			break
		}
		if isSpace(c) {
			return j, false
		}
	}
	return j, j > i
}

// isWild reports whether the token s[i:j] is the single character w.
func isWild[S text](s S, i, j int, w byte) bool {
	return j-i == 1 && s[i] == w
}

// tokEqual reports whether token a[ai:aj] equals token b[bi:bj].
func tokEqual[A, B text](a A, ai, aj int, b B, bi, bj int) bool {
	if aj-ai != bj-bi {
		return false
	}
	for k := 0; k < aj-ai; k++ {
		if a[ai+k] != b[bi+k] {
			return false
		}
	}
	return true
}

// validate checks the token structure of s. If literal is set, a whole token
// '*' or '>' is rejected. If filter is set, a whole token '>' must be last.
func validate[S text](s S, literal, filter bool) bool {
	if len(s) == 0 {
		return false
	}
	for i := 0; ; {
		j, ok := tokenEnd(s, i)
		if !ok {
			return false
		}
		if j-i == 1 {
			c := s[i]
			if literal && (c == pwc || c == fwc) {
				return false
			}
			if filter && c == fwc && j != len(s) {
				return false
			}
		}
		if j == len(s) {
			return true
		}
		i = j + 1
		if i == len(s) { // trailing '.'
			return false
		}
	}
}

// ValidPublish reports whether s may be used as a publish subject in
// non-pedantic mode: it is non-empty, every '.'-separated token is non-empty
// and there is no whitespace. Wildcard tokens are allowed; a publish subject
// containing them is routed literally.
func ValidPublish(s string) bool { return validate(s, false, false) }

// ValidPublishBytes is ValidPublish for a []byte subject.
func ValidPublishBytes(s []byte) bool { return validate(s, false, false) }

// ValidLiteral reports whether s is a valid publish subject that contains
// no wildcard token ('*' or '>' as a whole token).
func ValidLiteral(s string) bool { return validate(s, true, false) }

// ValidLiteralBytes is ValidLiteral for a []byte subject.
func ValidLiteralBytes(s []byte) bool { return validate(s, true, false) }

// ValidFilter reports whether s is a valid subscription subject: tokens are
// non-empty and free of whitespace, and a '>' token, if any, is the last one.
// '*' and '>' are wildcards only as whole tokens; inside a longer token they
// are ordinary characters (NATS-compatible: "foo*" is a literal token).
func ValidFilter(s string) bool { return validate(s, false, true) }

// ValidFilterBytes is ValidFilter for a []byte subject.
func ValidFilterBytes(s []byte) bool { return validate(s, false, true) }

// ValidQueue reports whether q is a valid queue group name: non-empty and
// free of whitespace.
func ValidQueue(q string) bool {
	if len(q) == 0 {
		return false
	}
	for i := 0; i < len(q); i++ {
		if isSpace(q[i]) {
			return false
		}
	}
	return true
}

// IsLiteral reports whether s contains no wildcard token. It does not
// validate s.
func IsLiteral(s string) bool {
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == sep {
			if i-start == 1 && (s[start] == pwc || s[start] == fwc) {
				return false
			}
			start = i + 1
		}
	}
	return true
}

// Tokens appends the '.'-separated tokens of s to buf and returns the
// extended slice. The tokens are substrings of s. Tokens("", buf) returns
// buf unchanged.
func Tokens(s string, buf []string) []string {
	if s == "" {
		return buf
	}
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			buf = append(buf, s[start:i])
			start = i + 1
		}
	}
	return append(buf, s[start:])
}

// NumTokens returns the number of '.'-separated tokens in s (0 for "").
func NumTokens(s string) int {
	if s == "" {
		return 0
	}
	n := 1
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			n++
		}
	}
	return n
}

// restValid reports whether s[i:] is a valid sequence of tokens (used after
// a '>' short-circuits a walk, so that invalid input never yields true).
func restValid[S text](s S, i int) bool {
	return i < len(s) && validate(s[i:], false, false)
}

// matches is the single-pass implementation of Matches and MatchesBytes.
func matches[S text](filter string, subj S) bool {
	if len(filter) == 0 || len(subj) == 0 {
		return false
	}
	fi, si := 0, 0
	for {
		fj, ok := tokenEnd(filter, fi)
		if !ok {
			return false
		}
		if isWild(filter, fi, fj, fwc) {
			// '>' must be the last filter token and needs >= 1 subject token.
			return fj == len(filter) && restValid(subj, si)
		}
		sj, ok := tokenEnd(subj, si)
		if !ok {
			return false
		}
		if !isWild(filter, fi, fj, pwc) && !tokEqual(filter, fi, fj, subj, si, sj) {
			return false
		}
		fdone, sdone := fj == len(filter), sj == len(subj)
		if fdone || sdone {
			return fdone && sdone
		}
		fi, si = fj+1, sj+1
	}
}

// Matches reports whether the subject subj matches the subscription filter.
// subj is taken literally: a '*' or '>' token in subj is an ordinary token,
// matched by the wildcards of filter and by nothing else. The result is false if filter is not a valid filter or subj is not a
// valid publish subject.
func Matches(filter, subj string) bool { return matches(filter, subj) }

// MatchesBytes is Matches for a []byte subject.
func MatchesBytes(filter string, subj []byte) bool { return matches(filter, subj) }

// SubsetOf reports whether every subject matched by the filter sub is also
// matched by the filter super. A filter is a subset of itself. The result is
// false if either argument is not a valid filter.
func SubsetOf(sub, super string) bool {
	if len(sub) == 0 || len(super) == 0 {
		return false
	}
	ai, bi := 0, 0
	for {
		aj, ok := tokenEnd(sub, ai)
		if !ok {
			return false
		}
		bj, ok := tokenEnd(super, bi)
		if !ok {
			return false
		}
		aFull, bFull := isWild(sub, ai, aj, fwc), isWild(super, bi, bj, fwc)
		if (aFull && aj != len(sub)) || (bFull && bj != len(super)) {
			return false // '>' not last: invalid filter
		}
		switch {
		case bFull:
			// super accepts any non-empty remainder; sub's remainder is one.
			return validate(sub[ai:], false, true)
		case aFull:
			return false // sub matches arbitrary depth, super does not
		case isWild(super, bi, bj, pwc):
			// matches whatever single token sub has here
		case isWild(sub, ai, aj, pwc):
			return false // sub matches any token, super one literal
		case !tokEqual(sub, ai, aj, super, bi, bj):
			return false
		}
		adone, bdone := aj == len(sub), bj == len(super)
		if adone || bdone {
			return adone && bdone
		}
		ai, bi = aj+1, bj+1
	}
}

// Overlap reports whether at least one subject is matched by both filters a
// and b. The result is false if either argument is not a valid filter.
func Overlap(a, b string) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	ai, bi := 0, 0
	for {
		aj, ok := tokenEnd(a, ai)
		if !ok {
			return false
		}
		bj, ok := tokenEnd(b, bi)
		if !ok {
			return false
		}
		aFull, bFull := isWild(a, ai, aj, fwc), isWild(b, bi, bj, fwc)
		if (aFull && aj != len(a)) || (bFull && bj != len(b)) {
			return false
		}
		if aFull || bFull {
			return validate(a[ai:], false, true) && validate(b[bi:], false, true)
		}
		if !isWild(a, ai, aj, pwc) && !isWild(b, bi, bj, pwc) && !tokEqual(a, ai, aj, b, bi, bj) {
			return false
		}
		adone, bdone := aj == len(a), bj == len(b)
		if adone || bdone {
			return adone && bdone
		}
		ai, bi = aj+1, bj+1
	}
}
