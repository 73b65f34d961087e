package jetstream

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/natsnet/natsnet/internal/jsapi"
)

// apiMsg is a queued API request.
type apiMsg struct {
	acc     *jsAccount
	subject string
	reply   string
	hdr     []byte
	data    []byte
	api     jsapi.APISubject
}

// apiQueue hands API requests from publishers' goroutines to the API
// goroutine, so no request is served on a client's read loop.
type apiQueue struct {
	mu     sync.Mutex
	msgs   []apiMsg // guarded by mu
	signal chan struct{}
}

// apiRequest receives every $JS.API message of the account (inline, on the
// publisher's goroutine): it parses the subject and queues the request.
func (a *jsAccount) apiRequest(subject, reply string, hdr, data []byte) {
	as, ok := jsapi.ParseAPISubject(subject)
	if !ok || reply == "" {
		// Unknown endpoints and requests without a reply get no answer,
		// as with the reference.
		return
	}
	m := apiMsg{acc: a, subject: subject, reply: reply, api: as}
	m.hdr = append([]byte(nil), hdr...)
	m.data = append([]byte(nil), data...)
	q := &a.svc.api
	q.mu.Lock()
	q.msgs = append(q.msgs, m)
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

func (s *Service) apiLoop() {
	defer s.wg.Done()
	var batch []apiMsg
	for {
		select {
		case <-s.quit:
			return
		case <-s.api.signal:
		}
		s.api.mu.Lock()
		batch, s.api.msgs = s.api.msgs, batch[:0]
		s.api.mu.Unlock()
		for i := range batch {
			// The answer waits, with the ones after it, in order, while
			// metadata it reports on is not durable.
			s.out.hold()
			batch[i].acc.serve(&batch[i])
			batch[i] = apiMsg{}
			if !s.meta.Pending() {
				s.out.release()
			}
		}
		if err := s.meta.Flush(); err != nil {
			s.log.Error("writing stream and consumer metadata", "err", err)
		}
		s.out.release()
	}
}

// serve answers one API request.
func (a *jsAccount) serve(m *apiMsg) {
	a.mu.Lock()
	a.apiTotal++
	a.mu.Unlock()
	if m.api.Endpoint.SystemOnly() {
		return // answered only in the system account, by the meta layer
	}
	if lvl, ok := jsapi.HeaderValue(m.hdr, jsapi.HdrRequiredAPILevel); ok {
		n, err := strconv.Atoi(lvl)
		if err != nil || n > APILevel {
			a.respondError(m, jsapi.NewRequiredApiLevelError())
			return
		}
	}
	h, ok := apiHandlers[m.api.Endpoint]
	if !ok {
		a.respondError(m, jsapi.NewNotEnabledForAccountError())
		return
	}
	a.lastResp = nil
	h(a, m)
	if a.lastResp != nil {
		a.auditAPI(m, a.lastResp)
	}
}

// apiHandlers maps endpoints to handlers; endpoints not listed answer with
// an error saying the feature is not available.
var apiHandlers map[jsapi.Endpoint]func(*jsAccount, *apiMsg)

func init() {
	apiHandlers = map[jsapi.Endpoint]func(*jsAccount, *apiMsg){
		jsapi.APIAccountInfo:     (*jsAccount).accountInfo,
		jsapi.APIStreamCreate:    (*jsAccount).streamCreate,
		jsapi.APIStreamUpdate:    (*jsAccount).streamUpdate,
		jsapi.APIStreamInfo:      (*jsAccount).streamInfo,
		jsapi.APIStreamNames:     (*jsAccount).streamNames,
		jsapi.APIStreamList:      (*jsAccount).streamList,
		jsapi.APIStreamDelete:    (*jsAccount).streamDelete,
		jsapi.APIStreamPurge:     (*jsAccount).streamPurge,
		jsapi.APIStreamMsgGet:    (*jsAccount).streamMsgGet,
		jsapi.APIStreamMsgDelete: (*jsAccount).streamMsgDelete,
		jsapi.APIStreamSnapshot:  (*jsAccount).streamSnapshot,
		jsapi.APIStreamRestore:   (*jsAccount).streamRestore,

		jsapi.APIConsumerCreate:          (*jsAccount).consumerCreate,
		jsapi.APIConsumerCreateEphemeral: (*jsAccount).consumerCreate,
		jsapi.APIConsumerDurableCreate:   (*jsAccount).consumerCreate,
		jsapi.APIConsumerInfo:            (*jsAccount).consumerInfo,
		jsapi.APIConsumerDelete:          (*jsAccount).consumerDelete,
		jsapi.APIConsumerNames:           (*jsAccount).consumerNames,
		jsapi.APIConsumerList:            (*jsAccount).consumerList,
		jsapi.APIConsumerPause:           (*jsAccount).consumerPause,
		jsapi.APIConsumerUnpin:           (*jsAccount).consumerUnpin,
	}
}

// respondError sends the error response of the endpoint's type.
func (a *jsAccount) respondError(m *apiMsg, e *jsapi.ApiError) {
	a.mu.Lock()
	a.respondErrorLocked(m, e)
	a.mu.Unlock()
}

// respondErrorLocked is respondError for callers holding a.mu.
func (a *jsAccount) respondErrorLocked(m *apiMsg, e *jsapi.ApiError) {
	a.apiErrors++
	a.respond(m.reply, errorResponse(m.api.Endpoint, e))
}

// errorResponse is an error answer of the endpoint's response type. Like
// the reference, endpoints whose responses carry paging or result fields
// keep them, zero, next to the error.
func errorResponse(ep jsapi.Endpoint, e *jsapi.ApiError) any {
	switch ep {
	case jsapi.APIStreamInfo:
		return jsapi.SetError(&jsapi.StreamInfoResponse{}, e)
	case jsapi.APIStreamNames:
		return jsapi.SetError(&jsapi.StreamNamesResponse{}, e)
	case jsapi.APIStreamList:
		return jsapi.SetError(&jsapi.StreamListResponse{}, e)
	case jsapi.APIConsumerNames:
		return jsapi.SetError(&jsapi.ConsumerNamesResponse{Consumers: []string{}}, e)
	case jsapi.APIConsumerList:
		return jsapi.SetError(&jsapi.ConsumerListResponse{Consumers: []*jsapi.ConsumerInfo{}}, e)
	case jsapi.APIStreamPurge:
		return jsapi.SetError(&jsapi.StreamPurgeResponse{}, e)
	case jsapi.APIConsumerPause:
		return jsapi.SetError(&jsapi.ConsumerPauseResponse{}, e)
	}
	return &struct {
		Type  string          `json:"type"`
		Error *jsapi.ApiError `json:"error"`
	}{Type: ep.ResponseType(), Error: e}
}

// streamRequest decodes a request on a stream and finds the stream; on
// failure it answers with the error and returns false.
func (a *jsAccount) streamRequest(m *apiMsg, req any) (*streamEntry, bool) {
	if e := decode(m, req); e != nil {
		a.respondError(m, e)
		return nil, false
	}
	e, ok := a.lookupStream(m.api.Stream)
	if !ok {
		a.respondError(m, jsapi.NewStreamNotFoundError())
	}
	return e, ok
}

// decode unmarshals a request body; an empty body leaves v as it is.
func decode(m *apiMsg, v any) *jsapi.ApiError {
	if len(m.data) == 0 {
		return nil
	}
	if err := json.NewDecoder(bytes.NewReader(m.data)).Decode(v); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			err = fmt.Errorf("%w at offset %d", err, syn.Offset)
		}
		return jsapi.NewInvalidJSONError(err)
	}
	return nil
}

// errNotFound is returned by lookups of missing assets.
var errNotFound = errors.New("not found")
