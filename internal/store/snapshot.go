package store

import (
	"encoding/binary"
	"hash/crc32"
	"strings"
	"time"
)

// Snapshot format, version 1 (all integers varint-encoded unless noted):
//
//	magic      "NNSS" (4 bytes)
//	version    1 byte
//	first      uvarint   FirstSeq
//	last       uvarint   LastSeq
//	lastTS     varint    LastTS
//	count      uvarint   number of messages
//	count times, in ascending sequence order:
//	  seqDelta uvarint   seq - previous seq (the first message: seq - first, 0)
//	  tsDelta  varint    ts - previous ts (the first message: ts)
//	  ttl      varint
//	  subject  uvarint   0: a new subject follows as uvarint length + bytes
//	                     and gets the next index; n > 0: subject index n-1
//	  hdr      uvarint length + bytes
//	  data     uvarint length + bytes
//	crc        4 bytes, little endian: CRC-32C of everything before it
//
// The deleted sequences are the gaps between first, the message sequences
// and last, so they need no list of their own. Encoding is deterministic:
// equal stores produce equal bytes.

const (
	snapMagic   = "NNSS"
	snapVersion = 1
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// encodeSnapshot encodes the state and every message in the snapshot
// format; payload returns a message's header and data, valid until its
// next call.
func (x *streamIndex[E]) encodeSnapshot(payload func(seq uint64, m *entry[E]) (hdr, data []byte, err error)) ([]byte, error) {
	b := make([]byte, 0, 64+x.bytes)
	b = append(b, snapMagic...)
	b = append(b, snapVersion)
	b = binary.AppendUvarint(b, x.first)
	b = binary.AppendUvarint(b, x.last)
	b = binary.AppendVarint(b, x.lastTS)
	b = binary.AppendUvarint(b, x.msgs)
	subjIdx := make(map[*subjState]uint64, len(x.subjects))
	idx := &x.index
	prevSeq, prevTS := x.first, int64(0)
	for p := idx.lowerBound(0); !idx.end(p); p = idx.next(p) {
		seq, m := idx.key(p), idx.val(p)
		hdr, data, err := payload(seq, m)
		if err != nil {
			return nil, err
		}
		b = binary.AppendUvarint(b, seq-prevSeq)
		b = binary.AppendVarint(b, m.ts-prevTS)
		b = binary.AppendVarint(b, int64(m.ttl))
		prevSeq, prevTS = seq, m.ts
		if i, ok := subjIdx[m.ss]; ok {
			b = binary.AppendUvarint(b, i+1)
		} else {
			subjIdx[m.ss] = uint64(len(subjIdx))
			b = append(b, 0)
			b = appendBytes(b, []byte(m.ss.subj))
		}
		b = appendBytes(b, hdr)
		b = appendBytes(b, data)
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, crcTable)), nil
}

// EncodeSnapshot implements Store.
func (s *MemStore) EncodeSnapshot() ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.mu.closed {
		return nil, ErrStoreClosed
	}
	return s.mu.encodeSnapshot(func(_ uint64, m *msg) ([]byte, []byte, error) {
		return m.ext.hdr(), m.ext.data(), nil
	})
}

func appendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// snapReader decodes a snapshot; the first error sticks.
type snapReader struct {
	b   []byte
	bad bool
}

func (r *snapReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *snapReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *snapReader) bytes() []byte {
	n := r.uvarint()
	if r.bad || n > uint64(len(r.b)) {
		r.bad = true
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

// RestoreSnapshot implements Store. The snapshot is fully checked before
// anything changes; on error the store is untouched. The configured limits
// are not applied to the restored messages (they were applied when the
// snapshot was taken); deadlines are recomputed under the current config.
func (s *MemStore) RestoreSnapshot(snap []byte) error {
	n := len(snap) - 4
	if n < len(snapMagic)+1 || string(snap[:4]) != snapMagic || snap[4] != snapVersion {
		return ErrBadSnapshot
	}
	if crc32.Checksum(snap[:n], crcTable) != binary.LittleEndian.Uint32(snap[n:]) {
		return ErrBadSnapshot
	}
	r := snapReader{b: snap[len(snapMagic)+1 : n]}
	first, last, lastTS := r.uvarint(), r.uvarint(), r.varint()
	count := r.uvarint()
	if r.bad || count > uint64(len(r.b)) || (count > 0 && (first == 0 || last < first || count > last-first+1)) {
		return ErrBadSnapshot
	}

	index := seqList[msg]{aligned: true}
	subjects := make(map[string]*subjState)
	var table []*subjState
	var bytes uint64
	seq, ts := first, int64(0)
	for i := uint64(0); i < count; i++ {
		d := r.uvarint()
		if (i > 0 && d == 0) || (i == 0 && d != 0) || d > last-seq {
			return ErrBadSnapshot
		}
		seq += d
		ts += r.varint()
		ttl := time.Duration(r.varint())
		var ss *subjState
		switch ref := r.uvarint(); {
		case ref == 0:
			subj := r.bytes()
			if len(subj) == 0 || subjects[string(subj)] != nil {
				return ErrBadSnapshot
			}
			ss = &subjState{subj: strings.Clone(string(subj))}
			subjects[ss.subj] = ss
			table = append(table, ss)
		case ref <= uint64(len(table)):
			ss = table[ref-1]
		default:
			return ErrBadSnapshot
		}
		hdr, data := r.bytes(), r.bytes()
		if r.bad {
			return ErrBadSnapshot
		}
		var buf []byte
		if len(hdr)+len(data) > 0 {
			buf = append(append(make([]byte, 0, len(hdr)+len(data)), hdr...), data...)
		}
		m := msg{ss: ss, ts: ts, ttl: ttl, ext: memExt{buf: buf, hlen: len(hdr)}}
		index.push(seq, m)
		ss.seqs.push(seq, struct{}{})
		bytes += m.size()
	}
	if r.bad || len(r.b) != 0 {
		return ErrBadSnapshot
	}

	s.mu.Lock()
	defer s.mu.unlockAndNotify()
	if s.mu.closed {
		return ErrStoreClosed
	}
	s.mu.dropAll()
	s.mu.index, s.mu.subjects = index, subjects
	s.mu.first, s.mu.last, s.mu.lastTS = first, last, lastTS
	s.mu.msgs, s.mu.bytes = count, bytes
	if count > 0 {
		s.mu.firstTS = index.val(pos{}).ts
		s.mu.ev.addN, s.mu.ev.addBytes = int64(count), int64(bytes)
	}
	s.mu.rebuildExpiry()
	return nil
}
