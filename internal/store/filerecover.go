package store

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Recovery: rebuilding the in-memory state of a FileStore from its block
// files. The rules are in doc.go.

// maxLostList caps LostData.Msgs.
const maxLostList = 1 << 20

// seqCeilingSlack is how far above the last known sequence a damaged
// region's resynchronisation still accepts a record.
const seqCeilingSlack = 1 << 40

// replay is the state of a recovery in progress.
type replay struct {
	pristine bool
	buf      []byte
	lostOpen bool   // a damaged region awaits the next message's sequence
	lostLo   uint64 // first sequence possibly lost in it
	ranges   [][2]uint64
	lost     LostData
}

func parseBlockName(name string) (uint64, bool) {
	hex, ok := strings.CutSuffix(name, ".blk")
	if !ok || len(hex) != 16 {
		return 0, false
	}
	id, err := strconv.ParseUint(hex, 16, 64)
	return id, err == nil
}

// recoverLocked opens the block files in dir and replays them.
func (fs *FileStore) recoverLocked(firstSeq uint64) error {
	names, err := fs.fsys.ReadDir(fs.dir)
	if err != nil {
		return ioErr("read store directory", err)
	}
	var ids []uint64
	for _, n := range names {
		if strings.HasSuffix(n, ".tmp") {
			// An interrupted rewrite: the block it was to replace is intact.
			fs.fsys.Remove(filepath.Join(fs.dir, n))
			continue
		}
		if id, ok := parseBlockName(n); ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	blocks := make([]*fblock, 0, len(ids))
	heads := make([]blockHeader, 0, len(ids))
	hdr := make([]byte, blockHeaderSize)
	for _, id := range ids {
		path := filepath.Join(fs.dir, blockName(id))
		f, err := fs.fsys.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			for _, b := range blocks {
				b.f.Close()
			}
			return ioErr("open block", err)
		}
		b := &fblock{id: id, path: path, f: f}
		h, ok := blockHeader{}, false
		if n, _ := f.ReadAt(hdr, 0); n == blockHeaderSize {
			h, ok = decodeBlockHeader(hdr)
		}
		if !ok || h.id != id {
			h = blockHeader{id: id, flags: 0xff} // unknown
		}
		blocks = append(blocks, b)
		heads = append(heads, h)
	}
	blocks, heads = fs.resolveRestoreLocked(blocks, heads)
	if len(ids) > 0 {
		fs.mu.nextID = ids[len(ids)-1] + 1
	} else {
		fs.mu.nextID = 1
	}
	if len(blocks) == 0 {
		if firstSeq > 0 {
			fs.mu.first, fs.mu.last = firstSeq, firstSeq-1
		}
		_, err := fs.newBlockLocked(0)
		return err
	}

	rp := &replay{pristine: true}
	fs.mu.replaying = true
	for i, b := range blocks {
		if err := fs.replayBlockLocked(b, heads[i], i == len(blocks)-1, rp); err != nil {
			fs.mu.blocks = append(fs.mu.blocks, blocks[i:]...)
			fs.mu.replaying = false
			return err
		}
		fs.mu.blocks = append(fs.mu.blocks, b)
	}
	fs.mu.replaying = false
	fs.finishReplayLocked(rp)
	return nil
}

// resolveRestoreLocked applies the restore rules: blocks before the last
// committed restore are obsolete, restore blocks at the end of the log
// (an interrupted restore) are discarded. Both are deleted.
func (fs *FileStore) resolveRestoreLocked(blocks []*fblock, heads []blockHeader) ([]*fblock, []blockHeader) {
	known := func(i int) bool { return heads[i].flags != 0xff }
	isData := func(i int) bool { return known(i) && heads[i].flags&hdrRestoreData != 0 }
	drop := func(bs []*fblock) {
		for _, b := range bs {
			b.f.Close()
			fs.fsys.Remove(b.path)
			fs.mu.dirDirty = true
		}
	}
	// An interrupted restore: its blocks end the log.
	end := len(blocks)
	for end > 0 && isData(end-1) {
		end--
	}
	drop(blocks[end:])
	blocks, heads = blocks[:end], heads[:end]
	// The last committed restore: a commit block, or a run of restore
	// blocks followed by any block (whose header may be damaged).
	start := 0
	for i := len(blocks) - 1; i >= 0; i-- {
		if known(i) && heads[i].flags&hdrRestoreCommit != 0 || isData(i) {
			start = i
			for start > 0 && isData(start-1) {
				start--
			}
			break
		}
	}
	drop(blocks[:start])
	return blocks[start:], heads[start:]
}

// replayBlockLocked applies the records of one block.
func (fs *FileStore) replayBlockLocked(b *fblock, h blockHeader, isLast bool, rp *replay) error {
	size, err := b.f.Size()
	if err != nil {
		return ioErr("stat block", err)
	}
	data, err := readWhole(b.f, size, rp.buf)
	if err != nil {
		return ioErr("read block", err)
	}
	rp.buf = data
	if h.flags != 0xff {
		b.flags = h.flags
		fs.mu.last, fs.mu.lastTS = h.last, h.lastTS
		rp.pristine = h.flags&hdrPristine != 0
	} else if isLast && (len(data) <= blockHeaderSize || allZero(data)) {
		rp.lost.Trimmed += uint64(min(len(data), blockHeaderSize)) // a torn block creation
		data = data[:0]
	} else {
		fs.damagedLocked(rp, uint64(min(len(data), blockHeaderSize)))
	}
	start := seqState{last: fs.mu.last, lastTS: fs.mu.lastTS, pristine: rp.pristine}
	off := blockHeaderSize
	for off < len(data) {
		ceiling := fs.mu.last + seqCeilingSlack
		if body, ok := recordAt(data, off, ceiling); ok {
			if !fs.applyRecordLocked(b, body, int64(off), rp) {
				fs.damagedLocked(rp, uint64(recFrame+len(body)))
			}
			off += recFrame + len(body)
			continue
		}
		if isLast && allZero(data[off:]) {
			// The preallocated tail after the last record (a crash
			// before the block was trimmed): no record was there.
			data = data[:off]
			break
		}
		next := -1
		for p := off + 1; p+recFrame+9 <= len(data); p++ {
			if _, ok := recordAt(data, p, ceiling); ok {
				next = p
				break
			}
		}
		if next < 0 && isLast {
			rp.lost.Trimmed += uint64(len(data) - off)
			data = data[:off]
			break
		}
		if next < 0 {
			next = len(data)
		}
		fs.damagedLocked(rp, uint64(next-off))
		off = next
	}
	b.size, b.flushed = int64(len(data)), int64(len(data))
	if int64(len(data)) < size {
		if err := b.f.Truncate(int64(len(data))); err != nil {
			return ioErr("truncate torn block", err)
		}
		fs.markUnsyncedLocked(b)
	}
	if h.flags == 0xff {
		// Repair the header with the best knowledge of the state at the
		// block's start, so that the block is usable for appends and as
		// the first block of the log.
		nh := blockHeader{id: b.id, last: start.last, lastTS: start.lastTS}
		if start.pristine {
			nh.flags = hdrPristine
		}
		if b.size < blockHeaderSize {
			b.size, b.flushed = blockHeaderSize, blockHeaderSize
		}
		if _, err := b.f.WriteAt(nh.encode(), 0); err != nil {
			return ioErr("repair block header", err)
		}
		fs.markUnsyncedLocked(b)
	}
	return nil
}

// damagedLocked records n damaged bytes; the sequences after the last one
// replayed are presumed lost until the next message record.
func (fs *FileStore) damagedLocked(rp *replay, n uint64) {
	rp.lost.Bytes += n
	if !rp.lostOpen {
		rp.lostOpen, rp.lostLo = true, fs.mu.last+1
	}
}

// applyRecordLocked applies one checksummed record; false if it makes no
// sense (a message out of order, a malformed body).
func (fs *FileStore) applyRecordLocked(b *fblock, body []byte, off int64, rp *replay) bool {
	idx := &fs.mu.index
	switch body[0] {
	case recMsg, recMsgS2:
		m, ok := parseMsgRec(body)
		if !ok {
			return false
		}
		if last, ok := idx.last(); ok && m.seq <= last {
			return false
		}
		ss := fs.mu.subjects[string(m.subj)]
		if ss == nil {
			ss = &subjState{subj: string(m.subj)}
			fs.mu.subjects[ss.subj] = ss
		}
		rlen := uint32(recFrame + len(body))
		fm := fmsg{ss: ss, ts: m.ts, ttl: m.ttl, ext: fileExt{blk: b, off: uint32(off), rlen: rlen, plen: uint32(m.plen), z: m.z, hdr: m.hlen > 0}}
		idx.push(m.seq, fm)
		ss.seqs.push(m.seq, struct{}{})
		b.live++
		b.liveBytes += int64(rlen)
		b.noteMsgSeq(m.seq)
		fs.mu.msgs++
		fs.mu.bytes += fm.size()
		if rp.lostOpen {
			rp.lostOpen = false
			if rp.lostLo < m.seq {
				rp.ranges = append(rp.ranges, [2]uint64{rp.lostLo, m.seq - 1})
			}
		}
		fs.mu.last, fs.mu.lastTS, rp.pristine = m.seq, m.ts, false
	case recDel:
		if !parseDelRec(body, func(uint64) {}) {
			return false
		}
		parseDelRec(body, func(seq uint64) { fs.mu.removeSeq(fs, seq, false) })
	case recRange:
		lo, hi, st := parseRangeRec(body)
		for {
			p := idx.lowerBound(lo)
			if idx.end(p) || idx.key(p) > hi {
				break
			}
			fs.removeAtLocked(p, false, false)
		}
		if st != nil {
			fs.mu.last, fs.mu.lastTS, rp.pristine = st.last, st.lastTS, st.pristine
		}
	case recState:
		st := parseStateRec(body)
		fs.mu.last, fs.mu.lastTS, rp.pristine = st.last, st.lastTS, st.pristine
	case recPad:
		// An erased message still advanced the sequence.
		if seq := binary.LittleEndian.Uint64(body[1:]); seq > fs.mu.last {
			fs.mu.last, fs.mu.lastTS = seq, int64(binary.LittleEndian.Uint64(body[9:]))
			rp.pristine = false
		}
	default:
		return false
	}
	return true
}

// finishReplayLocked derives the rest of the state from the replayed log.
func (fs *FileStore) finishReplayLocked(rp *replay) {
	idx := &fs.mu.index
	if f, ok := idx.first(); ok {
		fs.mu.first, fs.mu.firstTS = f, idx.val(pos{}).ts
		if l, _ := idx.last(); l > fs.mu.last {
			// Only a damaged log can end above its state.
			fs.mu.last = l
		}
	} else {
		fs.mu.firstTS = 0
		if rp.pristine && fs.mu.last == 0 {
			fs.mu.first = 0
		} else {
			fs.mu.first = fs.mu.last + 1
		}
	}
	if rp.lostOpen && rp.lostLo <= fs.mu.last {
		rp.ranges = append(rp.ranges, [2]uint64{rp.lostLo, fs.mu.last})
	}
	for _, r := range rp.ranges {
		for seq := r[0]; seq <= r[1] && len(rp.lost.Msgs) < maxLostList; seq++ {
			if _, ok := idx.find(seq); !ok {
				rp.lost.Msgs = append(rp.lost.Msgs, seq)
			}
		}
	}
	if rp.lost.Bytes > 0 || rp.lost.Trimmed > 0 {
		lost := rp.lost
		fs.mu.lost = &lost
	}
	fs.mu.rebuildExpiry()
	for _, b := range fs.mu.blocks[:len(fs.mu.blocks)-1] {
		fs.noteDeathLocked(b)
	}
}
