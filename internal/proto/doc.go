// Package proto implements the server side of the NATS client wire protocol:
// an incremental, allocation-free parser for the operations a client sends
// (CONNECT, PUB, HPUB, SUB, UNSUB, PING, PONG and the server-to-client
// verbs INFO, +OK and -ERR that a misbehaving client may echo back) and
// append-style helpers that encode the operations a server sends (MSG,
// HMSG, INFO, -ERR, PING, PONG, +OK).
//
// # Parsing
//
// A [Parser] is fed the raw byte stream of one connection through
// [Parser.Parse], in whatever pieces the network delivers: any split of the
// stream, down to one byte per call, yields exactly the same sequence of
// operations as parsing the whole stream at once. Every complete operation
// is reported synchronously to a [Handler]. Byte slices handed to the
// handler are only valid for the duration of the call: when an operation
// lies entirely inside the buffer given to Parse they are sub-slices of that
// buffer (no copy); when it straddles two calls the parser copies the
// partial control line or payload into internal buffers that it reuses
// across operations.
//
// Verbs are case-insensitive. Arguments are separated by one or more spaces
// or tabs. A control line ends at LF; one CR immediately before the LF is
// stripped, so both CRLF and bare LF are accepted. A payload, however, must
// be followed by exactly CRLF, as in the reference server.
//
// The accepted syntax follows the reference implementation (nats-server
// v2.15.2); see REFERENCE_FACTS.md in this directory for the observed
// behaviour of that server, including the -ERR text it sends for each
// class of error and whether it closes the connection. [ClientErrText]
// maps the parser's errors to that text.
//
// # Errors
//
// Parse returns errors that wrap one of the sentinels [ErrUnknownOp],
// [ErrMaxControlLine], [ErrMaxPayload], [ErrBadArgs] and [ErrBadPayload];
// test them with errors.Is. An error returned by a Handler method stops
// parsing and is returned unchanged. After any error the parser is stuck:
// further calls to Parse return the same error until [Parser.Reset].
//
// # Limits
//
// Parser.MaxControlLine bounds the length of the arguments of a control line
// (the bytes after the verb and the whitespace that follows it, excluding
// the line terminator), exactly as the reference server counts it. The
// limit is enforced as soon as the pending bytes pass it, without waiting
// for the end of the line, so a connection can never make the parser buffer
// more than MaxControlLine+2 bytes of control line. PING, PONG and +OK lines
// carry no arguments: whatever follows the verb up to the LF is discarded
// without being buffered, as the reference server does.
//
// Parser.MaxPayload bounds the declared size of a PUB payload, or the total
// (header plus payload) size of an HPUB.
//
// # Writing
//
// The Append functions ([AppendMsg], [AppendHMsg], [AppendMsgLine],
// [AppendHMsgLine], [AppendInfo], [AppendErr], [AppendPing], [AppendPong],
// [AppendOK]) append one encoded operation to a caller-owned slice and never
// allocate when the slice has enough capacity.
package proto
