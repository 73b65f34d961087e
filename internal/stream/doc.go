// Package stream is the JetStream stream engine: a stream's configuration,
// its message store and the rules that turn a publish into a stored message
// (duplicate window, Nats-Expected-* checks, rollups, per-message TTL,
// republish), plus purge, message get/delete and info.
//
// Publishes are queued by Enqueue and applied in order by the stream's own
// goroutine, which also runs max_age/TTL expiry. Applying a publish depends
// only on the message, the stream's state and the clock passed in Options,
// so a replicated log can drive the same code. Observers (consumers) hear
// about every stored message while the stream lock is held, so they see
// sequences in order; they must not call back into the stream from
// NotifyNewMsg.
package stream
