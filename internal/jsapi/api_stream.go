package jsapi

import "time"

// StreamCreateResponse answers STREAM.CREATE. DidCreate is false when an
// identical stream already existed.
type StreamCreateResponse struct {
	ApiResponse
	*StreamInfo
	DidCreate bool `json:"did_create,omitempty"`
}

// StreamUpdateResponse answers STREAM.UPDATE (and ACCOUNT.STREAM.MOVE).
type StreamUpdateResponse struct {
	ApiResponse
	*StreamInfo
}

// StreamDeleteResponse answers STREAM.DELETE.
type StreamDeleteResponse struct {
	ApiResponse
	Success bool `json:"success,omitempty"`
}

// StreamInfoRequest is the optional body of STREAM.INFO. Offset pages
// through the subjects of SubjectsFilter.
type StreamInfoRequest struct {
	ApiPagedRequest
	DeletedDetails bool   `json:"deleted_details,omitempty"`
	SubjectsFilter string `json:"subjects_filter,omitempty"`
}

// StreamInfoResponse answers STREAM.INFO. The paging fields describe the
// subjects map when SubjectsFilter was used.
type StreamInfoResponse struct {
	ApiResponse
	ApiPaged
	*StreamInfo
}

// StreamNamesRequest is the optional body of STREAM.NAMES: a page offset
// and a subject the streams must listen on (wildcards allowed).
type StreamNamesRequest struct {
	ApiPagedRequest
	Subject string `json:"subject,omitempty"`
}

// StreamNamesResponse answers STREAM.NAMES.
type StreamNamesResponse struct {
	ApiResponse
	ApiPaged
	Streams []string `json:"streams"`
}

// StreamListRequest is the optional body of STREAM.LIST.
type StreamListRequest struct {
	ApiPagedRequest
	Subject string `json:"subject,omitempty"`
}

// StreamListResponse answers STREAM.LIST. Missing names streams that did
// not answer in time; Offline maps offline streams to the reason.
type StreamListResponse struct {
	ApiResponse
	ApiPaged
	Streams []*StreamInfo     `json:"streams"`
	Missing []string          `json:"missing,omitempty"`
	Offline map[string]string `json:"offline,omitempty"`
}

// StreamPurgeRequest is the optional body of STREAM.PURGE. Sequence purges
// everything below it, Keep keeps that many of the newest messages; the two
// are mutually exclusive and both combine with Subject (the "filter").
type StreamPurgeRequest struct {
	Sequence uint64 `json:"seq,omitempty"`
	Subject  string `json:"filter,omitempty"`
	Keep     uint64 `json:"keep,omitempty"`
}

// StreamPurgeResponse answers STREAM.PURGE.
type StreamPurgeResponse struct {
	ApiResponse
	Success bool   `json:"success,omitempty"`
	Purged  uint64 `json:"purged"`
}

// MsgDeleteRequest is the body of STREAM.MSG.DELETE. NoErase removes the
// message without overwriting its bytes on disk.
type MsgDeleteRequest struct {
	Seq     uint64 `json:"seq"`
	NoErase bool   `json:"no_erase,omitempty"`
}

// MsgDeleteResponse answers STREAM.MSG.DELETE.
type MsgDeleteResponse struct {
	ApiResponse
	Success bool `json:"success,omitempty"`
}

// MsgGetRequest is the body of STREAM.MSG.GET and DIRECT.GET. STREAM.MSG.GET
// uses only Seq, LastFor, NextFor and StartTime; the batch fields are for
// DIRECT.GET (see CheckMsgGet and CheckDirectGet).
type MsgGetRequest struct {
	Seq     uint64 `json:"seq,omitempty"`
	LastFor string `json:"last_by_subj,omitempty"`
	NextFor string `json:"next_by_subj,omitempty"`

	Batch     int        `json:"batch,omitempty"`
	MaxBytes  int        `json:"max_bytes,omitempty"`
	StartTime *time.Time `json:"start_time,omitempty"`

	MultiLastFor []string   `json:"multi_last,omitempty"`
	UpToSeq      uint64     `json:"up_to_seq,omitempty"`
	UpToTime     *time.Time `json:"up_to_time,omitempty"`
	NoHeaders    bool       `json:"no_hdr,omitempty"`
}

// CheckMsgGet applies the STREAM.MSG.GET rules: no batching, and exactly one
// of seq, last_by_subj, next_by_subj or start_time (next_by_subj may be
// combined with seq or start_time as a filter). The error is 10003.
func (r *MsgGetRequest) CheckMsgGet() *ApiError {
	if r.Batch > 0 || r.MaxBytes > 0 {
		return NewBadRequestError()
	}
	if (r.Seq > 0 && r.LastFor != "") ||
		(r.Seq == 0 && r.LastFor == "" && r.NextFor == "" && r.StartTime == nil) ||
		(r.Seq > 0 && r.StartTime != nil) ||
		(r.StartTime != nil && r.LastFor != "") ||
		(r.LastFor != "" && r.NextFor != "") {
		return NewBadRequestError()
	}
	return nil
}

// Status descriptions a DIRECT.GET reply can carry with status 408.
const (
	DirectGetEmptyRequest     = "Empty Request"
	DirectGetMalformedRequest = "Malformed Request"
	DirectGetBadRequest       = "Bad Request"
)

// CheckDirectGet applies the DIRECT.GET rules to a decoded request. It
// returns "" when the request is acceptable, otherwise the description for
// a "408 <description>" status reply.
func (r *MsgGetRequest) CheckDirectGet() string {
	if r.Seq == 0 && r.LastFor == "" && r.NextFor == "" && len(r.MultiLastFor) == 0 && r.StartTime == nil {
		return DirectGetEmptyRequest
	}
	if (r.Seq > 0 && r.LastFor != "") ||
		(r.Seq > 0 && r.StartTime != nil) ||
		(r.StartTime != nil && r.LastFor != "") ||
		(r.LastFor != "" && r.NextFor != "") ||
		(r.LastFor != "" && r.Batch > 0) ||
		(r.LastFor != "" && len(r.MultiLastFor) > 0) ||
		(r.NextFor != "" && len(r.MultiLastFor) > 0) ||
		(r.UpToSeq > 0 && r.UpToTime != nil) {
		return DirectGetBadRequest
	}
	return ""
}

// MsgGetResponse answers STREAM.MSG.GET.
type MsgGetResponse struct {
	ApiResponse
	Message *StoredMsg `json:"message,omitempty"`
}

// StreamSnapshotRequest is the body of STREAM.SNAPSHOT. Chunks are sent to
// DeliverSubject; each must be acknowledged by an empty reply.
type StreamSnapshotRequest struct {
	DeliverSubject string `json:"deliver_subject"`
	NoConsumers    bool   `json:"no_consumers,omitempty"`
	ChunkSize      int    `json:"chunk_size,omitempty"`  // bytes per chunk (default 128 KiB, clamped to 1 KiB..1 MiB)
	WindowSize     int    `json:"window_size,omitempty"` // bytes in flight (default 8 MiB, clamped to 1 KiB..32 MiB)
	CheckMsgs      bool   `json:"jsck,omitempty"`        // verify message checksums first
}

// StreamSnapshotResponse answers STREAM.SNAPSHOT before the chunks flow.
type StreamSnapshotResponse struct {
	ApiResponse
	Config *StreamConfig `json:"config,omitempty"`
	State  *StreamState  `json:"state,omitempty"`
}

// StreamRestoreRequest is the body of STREAM.RESTORE.
type StreamRestoreRequest struct {
	Config StreamConfig `json:"config"`
	State  StreamState  `json:"state"`
}

// StreamRestoreResponse answers STREAM.RESTORE with the subject the chunks
// are to be sent to.
type StreamRestoreResponse struct {
	ApiResponse
	DeliverSubject string `json:"deliver_subject"`
}

// StreamRemovePeerRequest is the body of STREAM.PEER.REMOVE (and of
// CONSUMER.PEER.REMOVE): a server name or peer id.
type StreamRemovePeerRequest struct {
	Peer string `json:"peer"`
}

// StreamRemovePeerResponse answers STREAM.PEER.REMOVE.
type StreamRemovePeerResponse struct {
	ApiResponse
	Success bool `json:"success,omitempty"`
}

// StreamEvacuatePeerRequest is the body of STREAM.PEER.EVACUATE.
type StreamEvacuatePeerRequest struct {
	Peer string `json:"peer"`
}

// StreamEvacuatePeerResponse answers STREAM.PEER.EVACUATE.
type StreamEvacuatePeerResponse struct {
	ApiResponse
	Success bool `json:"success,omitempty"`
}

// StreamLeaderStepDownResponse answers STREAM.LEADER.STEPDOWN. The request
// body is an optional LeaderStepDownRequest.
type StreamLeaderStepDownResponse struct {
	ApiResponse
	Success bool `json:"success,omitempty"`
}

// StreamCancelMoveResponse answers STREAM.CANCEL_MOVE and
// ACCOUNT.STREAM.CANCEL_MOVE.
type StreamCancelMoveResponse struct {
	ApiResponse
	*StreamInfo
}

// ResponseType implements Response.
func (*StreamCreateResponse) ResponseType() string { return StreamCreateResponseType }

// ResponseType implements Response.
func (*StreamUpdateResponse) ResponseType() string { return StreamUpdateResponseType }

// ResponseType implements Response.
func (*StreamDeleteResponse) ResponseType() string { return StreamDeleteResponseType }

// ResponseType implements Response.
func (*StreamInfoResponse) ResponseType() string { return StreamInfoResponseType }

// ResponseType implements Response.
func (*StreamNamesResponse) ResponseType() string { return StreamNamesResponseType }

// ResponseType implements Response.
func (*StreamListResponse) ResponseType() string { return StreamListResponseType }

// ResponseType implements Response.
func (*StreamPurgeResponse) ResponseType() string { return StreamPurgeResponseType }

// ResponseType implements Response.
func (*MsgDeleteResponse) ResponseType() string { return StreamMsgDeleteResponseType }

// ResponseType implements Response.
func (*MsgGetResponse) ResponseType() string { return StreamMsgGetResponseType }

// ResponseType implements Response.
func (*StreamSnapshotResponse) ResponseType() string { return StreamSnapshotResponseType }

// ResponseType implements Response.
func (*StreamRestoreResponse) ResponseType() string { return StreamRestoreResponseType }

// ResponseType implements Response.
func (*StreamRemovePeerResponse) ResponseType() string { return StreamRemovePeerResponseType }

// ResponseType implements Response.
func (*StreamEvacuatePeerResponse) ResponseType() string { return StreamEvacuatePeerResponseType }

// ResponseType implements Response.
func (*StreamLeaderStepDownResponse) ResponseType() string {
	return StreamLeaderStepDownResponseType
}

// ResponseType implements Response.
func (*StreamCancelMoveResponse) ResponseType() string { return StreamCancelMoveResponseType }
