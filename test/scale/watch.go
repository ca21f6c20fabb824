package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"time"
)

// firstPassPoll is how often /metrics is read until the first pass has
// completed, for the time to the first decision.
const firstPassPoll = 250 * time.Millisecond

// defaultMaxMetricsEntries is monitor.max_metrics_entries by default: the
// cycles lxc_metrics.json keeps.
const defaultMaxMetricsEntries = 1000

// watcher reads the controller's /metrics until a deadline and turns
// consecutive readings into per-pass figures.
type watcher struct {
	result     *result
	started    time.Time
	exportFile string
	url        string

	// prev is the latest reading taken outside a pass, last the latest.
	prev, last  scrape
	havePrev    bool
	passes      []pass
	steadyPass  []pass // the passes after steadyFrom
	exportSizes []float64
	settle      time.Duration // see options.settle

	// pid is the controller's; steady holds its CPU time and passes at
	// the first and the latest reading taken between passes once the
	// backfill is done.
	pid    int
	steady [2]struct {
		cpu    time.Duration
		passes float64
	}
	haveSteady bool
}

func (w *watcher) watch(ctx context.Context, until time.Time, every time.Duration, logw io.Writer) error {
	failures := 0
	for {
		wait := every
		if w.result.FirstPassSeconds == 0 {
			wait = firstPassPoll
		}
		left := time.Until(until)
		if left <= 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(min(wait, left)):
		}
		s, err := get(ctx, httpClient, w.url)
		if err != nil {
			if failures++; failures == 10 {
				return fmt.Errorf("reading /metrics failed 10 times in a row: %w", err)
			}
			continue
		}
		failures = 0
		w.observe(s, logw)
	}
}

// observe folds one reading in.
func (w *watcher) observe(s scrape, logw io.Writer) {
	r := w.result
	if r.FirstPassSeconds == 0 && s.passes() >= 1 {
		r.FirstPassSeconds = s.at.Sub(w.started).Seconds()
		fmt.Fprintf(logw, "scale: first pass done %.1f s after start\n", r.FirstPassSeconds)
	}
	if r.FirstPassSeconds > 0 && r.BackfillSeconds == 0 && s.has(backfillPendingSeries) && s.values[backfillPendingSeries] == 0 {
		r.BackfillSeconds = s.at.Sub(w.started).Seconds()
		fmt.Fprintf(logw, "scale: RRD backfill done %.1f s after start\n", r.BackfillSeconds)
	}
	if s.exports() > w.last.exports() && !s.has(writtenBytesSeries) {
		// Without the counter: the export rewrites the whole file, so a
		// write is the file's size.
		if fi, err := os.Stat(w.exportFile); err == nil {
			w.exportSizes = append(w.exportSizes, float64(fi.Size()))
		}
	}
	w.last = s
	// A reading taken during a pass holds some of its phases and not the
	// others: the pass is measured from the readings before and after it.
	if s.midPass() {
		return
	}
	if cpu, err := cpuTime(w.pid); err == nil && w.steadyAt(s.at) && w.pid > 0 {
		k := 1
		if !w.haveSteady {
			k, w.haveSteady = 0, true
			w.steady[1].passes = s.passes()
		}
		w.steady[k].cpu, w.steady[k].passes = cpu, s.passes()
	}
	if w.havePrev {
		if p, ok := passBetween(w.prev, s); ok {
			w.passes = append(w.passes, p)
			if w.steadyAt(w.prev.at) {
				w.steadyPass = append(w.steadyPass, p)
			}
		}
	}
	w.prev, w.havePrev = s, true
}

// steadyAt reports whether a reading at t comes after the backfill and
// the settling time.
func (w *watcher) steadyAt(t time.Time) bool {
	since := t.Sub(w.started)
	return w.result.BackfillSeconds > 0 && since.Seconds() >= w.result.BackfillSeconds && since >= w.settle
}

// finish computes the run's figures from the readings.
func (w *watcher) finish() {
	r, last := w.result, w.last
	r.Passes = int(last.passes())
	r.Measured = len(w.passes)
	r.Collect = statsOf(w.passes, func(p pass) float64 { return p["collect"] })
	r.Own = statsOf(w.passes, func(p pass) float64 { return p.total(ownPhases) })
	r.SteadyOwn = statsOf(w.steadyPass, func(p pass) float64 { return p.total(ownPhases) })
	r.SteadySettle = w.settle.Seconds()
	r.Phases, r.SteadyPhases = map[string]stats{}, map[string]stats{}
	for _, ph := range append(fetchPhases[1:], ownPhases...) {
		r.Phases[ph] = statsOf(w.passes, func(p pass) float64 { return p[ph] })
		r.SteadyPhases[ph] = statsOf(w.steadyPass, func(p pass) float64 { return p[ph] })
	}
	if r.Containers > 0 {
		r.OwnPerContainerMicros = r.Own.Median / float64(r.Containers) * 1e6
		if n := w.steady[1].passes - w.steady[0].passes; n > 0 {
			r.SteadyPasses = int(n)
			r.CPUPerPassMicros = (w.steady[1].cpu - w.steady[0].cpu).Seconds() / n / float64(r.Containers) * 1e6
		}
	}
	r.Exports = int(last.exports())
	switch {
	case last.has(writtenBytesSeries) && r.Exports > 0:
		r.ExportBytesMethod = writtenBytesSeries + " / exports"
		mean := last.values[writtenBytesSeries] / float64(r.Exports)
		r.ExportBytes = stats{N: r.Exports, Min: mean, Median: mean, Max: mean}
	case len(w.exportSizes) > 0:
		r.ExportBytesMethod = "size of lxc_metrics.json after each export (each export rewrites the file)"
		r.ExportBytes = statsOfValues(w.exportSizes)
	}
	if fi, err := os.Stat(w.exportFile); err == nil {
		r.ExportFileBytes = fi.Size()
		if n := countCycles(w.exportFile); n > 0 {
			r.CycleBytes = float64(fi.Size()) / float64(n)
		}
	}
}

// countCycles counts the cycles of an export in our layout, where each
// starts a line "{" (lxcmetrics' appendCycle); 0 when it cannot be read.
func countCycles(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<30)
	for sc.Scan() {
		if b := sc.Bytes(); len(b) > 0 && b[0] == '{' {
			n++
		}
	}
	return n
}
