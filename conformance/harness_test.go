package conformance

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/natsnet/natsnet"
)

// ---------------------------------------------------------------------------
// Servers

// startReference starts the reference nats-server in process and returns
// its client URL. It is shut down when the test ends.
func startReference(t testing.TB) (string, error) {
	opts := &server.Options{
		Host:      "127.0.0.1",
		Port:      -1,
		JetStream: true,
		StoreDir:  t.TempDir(),
		NoLog:     true,
		NoSigs:    true,
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return "", fmt.Errorf("reference: new server: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		return "", errors.New("reference: not ready for connections")
	}
	t.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	return s.ClientURL(), nil
}

// startNatsnet starts natsnet in process and returns its client URL.
func startNatsnet(t testing.TB) (string, error) {
	s, err := natsnet.New(&natsnet.Options{
		Host:      "127.0.0.1",
		Port:      natsnet.RandomPort,
		JetStream: true,
		StoreDir:  t.TempDir(),
		NoLog:     true,
	})
	if err != nil {
		return "", fmt.Errorf("natsnet: new server: %w", err)
	}
	if err := s.Start(); err != nil {
		return "", fmt.Errorf("natsnet: start: %w", err)
	}
	t.Cleanup(s.Shutdown)
	return s.ClientURL(), nil
}

// ---------------------------------------------------------------------------
// Scenarios and steps

type opKind int

const (
	opRequest opKind = iota // request/reply, one response recorded
	opSend                  // core publish without reply, then a flush
	opCollect               // publish with a reply inbox, record every reply
	opSleep                 // wait
)

// step is one action of a scenario. Subject, header values and body may
// refer to captured variables as {{name}}.
type step struct {
	name    string
	op      opKind
	subject string
	header  [][2]string
	body    string
	timeout time.Duration // request timeout, or idle timeout of a collect
	max     int           // collect: stop after this many messages (0: until a status or the timeout)
	wait    time.Duration // sleep
	quiet   bool          // setup step: only success or the error is compared
	capture [][2]string   // variable name, record path (e.g. "json.name")
}

// scenario is a script run against both servers.
type scenario struct {
	name  string
	steps []step
	// allow lists the known, intentional differences of this scenario.
	allow []allowed
}

// allowed is an allowlist entry: a glob ('*' matches any run of characters)
// over "<step>/<path>", and why the difference is accepted.
type allowed struct {
	path   string
	reason string
}

// js is the JetStream API subject of an endpoint.
func js(endpoint string) string { return "$JS.API." + endpoint }

// req is a JSON API request.
func req(name, subject, body string) step {
	return step{name: name, op: opRequest, subject: subject, body: body, timeout: 2 * time.Second}
}

// pub is a JetStream publish: a request to a stream subject whose reply is
// the publish acknowledgement.
func pub(name, subject, data string) step {
	return step{name: name, op: opRequest, subject: subject, body: data, timeout: 2 * time.Second}
}

// send is a core publish with no reply subject.
func send(subject, data string) step {
	return step{name: "send " + subject, op: opSend, subject: subject, body: data, quiet: true}
}

// collect publishes body to subject with an inbox as reply and records every
// reply until max messages, a terminating status (any status but 100) or
// idle of the timeout.
func collect(name, subject, body string, max int, timeout time.Duration) step {
	return step{name: name, op: opCollect, subject: subject, body: body, max: max, timeout: timeout}
}

func sleep(d time.Duration) step { return step{name: "sleep", op: opSleep, wait: d, quiet: true} }

// hdr adds a request header.
func (s step) hdr(k, v string) step {
	s.header = append(append([][2]string(nil), s.header...), [2]string{k, v})
	return s
}

// setup marks a step whose full response is not compared: only success, or
// the error, is.
func (s step) setup() step { s.quiet = true; return s }

// capt stores the string at path of the step's record in a variable.
func (s step) capt(variable, path string) step {
	s.capture = append(append([][2]string(nil), s.capture...), [2]string{variable, path})
	return s
}

// within sets the request (or collect idle) timeout.
func (s step) within(d time.Duration) step { s.timeout = d; return s }

// ---------------------------------------------------------------------------
// Execution

// record is what one step produced, as a JSON-like tree.
type record struct {
	step  string
	quiet bool
	value any
}

// run executes the scenario against the server at url.
func run(url string, sc *scenario) ([]record, map[string]string, error) {
	nc, err := nats.Connect(url, nats.Name("conformance"), nats.MaxReconnects(0))
	if err != nil {
		return nil, nil, fmt.Errorf("connect %s: %w", url, err)
	}
	defer nc.Close()
	vars := map[string]string{}
	var recs []record
	seen := map[string]int{}
	for i := range sc.steps {
		st := &sc.steps[i]
		name := st.name
		if seen[name]++; seen[name] > 1 {
			name = fmt.Sprintf("%s#%d", name, seen[name])
		}
		subject := expand(st.subject, vars)
		body := expand(st.body, vars)
		var hdr nats.Header
		if len(st.header) > 0 {
			hdr = nats.Header{}
			for _, kv := range st.header {
				hdr.Add(kv[0], expand(kv[1], vars))
			}
		}
		var v any
		switch st.op {
		case opSleep:
			time.Sleep(st.wait)
			continue
		case opSend:
			if err := nc.PublishMsg(&nats.Msg{Subject: subject, Header: hdr, Data: []byte(body)}); err != nil {
				return nil, nil, fmt.Errorf("step %s: publish: %w", name, err)
			}
			if err := nc.Flush(); err != nil {
				return nil, nil, fmt.Errorf("step %s: flush: %w", name, err)
			}
			continue
		case opRequest:
			msg, err := nc.RequestMsg(&nats.Msg{Subject: subject, Header: hdr, Data: []byte(body)}, st.timeout)
			switch {
			case errors.Is(err, nats.ErrNoResponders):
				v = map[string]any{"error": "no responders"}
			case errors.Is(err, nats.ErrTimeout):
				v = map[string]any{"error": "timeout"}
			case err != nil:
				return nil, nil, fmt.Errorf("step %s: request: %w", name, err)
			default:
				v = msgRecord(msg, false)
			}
		case opCollect:
			v, err = collectReplies(nc, subject, hdr, body, st.max, st.timeout)
			if err != nil {
				return nil, nil, fmt.Errorf("step %s: %w", name, err)
			}
		}
		for _, c := range st.capture {
			if s, ok := lookup(v, c[1]).(string); ok {
				vars[c[0]] = s
			}
		}
		recs = append(recs, record{step: name, quiet: st.quiet, value: v})
	}
	return recs, vars, nil
}

func collectReplies(nc *nats.Conn, subject string, hdr nats.Header, body string, max int, timeout time.Duration) (any, error) {
	inbox := nc.NewInbox() // not under the request mux prefix: rewritten subjects would be taken for replies
	sub, err := nc.SubscribeSync(inbox)
	if err != nil {
		return nil, err
	}
	defer sub.Unsubscribe()
	if err := nc.PublishMsg(&nats.Msg{Subject: subject, Reply: inbox, Header: hdr, Data: []byte(body)}); err != nil {
		return nil, err
	}
	msgs := []any{}
	end := "timeout"
	for max == 0 || len(msgs) < max {
		m, err := sub.NextMsg(timeout)
		if errors.Is(err, nats.ErrTimeout) {
			break
		}
		if errors.Is(err, nats.ErrNoResponders) {
			// The client turns a 503 status into this error.
			end = "no responders"
			break
		}
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, msgRecord(m, true))
		if st := m.Header.Get("Status"); st != "" && st != "100" {
			end = "status"
			break
		}
	}
	if max > 0 && len(msgs) == max {
		end = "count"
	}
	return map[string]any{"msgs": msgs, "end": end}, nil
}

// msgRecord turns a message into a tree: headers, and the body as JSON when
// it is JSON, else as text.
func msgRecord(m *nats.Msg, withSubject bool) map[string]any {
	r := map[string]any{}
	if withSubject {
		r["subject"] = m.Subject
		if m.Reply != "" {
			r["reply"] = m.Reply
		}
	}
	if len(m.Header) > 0 {
		h := map[string]any{}
		for k, vs := range m.Header {
			if len(vs) == 1 {
				h[k] = vs[0]
				continue
			}
			arr := make([]any, len(vs))
			for i, s := range vs {
				arr[i] = s
			}
			h[k] = arr
		}
		r["headers"] = h
	}
	if len(m.Data) > 0 {
		if j, ok := decodeJSON(m.Data); ok {
			r["json"] = j
		} else {
			r["data"] = string(m.Data)
		}
	}
	return r
}

func decodeJSON(b []byte) (any, bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || (b[0] != '{' && b[0] != '[') {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}

// expand replaces {{name}} with captured variables.
func expand(s string, vars map[string]string) string {
	if !strings.Contains(s, "{{") {
		return s
	}
	for k, v := range vars {
		s = strings.ReplaceAll(s, "{{"+k+"}}", v)
	}
	return s
}

// lookup follows a dotted path ("json.config.name", "msgs.0.subject").
func lookup(v any, path string) any {
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// ---------------------------------------------------------------------------
// Normalisation

// Values that differ legitimately between servers are replaced by markers
// that keep their presence and shape.
const (
	markTime     = "<time>"
	markZeroTime = "0001-01-01T00:00:00Z"
)

// volatileKeys are object keys, at any depth, whose values are
// server-specific; the value is replaced by the marker.
var volatileKeys = map[string]string{
	"server_id":       "<server_id>", // per server
	"_nats.ver":       "<version>",   // server version (metadata)
	"_nats.level":     "<api-level>", // server API level (metadata); see intentional diffs for INFO
	"pause_remaining": "<duration>",  // depends on the moment of the request
}

// normalize returns a copy of v with volatile values replaced. vars are the
// captured values of this run (server-generated names), replaced by
// {{name}} wherever they occur.
func normalize(v any, parent string, vars [][2]string) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if mark, ok := volatileKeys[k]; ok {
				out[k] = mark
				continue
			}
			if k == "hdrs" {
				if hs, ok := e.(string); ok {
					out[k] = parseHeaderBlock(hs)
					continue
				}
			}
			if parent == "cluster" && k == "leader" {
				out[k] = "<server>" // the server's name
				continue
			}
			if parent == "api" && (k == "total" || k == "errors") {
				out[k] = "<count>" // API call counters
				continue
			}
			out[k] = normalize(e, k, vars)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e, parent, vars)
		}
		return out
	case string:
		return normalizeString(x, vars)
	}
	return v
}

// parseHeaderBlock decodes a base64 header block (MSG.GET "hdrs") into a
// map, since the order of header lines depends on the publishing client
// (nats.go writes them from a map).
func parseHeaderBlock(b64 string) any {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return b64
	}
	lines := strings.Split(string(raw), "\r\n")
	out := map[string]any{"_status_line": lines[0]}
	for _, l := range lines[1:] {
		if l == "" {
			continue
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			out[l] = "<malformed>"
			continue
		}
		v = strings.TrimSpace(v)
		if prev, ok := out[k].([]any); ok {
			out[k] = append(prev, v)
		} else {
			out[k] = []any{v}
		}
	}
	return out
}

func normalizeString(s string, vars [][2]string) string {
	for _, kv := range vars {
		if kv[1] != "" {
			s = strings.ReplaceAll(s, kv[1], "{{"+kv[0]+"}}")
		}
	}
	if strings.HasPrefix(s, "_INBOX.") {
		return "<inbox>" // the client's random reply subject
	}
	if strings.HasPrefix(s, "$JS.ACK.") {
		// $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>
		tok := strings.Split(s, ".")
		if len(tok) == 9 {
			tok[7] = "<ts>"
			return strings.Join(tok, ".")
		}
		return s
	}
	if len(s) >= 20 && s[4] == '-' && s[7] == '-' && s[10] == 'T' {
		if ts, err := time.Parse(time.RFC3339Nano, s); err == nil {
			if ts.IsZero() {
				return markZeroTime
			}
			return markTime
		}
	}
	return s
}

// quietValue reduces the record of a setup step to success or its error.
func quietValue(v any) any {
	if e := lookup(v, "json.error"); e != nil {
		return map[string]any{"error": e}
	}
	if e := lookup(v, "error"); e != nil {
		return map[string]any{"error": e}
	}
	if st := lookup(v, "headers.Status"); st != nil {
		return map[string]any{"status": st}
	}
	return map[string]any{"ok": true}
}

// sortedVars orders captured variables longest value first, so that no
// value is replaced inside a longer one.
func sortedVars(vars map[string]string) [][2]string {
	out := make([][2]string, 0, len(vars))
	for k, v := range vars {
		out = append(out, [2]string{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i][1]) != len(out[j][1]) {
			return len(out[i][1]) > len(out[j][1])
		}
		return out[i][0] < out[j][0]
	})
	return out
}

func normalizeRecords(recs []record, vars map[string]string) []record {
	sv := sortedVars(vars)
	out := make([]record, len(recs))
	for i, r := range recs {
		v := r.value
		if r.quiet {
			v = quietValue(v)
		}
		out[i] = record{step: r.step, quiet: r.quiet, value: normalize(v, "", sv)}
	}
	return out
}

// ---------------------------------------------------------------------------
// Comparison

const absent = "<absent>"

// difference is one field whose normalised values differ.
type difference struct {
	step, path string
	ref, got   any
}

func (d difference) key() string { return d.step + "/" + d.path }

func (d difference) String() string {
	return fmt.Sprintf("%s: reference=%s natsnet=%s", d.key(), show(d.ref), show(d.got))
}

func show(v any) string {
	if s, ok := v.(string); ok && s == absent {
		return absent
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	b := bytes.TrimSpace(buf.Bytes())
	if len(b) > 300 && !dump {
		return string(b[:300]) + "..."
	}
	return string(b)
}

func compareRecords(ref, got []record) []difference {
	var out []difference
	n := max(len(ref), len(got))
	for i := 0; i < n; i++ {
		switch {
		case i >= len(ref):
			out = append(out, difference{step: got[i].step, path: "", ref: absent, got: got[i].value})
		case i >= len(got):
			out = append(out, difference{step: ref[i].step, path: "", ref: ref[i].value, got: absent})
		default:
			diffValues(ref[i].step, "", ref[i].value, got[i].value, &out)
		}
	}
	return out
}

func joinPath(base, elem string) string {
	if base == "" {
		return elem
	}
	return base + "." + elem
}

func diffValues(step, path string, a, b any, out *[]difference) {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			break
		}
		keys := make([]string, 0, len(x)+len(y))
		for k := range x {
			keys = append(keys, k)
		}
		for k := range y {
			if _, ok := x[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			va, oka := x[k]
			vb, okb := y[k]
			p := joinPath(path, k)
			switch {
			case !oka:
				*out = append(*out, difference{step, p, absent, vb})
			case !okb:
				*out = append(*out, difference{step, p, va, absent})
			default:
				diffValues(step, p, va, vb, out)
			}
		}
		return
	case []any:
		y, ok := b.([]any)
		if !ok {
			break
		}
		for i := 0; i < max(len(x), len(y)); i++ {
			p := fmt.Sprintf("%s[%d]", path, i)
			switch {
			case i >= len(x):
				*out = append(*out, difference{step, p, absent, y[i]})
			case i >= len(y):
				*out = append(*out, difference{step, p, x[i], absent})
			default:
				diffValues(step, p, x[i], y[i], out)
			}
		}
		return
	default:
		if scalarEqual(a, b) {
			return
		}
	}
	*out = append(*out, difference{step, path, a, b})
}

func scalarEqual(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case nil:
		return b == nil
	}
	return false
}

// ---------------------------------------------------------------------------
// Allowlists

// globMatch matches s against pattern where '*' is any run of characters.
func globMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// strict, when set (CONFORMANCE_STRICT=1), makes pending differences
// failures, to check fixes.
var strict = os.Getenv("CONFORMANCE_STRICT") != ""

// dump, when set (CONFORMANCE_DUMP=1), logs both normalised transcripts;
// CONFORMANCE_DUMP=raw logs and compares them before normalisation.
var dump = os.Getenv("CONFORMANCE_DUMP") != ""

// runDifferential runs sc against both servers and reports differences.
func runDifferential(t *testing.T, sc *scenario) {
	refURL, err := startReference(t)
	if err != nil {
		t.Fatal(err)
	}
	nnURL, err := startNatsnet(t)
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg              sync.WaitGroup
		refRecs, nnRecs []record
		refVars, nnVars map[string]string
		refErr, nnErr   error
	)
	wg.Add(2)
	go func() { defer wg.Done(); refRecs, refVars, refErr = run(refURL, sc) }()
	go func() { defer wg.Done(); nnRecs, nnVars, nnErr = run(nnURL, sc) }()
	wg.Wait()
	if refErr != nil {
		t.Fatalf("reference: %v", refErr)
	}
	if nnErr != nil {
		t.Fatalf("natsnet: %v", nnErr)
	}
	ref := normalizeRecords(refRecs, refVars)
	got := normalizeRecords(nnRecs, nnVars)
	if os.Getenv("CONFORMANCE_DUMP") == "raw" {
		ref, got = refRecs, nnRecs
	}
	if dump {
		for i := range ref {
			t.Logf("reference %s: %s", ref[i].step, show(ref[i].value))
			if i < len(got) {
				t.Logf("natsnet   %s: %s", got[i].step, show(got[i].value))
			}
		}
	}
	diffs := compareRecords(ref, got)
	usedPending := map[[2]int]bool{}
	for _, d := range diffs {
		key := d.key()
		if a, ok := matchAllowed(sc.allow, key); ok {
			t.Logf("intentional difference %s (%s)", d, a.reason)
			continue
		}
		if a, ok := matchAllowed(intentionalDiffs, sc.name+"/"+key); ok {
			t.Logf("intentional difference %s (%s)", d, a.reason)
			continue
		}
		if ps := matchPending(sc.name + "/" + key); len(ps) > 0 {
			for _, p := range ps {
				usedPending[p] = true
			}
			reason := pendingDiffs[ps[0][0]].reason
			if strict {
				t.Errorf("DIFFERENCE (pending: %s) %s", reason, d)
			} else {
				t.Logf("pending difference %s (%s)", d, reason)
			}
			continue
		}
		t.Errorf("DIFFERENCE %s", d)
	}
	for i, p := range pendingDiffs {
		for j, w := range p.where {
			if strings.HasPrefix(w, sc.name+"/") && !usedPending[[2]int{i, j}] {
				t.Errorf("pendingDiffs entry %q (%s) no longer differs: remove it", w, p.reason)
			}
		}
	}
}

func matchAllowed(list []allowed, key string) (allowed, bool) {
	for _, a := range list {
		if globMatch(a.path, key) {
			return a, true
		}
	}
	return allowed{}, false
}

// matchPending returns the pendingDiffs entries (issue, place) matching
// key, "<scenario>/<step>/<path>".
func matchPending(key string) [][2]int {
	var out [][2]int
	for i, p := range pendingDiffs {
		for j, w := range p.where {
			if globMatch(w, key) {
				out = append(out, [2]int{i, j})
			}
		}
	}
	return out
}
