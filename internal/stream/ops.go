package stream

import (
	"errors"

	"github.com/natsnet/natsnet/internal/jsapi"
	"github.com/natsnet/natsnet/internal/store"
)

// Purge removes messages as a STREAM.PURGE request asks: all of them, those
// on a subject filter, those below a sequence, or all but the newest keep.
func (s *Stream) Purge(req *jsapi.StreamPurgeRequest) (uint64, *jsapi.ApiError) {
	n, apiErr := s.purge(req)
	if apiErr == nil {
		s.notifyPurged()
	}
	return n, apiErr
}

func (s *Stream) purge(req *jsapi.StreamPurgeRequest) (uint64, *jsapi.ApiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cfg := &s.mu.cfg
	if cfg.Sealed || cfg.DenyPurge {
		return 0, jsapi.NewStreamPurgeFailedError(errors.New("stream purge not permitted"))
	}
	if req.Sequence > 0 && req.Keep > 0 {
		return 0, jsapi.NewBadRequestError()
	}
	var (
		n   uint64
		err error
	)
	if req.Subject == "" && req.Sequence == 0 && req.Keep == 0 {
		n, err = s.store.Purge()
	} else {
		n, err = s.store.PurgeEx(req.Subject, req.Sequence, req.Keep)
	}
	if err != nil {
		return 0, jsapi.NewStreamPurgeFailedError(err)
	}
	return n, nil
}

// DeleteMsg removes one message; without noErase its payload is also
// overwritten.
func (s *Stream) DeleteMsg(seq uint64, noErase bool) *jsapi.ApiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	cfg := &s.mu.cfg
	if cfg.Sealed || cfg.DenyDelete {
		return jsapi.NewStreamMsgDeleteFailedError(errors.New("message delete not permitted"))
	}
	if cfg.Storage == jsapi.FileStorage {
		// The reference's file store refuses sequences outside the stream
		// with its own store errors, where its memory store reports the
		// sequence as not found.
		st := s.store.State()
		switch {
		case seq > st.LastSeq:
			return jsapi.NewStreamMsgDeleteFailedError(errors.New("stream store EOF"))
		case seq == 0 || seq < st.FirstSeq:
			return jsapi.NewStreamMsgDeleteFailedError(errors.New("no message found"))
		}
	}
	var (
		ok  bool
		err error
	)
	if noErase {
		ok, err = s.store.RemoveMsg(seq)
	} else {
		ok, err = s.store.EraseMsg(seq)
	}
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrEOF) {
		return jsapi.NewSequenceNotFoundError(seq)
	}
	if err != nil {
		return jsapi.NewStreamMsgDeleteFailedError(err)
	}
	if !ok {
		return jsapi.NewSequenceNotFoundError(seq)
	}
	return nil
}

// GetMsg answers a STREAM.MSG.GET request: by sequence, the last message of
// a subject, or the next message of a subject at or after a sequence.
func (s *Stream) GetMsg(req *jsapi.MsgGetRequest) (*store.StoreMsg, error) {
	switch {
	case req.LastFor != "":
		return s.store.LoadLastMsg(req.LastFor, nil)
	case req.NextFor != "":
		return s.store.LoadNextMsg(req.NextFor, max(req.Seq, 1), nil)
	default:
		return s.store.LoadMsg(req.Seq, nil)
	}
}
