package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/natsnet/natsnet/internal/server"
)

// Command is what the command line asks for.
type Command struct {
	Options     *server.Options
	TestConfig  bool // -t: check the configuration and exit
	ShowVersion bool
	ShowHelp    bool
}

// ErrHelp is returned by ParseArgs when -h or --help was given.
var ErrHelp = flag.ErrHelp

// cliFlags holds raw flag values before they are merged over the config.
type cliFlags struct {
	host, name, configFile, user, pass, token, logFile, storeDir string
	clientAdvertise, tlsCert, tlsKey, tlsCA                      string
	port, httpPort, profPort                                     int
	debug, trace, debugTrace, logtime, jetstream, test, version  bool
	tls, tlsVerify                                               bool
	cluster, routes, clusterName, clusterAdvertise               string
	noAdvertise                                                  bool
	connectRetries                                               int
}

// ParseArgs parses nats-server style command line flags. Flags override the
// values of a configuration file given with -c.
func ParseArgs(args []string, output io.Writer) (*Command, error) {
	var f cliFlags
	fs := flag.NewFlagSet("natsnet", flag.ContinueOnError)
	fs.SetOutput(output)
	str := func(p *string, usage string, names ...string) {
		for _, n := range names {
			fs.StringVar(p, n, "", usage)
		}
	}
	num := func(p *int, usage string, names ...string) {
		for _, n := range names {
			fs.IntVar(p, n, 0, usage)
		}
	}
	boolean := func(p *bool, usage string, names ...string) {
		for _, n := range names {
			fs.BoolVar(p, n, false, usage)
		}
	}
	str(&f.host, "Bind to host address", "a", "addr", "net")
	num(&f.port, "Use port for clients (-1 for a random port)", "p", "port")
	str(&f.name, "Server name", "n", "name", "server_name")
	num(&f.httpPort, "Use port for the HTTP monitor", "m", "http_port")
	num(&f.profPort, "Serve net/http/pprof on this port", "profile")
	str(&f.configFile, "Configuration file", "c", "config")
	boolean(&f.test, "Test the configuration and exit", "t")
	str(&f.clientAdvertise, "Client URL to advertise", "client_advertise")
	str(&f.user, "User required for connections", "user")
	str(&f.pass, "Password required for connections", "pass")
	str(&f.token, "Authorization token required for connections", "auth")
	boolean(&f.debug, "Enable debug output", "D", "debug")
	boolean(&f.trace, "Trace the raw protocol", "V", "trace")
	boolean(&f.debugTrace, "Debug and trace", "DV")
	boolean(&f.logtime, "Timestamp log entries", "T", "logtime")
	str(&f.logFile, "File to redirect log output", "l", "log")
	boolean(&f.jetstream, "Enable JetStream", "js", "jetstream")
	str(&f.storeDir, "Directory for JetStream storage", "sd", "store_dir")
	boolean(&f.tls, "Enable TLS, do not verify clients", "tls")
	str(&f.tlsCert, "Server certificate file", "tlscert")
	str(&f.tlsKey, "Private key for the server certificate", "tlskey")
	boolean(&f.tlsVerify, "Enable TLS, verify client certificates", "tlsverify")
	str(&f.tlsCA, "Client certificate CA for verification", "tlscacert")
	str(&f.cluster, "Cluster URL for solicited routes", "cluster", "cluster_listen")
	str(&f.routes, "Routes to solicit and connect", "routes")
	str(&f.clusterName, "Cluster name", "cluster_name")
	str(&f.clusterAdvertise, "Cluster URL to advertise to other servers", "cluster_advertise")
	boolean(&f.noAdvertise, "Do not advertise known cluster information to clients", "no_advertise")
	num(&f.connectRetries, "Retries for a lost route learned through gossip", "connect_retries")
	boolean(&f.version, "Show version", "v", "version")
	fs.Usage = func() {
		fmt.Fprintln(output, "Usage: natsnet [options]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return &Command{ShowHelp: true}, ErrHelp
		}
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	cmd := &Command{TestConfig: f.test, ShowVersion: f.version}
	if f.version {
		return cmd, nil
	}
	o := &server.Options{}
	if f.configFile != "" {
		var err error
		if o, err = Load(f.configFile); err != nil {
			return nil, err
		}
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if err := f.merge(o, set); err != nil {
		return nil, err
	}
	cmd.Options = o
	return cmd, nil
}

// merge copies the flags that were given over the options.
func (f *cliFlags) merge(o *server.Options, set map[string]bool) error {
	any := func(names ...string) bool {
		for _, n := range names {
			if set[n] {
				return true
			}
		}
		return false
	}
	if any("a", "addr", "net") {
		o.Host = f.host
	}
	if any("p", "port") {
		o.Port = f.port
	}
	if any("n", "name", "server_name") {
		o.ServerName = f.name
	}
	if any("m", "http_port") {
		o.HTTPPort = f.httpPort
	}
	if any("profile") {
		o.ProfPort = f.profPort
	}
	if any("client_advertise") {
		o.ClientAdvertise = f.clientAdvertise
	}
	if any("user") {
		o.Username = f.user
	}
	if any("pass") {
		o.Password = f.pass
	}
	if any("auth") {
		o.Authorization = f.token
	}
	if any("D", "debug") {
		o.Debug = f.debug
	}
	if any("V", "trace") {
		o.Trace = f.trace
	}
	if f.debugTrace {
		o.Debug, o.Trace = true, true
	}
	if any("T", "logtime") {
		o.Logtime = f.logtime
	}
	if any("l", "log") {
		o.LogFile = f.logFile
	}
	if any("js", "jetstream") {
		o.JetStream = f.jetstream
	}
	if any("sd", "store_dir") {
		o.StoreDir = f.storeDir
	}
	if f.tls || f.tlsVerify || f.tlsCert != "" || f.tlsKey != "" {
		if f.tlsCert == "" || f.tlsKey == "" {
			return errors.New("--tlscert and --tlskey are required for TLS")
		}
		cfg, err := BuildTLSConfig(f.tlsCert, f.tlsKey, f.tlsCA, f.tlsVerify)
		if err != nil {
			return err
		}
		o.TLSConfig = cfg
		o.TLSVerify = f.tlsVerify
	}
	if err := f.mergeCluster(o, any); err != nil {
		return err
	}
	if o.Username != "" && o.Password == "" && !strings.HasPrefix(o.Username, "U") {
		return errors.New("--user requires --pass")
	}
	return nil
}

// mergeCluster copies the cluster flags over the options.
func (f *cliFlags) mergeCluster(o *server.Options, given func(...string) bool) error {
	c := &o.Cluster
	if given("cluster", "cluster_listen") {
		if err := clusterFromURL(c, f.cluster); err != nil {
			return err
		}
	}
	if given("cluster_name") {
		c.Name = f.clusterName
	}
	if given("cluster_advertise") {
		c.Advertise = f.clusterAdvertise
	}
	if given("no_advertise") {
		c.NoAdvertise = f.noAdvertise
	}
	if given("connect_retries") {
		c.ConnectRetries = f.connectRetries
	}
	if given("routes") {
		c.Routes = nil
		for r := range strings.SplitSeq(f.routes, ",") {
			if r = strings.TrimSpace(r); r == "" {
				continue
			}
			if err := checkRouteURL(r); err != nil {
				return fmt.Errorf("--routes: %v", err)
			}
			c.Routes = append(c.Routes, r)
		}
	}
	if c.Port == 0 && (given("routes", "cluster_name", "cluster_advertise") || len(c.Routes) > 0) {
		return errors.New("--routes and --cluster_name need a cluster listener (--cluster)")
	}
	return nil
}
