package conf

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeFiles creates files (path relative to dir -> contents) and returns dir.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestInclude(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string // "main.conf" is parsed
		want  M
	}{
		{"single quoted", map[string]string{
			"main.conf": "a = 1\ninclude 'b.conf'\nc = 3",
			"b.conf":    "b = 2",
		}, M{"a": int64(1), "b": int64(2), "c": int64(3)}},
		{"double quoted and bare", map[string]string{
			"main.conf": "include \"b.conf\"\ninclude c.conf; d = 4",
			"b.conf":    "b = 2",
			"c.conf":    "c = 3",
		}, M{"b": int64(2), "c": int64(3), "d": int64(4)}},
		{"keyword case and comment", map[string]string{
			"main.conf": "INCLUDE b.conf # comment\nInclude\t'c.conf' // more",
			"b.conf":    "b = 2",
			"c.conf":    "c = 3",
		}, M{"b": int64(2), "c": int64(3)}},
		{"into map", map[string]string{
			"main.conf":       "authorization {\n  include 'auth/users.conf'\n  timeout: 2\n}",
			"auth/users.conf": "users = [\n {user: a, password: x}\n]",
		}, M{"authorization": M{"users": A{M{"user": "a", "password": "x"}}, "timeout": int64(2)}}},
		{"inline map include", map[string]string{
			"main.conf": "accounts { foo { include 'foo.json' }, quux { include 'quux.json' } }",
			"foo.json":  `{ "users": [ {"user": "foo"} ] }`,
			"quux.json": `{}`,
		}, M{"accounts": M{"foo": M{"users": A{M{"user": "foo"}}}, "quux": M{}}}},
		{"nested relative to includer", map[string]string{
			"main.conf":         "include sub/a.conf",
			"sub/a.conf":        "a = 1\ninclude deeper/b.conf",
			"sub/deeper/b.conf": "b = 2",
		}, M{"a": int64(1), "b": int64(2)}},
		{"later keys override", map[string]string{
			"main.conf": "x = 1\ninclude b.conf\ny = 9",
			"b.conf":    "x = 2\ny = 2",
		}, M{"x": int64(2), "y": int64(9)}},
		{"variables from included file", map[string]string{
			"main.conf":               "authorization {\n include './includes/passwords.conf'\n CAROL_PASS: foo\n users = [\n  {user: alice, password: $ALICE_PASS}\n  {user: carol, password: $CAROL_PASS}\n ]\n}",
			"includes/passwords.conf": "ALICE_PASS: $2a$10$UHR6GhotWhpLsKtVP0/i6.Nh9\n",
		}, M{"authorization": M{
			"ALICE_PASS": "$2a$10$UHR6GhotWhpLsKtVP0/i6.Nh9",
			"CAROL_PASS": "foo",
			"users": A{
				M{"user": "alice", "password": "$2a$10$UHR6GhotWhpLsKtVP0/i6.Nh9"},
				M{"user": "carol", "password": "foo"},
			},
		}}},
		{"same file twice", map[string]string{
			"main.conf": "a { include c.conf }\nb { include c.conf }",
			"c.conf":    "v = [1]",
		}, M{"a": M{"v": A{int64(1)}}, "b": M{"v": A{int64(1)}}}},
		{"empty and comment-only files", map[string]string{
			"main.conf": "include e.conf\ninclude c.conf\nx = 1",
			"e.conf":    "",
			"c.conf":    "# nothing\n",
		}, M{"x": int64(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, tt.files)
			m, err := ParseFile(filepath.Join(dir, "main.conf"))
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Interface(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestIncludePositions(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.conf": "a = 1\ninclude b.conf",
		"b.conf":    "\n  b = 2",
	})
	m, err := ParseFile(filepath.Join(dir, "main.conf"))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := m.Get("a")
	b, _ := m.Get("b")
	if want := (Pos{File: filepath.Join(dir, "main.conf"), Line: 1, Col: 5}); a.Pos != want {
		t.Errorf("a at %v, want %v", a.Pos, want)
	}
	if want := (Pos{File: filepath.Join(dir, "b.conf"), Line: 2, Col: 7}); b.Pos != want {
		t.Errorf("b at %v, want %v", b.Pos, want)
	}
}

func TestIncludeErrors(t *testing.T) {
	deep := map[string]string{"main.conf": "include d1.conf"}
	for i := 1; i <= maxIncludeDepth+1; i++ {
		deep[fmt.Sprintf("d%d.conf", i)] = fmt.Sprintf("include d%d.conf", i+1)
	}
	tests := []struct {
		name  string
		files map[string]string
		want  []string // substrings of the error
	}{
		{"missing", map[string]string{"main.conf": "a = 1\n  include nope.conf"},
			[]string{"main.conf:2:3: include \"nope.conf\"", "no such file"}},
		{"syntax error inside", map[string]string{"main.conf": "\ninclude b.conf", "b.conf": "x = 1\ny = ]"},
			[]string{"main.conf:2:1: include \"b.conf\"", "b.conf:2:5: missing value for key \"y\""}},
		{"self", map[string]string{"main.conf": "include main.conf"},
			[]string{"include cycle"}},
		{"cycle", map[string]string{"main.conf": "include a.conf", "a.conf": "include b.conf", "b.conf": "include ./a.conf"},
			[]string{"include cycle"}},
		{"too deep", deep, []string{"nested more than 10 deep"}},
		{"directory", map[string]string{"main.conf": "include sub", "sub/x": ""},
			[]string{"not a regular file"}},
		{"variable of includer not visible", map[string]string{
			"main.conf": "X_NOT_IN_ENV_42 = 1\ninclude b.conf", "b.conf": "y = $X_NOT_IN_ENV_42"},
			[]string{"can not be found"}},
		{"digest mismatch", map[string]string{
			"main.conf": "include b.conf 'sha256:" + strings.Repeat("0", 64) + "'", "b.conf": "x = 1"},
			[]string{"digest mismatch"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, tt.files)
			_, err := ParseFile(filepath.Join(dir, "main.conf"))
			if err == nil {
				t.Fatal("want error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestIncludeDigest(t *testing.T) {
	body := "x = 1\n"
	sum := fmt.Sprintf("%X", sha256.Sum256([]byte(body)))
	dir := writeFiles(t, map[string]string{
		"main.conf": "include b.conf \"sha256:" + sum + "\"\ny = 2",
		"b.conf":    body,
	})
	m, err := ParseFile(filepath.Join(dir, "main.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Interface(), (M{"x": int64(1), "y": int64(2)}); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestIncludeFromParseUsesWorkingDir(t *testing.T) {
	dir := writeFiles(t, map[string]string{"w.conf": "w = 1"})
	t.Chdir(dir)
	m := mustParse(t, "include w.conf")
	if v, ok := m.Get("w"); !ok || v.Int != 1 {
		t.Errorf("got %v", m.Interface())
	}
	// Absolute paths are used as they are.
	m = mustParse(t, "include '"+filepath.Join(dir, "w.conf")+"'")
	if v, ok := m.Get("w"); !ok || v.Int != 1 {
		t.Errorf("absolute: got %v", m.Interface())
	}
}

func TestParseFileErrors(t *testing.T) {
	_, err := ParseFile(filepath.Join(t.TempDir(), "missing.conf"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: got %v, want fs.ErrNotExist", err)
	}
	dir := writeFiles(t, map[string]string{"bad.conf": "a {\n  b = 1\n  }}}\n  c = ]"})
	path := filepath.Join(dir, "bad.conf")
	_, err = ParseFile(path)
	if want := "conf: " + path + ":4:7: missing value"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v, want prefix %q", err, want)
	}
}
