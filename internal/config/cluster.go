package config

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/natsnet/natsnet/internal/conf"
	"github.com/natsnet/natsnet/internal/server"
)

// applyCluster reads the cluster block:
//
//	cluster {
//	  name: c
//	  listen: 0.0.0.0:6222          # or host / port
//	  advertise: host:port
//	  routes: [nats://user:pass@host:6222, ...]
//	  authorization { user: u, password: p, timeout: 2 }
//	  no_advertise: false
//	  connect_retries: 0
//	  tls { cert_file, key_file, ca_file, verify, insecure, timeout }
//	  pool_size: 3                  # accepted; natsnet keeps one route per peer
//	  compression: off
//	}
func applyCluster(o *server.Options, v *conf.Value) error {
	m, err := mapOf(v, "cluster")
	if err != nil {
		return err
	}
	c := &o.Cluster
	for key, e := range m.All() {
		switch strings.ToLower(key) {
		case "name":
			c.Name, err = str(e)
			if err == nil && strings.ContainsAny(c.Name, " \t") {
				err = errAt(e, "cluster: name %q cannot contain spaces", c.Name)
			}
		case "listen":
			err = setHostPort(e, &c.Host, &c.Port)
		case "host", "net":
			c.Host, err = str(e)
		case "port":
			c.Port, err = intVal(e)
		case "advertise", "cluster_advertise":
			c.Advertise, err = str(e)
		case "routes":
			c.Routes, err = strList(e)
			if err == nil {
				err = checkRouteURLs(e, c.Routes)
			}
		case "authorization":
			err = applyClusterAuth(c, e)
		case "no_advertise":
			c.NoAdvertise, err = boolVal(e)
		case "connect_retries":
			c.ConnectRetries, err = intVal(e)
		case "ping_interval":
			c.PingInterval, err = duration(e, time.Second)
		case "tls":
			err = applyClusterTLS(c, e)
		case "pool_size":
			_, err = intVal(e)
		case "compression":
			err = checkCompressionOff(e)
		default:
			if m.UsedAsVariable(key) {
				continue
			}
			err = errAt(e, "cluster: %q is not supported by natsnet", key)
		}
		if err != nil {
			return err
		}
	}
	if c.Port == 0 {
		return errAt(v, "cluster: listen (or port) is required")
	}
	return nil
}

// checkRouteURLs rejects route URLs that do not name host:port.
func checkRouteURLs(v *conf.Value, routes []string) error {
	for _, r := range routes {
		if err := checkRouteURL(r); err != nil {
			return errAt(v, "cluster: %v", err)
		}
	}
	return nil
}

func checkRouteURL(r string) error {
	s := r
	if !strings.Contains(s, "://") {
		s = "nats://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("invalid route URL %q", r)
	}
	if _, _, err := net.SplitHostPort(u.Host); err != nil {
		return fmt.Errorf("route URL %q needs host:port", r)
	}
	return nil
}

func applyClusterAuth(c *server.ClusterOpts, v *conf.Value) error {
	m, err := mapOf(v, "cluster authorization")
	if err != nil {
		return err
	}
	for key, e := range m.All() {
		switch strings.ToLower(key) {
		case "user", "username":
			c.Username, err = str(e)
		case "password", "pass":
			c.Password, err = str(e)
		case "timeout":
			c.AuthTimeout, err = duration(e, time.Second)
		default:
			err = errAt(e, "cluster authorization: unknown key %q", key)
		}
		if err != nil {
			return err
		}
	}
	if (c.Username == "") != (c.Password == "") {
		return errAt(v, "cluster authorization: user and password go together")
	}
	return nil
}

func applyClusterTLS(c *server.ClusterOpts, v *conf.Value) error {
	b, err := readTLSBlock(v, "cluster tls", "insecure")
	if err != nil {
		return err
	}
	if b.timeout > 0 {
		c.TLSTimeout = b.timeout
	}
	// Routes dial with the same identity and verify peers with the same CA.
	b.cfg.RootCAs = b.cfg.ClientCAs
	b.cfg.InsecureSkipVerify = b.insecure
	c.TLSConfig = b.cfg
	return nil
}

func checkCompressionOff(v *conf.Value) error {
	switch v.Kind {
	case conf.KindBool:
		if !v.Bool {
			return nil
		}
	case conf.KindString:
		if strings.EqualFold(v.Str, "off") || strings.EqualFold(v.Str, "disabled") {
			return nil
		}
	}
	return errAt(v, "cluster: route compression is not supported by natsnet")
}

// clusterFromURL applies a --cluster URL: nats://[user:pass@]host:port.
func clusterFromURL(c *server.ClusterOpts, raw string) error {
	s := raw
	if !strings.Contains(s, "://") {
		s = "nats://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("--cluster: invalid URL %q", raw)
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		return fmt.Errorf("--cluster: %q needs host:port", raw)
	}
	var p int
	if _, err := fmt.Sscanf(port, "%d", &p); err != nil {
		return fmt.Errorf("--cluster: invalid port in %q", raw)
	}
	c.Host, c.Port = host, p
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	return nil
}
