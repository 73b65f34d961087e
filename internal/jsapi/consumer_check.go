package jsapi

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/natsnet/natsnet/internal/subject"
)

// validGroupName is the rule for priority group names.
var validGroupName = regexp.MustCompile(`^[a-zA-Z0-9/_=-]{1,16}$`)

// SetDefaults fills in what the server fills in for a consumer of a stream
// with config s, with no server or account limits: max_deliver -1,
// max_waiting 512 for pull consumers, ack_wait 30s for ack all and
// explicit (or the first backoff), max_ack_pending from the stream's
// consumer limits or 1000 when acks are needed, inactive_threshold from
// the stream's consumer limits, priority_timeout 2m for pinned_client,
// and flow control with a 1s heartbeat for the flow_control ack policy.
// Negative values that mean nothing are reset to zero. num_replicas is
// left alone (see EffectiveReplicas).
func (c *ConsumerConfig) SetDefaults(s *StreamConfig) { _ = c.ApplyDefaults(s, CheckOptions{}) }

// ApplyDefaults is SetDefaults with limits; in pedantic mode it returns
// the error (10157) the reference returns instead of adjusting a value.
func (c *ConsumerConfig) ApplyDefaults(s *StreamConfig, o CheckOptions) *ApiError {
	if c.MaxDeliver == 0 || c.MaxDeliver < -1 {
		if o.Pedantic && c.MaxDeliver < -1 {
			return pedanticErr("max_deliver must be set to -1")
		}
		c.MaxDeliver = -1
	}
	type negative struct {
		bad   bool
		msg   string
		reset func()
	}
	for _, n := range []negative{
		{c.MaxWaiting < 0, "max_waiting must not be negative", func() { c.MaxWaiting = 0 }},
		{c.MaxAckPending < -1, "max_ack_pending must be set to -1", func() { c.MaxAckPending = -1 }},
		{c.MaxRequestBatch < 0, "max_batch must not be negative", func() { c.MaxRequestBatch = 0 }},
		{c.MaxRequestExpires < 0, "max_expires must not be negative", func() { c.MaxRequestExpires = 0 }},
		{c.MaxRequestMaxBytes < 0, "max_bytes must not be negative", func() { c.MaxRequestMaxBytes = 0 }},
		{c.Heartbeat < 0, "idle_heartbeat must not be negative", func() { c.Heartbeat = 0 }},
		{c.InactiveThreshold < 0, "inactive_threshold must not be negative", func() { c.InactiveThreshold = 0 }},
		{c.PinnedTTL < 0, "priority_timeout must not be negative", func() { c.PinnedTTL = 0 }},
	} {
		if n.bad {
			if o.Pedantic {
				return pedanticErr("%s", n.msg)
			}
			n.reset()
		}
	}
	if c.DeliverSubject == "" && c.MaxWaiting == 0 {
		c.MaxWaiting = DefaultMaxWaiting
	}
	if c.AckWait == 0 && (c.AckPolicy == AckExplicit || c.AckPolicy == AckAll) {
		c.AckWait = DefaultAckWait
	}
	if len(c.BackOff) > 0 {
		if o.Pedantic && c.AckWait != c.BackOff[0] {
			return pedanticErr("first backoff value has to equal batch AckWait")
		}
		c.AckWait = c.BackOff[0]
	}
	if c.MaxAckPending == 0 {
		if o.Pedantic && s.ConsumerLimits.MaxAckPending > 0 {
			return pedanticErr("max_ack_pending must be set if it's configured in stream limits")
		}
		c.MaxAckPending = s.ConsumerLimits.MaxAckPending
	}
	if c.InactiveThreshold == 0 {
		if o.Pedantic && s.ConsumerLimits.InactiveThreshold > 0 {
			return pedanticErr("inactive_threshold must be set if it's configured in stream limits")
		}
		c.InactiveThreshold = s.ConsumerLimits.InactiveThreshold
	}
	if c.MaxAckPending == 0 && c.AckPolicy != AckNone {
		n := DefaultMaxAckPending
		if o.MaxAckPending > 0 && o.MaxAckPending < n {
			n = o.MaxAckPending
		}
		if o.AccountMaxAckPending > 0 && o.AccountMaxAckPending < n {
			n = o.AccountMaxAckPending
		}
		c.MaxAckPending = n
	}
	if c.DeliverSubject == "" && c.MaxRequestBatch == 0 && o.MaxRequestBatch > 0 {
		if o.Pedantic {
			return pedanticErr("max_request_batch must be set if it's JetStream limits are set")
		}
		c.MaxRequestBatch = o.MaxRequestBatch
	}
	if c.PriorityPolicy == PriorityPinnedClient && c.PinnedTTL == 0 {
		c.PinnedTTL = DefaultPinnedTTL
	}
	if c.AckPolicy == AckFlowControl && !o.Pedantic {
		c.FlowControl = true
		c.Heartbeat = FlowControlHeartbeat
	}
	return nil
}

// Validate reports the first error the reference server would report for
// this consumer config on a stream with config s, with no server limits.
// Call it after SetDefaults (the reference validates the defaulted
// config). Checks that need server state (existing consumers, consumer
// counts, interest on the deliver subject) are the caller's; see also
// CheckNew and CheckUpdate.
func (c *ConsumerConfig) Validate(s *StreamConfig) *ApiError {
	return c.ValidateWith(s, CheckOptions{})
}

// ValidateWith is Validate with limits and options.
func (c *ConsumerConfig) ValidateWith(s *StreamConfig, o CheckOptions) *ApiError {
	if c.Name != "" && !ValidName(c.Name) {
		return invalidConfig("consumer name can not contain '.', '*', '>', '\\', '/'")
	}
	if c.Durable != "" && !ValidName(c.Durable) {
		return invalidConfig("consumer durable name can not contain '.', '*', '>', '\\', '/'")
	}
	if c.Replicas > 0 && c.Replicas > s.Replicas {
		return NewConsumerReplicasExceedsStreamError()
	}
	if c.Replicas < 0 {
		return NewReplicasCountCannotBeNegativeError()
	}
	if (s.Retention == InterestPolicy || s.Retention == WorkQueuePolicy) &&
		!o.Recovering && c.Replicas != 0 && c.Replicas != s.Replicas {
		return NewConsumerReplicasShouldMatchStreamError()
	}
	if _, err := c.AckPolicy.MarshalJSON(); err != nil {
		return NewConsumerAckPolicyInvalidError()
	}
	if _, err := c.ReplayPolicy.MarshalJSON(); err != nil {
		return NewConsumerReplayPolicyInvalidError()
	}
	for _, b := range c.BackOff {
		if b < 0 {
			return NewConsumerBackOffNegativeError()
		}
	}
	if c.AckWait < 0 {
		return NewConsumerAckWaitNegativeError()
	}
	if err := c.checkAckFlowControl(); err != nil {
		return err
	}
	if n := len(c.BackOff); n > 0 && c.MaxDeliver != -1 && n > c.MaxDeliver {
		return NewConsumerMaxDeliverBackoffError()
	}
	if len(c.Description) > MaxDescriptionLen {
		return NewConsumerDescriptionTooLongError(MaxDescriptionLen)
	}
	if err := c.checkDeliveryMode(s, &o); err != nil {
		return err
	}
	if err := c.checkLimits(s, &o); err != nil {
		return err
	}
	if c.Direct {
		if c.DeliverSubject == "" {
			return NewConsumerDirectRequiresPushError()
		}
		if c.IsDurable() {
			return NewConsumerDirectRequiresEphemeralError()
		}
	}
	if err := c.checkFilters(); err != nil {
		return err
	}
	if err := c.checkStart(); err != nil {
		return err
	}
	if c.SampleFrequency != "" {
		n, err := strconv.Atoi(strings.TrimSuffix(c.SampleFrequency, "%"))
		if err != nil || n < 0 {
			return NewConsumerInvalidSamplingError(err)
		}
	}
	if c.FlowControl && c.Heartbeat == 0 {
		return NewConsumerWithFlowControlNeedsHeartbeatsError()
	}
	if c.Durable != "" && c.Name != "" && c.Name != c.Durable {
		return NewConsumerCreateDurableAndNameMismatchError()
	}
	if metadataLen(c.Metadata) > MaxMetadataLen {
		return NewConsumerMetadataLengthError(fmt.Sprintf("%dKB", MaxMetadataLen/1024))
	}
	if err := c.checkPriority(); err != nil {
		return err
	}
	if s.Placement != nil && s.Placement.Preferred != "" {
		return invalidConfig("preferred server not permitted in placement")
	}
	return nil
}

// checkAckFlowControl: the flow_control ack policy is for push consumers
// with flow control, a 1s heartbeat, max ack pending, and no ack wait,
// backoff or max deliver.
func (c *ConsumerConfig) checkAckFlowControl() *ApiError {
	if c.AckPolicy != AckFlowControl {
		return nil
	}
	switch {
	case c.DeliverSubject == "":
		return NewConsumerAckFCRequiresPushError()
	case !c.FlowControl:
		return NewConsumerAckFCRequiresFCError()
	case c.Heartbeat != FlowControlHeartbeat:
		return invalidConfig("flow control ack policy heartbeat needs to be 1s")
	case c.MaxAckPending <= 0:
		return NewConsumerAckFCRequiresMaxAckPendingError()
	case c.AckWait != 0 || len(c.BackOff) > 0:
		return NewConsumerAckFCRequiresNoAckWaitError()
	case c.MaxDeliver > 0:
		return NewConsumerAckFCRequiresNoMaxDeliverError()
	}
	return nil
}

// checkDeliveryMode: push consumers need a literal deliver subject outside
// the stream's subjects; pull consumers have their own rules.
func (c *ConsumerConfig) checkDeliveryMode(s *StreamConfig, o *CheckOptions) *ApiError {
	if c.DeliverSubject != "" {
		switch {
		case !subject.IsLiteral(c.DeliverSubject):
			return NewConsumerDeliverToWildcardsError()
		case !subject.ValidFilter(c.DeliverSubject):
			return NewConsumerInvalidDeliverSubjectError()
		case deliveryFormsCycle(s, c.DeliverSubject):
			return NewConsumerDeliverCycleError()
		case c.MaxWaiting != 0:
			return NewConsumerPushMaxWaitingError()
		case c.MaxAckPending > 0 && c.AckPolicy == AckNone:
			return NewConsumerMaxPendingAckPolicyRequiredError()
		case c.Heartbeat > 0 && c.Heartbeat < MinHeartbeat:
			return NewConsumerSmallHeartbeatError()
		}
		return nil
	}
	switch {
	case c.AckPolicy == AckNone && s.Retention == WorkQueuePolicy:
		return NewConsumerPullRequiresAckError()
	case c.RateLimit > 0:
		return NewConsumerPullWithRateLimitError()
	case c.MaxWaiting < 0:
		return NewConsumerMaxWaitingNegativeError()
	case c.Heartbeat > 0:
		return NewConsumerHBRequiresPushError()
	case c.FlowControl:
		return NewConsumerFCRequiresPushError()
	case c.MaxRequestBatch < 0:
		return NewConsumerMaxRequestBatchNegativeError()
	case c.MaxRequestExpires != 0 && c.MaxRequestExpires < time.Millisecond:
		return NewConsumerMaxRequestExpiresTooSmallError()
	case o.MaxRequestBatch > 0 && c.MaxRequestBatch > o.MaxRequestBatch:
		return NewConsumerMaxRequestBatchExceededError(o.MaxRequestBatch)
	}
	return nil
}

func deliveryFormsCycle(s *StreamConfig, deliver string) bool {
	for _, subj := range s.Subjects {
		if subject.SubsetOf(deliver, subj) {
			return true
		}
	}
	return false
}

// checkLimits: max ack pending and inactive threshold against the server,
// account and stream caps.
func (c *ConsumerConfig) checkLimits(s *StreamConfig, o *CheckOptions) *ApiError {
	switch {
	case o.MaxAckPending > 0 && c.MaxAckPending > o.MaxAckPending:
		return NewConsumerMaxPendingAckExcessError(o.MaxAckPending)
	case o.AccountMaxAckPending > 0 && c.MaxAckPending > o.AccountMaxAckPending:
		return NewConsumerMaxPendingAckExcessError(o.AccountMaxAckPending)
	case s.ConsumerLimits.MaxAckPending > 0 && c.MaxAckPending > s.ConsumerLimits.MaxAckPending:
		return NewConsumerMaxPendingAckExcessError(s.ConsumerLimits.MaxAckPending)
	case s.ConsumerLimits.InactiveThreshold > 0 && c.InactiveThreshold > s.ConsumerLimits.InactiveThreshold:
		return NewConsumerInactiveThresholdExcessError(s.ConsumerLimits.InactiveThreshold)
	}
	return nil
}

// checkFilters: filter_subject or filter_subjects, valid and disjoint.
func (c *ConsumerConfig) checkFilters() *ApiError {
	if c.FilterSubject != "" && len(c.FilterSubjects) > 0 {
		return NewConsumerDuplicateFilterSubjectsError()
	}
	if c.FilterSubject != "" && !subject.ValidFilter(c.FilterSubject) {
		return NewStreamInvalidConfigError(errBadSubject)
	}
	for _, f := range c.FilterSubjects {
		if f == "" {
			return NewConsumerEmptyFilterError()
		}
	}
	filters := c.Filters()
	for i, f := range filters {
		if !subject.ValidFilter(f) {
			return NewStreamInvalidConfigError(errBadSubject)
		}
		for j, g := range filters {
			if i != j && subject.SubsetOf(f, g) {
				return NewConsumerOverlappingSubjectFiltersError()
			}
		}
	}
	return nil
}

// checkStart: the start position must fit the deliver policy (10094).
func (c *ConsumerConfig) checkStart() *ApiError {
	name := map[DeliverPolicy]string{
		DeliverAll: "all", DeliverLast: "last", DeliverLastPerSubject: "last per subject",
		DeliverNew: "new", DeliverByStartSequence: "by start sequence", DeliverByStartTime: "by start time",
	}[c.DeliverPolicy]
	alsoSet := func(what string) *ApiError {
		return NewConsumerInvalidPolicyError(fmt.Errorf("consumer delivery policy is deliver %s, but optional start %s is also set", name, what))
	}
	notSet := func(what string) *ApiError {
		return NewConsumerInvalidPolicyError(fmt.Errorf("consumer delivery policy is deliver %s, but optional %s is not set", name, what))
	}
	switch c.DeliverPolicy {
	case DeliverAll, DeliverLast, DeliverLastPerSubject, DeliverNew:
		if c.OptStartSeq > 0 {
			return alsoSet("sequence")
		}
		if c.OptStartTime != nil {
			return alsoSet("time")
		}
		if c.DeliverPolicy == DeliverLastPerSubject && len(c.Filters()) == 0 {
			return notSet("filter subject")
		}
	case DeliverByStartSequence:
		if c.OptStartSeq == 0 {
			return notSet("start sequence")
		}
		if c.OptStartTime != nil {
			return alsoSet("time")
		}
	case DeliverByStartTime:
		if c.OptStartTime == nil {
			return notSet("start time")
		}
		if c.OptStartSeq != 0 {
			return alsoSet("start sequence")
		}
	}
	return nil
}

// checkPriority: priority groups go with a priority policy, on pull
// consumers only, with valid group names.
func (c *ConsumerConfig) checkPriority() *ApiError {
	if c.PriorityPolicy == PriorityNone {
		if len(c.PriorityGroups) > 0 {
			return NewConsumerPriorityGroupWithPolicyNoneError()
		}
		if c.PinnedTTL > 0 {
			return NewConsumerPinnedTTLWithoutPriorityPolicyNoneError()
		}
		return nil
	}
	if c.DeliverSubject != "" {
		return NewConsumerPushWithPriorityGroupError()
	}
	if len(c.PriorityGroups) == 0 {
		return NewConsumerPriorityPolicyWithoutGroupError()
	}
	for _, g := range c.PriorityGroups {
		if g == "" {
			return NewConsumerEmptyGroupNameError()
		}
		if !validGroupName.MatchString(g) {
			return NewConsumerInvalidGroupNameError()
		}
	}
	return nil
}

// CheckNew applies the rules for a consumer that does not exist yet, after
// Validate, in the reference's order: on a workqueue stream it must ack
// explicitly (or by flow control) (10098) and deliver all (10101), unless
// it is a mirror or source consumer; a durable name is at most MaxNameLen
// long (10102). Between the two the caller checks the consumer limit
// (10026) and, on a workqueue stream, that the filters are unique (10099,
// 10100).
func (c *ConsumerConfig) CheckNew(s *StreamConfig) *ApiError {
	if s.Retention == WorkQueuePolicy && !c.Direct && !c.Sourcing {
		if c.AckPolicy != AckExplicit && c.AckPolicy != AckFlowControl {
			return NewConsumerWQRequiresExplicitAckError()
		}
		if c.DeliverPolicy != DeliverAll {
			return NewConsumerWQConsumerNotDeliverAllError()
		}
	}
	if len(c.Durable) > MaxNameLen {
		return NewConsumerNameTooLongError(MaxNameLen)
	}
	return nil
}

// CheckUpdate applies the rules for replacing the config old of an existing
// consumer by c: only some fields may change. deliverBound reports whether
// old's deliver subject has interest; a bound push consumer can not move
// to another deliver subject (10013). Other refusals are 10012 with the
// reference's text.
func (c *ConsumerConfig) CheckUpdate(old *ConsumerConfig, deliverBound bool) *ApiError {
	if reflect.DeepEqual(old, c) {
		return nil
	}
	refuse := func(msg string) *ApiError { return NewConsumerCreateError(errors.New(msg)) }
	switch {
	case old.DeliverPolicy != c.DeliverPolicy:
		return refuse("deliver policy can not be updated")
	case old.MemoryStorage != c.MemoryStorage:
		return refuse("storage type can not be updated")
	case old.Direct != c.Direct:
		return refuse("direct can not be updated")
	case old.Sourcing != c.Sourcing:
		return refuse("sourcing can not be updated")
	case old.OptStartSeq != c.OptStartSeq:
		return refuse("start sequence can not be updated")
	case (old.OptStartTime == nil) != (c.OptStartTime == nil),
		old.OptStartTime != nil && !old.OptStartTime.Equal(*c.OptStartTime):
		return refuse("start time can not be updated")
	case old.AckPolicy != c.AckPolicy:
		return refuse("ack policy can not be updated")
	case old.ReplayPolicy != c.ReplayPolicy:
		return refuse("replay policy can not be updated")
	case old.Heartbeat != c.Heartbeat:
		return refuse("heart beats can not be updated")
	case old.FlowControl != c.FlowControl:
		return refuse("flow control can not be updated")
	}
	if old.DeliverSubject != c.DeliverSubject {
		switch {
		case old.DeliverSubject == "":
			return refuse("can not update pull consumer to push based")
		case c.DeliverSubject == "":
			return refuse("can not update push consumer to pull based")
		case deliverBound:
			return NewConsumerNameExistError()
		}
	}
	if old.MaxWaiting != c.MaxWaiting {
		return refuse("max waiting can not be updated")
	}
	if n := len(c.BackOff); n > 0 && c.MaxDeliver != -1 && n > c.MaxDeliver {
		return NewConsumerMaxDeliverBackoffError()
	}
	return nil
}

// CheckSubject applies the CONSUMER.CREATE rules that involve the request
// subject p, in the reference's order, and sets Config.Name where the
// subject names the consumer: the stream must match (10056), the name has
// no path separators (10127), the durable form needs a matching durable
// name (10018, 10017), the named form a matching durable if one is given
// (10017), the legacy ephemeral form no durable (10020), and a filter in
// the subject must equal filter_subject (10137, 10131).
func (r *ConsumerCreateRequest) CheckSubject(p APISubject) *ApiError {
	name := p.Consumer
	if p.Endpoint == APIConsumerCreateEphemeral {
		name = r.Config.Name
	}
	if p.Stream != r.Stream {
		return NewStreamMismatchError()
	}
	if strings.ContainsAny(name, `\/`) {
		return NewConsumerNameContainsPathSeparatorsError()
	}
	switch p.Endpoint {
	case APIConsumerDurableCreate:
		if r.Config.Durable == "" {
			return NewConsumerDurableNameNotSetError()
		}
		if name != r.Config.Durable {
			return NewConsumerDurableNameNotMatchSubjectError()
		}
		r.Config.Name = name
	case APIConsumerCreate:
		if r.Config.Durable != "" && name != r.Config.Durable {
			return NewConsumerDurableNameNotMatchSubjectError()
		}
		r.Config.Name = name
	case APIConsumerCreateEphemeral:
		if r.Config.Durable != "" {
			return NewConsumerEphemeralWithDurableNameError()
		}
	}
	if p.Filter != "" && len(r.Config.FilterSubjects) != 0 {
		return NewConsumerMultipleFiltersNotAllowedError()
	}
	if p.Filter != "" && r.Config.FilterSubject != p.Filter {
		return NewConsumerCreateFilterSubjectMismatchError()
	}
	return nil
}
