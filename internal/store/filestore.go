package store

import (
	"math"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/s2"
)

// Compression selects how a FileStore compresses message payloads.
type Compression uint8

const (
	// NoCompression stores payloads as given.
	NoCompression Compression = iota
	// S2Compression compresses header and data of each message with s2
	// when that makes the record smaller.
	S2Compression
)

// Block size bounds. Offsets within a block are 32-bit.
const (
	DefaultBlockSize = 16 << 20
	MinBlockSize     = 1 << 10
	MaxBlockSize     = 1 << 30
)

// FileConfig configures the durable side of a FileStore.
type FileConfig struct {
	// BlockSize is the size at which the write block is sealed and a new
	// one started (0: DefaultBlockSize). A larger message gets a block of
	// its own.
	BlockSize int64
	// SyncInterval 0 (the default) acknowledges a StoreMsg only once its
	// record is fsynced (group commit). A positive interval acknowledges
	// once the record is written to the operating system and fsyncs every
	// interval: a process crash loses nothing, a power loss up to the
	// interval.
	SyncInterval time.Duration
	// Compression of message payloads.
	Compression Compression
	// Syncer batches fsyncs; nil shares the process-wide syncer.
	Syncer *Syncer
}

// flushThreshold is the size of buffered records that is written out at
// once rather than at the next sync.
const flushThreshold = 1 << 20

// lazySyncDelay bounds how long data written without a waiter (removals,
// consumer updates) stays unsynced in durable mode.
const lazySyncDelay = 200 * time.Millisecond

// LostData reports what recovery found damaged when the store was opened.
type LostData struct {
	// Msgs are the sequences that were within damaged regions and are not
	// stored: messages presumed lost (capped at one million).
	Msgs []uint64
	// Bytes is the size of the damaged regions that were skipped.
	Bytes uint64
	// Trimmed is the size of the torn tail cut off the last block; in
	// durable mode it was never acknowledged.
	Trimmed uint64
}

// FileStore is the durable Store: an append-only log of checksummed
// records in block files, and in-memory indexes like the MemStore's (a
// sequence list locating each message's record, per-subject sequence lists,
// an expiry heap). Payloads stay on disk and are read back with positioned
// reads. See the package documentation for the format and recovery rules.
type FileStore struct {
	dir    string
	fsys   vfs
	fcfg   FileConfig
	clock  func() int64
	syncer *Syncer
	flags  syncFlags

	durable atomic.Uint64 // log position known to be fsynced
	failed  atomic.Bool   // mu.werr is set
	bg      sync.WaitGroup

	// Read-ahead state (filequery.go); a heuristic, so the fields need
	// not agree with each other.
	windows    [readWindows]atomic.Pointer[readWindow]
	nextWindow atomic.Uint32
	lastBlk    atomic.Pointer[fblock]
	lastEnd    atomic.Int64

	// mu guards everything below. Callbacks are never called with mu held.
	mu struct {
		streamIndex[fileExt]
		werr      error                    // sticky I/O error: the store accepts no more writes
		consumers map[string]*fileConsumer // open consumer logs, by path
		// consumerDir is set once the consumers directory is known to exist.
		consumerDir bool

		blocks    []*fblock // in log order; the last is the write block
		retired   []retired // fully dead front blocks awaiting removal
		nextID    uint64
		appended  uint64 // log position: bytes ever appended
		unsynced  []*fblock
		dirDirty  bool
		dels      []uint64 // removals of the current operation, to log
		replaying bool     // recovery: removals are not logged
		// noPrealloc is set once zero-filling a block failed.
		noPrealloc bool
		compactQ   []*fblock
		compactOn  bool
		noCompact  bool   // tests: leave queued blocks alone
		rec        []byte // record scratch
		zbuf       []byte // compression scratch: input
		zout       []byte // compression scratch: output
		lost       *LostData
	}
}

// fmsg is the index entry of a stored message.
type fmsg = entry[fileExt]

// fileExt is FileStore's part of an index entry: where the message's
// record is, and what the limits need without reading it.
type fileExt struct {
	blk  *fblock
	off  uint32 // record offset in blk
	rlen uint32 // record length, frame included
	plen uint32 // len(header)+len(data)
	z    bool   // payload compressed
	hdr  bool   // the message has a header
}

func (e fileExt) payloadLen() int { return int(e.plen) }

func (e fileExt) hasHeader() bool { return e.hdr }

func (e fileExt) accounted(subjLen int) uint64 {
	n := uint64(subjLen) + uint64(e.plen) + fileMsgOverhead
	if e.hdr {
		n += fileHdrOverhead
	}
	return n
}

func (fileExt) sizeOf(subj string, hdr, data []byte) uint64 { return FileMsgSize(subj, hdr, data) }

// retired is a front block with no live messages. It is removed once the
// log position at its retirement is durable, so that the state its header
// carried is durable in a later block.
type retired struct {
	blk *fblock
	lsn uint64
}

var _ Store = (*FileStore)(nil)

// NewFileStore opens the store in dir, creating dir if needed, and
// recovers its contents (see Lost for damage found). cfg.FirstSeq is used
// only when the store is created. The limits of cfg are enforced on the
// recovered messages. clock is as for NewMemStore.
func NewFileStore(dir string, cfg StreamConfig, fcfg FileConfig, clock func() int64) (*FileStore, error) {
	return openFileStore(dir, cfg, fcfg, clock, osFS{})
}

func openFileStore(dir string, cfg StreamConfig, fcfg FileConfig, clock func() int64, fsys vfs) (*FileStore, error) {
	if clock == nil {
		clock = func() int64 { return time.Now().UnixNano() }
	}
	if fcfg.BlockSize == 0 {
		fcfg.BlockSize = DefaultBlockSize
	}
	fcfg.BlockSize = min(max(fcfg.BlockSize, MinBlockSize), MaxBlockSize)
	fs := &FileStore{dir: filepath.Clean(dir), fsys: fsys, fcfg: fcfg, clock: clock, syncer: fcfg.Syncer}
	if fs.syncer == nil {
		fs.syncer = defaultSyncer()
	}
	fs.mu.init(cfg)
	if _, err := fsys.ReadDir(fs.dir); err != nil {
		// A new store: its directory entry must be durable too.
		if err := fsys.MkdirAll(fs.dir); err != nil {
			return nil, ioErr("create store directory", err)
		}
		if err := fsys.SyncDir(filepath.Dir(fs.dir)); err != nil {
			return nil, ioErr("fsync parent directory", err)
		}
	}
	fs.mu.Lock()
	err := fs.recoverLocked(cfg.FirstSeq)
	if err == nil {
		fs.mu.enforceAllLimits(fs)
		_, err = fs.commitLocked(false)
	}
	if err == nil {
		err = fs.syncLocked()
	}
	fs.mu.ev = events{}
	if err != nil {
		fs.closeFilesLocked()
		fs.mu.closed = true
		fs.mu.Unlock()
		return nil, err
	}
	fs.mu.Unlock()
	return fs, nil
}

// Lost returns what recovery found damaged when the store was opened, or
// nil if it found nothing.
func (fs *FileStore) Lost() *LostData {
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	return fs.mu.lost
}

// Dir returns the store's directory.
func (fs *FileStore) Dir() string { return fs.dir }

func (fs *FileStore) async() bool { return fs.fcfg.SyncInterval > 0 }

// RegisterStorageUpdates implements Store.
func (fs *FileStore) RegisterStorageUpdates(cb StorageUpdateHandler) { fs.mu.setHandler(cb) }

// failLocked makes err the store's sticky error.
func (fs *FileStore) failLocked(err error) error {
	if fs.mu.werr == nil {
		fs.mu.werr = err
		fs.failed.Store(true)
	}
	return fs.mu.werr
}

// usableLocked returns the error that refuses a mutation, if any.
func (fs *FileStore) usableLocked() error {
	if fs.mu.closed {
		return ErrStoreClosed
	}
	return fs.mu.werr
}

// finish ends a mutation that holds mu: it logs the removals the mutation
// made, releases mu, reports storage changes and, with wait in durable
// mode, waits until everything the mutation logged is durable. err is the
// mutation's own outcome.
func (fs *FileStore) finish(wait bool, err error) error {
	lsn, cerr := fs.commitLocked(wait)
	fs.mu.unlockAndNotify()
	if err != nil {
		return err
	}
	if cerr != nil {
		return cerr
	}
	if wait && !fs.async() {
		return fs.waitDurable(lsn)
	}
	return nil
}

// StoreMsg implements Store. In durable mode it returns once the message is
// fsynced.
func (fs *FileStore) StoreMsg(subj string, hdr, data []byte, ttl time.Duration) (uint64, int64, error) {
	seq, ts, lsn, err := fs.appendMsg(subj, hdr, data, ttl)
	if err == nil {
		err = fs.WaitDurable(lsn)
	}
	if err != nil {
		return 0, 0, err
	}
	return seq, ts, nil
}

// StoreMsgAt implements Store.
func (fs *FileStore) StoreMsgAt(subj string, hdr, data []byte, seq uint64, ts int64, ttl time.Duration, checkLimits bool) error {
	fs.mu.Lock()
	if seq == 0 {
		seq = fs.mu.last + 1
	}
	err := fs.storeLocked(subj, hdr, data, seq, ts, ttl, checkLimits)
	return fs.finish(err == nil, err)
}

// storeLocked stores one message: its record is appended before any index
// changes, so a failed append leaves the store as it was.
func (fs *FileStore) storeLocked(subj string, hdr, data []byte, seq uint64, ts int64, ttl time.Duration, check bool) error {
	if err := fs.usableLocked(); err != nil {
		return err
	}
	ss, err := fs.mu.admit(subj, hdr, data, seq, check)
	if err != nil {
		return err
	}
	if len(subj)+len(hdr)+len(data) > MaxBlockSize {
		return ErrMaxMsgSize // a record must fit a block's 32-bit offsets
	}
	var z []byte
	if fs.fcfg.Compression == S2Compression && len(hdr)+len(data) >= compressMin {
		z = fs.compressLocked(hdr, data)
	}
	fs.mu.rec = appendMsgRec(fs.mu.rec[:0], seq, ts, ttl, subj, hdr, data, z)
	blk, off, err := fs.appendLocked(fs.mu.rec)
	if err != nil {
		return err
	}
	rlen := uint32(len(fs.mu.rec))
	if cap(fs.mu.rec) > flushThreshold {
		fs.mu.rec, fs.mu.zbuf, fs.mu.zout = nil, nil, nil // do not keep a huge message's scratch
	}
	blk.live++
	blk.liveBytes += int64(rlen)
	blk.noteMsgSeq(seq)
	ext := fileExt{blk: blk, off: uint32(off), rlen: rlen, plen: uint32(len(hdr) + len(data)), z: z != nil, hdr: len(hdr) > 0}
	fs.mu.add(fs, ss, subj, seq, ts, ttl, ext.accounted(len(subj)), ext)
	return nil
}

// compressLocked returns the s2 encoding of hdr+data if it is smaller.
func (fs *FileStore) compressLocked(hdr, data []byte) []byte {
	src := append(append(fs.mu.zbuf[:0], hdr...), data...)
	fs.mu.zbuf = src
	n := s2.MaxEncodedLen(len(src))
	if n < 0 {
		return nil
	}
	if cap(fs.mu.zout) < n {
		fs.mu.zout = make([]byte, n)
	}
	z := s2.Encode(fs.mu.zout[:n], src)
	if len(z) >= len(src) {
		return nil
	}
	return z
}

// removeAtLocked removes the message at index position p and queues its
// sequence for the operation's DEL record.
func (fs *FileStore) removeAtLocked(p pos, expired, erase bool) {
	seq, m, size := fs.mu.removeAt(p, expired)
	if erase {
		fs.eraseRecordLocked(seq, &m)
	}
	blk := m.ext.blk
	blk.live--
	blk.liveBytes -= int64(m.ext.rlen)
	blk.addDead(seq)
	if !fs.mu.replaying {
		fs.mu.ev.removed(seq, m.ss.subj, size)
		fs.mu.dels = append(fs.mu.dels, seq)
		fs.noteDeathLocked(blk)
	}
}

// eraseRecordLocked overwrites the record of m with padding of the same
// length, in the write buffer or in place in the file.
func (fs *FileStore) eraseRecordLocked(seq uint64, m *fmsg) {
	blk := m.ext.blk
	pad := padRec(int(m.ext.rlen), seq, m.ts)
	off := int64(m.ext.off)
	blk.erases++
	blk.gen++
	if off >= blk.flushed {
		copy(blk.buf[off-blk.flushed:], pad)
		return
	}
	if _, err := blk.f.WriteAt(pad, off); err != nil {
		fs.failLocked(ioErr("erase", err))
		return
	}
	fs.markUnsyncedLocked(blk)
}

// RemoveMsg implements Store. The removal is logged but not waited for: a
// crash right after it may bring the message back (delivered again).
func (fs *FileStore) RemoveMsg(seq uint64) (bool, error) { return fs.removeMsg(seq, false) }

// EraseMsg implements Store: the record is overwritten on disk, and the
// call returns once that is durable.
func (fs *FileStore) EraseMsg(seq uint64) (bool, error) { return fs.removeMsg(seq, true) }

func (fs *FileStore) removeMsg(seq uint64, erase bool) (bool, error) {
	fs.mu.Lock()
	if err := fs.usableLocked(); err != nil {
		fs.mu.Unlock()
		return false, err
	}
	ok := fs.mu.removeSeq(fs, seq, erase)
	if err := fs.finish(erase && ok, nil); err != nil {
		return ok, err
	}
	return ok, nil
}

// SkipMsg implements Store.
func (fs *FileStore) SkipMsg(seq uint64) (uint64, error) {
	fs.mu.Lock()
	if seq == 0 {
		seq = fs.mu.last + 1
	}
	err := fs.skipLocked(seq, 1)
	if err = fs.finish(err == nil, err); err != nil {
		return 0, err
	}
	return seq, nil
}

// SkipMsgs implements Store.
func (fs *FileStore) SkipMsgs(seq, num uint64) error {
	fs.mu.Lock()
	if seq == 0 {
		seq = fs.mu.last + 1
	}
	err := fs.skipLocked(seq, num)
	return fs.finish(err == nil && num > 0, err)
}

func (fs *FileStore) skipLocked(seq, num uint64) error {
	if err := fs.usableLocked(); err != nil {
		return err
	}
	if seq != fs.mu.last+1 {
		return ErrSequenceMismatch
	}
	if num == 0 {
		return nil
	}
	st := seqState{last: seq + num - 1, lastTS: fs.mu.lastTS}
	if err := fs.appendRecLocked(appendStateRec(fs.mu.rec[:0], st)); err != nil {
		return err
	}
	fs.mu.last = st.last
	if fs.mu.msgs == 0 {
		fs.mu.first, fs.mu.firstTS = fs.mu.last+1, 0
	}
	return nil
}

// UpdateConfig implements Store, like MemStore.UpdateConfig.
func (fs *FileStore) UpdateConfig(cfg StreamConfig) error {
	fs.mu.Lock()
	if err := fs.usableLocked(); err != nil {
		fs.mu.Unlock()
		return err
	}
	fs.mu.updateConfig(fs, cfg)
	return fs.finish(false, nil)
}

// Stop implements Store: buffered records are written and fsynced before
// the files are closed.
func (fs *FileStore) Stop() error {
	fs.mu.Lock()
	if fs.mu.closed {
		fs.mu.Unlock()
		return ErrStoreClosed
	}
	_, err := fs.commitLocked(false)
	if w := fs.writeBlockLocked(); w != nil && err == nil {
		err = fs.trimPreallocLocked(w)
	}
	if serr := fs.syncLocked(); err == nil {
		err = serr
	}
	fs.stopLocked()
	fs.mu.Unlock()
	fs.bg.Wait()
	return err
}

// stopLocked closes consumers and files and marks the store closed.
func (fs *FileStore) stopLocked() {
	fs.mu.closed = true
	for _, c := range fs.mu.consumers {
		c.stop()
	}
	fs.mu.consumers = nil
	fs.closeFilesLocked()
	// Nothing more will be written: release anybody waiting, unless the
	// final sync failed (they get the error).
	if fs.mu.werr == nil {
		fs.durable.Store(math.MaxUint64)
	}
}

func (fs *FileStore) closeFilesLocked() {
	for _, b := range fs.mu.blocks {
		if b.f != nil {
			b.f.Close()
		}
	}
	for _, r := range fs.mu.retired {
		r.blk.f.Close()
	}
}

// Delete implements Store: it removes every message and the directory.
func (fs *FileStore) Delete() error {
	fs.mu.Lock()
	if fs.mu.closed {
		fs.mu.Unlock()
		return ErrStoreClosed
	}
	fs.clearLocked()
	fs.mu.first = fs.mu.last + 1
	fs.mu.dels = fs.mu.dels[:0]
	fs.stopLocked()
	fs.durable.Store(math.MaxUint64)
	err := fs.fsys.RemoveAll(fs.dir)
	fs.mu.unlockAndNotify()
	fs.bg.Wait()
	if err != nil {
		return ioErr("delete", err)
	}
	return nil
}

// clearLocked drops every message from the indexes, reporting them as one
// bulk change, and leaves the sequence state and the log to the caller.
func (fs *FileStore) clearLocked() uint64 {
	idx := &fs.mu.index
	for p := idx.lowerBound(0); !idx.end(p); p = idx.next(p) {
		m := idx.val(p)
		m.ext.blk.live--
		m.ext.blk.liveBytes -= int64(m.ext.rlen)
		m.ext.blk.addDead(idx.key(p))
		fs.noteDeathLocked(m.ext.blk)
	}
	return fs.mu.dropAll()
}

// seqStateLocked returns the current sequence state.
func (fs *FileStore) seqStateLocked() seqState {
	return seqState{last: fs.mu.last, lastTS: fs.mu.lastTS, pristine: fs.mu.first == 0}
}

// waitDurable waits until the log is durable up to lsn.
func (fs *FileStore) waitDurable(lsn uint64) error {
	for fs.durable.Load() < lsn {
		if fs.failed.Load() {
			fs.mu.RLock()
			err := fs.mu.werr
			fs.mu.RUnlock()
			if fs.durable.Load() < lsn {
				return err
			}
			return nil
		}
		r := fs.syncer.request(fs)
		if r == nil {
			fs.syncer.syncNow(fs)
			continue
		}
		<-r.done
	}
	return nil
}
