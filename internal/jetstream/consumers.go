package jetstream

import "time"

// numConsumers reports the stream's consumers.
func (e *streamEntry) numConsumers() int { return 0 }

// purged tells the stream's consumers that messages were purged.
func (e *streamEntry) purged() {}

// unixUTC renders a store timestamp.
func unixUTC(ns int64) time.Time { return time.Unix(0, ns).UTC() }
