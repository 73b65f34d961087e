package raft

import (
	"errors"
	"fmt"
)

// Sentinel errors callers branch on. Errors returned by the package wrap
// them, so test with errors.Is.
var (
	// ErrNotLeader: the operation needs the group's leader. The error
	// returned is a *NotLeaderError naming the known leader, if any.
	ErrNotLeader = errors.New("raft: not the leader")
	// ErrDropped: the proposal or read was not committed and never will be
	// (overwritten by a new leader, refused during a leadership transfer,
	// or the leader changed before a read was confirmed). It is safe to
	// retry.
	ErrDropped = errors.New("raft: proposal dropped")
	// ErrStopped: the group was removed or the host stopped. A proposal
	// pending at that moment may or may not have been committed.
	ErrStopped = errors.New("raft: stopped")
	// ErrNoGroup: the host has no such group.
	ErrNoGroup = errors.New("raft: no such group")
	// ErrGroupExists: CreateGroup or JoinGroup for a group already open.
	ErrGroupExists = errors.New("raft: group already exists")
	// ErrConfChangePending: another membership change is in progress.
	ErrConfChangePending = errors.New("raft: a membership change is already in progress")
	// ErrUnknownPeer: the server is not a member of the group.
	ErrUnknownPeer = errors.New("raft: unknown peer")
	// ErrAmbiguous: the proposal may or may not have been applied (a
	// snapshot from the leader replaced the log that held it).
	ErrAmbiguous = errors.New("raft: proposal outcome unknown")
	// ErrNoLeader: the group has no known leader right now.
	ErrNoLeader = errors.New("raft: no known leader")
)

// NotLeaderError is returned when an operation reaches a replica that is not
// the leader. Leader is the server id of the leader this replica knows of,
// "" when it knows none.
type NotLeaderError struct {
	Group  string
	Leader string
}

func (e *NotLeaderError) Error() string {
	if e.Leader == "" {
		return fmt.Sprintf("raft: group %s: not the leader, leader unknown", e.Group)
	}
	return fmt.Sprintf("raft: group %s: not the leader, leader is %s", e.Group, e.Leader)
}

// Is makes errors.Is(err, ErrNotLeader) hold.
func (e *NotLeaderError) Is(target error) bool { return target == ErrNotLeader }
