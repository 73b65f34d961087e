// Package subject implements the NATS subject rules: validation of publish
// subjects, subscription filters and queue names, and the wildcard algebra
// used for routing and permissions (Matches, SubsetOf, Overlap).
//
// A subject is a sequence of non-empty tokens separated by '.'. In a
// subscription filter the whole-token '*' matches exactly one token and the
// whole-token '>' (only allowed last) matches one or more trailing tokens.
// A '*' or '>' that is part of a longer token ("foo*", "a>b") has no special
// meaning and is treated as an ordinary character, as in NATS.
//
// Whitespace (space, \t, \r, \n and \f) is never allowed in a subject or a
// queue name.
//
// Every function here is allocation free except Tokens, which may grow the
// slice it is given. The functions that operate on hot protocol input also
// come in []byte flavours (ValidPublishBytes, ValidLiteralBytes,
// ValidFilterBytes, MatchesBytes).
package subject
