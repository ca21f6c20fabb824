package recfloor

import (
	"fmt"
	"math"
	"time"
)

const (
	// After is how long cores must have stayed clear of the history's
	// floor for it to be stale, and how far back its replacement looks.
	// 2 and 3 hours let go of floors that a JVM's collections or a
	// daily cycle came back to (more actions and flaps on week-long
	// traces); 6 hours let go of fewer.
	After = 4 * time.Hour
	// MinSteps is the fewest steps a stale floor must free to be let go.
	MinSteps = 2
	// Stale is the percentile a floor set by Cap reports.
	Stale = math.MaxUint8
	// HourAhead is the percentile of a floor capped by what the hour
	// ahead needed on every day known.
	HourAhead = 0
)

// Cap is the floor of a decrease of cores when the history's floor,
// with days of history, is stale: need (what the most of the last After
// needs, 0 when unknown) when the history reaches back more than twice
// After and need is at least MinSteps steps below floor; ok false, and
// floor, otherwise.
func Cap(floor, need, step int64, days float32) (int64, bool) {
	if need <= 0 || float64(days)*24 <= 2*After.Hours() || need > floor-MinSteps*step {
		return floor, false
	}
	return need, true
}

// Text says what set a decrease's floor from the usage history, from
// used (the usage quoted, "1.70 cores busy"): "p50 over 3.2 days of
// history: 1.70 cores busy", "the next hour's most on every day known:
// 0.60 cores busy", "the most of the last 4h0m0s, the history's p50 not
// needed since: 0.12 cores busy".
func Text(used string, pct uint8, days, widen float32) string {
	switch pct {
	case HourAhead:
		return "the next hour's most on every day known: " + used
	case Stale:
		return fmt.Sprintf("the most of the last %s, the history's percentile not needed since: %s", After, used)
	}
	over := fmt.Sprintf("%.1f days", days)
	if days < 1 { // "0.0 days" says nothing
		over = time.Duration(float64(days) * 24 * float64(time.Hour)).Round(time.Minute).String()
	}
	s := fmt.Sprintf("p%d over %s of history: %s", pct, over, used)
	if widen > 1 {
		s += fmt.Sprintf(", x%.2f while the history is short", widen)
	}
	return s
}
