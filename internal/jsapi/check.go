package jsapi

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/natsnet/natsnet/internal/subject"
)

// Default values the server fills in.
const (
	DefaultDuplicateWindow = 2 * time.Minute  // stream duplicate_window
	DefaultAckWait         = 30 * time.Second // consumer ack_wait (ack all and explicit)
	DefaultMaxAckPending   = 1000             // consumer max_ack_pending when acks are needed
	DefaultMaxWaiting      = 512              // pull consumer max_waiting
	DefaultPinnedTTL       = 2 * time.Minute  // priority_timeout of pinned_client consumers
	FlowControlHeartbeat   = 1 * time.Second  // idle_heartbeat of flow_control-acked consumers
	MinHeartbeat           = 100 * time.Millisecond
	minMaxAge              = 100 * time.Millisecond
	minDuplicates          = 100 * time.Millisecond
	minDeleteMarkerTTL     = time.Second
)

// Limits are the server-wide and account limits that shape defaults and
// validation. Zero means "not limited" throughout.
type Limits struct {
	// Server-wide JetStream limits.
	MaxAckPending   int           // cap on a consumer's max_ack_pending
	MaxRequestBatch int           // cap on, and default for, a pull consumer's max_batch
	Duplicates      time.Duration // cap on a stream's duplicate_window

	// Limits of the account tier the asset falls in.
	AccountMaxAckPending int   // cap on, and default for, max_ack_pending
	MaxBytesRequired     bool  // streams must set max_bytes
	MaxStreamBytes       int64 // cap on a stream's max_bytes (for its storage type)
}

// CheckOptions tune the Normalize, ApplyDefaults and Validate methods.
type CheckOptions struct {
	Limits

	// Pedantic rejects (with err_code 10157, or 10052 for a few rules) any
	// config the server would otherwise adjust.
	Pedantic bool

	// Recovering relaxes checks that older servers did not make, for
	// configs restored from disk or the meta log.
	Recovering bool

	// CheckTransform validates a subject mapping from src (empty: every
	// subject) to dest. When nil, CheckTransformSyntax is used.
	CheckTransform func(src, dest string) error
}

func (o *CheckOptions) checkTransform(src, dest string) error {
	if o.CheckTransform != nil {
		return o.CheckTransform(src, dest)
	}
	return CheckTransformSyntax(src, dest)
}

// ValidName reports whether name may be used for a stream or consumer: not
// empty and without '.', '*', '>', path separators or whitespace. The length
// limit (MaxNameLen) is checked separately.
func ValidName(name string) bool {
	return name != "" && !strings.ContainsAny(name, " \t\r\n\f.*>\\/")
}

// errBadSubject is the text of the reference's "bad subject" error.
var errBadSubject = errors.New("invalid subject")

// invalidConfig is 10052 with a formatted description.
func invalidConfig(format string, args ...any) *ApiError {
	return NewStreamInvalidConfigError(fmt.Errorf(format, args...))
}

// pedanticErr is 10157 with a formatted description.
func pedanticErr(format string, args ...any) *ApiError {
	return NewPedanticError(fmt.Errorf(format, args...))
}

// metadataLen is the sum of the key and value lengths of m.
func metadataLen(m map[string]string) int {
	n := 0
	for k, v := range m {
		n += len(k) + len(v)
	}
	return n
}

// mappingFunctions are the names a "{{name(...)}}" destination token may
// use, in lower case.
var mappingFunctions = []string{
	"wildcard", "partition", "splitfromleft", "splitfromright", "slicefromleft",
	"slicefromright", "split", "left", "right", "random",
}

// CheckTransformSyntax is a syntax-only check of a subject mapping: src,
// when set, must be a valid filter; dest, when set, must have non-empty
// tokens, nothing after a '>' token, and "{{...}}" tokens that call a known
// mapping function, like "{{wildcard(1)}}" or "{{partition(3,1,2)}}". It
// does not check that wildcard indexes exist in src; a transform engine
// can do that through CheckOptions.CheckTransform.
func CheckTransformSyntax(src, dest string) error {
	if src != "" && !subject.ValidFilter(src) {
		return fmt.Errorf("%w %s", errBadSubject, src)
	}
	if dest == "" {
		return nil
	}
	toks := splitTokens(dest, nil)
	for i, t := range toks {
		if t == "" || (t == fullWildToken && i != len(toks)-1) {
			return fmt.Errorf("invalid mapping destination subject %q", dest)
		}
		if len(t) > 4 && strings.HasPrefix(t, "{{") && strings.HasSuffix(t, "}}") {
			fn := strings.TrimSpace(t[2 : len(t)-2])
			open := strings.IndexByte(fn, '(')
			if open <= 0 || !strings.HasSuffix(fn, ")") {
				return fmt.Errorf("invalid mapping destination function %q", t)
			}
			name := strings.ToLower(strings.TrimSpace(fn[:open]))
			known := false
			for _, f := range mappingFunctions {
				known = known || f == name
			}
			if !known {
				return fmt.Errorf("unknown mapping destination function %q", t)
			}
		}
	}
	return nil
}
