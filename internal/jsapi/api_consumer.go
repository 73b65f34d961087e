package jsapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"time"
)

// ConsumerCreateResponse answers the CONSUMER.CREATE forms.
type ConsumerCreateResponse struct {
	ApiResponse
	*ConsumerInfo
}

// ConsumerDeleteResponse answers CONSUMER.DELETE.
type ConsumerDeleteResponse struct {
	ApiResponse
	Success bool `json:"success,omitempty"`
}

// ConsumerInfoResponse answers CONSUMER.INFO.
type ConsumerInfoResponse struct {
	ApiResponse
	*ConsumerInfo
}

// ConsumersRequest is the optional body of CONSUMER.NAMES and CONSUMER.LIST.
type ConsumersRequest struct {
	ApiPagedRequest
}

// ConsumerNamesResponse answers CONSUMER.NAMES.
type ConsumerNamesResponse struct {
	ApiResponse
	ApiPaged
	Consumers []string `json:"consumers"`
}

// ConsumerListResponse answers CONSUMER.LIST. Missing names consumers that
// did not answer in time; Offline maps offline consumers to the reason.
type ConsumerListResponse struct {
	ApiResponse
	ApiPaged
	Consumers []*ConsumerInfo   `json:"consumers"`
	Missing   []string          `json:"missing,omitempty"`
	Offline   map[string]string `json:"offline,omitempty"`
}

// ConsumerPauseRequest is the body of CONSUMER.PAUSE; a zero (or missing)
// PauseUntil resumes the consumer.
type ConsumerPauseRequest struct {
	PauseUntil time.Time `json:"pause_until,omitzero"`
}

// ConsumerPauseResponse answers CONSUMER.PAUSE.
type ConsumerPauseResponse struct {
	ApiResponse
	Paused         bool          `json:"paused"`
	PauseUntil     time.Time     `json:"pause_until"`
	PauseRemaining time.Duration `json:"pause_remaining,omitempty"`
}

// ConsumerUnpinRequest is the body of CONSUMER.UNPIN.
type ConsumerUnpinRequest struct {
	Group string `json:"group"`
}

// ConsumerUnpinResponse answers CONSUMER.UNPIN.
type ConsumerUnpinResponse struct {
	ApiResponse
}

// ConsumerResetRequest is the body of CONSUMER.RESET: the stream sequence
// to restart delivery from (0: the consumer's configured start).
type ConsumerResetRequest struct {
	Seq uint64 `json:"seq,omitempty"`
}

// ConsumerResetResponse answers CONSUMER.RESET.
type ConsumerResetResponse struct {
	ApiResponse
	*ConsumerInfo
	ResetSeq uint64 `json:"reset_seq"`
}

// ConsumerLeaderStepDownResponse answers CONSUMER.LEADER.STEPDOWN.
type ConsumerLeaderStepDownResponse struct {
	ApiResponse
	Success bool `json:"success,omitempty"`
}

// ConsumerRemovePeerResponse answers CONSUMER.PEER.REMOVE (the request is
// a StreamRemovePeerRequest).
type ConsumerRemovePeerResponse struct {
	ApiResponse
	Success bool `json:"success,omitempty"`
}

// ConsumerEvacuatePeerResponse answers CONSUMER.PEER.EVACUATE (the request
// is a StreamEvacuatePeerRequest).
type ConsumerEvacuatePeerResponse struct {
	ApiResponse
	Success bool `json:"success,omitempty"`
}

// PullRequest is the JSON form of a CONSUMER.MSG.NEXT body.
type PullRequest struct {
	Expires   time.Duration `json:"expires,omitempty"`
	Batch     int           `json:"batch,omitempty"`
	MaxBytes  int           `json:"max_bytes,omitempty"`
	NoWait    bool          `json:"no_wait,omitempty"`
	Heartbeat time.Duration `json:"idle_heartbeat,omitempty"`
	PriorityGroup
}

// PriorityGroup carries the priority-group fields of a pull request.
type PriorityGroup struct {
	Group         string `json:"group,omitempty"`
	MinPending    int64  `json:"min_pending,omitempty"`
	MinAckPending int64  `json:"min_ack_pending,omitempty"`
	ID            string `json:"id,omitempty"` // pin id (pinned_client policy)
	Priority      int    `json:"priority,omitempty"`
}

// ErrPullHeartbeatTooLarge is returned by ParsePullRequest when
// idle_heartbeat is more than half of expires.
var ErrPullHeartbeatTooLarge = errors.New("heartbeat value too large")

// ParsePullRequest decodes a CONSUMER.MSG.NEXT body. An empty body asks for
// one message, a bare integer is a batch size, a JSON object a PullRequest;
// anything else also asks for one message. Surrounding whitespace is
// ignored. An idle_heartbeat larger than half of expires (including any
// heartbeat without expires) is an error, as is malformed JSON. The batch
// is returned as sent (it can be zero or negative) for the caller to judge.
func ParsePullRequest(body []byte) (PullRequest, error) {
	b := bytes.TrimSpace(body)
	switch {
	case len(b) == 0:
		return PullRequest{Batch: 1}, nil
	case b[0] == '{':
		var r PullRequest
		if err := json.Unmarshal(b, &r); err != nil {
			return PullRequest{}, err
		}
		if r.Heartbeat > 0 && r.Heartbeat*2 > r.Expires {
			return PullRequest{}, ErrPullHeartbeatTooLarge
		}
		return r, nil
	}
	if n, err := strconv.Atoi(string(b)); err == nil {
		return PullRequest{Batch: n}, nil
	}
	return PullRequest{Batch: 1}, nil
}

// ResponseType implements Response.
func (*ConsumerCreateResponse) ResponseType() string { return ConsumerCreateResponseType }

// ResponseType implements Response.
func (*ConsumerDeleteResponse) ResponseType() string { return ConsumerDeleteResponseType }

// ResponseType implements Response.
func (*ConsumerInfoResponse) ResponseType() string { return ConsumerInfoResponseType }

// ResponseType implements Response.
func (*ConsumerNamesResponse) ResponseType() string { return ConsumerNamesResponseType }

// ResponseType implements Response.
func (*ConsumerListResponse) ResponseType() string { return ConsumerListResponseType }

// ResponseType implements Response.
func (*ConsumerPauseResponse) ResponseType() string { return ConsumerPauseResponseType }

// ResponseType implements Response.
func (*ConsumerUnpinResponse) ResponseType() string { return ConsumerUnpinResponseType }

// ResponseType implements Response.
func (*ConsumerResetResponse) ResponseType() string { return ConsumerResetResponseType }

// ResponseType implements Response.
func (*ConsumerLeaderStepDownResponse) ResponseType() string {
	return ConsumerLeaderStepDownResponseType
}

// ResponseType implements Response.
func (*ConsumerRemovePeerResponse) ResponseType() string { return ConsumerRemovePeerResponseType }

// ResponseType implements Response.
func (*ConsumerEvacuatePeerResponse) ResponseType() string {
	return ConsumerEvacuatePeerResponseType
}
