package jsapi

import (
	"strings"

	"github.com/natsnet/natsnet/internal/subject"
)

// checkMirror applies the mirror rules that need no other stream. The
// reference also compares max_msg_size with the origin stream (10030) and
// copies the origin's allow_direct into mirror_direct; both need server
// state and are the caller's.
func (c *StreamConfig) checkMirror(o *CheckOptions) *ApiError {
	m := c.Mirror
	if m == nil {
		return nil
	}
	switch {
	case c.FirstSeq > 0:
		return NewMirrorWithFirstSeqError()
	case len(c.Subjects) > 0:
		return NewMirrorWithSubjectsError()
	case len(c.Sources) > 0:
		return NewMirrorWithSourcesError()
	case c.AllowMsgCounter:
		return NewMirrorWithCountersError()
	case c.AllowAtomicPublish:
		return NewMirrorWithAtomicPublishError()
	case c.AllowBatchPublish:
		return NewMirrorWithBatchPublishError()
	case c.AllowMsgSchedules:
		return NewMirrorWithMsgSchedulesError()
	}
	if !m.consumerValid() {
		return NewMirrorDurableConsumerCfgInvalidError()
	}
	if m.FilterSubject != "" && len(m.SubjectTransforms) != 0 {
		return NewMirrorMultipleFiltersNotAllowedError()
	}
	if c.SubjectDeleteMarkerTTL > 0 {
		return invalidConfig("subject delete markers forbidden on mirrors")
	}
	for i, tr := range m.SubjectTransforms {
		if tr.Source != "" && !subject.ValidFilter(tr.Source) {
			return NewMirrorInvalidSubjectFilterError(badSubject(tr.Source))
		}
		if err := o.checkTransform(tr.Source, tr.Destination); err != nil {
			return NewMirrorInvalidTransformDestinationError(err)
		}
		for j, other := range m.SubjectTransforms {
			if i != j && subject.Overlap(tr.Source, other.Source) {
				return NewMirrorOverlappingSubjectFiltersError()
			}
		}
	}
	if m.External == nil && !ValidName(m.Name) {
		return NewMirrorInvalidStreamNameError()
	}
	return nil
}

// consumerValid checks the durable consumer of a mirror or source: a valid
// name, a literal deliver subject, and no start position or filter of its
// own (the consumer decides those).
func (s *StreamSource) consumerValid() bool {
	cs := s.Consumer
	if cs == nil {
		return true
	}
	return ValidName(cs.Name) && subject.ValidLiteral(cs.DeliverSubject) &&
		s.OptStartSeq == 0 && s.OptStartTime == nil && s.FilterSubject == ""
}

// identity is what makes two sources the same: the stream, the external
// API prefix, the durable consumer and the subject mapping.
func (s *StreamSource) identity() string {
	var b strings.Builder
	b.WriteString(s.Name)
	if s.External != nil {
		b.WriteString(":" + s.External.ApiPrefix)
	}
	if s.Consumer != nil {
		b.WriteString(":C=" + s.Consumer.Name)
	}
	src, dst := s.FilterSubject, fullWildToken
	if len(s.SubjectTransforms) == 0 {
		if src == "" {
			src = fullWildToken
		}
	} else {
		srcs := make([]string, len(s.SubjectTransforms))
		dsts := make([]string, len(s.SubjectTransforms))
		for i, tr := range s.SubjectTransforms {
			srcs[i], dsts[i] = orFullWild(tr.Source), orFullWild(tr.Destination)
		}
		src, dst = strings.Join(srcs, "\f"), strings.Join(dsts, "\f")
	}
	b.WriteString(" " + src + " " + dst)
	return b.String()
}

// consumerIdentity is what makes two sources share a durable consumer.
func (s *StreamSource) consumerIdentity() string {
	id := s.Name
	if s.External != nil {
		id += ":" + s.External.ApiPrefix
	}
	if s.Consumer != nil {
		return id + " " + s.Consumer.Name
	}
	return id + " "
}

func orFullWild(s string) string {
	if s == "" {
		return fullWildToken
	}
	return s
}

// checkSources applies the source rules that need no other stream, then
// the external prefix rules for the mirror and the sources, then the cycle
// rule for a stream that sources or mirrors itself. The reference also
// follows sources and mirrors through the other streams of the account
// (cycles, max_msg_size 10046, delivery prefix overlaps 10022); that is the
// caller's.
func (c *StreamConfig) checkSources(o *CheckOptions) *ApiError {
	if len(c.Sources) > 0 && c.AllowMsgSchedules {
		return NewSourceWithMsgSchedulesError()
	}
	seen := make(map[string]bool, len(c.Sources))
	seenConsumers := map[string]bool{}
	for _, src := range c.Sources {
		if src == nil || !ValidName(src.Name) {
			return NewSourceInvalidStreamNameError()
		}
		id := src.identity()
		if seen[id] {
			return NewSourceDuplicateDetectedError()
		}
		seen[id] = true
		if src.FilterSubject != "" && len(src.SubjectTransforms) != 0 {
			return NewSourceMultipleFiltersNotAllowedError()
		}
		for _, tr := range src.SubjectTransforms {
			if tr.Source != "" && !subject.ValidFilter(tr.Source) {
				return NewSourceInvalidSubjectFilterError(badSubject(tr.Source))
			}
			if err := o.checkTransform(tr.Source, tr.Destination); err != nil {
				return NewSourceInvalidTransformDestinationError(err)
			}
		}
		for i, tr := range src.SubjectTransforms {
			for j, other := range src.SubjectTransforms {
				if i != j && subject.SubsetOf(tr.Source, other.Source) {
					return NewSourceOverlappingSubjectFiltersError()
				}
			}
		}
		if src.Consumer != nil {
			if !src.consumerValid() {
				return NewSourceDurableConsumerCfgInvalidError()
			}
			cid := src.consumerIdentity()
			if seenConsumers[cid] {
				return NewSourceDurableConsumerDuplicateDetectedError()
			}
			seenConsumers[cid] = true
		}
	}
	if err := c.checkExternalPrefixes(); err != nil {
		return err
	}
	return c.checkSelfCycle()
}

// checkExternalPrefixes: delivery prefixes must be literal subjects (10024)
// and API prefixes literal (10052) and clear of $JS.API (10021).
func (c *StreamConfig) checkExternalPrefixes() *ApiError {
	var ext []*ExternalStream
	if c.Mirror != nil && c.Mirror.External != nil {
		ext = append(ext, c.Mirror.External)
	}
	for _, src := range c.Sources {
		if src.External != nil {
			ext = append(ext, src.External)
		}
	}
	for _, e := range ext {
		if e.DeliverPrefix != "" && !subject.ValidLiteral(e.DeliverPrefix) {
			return NewStreamInvalidExternalDeliverySubjError(e.DeliverPrefix)
		}
	}
	for _, e := range ext {
		if e.ApiPrefix == "" {
			continue
		}
		if !subject.ValidLiteral(e.ApiPrefix) {
			return invalidConfig("stream external api prefix %q must be a valid subject without wildcards", e.ApiPrefix)
		}
		if subject.Overlap(e.ApiPrefix, APIPrefix) {
			return NewStreamExternalApiOverlapError(e.ApiPrefix, APIPrefix)
		}
	}
	return nil
}

// checkSelfCycle reports a stream that mirrors itself, or sources itself
// with a filter that overlaps its own subjects (no filter always does).
func (c *StreamConfig) checkSelfCycle() *ApiError {
	for _, src := range c.Sources {
		if src.External != nil || src.Name != c.Name {
			continue
		}
		if src.FilterSubject == "" {
			return invalidConfig("detected cycle")
		}
		for _, s := range c.Subjects {
			if subject.Overlap(s, src.FilterSubject) {
				return invalidConfig("detected cycle")
			}
		}
	}
	if m := c.Mirror; m != nil && m.External == nil && m.Name == c.Name {
		return invalidConfig("detected cycle")
	}
	return nil
}
