package scaling

import (
	"fmt"
	"time"
)

// Confidence: a decrease sized on the last StabilizationDown of a
// container seen for little longer than that takes away what a job that
// comes back every few hours or every night needs, and the next increase
// undoes it (a flap). So no decrease is made before the history
// (Signals.HistoryFrom) reaches back twice StabilizationDown: the quiet
// period judged, and as much again before it (SkipHistory).
//
// Bounding decreases to one Step until a day of history was tried too: on
// the built-in set (most scenarios a day long) it made many small
// decreases (actions 0.358 -> 0.415 x legacy) and did not remove a flap.

// historyHolds reports whether the history is too short for any decrease
// of u, adding the Hold when it is.
func (dc *decider) historyHolds(u utilisation, last float64) bool {
	from := dc.sig.HistoryFrom
	need := 2 * dc.r.StabilizationDown
	if from.IsZero() || !dc.now.Before(from.Add(need)) {
		return false
	}
	dc.d.hold(u.res, SkipHistory, fmt.Sprintf("%s %.2f %s but the history reaches back %s of the %s a decrease needs",
		u.label, last/u.per, u.down, dc.now.Sub(from).Round(time.Second), need))
	return true
}
