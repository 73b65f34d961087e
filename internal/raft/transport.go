package raft

// Transport carries frames between the hosts of a cluster. Implementations:
// raftroute (over the cluster's route connections) and raftsim (an
// in-memory network for tests).
type Transport interface {
	// Send queues frame for the host of server to. It must not block; it
	// fails when there is no connection to that server or its backlog is
	// full. Frames to one server should arrive in the order sent (the
	// host tolerates loss and reordering, at the cost of retries). The
	// transport owns frame after the call.
	Send(to string, frame []byte) error
	// Bind installs the receiver of inbound frames and peer events. The
	// host calls it once, from NewHost.
	Bind(r Receiver)
}

// Receiver is what a Transport delivers to: the Host implements it.
type Receiver interface {
	// Deliver hands over a frame from server from. frame is only valid
	// during the call. It does not block.
	Deliver(from string, frame []byte)
	// PeerUp and PeerDown report the connection to a server coming up or
	// going down. They do not block.
	PeerUp(server string)
	PeerDown(server string)
}

// outbox batches the records of one worker's batch per destination
// server, cutting frames at Config.MaxFrame.
type outbox struct {
	max    int
	frames map[string][][]byte
}

func newOutbox(max int) *outbox {
	return &outbox{max: max, frames: make(map[string][][]byte)}
}

// buf returns the frame to append to for server, starting a new one when
// the current one is over the limit.
func (o *outbox) buf(server string) []byte {
	fs := o.frames[server]
	if len(fs) == 0 || len(fs[len(fs)-1]) >= o.max {
		fs = append(fs, append(make([]byte, 0, 512), frameVersion))
		o.frames[server] = fs
	}
	return fs[len(fs)-1]
}

func (o *outbox) set(server string, b []byte) {
	fs := o.frames[server]
	fs[len(fs)-1] = b
}

func (o *outbox) reset() { clear(o.frames) }
