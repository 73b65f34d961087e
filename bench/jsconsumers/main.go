// Command jsconsumers creates N durable pull consumers on an existing
// JetStream stream and exits. It is used by bench/run.sh to measure the
// memory (RSS) a server needs per idle durable consumer: durable consumers
// live on the server, so nothing has to stay connected once they exist.
//
// Every consumer gets the same plain configuration (durable name PREFIX00000,
// PREFIX00001, ..., explicit ack, deliver all, no filter), created with
// nats.go's jetstream CreateConsumer ($JS.API.CONSUMER.CREATE.<stream>.<name>),
// P requests in flight at a time. At the end it checks the stream info's
// consumer count and prints
//
//	ready N consumers in S.SSSs (R consumers/s)
//
// on stdout. Any error exits with status 1.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func main() {
	url := flag.String("s", nats.DefaultURL, "server URL")
	stream := flag.String("stream", "", "existing stream to add the consumers to")
	n := flag.Int("n", 10000, "number of durable consumers to create")
	par := flag.Int("p", 32, "create requests in flight at a time")
	prefix := flag.String("prefix", "idle", "durable name prefix")
	timeout := flag.Duration("timeout", 10*time.Second, "timeout of one API request")
	flag.Parse()
	if *stream == "" {
		fail("-stream is required")
	}

	nc, err := nats.Connect(*url, nats.Name("natsnet-bench-jsconsumers"))
	if err != nil {
		fail("connect: %v", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		fail("jetstream: %v", err)
	}

	start := time.Now()
	var next atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for w := 0; w < *par; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for firstErr.Load() == nil {
				i := int(next.Add(1)) - 1
				if i >= *n {
					return
				}
				ctx, cancel := context.WithTimeout(context.Background(), *timeout)
				_, err := js.CreateConsumer(ctx, *stream, jetstream.ConsumerConfig{
					Durable:       fmt.Sprintf("%s%05d", *prefix, i),
					AckPolicy:     jetstream.AckExplicitPolicy,
					DeliverPolicy: jetstream.DeliverAllPolicy,
				})
				cancel()
				if err != nil {
					firstErr.CompareAndSwap(nil, fmt.Errorf("consumer %d: %w", i, err))
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err, _ := firstErr.Load().(error); err != nil {
		fail("%v (after %.3fs)", err, elapsed.Seconds())
	}

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	s, err := js.Stream(ctx, *stream)
	if err != nil {
		fail("stream info: %v", err)
	}
	if got := s.CachedInfo().State.Consumers; got < *n {
		fail("stream %s reports %d consumers, want at least %d", *stream, got, *n)
	}
	fmt.Printf("ready %d consumers in %.3fs (%.0f consumers/s)\n",
		*n, elapsed.Seconds(), float64(*n)/elapsed.Seconds())
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "jsconsumers: "+format+"\n", args...)
	os.Exit(1)
}
