package jetstream

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/natsnet/natsnet/internal/jsapi"
	"github.com/natsnet/natsnet/internal/server"
	"github.com/natsnet/natsnet/internal/store"
	"github.com/natsnet/natsnet/internal/stream"
	"github.com/natsnet/natsnet/internal/subject"
)

func (a *jsAccount) accountInfo(m *apiMsg) {
	a.mu.Lock()
	var mem, disk uint64
	streams := len(a.mu.streams)
	consumers := 0
	for _, e := range a.mu.streams {
		st := e.st.Store().State()
		if e.st.Config().Storage == jsapi.MemoryStorage {
			mem += st.Bytes
		} else {
			disk += st.Bytes
		}
		consumers += e.numConsumers()
	}
	total, errs := a.apiTotal, a.apiErrors
	a.mu.Unlock()
	info := jsapi.AccountInfo{
		Tier: jsapi.Tier{
			Memory: mem, Store: disk, Streams: streams, Consumers: consumers,
			Limits: accountLimits(a.limitsOf()),
		},
		Domain: a.svc.cfg.Domain,
		API:    jsapi.APIStats{Level: APILevel, Total: total, Errors: errs},
	}
	resp := jsapi.AccountInfoResponse{AccountInfo: &info}
	a.respond(m.reply, jsapi.SetType(&resp))
}

// lookupStream finds a stream by name.
func (a *jsAccount) lookupStream(name string) (*streamEntry, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	e, ok := a.mu.streams[name]
	return e, ok
}

func (a *jsAccount) streamCreate(m *apiMsg) {
	var req jsapi.StreamConfigRequest
	if e := decode(m, &req); e != nil {
		a.respondError(m, e)
		return
	}
	cfg := &req.StreamConfig
	cfg.Metadata = withoutServerMetadata(cfg.Metadata)
	if e := cfg.CheckCreateRequest(m.api.Stream); e != nil {
		a.respondError(m, e)
		return
	}
	if e := cfg.Normalize(jsapi.CheckOptions{Pedantic: req.Pedantic}); e != nil {
		a.respondError(m, e)
		return
	}
	if cfg.Replicas > 1 {
		a.respondError(m, jsapi.NewStreamReplicasNotSupportedError())
		return
	}
	a.mu.Lock()
	if e, ok := a.mu.streams[cfg.Name]; ok {
		a.mu.Unlock()
		existing := e.st.Config()
		if !sameConfig(&existing, cfg) {
			a.respondError(m, jsapi.NewStreamNameExistError())
			return
		}
		// The reference reports did_create for a repeated create too.
		resp := jsapi.StreamCreateResponse{StreamInfo: e.info("", false), DidCreate: true}
		a.respond(m.reply, jsapi.SetType(&resp))
		return
	}
	if a.overlapsLocked(cfg.Name, cfg.Subjects) {
		a.mu.Unlock()
		a.respondError(m, jsapi.NewStreamSubjectOverlapError())
		return
	}
	if apiErr := a.checkStreamLimitsLocked(cfg, nil); apiErr != nil {
		a.mu.Unlock()
		a.respondError(m, apiErr)
		return
	}
	e, err := a.newStreamLocked(cfg, now(), false)
	a.mu.Unlock()
	if err != nil {
		a.respondError(m, jsapi.NewStreamCreateError(err))
		return
	}
	resp := jsapi.StreamCreateResponse{StreamInfo: e.info("", false), DidCreate: true}
	a.respond(m.reply, jsapi.SetType(&resp))
	a.streamAdvisory(jsapi.AdvisoryStreamCreated, cfg.Name, jsapi.CreateEvent)
}

// sameConfig reports whether two normalized configs are equal.
func sameConfig(a, b *jsapi.StreamConfig) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// overlapsLocked reports whether subjects overlap another stream's. a.mu
// must be held.
func (a *jsAccount) overlapsLocked(name string, subjects []string) bool {
	for other, e := range a.mu.streams {
		if other == name {
			continue
		}
		for _, x := range e.st.Config().Subjects {
			for _, y := range subjects {
				if subject.Overlap(x, y) {
					return true
				}
			}
		}
	}
	return false
}

// newStreamLocked creates a stream and subscribes its subjects. A file
// stream's configuration is written to disk unless it was just read from
// there (recovered). a.mu must be held.
func (a *jsAccount) newStreamLocked(cfg *jsapi.StreamConfig, created time.Time, recovered bool) (*streamEntry, error) {
	opts := stream.Options{
		Sender: a, Batch: newBatchSender(a.acc), AckBatch: newBatchSender(a.acc), Logger: a.svc.log, Domain: a.svc.cfg.Domain,
		Admit: a.admit, Usage: a.usage.add,
	}
	if fileBacked(cfg) {
		opts.OpenStore = a.openFileStore(cfg)
	}
	st, err := stream.New(cfg, created, opts)
	if err != nil {
		return nil, err
	}
	e := &streamEntry{st: st}
	if fileBacked(cfg) {
		e.metaPath = filepath.Join(a.streamsDir(), cfg.Name, streamMetaFile)
		e.meta = &a.svc.meta
	}
	if !recovered {
		if err := a.persistStream(e); err != nil {
			st.Delete()
			return nil, err
		}
	}
	if err := e.subscribe(a, cfg); err != nil {
		if recovered {
			st.Stop()
		} else {
			st.Delete()
		}
		return nil, err
	}
	a.mu.streams[cfg.Name] = e
	return e, nil
}

// subscribe feeds the stream from its subjects and, with allow_direct,
// serves direct gets. Both run on the publisher's goroutine and answer
// through its own output batch.
func (e *streamEntry) subscribe(a *jsAccount, cfg *jsapi.StreamConfig) error {
	add := func(subj string, h server.DeliveryHandler) error {
		sub, err := a.acc.SubscribeDelivery(subj, h)
		if err != nil {
			return err
		}
		e.subs = append(e.subs, sub)
		return nil
	}
	err := e.subscribeConsumerTraffic(a, cfg.Name)
	for _, subj := range cfg.Subjects {
		if err != nil {
			break
		}
		err = add(subj, e.ingest)
	}
	if err == nil && cfg.AllowDirect {
		for _, p := range a.apiPrefixes() {
			base := p + ".DIRECT.GET." + cfg.Name
			if err = add(base, e.directGet); err != nil {
				break
			}
			if err = add(base+".>", e.directGetLast(len(base)+1)); err != nil {
				break
			}
		}
	}
	if err != nil {
		e.unsubscribe()
	}
	return err
}

func (e *streamEntry) unsubscribe() {
	for _, s := range e.subs {
		s.Unsubscribe()
	}
	e.subs = nil
}

// ingest hands a publish to the stream on the publisher's goroutine; the
// ack joins the publisher's output batch.
func (e *streamEntry) ingest(out server.Delivery, subject, reply string, hdr, data []byte) {
	e.st.Ingest(out, subject, reply, hdr, data)
}

// directGet serves DIRECT.GET.<stream> on the requester's goroutine: it
// only reads the store, and the answer joins the requester's output batch.
func (e *streamEntry) directGet(out server.Delivery, _, reply string, _, data []byte) {
	if reply == "" {
		return
	}
	var req jsapi.MsgGetRequest
	if len(data) > 0 {
		if err := json.Unmarshal(data, &req); err != nil {
			e.st.DirectGetMalformed(out, reply)
			return
		}
	}
	e.st.DirectGet(out, reply, &req)
}

// directGetLast serves DIRECT.GET.<stream>.<subject>; prefix is the length
// of the part before the subject.
func (e *streamEntry) directGetLast(prefix int) server.DeliveryHandler {
	return func(out server.Delivery, subj, reply string, _, _ []byte) {
		if reply == "" || len(subj) <= prefix {
			return
		}
		e.st.DirectGetLast(out, reply, subj[prefix:])
	}
}

func (e *streamEntry) info(subjectsFilter string, deleted bool) *jsapi.StreamInfo {
	return decorateStreamInfo(e.st.Info(subjectsFilter, deleted, e.numConsumers()))
}

func (a *jsAccount) streamUpdate(m *apiMsg) {
	var req jsapi.StreamConfigRequest
	if e := decode(m, &req); e != nil {
		a.respondError(m, e)
		return
	}
	cfg := &req.StreamConfig
	cfg.Metadata = withoutServerMetadata(cfg.Metadata)
	// The request checks of a create apply, except that an update may seal
	// the stream (the object store's Seal does).
	sealed := cfg.Sealed
	cfg.Sealed = false
	apiErr := cfg.CheckCreateRequest(m.api.Stream)
	cfg.Sealed = sealed
	if apiErr != nil {
		a.respondError(m, apiErr)
		return
	}
	if e := cfg.Normalize(jsapi.CheckOptions{Pedantic: req.Pedantic}); e != nil {
		a.respondError(m, e)
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	e, ok := a.mu.streams[cfg.Name]
	if !ok {
		a.respondErrorLocked(m, jsapi.NewStreamNotFoundError())
		return
	}
	old := e.st.Config()
	if apiErr := cfg.CheckUpdate(&old); apiErr != nil {
		a.respondErrorLocked(m, apiErr)
		return
	}
	if cfg.Replicas > 1 {
		a.respondErrorLocked(m, jsapi.NewStreamReplicasNotSupportedError())
		return
	}
	if a.overlapsLocked(cfg.Name, cfg.Subjects) {
		a.respondErrorLocked(m, jsapi.NewStreamSubjectOverlapError())
		return
	}
	if apiErr := a.checkStreamLimitsLocked(cfg, &old); apiErr != nil {
		a.respondErrorLocked(m, apiErr)
		return
	}
	if err := e.st.Update(cfg); err != nil {
		a.respondErrorLocked(m, jsapi.NewStreamUpdateError(err))
		return
	}
	if err := a.persistStream(e); err != nil {
		a.respondErrorLocked(m, jsapi.NewStreamUpdateError(err))
		return
	}
	if !slices.Equal(old.Subjects, cfg.Subjects) || old.AllowDirect != cfg.AllowDirect {
		e.unsubscribe()
		if err := e.subscribe(a, cfg); err != nil {
			a.respondErrorLocked(m, jsapi.NewStreamUpdateError(err))
			return
		}
	}
	resp := jsapi.StreamUpdateResponse{StreamInfo: e.info("", false)}
	a.respond(m.reply, jsapi.SetType(&resp))
	a.streamAdvisory(jsapi.AdvisoryStreamUpdated, cfg.Name, jsapi.ModifyEvent)
}

// subjectsPageLimit is the paging limit STREAM.INFO reports with subjects.
const subjectsPageLimit = 100000

func (a *jsAccount) streamInfo(m *apiMsg) {
	var req jsapi.StreamInfoRequest
	e, ok := a.streamRequest(m, &req)
	if !ok {
		return
	}
	si := e.info(req.SubjectsFilter, req.DeletedDetails)
	// The reference names the stream's leader, this server, in INFO
	// (and only there) even without a cluster.
	si.Cluster = &jsapi.ClusterInfo{Leader: a.svc.srv.Name()}
	resp := jsapi.StreamInfoResponse{StreamInfo: si}
	if n := len(si.State.Subjects); n > 0 {
		// Subjects are paged like LIST: the reference sets total, offset
		// and limit when it lists them.
		resp.Total, resp.Offset, resp.Limit = n, req.Offset, subjectsPageLimit
	}
	a.respond(m.reply, jsapi.SetType(&resp))
}

// sortedStreams returns the account's streams, by name, that have a subject
// overlapping filter ("" for all).
func (a *jsAccount) sortedStreams(filter string) []*streamEntry {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]*streamEntry, 0, len(a.mu.streams))
	for _, e := range a.mu.streams {
		if filter != "" && !slices.ContainsFunc(e.st.Config().Subjects, func(s string) bool { return subject.Overlap(s, filter) }) {
			continue
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].st.Name() < out[j].st.Name() })
	return out
}

// page returns the slice of n items that a request at offset sees.
func page(n, offset, limit int) (int, int) {
	if offset < 0 {
		offset = 0
	}
	if offset > n {
		offset = n
	}
	return offset, min(offset+limit, n)
}

func (a *jsAccount) streamNames(m *apiMsg) {
	var req jsapi.StreamNamesRequest
	if e := decode(m, &req); e != nil {
		a.respondError(m, e)
		return
	}
	all := a.sortedStreams(req.Subject)
	lo, hi := page(len(all), req.Offset, jsapi.NamesPageLimit)
	var resp jsapi.StreamNamesResponse // an empty page is null, as with the reference
	resp.Total, resp.Offset, resp.Limit = len(all), lo, jsapi.NamesPageLimit
	for _, e := range all[lo:hi] {
		resp.Streams = append(resp.Streams, e.st.Name())
	}
	a.respond(m.reply, jsapi.SetType(&resp))
}

func (a *jsAccount) streamList(m *apiMsg) {
	var req jsapi.StreamListRequest
	if e := decode(m, &req); e != nil {
		a.respondError(m, e)
		return
	}
	all := a.sortedStreams(req.Subject)
	lo, hi := page(len(all), req.Offset, jsapi.ListPageLimit)
	resp := jsapi.StreamListResponse{Streams: []*jsapi.StreamInfo{}}
	resp.Total, resp.Offset, resp.Limit = len(all), lo, jsapi.ListPageLimit
	for _, e := range all[lo:hi] {
		resp.Streams = append(resp.Streams, listed(e.info("", false)))
	}
	a.respond(m.reply, jsapi.SetType(&resp))
}

func (a *jsAccount) streamDelete(m *apiMsg) {
	a.mu.Lock()
	e, ok := a.mu.streams[m.api.Stream]
	if ok {
		delete(a.mu.streams, m.api.Stream)
	}
	a.mu.Unlock()
	if !ok {
		a.respondError(m, jsapi.NewStreamNotFoundError())
		return
	}
	e.stop(true)
	resp := jsapi.StreamDeleteResponse{Success: true}
	a.respond(m.reply, jsapi.SetType(&resp))
	a.streamAdvisory(jsapi.AdvisoryStreamDeleted, m.api.Stream, jsapi.DeleteEvent)
}

func (a *jsAccount) streamPurge(m *apiMsg) {
	var req jsapi.StreamPurgeRequest
	e, ok := a.streamRequest(m, &req)
	if !ok {
		return
	}
	purged, apiErr := e.st.Purge(&req)
	if apiErr != nil {
		a.respondError(m, apiErr)
		return
	}
	resp := jsapi.StreamPurgeResponse{Success: true, Purged: purged}
	a.respond(m.reply, jsapi.SetType(&resp))
}

func (a *jsAccount) streamMsgGet(m *apiMsg) {
	var req jsapi.MsgGetRequest
	if e := decode(m, &req); e != nil {
		a.respondError(m, e)
		return
	}
	if apiErr := req.CheckMsgGet(); apiErr != nil {
		a.respondError(m, apiErr)
		return
	}
	e, ok := a.lookupStream(m.api.Stream)
	if !ok {
		a.respondError(m, jsapi.NewStreamNotFoundError())
		return
	}
	sm, err := e.st.GetMsg(&req)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrEOF) {
			a.respondError(m, jsapi.NewNoMessageFoundError())
		} else {
			a.respondError(m, jsapi.NewBadRequestError())
		}
		return
	}
	resp := jsapi.MsgGetResponse{Message: &jsapi.StoredMsg{
		Subject: sm.Subject, Sequence: sm.Seq, Header: sm.Header, Data: sm.Data, Time: unixUTC(sm.TS),
	}}
	a.respond(m.reply, jsapi.SetType(&resp))
}

func (a *jsAccount) streamMsgDelete(m *apiMsg) {
	var req jsapi.MsgDeleteRequest
	e, ok := a.streamRequest(m, &req)
	if !ok {
		return
	}
	if apiErr := e.st.DeleteMsg(req.Seq, req.NoErase); apiErr != nil {
		a.respondError(m, apiErr)
		return
	}
	resp := jsapi.MsgDeleteResponse{Success: true}
	a.respond(m.reply, jsapi.SetType(&resp))
}

// accountLimits renders limits for ACCOUNT INFO.
func accountLimits(l *server.JetStreamLimits) jsapi.AccountLimits {
	out := jsapi.AccountLimits{
		MaxMemory: l.MaxMemory, MaxStore: l.MaxStore, MaxStreams: l.MaxStreams,
		MaxConsumers: l.MaxConsumers, MaxAckPending: l.MaxAckPending,
		MemoryMaxStreamBytes: -1, StoreMaxStreamBytes: -1,
		MaxBytesRequired: l.MaxBytesRequired,
	}
	if out.MaxAckPending == 0 {
		out.MaxAckPending = -1 // no account cap: the reference reports -1
	}
	return out
}
