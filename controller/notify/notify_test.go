package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"
)

// request is what a receiver got in one POST.
type request struct {
	id, kind, signature, contentType string
	header                           http.Header
	body                             []byte
}

// receiver is a local webhook receiver whose answer to each request is
// chosen by the test: a status, or no answer at all (hang).
type receiver struct {
	*httptest.Server
	// answer returns the status for the nth request (from 0); 0 means
	// never answer (until the client gives up).
	answer func(n int) int

	mu        sync.Mutex
	requests  []request
	delivered []string // IDs answered 2xx, in order
}

func newReceiver(t testing.TB, answer func(n int) int) *receiver {
	t.Helper()
	r := &receiver{answer: answer}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		n := len(r.requests)
		r.requests = append(r.requests, request{
			id: req.Header.Get(HeaderEventID), kind: req.Header.Get(HeaderEvent),
			signature: req.Header.Get(HeaderSignature), contentType: req.Header.Get("Content-Type"),
			header: req.Header.Clone(), body: body,
		})
		r.mu.Unlock()
		status := r.answer(n)
		if status == 0 {
			<-req.Context().Done() // the client gave up
			return
		}
		if status >= 200 && status < 300 {
			r.mu.Lock()
			r.delivered = append(r.delivered, req.Header.Get(HeaderEventID))
			r.mu.Unlock()
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) got() ([]request, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.requests), slices.Clone(r.delivered)
}

// failures collects what Options.Failed is told.
type failures struct {
	mu   sync.Mutex
	list []Failure
}

func (f *failures) add(x Failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.list = append(f.list, x)
}

func (f *failures) get() []Failure {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.list)
}

// fastOptions are Options with timings short enough for a test.
func fastOptions(reg prometheus.Registerer, f *failures, hooks ...Webhook) Options {
	return Options{
		Webhooks: hooks, Registerer: reg, Failed: f.add, Logger: zerolog.Nop(),
		AttemptTimeout: 300 * time.Millisecond, MinBackoff: 5 * time.Millisecond, MaxBackoff: 40 * time.Millisecond,
		GiveUpAfter: 20 * time.Second,
	}
}

func start(t testing.TB, o Options) *Notifier {
	t.Helper()
	n, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close(context.Background()) })
	return n
}

func change(vmid int, result string) Event {
	kind, _ := KindOfResult(result)
	return Event{Kind: kind, VMID: vmid, Node: "pve1", Resource: "memory", Direction: "up", From: 1024, To: 1536,
		Result: result, Reason: "memory above 0.85 for 30s", Mode: "enforce", Source: "controller"}
}

// closeAndWait closes n, giving its queues all the time they need.
func closeAndWait(t *testing.T, n *Notifier) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n.Close(ctx)
	if ctx.Err() != nil {
		t.Fatal("Close did not drain the queues within a minute")
	}
}

// A receiver that fails (503), then does not answer, then recovers gets
// every event exactly once, in order, each retry with the same ID, body
// and signature; the failed attempts are counted by reason.
func TestFailingTimingOutRecoveringReceiverGetsEachEventOnce(t *testing.T) {
	const events = 6
	// Requests 0-2 answer 503, 3-4 never answer, the rest 200.
	r := newReceiver(t, func(n int) int {
		switch {
		case n < 3:
			return http.StatusServiceUnavailable
		case n < 5:
			return 0
		}
		return http.StatusNoContent
	})
	reg := prometheus.NewRegistry()
	var f failures
	secret := []byte("s3cret-for-hmac")
	n := start(t, fastOptions(reg, &f, Webhook{Name: "ops", URL: r.URL, Format: FormatJSON, Secret: secret}))
	var sent []string
	for i := range events {
		ev := change(100+i, "applied")
		ev.ID = newID()
		sent = append(sent, ev.ID)
		n.Notify(ev)
	}
	closeAndWait(t, n)

	requests, delivered := r.got()
	if !slices.Equal(delivered, sent) {
		t.Fatalf("delivered %v, want each event once in order %v", delivered, sent)
	}
	if len(requests) != events+5 {
		t.Errorf("%d requests, want %d (the %d events and 5 failed attempts)", len(requests), events+5, events)
	}
	// The first event took the 3 errors, 2 timeouts and the success: six
	// attempts, one ID, one body, one signature.
	for i, req := range requests[:6] {
		if req.id != sent[0] || !bytes.Equal(req.body, requests[0].body) || req.signature != requests[0].signature {
			t.Errorf("attempt %d: id %s, body or signature differ from the first attempt's", i, req.id)
		}
	}
	for _, req := range requests {
		mac := hmac.New(sha256.New, secret)
		mac.Write(req.body)
		if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); req.signature != want {
			t.Errorf("signature %q, want %q", req.signature, want)
		}
		if req.kind != "applied" || req.contentType != "application/json" {
			t.Errorf("event header %q, content type %q", req.kind, req.contentType)
		}
	}
	if got := f.get(); len(got) != 0 {
		t.Errorf("failures reported for delivered events: %+v", got)
	}
	for _, c := range []struct {
		vec    *prometheus.CounterVec
		labels []string
		want   float64
	}{
		{n.metrics.events, []string{"ops", "delivered"}, events},
		{n.metrics.events, []string{"ops", "failed"}, 0},
		{n.metrics.attemptFailures, []string{"ops", "status_5xx"}, 3},
		{n.metrics.attemptFailures, []string{"ops", "timeout"}, 2},
	} {
		if got := testutil.ToFloat64(c.vec.WithLabelValues(c.labels...)); got != c.want {
			t.Errorf("%v = %v, want %v", c.labels, got, c.want)
		}
	}
}

// The JSON body holds the fields of a change, and nothing of the webhook.
func TestJSONBody(t *testing.T) {
	r := newReceiver(t, func(int) int { return http.StatusOK })
	var f failures
	n := start(t, fastOptions(nil, &f, Webhook{Name: "j", URL: r.URL}))
	at := time.Date(2026, 12, 6, 18, 0, 0, 0, time.UTC)
	ev := change(101, "applied")
	ev.Time, ev.Name, ev.Resource, ev.From = at, "web1", "swap", 0
	n.Notify(ev)
	closeAndWait(t, n)
	requests, _ := r.got()
	if len(requests) != 1 {
		t.Fatalf("%d requests, want 1", len(requests))
	}
	var got map[string]any
	if err := json.Unmarshal(requests[0].body, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"id": requests[0].id, "event": "applied", "time": "2026-12-06T18:00:00Z", "vmid": 101.0, "name": "web1",
		"node": "pve1", "resource": "swap", "direction": "up", "from": 0.0, "to": 1536.0, "unit": "MiB",
		"result": "applied", "reason": "memory above 0.85 for 30s", "mode": "enforce", "source": "controller",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("body has keys %v, want exactly %v", keys(got), keys(want))
	}
	if requests[0].signature != "" {
		t.Errorf("signed without a secret: %q", requests[0].signature)
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// The chat formats name the container and the change.
func TestChatFormats(t *testing.T) {
	ev := change(101, "applied")
	ev.Name = "web<1>"
	ev.Time = time.Now()
	ev.ID = newID()
	for _, c := range []struct {
		format      Format
		contentType string
		text        func(t *testing.T, body []byte, h http.Header) string
	}{
		{FormatNtfy, "text/plain; charset=utf-8", func(t *testing.T, body []byte, h http.Header) string {
			if h.Get("Title") != "CT 101 (web<1>) memory applied" || h.Get("Priority") != "3" || h.Get("Tags") != "arrow_up" {
				t.Errorf("ntfy headers: %v", h)
			}
			return string(body)
		}},
		{FormatGotify, "application/json", func(t *testing.T, body []byte, _ http.Header) string {
			var g struct {
				Title    string
				Message  string
				Priority int
			}
			if err := json.Unmarshal(body, &g); err != nil || g.Title != "CT 101 (web<1>) memory applied" || g.Priority != 5 {
				t.Errorf("gotify body %s: %v", body, err)
			}
			return g.Message
		}},
		{FormatSlack, "application/json", func(t *testing.T, body []byte, _ http.Header) string {
			var s struct{ Text string }
			if err := json.Unmarshal(body, &s); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(s.Text, "<") || !strings.Contains(s.Text, "web&lt;1&gt;") {
				t.Errorf("slack text not escaped: %q", s.Text)
			}
			head, text, _ := strings.Cut(strings.ReplaceAll(strings.ReplaceAll(s.Text, "&lt;", "<"), "&gt;", ">"), "\n")
			if head != "*CT 101 (web<1>) memory applied*" {
				t.Errorf("slack title line %q", head)
			}
			return text
		}},
	} {
		t.Run(string(c.format), func(t *testing.T) {
			body, contentType, h, err := render(c.format, ev)
			if err != nil || contentType != c.contentType {
				t.Fatalf("render: %q, %v", contentType, err)
			}
			text := c.text(t, body, h)
			want := "CT 101 (web<1>) on pve1: memory 1024 MiB -> 1536 MiB (applied), mode enforce\nreason: memory above 0.85 for 30s"
			if text != want {
				t.Errorf("message\n%q, want\n%q", text, want)
			}
		})
	}
}

func TestMessages(t *testing.T) {
	for _, c := range []struct {
		ev   Event
		want string
	}{
		{Event{Kind: KindAnomaly, VMID: 7, Node: "n1", Score: 0.734}, "CT 7 on n1 is anomalous: score 0.73"},
		{func() Event {
			ev := RunawayEvent(7, 0.7, "cpu pinned at 2 cores as at 1: a runaway process?")
			ev.Node = "n1"
			return ev
		}(),
			"CT 7 on n1 is anomalous: score 0.70\nreason: cpu pinned at 2 cores as at 1: a runaway process?"},
		{AnomalySummary(12), "containers anomalous\nreason: 12 more containers turned anomalous in this pass"},
		{NodeEvent("n2", errors.New("status 595")), "node n2 unreachable\nreason: status 595"},
		{NodeEvent("n2", nil), "node n2 reachable"},
		{Event{Kind: KindLeaderChange, Leader: "pve1:4242:ab", Reason: "acquired"}, "leader: pve1:4242:ab\nreason: acquired"},
		{Event{Kind: KindFailed, VMID: 9, Node: "n1", Resource: "disk", From: 8 << 30, To: 10 << 30, Result: "failed",
			Source: "api:ops", Error: "task failed"}, "CT 9 on n1: disk 8 GiB -> 10 GiB (failed), by api:ops\nerror: task failed"},
		{Event{Kind: KindRecommended, VMID: 9, Node: "n1", Resource: "cores", From: 2, To: 4, Result: "dry_run", Policy: "web"},
			"CT 9 on n1: cores 2 -> 4 (dry_run), policy web"},
	} {
		if got := message(c.ev); got != c.want {
			t.Errorf("message(%s) = %q, want %q", c.ev.Kind, got, c.want)
		}
	}
}
