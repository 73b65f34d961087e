package proto

import (
	"bytes"
	"testing"
)

func benchParse(b *testing.B, chunks [][]byte) {
	p := &Parser{}
	h := &nop{}
	n := 0
	for _, c := range chunks {
		n += len(c)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range chunks {
			if err := p.Parse(c, h); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// One PUB with a 128-byte payload per call, whole in the buffer.
func BenchmarkParsePub(b *testing.B) { benchParse(b, [][]byte{pubOp(128)}) }

// The same PUB cut in two, inside the control line or inside the payload.
func BenchmarkParsePubSplit(b *testing.B) {
	op := pubOp(128)
	b.Run("line", func(b *testing.B) { benchParse(b, splitAt(op, 12)) })
	b.Run("payload", func(b *testing.B) { benchParse(b, splitAt(op, 100)) })
}

// One HPUB with a 42-byte header block and a 128-byte body.
func BenchmarkParseHPub(b *testing.B) { benchParse(b, [][]byte{hpubOp(128)}) }

// A 32 KiB read full of 128-byte PUBs, as a server sees under load.
func BenchmarkParsePubBatch(b *testing.B) {
	op := pubOp(128)
	buf := bytes.Repeat(op, 32<<10/len(op))
	benchParse(b, [][]byte{buf})
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*(len(buf)/len(op))), "ns/msg")
}

func BenchmarkAppendMsg(b *testing.B) {
	subject := []byte("foo.bar.baz")
	sid := []byte("12")
	reply := []byte("_INBOX.reply.1234")
	payload := bytes.Repeat([]byte("x"), 128)
	dst := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendMsg(dst[:0], subject, sid, reply, payload)
	}
	b.SetBytes(int64(len(dst)))
}
