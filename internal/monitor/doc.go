// Package monitor holds the monitoring data model of natsnet and the HTTP
// endpoints that expose it.
//
// The package is deliberately independent of the server internals. It
// provides three layers:
//
//   - JSON types (Varz, Connz, ConnInfo, Subsz, HealthStatus, ServerInfo,
//     ServerStatsMsg, ServerAPIResponse, ...) whose JSON field names match
//     the ones NATS tooling expects from a NATS server's monitoring port and
//     from $SYS.REQ.SERVER.* replies.
//
//   - Option types (ConnzOptions, SubszOptions, VarzOptions, HealthzOptions)
//     that can be parsed either from an HTTP query string (the *FromQuery
//     functions) or from a JSON request body sent to a system-account
//     subject (the *FromJSON functions, or plain encoding/json).
//
//   - Pure functions that turn a snapshot of server state into a response:
//     BuildConnz filters, sorts and pages connections, BuildSubsz filters and
//     pages subscriptions, FormatUptime renders durations the way the
//     monitoring endpoints do ("1d2h3m4s").
//
// The server implements the Source interface; NewHandler wraps a Source in
// an http.Handler serving "/", "/varz", "/connz", "/subsz" (alias
// "/subscriptionsz") and "/healthz". The Handler counts requests per
// endpoint so the server can report them in Varz.HTTPReqStats.
//
// Snapshot contract for BuildConnz: the caller passes every connection that
// may be selected (open connections, plus closed ones when the state option
// asks for them). A connection is considered closed when its Stop field is
// non-nil. The caller fills the raw account name (including the global
// account "$G") and the authorized user whether or not the auth option was
// requested, because they are needed for filtering; BuildConnz removes them
// from the output when auth was not requested. BuildConnz never modifies the
// ConnInfo values it is given: the returned page holds shallow copies.
package monitor
