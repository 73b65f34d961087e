package raft

import (
	"encoding/binary"
	"errors"
	"fmt"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// Frame format. A frame carries records of many groups from one server to
// another:
//
//	frame  = version:1 record*
//	record = kind:1 group:str body
//	str    = len:uvarint bytes
//
// Bodies by kind:
//
//	recMsg       msg:str (a protobuf raftpb.Message)
//	recHeartbeat from to term commit:uvarint ctx:str
//	recHBResp    from to term:uvarint ctx:str
//	recQuiesce   from to term commit:uvarint
//	recSnapChunk from to id offset total:uvarint header:str data:str
//	recSnapAck   from to id acked:uvarint status:1
//	recBeat      (empty; group is "")
//
// A host beat is sent to every known server each tick: a server silent for
// three election timeouts counts as down even while its route is up, so
// that quiesced groups led from a hung host still fail over.
//
// Heartbeats, the most frequent messages, get compact records so that the
// heartbeats of many groups to one server cost a few bytes each in one
// frame. A snapshot chunk travels alone in its frame; header (the MsgSnap
// without its data) is set on the first chunk only.
const frameVersion = 1

const (
	recMsg byte = iota + 1
	recHeartbeat
	recHBResp
	recQuiesce
	recSnapChunk
	recSnapAck
	recBeat
)

// Snapshot acknowledgement status.
const (
	snapAckProgress byte = iota
	snapAckDone
	snapAckFail
)

var errBadFrame = errors.New("raft: malformed frame")

// record is one decoded frame record.
type record struct {
	kind  byte
	group string
	msg   *raftpb.Message // recMsg, recHeartbeat, recHBResp, recQuiesce
	// Snapshot transfer fields.
	from, to  uint64
	snapID    uint64
	offset    uint64
	total     uint64
	header    []byte
	data      []byte
	ackStatus byte
}

func appendStr(b []byte, s []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendMsg appends the record of m, compact for heartbeats.
func appendMsg(b []byte, group string, m *raftpb.Message) ([]byte, error) {
	switch m.GetType() {
	case raftpb.MsgHeartbeat:
		b = append(b, recHeartbeat)
		b = appendString(b, group)
		b = binary.AppendUvarint(b, m.GetFrom())
		b = binary.AppendUvarint(b, m.GetTo())
		b = binary.AppendUvarint(b, m.GetTerm())
		b = binary.AppendUvarint(b, m.GetCommit())
		return appendStr(b, m.Context), nil
	case raftpb.MsgHeartbeatResp:
		b = append(b, recHBResp)
		b = appendString(b, group)
		b = binary.AppendUvarint(b, m.GetFrom())
		b = binary.AppendUvarint(b, m.GetTo())
		b = binary.AppendUvarint(b, m.GetTerm())
		return appendStr(b, m.Context), nil
	}
	data, err := proto.Marshal(m)
	if err != nil {
		return b, fmt.Errorf("raft: encode %s for group %s: %w", m.GetType(), group, err)
	}
	b = append(b, recMsg)
	b = appendString(b, group)
	return appendStr(b, data), nil
}

func appendQuiesce(b []byte, group string, from, to, term, commit uint64) []byte {
	b = append(b, recQuiesce)
	b = appendString(b, group)
	b = binary.AppendUvarint(b, from)
	b = binary.AppendUvarint(b, to)
	b = binary.AppendUvarint(b, term)
	return binary.AppendUvarint(b, commit)
}

func appendSnapChunk(b []byte, group string, from, to, id, offset, total uint64, header, data []byte) []byte {
	b = append(b, recSnapChunk)
	b = appendString(b, group)
	for _, v := range []uint64{from, to, id, offset, total} {
		b = binary.AppendUvarint(b, v)
	}
	b = appendStr(b, header)
	return appendStr(b, data)
}

func appendSnapAck(b []byte, group string, from, to, id, acked uint64, status byte) []byte {
	b = append(b, recSnapAck)
	b = appendString(b, group)
	for _, v := range []uint64{from, to, id, acked} {
		b = binary.AppendUvarint(b, v)
	}
	return append(b, status)
}

// decoder reads the records of a frame.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errBadFrame
		return 0
	}
	d.b = d.b[n:]
	return v
}

// bytes returns the next string, copied: frames are only valid during
// delivery.
func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = errBadFrame
		return nil
	}
	var out []byte
	if n > 0 {
		out = append([]byte(nil), d.b[:n]...)
	}
	d.b = d.b[n:]
	return out
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b)) {
		d.err = errBadFrame
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// decodeFrame calls fn for every record of frame. Records own their bytes.
func decodeFrame(frame []byte, fn func(*record)) error {
	if len(frame) == 0 || frame[0] != frameVersion {
		return fmt.Errorf("%w: version", errBadFrame)
	}
	d := &decoder{b: frame[1:]}
	for len(d.b) > 0 && d.err == nil {
		r := &record{kind: d.b[0]}
		d.b = d.b[1:]
		r.group = d.str()
		switch r.kind {
		case recMsg:
			data := d.bytes()
			if d.err != nil {
				break
			}
			m := &raftpb.Message{}
			if err := proto.Unmarshal(data, m); err != nil {
				return fmt.Errorf("raft: decode message of group %s: %w", r.group, err)
			}
			r.msg = m
		case recHeartbeat:
			from, to, term, commit := d.uvarint(), d.uvarint(), d.uvarint(), d.uvarint()
			r.msg = &raftpb.Message{Type: raftpb.MsgHeartbeat.Enum(), From: &from, To: &to, Term: &term, Commit: &commit, Context: d.bytes()}
		case recHBResp:
			from, to, term := d.uvarint(), d.uvarint(), d.uvarint()
			r.msg = &raftpb.Message{Type: raftpb.MsgHeartbeatResp.Enum(), From: &from, To: &to, Term: &term, Context: d.bytes()}
		case recQuiesce:
			from, to, term, commit := d.uvarint(), d.uvarint(), d.uvarint(), d.uvarint()
			r.msg = &raftpb.Message{Type: raftpb.MsgHeartbeat.Enum(), From: &from, To: &to, Term: &term, Commit: &commit}
		case recSnapChunk:
			r.from, r.to, r.snapID, r.offset, r.total = d.uvarint(), d.uvarint(), d.uvarint(), d.uvarint(), d.uvarint()
			r.header = d.bytes()
			r.data = d.bytes()
		case recSnapAck:
			r.from, r.to, r.snapID, r.offset = d.uvarint(), d.uvarint(), d.uvarint(), d.uvarint()
			if d.err == nil {
				if len(d.b) == 0 {
					d.err = errBadFrame
				} else {
					r.ackStatus = d.b[0]
					d.b = d.b[1:]
				}
			}
		case recBeat:
		default:
			return fmt.Errorf("%w: record kind %d", errBadFrame, r.kind)
		}
		if d.err != nil {
			break
		}
		fn(r)
	}
	if d.err != nil {
		return fmt.Errorf("raft: decode frame: %w", d.err)
	}
	return nil
}
