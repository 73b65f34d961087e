package consumer

import (
	"strconv"

	"github.com/natsnet/natsnet/internal/jsapi"
)

// Header-only status messages, byte for byte as the reference server writes
// them.

const hdrLine = "NATS/1.0"

// statusHdr is "NATS/1.0 <code> <desc>\r\n\r\n".
func statusHdr(code int, desc string) []byte {
	b := make([]byte, 0, len(hdrLine)+len(desc)+10)
	b = appendStatusLine(b, code, desc)
	return append(b, "\r\n"...)
}

// statusPendingHdr adds the Nats-Pending-Messages and Nats-Pending-Bytes
// headers that end a pull request.
func statusPendingHdr(code int, desc string, msgs, bytes int) []byte {
	b := make([]byte, 0, len(hdrLine)+len(desc)+64)
	b = appendStatusLine(b, code, desc)
	b = appendHeader(b, jsapi.HdrPendingMessages, strconv.AppendInt(nil, int64(msgs), 10))
	b = appendHeader(b, jsapi.HdrPendingBytes, strconv.AppendInt(nil, int64(bytes), 10))
	return append(b, "\r\n"...)
}

// heartbeatHdr is an idle heartbeat carrying the last delivered consumer
// and stream sequences, and the pending flow-control subject if delivery is
// stalled on it.
func heartbeatHdr(lastDseq, lastSseq uint64, stalled string) []byte {
	b := make([]byte, 0, 128)
	b = appendStatusLine(b, 100, jsapi.StatusIdleHeartbeat)
	b = appendHeader(b, jsapi.HdrLastConsumerSeq, strconv.AppendUint(nil, lastDseq, 10))
	b = appendHeader(b, jsapi.HdrLastStreamSeq, strconv.AppendUint(nil, lastSseq, 10))
	if stalled != "" {
		b = appendHeader(b, jsapi.HdrConsumerStalled, []byte(stalled))
	}
	return append(b, "\r\n"...)
}

var flowControlHdr = statusHdr(100, jsapi.StatusFlowControlRequest)

func appendStatusLine(b []byte, code int, desc string) []byte {
	b = append(b, hdrLine...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(code), 10)
	if desc != "" {
		b = append(b, ' ')
		b = append(b, desc...)
	}
	return append(b, "\r\n"...)
}

func appendHeader(b []byte, key string, val []byte) []byte {
	b = append(b, key...)
	b = append(b, ": "...)
	b = append(b, val...)
	return append(b, "\r\n"...)
}

// headersOnly turns a message's header into the header of a headers_only
// delivery: the original header (or an empty one) plus Nats-Msg-Size with
// the length of the dropped data.
func headersOnly(hdr []byte, size int) []byte {
	b := make([]byte, 0, len(hdr)+32)
	if len(hdr) == 0 {
		b = append(b, hdrLine...)
		b = append(b, "\r\n"...)
	} else {
		b = append(b, hdr[:len(hdr)-2]...) // drop the final CRLF
	}
	b = appendHeader(b, jsapi.HdrMsgSize, strconv.AppendInt(nil, int64(size), 10))
	return append(b, "\r\n"...)
}

// addHeader adds "key: val" to a header block (creating one if hdr is
// empty), returning a new slice.
func addHeader(hdr []byte, key, val string) []byte {
	b := make([]byte, 0, len(hdr)+len(key)+len(val)+16)
	if len(hdr) == 0 {
		b = append(b, hdrLine...)
		b = append(b, "\r\n"...)
	} else {
		b = append(b, hdr[:len(hdr)-2]...)
	}
	b = appendHeader(b, key, []byte(val))
	return append(b, "\r\n"...)
}
