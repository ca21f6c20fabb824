package backfill

import (
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/histogram"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// FeedUsage: a day of half hours at 1 core and 1 GB, then an hour of
// minutes at 3 cores whose memory peaks once at 4 GB. Memory enters as
// hourly peaks (the minutes' hour is one 4 GB peak, the half hours two to
// an hour), cores by the time each point covers, and the half hours stop
// where the minutes start (the last one overlaps them: cut, not counted
// twice).
func TestFeedUsage(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	var coarse []engine.CoarsePoint
	for i := range 49 { // one past the minutes' start
		coarse = append(coarse, engine.CoarsePoint{Time: t0.Add(time.Duration(i) * 30 * time.Minute), Step: 30 * time.Minute, CPU: 1, CPUPeak: 1, Mem: 1e9, MemPeak: 1e9})
	}
	start := t0.Add(24 * time.Hour)
	var samples []engine.Sample
	for i := range 60 {
		mem := uint64(1e9)
		if i == 30 {
			mem = 4e9
		}
		samples = append(samples, engine.Sample{Time: start.Add(time.Duration(i) * time.Minute), CPU: 3, Mem: mem})
	}
	var u histogram.Usage
	FeedUsage(&u, samples, coarse)

	// 24 hourly peaks at 1 GB, one at 4 GB (the newest: 5.5 % of the
	// decayed weight): p90 is 1 GB, p99 4 GB.
	if v, _ := u.Percentile(scaling.ResourceMemory, 0.9); v < 1e9 || v > 1.06e9 {
		t.Errorf("memory p90 %.3g; want 1 GB (one hour of 25 at 4 GB)", v)
	}
	if v, _ := u.Percentile(scaling.ResourceMemory, 0.99); v < 4e9 || v > 4.3e9 {
		t.Errorf("memory p99 %.3g; want the minutes' hour at 4 GB", v)
	}
	// A day at 1 core and an hour at 3: 1/25 of the time (a little more
	// by the decay) at 3 cores.
	if v, _ := u.Percentile(scaling.ResourceCores, 0.9); v < 1 || v > 1.06 {
		t.Errorf("cores p90 %.3f; want 1", v)
	}
	if v, _ := u.Percentile(scaling.ResourceCores, 0.97); v < 3 || v > 3.2 {
		t.Errorf("cores p97 %.3f; want 3", v)
	}
	if _, days := u.Percentile(scaling.ResourceCores, 0.5); days < 25.0/24-0.01 || days > 25.0/24+0.01 {
		t.Errorf("%.3f days of history; want 25 hours (the overlapping half hour cut)", days)
	}
}
