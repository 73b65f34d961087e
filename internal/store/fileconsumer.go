package store

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// A file store's consumer state lives in one append-only log per consumer,
// dir/consumers/<name>.clog. Every update is appended as an operation
// record and written to the operating system at once (a process crash
// loses nothing); fsyncs are batched by the syncer and come within the
// store's lazy sync delay (or its SyncInterval in async mode), so a power
// loss may lose the last updates, which redelivers messages (at least once).
// Reopening replays the operations through the same deterministic state
// machine as the memory store's consumer. When the log has grown past
// four times the encoded state (and 64 KiB) it is rewritten as one state
// record, through a temporary file renamed into place.
//
// Log format: "NNCL", version 1, three zero bytes; then records framed
// like block records (length, CRC-32C) whose body is an op byte and
// uvarint arguments. A torn or corrupt tail is cut off at the first bad
// record.

// ErrConsumerOpen is returned by FileStore.ConsumerStore for a consumer
// whose store is already open.
var ErrConsumerOpen = errors.New("store: consumer store already open")

const (
	clogMagic   = "NNCL"
	clogVersion = 1
	clogHeader  = 8
	// clogMinSize is the log growth below which the log is not rewritten
	// to its current state: a rewrite costs two fsyncs on the consumer's
	// goroutine, and replaying a few MB at open is quick.
	clogMinSize = 4 << 20

	opConfig    = 1 // ack policy byte, max deliver varint
	opStarting  = 2 // sseq
	opDelivered = 3 // dseq, sseq, dc, ts (varint)
	opAcks      = 4 // dseq, sseq
	opState     = 5 // an encoded ConsumerState (replaces the state)
)

// fileConsumer is the file-backed ConsumerStore.
type fileConsumer struct {
	name  string
	path  string
	fs    *FileStore
	flags syncFlags
	st    *memConsumer // the state machine; its own lock nests inside mu

	mu struct {
		sync.Mutex
		closed bool
		f      vfile
		size   int64
		base   int64 // size right after the last rewrite
		dirty  bool
		// created is set when the log's file was created since the last
		// sync: the directory entry needs an fsync too.
		created bool
		werr    error
		rec     []byte
		// buf holds the records appended since the last write; size
		// counts them. They are written when buf grows past
		// clogBufSize and before every fsync.
		buf []byte
	}
}

// consumerFileName maps a consumer name to a file name; names with
// characters outside [A-Za-z0-9_-] are hex-encoded.
func consumerFileName(name string) string {
	safe := name != ""
	for i := 0; i < len(name) && safe; i++ {
		c := name[i]
		safe = c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	if safe {
		return name + ".clog"
	}
	var sb strings.Builder
	sb.WriteString("x-")
	for i := 0; i < len(name); i++ {
		sb.WriteByte("0123456789abcdef"[name[i]>>4])
		sb.WriteByte("0123456789abcdef"[name[i]&15])
	}
	sb.WriteString(".clog")
	return sb.String()
}

// ConsumerStore implements Store. An existing consumer's state is reloaded
// from its log; cfg replaces the logged configuration.
func (fs *FileStore) ConsumerStore(name string, cfg ConsumerConfig) (ConsumerStore, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.mu.closed {
		return nil, ErrStoreClosed
	}
	dir := filepath.Join(fs.dir, "consumers")
	path := filepath.Join(dir, consumerFileName(name))
	if fs.mu.consumers[path] != nil {
		return nil, ErrConsumerOpen
	}
	if !fs.mu.consumerDir {
		// Checked once per store: listing a directory of thousands of
		// consumers for each of them would make opening them quadratic.
		if _, err := fs.fsys.ReadDir(dir); err != nil {
			if err := fs.fsys.MkdirAll(dir); err != nil {
				return nil, ioErr("create consumer directory", err)
			}
			if err := fs.fsys.SyncDir(fs.dir); err != nil {
				return nil, ioErr("fsync store directory", err)
			}
		}
		fs.mu.consumerDir = true
	}
	c := &fileConsumer{name: name, path: path, fs: fs, st: &memConsumer{name: name}}
	c.st.mu.cfg = cfg
	if err := c.open(cfg); err != nil {
		return nil, err
	}
	if fs.mu.consumers == nil {
		fs.mu.consumers = make(map[string]*fileConsumer)
	}
	fs.mu.consumers[path] = c
	return c, nil
}

// open loads the log and logs cfg. A new log is only buffered: its file
// is created by the next write, at the latest by the next sync, which
// fsyncs the directory too, so that creating many consumers costs shared
// fsyncs instead of two each. (A consumer whose log was lost that way
// starts from its configuration, which is where it was.)
func (c *fileConsumer) open(cfg ConsumerConfig) error {
	fsys := c.fs.fsys
	f, err := fsys.OpenFile(c.path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		f, err = nil, nil
		c.mu.buf = append(c.mu.buf[:0], clogHead()...)
		c.mu.size = clogHeader
	} else if err == nil {
		err = c.replay(f)
	}
	if err != nil {
		if f != nil {
			f.Close()
		}
		return ioErr("open consumer "+c.name, err)
	}
	c.mu.f, c.mu.base = f, c.mu.size
	if c.mu.size == clogHeader || c.st.mu.cfg != cfg {
		c.st.mu.cfg = cfg
		return c.logLocked(c.configOp(cfg))
	}
	return nil
}

func clogHead() []byte { return []byte{'N', 'N', 'C', 'L', clogVersion, 0, 0, 0} }

// replay applies the log's operations, cutting off a damaged tail.
func (c *fileConsumer) replay(f vfile) error {
	size, err := f.Size()
	if err != nil {
		return err
	}
	data, err := readWhole(f, size, nil)
	if err != nil {
		return err
	}
	if len(data) < clogHeader || string(data[:4]) != clogMagic || data[4] != clogVersion {
		// Nothing usable (a torn creation): start over.
		if err := f.Truncate(0); err != nil {
			return err
		}
		if _, err := f.WriteAt(clogHead(), 0); err != nil {
			return err
		}
		size, data = 0, clogHead()
	}
	off := clogHeader
	for off < len(data) {
		body, ok := clogRecordAt(data, off)
		if !ok || !c.apply(body) {
			break
		}
		off += recFrame + len(body)
	}
	if int64(off) != size {
		if err := f.Truncate(int64(off)); err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return err
		}
	}
	c.mu.size = int64(off)
	return nil
}

func clogRecordAt(data []byte, off int) ([]byte, bool) {
	if len(data)-off < recFrame+1 {
		return nil, false
	}
	n := int(binary.LittleEndian.Uint32(data[off:]))
	if n < 1 || n > len(data)-off-recFrame {
		return nil, false
	}
	body := data[off+recFrame : off+recFrame+n]
	crc := crc32.Update(0, crcTable, data[off:off+4])
	if crc32.Update(crc, crcTable, body) != binary.LittleEndian.Uint32(data[off+4:]) {
		return nil, false
	}
	return body, true
}

// apply replays one operation through the state machine; errors of the
// operation itself replay as they happened.
func (c *fileConsumer) apply(body []byte) bool {
	r := snapReader{b: body[1:]}
	st := c.st
	switch body[0] {
	case opConfig:
		if len(r.b) < 1 {
			return false
		}
		ap := AckPolicy(r.b[0])
		r.b = r.b[1:]
		md := r.varint()
		if r.bad {
			return false
		}
		st.mu.cfg = ConsumerConfig{AckPolicy: ap, MaxDeliver: int(md)}
	case opStarting:
		sseq := r.uvarint()
		if r.bad {
			return false
		}
		st.SetStarting(sseq)
	case opDelivered:
		dseq, sseq, dc, ts := r.uvarint(), r.uvarint(), r.uvarint(), r.varint()
		if r.bad {
			return false
		}
		st.UpdateDelivered(dseq, sseq, dc, ts)
	case opAcks:
		dseq, sseq := r.uvarint(), r.uvarint()
		if r.bad {
			return false
		}
		st.UpdateAcks(dseq, sseq)
	case opState:
		s, err := DecodeConsumerState(r.b)
		if err != nil {
			return false
		}
		st.mu.state = *s
		return true
	default:
		return false
	}
	return len(r.b) == 0
}

func (c *fileConsumer) op(code byte) []byte {
	return append(c.mu.rec[:0], 0, 0, 0, 0, 0, 0, 0, 0, code)
}

func (c *fileConsumer) configOp(cfg ConsumerConfig) []byte {
	b := append(c.op(opConfig), byte(cfg.AckPolicy))
	return binary.AppendVarint(b, int64(cfg.MaxDeliver))
}

// logLocked appends one operation record (built by op) to the log.
func (c *fileConsumer) logLocked(rec []byte) error {
	if c.mu.werr != nil {
		return c.mu.werr
	}
	rec = sealRec(rec, 0)
	c.mu.rec = rec
	c.mu.buf = append(c.mu.buf, rec...)
	c.mu.size += int64(len(rec))
	c.mu.dirty = true
	if len(c.mu.buf) >= clogBufSize {
		if err := c.writeBufLocked(); err != nil {
			return err
		}
	}
	if c.mu.size-c.mu.base > clogMinSize && c.mu.size > 4*c.mu.base {
		return c.rewriteLocked()
	}
	d := lazySyncDelay
	if c.fs.async() {
		d = c.fs.fcfg.SyncInterval
	}
	c.fs.syncer.later(c, d)
	return nil
}

// clogBufSize is the size of buffered consumer records written at once.
const clogBufSize = 64 << 10

// writeBufLocked writes the buffered records at the end of the log. A
// failed write is cut off and becomes the store's sticky error.
func (c *fileConsumer) writeBufLocked() error {
	if len(c.mu.buf) == 0 {
		return nil
	}
	if c.mu.f == nil {
		f, err := c.fs.fsys.OpenFile(c.path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o640)
		if err != nil {
			c.mu.werr = ioErr("create consumer "+c.name, err)
			return c.mu.werr
		}
		c.mu.f, c.mu.created = f, true
	}
	at := c.mu.size - int64(len(c.mu.buf))
	if _, err := c.mu.f.WriteAt(c.mu.buf, at); err != nil {
		c.mu.f.Truncate(at)
		c.mu.werr = ioErr("write consumer "+c.name, err)
		return c.mu.werr
	}
	c.mu.buf = c.mu.buf[:0]
	return nil
}

// rewriteLocked replaces the log by its current state.
func (c *fileConsumer) rewriteLocked() error {
	c.st.mu.Lock()
	cfg, enc := c.st.mu.cfg, EncodeConsumerState(&c.st.mu.state)
	c.st.mu.Unlock()
	b := clogHead()
	b = sealRec(append(b, c.configOp(cfg)...), clogHeader)
	start := len(b)
	b = append(append(b, 0, 0, 0, 0, 0, 0, 0, 0, opState), enc...)
	b = sealRec(b, start)
	f, err := writeFileSync(c.fs.fsys, c.path, b)
	if err != nil {
		c.mu.werr = ioErr("rewrite consumer "+c.name, err)
		return c.mu.werr
	}
	if c.mu.f != nil {
		c.mu.f.Close()
	}
	c.mu.f, c.mu.size, c.mu.base, c.mu.dirty = f, int64(len(b)), int64(len(b)), false
	c.mu.created = false    // writeFileSync synced the directory
	c.mu.buf = c.mu.buf[:0] // superseded by the state just written
	return nil
}

// do runs one update: the state machine, then the log.
func (c *fileConsumer) do(fn func() error, rec func() []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.closed {
		return ErrStoreClosed
	}
	if c.mu.werr != nil {
		return c.mu.werr
	}
	err := fn()
	if errors.Is(err, ErrBadConsumerState) || errors.Is(err, ErrOldUpdate) {
		return err // refused without effect: nothing to log
	}
	if lerr := c.logLocked(rec()); lerr != nil {
		return lerr
	}
	return err
}

func (c *fileConsumer) SetStarting(sseq uint64) error {
	return c.do(func() error { return c.st.SetStarting(sseq) },
		func() []byte { return binary.AppendUvarint(c.op(opStarting), sseq) })
}

func (c *fileConsumer) UpdateDelivered(dseq, sseq, dc uint64, ts int64) error {
	return c.do(func() error { return c.st.UpdateDelivered(dseq, sseq, dc, ts) }, func() []byte {
		b := binary.AppendUvarint(c.op(opDelivered), dseq)
		b = binary.AppendUvarint(b, sseq)
		b = binary.AppendUvarint(b, dc)
		return binary.AppendVarint(b, ts)
	})
}

func (c *fileConsumer) UpdateAcks(dseq, sseq uint64) error {
	return c.do(func() error { return c.st.UpdateAcks(dseq, sseq) }, func() []byte {
		return binary.AppendUvarint(binary.AppendUvarint(c.op(opAcks), dseq), sseq)
	})
}

func (c *fileConsumer) UpdateConfig(cfg ConsumerConfig) error {
	return c.do(func() error { return c.st.UpdateConfig(cfg) }, func() []byte { return c.configOp(cfg) })
}

func (c *fileConsumer) Update(state *ConsumerState) error {
	return c.do(func() error { return c.st.Update(state) },
		func() []byte { return append(c.op(opState), EncodeConsumerState(state)...) })
}

func (c *fileConsumer) State() (*ConsumerState, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.closed {
		return nil, ErrStoreClosed
	}
	return c.st.State()
}

func (c *fileConsumer) EncodedState() ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.closed {
		return nil, ErrStoreClosed
	}
	return c.st.EncodedState()
}

// stop fsyncs and closes the log; the stream's lock may be held.
func (c *fileConsumer) stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.closed {
		return ErrStoreClosed
	}
	c.mu.closed = true
	var err error
	if c.mu.dirty && c.mu.werr == nil {
		err = c.writeBufLocked()
	}
	if err == nil && c.mu.dirty && c.mu.werr == nil {
		if err = c.mu.f.Sync(); err != nil {
			err = ioErr("fsync consumer "+c.name, err)
		}
	}
	if err == nil && c.mu.created {
		if err = c.fs.fsys.SyncDir(filepath.Dir(c.path)); err != nil {
			err = ioErr("fsync consumer directory", err)
		}
	}
	if c.mu.f != nil {
		c.mu.f.Close()
	}
	return err
}

// Stop implements ConsumerStore.
func (c *fileConsumer) Stop() error {
	fs := c.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.mu.consumers[c.path] != c {
		return ErrStoreClosed
	}
	delete(fs.mu.consumers, c.path)
	return c.stop()
}

// Delete implements ConsumerStore: it removes the log.
func (c *fileConsumer) Delete() error {
	if err := c.Stop(); err != nil && !errors.Is(err, ErrIO) {
		return err
	}
	if err := c.fs.fsys.Remove(c.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return ioErr("remove consumer "+c.name, err)
	}
	c.fs.fsys.SyncDir(filepath.Dir(c.path))
	return nil
}

func (c *fileConsumer) syncFlags() *syncFlags { return &c.flags }

func (c *fileConsumer) syncPrepare() *syncJob {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.closed || !c.mu.dirty || c.mu.werr != nil {
		return nil
	}
	if c.writeBufLocked() != nil {
		return nil
	}
	c.mu.dirty = false
	j := &syncJob{fsys: c.fs.fsys, files: []vfile{c.mu.f}}
	if c.mu.created {
		c.mu.created = false
		j.dir = filepath.Dir(c.path)
	}
	return j
}

func (c *fileConsumer) syncFinish(j *syncJob) {
	if j.err != nil {
		c.mu.Lock()
		if c.mu.werr == nil {
			c.mu.werr = j.err
		}
		c.mu.Unlock()
	}
}
