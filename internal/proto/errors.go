package proto

import "errors"

// Sentinel errors returned (wrapped, with context) by Parser.Parse. Test them
// with errors.Is.
var (
	// ErrUnknownOp reports an unknown verb, a known verb not followed by
	// the separator it requires, or any other garbage where an operation
	// should start (including a leading space or an empty line).
	ErrUnknownOp = errors.New("unknown protocol operation")

	// ErrMaxControlLine reports a control line whose arguments are longer
	// than Parser.MaxControlLine.
	ErrMaxControlLine = errors.New("maximum control line exceeded")

	// ErrMaxPayload reports a PUB whose declared size, or an HPUB whose
	// declared total size, is larger than Parser.MaxPayload.
	ErrMaxPayload = errors.New("maximum payload exceeded")

	// ErrBadArgs reports a control line with the wrong number of
	// arguments, or with a size that is missing, not a plain decimal
	// number of 1 to 9 digits, or (HPUB) a header size larger than the
	// total size.
	ErrBadArgs = errors.New("invalid protocol arguments")

	// ErrBadPayload reports a payload that is not followed by CRLF.
	ErrBadPayload = errors.New("payload not followed by CRLF")
)

// Texts of the -ERR lines the reference server sends for parser errors.
// Note the lower case of ErrTextMaxControlLine: the reference sends it so.
const (
	ErrTextUnknownOp      = "Unknown Protocol Operation"
	ErrTextMaxPayload     = "Maximum Payload Violation"
	ErrTextMaxControlLine = "maximum control line exceeded"
)

// ClientErrText tells what the reference server sends to the client before
// closing the connection when parsing fails with err. It returns the text to
// put in -ERR '...' and true, or "" and false when the reference closes the
// connection without sending anything (ErrBadArgs) or when err is not a
// parser error (for example an error returned by the Handler). In every
// case the reference closes the connection after a parser error.
func ClientErrText(err error) (string, bool) {
	switch {
	case errors.Is(err, ErrUnknownOp), errors.Is(err, ErrBadPayload):
		return ErrTextUnknownOp, true
	case errors.Is(err, ErrMaxPayload):
		return ErrTextMaxPayload, true
	case errors.Is(err, ErrMaxControlLine):
		return ErrTextMaxControlLine, true
	}
	return "", false
}
