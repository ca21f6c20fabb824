package scaling

import "time"

// weekMostSpan is how far back weekMost reads the most: the week the
// coarse tier keeps, over which weekly levels (a weekend's, a Monday's)
// recur.
const weekMostSpan = 7 * 24 * time.Hour

// weekMost returns u, memory, with a decrease's down line and floor at
// what the most of the last week needs (Rules.Need: below the up
// threshold, by the margin) when that frees a twentieth of the limit or a
// step. A memory limit is what an OOM kill is measured against, not a
// speed: the target's headroom and whole steps (rightSize) keep, over a
// level a week of use stayed below, up to a third of the limit that
// nothing touched (a shop's 1.8 GiB under 2.5 GiB all week); a level that
// has not come back for a week rarely does the next hour, so the decrease
// sticks and a twentieth is worth its write. The last day's most would
// free more and be undone more (a Saturday's evening peak over Friday's,
// an action each way). Not before the history reaches back a day, when
// the week's most is a morning's (a workday's first hour OOM-killed), nor
// after an increase of memory that the week's most needed (keep above
// the limit before it: a leak, a database growing, taken back it is
// back within hours, an action each way) or that is less than a day old
// (its level not seen through).
func (dc *decider) weekMost(u utilisation, newest Point) (utilisation, bool) {
	h, ok := dc.sig.History.(Recommender)
	if u.res != ResourceMemory || !ok {
		return u, false
	}
	u.flags |= whyWeekMost                             // freesLittle's twentieth from here on
	if u.freesLittle(dc.r.Need(u.res, newest.Value)) { // the week's most needs no less
		return u, false
	}
	w := dc.withFloor(u)
	_, most := dc.sig.History.Highest(weekMostSpan)
	most = max(float64(w.peak)*mib, most)
	keep := max(dc.r.Need(u.res, most), u.min)
	down := AtMost(u.up.Bound * float64(keep) / float64(u.cur))
	if u.freesLittle(keep) || !down.Passed(newest.Value) {
		return u, false
	}
	if last, ok := dc.st.LastAction[u.res]; ok && last.Direction == Up && (dc.now.Sub(last.Time) < 24*time.Hour || keep > last.From) {
		return u, false
	}
	f, ok := h.Floor(u.res, dc.r, u.cur)
	if !ok || f.Days < 1 {
		return u, false
	}
	u.keep = RecFloor{Floor: keep, Pct: 100, Usage: most, Days: min(f.Days, float32(weekMostSpan.Hours()/24))}
	u.flags, u.down, u.target = whyRightSize|whyWeekMost, down, u.up.Bound/u.per
	return u, true
}

// part is the share of the limit a decrease must free when it frees less
// than a step (freesLittle): a fifth; a decrease to the week's most, a
// twentieth (a level a week stayed below rarely comes back the next hour).
func (u utilisation) part() int64 {
	if u.flags&whyWeekMost != 0 {
		return 20
	}
	return 5
}

// withWeekMost raises u's floor to weekMost's.
func (u utilisation) withWeekMost() utilisation {
	if u.keep.Floor > u.floor {
		u.floor, u.rec, u.season = u.keep.Floor, u.keep, Recurring{}
	}
	return u
}
