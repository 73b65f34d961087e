package wire

import "strconv"

// Fixed operations.
const (
	PingOp = "PING\r\n"
	PongOp = "PONG\r\n"
)

// AppendRMsg appends a complete RMSG. as is the subject to present to
// subscribers when it differs from subject (nil otherwise); queues are the
// queue groups the receiver was chosen for; hdrLen is -1 without headers,
// else the size of the header block at the start of payload.
func AppendRMsg(dst []byte, acc string, subject, as, reply []byte, queues []string, hdrLen int, payload []byte) []byte {
	dst = append(dst, "RMSG "...)
	dst = append(dst, acc...)
	dst = append(dst, ' ')
	dst = append(dst, subject...)
	dst = append(dst, ' ')
	flags := len(dst)
	if len(reply) > 0 {
		dst = append(dst, 'r')
	}
	if as != nil {
		dst = append(dst, 's')
	}
	if len(queues) > 0 {
		dst = append(dst, 'q')
	}
	if hdrLen >= 0 {
		dst = append(dst, 'h')
	}
	if len(dst) == flags {
		dst = append(dst, '-')
	}
	if len(reply) > 0 {
		dst = append(dst, ' ')
		dst = append(dst, reply...)
	}
	if as != nil {
		dst = append(dst, ' ')
		dst = append(dst, as...)
	}
	for _, q := range queues {
		dst = append(dst, ' ')
		dst = append(dst, q...)
	}
	if hdrLen >= 0 {
		dst = append(dst, ' ')
		dst = strconv.AppendInt(dst, int64(hdrLen), 10)
	}
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(len(payload)), 10)
	dst = append(dst, '\r', '\n')
	dst = append(dst, payload...)
	return append(dst, '\r', '\n')
}

// RMsgSize is an upper bound of what AppendRMsg appends, without the queue
// names.
func RMsgSize(acc string, subject, as, reply []byte, payload []byte) int {
	return len(acc) + len(subject) + len(as) + len(reply) + len(payload) + 48
}

// AppendSub appends RS+ for plain interest (queue "") or for a queue group
// with weight members.
func AppendSub(dst []byte, acc, subject, queue string, weight int32) []byte {
	dst = append(dst, "RS+ "...)
	dst = append(dst, acc...)
	dst = append(dst, ' ')
	dst = append(dst, subject...)
	if queue != "" {
		dst = append(dst, ' ')
		dst = append(dst, queue...)
		dst = append(dst, ' ')
		dst = strconv.AppendInt(dst, int64(weight), 10)
	}
	return append(dst, '\r', '\n')
}

// AppendUnsub appends RS-.
func AppendUnsub(dst []byte, acc, subject, queue string) []byte {
	dst = append(dst, "RS- "...)
	dst = append(dst, acc...)
	dst = append(dst, ' ')
	dst = append(dst, subject...)
	if queue != "" {
		dst = append(dst, ' ')
		dst = append(dst, queue...)
	}
	return append(dst, '\r', '\n')
}

// AppendSys appends an SMSG for channel.
func AppendSys(dst []byte, channel string, payload []byte) []byte {
	dst = append(dst, "SMSG "...)
	dst = append(dst, channel...)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(len(payload)), 10)
	dst = append(dst, '\r', '\n')
	dst = append(dst, payload...)
	return append(dst, '\r', '\n')
}

// AppendInfo appends "INFO <json>".
func AppendInfo(dst, json []byte) []byte {
	dst = append(dst, "INFO "...)
	dst = append(dst, json...)
	return append(dst, '\r', '\n')
}

// AppendConnect appends "CONNECT <json>".
func AppendConnect(dst, json []byte) []byte {
	dst = append(dst, "CONNECT "...)
	dst = append(dst, json...)
	return append(dst, '\r', '\n')
}

// AppendErr appends "-ERR '<text>'".
func AppendErr(dst []byte, text string) []byte {
	dst = append(dst, "-ERR '"...)
	dst = append(dst, text...)
	return append(dst, '\'', '\r', '\n')
}
