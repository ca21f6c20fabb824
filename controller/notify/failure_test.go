package notify

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"
)

// A redirect is neither followed nor retried, and a 4xx is not retried:
// each is one attempt, counted and reported.
func TestRefusedNotRetried(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
	t.Cleanup(other.Close)
	redirect := newReceiver(t, func(int) int { return http.StatusTemporaryRedirect })
	redirect.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		redirect.mu.Lock()
		redirect.requests = append(redirect.requests, request{id: r.Header.Get(HeaderEventID)})
		redirect.mu.Unlock()
		http.Redirect(w, r, other.URL, http.StatusTemporaryRedirect)
	})
	bad := newReceiver(t, func(int) int { return http.StatusBadRequest })
	var f failures
	n := start(t, fastOptions(prometheus.NewRegistry(), &f,
		Webhook{Name: "redirect", URL: redirect.URL}, Webhook{Name: "bad", URL: bad.URL, Format: FormatSlack}))
	n.Notify(change(101, "failed"))
	closeAndWait(t, n)

	if got := elsewhere.Load(); got != 0 {
		t.Errorf("the redirect was followed: %d requests elsewhere", got)
	}
	for _, r := range []*receiver{redirect, bad} {
		if requests, _ := r.got(); len(requests) != 1 {
			t.Errorf("%d attempts, want 1", len(requests))
		}
	}
	got := f.get()
	if len(got) != 2 {
		t.Fatalf("failures %+v, want 2", got)
	}
	for _, x := range got {
		if x.Attempts != 1 || x.Event.VMID != 101 {
			t.Errorf("failure %+v: want 1 attempt of the event of 101", x)
		}
	}
	for _, c := range [][]string{{"redirect", "redirect"}, {"bad", "status_4xx"}} {
		if v := testutil.ToFloat64(n.metrics.attemptFailures.WithLabelValues(c...)); v != 1 {
			t.Errorf("attempt failures %v = %v, want 1", c, v)
		}
		if v := testutil.ToFloat64(n.metrics.events.WithLabelValues(c[0], "failed")); v != 1 {
			t.Errorf("events %s failed = %v, want 1", c[0], v)
		}
	}
}

// A receiver that keeps failing is given up once GiveUpAfter has passed,
// the event reported with its attempts; the next event is then tried.
func TestGivenUp(t *testing.T) {
	r := newReceiver(t, func(n int) int {
		if n < 1000 {
			return http.StatusBadGateway
		}
		return http.StatusOK
	})
	var f failures
	o := fastOptions(nil, &f, Webhook{Name: "down", URL: r.URL})
	o.GiveUpAfter = 150 * time.Millisecond
	n := start(t, o)
	n.Notify(change(101, "applied"))
	n.Notify(change(102, "applied"))
	closeAndWait(t, n)
	got := f.get()
	if len(got) != 2 || got[0].Event.VMID != 101 || got[1].Event.VMID != 102 {
		t.Fatalf("failures %+v, want the events of 101 and 102", got)
	}
	if got[0].Attempts < 2 || !strings.Contains(got[0].Err.Error(), "status 502") {
		t.Errorf("failure %d attempts, %v: want retries, then the last status", got[0].Attempts, got[0].Err)
	}
}

// Notify never waits for a receiver: past the queue, events are dropped,
// each counted, all reported in one Failure.
func TestFullQueueDrops(t *testing.T) {
	release := make(chan struct{})
	r := newReceiver(t, func(int) int { <-release; return http.StatusOK })
	var f failures
	o := fastOptions(nil, &f, Webhook{Name: "slow", URL: r.URL})
	o.QueueSize, o.AttemptTimeout = 2, MaxAttemptTimeout
	n := start(t, o)
	n.Notify(change(100, "applied"))
	waitFor(t, func() bool { requests, _ := r.got(); return len(requests) == 1 }) // the first is being posted
	done := make(chan struct{})
	go func() {
		for i := 1; i < 10; i++ {
			n.Notify(change(100+i, "applied"))
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Notify blocked on a receiver that does not answer")
	}
	close(release)
	closeAndWait(t, n)
	got := f.get()
	if len(got) != 1 || got[0].Dropped != 7 || got[0].Event.VMID != 103 || got[0].Attempts != 0 ||
		got[0].Err.Error() != "queue full: the webhook is slower than the events: 7 events dropped" {
		t.Fatalf("failures %+v, want one for the 7 dropped (10 events, 1 posted, 2 queued), the first 103's", got)
	}
	if _, delivered := r.got(); len(delivered) != 3 {
		t.Errorf("%d delivered, want 3", len(delivered))
	}
	if v := testutil.ToFloat64(n.metrics.events.WithLabelValues("slow", "dropped")); v != 7 {
		t.Errorf("dropped = %v, want 7", v)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 10s")
		}
	}
}

// Close past its deadline abandons the attempt in progress and drops the
// rest, reporting each.
func TestCloseDeadline(t *testing.T) {
	r := newReceiver(t, func(int) int { return 0 })
	var f failures
	o := fastOptions(nil, &f, Webhook{Name: "hung", URL: r.URL})
	o.AttemptTimeout = MaxAttemptTimeout
	n := start(t, o)
	n.Notify(change(100, "applied"))
	n.Notify(change(101, "applied"))
	waitFor(t, func() bool { requests, _ := r.got(); return len(requests) == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	n.Close(ctx)
	n.Notify(change(102, "applied")) // after Close: ignored
	got := f.get()
	if len(got) != 2 || got[0].Attempts != 1 || got[0].Event.VMID != 100 || got[1].Dropped != 1 || got[1].Event.VMID != 101 {
		t.Fatalf("failures %+v, want the one in flight (1 attempt) and the queued one dropped", got)
	}
}

// Only the kinds a webhook asks for are sent to it.
func TestEventsFilter(t *testing.T) {
	all := newReceiver(t, func(int) int { return http.StatusOK })
	some := newReceiver(t, func(int) int { return http.StatusOK })
	var f failures
	n := start(t, fastOptions(nil, &f, Webhook{Name: "all", URL: all.URL},
		Webhook{Name: "some", URL: some.URL, Events: []Kind{KindFailed, KindLeaderChange}}))
	n.Notify(change(100, "applied"))
	n.Notify(change(101, "failed"))
	n.Notify(Event{Kind: KindAnomaly, VMID: 102, Score: 0.8})
	n.LeaderChanged("pve1:1:x", "acquired")
	closeAndWait(t, n)
	kinds := func(r *receiver) (out []string) {
		requests, _ := r.got()
		for _, req := range requests {
			out = append(out, req.kind)
		}
		return out
	}
	if got := strings.Join(kinds(all), ","); got != "applied,failed,anomaly,leader_change" {
		t.Errorf("all got %s", got)
	}
	if got := strings.Join(kinds(some), ","); got != "failed,leader_change" {
		t.Errorf("some got %s", got)
	}
}

// A credential in the URL (Slack's path, Gotify's token) is in no error,
// no log line and no failure.
func TestURLNeverInErrorsOrLogs(t *testing.T) {
	const token = "T000-B000-XXXXXXXXXXXXXXXX"
	closed := httptest.NewServer(http.NotFoundHandler())
	base := closed.URL
	closed.Close() // connections are refused
	var logs bytes.Buffer
	var f failures
	o := fastOptions(nil, &f,
		Webhook{Name: "refused", URL: base + "/services/" + token + "?token=" + token, Format: FormatSlack},
		Webhook{Name: "gone", URL: "http://user:" + token + "@" + strings.TrimPrefix(base, "http://") + "/" + token})
	o.Logger = zerolog.New(zerolog.SyncWriter(&logs)).Level(zerolog.DebugLevel)
	o.GiveUpAfter = 50 * time.Millisecond
	n := start(t, o)
	n.Notify(change(100, "failed"))
	closeAndWait(t, n)
	got := f.get()
	if len(got) != 2 {
		t.Fatalf("failures %+v, want 2", got)
	}
	for _, x := range got {
		if strings.Contains(x.Err.Error(), token) || !strings.Contains(x.Err.Error(), "connection failed") {
			t.Errorf("failure error %q", x.Err)
		}
	}
	if strings.Contains(logs.String(), token) || !strings.Contains(logs.String(), "notification not delivered") {
		t.Errorf("logs hold the token or miss the failure:\n%s", logs.String())
	}
}

func TestNewRefusesUnnamedOrDuplicate(t *testing.T) {
	for _, hooks := range [][]Webhook{
		{{URL: "http://x"}},
		{{Name: "a"}},
		{{Name: "a", URL: "http://x"}, {Name: "a", URL: "http://y"}},
	} {
		if _, err := New(Options{Webhooks: hooks}); err == nil {
			t.Errorf("New(%+v) succeeded", hooks)
		}
	}
	var nilNotifier *Notifier
	nilNotifier.Notify(change(1, "applied")) // no panic: nil sends nothing
	nilNotifier.Close(context.Background())
}

// An attempt never outlasts MaxAttemptTimeout (40 s): a receiver that
// does not answer is given up within it and tried again.
func TestAttemptTimeoutBounded(t *testing.T) {
	for set, want := range map[time.Duration]time.Duration{0: DefaultAttemptTimeout, time.Second: time.Second, time.Hour: MaxAttemptTimeout} {
		n := start(t, Options{AttemptTimeout: set})
		if n.opts.AttemptTimeout != want || want > 40*time.Second {
			t.Errorf("AttemptTimeout %s: %s, want %s", set, n.opts.AttemptTimeout, want)
		}
	}
}

func TestKinds(t *testing.T) {
	for _, k := range Kinds {
		if got, err := ParseKind(string(k)); err != nil || got != k {
			t.Errorf("ParseKind(%s) = %s, %v", k, got, err)
		}
	}
	if _, err := ParseKind("leader change"); err == nil {
		t.Error("ParseKind accepted an unknown name")
	}
	for result, want := range map[string]Kind{"applied": KindApplied, "failed": KindFailed, "unknown": KindFailed,
		"recommended": KindRecommended, "dry_run": KindRecommended, "skipped": ""} {
		if got, ok := KindOfResult(result); got != want || ok != (want != "") {
			t.Errorf("KindOfResult(%s) = %s, %v", result, got, ok)
		}
	}
	a, b := newID(), newID()
	if a == b || len(a) != 36 || a[14] != '4' {
		t.Errorf("IDs %s, %s: want distinct UUIDv4", a, b)
	}
}
