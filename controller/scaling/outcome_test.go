package scaling

import (
	"maps"
	"math/rand/v2"
	"testing"
	"time"
)

// mergedCooldowns is what CooldownsFor promises, resource by resource:
// in a dry run the newer of the real and the pretend action (the real one
// on a tie), else the real one.
func mergedCooldowns(s ContainerState, mode Mode) map[Resource]Action {
	out := map[Resource]Action{}
	for _, res := range Resources {
		real, hasReal := s.LastAction[res]
		pretend, hasPretend := s.DryRunAction[res]
		switch {
		case mode == ModeDryRun && hasPretend && (!hasReal || pretend.Time.After(real.Time)):
			out[res] = pretend
		case hasReal:
			out[res] = real
		}
	}
	return out
}

// CooldownsFor gives the cooldowns the merge gives, for every mode and
// mix of real and pretend actions (none, some, nil maps), and leaves the
// state it reads as it was.
func TestCooldownsForMatchesTheMerge(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	t0 := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	actions := func() map[Resource]Action {
		if rng.IntN(4) == 0 {
			return nil
		}
		m := map[Resource]Action{}
		for _, r := range Resources {
			if rng.IntN(2) == 0 {
				m[r] = Action{Time: t0.Add(time.Duration(rng.IntN(5)) * time.Minute), Direction: Down, From: 4, To: int64(rng.IntN(4))}
			}
		}
		return m
	}
	for i := range 5000 {
		s := ContainerState{LastAction: actions(), DryRunAction: actions()}
		last, dry := maps.Clone(s.LastAction), maps.Clone(s.DryRunAction)
		mode := []Mode{ModeEnforce, ModeDryRun, ModeRecommend}[rng.IntN(3)]
		want := mergedCooldowns(s, mode)
		got := s.CooldownsFor(mode).LastAction
		if !maps.Equal(got, want) {
			t.Fatalf("case %d (%s, last %v, dry run %v): cooldowns %v, want %v", i, mode, s.LastAction, s.DryRunAction, got, want)
		}
		if !maps.Equal(s.LastAction, last) || !maps.Equal(s.DryRunAction, dry) {
			t.Fatalf("case %d: CooldownsFor changed the state it read", i)
		}
	}
}
