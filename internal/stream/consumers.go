package stream

import (
	"sort"

	"github.com/natsnet/natsnet/internal/consumer"
	"github.com/natsnet/natsnet/internal/jsapi"
)

// The stream owns its consumers: it tells them about new and purged
// messages and, for interest and work-queue retention, removes a message
// once no consumer needs it any more.

var _ consumer.Stream = (*Stream)(nil)

// AddConsumer registers a started consumer.
func (s *Stream) AddConsumer(c *consumer.Consumer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.consumers == nil {
		s.mu.consumers = make(map[string]*consumer.Consumer)
	}
	s.mu.consumers[c.Name()] = c
}

// Consumer returns the named consumer.
func (s *Stream) Consumer(name string) (*consumer.Consumer, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.mu.consumers[name]
	return c, ok
}

// Consumers returns the consumers sorted by name.
func (s *Stream) Consumers() []*consumer.Consumer {
	s.mu.RLock()
	out := make([]*consumer.Consumer, 0, len(s.mu.consumers))
	for _, c := range s.mu.consumers {
		out = append(out, c)
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

// NumConsumers reports the consumers.
func (s *Stream) NumConsumers() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.mu.consumers)
}

// RemoveConsumer forgets a consumer (after it was deleted) and, under
// interest retention, drops messages nobody needs now.
func (s *Stream) RemoveConsumer(name string) {
	s.mu.Lock()
	delete(s.mu.consumers, name)
	interest := s.mu.cfg.Retention == jsapi.InterestPolicy
	s.mu.Unlock()
	if interest {
		s.pruneInterest()
	}
}

// Acked is called by a consumer once it no longer needs seq.
func (s *Stream) Acked(_ *consumer.Consumer, seq uint64) {
	s.mu.RLock()
	retention := s.mu.cfg.Retention
	s.mu.RUnlock()
	switch retention {
	case jsapi.WorkQueuePolicy:
		_, _ = s.store.RemoveMsg(seq)
	case jsapi.InterestPolicy:
		subj, err := s.store.SubjectForSeq(seq)
		if err != nil {
			return
		}
		if !s.needed(seq, subj) {
			_, _ = s.store.RemoveMsg(seq)
		}
	}
}

// needed reports whether any consumer still needs seq.
func (s *Stream) needed(seq uint64, subj string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.neededLocked(seq, subj)
}

// neededLocked is needed with s.mu held.
func (s *Stream) neededLocked(seq uint64, subj string) bool {
	for _, c := range s.mu.consumers {
		if c.NeedsAck(seq, subj) {
			return true
		}
	}
	return false
}

// pruneInterest removes every message no consumer needs.
func (s *Stream) pruneInterest() {
	st := s.store.State()
	for seq := st.FirstSeq; seq > 0 && seq <= st.LastSeq; seq++ {
		subj, err := s.store.SubjectForSeq(seq)
		if err != nil {
			continue
		}
		if !s.needed(seq, subj) {
			_, _ = s.store.RemoveMsg(seq)
		}
	}
}

// notifyPurged tells consumers where the stream now starts.
func (s *Stream) notifyPurged() {
	first := s.store.State().FirstSeq
	for _, c := range s.Consumers() {
		c.NotifyPurged(first)
	}
}
