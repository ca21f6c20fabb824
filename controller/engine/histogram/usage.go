package histogram

import (
	"math"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// MemoryPeriod is the aggregation period of memory: one peak per hour
// enters the memory histogram, weighted by the seconds of the hour that
// were observed (VPA takes one peak per day). Memory is held at its
// peak, not its average: a limit below the peak is an OOM kill, so the
// question a memory percentile answers is "in how many of the hours did
// the container need this much?". An hour is the controller's own window:
// the decisions already keep the last hour's peak (a decrease's floor),
// and the histogram adds how the hours before compared. A day would leave
// three points after three days, too few for a percentile, and what comes
// back daily is the season profile's to catch.
const MemoryPeriod = time.Hour

// Usage is a container's usage history as the recommender reads it: a
// decaying histogram of cores busy (each sample weighted by the seconds it
// covers) and one of memory (the hourly peaks), with how much history they
// hold. 1,444 bytes, within the engine's histogramReserve. The zero Usage
// is empty and ready; a nil *Usage answers as an empty one.
type Usage struct {
	cpu, mem Histogram
	// The memory peak of the current period (peakAt / MemoryPeriod), kept
	// out of the histogram until the period ends, so that a higher value
	// later in the hour replaces it instead of being added too; weight is
	// the seconds of the period observed.
	peak, peakWeight float32
	peakAt           uint32
	// first is the oldest point fed (observed or backfilled), last the
	// newest, own the first the controller observed itself (0: none yet).
	first, last, own uint32
	// observed is the seconds of history fed, not decayed: with the span
	// from first to last, how much the percentiles can be trusted.
	observed float32
}

// unix is t in unix seconds as a Usage keeps them (up to 2106); 0 before
// 1970.
func unix(t time.Time) uint32 {
	return uint32(min(max(t.Unix(), 0), math.MaxUint32))
}

// anomalousWeight is the share of its weight a sample keeps while the
// container is anomalous (the forest's score over its threshold). Not
// none: the forest also flags the start of a real change, which should
// still enter the history, only more slowly; an hour of backup or
// migration counts as a quarter hour. Measured against none with the
// model on (simulate --compare-model, seeds 1-3): none left more memory
// waste with the model on than off on seed 2; a quarter does not.
const anomalousWeight = 0.25

// Observe feeds one sample the controller took at t: cores busy and memory
// bytes used, covering interval. A sample at or before the newest fed is
// ignored, so that a pass deciding twice does not count it twice. While
// the container is anomalous a sample counts anomalousWeight of its time
// (for memory, towards its hour's weight; the peak is still the hour's
// most): a backup, a migration or a runaway that the forest flags does
// not hold cores or memory for the days the histograms remember it.
func (u *Usage) Observe(t time.Time, cores, memory float64, interval time.Duration, anomalous bool) {
	at := unix(t)
	if at == 0 || at <= u.last {
		return
	}
	if u.own == 0 {
		u.own = at
	}
	if u.first == 0 {
		u.first = at
	}
	weight := interval.Seconds()
	u.last = at
	u.observed += float32(weight)
	if u.peakWeight > 0 && at/uint32(MemoryPeriod/time.Second) != u.peakAt/uint32(MemoryPeriod/time.Second) {
		u.mem.add(memoryScale, float64(u.peak), float64(u.peakWeight), u.peakAt)
		u.peak, u.peakWeight = 0, 0
	}
	if anomalous {
		weight *= anomalousWeight
	}
	u.cpu.add(coresScale, cores, weight, at)
	if memory >= 0 { // NaN compares false
		u.peak = max(u.peak, float32(memory))
		u.peakWeight += float32(weight)
		u.peakAt = at
	}
}

// Past feeds a point of the history from before the controller's own
// observations (a backfill from PVE's RRD): usage of res over step from t,
// weighted by the seconds it covers; for memory, the peak of a period
// (MemoryPeriod or longer: the backfill takes the largest of finer points).
// The part of a point at or after the first own observation is cut off, so
// that nothing is counted twice; while there is none, live samples at or
// before the newest past point are ignored instead. The cores points say
// how much history there is. Reports whether any of it was fed.
func (u *Usage) Past(t time.Time, step time.Duration, res scaling.Resource, v float64) bool {
	from, to := unix(t), unix(t.Add(step))
	if u.own != 0 {
		to = min(to, u.own)
	}
	if from == 0 || to <= from || !(v >= 0) {
		return false
	}
	w := float64(to - from)
	if res == scaling.ResourceMemory {
		u.mem.add(memoryScale, v, w, from)
		return true
	}
	if u.first == 0 || from < u.first {
		u.first = from
	}
	u.last = max(u.last, to)
	u.observed += float32(w)
	u.cpu.add(coresScale, v, w, from)
	return true
}

// Percentiles sets out[i] to the usage of res (cores busy, or memory
// bytes) below which fraction ps[i] (ascending) of the decayed history
// lies, and returns the days of history the histogram holds: the lesser of
// the span from the oldest point to the newest and the time observed, as
// VPA's confidence. 0 (and out all 0) with no history. The peak of the
// memory period under way counts as if it had ended.
func (u *Usage) Percentiles(res scaling.Resource, ps, out []float64) (days float64) {
	if u == nil || u.last == 0 {
		clear(out)
		return 0
	}
	span := float64(u.last-u.first) + 1
	days = min(span, float64(u.observed)) / 86400
	if res == scaling.ResourceCores {
		u.cpu.percentiles(coresScale, ps, out, 0, 0)
		return days
	}
	extra := 0.0
	if u.peakWeight > 0 {
		extra = float64(u.peakWeight)
		if u.mem.ref != 0 {
			extra *= u.mem.factor(u.peakAt)
		}
	}
	u.mem.percentiles(memoryScale, ps, out, float64(u.peak), extra)
	return days
}

// Percentile is Percentiles of one fraction p.
func (u *Usage) Percentile(res scaling.Resource, p float64) (value, days float64) {
	var out [1]float64
	days = u.Percentiles(res, []float64{p}, out[:])
	return out[0], days
}
