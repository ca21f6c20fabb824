package scaling

import (
	"fmt"
	"math"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/recfloor"
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
// a diurnal container's day size all night; and for cores by what the
// last recfloor.After needed once the floor is stale (recfloor.Cap): a
// level that lasted most of the history holds as long again after it.
func (dc *decider) withRecommendation(u utilisation) utilisation {
	rh, ok := dc.sig.History.(Recommender)
	if !ok {
		return u
	}
	f, ok := rh.Floor(u.res, dc.r, u.cur)
	if most := dc.recurring(u, seasonAhead).Most; ok && most > 0 && dc.r.Need(u.res, most) < f.Floor {
		f = RecFloor{Floor: dc.r.Need(u.res, most), Usage: most, Pct: recfloor.HourAhead}
	}
	if ok && u.res == ResourceCores {
		if recent, _ := dc.sig.History.Highest(recfloor.After); recent > 0 {
			if c, stale := recfloor.Cap(f.Floor, dc.r.Need(u.res, recent), u.step, f.Days); stale {
				f = RecFloor{Floor: c, Usage: recent, Pct: recfloor.Stale}
			}
		}
	}
	if ok && f.Floor > u.floor {
		u.floor, u.rec, u.season = f.Floor, f, Recurring{}
	}
	return u
}

// text is recfloor.Text of f with its usage in res's unit.
func (f RecFloor) text(res Resource) string {
	used := fmt.Sprintf("%.2f cores busy", f.Usage)
	if res != ResourceCores {
		used = fmt.Sprintf("%d MiB used", sat.CeilMiB(uint64(min(f.Usage, math.MaxUint64/2))))
	}
	return recfloor.Text(used, f.Pct, f.Days, f.Widen)
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
