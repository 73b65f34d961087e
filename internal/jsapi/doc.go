// Package jsapi is the wire model of the JetStream API: subjects, JSON
// request and response types, API errors, advisories, and the defaults and
// validation rules for stream and consumer configurations that need no
// server state. It holds no server logic; the JetStream service, tests and
// the conformance suite build on it.
//
// The reference for every name, JSON tag, default and error code is
// nats-server v2.15 (whose types are a superset of nats.go's jetstream
// package). REFERENCE_FACTS.md in this directory lists the facts that were
// checked and the places where this package knowingly stops short.
//
// # Subjects
//
// Every endpoint under "$JS.API" (or "$JS.<domain>.API") is an [Endpoint].
// [ParseAPISubject] turns a request subject into an [APISubject] (endpoint,
// domain, account, stream, consumer, filter) and [APISubject.String] builds
// one; [Endpoint.ResponseType] gives the "type" of the JSON answer and
// [Endpoint.SystemOnly] marks the system-account endpoints. Ack reply
// subjects are built and parsed by [AckReply] and [ParseAckReply];
// advisory subjects are the Advisory* prefixes joined by [EventSubject].
//
// # JSON
//
// Types follow the reference's field names and omitempty flags, so that
// responses compare equal to the reference's after normalising ids and
// times. Durations are integer nanoseconds (time.Duration), times
// RFC3339Nano; producers should pass UTC times. Policy enums marshal as the
// reference's strings, and their zero values are what the reference
// assumes when a field is missing. Every response embeds [ApiResponse];
// [SetType] and [SetError] fill its "type" from the concrete type.
//
// # Errors
//
// [ApiError] is the error object of a response. errors_gen.go, generated
// from errors.tsv by `go generate` (see internal/errgen), has one
// ErrCode<Name> constant and one New<Name>Error constructor per row; a
// description's placeholders ({err}, {seq}, ...) become parameters.
// [IsNatsErr] tests an error against err_codes.
//
// # Defaults and validation
//
// [StreamConfig.Normalize] applies the reference's checks and defaults in
// the reference's order, so the first error reported matches it;
// [StreamConfig.SetDefaults] only fills defaults and
// [StreamConfig.Validate] only reports. [ConsumerConfig.ApplyDefaults]
// and [ConsumerConfig.ValidateWith] do the same for consumers, given the
// stream's config. [CheckOptions] carries server and account limits and
// the pedantic flag. Rules that need other assets (subject overlap with
// other streams, consumer counts, existing consumers) are the caller's;
// the doc comment of each check says which it leaves out.
package jsapi
