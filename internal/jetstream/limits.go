package jetstream

import (
	"sync/atomic"

	"github.com/natsnet/natsnet/internal/jsapi"
	"github.com/natsnet/natsnet/internal/server"
)

// usage is an account's storage use, updated by its streams' stores.
type usage struct {
	memory, store atomic.Int64
}

func (u *usage) add(storage jsapi.StorageType, delta int64) {
	if storage == jsapi.MemoryStorage {
		u.memory.Add(delta)
	} else {
		u.store.Add(delta)
	}
}

// limitsOf returns the account's limits, never nil.
func (a *jsAccount) limitsOf() *server.JetStreamLimits {
	if a.limits == nil {
		return server.UnlimitedJetStream()
	}
	return a.limits
}

// admit refuses a message that would take the account past its storage
// limit for the stream's storage type.
func (a *jsAccount) admit(storage jsapi.StorageType, size uint64) *jsapi.ApiError {
	lim := a.limitsOf()
	max, used := lim.MaxStore, a.usage.store.Load()
	if storage == jsapi.MemoryStorage {
		max, used = lim.MaxMemory, a.usage.memory.Load()
	}
	if max >= 0 && used+int64(size) > max {
		return jsapi.NewAccountResourcesExceededError()
	}
	return nil
}

// checkStreamLimitsLocked applies the account limits to a new or updated
// stream configuration. existing is the configuration being replaced, or
// nil for a create. a.mu must be held.
func (a *jsAccount) checkStreamLimitsLocked(cfg, existing *jsapi.StreamConfig) *jsapi.ApiError {
	lim := a.limitsOf()
	if existing == nil && lim.MaxStreams >= 0 && len(a.mu.streams) >= lim.MaxStreams {
		return jsapi.NewMaximumStreamsLimitError()
	}
	if lim.MaxBytesRequired && cfg.MaxBytes <= 0 {
		return jsapi.NewStreamMaxBytesRequiredError()
	}
	max := lim.MaxStore
	if cfg.Storage == jsapi.MemoryStorage {
		max = lim.MaxMemory
	}
	if max < 0 {
		return nil
	}
	// Streams with max_bytes reserve it; the others count what they use.
	var reserved int64
	for name, e := range a.mu.streams {
		if existing != nil && name == cfg.Name {
			continue
		}
		c := e.st.Config()
		if c.Storage != cfg.Storage {
			continue
		}
		if c.MaxBytes > 0 {
			reserved += c.MaxBytes
		} else {
			reserved += int64(e.st.Store().State().Bytes)
		}
	}
	need := max64(cfg.MaxBytes, 0)
	if max == 0 || reserved+need > max {
		if cfg.Storage == jsapi.MemoryStorage {
			return jsapi.NewMemoryResourcesExceededError()
		}
		return jsapi.NewStorageResourcesExceededError()
	}
	return nil
}

// checkConsumerLimit refuses a consumer past the account's limit.
func (a *jsAccount) checkConsumerLimit() *jsapi.ApiError {
	lim := a.limitsOf()
	if lim.MaxConsumers < 0 {
		return nil
	}
	a.mu.Lock()
	n := 0
	for _, e := range a.mu.streams {
		n += e.numConsumers()
	}
	a.mu.Unlock()
	if n >= lim.MaxConsumers {
		return jsapi.NewMaximumConsumersLimitError()
	}
	return nil
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// disabledAccount answers every $JS.API request of an account without
// JetStream with 10039, as the reference does.
type disabledAccount struct {
	acc *server.Account
}

func (d *disabledAccount) request(subject, reply string, _, _ []byte) {
	if reply == "" {
		return
	}
	as, ok := jsapi.ParseAPISubject(subject)
	if !ok {
		return
	}
	b, err := jsonMarshal(errorResponse(as.Endpoint, jsapi.NewNotEnabledForAccountError()))
	if err != nil {
		return
	}
	d.acc.Publish(reply, "", nil, b)
}
