package jsapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/natsnet/natsnet/internal/jsapi/internal/errgen"
)

// TestGeneratedErrorsUpToDate re-runs the generator in memory and fails
// when errors_gen.go differs from what errors.tsv produces.
func TestGeneratedErrorsUpToDate(t *testing.T) {
	t.Parallel()
	tsv, err := os.ReadFile("errors.tsv")
	if err != nil {
		t.Fatal(err)
	}
	want, err := errgen.Generate(tsv, "jsapi")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("errors_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("errors_gen.go is stale: run `go generate ./internal/jsapi/`")
	}
}

// TestErrorTableMatchesShared checks the repository copy of the table
// against the shared reference, which sits beside the repository
// (../shared) wherever natsnet is developed and tested.
func TestErrorTableMatchesShared(t *testing.T) {
	t.Parallel()
	shared, err := os.ReadFile("../../../shared/reference/jetstream-errors.tsv")
	if err != nil {
		t.Fatalf("shared reference table: %v (expected ../shared beside the repository)", err)
	}
	local, err := os.ReadFile("errors.tsv")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(shared, local) {
		t.Fatal("errors.tsv differs from the shared reference table; copy it and run go generate")
	}
}

func TestErrorTableComplete(t *testing.T) {
	t.Parallel()
	tsv, err := os.ReadFile("errors.tsv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := errgen.Parse(tsv)
	if err != nil {
		t.Fatal(err)
	}
	tmpls := ErrorTemplates()
	if len(rows) != len(tmpls) {
		t.Fatalf("table has %d rows, generated %d", len(rows), len(tmpls))
	}
	for i, r := range rows {
		got, ok := LookupError(r.ErrCode)
		if !ok || got != tmpls[i] || got.Code != r.Code || got.Description != r.Description {
			t.Errorf("LookupError(%d) = %+v, %v; row %+v", r.ErrCode, got, ok, r)
		}
	}
	if _, ok := LookupError(1); ok {
		t.Error("LookupError(1) found a row")
	}
}

func TestErrorConstructors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		got  *ApiError
		want ApiError
	}{
		{NewStreamNotFoundError(), ApiError{404, 10059, "stream not found"}},
		{NewConsumerNotFoundError(), ApiError{404, 10014, "consumer not found"}},
		{NewClusterNotAvailError(), ApiError{503, 10008, "JetStream system temporarily unavailable"}},
		{NewInvalidJSONError(errors.New("unexpected end")), ApiError{400, 10025, "invalid JSON: unexpected end"}},
		{NewStreamCreateError(nil), ApiError{500, 10049, "<nil>"}},
		{NewSequenceNotFoundError(42), ApiError{400, 10043, "sequence 42 not found"}},
		{NewStreamWrongLastSequenceError(7), ApiError{400, 10071, "wrong last sequence: 7"}},
		{NewStreamWrongLastMsgIDError("abc"), ApiError{400, 10070, "wrong last msg ID: abc"}},
		{NewConsumerNameTooLongError(255), ApiError{400, 10102, "consumer name is too long, maximum allowed is 255"}},
		{NewConsumerMetadataLengthError("128KB"), ApiError{400, 10135, "consumer metadata exceeds maximum size of 128KB"}},
		{NewStreamExternalApiOverlapError("$JS.API.x", "$JS.API"), ApiError{400, 10021, "stream external api prefix $JS.API.x must not overlap with $JS.API"}},
		{NewRestoreSubscribeFailedError(errors.New("boom"), "$JS.SNAPSHOT.RESTORE.S.x"), ApiError{500, 10042, "JetStream unable to subscribe to restore snapshot $JS.SNAPSHOT.RESTORE.S.x: boom"}},
		{NewStreamGeneralError(errors.New("x")), ApiError{500, 10051, "x"}},
		{NewStreamInvalidConfigError(errors.New("bad")), ApiError{500, 10052, "bad"}},
		{NewConsumerMaxRequestBatchExceededError(100), ApiError{400, 10125, "consumer max request batch exceeds server limit of 100"}},
		{NewRequiredApiLevelError(), ApiError{412, 10185, "JetStream minimum api level required"}},
	}
	for _, tt := range tests {
		if *tt.got != tt.want {
			t.Errorf("got %+v, want %+v", *tt.got, tt.want)
		}
	}
	// Each call returns a fresh value.
	a, b := NewStreamNotFoundError(), NewStreamNotFoundError()
	a.Description = "changed"
	if b.Description != "stream not found" {
		t.Error("constructors share their result")
	}
}

func TestApiErrorJSONAndText(t *testing.T) {
	t.Parallel()
	e := NewStreamNotFoundError()
	if got, want := e.Error(), "stream not found (10059)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	b, err := json.Marshal(SetError(&StreamInfoResponse{}, e))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"io.nats.jetstream.api.v1.stream_info_response","error":{"code":404,"err_code":10059,"description":"stream not found"},"total":0,"offset":0,"limit":0}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestIsNatsErrAndUnless(t *testing.T) {
	t.Parallel()
	nf := NewStreamNotFoundError()
	wrapped := fmt.Errorf("lookup: %w", nf)
	switch {
	case !IsNatsErr(nf, ErrCodeStreamNotFound):
		t.Error("IsNatsErr(nf, 10059) = false")
	case !IsNatsErr(wrapped, ErrCodeConsumerNotFound, ErrCodeStreamNotFound):
		t.Error("IsNatsErr(wrapped, ...) = false")
	case IsNatsErr(nf, ErrCodeConsumerNotFound):
		t.Error("IsNatsErr matched another code")
	case IsNatsErr(nil, ErrCodeStreamNotFound), IsNatsErr(errors.New("x"), ErrCodeStreamNotFound):
		t.Error("IsNatsErr matched a non-API error")
	case IsNatsErr((*ApiError)(nil), 0):
		t.Error("IsNatsErr matched a nil *ApiError")
	case !errors.Is(wrapped, NewStreamNotFoundError()):
		t.Error("errors.Is did not match by err_code")
	}
	fallback := NewStreamCreateError(wrapped)
	if got := Unless(wrapped, fallback); got != nf {
		t.Errorf("Unless kept the fallback: %v", got)
	}
	plain := errors.New("disk full")
	if got := Unless(plain, NewStreamCreateError(plain)); got.ErrCode != ErrCodeStreamCreate || got.Description != "disk full" {
		t.Errorf("Unless(plain) = %+v", got)
	}
}

func TestErrgenRejectsBadTables(t *testing.T) {
	t.Parallel()
	const header = "err_code\tcode\tname\tdescription\n"
	for _, tsv := range []string{
		"",
		"code\terr\n",
		header + "10001\t400\tFoo\n",
		header + "x\t400\tFoo\tfoo\n",
		header + "10001\t40\tFoo\tfoo\n",
		header + "10001\t400\tfoo\tfoo\n",
		header + "10001\t400\tFoo\tfoo\n10001\t400\tBar\tbar\n",
		header + "10001\t400\tFoo\tfoo\n10002\t400\tFooF\tbar\n",
		header + "10001\t400\tFoo\t{func}\n",
	} {
		if _, err := errgen.Generate([]byte(tsv), "p"); err == nil {
			t.Errorf("Generate(%q) succeeded", tsv)
		}
	}
	src, err := errgen.Generate([]byte(header+"10001\t400\tOneF\tgot {b} and {a}\n"), "p")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), "func NewOneError(a any, b any) *ApiError") || strings.Contains(string(src), "strconv") {
		t.Errorf("unexpected output:\n%s", src)
	}
}
