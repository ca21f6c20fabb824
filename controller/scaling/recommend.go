package scaling

import (
	"fmt"
	"math"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/sat"
)

// Recommender is a History that keeps usage histograms
// (controller/engine/histogram), asked on the way to a decrease.
type Recommender interface {
	// Floor is the lowest a decrease of res from cur may go under r's
	// Profile; ok is false without history.
	Floor(res Resource, r Rules, cur int64) (f RecFloor, ok bool)
}

// RecFloor is a decrease's floor from the usage history: percentile Pct
// of Days of history, Usage (cores busy, bytes) at it, raised Widen times
// (> 1) while the history is short.
type RecFloor struct {
	Floor       int64
	Pct         uint8
	Usage       float64
	Days, Widen float32
}

// withRecommendation raises u's floor (the hour's peak, a season's) to the
// usage history's, which the reason then names, capped by what the hour
// ahead needed on every day known (Most): a percentile of all hours keeps
// a diurnal container's day size all night.
func (dc *decider) withRecommendation(u utilisation) utilisation {
	rh, ok := dc.sig.History.(Recommender)
	if !ok {
		return u
	}
	f, ok := rh.Floor(u.res, dc.r, u.cur)
	if most := dc.recurring(u, seasonAhead).Most; ok && most > 0 && dc.r.Need(u.res, most) < f.Floor {
		f = RecFloor{Floor: dc.r.Need(u.res, most), Usage: most} // Pct 0: the hour ahead's
	}
	if ok && f.Floor > u.floor {
		u.floor, u.rec, u.season = f.Floor, f, Recurring{}
	}
	return u
}

// text says what set the floor: "p50 over 3.2 days of history: 1.70
// cores busy", or "the next hour's most on every day known: 0.60 cores
// busy".
func (f RecFloor) text(res Resource) string {
	used := fmt.Sprintf("%.2f cores busy", f.Usage)
	if res != ResourceCores {
		used = fmt.Sprintf("%d MiB used", sat.CeilMiB(uint64(min(f.Usage, math.MaxUint64/2))))
	}
	if f.Pct == 0 {
		return "the next hour's most on every day known: " + used
	}
	over := fmt.Sprintf("%.1f days", f.Days)
	if f.Days < 1 { // "0.0 days" says nothing
		over = time.Duration(float64(f.Days) * 24 * float64(time.Hour)).Round(time.Minute).String()
	}
	s := fmt.Sprintf("p%d over %s of history: %s", f.Pct, over, used)
	if f.Widen > 1 {
		s += fmt.Sprintf(", x%.2f while the history is short", f.Widen)
	}
	return s
}

// note is the noteRecFloor of f, from the noteFloor n; recOf reads it.
func (f RecFloor) note(n note) note {
	n.kind, n.n[nFloor], n.n[nPeak], n.n[nLimit] = noteRecFloor, f.Floor, int64(f.Pct), int64(math.Round(float64(f.Widen)*1e6))
	n.v[vPeak], n.v[vUp] = f.Usage, float64(f.Days)
	return n
}

func recOf(n note) RecFloor {
	return RecFloor{Floor: n.n[nFloor], Pct: uint8(n.n[nPeak]), Usage: n.v[vPeak], Days: float32(n.v[vUp]), Widen: float32(n.n[nLimit]) / 1e6}
}
