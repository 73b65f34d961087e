package store

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"
)

// The write path of FileStore: appending records to the write block's
// buffer, writing the buffer out, block rollover and retirement, and the
// store's side of group commit.

// writeBlockLocked returns the block records are appended to.
func (fs *FileStore) writeBlockLocked() *fblock {
	if n := len(fs.mu.blocks); n > 0 {
		return fs.mu.blocks[n-1]
	}
	return nil
}

// appendLocked appends one record to the write block, starting a new block
// when the record does not fit, and returns where it went.
func (fs *FileStore) appendLocked(rec []byte) (*fblock, int64, error) {
	if err := fs.mu.werr; err != nil {
		return nil, 0, err
	}
	w := fs.writeBlockLocked()
	if w == nil || (w.size > blockHeaderSize && w.size+int64(len(rec)) > fs.fcfg.BlockSize) {
		var err error
		if w, err = fs.newBlockLocked(0); err != nil {
			return nil, 0, err
		}
	}
	off := w.size
	w.buf = append(w.buf, rec...)
	w.size += int64(len(rec))
	fs.mu.appended += uint64(len(rec))
	if len(w.buf) >= flushThreshold {
		if err := fs.flushLocked(); err != nil {
			return nil, 0, err
		}
	}
	return w, off, nil
}

// appendRecLocked appends a record that is not a message.
func (fs *FileStore) appendRecLocked(rec []byte) error {
	fs.mu.rec = rec[:0]
	_, _, err := fs.appendLocked(rec)
	return err
}

// newBlockLocked seals the write block and starts a new one whose header
// carries the current sequence state.
func (fs *FileStore) newBlockLocked(flags uint8) (*fblock, error) {
	var buf []byte
	if w := fs.writeBlockLocked(); w != nil {
		// Seal: the block is fsynced before anything is written to the
		// next one, so that a crash can only lose a suffix of the log,
		// never records in the middle of it.
		if err := fs.flushLocked(); err != nil {
			return nil, err
		}
		if err := fs.trimPreallocLocked(w); err != nil {
			return nil, err
		}
		if w.needSync {
			if err := ignoreClosed(w.f.Sync()); err != nil {
				return nil, fs.failLocked(ioErr("fsync "+w.path, err))
			}
			w.needSync = false
		}
		buf, w.buf = w.buf[:0], nil
	}
	id := fs.mu.nextID
	path := filepath.Join(fs.dir, blockName(id))
	f, err := fs.fsys.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		// Not sticky: a later append tries again.
		return nil, ioErr("create block", err)
	}
	fs.mu.nextID++
	st := fs.seqStateLocked()
	if st.pristine {
		flags |= hdrPristine
	}
	h := blockHeader{id: id, flags: flags, last: st.last, lastTS: st.lastTS}
	b := &fblock{id: id, path: path, f: f, flags: flags, size: blockHeaderSize}
	b.buf = append(buf, h.encode()...)
	fs.mu.blocks = append(fs.mu.blocks, b)
	fs.mu.appended += blockHeaderSize
	fs.mu.dirDirty = true
	return b, nil
}

// flushLocked writes the write block's buffer to its file.
func (fs *FileStore) flushLocked() error {
	if err := fs.mu.werr; err != nil {
		return err
	}
	w := fs.writeBlockLocked()
	if w == nil || len(w.buf) == 0 {
		return nil
	}
	fs.preallocLocked(w, w.flushed+int64(len(w.buf)))
	if _, err := w.f.WriteAt(w.buf, w.flushed); err != nil {
		w.f.Truncate(w.flushed) // best effort: leave no torn record behind
		return fs.failLocked(ioErr("write "+w.path, err))
	}
	w.flushed += int64(len(w.buf))
	w.buf = w.buf[:0]
	if cap(w.buf) > 4*flushThreshold {
		w.buf = nil
	}
	fs.markUnsyncedLocked(w)
	return nil
}

func (fs *FileStore) markUnsyncedLocked(b *fblock) {
	if !b.needSync {
		b.needSync = true
		fs.mu.unsynced = append(fs.mu.unsynced, b)
	}
}

// commitLocked ends a mutation: it logs the removals the mutation made as
// DEL records, retires dead front blocks, schedules compaction and, unless
// a caller will wait for a sync round (wait in durable mode), writes the
// buffer to the operating system and asks the syncer to fsync it soon. It
// returns the log position that covers the mutation.
func (fs *FileStore) commitLocked(wait bool) (uint64, error) {
	if fs.mu.closed {
		return fs.mu.appended, nil
	}
	if dels := fs.mu.dels; len(dels) > 0 {
		slices.Sort(dels)
		for len(dels) > 0 && fs.mu.werr == nil {
			n := min(len(dels), maxDelsPerRecord)
			fs.appendRecLocked(appendDelRec(fs.mu.rec[:0], dels[:n]))
			dels = dels[n:]
		}
		fs.mu.dels = fs.mu.dels[:0]
	}
	fs.retireLocked()
	fs.scheduleCompactionLocked()
	if fs.mu.werr == nil && (fs.async() || !wait) {
		fs.flushLocked()
		if fs.durable.Load() < fs.mu.appended || fs.mu.dirDirty || len(fs.mu.retired) > 0 {
			fs.syncer.later(fs, fs.lazyDelay())
		}
	}
	return fs.mu.appended, fs.mu.werr
}

// retireLocked retires front blocks without live messages (and a dead
// write block worth reclaiming, by starting a new one). A block is retired
// rather than removed at once so that its removal waits until the state
// its header carried is durable in the block after it.
func (fs *FileStore) retireLocked() {
	if fs.mu.werr != nil {
		return
	}
	for {
		for len(fs.mu.blocks) > 1 && fs.mu.blocks[0].live == 0 {
			b := fs.mu.blocks[0]
			fs.mu.blocks = fs.mu.blocks[1:]
			b.removed = true
			fs.mu.retired = append(fs.mu.retired, retired{blk: b, lsn: fs.mu.appended})
		}
		bs := fs.mu.blocks
		if len(bs) != 1 || bs[0].live > 0 || bs[0].size < max(fs.fcfg.BlockSize/4, 4096) {
			return
		}
		if _, err := fs.newBlockLocked(0); err != nil {
			return
		}
	}
}

// removeRetiredLocked deletes the retired blocks whose retirement is
// durable. A block whose file cannot be removed stays retired: it is still
// part of the log, and tombstones for its records must be kept.
func (fs *FileStore) removeRetiredLocked() {
	d := fs.durable.Load()
	n := 0
	for _, r := range fs.mu.retired {
		if r.lsn > d {
			break
		}
		if err := fs.fsys.Remove(r.blk.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			break
		}
		r.blk.f.Close()
		n++
		fs.mu.dirDirty = true
	}
	if n > 0 {
		fs.mu.retired = slices.Delete(fs.mu.retired, 0, n)
	}
}

// syncLocked writes out and fsyncs everything on the caller's goroutine,
// then removes retired blocks.
func (fs *FileStore) syncLocked() error {
	if err := fs.flushLocked(); err != nil {
		return err
	}
	for _, b := range fs.mu.unsynced {
		if !b.needSync {
			continue
		}
		b.needSync = false
		if err := ignoreClosed(b.f.Sync()); err != nil {
			return fs.failLocked(ioErr("fsync "+b.path, err))
		}
	}
	fs.mu.unsynced = fs.mu.unsynced[:0]
	if err := fs.syncDirLocked(); err != nil {
		return err
	}
	storeMax(&fs.durable, fs.mu.appended)
	fs.removeRetiredLocked()
	return fs.syncDirLocked()
}

func (fs *FileStore) syncDirLocked() error {
	if !fs.mu.dirDirty {
		return nil
	}
	if err := fs.fsys.SyncDir(fs.dir); err != nil {
		return fs.failLocked(ioErr("fsync directory", err))
	}
	fs.mu.dirDirty = false
	return nil
}

func storeMax(a *atomic.Uint64, v uint64) {
	for {
		cur := a.Load()
		if cur >= v || a.CompareAndSwap(cur, v) {
			return
		}
	}
}

func (fs *FileStore) syncFlags() *syncFlags { return &fs.flags }

// syncPrepare implements syncTarget: it writes the buffer out and hands
// the unsynced files to the round.
func (fs *FileStore) syncPrepare() *syncJob {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.mu.closed || fs.flushLocked() != nil {
		return nil
	}
	j := &syncJob{fsys: fs.fsys, lsn: fs.mu.appended}
	for _, b := range fs.mu.unsynced {
		if b.needSync {
			b.needSync = false
			j.files = append(j.files, b.f)
		}
	}
	fs.mu.unsynced = fs.mu.unsynced[:0]
	if fs.mu.dirDirty {
		j.dir, fs.mu.dirDirty = fs.dir, false
	}
	return j
}

// syncFinish implements syncTarget. A failed fsync fails the store: the
// kernel may have dropped the unsynced data, so nothing after it can be
// acknowledged.
func (fs *FileStore) syncFinish(j *syncJob) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if j.err != nil {
		fs.failLocked(j.err)
		return
	}
	storeMax(&fs.durable, j.lsn)
	if fs.mu.closed {
		return
	}
	fs.removeRetiredLocked()
	if fs.mu.dirDirty || len(fs.mu.retired) > 0 {
		fs.syncer.later(fs, fs.lazyDelay())
	}
}

// lazyDelay is how soon data nobody waits for is fsynced. Retired blocks
// wait for a sync to be removed, which async mode does not delay by a
// whole interval.
func (fs *FileStore) lazyDelay() time.Duration {
	if fs.async() && (len(fs.mu.retired) == 0 || fs.fcfg.SyncInterval < lazySyncDelay) {
		return fs.fcfg.SyncInterval
	}
	return lazySyncDelay
}
