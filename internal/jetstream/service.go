package jetstream

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/natsnet/natsnet/internal/consumer"
	"github.com/natsnet/natsnet/internal/jsapi"
	"github.com/natsnet/natsnet/internal/server"
	"github.com/natsnet/natsnet/internal/store"
	"github.com/natsnet/natsnet/internal/stream"
)

// APILevel is the JetStream API level whose features natsnet implements in
// full. It is advertised to clients and checked against
// Nats-Required-Api-Level. Level 1 is per-message TTLs, subject delete
// markers, consumer pause and priority groups; clients gate on it (a KV
// bucket's LimitMarkerTTL needs it).
const APILevel = 1

// Config configures the JetStream service.
type Config struct {
	StoreDir string
	Domain   string
	// SyncInterval 0 acknowledges a file-stored message only once it is
	// fsynced (group commit); positive fsyncs in the background that
	// often (store.FileConfig.SyncInterval).
	SyncInterval time.Duration
	// Accounts maps the accounts that get JetStream to their limits. Empty
	// means the global account only, without limits. Other accounts
	// (except the system account) answer every request with 10039.
	Accounts map[string]*server.JetStreamLimits
}

// Service is JetStream on one server: it answers the $JS.API for every
// enabled account and owns their streams.
type Service struct {
	srv *server.Server
	cfg Config
	log *slog.Logger
	// syncer batches the fsyncs of all file streams and their consumers.
	syncer *store.Syncer
	// meta writes the metadata files of streams and consumers.
	meta metaWriter
	// out holds API responses while metadata they report on awaits a
	// flush (see apiLoop).
	out responses

	api  apiQueue
	quit chan struct{}
	wg   sync.WaitGroup

	mu struct {
		sync.Mutex
		accounts map[string]*jsAccount // guarded by mu
		disabled []*server.Subscription
		running  bool
	}
}

// New creates the service; it starts with the server (server.AddService).
func New(srv *server.Server, cfg Config) *Service {
	s := &Service{srv: srv, cfg: cfg, log: srv.Logger().With("subsystem", "jetstream"), quit: make(chan struct{}), syncer: store.NewSyncer()}
	s.api.signal = make(chan struct{}, 1)
	s.mu.accounts = make(map[string]*jsAccount)
	return s
}

// Start enables JetStream in the configured accounts.
func (s *Service) Start() error {
	accounts := s.cfg.Accounts
	if len(accounts) == 0 {
		accounts = map[string]*server.JetStreamLimits{s.srv.GlobalAccount().Name: nil}
	}
	s.mu.Lock()
	s.mu.running = true
	s.mu.Unlock()
	root := s.storeRoot()
	if err := os.MkdirAll(root, 0o750); err != nil {
		s.Stop()
		return fmt.Errorf("jetstream: store directory: %w", err)
	}
	s.log.Info("JetStream store directory", "dir", root, "sync_interval", syncIntervalText(s.cfg.SyncInterval))
	for name, lim := range accounts {
		acc := s.srv.LookupAccount(name)
		if acc == nil {
			continue
		}
		if err := s.enableAccount(acc, lim); err != nil {
			s.Stop()
			return err
		}
	}
	for _, acc := range s.srv.Accounts() {
		if _, ok := accounts[acc.Name]; ok || acc == s.srv.SystemAccount() {
			continue
		}
		d := &disabledAccount{acc: acc}
		sub, err := acc.Subscribe(jsapi.APIAll, server.SubscribeOptions{}, d.request)
		if err != nil {
			s.Stop()
			return err
		}
		s.mu.Lock()
		s.mu.disabled = append(s.mu.disabled, sub)
		s.mu.Unlock()
	}
	s.wg.Add(2)
	go s.apiLoop()
	go s.housekeeping()
	s.srv.SetJetStreamEnabled(true)
	s.log.Info("JetStream enabled", "api_level", APILevel, "accounts", len(accounts))
	return nil
}

// Stop stops every stream; memory streams lose their messages, as with the
// reference.
func (s *Service) Stop() {
	s.mu.Lock()
	if !s.mu.running {
		s.mu.Unlock()
		return
	}
	s.mu.running = false
	for _, sub := range s.mu.disabled {
		sub.Unsubscribe()
	}
	s.mu.disabled = nil
	accs := make([]*jsAccount, 0, len(s.mu.accounts))
	for _, a := range s.mu.accounts {
		accs = append(accs, a)
	}
	s.mu.Unlock()
	close(s.quit)
	s.wg.Wait()
	for _, a := range accs {
		a.stop()
	}
	if err := s.meta.Flush(); err != nil {
		s.log.Error("writing stream and consumer metadata", "err", err)
	}
	s.out.release()
	s.syncer.Close()
}

func syncIntervalText(d time.Duration) string {
	if d <= 0 {
		return "always"
	}
	return d.String()
}

// apiSubjects are the API subscriptions of an account, below the $JS.API
// prefix. DIRECT.GET is not among them: each stream that allows direct
// gets subscribes its own subjects, so a get on a stream without it finds
// no responders, as with the reference.
//
// Nor is CONSUMER.MSG.NEXT: each consumer subscribes its own, so a pull on
// a consumer that does not exist finds no responders, as with the
// reference. "*" covers unknown single-token endpoints, which the
// reference swallows without an answer.
var apiSubjects = []string{
	"*", "STREAM.>", "ACCOUNT.>", "META.>", "SERVER.>",
	// CONSUMER.* by token count, so that no two patterns overlap (each
	// request must be seen once) and MSG.NEXT.<s>.<c> stays uncovered.
	"CONSUMER.*", "CONSUMER.*.*", "CONSUMER.*.*.*",
	"CONSUMER.CREATE.*.*.>", "CONSUMER.DURABLE.CREATE.*.*",
	"CONSUMER.LEADER.STEPDOWN.*.*", "CONSUMER.PEER.*.*.*",
}

// enableAccount subscribes the API in acc.
func (s *Service) enableAccount(acc *server.Account, lim *server.JetStreamLimits) error {
	ja := &jsAccount{svc: s, acc: acc, limits: lim}
	ja.mu.streams = make(map[string]*streamEntry)
	ja.recoverStreams()
	prefixes := []string{jsapi.APIPrefix}
	if s.cfg.Domain != "" {
		prefixes = append(prefixes, "$JS."+s.cfg.Domain+".API")
	}
	for _, p := range prefixes {
		for _, subj := range apiSubjects {
			sub, err := acc.Subscribe(p+"."+subj, server.SubscribeOptions{Inline: true}, ja.apiRequest)
			if err != nil {
				ja.stop()
				return err
			}
			ja.apiSubs = append(ja.apiSubs, sub)
		}
	}
	s.mu.Lock()
	s.mu.accounts[acc.Name] = ja
	s.mu.Unlock()
	return nil
}

// jsAccount is JetStream in one account.
type jsAccount struct {
	svc     *Service
	acc     *server.Account
	apiSubs []*server.Subscription
	limits  *server.JetStreamLimits // nil: unlimited
	usage   usage
	// lastResp is the last API response sent; only the API goroutine
	// touches it.
	lastResp []byte

	apiTotal, apiErrors uint64 // guarded by mu

	mu struct {
		sync.Mutex
		streams map[string]*streamEntry
	}
}

// streamEntry is a stream and the subscriptions that feed it.
type streamEntry struct {
	st   *stream.Stream
	subs []*server.Subscription
	// metaPath is a file stream's meta.json; empty for memory streams.
	metaPath string
	meta     *metaWriter

	mu struct {
		sync.Mutex
		// cstores are the consumers' state stores, for backups.
		cstores map[string]store.ConsumerStore
		// pulls are the consumers' MSG.NEXT subscriptions.
		pulls map[string][]*server.Subscription
	}
}

// consumerState returns a consumer's encoded durable state.
func (e *streamEntry) consumerState(name string) ([]byte, error) {
	e.mu.Lock()
	cs, ok := e.mu.cstores[name]
	e.mu.Unlock()
	if !ok {
		return nil, errNotFound
	}
	return cs.EncodedState()
}

// setConsumerStore records (or with nil forgets, with its pull
// subscriptions) a consumer's state store.
func (e *streamEntry) setConsumerStore(name string, cs store.ConsumerStore) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if cs == nil {
		delete(e.mu.cstores, name)
		for _, sub := range e.mu.pulls[name] {
			sub.Unsubscribe()
		}
		delete(e.mu.pulls, name)
		return
	}
	if e.mu.cstores == nil {
		e.mu.cstores = make(map[string]store.ConsumerStore)
	}
	e.mu.cstores[name] = cs
}

func (a *jsAccount) unsubscribeAPI() {
	for _, sub := range a.apiSubs {
		sub.Unsubscribe()
	}
	a.apiSubs = nil
}

func (a *jsAccount) stop() {
	a.unsubscribeAPI()
	a.mu.Lock()
	entries := make([]*streamEntry, 0, len(a.mu.streams))
	for _, e := range a.mu.streams {
		entries = append(entries, e)
	}
	a.mu.Unlock()
	for _, e := range entries {
		e.stop(false)
	}
}

// apiPrefixes are the API subject prefixes of the account: $JS.API and,
// with a domain, $JS.<domain>.API.
func (a *jsAccount) apiPrefixes() []string {
	if d := a.svc.cfg.Domain; d != "" {
		return []string{jsapi.APIPrefix, "$JS." + d + ".API"}
	}
	return []string{jsapi.APIPrefix}
}

func (e *streamEntry) stop(deleteData bool) {
	e.unsubscribe()
	if deleteData && e.metaPath != "" {
		// Forget the stream on disk first, so that a crash while its files
		// are removed cannot bring back a part of it.
		_ = e.meta.Remove(e.metaPath)
	}
	if deleteData {
		e.st.Delete()
	} else {
		e.st.Stop()
	}
}

// Send publishes in the account; it makes jsAccount a stream.Sender.
func (a *jsAccount) Send(subject, reply string, hdr, data []byte) {
	a.acc.Publish(subject, reply, hdr, data)
}

// SendMsg delivers a stream message to a consumer's deliver subject or
// pull inbox under its original subject; it makes jsAccount a
// consumer.MsgSender.
func (a *jsAccount) SendMsg(deliverTo, subject, reply string, hdr, data []byte) {
	a.acc.PublishAs(deliverTo, subject, reply, hdr, data)
}

// HasInterest reports whether anyone listens on subject in the account.
func (a *jsAccount) HasInterest(subject string) bool { return a.acc.HasInterest(subject) }

// respond sends a JSON API response. The API goroutine keeps the last one
// for the audit advisory.
func (a *jsAccount) respond(reply string, v any) {
	if reply == "" {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		a.svc.log.Error("encode API response", "err", err)
		return
	}
	a.lastResp = b
	a.svc.out.send(a.acc, reply, b)
}

// now is the service clock.
func now() time.Time { return time.Now() }

var jsonMarshal = json.Marshal

// batchSender publishes through a server.Publisher, so a stream's or a
// consumer's burst of messages wakes each receiver once. Each stream and
// consumer has its own, used by one goroutine at a time.
type batchSender struct {
	acc *server.Account
	pub *server.Publisher
}

func newBatchSender(acc *server.Account) *batchSender {
	return &batchSender{acc: acc, pub: acc.NewPublisher()}
}

func (b *batchSender) Send(subject, reply string, hdr, data []byte) {
	b.pub.Publish(subject, reply, hdr, data)
}

func (b *batchSender) SendMsg(deliverTo, subject, reply string, hdr, data []byte) {
	b.pub.PublishAs(deliverTo, subject, reply, hdr, data)
}

func (b *batchSender) HasInterest(subject string) bool { return b.acc.HasInterest(subject) }

func (b *batchSender) Flush() { b.pub.Flush() }

// subscribePulls serves CONSUMER.MSG.NEXT for one consumer, on the
// requester's goroutine (the consumer only queues the request).
func (e *streamEntry) subscribePulls(a *jsAccount, c *consumer.Consumer) error {
	for _, p := range a.apiPrefixes() {
		subj := p + ".CONSUMER.MSG.NEXT." + e.st.Name() + "." + c.Name()
		sub, err := a.acc.Subscribe(subj, server.SubscribeOptions{Inline: true}, func(_, reply string, _, data []byte) {
			if reply != "" {
				c.ProcessPull(reply, data)
			}
		})
		if err != nil {
			return err
		}
		e.mu.Lock()
		if e.mu.pulls == nil {
			e.mu.pulls = make(map[string][]*server.Subscription)
		}
		e.mu.pulls[c.Name()] = append(e.mu.pulls[c.Name()], sub)
		e.mu.Unlock()
	}
	return nil
}
