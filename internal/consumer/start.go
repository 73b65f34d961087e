package consumer

import (
	"errors"
	"slices"

	"github.com/natsnet/natsnet/internal/jsapi"
	"github.com/natsnet/natsnet/internal/store"
)

// hasState reports whether a ConsumerStore holds a previous run's state.
// The store can not tell an untouched state from one recorded at sequence
// zero (a consumer created on a pristine stream that never delivered);
// selecting the start again gives the same result in that case, except for
// deliver policy new, which then skips what was stored in between.
func hasState(st *store.ConsumerState) bool {
	return st.Delivered != (store.SequencePair{}) || st.AckFloor != (store.SequencePair{}) ||
		len(st.Pending) > 0 || len(st.Redelivered) > 0
}

// restoreLocked resumes from a stored state. Pending and redelivered
// entries beyond the stream's last sequence (a stream that lost its tail)
// are dropped; the sequences are kept, since a start sequence beyond the
// stream's end is legitimate (opt_start_seq in the future).
func (c *Consumer) restoreLocked(st *store.ConsumerState) {
	c.sseq = st.Delivered.Stream + 1
	c.dseq = st.Delivered.Consumer + 1
	c.adflr, c.asflr = st.AckFloor.Consumer, st.AckFloor.Stream
	last := c.st.State().LastSeq
	if len(st.Pending) > 0 {
		c.pending = make(map[uint64]*pend, len(st.Pending))
		for seq, p := range st.Pending {
			if seq <= last {
				c.pending[seq] = &pend{dseq: p.Sequence, ts: p.Timestamp}
			}
		}
	}
	if len(st.Redelivered) > 0 {
		c.rdc = make(map[uint64]uint64, len(st.Redelivered))
		for seq, n := range st.Redelivered {
			if seq <= last {
				c.rdc[seq] = n
			}
		}
	}
}

// selectStartLocked picks the first stream sequence from the deliver
// policy and records it in the store, as the reference does.
func (c *Consumer) selectStartLocked() error {
	st := c.st.State()
	cfg := &c.cfg
	var sseq uint64
	if cfg.OptStartSeq == 0 {
		switch cfg.DeliverPolicy {
		case jsapi.DeliverAll:
			sseq = st.FirstSeq
		case jsapi.DeliverLast:
			if len(c.filters) == 0 {
				sseq = st.LastSeq
			} else {
				for _, f := range c.filters {
					sm, err := c.st.LoadLastMsg(f, nil)
					if err == nil && sm.Seq > sseq {
						sseq = sm.Seq
					} else if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrEOF) {
						return err
					}
				}
			}
		case jsapi.DeliverLastPerSubject:
			seqs := c.lastPerSubjectSeqs()
			c.lps = &lastPerSubject{seqs: seqs, resume: st.LastSeq}
			if len(seqs) == 0 {
				sseq = st.LastSeq
			} else {
				sseq = seqs[0]
			}
		case jsapi.DeliverByStartTime:
			if cfg.OptStartTime != nil {
				sseq = c.st.GetSeqFromTime(cfg.OptStartTime.UnixNano())
			}
		default: // new
			sseq = st.LastSeq + 1
		}
	} else {
		sseq = cfg.OptStartSeq
	}
	switch {
	case st.FirstSeq == 0 && cfg.OptStartSeq == 0:
		sseq = 1 // empty stream: only new messages
	case sseq > st.LastSeq && cfg.OptStartSeq == 0:
		sseq = st.LastSeq + 1
	case sseq < st.FirstSeq:
		sseq = st.FirstSeq
	}
	c.sseq = max(sseq, 1)
	c.dseq = 1
	c.adflr, c.asflr = 0, c.sseq-1
	return c.cs.SetStarting(c.sseq - 1)
}

// lastPerSubjectSeqs lists the sequence of the newest message of every
// subject matching the filters, in ascending order.
func (c *Consumer) lastPerSubjectSeqs() []uint64 {
	filters := c.filters
	if len(filters) == 0 {
		filters = []string{">"}
	}
	seen := make(map[string]struct{})
	var seqs []uint64
	for _, f := range filters {
		for subj, ss := range c.st.SubjectsState(f) {
			if _, ok := seen[subj]; ok || ss.Msgs == 0 {
				continue
			}
			seen[subj] = struct{}{}
			seqs = append(seqs, ss.Last)
		}
	}
	slices.Sort(seqs)
	return seqs
}
