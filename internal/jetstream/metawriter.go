package jetstream

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/natsnet/natsnet/internal/server"
)

// metaWriter writes the metadata files of streams and consumers with
// shared fsyncs. Write leaves the new content in path+".tmp"; Flush
// fsyncs every pending temporary file at once, renames each over its
// file and fsyncs their directories. Until Flush a crash leaves the old
// file (or none) in place, never a torn one, so the API holds the answers
// to the requests that wrote metadata until the Flush at the end of its
// batch: creating a thousand consumers then costs a few fsyncs, not four
// each.
type metaWriter struct {
	// flushMu serializes Flush, so that a Flush returns only once every
	// Write made before it is durable, even if another Flush took it.
	flushMu sync.Mutex

	mu      sync.Mutex
	pending map[string]struct{} // final paths with a temporary file to install
}

// metaSyncParallel bounds the fsyncs a Flush runs at once.
const metaSyncParallel = 8

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Write stores v as JSON, preceded by a line with its CRC-32C, in the
// temporary file of path, to be installed by the next Flush.
func (w *metaWriter) Write(path string, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	buf := make([]byte, 0, len(body)+9)
	buf = fmt.Appendf(buf, "%08x\n", crc32.Checksum(body, castagnoli))
	buf = append(buf, body...)
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	if err := os.WriteFile(path+".tmp", buf, 0o640); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	w.mu.Lock()
	if w.pending == nil {
		w.pending = make(map[string]struct{})
	}
	w.pending[path] = struct{}{}
	w.mu.Unlock()
	return nil
}

// Remove deletes the file at path and any pending new content for it, and
// fsyncs its directory.
func (w *metaWriter) Remove(path string) error {
	w.mu.Lock()
	delete(w.pending, path)
	w.mu.Unlock()
	os.Remove(path + ".tmp")
	if err := os.Remove(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("remove %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

// Pending reports whether some Write awaits a Flush.
func (w *metaWriter) Pending() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.pending) > 0
}

// Flush makes every Write so far durable.
func (w *metaWriter) Flush() error {
	w.flushMu.Lock()
	defer w.flushMu.Unlock()
	w.mu.Lock()
	paths := make([]string, 0, len(w.pending))
	for p := range w.pending {
		paths = append(paths, p)
	}
	clear(w.pending)
	w.mu.Unlock()
	if len(paths) == 0 {
		return nil
	}
	err := parallel(paths, func(p string) error { return syncFile(p + ".tmp") })
	dirs := map[string]struct{}{}
	for _, p := range paths {
		if err != nil {
			break
		}
		if rerr := os.Rename(p+".tmp", p); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			// A missing temporary file was removed with its stream.
			err = fmt.Errorf("install %s: %w", p, rerr)
		}
		dirs[filepath.Dir(p)] = struct{}{}
	}
	if err != nil {
		return err
	}
	list := make([]string, 0, len(dirs))
	for d := range dirs {
		list = append(list, d)
	}
	return parallel(list, func(d string) error {
		if err := syncDir(d); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	})
}

// parallel runs fn on every item, metaSyncParallel at a time, and returns
// the first error.
func parallel(items []string, fn func(string) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	sem := make(chan struct{}, metaSyncParallel)
	for _, it := range items {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := fn(it); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return first
}

// syncFile fsyncs a file; a file that is gone (its stream was deleted) is
// not an error.
func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("fsync %s: %w", path, err)
	}
	err = f.Sync()
	f.Close()
	if err != nil {
		return fmt.Errorf("fsync %s: %w", path, err)
	}
	return nil
}

// syncDir makes a directory's entries durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	err = d.Sync()
	d.Close()
	if err != nil {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	return nil
}

// errBadChecksum marks a metadata file whose content does not match its
// checksum.
var errBadChecksum = errors.New("checksum mismatch")

// readMeta reads a file written by metaWriter.Write into v.
func readMeta(path string, v any) error {
	buf, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if len(buf) < 9 || buf[8] != '\n' {
		return fmt.Errorf("%s: %w", path, errBadChecksum)
	}
	want, err := strconv.ParseUint(string(buf[:8]), 16, 32)
	body := buf[9:]
	if err != nil || uint32(want) != crc32.Checksum(body, castagnoli) {
		return fmt.Errorf("%s: %w", path, errBadChecksum)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// responses sends API responses, or holds them in order while metadata
// they report on is not durable yet.
type responses struct {
	mu      sync.Mutex
	holding bool
	held    []heldResponse
}

type heldResponse struct {
	acc   *server.Account
	reply string
	body  []byte
}

// send publishes a response, or holds it behind the held ones.
func (r *responses) send(acc *server.Account, reply string, body []byte) {
	r.mu.Lock()
	if r.holding {
		r.held = append(r.held, heldResponse{acc: acc, reply: reply, body: body})
		r.mu.Unlock()
		return
	}
	r.mu.Unlock()
	acc.Publish(reply, "", nil, body)
}

// hold makes send hold responses until release.
func (r *responses) hold() {
	r.mu.Lock()
	r.holding = true
	r.mu.Unlock()
}

// release sends the held responses and stops holding.
func (r *responses) release() {
	r.mu.Lock()
	held := r.held
	r.held, r.holding = nil, false
	r.mu.Unlock()
	for _, h := range held {
		h.acc.Publish(h.reply, "", nil, h.body)
	}
}
