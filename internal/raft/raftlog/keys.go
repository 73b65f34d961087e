package raftlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math/bits"
)

// Key namespaces: the first byte of every key.
const (
	nsGlobal byte = 0x01 // store-wide keys (format version, group key counter)
	nsName   byte = 0x02 // nsName + group name -> group key
	nsGroup  byte = 0x03 // nsGroup + group key + suffix -> per-group state
)

// Suffixes of the per-group keys. The metadata suffixes sort before the
// entries so that one group's keys read metadata first, then the log.
const (
	sfxHardState byte = 0x01
	sfxSnapshot  byte = 0x02
	sfxMeta      byte = 0x03
	sfxLogState  byte = 0x04 // compaction point: index and term of the entry before the first
	sfxEntry     byte = 0x10 // sfxEntry + index (8 bytes big-endian) -> entry
)

// formatVersion is stored under keyVersion; Open refuses other versions.
const formatVersion = 1

var (
	keyVersion   = []byte{nsGlobal, 'v'}
	keyNextGroup = []byte{nsGlobal, 'n'}
)

// ErrCorrupt is wrapped by every error reporting a value whose checksum
// does not match, or a log whose keys are inconsistent.
var ErrCorrupt = errors.New("raftlog: corrupt data")

// castagnoli is the CRC-32C table used for the value checksums.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// crcLen is the length of the checksum trailer of every value.
const crcLen = 4

// appendGroupPrefix appends the prefix shared by all keys of group key gk:
// nsGroup, the number n of significant bytes of gk, then those n bytes
// big-endian. The length byte keeps the encoding prefix-free and ordered.
func appendGroupPrefix(dst []byte, gk uint64) []byte {
	n := (bits.Len64(gk) + 7) / 8
	if n == 0 {
		n = 1
	}
	dst = append(dst, nsGroup, byte(n))
	for i := n - 1; i >= 0; i-- {
		dst = append(dst, byte(gk>>(8*uint(i))))
	}
	return dst
}

// groupKey returns the key of a per-group record with the given suffix.
func groupKey(gk uint64, sfx byte) []byte {
	return append(appendGroupPrefix(make([]byte, 0, 16), gk), sfx)
}

// appendEntryKey appends the key of entry index of group gk.
func appendEntryKey(dst []byte, gk, index uint64) []byte {
	dst = appendGroupPrefix(dst, gk)
	dst = append(dst, sfxEntry)
	return binary.BigEndian.AppendUint64(dst, index)
}

// entryKey returns the key of entry index of group gk.
func entryKey(gk, index uint64) []byte {
	return appendEntryKey(make([]byte, 0, 20), gk, index)
}

// entryIndex decodes the index of an entry key of group gk.
func entryIndex(key []byte, gk uint64) (uint64, bool) {
	plen := len(appendGroupPrefix(make([]byte, 0, 12), gk))
	if len(key) != plen+1+8 || key[plen] != sfxEntry {
		return 0, false
	}
	return binary.BigEndian.Uint64(key[plen+1:]), true
}

// entriesEnd is the exclusive upper bound of group gk's entry keys.
func entriesEnd(gk uint64) []byte {
	return append(appendGroupPrefix(make([]byte, 0, 12), gk), sfxEntry+1)
}

// groupEnd returns the exclusive upper bound of every key of group gk.
func groupEnd(gk uint64) []byte {
	return prefixEnd(appendGroupPrefix(nil, gk))
}

// prefixEnd returns the smallest key greater than every key with prefix p.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] != 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil // p is all 0xff: no upper bound
}

// nameKey returns the key mapping a group name to its group key.
func nameKey(name string) []byte {
	k := make([]byte, 0, 1+len(name))
	k = append(k, nsName)
	return append(k, name...)
}

// valueSum returns the CRC-32C of key followed by payload. Covering the
// key too detects a value stored under the wrong key.
func valueSum(key, payload []byte) uint32 {
	return crc32.Update(crc32.Checksum(key, castagnoli), castagnoli, payload)
}

// sealValue appends the checksum trailer of buf[start:] (the payload just
// appended to buf) stored under key, and returns the extended buf.
func sealValue(buf []byte, start int, key []byte) []byte {
	return binary.LittleEndian.AppendUint32(buf, valueSum(key, buf[start:]))
}

// openValue checks the checksum trailer of a value read under key and
// returns its payload, which aliases v.
func openValue(key, v []byte) ([]byte, error) {
	if len(v) < crcLen {
		return nil, fmt.Errorf("raftlog: key %x: value of %d bytes has no checksum: %w", key, len(v), ErrCorrupt)
	}
	payload := v[:len(v)-crcLen]
	want := binary.LittleEndian.Uint32(v[len(v)-crcLen:])
	if got := valueSum(key, payload); got != want {
		return nil, fmt.Errorf("raftlog: key %x: checksum %08x, want %08x: %w", key, got, want, ErrCorrupt)
	}
	return payload, nil
}

// uint64Value encodes x with its checksum, for key.
func uint64Value(key []byte, x uint64) []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 8+crcLen), x)
	return sealValue(b, 0, key)
}

// logStateValue encodes the compaction point (index and term of the entry
// before the first one kept) with its checksum, for key.
func logStateValue(key []byte, index, term uint64) []byte {
	b := make([]byte, 0, 16+crcLen)
	b = binary.BigEndian.AppendUint64(b, index)
	b = binary.BigEndian.AppendUint64(b, term)
	return sealValue(b, 0, key)
}
