package monitor

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSource serves fixed data through the pure builders and records the
// options it receives.
type fakeSource struct {
	mu        sync.Mutex
	varz      *Varz
	varzErr   error
	health    *HealthStatus
	code      int
	lastConnz *ConnzOptions
	lastSubsz *SubszOptions
	lastHz    *HealthzOptions
	calls     int
}

func (f *fakeSource) Varz(*VarzOptions) (*Varz, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return f.varz, f.varzErr
}

func (f *fakeSource) Connz(o *ConnzOptions) (*Connz, error) {
	f.mu.Lock()
	f.calls++
	f.lastConnz = o
	f.mu.Unlock()
	return BuildConnz("FAKE", t0.Add(time.Minute), testConns(), o)
}

func (f *fakeSource) Subsz(o *SubszOptions) (*Subsz, error) {
	f.mu.Lock()
	f.calls++
	f.lastSubsz = o
	f.mu.Unlock()
	return BuildSubsz("FAKE", t0, &SublistStats{NumSubs: 6}, testSubs(), o)
}

func (f *fakeSource) Healthz(o *HealthzOptions) (*HealthStatus, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.lastHz = o
	return f.health, f.code
}

func newTestServer(t *testing.T, src Source, opts ...HandlerOption) (*httptest.Server, *Handler) {
	t.Helper()
	h := NewHandler(src, opts...)
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts, h
}

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func TestHandlerVarz(t *testing.T) {
	src := &fakeSource{varz: &Varz{ID: "FAKE", Name: "srv"}}
	ts, h := newTestServer(t, src)
	code, hdr, body := get(t, ts.URL+"/varz")
	if code != 200 || hdr.Get("Content-Type") != "application/json" || hdr.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("code %d headers %v", code, hdr)
	}
	if !strings.HasPrefix(body, "{\n  \"server_id\": \"FAKE\",\n") {
		t.Fatalf("expected indented JSON, got %q", body[:min(len(body), 60)])
	}
	var v Varz
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	// The handler fills request stats (counting this request) without
	// touching the source's document.
	if v.HTTPReqStats[VarzPath] != 1 || src.varz.HTTPReqStats != nil {
		t.Fatalf("req stats %v / %v", v.HTTPReqStats, src.varz.HTTPReqStats)
	}
	// Stats provided by the source are kept.
	src.varz = &Varz{ID: "FAKE", HTTPReqStats: map[string]uint64{"custom": 7}}
	_, _, body = get(t, ts.URL+"/varz")
	if !strings.Contains(body, `"custom": 7`) {
		t.Fatalf("source stats replaced: %s", body)
	}
	if h.RequestStats()[VarzPath] != 2 {
		t.Fatalf("stats %v", h.RequestStats())
	}
	src.varzErr = errors.New("no varz")
	code, _, body = get(t, ts.URL+"/varz")
	if code != 500 || body != "no varz" {
		t.Fatalf("error: %d %q", code, body)
	}
}

func TestHandlerConnz(t *testing.T) {
	src := &fakeSource{}
	ts, _ := newTestServer(t, src)
	code, hdr, body := get(t, ts.URL+"/connz?sort=subs&limit=2&auth=true&subs=detail")
	if code != 200 || hdr.Get("Content-Type") != "application/json" {
		t.Fatalf("code %d body %s", code, body)
	}
	var c Connz
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		t.Fatal(err)
	}
	if got := cids(&c); len(got) != 2 || got[0] != 2 || got[1] != 1 || c.Total != 3 || c.Limit != 2 {
		t.Fatalf("got %v %+v", got, c)
	}
	if c.Conns[1].AuthorizedUser != "alice" || len(c.Conns[1].SubsDetail) != 2 {
		t.Fatalf("auth/subs detail missing: %+v", c.Conns[1])
	}
	if o := src.lastConnz; o.Sort != BySubs || !o.Username || !o.SubscriptionsDetail || o.Limit != 2 {
		t.Fatalf("options %+v", o)
	}

	_, _, body = get(t, ts.URL+"/connz?state=closed&sort=stop")
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		t.Fatal(err)
	}
	if got := cids(&c); len(got) != 2 || got[0] != 5 {
		t.Fatalf("closed by stop: %v", got)
	}
}

func TestHandlerBadRequests(t *testing.T) {
	src := &fakeSource{}
	ts, h := newTestServer(t, src)
	for _, tc := range []struct{ path, want string }{
		{"/connz?sort=bogus", "invalid sorting option: bogus"},
		{"/connz?sort=stop", "sort by stop only valid on closed connections"},
		{"/connz?sort=reason&state=any", "sort by reason only valid on closed connections"},
		{"/connz?filter_subject=foo", "filter by subject only valid with account filtering"},
		{"/connz?auth=perhaps", "Error decoding boolean for 'auth': "},
		{"/connz?limit=ten", "Error decoding int for 'limit': "},
		{"/connz?offset=1e3", "Error decoding int for 'offset': "},
		{"/connz?cid=abc", "Error decoding uint64 for 'cid': "},
		{"/connz?state=sleeping", "Error decoding state for sleeping"},
		{"/connz?subs=many", "Error decoding boolean for 'subs': "},
		{"/subsz?subs=many", "Error decoding boolean for 'subs': "},
		{"/subsz?limit=x", "Error decoding int for 'limit': "},
		{"/subsz?subs=1&test=foo.*", "invalid test subject, must be valid publish subject: foo.*"},
		{"/healthz?details=sure", "Error decoding boolean for 'details': "},
		{"/varz?callback=alert(1)", "invalid callback"},
	} {
		code, hdr, body := get(t, ts.URL+tc.path)
		if code != http.StatusBadRequest || !strings.HasPrefix(body, tc.want) {
			t.Errorf("%s: got %d %q, want 400 %q", tc.path, code, body, tc.want)
		}
		if !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") {
			t.Errorf("%s: content type %q", tc.path, hdr.Get("Content-Type"))
		}
	}
	// Invalid options never reach the source.
	if src.lastConnz != nil || src.lastSubsz != nil || src.lastHz != nil {
		t.Fatal("source consulted for invalid options")
	}
	st := h.RequestStats()
	if st[ConnzPath] != 10 || st[SubszPath] != 3 || st[HealthzPath] != 1 {
		t.Fatalf("bad requests should still be counted: %v", st)
	}
}

func TestHandlerSubsz(t *testing.T) {
	src := &fakeSource{}
	ts, h := newTestServer(t, src)
	for _, p := range []string{"/subsz", "/subscriptionsz"} {
		code, _, body := get(t, ts.URL+p+"?subs=1&test=foo.bar&acc=A&limit=2&offset=1")
		if code != 200 {
			t.Fatalf("%s: %d %s", p, code, body)
		}
		var sz Subsz
		if err := json.Unmarshal([]byte(body), &sz); err != nil {
			t.Fatal(err)
		}
		if sz.Total != 3 || len(sz.Subs) != 2 || sz.Subs[0].Subject != "foo.>" || sz.NumSubs != 6 {
			t.Fatalf("%s: %+v", p, sz)
		}
	}
	if o := src.lastSubsz; !o.Subscriptions || o.Test != "foo.bar" || o.Account != "A" || o.Limit != 2 || o.Offset != 1 {
		t.Fatalf("options %+v", o)
	}
	_, _, body := get(t, ts.URL+"/subsz")
	if strings.Contains(body, "subscriptions_list") || !strings.Contains(body, `"num_subscriptions": 6`) {
		t.Fatalf("stats only: %s", body)
	}
	if n := h.RequestStats()[SubszPath]; n != 3 {
		t.Fatalf("alias should count as %s: %d", SubszPath, n)
	}
	if _, ok := h.RequestStats()[SubscriptionszPath]; ok {
		t.Fatal("alias counted separately")
	}
}

func TestHandlerHealthz(t *testing.T) {
	src := &fakeSource{health: NewHealthStatus(), code: 200}
	ts, _ := newTestServer(t, src)

	code, hdr, body := get(t, ts.URL+"/healthz")
	if code != 200 || body != `{"status":"ok"}` || hdr.Get("Content-Type") != "application/json" {
		t.Fatalf("ok: %d %q", code, body)
	}

	src.health = &HealthStatus{Status: "unavailable", StatusCode: 503, Error: "JetStream not enabled"}
	src.code = 503
	code, _, body = get(t, ts.URL+"/healthz?js-enabled-only=true&account=A")
	if code != 503 || body != `{"status":"unavailable","error":"JetStream not enabled"}` {
		t.Fatalf("unavailable: %d %q", code, body)
	}
	if !src.lastHz.JSEnabledOnly || src.lastHz.Account != "A" {
		t.Fatalf("options %+v", src.lastHz)
	}
	if src.health.StatusCode != 503 {
		t.Fatal("source status modified")
	}

	// Code 0: derived from the report.
	src.health = &HealthStatus{Errors: []HealthzError{{Type: HealthzErrorAccount, Account: "A", Error: "gone"}}}
	src.code = 0
	code, _, body = get(t, ts.URL+"/healthz?details=1")
	if code != 503 || body != `{"status":"error","errors":[{"type":"ACCOUNT","account":"A","error":"gone"}]}` {
		t.Fatalf("details: %d %q", code, body)
	}

	// Malformed combinations are rejected before the source is asked.
	src.lastHz = nil
	code, _, body = get(t, ts.URL+"/healthz?stream=S")
	if code != 400 || body != `{"status":"error","error":"\"account\" must not be empty when checking stream health"}` {
		t.Fatalf("bad combo: %d %q", code, body)
	}
	if src.lastHz != nil {
		t.Fatal("source consulted")
	}

	// A source returning nil is an internal error.
	src.health, src.code = nil, 0
	code, _, _ = get(t, ts.URL+"/healthz")
	if code != 500 {
		t.Fatalf("nil health: %d", code)
	}
}

func TestHandlerRootAndNotFound(t *testing.T) {
	src := &fakeSource{}
	ts, h := newTestServer(t, src, WithVersion("1.2.3"))
	code, hdr, body := get(t, ts.URL+"/")
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Fatalf("root %d %v", code, hdr)
	}
	for _, p := range []string{`href="/varz"`, `href="/connz"`, `href="/subsz"`, `href="/healthz"`, "v1.2.3"} {
		if !strings.Contains(body, p) {
			t.Errorf("index lacks %s", p)
		}
	}
	for _, p := range []string{"/nope", "/varz/", "/connzz"} {
		if code, _, _ := get(t, ts.URL+p); code != 404 {
			t.Errorf("%s: %d", p, code)
		}
	}
	st := h.RequestStats()
	if st[RootPath] != 1 || len(st) != 1 {
		t.Fatalf("stats %v", st)
	}
	// RequestStats returns a copy.
	st[RootPath] = 99
	if h.RequestStats()[RootPath] != 1 {
		t.Fatal("stats not copied")
	}
}

func TestHandlerBasePath(t *testing.T) {
	src := &fakeSource{varz: &Varz{ID: "FAKE"}}
	ts, h := newTestServer(t, src, WithBasePath("/mon/"))
	if code, _, _ := get(t, ts.URL+"/mon/varz"); code != 200 {
		t.Fatalf("varz under base: %d", code)
	}
	for _, p := range []string{"/mon", "/mon/"} {
		code, _, body := get(t, ts.URL+p)
		if code != 200 || !strings.Contains(body, `href="/mon/connz"`) {
			t.Fatalf("%s: %d %s", p, code, body)
		}
	}
	for _, p := range []string{"/varz", "/", "/monitor/varz"} {
		if code, _, _ := get(t, ts.URL+p); code != 404 {
			t.Errorf("%s should be 404, got %d", p, code)
		}
	}
	if st := h.RequestStats(); st[VarzPath] != 1 || st[RootPath] != 2 {
		t.Fatalf("stats %v", st)
	}
}

func TestHandlerJSONP(t *testing.T) {
	src := &fakeSource{varz: &Varz{ID: "FAKE"}}
	ts, _ := newTestServer(t, src)
	code, hdr, body := get(t, ts.URL+"/varz?callback=my.cb_1")
	if code != 200 || hdr.Get("Content-Type") != "application/javascript" {
		t.Fatalf("%d %v", code, hdr)
	}
	if !strings.HasPrefix(body, "my.cb_1({") || !strings.HasSuffix(body, "})") {
		t.Fatalf("body %q", body)
	}
	for cb, ok := range map[string]bool{"cb": true, "$x": true, "a.b.c": true, "1a": false,
		"a..b": false, "a-b": false, "a(b)": false, strings.Repeat("a", 200): false} {
		if validCallback(cb) != ok {
			t.Errorf("validCallback(%q) != %v", cb, ok)
		}
	}
}

func TestHandlerConcurrent(t *testing.T) {
	src := &fakeSource{varz: &Varz{ID: "FAKE"}, health: NewHealthStatus(), code: 200}
	h := NewHandler(src)
	var wg sync.WaitGroup
	paths := []string{"/varz", "/connz?subs=1", "/subsz?subs=1", "/healthz", "/"}
	for i := range 50 {
		wg.Add(1)
		go func(p string) {
			defer wg.Done()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
			if rec.Code != 200 {
				t.Errorf("%s: %d", p, rec.Code)
			}
			_ = h.RequestStats()
		}(paths[i%len(paths)])
	}
	wg.Wait()
	var total uint64
	for _, n := range h.RequestStats() {
		total += n
	}
	if total != 50 {
		t.Fatalf("total %d", total)
	}
}
