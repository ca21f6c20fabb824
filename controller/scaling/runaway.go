package scaling

import (
	"fmt"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/activity"
)

// A runaway process (a busy loop after a bug) burns every core it is
// given: fed core after core it stays pinned at each allocation, and
// nothing else the container does moves with it. Real demand that pins
// the cores is either there from the start (no calm level to rise from)
// or brings memory, io or network with it. While the anomaly model finds
// the container anomalous, cores pinned before a growth and after it
// (every sample since), both allocations a rise from a calm level, with
// nothing else moving, are not grown again: the cores hold, saying why
// (SkipAnomalous), and the operator sees the hold and the model's
// anomaly event. Demand that rose just past an allocation shrunk in a
// quiet hour is pinned at one allocation only, and the next step
// relieves it. With the model off, or once the pinning stops or anything
// else moves, the ordinary rules decide.
const (
	// runawayRise is how many times its calm level the container must
	// burn now: a rise, not a load that hovers at its allocation.
	runawayRise = 2
	// runawayCalm is the least share of the window's samples that were
	// calm (below 90 % of their allocation): a level to rise from.
	runawayCalm = activity.CalmMin
	// runawayMoved is the most that memory use, io or network may have
	// risen (short period against the window) for nothing else to have
	// moved: 0.5 is +50 %, well above the noise of a steady service.
	runawayMoved = 0.5
)

// Activity is what a container's recent samples say beyond its cpu and
// memory series (controller/scaling/activity): the rule above, fast
// relief's jumps and the anomaly model's last two features read it.
type Activity = activity.Activity

// runaway holds cores that a runaway process pins (see above) and
// reports whether it did. The first hold needs the model's verdict and a
// calm level in the window to rise from; it is then remembered
// (ContainerState.Runaway, through Decision.Runaway), so that the hold
// lasts while the evidence does, after the window has forgotten the calm
// level and the model, retrained on the runaway, has got used to it.
func (dc *decider) runaway(u utilisation, newest Point) bool {
	a := dc.sig.Activity
	// Without io or network rates (a trace without them) that they did
	// not move is no evidence.
	if u.res != ResourceCores || !(newest.Value >= pinnedShare) || !(a.IOLong > 0 || a.NetLong > 0) {
		return false
	}
	busy, since, last, moved := newest.Value*float64(u.cur), dc.st.Runaway, dc.st.LastAction[ResourceCores], a.Moved()
	if since.IsZero() {
		if rise := runawayRise * a.CoresCalm; dc.sig.AnomalousSince.IsZero() || !(a.CalmShare >= runawayCalm) || !(busy >= rise) || !(float64(last.From) >= rise) {
			return false
		}
		since = dc.now
	}
	if !(moved < runawayMoved) || dc.stillPinned(u, newest) == 0 {
		return false
	}
	dc.d.Runaway = since
	dc.d.hold(ResourceCores, SkipAnomalous, fmt.Sprintf(
		"cpu pinned at %d cores as at %d, %.1f busy, while memory, io and network did not move (%+.0f %% at most): a runaway process? Cores held since %s (anomaly score %.2f)",
		u.cur, last.From, busy, 100*moved, since.UTC().Format(time.RFC3339), dc.sig.Score))
	return true
}
