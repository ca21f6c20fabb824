package activity

import "math"

// CalmMin is the least share of the window's samples that were calm
// (below 90 % of their allocation) for a calm level to rise from.
const CalmMin = 0.1

// Activity is what a container's recent samples say beyond its cpu and
// memory series: its busy cores and its other activity over the short
// period and the window. The zero Activity holds nothing.
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

// Rise is log((short+floor)/(long+floor)): 0.69 for twice, negative below.
func Rise(short, long, floor float64) float64 {
	return math.Log((short + floor) / (long + floor))
}

// moved is the log of 1 + Moved.
func (a Activity) moved() float64 {
	return max(0, Rise(a.MemShort, a.MemLong, memFloor), Rise(a.IOShort, a.IOLong, rateFloor), Rise(a.NetShort, a.NetLong, rateFloor))
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
func (a Activity) CPUAlone() float64 { return a.alone(a.moved()) }

func (a Activity) alone(moved float64) float64 {
	return max(0, Rise(a.CoresShort, a.CoresLong, coresFloor)-moved)
}

// CPUAboveCalm is CPUAlone against the calm level instead of the mean,
// which soon forgets the level the container ran at before it was
// pinned; 0 while fewer than CalmMin of the window's samples were
// calm.
func (a Activity) CPUAboveCalm() float64 {
	if !(a.CalmShare >= CalmMin) {
		return 0
	}
	return a.aboveCalm(a.moved())
}

func (a Activity) aboveCalm(moved float64) float64 {
	return max(0, Rise(a.CoresShort, a.CoresCalm, coresFloor)-moved)
}

// CPURises are CPUAlone and CPUAboveCalm with what the rest moved taken
// once (three logs fewer): the model's vector reads both of every
// container every pass.
func (a Activity) CPURises() (alone, aboveCalm float64) {
	m := a.moved()
	if alone = a.alone(m); a.CalmShare >= CalmMin {
		aboveCalm = a.aboveCalm(m)
	}
	return alone, aboveCalm
}

// RateRise is the larger rise of io and network over the short period
// against the window, in log terms (log 1.5 for +50 %).
func (a Activity) RateRise() float64 {
	return max(Rise(a.IOShort, a.IOLong, rateFloor), Rise(a.NetShort, a.NetLong, rateFloor))
}
