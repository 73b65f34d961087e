package stream

import (
	"strconv"
	"time"

	"github.com/natsnet/natsnet/internal/jsapi"
	"github.com/natsnet/natsnet/internal/store"
)

// Direct get (ADR-31): replies carry the stored message as a NATS message
// with its original headers plus Nats-Stream, Nats-Subject, Nats-Sequence
// and Nats-Time-Stamp; batches add Nats-Num-Pending and Nats-Last-Sequence
// to each message and end with a 204 EOB status.

// DirectGet answers a DIRECT.GET request on reply, through out. It runs on
// the caller's goroutine and only reads the store.
func (s *Stream) DirectGet(out Sender, reply string, req *jsapi.MsgGetRequest) {
	if why := req.CheckDirectGet(); why != "" {
		s.sendStatus(out, reply, 408, why)
		return
	}
	if req.Batch > 0 || len(req.MultiLastFor) > 0 {
		s.directBatch(out, reply, req)
		return
	}
	var (
		sm  *store.StoreMsg
		err error
	)
	switch {
	case req.LastFor != "":
		sm, err = s.store.LoadLastMsg(req.LastFor, nil)
	case req.StartTime != nil:
		sm, err = s.store.LoadNextMsg(req.NextFor, s.store.GetSeqFromTime(req.StartTime.UnixNano()), nil)
	case req.NextFor != "":
		sm, err = s.store.LoadNextMsg(req.NextFor, max(req.Seq, 1), nil)
	default:
		sm, err = s.store.LoadMsg(req.Seq, nil)
	}
	if err != nil {
		s.sendStatus(out, reply, 404, jsapi.StatusMessageNotFound)
		return
	}
	s.sendDirect(out, reply, sm, req.NoHeaders, -1, 0)
}

// DirectGetLast answers DIRECT.GET.<stream>.<subject>: the last message on
// subject.
func (s *Stream) DirectGetLast(out Sender, reply, subject string) {
	sm, err := s.store.LoadLastMsg(subject, nil)
	if err != nil {
		s.sendStatus(out, reply, 404, jsapi.StatusMessageNotFound)
		return
	}
	s.sendDirect(out, reply, sm, false, -1, 0)
}

// directBatch sends up to Batch messages (or the last message of each
// subject in MultiLastFor), then the EOB status.
func (s *Stream) directBatch(out Sender, reply string, req *jsapi.MsgGetRequest) {
	batch := req.Batch
	if batch <= 0 {
		batch = 1 << 30
	}
	var msgs []*store.StoreMsg
	if len(req.MultiLastFor) > 0 {
		msgs = s.multiLast(req, batch)
	} else {
		start := max(req.Seq, 1)
		if req.StartTime != nil {
			start = s.store.GetSeqFromTime(req.StartTime.UnixNano())
		}
		filter := req.NextFor
		bytes := 0
		for len(msgs) < batch {
			sm, err := s.store.LoadNextMsg(filter, start, nil)
			if err != nil {
				break
			}
			size := len(sm.Subject) + len(sm.Header) + len(sm.Data)
			if req.MaxBytes > 0 && len(msgs) > 0 && bytes+size > req.MaxBytes {
				break
			}
			bytes += size
			msgs = append(msgs, sm)
			start = sm.Seq + 1
		}
	}
	multi := len(req.MultiLastFor) > 0
	if len(msgs) == 0 {
		if multi {
			s.sendStatus(out, reply, 404, "No Results")
		} else {
			s.sendStatus(out, reply, 404, jsapi.StatusMessageNotFound)
		}
		return
	}
	var last uint64
	for _, sm := range msgs {
		// Pending counts the matching messages left in the stream after
		// this one.
		pending := s.pendingAfter(req, sm.Seq)
		s.sendDirect(out, reply, sm, req.NoHeaders, int64(pending), last)
		last = sm.Seq
	}
	h := jsapi.NewHeader(204, jsapi.StatusEOB).
		Add(jsapi.HdrNumPending, strconv.FormatUint(s.pendingAfter(req, last), 10)).
		Add(jsapi.HdrLastSequence, strconv.FormatUint(last, 10))
	if multi {
		h.Add(jsapi.HdrUpToSequence, strconv.FormatUint(s.multiUpTo(req), 10))
	}
	out.Send(reply, "", h.Bytes(), nil)
}

// multiLast collects the newest message of every subject matching the
// request's filters, bounded by up_to_seq/up_to_time, in sequence order.
func (s *Stream) multiLast(req *jsapi.MsgGetRequest, limit int) []*store.StoreMsg {
	upTo := s.multiUpTo(req)
	seen := map[string]bool{}
	var out []*store.StoreMsg
	for _, f := range req.MultiLastFor {
		for subj := range s.store.SubjectsTotals(f) {
			if seen[subj] {
				continue
			}
			seen[subj] = true
			sm, err := s.store.LoadPrevMsg(subj, upTo, nil)
			if err != nil {
				continue
			}
			out = append(out, sm)
		}
	}
	sortBySeq(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// pendingAfter counts the messages a batch request matches after seq: for
// multi_last, those of its subjects up to its up_to bound.
func (s *Stream) pendingAfter(req *jsapi.MsgGetRequest, seq uint64) uint64 {
	if len(req.MultiLastFor) == 0 {
		n, _ := s.store.NumPending(seq+1, req.NextFor, false)
		return n
	}
	upTo := s.multiUpTo(req)
	if seq >= upTo {
		return 0
	}
	after, _ := s.store.NumPendingMulti(seq+1, req.MultiLastFor, false)
	beyond, _ := s.store.NumPendingMulti(upTo+1, req.MultiLastFor, false)
	return after - beyond
}

// multiUpTo is the last sequence a multi_last request looks at.
func (s *Stream) multiUpTo(req *jsapi.MsgGetRequest) uint64 {
	upTo := s.store.State().LastSeq
	if req.UpToSeq > 0 {
		upTo = min(upTo, req.UpToSeq)
	}
	if req.UpToTime != nil {
		upTo = min(upTo, s.store.GetSeqFromTime(req.UpToTime.UnixNano())-1)
	}
	return upTo
}

func sortBySeq(msgs []*store.StoreMsg) {
	for i := 1; i < len(msgs); i++ {
		for j := i; j > 0 && msgs[j].Seq < msgs[j-1].Seq; j-- {
			msgs[j], msgs[j-1] = msgs[j-1], msgs[j]
		}
	}
}

// sendDirect sends one stored message as a direct get reply. pending < 0
// leaves out the batch headers.
func (s *Stream) sendDirect(out Sender, reply string, sm *store.StoreMsg, noHdr bool, pending int64, last uint64) {
	if noHdr {
		// no_hdr: the bare payload, without the stream's headers either.
		out.Send(reply, "", nil, sm.Data)
		return
	}
	orig := sm.Header
	kv := []string{
		jsapi.HdrStream, s.Name(),
		jsapi.HdrSubject, sm.Subject,
		jsapi.HdrSequence, strconv.FormatUint(sm.Seq, 10),
		jsapi.HdrTimeStamp, time.Unix(0, sm.TS).UTC().Format(time.RFC3339Nano),
	}
	if pending >= 0 {
		kv = append(kv, jsapi.HdrNumPending, strconv.FormatInt(pending, 10),
			jsapi.HdrLastSequence, strconv.FormatUint(last, 10))
	}
	out.Send(reply, "", jsapi.HeaderWith(orig, kv...), sm.Data)
}

// sendStatus sends a header-only status reply.
func (s *Stream) sendStatus(out Sender, reply string, code int, desc string) {
	out.Send(reply, "", jsapi.NewHeader(code, desc).Bytes(), nil)
}

// DirectGetMalformed answers a direct get whose body is not valid JSON.
func (s *Stream) DirectGetMalformed(out Sender, reply string) {
	s.sendStatus(out, reply, 408, "Malformed Request")
}
