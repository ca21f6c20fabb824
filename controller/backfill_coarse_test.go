package controller

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/backfill"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/weekly"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

// The RRD day and week, read from the simulator as PVE 9 and PVE 8 lay
// them out, fill a new history's day and week tiers: a day at ten
// minutes, a week at an hour, each hour the average of the rows it covers
// (cores busy: the cpu fraction x maxcpu) and peaks at least the averages.
func TestCoarseHistoryFillsTheTiers(t *testing.T) {
	for _, tc := range []struct {
		version string
		rowStep time.Duration // of the day's rows
	}{{"9.1.1", time.Minute}, {"8.4.1", 30 * time.Minute}} {
		t.Run(tc.version, func(t *testing.T) {
			_, client := newLoopSim(t, pvesim.Options{Nodes: 1, Speed: 0, NodeVersions: []string{tc.version}, Specs: []pvesim.ContainerSpec{
				{VMID: 101, Node: "pve1", Cores: 2, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Diurnal},
			}})
			c := newLoop(t, client, nil)
			ctx := context.Background()
			ref := proxmox.Ref{Node: "pve1", VMID: 101}
			points, err := backfill.CoarseHistory(ctx, client.RRD, ref, proxmox.TimeframeDay, proxmox.TimeframeWeek)
			if err != nil {
				t.Fatal(err)
			}
			w := c.NewWindow()
			w.MergeCoarse(points)
			day, week := w.Coarse(10*time.Minute), w.Coarse(time.Hour)
			if span := day[len(day)-1].Time.Sub(day[0].Time); len(day) < 144 || span < 23*time.Hour+40*time.Minute {
				t.Errorf("day tier: %d points over %v, want the day at ten minutes", len(day), span)
			}
			if span := week[len(week)-1].Time.Sub(week[0].Time); len(week) < 168 || span < 167*time.Hour {
				t.Errorf("week tier: %d points over %v, want the week at an hour", len(week), span)
			}
			for _, p := range append(day, week...) {
				if !(p.CPUPeak >= p.CPU) || !(p.MemPeak >= p.Mem) || p.CPU < 0 || p.Mem <= 0 {
					t.Fatalf("point %+v: peaks below averages or no data", p)
				}
			}

			// An hour of the day, from the rows read directly.
			rows, err := client.RRD(ctx, ref, proxmox.TimeframeDay, proxmox.CFAverage)
			if err != nil {
				t.Fatal(err)
			}
			hour := week[len(week)-6]
			var sum, n float64
			for _, r := range rows {
				if r.Time.Before(hour.Time) || !r.Time.Before(hour.Time.Add(time.Hour)) {
					continue
				}
				frac, _ := r.CPU.Get()
				cpus, _ := r.MaxCPU.Get()
				sum += min(frac, 1) * cpus
				n++
			}
			if want := sum / n; n != float64(time.Hour/tc.rowStep) || math.Abs(hour.CPU-want) > max(0.5/1024, want/4096) {
				t.Errorf("hour at %v: %v cores busy, want %v, the mean of its %v day rows", hour.Time, hour.CPU, want, n)
			}
		})
	}
}

// A backfilled container's tiers hold RRD's week from the first pass, not
// only what the loop saw: a restarted controller knows the seasons at
// once (the day tier from the week's half hours, the live ticks' hour
// aside).
func TestBackfillFillsTheCoarseTiers(t *testing.T) {
	c := backfilledDiurnal(t, "")
	w := c.Tracked[101].Window
	day, week := w.Coarse(10*time.Minute), w.Coarse(time.Hour)
	if len(day) < 144 || day[len(day)-1].Time.Sub(day[0].Time) < 23*time.Hour {
		t.Errorf("day tier: %d points, want the last day, from the RRD week's half hours", len(day))
	}
	if span := week[len(week)-1].Time.Sub(week[0].Time); len(week) < 160 || span < 6*24*time.Hour {
		t.Errorf("week tier: %d points over %v, want the RRD week", len(week), span)
	}
	if w.Len() < 55 {
		t.Errorf("window: %d samples, want the RRD hour", w.Len())
	}
}

// The backfill feeds the recommender's histograms with RRD's month (PVE 9:
// 30 days at half an hour; PVE 8: 35 at twelve hours) before the first
// live sample: a restarted controller knows weeks of usage at once, so
// that a container with history shrinks to what its history supports.
func TestBackfillFeedsTheRecommender(t *testing.T) {
	for _, tc := range []struct {
		version string
		days    float64
	}{{"9.1.1", 30}, {"8.4.1", 35}} {
		t.Run(tc.version, func(t *testing.T) {
			u := &backfilledDiurnal(t, tc.version).Tracked[101].Usage
			cores, days := u.Percentile(scaling.ResourceCores, 0.5)
			if days < tc.days-1.5 || days > tc.days+0.5 {
				t.Errorf("%.2f days of history after the backfill, want RRD's month, %v", days, tc.days)
			}
			memory, _ := u.Percentile(scaling.ResourceMemory, 0.9)
			if !(cores > 0 && cores < 2) || !(memory > 0 && memory < 2048<<20*1.05) {
				t.Errorf("p50 %.3f cores busy, p90 %.0f bytes: want within the 2 cores and 2 GiB the RRD saw", cores, memory)
			}
		})
	}
}

// The backfill reads RRD's month too: on PVE 9 (half hours for 30 days)
// the weekday x hour profile holds four weeks of each hour from the first
// pass, the diurnal peak among them; on PVE 8 the month's twelve-hour rows
// say nothing of the hour and the week's three-hour rows give one week.
func TestBackfillFillsTheProfileFromTheMonth(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) // a Friday
	for _, tc := range []struct {
		version  string
		minWeeks int
		maxWeeks int
	}{{"9.1.1", 4, 5}, {"8.4.1", 1, 1}} {
		t.Run(tc.version, func(t *testing.T) {
			w := backfilledDiurnal(t, tc.version).Tracked[101].Window
			peak, quiet := w.Profile(weekly.SlotOf(now.Add(-3*24*time.Hour+3*time.Hour).Unix())), w.Profile(weekly.SlotOf(now.Add(-3*24*time.Hour-9*time.Hour).Unix()))
			if peak.Weeks < tc.minWeeks || peak.Weeks > tc.maxWeeks || quiet.Weeks < tc.minWeeks {
				t.Errorf("Tuesday 15:00: %+v, 03:00: %+v; want %d to %d weeks each", peak, quiet, tc.minWeeks, tc.maxWeeks)
			}
			if !(peak.CPU > quiet.CPU) {
				t.Errorf("Tuesday 15:00 peaked at %.2f cores, 03:00 at %.2f: want the diurnal peak in the afternoon", peak.CPU, quiet.CPU)
			}
		})
	}
}

// backfilledDiurnal is a loop that has run one pass on a diurnal container
// of a node at version ("" for pvesim's default) and folded its backfill.
func backfilledDiurnal(t *testing.T, version string) *Controller {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	var versions []string
	if version != "" {
		versions = []string{version}
	}
	_, client := newLoopSim(t, pvesim.Options{Nodes: 1, Speed: 0, Start: now, NodeVersions: versions, Specs: []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Cores: 2, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Diurnal},
	}})
	c := newLoop(t, client, func(o *Options) {
		o.Now = func() time.Time { return now }
		o.Backfill, o.Scale = true, false
	})
	c.pass(backfillContext(t, c))
	awaitBackfill(t, c)
	return c
}
