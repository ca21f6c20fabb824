package scaling

import "time"

// Disk growth sized from the fill rate (controller/scaling/diskgrow): the
// rate must be one that still holds, so the slope over the newest
// diskRecent must agree.
const (
	// diskRecent is the newest part of the history whose own fill rate
	// must be positive too; the lower of the two rates is used.
	diskRecent = 15 * time.Minute
	// diskSpan is the least history a fill rate is read from.
	diskSpan = 10 * time.Minute
)

// DiskHistory is a History that reads Signals.Disk itself, when a growth
// is sized: most disks past their threshold wait for their cooldown.
type DiskHistory interface{ Disk() Series }

// diskFill is the rate, bytes per second, at which the root filesystem
// has been filling (Signals.Disk): the least of the least-squares slopes
// over the whole history and over its newest diskRecent; 0 when either is
// not positive or the history spans less than diskSpan.
func (dc *decider) diskFill() float64 {
	s := dc.sig.Disk
	if h, ok := dc.sig.History.(DiskHistory); ok && s == nil {
		s = h.Disk()
	}
	r := runOf(s).until(dc.now)
	if r.len() < 3 || r.time(r.len()-1).Sub(r.time(0)) < diskSpan {
		return 0
	}
	rate := min(leastSquares(r), leastSquares(r.since(dc.now.Add(-diskRecent))))
	if !(rate > 0) { // NaN too
		return 0
	}
	return rate
}
