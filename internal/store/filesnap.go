package store

import (
	"os"
	"path/filepath"
)

// Snapshots of a FileStore use the MemStore's format (snapshot.go), byte
// for byte: a snapshot taken from either kind of store restores into the
// other.

// blockBytesLocked returns the content of b, file and write buffer.
func (fs *FileStore) blockBytesLocked(b *fblock, dst []byte) ([]byte, error) {
	data, err := readWhole(b.f, b.flushed, dst)
	if err != nil || int64(len(data)) != b.flushed {
		if err == nil {
			err = ErrCorrupt
		}
		return nil, ioErr("read "+b.path, err)
	}
	return append(data, b.buf...), nil
}

// EncodeSnapshot implements Store. It reads the blocks in order, one at a
// time.
func (fs *FileStore) EncodeSnapshot() ([]byte, error) {
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	if fs.mu.closed {
		return nil, ErrStoreClosed
	}
	var cur *fblock
	var data []byte
	var sm StoreMsg
	return fs.mu.encodeSnapshot(func(seq uint64, m *fmsg) ([]byte, []byte, error) {
		if m.ext.blk != cur {
			var err error
			if data, err = fs.blockBytesLocked(m.ext.blk, data); err != nil {
				return nil, nil, err
			}
			cur = m.ext.blk
		}
		end := int(m.ext.off) + int(m.ext.rlen)
		if end > len(data) {
			return nil, nil, ErrCorrupt
		}
		if err := decodeMsgInto(data[m.ext.off:end], m.ss.subj, seq, &sm); err != nil {
			return nil, nil, err
		}
		return sm.Header, sm.Data, nil
	})
}

// RestoreSnapshot implements Store. The snapshot is checked in full (by
// restoring it into a memory store) before anything changes. Its messages
// are written to new blocks marked as restore blocks and a commit block
// follows them; once all are durable the old blocks are deleted. A crash
// before the commit block is durable leaves the old contents (recovery
// discards the restore blocks), one after it the new contents. As in the
// memory store the limits are not applied to the restored messages, but
// the next open of the store enforces them.
func (fs *FileStore) RestoreSnapshot(snap []byte) error {
	tmp, _ := NewMemStore(StreamConfig{}, nil)
	if err := tmp.RestoreSnapshot(snap); err != nil {
		return err
	}
	t := &tmp.mu
	if t.msgs == 0 && t.first != t.last+1 && (t.first != 0 || t.last != 0) {
		return ErrBadSnapshot // a file store cannot represent this state
	}
	fs.mu.Lock()
	if err := fs.usableLocked(); err != nil {
		fs.mu.Unlock()
		return err
	}
	if err := fs.flushLocked(); err != nil {
		fs.mu.Unlock()
		return err
	}
	rb, err := fs.writeRestoreLocked(tmp)
	if err != nil {
		fs.mu.Unlock()
		return err
	}
	// The restore is committed: the old blocks are obsolete.
	for _, b := range fs.mu.blocks {
		b.removed = true
		b.f.Close()
		fs.fsys.Remove(b.path)
	}
	for _, r := range fs.mu.retired {
		r.blk.removed = true
		r.blk.f.Close()
		fs.fsys.Remove(r.blk.path)
	}
	fs.mu.dirDirty = true
	fs.clearLocked()
	fs.mu.blocks, fs.mu.retired = rb.blocks, nil
	fs.mu.unsynced, fs.mu.compactQ, fs.mu.dels = nil, nil, nil
	fs.mu.index, fs.mu.subjects = rb.index, rb.subjects
	fs.mu.first, fs.mu.last, fs.mu.lastTS = t.first, t.last, t.lastTS
	fs.mu.msgs, fs.mu.bytes = t.msgs, rb.bytes
	if t.msgs > 0 {
		fs.mu.firstTS = fs.mu.index.val(pos{}).ts
		fs.mu.ev.addN, fs.mu.ev.addBytes = int64(t.msgs), int64(rb.bytes)
	}
	fs.mu.appended += rb.size
	storeMax(&fs.durable, fs.mu.appended)
	fs.mu.rebuildExpiry()
	return fs.finish(true, nil)
}

// restored is the result of writing a snapshot's blocks.
type restored struct {
	blocks   []*fblock
	index    seqList[fmsg]
	subjects map[string]*subjState
	size     uint64
	bytes    uint64 // accounted size of the messages (FileMsgSize)
}

// writeRestoreLocked writes the messages of tmp to new restore blocks and a
// commit block, all fsynced. On error it removes what it wrote.
func (fs *FileStore) writeRestoreLocked(tmp *MemStore) (*restored, error) {
	rb := &restored{index: seqList[fmsg]{aligned: true}, subjects: make(map[string]*subjState)}
	var cur *fblock
	var buf []byte
	fail := func(err error) (*restored, error) {
		for _, b := range rb.blocks {
			b.f.Close()
			fs.fsys.Remove(b.path)
		}
		return nil, err
	}
	seal := func() error {
		if cur == nil {
			return nil
		}
		if _, err := cur.f.WriteAt(buf, 0); err != nil {
			return ioErr("write "+cur.path, err)
		}
		if err := cur.f.Sync(); err != nil {
			return ioErr("fsync "+cur.path, err)
		}
		cur.size, cur.flushed = int64(len(buf)), int64(len(buf))
		rb.size += uint64(len(buf))
		return nil
	}
	start := func(flags uint8, st seqState) error {
		if err := seal(); err != nil {
			return err
		}
		id := fs.mu.nextID
		fs.mu.nextID++
		path := filepath.Join(fs.dir, blockName(id))
		f, err := fs.fsys.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o640)
		if err != nil {
			return ioErr("create block", err)
		}
		if st.pristine {
			flags |= hdrPristine
		}
		cur = &fblock{id: id, path: path, f: f, flags: flags}
		rb.blocks = append(rb.blocks, cur)
		h := blockHeader{id: id, flags: flags, last: st.last, lastTS: st.lastTS}
		buf = append(buf[:0], h.encode()...)
		return nil
	}
	if err := start(hdrRestoreData, seqState{}); err != nil {
		return fail(err)
	}
	idx := &tmp.mu.index
	var rec []byte
	var prev seqState
	for p := idx.lowerBound(0); !idx.end(p); p = idx.next(p) {
		seq, m := idx.key(p), idx.val(p)
		var z []byte
		hdr, data := m.ext.hdr(), m.ext.data()
		if fs.fcfg.Compression == S2Compression && len(hdr)+len(data) >= compressMin {
			z = fs.compressLocked(hdr, data)
		}
		rec = appendMsgRec(rec[:0], seq, m.ts, m.ttl, m.ss.subj, hdr, data, z)
		if len(buf) > blockHeaderSize && int64(len(buf)+len(rec)) > fs.fcfg.BlockSize {
			if err := start(hdrRestoreData, prev); err != nil {
				return fail(err)
			}
		}
		ss := rb.subjects[m.ss.subj]
		if ss == nil {
			ss = &subjState{subj: m.ss.subj}
			rb.subjects[ss.subj] = ss
		}
		fm := fmsg{ss: ss, ts: m.ts, ttl: m.ttl, ext: fileExt{blk: cur, off: uint32(len(buf)),
			rlen: uint32(len(rec)), plen: uint32(len(hdr) + len(data)), z: z != nil, hdr: len(hdr) > 0}}
		rb.index.push(seq, fm)
		rb.bytes += fm.size()
		ss.seqs.push(seq, struct{}{})
		cur.live++
		cur.liveBytes += int64(len(rec))
		cur.noteMsgSeq(seq)
		buf = append(buf, rec...)
		prev = seqState{last: seq, lastTS: m.ts}
	}
	t := &tmp.mu
	final := seqState{last: t.last, lastTS: t.lastTS, pristine: t.first == 0}
	if err := start(hdrRestoreCommit, final); err != nil {
		return fail(err)
	}
	if err := seal(); err != nil {
		return fail(err)
	}
	if err := fs.fsys.SyncDir(fs.dir); err != nil {
		return fail(ioErr("fsync directory", err))
	}
	return rb, nil
}
