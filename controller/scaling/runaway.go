package scaling

import (
	"fmt"
	"math"
	"time"
)

// A runaway process (a busy loop after a bug) burns every core it is
// given: fed core after core it stays pinned at each allocation, and
// nothing else the container does moves with it. Real demand that pins
// the cores is either there from the start (no calm level to rise from)
// or brings memory, io or network with it. While the anomaly model finds
// the container anomalous, a growth that relieved nothing (every sample
// since it pinned) of a container whose cores rose from a calm level
// with nothing else moving is not followed by another: the cores hold,
// saying why (SkipAnomalous), and the operator sees the hold and the
// model's anomaly event. With the model off, or once the pinning stops
// or anything else moves, the ordinary rules decide.
const (
	// runawayRise is how many times its calm level the container must
	// burn now: a rise, not a load that hovers at its allocation.
	runawayRise = 2
	// runawayCalm is the least share of the window's samples that were
	// calm (below 90 % of their allocation): a level to rise from.
	runawayCalm = 0.1
	// runawayMoved is the most that memory use, io or network may have
	// risen (short period against the window) for nothing else to have
	// moved: 0.5 is +50 %, well above the noise of a steady service.
	runawayMoved = 0.5
)

// Activity is what a container's recent samples say beyond its cpu and
// memory series: its busy cores and its other activity over the short
// period and the window. The rule above and the anomaly model's last two
// features read it. The zero Activity holds nothing.
type Activity struct {
	// CoresShort and CoresLong are the mean busy cores of the short
	// period and of the window; CoresCalm that of the window's samples
	// below 90 % of their allocation, CalmShare their share of the
	// window's samples.
	CoresShort, CoresLong, CoresCalm, CalmShare float64
	// Memory use (a share of the limit), io and network rates (bytes/s),
	// means of the short period and of the window.
	MemShort, MemLong, IOShort, IOLong, NetShort, NetLong float64
}

// The floors of the ratios below, so that a rise from next to nothing is
// not taken for a large one: a twentieth of a core, a hundredth of the
// memory limit, 64 KiB/s of io or network.
const (
	coresFloor = 0.05
	memFloor   = 0.01
	rateFloor  = 64 << 10
)

// rise is log((short+floor)/(long+floor)): 0.69 for twice, negative below.
func rise(short, long, floor float64) float64 {
	return math.Log((short + floor) / (long + floor))
}

// moved is the log of 1 + Moved.
func (a Activity) moved() float64 {
	return max(0, rise(a.MemShort, a.MemLong, memFloor), rise(a.IOShort, a.IOLong, rateFloor), rise(a.NetShort, a.NetLong, rateFloor))
}

// Moved is the largest rise of memory use, io and network rates over the
// short period against the window: 0.3 is +30 %, 0 when none rose.
func (a Activity) Moved() float64 { return math.Expm1(a.moved()) }

// CPUAlone is the rise of the busy cores over the window's mean beyond
// the largest rise of the rest, in log terms: about 0 for demand, which
// brings memory, io or network with it, and for a steady load; log 4
// (1.4) for a service of half a core that spins at two. Never below 0:
// a fall says nothing of a runaway, and with most training rows at 0 the
// forest isolates a rise in one split (with the falls in, its splits
// mostly cut below the bulk, where the rise stays).
func (a Activity) CPUAlone() float64 {
	return max(0, rise(a.CoresShort, a.CoresLong, coresFloor)-a.moved())
}

// CPUAboveCalm is CPUAlone against the calm level instead of the mean,
// which soon forgets the level the container ran at before it was
// pinned; 0 while fewer than runawayCalm of the window's samples were
// calm.
func (a Activity) CPUAboveCalm() float64 {
	if !(a.CalmShare >= runawayCalm) {
		return 0
	}
	return max(0, rise(a.CoresShort, a.CoresCalm, coresFloor)-a.moved())
}

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
	busy, since := newest.Value*float64(u.cur), dc.st.Runaway
	moved := a.Moved()
	if since.IsZero() {
		if dc.sig.AnomalousSince.IsZero() || !(a.CalmShare >= runawayCalm) || !(busy >= runawayRise*a.CoresCalm) {
			return false
		}
		since = dc.now
	}
	if !(moved < runawayMoved) || dc.stillPinned(u, newest) == 0 {
		return false
	}
	last := dc.st.LastAction[ResourceCores]
	dc.d.Runaway = since
	dc.d.hold(ResourceCores, SkipAnomalous, fmt.Sprintf(
		"cpu pinned at %d cores as at %d, %.1f busy, while memory, io and network did not move (%+.0f %% at most): a runaway process? Cores held since %s (anomaly score %.2f)",
		u.cur, last.From, busy, 100*moved, since.UTC().Format(time.RFC3339), dc.sig.Score))
	return true
}
