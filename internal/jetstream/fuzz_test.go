package jetstream

import (
	"testing"
	"time"

	"github.com/natsnet/natsnet/internal/server"
)

// FuzzAPIRequest sends arbitrary bodies to every kind of API request: the
// service must answer each one and never crash.
func FuzzAPIRequest(f *testing.F) {
	srv, err := server.New(&server.Options{Host: "127.0.0.1", Port: server.RandomPort, NoLog: true})
	if err != nil {
		f.Fatal(err)
	}
	srv.AddService(New(srv, Config{}))
	if err := srv.Start(); err != nil {
		f.Fatal(err)
	}
	f.Cleanup(srv.Shutdown)
	acc := srv.GlobalAccount()
	replies := make(chan struct{}, 16)
	if _, err := acc.Subscribe("fuzz.reply", server.SubscribeOptions{Inline: true}, func(string, string, []byte, []byte) {
		replies <- struct{}{}
	}); err != nil {
		f.Fatal(err)
	}
	subjects := []string{
		"$JS.API.INFO",
		"$JS.API.STREAM.CREATE.S",
		"$JS.API.STREAM.UPDATE.S",
		"$JS.API.STREAM.INFO.S",
		"$JS.API.STREAM.NAMES",
		"$JS.API.STREAM.LIST",
		"$JS.API.STREAM.PURGE.S",
		"$JS.API.STREAM.MSG.GET.S",
		"$JS.API.STREAM.MSG.DELETE.S",
		"$JS.API.CONSUMER.CREATE.S",
		"$JS.API.CONSUMER.CREATE.S.C",
		"$JS.API.CONSUMER.DURABLE.CREATE.S.C",
		"$JS.API.CONSUMER.INFO.S.C",
		"$JS.API.CONSUMER.NAMES.S",
		"$JS.API.CONSUMER.LIST.S",
		"$JS.API.CONSUMER.PAUSE.S.C",
		"$JS.API.CONSUMER.DELETE.S.C",
		"$JS.API.STREAM.DELETE.S",
	}
	f.Add(uint8(1), []byte(`{"name":"S","subjects":["s.>"],"storage":"memory"}`))
	f.Add(uint8(9), []byte(`{"stream_name":"S","config":{"durable_name":"C","ack_policy":"explicit"}}`))
	f.Add(uint8(6), []byte(`{"filter":"s.a","keep":1}`))
	f.Add(uint8(7), []byte(`{"last_by_subj":"s.a"}`))
	f.Add(uint8(0), []byte(`{`))
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		subj := subjects[int(which)%len(subjects)]
		acc.Publish(subj, "fuzz.reply", nil, body)
		select {
		case <-replies:
		case <-time.After(5 * time.Second):
			t.Fatalf("no reply to %s %q", subj, body)
		}
	})
}
