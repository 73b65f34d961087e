package jetstream

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/natsnet/natsnet/internal/consumer"
	"github.com/natsnet/natsnet/internal/jsapi"
	"github.com/natsnet/natsnet/internal/store"
)

// On-disk layout under the store directory, as with the reference:
//
//	<store_dir>/jetstream/<account>/streams/<stream>/       the stream's FileStore
//	<store_dir>/jetstream/<account>/streams/<stream>/meta.json
//	<store_dir>/jetstream/<account>/streams/<stream>/obs/<consumer>
//
// meta.json holds the stream's configuration and creation time; each file
// under obs/ a consumer's. The FileStore keeps the consumers' delivery and
// ack state next to them (consumers/). Only file-backed streams are
// written; memory streams, as with the reference, do not survive a
// restart.
const (
	streamMetaFile = "meta.json"
	consumerDir    = "obs"
)

// defaultStoreDir is where JetStream keeps its files when no store_dir is
// configured: the reference's default.
func defaultStoreDir() string { return filepath.Join(os.TempDir(), "nats") }

// storeRoot is <store_dir>/jetstream.
func (s *Service) storeRoot() string {
	dir := s.cfg.StoreDir
	if dir == "" {
		dir = defaultStoreDir()
	}
	return filepath.Join(dir, "jetstream")
}

// streamsDir is the directory of the account's file streams.
func (a *jsAccount) streamsDir() string {
	return filepath.Join(a.svc.storeRoot(), a.acc.Name, "streams")
}

// streamMeta is the content of a stream's meta.json.
type streamMeta struct {
	Created time.Time          `json:"created"`
	Config  jsapi.StreamConfig `json:"config"`
}

// consumerMeta is the content of a consumer's file under obs/.
type consumerMeta struct {
	Name    string               `json:"name"`
	Created time.Time            `json:"created"`
	Config  jsapi.ConsumerConfig `json:"config"`
}

// fileBacked reports whether a stream keeps its messages on disk.
func fileBacked(cfg *jsapi.StreamConfig) bool { return cfg.Storage == jsapi.FileStorage }

// openFileStore returns the stream.Options.OpenStore of a file stream.
func (a *jsAccount) openFileStore(cfg *jsapi.StreamConfig) func(store.StreamConfig, func() int64) (store.Store, error) {
	dir := filepath.Join(a.streamsDir(), cfg.Name)
	fcfg := store.FileConfig{SyncInterval: a.svc.cfg.SyncInterval, Syncer: a.svc.syncer}
	if cfg.Compression == jsapi.S2Compression {
		fcfg.Compression = store.S2Compression
	}
	return func(sc store.StreamConfig, clock func() int64) (store.Store, error) {
		return store.NewFileStore(dir, sc, fcfg, clock)
	}
}

// persistStream writes a file stream's meta.json.
func (a *jsAccount) persistStream(e *streamEntry) error {
	cfg := e.st.Config()
	if !fileBacked(&cfg) {
		return nil
	}
	return a.svc.meta.Write(e.metaPath, &streamMeta{Created: e.st.Created(), Config: cfg})
}

// consumerMetaPath is where a consumer of a file stream keeps its
// configuration.
func (a *jsAccount) consumerMetaPath(streamName, name string) string {
	return filepath.Join(a.streamsDir(), streamName, consumerDir, name)
}

// onDisk reports whether a consumer is kept on disk: a durable consumer
// of a file stream that did not ask for memory storage. Ephemeral
// consumers, as with the reference, do not survive a restart (their
// clients create them again), and keep their state in memory.
func onDisk(scfg *jsapi.StreamConfig, cfg *jsapi.ConsumerConfig) bool {
	return fileBacked(scfg) && cfg.Durable != "" && !cfg.MemoryStorage
}

// persistConsumer writes a consumer's configuration if it is kept on
// disk.
func (a *jsAccount) persistConsumer(e *streamEntry, c *consumer.Consumer) error {
	scfg, cfg := e.st.Config(), c.Config()
	if !onDisk(&scfg, &cfg) {
		return nil
	}
	info := c.Info()
	return a.svc.meta.Write(a.consumerMetaPath(scfg.Name, c.Name()), &consumerMeta{Name: c.Name(), Created: info.Created, Config: cfg})
}

// persistedConsumer is the state store of a consumer of a file stream:
// deleting it deletes the consumer's configuration too, whoever deletes
// it (the API or the inactivity threshold).
type persistedConsumer struct {
	store.ConsumerStore
	meta     *metaWriter
	metaPath string
}

func (p *persistedConsumer) Delete() error {
	err := p.ConsumerStore.Delete()
	if rerr := p.meta.Remove(p.metaPath); rerr != nil && err == nil {
		err = rerr
	}
	return err
}

// recoverStreams reopens the account's file streams and their consumers
// after a restart. A stream that cannot be read is logged and left on
// disk untouched; the others are served.
func (a *jsAccount) recoverStreams() {
	dir := a.streamsDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			a.svc.log.Error("cannot read the stream directory", "account", a.acc.Name, "dir", dir, "err", err)
		}
		return
	}
	for _, de := range entries {
		if de.IsDir() {
			a.recoverStream(filepath.Join(dir, de.Name()))
		}
	}
}

func (a *jsAccount) recoverStream(dir string) {
	log := a.svc.log.With("account", a.acc.Name, "dir", dir)
	var meta streamMeta
	if err := readMeta(filepath.Join(dir, streamMetaFile), &meta); err != nil {
		if _, terr := os.Stat(filepath.Join(dir, streamMetaFile+".tmp")); terr == nil && errors.Is(err, fs.ErrNotExist) {
			log.Warn("not recovering stream: its creation was interrupted before it was acknowledged; its files are left in place")
			return
		}
		log.Error("not recovering stream: unreadable metadata", "err", err)
		return
	}
	// An update that was never acknowledged.
	os.Remove(filepath.Join(dir, streamMetaFile+".tmp"))
	cfg := &meta.Config
	if cfg.Name != filepath.Base(dir) || !fileBacked(cfg) {
		log.Error("not recovering stream: metadata does not match its directory", "name", cfg.Name)
		return
	}
	start := time.Now()
	a.mu.Lock()
	if _, dup := a.mu.streams[cfg.Name]; dup {
		a.mu.Unlock()
		return
	}
	e, err := a.newStreamLocked(cfg, meta.Created, true)
	a.mu.Unlock()
	if err != nil {
		log.Error("not recovering stream", "stream", cfg.Name, "err", err)
		return
	}
	st := e.st.Store().State()
	log.Info("recovered stream", "stream", cfg.Name, "msgs", st.Msgs, "bytes", st.Bytes, "took", time.Since(start).Round(time.Millisecond))
	if fst, ok := e.st.Store().(*store.FileStore); ok {
		if lost := fst.Lost(); lost != nil {
			log.Warn("stream recovered with damage", "stream", cfg.Name, "lost_msgs", len(lost.Msgs), "lost_bytes", lost.Bytes, "trimmed_bytes", lost.Trimmed)
		}
	}
	a.recoverConsumers(e, filepath.Join(dir, consumerDir))
}

// recoverConsumers recreates a stream's consumers from their files; their
// delivery state comes back from the stream's store.
func (a *jsAccount) recoverConsumers(e *streamEntry, dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			a.svc.log.Error("cannot read the consumer directory", "dir", dir, "err", err)
		}
		return
	}
	names := make([]string, 0, len(entries))
	for _, de := range entries {
		n := de.Name()
		if filepath.Ext(n) == ".tmp" {
			// New content that was never installed: its request was
			// never answered.
			os.Remove(filepath.Join(dir, n))
			continue
		}
		if de.Type().IsRegular() {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		var meta consumerMeta
		if err := readMeta(filepath.Join(dir, n), &meta); err != nil {
			a.svc.log.Error("not recovering consumer: unreadable metadata", "stream", e.st.Name(), "err", err)
			continue
		}
		if meta.Name != n {
			a.svc.log.Error("not recovering consumer: metadata does not match its file", "stream", e.st.Name(), "file", n, "name", meta.Name)
			continue
		}
		if _, err := a.startConsumer(e, n, &meta.Config, meta.Created, nil, false); err != nil {
			a.svc.log.Error("not recovering consumer", "stream", e.st.Name(), "consumer", n, "err", err)
		}
	}
}
