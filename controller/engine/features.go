package engine

import (
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/features"
)

// Features and Stats are what a container's window says
// (controller/engine/features); the rolling aggregates and scans below
// compute them.
type (
	Features = features.Features
	Stats    = features.Stats
)

// NumModelFeatures is the width of the vector the anomaly model sees.
const NumModelFeatures = features.Width

// calmShare is the utilisation below which a sample is calm.
const calmShare = features.CalmShare

// featureScratch is reusable memory for computeFeatures, one per goroutine.
type featureScratch struct {
	r rolling
}

// computeFeatures summarises the samples of w in [end-long, end], the
// short period being those after end-short. last is the index just after
// the newest sample to consider. For the newest sample (a pass) it reads
// the window's running aggregates, O(samples that came or went since the
// last read); at a past point (a training row), or when end went back, it
// scans the period into s, O(window). Both give the same features.
func computeFeatures(w *window, last int, end time.Time, short, long time.Duration, s *featureScratch) Features {
	endSec := end.Unix()
	shortSec, longSec := int64(short/time.Second), int64(long/time.Second)
	if last == w.n {
		if f, ok := w.roll.current(w, endSec, shortSec, longSec); ok {
			return f
		}
	}
	return scanFeatures(w, last, endSec, shortSec, longSec, s)
}

// scanFeatures computes the features at endSec from the samples before
// index last, whatever the window's running aggregates hold.
func scanFeatures(w *window, last int, endSec, shortSec, longSec int64, s *featureScratch) Features {
	first := min(w.sinceSec(endSec-longSec), last)
	s.r.build(w, first, last, endSec, shortSec, longSec, false)
	return s.r.features(w, endSec)
}
