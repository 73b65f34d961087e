package consumer

import (
	"strings"
	"testing"
	"time"

	"github.com/natsnet/natsnet/internal/jsapi"
)

func pinReq(id string) jsapi.PullRequest {
	return jsapi.PullRequest{Batch: 1, Expires: time.Minute, PriorityGroup: jsapi.PriorityGroup{Group: "g", ID: id}}
}

func TestPinnedClient(t *testing.T) {
	e := pullEnv(t, 4, jsapi.ConsumerConfig{PriorityPolicy: jsapi.PriorityPinnedClient, PriorityGroups: []string{"g"}, PinnedTTL: 10 * time.Second})
	e.pull("_INBOX.a", pinReq(""))
	e.step()
	m := only(t, e.sender.take())
	pin, ok := strings.CutPrefix(string(m.hdr), "NATS/1.0\r\nNats-Pin-Id: ")
	if !ok || len(pin) != 22+4 {
		t.Fatalf("delivery header %q", m.hdr)
	}
	pin = strings.TrimSuffix(pin, "\r\n\r\n")
	adv := e.adv.take()
	eq(t, "pinned advisory", adv[0].subject, "$JS.EVENT.ADVISORY.CONSUMER.PINNED.S.C")
	eq(t, "pinned id", adv[0].event.(*jsapi.ConsumerGroupPinnedAdvisory).PinnedClientID, pin)
	info := e.c.Info()
	eq(t, "info pin", info.PriorityGroups[0].PinnedClientID, pin)
	eq(t, "info group", info.PriorityGroups[0].Group, "g")

	// Another client without the pin waits; one with a stale pin is told.
	e.pull("_INBOX.b", pinReq(""))
	e.step()
	eq(t, "b waits", len(e.sender.take()), 0)
	e.pull("_INBOX.c", pinReq("stale"))
	wantStatus(t, only(t, e.sender.take()), "_INBOX.c", "NATS/1.0 423 Nats-Pin-Id mismatch\r\n\r\n")
	e.pull("_INBOX.a", pinReq(pin))
	e.step()
	eq(t, "pinned client served", only(t, e.sender.take()).subject, "_INBOX.a")

	// The pin times out without requests from the pinned client.
	e.advance(10 * time.Second)
	adv = e.adv.take()
	eq(t, "advisories", len(adv), 2)
	eq(t, "unpinned advisory", adv[0].event.(*jsapi.ConsumerGroupUnpinnedAdvisory).Reason, "timeout")
	if p := adv[1].event.(*jsapi.ConsumerGroupPinnedAdvisory).PinnedClientID; p == pin || p == "" {
		t.Fatalf("new pin %q", p)
	}
	got := e.sender.take()
	eq(t, "b pinned and served", only(t, got).subject, "_INBOX.b")

	// Unpin by the admin.
	e.c.Unpin("g")
	eq(t, "admin advisory", e.adv.take()[0].event.(*jsapi.ConsumerGroupUnpinnedAdvisory).Reason, "admin")
	e.pull("_INBOX.d", pinReq(""))
	e.step()
	eq(t, "d pinned", only(t, e.sender.take()).subject, "_INBOX.d")
}

func TestPriorityRequestChecks(t *testing.T) {
	e := pullEnv(t, 0, jsapi.ConsumerConfig{PriorityPolicy: jsapi.PriorityOverflow, PriorityGroups: []string{"g"}})
	e.rawPull("_INBOX.x", []byte(`{"batch":1}`))
	wantStatus(t, only(t, e.sender.take()), "_INBOX.x", "NATS/1.0 400 Bad Request - Priority Group missing\r\n\r\n")
	e.rawPull("_INBOX.x", []byte(`{"batch":1,"group":"h"}`))
	wantStatus(t, only(t, e.sender.take()), "_INBOX.x", "NATS/1.0 400 Bad Request - Invalid Priority Group\r\n\r\n")
	e.rawPull("_INBOX.x", []byte(`{"batch":1,"group":"g","id":"x"}`))
	wantStatus(t, only(t, e.sender.take()), "_INBOX.x", "NATS/1.0 400 Bad Request - Not a Pinned Client Priority consumer\r\n\r\n")
}

func TestOverflow(t *testing.T) {
	e := pullEnv(t, 2, jsapi.ConsumerConfig{PriorityPolicy: jsapi.PriorityOverflow, PriorityGroups: []string{"g"}})
	e.pull("_INBOX.o", jsapi.PullRequest{Batch: 5, Expires: time.Minute, PriorityGroup: jsapi.PriorityGroup{Group: "g", MinPending: 3}})
	e.step()
	eq(t, "below min_pending", len(e.sender.take()), 0)
	e.stream.publish(t, "foo.a", "3")
	e.step()
	// 3 pending: the first goes; then 2 < 3 and the request waits again.
	eqSlice(t, "overflowed", payloads(e.sender.take()), []string{"1"})
	// A request without limits gets the rest.
	e.pull("_INBOX.n", jsapi.PullRequest{Batch: 5, Expires: time.Minute, PriorityGroup: jsapi.PriorityGroup{Group: "g"}})
	e.step()
	var to []string
	for _, m := range deliveries(e.sender.take()) {
		to = append(to, m.subject)
	}
	eqSlice(t, "to the plain request", to, []string{"_INBOX.n", "_INBOX.n"})
}

func TestPrioritized(t *testing.T) {
	e := pullEnv(t, 0, jsapi.ConsumerConfig{PriorityPolicy: jsapi.PriorityPrioritized, PriorityGroups: []string{"g"}})
	e.pull("_INBOX.low", jsapi.PullRequest{Batch: 2, Expires: time.Minute, PriorityGroup: jsapi.PriorityGroup{Group: "g", Priority: 5}})
	e.pull("_INBOX.high", jsapi.PullRequest{Batch: 2, Expires: time.Minute, PriorityGroup: jsapi.PriorityGroup{Group: "g", Priority: 1}})
	for i := 0; i < 3; i++ {
		e.stream.publish(t, "foo.a", "x")
	}
	e.step()
	var to []string
	for _, m := range deliveries(e.sender.take()) {
		to = append(to, m.subject)
	}
	eqSlice(t, "order", to, []string{"_INBOX.high", "_INBOX.high", "_INBOX.low"})
}
