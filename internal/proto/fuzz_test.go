package proto

import (
	"slices"
	"testing"
)

// fuzzChunks cuts data as cuts says: each byte of cuts gives the length
// (0 to 16) of the next chunk; what is left after the last cut is one chunk.
func fuzzChunks(data, cuts []byte) [][]byte {
	var out [][]byte
	for _, c := range cuts {
		n := min(int(c)%17, len(data))
		out = append(out, data[:n])
		data = data[n:]
	}
	return append(out, data)
}

// fuzzLimits derives the parser limits from one byte: 0 keeps the defaults,
// otherwise a small MaxControlLine (1 to 64) and a small or default
// MaxPayload, so that the limit paths are reached.
func fuzzLimits(l uint8) (maxCL, maxPy int) {
	if l == 0 {
		return 0, 0
	}
	return int(l&0x3f) + 1, int(l>>6) * 24
}

func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		if len(tc.in) < 256 {
			f.Add([]byte(tc.in), []byte{3, 1, 7}, uint8(0))
		}
	}
	for _, s := range streams {
		f.Add([]byte(s.in), []byte{5, 0, 16, 2, 9}, uint8(0x8f))
	}
	f.Fuzz(func(t *testing.T, data, cuts []byte, limits uint8) {
		maxCL, maxPy := fuzzLimits(limits)
		wantOps, wantErr, bad := outcome(maxCL, maxPy, [][]byte{data})
		if len(bad) > 0 {
			t.Fatalf("whole: handler got bad arguments: %q", bad)
		}
		ops, errk, bad := outcome(maxCL, maxPy, fuzzChunks(data, cuts))
		if !slices.Equal(ops, wantOps) || errk != wantErr || len(bad) > 0 {
			t.Fatalf("split %v differs:\n got %q %s %q\nwant %q %s", cuts, ops, errk, bad, wantOps, wantErr)
		}
		if len(data) <= 512 {
			ops, errk, bad = outcome(maxCL, maxPy, bytewise(data))
			if !slices.Equal(ops, wantOps) || errk != wantErr || len(bad) > 0 {
				t.Fatalf("bytewise differs:\n got %q %s %q\nwant %q %s", ops, errk, bad, wantOps, wantErr)
			}
		}
	})
}
