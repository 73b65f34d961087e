package jsapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// The policy types below travel as JSON strings. Each zero value is what the
// reference server assumes when the field is missing from a request
// (limits retention, discard old, file storage, no compression, ack none,
// deliver all, replay instant, no priority policy, create-or-update).
//
// Unmarshalling compares the raw JSON bytes with the quoted names, as the
// reference does; anything else, including null, is an error whose text
// matches the reference's (it ends up in "invalid JSON: ..." descriptions).
// Marshalling a value outside the known range is an error, which is how
// validation detects invalid enums set from Go code.

// RetentionPolicy decides when messages leave a stream.
type RetentionPolicy int

const (
	LimitsPolicy    RetentionPolicy = iota // "limits": kept until a limit is hit
	InterestPolicy                         // "interest": kept while some consumer still needs them
	WorkQueuePolicy                        // "workqueue": removed once acknowledged by one consumer
)

var retentionNames = []string{"limits", "interest", "workqueue"}

func (p RetentionPolicy) String() string               { return enumString(retentionNames, int(p)) }
func (p RetentionPolicy) MarshalJSON() ([]byte, error) { return marshalEnum(retentionNames, int(p)) }
func (p *RetentionPolicy) UnmarshalJSON(b []byte) error {
	return unmarshalEnum(retentionNames, b, (*int)(p))
}

// DiscardPolicy decides what happens when a stream limit is reached.
type DiscardPolicy int

const (
	DiscardOld DiscardPolicy = iota // "old": drop the oldest messages
	DiscardNew                      // "new": reject the new message
)

var discardNames = []string{"old", "new"}

func (p DiscardPolicy) String() string               { return enumString(discardNames, int(p)) }
func (p DiscardPolicy) MarshalJSON() ([]byte, error) { return marshalEnum(discardNames, int(p)) }

// UnmarshalJSON accepts "old" and "new" in any letter case (the only
// case-insensitive enum of the reference).
func (p *DiscardPolicy) UnmarshalJSON(b []byte) error {
	if err := unmarshalEnum(discardNames, []byte(strings.ToLower(string(b))), (*int)(p)); err != nil {
		return fmt.Errorf("can not unmarshal %q", b)
	}
	return nil
}

// StorageType is where a stream or consumer keeps its data.
type StorageType int

const (
	FileStorage   StorageType = iota // "file"
	MemoryStorage                    // "memory"
)

var storageNames = []string{"file", "memory"}

func (t StorageType) String() string               { return enumString(storageNames, int(t)) }
func (t StorageType) MarshalJSON() ([]byte, error) { return marshalEnum(storageNames, int(t)) }
func (t *StorageType) UnmarshalJSON(b []byte) error {
	return unmarshalEnum(storageNames, b, (*int)(t))
}

// Compression is the on-disk compression of a file-backed stream.
type Compression int

const (
	NoCompression Compression = iota // "none"
	S2Compression                    // "s2"
)

var compressionNames = []string{"none", "s2"}

var errUnknownCompression = errors.New("unknown compression algorithm")

func (c Compression) String() string { return enumString(compressionNames, int(c)) }
func (c Compression) MarshalJSON() ([]byte, error) {
	if c < 0 || int(c) >= len(compressionNames) {
		return nil, errUnknownCompression
	}
	return marshalEnum(compressionNames, int(c))
}

// UnmarshalJSON decodes a JSON string (escapes allowed, unlike the other
// enums) and accepts "none" and "s2".
func (c *Compression) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	for i, n := range compressionNames {
		if s == n {
			*c = Compression(i)
			return nil
		}
	}
	return errUnknownCompression
}

// PersistMode selects when a stream's writes are flushed.
type PersistMode int

const (
	DefaultPersistMode PersistMode = iota // "default": flushed before the publish is acknowledged
	AsyncPersistMode                      // "async": flushed in the background
)

var persistNames = []string{"default", "async"}

func (m PersistMode) String() string               { return enumString(persistNames, int(m)) }
func (m PersistMode) MarshalJSON() ([]byte, error) { return marshalEnum(persistNames, int(m)) }

// UnmarshalJSON accepts "default", "async" and the empty string (default).
func (m *PersistMode) UnmarshalJSON(b []byte) error {
	if string(b) == `""` {
		*m = DefaultPersistMode
		return nil
	}
	return unmarshalEnum(persistNames, b, (*int)(m))
}

// AckPolicy is how a consumer's deliveries are acknowledged.
type AckPolicy int

const (
	AckNone        AckPolicy = iota // "none"
	AckAll                          // "all": acking a message acks all before it
	AckExplicit                     // "explicit": every message is acked
	AckFlowControl                  // "flow_control": acked by flow-control replies (sourcing)
)

var ackNames = []string{"none", "all", "explicit", "flow_control"}

func (p AckPolicy) String() string               { return enumString(ackNames, int(p)) }
func (p AckPolicy) MarshalJSON() ([]byte, error) { return marshalEnum(ackNames, int(p)) }
func (p *AckPolicy) UnmarshalJSON(b []byte) error {
	return unmarshalEnum(ackNames, b, (*int)(p))
}

// DeliverPolicy is where a consumer starts in its stream.
type DeliverPolicy int

const (
	DeliverAll             DeliverPolicy = iota // "all"
	DeliverLast                                 // "last"
	DeliverNew                                  // "new"
	DeliverByStartSequence                      // "by_start_sequence"
	DeliverByStartTime                          // "by_start_time"
	DeliverLastPerSubject                       // "last_per_subject"
)

var deliverNames = []string{"all", "last", "new", "by_start_sequence", "by_start_time", "last_per_subject"}

func (p DeliverPolicy) String() string { return enumString(deliverNames, int(p)) }

// MarshalJSON never fails: an unknown value is written as "undefined", as
// the reference does.
func (p DeliverPolicy) MarshalJSON() ([]byte, error) {
	if p < 0 || int(p) >= len(deliverNames) {
		return []byte(`"undefined"`), nil
	}
	return marshalEnum(deliverNames, int(p))
}

// UnmarshalJSON accepts the six names and "undefined" (read as "all").
func (p *DeliverPolicy) UnmarshalJSON(b []byte) error {
	if string(b) == `"undefined"` {
		*p = DeliverAll
		return nil
	}
	return unmarshalEnum(deliverNames, b, (*int)(p))
}

// ReplayPolicy is the pace at which a consumer replays stored messages.
type ReplayPolicy int

const (
	ReplayInstant  ReplayPolicy = iota // "instant": as fast as possible
	ReplayOriginal                     // "original": at the pace they were stored
)

var replayNames = []string{"instant", "original"}

func (p ReplayPolicy) String() string               { return enumString(replayNames, int(p)) }
func (p ReplayPolicy) MarshalJSON() ([]byte, error) { return marshalEnum(replayNames, int(p)) }
func (p *ReplayPolicy) UnmarshalJSON(b []byte) error {
	return unmarshalEnum(replayNames, b, (*int)(p))
}

// PriorityPolicy selects how a pull consumer with priority groups picks
// among waiting requests (ADR-42).
type PriorityPolicy int

const (
	PriorityNone         PriorityPolicy = iota // "none"
	PriorityOverflow                           // "overflow"
	PriorityPinnedClient                       // "pinned_client"
	PriorityPrioritized                        // "prioritized"
)

var priorityNames = []string{"none", "overflow", "pinned_client", "prioritized"}

func (p PriorityPolicy) String() string { return enumString(priorityNames, int(p)) }
func (p PriorityPolicy) MarshalJSON() ([]byte, error) {
	if p < 0 || int(p) >= len(priorityNames) {
		return nil, fmt.Errorf("unknown priority policy: %d", int(p))
	}
	return marshalEnum(priorityNames, int(p))
}
func (p *PriorityPolicy) UnmarshalJSON(b []byte) error {
	if err := unmarshalEnum(priorityNames, b, (*int)(p)); err != nil {
		return fmt.Errorf("unknown priority policy: %s", b)
	}
	return nil
}

// ConsumerAction restricts a consumer create request.
type ConsumerAction int

const (
	ActionCreateOrUpdate ConsumerAction = iota // "": create, or update if it exists
	ActionUpdate                               // "update": the consumer must exist
	ActionCreate                               // "create": it must not exist with another config
)

var actionNames = []string{"", "update", "create"}

func (a ConsumerAction) String() string               { return enumString(actionNames, int(a)) }
func (a ConsumerAction) MarshalJSON() ([]byte, error) { return marshalEnum(actionNames, int(a)) }
func (a *ConsumerAction) UnmarshalJSON(b []byte) error {
	if err := unmarshalEnum(actionNames, b, (*int)(a)); err != nil {
		return fmt.Errorf("unknown consumer action: %s", b)
	}
	return nil
}

// enumString returns the wire name of v, or "unknown(<v>)".
func enumString(names []string, v int) string {
	if v < 0 || v >= len(names) {
		return fmt.Sprintf("unknown(%d)", v)
	}
	return names[v]
}

func marshalEnum(names []string, v int) ([]byte, error) {
	if v < 0 || v >= len(names) {
		return nil, fmt.Errorf("can not marshal %d", v)
	}
	b := make([]byte, 0, len(names[v])+2)
	b = append(b, '"')
	b = append(b, names[v]...)
	return append(b, '"'), nil
}

// unmarshalEnum matches the raw JSON b against the quoted names.
func unmarshalEnum(names []string, b []byte, dst *int) error {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		s := b[1 : len(b)-1]
		for i, n := range names {
			if string(s) == n {
				*dst = i
				return nil
			}
		}
	}
	return fmt.Errorf("can not unmarshal %q", b)
}
