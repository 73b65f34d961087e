package conf

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzParse checks that any input yields a well-formed tree or an *Error
// with a position, deterministically. It runs in a scratch directory holding
// a few include files (including cycles) so that includes get exercised.
func FuzzParse(f *testing.F) {
	dir := f.TempDir()
	for name, body := range map[string]string{
		"a.conf":    "a = 1\ninclude b.conf",
		"b.conf":    "b { x = [1, 2k, \"s\"] }",
		"self.conf": "include self.conf",
		"c1.conf":   "include 'c2.conf'",
		"c2.conf":   "include \"c1.conf\"",
		"vars.conf": "V = {k: v}\nw = $V",
		"bad.conf":  "x = ]",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	f.Chdir(dir)
	f.Setenv("CONF_FUZZ_ENV", "{ e: [1, $CONF_FUZZ_ENV2] }")
	f.Setenv("CONF_FUZZ_ENV2", "2MB")
	f.Setenv("CONF_FUZZ_LOOP", "$CONF_FUZZ_LOOP")

	for _, s := range []string{
		"",
		"foo = 2\nbar: 'x'\nbaz \"y\"; q = [1, 2.5, true, 1979-05-27T07:32:00Z]",
		realisticConf,
		"include a.conf\ninclude self.conf",
		"include c1.conf",
		"m { include vars.conf\n z = $w }",
		"x = $CONF_FUZZ_ENV\ny = $CONF_FUZZ_LOOP",
		"{ \"a\": { \"b\": [ {}, [] ] } }\n}",
		"s (\nblock\n)\n",
		"a = \"\\u00e9\\ud83d\\ude00\\x41\"",
		"v0 = [1, 1]\nv1 = [$v0, $v0]\nv2 = [$v1, $v1]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		m, err := Parse(data)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is %T, want *Error", err, err)
			}
			if ce.Pos.Line < 1 || ce.Pos.Col < 1 {
				t.Fatalf("error %q has no position", err)
			}
			if m != nil {
				t.Fatalf("non-nil map with error")
			}
			return
		}
		checkMap(t, m, 0)
		m2, err := Parse(data)
		if err != nil {
			t.Fatalf("second parse failed: %v", err)
		}
		if a, b := m.Interface(), m2.Interface(); !reflect.DeepEqual(a, b) {
			t.Fatalf("parse is not deterministic:\n%#v\n%#v", a, b)
		}
	})
}

// checkMap verifies the invariants of a parsed map. (No t.Helper: it is
// recursive over up to maxValues values and t.Helper is costly.)
func checkMap(t *testing.T, m *Map, depth int) {
	if depth > maxNesting+1 {
		t.Fatalf("tree deeper than %d", maxNesting+1)
	}
	keys := m.Keys()
	if len(keys) != m.Len() {
		t.Fatalf("Keys() has %d keys, Len() = %d", len(keys), m.Len())
	}
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if seen[k] {
			t.Fatalf("duplicate key %q", k)
		}
		seen[k] = true
		v, ok := m.Get(k)
		if !ok || v == nil {
			t.Fatalf("Get(%q) failed", k)
		}
		checkValue(t, v, depth)
	}
}

func checkValue(t *testing.T, v *Value, depth int) {
	if v.Pos.Line < 1 || v.Pos.Col < 1 {
		t.Fatalf("value %v has no position", v)
	}
	switch v.Kind {
	case KindString, KindInt, KindFloat, KindBool, KindTime:
	case KindMap:
		if v.Map == nil {
			t.Fatalf("map value without Map")
		}
		checkMap(t, v.Map, depth+1)
	case KindArray:
		for _, e := range v.Array {
			checkValue(t, e, depth+1)
		}
	default:
		t.Fatalf("value of kind %v", v.Kind)
	}
}
