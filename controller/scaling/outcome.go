package scaling

import (
	"maps"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/backoff"
)

// Action results, the result label of lxc_autoscale_actions_total.
const (
	ResultApplied     = "applied"
	ResultDryRun      = "dry_run"
	ResultRecommended = "recommended"
	ResultSkipped     = "skipped"
	ResultFailed      = "failed"
	// ResultUnknown is a write that was sent and never answered (a
	// timeout, a connection lost): it may have landed. Its cooldown starts
	// as if it had, and the next listing tells what is true.
	ResultUnknown = "unknown"
)

// Outcome is what became of one Change.
type Outcome struct {
	Change Change
	// Result is one of the Result* constants.
	Result string
	// Skip says why a change was not made when Result is ResultSkipped. It is
	// empty for a change not started because ctx was cancelled (Err is then
	// the context's error).
	Skip SkipReason
	// Err is the failure of a ResultFailed outcome, or the context's error
	// of a change skipped while shutting down.
	Err error
	// Task is the UPID of the resize task of a disk change.
	Task string
}

// LastTime is the latest time the record holds: of an action or of the end
// of a backoff; zero when none.
func (s *ContainerState) LastTime() time.Time {
	last := s.RetryAfter
	for _, actions := range []map[Resource]Action{s.LastAction, s.DryRunAction} {
		for _, a := range actions {
			if a.Time.After(last) {
				last = a.Time
			}
		}
	}
	return last
}

// DefaultBackoff is the wait after failures consecutive failed writes
// (controller/scaling/backoff).
func DefaultBackoff(failures int) time.Duration { return backoff.Default(failures) }

// Record updates the container's memory with the outcomes of one Apply.
//
// Applied and dry-run outcomes set LastAction of their resource to now, so
// a dry run honours the cooldowns exactly as an enforcing run would and
// reports the same sequence of changes. A call with at least one failed
// outcome counts one more failure (the changes of one call are one attempt:
// a failing PUT fails cores and memory together) and sets RetryAfter to
// now + backoff(Failures); a call with applied outcomes and no failure
// resets both. Skips and recommendations change nothing. backoff nil means
// DefaultBackoff.
func (s *ContainerState) Record(outcomes []Outcome, now time.Time, backoff func(failures int) time.Duration) {
	if backoff == nil {
		backoff = DefaultBackoff
	}
	applied, failed := false, false
	for _, o := range outcomes {
		c := o.Change
		act := Action{Time: now, Direction: c.Direction, From: c.From, To: c.To, Relief: c.Direction == Up && c.why.flags&whyRelief != 0}
		switch o.Result {
		case ResultApplied, ResultUnknown:
			// An unknown outcome may have landed: wait as if it had.
			if s.LastAction == nil {
				s.LastAction = map[Resource]Action{}
			}
			act.Unknown = o.Result == ResultUnknown
			act.Undone, act.Jobs = undoneAfter(s.LastAction, c.Resource, act)
			s.LastAction[c.Resource] = act
			applied = applied || o.Result == ResultApplied
		case ResultDryRun:
			if s.DryRunAction == nil {
				s.DryRunAction = map[Resource]Action{}
			}
			act.Undone, act.Jobs = undoneAfter(s.DryRunAction, c.Resource, act)
			s.DryRunAction[c.Resource] = act
		case ResultFailed:
			failed = true
		}
	}
	switch {
	case failed:
		s.Failures++
		s.RetryAfter = now.Add(backoff(s.Failures))
	case applied:
		s.Failures = 0
		s.RetryAfter = time.Time{}
	}
}

// CooldownsFor is the state the decisions of a container in mode see:
// dry-run's pretend changes count only in dry-run, where the newer of a
// real and a pretend change of a resource starts its cooldown. The
// result is a view to decide from, not to record into: its maps may be
// s's own.
func (s ContainerState) CooldownsFor(mode Mode) ContainerState {
	if mode != ModeDryRun || len(s.DryRunAction) == 0 {
		return s
	}
	if len(s.LastAction) == 0 {
		// A dry run that never wrote: the pretend changes are the
		// cooldowns, without a merged copy per container and pass.
		s.LastAction = s.DryRunAction
		return s
	}
	merged := maps.Clone(s.LastAction)
	if merged == nil {
		merged = map[Resource]Action{}
	}
	for res, a := range s.DryRunAction {
		if cur, ok := merged[res]; !ok || a.Time.After(cur.Time) {
			merged[res] = a
		}
	}
	s.LastAction = merged
	return s
}

// NotAfter moves the times s holds that lie after now back to now. A time
// from the future is a clock that went back (an NTP step, a host restored
// with a wrong clock) since it was recorded; kept, it would hold the
// container's cooldown or backoff until the clock catches up, for however
// long that is. Counted from now instead, the change still waits a whole
// cooldown.
func (s *ContainerState) NotAfter(now time.Time) {
	for _, actions := range []map[Resource]Action{s.LastAction, s.DryRunAction} {
		for res, a := range actions {
			if a.Time.After(now) {
				a.Time = now
				actions[res] = a
			}
		}
	}
	if s.RetryAfter.After(now) && s.RetryAfter.Sub(now) > backoff.Max {
		s.RetryAfter = now.Add(backoff.Max)
	}
}
