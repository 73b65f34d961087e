package conf

import (
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

type M = map[string]any
type A = []any

func mustParse(t *testing.T, src string) *Map {
	t.Helper()
	m, err := Parse(src)
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	return m
}

func TestSyntax(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want M
	}{
		{"empty", "", M{}},
		{"blank and comments", "\n  # c\n// d\n\t\n", M{}},
		{"equals", "foo = 2", M{"foo": int64(2)}},
		{"colon", "foo: 2", M{"foo": int64(2)}},
		{"whitespace", "foo 2", M{"foo": int64(2)}},
		{"tab", "foo\t2", M{"foo": int64(2)}},
		{"no spaces", "foo=2", M{"foo": int64(2)}},
		{"semicolons", "a=1; b=2;", M{"a": int64(1), "b": int64(2)}},
		{"commas", "a=1, b=2", M{"a": int64(1), "b": int64(2)}},
		{"mixed top level", "foo='1'; bar=2.2; baz=true; boo=22",
			M{"foo": "1", "bar": 2.2, "baz": true, "boo": int64(22)}},
		{"repeated separators", "a=1;; ,b=2", M{"a": int64(1), "b": int64(2)}},
		{"crlf", "a = 1\r\nb = x\r\n", M{"a": int64(1), "b": "x"}},
		{"bom", "\uFEFFport: 4222", M{"port": int64(4222)}},
		{"dq key", `"a key": 1`, M{"a key": int64(1)}},
		{"sq key", `'a:b' = 1`, M{"a:b": int64(1)}},
		{"empty quoted key", `"" = 1`, M{"": int64(1)}},
		{"key chars", "foo.bar-baz_$x: 1", M{"foo.bar-baz_$x": int64(1)}},
		{"key then newline value", "foo\nbar", M{"foo": "bar"}},
		{"newline after separator", "foo =\n  1", M{"foo": int64(1)}},
		{"duplicate last wins", "a=1\nb=2\na=3", M{"a": int64(3), "b": int64(2)}},
		{"case sensitive keys", "A=1\na=2", M{"A": int64(1), "a": int64(2)}},

		{"map", "foo { a: 1 }", M{"foo": M{"a": int64(1)}}},
		{"map colon", "foo: { a: 1 }", M{"foo": M{"a": int64(1)}}},
		{"map equals", "foo = {a=1, b=2}", M{"foo": M{"a": int64(1), "b": int64(2)}}},
		{"map no space", "foo{a=1}", M{"foo": M{"a": int64(1)}}},
		{"map newline brace", "foo\n{\n a 1\n}", M{"foo": M{"a": int64(1)}}},
		{"map semicolons", "foo {a=1; b=2;}", M{"foo": M{"a": int64(1), "b": int64(2)}}},
		{"map trailing comma", "foo {a=1,}", M{"foo": M{"a": int64(1)}}},
		{"empty map", "foo {}", M{"foo": M{}}},
		{"nested maps", "a { b { c { d: 1 } } }", M{"a": M{"b": M{"c": M{"d": int64(1)}}}}},
		{"map comments", "foo {\n # c\n a: 1 // d\n // e\n}", M{"foo": M{"a": int64(1)}}},
		{"value then brace", "foo {a=x}", M{"foo": M{"a": "x"}}},

		{"array", "a = [1, 2, 3]", M{"a": A{int64(1), int64(2), int64(3)}}},
		{"array single int", "a = [4222]", M{"a": A{int64(4222)}}},
		{"array newlines", "a [\n 1\n 2\n]", M{"a": A{int64(1), int64(2)}}},
		{"array trailing comma", "a [1, 2,]", M{"a": A{int64(1), int64(2)}}},
		{"array comments", "a [ # c\n 1, // d\n 2 # e\n]", M{"a": A{int64(1), int64(2)}}},
		{"empty array", "a []", M{"a": A{}}},
		{"array of strings", `s = [ "a.com", 'b.com', c.com]`, M{"s": A{"a.com", "b.com", "c.com"}}},
		{"array of maps", "a [\n { x: 1 }\n { y: \"w\" }\n]", M{"a": A{M{"x": int64(1)}, M{"y": "w"}}}},
		{"nested arrays", "a [[1, [2]], []]", M{"a": A{A{int64(1), A{int64(2)}}, A{}}}},
		{"mixed array", "a [1, x, 2.5, true]", M{"a": A{int64(1), "x", 2.5, true}}},

		{"dq string", `s = "hello world"`, M{"s": "hello world"}},
		{"dq escapes", `s = "a\tb\nc\rd\"e\\f\/g\bh\fi"`, M{"s": "a\tb\nc\rd\"e\\f/g\bh\fi"}},
		{"dq hex", `s = "\x41\x7a"`, M{"s": "Az"}},
		{"dq unicode", `s = "\u00e9\U0001F600"`, M{"s": "é\U0001F600"}},
		{"dq surrogates", `s = "\ud83d\ude00"`, M{"s": "\U0001F600"}},
		{"dq multiline", "s = \"a\nb\"", M{"s": "a\nb"}},
		{"dq keeps syntax", `s = "true # not {a comment} $x"`, M{"s": "true # not {a comment} $x"}},
		{"dq number stays string", `s = "2m"`, M{"s": "2m"}},
		{"empty dq", `s = ""`, M{"s": ""}},
		{"sq raw", `s = 'a\nb "c"'`, M{"s": `a\nb "c"`}},
		{"sq multiline", "s = 'a\nb'", M{"s": "a\nb"}},
		{"block string", "s (\nline 1\n  line 2\n)\nt = 1", M{"s": "\nline 1\n  line 2\n", "t": int64(1)}},
		{"block string eof", "s (\nx )\n)", M{"s": "\nx )\n"}},

		{"bare string", "s = hello", M{"s": "hello"}},
		{"bare listen", "listen: 127.0.0.1:4222", M{"listen": "127.0.0.1:4222"}},
		{"bare host", "host: 0.0.0.0", M{"host": "0.0.0.0"}},
		{"bare hostname port", "listen: localhost:4222", M{"listen": "localhost:4222"}},
		{"bare url", "url: nats://u:p@host:4222", M{"url": "nats://u:p@host:4222"}},
		{"bare hash kept", "p: abc#def", M{"p": "abc#def"}},
		{"bare then comment", "p: abc # comment", M{"p": "abc"}},
		{"bare then slash comment", "p: abc // comment", M{"p": "abc"}},
		{"bare escape", `p: a\tb`, M{"p": "a\tb"}},
		{"bare escaped bool", `p: tru\x65`, M{"p": "true"}},
		{"bare dollar in middle", "p: a$b", M{"p": "a$b"}},
		{"bare dot start", "dir: ./data", M{"dir": "./data"}},
		{"bare path", "dir: /tmp/nats", M{"dir": "/tmp/nats"}},
		{"bare subject", "s: foo.*.>", M{"s": "foo.*.>"}},
		{"bare bcrypt", "password: $2a$11$ooo", M{"password": "$2a$11$ooo"}},
		{"bare plus", "a: +5", M{"a": "+5"}},
		{"bare null", "a: null", M{"a": "null"}},

		{"int", "a: 42", M{"a": int64(42)}},
		{"negative int", "a: -42", M{"a": int64(-42)}},
		{"leading zeros", "a: 007", M{"a": int64(7)}},
		{"max int", "a: 9223372036854775807", M{"a": int64(math.MaxInt64)}},
		{"min int", "a: -9223372036854775808", M{"a": int64(math.MinInt64)}},
		{"float", "a: 2.5", M{"a": 2.5}},
		{"negative float", "a: -0.25", M{"a": -0.25}},
		{"duration stays string", "a: 10s", M{"a": "10s"}},
		{"compound duration", "a: 1h30m", M{"a": "1h30m"}},
		{"m then digits", "a: 2m30s", M{"a": "2m30s"}},
		{"float then unit", "a: 1.5s", M{"a": "1.5s"}},
		{"bare 2m is size", "a: 2m", M{"a": int64(2000000)}},
		{"digit strings", "a: [0K1abc, 8m4dwr, 5e7bcd-abc10, 4e2abc, 3secret]",
			M{"a": A{"0K1abc", "8m4dwr", "5e7bcd-abc10", "4e2abc", "3secret"}}},
		{"exponent is string", "a: 1e5", M{"a": "1e5"}},
		{"cidr", "a: 10.0.0.0/8", M{"a": "10.0.0.0/8"}},
		{"date only", "a: 2016-05-04", M{"a": "2016-05-04"}},
		{"datetime", "now = 2016-05-04T18:53:41Z",
			M{"now": time.Date(2016, 5, 4, 18, 53, 41, 0, time.UTC)}},
		{"datetime in array", "a [1979-05-27T07:32:00Z]",
			M{"a": A{time.Date(1979, 5, 27, 7, 32, 0, 0, time.UTC)}}},

		{"top level braces", "{ listen: 0.0.0.0:4222 }", M{"listen": "0.0.0.0:4222"}},
		{"nested top braces", "{\n {\n  a: 1 // c\n }\n # x\n}\n# y", M{"a": int64(1)}},
		{"empty braces", "{}", M{}},
		{"trailing brace", "accounts { users = [{}]}\n}\n", M{"accounts": M{"users": A{M{}}}}},
		{"value ends at top brace", "a=1 } b=2", M{"a": int64(1), "b": int64(2)}},
		{"json", `{
			"http_port": 8227,
			"write_deadline": "1h",
			"debug": False,
			"cluster": {
				"port": 6222,
				"routes": ["nats://127.0.0.1:4222", "nats://127.0.0.1:4223"]
			},
			"jetstream": {"store_dir": "/tmp/nats"
				"max_mem": 1000000,
			}
		}`, M{
			"http_port": int64(8227), "write_deadline": "1h", "debug": false,
			"cluster":   M{"port": int64(6222), "routes": A{"nats://127.0.0.1:4222", "nats://127.0.0.1:4223"}},
			"jetstream": M{"store_dir": "/tmp/nats", "max_mem": int64(1000000)},
		}},
		{"include as key with separator", "include: 5\ninclude = 6", M{"include": int64(6)}},
		{"quoted include is a key", `"include" x`, M{"include": "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, tt.src)
			if got := m.Interface(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q)\n got  %#v\n want %#v", tt.src, got, tt.want)
			}
		})
	}
}

func TestBools(t *testing.T) {
	for _, w := range []string{"true", "TRUE", "True", "yes", "YES", "on", "On"} {
		if got := mustParse(t, "b: "+w).Interface()["b"]; got != true {
			t.Errorf("%s: got %#v, want true", w, got)
		}
	}
	for _, w := range []string{"false", "FALSE", "no", "No", "off", "OFF"} {
		if got := mustParse(t, "b: "+w).Interface()["b"]; got != false {
			t.Errorf("%s: got %#v, want false", w, got)
		}
	}
	if got := mustParse(t, `b: "true"`).Interface()["b"]; got != "true" {
		t.Errorf("quoted true: got %#v, want string", got)
	}
}

func TestSizes(t *testing.T) {
	const K, Ki = 1000, 1024
	tests := []struct {
		in   string
		want int64
	}{
		{"8k", 8 * K}, {"8K", 8 * K},
		{"4kb", 4 * Ki}, {"4KB", 4 * Ki}, {"4Kb", 4 * Ki}, {"3ki", 3 * Ki}, {"4KiB", 4 * Ki},
		{"1m", K * K}, {"1M", K * K}, {"2MB", 2 * Ki * Ki}, {"2Mi", 2 * Ki * Ki}, {"64MiB", 64 * Ki * Ki},
		{"2g", 2 * K * K * K}, {"22GB", 22 * Ki * Ki * Ki}, {"22Gi", 22 * Ki * Ki * Ki}, {"1GiB", Ki * Ki * Ki},
		{"1t", 1e12}, {"22TB", 22 << 40}, {"2Ti", 2 << 40}, {"1tib", 1 << 40},
		{"1p", 1e15}, {"22PB", 22 << 50}, {"1Pi", 1 << 50},
		{"1e", 1e18}, {"1EB", 1 << 60}, {"7Ei", 7 << 60},
		{"-2k", -2000}, {"0KB", 0},
	}
	for _, tt := range tests {
		v, ok := mustParse(t, "x: "+tt.in).Get("x")
		if !ok || v.Kind != KindInt || v.Int != tt.want {
			t.Errorf("%s: got %v (%v), want %d", tt.in, v, v.Kind, tt.want)
		}
	}
	for _, bad := range []string{"1kbb", "1kbib", "10e", "9000000e", "8EB", "9223372036854775808", "99999999999999999999k"} {
		if _, err := Parse("x: " + bad); err == nil {
			t.Errorf("%s: want error", bad)
		}
	}
	// A suffix followed by more characters makes a string.
	for _, s := range []string{"1kib2", "1kx", "2k8"} {
		if v, _ := mustParse(t, "x: "+s).Get("x"); v.Kind != KindString || v.Str != s {
			t.Errorf("%s: got %v, want the string", s, v)
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name, src string
		pos       string // line:col
		msg       string
	}{
		{"stray close in map", "a {\n  b = 1\n  ]\n}", "3:3", "unexpected ']'"},
		{"key without value", "aaaa", "1:5", "missing value"},
		{"key without value in map", "a {\n b\n}", "3:1", "missing value"},
		{"empty value", "a = ;", "1:5", "missing value"},
		{"unterminated map", "a {\n b = 1\n", "3:1", "'{' at 1:3 is not closed"},
		{"unterminated array", "a [1,\n2", "2:2", "'[' at 1:3 is not closed"},
		{"unterminated top brace", "{ a = 1", "1:8", "not closed"},
		{"unterminated dq", "a = \"abc", "1:5", "unterminated string"},
		{"unterminated sq", "a = 'abc", "1:5", "unterminated string"},
		{"unterminated quoted key", "\n 'abc", "2:2", "unterminated quoted key"},
		{"unterminated block", "a (\nfoo", "1:3", "unterminated block"},
		{"bad escape", `a = "\q"`, "1:6", "invalid escape"},
		{"bad hex escape", `a = "\xZZ"`, "1:6", `\x must be followed`},
		{"bad unicode escape", `a = "\u12"`, "1:6", `\u must be followed`},
		{"lone surrogate", `a = "\ud800x"`, "1:6", "unpaired surrogate"},
		{"bad bare escape", `a = C:\dir`, "1:7", "invalid escape"},
		{"two values", "a = 1 2", "1:7", "unexpected '2' after value"},
		{"two values in map", "m { a = 1 2 }", "1:11", "unexpected '2'"},
		{"leading separator", "= 1", "1:1", "unexpected key separator"},
		{"map key separator", "m { : 1 }", "1:5", "unexpected key separator"},
		{"array double comma", "a [1,,2]", "1:6", "unexpected ','"},
		{"array leading comma", "a [,1]", "1:4", "unexpected ','"},
		{"array junk", "a [1 2]", "1:6", "in array"},
		{"array close brace", "a [1}", "1:5", "in array"},
		{"brace in map key", "m { { } }", "1:5", "unexpected '{'"},
		{"unknown variable", "a = 1\nb = $NOPE_NOT_SET_ANYWHERE", "2:5", "$NOPE_NOT_SET_ANYWHERE can not be found"},
		{"dollar brace", "a = ${X}", "1:5", "not supported"},
		{"bare dollar", "a = $", "1:5", "no name"},
		{"dash", "a = -x", "1:5", "expected a digit after '-'"},
		{"dot float", "a = .5", "1:5", "floats must start with a digit"},
		{"int overflow", "a = 9223372036854775808", "1:5", "out of range"},
		{"float overflow", "a = 1" + strings.Repeat("0", 400) + ".0", "1:5", "out of range"},
		{"size overflow", "a = 9EB", "1:5", "out of range"},
		{"bad suffix", "a = 1kbb", "1:5", "invalid size suffix"},
		{"bad datetime", "a = 2016-13-04T18:53:41Z", "1:5", "invalid datetime"},
		{"include no path", "include \n", "1:9", "expected an include path"},
		{"include array", "include [x]", "1:9", "expected an include path"},
		{"include empty", "include ''", "1:9", "empty include path"},
		{"include bad digest", "include 'x.conf' 'md5:abc'", "1:18", "invalid include digest"},
		{"line count", "a = 1\nb = 2\n\nc {\n  d = [\n    1\n    }", "7:5", "in array"},
		{"stray bracket top", "]", "1:1", "unexpected ']'"},
		{"junk after include", "include 'x.conf' y", "1:18", "unexpected 'y' after include"},
		{"junk after value", "a = 'x' y", "1:9", "unexpected 'y' after value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.src)
			if err == nil {
				t.Fatalf("Parse(%q): want error", tt.src)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is %T, want *Error", err, err)
			}
			want := "conf: " + tt.pos + ": "
			if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Parse(%q)\n got  %q\n want prefix %q containing %q", tt.src, err, want, tt.msg)
			}
		})
	}
}

func TestPositions(t *testing.T) {
	src := "a = 1\nm {\n  \"k\": [x,\n    'y']\n}\n"
	m := mustParse(t, src)
	a, _ := m.Get("a")
	mv, _ := m.Get("m")
	k, _ := mv.Map.Get("k")
	tests := []struct {
		name string
		got  Pos
		want Pos
	}{
		{"a", a.Pos, Pos{Line: 1, Col: 5}},
		{"m", mv.Pos, Pos{Line: 2, Col: 3}},
		{"k", k.Pos, Pos{Line: 3, Col: 8}},
		{"k[0]", k.Array[0].Pos, Pos{Line: 3, Col: 9}},
		{"k[1]", k.Array[1].Pos, Pos{Line: 4, Col: 5}},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	if kp, ok := mv.Map.KeyPos("k"); !ok || kp != (Pos{Line: 3, Col: 3}) {
		t.Errorf("KeyPos(k) = %v, %v", kp, ok)
	}
}

func TestMapOrder(t *testing.T) {
	m := mustParse(t, "z=1\na=2\nm=3\na=4")
	if got, want := m.Keys(), []string{"z", "a", "m"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Keys() = %v, want %v", got, want)
	}
	if m.Len() != 3 {
		t.Errorf("Len() = %d, want 3", m.Len())
	}
	var seen []string
	for k, v := range m.All() {
		seen = append(seen, k+"="+v.String())
	}
	if want := []string{"z=1", "a=4", "m=3"}; !reflect.DeepEqual(seen, want) {
		t.Errorf("All() = %v, want %v", seen, want)
	}
	if _, ok := m.Get("A"); ok {
		t.Errorf("Get is case-insensitive")
	}
	var nilMap *Map
	if nilMap.Len() != 0 || nilMap.Keys() != nil || len(nilMap.Interface()) != 0 {
		t.Errorf("nil Map misbehaves")
	}
	if _, ok := nilMap.Get("x"); ok {
		t.Errorf("nil Map Get found a key")
	}
	var nilVal *Value
	if nilVal.Interface() != nil {
		t.Errorf("nil Value Interface() != nil")
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{KindString: "string", KindMap: "map", KindInvalid: "invalid", Kind(99): "Kind(99)"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}

func TestLimits(t *testing.T) {
	deep := strings.Repeat("a { ", maxNesting) + "x = 1" + strings.Repeat(" }", maxNesting)
	mustParse(t, deep)
	tooDeep := strings.Repeat("a { ", maxNesting+1) + "x = 1" + strings.Repeat(" }", maxNesting+1)
	if _, err := Parse(tooDeep); err == nil || !strings.Contains(err.Error(), "nested more than") {
		t.Errorf("deep maps: got %v", err)
	}
	if _, err := Parse("a = " + strings.Repeat("[", 10000)); err == nil || !strings.Contains(err.Error(), "nested more than") {
		t.Errorf("deep arrays: got %v", err)
	}

	// Variables can stack nesting: each level references the previous one.
	var sb strings.Builder
	sb.WriteString("v0 = 1\n")
	for i := 1; i <= maxNesting+5; i++ {
		sb.WriteString("v" + strconv.Itoa(i) + " = [$v" + strconv.Itoa(i-1) + "]\n")
	}
	if _, err := Parse(sb.String()); err == nil || !strings.Contains(err.Error(), "once variables are expanded") {
		t.Errorf("nesting through variables: got %v", err)
	}

	// And they can double the size of the tree on every line.
	sb.Reset()
	sb.WriteString("v0 = [1, 1]\n")
	for i := 1; i <= 64; i++ {
		sb.WriteString("v" + strconv.Itoa(i) + " = [$v" + strconv.Itoa(i-1) + ", $v" + strconv.Itoa(i-1) + "]\n")
	}
	if _, err := Parse(sb.String()); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("exponential expansion: got %v", err)
	}
}
