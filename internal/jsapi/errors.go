package jsapi

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

//go:generate go run ./internal/gen -in errors.tsv -out errors_gen.go

// ApiError is the error object of a JetStream API response:
//
//	{"error":{"code":404,"err_code":10059,"description":"stream not found"}}
//
// Code is HTTP-like (400, 404, 500, 503...), ErrCode the JetStream error
// number that clients branch on. The constructors in errors_gen.go
// (NewStreamNotFoundError, ...) build one for every row of errors.tsv and
// return a fresh value each time, so callers may modify the result.
type ApiError struct {
	Code        int    `json:"code"`
	ErrCode     uint16 `json:"err_code,omitempty"`
	Description string `json:"description,omitempty"`
}

// Error renders the error as "<description> (<err_code>)", as the
// reference server does.
func (e *ApiError) Error() string {
	return e.Description + " (" + strconv.FormatUint(uint64(e.ErrCode), 10) + ")"
}

// Is reports whether target is an *ApiError with the same ErrCode, so that
// errors.Is(err, NewStreamNotFoundError()) works whatever the description.
func (e *ApiError) Is(target error) bool {
	t, ok := target.(*ApiError)
	return ok && t != nil && e != nil && t.ErrCode == e.ErrCode
}

// IsNatsErr reports whether err is (or wraps) an *ApiError whose ErrCode is
// one of codes.
func IsNatsErr(err error, codes ...uint16) bool {
	var ae *ApiError
	if !errors.As(err, &ae) || ae == nil {
		return false
	}
	for _, c := range codes {
		if ae.ErrCode == c {
			return true
		}
	}
	return false
}

// Unless returns the *ApiError that err is or wraps, if any, and otherwise
// fallback. It keeps a precise API error when a generic one would hide it:
//
//	resp.Error = jsapi.Unless(err, jsapi.NewStreamCreateError(err))
func Unless(err error, fallback *ApiError) *ApiError {
	var ae *ApiError
	if errors.As(err, &ae) && ae != nil {
		return ae
	}
	return fallback
}

// ErrorTemplate is one row of the error table: the constructor's output
// before placeholders such as {err} are replaced.
type ErrorTemplate struct {
	ErrCode     uint16
	Code        int
	Name        string // constructor name without "New" and "Error"
	Description string
}

// LookupError returns the table row for an err_code.
func LookupError(errCode uint16) (ErrorTemplate, bool) {
	lo, hi := 0, len(errorTable)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch c := errorTable[m].ErrCode; {
		case c == errCode:
			return errorTable[m], true
		case c < errCode:
			lo = m + 1
		default:
			hi = m
		}
	}
	return ErrorTemplate{}, false
}

// ErrorTemplates returns a copy of every row of the error table, ordered by
// err_code.
func ErrorTemplates() []ErrorTemplate {
	out := make([]ErrorTemplate, len(errorTable))
	copy(out, errorTable[:])
	return out
}

// fillError builds an ApiError from a template and placeholder/value pairs.
func fillError(code int, errCode uint16, tmpl string, pairs ...string) *ApiError {
	return &ApiError{Code: code, ErrCode: errCode, Description: strings.NewReplacer(pairs...).Replace(tmpl)}
}

// errText renders an {err} argument. A nil error prints as "<nil>", as the
// reference does.
func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// anyText renders any other placeholder argument: strings as they are,
// errors by their message, everything else with %v.
func anyText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case error:
		return v.Error()
	default:
		return fmt.Sprint(v)
	}
}
