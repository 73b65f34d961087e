package jsapi

import "time"

// ClusterInfo describes the Raft group behind a stream or consumer (or the
// meta group). Replicas lists the peers other than the leader.
type ClusterInfo struct {
	Name        string              `json:"name,omitempty"`
	RaftGroup   string              `json:"raft_group,omitempty"`
	Leader      string              `json:"leader,omitempty"`
	LeaderSince *time.Time          `json:"leader_since,omitempty"`
	SystemAcc   bool                `json:"system_account,omitempty"`
	TrafficAcc  string              `json:"traffic_account,omitempty"`
	Replicas    []*PeerInfo         `json:"replicas,omitempty"`
	Desired     *DesiredClusterInfo `json:"desired,omitempty"`
}

// PeerInfo is the view of one non-leader peer of a group.
type PeerInfo struct {
	Name    string        `json:"name"`              // server name
	Current bool          `json:"current"`           // seen recently and caught up
	Offline bool          `json:"offline,omitempty"` // not seen recently
	Active  time.Duration `json:"active"`            // since last seen
	Lag     uint64        `json:"lag,omitempty"`     // operations behind
	Peer    string        `json:"peer"`              // peer id
	Pending bool          `json:"pending,omitempty"` // assigned but not (yet, or any more) a Raft member
}

// DesiredClusterInfo describes the target of an in-flight reconfiguration
// (move, scale, retention change).
type DesiredClusterInfo struct {
	Created  time.Time                 `json:"created"`
	Name     string                    `json:"name,omitempty"`
	Replicas []*DesiredPeerInfo        `json:"replicas,omitempty"`
	Origin   *DesiredClusterInfoOrigin `json:"origin,omitempty"`
	Status   *DesiredClusterInfoStatus `json:"status,omitempty"`
}

// DesiredClusterInfoOrigin is what the asset looked like before the
// reconfiguration started.
type DesiredClusterInfoOrigin struct {
	Replicas  int              `json:"replicas"`
	Placement *Placement       `json:"placement,omitempty"`
	Retention *RetentionPolicy `json:"retention,omitempty"`
}

// DesiredPeerInfo is one peer of the desired peer set.
type DesiredPeerInfo struct {
	Name    string `json:"name"`
	Offline bool   `json:"offline,omitempty"`
	Peer    string `json:"peer"`
}

// DesiredClusterInfoStatus says what a reconfiguration is waiting for.
type DesiredClusterInfoStatus struct {
	Description string              `json:"description"`
	Type        MigrationStatusType `json:"type"`
	Err         string              `json:"err,omitempty"`
}

// MigrationStatusType classifies DesiredClusterInfoStatus.
type MigrationStatusType string

// Migration status types.
const (
	MigrationStatusMeta        MigrationStatusType = "meta"        // meta leader must record or advance the desired state
	MigrationStatusMembership  MigrationStatusType = "membership"  // a membership change must commit
	MigrationStatusSnapshot    MigrationStatusType = "snapshot"    // a snapshot must be installed
	MigrationStatusCatchup     MigrationStatusType = "catchup"     // peers must catch up
	MigrationStatusQuorum      MigrationStatusType = "quorum"      // more peers must be online
	MigrationStatusBlocked     MigrationStatusType = "blocked"     // another asset must move first
	MigrationStatusUnavailable MigrationStatusType = "unavailable" // nothing to do (shutdown, assignment gone)
)
