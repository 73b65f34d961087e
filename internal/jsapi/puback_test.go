package jsapi

import (
	"encoding/json"
	"testing"
)

func TestAppendPubAckJSON(t *testing.T) {
	for _, a := range []PubAck{
		{Stream: "S", Sequence: 1},
		{Stream: "ORDERS_2", Sequence: 18446744073709551615},
		{Stream: "S", Sequence: 7, Duplicate: true},
		{Stream: "S", Sequence: 7, Domain: "hub"},
		{Stream: "S", Sequence: 7, Domain: "hub", Duplicate: true},
		{Stream: "S", Sequence: 7, Value: "12"},
		{Stream: "S", Sequence: 7, BatchID: "b", BatchSize: 3},
		{Stream: `a"b<c>&d`, Sequence: 2},
		{Stream: "ünïcode", Sequence: 3, Domain: "d\u2028"},
		{Stream: "", Sequence: 0},
	} {
		want, err := json.Marshal(&PubAckResponse{PubAck: &a})
		if err != nil {
			t.Fatal(err)
		}
		got := AppendPubAckJSON([]byte("prefix"), &a)
		if string(got) != "prefix"+string(want) {
			t.Errorf("%+v:\n got %s\nwant prefix%s", a, got, want)
		}
	}
}

func BenchmarkAppendPubAckJSON(b *testing.B) {
	a := &PubAck{Stream: "ORDERS", Sequence: 123456789}
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendPubAckJSON(buf[:0], a)
	}
}
