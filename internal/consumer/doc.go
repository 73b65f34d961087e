// Package consumer is the JetStream consumer engine: one consumer of one
// stream on one server. It selects where delivery starts, delivers to a
// push subject or to waiting pull requests, tracks acks, redelivers, paces
// (replay original, rate limit, flow control), sends the status messages
// clients expect (idle heartbeats, 404/408/409 pull statuses), counts
// num_pending exactly and reports its state. The JetStream service owns
// subscriptions and routes messages in through the exported methods.
//
// # Boundary
//
// New takes a defaulted and validated jsapi.ConsumerConfig and Options:
// the Stream (name, message store, retention, Acked), a Sender (Send,
// HasInterest; deliveries need MsgSender too, so that the client sees the
// stream subject while the message is routed to the deliver subject or
// inbox), the consumer's own store.ConsumerStore, a clock, a logger and an
// advisory callback. The service then calls:
//
//   - Start, Stop (server shutdown: keeps state, 409 Server Shutdown to
//     waiting pulls), Delete (409 Consumer Deleted, deletes state);
//   - NotifyNewMsg for every stored message (in sequence order),
//     NotifyPurged after a purge or compaction, optionally NotifyRemoved
//     for single removals (frees pending deliveries at once);
//   - ProcessPull for $JS.API.CONSUMER.MSG.NEXT, ProcessAck for
//     $JS.ACK.<stream>.<consumer>.>, ProcessFlowControl for $JS.FC
//     replies: these only copy and queue (safe in inline handlers); the
//     consumer's goroutine applies them in arrival order;
//   - optionally InterestChanged when the deliver subject's interest moves;
//   - Info, Config, UpdateConfig, Pause, Unpin, NeedsAck (interest
//     retention), IsInactive (polled; the service deletes inactive
//     consumers), EncodedState (snapshots).
//
// Lifecycle advisories (CREATED, DELETED) and the cluster block of Info are
// the service's; the consumer publishes MAX_DELIVERIES, MSG_NAKED,
// MSG_TERMINATED, PAUSE, PINNED, UNPINNED and the sampled ack metric.
//
// # State and determinism
//
// Every change of the durable state goes through the ConsumerStore first,
// as one of its deterministic operations (SetStarting, UpdateDelivered,
// UpdateAcks, Update), with times taken from the injected clock, so that a
// replicated log can later carry the same operations. The consumer keeps
// an in-memory mirror (pending map, redelivery counts, ack floors) that
// follows the store's rules; New resumes from the store when it holds
// state. Run-time state (waiting pull requests, flow-control window, pins,
// num_pending count) is not persisted.
//
// # Goroutine and timers
//
// Start runs one goroutine per consumer. It sleeps until the next due
// event or a wake-up on a one-slot signal channel, then runs step: queued
// acks, pulls and flow-control replies, pause end, pin timeout, ack
// deadlines (one min-heap, no per-message timers), push interest,
// deliveries (at most 64 per step, so the lock is never held long), pull
// housekeeping
// (408 on expiry, 404 for exhausted no_wait, heartbeats, requests whose
// inbox lost interest) and push heartbeats. The step computes the next due
// time from all of these; nothing polls on a fixed tick except a push
// consumer without interest, which backs off from 10ms to 1s. Tests drive
// step directly with an injected clock.
//
// # Locks
//
// One mutex, Consumer.mu, guards all mutable state; functions named
// ...Locked need it held. The inbox of queued acks and pulls has its own
// lock, inMu, which the Process* methods take alone. Lock order: the
// stream's locks, then Consumer.mu, then inMu and the message store's and
// ConsumerStore's locks. The
// consumer never calls Sender.Send, Stream.Acked, Stream.Retention or the
// advisory callback with mu held: it queues them as effects and the
// goroutine that releases mu executes them, one flusher at a time, in the
// order they were queued (see outbox.go). Sender.HasInterest and the
// message store are called with mu held and must not call back into the
// consumer. Stream.Name and Stream.Store are read once, in New.
package consumer
