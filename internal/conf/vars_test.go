package conf

import (
	"reflect"
	"strings"
	"testing"
)

func TestVariables(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want M
	}{
		{"simple", "index = 22\nfoo = $index", M{"index": int64(22), "foo": int64(22)}},
		{"nested scopes", "index = 22\nnest {\n  index = 11\n  foo = $index\n}\nbar = $index",
			M{"index": int64(22), "nest": M{"index": int64(11), "foo": int64(11)}, "bar": int64(22)}},
		{"outer scope", "TOKEN: \"secret\"\nauthorization { token: $TOKEN }",
			M{"TOKEN": "secret", "authorization": M{"token": "secret"}}},
		{"in array", "u = bob\nusers = [ {user: $u}, $u ]",
			M{"u": "bob", "users": A{M{"user": "bob"}, "bob"}}},
		{"map value", "BAR_USERS = { users = [ {user = \"bar\"} ]}\naccounts { bar = $BAR_USERS }",
			M{"BAR_USERS": M{"users": A{M{"user": "bar"}}}, "accounts": M{"bar": M{"users": A{M{"user": "bar"}}}}}},
		{"redefinition seen", "a = 1\na = $a\nb = $a", M{"a": int64(1), "b": int64(1)}},
		{"deeply nested", "very { nested { env { VAR = 'NESTED', quux = $VAR }}}",
			M{"very": M{"nested": M{"env": M{"VAR": "NESTED", "quux": "NESTED"}}}}},
		{"followed by terminator", "a = x\nm {b = $a}", M{"a": "x", "m": M{"b": "x"}}},
		{"bcrypt", "password: $2a$11$ooo", M{"password": "$2a$11$ooo"}},
		{"quoted is literal", `a = 1` + "\n" + `b = "$a"`, M{"a": int64(1), "b": "$a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustParse(t, tt.src).Interface(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestVariableErrors(t *testing.T) {
	for _, src := range []string{
		"foo = $index_undefined_xyz",
		"foo = $later_xyz\nlater_xyz = 1",
		"m { inner_xyz = 1 }\nfoo = $inner_xyz",
		"self_xyz = $self_xyz",
	} {
		_, err := Parse(src)
		if err == nil || !strings.Contains(err.Error(), "can not be found") {
			t.Errorf("Parse(%q) = %v, want a not-found error", src, err)
		}
	}
}

func TestVariablePosition(t *testing.T) {
	m := mustParse(t, "a = [1]\n\nb = $a")
	a, _ := m.Get("a")
	b, _ := m.Get("b")
	if want := (Pos{Line: 3, Col: 5}); b.Pos != want {
		t.Errorf("b at %v, want %v", b.Pos, want)
	}
	if a.Pos == b.Pos {
		t.Errorf("reference changed the definition's position")
	}
}

func TestEnvVariables(t *testing.T) {
	t.Setenv("CONF_T_INT", "22")
	t.Setenv("CONF_T_STR", "xyz")
	t.Setenv("CONF_T_QUOTED", "'3xyz'")
	t.Setenv("CONF_T_DIGITS", "3Gyz")
	t.Setenv("CONF_T_SIZE", "1MB")
	t.Setenv("CONF_T_BOOL", "on")
	t.Setenv("CONF_T_MAP", "{ user: a, pass: b }")
	t.Setenv("CONF_T_ARRAY", "[1, 2]")
	t.Setenv("CONF_T_EMPTY", "")
	t.Setenv("CONF_T_CHAIN", "$CONF_T_INT")
	t.Setenv("CONF_T_COMMENT", "  42 # the answer\n")
	t.Setenv("CONF_T_URL", "nats://h:4222")

	tests := []struct {
		src  string
		want any
	}{
		{"x = $CONF_T_INT", int64(22)},
		{"x = $CONF_T_STR", "xyz"},
		{"x = $CONF_T_QUOTED", "3xyz"},
		{"x = $CONF_T_DIGITS", "3Gyz"},
		{"x = $CONF_T_SIZE", int64(1 << 20)},
		{"x = $CONF_T_BOOL", true},
		{"x = $CONF_T_MAP", M{"user": "a", "pass": "b"}},
		{"x = $CONF_T_ARRAY", A{int64(1), int64(2)}},
		{"x = $CONF_T_EMPTY", ""},
		{"x = $CONF_T_CHAIN", int64(22)},
		{"x = $CONF_T_COMMENT", int64(42)},
		{"x = $CONF_T_URL", "nats://h:4222"},
		{"CONF_T_INT = 5\nx = $CONF_T_INT", int64(5)}, // config keys shadow the environment
	}
	for _, tt := range tests {
		m := mustParse(t, tt.src)
		if got := m.Interface()["x"]; !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q): x = %#v, want %#v", tt.src, got, tt.want)
		}
		if x, _ := m.Get("x"); x.Pos.Line == 0 || x.Pos.File != "" {
			t.Errorf("Parse(%q): x at %v, want the reference position", tt.src, x.Pos)
		}
	}
}

func TestEnvVariableErrors(t *testing.T) {
	t.Setenv("CONF_T_BAD", "a b")
	t.Setenv("CONF_T_UNTERM", "\"abc")
	t.Setenv("CONF_T_LOOP", "$CONF_T_LOOP")
	t.Setenv("CONF_T_LOOP_A", "$CONF_T_LOOP_B")
	t.Setenv("CONF_T_LOOP_B", "[$CONF_T_LOOP_A]")
	tests := []struct{ src, want string }{
		{"x = $CONF_T_BAD", "cannot parse environment value"},
		{"x = $CONF_T_UNTERM", "unterminated string"},
		{"x = $CONF_T_LOOP", "nested more than"},
		{"x = $CONF_T_LOOP_A", "nested more than"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.src)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "conf: 1:5: ") {
			t.Errorf("Parse(%q) = %v, want error at 1:5 containing %q", tt.src, err, tt.want)
		}
	}
}
