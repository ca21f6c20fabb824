package backfill

import (
	"slices"
	"time"
)

// node is what the schedule knows of one node: reads in flight and, after
// reads failed because it did not answer, until when it rests.
type node struct {
	inflight int
	failures int // consecutive
	until    time.Time
}

// schedule is the coordinator's state; only run touches it.
type schedule struct {
	b            *Backfiller
	queue        []*Job // most urgent first
	queued       map[int]*Job
	nodes        map[string]*node
	inflight     int
	done, failed int // since start
	round        round
	warned       bool // the first failure is logged at warn, the rest at debug
}

// round runs from work arriving at an idle backfiller until it is idle
// again; progress is logged per round.
type round struct {
	started                    time.Time
	total, done, failed, tenth int
}

func (s *schedule) node(name string) *node {
	n := s.nodes[name]
	if n == nil {
		n = &node{}
		s.nodes[name] = n
	}
	return n
}

func (s *schedule) less(a, b *Job) int {
	return a.Rank.compare(b.Rank, a.Listing.VMID, b.Listing.VMID)
}

// add queues new jobs in rank order; dropped containers leave the queue
// with an empty result.
func (s *schedule) add(jobs []*Job, dropped []int) {
	for _, vmid := range dropped {
		if j := s.queued[vmid]; j != nil {
			s.unqueue(j)
			s.round.total--
			s.b.results.Put(Result{Job: *j})
		}
	}
	if len(jobs) == 0 {
		return
	}
	if s.idle() && s.round.total == 0 {
		s.round = round{started: time.Now()}
		ev := s.b.o.Log.Debug()
		if jobs[0].initial {
			ev = s.b.o.Log.Info()
		}
		ev.Int("containers", len(jobs)).Int("concurrency", s.b.o.Workers).Msg("backfilling windows from RRD history in the background")
	}
	for _, j := range jobs {
		s.queued[j.Listing.VMID] = j
		s.queue = append(s.queue, j)
		s.round.total++
	}
	slices.SortStableFunc(s.queue, s.less)
}

func (s *schedule) unqueue(j *Job) {
	delete(s.queued, j.Listing.VMID)
	if s.queue[0] == j { // the usual case: no scan, no copy
		s.queue[0] = nil
		s.queue = s.queue[1:]
		return
	}
	i := slices.Index(s.queue, j)
	s.queue = slices.Delete(s.queue, i, i+1)
}

func (s *schedule) idle() bool { return len(s.queue) == 0 && s.inflight == 0 }

// next is the most urgent job that may go now: its backoff over, its node
// not resting, and its node under perNode reads in flight unless no other
// node has work. With none, wait is how long until one may go (0: nothing
// queued that time will release).
func (s *schedule) next(now time.Time) (head *Job, wait time.Duration) {
	var over *Job
	for _, j := range s.queue {
		n := s.node(j.Listing.Node)
		at := j.notBefore
		if n.until.After(at) {
			at = n.until
		}
		if at.After(now) {
			if d := at.Sub(now); wait == 0 || d < wait {
				wait = d
			}
			continue
		}
		if n.inflight < s.b.perNode {
			return j, 0
		}
		if over == nil {
			over = j
		}
	}
	return over, wait
}

func (s *schedule) dispatched(j *Job) {
	s.unqueue(j)
	s.node(j.Listing.Node).inflight++
	s.inflight++
}

// finished folds one outcome: a history goes to the loop; a failure rests
// the node, or counts against the container, or gives it up.
func (s *schedule) finished(o outcome, now time.Time) {
	j := o.job
	n := s.node(j.Listing.Node)
	n.inflight--
	s.inflight--
	if o.err == nil {
		n.failures = 0
		s.done++
		s.round.done++
		s.b.results.Put(Result{Job: *j, Samples: o.samples, Coarse: o.coarse, slot: true})
		return
	}
	failure := s.b.o.Classify(o.err)
	ev := s.b.o.Log.Debug()
	if !s.warned {
		s.warned, ev = true, s.b.o.Log.Warn()
	}
	ev.Err(o.err).Int("vmid", j.Listing.VMID).Str("node", j.Listing.Node).
		Msg("reading a container's RRD history failed; retrying later or starting it with live samples only")
	retry := false
	switch failure {
	case Node:
		n.failures++
		n.until = now.Add(backoff(s.b.o.Rest, s.b.o.MaxRest, n.failures))
		retry = true
	case Retry:
		j.attempts++
		j.notBefore = now.Add(backoff(s.b.o.Rest, s.b.o.MaxRest, j.attempts))
		retry = j.attempts < attempts
	}
	switch {
	case retry && s.queued[j.Listing.VMID] == nil:
		s.queued[j.Listing.VMID] = j
		i, _ := slices.BinarySearchFunc(s.queue, j, s.less)
		s.queue = slices.Insert(s.queue, i, j)
	case retry: // forgotten and asked again while this read was out: the newer job stands
		s.round.total--
		s.b.results.Put(Result{Job: *j})
	default:
		s.failed++
		s.round.failed++
		s.b.results.Put(Result{Job: *j})
	}
}

// backoff is base doubled per failure after the first, at most limit.
func backoff(base, limit time.Duration, failures int) time.Duration {
	d := base
	for i := 1; i < failures && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// report publishes the progress, and logs every tenth of a round of ten
// or more containers and the end of a round.
func (s *schedule) report() {
	pending := len(s.queue) + s.inflight
	if s.b.o.Pending != nil {
		s.b.o.Pending.Set(float64(pending))
	}
	s.b.mu.Lock()
	s.b.progress = Progress{Pending: pending, Done: s.done, Failed: s.failed}
	s.b.mu.Unlock()
	r := &s.round
	if r.total <= 0 {
		return
	}
	finished := r.done + r.failed
	if tenth := finished * 10 / r.total; r.total >= 10 && tenth > r.tenth && pending > 0 {
		r.tenth = tenth
		s.b.o.Log.Info().Int("done", finished).Int("of", r.total).Int("failed", r.failed).Msg("backfill progress")
	}
	if pending == 0 {
		s.b.o.Log.Info().Int("containers", r.total).Int("failed", r.failed).
			Dur("took", time.Since(r.started)).Msg("backfill done")
		*r = round{}
	}
}
