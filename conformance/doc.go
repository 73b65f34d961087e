// Package conformance holds differential tests: each scenario runs against
// the reference nats-server and against natsnet, and the normalised
// responses are compared field by field.
package conformance
