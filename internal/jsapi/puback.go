package jsapi

import (
	"encoding/json"
	"strconv"
)

// AppendPubAckJSON appends the JSON of a successful publish ack, the same
// bytes json.Marshal gives for PubAckResponse{PubAck: a}, without
// reflection: it is written once per stored message.
func AppendPubAckJSON(b []byte, a *PubAck) []byte {
	start := len(b)
	b = append(b, `{"stream":`...)
	b, ok := appendPlainString(b, a.Stream)
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, a.Sequence, 10)
	if a.Domain != "" {
		b = append(b, `,"domain":`...)
		var dok bool
		b, dok = appendPlainString(b, a.Domain)
		ok = ok && dok
	}
	if a.Duplicate {
		b = append(b, `,"duplicate":true`...)
	}
	if a.Value != "" || a.BatchID != "" || a.BatchSize != 0 || !ok {
		// Rare fields, or text that needs escaping: the general encoder.
		enc, err := json.Marshal(&PubAckResponse{PubAck: a})
		if err != nil {
			return b[:start]
		}
		return append(b[:start], enc...)
	}
	return append(b, '}')
}

// appendPlainString appends s as a JSON string if it needs no escaping
// (printable ASCII without the characters encoding/json escapes) and
// reports whether it did.
func appendPlainString(b []byte, s string) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return b, false
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"'), true
}
