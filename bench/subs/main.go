// Command subs holds N subscriptions on distinct subjects
// (<prefix>.<i>.data) on one server until it is killed. bench/cluster.sh
// uses it to measure the memory a cluster needs per propagated
// subscription. Once the server has confirmed every subscription (a flush)
// it prints "ready N".
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/nats-io/nats.go"
)

func main() {
	url := flag.String("s", nats.DefaultURL, "server URL")
	prefix := flag.String("prefix", "subs", "subject prefix")
	n := flag.Int("n", 1000, "number of subscriptions")
	flag.Parse()
	nc, err := nats.Connect(*url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for i := range *n {
		if _, err := nc.SubscribeSync(fmt.Sprintf("%s.%d.data", *prefix, i)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	if err := nc.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("ready", *n)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	nc.Close()
}
