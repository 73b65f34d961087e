package config

import (
	"strings"
	"testing"
	"time"
)

func TestParseSettings(t *testing.T) {
	o, err := Parse(`
		listen: 127.0.0.1:4333
		server_name: n1
		http: 8333
		max_payload: 2MB
		ping_interval: "30s"
		write_deadline: 5
		lame_duck_duration: "1m"
		PASS: secret
		authorization { user: a, password: $PASS, timeout: 1.5 }
		accounts { A: { users: [ {user: b, password: b} ] } }
		system_account: A
	`)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"host", o.Host, "127.0.0.1"},
		{"port", o.Port, 4333},
		{"name", o.ServerName, "n1"},
		{"http", o.HTTPPort, 8333},
		{"max_payload", o.MaxPayload, 2 * 1024 * 1024},
		{"ping_interval", o.PingInterval, 30 * time.Second},
		{"write_deadline", o.WriteDeadline, 5 * time.Second},
		{"ldm", o.LameDuckDuration, time.Minute},
		{"user", o.Username, "a"},
		{"password from variable", o.Password, "secret"},
		{"auth timeout", o.AuthTimeout, 1500 * time.Millisecond},
		{"account users", len(o.Users), 1},
		{"system account", o.SystemAccount, "A"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestParseErrorsNamePosition(t *testing.T) {
	cases := []struct {
		text, want string
	}{
		{"port: 4222\nbogus: 1\n", `2:8: unknown configuration key "bogus"`},
		{"max_payload: -5\n", "1:14: expected a positive value"},
		{"ping_interval: \"soon\"\n", `invalid duration "soon"`},
		{"authorization { users: [ {user: a, password: b, extra: 1} ] }\n", `user: unknown key "extra"`},
		{"gateway { listen: 1.2.3.4:7222 }\n", `"gateway" is not supported`},
		{"cluster { name: c }\n", "cluster: listen (or port) is required"},
		{"cluster { listen: 6222, routes: [\"nats://nope\"] }\n", `needs host:port`},
		{"cluster { listen: 6222, bogus: 1 }\n", `cluster: "bogus" is not supported`},
		{"cluster { listen: 6222, authorization { user: a } }\n", "user and password go together"},
		{"cluster { listen: 6222, compression: s2_fast }\n", "compression is not supported"},
		{"authorization { users: [ {password: b} ] }\n", "needs user or nkey"},
		{"authorization { permissions: { publish: \"a..b\" } }\n", `invalid subject "a..b"`},
	}
	for _, c := range cases {
		_, err := Parse(c.text)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v, want error containing %q", c.text, err, c.want)
		}
	}
}

func TestFlagsOverrideConfig(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/n.conf"
	writeFile(t, path, "port: 5000\nserver_name: fromfile\ndebug: false\n")
	cmd, err := ParseArgs([]string{"-c", path, "-p", "6000", "-DV"}, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	o := cmd.Options
	if o.Port != 6000 || o.ServerName != "fromfile" || !o.Debug || !o.Trace {
		t.Fatalf("got port %d name %q debug %v trace %v", o.Port, o.ServerName, o.Debug, o.Trace)
	}
	if _, err := ParseArgs([]string{"--nope"}, &strings.Builder{}); err == nil {
		t.Fatal("unknown flag accepted")
	}
	if _, err := ParseArgs([]string{"--routes", "nats://x:1"}, &strings.Builder{}); err == nil {
		t.Fatal("--routes accepted without --cluster")
	}
}
