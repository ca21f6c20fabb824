package controller

import (
	"errors"
	"math"
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
		c.log.Error().Err(err).Str("path", c.opts.StateFile).Msg("saving the state file failed; will retry next engine.Tick")
		return
	}
	c.metrics.stateSaves.WithLabelValues("ok").Inc()
	c.stateDirty = false
	c.truncateJournal(through)
}

// export adds a cycle every ExportInterval and writes the file in the
// background, one write at a time.
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
	c.exporter.Add(cycle)
	c.exporting.Wait()
	c.exporting.Go(func() {
		if err := c.exporter.Write(); err != nil {
			c.log.Error().Err(err).Str("path", c.opts.ExportFile).Msg("writing lxc_metrics.json failed; the data stays in memory for the next write")
		}
	})
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

// loadExport reads an existing lxc_metrics.json into the windows.
func (c *Controller) loadExport() {
	if c.exporter == nil {
		return
	}
	cycles, err := c.exporter.Load()
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
	}
	n := c.fillFromCycles(cycles, c.now())
	c.log.Info().Int("cycles", len(cycles)).Int("samples", n).Msg("loaded lxc_metrics.json into the windows")
}

// fillFromCycles adds the exported samples within the window, turning the
// cumulative counters into rates.
func (c *Controller) fillFromCycles(cycles []lxcmetrics.Cycle, now time.Time) int {
	oldest := now.Add(-c.opts.Window)
	n := 0
	for _, cy := range cycles {
		for _, e := range cy.Entries {
			if e.Time.Before(oldest) || e.Time.After(now) {
				continue
			}
			tr := c.Tracked[e.VMID]
			if tr == nil {
				tr = &engine.Container{Listed: engine.Listed{VMID: e.VMID, Node: e.Node, Status: "running"}, Score: math.NaN(), Window: c.NewWindow()}
				c.Tracked[e.VMID] = tr
			}
			ct := proxmox.Container{
				VMID: e.VMID, Node: e.Node, Status: "running", CPUs: e.Cores, CPU: e.CPUPercent / 100,
				Mem: e.MemUsed, MaxMem: e.MemLimit, Swap: e.SwapUsed, MaxSwap: e.SwapLimit,
				Disk: e.DiskUsed, MaxDisk: e.DiskSize, NetIn: e.NetIn, NetOut: e.NetOut,
				DiskRead: e.DiskRead, DiskWrite: e.DiskWrite, Pressure: e.Pressure,
			}
			tr.Window.Add(engine.SampleFrom(ct, tr.Last, tr.SeenAt, e.Time))
			tr.Last, tr.SeenAt = ct, e.Time
			n++
		}
	}
	c.metrics.backfilled.Add(float64(n))
	return n
}
