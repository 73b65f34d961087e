package stream

import (
	"time"

	"github.com/natsnet/natsnet/internal/jsapi"
)

// Subject delete markers (ADR-43). With subject_delete_marker_ttl set, when
// expiry (max_age or a message TTL) removes the last message of a subject,
// the stream stores an empty message on that subject with the headers
// Nats-Marker-Reason: MaxAge, Nats-TTL: <marker TTL> and Nats-Rollup: sub,
// so that watchers (a KV bucket's) see the key go; the marker expires after
// its TTL. As with the reference, no marker replaces a marker, nor a KV
// purge marker, and purges and message deletes leave none.

// kvOperationHdr and kvOperationPurge mark a KV purge.
const (
	kvOperationHdr   = "KV-Operation"
	kvOperationPurge = "PURGE"
)

// expire removes the messages that are due and leaves delete markers. It
// runs on the stream's goroutine, which owns the batch it flushes.
func (s *Stream) expire() {
	s.procMu.Lock()
	defer s.procMu.Unlock()
	s.mu.Lock()
	s.expireLocked(s.opts.Now())
	s.mu.Unlock()
	s.opts.Batch.Flush()
}

// expireLocked is expire with s.mu held, without the flush.
func (s *Stream) expireLocked(now time.Time) {
	// Markers live for whole seconds, and say so in Nats-TTL ("1m30s").
	ttl := s.mu.cfg.SubjectDeleteMarkerTTL.Truncate(time.Second)
	if ttl <= 0 || s.mu.closed {
		s.store.ExpireMsgs(now.UnixNano())
		return
	}
	_, last := s.store.ExpireMsgsLast(now.UnixNano())
	for _, l := range last {
		if isDeleteMarker(l.Header) {
			continue
		}
		hdr := jsapi.NewHeader(0, "").
			Add(jsapi.HdrMarkerReason, jsapi.MarkerReasonMaxAge).
			Add(jsapi.HdrMsgTTL, ttl.String()).
			Add(jsapi.HdrRollup, jsapi.RollupSubject).Bytes()
		if _, apiErr := s.storeLocked(l.Subject, hdr, nil, ttl, jsapi.RollupSubject, now); apiErr != nil {
			s.log.Warn("store subject delete marker", "subject", l.Subject, "err", apiErr)
		}
	}
}

// isDeleteMarker reports whether a message's header makes it a subject
// delete marker or a KV purge marker.
func isDeleteMarker(hdr []byte) bool {
	if _, ok := jsapi.HeaderValue(hdr, jsapi.HdrMarkerReason); ok {
		return true
	}
	v, _ := jsapi.HeaderValue(hdr, kvOperationHdr)
	return v == kvOperationPurge
}
