package scaling

import (
	"fmt"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/trend"
)

// Hold is a resource the decision looked at and left alone, and why.
//
// What it says (Detail) is kept as the numbers it is made of and
// formatted only when asked: a pass over thousands of containers holds
// thousands of resources, counts them all and shows or logs few of them,
// and formatting every one cost more than deciding.
type Hold struct {
	Resource Resource
	Reason   SkipReason
	// Text is the detail when it was given as text (a plain sentence, or a
	// hold made outside this package); when it is empty, Detail formats the
	// numbers Decide or the guard kept.
	Text string
	note note
}

// Detail says why the resource was held, in a few words: "cpu 0.91 >= 0.75
// for 20s of 1m0s".
func (h Hold) Detail() string {
	if h.Text != "" {
		return h.Text
	}
	return h.note.format(h.Resource)
}

// noteKind says which sentence a note is; the zero note says nothing.
type noteKind uint8

const (
	// A utilisation past a threshold, and what stops the change:
	noteAtLimit     noteKind = iota + 1 // the allocation is at the max (up) or the min (down)
	noteStabilising                     // not past it for long enough
	noteFloor                           // a decrease the floor forbids
	// An allocation above the policy's max that stays:
	noteAboveMaxFloor
	noteCooldown   // too soon after the last action
	noteDiskAtMax  // a full disk that cannot grow
	noteNodeRoom   // the guard: the node has no room (or is unknown)
	noteWriteLimit // the guard: the pass has used its writes
	// A decrease a recurring peak's floor forbids (season.go): nFloor,
	// and the peak in vPeak, its time of day in nLimit, seen (and the
	// DayClass above 16 bits) and days in nPeak and nMargin.
	noteSeasonFloor
	// A decrease the recommendation's floor forbids (recommend.go): nFloor,
	// and the RecFloor (recommend.go: note).
	noteRecFloor
	// Decreases held by pressure (pressure.go: vPSI, its name in node),
	// by the trend's floor (trend.go: slope an hour in vPeak, vUp, nFloor,
	// the cooldown in nWait), or freeing almost nothing (nFloor).
	notePressure
	noteTrend
	noteFreesLittle
	noteTight // a decrease past the target into the last day's most (vPeak; nFloor, vUp: decide_sizing.go)
)

// note is what a Hold's detail is made of: which sentence (kind) and its
// numbers. What each slot holds depends on the kind (see the constructors
// below and format); label and unit come from the resource.
type note struct {
	kind noteKind
	// below is set for an AtMost threshold, a cooldown or a write of a
	// decrease.
	below bool
	v     [4]float64
	n     [5]int64
	node  string
}

// labelUnit is how sentences name a resource's utilisation and its unit.
func labelUnit(res Resource) (label, unit string) {
	if res == ResourceCores {
		return "cpu", "cores"
	}
	return "memory", "MiB"
}

// Slots of the utilisation notes.
const (
	vValue   = 0 // the utilisation quoted
	vBound   = 1 // the threshold, in the utilisation's terms
	vScore   = 2 // the anomaly score
	vPSI     = 2 // a pressure, percent
	vPeak    = 2 // the window's cpu peak, in a floor
	vUp      = 3 // the cores' up threshold, in a floor
	nCur     = 0 // the allocation
	nLimit   = 1 // the max or min; or a duration
	nFloor   = 2 // the floor
	nPeak    = 3 // memory's peak, MiB, in a floor
	nMargin  = 4 // memory's margin, MiB, in a floor
	nStreak  = 0 // how long past the threshold, rounded to seconds
	nWait    = 1 // the stabilisation or cooldown
	nUndone  = 2 // a down cooldown's doublings (undone.go)
	vDelta   = 0 // the guard: the increase asked for
	vGiven   = 1 // the guard: what the node has given
	vAllowed = 2 // the guard: what it may give
	vOver    = 3 // the guard: the overcommit
	nTotal   = 0 // the guard: the node's threads or MiB
	nReserve = 1 // the guard: the reserve
)

func (n note) format(res Resource) string {
	label, unit := labelUnit(res)
	quoted := func() string { return Threshold{Bound: n.v[vBound], Below: n.below}.String() }
	switch n.kind {
	case noteAtLimit:
		if n.below {
			return fmt.Sprintf("%s %.2f %s but %d %s is at or below the min %d", label, n.v[vValue], quoted(), n.n[nCur], unit, n.n[nLimit])
		}
		return fmt.Sprintf("%s %.2f %s but %d %s is at or above the max %d", label, n.v[vValue], quoted(), n.n[nCur], unit, n.n[nLimit])
	case noteStabilising:
		return fmt.Sprintf("%s %.2f %s for %s of %s", label, n.v[vValue], quoted(), time.Duration(n.n[nStreak]), time.Duration(n.n[nWait]))
	case noteFloor:
		return fmt.Sprintf("%s %.2f %s but %d %s is at or below %s", label, n.v[vValue], quoted(), n.n[nCur], unit, n.floorText(res))
	case noteSeasonFloor:
		rec := Recurring{Peak: n.v[vPeak], At: time.Duration(n.n[nLimit]), Seen: int(n.n[nPeak] & 0xffff), Days: int(n.n[nMargin]), Class: DayClass(n.n[nPeak] >> 16)}
		return fmt.Sprintf("%s %.2f %s but %d %s is at or below the floor for %s", label, n.v[vValue], quoted(), n.n[nCur], unit, seasonText(res, n.n[nFloor], rec))
	case noteRecFloor:
		return fmt.Sprintf("%s %.2f %s but %d %s is at or below the floor %d %s (%s)", label, n.v[vValue], quoted(), n.n[nCur], unit, n.n[nFloor], unit, recOf(n).text(res))
	case notePressure:
		return fmt.Sprintf("%s %.2f %s but %s pressure is %.1f %% (>= %.0f %%)", label, n.v[vValue], quoted(), n.node, n.v[vPSI], pressureVeto)
	case noteTrend:
		return fmt.Sprintf("%s %.2f %s but %s", label, n.v[vValue], quoted(), trend.Text(unit, n.v[vPeak], n.v[vUp], n.n[nFloor], time.Duration(n.n[nWait])))
	case noteFreesLittle:
		return fmt.Sprintf("%s %.2f %s but a decrease to %d %s frees %d %s, less than a step and a fifth of the limit", label, n.v[vValue], quoted(), n.n[nFloor], unit, n.n[nCur]-n.n[nFloor], unit)
	case noteTight:
		return fmt.Sprintf("%s %.2f %s but %d %s would hold the period's peak past the target and the last day's %.2f cores past %.2f of them", label, n.v[vValue], quoted(), n.n[nFloor], unit, n.v[vPeak], n.v[vUp])
	case noteAboveMaxFloor:
		return fmt.Sprintf("%d %s is above the max %d but %s is above it too", n.n[nCur], unit, n.n[nLimit], n.floorText(res))
	case noteCooldown:
		dir := Up
		if n.below {
			dir = Down
		}
		s := fmt.Sprintf("%s wanted %s, last change %s ago, cooldown %s", res, dir, time.Duration(n.n[nStreak]), time.Duration(n.n[nWait]))
		switch k := n.n[nUndone]; {
		case k == 1:
			s += fmt.Sprintf(" (lengthened: the last decrease was undone within %s)", undoneWithin)
		case k > 1:
			s += fmt.Sprintf(" (lengthened: the last %d decreases were undone within %s)", k, undoneWithin)
		}
		return s
	case noteDiskAtMax:
		return fmt.Sprintf("disk %.2f %s but the root filesystem (%d bytes) cannot grow past the max %d", n.v[vValue], quoted(), uint64(n.n[nCur]), uint64(n.n[nLimit]))
	case noteNodeRoom:
		return n.roomText(res)
	case noteWriteLimit:
		dir := Up
		if n.below {
			dir = Down
		}
		return fmt.Sprintf("%s %s %d -> %d: the pass has used its %d writes", res, dir, n.n[0], n.n[1], n.n[2])
	}
	return ""
}

// floorText says where the floor of a noteFloor or noteAboveMaxFloor
// comes from.
func (n note) floorText(res Resource) string {
	if res == ResourceCores {
		return fmt.Sprintf("the floor %d cores (the window's peak %.2f cores stays below %.2f of them)", n.n[nFloor], n.v[vPeak], n.v[vUp])
	}
	if _, unit := labelUnit(res); n.n[nFloor] <= n.n[nPeak]+n.n[nMargin] {
		return fmt.Sprintf("the floor %d %s (peak %d + margin %d)", n.n[nFloor], unit, n.n[nPeak], n.n[nMargin])
	}
	return fmt.Sprintf("the floor %d MiB (the peak %d MiB stays below the up threshold)", n.n[nFloor], n.n[nPeak])
}

// roomText says why the node has no room for an increase.
func (n note) roomText(res Resource) string {
	switch {
	case res == ResourceCores && n.n[nTotal] < 0:
		return fmt.Sprintf("cores +%g: the capacity of node %q is unknown", n.v[vDelta], n.node)
	case res == ResourceCores:
		return fmt.Sprintf("cores +%g: node %s has %g of %g allowed ((%d cpus - %d reserved) x %g)",
			n.v[vDelta], n.node, n.v[vGiven], n.v[vAllowed], n.n[nTotal], n.n[nReserve], n.v[vOver])
	case n.n[nTotal] < 0:
		return fmt.Sprintf("memory +%g MiB: the capacity of node %q is unknown", n.v[vDelta], n.node)
	}
	return fmt.Sprintf("memory +%g MiB: node %s has %.0f of %.0f MiB allowed ((%d MiB - %d reserved) x %g)",
		n.v[vDelta], n.node, n.v[vGiven], n.v[vAllowed], n.n[nTotal], n.n[nReserve], n.v[vOver])
}

// quotedNote starts the note of a utilisation value v past threshold t,
// both in the series' unit, quoted in u's utilisation.
func (u utilisation) quotedNote(kind noteKind, v float64, t Threshold) note {
	n := note{kind: kind, below: t.Below}
	n.v[vValue], n.v[vBound] = v/u.per, t.Bound/u.per
	n.n[nCur] = u.cur
	return n
}

// addFloor adds u's floor to n: a noteSeasonFloor when a recurring peak
// raised it.
func (u utilisation) addFloor(n note) note {
	if u.rec.Floor > 0 && n.kind == noteFloor {
		return u.rec.note(n)
	}
	if r := u.season; r.Seen > 0 && n.kind == noteFloor {
		n.kind = noteSeasonFloor
		n.n[nFloor], n.n[nLimit], n.n[nPeak], n.n[nMargin] = u.floor, int64(r.At), int64(r.Seen)|int64(r.Class)<<16, int64(r.Days)
		n.v[vPeak] = r.Peak
		return n
	}
	n.n[nFloor], n.n[nPeak], n.n[nMargin] = u.floor, u.peak, u.margin
	n.v[vPeak], n.v[vUp] = u.cpuPeak, u.up.Bound
	return n
}

func (d *Decision) hold(res Resource, reason SkipReason, text string) {
	d.Holds = append(d.Holds, Hold{Resource: res, Reason: reason, Text: text})
}

func (d *Decision) holdNote(res Resource, reason SkipReason, n note) {
	d.Holds = append(d.Holds, Hold{Resource: res, Reason: reason, note: n})
}

// Reason says why the change is made: "cpu 0.91 >= 0.75 for 1m0s (sized
// for cpu 0.85)".
func (c Change) Reason() string {
	if c.Text != "" || !c.why.set {
		return c.Text
	}
	return c.why.format(c.Resource)
}

// why is what a change of a utilisation past its threshold says: the
// period's weakest value against the threshold, how the target was
// reached, in the utilisation's terms.
type why struct {
	set, below   bool
	flags        whyFlags
	value, bound float64
	period       time.Duration // the period judged; 0: the newest value
	min          int64         // whyRaised: the min raised to
	target       float64       // whySized: the utilisation sized for
	// whyStopped: the floor the decrease stopped at, and its parts.
	floor, peak, margin int64
	cpuPeak, up         float64
	season              seasonWhy // when a recurring peak raised the floor
	trough              seasonWhy // when the profile's trough sized it (peak > 0)
	rec                 RecFloor  // when the usage history did
	// whyRelief: after samples pinned samples, grown by factor (0: sized),
	// or to what earlier (cores busy or bytes; 0: none) needs; psi is the
	// memory pressure that made the up threshold the line (0: pinned).
	factor, earlier, psi float64
	samples              int
}

type whyFlags uint16

const (
	whyRaised whyFlags = 1 << iota
	whySized
	whyStopped
	whyRelief
	whyRightSize
	whyBrief    // rightSize's line for brief peaks
	whyJump     // whyRelief after a jump: factor is the jump
	whyMean     // value is the period's mean (crowded.go)
	whyFalling  // sized and floored by the period's newest half (falling.go)
	whyAhead    // grown ahead of season, a recurring peak, to floor (season.go)
	whyWeekMost // rightSize's line is weekMost's
)

func (w why) format(res Resource) string {
	if w.flags&whyAhead != 0 {
		return "ahead of " + seasonText(res, w.floor, w.season.recurring())
	}
	label, unit := labelUnit(res)
	t := Threshold{Bound: w.bound, Below: w.below}
	s := fmt.Sprintf("%s %.2f %s", label, w.value, t)
	if w.period > 0 && w.flags&whyMean != 0 {
		s += fmt.Sprintf(" on average over %s", w.period)
	} else if w.period > 0 {
		s += fmt.Sprintf(" for %s", w.period)
	}
	if w.flags&whyRelief != 0 {
		if w.psi > 0 {
			s += fmt.Sprintf(" under memory pressure %.1f %% (>= %.0f %%): thrashing", w.psi, thrashPressure)
		} else {
			s += ": pinned at the limit"
		}
		s += fmt.Sprintf(" for %d samples since the last change", w.samples)
		if w.flags&whyJump != 0 {
			s += fmt.Sprintf(" after a jump of x%.2f from below the up threshold, with another signal: sized for that many times the newest", w.factor)
		} else if w.factor > 0 {
			s += fmt.Sprintf(", every one since that increase: grown x%.1f", w.factor)
		}
		if w.earlier > 0 {
			s += ", to what it used before: " + earlierText(res, w.earlier)
		}
	}
	if w.flags&whyWeekMost != 0 {
		s += ": the last week's most needs a twentieth of the limit less, or a step"
	} else if w.flags&whyBrief != 0 {
		s += fmt.Sprintf(": one step fewer keeps the peaks, none past the target for over %s, below the up threshold", briefPeak)
	} else if w.flags&whyRightSize != 0 {
		s += ": one step fewer holds the peak within the target"
	}
	if w.flags&whyRaised != 0 {
		s += fmt.Sprintf(" (raised to the min %d)", w.min)
	}
	if w.flags&whySized != 0 {
		s += fmt.Sprintf(" (sized for %s %.2f)", label, w.target)
	}
	if w.flags&whyFalling != 0 {
		s += fmt.Sprintf(" (still falling: for the last %s's peak)", w.period/2)
	}
	if w.trough.peak > 0 {
		s += " (" + troughText(res, w.trough) + ")"
	}
	if w.flags&whyStopped != 0 && w.rec.Floor > 0 {
		s += fmt.Sprintf(" (stopped at %d %s: %s)", w.floor, unit, w.rec.text(res))
	} else if w.flags&whyStopped != 0 && w.season.seen > 0 {
		s += " (stopped at the floor for " + seasonText(res, w.floor, w.season.recurring()) + ")"
	} else if w.flags&whyStopped != 0 {
		var n note
		n.n[nFloor], n.n[nPeak], n.n[nMargin] = w.floor, w.peak, w.margin
		n.v[vPeak], n.v[vUp] = w.cpuPeak, w.up
		s += " (stopped at " + n.floorText(res) + ")"
	}
	return s
}

// sustained is the why of a change u makes after its utilisation stayed
// past t for period, weakest being the value closest to t.
func (u utilisation) sustained(t Threshold, weakest float64, period time.Duration) why {
	return why{set: true, below: t.Below, value: weakest / u.per, bound: t.Bound / u.per, period: period}
}

func (d *Decision) changeWhy(res Resource, from, to int64, w why) {
	dir := Up
	if to < from {
		dir = Down
	}
	if d.Changes == nil {
		// Room for two: a decrease of memory most often brings swap's.
		d.Changes = make([]Change, 0, 2)
	}
	d.Changes = append(d.Changes, Change{Resource: res, Direction: dir, From: from, To: to, why: w})
}
