package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// result is what one size measured. Durations are seconds, sizes bytes.
type result struct {
	Containers int     `json:"containers"`
	Nodes      int     `json:"nodes"`
	Interval   string  `json:"interval"`
	Export     bool    `json:"export"`
	Seconds    float64 `json:"seconds"` // the controller ran this long

	Passes   int `json:"passes"`   // completed
	Measured int `json:"measured"` // passes that fell alone between two readings of /metrics
	// FirstPassSeconds is from the controller's start to the first reading
	// of /metrics that shows a completed pass: an upper bound, late by up
	// to firstPassPoll plus the /metrics cache (1 s).
	FirstPassSeconds float64 `json:"first_pass_seconds"`
	// BackfillSeconds is from the start to the first reading after the
	// first pass in which no container's RRD history is left to read: the
	// backfill runs in the background, so this is late by up to a
	// reading's interval; 0 when the controller does not report it.
	BackfillSeconds float64          `json:"backfill_seconds"`
	Collect         stats            `json:"collect_seconds"`  // fetching the listings
	Own             stats            `json:"own_work_seconds"` // decide + act + export + save + publish
	Phases          map[string]stats `json:"phase_seconds"`
	// OwnPerContainerMicros is the median own work per container.
	OwnPerContainerMicros float64 `json:"own_work_per_container_microseconds"`
	// SteadyOwn and SteadyPhases are Own and Phases over the passes
	// measured after the backfill and SteadySettle seconds after start:
	// the steady state, without the backfill's reads and decoding on the
	// CPUs (and with full windows once SteadySettle is past
	// monitor.window).
	SteadyOwn    stats            `json:"steady_own_work_seconds"`
	SteadyPhases map[string]stats `json:"steady_phase_seconds"`
	SteadySettle float64          `json:"steady_settle_seconds"`
	// CPUPerPassMicros is the controller's CPU time (user and system)
	// per pass and container once the backfill is done, over SteadyPasses:
	// everything the process does but wait, so more than the pass's own
	// work: the listings' decoding, the client's side of the config reads,
	// the export's writer, the scrapes of /metrics and the garbage
	// collector included. Less sensitive to a loaded machine than the
	// phases' wall clock, though not insensitive (shared caches).
	CPUPerPassMicros float64 `json:"cpu_per_pass_per_container_microseconds"`
	SteadyPasses     int     `json:"steady_passes"`

	RSSMaxBytes       uint64  `json:"rss_max_bytes"`
	RSSFinalBytes     uint64  `json:"rss_final_bytes"`
	CPUSeconds        float64 `json:"cpu_seconds"`
	StorageWriteBytes uint64  `json:"storage_write_bytes"` // /proc/PID/io write_bytes
	PvesimRSSMaxBytes uint64  `json:"pvesim_rss_max_bytes"`

	Exports           int    `json:"exports"`
	ExportBytes       stats  `json:"export_bytes"` // written per export
	ExportBytesMethod string `json:"export_bytes_method"`
	ExportFileBytes   int64  `json:"export_file_bytes"` // at the end
	// CycleBytes is one cycle of the export: the file at the end over the
	// cycles it holds (counted in the file: each starts a line "{").
	CycleBytes float64 `json:"cycle_bytes"`

	LoadStart [3]float64 `json:"load_start"`
	LoadEnd   [3]float64 `json:"load_end"`
	Warnings  int        `json:"log_warnings"`
	Errors    int        `json:"log_errors"`
	Problems  []string   `json:"log_problems,omitempty"` // the first few
}

// stats summarise a figure over the passes.
type stats struct {
	N      int     `json:"n"`
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	Max    float64 `json:"max"`
}

func statsOf(passes []pass, f func(pass) float64) stats {
	v := make([]float64, len(passes))
	for i, p := range passes {
		v[i] = f(p)
	}
	return statsOfValues(v)
}

func statsOfValues(v []float64) stats {
	if len(v) == 0 {
		return stats{}
	}
	s := slices.Clone(v)
	slices.Sort(s)
	median := s[len(s)/2]
	if len(s)%2 == 0 {
		median = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return stats{N: len(s), Min: s[0], Median: median, Max: s[len(s)-1]}
}

// printTable writes one column per size.
func printTable(w io.Writer, o options, results []*result) {
	export := "off"
	if o.export {
		every, kept := 60*time.Second, defaultMaxMetricsEntries
		if o.exportEvery > 0 {
			every = o.exportEvery
		}
		if o.maxEntries > 0 {
			kept = o.maxEntries
		}
		export = fmt.Sprintf("on (every %s, %d cycles kept)", every, kept)
	}
	fmt.Fprintf(w, "\nlxc-autoscale run (dry-run, default settings) against pvesim in another process: %d nodes, export %s, %s per size, %d CPUs\n\n",
		o.nodes, export, o.duration, runtime.NumCPU())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(label string, f func(r *result) string) {
		cells := []string{label}
		for _, r := range results {
			cells = append(cells, f(r))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	ms := func(s stats) string {
		if s.N == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f / %.1f / %.1f", s.Min*1e3, s.Median*1e3, s.Max*1e3)
	}
	mib := func(b float64) string { return fmt.Sprintf("%.1f", b/(1<<20)) }
	load := func(l [3]float64) string { return fmt.Sprintf("%.2f %.2f %.2f", l[0], l[1], l[2]) }

	row("containers", func(r *result) string { return fmt.Sprint(r.Containers) })
	row("passes (measured alone)", func(r *result) string { return fmt.Sprintf("%d (%d)", r.Passes, r.Measured) })
	row("listing fetch ms min/median/max", func(r *result) string { return ms(r.Collect) })
	row("own work ms min/median/max", func(r *result) string { return ms(r.Own) })
	row("own work per container µs (median)", func(r *result) string { return fmt.Sprintf("%.2f", r.OwnPerContainerMicros) })
	for _, ph := range append(fetchPhases[1:], ownPhases...) {
		row("  "+ph+" ms", func(r *result) string { return ms(r.Phases[ph]) })
	}
	row("steady (after the backfill and -settle): seconds after start at least", func(r *result) string {
		return fmt.Sprintf("%.0f", max(r.BackfillSeconds, r.SteadySettle))
	})
	row("steady: passes, own work ms min/median/max", func(r *result) string {
		return fmt.Sprintf("%d, %s", r.SteadyOwn.N, ms(r.SteadyOwn))
	})
	row("steady: own work per container µs (median)", func(r *result) string {
		if r.SteadyOwn.N == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f", r.SteadyOwn.Median/float64(r.Containers)*1e6)
	})
	for _, ph := range append(fetchPhases[1:], ownPhases...) {
		row("  steady: "+ph+" ms", func(r *result) string { return ms(r.SteadyPhases[ph]) })
	}
	row("controller CPU per pass per container µs, all of it (steady passes)", func(r *result) string {
		if r.SteadyPasses == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f (%d)", r.CPUPerPassMicros, r.SteadyPasses)
	})
	row("RRD backfill done after start s", func(r *result) string {
		if r.BackfillSeconds == 0 {
			return "not in the run"
		}
		return fmt.Sprintf("%.1f", r.BackfillSeconds)
	})
	row("first decision pass after start s", func(r *result) string { return fmt.Sprintf("%.1f", r.FirstPassSeconds) })
	row("RSS MiB max / final", func(r *result) string {
		return mib(float64(r.RSSMaxBytes)) + " / " + mib(float64(r.RSSFinalBytes))
	})
	row("RSS KiB per container (final)", func(r *result) string {
		return fmt.Sprintf("%.1f", float64(r.RSSFinalBytes)/1024/float64(r.Containers))
	})
	row("controller CPU % of one core", func(r *result) string { return fmt.Sprintf("%.1f", 100*r.CPUSeconds/r.Seconds) })
	row("exports", func(r *result) string { return fmt.Sprint(r.Exports) })
	row("MiB written per export", func(r *result) string {
		if r.ExportBytes.N == 0 {
			return "-"
		}
		if r.ExportBytes.Min == r.ExportBytes.Max { // the counter gives the mean alone
			return mib(r.ExportBytes.Median)
		}
		return mib(r.ExportBytes.Min) + " / " + mib(r.ExportBytes.Median) + " / " + mib(r.ExportBytes.Max)
	})
	row("bytes per export per container", func(r *result) string {
		return fmt.Sprintf("%.0f", r.ExportBytes.Median/float64(r.Containers))
	})
	row("lxc_metrics.json MiB at the end", func(r *result) string { return mib(float64(r.ExportFileBytes)) })
	row("  bytes per container and cycle", func(r *result) string { return fmt.Sprintf("%.0f", r.CycleBytes/float64(r.Containers)) })
	row("bytes per export ÷ one cycle", func(r *result) string {
		if r.CycleBytes == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f", r.ExportBytes.Median/r.CycleBytes)
	})
	row("MiB written to storage (/proc io)", func(r *result) string { return mib(float64(r.StorageWriteBytes)) })
	row("pvesim RSS MiB max", func(r *result) string { return mib(float64(r.PvesimRSSMaxBytes)) })
	row("load 1/5/15 min at start", func(r *result) string { return load(r.LoadStart) })
	row("load 1/5/15 min at end", func(r *result) string { return load(r.LoadEnd) })
	row("log warnings / errors", func(r *result) string { return fmt.Sprintf("%d / %d", r.Warnings, r.Errors) })
	tw.Flush()
	for _, r := range results {
		if r.ExportBytesMethod != "" {
			fmt.Fprintf(w, "\nbytes per export at %d containers: %s", r.Containers, r.ExportBytesMethod)
		}
		for _, p := range r.Problems {
			fmt.Fprintf(w, "\n%d containers, log: %s", r.Containers, p)
		}
	}
	fmt.Fprintln(w)
}
