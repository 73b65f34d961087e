package jsapi

import "testing"

func TestHeaderValueAndStatus(t *testing.T) {
	h := []byte("NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 3\r\nnats-msg-id: abc\r\n\r\n")
	if v, ok := HeaderValue(h, "Nats-Pending-Messages"); !ok || v != "3" {
		t.Fatalf("got %q %v", v, ok)
	}
	if v, ok := HeaderValue(h, "Nats-Msg-Id"); !ok || v != "abc" {
		t.Fatalf("case-insensitive lookup: got %q %v", v, ok)
	}
	if _, ok := HeaderValue(h, "Missing"); ok {
		t.Fatal("found a missing key")
	}
	if code, desc := HeaderStatus(h); code != 408 || desc != "Request Timeout" {
		t.Fatalf("status %d %q", code, desc)
	}
	built := NewHeader(404, "No Messages").Add("A", "b").Bytes()
	if string(built) != "NATS/1.0 404 No Messages\r\nA: b\r\n\r\n" {
		t.Fatalf("built %q", built)
	}
	if got := string(HeaderWith(built, "C", "d")); got != "NATS/1.0 404 No Messages\r\nA: b\r\nC: d\r\n\r\n" {
		t.Fatalf("with %q", got)
	}
	if got := string(HeaderWith(nil, "C", "d")); got != "NATS/1.0\r\nC: d\r\n\r\n" {
		t.Fatalf("with nil %q", got)
	}
}
