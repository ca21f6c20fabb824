package scaling

import (
	"fmt"
	"math"
	"time"
)

// mib is the unit of the memory and swap values of Allocation and Change.
const mib = 1 << 20

// Decide concludes what to do with one container at now, from its
// signals, the rules of its policy (named policy, "" for the default
// rules) and what the controller remembers of it. It is pure: no clock, no
// I/O, the same inputs give the same Decision.
//
// Every resource whose rules are enabled is looked at; a disabled resource
// gets neither a Change nor a Hold, so that turning a resource off does not
// fill the skip metrics. A resource that a threshold asks to change and
// that is not changed gets a Hold with its reason; one that no threshold
// asks about gets nothing. A stopped container gets a SkipNotRunning Hold
// per enabled resource and no change.
//
// Cores and memory follow the utilisation (thresholds inclusive: >= Up,
// <= Down). The newest point says which way the container leans; the
// change happens once every point of the last StabilizationUp (Down) is
// past the threshold and the series reaches back that far (see
// Series.Sustained), else the Hold is SkipStabilizing. The target is the
// current value plus or minus Step, clamped to [Min, Max]; with a Target
// utilisation it moves by as many Steps as it takes for the period's peak
// to use about Target of the new value (an increase: at least that much; a
// decrease: no further), so that a container far off its size gets there
// in one change instead of one Step per cooldown.
//
// An allocation outside [Min, Max] (set before the policy, by hand, or on a
// node with fewer threads than Max) is brought to the bound in one change,
// whatever the utilisation, after the cooldown of that direction: below Min
// up to Min; above Max down to Max, unless the container is anomalous or
// its floor is above Max (then it holds, saying so). No change ever lands
// outside [Min, Max].
//
// Memory never goes down below max(MemoryPeak, the series' peak) + Margin
// (rounded up to a MiB); a decrease stops at that floor, and none happens
// when the floor is not below the current limit (SkipMemoryFloor). Cores
// likewise never go down to where CPUPeak, the most the window's hour
// used, would reach the up threshold (SkipCPUFloor): a burst or a batch
// job that comes back within the hour finds its cores, and a decrease is
// not undone by the next one. Memory
// steps and bounds are bytes, rounded to whole MiB: steps and minimums up,
// maximums down, so that a change never passes a bound.
//
// While the container is anomalous (sig.AnomalousSince set) cores and
// memory never go down (SkipAnomalous). When it has been anomalous for at
// least anomalyRise and its utilisation has been >= Up all that time, an
// increase does not wait for StabilizationUp. anomalyRise <= 0 turns that
// fast path off.
//
// Swap, when enabled, is Ratio x the memory this decision leaves the
// container with, clamped to [Min, Max] and rounded to a MiB; it changes
// whenever it differs from the allocation, in its own direction (which is
// the memory's whenever swap was already following memory).
//
// The disk grows from Alloc.DiskBytes (the configured size) by Step (a
// smaller last step up to Max) as soon as DiskUsed / DiskSize (both as the
// listing shows them: df while running) is >= Threshold: a filling disk
// cannot wait for stabilisation. It never shrinks.
//
// Cooldowns apply to every resource: no increase while the last action on
// the resource is less than CooldownUp old, no decrease while it is less
// than CooldownDown old (SkipCooldown); at exactly the cooldown the change
// is allowed.
//
// Cores never go above CoresMax (the node's threads, ceil(cpulimit)) even
// when the policy's Max is higher, and a decrease from above it lands at or
// below it. Cores that the administrator chose to leave unset or to cap
// with cpulimit (CoresUnmanaged), or with no allocation (Alloc.Cores 0),
// are left alone (SkipUnmanaged). A series with no point at or before now,
// or an allocation of 0, is SkipNoData.
func Decide(sig Signals, policy string, r Rules, st ContainerState, now time.Time, anomalyRise time.Duration) Decision {
	d := Decision{
		VMID:   sig.VMID,
		Node:   sig.Node,
		Policy: policy,
		Mode:   r.Mode,
		Score:  sig.Score,
	}
	if !sig.Running {
		for _, res := range Resources {
			if r.enabled(res) {
				d.hold(res, SkipNotRunning, "the container is not running")
			}
		}
		return d
	}
	dc := decider{sig: sig, r: r, st: st, now: now, anomalyRise: anomalyRise, d: d}
	if r.CPU.Enabled {
		dc.cores()
	}
	memoryMiB := int64(sig.Alloc.MemoryMiB)
	if r.Memory.Enabled {
		memoryMiB = dc.memory()
	}
	if r.Swap.Enabled {
		dc.swap(memoryMiB)
	}
	if r.Disk.Enabled {
		dc.disk()
	}
	return dc.d
}

// enabled reports whether r looks at res.
func (r Rules) enabled(res Resource) bool {
	switch res {
	case ResourceCores:
		return r.CPU.Enabled
	case ResourceMemory:
		return r.Memory.Enabled
	case ResourceSwap:
		return r.Swap.Enabled
	case ResourceDisk:
		return r.Disk.Enabled
	}
	return false
}

func (d *Decision) hold(res Resource, reason SkipReason, detail string) {
	d.Holds = append(d.Holds, Hold{Resource: res, Reason: reason, Detail: detail})
}

func (d *Decision) change(res Resource, from, to int64, reason string) {
	dir := Up
	if to < from {
		dir = Down
	}
	d.Changes = append(d.Changes, Change{Resource: res, Direction: dir, From: from, To: to, Reason: reason})
}

// decider holds the inputs of one Decide call.
type decider struct {
	sig         Signals
	r           Rules
	st          ContainerState
	now         time.Time
	anomalyRise time.Duration
	d           Decision // what Decide returns
}

// utilisation describes one resource that follows a utilisation series:
// cores or memory.
type utilisation struct {
	res   Resource
	label string // how reasons name the utilisation: "cpu", "memory"
	unit  string // how reasons name the resource's unit: "cores", "MiB"
	// series and the thresholds are in the same unit; per divides a series
	// value into the utilisation that reasons quote.
	series   Series
	up, down Threshold
	per      float64
	// cur, step and the bounds are in the resource's unit.
	cur, step, min, max int64
	// target is the utilisation a change sizes for (0: one step).
	target float64
	// floor is the lowest value a decrease may reach, 0 for none: for
	// memory the peak plus the margin, rounded up (peak and margin are its
	// parts), for cores the fewest under which the window's peak (cpuPeak)
	// stays below the up threshold.
	floor, peak, margin int64
	cpuPeak             float64
}

// floorDetail says where the floor comes from.
func (u utilisation) floorDetail() string {
	if u.res == ResourceCores {
		return fmt.Sprintf("the floor %d cores (the window's peak %.2f cores stays below %.2f of them)", u.floor, u.cpuPeak, u.up.Bound)
	}
	return fmt.Sprintf("the floor %d %s (peak %d + margin %d)", u.floor, u.unit, u.peak, u.margin)
}

// floorReason is the Hold reason of a decrease the floor forbids.
func (u utilisation) floorReason() SkipReason {
	if u.res == ResourceCores {
		return SkipCPUFloor
	}
	return SkipMemoryFloor
}

func (dc *decider) cores() {
	cur := int64(dc.sig.Alloc.Cores)
	if dc.sig.CoresUnmanaged != "" {
		dc.d.hold(ResourceCores, SkipUnmanaged, dc.sig.CoresUnmanaged)
		return
	}
	if cur <= 0 {
		dc.d.hold(ResourceCores, SkipUnmanaged, "cores are not set: the container may use every core of its node")
		return
	}
	c := dc.r.CPU
	most := int64(c.Max)
	if m := int64(dc.sig.CoresMax); m > 0 && m < most {
		most = m
	}
	var floor int64
	if peak := dc.sig.CPUPeak; peak > 0 && c.Up > 0 { // NaN compares false
		floor = int64(min(math.Floor(peak/c.Up)+1, math.MaxInt32))
	}
	dc.scale(utilisation{
		res: ResourceCores, label: "cpu", unit: "cores",
		series: dc.sig.CPU, up: AtLeast(c.Up), down: AtMost(c.Down), per: 1,
		cur: cur, step: int64(c.Step), min: min(int64(c.Min), most), max: most, target: c.Target,
		floor: floor, cpuPeak: dc.sig.CPUPeak,
	})
}

// memory decides the memory limit and returns the limit the container is
// left with, in MiB.
func (dc *decider) memory() int64 {
	cur := int64(dc.sig.Alloc.MemoryMiB)
	if cur <= 0 {
		dc.d.hold(ResourceMemory, SkipNoData, "the memory limit is unknown")
		return cur
	}
	m := dc.r.Memory
	limit := float64(cur) * mib
	series := dc.sig.Memory.Until(dc.now)
	peak := dc.sig.MemoryPeak
	if p := series.Max(); p > float64(peak) { // NaN compares false
		peak = uint64(p)
	}
	// The thresholds are turned into bytes of the current limit rather than
	// the series into ratios, so that no series is copied.
	return dc.scale(utilisation{
		res: ResourceMemory, label: "memory", unit: "MiB",
		series: series, up: AtLeast(m.Up * limit), down: AtMost(m.Down * limit), per: limit,
		cur: cur, step: ceilMiB(m.Step), min: ceilMiB(m.Min), max: floorMiB(m.Max), target: m.Target,
		floor: ceilMiB(satAdd(peak, m.Margin)), peak: ceilMiB(peak), margin: ceilMiB(m.Margin),
	})
}

// scale decides one utilisation-driven resource and returns the value it
// is left with.
func (dc *decider) scale(u utilisation) int64 {
	series := u.series.Until(dc.now)
	last, ok := series.Last()
	if !ok {
		dc.d.hold(u.res, SkipNoData, "no "+u.label+" sample yet")
		return u.cur
	}
	switch {
	case u.cur > u.max:
		return dc.bringDown(u)
	case u.cur < u.min:
		return dc.bringUp(u)
	case u.up.Passed(last.Value):
		return dc.scaleUp(u, series, last.Value)
	case u.down.Passed(last.Value):
		return dc.scaleDown(u, series, last.Value)
	}
	return u.cur
}

func (dc *decider) scaleUp(u utilisation, series Series, last float64) int64 {
	target := clamp(satAdd64(u.cur, u.step), u.min, u.max)
	if target <= u.cur {
		dc.d.hold(u.res, SkipAtLimit, fmt.Sprintf("%s %.2f %s but %d %s is at or above the max %d", u.label, last/u.per, dc.quote(u, u.up), u.cur, u.unit, u.max))
		return u.cur
	}
	wait := dc.r.StabilizationUp
	var reason string
	switch {
	case series.Sustained(dc.now, wait, u.up):
		reason = dc.sustainedReason(u, u.up, series, wait)
	case dc.anomalousRise(series, u.up):
		reason = fmt.Sprintf("%s, anomalous for %s: not waiting for the %s stabilisation",
			dc.sustainedReason(u, u.up, series, dc.anomalyRise), dc.now.Sub(dc.sig.AnomalousSince).Round(time.Second), wait)
		wait = dc.anomalyRise
	default:
		dc.d.hold(u.res, SkipStabilizing, dc.stabilisingDetail(u, u.up, series, last, wait))
		return u.cur
	}
	if dc.coolingDown(u.res, Up) {
		return u.cur
	}
	if target > satAdd64(u.cur, u.step) {
		reason += fmt.Sprintf(" (raised to the min %d)", u.min)
	}
	if sized := clamp(u.sizeUp(series.Window(dc.now, wait).Max()), u.min, u.max); sized > target {
		target = sized
		reason += u.sizedDetail()
	}
	dc.d.change(u.res, u.cur, target, reason)
	return target
}

func (dc *decider) scaleDown(u utilisation, series Series, last float64) int64 {
	target := clamp(u.cur-u.step, u.min, u.max)
	if target >= u.cur {
		dc.d.hold(u.res, SkipAtLimit, fmt.Sprintf("%s %.2f %s but %d %s is at or below the min %d", u.label, last/u.per, dc.quote(u, u.down), u.cur, u.unit, u.min))
		return u.cur
	}
	if !dc.sig.AnomalousSince.IsZero() {
		dc.d.hold(u.res, SkipAnomalous, fmt.Sprintf("%s %.2f %s but the container is anomalous (score %.2f)", u.label, last/u.per, dc.quote(u, u.down), dc.sig.Score))
		return u.cur
	}
	if u.floor > 0 && u.floor >= u.cur {
		dc.d.hold(u.res, u.floorReason(), fmt.Sprintf("%s %.2f %s but %d %s is at or below %s", u.label, last/u.per, dc.quote(u, u.down), u.cur, u.unit, u.floorDetail()))
		return u.cur
	}
	wait := dc.r.StabilizationDown
	if !series.Sustained(dc.now, wait, u.down) {
		dc.d.hold(u.res, SkipStabilizing, dc.stabilisingDetail(u, u.down, series, last, wait))
		return u.cur
	}
	if dc.coolingDown(u.res, Down) {
		return u.cur
	}
	reason := dc.sustainedReason(u, u.down, series, wait)
	if sized := clamp(u.sizeDown(series.Window(dc.now, wait).Max()), u.min, u.max); sized < target {
		target = sized
		reason += u.sizedDetail()
	}
	if u.floor > 0 && target < u.floor {
		target = u.floor
		reason += " (stopped at " + u.floorDetail() + ")"
	}
	dc.d.change(u.res, u.cur, target, reason)
	return target
}

// bringDown moves an allocation above the policy's max (set before the
// policy, or a node with fewer threads) to the max in one change, whatever
// the utilisation: the max is the operator's word. It waits for the down
// cooldown and while the container is anomalous, and holds, saying why,
// when the floor (the window's peak) is above the max: a write that lands
// between the two would still break the bound, and one below the floor
// would starve the container.
func (dc *decider) bringDown(u utilisation) int64 {
	if !dc.sig.AnomalousSince.IsZero() {
		dc.d.hold(u.res, SkipAnomalous, fmt.Sprintf("%d %s is above the max %d but the container is anomalous (score %.2f)", u.cur, u.unit, u.max, dc.sig.Score))
		return u.cur
	}
	if u.floor > u.max {
		dc.d.hold(u.res, u.floorReason(), fmt.Sprintf("%d %s is above the max %d but %s is above it too", u.cur, u.unit, u.max, u.floorDetail()))
		return u.cur
	}
	if dc.coolingDown(u.res, Down) {
		return u.cur
	}
	dc.d.change(u.res, u.cur, u.max, fmt.Sprintf("%d %s is above the max %d", u.cur, u.unit, u.max))
	return u.max
}

// bringUp moves an allocation below the policy's min to the min in one
// change, whatever the utilisation, after the up cooldown.
func (dc *decider) bringUp(u utilisation) int64 {
	if dc.coolingDown(u.res, Up) {
		return u.cur
	}
	dc.d.change(u.res, u.cur, u.min, fmt.Sprintf("%d %s is below the min %d", u.cur, u.unit, u.min))
	return u.min
}

// sizeUp is the value an increase sizes for: the current value plus as
// many steps as it takes for peak (a series value) to use at most target
// of it; cur+step without a target.
func (u utilisation) sizeUp(peak float64) int64 {
	steps := int64(1)
	if need := u.need(peak); u.target > 0 && need > float64(u.cur+u.step) {
		// Capped so that an absurd need (a tiny target) cannot overflow;
		// the caller clamps to max anyway.
		steps = int64(min(math.Ceil((need-float64(u.cur))/float64(u.step)), math.MaxInt32))
	}
	return satAdd64(u.cur, satMul64(steps, u.step))
}

// sizeDown is the value a decrease sizes for: the current value minus as
// many steps as keep peak (a series value) within target of it, at least
// one; cur-step without a target.
func (u utilisation) sizeDown(peak float64) int64 {
	steps := int64(1)
	if need := u.need(peak); u.target > 0 && need < float64(u.cur-u.step) {
		steps = max(1, int64((float64(u.cur)-need)/float64(u.step)))
	}
	return u.cur - satMul64(steps, u.step)
}

// need is how much of the resource uses target of it at the series value
// v. NaN (no data) needs nothing beyond one step either way.
func (u utilisation) need(v float64) float64 {
	n := v / u.per * float64(u.cur) / u.target
	if math.IsNaN(n) || u.target <= 0 {
		return float64(u.cur)
	}
	return n
}

func (u utilisation) sizedDetail() string {
	return fmt.Sprintf(" (sized for %s %.2f)", u.label, u.target)
}

// anomalousRise reports whether the container has been anomalous for at
// least anomalyRise and its utilisation past up over that same period:
// the fast path that skips the scale-up stabilisation.
func (dc *decider) anomalousRise(series Series, up Threshold) bool {
	if dc.anomalyRise <= 0 || dc.sig.AnomalousSince.IsZero() {
		return false
	}
	if dc.now.Sub(dc.sig.AnomalousSince) < dc.anomalyRise {
		return false
	}
	return series.Sustained(dc.now, dc.anomalyRise, up)
}

// quote is a threshold as reasons show it: in the utilisation's terms.
func (dc *decider) quote(u utilisation, t Threshold) string {
	return Threshold{Bound: t.Bound / u.per, Below: t.Below}.String()
}

// sustainedReason: "cpu 0.91 >= 0.75 for 1m0s", quoting the value of the
// period closest to the threshold.
func (dc *decider) sustainedReason(u utilisation, t Threshold, series Series, d time.Duration) string {
	v := t.weakest(series.Window(dc.now, d)) / u.per
	if d <= 0 {
		return fmt.Sprintf("%s %.2f %s", u.label, v, dc.quote(u, t))
	}
	return fmt.Sprintf("%s %.2f %s for %s", u.label, v, dc.quote(u, t), d)
}

// stabilisingDetail: "cpu 0.91 >= 0.75 for 20s of 1m0s".
func (dc *decider) stabilisingDetail(u utilisation, t Threshold, series Series, last float64, d time.Duration) string {
	return fmt.Sprintf("%s %.2f %s for %s of %s", u.label, last/u.per, dc.quote(u, t), series.Streak(dc.now, t).Round(time.Second), d)
}

// coolingDown reports whether res is in its cooldown for dir, adding the
// Hold when it is.
func (dc *decider) coolingDown(res Resource, dir Direction) bool {
	last, ok := dc.st.LastAction[res]
	if !ok {
		return false
	}
	wait := dc.r.CooldownUp
	if dir == Down {
		wait = dc.r.CooldownDown
	}
	if !last.Time.Add(wait).After(dc.now) {
		return false
	}
	dc.d.hold(res, SkipCooldown, fmt.Sprintf("%s wanted %s, last change %s ago, cooldown %s", res, dir, dc.now.Sub(last.Time).Round(time.Second), wait))
	return true
}

// swap makes swap follow memoryMiB, the memory limit this decision leaves.
func (dc *decider) swap(memoryMiB int64) {
	if memoryMiB <= 0 {
		dc.d.hold(ResourceSwap, SkipNoData, "the memory limit is unknown")
		return
	}
	s := dc.r.Swap
	want := int64(math.Round(s.Ratio * float64(memoryMiB)))
	target := clamp(want, ceilMiB(s.Min), floorMiB(s.Max))
	cur := int64(dc.sig.Alloc.SwapMiB)
	if target == cur {
		return
	}
	dir := Up
	if target < cur {
		dir = Down
	}
	if dc.coolingDown(ResourceSwap, dir) {
		return
	}
	reason := fmt.Sprintf("swap follows memory: %.2f x %d MiB", s.Ratio, memoryMiB)
	if target != want {
		reason += fmt.Sprintf(" within [%d, %d] MiB", ceilMiB(s.Min), floorMiB(s.Max))
	}
	dc.d.change(ResourceSwap, cur, target, reason)
}

// disk grows the root filesystem when it is filling up.
func (dc *decider) disk() {
	size := dc.sig.Alloc.DiskBytes
	fs := dc.sig.DiskSize
	if fs == 0 {
		fs = size
	}
	if size == 0 || fs == 0 {
		dc.d.hold(ResourceDisk, SkipNoData, "the root filesystem size is unknown")
		return
	}
	k := dc.r.Disk
	used := float64(dc.sig.DiskUsed) / float64(fs)
	t := AtLeast(k.Threshold)
	if !t.Passed(used) {
		return
	}
	if size >= k.Max || k.Step == 0 {
		dc.d.hold(ResourceDisk, SkipAtLimit, fmt.Sprintf("disk %.2f %s but the root filesystem (%d bytes) cannot grow past the max %d", used, t, size, k.Max))
		return
	}
	target := k.Max
	if k.Step < k.Max-size {
		target = size + k.Step
	}
	if dc.coolingDown(ResourceDisk, Up) {
		return
	}
	dc.d.change(ResourceDisk, clampInt64(size), clampInt64(target), fmt.Sprintf("disk %.2f %s", used, t))
}

func clamp(v, lo, hi int64) int64 { return min(max(v, lo), hi) }

// satAdd64 adds without wrapping past the largest int64.
func satAdd64(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// satMul64 multiplies non-negative values without wrapping past the
// largest int64.
func satMul64(a, b int64) int64 {
	if a != 0 && b > math.MaxInt64/a {
		return math.MaxInt64
	}
	return a * b
}

// satAdd adds without wrapping past the largest uint64.
func satAdd(a, b uint64) uint64 {
	if a > math.MaxUint64-b {
		return math.MaxUint64
	}
	return a + b
}

func clampInt64(v uint64) int64 { return int64(min(v, math.MaxInt64)) }

// ceilMiB is bytes in whole MiB, rounded up.
func ceilMiB(b uint64) int64 { return clampInt64(b/mib + min(b%mib, 1)) }

// floorMiB is bytes in whole MiB, rounded down.
func floorMiB(b uint64) int64 { return clampInt64(b / mib) }
