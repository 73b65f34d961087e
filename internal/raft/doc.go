// Package raft hosts many Raft groups per server on etcd raft (RawNode),
// with a small fixed set of goroutines, one durable log for all groups
// (LogStore) and one transport for all groups (Transport).
//
// # API
//
// NewHost(Config) binds a Host to its Transport; CreateGroup (a new group
// with its members, or a group found in the store) and JoinGroup (a server
// being added with AddPeer) open groups with their StateMachine; Start
// runs the goroutines. A *Group offers Propose (returns once the entry is
// committed and applied here, with the state machine's result),
// ReadIndex (linearizable reads, on any replica), AddPeer and RemovePeer,
// TransferLeadership and StepDown, Status (for monitoring: leader, term,
// commit, applied, and per peer match, next, lag and activity), Leader,
// Current and Healthy. Host.Stats has the host's counters.
// Host.RemoveGroup deletes a group's state. Tests drive a host with
// Config.Manual, Tick and Process (see raftsim).
//
// # Goroutines
//
// A Host runs Config.Workers worker goroutines and one ticker; nothing
// runs per group. Inputs (inbound messages, proposals, reads, ticks,
// operations such as a leadership transfer) are appended to the group's
// inbox by whatever goroutine produces them, and the group is queued on
// the scheduler. The scheduler holds each group at most once and hands it
// to one worker at a time, so a RawNode is never used concurrently and
// never needs a lock of its own beyond rnMu, which only Status shares.
//
// # One batch
//
// A worker takes up to Config.BatchGroups queued groups and, for all of
// them together:
//
//  1. steps their inboxes into their RawNodes (ticks, messages,
//     proposals as one MsgProp per group, read index requests);
//  2. collects the Ready of every group that has one;
//  3. persists every Ready's entries, HardState, snapshot (and the
//     group's metadata when it changed) with ONE LogStore.Save: group
//     commit, one sync for the whole batch;
//  4. only then sends the Readys' messages, batched per destination server
//     into frames of at most Config.MaxFrame bytes (a frame carries the
//     messages of many groups; heartbeats have compact records);
//     AsyncStorageWrites is off, so no message leaves before the state it
//     depends on is durable;
//  5. applies the committed entries to each group's StateMachine in log
//     order, completes the proposals and reads waiting on them;
//  6. calls Advance, takes a snapshot when SnapshotEntries were applied
//     since the last one (StateMachine.Snapshot, GroupLog.CreateSnapshot,
//     then Compact keeping SnapshotTail entries), and requeues the group if
//     it has more work.
//
// A failed Save stops the host (Err reports why): nothing of that batch
// was sent or applied.
//
// # Replica ids
//
// etcd raft names replicas by uint64 ids; the host maps them to server ids
// per group. A group created with CreateGroup(servers) gives replica ids
// 1..n in the order of servers (all members must pass the same list).
// AddPeer picks the next unused id (the largest ever used + 1), and ids are
// never reused: a server removed and added again gets a new one. The map
// is persisted in the group's Meta, in every snapshot, and in the context
// of every conf change entry, so a restart or a snapshot install rebuilds
// it. A server added with AddPeer calls JoinGroup; its replica learns its
// id from the first message the leader sends it.
//
// # Membership changes
//
// AddPeer and RemovePeer propose a ConfChangeV2 with a single change (so
// etcd applies it without a joint configuration). One change may be
// pending at a time (ErrConfChangePending).
//
// # Timing and failover
//
// The default tick is 50 ms, ElectionTicks 10 and HeartbeatTicks 2, with
// PreVote and CheckQuorum on; etcd randomizes each election timeout in
// [10, 20) ticks, 0.5 to 1 s. When the transport reports the route to a
// group's leader down (PeerDown), its followers forget the leader at once,
// and the first reachable voter by server id campaigns immediately, so a
// group fails over within a few round trips of the route drop instead of
// an election timeout. The other followers do not campaign, which would
// split the vote. Another follower may handle its own PeerDown only after
// the campaigner's pre-vote reaches it, and ignore the pre-vote while still
// in the old leader's lease; so the campaigner tries again two ticks later
// if no leader has emerged, rather than waiting for its election timeout.
// A new group's first member (replica id 1) campaigns as soon as it is
// created, so that a new group does not wait for an election timeout
// either.
//
// A group holds at most one unprocessed tick: when the workers fall
// behind (thousands of groups electing at once, a slow disk), raft time
// slows down for all groups alike, rather than followers counting
// election timeouts that the leaders' delayed heartbeats could not
// prevent, which would feed an election storm.
//
// # Quiescence
//
// An idle group costs nothing: when a leader sees, at a tick, no proposal,
// read or membership change in flight, everything committed and applied,
// and every follower in replicate state with its log matched up to the
// last index and its server reachable, it stops ticking and sends each
// follower a quiesce record (a heartbeat carrying the commit index). A
// follower that is caught up to that commit index stops ticking too. The
// ticker then skips the group: 10,000 quiesced groups cost one atomic
// load each per tick. Any message except a heartbeat response wakes a
// group, as do proposals, reads, operations, and peer events for a server
// holding one of its replicas (PeerUp, so leaders catch up a returning
// server; PeerDown, so leaders notice lost quorum and followers fail
// over). A follower that missed the quiesce record keeps ticking and
// eventually pre-votes, which wakes the leader.
//
// Quiesced followers hear no heartbeats, so they rely on the host to tell
// them their leader is gone. Besides the transport's PeerDown (route
// drops), each host sends every server it knows one small beat frame per
// tick, whatever the number of groups (coalesced liveness), and treats a
// server silent for three election timeouts as down until it hears from
// it again: a hung host whose route stays up is noticed in about 1.5 s.
//
// # Snapshots on the wire
//
// A MsgSnap is not sent in a frame: its snapshot goes in chunks of
// SnapshotChunk bytes, at most SnapshotWindow unacknowledged, each chunk
// in its own frame. The receiver acknowledges each chunk, assembles the
// snapshot and steps the MsgSnap when complete; the sender reports
// SnapshotFinish to raft when the last chunk is acknowledged, and
// SnapshotFailure on a stall, an out-of-order chunk or a route drop.
//
// # Lock order
//
// Host.mu, then Group.rnMu, then Group.in, then scheduler.mu. snapXfer.mu
// is taken alone. Transport callbacks (Deliver, PeerUp, PeerDown) run
// without any host lock held.
package raft
