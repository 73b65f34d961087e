package monitor

import (
	"encoding/json"
	"fmt"
	"html"
	"maps"
	"net/http"
	"path"
	"strings"
	"sync"
)

// Endpoint paths, relative to the handler's base path. They are also the
// keys of RequestStats / Varz.HTTPReqStats.
const (
	RootPath           = "/"
	VarzPath           = "/varz"
	ConnzPath          = "/connz"
	SubszPath          = "/subsz"
	SubscriptionszPath = "/subscriptionsz" // alias of SubszPath, counted as SubszPath
	HealthzPath        = "/healthz"
)

// Source supplies the monitoring documents. The server implements it,
// typically by snapshotting its state and calling BuildConnz / BuildSubsz.
// The options passed in have already been decoded and validated by the
// handler; errors returned by Connz and Subsz are reported as HTTP 400,
// errors returned by Varz as HTTP 500. Healthz returns the report together
// with its HTTP status code (0 means: derive it from the report).
type Source interface {
	Varz(*VarzOptions) (*Varz, error)
	Connz(*ConnzOptions) (*Connz, error)
	Subsz(*SubszOptions) (*Subsz, error)
	Healthz(*HealthzOptions) (*HealthStatus, int)
}

// Handler serves the monitoring endpoints of a Source. It is safe for
// concurrent use.
type Handler struct {
	src      Source
	basePath string // cleaned, "/" or "/prefix" without trailing slash
	version  string

	mu    sync.Mutex
	stats map[string]uint64
}

// HandlerOption configures a Handler.
type HandlerOption func(*Handler)

// WithBasePath serves every endpoint under prefix (e.g. "/monitor" serves
// "/monitor/varz"). Request statistics still use the unprefixed paths.
func WithBasePath(prefix string) HandlerOption {
	return func(h *Handler) { h.basePath = path.Clean("/" + prefix) }
}

// WithVersion sets the server version shown on the index page.
func WithVersion(v string) HandlerOption {
	return func(h *Handler) { h.version = v }
}

// NewHandler returns a Handler serving src.
func NewHandler(src Source, opts ...HandlerOption) *Handler {
	h := &Handler{src: src, basePath: "/", stats: make(map[string]uint64)}
	for _, o := range opts {
		o(h)
	}
	return h
}

// RequestStats returns a copy of the per-endpoint request counters, keyed by
// endpoint path (RootPath, VarzPath, ...). Only endpoints that were
// requested at least once are present.
func (h *Handler) RequestStats() map[string]uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return maps.Clone(h.stats)
}

func (h *Handler) count(p string) {
	h.mu.Lock()
	h.stats[p]++
	h.mu.Unlock()
}

// ServeHTTP dispatches to the endpoint named by the request path.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if h.basePath != "/" {
		rest, ok := strings.CutPrefix(p, h.basePath)
		if !ok || (rest != "" && rest[0] != '/') {
			http.NotFound(w, r)
			return
		}
		p = rest
	}
	switch p {
	case "", RootPath:
		h.serveRoot(w, r)
	case VarzPath:
		h.serveVarz(w, r)
	case ConnzPath:
		h.serveConnz(w, r)
	case SubszPath, SubscriptionszPath:
		h.serveSubsz(w, r)
	case HealthzPath:
		h.serveHealthz(w, r)
	case RoutezPath:
		h.serveRoutez(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (h *Handler) serveVarz(w http.ResponseWriter, r *http.Request) {
	h.count(VarzPath)
	opts, err := VarzOptionsFromQuery(r.URL.Query())
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	v, err := h.src.Varz(opts)
	if err != nil {
		writeText(w, http.StatusInternalServerError, err.Error())
		return
	}
	if v != nil && v.HTTPReqStats == nil {
		// Work on a copy: the source may hand out a cached document.
		cp := *v
		cp.HTTPReqStats = h.RequestStats()
		v = &cp
	}
	writeJSON(w, r, http.StatusOK, v, true)
}

func (h *Handler) serveConnz(w http.ResponseWriter, r *http.Request) {
	h.count(ConnzPath)
	opts, err := ConnzOptionsFromQuery(r.URL.Query())
	if err == nil {
		err = opts.Validate()
	}
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	c, err := h.src.Connz(opts)
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, r, http.StatusOK, c, true)
}

func (h *Handler) serveRoutez(w http.ResponseWriter, r *http.Request) {
	h.count(RoutezPath)
	src, ok := h.src.(RoutezSource)
	if !ok {
		http.NotFound(w, r)
		return
	}
	opts, err := RoutezOptionsFromQuery(r.URL.Query())
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	rz, err := src.Routez(opts)
	if err != nil {
		writeText(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, r, http.StatusOK, rz, true)
}

func (h *Handler) serveSubsz(w http.ResponseWriter, r *http.Request) {
	h.count(SubszPath)
	opts, err := SubszOptionsFromQuery(r.URL.Query())
	if err == nil {
		err = opts.Validate()
	}
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	s, err := h.src.Subsz(opts)
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, r, http.StatusOK, s, true)
}

// serveHealthz answers with a compact JSON body and the status code of the
// report. Malformed combinations are answered with 400 without consulting
// the source.
func (h *Handler) serveHealthz(w http.ResponseWriter, r *http.Request) {
	h.count(HealthzPath)
	opts, err := HealthzOptionsFromQuery(r.URL.Query())
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	hs := ValidateHealthzOptions(opts)
	code := 0
	if hs == nil {
		hs, code = h.src.Healthz(opts)
	}
	if hs == nil {
		hs = &HealthStatus{Status: HealthErrorStatus, Error: "health status unavailable"}
		code = http.StatusInternalServerError
	}
	out := *hs
	if code == 0 {
		code = out.Finish(opts.Details)
	}
	out.StatusCode = 0
	writeJSON(w, r, code, &out, false)
}

func (h *Handler) serveRoot(w http.ResponseWriter, _ *http.Request) {
	h.count(RootPath)
	link := func(p string) string {
		return html.EscapeString(path.Join(h.basePath, p))
	}
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	b.WriteString("<title>natsnet monitoring</title>\n<style>\n")
	b.WriteString("body { font-family: sans-serif; margin-left: 32px }\n")
	b.WriteString("a { display: block; padding-bottom: 6px; text-decoration: none }\n")
	b.WriteString(".endpoint { font-size: 12px; color: #999; font-family: monospace }\n")
	b.WriteString("</style>\n</head>\n<body>\n<h1>natsnet</h1>\n")
	if h.version != "" {
		fmt.Fprintf(&b, "<p>v%s</p>\n", html.EscapeString(h.version))
	}
	for _, e := range []struct{ title, p string }{
		{"General", VarzPath},
		{"Connections", ConnzPath},
		{"Subscriptions", SubszPath},
		{"Routes", RoutezPath},
		{"Health Probe", HealthzPath},
	} {
		fmt.Fprintf(&b, "<a href=\"%s\">%s <span class=\"endpoint\">%s</span></a>\n",
			link(e.p), e.title, e.p)
	}
	b.WriteString("</body>\n</html>\n")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(b.String()))
}

// writeText sends a plain-text response, used for errors.
func writeText(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(msg))
}

// writeJSON sends v as JSON (indented with two spaces when indent is set).
// When the request has a "callback" parameter the document is wrapped in a
// call to that function (JSONP) and sent as JavaScript; the callback must be
// a dotted JavaScript identifier.
func writeJSON(w http.ResponseWriter, r *http.Request, code int, v any, indent bool) {
	var (
		data []byte
		err  error
	)
	if indent {
		data, err = json.MarshalIndent(v, "", "  ")
	} else {
		data, err = json.Marshal(v)
	}
	if err != nil {
		writeText(w, http.StatusInternalServerError, fmt.Sprintf("error encoding response: %v", err))
		return
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if cb := r.URL.Query().Get("callback"); cb != "" {
		if !validCallback(cb) {
			writeText(w, http.StatusBadRequest, fmt.Sprintf("invalid callback: %q", cb))
			return
		}
		w.Header().Set("Content-Type", "application/javascript")
		w.WriteHeader(code)
		_, _ = fmt.Fprintf(w, "%s(%s)", cb, data)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(data)
}

// validCallback accepts names such as "cb", "$jsonp_1" or "ns.handler".
func validCallback(s string) bool {
	if len(s) > 128 {
		return false
	}
	for part := range strings.SplitSeq(s, ".") {
		if part == "" {
			return false
		}
		for i, c := range part {
			switch {
			case c == '_' || c == '$' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z'):
			case '0' <= c && c <= '9' && i > 0:
			default:
				return false
			}
		}
	}
	return true
}
