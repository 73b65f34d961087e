package server

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
)

// This file is the server's surface for in-process services (JetStream,
// and later the Raft transport and the meta layer). Those packages sit
// above the server: they subscribe and publish through an Account like any
// client would, but without a network connection.

// MsgHandler receives a message for a service subscription. For inline
// subscriptions the slices alias the publisher's buffers and are valid only
// during the call; for queued ones they are copies owned by the handler.
type MsgHandler func(subject, reply string, hdr, data []byte)

// Subscription is a service's subscription in an account.
type Subscription struct {
	acc *Account
	sub *subscription
}

// Subject is the subscription's filter.
func (s *Subscription) Subject() string { return s.sub.subjectString() }

// Unsubscribe removes the subscription; no message is delivered after it
// returns, except one already being handled.
func (s *Subscription) Unsubscribe() {
	s.sub.closed.Store(true)
	_ = s.acc.sl.Remove(s.sub.subjectString(), s.sub.queueString(), s.sub)
}

// SubscribeOptions tune a service subscription.
type SubscribeOptions struct {
	// Queue makes the subscription a member of a queue group.
	Queue string
	// Inline runs the handler on the publisher's goroutine with no copy.
	// The handler must not block and must copy what it keeps; it suits
	// handlers that only hand the message to their own goroutine.
	// Otherwise handlers run, in order, on the server's internal goroutine.
	Inline bool
}

// Subscribe registers h for messages on subject in the account.
func (a *Account) Subscribe(subject string, opts SubscribeOptions, h MsgHandler) (*Subscription, error) {
	if h == nil {
		return nil, errors.New("subscribe: nil handler")
	}
	sub := &subscription{subject: []byte(subject), icb: internalHandler(h), inline: opts.Inline}
	if opts.Queue != "" {
		sub.queue = []byte(opts.Queue)
	}
	if err := a.sl.Insert(subject, opts.Queue, sub); err != nil {
		return nil, fmt.Errorf("subscribe %q: %w", subject, err)
	}
	return &Subscription{acc: a, sub: sub}, nil
}

// Publish sends a message in the account as the server. hdr, if not nil, is
// a complete header block ("NATS/1.0\r\n...\r\n\r\n"). It reports whether
// anyone received it.
func (a *Account) Publish(subject, reply string, hdr, data []byte) bool {
	hdrLen, payload := joinPayload(hdr, data)
	return a.srv.processMsg(nil, a, []byte(subject), []byte(reply), hdrLen, payload)
}

// PublishAs delivers a message to the subscribers of deliverTo while
// presenting it under subject, as JetStream does when it hands a stream's
// message to a consumer's deliver subject or pull inbox. It reports whether
// anyone received it.
func (a *Account) PublishAs(deliverTo, subject, reply string, hdr, data []byte) bool {
	hdrLen, payload := joinPayload(hdr, data)
	r := a.sl.Match(deliverTo)
	return a.srv.deliverAllAs(nil, nil, r, []byte(deliverTo), []byte(subject), []byte(reply), hdrLen, payload)
}

// HasInterest reports whether anyone subscribes to a literal subject.
func (a *Account) HasInterest(subject string) bool { return a.sl.HasInterest(subject) }

// HasExactSubscription reports whether someone subscribes to exactly this
// literal subject, not through a wildcard (a client's request inbox
// wildcard matches every inbox subject it will later subscribe to).
func (a *Account) HasExactSubscription(subject string) bool {
	r := a.sl.Match(subject)
	for _, sub := range r.Plain {
		if string(sub.subject) == subject {
			return true
		}
	}
	for _, g := range r.Queues {
		for _, sub := range g.Members {
			if string(sub.subject) == subject {
				return true
			}
		}
	}
	return false
}

// Service is an in-process subsystem whose life follows the server's.
type Service interface {
	// Start runs after the client listener opens.
	Start() error
	// Stop runs at shutdown, before clients are disconnected.
	Stop()
}

// services are the registered in-process subsystems.
type services struct {
	mu   sync.Mutex
	list []Service // guarded by mu
}

// AddService registers a subsystem to start and stop with the server. It
// must be called before Start.
func (s *Server) AddService(svc Service) {
	s.svcs.mu.Lock()
	s.svcs.list = append(s.svcs.list, svc)
	s.svcs.mu.Unlock()
}

func (s *Server) startServices() error {
	s.svcs.mu.Lock()
	list := append([]Service(nil), s.svcs.list...)
	s.svcs.mu.Unlock()
	for i, svc := range list {
		if err := svc.Start(); err != nil {
			for j := i - 1; j >= 0; j-- {
				list[j].Stop()
			}
			return err
		}
	}
	return nil
}

func (s *Server) stopServices() {
	s.svcs.mu.Lock()
	list := append([]Service(nil), s.svcs.list...)
	s.svcs.mu.Unlock()
	for i := len(list) - 1; i >= 0; i-- {
		list[i].Stop()
	}
}

// LookupAccount returns the named account, or nil.
func (s *Server) LookupAccount(name string) *Account { return s.accounts.lookup(name) }

// GlobalAccount returns the default account, $G.
func (s *Server) GlobalAccount() *Account { return s.gacc }

// SystemAccount returns the system account, or nil if there is none.
func (s *Server) SystemAccount() *Account { return s.sysAcc }

// Accounts returns every account.
func (s *Server) Accounts() []*Account { return s.accounts.list() }

// Logger returns the server's logger.
func (s *Server) Logger() *slog.Logger { return s.log }

// SetJetStreamEnabled marks JetStream as served, for INFO and monitoring.
func (s *Server) SetJetStreamEnabled(on bool) { s.jsEnabled.Store(on) }

// JetStreamEnabled reports whether JetStream is served.
func (s *Server) JetStreamEnabled() bool { return s.jsEnabled.Load() }

// Publisher batches the publishes of one service goroutine: subscribers'
// writers are woken once per Flush instead of once per message, and a small
// backlog is written directly by the flushing goroutine, as a client's own
// reads are. A Publisher must be used by one goroutine at a time.
type Publisher struct {
	acc *Account
	c   *client // a connection-less client that only carries the batch state
}

// NewPublisher returns a batching publisher for the account.
func (a *Account) NewPublisher() *Publisher {
	c := &client{srv: a.srv, echo: true, acc: a}
	c.pcd = make(map[*client]struct{})
	return &Publisher{acc: a, c: c}
}

// Publish is Account.Publish, batched until Flush.
func (p *Publisher) Publish(subject, reply string, hdr, data []byte) bool {
	hdrLen, payload := joinPayload(hdr, data)
	return p.acc.srv.deliverAll(p.c, nil, p.acc.sl.Match(subject), []byte(subject), []byte(reply), hdrLen, payload)
}

// PublishAs is Account.PublishAs, batched until Flush.
func (p *Publisher) PublishAs(deliverTo, subject, reply string, hdr, data []byte) bool {
	hdrLen, payload := joinPayload(hdr, data)
	return p.acc.srv.deliverAllAs(p.c, nil, p.acc.sl.Match(deliverTo), []byte(deliverTo), []byte(subject), []byte(reply), hdrLen, payload)
}

// Flush wakes (or writes for) every subscriber that got messages since the
// last Flush.
func (p *Publisher) Flush() {
	p.c.runDeferred()
	p.c.flushStats()
	p.c.flushPending()
	if p.c.stall != nil {
		// A subscriber's backlog is over the stall threshold: give it a
		// moment to drain, as client publishers do.
		p.c.waitStall()
	}
}

// joinPayload lays out a header block and data as the wire carries them.
func joinPayload(hdr, data []byte) (int, []byte) {
	if hdr == nil {
		return -1, data
	}
	payload := make([]byte, 0, len(hdr)+len(data))
	payload = append(payload, hdr...)
	return len(hdr), append(payload, data...)
}

// DeliveryHandler is a service handler run on the publisher's goroutine
// (like an Inline subscription) that can answer through out: replies sent
// there join the publisher's batch, so a client that publishes many
// requests in one read gets its answers in one write.
type DeliveryHandler func(out Delivery, subject, reply string, hdr, data []byte)

// Delivery sends messages on behalf of a service from within a
// DeliveryHandler. It is only valid during the handler call.
type Delivery struct {
	batch *client // the publishing client (or Publisher); nil: none
	acc   *Account
}

// Send publishes in the account as the server, batched with the
// publisher's other output when there is a publisher.
func (d Delivery) Send(subject, reply string, hdr, data []byte) {
	hdrLen, payload := joinPayload(hdr, data)
	d.acc.srv.deliverAll(d.batch, nil, d.acc.sl.Match(subject), []byte(subject), []byte(reply), hdrLen, payload)
}

// Defer arranges for fn to run once on the publisher's goroutine, after
// the messages of its current read are handled and before the output they
// produced is flushed; another Defer with the same key during that read is
// ignored. Without a publisher fn runs at once. A durable stream uses it
// to wait once per read for its messages to be on disk before the acks go
// out.
func (d Delivery) Defer(key any, fn func()) {
	c := d.batch
	if c == nil {
		fn()
		return
	}
	for _, x := range c.deferred {
		if x.key == key {
			return
		}
	}
	c.deferred = append(c.deferred, deferredFn{key: key, fn: fn})
}

// deferredFn is a function registered with Delivery.Defer.
type deferredFn struct {
	key any
	fn  func()
}

// runDeferred runs the functions registered during the last read.
func (c *client) runDeferred() {
	for i := range c.deferred {
		fn := c.deferred[i].fn
		c.deferred[i] = deferredFn{}
		fn()
	}
	c.deferred = c.deferred[:0]
}

// SubscribeDelivery registers a DeliveryHandler for subject.
func (a *Account) SubscribeDelivery(subject string, h DeliveryHandler) (*Subscription, error) {
	if h == nil {
		return nil, errors.New("subscribe: nil handler")
	}
	sub := &subscription{subject: []byte(subject), dcb: h, acc: a}
	if err := a.sl.Insert(subject, "", sub); err != nil {
		return nil, fmt.Errorf("subscribe %q: %w", subject, err)
	}
	return &Subscription{acc: a, sub: sub}, nil
}
