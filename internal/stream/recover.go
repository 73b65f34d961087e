package stream

import (
	"time"

	"github.com/natsnet/natsnet/internal/jsapi"
	"github.com/natsnet/natsnet/internal/store"
)

// recoverDedupe refills the duplicate window from the messages a reopened
// store holds, so that a publisher retrying across a restart still gets
// its duplicate acknowledged instead of stored twice. It runs before the
// stream is shared.
func (s *Stream) recoverDedupe() {
	window := s.mu.cfg.Duplicates
	if window <= 0 || s.store.State().Msgs == 0 {
		return
	}
	now := s.opts.Now()
	seq := s.store.GetSeqFromTime(now.Add(-window).UnixNano())
	var sm store.StoreMsg
	for {
		// A message id is a header: only messages with one are read.
		next, ok := s.store.NextSeqWithHeader(seq)
		if !ok {
			return
		}
		m, err := s.store.LoadMsg(next, &sm)
		seq = next + 1
		if err != nil {
			continue
		}
		if id, ok := jsapi.HeaderValue(m.Header, jsapi.HdrMsgID); ok && id != "" {
			s.mu.dedupe.add(id, m.Seq, time.Unix(0, m.TS), window)
		}
	}
}
