package store

import (
	"errors"
	"io"
	"os"
	"path/filepath"
)

// vfs is the file system a FileStore works on: the operating system's in
// production (osFS), an in-memory one with crash and fault injection in
// tests. Paths are full paths.
type vfs interface {
	OpenFile(name string, flag int, perm os.FileMode) (vfile, error)
	// ReadDir lists the names (not paths) of the entries of dir.
	ReadDir(dir string) ([]string, error)
	MkdirAll(dir string) error
	Remove(name string) error
	RemoveAll(dir string) error
	Rename(oldpath, newpath string) error
	// SyncDir makes the directory's entries (creates, renames, removes)
	// durable.
	SyncDir(dir string) error
}

// vfile is an open file. The store only uses positioned reads and writes,
// so one file may serve concurrent readers.
type vfile interface {
	io.ReaderAt
	io.WriterAt
	Sync() error
	Truncate(size int64) error
	Size() (int64, error)
	Close() error
}

// osFS is the operating system's file system.
type osFS struct{}

type osFile struct{ *os.File }

func (f osFile) Size() (int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

func (osFS) OpenFile(name string, flag int, perm os.FileMode) (vfile, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

func (osFS) ReadDir(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(ents))
	for i, e := range ents {
		names[i] = e.Name()
	}
	return names, nil
}

func (osFS) MkdirAll(dir string) error            { return os.MkdirAll(dir, 0o750) }
func (osFS) Remove(name string) error             { return os.Remove(name) }
func (osFS) RemoveAll(dir string) error           { return os.RemoveAll(dir) }
func (osFS) Rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }

func (osFS) SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// readWhole reads the first n bytes of f into buf (grown as needed).
func readWhole(f vfile, n int64, buf []byte) ([]byte, error) {
	if int64(cap(buf)) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	m, err := f.ReadAt(buf, 0)
	if err == io.EOF && int64(m) == n {
		err = nil
	}
	return buf[:m], err
}

// writeFileSync creates path through a temporary file that is written,
// fsynced and renamed into place, then fsyncs the directory: after it
// returns the file is durable with exactly data, and a crash at any point
// leaves either the old file or the new one.
func writeFileSync(fsys vfs, path string, data []byte) (vfile, error) {
	tmp := path + ".tmp"
	f, err := fsys.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (vfile, error) {
		f.Close()
		fsys.Remove(tmp)
		return nil, err
	}
	if _, err := f.WriteAt(data, 0); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := fsys.Rename(tmp, path); err != nil {
		return fail(err)
	}
	if err := fsys.SyncDir(filepath.Dir(path)); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// ignoreClosed drops the error of an fsync that raced with the file being
// closed: the store closes a block only once its data is no longer needed
// (removed) or already durable elsewhere (rewritten and synced).
func ignoreClosed(err error) error {
	if errors.Is(err, os.ErrClosed) {
		return nil
	}
	return err
}
