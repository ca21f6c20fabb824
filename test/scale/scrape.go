package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// metricPrefixes are the series the harness reads; the rest of /metrics
// (an anomaly score per container, the Go runtime's) is skipped unparsed.
var metricPrefixes = []string{
	"lxc_autoscale_pass", "lxc_autoscale_export", "lxc_autoscale_backfill", "lxc_autoscale_containers{",
}

// phases of lxc_autoscale_pass_phase_seconds. collect and config_reads
// wait for Proxmox; backfill folds what the background RRD reads brought;
// the others are the pass's own work.
var (
	fetchPhases = []string{"collect", "config_reads"}
	ownPhases   = []string{"decide", "act", "export", "save", "publish"}
)

// scrape is one reading of /metrics: each series as the exposition
// writes it (name{labels}, labels sorted), and its value.
type scrape struct {
	at     time.Time
	values map[string]float64
}

// get reads url (a /metrics) in the text format.
func get(ctx context.Context, client *http.Client, url string) (scrape, error) {
	s := scrape{values: map[string]float64{}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return s, err
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := client.Do(req)
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	s.at = time.Now()
	if resp.StatusCode != http.StatusOK {
		return s, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !hasAnyPrefix(line, metricPrefixes) {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			s.values[line[:i]] = v
		}
	}
	return s, sc.Err()
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// has reports whether the series was served.
func (s scrape) has(series string) bool {
	_, ok := s.values[series]
	return ok
}

// passes is how many passes completed (observed their duration).
func (s scrape) passes() float64 { return s.values["lxc_autoscale_pass_duration_seconds_count"] }

// phase is the total time spent in one phase so far.
func (s scrape) phase(name string) float64 {
	return s.values[`lxc_autoscale_pass_phase_seconds_sum{phase="`+name+`"}`]
}

func (s scrape) exports() float64 { return s.values[`lxc_autoscale_exports_total{result="ok"}`] }

// writtenBytesSeries is the export's counter of bytes written, when the
// controller has it (the append-in-place export); without it the harness
// measures the file.
const writtenBytesSeries = "lxc_autoscale_export_written_bytes_total"

// backfillPendingSeries counts the containers whose RRD history the
// background backfill has still to read.
const backfillPendingSeries = "lxc_autoscale_backfill_pending"

// pass is what one pass spent in each phase, in seconds.
type pass map[string]float64

func (p pass) total(phases []string) float64 {
	t := 0.0
	for _, ph := range phases {
		t += p[ph]
	}
	return t
}

// phaseCount is how many times a phase was timed.
func (s scrape) phaseCount(name string) float64 {
	return s.values[`lxc_autoscale_pass_phase_seconds_count{phase="`+name+`"}`]
}

// midPass reports whether the reading was gathered during a pass: its
// first phase timed more often than its last.
func (s scrape) midPass() bool { return s.phaseCount("collect") != s.phaseCount("publish") }

// passBetween is the one pass completed between two readings taken
// outside a pass; ok is false when none or several did (several cannot be
// told apart).
func passBetween(a, b scrape) (pass, bool) {
	if a.midPass() || b.midPass() || b.phaseCount("publish")-a.phaseCount("publish") != 1 {
		return nil, false
	}
	p := pass{}
	for _, ph := range append(append([]string{"backfill"}, fetchPhases...), ownPhases...) {
		p[ph] = b.phase(ph) - a.phase(ph)
	}
	return p, true
}
