package scaling

// Pressure (PSI "some" avg10: the share of the last 10 s in which some
// task waited for the resource) sees what utilisation cannot: a throttled
// container at 60 % of its cores may be queueing, one whose memory sits
// below its limit may be reclaiming its page cache over and over. It
// vetoes decreases. It does not ask for increases: it cannot say how much
// more the container needs, and a pressure the limit does not cause would
// walk the container up to its max (a bump tried on the built-in set grew
// memory every hour under the recorded PSI, which does not fall when the
// allocation grows, and flapped 22 times).
const (
	// pressureVeto is the pressure, percent, at or above which cores (cpu
	// pressure) or memory (memory or io pressure: a smaller page cache is
	// more reads) are not decreased.
	pressureVeto = 10.0
)

// pressureOn is the pressure that bears on u's resource, its name; NaN
// when the node reports none.
func (dc *decider) pressureOn(u utilisation) (psi float64, name string) {
	if u.res == ResourceCores {
		return dc.sig.PressureCPU, "cpu"
	}
	if !(dc.sig.PressureIO > dc.sig.PressureMemory) { // NaN: memory's
		return dc.sig.PressureMemory, "memory"
	}
	return dc.sig.PressureIO, "io"
}

// pressureHolds reports whether pressure vetoes a decrease of u, adding
// the Hold when it does. Cpu pressure does not veto rightSize's trim of
// what the last change, an increase, overshot: usage fell well below the
// cores it made, so a pressure that stays is not theirs (a recorded
// trace's, taken under another allocation; a relief that climbed blind
// from one core to eight), nor any decrease after a relief's increase
// (relief.go): cores below the down line of what relief made are not what
// the pressure waits for. Memory keeps the veto: short of it is an OOM.
func (dc *decider) pressureHolds(u utilisation, last float64) bool {
	psi, name := dc.pressureOn(u)
	if a, ok := dc.st.LastAction[u.res]; !(psi >= pressureVeto) || ok && a.Direction == Up && (u.flags&whyRightSize != 0 || a.Relief) && u.res == ResourceCores {
		return false
	}
	n := u.quotedNote(notePressure, last, u.down)
	n.v[vPSI], n.node = psi, name
	dc.d.holdNote(u.res, SkipPressure, n)
	return true
}
