// Package raftsim provides deterministic test doubles for the raft host: an
// in-memory LogStore whose state is exactly what Save made durable (so a
// host dropped without Stop models a crash that loses everything not yet
// saved), a simulated network with drops, delays, reordering and
// partitions, and a manual clock.
package raftsim
