package lease

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// DefaultName is the matcher that holds the lease.
const DefaultName = "lxc-autoscale-lease"

// ErrNotLeader: this instance does not hold the lease (or not for long
// enough to finish a write).
var ErrNotLeader = errors.New("not the leader")

// Store is the cluster object the lease lives in; *proxmox.Client
// satisfies it.
type Store interface {
	NotificationMatcher(ctx context.Context, name string) (proxmox.Matcher, error)
	CreateNotificationMatcher(ctx context.Context, name, comment string) error
	UpdateNotificationMatcherComment(ctx context.Context, name, comment, digest string) error
}

// Options configure an Elector. Zero durations take the defaults, which
// give a takeover within about 20 s of a leader's death.
type Options struct {
	Store    Store
	Name     string // matcher name; default DefaultName
	Identity string // default NewIdentity()
	// Duration is how long a record must stay unchanged before a follower
	// takes over (default 15 s); RenewInterval how often the leader renews
	// (default Duration/3); RetryInterval how often a follower reads and a
	// failed renewal is retried (default 2 s); Margin how much sooner than
	// Duration the leader stops (default Duration/5); MinWriteTime the
	// lease left that a write needs (default 1 s).
	Duration, RenewInterval, RetryInterval, Margin, MinWriteTime time.Duration
	Logger                                                       zerolog.Logger
	Registerer                                                   prometheus.Registerer // nil: not registered
	// Now is the clock (its monotonic reading counts); nil is time.Now.
	Now func() time.Time
	// OnChange, when set, is told every time this instance (holder)
	// becomes leader or stops leading, and why; it is called with the
	// elector's lock held and must not block (the webhooks' Notify queues
	// and returns).
	OnChange func(leading bool, holder, why string)
}

// Status is who leads, as this instance knows it.
type Status struct {
	Self    string `json:"self"`
	Leading bool   `json:"leading"`
	// Leader is the holder of the latest record read ("" when none).
	Leader string `json:"leader"`
	Epoch  uint64 `json:"epoch"`
	// Since is when this instance last became leader or follower.
	Since time.Time `json:"since"`
}

// Elector runs the election of one instance.
type Elector struct {
	o   Options
	log zerolog.Logger

	mu       sync.Mutex
	leading  bool
	until    time.Time // end of the lease as the leader counts it (monotonic)
	mine     Record    // the record written by the latest successful renew
	seen     Record    // the latest record read
	seenAt   time.Time // when seen last changed (monotonic)
	since    time.Time
	maxEpoch uint64 // the highest epoch read
	// successor: the latest acquisition found the matcher (Successor)
	successor bool

	ready     chan struct{} // closed after Run's first read (and write)
	firstStep sync.Once

	leader      prometheus.Gauge
	transitions *prometheus.CounterVec // to: leader, follower
	renewErrors prometheus.Counter
}

// New checks o and fills in the defaults.
func New(o Options) (*Elector, error) {
	if o.Store == nil {
		return nil, errors.New("lease: Store is required")
	}
	if o.Name == "" {
		o.Name = DefaultName
	}
	if o.Identity == "" {
		o.Identity = NewIdentity()
	}
	if o.Duration == 0 {
		o.Duration = 15 * time.Second
	}
	if o.RenewInterval == 0 {
		o.RenewInterval = o.Duration / 3
	}
	if o.RetryInterval == 0 {
		o.RetryInterval = min(2*time.Second, o.RenewInterval)
	}
	if o.Margin == 0 {
		o.Margin = o.Duration / 5
	}
	if o.MinWriteTime == 0 {
		o.MinWriteTime = min(time.Second, o.Duration/10)
	}
	if o.RenewInterval+o.Margin >= o.Duration {
		return nil, fmt.Errorf("lease: renew interval %s plus margin %s must be less than the duration %s", o.RenewInterval, o.Margin, o.Duration)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	e := &Elector{o: o, log: o.Logger.With().Str("component", "lease").Logger(), ready: make(chan struct{})}
	e.leader = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "lxc_autoscale", Name: "leader",
		Help: "1 on the instance that holds the lease and acts, 0 on followers."})
	e.transitions = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "lxc_autoscale", Name: "lease_transitions_total",
		Help: "Times this instance became leader (to=leader) or stopped leading (to=follower)."}, []string{"to"})
	e.renewErrors = prometheus.NewCounter(prometheus.CounterOpts{Namespace: "lxc_autoscale", Name: "lease_renew_errors_total",
		Help: "Failed attempts of the leader to renew its lease (digest races with unrelated edits included)."})
	if o.Registerer != nil {
		for _, c := range []prometheus.Collector{e.leader, e.transitions, e.renewErrors} {
			if err := o.Registerer.Register(c); err != nil {
				return nil, fmt.Errorf("lease: register metrics: %w", err)
			}
		}
	}
	e.since = o.Now()
	return e, nil
}

// Ready is closed once Run has read the lease (and, when it was free,
// taken it): a single instance then acts from its first pass.
func (e *Elector) Ready() <-chan struct{} { return e.ready }

// Identity is this instance's holder name.
func (e *Elector) Identity() string { return e.o.Identity }

// Leading reports whether this instance holds the lease now.
func (e *Elector) Leading() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.leadingLocked(e.o.Now())
}

func (e *Elector) leadingLocked(now time.Time) bool {
	if e.leading && !now.Before(e.until) {
		e.setLeadingLocked(false, now, "lease expired before it could be renewed")
	}
	return e.leading
}

// whyShutdown is why an instance that stops on purpose stops leading.
const whyShutdown = "shutting down"

func (e *Elector) setLeadingLocked(leading bool, now time.Time, why string) {
	if e.leading == leading {
		return
	}
	e.leading, e.since = leading, now
	if leading {
		e.leader.Set(1)
		e.transitions.WithLabelValues("leader").Inc()
		e.log.Info().Str("holder", e.o.Identity).Uint64("epoch", e.mine.Epoch).Msg("became leader")
	} else {
		e.leader.Set(0)
		e.transitions.WithLabelValues("follower").Inc()
		level := zerolog.WarnLevel
		if why == whyShutdown {
			level = zerolog.InfoLevel // asked for: nothing for an operator to look into
		}
		e.log.WithLevel(level).Str("holder", e.o.Identity).Str("reason", why).Msg("stopped leading")
	}
	if e.o.OnChange != nil {
		e.o.OnChange(leading, e.o.Identity, why)
	}
}

// Successor reports whether this instance's latest acquisition of the
// lease followed an earlier leader (the matcher existed): that leader's
// last writes may be ones it never saw. False for the instance that
// created the matcher, before which no replica led the cluster (unless it
// had read an epoch of an earlier one: the matcher was deleted).
func (e *Elector) Successor() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.successor
}

// Leadership is Status's Leading and Leader, as the API asks.
func (e *Elector) Leadership() (leading bool, leader string) {
	s := e.Status()
	return s.Leading, s.Leader
}

// Status says who leads.
func (e *Elector) Status() Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := Status{Self: e.o.Identity, Leading: e.leadingLocked(e.o.Now()), Leader: e.seen.Holder, Epoch: e.seen.Epoch, Since: e.since}
	if s.Leading {
		s.Leader, s.Epoch = e.o.Identity, e.mine.Epoch
	}
	return s
}

// Gate fences a write: see the package doc. It satisfies proxmox.WriteGate.
func (e *Elector) Gate(ctx context.Context) (time.Time, error) {
	e.mu.Lock()
	now := e.o.Now()
	leading, until, mine, leader := e.leadingLocked(now), e.until, e.mine, e.seen.Holder
	e.mu.Unlock()
	if !leading {
		return time.Time{}, fmt.Errorf("%w (leader: %s)", ErrNotLeader, orNone(leader))
	}
	if until.Sub(now) < e.o.MinWriteTime {
		return time.Time{}, fmt.Errorf("%w: %s of the lease left, a write needs %s", ErrNotLeader, until.Sub(now).Round(time.Millisecond), e.o.MinWriteTime)
	}
	// Its own bound, not the lease's end: a clock that missed a freeze
	// would give a bound already past, and the read must still run to
	// find out.
	rctx, cancel := context.WithTimeout(ctx, e.o.RenewInterval)
	defer cancel()
	m, err := e.o.Store.NotificationMatcher(rctx, e.o.Name)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: the lease could not be confirmed: %w", ErrNotLeader, err)
	}
	e.mu.Lock()
	rec := e.recordOfLocked(m.Comment)
	e.mu.Unlock()
	if rec.Holder != mine.Holder || rec.Epoch != mine.Epoch {
		e.mu.Lock()
		e.observeLocked(rec, e.o.Now())
		if e.mine.Epoch == mine.Epoch {
			e.setLeadingLocked(false, e.o.Now(), "the lease record names another holder")
		}
		e.mu.Unlock()
		return time.Time{}, fmt.Errorf("%w (leader: %s, epoch %d)", ErrNotLeader, orNone(rec.Holder), rec.Epoch)
	}
	if e.o.Now().Add(e.o.MinWriteTime).After(until) {
		return time.Time{}, fmt.Errorf("%w: the lease ran out while it was confirmed", ErrNotLeader)
	}
	return until, nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// recordOfLocked reads a comment. One this package did not write (an
// operator edited it) is not a released lease, which would be taken at
// once, with a leader perhaps still finishing a write: it is a holder of
// its own, named after the text so that another edit counts as a change,
// taken over after Duration like any other, with an epoch above every one
// seen.
func (e *Elector) recordOfLocked(comment string) Record {
	rec, ok := ParseRecord(comment)
	if !ok {
		sum := sha256.Sum256([]byte(comment))
		rec = Record{Holder: "foreign-comment-" + hex.EncodeToString(sum[:4]), Epoch: e.maxEpoch}
	}
	e.maxEpoch = max(e.maxEpoch, rec.Epoch)
	return rec
}

// observeLocked notes a record read at now; the follower's clock restarts
// only when the record changed.
func (e *Elector) observeLocked(rec Record, now time.Time) {
	if rec != e.seen || e.seenAt.IsZero() {
		e.seen, e.seenAt = rec, now
	}
}
