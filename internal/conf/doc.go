// Package conf parses the NATS server configuration file format, as
// accepted by nats-server v2.
//
// A file is an implicit map of keys to values. The format is forgiving and
// JSON-compatible; the grammar, informally:
//
//	document  = { blank | entry | "{" | "}" | "," | ";" } .
//	entry     = key [ sep ] value end | include end .
//	key       = bare-key | '"' raw '"' | "'" raw "'" .
//	sep       = "=" | ":" .          (or just blanks; line ends may separate
//	                                  a key from its value)
//	end       = [ comment ] ( newline | "," | ";" | "}" | EOF ) .
//	value     = map | array | dq-string | sq-string | block | bare .
//	map       = "{" { blank | entry | "," | ";" } "}" .
//	array     = "[" [ value { ( "," | newline ) value } [ "," ] ] "]" .
//	include   = "include" blanks path [ quoted-digest ] .
//	comment   = ( "#" | "//" ) { any but newline } .
//
// Keys. A bare key runs up to a blank, line end, '=', ':', '{', '}', '[',
// ']', ',' or ';'. Quoted keys are taken verbatim (no escapes). Keys are
// case-sensitive. A key defined twice keeps its first place in the order and
// its last value.
//
// Top level. The whole document may be wrapped in braces, JSON style; a
// stray closing '}' at the top level is ignored.
//
// Strings. Double-quoted strings may span lines and decode the escapes \t \n
// \r \b \f \" \\ \/ \xHH (a raw byte) \uHHHH (UTF-16 surrogate pairs are
// combined) and \UHHHHHHHH. Single-quoted strings are raw. A block string
// starts with '(' and ends at a line holding only ')'; its text is raw and
// keeps the line end before ')'.
//
// Bare values run up to a blank, line end, ',', ';', ']' or '}' (so '#',
// "//", ':' and '=' inside them are kept: nats://host:4222). Backslash
// escapes are decoded in them too, and make them strings. Otherwise:
//
//   - true, false, yes, no, on, off (any case) are booleans;
//   - $NAME is a variable reference (see below); "$2a$..." is a bcrypt hash,
//     kept as a string;
//   - an optional '-' and ASCII digits is an Int; digits '.' digits is a
//     Float (no exponent forms);
//   - digits followed by a size suffix is an Int: k, m, g, t, p, e are
//     powers of 1000 and kb/ki/kib, mb/mi/mib, ... (any case) powers of 1024,
//     so 1k = 1000, 1KB = 1KiB = 1024, and a bare 2m is 2000000, not a
//     duration; other suffix spellings (1kbb) are errors;
//   - YYYY-MM-DDTHH:MM:SSZ is a Time;
//   - anything else starting with a digit is a String: 127.0.0.1:4222,
//     0.0.0.0, 10s, 1h30m, 2m30s, 4e2abc;
//   - a '-' not followed by a digit, or '.' followed by a digit, is an error
//     (quote such strings);
//   - anything else is a String.
//
// Variables. $NAME refers to the value of key NAME defined earlier in the
// same map or an enclosing one (innermost first; arrays are not scopes),
// including keys merged in by an include. Failing that, the environment
// variable NAME is read and its text parsed as a value (so FOO=22 gives an
// Int, FOO="'3x'" a String). An unknown name is an error. ${NAME} is not
// supported, as in nats-server.
//
// Includes. include path (path quoted with ' or ", or bare) parses the file
// at path, relative to the including file's directory (to the working
// directory for [Parse]), on its own: it sees only its own keys and the
// environment as variables. Its keys are then merged into the current map at
// that point. The keyword is recognised, in any case, only unquoted and
// followed by a blank. An optional quoted digest "sha256:<hex>" after the
// path must match the SHA-256 of the file's bytes. Include cycles, includes
// nested more than 10 deep, and non-regular files are errors.
//
// Limits. Any input yields a value or an error: maps and arrays nest at most
// 100 deep, the tree expanded through variables holds at most 2^20 values,
// and files are at most 64 MiB.
//
// Errors are of type [*Error] and read "conf: file:line:col: message"
// (without the file for [Parse]).
//
// Compared with nats-server the parser is deliberately more lenient in a few
// places where nats-server reports an error or silently drops data: values
// starting with a digit are strings unless they are exactly one of the
// numeric forms above (nats-server rejects 1.5s or 10.0.0.1/24), strings
// may start with '.', include paths may start with a digit and may be
// absolute, line ends may follow a key separator at the top level, and
// repeated ',' or ';' between entries are ignored. It is stricter where
// nats-server is inconsistent: a key with no value (a = ;) is an error.
package conf
