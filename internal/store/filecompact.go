package store

import (
	"os"
	"slices"
)

// Compaction: rewriting a sealed block whose space is mostly dead.
//
// A block's records fall into three kinds. Message records are kept while
// the index still points at them. Tombstones (DEL and RANGE records) are
// kept while a dead message record they remove is physically present in an
// earlier block (retired blocks included): dropping one earlier would bring
// that message back at the next replay. A tombstone can never be needed
// for a record in a later block, since records are appended in time order
// and a sequence is only reused after the removal of its earlier use. STATE
// and padding records are dropped: the next block's header carries the
// state. A block left with nothing is deleted rather than rewritten.
//
// The rewrite runs on a background goroutine, one per store at a time, and
// holds the store's lock only to plan and to install: the block's file is
// read without it (a sealed block only changes by erasures, which abort the
// rewrite), and the new file is written and fsynced to a temporary name
// before it is renamed over the old one under the lock.

// noteDeathLocked queues b for a rewrite once more than half of it is
// reclaimable.
func (fs *FileStore) noteDeathLocked(b *fblock) {
	if b.queued || b.removed || b == fs.writeBlockLocked() {
		return
	}
	body := b.size - blockHeaderSize
	dead := body - b.liveBytes - b.kept
	if dead < min(fs.fcfg.BlockSize/4, 1<<20) || 2*dead < body {
		return
	}
	b.queued = true
	fs.mu.compactQ = append(fs.mu.compactQ, b)
}

// scheduleCompactionLocked starts the compaction goroutine if blocks are
// queued and it is not running.
func (fs *FileStore) scheduleCompactionLocked() {
	if len(fs.mu.compactQ) == 0 || fs.mu.compactOn || fs.mu.werr != nil || fs.mu.closed || fs.mu.noCompact {
		return
	}
	fs.mu.compactOn = true
	fs.bg.Add(1)
	go fs.compactLoop()
}

func (fs *FileStore) compactLoop() {
	defer fs.bg.Done()
	for {
		fs.mu.Lock()
		var b *fblock
		for b == nil && len(fs.mu.compactQ) > 0 {
			b = fs.mu.compactQ[0]
			fs.mu.compactQ = slices.Delete(fs.mu.compactQ, 0, 1)
			b.queued = false
			if b.removed || b == fs.writeBlockLocked() {
				b = nil
			}
		}
		if b == nil || fs.mu.closed || fs.mu.werr != nil {
			fs.mu.compactOn = false
			fs.mu.Unlock()
			return
		}
		fs.mu.Unlock()
		fs.compactBlock(b)
	}
}

// keptMsg is a message record carried into a rewritten block.
type keptMsg struct {
	seq            uint64
	oldOff, newOff uint32
}

// compactBlock rewrites (or deletes) b. Any surprise aborts it; the block
// is queued again at its next death.
func (fs *FileStore) compactBlock(b *fblock) {
	fs.mu.RLock()
	if b.removed || fs.mu.closed {
		fs.mu.RUnlock()
		return
	}
	erases, size, f := b.erases, b.size, b.f
	fs.mu.RUnlock()
	data, err := readWhole(f, size, nil)
	if err != nil || int64(len(data)) != size {
		return
	}

	fs.mu.RLock()
	out, kept, tombBytes, ok := fs.planRewriteLocked(b, data)
	fs.mu.RUnlock()
	if !ok {
		return
	}
	// Removals of earlier blocks that the plan relied on must be durable
	// before the tombstones for their records disappear.
	if fs.fsys.SyncDir(fs.dir) != nil {
		return
	}
	empty := len(out) == blockHeaderSize
	var nf vfile
	tmp := b.path + ".tmp"
	if !empty {
		nf, err = fs.fsys.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o640)
		if err != nil {
			return
		}
		if _, err := nf.WriteAt(out, 0); err != nil || nf.Sync() != nil {
			nf.Close()
			fs.fsys.Remove(tmp)
			return
		}
	}

	fs.mu.Lock()
	defer fs.mu.Unlock()
	abort := func() {
		if nf != nil {
			nf.Close()
			fs.fsys.Remove(tmp)
		}
	}
	if fs.mu.closed || fs.mu.werr != nil || b.removed || b.erases != erases {
		abort()
		return
	}
	if empty {
		if fs.fsys.Remove(b.path) != nil {
			return
		}
	} else if fs.fsys.Rename(tmp, b.path) != nil {
		abort()
		return
	}
	if err := fs.fsys.SyncDir(fs.dir); err != nil {
		fs.failLocked(ioErr("fsync directory", err))
	}
	old := b.f
	b.dead, b.deadSorted, b.minSeq, b.maxSeq = nil, true, 0, 0
	idx := &fs.mu.index
	for _, k := range kept {
		b.noteMsgSeq(k.seq)
		if m, ok := idx.get(k.seq); ok && m.ext.blk == b && m.ext.off == k.oldOff {
			m.ext.off = k.newOff
		} else {
			b.addDead(k.seq) // removed while the rewrite ran
		}
	}
	if empty {
		b.removed = true
		i := slices.Index(fs.mu.blocks, b)
		fs.mu.blocks = slices.Delete(fs.mu.blocks, i, i+1)
	} else {
		b.f = nf
		b.size, b.flushed, b.kept = int64(len(out)), int64(len(out)), tombBytes
		b.gen++
	}
	old.Close()
	fs.noteDeathLocked(b)
}

// planRewriteLocked builds the new content of b from its current content
// data: the header, the live message records and the needed tombstones.
// It runs under the read lock; the only state it changes is the lazy
// sorting of dead lists (hasDead), which only the compaction goroutine
// reads under a read lock and writers change under the write lock.
func (fs *FileStore) planRewriteLocked(b *fblock, data []byte) (out []byte, kept []keptMsg, tombBytes int64, ok bool) {
	bi := slices.Index(fs.mu.blocks, b)
	if bi < 0 || bi == len(fs.mu.blocks)-1 || len(data) < blockHeaderSize {
		return nil, nil, 0, false
	}
	earlier := fs.mu.blocks[:bi]
	neededRange := func(lo, hi uint64) bool {
		for _, r := range fs.mu.retired {
			if r.blk.hasDead(lo, hi) {
				return true
			}
		}
		for _, e := range earlier {
			if e.hasDead(lo, hi) {
				return true
			}
		}
		return false
	}
	out = append(make([]byte, 0, int(b.liveBytes)+blockHeaderSize+1024), data[:blockHeaderSize]...)
	idx := &fs.mu.index
	ceiling := fs.mu.last + seqCeilingSlack
	var seqs []uint64
	for off := blockHeaderSize; off < len(data); {
		body, valid := recordAt(data, off, ceiling)
		if !valid {
			off++ // damaged: already accounted for at recovery
			continue
		}
		raw := data[off : off+recFrame+len(body)]
		switch body[0] {
		case recMsg, recMsgS2:
			if m, ok := parseMsgRec(body); ok {
				if e, ok := idx.get(m.seq); ok && e.ext.blk == b && int(e.ext.off) == off {
					kept = append(kept, keptMsg{seq: m.seq, oldOff: uint32(off), newOff: uint32(len(out))})
					out = append(out, raw...)
				}
			}
		case recDel:
			seqs = seqs[:0]
			if !parseDelRec(body, func(uint64) {}) {
				break // malformed: recovery did not apply it either
			}
			parseDelRec(body, func(seq uint64) {
				if neededRange(seq, seq) {
					seqs = append(seqs, seq)
				}
			})
			if len(seqs) > 0 {
				n := len(out)
				out = appendDelRec(out, seqs)
				tombBytes += int64(len(out) - n)
			}
		case recRange:
			if lo, hi, _ := parseRangeRec(body); neededRange(lo, hi) {
				out = append(out, raw...)
				tombBytes += int64(len(raw))
			}
		}
		off += len(raw)
	}
	return out, kept, tombBytes, true
}
