package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/natsnet/natsnet/internal/conf"
	"github.com/natsnet/natsnet/internal/server"
)

// Error is a configuration error at a position in a file.
type Error struct {
	Pos conf.Pos
	Msg string
}

func (e *Error) Error() string {
	if e.Pos.File == "" && e.Pos.Line == 0 {
		return "config: " + e.Msg
	}
	return fmt.Sprintf("%s: %s", e.Pos, e.Msg)
}

func errAt(v *conf.Value, format string, args ...any) error {
	return &Error{Pos: v.Pos, Msg: fmt.Sprintf(format, args...)}
}

// Load reads a configuration file into new options.
func Load(path string) (*server.Options, error) {
	m, err := conf.ParseFile(path)
	if err != nil {
		return nil, err
	}
	o := &server.Options{ConfigFile: path}
	if err := Apply(o, m); err != nil {
		return nil, err
	}
	return o, nil
}

// Parse reads configuration text into new options.
func Parse(text string) (*server.Options, error) {
	m, err := conf.Parse(text)
	if err != nil {
		return nil, err
	}
	o := &server.Options{}
	if err := Apply(o, m); err != nil {
		return nil, err
	}
	return o, nil
}

// Apply sets the options named in a parsed configuration. Every key must be
// known; the first problem is returned with its position.
func Apply(o *server.Options, m *conf.Map) error {
	var pendingAccountUsers []*server.User
	var pendingAccountNkeys []*server.NkeyUser
	for key, v := range m.All() {
		var err error
		switch strings.ToLower(key) {
		case "listen":
			err = setHostPort(v, &o.Host, &o.Port)
		case "host", "net":
			o.Host, err = str(v)
		case "port":
			o.Port, err = intVal(v)
		case "server_name":
			o.ServerName, err = str(v)
			if err == nil && strings.ContainsAny(o.ServerName, " \t") {
				err = errAt(v, "server name %q cannot contain spaces", o.ServerName)
			}
		case "client_advertise":
			o.ClientAdvertise, err = str(v)
		case "http", "monitor":
			if v.Kind == conf.KindInt {
				o.HTTPPort, err = intVal(v)
			} else {
				err = setHostPort(v, &o.HTTPHost, &o.HTTPPort)
			}
		case "http_port", "monitor_port":
			o.HTTPPort, err = intVal(v)
		case "prof_port":
			o.ProfPort, err = intVal(v)
		case "http_host":
			o.HTTPHost, err = str(v)
		case "debug":
			o.Debug, err = boolVal(v)
		case "trace", "trace_verbose":
			o.Trace, err = boolVal(v)
		case "logtime":
			o.Logtime, err = boolVal(v)
		case "log_file", "logfile":
			o.LogFile, err = str(v)
		case "max_connections", "max_conn":
			o.MaxConnections, err = intVal(v)
		case "max_subscriptions", "max_subs":
			o.MaxSubscriptions, err = intVal(v)
		case "max_control_line":
			o.MaxControlLine, err = positiveInt(v)
		case "max_payload":
			o.MaxPayload, err = positiveInt(v)
		case "max_pending":
			var n int
			n, err = positiveInt(v)
			o.MaxPending = int64(n)
		case "ping_interval":
			o.PingInterval, err = duration(v, time.Second)
		case "ping_max":
			o.MaxPingsOut, err = positiveInt(v)
		case "write_deadline":
			o.WriteDeadline, err = duration(v, time.Second)
		case "max_closed_clients":
			o.MaxClosedClients, err = intVal(v)
		case "no_header_support":
			o.NoHeaderSupport, err = boolVal(v)
		case "lame_duck_duration":
			o.LameDuckDuration, err = duration(v, time.Second)
		case "lame_duck_grace_period":
			o.LameDuckGracePeriod, err = duration(v, time.Second)
		case "authorization":
			err = applyAuthorization(o, v)
		case "no_auth_user":
			o.NoAuthUser, err = str(v)
		case "accounts":
			var users []*server.User
			var nkeys []*server.NkeyUser
			users, nkeys, err = applyAccounts(o, v)
			pendingAccountUsers = append(pendingAccountUsers, users...)
			pendingAccountNkeys = append(pendingAccountNkeys, nkeys...)
		case "system_account":
			o.SystemAccount, err = str(v)
		case "no_system_account":
			o.NoSystemAcct, err = boolVal(v)
		case "tls":
			err = applyTLS(o, v)
		case "jetstream":
			err = applyJetStream(o, v)
		case "store_dir":
			o.StoreDir, err = str(v)
		case "server_tags":
			o.Tags, err = strList(v)
		case "cluster":
			err = applyCluster(o, v)
		case "gateway", "leafnodes", "mqtt", "websocket", "operator", "resolver":
			err = errAt(v, "%q is not supported by natsnet yet", key)
		default:
			if m.UsedAsVariable(key) {
				continue // a variable definition, as the reference allows
			}
			err = errAt(v, "unknown configuration key %q", key)
		}
		if err != nil {
			return err
		}
	}
	o.Users = append(o.Users, pendingAccountUsers...)
	o.NkeyUsers = append(o.NkeyUsers, pendingAccountNkeys...)
	return validate(o, m)
}

// validate checks cross-field rules once all keys of m are read. Errors
// point at the value of the key that breaks a rule.
func validate(o *server.Options, m *conf.Map) error {
	declared := map[string]bool{server.DefaultGlobalAccount: true}
	for _, a := range o.Accounts {
		declared[a.Name] = true
	}
	if o.SystemAccount != "" && o.SystemAccount != server.DefaultSystemAccount && !declared[o.SystemAccount] {
		return errAtKey(m, "system_account", "system_account %q is not a declared account", o.SystemAccount)
	}
	if o.NoAuthUser != "" {
		found := false
		for _, u := range o.Users {
			found = found || u.Username == o.NoAuthUser
		}
		if !found {
			return errAtKey(m, "no_auth_user", "no_auth_user %q not present as user", o.NoAuthUser)
		}
	}
	return nil
}

// errAtKey returns an error at the value of the top-level key name (matched
// in any case), or one without a position if m does not set name.
func errAtKey(m *conf.Map, name, format string, args ...any) error {
	for key, v := range m.All() {
		if strings.EqualFold(key, name) {
			return errAt(v, format, args...)
		}
	}
	return &Error{Msg: fmt.Sprintf(format, args...)}
}

func str(v *conf.Value) (string, error) {
	switch v.Kind {
	case conf.KindString:
		return v.Str, nil
	case conf.KindInt:
		return strconv.FormatInt(v.Int, 10), nil
	}
	return "", errAt(v, "expected a string, got %s", v.Kind)
}

func intVal(v *conf.Value) (int, error) {
	switch v.Kind {
	case conf.KindInt:
		return int(v.Int), nil
	case conf.KindString:
		n, err := strconv.Atoi(v.Str)
		if err == nil {
			return n, nil
		}
	}
	return 0, errAt(v, "expected an integer, got %s", v.Kind)
}

func positiveInt(v *conf.Value) (int, error) {
	n, err := intVal(v)
	if err == nil && n <= 0 {
		return 0, errAt(v, "expected a positive value, got %d", n)
	}
	return n, err
}

func boolVal(v *conf.Value) (bool, error) {
	if v.Kind != conf.KindBool {
		return false, errAt(v, "expected a boolean, got %s", v.Kind)
	}
	return v.Bool, nil
}

// duration accepts a Go duration string ("2m", "1h30m") or a number of
// units (seconds for most keys, as the reference does).
// syncInterval reads jetstream.sync_interval: "always" (natsnet's default:
// fsync before acknowledging, with group commit) or a positive duration
// between background fsyncs.
func syncInterval(v *conf.Value) (time.Duration, error) {
	if v.Kind == conf.KindString && strings.EqualFold(v.Str, "always") {
		return 0, nil
	}
	d, err := duration(v, time.Second)
	if err == nil && d <= 0 {
		err = errAt(v, "jetstream: sync_interval must be \"always\" or a positive duration")
	}
	return d, err
}

func duration(v *conf.Value, unit time.Duration) (time.Duration, error) {
	switch v.Kind {
	case conf.KindString:
		d, err := time.ParseDuration(v.Str)
		if err != nil {
			return 0, errAt(v, "invalid duration %q", v.Str)
		}
		if d < 0 {
			return 0, errAt(v, "negative duration %q", v.Str)
		}
		return d, nil
	case conf.KindInt:
		if v.Int < 0 {
			return 0, errAt(v, "negative duration %d", v.Int)
		}
		return time.Duration(v.Int) * unit, nil
	case conf.KindFloat:
		return time.Duration(v.Float * float64(unit)), nil
	}
	return 0, errAt(v, "expected a duration, got %s", v.Kind)
}

func strList(v *conf.Value) ([]string, error) {
	if v.Kind == conf.KindString {
		return []string{v.Str}, nil
	}
	if v.Kind != conf.KindArray {
		return nil, errAt(v, "expected a string or a list of strings, got %s", v.Kind)
	}
	out := make([]string, 0, len(v.Array))
	for _, e := range v.Array {
		s, err := str(e)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func setHostPort(v *conf.Value, host *string, port *int) error {
	if v.Kind == conf.KindInt {
		*port = int(v.Int)
		return nil
	}
	s, err := str(v)
	if err != nil {
		return err
	}
	h, p, err := net.SplitHostPort(s)
	if err != nil {
		return errAt(v, "invalid listen address %q: %v", s, err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		return errAt(v, "invalid port in %q", s)
	}
	*host, *port = h, n
	return nil
}

func mapOf(v *conf.Value, what string) (*conf.Map, error) {
	if v.Kind != conf.KindMap {
		return nil, errAt(v, "%s: expected a block, got %s", what, v.Kind)
	}
	return v.Map, nil
}

func applyTLS(o *server.Options, v *conf.Value) error {
	b, err := readTLSBlock(v, "tls", "verify_and_map")
	if err != nil {
		return err
	}
	o.TLSMap = b.verifyAndMap
	o.TLSVerify = b.verify || b.verifyAndMap
	if b.timeout > 0 {
		o.TLSTimeout = b.timeout
	}
	o.TLSConfig = b.cfg
	return nil
}

// tlsBlock is a parsed tls { } block.
type tlsBlock struct {
	cfg          *tls.Config
	verify       bool
	verifyAndMap bool
	insecure     bool
	timeout      time.Duration
}

// readTLSBlock reads a tls block (cert_file, key_file, ca_file, verify,
// timeout, plus the extra boolean keys the caller allows) and loads the
// certificates. what names the block in errors.
func readTLSBlock(v *conf.Value, what string, extra ...string) (*tlsBlock, error) {
	m, err := mapOf(v, what)
	if err != nil {
		return nil, err
	}
	var b tlsBlock
	var certFile, keyFile, caFile string
	for key, e := range m.All() {
		k := strings.ToLower(key)
		switch {
		case k == "cert_file":
			certFile, err = str(e)
		case k == "key_file":
			keyFile, err = str(e)
		case k == "ca_file":
			caFile, err = str(e)
		case k == "verify":
			b.verify, err = boolVal(e)
		case k == "timeout":
			b.timeout, err = duration(e, time.Second)
		case k == "verify_and_map" && slices.Contains(extra, k):
			b.verifyAndMap, err = boolVal(e)
		case k == "insecure" && slices.Contains(extra, k):
			b.insecure, err = boolVal(e)
		default:
			err = errAt(e, "%s: unknown key %q", what, key)
		}
		if err != nil {
			return nil, err
		}
	}
	if certFile == "" || keyFile == "" {
		return nil, errAt(v, "%s: cert_file and key_file are required", what)
	}
	b.cfg, err = BuildTLSConfig(certFile, keyFile, caFile, b.verify || b.verifyAndMap)
	if err != nil {
		return nil, errAt(v, "%s: %v", what, err)
	}
	return &b, nil
}

// BuildTLSConfig loads a certificate and key, and optionally a CA bundle for
// verifying client certificates.
func BuildTLSConfig(certFile, keyFile, caFile string, verify bool) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("load certificate: %w", err)
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("read ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, errors.New("ca_file holds no certificates")
		}
		cfg.ClientCAs = pool
	}
	if verify {
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

func applyJetStream(o *server.Options, v *conf.Value) error {
	switch v.Kind {
	case conf.KindBool:
		o.JetStream = v.Bool
		return nil
	case conf.KindString:
		switch strings.ToLower(v.Str) {
		case "enabled", "enable":
			o.JetStream = true
		case "disabled", "disable":
			o.JetStream = false
		default:
			return errAt(v, "jetstream: expected enabled or disabled, got %q", v.Str)
		}
		return nil
	case conf.KindMap:
		o.JetStream = true
		for key, e := range v.Map.All() {
			var err error
			switch strings.ToLower(key) {
			case "store_dir", "storedir", "store":
				o.StoreDir, err = str(e)
			case "enabled":
				o.JetStream, err = boolVal(e)
			case "max_memory_store", "max_mem_store", "max_mem", "max_memory":
				var n int
				n, err = intVal(e)
				o.JetStreamMaxMemory = int64(n)
			case "max_file_store", "max_file", "max_store":
				var n int
				n, err = intVal(e)
				o.JetStreamMaxStore = int64(n)
			case "domain":
				o.JetStreamDomain, err = str(e)
			case "sync_interval", "sync":
				o.JetStreamSyncInterval, err = syncInterval(e)
			default:
				err = errAt(e, "jetstream: %q is not supported by natsnet yet", key)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	return errAt(v, "jetstream: expected a boolean or a block, got %s", v.Kind)
}
