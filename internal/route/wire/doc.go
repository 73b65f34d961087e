// Package wire is natsnet's route protocol: the text protocol servers of
// one cluster speak to each other over their route connections. It holds an
// incremental, allocation-free parser and append-style writers, and knows
// nothing of connections or servers, so both the server's data path (which
// writes RMSG and RS+ lines into route buffers) and the route layer (which
// runs the connections) can use it.
//
// The protocol is natsnet's own; natsnet servers only cluster with each
// other. It borrows the framing of the client protocol (a control line
// ended by CRLF, then for message operations a payload of a declared size
// followed by CRLF), and these operations:
//
//	INFO <json>                 server description and gossip (both ways)
//	CONNECT <json>              the dialing server introduces itself
//	PING / PONG                 liveness and round-trip time
//	-ERR <text>                 refusal, followed by a close
//	RS+ <acc> <subject> [<queue> <weight>]
//	                            interest in subject in account acc; a queue
//	                            subscription carries the number of members
//	                            the sending server has (sent again when it
//	                            changes)
//	RS- <acc> <subject> [<queue>]
//	                            interest withdrawn
//	RMSG <acc> <subject> <flags> [reply] [as] [queue...] [<hdrlen>] <size>
//	                            a message published in acc on subject
//	SMSG <channel> <size>       a message for an in-process subsystem of the
//	                            receiving server (the Raft transport), never
//	                            delivered to clients
//
// RMSG flags are a set of letters, or "-" for none: 'r' a reply subject
// follows, 's' the subject to present to subscribers follows (when a
// message is delivered to one subject but shown under another, as
// JetStream push consumers do), 'q' the rest of the arguments before the
// sizes are the queue groups the receiver was chosen for, 'h' the message
// has a header block whose size comes before the total size. A receiver
// delivers an RMSG to all of its local plain subscribers of subject and to
// one local member of each listed queue group, and never forwards it to
// another route: a message crosses at most one route.
//
// Verbs are upper case. Arguments are separated by single spaces or tabs;
// control lines end with CRLF (a bare LF is accepted).
package wire
