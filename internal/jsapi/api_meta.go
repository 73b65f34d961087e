package jsapi

// The system-account endpoints (META.*, SERVER.*, ACCOUNT.*) are answered by
// the meta leader; other accounts get no reply at all.

// LeaderStepDownRequest is the optional body of META.LEADER.STEPDOWN and
// STREAM.LEADER.STEPDOWN: where the new leader should be.
type LeaderStepDownRequest struct {
	Placement *Placement `json:"placement,omitempty"`
}

// MetaLeaderStepDownResponse answers META.LEADER.STEPDOWN.
type MetaLeaderStepDownResponse struct {
	ApiResponse
	Success bool `json:"success,omitempty"`
}

// MetaServerRemoveRequest is the body of SERVER.REMOVE. Peer (the peer id),
// when set, takes precedence over Server (the server name, sent as "peer").
type MetaServerRemoveRequest struct {
	Server string `json:"peer"`
	Peer   string `json:"peer_id,omitempty"`
}

// MetaServerRemoveResponse answers SERVER.REMOVE.
type MetaServerRemoveResponse struct {
	ApiResponse
	Success bool `json:"success,omitempty"`
}

// MetaServerEvacuateRequest is the body of SERVER.EVACUATE.
type MetaServerEvacuateRequest struct {
	Server string `json:"peer,omitempty"`
	Peer   string `json:"peer_id,omitempty"`
}

// MetaServerEvacuateResponse answers SERVER.EVACUATE.
type MetaServerEvacuateResponse struct {
	ApiResponse
	Success bool `json:"success,omitempty"`
}

// MetaRescueRequest is the body of META.RESCUE: the lowered quorum the
// receiving servers should accept for the meta group (disaster recovery).
type MetaRescueRequest struct {
	QuorumNeeded int `json:"quorum_needed"`
}

// MetaRescueResponse answers META.RESCUE; every online server answers.
type MetaRescueResponse struct {
	ApiResponse
	Server     string `json:"server"`
	ServerID   string `json:"server_id"`
	PrevQuorum int    `json:"prev_quorum,omitempty"`
	NewQuorum  int    `json:"new_quorum,omitempty"`
}

// MetaServerStreamMoveRequest is the body of ACCOUNT.STREAM.MOVE; the
// answer is a StreamUpdateResponse.
type MetaServerStreamMoveRequest struct {
	Server  string   `json:"server,omitempty"`
	Cluster string   `json:"cluster,omitempty"`
	Domain  string   `json:"domain,omitempty"`
	Tags    []string `json:"tags,omitempty"`
}

// AccountPurgeResponse answers ACCOUNT.PURGE.
type AccountPurgeResponse struct {
	ApiResponse
	Initiated bool `json:"initiated,omitempty"`
}

// ResponseType implements Response.
func (*MetaLeaderStepDownResponse) ResponseType() string { return MetaLeaderStepDownResponseType }

// ResponseType implements Response.
func (*MetaServerRemoveResponse) ResponseType() string { return MetaServerRemoveResponseType }

// ResponseType implements Response.
func (*MetaServerEvacuateResponse) ResponseType() string { return MetaServerEvacuateResponseType }

// ResponseType implements Response.
func (*MetaRescueResponse) ResponseType() string { return MetaRescueResponseType }

// ResponseType implements Response.
func (*AccountPurgeResponse) ResponseType() string { return AccountPurgeResponseType }
