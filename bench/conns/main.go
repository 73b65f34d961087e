// Command conns opens N idle NATS client connections to a server and holds
// them until it is killed. It is used by bench/run.sh to measure the memory
// (RSS) a server needs per idle connection.
//
// It speaks the NATS protocol over raw TCP so that it has no dependencies:
// read INFO, send CONNECT and PING, wait for PONG, then keep the connection
// alive by answering the server's PINGs.
//
// Once every connection has received its PONG it prints "ready N" on stdout.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("s", "127.0.0.1:4222", "server host:port")
	n := flag.Int("n", 1000, "number of connections to open")
	par := flag.Int("p", 50, "connections opened in parallel")
	timeout := flag.Duration("timeout", 10*time.Second, "per-connection handshake timeout")
	flag.Parse()

	conns := make([]net.Conn, *n)
	errs := make(chan error, *n)
	sem := make(chan struct{}, *par)
	var wg sync.WaitGroup
	for i := 0; i < *n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			c, r, err := handshake(*addr, *timeout)
			if err != nil {
				errs <- fmt.Errorf("conn %d: %w", i, err)
				return
			}
			conns[i] = c
			go keepAlive(c, r)
		}(i)
	}
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if failed < 5 {
			fmt.Fprintln(os.Stderr, err)
		}
		failed++
	}
	if failed > 0 {
		fmt.Fprintf(os.Stderr, "%d of %d connections failed\n", failed, *n)
		os.Exit(1)
	}
	fmt.Printf("ready %d\n", *n)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	for _, c := range conns {
		c.Close()
	}
}

func handshake(addr string, timeout time.Duration) (net.Conn, *bufio.Reader, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, nil, err
	}
	c.SetDeadline(time.Now().Add(timeout))
	r := bufio.NewReaderSize(c, 4096)
	line, err := r.ReadString('\n')
	if err != nil {
		c.Close()
		return nil, nil, fmt.Errorf("reading INFO: %w", err)
	}
	if !strings.HasPrefix(line, "INFO ") {
		c.Close()
		return nil, nil, fmt.Errorf("expected INFO, got %q", trunc(line))
	}
	if _, err := c.Write([]byte("CONNECT {\"verbose\":false,\"pedantic\":false}\r\nPING\r\n")); err != nil {
		c.Close()
		return nil, nil, err
	}
	for {
		line, err = r.ReadString('\n')
		if err != nil {
			c.Close()
			return nil, nil, fmt.Errorf("waiting for PONG: %w", err)
		}
		switch {
		case strings.HasPrefix(line, "PONG"):
			c.SetDeadline(time.Time{})
			return c, r, nil
		case strings.HasPrefix(line, "PING"):
			c.Write([]byte("PONG\r\n"))
		case strings.HasPrefix(line, "-ERR"):
			c.Close()
			return nil, nil, fmt.Errorf("server error: %s", strings.TrimSpace(line))
		}
	}
}

// keepAlive answers the server's PINGs so that idle connections are not
// dropped as stale; anything else is ignored.
func keepAlive(c net.Conn, r *bufio.Reader) {
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if strings.HasPrefix(line, "PING") {
			c.Write([]byte("PONG\r\n"))
		}
	}
}

func trunc(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
