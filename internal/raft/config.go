package raft

import (
	"log/slog"
	"time"
)

// Clock tells the time for status (last contact, Current). Tests use a
// manual clock; nil means the wall clock.
type Clock interface {
	Now() time.Time
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

// Config configures a Host.
type Config struct {
	// ServerID is this server's id, as the Transport names it.
	ServerID string
	// Store persists every group's log.
	Store LogStore
	// Transport carries frames between hosts.
	Transport Transport
	// Logger receives the host's and etcd raft's logs (etcd's info lines
	// at debug level). nil means slog.Default().
	Logger *slog.Logger
	// Clock, nil for the wall clock.
	Clock Clock

	// Manual starts no goroutines: the caller drives the host with Tick
	// and Process. For deterministic tests.
	Manual bool
	// TickInterval is the Raft tick (default 50ms).
	TickInterval time.Duration
	// ElectionTicks is etcd's ElectionTick (default 10): followers
	// campaign after a random timeout in [ElectionTicks, 2*ElectionTicks)
	// without hearing from the leader.
	ElectionTicks int
	// HeartbeatTicks is etcd's HeartbeatTick (default 2).
	HeartbeatTicks int
	// Workers is the number of goroutines processing groups (default 2).
	Workers int
	// BatchGroups bounds the groups one worker persists in one Save
	// (default 512).
	BatchGroups int

	// SnapshotEntries: a group snapshots its state machine once this many
	// entries were applied since the last snapshot (default 8192).
	SnapshotEntries uint64
	// SnapshotTail is how many entries below a snapshot are kept for
	// followers that are a little behind (default 1024).
	SnapshotTail uint64

	// MaxSizePerMsg bounds the entries of one append message (default
	// 256 KiB).
	MaxSizePerMsg uint64
	// MaxInflightMsgs bounds the append messages in flight to a follower
	// (default 256).
	MaxInflightMsgs int
	// MaxFrame is the size above which a frame to one server is cut
	// (default 1 MiB).
	MaxFrame int
	// SnapshotChunk is the size of snapshot chunks (default 256 KiB); at
	// most SnapshotWindow chunks are unacknowledged (default 4).
	SnapshotChunk  int
	SnapshotWindow int
	// SnapshotTimeout fails a snapshot transfer that made no progress for
	// this long (default 10s).
	SnapshotTimeout time.Duration

	// DisableQuiesce keeps every group ticking and heartbeating.
	DisableQuiesce bool
}

func (c *Config) setDefaults() {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Clock == nil {
		c.Clock = wallClock{}
	}
	if c.TickInterval <= 0 {
		c.TickInterval = 50 * time.Millisecond
	}
	if c.ElectionTicks <= 0 {
		c.ElectionTicks = 10
	}
	if c.HeartbeatTicks <= 0 {
		c.HeartbeatTicks = 2
	}
	if c.Workers <= 0 {
		c.Workers = 2
	}
	if c.BatchGroups <= 0 {
		c.BatchGroups = 512
	}
	if c.SnapshotEntries == 0 {
		c.SnapshotEntries = 8192
	}
	if c.SnapshotTail == 0 {
		c.SnapshotTail = 1024
	}
	if c.MaxSizePerMsg == 0 {
		c.MaxSizePerMsg = 256 << 10
	}
	if c.MaxInflightMsgs <= 0 {
		c.MaxInflightMsgs = 256
	}
	if c.MaxFrame <= 0 {
		c.MaxFrame = 1 << 20
	}
	if c.SnapshotChunk <= 0 {
		c.SnapshotChunk = 256 << 10
	}
	if c.SnapshotWindow <= 0 {
		c.SnapshotWindow = 4
	}
	if c.SnapshotTimeout <= 0 {
		c.SnapshotTimeout = 10 * time.Second
	}
}

// electionTimeout is the minimum election timeout in wall time.
func (c *Config) electionTimeout() time.Duration {
	return time.Duration(c.ElectionTicks) * c.TickInterval
}
