package subject

import (
	"strings"
	"testing"
)

func TestValidators(t *testing.T) {
	type want struct{ pub, lit, filter bool }
	tests := []struct {
		s string
		w want
	}{
		{"", want{}},
		{"foo", want{true, true, true}},
		{"foo.bar", want{true, true, true}},
		{"foo.bar.baz.qux.quux", want{true, true, true}},
		{"a", want{true, true, true}},
		{"_INBOX.abc123.XYZ", want{true, true, true}},
		{"$JS.API.STREAM.INFO", want{true, true, true}},
		{"foo-bar_baz", want{true, true, true}},
		{"ünïcödé.日本", want{true, true, true}},
		{".", want{}},
		{"..", want{}},
		{".foo", want{}},
		{"foo.", want{}},
		{"foo..bar", want{}},
		{"foo. .bar", want{}},
		{" ", want{}},
		{"foo bar", want{}},
		{"foo\tbar", want{}},
		{"foo\rbar", want{}},
		{"foo\nbar", want{}},
		{"foo\fbar", want{}},
		{"foo.bar ", want{}},
		{" foo", want{}},
		{"*", want{true, false, true}},
		{">", want{true, false, true}},
		{"foo.*", want{true, false, true}},
		{"foo.>", want{true, false, true}},
		{"*.foo", want{true, false, true}},
		{"*.*.*", want{true, false, true}},
		{"foo.*.bar.>", want{true, false, true}},
		{">.foo", want{true, false, false}},
		{"foo.>.bar", want{true, false, false}},
		{"foo.>.>", want{true, false, false}},
		{">.>", want{true, false, false}},
		{"*.>", want{true, false, true}},
		// '*' and '>' inside longer tokens are plain characters.
		{"foo*", want{true, true, true}},
		{"foo.*bar", want{true, true, true}},
		{"foo.>bar", want{true, true, true}},
		{"foo.**", want{true, true, true}},
		{"foo.>>", want{true, true, true}},
		{">>.foo", want{true, true, true}},
		{"foo.*.", want{}},
		{"foo.>.", want{}},
		{"*.", want{}},
	}
	for _, tc := range tests {
		if got := ValidPublish(tc.s); got != tc.w.pub {
			t.Errorf("ValidPublish(%q) = %v, want %v", tc.s, got, tc.w.pub)
		}
		if got := ValidPublishBytes([]byte(tc.s)); got != tc.w.pub {
			t.Errorf("ValidPublishBytes(%q) = %v, want %v", tc.s, got, tc.w.pub)
		}
		if got := ValidLiteral(tc.s); got != tc.w.lit {
			t.Errorf("ValidLiteral(%q) = %v, want %v", tc.s, got, tc.w.lit)
		}
		if got := ValidLiteralBytes([]byte(tc.s)); got != tc.w.lit {
			t.Errorf("ValidLiteralBytes(%q) = %v, want %v", tc.s, got, tc.w.lit)
		}
		if got := ValidFilter(tc.s); got != tc.w.filter {
			t.Errorf("ValidFilter(%q) = %v, want %v", tc.s, got, tc.w.filter)
		}
		if got := ValidFilterBytes([]byte(tc.s)); got != tc.w.filter {
			t.Errorf("ValidFilterBytes(%q) = %v, want %v", tc.s, got, tc.w.filter)
		}
		if tc.w.pub {
			if got, want := IsLiteral(tc.s), tc.w.lit; got != want {
				t.Errorf("IsLiteral(%q) = %v, want %v", tc.s, got, want)
			}
		}
	}
}

func TestValidQueue(t *testing.T) {
	tests := []struct {
		q  string
		ok bool
	}{
		{"", false},
		{"q", true},
		{"workers", true},
		{"my.queue", true},
		{"q*", true},
		{"*", true},
		{"a b", false},
		{"a\tb", false},
		{"a\n", false},
		{"\rq", false},
		{"q\f", false},
	}
	for _, tc := range tests {
		if got := ValidQueue(tc.q); got != tc.ok {
			t.Errorf("ValidQueue(%q) = %v, want %v", tc.q, got, tc.ok)
		}
	}
}

func TestTokens(t *testing.T) {
	tests := []struct {
		s    string
		want []string
	}{
		{"", nil},
		{"foo", []string{"foo"}},
		{"foo.bar.baz", []string{"foo", "bar", "baz"}},
		{"foo.*.>", []string{"foo", "*", ">"}},
		{"a..b", []string{"a", "", "b"}},
	}
	for _, tc := range tests {
		var arr [4]string
		got := Tokens(tc.s, arr[:0])
		if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
			t.Errorf("Tokens(%q) = %q, want %q", tc.s, got, tc.want)
		}
		if n := NumTokens(tc.s); n != len(tc.want) {
			t.Errorf("NumTokens(%q) = %d, want %d", tc.s, n, len(tc.want))
		}
	}
	// Appends to a non-empty buffer.
	got := Tokens("b.c", []string{"a"})
	if strings.Join(got, ".") != "a.b.c" {
		t.Errorf("Tokens append = %q", got)
	}
}

func TestMatches(t *testing.T) {
	tests := []struct {
		filter, subj string
		want         bool
	}{
		{"foo", "foo", true},
		{"foo", "bar", false},
		{"foo", "foo.bar", false},
		{"foo.bar", "foo", false},
		{"foo.bar", "foo.bar", true},
		{"foo.bar", "foo.baz", false},
		{"foo.bar", "foo.barr", false},
		{"foo.bar", "foo.ba", false},
		{"*", "foo", true},
		{"*", "foo.bar", false},
		{"*.bar", "foo.bar", true},
		{"*.bar", "foo.baz", false},
		{"foo.*", "foo.bar", true},
		{"foo.*", "foo", false},
		{"foo.*", "foo.bar.baz", false},
		{"foo.*.baz", "foo.bar.baz", true},
		{"foo.*.baz", "foo.bar.bax", false},
		{"*.*", "a.b", true},
		{"*.*", "a", false},
		{">", "foo", true},
		{">", "foo.bar.baz", true},
		{"foo.>", "foo", false},
		{"foo.>", "foo.bar", true},
		{"foo.>", "foo.bar.baz", true},
		{"foo.>", "bar.baz", false},
		{"foo.*.>", "foo.bar", false},
		{"foo.*.>", "foo.bar.baz", true},
		{"*.>", "a", false},
		{"*.>", "a.b", true},
		{"foo.bar.>", "foo.bar.baz.qux", true},
		// Wildcards in published subjects are matched literally.
		{"foo.*", "foo.*", true},
		{"foo.*", "foo.>", true},
		{"foo.>", "foo.*", true},
		{"foo.bar", "foo.*", false},
		{"*", "*", true},
		{">", ">", true},
		// Partial wildcards are literal characters.
		{"foo*", "foo*", true},
		{"foo*", "foobar", false},
		{"foo.b*", "foo.bar", false},
		{"foo.b>", "foo.b>", true},
		{"foo.b>", "foo.bar.baz", false},
		// Invalid input never matches.
		{"", "foo", false},
		{"foo", "", false},
		{">", "", false},
		{"*", "", false},
		{">", "foo.", false},
		{">", "foo..bar", false},
		{">", "foo bar", false},
		{"foo.>", "foo.bar baz", false},
		{"foo.>", "foo.bar.", false},
		{"foo.>.bar", "foo.x.bar", false},
		{"foo..bar", "foo..bar", false},
		{"foo.", "foo.", false},
		{"*.", "a.", false},
		{"foo bar", "foo bar", false},
		{"foo.*", "foo. ", false},
	}
	for _, tc := range tests {
		if got := Matches(tc.filter, tc.subj); got != tc.want {
			t.Errorf("Matches(%q, %q) = %v, want %v", tc.filter, tc.subj, got, tc.want)
		}
		if got := MatchesBytes(tc.filter, []byte(tc.subj)); got != tc.want {
			t.Errorf("MatchesBytes(%q, %q) = %v, want %v", tc.filter, tc.subj, got, tc.want)
		}
		if got := naiveMatches(tc.filter, tc.subj); got != tc.want {
			t.Errorf("naiveMatches(%q, %q) = %v, want %v (reference broken)", tc.filter, tc.subj, got, tc.want)
		}
	}
}

func TestSubsetOf(t *testing.T) {
	tests := []struct {
		sub, super string
		want       bool
	}{
		{"foo", "foo", true},
		{"foo", "bar", false},
		{"foo", "*", true},
		{"foo", ">", true},
		{"foo.bar", ">", true},
		{"foo.bar", "foo.>", true},
		{"foo", "foo.>", false},
		{"foo.bar", "foo.*", true},
		{"foo.bar", "*.bar", true},
		{"foo.bar", "*.*", true},
		{"foo.bar", "*", false},
		{"*", "foo", false},
		{"*", "*", true},
		{"*", ">", true},
		{">", ">", true},
		{">", "*", false},
		{">", "foo.>", false},
		{"foo.>", ">", true},
		{"foo.>", "foo.>", true},
		{"foo.>", "foo.*", false},
		{"foo.>", "*.>", true},
		{"*.>", "foo.>", false},
		{"foo.*", "foo.>", true},
		{"foo.*.bar", "foo.>", true},
		{"foo.*.bar", "foo.*.*", true},
		{"foo.*.bar", "foo.baz.bar", false},
		{"foo.*", "foo", false},
		{"foo.*.*", "foo.*", false},
		{"foo.*", "foo.*.*", false},
		{"a.b.c", "a.b", false},
		{"a.b", "a.b.c", false},
		{"foo*", "foo*", true},
		{"foo*", "*", true},
		{"foo.bar", "foo*", false},
		{"", ">", false},
		{">", "", false},
		{"foo.", ">", false},
		{"foo..bar", ">", false},
		{"foo bar", ">", false},
		{"foo.>.bar", ">", false},
		{"foo", ">.foo", false},
		{"foo.>", "foo.>.bar", false},
	}
	for _, tc := range tests {
		if got := SubsetOf(tc.sub, tc.super); got != tc.want {
			t.Errorf("SubsetOf(%q, %q) = %v, want %v", tc.sub, tc.super, got, tc.want)
		}
	}
}

func TestOverlap(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"foo", "foo", true},
		{"foo", "bar", false},
		{"foo", "*", true},
		{"foo", ">", true},
		{"foo", "foo.>", false},
		{"foo.bar", "foo.>", true},
		{"foo.*", "*.bar", true},
		{"foo.*", "bar.*", false},
		{"foo.*", "foo.*.*", false},
		{"foo.*.*", "foo.>", true},
		{"*.*", "*", false},
		{"*", ">", true},
		{">", ">", true},
		{"*.>", "foo", false},
		{"*.>", "foo.bar", true},
		{"a.*.c", "a.b.*", true},
		{"a.*.c", "a.b.d", false},
		{"a.b.c", "a.b.c.d", false},
		{"foo*", "*", true},
		{"foo*", "foo", false},
		{"", ">", false},
		{">", "", false},
		{"foo.", ">", false},
		{">", "foo..bar", false},
		{">", "foo bar", false},
		{">.foo", ">", false},
		{"a.>.b", "a.*.b", false},
	}
	for _, tc := range tests {
		if got := Overlap(tc.a, tc.b); got != tc.want {
			t.Errorf("Overlap(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
		if got := Overlap(tc.b, tc.a); got != tc.want {
			t.Errorf("Overlap(%q, %q) = %v, want %v (reversed)", tc.b, tc.a, got, tc.want)
		}
	}
}

func TestNoAllocs(t *testing.T) {
	bs := []byte("foo.bar.baz.qux")
	n := testing.AllocsPerRun(100, func() {
		_ = ValidPublish("foo.bar.baz")
		_ = ValidLiteralBytes(bs)
		_ = ValidFilter("foo.*.>")
		_ = Matches("foo.*.>", "foo.bar.baz")
		_ = MatchesBytes("foo.*.>", bs)
		_ = SubsetOf("foo.*.bar", "foo.>")
		_ = Overlap("foo.*.bar", "*.baz.>")
	})
	if n != 0 {
		t.Fatalf("allocs = %v, want 0", n)
	}
}
