package server

import "testing"

// TestDeliveryDefer checks that a function deferred by a delivery handler
// runs once per key at the end of the publisher's batch, before its
// output is flushed, and at once without a publisher.
func TestDeliveryDefer(t *testing.T) {
	s, pub, _, _ := newTestPair(t)
	var order []string
	type key struct{ name string }
	a, b := &key{"a"}, &key{"b"}
	_, err := s.gacc.SubscribeDelivery("svc", func(out Delivery, subject, _ string, _, data []byte) {
		order = append(order, "msg "+string(data))
		out.Defer(a, func() { order = append(order, "a") })
		if string(data) == "2" {
			out.Defer(b, func() { order = append(order, "b") })
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"1", "2", "3"} {
		s.processMsg(pub, pub.acc, []byte("svc"), nil, -1, []byte(d))
	}
	if len(order) != 3 {
		t.Fatalf("deferred functions ran before the end of the batch: %v", order)
	}
	pub.runDeferred()
	want := []string{"msg 1", "msg 2", "msg 3", "a", "b"}
	if len(order) != len(want) {
		t.Fatalf("order %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("order %v, want %v", order, want)
		}
	}
	// The next batch starts empty.
	order = order[:0]
	pub.runDeferred()
	if len(order) != 0 {
		t.Fatalf("deferred functions ran twice: %v", order)
	}
	// Without a publisher batch the function runs at once.
	ran := false
	Delivery{acc: s.gacc}.Defer(a, func() { ran = true })
	if !ran {
		t.Fatal("Defer without a publisher did not run the function")
	}
}
