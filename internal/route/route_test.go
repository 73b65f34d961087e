package route_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/natsnet/natsnet/internal/route"
	"github.com/natsnet/natsnet/internal/testcluster"
)

// inbox records subsystem messages and peer events of one server.
type inbox struct {
	mu     sync.Mutex
	msgs   []string
	events []route.PeerEvent
}

func (b *inbox) snapshot() ([]string, []route.PeerEvent) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.msgs), slices.Clone(b.events)
}

func TestSendBroadcastInOrder(t *testing.T) {
	t.Parallel()
	boxes := make([]*inbox, 3)
	c := testcluster.New(t, 3, testcluster.Config{Name: "sys", Setup: func(i int, m *route.Manager) {
		b := &inbox{}
		if boxes[i] != nil {
			b = boxes[i]
		}
		boxes[i] = b
		m.Handle("test", func(from string, payload []byte) {
			b.mu.Lock()
			b.msgs = append(b.msgs, from+" "+string(payload))
			b.mu.Unlock()
		})
		m.OnPeer(func(ev route.PeerEvent) {
			b.mu.Lock()
			b.events = append(b.events, ev)
			b.mu.Unlock()
		})
	}})
	m0, m1 := c.Manager(0), c.Manager(1)
	id0, id1, id2 := c.Server(0).ID(), c.Server(1).ID(), c.Server(2).ID()

	const n = 2000
	for k := range n {
		if err := m0.Send(id1, "test", []byte(fmt.Sprint(k))); err != nil {
			t.Fatal(err)
		}
	}
	if got := m1.Broadcast("test", []byte("all")); got != 2 {
		t.Fatalf("broadcast reached %d servers, want 2", got)
	}
	c.WaitFor("the messages", func() bool {
		m, _ := boxes[1].snapshot()
		o, _ := boxes[0].snapshot()
		return len(m) == n && len(o) == 1
	})
	got, _ := boxes[1].snapshot()
	for k, s := range got {
		if want := id0 + " " + fmt.Sprint(k); s != want {
			t.Fatalf("message %d is %q, want %q", k, s, want)
		}
	}
	if o, _ := boxes[0].snapshot(); o[0] != id1+" all" {
		t.Fatalf("server 0 got %q", o)
	}
	c.WaitFor("server 2's broadcast copy", func() bool { m, _ := boxes[2].snapshot(); return len(m) == 1 })
	if err := m0.Send("NOPE", "test", nil); !errors.Is(err, route.ErrNoRoute) {
		t.Fatalf("send to an unknown server: %v", err)
	}

	// Peer events: server 0 saw both peers come up, then sees server 2
	// go down and a new server 2 come up.
	c.Stop(2)
	c.WaitFor("the down event", func() bool {
		_, ev := boxes[0].snapshot()
		return !m0.Connected(id2) && slices.Contains(ev, route.PeerEvent{ID: id2, Name: "sys-2", Up: false})
	})
	if err := m0.Send(id2, "test", nil); !errors.Is(err, route.ErrNoRoute) {
		t.Fatalf("send to a stopped server: %v", err)
	}
	c.Restart(2)
	nid2 := c.Server(2).ID()
	_, ev := boxes[0].snapshot()
	if !slices.Contains(ev, route.PeerEvent{ID: nid2, Name: "sys-2", Up: true}) ||
		!slices.Contains(ev, route.PeerEvent{ID: id1, Name: "sys-1", Up: true}) {
		t.Fatalf("events: %+v", ev)
	}
	if err := m0.Send(nid2, "test", []byte("again")); err != nil {
		t.Fatal(err)
	}
	c.WaitFor("the restarted server's message", func() bool {
		m, _ := boxes[2].snapshot()
		return slices.Contains(m, id0+" again")
	})
}

func TestPeersAndPartition(t *testing.T) {
	t.Parallel()
	c := testcluster.New(t, 3, testcluster.Config{Name: "peers"})
	peers := c.Manager(0).Peers()
	if len(peers) != 2 || peers[0].Name != "peers-1" || peers[1].Name != "peers-2" {
		t.Fatalf("peers: %+v", peers)
	}
	for _, p := range peers {
		// Every route is configured on both ends; the one kept is the
		// one dialed by the server with the smaller id.
		if p.Configured != p.Solicited || p.RouteURL == "" || len(p.ClientURLs) != 1 {
			t.Fatalf("peer: %+v", p)
		}
	}
	c.Partition(0, 2)
	if c.Manager(0).Connected(c.Server(2).ID()) || c.Manager(2).Connected(c.Server(0).ID()) {
		t.Fatal("partitioned servers still connected")
	}
	if !c.Manager(1).Connected(c.Server(2).ID()) {
		t.Fatal("partition cut another route")
	}
	c.Heal(0, 2)
	if !c.Manager(0).Connected(c.Server(2).ID()) {
		t.Fatal("not healed")
	}
}
