package jetstream

import (
	"encoding/json"
	"reflect"
	"time"

	"github.com/nats-io/nuid"

	"github.com/natsnet/natsnet/internal/consumer"
	"github.com/natsnet/natsnet/internal/jsapi"
	"github.com/natsnet/natsnet/internal/store"
)

// consumerCreate serves the three CONSUMER.CREATE forms.
func (a *jsAccount) consumerCreate(m *apiMsg) {
	var req jsapi.ConsumerCreateRequest
	if e := decode(m, &req); e != nil {
		a.respondError(m, e)
		return
	}
	if e := req.CheckSubject(m.api); e != nil {
		a.respondError(m, e)
		return
	}
	e, ok := a.lookupStream(m.api.Stream)
	if !ok {
		a.respondError(m, jsapi.NewStreamNotFoundError())
		return
	}
	scfg := e.st.Config()
	cfg := &req.Config
	cfg.Metadata = withoutServerMetadata(cfg.Metadata)
	if cfg.Replicas > 1 {
		a.respondError(m, jsapi.NewStreamReplicasNotSupportedError())
		return
	}
	if apiErr := cfg.ApplyDefaults(&scfg, jsapi.CheckOptions{Pedantic: req.Pedantic}); apiErr != nil {
		a.respondError(m, apiErr)
		return
	}
	if apiErr := cfg.Validate(&scfg); apiErr != nil {
		a.respondError(m, apiErr)
		return
	}
	name := cfg.Name
	if name == "" {
		name = cfg.Durable
	}
	if existing, ok := e.st.Consumer(name); name != "" && ok {
		a.updateConsumer(m, e, existing, cfg, req.Action)
		return
	}
	if req.Action == jsapi.ActionUpdate {
		a.respondError(m, jsapi.NewConsumerDoesNotExistError())
		return
	}
	if apiErr := cfg.CheckNew(&scfg); apiErr != nil {
		a.respondError(m, apiErr)
		return
	}
	if scfg.MaxConsumers > 0 && e.st.NumConsumers() >= scfg.MaxConsumers {
		a.respondError(m, jsapi.NewMaximumConsumersLimitError())
		return
	}
	if apiErr := a.checkConsumerLimit(); apiErr != nil {
		a.respondError(m, apiErr)
		return
	}
	if name == "" {
		// The legacy ephemeral form leaves config.name empty; the reference
		// shows the generated name only as the consumer's name.
		name = nuid.Next()
		if m.api.Endpoint != jsapi.APIConsumerCreateEphemeral {
			cfg.Name = name
		}
	}
	c, err := a.newConsumer(e, name, cfg)
	if err != nil {
		a.respondError(m, jsapi.NewConsumerCreateError(err))
		return
	}
	resp := jsapi.ConsumerCreateResponse{ConsumerInfo: decorateConsumerInfo(c.Info())}
	a.respond(m.reply, jsapi.SetType(&resp))
	a.consumerAdvisory(jsapi.AdvisoryConsumerCreated, m.api.Stream, name, jsapi.CreateEvent)
}

// updateConsumer handles a create request for a consumer that exists.
func (a *jsAccount) updateConsumer(m *apiMsg, e *streamEntry, c *consumer.Consumer, cfg *jsapi.ConsumerConfig, action jsapi.ConsumerAction) {
	old := c.Config()
	same := reflect.DeepEqual(normalizedConsumer(&old), normalizedConsumer(cfg))
	if action == jsapi.ActionCreate && !same {
		a.respondError(m, jsapi.NewConsumerAlreadyExistsError())
		return
	}
	if !same {
		bound := old.DeliverSubject != "" && a.HasInterest(old.DeliverSubject)
		if apiErr := cfg.CheckUpdate(&old, bound); apiErr != nil {
			a.respondError(m, apiErr)
			return
		}
		if err := c.UpdateConfig(cfg); err != nil {
			a.respondError(m, jsapi.NewConsumerCreateError(err))
			return
		}
		if err := a.persistConsumer(e, c); err != nil {
			a.respondError(m, jsapi.NewConsumerCreateError(err))
			return
		}
	}
	resp := jsapi.ConsumerCreateResponse{ConsumerInfo: decorateConsumerInfo(c.Info())}
	a.respond(m.reply, jsapi.SetType(&resp))
}

// normalizedConsumer is a config as compared for idempotent creates.
func normalizedConsumer(c *jsapi.ConsumerConfig) jsapi.ConsumerConfig {
	n := *c
	n.Metadata = withoutServerMetadata(n.Metadata)
	if len(n.FilterSubjects) == 0 {
		n.FilterSubjects = nil
	}
	b, _ := json.Marshal(&n)
	var out jsapi.ConsumerConfig
	_ = json.Unmarshal(b, &out)
	return out
}

// newConsumer creates, registers and starts a consumer.
func (a *jsAccount) newConsumer(e *streamEntry, name string, cfg *jsapi.ConsumerConfig) (*consumer.Consumer, error) {
	return a.startConsumer(e, name, cfg, now(), nil, true)
}

// startConsumer creates, registers and starts a consumer, resuming from
// state if given (restores) or from what its stream's store holds
// (recovery). With persist, a file stream's consumer has its configuration
// written to disk.
func (a *jsAccount) startConsumer(e *streamEntry, name string, cfg *jsapi.ConsumerConfig, created time.Time, state *store.ConsumerState, persist bool) (*consumer.Consumer, error) {
	ackPolicy := store.AckExplicit
	switch cfg.AckPolicy {
	case jsapi.AckNone:
		ackPolicy = store.AckNone
	case jsapi.AckAll:
		ackPolicy = store.AckAll
	}
	scfg := e.st.Config()
	scs := store.ConsumerConfig{AckPolicy: ackPolicy, MaxDeliver: cfg.MaxDeliver}
	var cs store.ConsumerStore
	switch {
	case onDisk(&scfg, cfg):
		fcs, err := e.st.Store().ConsumerStore(name, scs)
		if err != nil {
			return nil, err
		}
		cs = &persistedConsumer{ConsumerStore: fcs, meta: &a.svc.meta, metaPath: a.consumerMetaPath(scfg.Name, name)}
	case fileBacked(&scfg):
		cs = store.NewMemConsumerStore(name, scs)
	default:
		var err error
		if cs, err = e.st.Store().ConsumerStore(name, scs); err != nil {
			return nil, err
		}
	}
	if state != nil {
		if err := cs.Update(state); err != nil {
			_ = cs.Delete()
			return nil, err
		}
	}
	c, err := consumer.New(name, cfg, created, consumer.Options{
		Stream:   e.st,
		Sender:   newBatchSender(a.acc),
		Store:    cs,
		Logger:   a.svc.log,
		Advisory: a.advisory,
	})
	if err != nil {
		_ = cs.Delete()
		return nil, err
	}
	if persist {
		if err := a.persistConsumer(e, c); err != nil {
			c.Delete()
			return nil, err
		}
	}
	e.st.AddConsumer(c)
	e.setConsumerStore(name, cs)
	if err := e.subscribePulls(a, c); err != nil {
		c.Delete()
		e.st.RemoveConsumer(name)
		e.setConsumerStore(name, nil)
		return nil, err
	}
	c.Start()
	return c, nil
}

// advisory publishes an event in the account.
func (a *jsAccount) advisory(subject string, event any) {
	if !a.acc.HasInterest(subject) {
		return
	}
	b, err := json.Marshal(event)
	if err != nil {
		return
	}
	a.acc.Publish(subject, "", nil, b)
}

// lookupConsumer finds a consumer, answering the request with the error if
// there is none.
func (a *jsAccount) lookupConsumer(m *apiMsg) (*streamEntry, *consumer.Consumer, bool) {
	e, ok := a.lookupStream(m.api.Stream)
	if !ok {
		a.respondError(m, jsapi.NewStreamNotFoundError())
		return nil, nil, false
	}
	c, ok := e.st.Consumer(m.api.Consumer)
	if !ok {
		a.respondError(m, jsapi.NewConsumerNotFoundError())
		return nil, nil, false
	}
	return e, c, true
}

// consumerRequest decodes a request on a consumer and finds the consumer;
// on failure it answers with the error and returns false.
func (a *jsAccount) consumerRequest(m *apiMsg, req any) (*streamEntry, *consumer.Consumer, bool) {
	if e := decode(m, req); e != nil {
		a.respondError(m, e)
		return nil, nil, false
	}
	return a.lookupConsumer(m)
}

func (a *jsAccount) consumerInfo(m *apiMsg) {
	_, c, ok := a.lookupConsumer(m)
	if !ok {
		return
	}
	resp := jsapi.ConsumerInfoResponse{ConsumerInfo: decorateConsumerInfo(c.Info())}
	a.respond(m.reply, jsapi.SetType(&resp))
}

func (a *jsAccount) consumerDelete(m *apiMsg) {
	e, c, ok := a.lookupConsumer(m)
	if !ok {
		return
	}
	c.Delete()
	e.st.RemoveConsumer(c.Name())
	e.setConsumerStore(c.Name(), nil)
	resp := jsapi.ConsumerDeleteResponse{Success: true}
	a.respond(m.reply, jsapi.SetType(&resp))
	a.consumerAdvisory(jsapi.AdvisoryConsumerDeleted, m.api.Stream, c.Name(), jsapi.DeleteEvent)
}

func (a *jsAccount) consumerNames(m *apiMsg) {
	var req jsapi.ConsumersRequest
	e, ok := a.streamRequest(m, &req)
	if !ok {
		return
	}
	all := e.st.Consumers()
	lo, hi := page(len(all), req.Offset, jsapi.NamesPageLimit)
	resp := jsapi.ConsumerNamesResponse{Consumers: []string{}}
	resp.Total, resp.Offset, resp.Limit = len(all), lo, jsapi.NamesPageLimit
	for _, c := range all[lo:hi] {
		resp.Consumers = append(resp.Consumers, c.Name())
	}
	a.respond(m.reply, jsapi.SetType(&resp))
}

func (a *jsAccount) consumerList(m *apiMsg) {
	var req jsapi.ConsumersRequest
	e, ok := a.streamRequest(m, &req)
	if !ok {
		return
	}
	all := e.st.Consumers()
	lo, hi := page(len(all), req.Offset, jsapi.ListPageLimit)
	resp := jsapi.ConsumerListResponse{Consumers: []*jsapi.ConsumerInfo{}}
	resp.Total, resp.Offset, resp.Limit = len(all), lo, jsapi.ListPageLimit
	for _, c := range all[lo:hi] {
		resp.Consumers = append(resp.Consumers, listedConsumer(decorateConsumerInfo(c.Info())))
	}
	a.respond(m.reply, jsapi.SetType(&resp))
}

func (a *jsAccount) consumerPause(m *apiMsg) {
	var req jsapi.ConsumerPauseRequest
	e, c, ok := a.consumerRequest(m, &req)
	if !ok {
		return
	}
	c.Pause(req.PauseUntil)
	if err := a.persistConsumer(e, c); err != nil {
		a.svc.log.Error("saving paused consumer", "stream", m.api.Stream, "consumer", c.Name(), "err", err)
	}
	info := c.Info()
	resp := jsapi.ConsumerPauseResponse{Paused: info.Paused, PauseUntil: req.PauseUntil.UTC(), PauseRemaining: info.PauseRemaining}
	a.respond(m.reply, jsapi.SetType(&resp))
}

func (a *jsAccount) consumerUnpin(m *apiMsg) {
	var req jsapi.ConsumerUnpinRequest
	_, c, ok := a.consumerRequest(m, &req)
	if !ok {
		return
	}
	c.Unpin(req.Group)
	resp := jsapi.ConsumerUnpinResponse{}
	a.respond(m.reply, jsapi.SetType(&resp))
}

// consumerRequiredLevel is the API level a consumer configuration needs.
func consumerRequiredLevel(cfg *jsapi.ConsumerConfig) int {
	if (cfg.PauseUntil != nil && !cfg.PauseUntil.IsZero()) || len(cfg.PriorityGroups) > 0 {
		return 1
	}
	return 0
}

// decorateConsumerInfo adds the server's metadata to a consumer info.
func decorateConsumerInfo(ci *jsapi.ConsumerInfo) *jsapi.ConsumerInfo {
	if ci.Config != nil {
		cfg := *ci.Config
		cfg.Metadata = withServerMetadata(cfg.Metadata, consumerRequiredLevel(&cfg))
		ci.Config = &cfg
	}
	return ci
}
