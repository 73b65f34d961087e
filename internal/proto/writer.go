package proto

import "strconv"

// Fixed server-to-client operations.
const (
	PingProto = "PING\r\n"
	PongProto = "PONG\r\n"
	OKProto   = "+OK\r\n"
)

// AppendMsgLine appends the control line of a MSG carrying size payload
// bytes: "MSG <subject> <sid> [reply] <size>\r\n". The reply is omitted when
// empty. The caller then writes the payload and "\r\n" itself.
func AppendMsgLine(dst, subject, sid, reply []byte, size int) []byte {
	dst = append(dst, "MSG "...)
	dst = appendSubjectSidReply(dst, subject, sid, reply)
	dst = strconv.AppendInt(dst, int64(size), 10)
	return append(dst, '\r', '\n')
}

// AppendMsg appends a complete MSG:
// "MSG <subject> <sid> [reply] <len(payload)>\r\n<payload>\r\n".
func AppendMsg(dst, subject, sid, reply, payload []byte) []byte {
	dst = AppendMsgLine(dst, subject, sid, reply, len(payload))
	dst = append(dst, payload...)
	return append(dst, '\r', '\n')
}

// AppendHMsgLine appends the control line of an HMSG whose header block is
// hdrLen bytes and whose headers and payload together are totalLen bytes:
// "HMSG <subject> <sid> [reply] <hdrLen> <totalLen>\r\n". The caller then
// writes the headers, the payload and "\r\n" itself.
func AppendHMsgLine(dst, subject, sid, reply []byte, hdrLen, totalLen int) []byte {
	dst = append(dst, "HMSG "...)
	dst = appendSubjectSidReply(dst, subject, sid, reply)
	dst = strconv.AppendInt(dst, int64(hdrLen), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(totalLen), 10)
	return append(dst, '\r', '\n')
}

// AppendHMsg appends a complete HMSG. payload holds the header block (its
// first hdrLen bytes) followed by the message body, as PubArgs.Payload of
// an HPUB does.
func AppendHMsg(dst, subject, sid, reply []byte, hdrLen int, payload []byte) []byte {
	dst = AppendHMsgLine(dst, subject, sid, reply, hdrLen, len(payload))
	dst = append(dst, payload...)
	return append(dst, '\r', '\n')
}

func appendSubjectSidReply(dst, subject, sid, reply []byte) []byte {
	dst = append(dst, subject...)
	dst = append(dst, ' ')
	dst = append(dst, sid...)
	dst = append(dst, ' ')
	if len(reply) > 0 {
		dst = append(dst, reply...)
		dst = append(dst, ' ')
	}
	return dst
}

// AppendInfo appends "INFO <info>\r\n"; info is the JSON document, already
// encoded.
func AppendInfo(dst, info []byte) []byte {
	dst = append(dst, "INFO "...)
	dst = append(dst, info...)
	return append(dst, '\r', '\n')
}

// AppendErr appends "-ERR '<text>'\r\n". The text is written as given; it
// should not contain CR or LF.
func AppendErr(dst []byte, text string) []byte {
	dst = append(dst, "-ERR '"...)
	dst = append(dst, text...)
	return append(dst, '\'', '\r', '\n')
}

// AppendPing appends "PING\r\n".
func AppendPing(dst []byte) []byte { return append(dst, PingProto...) }

// AppendPong appends "PONG\r\n".
func AppendPong(dst []byte) []byte { return append(dst, PongProto...) }

// AppendOK appends "+OK\r\n".
func AppendOK(dst []byte) []byte { return append(dst, OKProto...) }
