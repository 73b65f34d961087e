package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"time"

	"github.com/klauspost/compress/s2"
)

// Block files and records; the format is described in doc.go.

const (
	blockMagic      = "NNFB"
	blockVersion    = 1
	blockHeaderSize = 48
	recFrame        = 8 // length and checksum in front of every record body

	// Header flags.
	hdrPristine      = 1 << 0 // the state at block start is pristine (first 0)
	hdrRestoreData   = 1 << 1 // written by a RestoreSnapshot, valid once committed
	hdrRestoreCommit = 1 << 2 // commits the restore blocks just before it

	// Record types.
	recMsg   = 1 // a message
	recMsgS2 = 2 // a message whose header and data are s2-compressed
	recDel   = 3 // removes a list of sequences
	recRange = 4 // removes every message in a sequence range, may set the state
	recState = 5 // sets last sequence, last timestamp and the pristine flag
	recPad   = 6 // an erased message: its sequence and timestamp, then zeros

	rangeHasState = 1 << 0
	statePristine = 1 << 1

	rangeBodyLen = 1 + 8 + 8 + 1 + 8 + 8
	stateBodyLen = 1 + 8 + 8 + 1

	// compressMin is the payload size below which s2 is not tried.
	compressMin = 64
	// maxDelsPerRecord bounds the size of one DEL record.
	maxDelsPerRecord = 1 << 16
)

// ErrCorrupt reports a record that failed its checksum when read back.
var ErrCorrupt = errors.New("store: corrupt data on disk")

// ErrIO wraps every I/O error of a FileStore: errors.Is(err, ErrIO) tells a
// failed disk from a refused operation, and the wrapped os error (for
// example syscall.ENOSPC) stays reachable with errors.Is.
var ErrIO = errors.New("store: I/O error")

func ioErr(op string, err error) error { return fmt.Errorf("%w: %s: %w", ErrIO, op, err) }

// blockHeader is the fixed header of a block file: the sequence state at
// the block's start, so that replay may begin at any block.
type blockHeader struct {
	id     uint64
	flags  uint8
	last   uint64
	lastTS int64
}

func (h *blockHeader) encode() []byte {
	b := make([]byte, blockHeaderSize)
	copy(b, blockMagic)
	b[4] = blockVersion
	b[5] = h.flags
	binary.LittleEndian.PutUint64(b[8:], h.id)
	binary.LittleEndian.PutUint64(b[16:], h.last)
	binary.LittleEndian.PutUint64(b[24:], uint64(h.lastTS))
	binary.LittleEndian.PutUint32(b[44:], crc32.Checksum(b[:44], crcTable))
	return b
}

func decodeBlockHeader(b []byte) (blockHeader, bool) {
	if len(b) < blockHeaderSize || string(b[:4]) != blockMagic || b[4] != blockVersion || b[5]&^7 != 0 ||
		crc32.Checksum(b[:44], crcTable) != binary.LittleEndian.Uint32(b[44:]) {
		return blockHeader{}, false
	}
	return blockHeader{
		flags:  b[5],
		id:     binary.LittleEndian.Uint64(b[8:]),
		last:   binary.LittleEndian.Uint64(b[16:]),
		lastTS: int64(binary.LittleEndian.Uint64(b[24:])),
	}, true
}

func blockName(id uint64) string { return fmt.Sprintf("%016x.blk", id) }

// fblock is one block file and its in-memory bookkeeping.
type fblock struct {
	id      uint64
	path    string
	f       vfile
	flags   uint8
	size    int64  // logical length, including buf
	flushed int64  // bytes written to f
	buf     []byte // bytes [flushed, size), not yet written (write block only)
	// zeroed is the end of the zero-filled region of the file ahead of
	// flushed (see fileprealloc.go); 0 when there is none.
	zeroed int64

	live      int   // messages of this block in the index
	liveBytes int64 // their record bytes
	// minSeq and maxSeq bound the sequences of the message records
	// physically in the block (dead or alive); 0, 0 if none.
	minSeq, maxSeq uint64
	// dead lists the sequences of message records in the block that are no
	// longer in the index. A tombstone elsewhere is needed exactly while
	// the record it kills is physically present (see filecompact.go).
	dead       []uint64
	deadSorted bool

	// kept is the size of the tombstones a rewrite kept: space that is
	// not reclaimable and so does not count towards the next rewrite.
	kept int64

	erases   int    // in-place erasures, so a concurrent rewrite can notice
	gen      uint64 // changes when bytes of the file change (erase, rewrite)
	needSync bool   // written since its last fsync
	queued   bool   // waiting in the compaction queue
	removed  bool   // retired or deleted: no longer part of the log
}

func (b *fblock) noteMsgSeq(seq uint64) {
	if b.minSeq == 0 || seq < b.minSeq {
		b.minSeq = seq
	}
	b.maxSeq = max(b.maxSeq, seq)
}

func (b *fblock) addDead(seq uint64) {
	if n := len(b.dead); n > 0 && b.dead[n-1] > seq {
		b.deadSorted = false
	}
	b.dead = append(b.dead, seq)
}

// hasDead reports whether a dead message record with a sequence in
// [lo, hi] is physically in b.
func (b *fblock) hasDead(lo, hi uint64) bool {
	if len(b.dead) == 0 || hi < b.minSeq || lo > b.maxSeq {
		return false
	}
	if !b.deadSorted {
		slices.Sort(b.dead)
		b.deadSorted = true
	}
	i, _ := slices.BinarySearch(b.dead, lo)
	return i < len(b.dead) && b.dead[i] <= hi
}

// readAt returns the n bytes at off, from the write buffer or the file;
// the result may alias the buffer or scratch.
func (b *fblock) readAt(off int64, n int, scratch []byte) ([]byte, error) {
	if off >= b.flushed {
		s := off - b.flushed
		if s+int64(n) > int64(len(b.buf)) {
			return nil, ErrCorrupt
		}
		return b.buf[s : s+int64(n)], nil
	}
	if cap(scratch) < n {
		scratch = make([]byte, n)
	}
	scratch = scratch[:n]
	if _, err := b.f.ReadAt(scratch, off); err != nil {
		return nil, ioErr("read "+b.path, err)
	}
	return scratch, nil
}

// sealRec fills in the frame of the record that starts at b[start:].
func sealRec(b []byte, start int) []byte {
	n := len(b) - start - recFrame
	binary.LittleEndian.PutUint32(b[start:], uint32(n))
	crc := crc32.Update(0, crcTable, b[start:start+4])
	crc = crc32.Update(crc, crcTable, b[start+recFrame:])
	binary.LittleEndian.PutUint32(b[start+4:], crc)
	return b
}

// appendMsgRec appends a message record; z, if not nil, is the compressed
// header and data.
func appendMsgRec(b []byte, seq uint64, ts int64, ttl time.Duration, subj string, hdr, data, z []byte) []byte {
	start := len(b)
	typ := byte(recMsg)
	if z != nil {
		typ = recMsgS2
	}
	b = append(b, 0, 0, 0, 0, 0, 0, 0, 0, typ)
	b = binary.LittleEndian.AppendUint64(b, seq)
	b = binary.LittleEndian.AppendUint64(b, uint64(ts))
	b = binary.AppendVarint(b, int64(ttl))
	b = binary.AppendUvarint(b, uint64(len(subj)))
	b = binary.AppendUvarint(b, uint64(len(hdr)))
	b = append(b, subj...)
	if z != nil {
		b = append(b, z...)
	} else {
		b = append(b, hdr...)
		b = append(b, data...)
	}
	return sealRec(b, start)
}

// appendDelRec appends a record removing seqs (sorted ascending).
func appendDelRec(b []byte, seqs []uint64) []byte {
	start := len(b)
	b = append(b, 0, 0, 0, 0, 0, 0, 0, 0, recDel)
	b = binary.LittleEndian.AppendUint64(b, seqs[0])
	b = binary.AppendUvarint(b, uint64(len(seqs)))
	for i := 1; i < len(seqs); i++ {
		b = binary.AppendUvarint(b, seqs[i]-seqs[i-1])
	}
	return sealRec(b, start)
}

// seqState is the sequence state a log carries besides its messages.
type seqState struct {
	last     uint64
	lastTS   int64
	pristine bool
}

func appendRangeRec(b []byte, lo, hi uint64, st *seqState) []byte {
	start := len(b)
	b = append(b, 0, 0, 0, 0, 0, 0, 0, 0, recRange)
	b = binary.LittleEndian.AppendUint64(b, lo)
	b = binary.LittleEndian.AppendUint64(b, hi)
	var flags byte
	var s seqState
	if st != nil {
		flags, s = rangeHasState, *st
		if s.pristine {
			flags |= statePristine
		}
	}
	b = append(b, flags)
	b = binary.LittleEndian.AppendUint64(b, s.last)
	b = binary.LittleEndian.AppendUint64(b, uint64(s.lastTS))
	return sealRec(b, start)
}

func appendStateRec(b []byte, st seqState) []byte {
	start := len(b)
	b = append(b, 0, 0, 0, 0, 0, 0, 0, 0, recState)
	b = binary.LittleEndian.AppendUint64(b, st.last)
	b = binary.LittleEndian.AppendUint64(b, uint64(st.lastTS))
	var flags byte
	if st.pristine {
		flags = statePristine
	}
	return sealRec(append(b, flags), start)
}

// padRec returns the record of n bytes in total that replaces an erased
// message record: it keeps the message's sequence and timestamp, which may
// be the store's last, and zeros the rest.
func padRec(n int, seq uint64, ts int64) []byte {
	b := make([]byte, n)
	b[recFrame] = recPad
	binary.LittleEndian.PutUint64(b[recFrame+1:], seq)
	binary.LittleEndian.PutUint64(b[recFrame+9:], uint64(ts))
	return sealRec(b, 0)
}

// recordAt checks the record frame at data[off:] and returns its body.
// ceiling bounds the first sequence-like field of a plausible record, which
// keeps the resynchronisation scan after damage cheap: garbage is rejected
// before its checksum is computed.
func recordAt(data []byte, off int, ceiling uint64) ([]byte, bool) {
	if off < 0 || len(data)-off < recFrame+1+8 {
		return nil, false
	}
	n := int(binary.LittleEndian.Uint32(data[off:]))
	if n < 1+8 || n > len(data)-off-recFrame {
		return nil, false
	}
	body := data[off+recFrame : off+recFrame+n]
	switch body[0] {
	case recMsg, recMsgS2, recDel:
		if binary.LittleEndian.Uint64(body[1:]) > ceiling {
			return nil, false
		}
	case recRange:
		if n != rangeBodyLen || binary.LittleEndian.Uint64(body[1:]) > ceiling {
			return nil, false
		}
	case recState:
		if n != stateBodyLen || binary.LittleEndian.Uint64(body[1:]) > ceiling {
			return nil, false
		}
	case recPad:
		if n < 1+16 || binary.LittleEndian.Uint64(body[1:]) > ceiling {
			return nil, false
		}
	default:
		return nil, false
	}
	crc := crc32.Update(0, crcTable, data[off:off+4])
	crc = crc32.Update(crc, crcTable, body)
	if crc != binary.LittleEndian.Uint32(data[off+4:]) {
		return nil, false
	}
	return body, true
}

// msgRec is a decoded message record body.
type msgRec struct {
	seq     uint64
	ts      int64
	ttl     time.Duration
	subj    []byte
	hlen    int
	plen    int    // uncompressed header+data length
	payload []byte // header+data, compressed if z
	z       bool
}

func parseMsgRec(body []byte) (msgRec, bool) {
	var m msgRec
	if len(body) < 1+16 || (body[0] != recMsg && body[0] != recMsgS2) {
		return m, false
	}
	m.z = body[0] == recMsgS2
	m.seq = binary.LittleEndian.Uint64(body[1:])
	m.ts = int64(binary.LittleEndian.Uint64(body[9:]))
	r := snapReader{b: body[17:]}
	m.ttl = time.Duration(r.varint())
	slen, hlen := r.uvarint(), r.uvarint()
	if r.bad || slen == 0 || slen > uint64(len(r.b)) {
		return m, false
	}
	m.subj, m.payload = r.b[:slen], r.b[slen:]
	m.plen = len(m.payload)
	if m.z {
		n, err := s2.DecodedLen(m.payload)
		if err != nil {
			return m, false
		}
		m.plen = n
	}
	if hlen > uint64(m.plen) || m.seq == 0 {
		return m, false
	}
	m.hlen = int(hlen)
	return m, true
}

// parseDelRec decodes the sequences of a DEL record body.
func parseDelRec(body []byte, fn func(seq uint64)) bool {
	if len(body) < 1+8 {
		return false
	}
	seq := binary.LittleEndian.Uint64(body[1:])
	r := snapReader{b: body[9:]}
	n := r.uvarint()
	if r.bad || n == 0 || n > uint64(len(r.b))+1 {
		return false
	}
	fn(seq)
	for i := uint64(1); i < n; i++ {
		d := r.uvarint()
		if r.bad || d == 0 {
			return false
		}
		seq += d
		fn(seq)
	}
	return len(r.b) == 0
}

// parseRangeRec decodes a RANGE record body.
func parseRangeRec(body []byte) (lo, hi uint64, st *seqState) {
	lo = binary.LittleEndian.Uint64(body[1:])
	hi = binary.LittleEndian.Uint64(body[9:])
	if flags := body[17]; flags&rangeHasState != 0 {
		st = &seqState{
			last:     binary.LittleEndian.Uint64(body[18:]),
			lastTS:   int64(binary.LittleEndian.Uint64(body[26:])),
			pristine: flags&statePristine != 0,
		}
	}
	return lo, hi, st
}

func parseStateRec(body []byte) seqState {
	return seqState{
		last:     binary.LittleEndian.Uint64(body[1:]),
		lastTS:   int64(binary.LittleEndian.Uint64(body[9:])),
		pristine: body[17]&statePristine != 0,
	}
}

// decodeMsgInto fills sm from a message record. raw is the whole record
// (frame included). An uncompressed raw may alias sm's buffer (the payload
// is then moved within it, so loads allocate nothing once the buffer is
// large enough); a compressed one must not.
func decodeMsgInto(raw []byte, subj string, seq uint64, sm *StoreMsg) error {
	body, ok := recordAt(raw, 0, ^uint64(0))
	if !ok || len(body) != len(raw)-recFrame {
		return ErrCorrupt
	}
	m, ok := parseMsgRec(body)
	if !ok || m.seq != seq {
		return ErrCorrupt
	}
	if cap(sm.buf) < m.plen {
		sm.buf = make([]byte, m.plen)
	}
	b := sm.buf[:m.plen]
	if m.z {
		out, err := s2.Decode(b, m.payload)
		if err != nil || len(out) != m.plen || (m.plen > 0 && &out[0] != &b[0]) {
			return ErrCorrupt
		}
	} else {
		copy(b, m.payload) // a memmove when raw aliases sm.buf
	}
	sm.buf = b
	sm.Header, sm.Data = nil, nil
	if m.hlen > 0 {
		sm.Header = b[:m.hlen:m.hlen]
	}
	if m.plen > m.hlen {
		sm.Data = b[m.hlen:]
	}
	sm.Subject, sm.Seq, sm.TS, sm.TTL = subj, seq, m.ts, m.ttl
	return nil
}
