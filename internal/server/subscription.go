package server

import "sync/atomic"

// internalHandler receives a message for a server-internal subscription.
// The slices are copies owned by the handler.
type internalHandler func(subject, reply string, hdr, msg []byte)

// subscription is one interest entry in an account's sublist. It belongs
// either to a client connection or, with icb set, to the server itself.
type subscription struct {
	client  *client // nil for internal subscriptions
	subject []byte
	queue   []byte
	sid     []byte
	icb     internalHandler
	// inline runs icb on the publisher's goroutine without copying.
	inline bool
	// dcb, with acc, is a service handler that may answer through the
	// publisher's batch (see Account.SubscribeDelivery).
	dcb DeliveryHandler
	acc *Account

	// max is the auto-unsubscribe limit (0: none); written under the
	// owning client's mu, read atomically on the delivery path.
	max       atomic.Int64
	delivered atomic.Int64
	closed    atomic.Bool
	// weight is, for another server's queue interest, its member count.
	weight atomic.Int32
}

func (s *subscription) subjectString() string { return string(s.subject) }
func (s *subscription) queueString() string   { return string(s.queue) }
