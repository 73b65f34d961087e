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
	hs, indexed := s.store.(headerIndex)
	var sm store.StoreMsg
	for {
		// A message id is a header: stores that know which messages have
		// one are asked for those alone.
		if indexed {
			next, ok := hs.NextSeqWithHeader(seq)
			if !ok {
				return
			}
			seq = next
		}
		m, err := s.store.LoadNextMsg(">", seq, &sm)
		if err != nil {
			return
		}
		seq = m.Seq + 1
		if len(m.Header) == 0 {
			continue
		}
		if id, ok := jsapi.HeaderValue(m.Header, jsapi.HdrMsgID); ok && id != "" {
			s.mu.dedupe.add(id, m.Seq, time.Unix(0, m.TS), window)
		}
	}
}

// headerIndex is a store that can find the messages with a header without
// reading them.
type headerIndex interface {
	NextSeqWithHeader(start uint64) (uint64, bool)
}
