// Package sublist implements the subscription interest table: a concurrent
// map from subscription filters (NATS subjects with '*' and '>' wildcards,
// optionally in a queue group) to subscribers, answering "who is interested
// in this literal subject?" for every published message.
//
// # Structure
//
// Filters are stored in a trie with one level per token. Each node holds a
// map of literal children plus dedicated children for the '*' and '>'
// wildcards, and the subscribers whose filter ends at that node: plain
// subscribers in a multiset (the same value may be inserted several times)
// and queue subscribers grouped by queue name. Matching a subject of n
// tokens visits at most the literal, '*' and '>' branches at every level.
//
// # Cache
//
// Match results are cached per subject in a bounded map (DefaultCacheSize
// entries, approximately random eviction when full). A cache hit costs one
// atomic counter increment, a read lock and a map lookup, and allocates
// nothing, also for MatchBytes.
//
// Results are immutable snapshots: once returned (or cached) a Result and
// its slices are never written again. Insert and Remove, under the write
// lock, replace every cached result their filter matches by a freshly built
// copy (or drop it when it is large), so the cache never serves interest
// older than the last completed Insert/Remove. A miss computes its result
// under the read lock and stores it only if no Insert/Remove ran in the
// meantime (checked with a generation counter), so a stale result can never
// be cached. Callers may still hold results that predate later changes;
// that is the usual snapshot semantics.
//
// # Semantics
//
//   - Match treats its argument literally: a published "foo.*" matches the
//     filters "foo.*", "foo.>", "*.*", ">" but not "foo.bar".
//   - The same value inserted under several filters that all match a subject
//     appears once per filter in the result (one delivery per subscription);
//     there is no de-duplication.
//   - Queue groups with the same name coming from different filters are
//     merged into one Group.
//   - The order of Plain and of Group members is unspecified.
package sublist
