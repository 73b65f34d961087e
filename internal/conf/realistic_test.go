package conf

import (
	"path/filepath"
	"reflect"
	"testing"
)

const realisticConf = `# natsnet example server
server_name: "n1-east"
listen: 0.0.0.0:4222
http: 127.0.0.1:8222
max_payload: 1MB
max_pending: 64MB
max_connections: 64K
write_deadline: "10s"
ping_interval: "2m"
ping_max: 3
debug: false
trace: off
logtime: true
lame_duck_duration: 2m30s

PASS: $2a$11$W2zko751KUvVy59mUTWmpOdWjpEm5qhcCZRd05GjI/sSOT.xtiHyG

tls {
  cert_file: "/etc/nats/certs/server.pem"
  key_file:  "/etc/nats/certs/server-key.pem"
  ca_file:   '/etc/nats/certs/ca.pem'
  verify:    true
  timeout:   2.5
  cipher_suites: [
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
  ]
}

authorization {
  timeout: 1
  default_permissions = {
    publish = ["SANDBOX.*"]
    subscribe = ["PUBLIC.>", "_INBOX.>"]
  }
  ADMIN = { publish = ">", subscribe = ">" }
  users = [
    {user: admin,  password: $PASS, permissions: $ADMIN}
    {user: "client", password: s3cr3t!, permissions: {
        publish: { deny: ["admin.>"] }
      }
    }
    {nkey: UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4}
  ]
}

accounts {
  SYS: { users: [{user: sys, password: sys}] }
  ORDERS: {
    jetstream: enabled
    users: [{user: orders, password: "o"}]
    exports: [
      {stream: "orders.events.>", accounts: [BILLING]}
      {service: "orders.lookup"}
    ]
  }
  BILLING {
    users = [{user: billing, password: b}]
    imports = [
      {stream: {account: ORDERS, subject: "orders.events.>"}, prefix: billing}
    ]
  }
}
system_account: SYS

jetstream {
  store_dir: /data/jetstream
  max_memory_store: 1GB
  max_file_store: 10GiB
}

cluster {
  name: east
  listen: 0.0.0.0:6222
  authorization {
    user: route_user
    password: top_secret
    timeout: 0.5
  }
  // Routes are actively solicited.
  routes = [
    nats-route://route_user:top_secret@n2-east:6222
    nats-route://route_user:top_secret@n3-east:6222
  ]
}

leafnodes {
  port: 7422
  remotes = [ { url: "tls://hub.example.com:7422", credentials: "/etc/nats/leaf.creds" } ]
}

websocket { port: 8080; no_tls: true; compression: true }

mappings = {
  "orders.new": [
    {destination: "orders.new.east", weight: 80%}
    {destination: "orders.new.west", weight: 20%}
  ]
}
`

func TestRealisticConfig(t *testing.T) {
	const pass = "$2a$11$W2zko751KUvVy59mUTWmpOdWjpEm5qhcCZRd05GjI/sSOT.xtiHyG"
	admin := M{"publish": ">", "subscribe": ">"}
	want := M{
		"server_name":        "n1-east",
		"listen":             "0.0.0.0:4222",
		"http":               "127.0.0.1:8222",
		"max_payload":        int64(1 << 20),
		"max_pending":        int64(64 << 20),
		"max_connections":    int64(64000),
		"write_deadline":     "10s",
		"ping_interval":      "2m",
		"ping_max":           int64(3),
		"debug":              false,
		"trace":              false,
		"logtime":            true,
		"lame_duck_duration": "2m30s",
		"PASS":               pass,
		"tls": M{
			"cert_file":     "/etc/nats/certs/server.pem",
			"key_file":      "/etc/nats/certs/server-key.pem",
			"ca_file":       "/etc/nats/certs/ca.pem",
			"verify":        true,
			"timeout":       2.5,
			"cipher_suites": A{"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
		},
		"authorization": M{
			"timeout": int64(1),
			"default_permissions": M{
				"publish":   A{"SANDBOX.*"},
				"subscribe": A{"PUBLIC.>", "_INBOX.>"},
			},
			"ADMIN": admin,
			"users": A{
				M{"user": "admin", "password": pass, "permissions": admin},
				M{"user": "client", "password": "s3cr3t!", "permissions": M{"publish": M{"deny": A{"admin.>"}}}},
				M{"nkey": "UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4"},
			},
		},
		"accounts": M{
			"SYS": M{"users": A{M{"user": "sys", "password": "sys"}}},
			"ORDERS": M{
				"jetstream": "enabled",
				"users":     A{M{"user": "orders", "password": "o"}},
				"exports": A{
					M{"stream": "orders.events.>", "accounts": A{"BILLING"}},
					M{"service": "orders.lookup"},
				},
			},
			"BILLING": M{
				"users": A{M{"user": "billing", "password": "b"}},
				"imports": A{
					M{"stream": M{"account": "ORDERS", "subject": "orders.events.>"}, "prefix": "billing"},
				},
			},
		},
		"system_account": "SYS",
		"jetstream": M{
			"store_dir":        "/data/jetstream",
			"max_memory_store": int64(1 << 30),
			"max_file_store":   int64(10 << 30),
		},
		"cluster": M{
			"name":          "east",
			"listen":        "0.0.0.0:6222",
			"authorization": M{"user": "route_user", "password": "top_secret", "timeout": 0.5},
			"routes": A{
				"nats-route://route_user:top_secret@n2-east:6222",
				"nats-route://route_user:top_secret@n3-east:6222",
			},
		},
		"leafnodes": M{
			"port":    int64(7422),
			"remotes": A{M{"url": "tls://hub.example.com:7422", "credentials": "/etc/nats/leaf.creds"}},
		},
		"websocket": M{"port": int64(8080), "no_tls": true, "compression": true},
		"mappings": M{"orders.new": A{
			M{"destination": "orders.new.east", "weight": "80%"},
			M{"destination": "orders.new.west", "weight": "20%"},
		}},
	}

	// Parse from a string and from a file: same tree, and file positions.
	m := mustParse(t, realisticConf)
	if got := m.Interface(); !reflect.DeepEqual(got, want) {
		t.Errorf("Parse:\n got  %#v\n want %#v", got, want)
	}
	dir := writeFiles(t, map[string]string{"nats.conf": realisticConf})
	path := filepath.Join(dir, "nats.conf")
	fm, err := ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fm.Interface(); !reflect.DeepEqual(got, want) {
		t.Errorf("ParseFile:\n got  %#v\n want %#v", got, want)
	}
	wantKeys := []string{"server_name", "listen", "http", "max_payload", "max_pending", "max_connections",
		"write_deadline", "ping_interval", "ping_max", "debug", "trace", "logtime", "lame_duck_duration",
		"PASS", "tls", "authorization", "accounts", "system_account", "jetstream", "cluster", "leafnodes",
		"websocket", "mappings"}
	if got := fm.Keys(); !reflect.DeepEqual(got, wantKeys) {
		t.Errorf("Keys() = %v\nwant %v", got, wantKeys)
	}
	cl, _ := fm.Get("cluster")
	routes, _ := cl.Map.Get("routes")
	if want := (Pos{File: path, Line: 82, Col: 5}); routes.Array[0].Pos != want {
		t.Errorf("routes[0] at %v, want %v", routes.Array[0].Pos, want)
	}
}
