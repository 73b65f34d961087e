package test

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"golang.org/x/crypto/bcrypt"

	"github.com/natsnet/natsnet"
)

// End-to-end tests of TLS, of a complete configuration file and of
// configuration errors.

// testPKI is a throwaway CA with a server and a client certificate, written
// as PEM files in a temporary directory.
type testPKI struct {
	dir                    string
	nextSerial             int64
	ca                     *x509.Certificate
	caSigner               *ecdsa.PrivateKey
	pool                   *x509.CertPool
	caFile                 string
	serverCert, serverKey  string
	clientCert, clientKey  string
	serverPair, clientPair tls.Certificate
}

// newPKI creates a CA and, signed by it, a certificate for 127.0.0.1 and
// localhost (server use) and one for CN=client (client use).
func newPKI(t testing.TB) *testPKI {
	t.Helper()
	p := &testPKI{dir: t.TempDir(), nextSerial: 1}
	key := newKey(t)
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "natsnet test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	p.ca, p.caFile, _ = p.issue(t, tmpl, key, nil, nil, "ca")
	p.caSigner = key
	p.pool = x509.NewCertPool()
	p.pool.AddCert(p.ca)

	p.serverCert, p.serverKey, p.serverPair = p.leaf(t, "server", &x509.Certificate{
		Subject:     pkix.Name{CommonName: "localhost"},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	p.clientCert, p.clientKey, p.clientPair = p.leaf(t, "client", &x509.Certificate{
		Subject:     pkix.Name{CommonName: "client"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	return p
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// issue signs tmpl (self-signed when parent is nil) and writes the
// certificate and key as name.pem and name-key.pem.
func (p *testPKI) issue(t testing.TB, tmpl *x509.Certificate, key *ecdsa.PrivateKey, parent *x509.Certificate, signer *ecdsa.PrivateKey, name string) (*x509.Certificate, string, string) {
	t.Helper()
	tmpl.SerialNumber = big.NewInt(p.nextSerial)
	p.nextSerial++
	if parent == nil {
		parent, signer = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		t.Fatalf("create %s certificate: %v", name, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile := filepath.Join(p.dir, name+".pem")
	keyFile := filepath.Join(p.dir, name+"-key.pem")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "EC PRIVATE KEY", keyDER)
	return cert, certFile, keyFile
}

// leaf issues a CA-signed certificate and loads it as a tls.Certificate.
func (p *testPKI) leaf(t testing.TB, name string, tmpl *x509.Certificate) (string, string, tls.Certificate) {
	t.Helper()
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	_, certFile, keyFile := p.issue(t, tmpl, newKey(t), p.ca, p.caSigner, name)
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, pair
}

func writePEM(t testing.TB, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// serverTLS is the server side: the server certificate and, with verify,
// client certificates checked against the CA.
func (p *testPKI) serverTLS(verify bool) *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{p.serverPair}}
	if verify {
		cfg.ClientCAs = p.pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg
}

// tlsConf is a configuration file tls block for the PKI.
func (p *testPKI) tlsConf(verify bool) string {
	return fmt.Sprintf("tls {\n  cert_file: %q\n  key_file: %q\n  ca_file: %q\n  verify: %v\n  timeout: 2\n}\n",
		p.serverCert, p.serverKey, p.caFile, verify)
}

func TestTLSOptions(t *testing.T) {
	t.Parallel()
	pki := newPKI(t)
	s := startServer(t, &natsnet.Options{TLSConfig: pki.serverTLS(false)})

	// nats.RootCAs turns TLS on in the client.
	nc := connect(t, s.ClientURL(), nats.RootCAs(pki.caFile))
	roundTrip(t, nc, "secure")
	cs, err := nc.TLSConnectionState()
	if err != nil || !cs.HandshakeComplete || cs.Version != tls.VersionTLS13 {
		t.Fatalf("TLS state %+v, %v; want a completed TLS 1.3 handshake", cs, err)
	}

	// The same with an explicit client tls.Config and a tls:// URL.
	nc2 := connect(t, strings.Replace(s.ClientURL(), "nats://", "tls://", 1),
		nats.Secure(&tls.Config{RootCAs: pki.pool, MinVersion: tls.VersionTLS12}))
	sub := subscribe(t, nc2, "across")
	publish(t, nc, "across", "x")
	nextMsg(t, sub, "across", "x")

	// A client that does not trust the CA refuses the server.
	err = connectErr(t, s.ClientURL(), nats.Secure(&tls.Config{MinVersion: tls.VersionTLS12}))
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("connect without the CA: %v, want an unknown authority error", err)
	}
}

func TestTLSPlaintextClientRefused(t *testing.T) {
	t.Parallel()
	pki := newPKI(t)
	s := startConfig(t, pki.tlsConf(false))
	nc := connect(t, s.ClientURL(), nats.RootCAs(pki.caFile))

	// INFO comes in plaintext and announces TLS; a client that then speaks
	// plaintext fails the handshake and is dropped without a reply.
	addr := strings.TrimPrefix(s.ClientURL(), "nats://")
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rc := &rawConn{t: t, nc: conn, br: bufio.NewReader(conn)}
	info := rc.readLine()
	if !strings.HasPrefix(info, "INFO ") || !strings.Contains(info, `"tls_required":true`) {
		t.Fatalf("INFO %q does not require TLS", info)
	}
	rc.send("CONNECT {\"verbose\":false}\r\nPING\r\n")
	rc.expectClosed()

	// The TLS client was not affected.
	roundTrip(t, nc, "still.secure")
}

func TestTLSClientWantsTLSFromPlainServer(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	err := connectErr(t, s.ClientURL(), nats.Secure(&tls.Config{MinVersion: tls.VersionTLS12}))
	if !errors.Is(err, nats.ErrSecureConnWanted) {
		t.Fatalf("connect: %v, want %v", err, nats.ErrSecureConnWanted)
	}
}

func TestTLSVerifyClientCertificates(t *testing.T) {
	t.Parallel()
	pki := newPKI(t)
	s := startConfig(t, pki.tlsConf(true))
	nc := connect(t, s.ClientURL(), nats.RootCAs(pki.caFile), nats.ClientCert(pki.clientCert, pki.clientKey))
	roundTrip(t, nc, "verified")

	// Without a client certificate, or with one from another CA, the
	// handshake fails. Depending on timing nats.go reports the server's
	// alert or just the closed connection, so only the failure is checked.
	_ = connectErr(t, s.ClientURL(), nats.RootCAs(pki.caFile))
	other := newPKI(t)
	_ = connectErr(t, s.ClientURL(), nats.RootCAs(pki.caFile), nats.ClientCert(other.clientCert, other.clientKey))
	// Only the verified client remains.
	waitFor(t, 3*time.Second, "refused clients to go", func() bool { return s.NumClients() == 1 })
	roundTrip(t, nc, "verified.after")
}

func TestTLSConnz(t *testing.T) {
	t.Parallel()
	pki := newPKI(t)
	s := startServer(t, &natsnet.Options{TLSConfig: pki.serverTLS(true), TLSVerify: true, HTTPPort: natsnet.RandomPort})
	nc := connect(t, s.ClientURL(), nats.Name("tls-client"),
		nats.RootCAs(pki.caFile), nats.ClientCert(pki.clientCert, pki.clientKey))
	flush(t, nc)
	_ = connectErr(t, s.ClientURL(), nats.RootCAs(pki.caFile))
	cs, err := nc.TLSConnectionState()
	if err != nil {
		t.Fatal(err)
	}

	var connz struct {
		Connections []struct {
			Name      string `json:"name"`
			Reason    string `json:"reason"`
			TLSVer    string `json:"tls_version"`
			TLSCipher string `json:"tls_cipher_suite"`
		} `json:"connections"`
	}
	getJSON(t, s.MonitorURL()+"/connz", &connz)
	if len(connz.Connections) != 1 {
		t.Fatalf("connz lists %d connections, want 1", len(connz.Connections))
	}
	ci := connz.Connections[0]
	if ci.Name != "tls-client" || ci.TLSVer != "1.3" || ci.TLSCipher != tls.CipherSuiteName(cs.CipherSuite) {
		t.Fatalf("connz entry %+v, want tls-client with TLS 1.3 and %s", ci, tls.CipherSuiteName(cs.CipherSuite))
	}

	// The client without a certificate is recorded as a failed handshake.
	waitFor(t, 3*time.Second, "closed connection record", func() bool {
		getJSON(t, s.MonitorURL()+"/connz?state=closed", &connz)
		for _, c := range connz.Connections {
			if c.Reason == "TLS Handshake Failure" {
				return true
			}
		}
		return false
	})
}

// getJSON fetches url and decodes its JSON body into v.
func getJSON(t testing.TB, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func TestFullConfigFile(t *testing.T) {
	t.Parallel()
	pki := newPKI(t)
	pub, kp := nkeyUser(t)
	hash, err := bcrypt.GenerateFromPassword([]byte("ops-pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`
# Everything at once: users in the global account, two accounts, a
# system account, permissions, TLS with client certificates.
server_name: full

authorization {
  timeout: 5
  users: [
    {user: ops, password: %q}
  ]
}

accounts {
  SYS: { users: [ {user: admin, password: admin} ] }
  SHOP: {
    users: [
      {user: web, password: web, permissions: {
        publish: ["orders.new", "_INBOX.>"]
        subscribe: {allow: ["orders.>", "_INBOX.>"], deny: ["orders.internal"]}
      }}
      {nkey: %q}
    ]
  }
  BANK: { users: [ {user: teller, password: teller} ] }
}
system_account: SYS

%s`, hash, pub, pki.tlsConf(true))
	s := startConfig(t, conf)
	if s.Name() != "full" {
		t.Fatalf("server name %q, want full", s.Name())
	}

	certs := []nats.Option{nats.RootCAs(pki.caFile), nats.ClientCert(pki.clientCert, pki.clientKey)}
	with := func(opts ...nats.Option) []nats.Option { return append(append([]nats.Option{}, certs...), opts...) }

	errs := newAsyncErrs()
	web := connect(t, s.ClientURL(), with(nats.UserInfo("web", "web"), errs.option())...)
	backend := connect(t, s.ClientURL(), with(nkeyOption(pub, kp))...)
	teller := connect(t, s.ClientURL(), with(nats.UserInfo("teller", "teller"))...)
	ops := connect(t, s.ClientURL(), with(nats.UserInfo("ops", "ops-pw"))...)
	admin := connect(t, s.ClientURL(), with(nats.UserInfo("admin", "admin"))...)

	// Permissions in the SHOP account.
	orders := subscribe(t, web, "orders.>")
	newOrders := subscribe(t, backend, "orders.new")
	publish(t, web, "orders.new", "o1")
	nextMsg(t, newOrders, "orders.new", "o1")
	nextMsg(t, orders, "orders.new", "o1")
	publish(t, web, "orders.cancel", "o2")
	flush(t, web)
	errs.expect(t, `Permissions Violation for Publish to "orders.cancel"`)
	publish(t, backend, "orders.internal", "secret")
	publish(t, backend, "orders.shipped", "o3")
	nextMsg(t, orders, "orders.shipped", "o3")

	// Request/reply inside SHOP: web's reply comes back on its _INBOX.
	if _, err := backend.Subscribe("orders.new", func(m *nats.Msg) { _ = m.Respond([]byte("accepted")) }); err != nil {
		t.Fatal(err)
	}
	flush(t, backend)
	if m, err := web.Request("orders.new", []byte("o5"), 3*time.Second); err != nil || string(m.Data) != "accepted" {
		t.Fatalf("request from web: %v %v", m, err)
	}

	// Accounts are isolated: BANK and the global account see nothing.
	for _, nc := range []*nats.Conn{teller, ops} {
		all := subscribe(t, nc, ">")
		publish(t, backend, "orders.new", "o4")
		flush(t, backend)
		publish(t, nc, "marker", "m")
		expectOnly(t, all, "marker", "m")
		_ = all.Unsubscribe()
	}

	// The system account answers its users only.
	if p := pingServer(t, admin); p.Server.ID != s.ID() || p.Server.Name != "full" {
		t.Fatalf("ping reply server %+v", p.Server)
	}
	if _, err := teller.Request("$SYS.REQ.SERVER.PING", nil, 3*time.Second); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("ping from BANK: %v, want %v", err, nats.ErrNoResponders)
	}

	// Authentication and TLS are both required.
	expectAuthFailure(t, s.ClientURL(), with(nats.UserInfo("ops", "wrong"))...)
	expectAuthFailure(t, s.ClientURL(), with()...)
	if err := connectErr(t, s.ClientURL(), nats.RootCAs(pki.caFile), nats.UserInfo("web", "web")); errors.Is(err, nats.ErrAuthorization) {
		t.Fatalf("connect without a client certificate got %v, want a TLS failure", err)
	}
	roundTrip(t, teller, "bank.still")
}

func TestBadConfigFilesNamePosition(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, conf, want string
		line             int
	}{
		{"unknown key", "port: 4222\n\nbogus_key: 1\n", `unknown configuration key "bogus_key"`, 3},
		{"wrong type", "port: 4222\nauthorization {\n  users: 5\n}\n", "users: expected a list", 3},
		{"bad permission subject", "authorization {\n  users: [\n    {user: a, password: b, permissions: {publish: [\"foo..bar\"]}}\n  ]\n}\n", `invalid subject "foo..bar"`, 3},
		{"unknown user key", "accounts {\n  A: {\n    users: [ {user: a, pass: b, colour: blue} ]\n  }\n}\n", `unknown key "colour"`, 3},
		{"unknown permissions key", "authorization {\n  permissions: {\n    publish: \">\"\n    deliver: \">\"\n  }\n}\n", `unknown key "deliver"`, 4},
		{"missing tls files", "\ntls {\n  cert_file: \"/nonexistent/cert.pem\"\n  key_file: \"/nonexistent/key.pem\"\n}\n", "load certificate", 2},
		{"tls without key", "port: 1\ntls {\n  cert_file: \"c.pem\"\n}\n", "cert_file and key_file are required", 2},
		{"unclosed block", "port: 4222\naccounts {\n  A: { users: [] }\n", "", 0},
		{"unsupported", "port: 4222\ngateway {\n  port: 7222\n}\n", `"gateway" is not supported`, 2},
		{"cluster without listen", "port: 4222\ncluster {\n  name: c\n}\n", "cluster: listen (or port) is required", 2},
		{"undeclared system account", "port: 4222\n\nsystem_account: NOPE\n", `system_account "NOPE"`, 3},
		{"unknown no_auth_user", "authorization {\n  users: [ {user: a, password: b} ]\n}\nno_auth_user: zed\n", `no_auth_user "zed"`, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := writeTemp(t, "bad.conf", tc.conf)
			_, err := natsnet.LoadConfig(path)
			if err == nil {
				t.Fatal("config accepted")
			}
			msg := err.Error()
			if !strings.Contains(msg, path+":") {
				t.Fatalf("error %q does not name %s", msg, path)
			}
			if tc.line > 0 && !strings.Contains(msg, fmt.Sprintf("%s:%d", path, tc.line)) {
				t.Fatalf("error %q does not point at line %d", msg, tc.line)
			}
			if !strings.Contains(msg, tc.want) {
				t.Fatalf("error %q does not mention %q", msg, tc.want)
			}
		})
	}
}
