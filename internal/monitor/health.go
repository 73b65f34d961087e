package monitor

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Health status strings.
const (
	HealthOKStatus          = "ok"
	HealthErrorStatus       = "error"
	HealthUnavailableStatus = "unavailable"
)

// HealthStatus is the /healthz document. A healthy server answers
// {"status":"ok"} with HTTP 200; an unhealthy one answers, for example,
// {"status":"unavailable","error":"..."} with HTTP 503. With the details
// option every failure is listed in Errors instead of Error.
type HealthStatus struct {
	Status string `json:"status"`
	// StatusCode is the HTTP status of the check. It is carried in system
	// request replies; the HTTP handler sends it as the response status and
	// leaves it out of the body.
	StatusCode int            `json:"status_code,omitempty"`
	Error      string         `json:"error,omitempty"`
	Errors     []HealthzError `json:"errors,omitempty"`
}

// HealthzError is one failed check in a detailed health report.
type HealthzError struct {
	Type     HealthzErrorType `json:"type"`
	Account  string           `json:"account,omitempty"`
	Stream   string           `json:"stream,omitempty"`
	Consumer string           `json:"consumer,omitempty"`
	Error    string           `json:"error,omitempty"`
}

// HealthzErrorType classifies a HealthzError. It is encoded in JSON as an
// upper-case name such as "JETSTREAM".
type HealthzErrorType int

// Health error types.
const (
	HealthzErrorConn HealthzErrorType = iota
	HealthzErrorBadRequest
	HealthzErrorJetStream
	HealthzErrorAccount
	HealthzErrorStream
	HealthzErrorConsumer
)

var healthzErrorNames = [...]string{
	HealthzErrorConn:       "CONNECTION",
	HealthzErrorBadRequest: "BAD_REQUEST",
	HealthzErrorJetStream:  "JETSTREAM",
	HealthzErrorAccount:    "ACCOUNT",
	HealthzErrorStream:     "STREAM",
	HealthzErrorConsumer:   "CONSUMER",
}

// String returns the JSON name of t, or "unknown".
func (t HealthzErrorType) String() string {
	if t >= 0 && int(t) < len(healthzErrorNames) {
		return healthzErrorNames[t]
	}
	return "unknown"
}

// MarshalJSON encodes t as its name.
func (t HealthzErrorType) MarshalJSON() ([]byte, error) {
	return json.Marshal(t.String())
}

// UnmarshalJSON decodes a name produced by MarshalJSON.
func (t *HealthzErrorType) UnmarshalJSON(data []byte) error {
	var name string
	if err := json.Unmarshal(data, &name); err != nil {
		return fmt.Errorf("unknown healthz error type %s", data)
	}
	for i, n := range healthzErrorNames {
		if n == name {
			*t = HealthzErrorType(i)
			return nil
		}
	}
	return fmt.Errorf("unknown healthz error type %q", name)
}

// NewHealthStatus returns a healthy status ({"status":"ok"}).
func NewHealthStatus() *HealthStatus {
	return &HealthStatus{Status: HealthOKStatus}
}

// Fail records a failed check. Without details, the first failure sets
// Status to status and Error to e.Error, and later failures are ignored;
// with details, e is appended to Errors (Status is settled by Finish). A
// non-zero code becomes the StatusCode unless one was already set.
func (h *HealthStatus) Fail(details bool, code int, status string, e HealthzError) {
	if h.StatusCode == 0 && code != 0 {
		h.StatusCode = code
	}
	if details {
		h.Errors = append(h.Errors, e)
		return
	}
	if h.Error == "" {
		h.Status = status
		h.Error = e.Error
	}
}

// Finish settles the report and returns its HTTP status code. With details,
// Status becomes "error" if any check failed and "ok" otherwise. When no
// StatusCode was set, it becomes 503 if a check failed and 200 otherwise.
func (h *HealthStatus) Finish(details bool) int {
	failed := h.Error != "" || len(h.Errors) > 0
	if details {
		if len(h.Errors) > 0 {
			h.Status = HealthErrorStatus
		} else {
			h.Status = HealthOKStatus
		}
	}
	if h.StatusCode == 0 {
		if failed {
			h.StatusCode = http.StatusServiceUnavailable
		} else {
			h.StatusCode = http.StatusOK
		}
	}
	return h.StatusCode
}

// ValidateHealthzOptions checks option combinations that make a health
// request malformed (a stream without an account, a consumer without a
// stream). It returns nil when the options are acceptable, otherwise a
// finished status with code 400 to send back as is.
func ValidateHealthzOptions(opts *HealthzOptions) *HealthStatus {
	if opts == nil {
		return nil
	}
	var msg string
	switch {
	case opts.Account == "" && opts.Stream != "":
		msg = fmt.Sprintf("%q must not be empty when checking stream health", "account")
	case opts.Stream == "" && opts.Consumer != "":
		msg = fmt.Sprintf("%q must not be empty when checking consumer health", "stream")
	default:
		return nil
	}
	h := NewHealthStatus()
	h.Fail(opts.Details, http.StatusBadRequest, HealthErrorStatus,
		HealthzError{Type: HealthzErrorBadRequest, Error: msg})
	h.Finish(opts.Details)
	return h
}
