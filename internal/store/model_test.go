package store

import (
	"cmp"
	"slices"
	"time"

	"github.com/natsnet/natsnet/internal/subject"
)

// model is a deliberately naive Store: a sorted slice of messages and
// linear scans for everything. The property test runs random operations
// against a real Store and the model and compares every observable result.

type modelMsg struct {
	seq  uint64
	subj string
	hdr  []byte
	data []byte
	ts   int64
	ttl  time.Duration
}

type model struct {
	// sizeOf is the accounted size of the store under test (MsgSize or
	// FileMsgSize).
	sizeOf          func(subj string, hdr, data []byte) uint64
	cfg             StreamConfig
	msgs            []modelMsg // ascending seq
	first, last     uint64
	firstTS, lastTS int64
}

func newModel(cfg StreamConfig) *model {
	m := &model{cfg: cfg, sizeOf: MsgSize}
	if cfg.FirstSeq > 0 {
		m.first, m.last = cfg.FirstSeq, cfg.FirstSeq-1
	}
	return m
}

func modelMatch(filter, subj string) bool {
	if isAllFilter(filter) {
		return true
	}
	if subject.IsLiteral(filter) {
		return filter == subj
	}
	return subject.Matches(filter, subj)
}

func modelMatchAny(filters []string, subj string) bool {
	if len(filters) == 0 {
		return true
	}
	for _, f := range filters {
		if modelMatch(f, subj) {
			return true
		}
	}
	return false
}

func (m *model) size(msg *modelMsg) uint64 { return m.sizeOf(msg.subj, msg.hdr, msg.data) }

func (m *model) bytes() (n uint64) {
	for i := range m.msgs {
		n += m.size(&m.msgs[i])
	}
	return n
}

func (m *model) subjCount(subj string) (n int) {
	for i := range m.msgs {
		if m.msgs[i].subj == subj {
			n++
		}
	}
	return n
}

func (m *model) index(seq uint64) int {
	i, ok := slices.BinarySearchFunc(m.msgs, seq, func(x modelMsg, seq uint64) int {
		return cmp.Compare(x.seq, seq)
	})
	if !ok {
		return -1
	}
	return i
}

func (m *model) removeIndex(i int) {
	m.msgs = slices.Delete(m.msgs, i, i+1)
	m.fixFirst()
}

func (m *model) fixFirst() {
	if len(m.msgs) > 0 {
		m.first, m.firstTS = m.msgs[0].seq, m.msgs[0].ts
	} else if m.first != 0 || m.last != 0 {
		m.first, m.firstTS = m.last+1, 0
	}
}

func (m *model) remove(seq uint64) bool {
	if i := m.index(seq); i >= 0 {
		m.removeIndex(i)
		return true
	}
	return false
}

func (m *model) removeOldestOf(subj string) {
	for i := range m.msgs {
		if m.msgs[i].subj == subj {
			m.removeIndex(i)
			return
		}
	}
}

func (m *model) deadline(x *modelMsg) int64 {
	d := int64(noDeadline)
	if m.cfg.AllowMsgTTL && x.ttl < 0 {
		return d
	}
	if m.cfg.AllowMsgTTL && x.ttl > 0 {
		d = x.ts + int64(x.ttl)
	}
	if m.cfg.MaxAge > 0 {
		d = min(d, x.ts+int64(m.cfg.MaxAge))
	}
	return d
}

func (m *model) store(subj string, hdr, data []byte, seq uint64, ts int64, ttl time.Duration, check bool) error {
	if subj == "" {
		return ErrBadSubject
	}
	if seq != m.last+1 {
		return ErrSequenceMismatch
	}
	cfg := m.cfg
	if check {
		if cfg.MaxMsgSize > 0 && len(hdr)+len(data) > int(cfg.MaxMsgSize) {
			return ErrMaxMsgSize
		}
		if cfg.Discard == DiscardNew {
			n := m.subjCount(subj)
			atLimit := cfg.MaxMsgsPerSubject > 0 && n > 0 && n >= int(cfg.MaxMsgsPerSubject)
			if atLimit && cfg.DiscardNewPerSubject {
				return ErrMaxMsgsPerSubject
			}
			if cfg.MaxMsgs > 0 && len(m.msgs) >= int(cfg.MaxMsgs) && !atLimit {
				return ErrMaxMsgs
			}
			size := m.sizeOf(subj, hdr, data)
			if cfg.MaxBytes > 0 && m.bytes()+size > uint64(cfg.MaxBytes) {
				if !atLimit {
					return ErrMaxBytes
				}
				var oldest uint64
				for i := range m.msgs {
					if m.msgs[i].subj == subj {
						oldest = m.size(&m.msgs[i])
						break
					}
				}
				if m.bytes()+size-oldest > uint64(cfg.MaxBytes) {
					return ErrMaxBytes
				}
			}
		}
	}
	m.msgs = append(m.msgs, modelMsg{seq, subj, slices.Clone(hdr), slices.Clone(data), ts, ttl})
	m.last, m.lastTS = seq, ts
	m.fixFirst()
	if cfg.MaxMsgsPerSubject > 0 {
		for m.subjCount(subj) > int(cfg.MaxMsgsPerSubject) {
			m.removeOldestOf(subj)
		}
	}
	m.enforce()
	return nil
}

func (m *model) enforce() {
	if m.cfg.Discard != DiscardOld {
		return
	}
	for m.cfg.MaxMsgs > 0 && len(m.msgs) > int(m.cfg.MaxMsgs) {
		m.removeIndex(0)
	}
	for m.cfg.MaxBytes > 0 && m.bytes() > uint64(m.cfg.MaxBytes) {
		m.removeIndex(0)
	}
}

func (m *model) updateConfig(cfg StreamConfig) {
	old := m.cfg
	cfg.FirstSeq = old.FirstSeq
	m.cfg = cfg
	if maxp := cfg.MaxMsgsPerSubject; maxp > 0 && (old.MaxMsgsPerSubject == 0 || maxp < old.MaxMsgsPerSubject) {
		for _, s := range m.subjects() {
			for m.subjCount(s) > int(maxp) {
				m.removeOldestOf(s)
			}
		}
	}
	m.enforce()
}

func (m *model) subjects() []string {
	var out []string
	for i := range m.msgs {
		if !slices.Contains(out, m.msgs[i].subj) {
			out = append(out, m.msgs[i].subj)
		}
	}
	return out
}

func (m *model) skip(seq, num uint64) error {
	if seq == 0 {
		seq = m.last + 1
	}
	if seq != m.last+1 {
		return ErrSequenceMismatch
	}
	if num == 0 {
		return nil
	}
	m.last = seq + num - 1
	if len(m.msgs) == 0 {
		m.first, m.firstTS = m.last+1, 0
	}
	return nil
}

func (m *model) purge() uint64 {
	n := uint64(len(m.msgs))
	m.msgs = nil
	m.first, m.firstTS = m.last+1, 0
	return n
}

func (m *model) compact(seq uint64) uint64 {
	if seq == 0 {
		return m.purge()
	}
	if seq <= m.first {
		return 0
	}
	if seq > m.last {
		n := uint64(len(m.msgs))
		m.msgs = nil
		m.first, m.last, m.firstTS = seq, seq-1, 0
		return n
	}
	var n uint64
	for len(m.msgs) > 0 && m.msgs[0].seq < seq {
		m.removeIndex(0)
		n++
	}
	return n
}

func (m *model) truncate(seq uint64) error {
	if seq == 0 {
		m.msgs = nil
		m.first, m.last, m.firstTS, m.lastTS = 0, 0, 0, 0
		return nil
	}
	if seq > m.last {
		return ErrInvalidSequence
	}
	for len(m.msgs) > 0 && m.msgs[len(m.msgs)-1].seq > seq {
		m.msgs = m.msgs[:len(m.msgs)-1]
	}
	m.last = seq
	if len(m.msgs) > 0 {
		m.lastTS = m.msgs[len(m.msgs)-1].ts
	} else {
		m.first, m.firstTS = seq+1, 0
	}
	return nil
}

func (m *model) purgeEx(filter string, upTo, keep uint64) uint64 {
	if upTo == 1 {
		return 0
	}
	if isAllFilter(filter) && keep == 0 {
		if upTo == 0 {
			return m.purge()
		}
		return m.compact(upTo)
	}
	var total uint64
	for i := range m.msgs {
		if modelMatch(filter, m.msgs[i].subj) {
			total++
		}
	}
	quota := ^uint64(0)
	if keep > 0 {
		if keep >= total {
			return 0
		}
		quota = total - keep
	}
	var n uint64
	for i := 0; i < len(m.msgs) && n < quota; {
		x := &m.msgs[i]
		if upTo > 0 && x.seq >= upTo {
			break
		}
		if modelMatch(filter, x.subj) {
			m.removeIndex(i)
			n++
			continue
		}
		i++
	}
	return n
}

func (m *model) expire(now int64) int {
	n := 0
	for i := 0; i < len(m.msgs); {
		if m.deadline(&m.msgs[i]) <= now {
			m.removeIndex(i)
			n++
			continue
		}
		i++
	}
	return n
}

func (m *model) nextExpiry() (int64, bool) {
	d := int64(noDeadline)
	for i := range m.msgs {
		d = min(d, m.deadline(&m.msgs[i]))
	}
	return d, d != noDeadline
}

func (m *model) state() StreamState {
	st := StreamState{
		Msgs: uint64(len(m.msgs)), Bytes: m.bytes(),
		FirstSeq: m.first, FirstTS: m.firstTS, LastSeq: m.last, LastTS: m.lastTS,
		NumSubjects: len(m.subjects()),
	}
	if st.Msgs > 0 {
		st.NumDeleted = int(st.LastSeq - st.FirstSeq + 1 - st.Msgs)
	}
	return st
}

func (m *model) deleted() []uint64 {
	if len(m.msgs) == 0 {
		return nil
	}
	var out []uint64
	i := 0
	for s := m.first; s <= m.last; s++ {
		if i < len(m.msgs) && m.msgs[i].seq == s {
			i++
		} else {
			out = append(out, s)
		}
	}
	return out
}

func (m *model) load(seq uint64) (*modelMsg, error) {
	if i := m.index(seq); i >= 0 {
		return &m.msgs[i], nil
	}
	switch {
	case seq > m.last:
		return nil, ErrEOF
	case seq < m.first || seq == 0:
		return nil, ErrNotFound
	}
	return nil, ErrDeleted
}

func (m *model) next(filters []string, start uint64) (*modelMsg, error) {
	for i := range m.msgs {
		if x := &m.msgs[i]; x.seq >= start && modelMatchAny(filters, x.subj) {
			return x, nil
		}
	}
	return nil, ErrEOF
}

func (m *model) prev(filter string, start uint64) (*modelMsg, error) {
	for i := len(m.msgs) - 1; i >= 0; i-- {
		if x := &m.msgs[i]; x.seq <= start && modelMatch(filter, x.subj) {
			return x, nil
		}
	}
	return nil, ErrEOF
}

func (m *model) filtered(filters []string, start uint64, lastPerSubject bool) SimpleState {
	var st SimpleState
	var lastOf map[string]uint64
	if lastPerSubject {
		lastOf = map[string]uint64{}
		for i := range m.msgs {
			lastOf[m.msgs[i].subj] = m.msgs[i].seq
		}
	}
	for i := range m.msgs {
		x := &m.msgs[i]
		if x.seq < start || !modelMatchAny(filters, x.subj) {
			continue
		}
		if lastPerSubject && lastOf[x.subj] != x.seq {
			continue
		}
		st.Msgs++
		if st.First == 0 {
			st.First = x.seq
		}
		st.Last = x.seq
	}
	return st
}

func (m *model) subjectsState(filter string) map[string]SimpleState {
	var out map[string]SimpleState
	for i := range m.msgs {
		x := &m.msgs[i]
		if !modelMatch(filter, x.subj) {
			continue
		}
		if out == nil {
			out = map[string]SimpleState{}
		}
		st := out[x.subj]
		st.Msgs++
		if st.First == 0 {
			st.First = x.seq
		}
		st.Last = x.seq
		out[x.subj] = st
	}
	return out
}

func (m *model) seqFromTime(ts int64) uint64 {
	for i := range m.msgs {
		if m.msgs[i].ts >= ts {
			return m.msgs[i].seq
		}
	}
	return m.last + 1
}
