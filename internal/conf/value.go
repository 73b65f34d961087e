package conf

import (
	"fmt"
	"iter"
	"strconv"
	"time"
)

// Pos locates a value in its source.
//
// File is the path of the file the value was read from ("" for data given to
// [Parse]); Line and Col are 1-based, Col counting bytes from the start of the
// line. A value obtained through a $variable reference carries the position of
// the reference, not of the definition.
type Pos struct {
	File      string
	Line, Col int
}

// String formats the position as "file:line:col", leaving out the parts that
// are unknown.
func (p Pos) String() string {
	s := p.File
	if p.Line > 0 {
		if s != "" {
			s += ":"
		}
		s += strconv.Itoa(p.Line)
		if p.Col > 0 {
			s += ":" + strconv.Itoa(p.Col)
		}
	}
	return s
}

// Kind is the type of a parsed [Value].
type Kind int

// The kinds of values the format produces.
const (
	KindInvalid Kind = iota // zero Value; never produced by the parser
	KindString              // Value.Str
	KindInt                 // Value.Int
	KindFloat               // Value.Float
	KindBool                // Value.Bool
	KindTime                // Value.Time (UTC)
	KindMap                 // Value.Map
	KindArray               // Value.Array
)

var kindNames = [...]string{
	KindInvalid: "invalid",
	KindString:  "string",
	KindInt:     "int",
	KindFloat:   "float",
	KindBool:    "bool",
	KindTime:    "time",
	KindMap:     "map",
	KindArray:   "array",
}

// String returns the lower-case name of the kind, e.g. "int".
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is a parsed configuration value. Only the field matching Kind is set.
//
// Values reached through a $variable reference share their Map and Array
// contents with the referenced definition, so a parsed tree must be treated
// as read-only.
type Value struct {
	Kind  Kind
	Pos   Pos
	Str   string
	Int   int64
	Float float64
	Bool  bool
	Time  time.Time
	Map   *Map     // for KindMap
	Array []*Value // for KindArray

	// size is the number of values in the fully expanded tree rooted here,
	// height the number of nested containers (0 for scalars). Both bound
	// the work a consumer walking the tree can be made to do.
	size   int64
	height int
}

// Interface converts the value to a plain Go value tree made of
// map[string]any, []any, string, int64, float64, bool and time.Time.
// A nil *Value yields nil.
func (v *Value) Interface() any {
	if v == nil {
		return nil
	}
	switch v.Kind {
	case KindString:
		return v.Str
	case KindInt:
		return v.Int
	case KindFloat:
		return v.Float
	case KindBool:
		return v.Bool
	case KindTime:
		return v.Time
	case KindMap:
		return v.Map.Interface()
	case KindArray:
		out := make([]any, len(v.Array))
		for i, e := range v.Array {
			out[i] = e.Interface()
		}
		return out
	}
	return nil
}

// String renders a scalar value in a readable form, for messages. Maps and
// arrays render as a short summary.
func (v *Value) String() string {
	if v == nil {
		return "<nil>"
	}
	switch v.Kind {
	case KindString:
		return strconv.Quote(v.Str)
	case KindInt:
		return strconv.FormatInt(v.Int, 10)
	case KindFloat:
		return strconv.FormatFloat(v.Float, 'g', -1, 64)
	case KindBool:
		return strconv.FormatBool(v.Bool)
	case KindTime:
		return v.Time.Format(time.RFC3339)
	case KindMap:
		return fmt.Sprintf("map[%d keys]", v.Map.Len())
	case KindArray:
		return fmt.Sprintf("array[%d]", len(v.Array))
	}
	return v.Kind.String()
}

// Map is an ordered set of configuration keys. Keys keep the order in which
// they were first defined; lookups are case-sensitive, exactly as written
// (callers lower-case keys as they need). When a key is defined twice, the
// last definition wins but the key keeps its first position in the order.
type Map struct {
	keys    []string
	entries map[string]*entry
}

type entry struct {
	val    *Value
	keyPos Pos
	// usedAsVar is set when a $variable reference resolved to this key.
	usedAsVar bool
}

func newMap() *Map {
	return &Map{entries: make(map[string]*entry)}
}

// set defines key, replacing any earlier definition in place.
func (m *Map) set(key string, v *Value, keyPos Pos) {
	if e, ok := m.entries[key]; ok {
		e.val, e.keyPos = v, keyPos
		return
	}
	m.keys = append(m.keys, key)
	m.entries[key] = &entry{val: v, keyPos: keyPos}
}

// Keys returns the keys in definition order. The slice is a copy.
func (m *Map) Keys() []string {
	if m == nil || len(m.keys) == 0 {
		return nil
	}
	return append([]string(nil), m.keys...)
}

// Get returns the value of key, matched exactly.
func (m *Map) Get(key string) (*Value, bool) {
	if m == nil {
		return nil, false
	}
	e, ok := m.entries[key]
	if !ok {
		return nil, false
	}
	return e.val, true
}

// KeyPos returns where key was (last) defined.
func (m *Map) KeyPos(key string) (Pos, bool) {
	if m == nil {
		return Pos{}, false
	}
	e, ok := m.entries[key]
	if !ok {
		return Pos{}, false
	}
	return e.keyPos, true
}

// UsedAsVariable reports whether a $variable reference resolved to key.
// The reference server lets such keys stand in a configuration even when
// they are not settings; callers use this to skip them.
func (m *Map) UsedAsVariable(key string) bool {
	if m == nil {
		return false
	}
	e, ok := m.entries[key]
	return ok && e.usedAsVar
}

// markVariable records that key was referenced as a variable.
func (m *Map) markVariable(key string) {
	if e, ok := m.entries[key]; ok {
		e.usedAsVar = true
	}
}

// Len returns the number of distinct keys.
func (m *Map) Len() int {
	if m == nil {
		return 0
	}
	return len(m.keys)
}

// All iterates over the keys and their values in definition order.
func (m *Map) All() iter.Seq2[string, *Value] {
	return func(yield func(string, *Value) bool) {
		if m == nil {
			return
		}
		for _, k := range m.keys {
			if !yield(k, m.entries[k].val) {
				return
			}
		}
	}
}

// Interface converts the map to a map[string]any tree (see
// [Value.Interface]). A nil *Map yields an empty map.
func (m *Map) Interface() map[string]any {
	out := make(map[string]any, m.Len())
	if m == nil {
		return out
	}
	for _, k := range m.keys {
		out[k] = m.entries[k].val.Interface()
	}
	return out
}

// Error is a configuration error at a position in a source file. Errors
// returned by [Parse] and [ParseFile] are of this type.
type Error struct {
	Pos Pos    // where the problem was found; File may be "" for Parse
	Msg string // description, without position
	Err error  // underlying cause (an I/O error, an error in an included file), or nil
}

// Error formats the error as "conf: file:line:col: message".
func (e *Error) Error() string {
	if p := e.Pos.String(); p != "" {
		return "conf: " + p + ": " + e.Msg
	}
	return "conf: " + e.Msg
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.Err }
