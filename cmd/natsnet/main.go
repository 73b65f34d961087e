// Command natsnet runs a NATS-compatible server. It takes nats-server style
// flags and configuration files; see README.md.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/natsnet/natsnet"
	"github.com/natsnet/natsnet/internal/config"
	"github.com/natsnet/natsnet/internal/server"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	cmd, err := config.ParseArgs(args, os.Stderr)
	if errors.Is(err, config.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "natsnet: %v\n", err)
		return 1
	}
	if cmd.ShowVersion {
		fmt.Printf("natsnet version %s (nats-server %s compatible)\n", server.Version, server.CompatVersion)
		return 0
	}
	s, err := natsnet.New(cmd.Options)
	if err != nil {
		fmt.Fprintf(os.Stderr, "natsnet: %v\n", err)
		return 1
	}
	if cmd.TestConfig {
		fmt.Fprintf(os.Stderr, "natsnet: configuration file %s test is successful\n", cmd.Options.ConfigFile)
		return 0
	}
	// Catch signals before the listeners open: a client or supervisor may
	// signal as soon as the port answers, and the default action would kill
	// the process. Signals wait in the channel until the server runs.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGUSR2)
	if err := s.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "natsnet: %v\n", err)
		return 1
	}
	go func() {
		for sig := range sigs {
			switch sig {
			case syscall.SIGUSR2:
				go s.LameDuckShutdown()
			default:
				go s.Shutdown()
			}
		}
	}()
	s.WaitForShutdown()
	// Shutdown may still be running on the signal goroutine; calling it
	// again waits for nothing and returns once it is done.
	s.Shutdown()
	return 0
}
