package backfill

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller/handoff"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

const (
	// attempts is how many reads a container gets for a failure of its
	// own before it is given up. Node failures do not count.
	attempts = 3
	// maxUnfolded bounds the histories read and not yet taken by the loop
	// (about 17 KiB of points each): the workers wait rather than hold
	// the fleet's hour when the loop is busy.
	maxUnfolded = 512
)

// Failure is what a failed read means for the schedule.
type Failure int

const (
	// Retry: the container's own failure (a 5xx, an answer that cannot be
	// read): read it again after a backoff, a few times.
	Retry Failure = iota
	// Node: the node did not answer: it rests, its containers wait.
	Node
	// GiveUp: reading again will not help (gone, forbidden).
	GiveUp
)

// Job is one container's history to read.
type Job struct {
	// Listing is the listing that asked for it: node and VMID, and what
	// the loop needs to turn points into samples.
	Listing proxmox.Container
	// Only points in [Oldest, Before) are kept: newer ones are the live
	// ticks', older ones outside the window.
	Oldest, Before time.Time
	Rank           Rank
	// Initial marks the jobs of the first pass, so that the loop knows
	// when all of them are done.
	Initial bool

	attempts  int
	notBefore time.Time // a retry waits for its backoff
}

// Result is one job done: its points within the span, nil when it was
// given up or dropped.
type Result struct {
	Job    Job
	Points []proxmox.RRDPoint
	slot   bool // holds one of maxUnfolded until taken
}

// Progress is where the backfill stands: containers whose history is still
// to be read (queued, waiting for a node, or being read), and since start
// those read and those given up (they start with live samples only).
type Progress struct {
	Pending, Done, Failed int
}

// Options configure a Backfiller.
type Options struct {
	// Read reads one container's hour.
	Read func(ctx context.Context, ref proxmox.Ref) ([]proxmox.RRDPoint, error)
	// Classify says what a failed read means.
	Classify func(error) Failure
	Log      zerolog.Logger
	Pending  prometheus.Gauge // containers pending
	Workers  int              // reads at once, at least 1
	// ReadTimeout bounds one read; Rest is the first rest of a node and
	// the first backoff of a container, doubled per failure up to MaxRest.
	ReadTimeout, Rest, MaxRest time.Duration
}

// Backfiller reads histories in the background; see the package doc.
type Backfiller struct {
	o       Options
	perNode int
	results *handoff.Queue[Result]
	slots   chan struct{} // taken by a read history until the loop takes it
	wake    chan struct{}
	done    chan struct{}

	mu       sync.Mutex
	incoming []*Job
	dropped  []int
	progress Progress
}

// New makes a Backfiller; Start starts it.
func New(o Options) *Backfiller {
	o.Workers = max(1, o.Workers)
	o.MaxRest = max(o.Rest, o.MaxRest)
	return &Backfiller{
		o: o, perNode: max(1, o.Workers/2),
		results: handoff.New[Result](),
		slots:   make(chan struct{}, maxUnfolded),
		wake:    make(chan struct{}, 1),
		done:    make(chan struct{}),
	}
}

// Start runs the coordinator and its workers until ctx is done. Call it
// once.
func (b *Backfiller) Start(ctx context.Context) { go b.run(ctx) }

// Done is closed when the coordinator and its workers have returned.
func (b *Backfiller) Done() <-chan struct{} { return b.done }

// Ask queues jobs. It never blocks.
func (b *Backfiller) Ask(jobs []Job) {
	b.hand(func() {
		for _, j := range jobs {
			b.incoming = append(b.incoming, &j)
		}
	})
}

// Forget drops the queued job of a container the loop forgot; a read in
// flight ends as it ends. It never blocks.
func (b *Backfiller) Forget(vmid int) {
	b.hand(func() { b.dropped = append(b.dropped, vmid) })
}

func (b *Backfiller) hand(f func()) {
	b.mu.Lock()
	f()
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// Take returns the results since the last Take.
func (b *Backfiller) Take() []Result {
	rs := b.results.Take()
	for _, r := range rs {
		if r.slot {
			<-b.slots
		}
	}
	return rs
}

// Ready has a token when results may be waiting.
func (b *Backfiller) Ready() <-chan struct{} { return b.results.Ready() }

// Progress is a copy of where the backfill stands.
func (b *Backfiller) Progress() Progress {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.progress
}

// outcome is a worker's answer for one job.
type outcome struct {
	job    *Job
	points []proxmox.RRDPoint
	err    error
}

// run is the coordinator: it hands the most urgent eligible job to the
// next free worker and folds their outcomes into the schedule.
func (b *Backfiller) run(ctx context.Context) {
	defer close(b.done)
	jobs := make(chan *Job)
	outcomes := make(chan outcome)
	var wg sync.WaitGroup
	for range b.o.Workers {
		wg.Go(func() {
			for j := range jobs {
				outcomes <- b.read(ctx, j)
			}
		})
	}
	defer func() {
		close(jobs)
		go func() { wg.Wait(); close(outcomes) }()
		for range outcomes { // the workers' last answers, cut short by ctx
		}
	}()

	s := &schedule{b: b, nodes: map[string]*node{}, queued: map[int]*Job{}}
	for {
		b.mu.Lock()
		incoming, dropped := b.incoming, b.dropped
		b.incoming, b.dropped = nil, nil
		b.mu.Unlock()
		s.add(incoming, dropped)
		s.report()
		head, wait := s.next(time.Now())
		var send chan<- *Job
		if head != nil {
			send = jobs
		}
		var timer *time.Timer
		var retry <-chan time.Time
		if head == nil && wait > 0 {
			timer = time.NewTimer(wait)
			retry = timer.C
		}
		select {
		case <-ctx.Done():
			return
		case <-b.wake:
		case <-retry:
		case send <- head:
			s.dispatched(head)
		case o := <-outcomes:
			if ctx.Err() != nil {
				return
			}
			s.finished(o, time.Now())
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// read reads one container's hour and keeps the points of its span. A
// history waits for a slot (the loop to take what came before) before it
// is handed back.
func (b *Backfiller) read(ctx context.Context, j *Job) outcome {
	rctx, cancel := context.WithTimeout(ctx, b.o.ReadTimeout)
	points, err := b.o.Read(rctx, proxmox.Ref{Node: j.Listing.Node, VMID: j.Listing.VMID})
	cancel()
	if err != nil {
		return outcome{job: j, err: err}
	}
	kept := points[:0]
	for _, p := range points {
		if !p.Time.Before(j.Oldest) && p.Time.Before(j.Before) {
			kept = append(kept, p)
		}
	}
	select {
	case b.slots <- struct{}{}:
	case <-ctx.Done():
		return outcome{job: j, err: ctx.Err()}
	}
	return outcome{job: j, points: kept}
}
