package controller

import (
	"cmp"
	"context"
	"errors"
	"math"
	"runtime/debug"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/controller/lxcmetrics"
	"github.com/lxc-autoscale/lxc-autoscale/forest"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// loadState reads the state file; a corrupt one is moved aside and the
// controller starts fresh.
func (c *Controller) loadState() {
	if c.opts.StateFile == "" {
		return
	}
	st, err := LoadState(c.opts.StateFile, c.now())
	var corrupt *CorruptFileError
	switch {
	case errors.As(err, &corrupt):
		c.log.Error().Err(err).Str("path", c.opts.StateFile).Str("moved_to", corrupt.MovedTo).
			Msg("state file unreadable; moved aside, starting with empty cooldowns")
	case err != nil:
		// The file is still there and could not be read: never save over it.
		c.log.Error().Err(err).Str("path", c.opts.StateFile).
			Msg("state file unreadable and could not be moved aside; running without saving state")
		c.opts.StateFile = ""
		return
	}
	if st == nil {
		return
	}
	c.useState(st)
	if len(st.Model) > 0 && c.opts.Model.Enabled {
		f := new(forest.Forest)
		if err := f.UnmarshalBinary(st.Model); err != nil || f.NumFeatures() != engine.NumModelFeatures {
			c.log.Warn().Err(err).Msg("saved anomaly model unusable; training a new one")
		} else {
			c.Model, c.ModelTrainedAt = f, st.ModelTrainedAt
		}
	}
	c.openJournal()
	c.log.Info().Int("containers", len(st.Containers)).Bool("model", c.Model != nil).Msg("loaded state")
}

// saveState writes the state file when something changed (or always, with
// force).
func (c *Controller) saveState(force bool) {
	if c.opts.StateFile == "" || (!c.stateDirty && !force) {
		return
	}
	if c.Model != nil && (c.state.Model == nil || !c.state.ModelTrainedAt.Equal(c.ModelTrainedAt)) {
		b, err := c.Model.MarshalBinary()
		if err == nil {
			c.state.Model, c.state.ModelTrainedAt = b, c.ModelTrainedAt
		}
	}
	c.state.PruneGone(func(vmid int) bool { return c.Tracked[vmid] != nil }, c.now().Add(-StateKeepGone))
	through := c.journalThrough()
	c.state.JournalSeq = through
	if err := c.state.Save(c.opts.StateFile); err != nil {
		c.metrics.stateSaves.WithLabelValues("failed").Inc()
		c.log.Error().Err(err).Str("path", c.opts.StateFile).Msg("saving the state file failed; will retry next tick")
		return
	}
	c.metrics.stateSaves.WithLabelValues("ok").Inc()
	c.stateDirty = false
	c.truncateJournal(through)
}

// export hands a cycle to the writer every ExportInterval. Appends run in
// the background one at a time, so a slow disk or a long compaction never
// holds up the loop: a cycle that comes while one is written waits, and a
// newer one takes its place (counted dropped). At most two cycles are in
// memory: the one written and the one waiting.
func (c *Controller) export(t engine.Tick) {
	if c.exporter == nil || (!c.lastExport.IsZero() && t.End.Sub(c.lastExport) < c.opts.ExportInterval) {
		return
	}
	c.lastExport = t.End
	cycle := lxcmetrics.Cycle{Start: t.Start, End: t.End, Total: len(t.Containers)}
	cycle.MonitorCPUPercent, cycle.MonitorMemoryBytes = c.selfUsage(t.End)
	for _, ct := range t.Containers {
		if ct.Status != "running" || ct.Template {
			continue
		}
		score := math.NaN()
		if tr := c.Tracked[ct.VMID]; tr != nil {
			score = tr.Score
		}
		cycle.Entries = append(cycle.Entries, lxcmetrics.Entry{
			VMID: ct.VMID, Node: ct.Node, Time: t.End,
			CPUPercent: engine.CPUFraction(ct.CPU) * 100, Cores: ct.CPUs,
			MemUsed: ct.Mem, MemLimit: ct.MaxMem, SwapUsed: ct.Swap, SwapLimit: ct.MaxSwap,
			DiskRead: ct.DiskRead, DiskWrite: ct.DiskWrite, NetIn: ct.NetIn, NetOut: ct.NetOut,
			DiskUsed: ct.Disk, DiskSize: ct.MaxDisk, Pressure: ct.Pressure, Score: score,
		})
	}
	q := &c.exportQueue
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.next != nil {
		c.metrics.exports.WithLabelValues("dropped").Inc()
		c.log.Warn().Time("cycle_end", q.next.End).Msg("lxc_metrics.json still being written; a cycle waiting for it was replaced by a newer one")
	}
	q.next = &cycle
	if !q.busy {
		q.busy = true
		c.exporting.Go(c.writeExports)
	}
}

// exportQueue hands cycles from the loop to the export writer.
type exportQueue struct {
	mu   sync.Mutex
	next *lxcmetrics.Cycle // waiting to be written
	busy bool              // a writer goroutine runs
}

// writeExports appends the waiting cycle until none is left.
func (c *Controller) writeExports() {
	q := &c.exportQueue
	for {
		q.mu.Lock()
		cycle := q.next
		q.next, q.busy = nil, cycle != nil
		q.mu.Unlock()
		if cycle == nil {
			return
		}
		if err := c.exporter.Append(*cycle); err != nil {
			c.log.Error().Err(err).Str("path", c.opts.ExportFile).Msg("appending to lxc_metrics.json failed; the cycle is lost, the next one is tried")
		}
	}
}

// closeExport writes the cycle still waiting and closes the file; a
// compaction in progress is stopped (the file stays as it was).
func (c *Controller) closeExport() {
	if c.exporter == nil {
		return
	}
	c.exporter.Close()
	c.exporting.Wait()
	c.exportLoading.Wait()
	select {
	case w := <-c.exportLoaded: // read, never folded
		w.restoreGC()
	default:
	}
	c.exporter.Close()
}

// selfUsage is this process's CPU share since the previous call and its
// heap, for the export's summary.
func (c *Controller) selfUsage(now time.Time) (cpuPercent float64, memBytes uint64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		if !c.selfAt.IsZero() {
			if wall := now.Sub(c.selfAt); wall > 0 {
				cpuPercent = 100 * float64(cpu-c.selfCPU) / float64(wall)
			}
		}
		c.selfCPU, c.selfAt = cpu, now
		memBytes = uint64(ru.Maxrss) << 10
	}
	return cpuPercent, memBytes
}

// loadExport opens lxc_metrics.json (reading only its end) and reads in
// the background what the windows can hold: the cycles of the last
// Window, from the end of the file back. The first pass after the read is
// done folds them in (foldExport), so a large file never delays a
// decision. A file in the original's layout is read whole, also in the
// background.
func (c *Controller) loadExport(ctx context.Context) {
	if c.exporter == nil {
		return
	}
	r, err := c.exporter.Load()
	var corrupt *CorruptFileError
	switch {
	case errors.As(err, &corrupt):
		c.log.Error().Err(err).Str("path", c.opts.ExportFile).Str("moved_to", corrupt.MovedTo).
			Msg("existing lxc_metrics.json unreadable; moved aside, starting a new one")
		return
	case err != nil:
		// The exporter refuses to write until the file can be read.
		c.log.Error().Err(err).Str("path", c.opts.ExportFile).
			Msg("existing lxc_metrics.json unreadable and could not be moved aside; not exporting")
		return
	case r == nil:
		return
	}
	now := c.now()
	since := now.Add(-c.opts.Window)
	loaded := make(chan exportedWindows, 1)
	c.exportLoaded = loaded
	// Low from the read to the end of the fold: between them the entries
	// are held while the RRD backfill and the passes make garbage.
	restoreGC := lowGC()
	c.exportLoading.Go(func() {
		defer r.Close() //nolint:errcheck // read only
		started := time.Now()
		w := exportedWindows{entries: map[int][]exportPoint{}, restoreGC: restoreGC}
		w.err = r.Recent(since, func(cy lxcmetrics.Cycle) bool {
			w.cycles++
			for _, e := range cy.Entries {
				if !e.Time.Before(since) && !e.Time.After(now) {
					w.entries[e.VMID] = append(w.entries[e.VMID], pointOf(e))
				}
			}
			return ctx.Err() == nil
		})
		w.took = time.Since(started)
		loaded <- w
	})
}

// loadGCPercent is the collector's target (GOGC) from the start of the
// read of the export to the end of its fold: the entries read are held
// besides the windows while the read decodes and the RRD backfill and the
// passes go on, so at the default 100 the heap doubled the live one for
// those seconds (a restart at 10,000 containers onto 45 cycles peaked at
// 536 MiB RSS, 80 % above the steady state). A few more collections,
// once, instead.
const loadGCPercent = 25

// lowGC lowers the collector's target to loadGCPercent, unless it is
// lower or off already, and returns what puts it back.
func lowGC() (restore func()) {
	prev := debug.SetGCPercent(loadGCPercent)
	if prev < 0 || prev <= loadGCPercent {
		debug.SetGCPercent(prev)
		return func() {}
	}
	return func() { debug.SetGCPercent(prev) }
}

// exportedWindows are the entries of the export within the window, by
// VMID, as the background read found them.
type exportedWindows struct {
	entries map[int][]exportPoint
	cycles  int
	took    time.Duration
	err     error
	// restoreGC puts the collector's target back once they are folded
	// (or the controller stops first).
	restoreGC func()
}

// foldExport adds what the background read of lxc_metrics.json found, once
// it is done, to the windows of the containers running in t, in time order
// with what they hold (Window.Merge). Counters become rates between the
// export's own samples. A container the export has and t does not run is
// left out: it is gone, stopped or out of reach.
func (c *Controller) foldExport(t engine.Tick) {
	var w exportedWindows
	select {
	case w = <-c.exportLoaded:
	default:
		return
	}
	defer w.restoreGC()
	held, containers := 0, 0
	var samples []engine.Sample // one container's at a time
	for _, ct := range t.Containers {
		entries := w.entries[ct.VMID]
		if len(entries) == 0 || ct.Status != "running" || ct.Template {
			continue
		}
		tr := c.Tracked[ct.VMID]
		if tr == nil {
			tr = &engine.Container{Listed: engine.Listed{VMID: ct.VMID, Node: ct.Node}, Score: math.NaN(), Window: c.NewWindow()}
			c.Tracked[ct.VMID] = tr
		}
		samples = exportSamples(ct.VMID, entries, samples[:0])
		held += tr.Window.Merge(samples)
		// Folded: the collector may take the entries while the rest are.
		delete(w.entries, ct.VMID)
		containers++
	}
	c.metrics.backfilled.Add(float64(held))
	leftOut := len(w.entries)
	c.historyGrew = c.historyGrew || held > 0
	// The read held an hour of every container's entries (136 bytes
	// each: 80 MiB for 10,000 containers at the default export interval),
	// which the heap would otherwise keep as head room for good; once, at
	// start.
	w.entries = nil
	debug.FreeOSMemory()
	log := c.log.Info()
	if w.err != nil {
		log = c.log.Warn().Err(w.err)
	}
	log.Int("cycles", w.cycles).Int("containers", containers).Int("left_out", leftOut).
		Int("samples", held).Float64("duration_seconds", w.took.Seconds()).Msg("loaded lxc_metrics.json into the windows")
}

// exportPoint is what the windows need of an exported entry: no strings
// or pointers, two thirds of an Entry without its node name and pressure, so that the background read of an
// hour of 10,000 containers stays small and the collector need not scan it.
type exportPoint struct {
	at                                        int64 // Unix nanoseconds
	cpuPercent, cores                         float64
	mem, maxMem, swap, maxSwap, disk, maxDisk uint64
	netIn, netOut, diskRead, diskWrite        uint64
	psiCPU, psiMemory, psiIO                  float64
	hasPressure                               bool
}

func pointOf(e lxcmetrics.Entry) exportPoint {
	p := exportPoint{
		at: e.Time.UnixNano(), cpuPercent: e.CPUPercent, cores: e.Cores,
		mem: e.MemUsed, maxMem: e.MemLimit, swap: e.SwapUsed, maxSwap: e.SwapLimit,
		disk: e.DiskUsed, maxDisk: e.DiskSize,
		netIn: e.NetIn, netOut: e.NetOut, diskRead: e.DiskRead, diskWrite: e.DiskWrite,
	}
	if pr := e.Pressure; pr != nil {
		p.hasPressure = true
		p.psiCPU, p.psiMemory, p.psiIO = pr.CPUSome, pr.MemorySome, pr.IOSome
	}
	return p
}

// exportSamples appends one container's exported points to samples as
// window samples, in time order, with rates from the cumulative counters.
func exportSamples(vmid int, points []exportPoint, samples []engine.Sample) []engine.Sample {
	slices.SortFunc(points, func(a, b exportPoint) int { return cmp.Compare(a.at, b.at) })
	var prev proxmox.Container
	var prevAt time.Time
	for _, p := range points {
		ct := proxmox.Container{
			VMID: vmid, Status: "running", CPUs: p.cores, CPU: p.cpuPercent / 100,
			Mem: p.mem, MaxMem: p.maxMem, Swap: p.swap, MaxSwap: p.maxSwap,
			Disk: p.disk, MaxDisk: p.maxDisk, NetIn: p.netIn, NetOut: p.netOut,
			DiskRead: p.diskRead, DiskWrite: p.diskWrite,
		}
		if p.hasPressure {
			ct.Pressure = &proxmox.Pressure{CPUSome: p.psiCPU, MemorySome: p.psiMemory, IOSome: p.psiIO}
		}
		at := time.Unix(0, p.at).UTC()
		samples = append(samples, engine.SampleFrom(ct, prev, prevAt, at))
		prev, prevAt = ct, at
	}
	return samples
}
