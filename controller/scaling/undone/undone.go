package undone

import "time"

const (
	// Within is how soon an increase after a decrease undoes it, and
	// the longest a lengthened down cooldown waits.
	Within = 6 * time.Hour
	// maxCount keeps the shift in range; Within caps the wait.
	maxCount = 8
	// JobsSeen relief increases (usage pinned at the limit: an OOM kill,
	// for memory) that undid a decrease mark jobs at random times (Jobs).
	JobsSeen = 2
	// InARow decreases undone in a row (Count), with JobsSeen, mark the
	// jobs of cores at random times: a nightly job's decrease holds past
	// Within, which halves Count, so two nights read as jobs do not.
	InARow = 2
)

// Direction is which way an action went; None is neither (no action).
type Direction uint8

const (
	None Direction = iota
	Up
	Down
)

// Act is an action as this package counts it: its direction, time and
// Count, the decreases undone in a row that it carries; Relief marks an
// increase fast relief made, Jobs the count Jobs gives.
type Act struct {
	Dir         Direction
	Time        time.Time
	Count, Jobs uint8
	Relief      bool
}

// After is the Count of act, the next action on a resource after prev
// (ok false when there is none): one more than the decrease it undid, the
// count carried through a run of actions in the same direction or a
// decrease after an increase, and half the count after a decrease that
// held: one quiet night says little about whether the bursts stopped.
func After(prev Act, ok bool, act Act) uint8 {
	switch {
	case !ok || prev.Dir == None:
		return 0
	case prev.Dir == Down && act.Dir == Up:
		if act.Time.Sub(prev.Time) > Within {
			return prev.Count / 2
		}
		return min(prev.Count+1, maxCount)
	}
	return prev.Count
}

// Cooldown is the wait before a decrease after last: base, doubled per
// decrease undone in a row when last is the increase that undid the
// latest, up to Within.
func Cooldown(base time.Duration, last Act) time.Duration {
	if last.Dir != Up || last.Count == 0 || base >= Within {
		return base
	}
	return min(base<<min(last.Count, maxCount), Within)
}

// Jobs is the Jobs count of act, the next action after prev (ok false
// when there is none): one more for a relief increase within Within of
// the decrease it undid, one less for one later (a nightly or weekly job
// after the day's decrease), carried by every other action, up to
// JobsSeen. A CI runner's jobs arrive at random: each decrease after a
// quiet hour meets the next job within hours, and the count outlives
// Count's halving over a night; one job after the first decrease of a
// new container is not yet a pattern.
func Jobs(prev Act, ok bool, act Act) uint8 {
	switch {
	case !ok:
		return 0
	case act.Relief && act.Dir == Up && prev.Dir == Down && act.Time.Sub(prev.Time) > Within:
		return prev.Jobs - min(prev.Jobs, 1)
	case act.Relief && act.Dir == Up && prev.Dir == Down:
		return min(prev.Jobs+1, JobsSeen)
	}
	return prev.Jobs
}
