package config

import "testing"

// FuzzParse feeds arbitrary text through the format parser and the mapping
// to options: any input yields options or an error, never a panic.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"port: 4222",
		"listen: 127.0.0.1:4222\nhttp: 8222",
		"authorization { users: [ {user: a, password: b, permissions: {publish: {allow: [\"a.>\"], deny: \"a.b\"}, allow_responses: {max: 2, expires: \"1s\"}}} ] }",
		"accounts { A: { users: [ {user: a, password: a} ] } }\nsystem_account: A",
		"tls { cert_file: x, key_file: y }",
		"V: 5\nport: $V",
		"jetstream { store_dir: /tmp/x }",
		"ping_interval: 2m\nwrite_deadline: \"3s\"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		o, err := Parse(text)
		if err == nil && o == nil {
			t.Fatal("nil options without an error")
		}
	})
}
