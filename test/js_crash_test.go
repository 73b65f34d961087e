package test

import (
	"context"
	"flag"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

var crashRounds = flag.Int("js.crashes", 8, "SIGKILL rounds of TestFileStreamCrash")

// crashRoundMsgs bounds the messages published per round, which keeps the
// verification quick under the race detector.
const crashRoundMsgs = 15000

// TestFileStreamCrash kills a natsnet process with SIGKILL while a client
// publishes asynchronously, restarts it on the same directory, and checks
// after every round that each acknowledged message is stored at the
// sequence it was acknowledged with, and that the stream holds each
// published message at most once, in publish order.
func TestFileStreamCrash(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "natsnet")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/natsnet/natsnet/cmd/natsnet").CombinedOutput(); err != nil {
		t.Fatalf("build natsnet: %v\n%s", err, out)
	}
	store := filepath.Join(dir, "store")
	c := natsnetCmd{bin: bin}
	acked := map[uint64]int{} // stream sequence -> message number
	next := 0                 // next message number to publish
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range *crashRounds {
		roundStart := time.Now()
		p, url := c.serve(t, "-js", "-sd", store)
		nc, err := nats.Connect(url, nats.MaxReconnects(0))
		if err != nil {
			t.Fatal(err)
		}
		js, _ := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(512))
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		if round == 0 {
			if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "CRASH", Subjects: []string{"crash.>"}}); err != nil {
				t.Fatal(err)
			}
		}
		verifyCrashStream(t, ctx, js, acked, next)

		// Publish until the process dies.
		var mu sync.Mutex
		var wg sync.WaitGroup
		stop, dead := make(chan struct{}), make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if next >= (round+1)*crashRoundMsgs {
					time.Sleep(time.Millisecond)
					continue
				}
				n := next
				next++
				f, err := js.PublishAsync("crash."+strconv.Itoa(n%8), []byte(strconv.Itoa(n)))
				if err != nil {
					time.Sleep(time.Millisecond)
					continue
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					select {
					case ack := <-f.Ok():
						mu.Lock()
						acked[ack.Sequence] = n
						mu.Unlock()
					case <-f.Err():
					case <-dead:
						// No ack can arrive any more; take one that
						// arrived just before.
						select {
						case ack := <-f.Ok():
							mu.Lock()
							acked[ack.Sequence] = n
							mu.Unlock()
						default:
						}
					}
				}()
			}
		}()
		time.Sleep(time.Duration(10+rng.IntN(70)) * time.Millisecond)
		if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		p.wait(10 * time.Second)
		close(stop)
		nc.Close()
		close(dead)
		wg.Wait()
		cancel()
		mu.Lock()
		t.Logf("round %d (%v): %d published, %d acknowledged in total", round, time.Since(roundStart).Round(time.Millisecond), next, len(acked))
		mu.Unlock()
	}
	_, url := c.serve(t, "-js", "-sd", store)
	nc := connect(t, url)
	js, _ := jetstream.New(nc)
	verifyCrashStream(t, testCtx(t, 20*time.Second), js, acked, next)
}

// verifyCrashStream reads the whole stream and checks it against the
// acknowledgements.
func verifyCrashStream(t *testing.T, ctx context.Context, js jetstream.JetStream, acked map[uint64]int, published int) {
	t.Helper()
	st, err := js.Stream(ctx, "CRASH")
	if err != nil {
		t.Fatalf("stream after restart: %v", err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Lost != nil {
		t.Errorf("lost after a crash: %+v", info.State.Lost)
	}
	got := map[uint64]int{}
	if info.State.Msgs > 0 {
		cons, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
		if err != nil {
			t.Fatal(err)
		}
		for uint64(len(got)) < info.State.Msgs {
			want := min(1000, int(info.State.Msgs)-len(got))
			batch, err := cons.Fetch(want, jetstream.FetchMaxWait(5*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for m := range batch.Messages() {
				md, _ := m.Metadata()
				v, err := strconv.Atoi(string(m.Data()))
				if err != nil {
					t.Fatalf("message %d: %q", md.Sequence.Stream, m.Data())
				}
				got[md.Sequence.Stream] = v
				n++
			}
			if n == 0 {
				t.Fatalf("read %d of %d messages", len(got), info.State.Msgs)
			}
		}
	}
	// Every acknowledged message is where its ack said.
	for seq, n := range acked {
		if v, ok := got[seq]; !ok || v != n {
			t.Fatalf("acknowledged message %d at sequence %d: found %d (present %v)", n, seq, v, ok)
		}
	}
	// In publish order, each at most once, and nothing never published.
	last := -1
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		v, ok := got[seq]
		if !ok {
			continue
		}
		if v <= last || v >= published {
			t.Fatalf("sequence %d holds message %d after message %d (published %d)", seq, v, last, published)
		}
		last = v
	}
	t.Logf("verified %d messages, %d acknowledged", len(got), len(acked))
}
