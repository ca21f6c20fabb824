package scaling

import (
	"fmt"
	"math"
	"time"
)

// Disk growth sized from the fill rate: a disk that fills at a steady
// rate and grows by one Step each time it passes the threshold is grown
// again every Step/rate (two GiB at 2 GiB an hour: every hour, 24 writes
// a day, each a resize of the volume). Sized for a day of the rate instead,
// it is grown once a day or so. A disk never shrinks, so the rate must be
// one that still holds: the slope over the newest diskRecent must agree,
// and a disk that stopped filling (or is being emptied) grows by the one
// Step that passing the threshold asks for.
const (
	// diskHorizon is how long a growth keeps a disk filling at its rate
	// below the threshold.
	diskHorizon = 24 * time.Hour
	// diskRecent is the newest part of the history whose own fill rate
	// must be positive too; the lower of the two rates is used.
	diskRecent = 15 * time.Minute
	// diskSpan is the least history a fill rate is read from.
	diskSpan = 10 * time.Minute
)

// diskFill is the rate, bytes per second, at which the root filesystem
// has been filling (Signals.Disk): the least of the least-squares slopes
// over the whole history and over its newest diskRecent; 0 when either is
// not positive or the history spans less than diskSpan.
func (dc *decider) diskFill() float64 {
	r := runOf(dc.sig.Disk).until(dc.now)
	if r.len() < 3 || r.time(r.len()-1).Sub(r.time(0)) < diskSpan {
		return 0
	}
	rate := min(leastSquares(r), leastSquares(r.since(dc.now.Add(-diskRecent))))
	if !(rate > 0) { // NaN too
		return 0
	}
	return rate
}

// diskTarget is the size a disk of size bytes (fs as df shows it, used of
// it) grows to: by as many Steps as keep used + rate x diskHorizon below
// the threshold of the grown filesystem, one at least, and at most to
// Max; one Step without a rate.
func diskTarget(size, fs, used uint64, rate float64, k DiskRules) (target uint64, sized bool) {
	target = k.Max
	if k.Step < k.Max-size {
		target = size + k.Step
	}
	if !(rate > 0) || !(k.Threshold > 0) || k.Step == 0 {
		return target, false
	}
	// The filesystem grows by what the volume does.
	need := (float64(used)+rate*diskHorizon.Seconds())/k.Threshold - float64(fs)
	steps := math.Ceil(need / float64(k.Step))
	if !(steps > 1) {
		return target, false
	}
	if grown := float64(size) + steps*float64(k.Step); grown < float64(k.Max) {
		return uint64(grown), true
	}
	return k.Max, true
}

// diskText is the reason of a growth: "disk 0.86 >= 0.85, filling 2.1
// GiB an hour: sized for 24h0m0s of it".
func diskText(used float64, t Threshold, rate float64, sized bool) string {
	s := fmt.Sprintf("disk %.2f %s", used, t)
	if sized {
		s += fmt.Sprintf(", filling %.1f GiB an hour: sized for %s of it", rate*3600/(1<<30), diskHorizon)
	}
	return s
}
