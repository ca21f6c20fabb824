package notify

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// The headers of every POST.
const (
	// HeaderEventID carries Event.ID: the same on every retry, so that a
	// receiver can drop an event it already has.
	HeaderEventID = "X-Lxc-Autoscale-Event-Id"
	// HeaderEvent carries Event.Kind.
	HeaderEvent = "X-Lxc-Autoscale-Event"
	// HeaderSignature is "sha256=" and the hex HMAC-SHA256 of the raw body
	// under the webhook's secret; absent without a secret.
	HeaderSignature = "X-Lxc-Autoscale-Signature"
)

// Defaults of Options.
const (
	// DefaultAttemptTimeout bounds one POST: a receiver that does not
	// answer is given up after it and tried again with the same ID.
	DefaultAttemptTimeout = 10 * time.Second
	// MaxAttemptTimeout is the most an attempt may be given.
	MaxAttemptTimeout = 40 * time.Second
	DefaultMinBackoff = time.Second
	DefaultMaxBackoff = time.Minute
	// DefaultGiveUpAfter is how long after its first attempt an event is
	// still tried: a receiver restarting is waited for, one down for
	// hours does not hold the queue.
	DefaultGiveUpAfter = 10 * time.Minute
	// DefaultQueueSize is the events a webhook holds while it is slow or
	// down; more are dropped (counted and audited).
	DefaultQueueSize = 256
)

// Webhook is one receiver.
type Webhook struct {
	// Name is unique; it labels the metrics and names the webhook in logs
	// and the audit, where the URL never goes.
	Name string
	// URL is http or https; it may carry credentials (a Slack webhook's
	// path, Gotify's ?token=), so it is never logged nor put in an error.
	URL    string
	Format Format
	// Secret, when set, signs each body (HeaderSignature).
	Secret []byte
	// Events are the kinds sent; empty means all.
	Events []Kind
}

// Failure is an event a webhook did not get, or several dropped, for the
// audit.
type Failure struct {
	Webhook string
	// Event is the event given up, or the first of those dropped.
	Event Event
	// Attempts is how many POSTs were made; 0 for an event never sent.
	Attempts int
	// Dropped is how many events were dropped unsent (the queue full, or
	// shutting down) since the last report, told in one Failure so that a
	// burst makes one log line and one audit record; 0 for an event
	// given up.
	Dropped int
	// Err says why; it never holds the URL.
	Err error
}

// Options configure a Notifier.
type Options struct {
	Webhooks []Webhook
	Logger   zerolog.Logger
	// Registerer receives the metrics; nil: not registered.
	Registerer prometheus.Registerer
	// Failed is told of every event a webhook did not get; nil: nobody.
	// It is called from the webhook's goroutine or from Notify.
	Failed func(Failure)
	// Now stamps events; nil means time.Now.
	Now func() time.Time

	// AttemptTimeout bounds one POST, at most MaxAttemptTimeout; the
	// backoff starts at MinBackoff and doubles up to MaxBackoff; no
	// attempt starts GiveUpAfter past the first; QueueSize events wait
	// per webhook. Zero means the default.
	AttemptTimeout         time.Duration
	MinBackoff, MaxBackoff time.Duration
	GiveUpAfter            time.Duration
	QueueSize              int
}

// Notifier sends events to webhooks: each webhook has a bounded queue and
// one goroutine that posts its events in order, retrying each as Options
// say. Notify never blocks. The zero of *Notifier (nil) sends nothing.
type Notifier struct {
	opts    Options
	log     zerolog.Logger
	client  *http.Client
	metrics *metrics

	// stop ends attempts and backoffs in progress (Close past its
	// deadline); mu guards closed against Notify sending on a closed
	// queue.
	stop    context.Context
	stopNow context.CancelFunc
	mu      sync.RWMutex
	closed  bool
	sinks   []*sink
	done    sync.WaitGroup
}

// sink is one webhook, its queue and the metrics it counts.
type sink struct {
	Webhook
	queue chan Event
	m     sinkMetrics

	// The events dropped since the last report (reportDrops).
	mu        sync.Mutex
	drops     int
	firstDrop Event
	dropWhy   string
}

// New starts a goroutine per webhook; Close stops them. It fails on a
// webhook without a name or URL, or on metrics already registered.
func New(o Options) (*Notifier, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	o.AttemptTimeout = orDefault(o.AttemptTimeout, DefaultAttemptTimeout)
	o.AttemptTimeout = min(o.AttemptTimeout, MaxAttemptTimeout)
	o.MinBackoff = orDefault(o.MinBackoff, DefaultMinBackoff)
	o.MaxBackoff = max(orDefault(o.MaxBackoff, DefaultMaxBackoff), o.MinBackoff)
	o.GiveUpAfter = orDefault(o.GiveUpAfter, DefaultGiveUpAfter)
	if o.QueueSize <= 0 {
		o.QueueSize = DefaultQueueSize
	}
	names := make([]string, 0, len(o.Webhooks))
	for i, w := range o.Webhooks {
		if w.Name == "" || w.URL == "" || slices.Contains(names, w.Name) {
			return nil, fmt.Errorf("notify: webhook %d: want a unique name and a URL", i)
		}
		names = append(names, w.Name)
	}
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, err
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	n := &Notifier{
		opts: o, log: o.Logger.With().Str("component", "notify").Logger(), metrics: m,
		client: &http.Client{
			Transport: transport,
			// A redirect is answered, never followed: the body and its
			// signature go where the operator said, nowhere else.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	n.stop, n.stopNow = context.WithCancel(context.Background())
	for _, w := range o.Webhooks {
		s := &sink{Webhook: w, queue: make(chan Event, o.QueueSize), m: m.sink(w.Name)}
		n.sinks = append(n.sinks, s)
		n.done.Go(func() { n.run(s) })
	}
	return n, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Notify queues ev for every webhook that wants its kind, giving it an ID
// and a time when it has none. It never blocks: a webhook whose queue is
// full drops the event (counted at once, logged and told to Failed with
// the others dropped by the webhook's goroutine after the event it is
// posting). Safe from any goroutine; after Close it does nothing.
func (n *Notifier) Notify(ev Event) {
	if n == nil {
		return
	}
	if ev.ID == "" {
		ev.ID = newID()
	}
	if ev.Time.IsZero() {
		ev.Time = n.opts.Now()
	}
	n.mu.RLock()
	defer n.mu.RUnlock()
	if n.closed {
		return
	}
	for _, s := range n.sinks {
		if len(s.Events) > 0 && !slices.Contains(s.Events, ev.Kind) {
			continue
		}
		select {
		case s.queue <- ev:
			s.m.queued.Inc()
		default:
			s.drop(ev, "queue full: the webhook is slower than the events")
		}
	}
}

// LeaderChanged notifies that the instance acting is now leader ("" when
// none holds the lease), for the lease of issue 16 to call on every
// change it sees; reason says why (acquired, lost, expired, …).
func (n *Notifier) LeaderChanged(leader, reason string) {
	n.Notify(Event{Kind: KindLeaderChange, Leader: leader, Result: "changed", Reason: reason})
}

// Close stops taking events and delivers those queued until ctx is done;
// then the attempt in progress is abandoned and what is left is dropped,
// each told to Failed. It returns once every webhook's goroutine has.
func (n *Notifier) Close(ctx context.Context) {
	if n == nil {
		return
	}
	n.mu.Lock()
	if !n.closed {
		n.closed = true
		for _, s := range n.sinks {
			close(s.queue)
		}
	}
	n.mu.Unlock()
	finished := make(chan struct{})
	go func() {
		n.done.Wait()
		close(finished)
	}()
	select {
	case <-finished:
	case <-ctx.Done():
		n.stopNow()
		<-finished
	}
	n.stopNow()
}

// run posts a webhook's events, one after the other, until its queue is
// closed and empty.
func (n *Notifier) run(s *sink) {
	for ev := range s.queue {
		s.m.queued.Dec()
		if n.stop.Err() != nil {
			s.drop(ev, "shutting down")
			continue
		}
		n.deliver(s, ev)
		n.reportDrops(s)
	}
	n.reportDrops(s)
}

// fail counts, logs and reports an event a webhook did not get.
func (n *Notifier) fail(s *sink, ev Event, attempts int, err error) {
	s.m.failed.Inc()
	n.log.Warn().Str("webhook", s.Name).Str("event", string(ev.Kind)).Str("event_id", ev.ID).
		Int("vmid", ev.VMID).Int("attempts", attempts).Str("error", err.Error()).Msg("notification not delivered")
	if n.opts.Failed != nil {
		n.opts.Failed(Failure{Webhook: s.Name, Event: ev, Attempts: attempts, Err: err})
	}
}

// drop counts an event never sent; reportDrops tells it.
func (s *sink) drop(ev Event, why string) {
	s.m.dropped.Inc()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.drops == 0 {
		s.firstDrop, s.dropWhy = ev, why
	}
	s.drops++
}

// reportDrops logs and reports the events dropped since its last call,
// all in one.
func (n *Notifier) reportDrops(s *sink) {
	s.mu.Lock()
	count, first, why := s.drops, s.firstDrop, s.dropWhy
	s.drops = 0
	s.mu.Unlock()
	if count == 0 {
		return
	}
	err := fmt.Errorf("%s: %d events dropped", why, count)
	n.log.Warn().Str("webhook", s.Name).Int("dropped", count).Str("first_event_id", first.ID).
		Str("error", err.Error()).Msg("notifications dropped")
	if n.opts.Failed != nil {
		n.opts.Failed(Failure{Webhook: s.Name, Event: first, Dropped: count, Err: err})
	}
}
