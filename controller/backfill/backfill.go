package backfill

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/controller/handoff"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

const (
	// attempts is how many reads a container gets for a failure of its
	// own before it is given up. Node failures do not count.
	attempts = 3
	// maxUnfolded bounds the histories read and not yet taken by the loop
	// (about 10 KiB of samples and 21 KB of week points each): the
	// workers wait rather than hold the fleet's hour when the loop is
	// busy.
	maxUnfolded = 1024
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
	// Listing is the listing that asked for it: node and VMID, and the
	// swap and disk the samples take from it.
	Listing proxmox.Container
	// Only points in [Oldest, Before) are kept: newer ones are the live
	// ticks', older ones outside the window.
	Oldest, Before time.Time
	Rank           Rank

	initial   bool // asked by the first AskListed
	attempts  int
	notBefore time.Time // a retry waits for its backoff
}

// Result is one job done: its samples in time order, none when it was
// given up or dropped, and its RRD week and month as points for the coarse
// tiers and the histograms (CoarseHistory: 1,440 half hours on PVE 9,
// about 90 KB), as much of it as could be read.
type Result struct {
	Job     Job
	Samples []engine.Sample
	Coarse  []engine.CoarsePoint
	slot    bool // holds one of maxUnfolded until taken
}

// Progress is where the backfill stands: containers whose history is still
// to be read (queued, waiting for a node, or being read), and since start
// those read and those given up (they start with live samples only).
type Progress struct {
	Pending, Done, Failed int
}

// Options configure a Backfiller.
type Options struct {
	// Read reads RRD; the backfill reads each container's hour of
	// averages.
	Read RRDReader
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

	// The loop's: the containers asked for, and how many of the first
	// AskListed's are not taken yet (-1 before it).
	asked       map[int]bool
	initialLeft int

	mu       sync.Mutex
	incoming []*Job
	dropped  []int
	progress Progress
	paused   bool // by the loop's pass (Pause): no job is dispatched
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
		asked:   map[int]bool{}, initialLeft: -1,
	}
}

// Start runs the coordinator and its workers until ctx is done. Call it
// once.
func (b *Backfiller) Start(ctx context.Context) { go b.run(ctx) }

// Done is closed when the coordinator and its workers have returned.
func (b *Backfiller) Done() <-chan struct{} { return b.done }

// AskListed queues the containers of a listing that it shows running for
// the first time (templates aside), for the points in [oldest, before),
// ranked by rank. It never blocks.
func (b *Backfiller) AskListed(cts []proxmox.Container, oldest, before time.Time, rank func(proxmox.Container) Rank) {
	var jobs []*Job
	for _, ct := range cts {
		if ct.Status != "running" || ct.Template || b.asked[ct.VMID] {
			continue
		}
		b.asked[ct.VMID] = true
		jobs = append(jobs, &Job{Listing: ct, Oldest: oldest, Before: before, Rank: rank(ct), initial: b.initialLeft < 0})
	}
	if b.initialLeft < 0 {
		b.initialLeft = len(jobs)
	}
	b.hand(func() { b.incoming = append(b.incoming, jobs...) })
}

// Asked is how many containers are asked for and not forgotten.
func (b *Backfiller) Asked() int { return len(b.asked) }

// Forget drops the queued job of a container the loop forgot; a read in
// flight ends as it ends. A container listed running again is asked for
// again. It never blocks.
func (b *Backfiller) Forget(vmid int) {
	if b.asked[vmid] {
		delete(b.asked, vmid)
		b.hand(func() { b.dropped = append(b.dropped, vmid) })
	}
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

// Pause stops dispatching reads until Resume: the loop's pass holds the
// backfill back while it does its own work, so that decoding RRD rows (the
// most CPU a large cluster's start spends) does not share the cores with
// the pass. Reads in flight end as they end. It never blocks.
func (b *Backfiller) Pause() { b.hand(func() { b.paused = true }) }

// Resume dispatches again after Pause. It never blocks.
func (b *Backfiller) Resume() { b.hand(func() { b.paused = false }) }

// Take returns the results since the last Take; firstDone is true at the
// Take that holds the last result of the first AskListed's containers.
func (b *Backfiller) Take() (rs []Result, firstDone bool) {
	rs = b.results.Take()
	left := b.initialLeft
	for _, r := range rs {
		if r.slot {
			<-b.slots
		}
		if r.Job.initial {
			b.initialLeft--
		}
	}
	return rs, left > 0 && b.initialLeft == 0
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
	job     *Job
	samples []engine.Sample
	coarse  []engine.CoarsePoint
	err     error
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
		incoming, dropped, paused := b.incoming, b.dropped, b.paused
		b.incoming, b.dropped = nil, nil
		b.mu.Unlock()
		s.add(incoming, dropped)
		s.report()
		head, wait := s.next(time.Now())
		var send chan<- *Job
		if head != nil && !paused { // Resume wakes the loop
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

// read reads one container's hour and converts the points of its span,
// then its week and month (coarse). A history waits for a slot (the loop to take what came before) before it
// is handed back.
func (b *Backfiller) read(ctx context.Context, j *Job) outcome {
	rctx, cancel := context.WithTimeout(ctx, b.o.ReadTimeout)
	points, err := b.o.Read(rctx, proxmox.Ref{Node: j.Listing.Node, VMID: j.Listing.VMID}, proxmox.TimeframeHour, proxmox.CFAverage)
	cancel()
	if err != nil {
		return outcome{job: j, err: err}
	}
	var samples []engine.Sample
	for _, p := range points {
		if p.Time.Before(j.Oldest) || !p.Time.Before(j.Before) {
			continue
		}
		if s, ok := Sample(p, j.Listing); ok {
			samples = append(samples, s)
		}
	}
	coarse := b.coarse(ctx, j)
	select {
	case b.slots <- struct{}{}:
	case <-ctx.Done():
		return outcome{job: j, err: ctx.Err()}
	}
	return outcome{job: j, samples: samples, coarse: coarse}
}

// coarse reads the container's RRD week and, before it, its month
// (averages and maxima) for the coarse tiers, the weekday x hour profile
// and the recommender's histograms (FeedUsage), so that the seasons and
// percentiles a decision looks for (days and weeks back) are there from
// the first pass. The week for the tiers: its rows (half an hour on PVE 9,
// three hours on PVE 8) are what the week tier needs, and the day's minute
// rows would be four times as many to read and decode for each container;
// yesterday's ten minutes come from the week's half hours until the live
// ticks have lived a day. The month (half an hour on PVE 9, 1,440 rows;
// twelve hours on PVE 8, 70) gives the profile four weeks of each hour of
// the week (PVE 8's rows say nothing of the hour: it leaves them out), and
// the histograms, whose 24-hour half-life still gives a month ago 2^-30 of
// today's weight, the days of history that say how far a container may
// shrink: on PVE 9 about 90 KB a container, dropped once folded. A failed
// read costs only what it did not bring: the hour is read, and the live
// ticks fill the tiers.
func (b *Backfiller) coarse(ctx context.Context, j *Job) []engine.CoarsePoint {
	rctx, cancel := context.WithTimeout(ctx, 3*b.o.ReadTimeout)
	defer cancel()
	points, err := CoarseHistory(rctx, b.o.Read, proxmox.Ref{Node: j.Listing.Node, VMID: j.Listing.VMID}, proxmox.TimeframeWeek, proxmox.TimeframeMonth)
	if err != nil && ctx.Err() == nil {
		b.o.Log.Debug().Err(err).Int("vmid", j.Listing.VMID).Msg("backfill without the rrd week or month")
	}
	return points
}
