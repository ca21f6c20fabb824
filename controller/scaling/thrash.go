package scaling

// Memory thrash: a container whose working set does not fit its memory
// limit reclaims and re-reads its pages instead of being killed, and its
// use reads a little below the limit rather than at it. Memory pressure
// (PSI memory "some": the share of time in which a task waited on
// memory) says it: when the newest sample's is at least thrashPressure
// and memory has been at or above the up threshold on the newest
// pinnedSamples samples since the last change, fast relief (relief.go)
// bumps the limit as for a pinned one, by max(x1.2, +256 MiB) at least,
// without the stabilisation, within the max and the guard.
//
// It cannot loop the way VPA's OOM bump-up does at its maxAllowed (evict,
// recreate at the same size, OOM again): a bump asks for use at the up
// threshold of the limit it made, so a pressure that does not follow the
// growth (one the limit does not cause, or a recorded trace's PSI, which
// does not fall when the limit grows) asks for nothing more once use
// stays below it, and the decrease rules give back what was not used;
// at the max it holds (SkipAtLimit) and writes nothing.
const thrashPressure = 20.0

// reliefLine is the series value at or above which a sample asks for
// relief: pinned at the limit, or, for memory under thrash pressure, the
// up threshold; psi is that pressure (0 when pinned is the line).
func (dc *decider) reliefLine(u utilisation) (line, psi float64) {
	line = pinnedShare * u.per
	if p := dc.sig.PressureMemory; u.res == ResourceMemory && p >= thrashPressure && u.up.Bound < line {
		return u.up.Bound, p
	}
	return line, 0
}
