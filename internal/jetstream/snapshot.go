package jetstream

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/nats-io/nuid"

	"github.com/natsnet/natsnet/internal/jsapi"
	"github.com/natsnet/natsnet/internal/server"
	"github.com/natsnet/natsnet/internal/store"
)

// Stream backups (STREAM.SNAPSHOT / STREAM.RESTORE) move an archive of the
// server's own format, compressed as an s2 stream, as clients expect:
//
//	"NATSNET1" | uint32 length | JSON archiveMeta | store snapshot
//
// The meta holds the stream configuration and each consumer's config and
// encoded state; the rest is store.Store.EncodeSnapshot, which is
// versioned and checksummed.

const archiveMagic = "NATSNET1"

// archiveMeta is the JSON part of an archive.
type archiveMeta struct {
	Config    jsapi.StreamConfig `json:"config"`
	Consumers []archiveConsumer  `json:"consumers,omitempty"`
}

type archiveConsumer struct {
	Name   string               `json:"name"`
	Config jsapi.ConsumerConfig `json:"config"`
	State  []byte               `json:"state"`
}

// Snapshot flow control: chunks in flight and how long to wait for the
// client to acknowledge one.
const (
	defaultChunkSize  = 128 * 1024
	snapshotWindow    = 8 * 1024 * 1024
	snapshotAckWait   = 5 * time.Second
	restoreIdleLimit  = 30 * time.Second
	maxArchiveMetaLen = 64 * 1024 * 1024
)

func (a *jsAccount) streamSnapshot(m *apiMsg) {
	var req jsapi.StreamSnapshotRequest
	if e := decode(m, &req); e != nil {
		a.respondError(m, e)
		return
	}
	if req.DeliverSubject == "" {
		a.respondError(m, jsapi.NewSnapshotDeliverSubjectInvalidError())
		return
	}
	e, ok := a.lookupStream(m.api.Stream)
	if !ok {
		a.respondError(m, jsapi.NewStreamNotFoundError())
		return
	}
	archive, err := buildArchive(e, !req.NoConsumers)
	if err != nil {
		a.respondError(m, jsapi.NewStreamSnapshotError(err))
		return
	}
	si := e.info("", false)
	resp := jsapi.StreamSnapshotResponse{Config: &si.Config, State: &si.State}
	a.respond(m.reply, jsapi.SetType(&resp))
	chunk := req.ChunkSize
	if chunk <= 0 {
		chunk = defaultChunkSize
	}
	chunk = min(max(chunk, 1024), 1024*1024)
	// m is reused once this handler returns: hand the goroutine copies.
	stream, deliver := m.api.Stream, req.DeliverSubject
	a.svc.wg.Add(1)
	go func() {
		defer a.svc.wg.Done()
		a.sendArchive(stream, deliver, archive, chunk)
	}()
}

// buildArchive encodes a stream (and its consumers) as a compressed archive.
func buildArchive(e *streamEntry, withConsumers bool) ([]byte, error) {
	meta := archiveMeta{Config: e.st.Config()}
	if withConsumers {
		for _, c := range e.st.Consumers() {
			state, err := e.consumerState(c.Name())
			if err != nil {
				return nil, fmt.Errorf("consumer %q state: %w", c.Name(), err)
			}
			meta.Consumers = append(meta.Consumers, archiveConsumer{Name: c.Name(), Config: c.Config(), State: state})
		}
	}
	mj, err := json.Marshal(&meta)
	if err != nil {
		return nil, err
	}
	snap, err := e.st.Store().EncodeSnapshot()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w := s2.NewWriter(&buf)
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(mj)))
	for _, part := range [][]byte{[]byte(archiveMagic), n[:], mj, snap} {
		if _, err := w.Write(part); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// parseArchive decodes an archive built by buildArchive.
func parseArchive(compressed []byte) (*archiveMeta, []byte, error) {
	raw, err := io.ReadAll(s2.NewReader(bytes.NewReader(compressed)))
	if err != nil {
		return nil, nil, fmt.Errorf("decompress archive: %w", err)
	}
	if len(raw) < len(archiveMagic)+4 || string(raw[:len(archiveMagic)]) != archiveMagic {
		return nil, nil, errors.New("not a natsnet stream archive")
	}
	raw = raw[len(archiveMagic):]
	n := binary.BigEndian.Uint32(raw[:4])
	raw = raw[4:]
	if n > maxArchiveMetaLen || int(n) > len(raw) {
		return nil, nil, errors.New("archive meta truncated")
	}
	var meta archiveMeta
	if err := json.Unmarshal(raw[:n], &meta); err != nil {
		return nil, nil, fmt.Errorf("archive meta: %w", err)
	}
	return &meta, raw[n:], nil
}

// sendArchive streams the archive in chunks, each with a reply subject the
// client acknowledges, keeping at most snapshotWindow bytes unacknowledged;
// an empty 204 message ends it, a 408 if the client stops acknowledging.
func (a *jsAccount) sendArchive(stream, deliver string, archive []byte, chunk int) {
	ackSubj := jsapi.SnapshotAckSubject(stream, nuid.Next())
	acks := make(chan struct{}, snapshotWindow/1024+1)
	sub, err := a.acc.Subscribe(ackSubj, server.SubscribeOptions{Inline: true}, func(string, string, []byte, []byte) {
		select {
		case acks <- struct{}{}:
		default:
		}
	})
	if err != nil {
		a.svc.log.Error("snapshot: subscribe for acks", "stream", stream, "err", err)
		a.acc.Publish(deliver, "", jsapi.NewHeader(500, "Internal Error").Bytes(), nil)
		return
	}
	defer sub.Unsubscribe()
	// Clients subscribe to the deliver subject only once they have the
	// snapshot response: wait for that subscription before sending.
	if !a.waitForSubscription(deliver, snapshotAckWait) {
		return
	}
	window := max(snapshotWindow/chunk, 1)
	inflight := 0
	for off := 0; off < len(archive); off += chunk {
		for inflight >= window {
			select {
			case <-acks:
				inflight--
			case <-time.After(snapshotAckWait):
				a.acc.Publish(deliver, "", jsapi.NewHeader(408, "No Flow Response").Bytes(), nil)
				return
			case <-a.svc.quit:
				return
			}
		}
		a.acc.Publish(deliver, ackSubj, nil, archive[off:min(off+chunk, len(archive))])
		inflight++
	}
	a.acc.Publish(deliver, "", jsapi.NewHeader(204, "").Bytes(), nil)
}

// restoreJob collects the chunks of one restore.
type restoreJob struct {
	mu   sync.Mutex
	data bytes.Buffer
	done bool
	last time.Time
}

func (a *jsAccount) streamRestore(m *apiMsg) {
	var req jsapi.StreamRestoreRequest
	if e := decode(m, &req); e != nil {
		a.respondError(m, e)
		return
	}
	name := m.api.Stream
	if req.Config.Name == "" {
		req.Config.Name = name
	}
	if req.Config.Name != name {
		a.respondError(m, jsapi.NewStreamMismatchError())
		return
	}
	if _, exists := a.lookupStream(name); exists {
		a.respondError(m, jsapi.NewStreamNameExistRestoreFailedError())
		return
	}
	deliver := jsapi.RestoreSubject(name, nuid.Next())
	job := &restoreJob{last: time.Now()}
	var sub *server.Subscription
	sub, err := a.acc.Subscribe(deliver, server.SubscribeOptions{}, func(_, reply string, _, data []byte) {
		if len(data) > 0 {
			job.mu.Lock()
			job.data.Write(data)
			job.last = time.Now()
			job.mu.Unlock()
			a.acc.Publish(reply, "", nil, nil)
			return
		}
		job.mu.Lock()
		if job.done {
			job.mu.Unlock()
			return
		}
		job.done = true
		archive := job.data.Bytes()
		job.mu.Unlock()
		sub.Unsubscribe()
		a.finishRestore(name, reply, archive)
	})
	if err != nil {
		a.respondError(m, jsapi.NewRestoreSubscribeFailedError(err, deliver))
		return
	}
	resp := jsapi.StreamRestoreResponse{DeliverSubject: deliver}
	a.respond(m.reply, jsapi.SetType(&resp))
	a.svc.wg.Add(1)
	go a.expireRestore(job, sub)
}

// expireRestore drops a restore whose client went quiet.
func (a *jsAccount) expireRestore(job *restoreJob, sub *server.Subscription) {
	defer a.svc.wg.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-a.svc.quit:
			sub.Unsubscribe()
			return
		case <-t.C:
			job.mu.Lock()
			done, idle := job.done, time.Since(job.last)
			job.mu.Unlock()
			if done {
				return
			}
			if idle > restoreIdleLimit {
				sub.Unsubscribe()
				return
			}
		}
	}
}

// finishRestore rebuilds the stream from a received archive and answers
// with a stream create response.
func (a *jsAccount) finishRestore(name, reply string, archive []byte) {
	fail := func(err error) {
		resp := jsapi.StreamCreateResponse{}
		a.respond(reply, jsapi.SetError(&resp, jsapi.NewStreamRestoreError(err)))
	}
	meta, snap, err := parseArchive(archive)
	if err != nil {
		fail(err)
		return
	}
	cfg := meta.Config
	cfg.Name = name
	if apiErr := cfg.Normalize(jsapi.CheckOptions{}); apiErr != nil {
		fail(apiErr)
		return
	}
	a.mu.Lock()
	if _, exists := a.mu.streams[name]; exists {
		a.mu.Unlock()
		fail(errors.New("stream name already in use"))
		return
	}
	if a.overlapsLocked(name, cfg.Subjects) {
		a.mu.Unlock()
		fail(errors.New("subjects overlap with an existing stream"))
		return
	}
	e, err := a.newStreamLocked(&cfg, now(), false)
	a.mu.Unlock()
	if err != nil {
		fail(err)
		return
	}
	if err := e.st.Store().RestoreSnapshot(snap); err != nil {
		a.removeStream(name, e)
		fail(err)
		return
	}
	for _, ac := range meta.Consumers {
		if err := a.restoreConsumer(e, &ac); err != nil {
			a.removeStream(name, e)
			fail(err)
			return
		}
	}
	if err := a.svc.meta.Flush(); err != nil {
		a.removeStream(name, e)
		fail(err)
		return
	}
	resp := jsapi.StreamCreateResponse{StreamInfo: e.info("", false)}
	a.respond(reply, jsapi.SetType(&resp))
}

// restoreConsumer recreates a consumer with its saved state.
func (a *jsAccount) restoreConsumer(e *streamEntry, ac *archiveConsumer) error {
	state, err := store.DecodeConsumerState(ac.State)
	if err != nil {
		return fmt.Errorf("consumer %q: %w", ac.Name, err)
	}
	cfg := ac.Config
	_, err = a.startConsumer(e, ac.Name, &cfg, now(), state, true)
	return err
}

// removeStream forgets and deletes a stream.
func (a *jsAccount) removeStream(name string, e *streamEntry) {
	a.mu.Lock()
	delete(a.mu.streams, name)
	a.mu.Unlock()
	e.stop(true)
}

// waitForSubscription polls until someone subscribes to exactly subject,
// up to d.
func (a *jsAccount) waitForSubscription(subject string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for !a.acc.HasExactSubscription(subject) {
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-a.svc.quit:
			return false
		case <-time.After(2 * time.Millisecond):
		}
	}
	return true
}
