package subject

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// The reference implementations below are deliberately simple and
// independent of the production code: split into tokens, then recurse.

func naiveValid(s string, literal, filter bool) bool {
	if s == "" || strings.ContainsAny(s, " \t\r\n\f") {
		return false
	}
	toks := strings.Split(s, ".")
	for i, t := range toks {
		if t == "" {
			return false
		}
		if literal && (t == "*" || t == ">") {
			return false
		}
		if filter && t == ">" && i != len(toks)-1 {
			return false
		}
	}
	return true
}

func naiveMatchTokens(f, s []string) bool {
	if len(f) == 0 {
		return len(s) == 0
	}
	if f[0] == ">" {
		return len(s) > 0
	}
	if len(s) == 0 {
		return false
	}
	if f[0] != "*" && f[0] != s[0] {
		return false
	}
	return naiveMatchTokens(f[1:], s[1:])
}

func naiveMatches(filter, subj string) bool {
	if !naiveValid(filter, false, true) || !naiveValid(subj, false, false) {
		return false
	}
	return naiveMatchTokens(strings.Split(filter, "."), strings.Split(subj, "."))
}

// universe returns every subject of 1..maxLen tokens drawn from the literal
// tokens of the given filters plus one token none of them mentions. Whether
// a filter matches a subject only depends on which of the filter's literals
// the subject's tokens equal, and on the subject's length up to one more
// than the longest filter, so this finite set decides SubsetOf and Overlap.
func universe(filters ...string) []string {
	seen := map[string]bool{}
	var alpha []string
	maxLen := 0
	for _, f := range filters {
		toks := strings.Split(f, ".")
		maxLen = max(maxLen, len(toks))
		for _, t := range toks {
			if t != "*" && t != ">" && !seen[t] {
				seen[t] = true
				alpha = append(alpha, t)
			}
		}
	}
	fresh := "fresh"
	for seen[fresh] {
		fresh += "_"
	}
	alpha = append(alpha, fresh)
	var out []string
	var rec func(prefix []string)
	rec = func(prefix []string) {
		if len(prefix) > 0 {
			out = append(out, strings.Join(prefix, "."))
		}
		if len(prefix) == maxLen+1 {
			return
		}
		for _, t := range alpha {
			rec(append(prefix, t))
		}
	}
	rec(nil)
	return out
}

func bruteSubsetOf(sub, super string) bool {
	if !naiveValid(sub, false, true) || !naiveValid(super, false, true) {
		return false
	}
	for _, s := range universe(sub, super) {
		if naiveMatches(sub, s) && !naiveMatches(super, s) {
			return false
		}
	}
	return true
}

func bruteOverlap(a, b string) bool {
	if !naiveValid(a, false, true) || !naiveValid(b, false, true) {
		return false
	}
	for _, s := range universe(a, b) {
		if naiveMatches(a, s) && naiveMatches(b, s) {
			return true
		}
	}
	return false
}

func randFilter(r *rand.Rand, alpha []string) string {
	n := 1 + r.IntN(4)
	toks := make([]string, n)
	for i := range toks {
		switch x := r.IntN(10); {
		case x < 2:
			toks[i] = "*"
		case x < 3 && i == n-1:
			toks[i] = ">"
		default:
			toks[i] = alpha[r.IntN(len(alpha))]
		}
	}
	return strings.Join(toks, ".")
}

func TestSubsetOverlapBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alpha := []string{"a", "b", "c"}
	n := 600
	if testing.Short() {
		n = 200
	}
	for range n {
		a, b := randFilter(r, alpha), randFilter(r, alpha)
		if got, want := SubsetOf(a, b), bruteSubsetOf(a, b); got != want {
			t.Fatalf("SubsetOf(%q, %q) = %v, brute force %v", a, b, got, want)
		}
		if got, want := Overlap(a, b), bruteOverlap(a, b); got != want {
			t.Fatalf("Overlap(%q, %q) = %v, brute force %v", a, b, got, want)
		}
		// Consistency with Matches over the same universe.
		for _, s := range universe(a, b) {
			if Matches(a, s) != naiveMatches(a, s) {
				t.Fatalf("Matches(%q, %q) disagrees with reference", a, s)
			}
		}
	}
}

func TestValidatorsRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	chars := "ab.*> \t"
	for range 20000 {
		b := make([]byte, r.IntN(8))
		for i := range b {
			b[i] = chars[r.IntN(len(chars))]
		}
		s := string(b)
		checkValidators(t, s)
	}
}

func checkValidators(t *testing.T, s string) {
	t.Helper()
	if got, want := ValidPublish(s), naiveValid(s, false, false); got != want {
		t.Fatalf("ValidPublish(%q) = %v, reference %v", s, got, want)
	}
	if got, want := ValidLiteral(s), naiveValid(s, true, false); got != want {
		t.Fatalf("ValidLiteral(%q) = %v, reference %v", s, got, want)
	}
	if got, want := ValidFilter(s), naiveValid(s, false, true); got != want {
		t.Fatalf("ValidFilter(%q) = %v, reference %v", s, got, want)
	}
}

func FuzzMatches(f *testing.F) {
	seeds := [][2]string{
		{"foo.bar", "foo.bar"}, {"foo.*", "foo.bar"}, {"foo.>", "foo.bar.baz"},
		{">", "a"}, {"*.*", "a.b"}, {"foo.*.>", "foo.x"}, {"a.>", "a."},
		{"foo*", "foo*"}, {"*", "*"}, {"a..b", "a..b"}, {"", ""}, {"a b", "a b"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, filter, subj string) {
		want := naiveMatches(filter, subj)
		if got := Matches(filter, subj); got != want {
			t.Fatalf("Matches(%q, %q) = %v, reference %v", filter, subj, got, want)
		}
		if got := MatchesBytes(filter, []byte(subj)); got != want {
			t.Fatalf("MatchesBytes(%q, %q) = %v, reference %v", filter, subj, got, want)
		}
		checkValidators(t, filter)
		checkValidators(t, subj)
		// A literal subject, viewed as a filter, matches exactly itself.
		if ValidLiteral(subj) && (!Matches(subj, subj) || !SubsetOf(subj, subj)) {
			t.Fatalf("literal %q does not match itself", subj)
		}
		if want && ValidLiteral(subj) && !SubsetOf(subj, filter) {
			t.Fatalf("Matches(%q, %q) but not SubsetOf", filter, subj)
		}
		if want && ValidLiteral(subj) && !Overlap(subj, filter) {
			t.Fatalf("Matches(%q, %q) but not Overlap", filter, subj)
		}
	})
}

func FuzzSubsetOverlap(f *testing.F) {
	f.Add("foo.*", "foo.>")
	f.Add("*.>", "foo.*.bar")
	f.Add(">", "a")
	f.Fuzz(func(t *testing.T, a, b string) {
		// Keep the brute-force universe small.
		if len(a) > 24 || len(b) > 24 || strings.Count(a, ".") > 3 || strings.Count(b, ".") > 3 {
			return
		}
		if got, want := SubsetOf(a, b), bruteSubsetOf(a, b); got != want {
			t.Fatalf("SubsetOf(%q, %q) = %v, brute force %v", a, b, got, want)
		}
		if got, want := Overlap(a, b), bruteOverlap(a, b); got != want {
			t.Fatalf("Overlap(%q, %q) = %v, brute force %v", a, b, got, want)
		}
		if Overlap(a, b) != Overlap(b, a) {
			t.Fatalf("Overlap(%q, %q) not symmetric", a, b)
		}
	})
}
