package stream

import (
	"strconv"
	"strings"

	"github.com/natsnet/natsnet/internal/subject"
)

// matches reports whether a literal subject matches a filter.
func matches(filter, subj string) bool { return subject.Matches(filter, subj) }

// mapSubject rewrites subj, which matches src, to dest. In dest,
// "{{wildcard(n)}}" and "$n" stand for the subject token that the n-th
// wildcard of src matched (1-based), and a trailing ">" in both carries the
// remaining tokens over. An empty src means ">".
func mapSubject(src, dest, subj string) string {
	if dest == "" {
		return subj
	}
	if src == "" {
		src = ">"
	}
	srcToks := strings.Split(src, ".")
	subjToks := strings.Split(subj, ".")
	var wild []string
	var rest string
	for i, t := range srcToks {
		switch t {
		case "*":
			if i < len(subjToks) {
				wild = append(wild, subjToks[i])
			}
		case ">":
			if i < len(subjToks) {
				rest = strings.Join(subjToks[i:], ".")
			}
		}
	}
	destToks := strings.Split(dest, ".")
	out := make([]string, 0, len(destToks))
	for _, t := range destToks {
		if t == ">" {
			if rest != "" {
				out = append(out, rest)
			}
			continue
		}
		if n, ok := wildcardRef(t); ok && n >= 1 && n <= len(wild) {
			out = append(out, wild[n-1])
			continue
		}
		out = append(out, t)
	}
	return strings.Join(out, ".")
}

// wildcardRef parses "$n" or "{{wildcard(n)}}" (spaces allowed).
func wildcardRef(tok string) (int, bool) {
	if strings.HasPrefix(tok, "$") {
		n, err := strconv.Atoi(tok[1:])
		return n, err == nil
	}
	t := strings.ReplaceAll(tok, " ", "")
	if strings.HasPrefix(t, "{{wildcard(") && strings.HasSuffix(t, ")}}") {
		n, err := strconv.Atoi(t[len("{{wildcard(") : len(t)-len(")}}")])
		return n, err == nil
	}
	return 0, false
}
