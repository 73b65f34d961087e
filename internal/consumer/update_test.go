package consumer

import (
	"testing"
	"time"

	"github.com/natsnet/natsnet/internal/jsapi"
)

func TestUpdateConfig(t *testing.T) {
	e := pushEnv(t, 4, jsapi.ConsumerConfig{Durable: "C", AckPolicy: jsapi.AckExplicit, AckWait: time.Minute, MaxAckPending: 1})
	e.step()
	eq(t, "limited", len(deliveries(e.sender.take())), 1)

	cfg := e.c.Config()
	cfg.MaxAckPending = 3
	cfg.AckWait = 5 * time.Second
	until := e.clock.Now().Add(time.Hour)
	cfg.Description = "updated"
	if err := e.c.UpdateConfig(&cfg); err != nil {
		t.Fatal(err)
	}
	e.step()
	eq(t, "raised max ack pending", len(deliveries(e.sender.take())), 2)
	eq(t, "description", e.c.Config().Description, "updated")
	// The shorter ack wait applies to what is already pending.
	e.advance(5 * time.Second)
	eq(t, "redelivered with new ack wait", len(deliveries(e.sender.take())), 3)

	cfg = e.c.Config()
	cfg.PauseUntil = &until
	if err := e.c.UpdateConfig(&cfg); err != nil {
		t.Fatal(err)
	}
	adv := e.adv.take()
	eq(t, "pause advisory", adv[len(adv)-1].event.(*jsapi.ConsumerPauseAdvisory).Paused, true)
	eq(t, "paused", e.c.Info().Paused, true)

	e.c.Delete()
	if err := e.c.UpdateConfig(&cfg); !jsapi.IsNatsErr(err, jsapi.ErrCodeConsumerDoesNotExist) {
		t.Fatalf("update after delete: %v", err)
	}
}
