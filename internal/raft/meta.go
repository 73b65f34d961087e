package raft

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// peer is one replica of a group: the server it lives on. Replica ids are
// never reused in a group: a server removed and added again gets a new id,
// and removed ids stay in the map, marked removed.
type peer struct {
	server  string
	removed bool
}

// peerMap maps replica ids to servers.
type peerMap map[uint64]peer

// maxID is the largest replica id the group ever used.
func (pm peerMap) maxID() uint64 {
	var m uint64
	for id := range pm {
		m = max(m, id)
	}
	return m
}

// idOf returns the live replica id of server, 0 when none.
func (pm peerMap) idOf(server string) uint64 {
	for id, p := range pm {
		if p.server == server && !p.removed {
			return id
		}
	}
	return 0
}

// merge adds the entries of o; removed wins, since ids are never reused.
func (pm peerMap) merge(o peerMap) bool {
	changed := false
	for id, p := range o {
		q, ok := pm[id]
		if !ok || (p.removed && !q.removed) {
			pm[id] = peer{server: p.server, removed: p.removed || q.removed}
			changed = true
		}
	}
	return changed
}

func (pm peerMap) append(b []byte) []byte {
	ids := make([]uint64, 0, len(pm))
	for id := range pm {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	b = binary.AppendUvarint(b, uint64(len(ids)))
	for _, id := range ids {
		p := pm[id]
		b = binary.AppendUvarint(b, id)
		b = appendString(b, p.server)
		rm := byte(0)
		if p.removed {
			rm = 1
		}
		b = append(b, rm)
	}
	return b
}

func decodePeers(d *decoder) peerMap {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b)) {
		d.err = errBadFrame
		return nil
	}
	pm := make(peerMap, n)
	for range n {
		id := d.uvarint()
		srv := d.str()
		if d.err != nil || len(d.b) == 0 {
			d.err = errBadFrame
			return nil
		}
		pm[id] = peer{server: srv, removed: d.b[0] == 1}
		d.b = d.b[1:]
	}
	return pm
}

const metaVersion = 1

// encodeMeta is the group's host metadata: its own replica id and the
// replica map.
func encodeMeta(self uint64, pm peerMap) []byte {
	b := []byte{metaVersion}
	b = binary.AppendUvarint(b, self)
	return pm.append(b)
}

func decodeMeta(b []byte) (uint64, peerMap, error) {
	if len(b) == 0 || b[0] != metaVersion {
		return 0, nil, fmt.Errorf("raft: group metadata: unknown version")
	}
	d := &decoder{b: b[1:]}
	self := d.uvarint()
	pm := decodePeers(d)
	if d.err != nil {
		return 0, nil, fmt.Errorf("raft: group metadata: %w", d.err)
	}
	return self, pm, nil
}

const snapVersion = 1

// encodeSnapshot wraps a state machine snapshot with the replica map, so
// that a follower installing it learns who is who.
func encodeSnapshot(pm peerMap, sm []byte) []byte {
	b := pm.append([]byte{snapVersion})
	return append(b, sm...)
}

func decodeSnapshot(b []byte) (peerMap, []byte, error) {
	if len(b) == 0 || b[0] != snapVersion {
		return nil, nil, fmt.Errorf("raft: snapshot: unknown version")
	}
	d := &decoder{b: b[1:]}
	pm := decodePeers(d)
	if d.err != nil {
		return nil, nil, fmt.Errorf("raft: snapshot: %w", d.err)
	}
	return pm, d.b, nil
}

// Entry data: proposals carry a header so the proposer recognizes its
// entry when it applies it.
//
//	data = version:1 proposalID:8 payload
//
// Conf change contexts: version:1 proposalID:8 serverID.
const entryVersion = 1

func encodeEntry(id uint64, payload []byte) []byte {
	b := make([]byte, 9, 9+len(payload))
	b[0] = entryVersion
	binary.BigEndian.PutUint64(b[1:], id)
	return append(b, payload...)
}

// decodeEntry returns the proposal id and payload of entry data; ok is
// false for data this host did not write (empty entries).
func decodeEntry(data []byte) (id uint64, payload []byte, ok bool) {
	if len(data) < 9 || data[0] != entryVersion {
		return 0, nil, false
	}
	return binary.BigEndian.Uint64(data[1:9]), data[9:], true
}
