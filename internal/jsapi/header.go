package jsapi

import (
	"bytes"
	"strconv"
)

// HeaderValue returns the first value of key in a NATS header block
// ("NATS/1.0 ...\r\nKey: Value\r\n...\r\n\r\n"). Keys match case-sensitively
// first, then case-insensitively, as clients send canonical keys. It does
// not allocate beyond the returned string.
func HeaderValue(hdr []byte, key string) (string, bool) {
	if len(hdr) == 0 {
		return "", false
	}
	line := hdr
	// Skip the status line.
	if i := bytes.Index(line, []byte("\r\n")); i >= 0 {
		line = line[i+2:]
	} else {
		return "", false
	}
	for len(line) > 0 {
		end := bytes.Index(line, []byte("\r\n"))
		if end <= 0 {
			return "", false
		}
		l := line[:end]
		line = line[end+2:]
		colon := bytes.IndexByte(l, ':')
		if colon <= 0 {
			continue
		}
		k := l[:colon]
		if string(k) == key || bytes.EqualFold(k, []byte(key)) {
			return string(bytes.TrimSpace(l[colon+1:])), true
		}
	}
	return "", false
}

// HeaderStatus returns the status code and description of a header block's
// first line ("NATS/1.0 404 No Messages"), or 0 if it has none.
func HeaderStatus(hdr []byte) (int, string) {
	i := bytes.Index(hdr, []byte("\r\n"))
	if i < 0 {
		return 0, ""
	}
	first := hdr[:i]
	sp := bytes.IndexByte(first, ' ')
	if sp < 0 {
		return 0, ""
	}
	rest := bytes.TrimSpace(first[sp+1:])
	if len(rest) < 3 {
		return 0, ""
	}
	code, err := strconv.Atoi(string(rest[:3]))
	if err != nil {
		return 0, ""
	}
	return code, string(bytes.TrimSpace(rest[3:]))
}

// HeaderBuilder assembles a NATS header block.
type HeaderBuilder struct{ b []byte }

// NewHeader starts a header block with an optional status ("" for none).
func NewHeader(status int, desc string) *HeaderBuilder {
	h := &HeaderBuilder{b: make([]byte, 0, 128)}
	h.b = append(h.b, "NATS/1.0"...)
	if status > 0 {
		h.b = append(h.b, ' ')
		h.b = strconv.AppendInt(h.b, int64(status), 10)
		if desc != "" {
			h.b = append(h.b, ' ')
			h.b = append(h.b, desc...)
		}
	}
	h.b = append(h.b, "\r\n"...)
	return h
}

// Add appends a key and value.
func (h *HeaderBuilder) Add(key, value string) *HeaderBuilder {
	h.b = append(h.b, key...)
	h.b = append(h.b, ": "...)
	h.b = append(h.b, value...)
	h.b = append(h.b, "\r\n"...)
	return h
}

// Bytes terminates and returns the block.
func (h *HeaderBuilder) Bytes() []byte { return append(h.b, "\r\n"...) }

// HeaderWith copies an existing header block (or starts a new one when hdr
// is empty) and appends the given key/value pairs.
func HeaderWith(hdr []byte, kv ...string) []byte {
	var out []byte
	if len(hdr) >= 4 && bytes.HasSuffix(hdr, []byte("\r\n\r\n")) {
		out = make([]byte, 0, len(hdr)+64)
		out = append(out, hdr[:len(hdr)-2]...)
	} else {
		out = append(make([]byte, 0, 64), "NATS/1.0\r\n"...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, kv[i]...)
		out = append(out, ": "...)
		out = append(out, kv[i+1]...)
		out = append(out, "\r\n"...)
	}
	return append(out, "\r\n"...)
}
