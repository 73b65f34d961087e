package jsapi

// ApiResponse is embedded in every JSON API response: the response type and,
// on failure, the error.
type ApiResponse struct {
	Type  string    `json:"type"`
	Error *ApiError `json:"error,omitempty"`
}

// ToError returns r.Error as an error, or nil (never a typed nil).
func (r *ApiResponse) ToError() error {
	if r.Error == nil {
		return nil
	}
	return r.Error
}

func (r *ApiResponse) base() *ApiResponse { return r }

// Response is implemented by every API response type of this package.
type Response interface {
	// ResponseType is the value of the "type" field for this response.
	ResponseType() string
	base() *ApiResponse
}

// SetType fills r's "type" field and returns r.
func SetType[R Response](r R) R {
	r.base().Type = r.ResponseType()
	return r
}

// SetError fills r's "type" and "error" fields and returns r.
func SetError[R Response](r R, err *ApiError) R {
	b := r.base()
	b.Type, b.Error = r.ResponseType(), err
	return r
}

// ApiPaged is embedded in paged responses.
type ApiPaged struct {
	Total  int `json:"total"`
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
}

// ApiPagedRequest is embedded in requests for paged responses.
type ApiPagedRequest struct {
	Offset int `json:"offset"`
}

// Page sizes of the NAMES and LIST endpoints.
const (
	NamesPageLimit = 1024
	ListPageLimit  = 256
)

// Response types ("type" field) of the JSON API.
const (
	SystemResponseType     = "io.nats.jetstream.api.v1.system_response"
	OverloadedResponseType = "io.nats.jetstream.api.v1.system_overloaded"

	AccountInfoResponseType  = "io.nats.jetstream.api.v1.account_info_response"
	AccountPurgeResponseType = "io.nats.jetstream.api.v1.account_purge_response"

	StreamCreateResponseType         = "io.nats.jetstream.api.v1.stream_create_response"
	StreamUpdateResponseType         = "io.nats.jetstream.api.v1.stream_update_response"
	StreamDeleteResponseType         = "io.nats.jetstream.api.v1.stream_delete_response"
	StreamInfoResponseType           = "io.nats.jetstream.api.v1.stream_info_response"
	StreamNamesResponseType          = "io.nats.jetstream.api.v1.stream_names_response"
	StreamListResponseType           = "io.nats.jetstream.api.v1.stream_list_response"
	StreamPurgeResponseType          = "io.nats.jetstream.api.v1.stream_purge_response"
	StreamMsgGetResponseType         = "io.nats.jetstream.api.v1.stream_msg_get_response"
	StreamMsgDeleteResponseType      = "io.nats.jetstream.api.v1.stream_msg_delete_response"
	StreamSnapshotResponseType       = "io.nats.jetstream.api.v1.stream_snapshot_response"
	StreamRestoreResponseType        = "io.nats.jetstream.api.v1.stream_restore_response"
	StreamLeaderStepDownResponseType = "io.nats.jetstream.api.v1.stream_leader_stepdown_response"
	StreamRemovePeerResponseType     = "io.nats.jetstream.api.v1.stream_remove_peer_response"
	StreamEvacuatePeerResponseType   = "io.nats.jetstream.api.v1.stream_evacuate_peer_response"
	StreamCancelMoveResponseType     = "io.nats.jetstream.api.v1.stream_cancel_move_response"

	ConsumerCreateResponseType         = "io.nats.jetstream.api.v1.consumer_create_response"
	ConsumerDeleteResponseType         = "io.nats.jetstream.api.v1.consumer_delete_response"
	ConsumerInfoResponseType           = "io.nats.jetstream.api.v1.consumer_info_response"
	ConsumerNamesResponseType          = "io.nats.jetstream.api.v1.consumer_names_response"
	ConsumerListResponseType           = "io.nats.jetstream.api.v1.consumer_list_response"
	ConsumerPauseResponseType          = "io.nats.jetstream.api.v1.consumer_pause_response"
	ConsumerUnpinResponseType          = "io.nats.jetstream.api.v1.consumer_unpin_response"
	ConsumerResetResponseType          = "io.nats.jetstream.api.v1.consumer_reset_response"
	ConsumerLeaderStepDownResponseType = "io.nats.jetstream.api.v1.consumer_leader_stepdown_response"
	ConsumerRemovePeerResponseType     = "io.nats.jetstream.api.v1.consumer_remove_peer_response"
	ConsumerEvacuatePeerResponseType   = "io.nats.jetstream.api.v1.consumer_evacuate_peer_response"

	MetaLeaderStepDownResponseType = "io.nats.jetstream.api.v1.meta_leader_stepdown_response"
	MetaServerRemoveResponseType   = "io.nats.jetstream.api.v1.meta_server_remove_response"
	MetaServerEvacuateResponseType = "io.nats.jetstream.api.v1.meta_server_evacuate_response"
	MetaRescueResponseType         = "io.nats.jetstream.api.v1.meta_rescue_response"
)

// SystemResponse is the generic response the server uses when it can not
// tell which endpoint was meant (unknown subject, JetStream not enabled).
type SystemResponse struct {
	ApiResponse
}

// ResponseType implements Response.
func (*SystemResponse) ResponseType() string { return SystemResponseType }

// AccountInfoResponse answers $JS.API.INFO.
type AccountInfoResponse struct {
	ApiResponse
	*AccountInfo
}

// ResponseType implements Response.
func (*AccountInfoResponse) ResponseType() string { return AccountInfoResponseType }

// PubAck acknowledges a message stored by a stream.
type PubAck struct {
	Stream    string `json:"stream"`
	Sequence  uint64 `json:"seq"`
	Domain    string `json:"domain,omitempty"`
	Duplicate bool   `json:"duplicate,omitempty"`
	Value     string `json:"val,omitempty"`   // counter value (counter streams)
	BatchID   string `json:"batch,omitempty"` // batch id (batch publish commit)
	BatchSize uint64 `json:"count,omitempty"` // messages in the committed batch
}

// PubAckResponse is the reply to a JetStream publish: a PubAck or an error.
// It has no "type" field.
type PubAckResponse struct {
	Error *ApiError `json:"error,omitempty"`
	*PubAck
}

// ToError returns r.Error as an error, or nil (never a typed nil).
func (r *PubAckResponse) ToError() error {
	if r.Error == nil {
		return nil
	}
	return r.Error
}
