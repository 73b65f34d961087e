package jsapi

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/natsnet/natsnet/internal/subject"
)

// SetDefaults fills in what the server fills in for a new stream, without
// validating: one replica, -1 (unlimited) for unset limits, a duplicate
// window of 2 minutes (or max_age if smaller, none for mirrors and sourcing
// streams), the stream name as its subject when it has neither subjects
// nor a mirror or sources, the flags implied by subject delete markers and
// message schedules, ">" as republish source, and no empty placement.
// Retention limits, discard old, file storage and no compression are the
// zero values. SetDefaults is idempotent.
func (c *StreamConfig) SetDefaults() { c.setDefaults(Limits{}) }

// Validate reports the first error the reference server would report for
// this config (err_code 10052 and friends), with no server limits and not
// pedantic. It does not modify c; defaults are applied to a copy first, so
// c may be validated before or after SetDefaults. Checks that need server
// state (other streams, the account) are left to the caller.
func (c *StreamConfig) Validate() *ApiError { return c.ValidateWith(CheckOptions{}) }

// ValidateWith is Validate with limits and options.
func (c *StreamConfig) ValidateWith(opts CheckOptions) *ApiError {
	return c.Clone().Normalize(opts)
}

// Normalize validates c and fills in defaults in one pass, in the order of
// the reference server, so that the error reported for a config with
// several problems is the same. On error c may be partly modified.
func (c *StreamConfig) Normalize(opts CheckOptions) *ApiError {
	if err := c.checkBasics(); err != nil {
		return err
	}
	if err := c.checkLimits(&opts); err != nil {
		return err
	}
	if err := c.checkFeatures(&opts); err != nil {
		return err
	}
	if err := c.checkMirror(&opts); err != nil {
		return err
	}
	if err := c.checkSources(&opts); err != nil {
		return err
	}
	if err := c.checkSubjects(); err != nil {
		return err
	}
	if opts.MaxBytesRequired && c.MaxBytes <= 0 {
		return NewStreamMaxBytesRequiredError()
	}
	if opts.MaxStreamBytes > 0 && c.MaxBytes > opts.MaxStreamBytes {
		return NewStreamMaxStreamBytesExceededError()
	}
	return c.checkTransforms(&opts)
}

func (c *StreamConfig) setDefaults(lim Limits) {
	c.defaultLimits()
	c.defaultDuplicates(lim)
	c.defaultMarkerFlags()
	c.defaultSubjects()
	c.defaultRePublish()
	c.defaultPlacement()
}

func (c *StreamConfig) defaultLimits() {
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.MaxMsgs == 0 || c.MaxMsgs < -1 {
		c.MaxMsgs = -1
	}
	if c.MaxMsgsPer == 0 || c.MaxMsgsPer < -1 {
		c.MaxMsgsPer = -1
	}
	if c.MaxBytes == 0 || c.MaxBytes < -1 {
		c.MaxBytes = -1
	}
	if c.MaxMsgSize == 0 || c.MaxMsgSize < -1 {
		c.MaxMsgSize = -1
	}
	if c.MaxConsumers == 0 || c.MaxConsumers < -1 {
		c.MaxConsumers = -1
	}
}

func (c *StreamConfig) defaultDuplicates(lim Limits) {
	if c.Duplicates != 0 || c.Mirror != nil || len(c.Sources) > 0 {
		return
	}
	window := DefaultDuplicateWindow
	if lim.Duplicates > 0 && window > lim.Duplicates {
		window = lim.Duplicates
	}
	if c.MaxAge != 0 && c.MaxAge < window {
		window = c.MaxAge
	}
	c.Duplicates = window
}

// defaultMarkerFlags turns on what subject delete markers and message
// schedules need: per-message TTLs and roll-ups (which cancel deny purge).
func (c *StreamConfig) defaultMarkerFlags() {
	if c.SubjectDeleteMarkerTTL > 0 {
		c.AllowMsgTTL = true
		if !c.AllowRollup {
			c.AllowRollup, c.DenyPurge = true, false
		}
	}
	if c.AllowMsgSchedules && !c.AllowRollup {
		c.AllowRollup, c.DenyPurge = true, false
	}
}

func (c *StreamConfig) defaultSubjects() {
	if len(c.Subjects) == 0 && c.Mirror == nil && len(c.Sources) == 0 {
		c.Subjects = append(c.Subjects, c.Name)
	}
}

func (c *StreamConfig) defaultRePublish() {
	rp := c.RePublish
	if rp == nil {
		return
	}
	if rp.Source == "" {
		rp.Source = fullWildToken
	}
	if c.implicitRePublish() {
		rp.Source, rp.Destination = c.SubjectTransform.Destination, c.SubjectTransform.Destination
	}
}

// implicitRePublish reports whether a ">" to ">" republish means
// "republish with the transformed subject": the transform's source is the
// only stream subject.
func (c *StreamConfig) implicitRePublish() bool {
	rp := c.RePublish
	return rp.Destination == fullWildToken && rp.Source == fullWildToken && c.SubjectTransform != nil &&
		len(c.Subjects) == 1 && c.SubjectTransform.Source == c.Subjects[0]
}

func (c *StreamConfig) defaultPlacement() {
	if c.Placement != nil && reflect.DeepEqual(c.Placement, &Placement{}) {
		c.Placement = nil
	}
}

// checkBasics: name, description, metadata and enums.
func (c *StreamConfig) checkBasics() *ApiError {
	if !ValidName(c.Name) {
		return invalidConfig("stream name is required and can not contain '.', '*', '>', '\\', '/'")
	}
	if len(c.Name) > MaxNameLen {
		return invalidConfig("stream name is too long, maximum allowed is %d", MaxNameLen)
	}
	if len(c.Description) > MaxDescriptionLen {
		return invalidConfig("stream description is too long, maximum allowed is %d", MaxDescriptionLen)
	}
	if metadataLen(c.Metadata) > MaxMetadataLen {
		return invalidConfig("stream metadata exceeds maximum size of %d bytes", MaxMetadataLen)
	}
	if _, err := c.Retention.MarshalJSON(); err != nil {
		return invalidConfig("invalid retention")
	}
	if _, err := c.Discard.MarshalJSON(); err != nil {
		return invalidConfig("invalid discard policy")
	}
	if _, err := c.Compression.MarshalJSON(); err != nil {
		return invalidConfig("invalid compression")
	}
	if _, err := c.Storage.MarshalJSON(); err != nil {
		return invalidConfig("invalid storage type")
	}
	return nil
}

// checkLimits: replicas, max_* limits, max age and the duplicate window.
func (c *StreamConfig) checkLimits(o *CheckOptions) *ApiError {
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.Replicas > MaxReplicas {
		return invalidConfig("maximum replicas is %d", MaxReplicas)
	}
	if c.Replicas < 0 {
		return NewReplicasCountCannotBeNegativeError()
	}
	if o.Pedantic {
		switch {
		case c.MaxMsgs < -1:
			return pedanticErr("max_msgs must be set to -1")
		case c.MaxMsgsPer < -1:
			return pedanticErr("max_msgs_per_subject must be set to -1")
		case c.MaxBytes < -1:
			return pedanticErr("max_bytes must be set to -1")
		case c.MaxMsgSize < -1:
			return pedanticErr("max_msg_size must be set to -1")
		case c.MaxConsumers < -1:
			return pedanticErr("max_consumers must be set to -1")
		}
	}
	c.defaultLimits()
	if c.MaxAge < 0 {
		return invalidConfig("max age can not be negative")
	}
	if c.MaxAge != 0 && c.MaxAge < minMaxAge {
		return invalidConfig("max age needs to be >= 100ms")
	}
	if o.Pedantic && c.Duplicates == 0 && c.Mirror == nil && len(c.Sources) == 0 {
		window := DefaultDuplicateWindow
		if o.Duplicates > 0 && window > o.Duplicates {
			return pedanticErr("duplicate window limits are higher than current limits")
		}
		if c.MaxAge != 0 && c.MaxAge < window {
			return pedanticErr("duplicate window cannot be bigger than max age")
		}
	}
	c.defaultDuplicates(o.Limits)
	if c.Duplicates < 0 {
		return invalidConfig("duplicates window can not be negative")
	}
	if c.MaxAge != 0 && c.Duplicates > c.MaxAge {
		return invalidConfig("duplicates window can not be larger then max age")
	}
	if o.Duplicates > 0 && c.Duplicates > o.Duplicates {
		return invalidConfig("duplicates window can not be larger then server limit of %v", o.Duplicates.String())
	}
	if c.Duplicates > 0 && c.Duplicates < minDuplicates {
		return invalidConfig("duplicates window needs to be >= 100ms")
	}
	return nil
}

// checkFeatures: roll-ups, counters, discard new per subject, delete
// markers, schedules and the persist mode.
func (c *StreamConfig) checkFeatures(o *CheckOptions) *ApiError {
	if c.DenyPurge && c.AllowRollup {
		return invalidConfig("roll-ups require the purge permission")
	}
	if c.AllowMsgCounter {
		switch {
		case c.Discard == DiscardNew:
			return invalidConfig("counter stream cannot use discard new")
		case c.AllowMsgTTL:
			return invalidConfig("counter stream cannot use message TTLs")
		case c.AllowMsgSchedules:
			return invalidConfig("counter stream cannot use message schedules")
		case c.Retention != LimitsPolicy:
			return invalidConfig("counter stream can only use limits retention")
		}
	}
	if err := c.checkDiscardNewPer(); err != nil {
		return err
	}
	switch {
	case c.SubjectDeleteMarkerTTL > 0:
		if c.SubjectDeleteMarkerTTL < minDeleteMarkerTTL {
			return invalidConfig("subject delete marker TTL must be at least 1 second")
		}
		if o.Pedantic && !c.AllowMsgTTL {
			return invalidConfig("subject delete marker cannot be set if message TTLs are disabled")
		}
		if o.Pedantic && !c.AllowRollup {
			return invalidConfig("subject delete marker cannot be set if roll-ups are disabled")
		}
	case c.SubjectDeleteMarkerTTL < 0:
		return invalidConfig("subject delete marker TTL must not be negative")
	}
	if c.SubjectDeleteMarkerTTL > 0 {
		c.AllowMsgTTL = true
		if !c.AllowRollup {
			c.AllowRollup, c.DenyPurge = true, false
		}
	}
	if c.AllowMsgSchedules {
		if c.Discard == DiscardNew {
			return invalidConfig("message scheduling cannot use discard new")
		}
		if o.Pedantic && !c.AllowRollup {
			return invalidConfig("message scheduling cannot be set if roll-ups are disabled")
		}
	}
	c.defaultMarkerFlags()
	if c.PersistMode == AsyncPersistMode {
		switch {
		case c.Storage != FileStorage:
			return invalidConfig("async persist mode is only supported on file storage")
		case c.Replicas > 1:
			return invalidConfig("async persist mode is not supported on replicated streams")
		case c.AllowAtomicPublish:
			return invalidConfig("async persist mode is not supported with atomic batch publish")
		}
	}
	return nil
}

func (c *StreamConfig) checkDiscardNewPer() *ApiError {
	if !c.DiscardNewPer {
		return nil
	}
	if c.Discard != DiscardNew {
		return invalidConfig("discard new per subject requires discard new policy to be set")
	}
	if c.MaxMsgsPer <= 0 {
		return invalidConfig("discard new per subject requires max msgs per subject > 0")
	}
	return nil
}

// checkSubjects: the stream's own subjects, after the mirror, source and
// external prefix checks.
func (c *StreamConfig) checkSubjects() *ApiError {
	if len(c.Subjects) == 0 {
		c.defaultSubjects()
	} else {
		if c.Mirror != nil {
			return NewMirrorWithSubjectsError()
		}
		for i, subj := range c.Subjects {
			if !subject.ValidFilter(subj) {
				return invalidConfig("invalid subject")
			}
			for _, prev := range c.Subjects[:i] {
				if prev == subj {
					return invalidConfig("duplicate subjects detected")
				}
			}
			if subj == fullWildToken {
				if !c.NoAck {
					return invalidConfig("capturing all subjects requires no-ack to be true")
				}
				if c.Replicas != 1 {
					return invalidConfig("capturing all subjects requires replicas of 1")
				}
			}
			if !c.NoAck {
				for _, ns := range []string{"$JS.>", "$JSC.>", "$NRG.>"} {
					if subject.Overlap(subj, ns) && !subject.SubsetOf(subj, "$JS.EVENT.>") {
						return invalidConfig("subjects that overlap with jetstream api require no-ack to be true")
					}
				}
				if subject.Overlap(subj, "$SYS.>") && !subject.SubsetOf(subj, "$SYS.ACCOUNT.>") {
					return invalidConfig("subjects that overlap with system api require no-ack to be true")
				}
			}
			for _, later := range c.Subjects[i+1:] {
				if subject.Overlap(later, subj) {
					return invalidConfig("subject %q overlaps with %q", subj, later)
				}
			}
		}
	}
	if len(c.Subjects) == 0 && len(c.Sources) == 0 && c.Mirror == nil {
		return invalidConfig("stream needs at least one configured subject or be a source/mirror")
	}
	return nil
}

// checkTransforms: the input subject transform, republish and placement.
func (c *StreamConfig) checkTransforms(o *CheckOptions) *ApiError {
	if st := c.SubjectTransform; st != nil {
		if st.Source != "" && !subject.ValidFilter(st.Source) {
			return NewStreamTransformInvalidSourceError(badSubject(st.Source))
		}
		if err := o.checkTransform(st.Source, st.Destination); err != nil {
			return NewStreamTransformInvalidDestinationError(err)
		}
	}
	if rp := c.RePublish; rp != nil {
		if rp.Source == "" && o.Pedantic {
			return pedanticErr("republish source can not be empty")
		}
		if rp.Source == "" {
			rp.Source = fullWildToken
		}
		if c.implicitRePublish() && o.Pedantic {
			return pedanticErr("implicit republish based on subject transform")
		}
		c.defaultRePublish()
		for _, subj := range c.Subjects {
			if subject.Overlap(rp.Destination, subj) {
				return invalidConfig("stream configuration for republish destination forms a cycle")
			}
		}
		if !subject.ValidFilter(rp.Source) || o.checkTransform(rp.Source, rp.Destination) != nil || rp.Destination == "" {
			return invalidConfig("stream configuration for republish with transform from '%s' to '%s' not valid", rp.Source, rp.Destination)
		}
	}
	c.defaultPlacement()
	if c.Placement != nil && c.Placement.Preferred != "" {
		return invalidConfig("preferred server not permitted in placement")
	}
	return nil
}

func badSubject(s string) error { return fmt.Errorf("%w %s", errBadSubject, s) }

// CheckCreateRequest applies the STREAM.CREATE rules that involve the
// request subject: the name in the subject must equal the config's
// (10056) and have no path separators (10128); a new stream can not be
// sealed, nor have mirror_direct without a mirror (10052).
func (c *StreamConfig) CheckCreateRequest(subjectStream string) *ApiError {
	if subjectStream != c.Name {
		return NewStreamMismatchError()
	}
	if strings.ContainsAny(subjectStream, `\/`) {
		return NewStreamNameContainsPathSeparatorsError()
	}
	if c.Sealed {
		return invalidConfig("stream configuration for create can not be sealed")
	}
	if c.MirrorDirect && c.Mirror == nil {
		return invalidConfig("stream has no mirror but does have mirror direct")
	}
	return nil
}

// CheckUpdate applies the rules for replacing the config old by c (which
// should already be normalized): the name, storage type, mirror and
// counter setting can not change, retention can not change to or from
// workqueue, sealed, deny delete, deny purge, per-message TTLs and message
// schedules can not be turned off, and the persist mode is fixed. When c
// is sealed, it gets the settings of a sealed stream (no max age, discard
// new, deny delete and purge, no roll-ups). Replica and account limits
// are the caller's.
func (c *StreamConfig) CheckUpdate(old *StreamConfig) *ApiError {
	switch {
	case c.Name != old.Name:
		return invalidConfig("stream configuration name must match original")
	case c.Storage != old.Storage:
		return invalidConfig("stream configuration update can not change storage type")
	case c.Retention != old.Retention && (old.Retention == WorkQueuePolicy || c.Retention == WorkQueuePolicy):
		return invalidConfig("stream configuration update can not change retention policy to/from workqueue")
	case !c.Sealed && old.Sealed:
		return invalidConfig("stream configuration update can not unseal a sealed stream")
	case !c.DenyDelete && old.DenyDelete:
		return invalidConfig("stream configuration update can not cancel deny message deletes")
	case !c.DenyPurge && old.DenyPurge:
		return invalidConfig("stream configuration update can not cancel deny purge")
	case c.Mirror != nil && !reflect.DeepEqual(c.Mirror, old.Mirror):
		return NewStreamMirrorNotUpdatableError()
	}
	if err := c.checkDiscardNewPer(); err != nil {
		return err
	}
	switch {
	case old.AllowMsgTTL && !c.AllowMsgTTL:
		return invalidConfig("message TTL status can not be disabled")
	case c.AllowMsgCounter != old.AllowMsgCounter:
		return invalidConfig("stream configuration update can not change message counter setting")
	case old.AllowMsgSchedules && !c.AllowMsgSchedules:
		return invalidConfig("message schedules can not be disabled")
	case old.PersistMode != c.PersistMode:
		return invalidConfig("stream configuration update can not change persist mode")
	}
	if c.Sealed {
		c.MaxAge = 0
		c.Discard = DiscardNew
		c.DenyDelete, c.DenyPurge = true, true
		c.AllowRollup = false
	}
	return nil
}
