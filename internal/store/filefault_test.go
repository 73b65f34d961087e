package store

import (
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
)

// memFS is an in-memory vfs that models what survives a crash, and injects
// faults.
//
// A file's content is durable as of its last Sync; the writes and
// truncations since then are kept in order. A directory's entries (creates,
// renames, removes) are durable as of its last SyncDir. crash() returns the
// file system a machine would find after a power loss at this instant: the
// durable entries, each file holding its durable content plus a random
// prefix of its pending operations, the last one possibly torn. The crashed
// file system fails every later operation, so a store still running on it
// cannot acknowledge anything more.
type memFS struct {
	mu      sync.Mutex
	files   map[string]*memInode // current entries
	durable map[string]*memInode // durable entries
	dirs    map[string]bool
	crashed bool
	ops     int // mutating operations so far

	// Fault injection, all guarded by mu.
	crashAt   int // crash at this mutating operation (0: never)
	crashRand *rand.Rand
	image     *memFS                          // the crash image, once crashed
	failSync  bool                            // Sync and SyncDir fail with EIO
	readOnly  bool                            // mutations fail with EROFS
	spaceLeft int64                           // bytes that may still be written; <0: unlimited
	onOp      func(op, name string) error     // called on every mutating operation
	flipRead  func(name string, p []byte) int // may damage data read; unused if nil
}

type memInode struct {
	data    []byte
	synced  []byte
	pending []memOp
}

type memOp struct {
	off   int64
	data  []byte // nil: truncate to off
	trunc bool
}

var errCrashed = errors.New("memfs: crashed")

func newMemFS() *memFS {
	return &memFS{files: map[string]*memInode{}, durable: map[string]*memInode{},
		dirs: map[string]bool{"/": true}, spaceLeft: -1}
}

// mutate is called at the start of every mutating operation with mu held.
func (m *memFS) mutate(op, name string) error {
	if m.crashed {
		return errCrashed
	}
	m.ops++
	if m.crashAt > 0 && m.ops >= m.crashAt {
		m.image = m.crashLocked(m.crashRand)
		return errCrashed
	}
	if m.readOnly {
		return &os.PathError{Op: op, Path: name, Err: syscall.EROFS}
	}
	if m.onOp != nil {
		return m.onOp(op, name)
	}
	return nil
}

func (m *memFS) OpenFile(name string, flag int, _ os.FileMode) (vfile, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.crashed {
		return nil, errCrashed
	}
	if !m.dirs[filepath.Dir(name)] {
		return nil, &os.PathError{Op: "open", Path: name, Err: syscall.ENOENT}
	}
	ino := m.files[name]
	switch {
	case ino != nil && flag&os.O_EXCL != 0:
		return nil, &os.PathError{Op: "open", Path: name, Err: syscall.EEXIST}
	case ino == nil && flag&os.O_CREATE == 0:
		return nil, &os.PathError{Op: "open", Path: name, Err: syscall.ENOENT}
	case ino == nil:
		if err := m.mutate("create", name); err != nil {
			return nil, err
		}
		ino = &memInode{}
		m.files[name] = ino
	}
	if flag&os.O_TRUNC != 0 && len(ino.data) > 0 {
		if err := m.mutate("truncate", name); err != nil {
			return nil, err
		}
		ino.truncate(0)
	}
	return &memFile{fs: m, ino: ino, name: name}, nil
}

func (ino *memInode) truncate(n int64) {
	if n < int64(len(ino.data)) {
		ino.data = ino.data[:n]
	} else {
		ino.data = append(ino.data, make([]byte, n-int64(len(ino.data)))...)
	}
	ino.pending = append(ino.pending, memOp{off: n, trunc: true})
}

func (ino *memInode) write(p []byte, off int64) {
	if end := off + int64(len(p)); end > int64(len(ino.data)) {
		ino.data = append(ino.data, make([]byte, end-int64(len(ino.data)))...)
	}
	copy(ino.data[off:], p)
	ino.pending = append(ino.pending, memOp{off: off, data: slices.Clone(p)})
}

func (m *memFS) ReadDir(dir string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.crashed {
		return nil, errCrashed
	}
	if !m.dirs[dir] {
		return nil, &os.PathError{Op: "readdir", Path: dir, Err: syscall.ENOENT}
	}
	var out []string
	for name := range m.files {
		if filepath.Dir(name) == dir {
			out = append(out, filepath.Base(name))
		}
	}
	for d := range m.dirs {
		if d != dir && filepath.Dir(d) == dir {
			out = append(out, filepath.Base(d))
		}
	}
	slices.Sort(out)
	return out, nil
}

func (m *memFS) MkdirAll(dir string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.crashed {
		return errCrashed
	}
	for d := filepath.Clean(dir); !m.dirs[d]; d = filepath.Dir(d) {
		if m.readOnly {
			return &os.PathError{Op: "mkdir", Path: d, Err: syscall.EROFS}
		}
		m.dirs[d] = true // directories are durable at once
	}
	return nil
}

func (m *memFS) Remove(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.mutate("remove", name); err != nil {
		return err
	}
	if m.files[name] == nil {
		return &os.PathError{Op: "remove", Path: name, Err: syscall.ENOENT}
	}
	delete(m.files, name)
	return nil
}

func (m *memFS) RemoveAll(dir string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.mutate("removeall", dir); err != nil {
		return err
	}
	for name := range m.files {
		if strings.HasPrefix(name, dir+"/") {
			delete(m.files, name)
			delete(m.durable, name)
		}
	}
	for d := range m.dirs {
		if d == dir || strings.HasPrefix(d, dir+"/") {
			delete(m.dirs, d)
		}
	}
	return nil
}

func (m *memFS) Rename(oldpath, newpath string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.mutate("rename", newpath); err != nil {
		return err
	}
	ino := m.files[oldpath]
	if ino == nil {
		return &os.PathError{Op: "rename", Path: oldpath, Err: syscall.ENOENT}
	}
	m.files[newpath] = ino
	delete(m.files, oldpath)
	return nil
}

func (m *memFS) SyncDir(dir string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.mutate("syncdir", dir); err != nil {
		return err
	}
	if m.failSync {
		return &os.PathError{Op: "fsync", Path: dir, Err: syscall.EIO}
	}
	for name := range m.durable {
		if filepath.Dir(name) == dir {
			delete(m.durable, name)
		}
	}
	for name, ino := range m.files {
		if filepath.Dir(name) == dir {
			m.durable[name] = ino
		}
	}
	return nil
}

// crash makes the file system crash at its n-th mutating operation from
// now, with r choosing what of the unsynced data survives.
func (m *memFS) crashAfter(n int, r *rand.Rand) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.crashAt, m.crashRand = m.ops+n, r
}

// crashNow crashes the file system and returns what survives.
func (m *memFS) crashNow(r *rand.Rand) *memFS {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.crashed {
		m.image = m.crashLocked(r)
	}
	return m.image
}

// crashImage returns the surviving file system once crashed, else nil.
func (m *memFS) crashImage() *memFS {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.image
}

func (m *memFS) crashLocked(r *rand.Rand) *memFS {
	m.crashed = true
	img := newMemFS()
	for d := range m.dirs {
		img.dirs[d] = true
	}
	for name, ino := range m.durable {
		data := slices.Clone(ino.synced)
		n := len(ino.pending)
		keep := r.IntN(n + 1)
		for i, op := range ino.pending[:keep] {
			if op.trunc {
				if op.off < int64(len(data)) {
					data = data[:op.off]
				} else {
					data = append(data, make([]byte, op.off-int64(len(data)))...)
				}
				continue
			}
			p := op.data
			if i == keep-1 && r.IntN(2) == 0 {
				p = p[:r.IntN(len(p)+1)] // torn
			}
			if end := op.off + int64(len(p)); end > int64(len(data)) {
				data = append(data, make([]byte, end-int64(len(data)))...)
			}
			copy(data[op.off:], p)
		}
		nino := &memInode{data: data, synced: slices.Clone(data)}
		img.files[name] = nino
		img.durable[name] = nino
	}
	return img
}

// memFile is an open memFS file.
type memFile struct {
	fs     *memFS
	ino    *memInode
	name   string
	closed bool
}

func (f *memFile) ReadAt(p []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return 0, os.ErrClosed
	}
	if f.fs.crashed {
		return 0, errCrashed
	}
	if off >= int64(len(f.ino.data)) {
		return 0, io.EOF
	}
	n := copy(p, f.ino.data[off:])
	if f.fs.flipRead != nil {
		f.fs.flipRead(f.name, p[:n])
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (f *memFile) WriteAt(p []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return 0, os.ErrClosed
	}
	if err := f.fs.mutate("write", f.name); err != nil {
		return 0, err
	}
	if sl := f.fs.spaceLeft; sl >= 0 {
		grow := max(off+int64(len(p))-int64(len(f.ino.data)), 0)
		if grow > sl {
			n := max(int64(len(p))-(grow-sl), 0)
			f.ino.write(p[:n], off)
			f.fs.spaceLeft = 0
			return int(n), &os.PathError{Op: "write", Path: f.name, Err: syscall.ENOSPC}
		}
		f.fs.spaceLeft -= grow
	}
	f.ino.write(p, off)
	return len(p), nil
}

func (f *memFile) Sync() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return os.ErrClosed
	}
	if err := f.fs.mutate("fsync", f.name); err != nil {
		return err
	}
	if f.fs.failSync {
		return &os.PathError{Op: "fsync", Path: f.name, Err: syscall.EIO}
	}
	f.ino.synced = slices.Clone(f.ino.data)
	f.ino.pending = nil
	return nil
}

func (f *memFile) Truncate(size int64) error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return os.ErrClosed
	}
	if err := f.fs.mutate("truncate", f.name); err != nil {
		return err
	}
	f.ino.truncate(size)
	return nil
}

func (f *memFile) Size() (int64, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return 0, os.ErrClosed
	}
	return int64(len(f.ino.data)), nil
}

func (f *memFile) Close() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return os.ErrClosed
	}
	f.closed = true
	return nil
}

// fileNames lists the files of the file system with their sizes.
func (m *memFS) fileNames() map[string]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]int{}
	for name, ino := range m.files {
		out[name] = len(ino.data)
	}
	return out
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }
