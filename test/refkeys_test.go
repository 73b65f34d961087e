package test

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"
)

// JSON key sets of the reference server's monitoring documents, recorded
// from nats-server v2.15.2 (started with -a 127.0.0.1 -m <port>, no auth, a
// few subscribers). A key path is the chain of object keys joined with ".";
// "[]" stands for "every element of an array".
//
// natsnet must produce every one of them except those in refKnownGaps,
// which are reported gaps rather than deliberate differences.
var (
	refVarzKeys = []string{
		"server_id", "server_name", "version", "proto", "go", "host", "port",
		"max_connections", "ping_interval", "ping_max", "http_host", "http_port",
		"http_base_path", "https_port", "auth_timeout", "max_control_line",
		"max_payload", "max_pending", "cluster", "gateway", "leaf", "mqtt",
		"websocket", "jetstream", "tls_timeout", "write_deadline", "start", "now",
		"uptime", "mem", "cores", "gomaxprocs", "cpu", "connections",
		"total_connections", "routes", "remotes", "leafnodes", "in_msgs",
		"in_bytes", "in_client_msgs", "in_client_bytes", "out_msgs", "out_bytes",
		"out_client_msgs", "out_client_bytes", "slow_consumers",
		"stale_connections", "stalled_clients", "subscriptions", "http_req_stats",
		"config_load_time", "config_digest", "feature_flags", "system_account",
		"slow_consumer_stats", "slow_consumer_stats.clients",
		"slow_consumer_stats.routes", "slow_consumer_stats.gateways",
		"slow_consumer_stats.leafs", "stale_connection_stats",
		"stale_connection_stats.clients", "stale_connection_stats.routes",
		"stale_connection_stats.gateways", "stale_connection_stats.leafs",
		"disk_io_wait_stats",
	}
	refConnzKeys = []string{
		"server_id", "now", "num_connections", "total", "offset", "limit", "connections",
	}
	// Keys of one open client in /connz?subs=1.
	refConnKeys = []string{
		"cid", "kind", "type", "ip", "port", "start", "last_activity", "rtt",
		"uptime", "idle", "pending_bytes", "in_msgs", "out_msgs", "in_bytes",
		"out_bytes", "subscriptions", "name", "lang", "version", "subscriptions_list",
	}
	// Keys of one closed client in /connz?state=closed.
	refClosedConnKeys = []string{
		"cid", "kind", "type", "ip", "port", "start", "last_activity", "stop",
		"reason", "rtt", "uptime", "idle", "pending_bytes", "in_msgs", "out_msgs",
		"in_bytes", "out_bytes", "subscriptions", "name", "lang", "version",
	}
	// Keys of one entry of /connz?subs=detail's subscriptions_list_detail.
	refConnSubDetailKeys = []string{"subject", "sid", "msgs", "cid"}
	refSubszKeys         = []string{
		"server_id", "now", "num_subscriptions", "num_cache", "num_inserts",
		"num_removes", "num_matches", "cache_hit_rate", "max_fanout", "avg_fanout",
		"total", "offset", "limit", "subscriptions_list",
	}
	// Keys of one entry of /subsz?subs=1's subscriptions_list.
	refSubszEntryKeys = []string{"account", "account_tag", "subject", "sid", "msgs", "cid"}

	// refKnownGaps are reference keys natsnet does not produce yet.
	refKnownGaps = map[string]bool{
		"varz.feature_flags":          true,
		"varz.jetstream":              true, // the reference always has "jetstream":{}
		"varz.stale_connection_stats": true,
		"varz.disk_io_wait_stats":     true,
		"subsz.entry.account_tag":     true, // the reference repeats the account name
	}
)

// jsonKeyPaths returns every key path of a decoded JSON document.
func jsonKeyPaths(v any) map[string]bool {
	out := map[string]bool{}
	var walk func(v any, prefix string)
	walk = func(v any, prefix string) {
		switch x := v.(type) {
		case map[string]any:
			for k, child := range x {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				out[p] = true
				walk(child, p)
			}
		case []any:
			for _, child := range x {
				walk(child, prefix+"[]")
			}
		}
	}
	walk(v, "")
	return out
}

// missingJSONKeys lists, sorted, the key paths of the reference document ref
// that the document got lacks. Both are raw JSON.
func missingJSONKeys(ref, got []byte) ([]string, error) {
	var r, g any
	if err := json.Unmarshal(ref, &r); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(got, &g); err != nil {
		return nil, err
	}
	have := jsonKeyPaths(g)
	var missing []string
	for k := range jsonKeyPaths(r) {
		if !have[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	return missing, nil
}

// expectKeys fails the test for every key in want that the JSON object obj
// lacks, unless it is a known gap: gapPrefix+"."+key or one of its parent
// paths is in refKnownGaps.
func expectKeys(t testing.TB, what, gapPrefix string, obj []byte, want []string) {
	t.Helper()
	var v any
	if err := json.Unmarshal(obj, &v); err != nil {
		t.Fatalf("%s: %v in %s", what, err, obj)
	}
	have := jsonKeyPaths(v)
	for _, k := range want {
		if !have[k] && !knownGap(gapPrefix+"."+k) {
			t.Errorf("%s: key %q of the reference is missing", what, k)
		}
	}
}

// knownGap reports whether path or one of its parents is in refKnownGaps.
func knownGap(path string) bool {
	for {
		if refKnownGaps[path] {
			return true
		}
		i := strings.LastIndexByte(path, '.')
		if i < 0 {
			return false
		}
		path = path[:i]
	}
}

func TestMissingJSONKeysHelper(t *testing.T) {
	t.Parallel()
	ref := []byte(`{"a":1,"b":{"c":2,"d":[{"e":1},{"f":2}]},"g":[]}`)
	got := []byte(`{"a":3,"b":{"d":[{"e":1}]},"x":1}`)
	missing, err := missingJSONKeys(ref, got)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"b.c", "b.d[].f", "g"}; !slices.Equal(missing, want) {
		t.Fatalf("missing %v, want %v", missing, want)
	}
	if _, err := missingJSONKeys([]byte("{"), got); err == nil {
		t.Fatal("bad reference JSON accepted")
	}
}
