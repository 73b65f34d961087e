package store

import (
	"slices"
	"testing"
	"time"
)

func TestExpiry(t *testing.T) {
	type msg struct {
		at  int64 // store time
		ttl time.Duration
	}
	tests := []struct {
		name   string
		cfg    StreamConfig
		msgs   []msg
		next   int64 // first NextExpiry, 0 for none
		expire int64
		left   []uint64
	}{
		{"max age", StreamConfig{MaxAge: 100}, []msg{{10, 0}, {20, 0}, {30, 0}}, 110, 120, []uint64{3}},
		{"max age boundary is inclusive", StreamConfig{MaxAge: 100}, []msg{{10, 0}, {20, 0}}, 110, 110, []uint64{2}},
		{"ttl", StreamConfig{AllowMsgTTL: true}, []msg{{10, 50}, {20, 0}, {30, 5}}, 35, 60, []uint64{2}},
		{"ttl ignored when not allowed", StreamConfig{}, []msg{{10, 50}, {20, -1}}, 0, 1 << 40, []uint64{1, 2}},
		{"ttl earlier than max age wins", StreamConfig{MaxAge: 100, AllowMsgTTL: true}, []msg{{10, 500}, {20, 30}}, 50, 50, []uint64{1}},
		{"never expire beats max age", StreamConfig{MaxAge: 100, AllowMsgTTL: true}, []msg{{10, -1}, {20, 0}}, 120, 1 << 40, []uint64{1}},
		{"negative ttl without allow ttl", StreamConfig{MaxAge: 100}, []msg{{10, -1}}, 110, 110, nil},
		{"out of order deadlines", StreamConfig{AllowMsgTTL: true}, []msg{{10, 100}, {20, 10}, {30, 50}}, 30, 80, []uint64{1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, clock := newTestStore(t, tc.cfg)
			for _, m := range tc.msgs {
				clock.now = m.at
				if _, _, err := s.StoreMsg("a", nil, nil, m.ttl); err != nil {
					t.Fatal(err)
				}
			}
			next, ok := s.NextExpiry()
			if ok != (tc.next != 0) || next != tc.next {
				t.Fatalf("NextExpiry = %d, %v; want %d", next, ok, tc.next)
			}
			if n := s.ExpireMsgs(tc.next - 1); tc.next != 0 && n != 0 {
				t.Fatalf("expired %d before the deadline", n)
			}
			n := s.ExpireMsgs(tc.expire)
			if got := seqsOf(s); !slices.Equal(got, tc.left) || n != len(tc.msgs)-len(tc.left) {
				t.Fatalf("expired %d, left %v; want %v", n, got, tc.left)
			}
			s.checkInvariants(t)
		})
	}
}

func TestExpiryAfterConfigChange(t *testing.T) {
	s, clock := newTestStore(t, StreamConfig{})
	for i := range 5 {
		clock.now = int64(i) * 10
		s.StoreMsg("a", nil, nil, time.Duration(100-i*10)) // every ttl deadline is 100
	}
	if _, ok := s.NextExpiry(); ok {
		t.Fatal("expiry without max age or allowed ttl")
	}
	s.UpdateConfig(StreamConfig{MaxAge: 25})
	if d, _ := s.NextExpiry(); d != 25 {
		t.Fatalf("NextExpiry after setting max age = %d", d)
	}
	if n := s.ExpireMsgs(40); n != 2 {
		t.Fatalf("expired %d", n)
	}
	s.UpdateConfig(StreamConfig{AllowMsgTTL: true})
	if d, _ := s.NextExpiry(); d != 100 {
		t.Fatalf("NextExpiry after allowing ttl = %d", d)
	}
	if n := s.ExpireMsgs(100); n != 3 {
		t.Fatalf("expired %d", n)
	}
	if _, ok := s.NextExpiry(); ok {
		t.Fatal("nothing left to expire")
	}
}

// TestExpiryStaleEntries removes messages by other means and checks that
// the heap sheds their entries and still reports the right next expiry.
func TestExpiryStaleEntries(t *testing.T) {
	s, clock := newTestStore(t, StreamConfig{MaxAge: 1000, MaxMsgs: 10})
	for i := range 5000 {
		clock.now = int64(i)
		mustStore(t, s, "a", "x")
	}
	if len(s.mu.exp.h) > 200 {
		t.Fatalf("heap holds %d entries for 10 messages", len(s.mu.exp.h))
	}
	if d, _ := s.NextExpiry(); d != 4990+1000 {
		t.Fatalf("NextExpiry = %d", d)
	}
	for seq := uint64(4991); seq < 4999; seq++ {
		s.RemoveMsg(seq)
	}
	if d, _ := s.NextExpiry(); d != 4998+1000 {
		t.Fatalf("NextExpiry = %d", d)
	}
	// Truncate and reuse a sequence with the same deadline: its old entry
	// and the new one look alike, and the message must expire once.
	s.Truncate(4999)
	s.StoreMsgAt("a", nil, nil, 5000, 4999, 0, false)
	if len(s.mu.exp.h) < 2 {
		t.Fatalf("expected the stale twin entry to remain, heap %v", s.mu.exp.h)
	}
	if n := s.ExpireMsgs(1 << 40); n != 2 {
		t.Fatalf("expired %d, want 2", n)
	}
	s.checkInvariants(t)
}

// TestExpireMsgsLast checks that only messages that leave their subject
// empty are reported, with their headers, in removal order.
func TestExpireMsgsLast(t *testing.T) {
	s, clock := newTestStore(t, StreamConfig{MaxAge: 100, AllowMsgTTL: true})
	hdr := []byte("NATS/1.0\r\nK: v\r\n\r\n")
	for i, m := range []struct {
		subj string
		hdr  []byte
		ttl  time.Duration
	}{
		{"a", nil, 0},    // 1: expires at 100, b still has a message after
		{"b", nil, 0},    // 2: at 101
		{"b", hdr, 0},    // 3: at 102, last of b
		{"c", hdr, 5},    // 4: at 8 (ttl), last of c
		{"d", nil, -1},   // 5: never
		{"a", nil, 500},  // 6: at 105 (max age wins), last of a
		{"e", nil, 1000}, // 7: at 106, not yet due
	} {
		clock.now = int64(i)
		if _, _, err := s.StoreMsg(m.subj, m.hdr, nil, m.ttl); err != nil {
			t.Fatal(err)
		}
	}
	n, last := s.ExpireMsgsLast(105)
	if n != 5 {
		t.Fatalf("expired %d, want 5", n)
	}
	var got []string
	for _, l := range last {
		got = append(got, l.Subject+"|"+string(l.Header))
	}
	want := []string{"c|" + string(hdr), "b|" + string(hdr), "a|"}
	if !slices.Equal(got, want) {
		t.Fatalf("last %q, want %q", got, want)
	}
	if left := seqsOf(s); !slices.Equal(left, []uint64{5, 7}) {
		t.Fatalf("left %v", left)
	}
	s.checkInvariants(t)
}
