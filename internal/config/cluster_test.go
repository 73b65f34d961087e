package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseCluster(t *testing.T) {
	o, err := Parse(`
		cluster {
			name: east
			listen: 127.0.0.1:6333
			advertise: "east-1:6333"
			routes: [ nats://a:6333, "nats://u:p@b:6333" ]
			authorization { user: ru, password: rp, timeout: 3 }
			no_advertise: true
			connect_retries: 5
			pool_size: 3
			compression: off
		}
	`)
	if err != nil {
		t.Fatal(err)
	}
	c := o.Cluster
	checks := []struct {
		name      string
		got, want any
	}{
		{"name", c.Name, "east"},
		{"host", c.Host, "127.0.0.1"},
		{"port", c.Port, 6333},
		{"advertise", c.Advertise, "east-1:6333"},
		{"routes", strings.Join(c.Routes, ","), "nats://a:6333,nats://u:p@b:6333"},
		{"user", c.Username, "ru"},
		{"password", c.Password, "rp"},
		{"auth timeout", c.AuthTimeout, 3 * time.Second},
		{"no_advertise", c.NoAdvertise, true},
		{"connect_retries", c.ConnectRetries, 5},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s: got %v, want %v", ck.name, ck.got, ck.want)
		}
	}
	if !c.Enabled() {
		t.Fatal("cluster not enabled")
	}
}

func TestClusterFlags(t *testing.T) {
	cmd, err := ParseArgs([]string{
		"--cluster", "nats://ru:rp@127.0.0.1:6444", "--cluster_name", "west",
		"--routes", "nats://127.0.0.1:6445, nats://127.0.0.1:6446", "--no_advertise", "--connect_retries", "2",
	}, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	c := cmd.Options.Cluster
	if c.Host != "127.0.0.1" || c.Port != 6444 || c.Name != "west" || c.Username != "ru" || c.Password != "rp" ||
		!c.NoAdvertise || c.ConnectRetries != 2 ||
		!slices.Equal(c.Routes, []string{"nats://127.0.0.1:6445", "nats://127.0.0.1:6446"}) {
		t.Fatalf("cluster options: %+v", c)
	}
	for _, args := range [][]string{
		{"--cluster_name", "x"},
		{"--cluster", "nats://127.0.0.1"},
		{"--cluster", "nats://127.0.0.1:1", "--routes", "nats://x"},
	} {
		if _, err := ParseArgs(args, &strings.Builder{}); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
