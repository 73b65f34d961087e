package store

import "testing"

func TestNextSeqWithHeader(t *testing.T) {
	type headerStore interface {
		Store
		NextSeqWithHeader(start uint64) (uint64, bool)
	}
	mem, err := NewMemStore(StreamConfig{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	file, err := NewFileStore(t.TempDir(), StreamConfig{}, FileConfig{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Stop()
	for name, s := range map[string]headerStore{"mem": mem, "file": file} {
		hdr := []byte("NATS/1.0\r\nNats-Msg-Id: x\r\n\r\n")
		for i := 1; i <= 6; i++ {
			var h []byte
			if i == 2 || i == 5 {
				h = hdr
			}
			if _, _, err := s.StoreMsg("a", h, []byte("d"), 0); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.RemoveMsg(2); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			start, want uint64
			ok          bool
		}{{1, 5, true}, {5, 5, true}, {6, 0, false}, {0, 5, true}} {
			got, ok := s.NextSeqWithHeader(c.start)
			if got != c.want || ok != c.ok {
				t.Errorf("%s: NextSeqWithHeader(%d) = %d, %v; want %d, %v", name, c.start, got, ok, c.want, c.ok)
			}
		}
	}
}
