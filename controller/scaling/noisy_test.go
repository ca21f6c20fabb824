package scaling

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// noisyCPU is an hour to decideNow of m cores busy times a fresh
// lognormal(0, 0.55) draw every 10-s sample (an API's request mix), as a
// utilisation of cores, capped at 1; the newest points are tail.
func noisyCPU(m, cores float64, tail ...float64) Series {
	rng := rand.New(rand.NewPCG(7, 8))
	s := usage(decideNow, time.Hour, 0, 0, 0)
	for i := range s {
		s[i].Value = min(m*math.Exp(0.55*rng.NormFloat64())/cores, 1)
	}
	for i, v := range tail {
		s[len(s)-len(tail)+i].Value = v
	}
	return s
}

// TestNoisyCores: cores whose hour is noise shrink to a high percentile
// of it, where the hour's peak holds every other container's, and a lone
// pinned sample after a jump is the noise's tail, not relief's step
// (vmid 215 of the hold-out traces: 8 cores for a median of 2.2 all week).
func TestNoisyCores(t *testing.T) {
	eight := func(in *decideInput) {
		in.sig.Alloc.Cores = 8
		in.rules.CPU.Max, in.rules.CPU.Target, in.rules.CPU.Up, in.rules.CPU.Down = 8, 0.8, 0.9, 0.45
		in.sig.CPU = noisyCPU(1, 8)
	}
	in := steadyInput()
	eight(&in)
	d := Decide(in.sig, in.policy, in.rules, in.st, in.now)
	// The hour's p98 is about 3.1 cores busy (0.8 of 4); its peak 4.6.
	if len(d.Changes) != 1 || d.Changes[0].Resource != ResourceCores || d.Changes[0].To < 4 || d.Changes[0].To > 5 ||
		!strings.Contains(d.Changes[0].Reason(), "p98") {
		t.Errorf("noise held at 8 cores: %+v; want a decrease to 4 or 5 sized for its p98", d)
	}

	// Without a target (one step at a time) nothing sizes a decrease for
	// the percentile: the ordinary rules decide, and say why they hold.
	in.rules.CPU.Target = 0
	if d := Decide(in.sig, in.policy, in.rules, in.st, in.now); len(d.Changes)+len(d.Holds) == 0 {
		t.Errorf("noise without a target: %+v; want the ordinary rules' change or hold", d)
	}

	jump := func(in *decideInput) { // 2 cores at 0.4, then pinned, with memory
		in.rules.CPU.Max, in.rules.CPU.Target = 8, 0.8
		in.sig.Alloc.MemoryMiB = 3072
		in.sig.Memory = memFor(0, 1600)
	}
	runDecideCases(t, []decideCase{
		{name: "a lone pinned sample of noise: no relief", edit: func(in *decideInput) {
			jump(in)
			in.sig.CPU = noisyCPU(0.5, 2, 0.4, 1)
		}},
		{name: "the same sample over a calm hour: relief's jump", edit: func(in *decideInput) {
			jump(in)
			in.sig.CPU = usage(decideNow, time.Hour, 0.25, 0, 0.25)
			in.sig.CPU[len(in.sig.CPU)-2].Value, in.sig.CPU[len(in.sig.CPU)-1].Value = 0.4, 1
		}, changes: []Change{up(ResourceCores, 2, 5)}, text: "after a jump of x2.00"},
		{name: "noise pinned twice in a row: relief sized for the newest alone", edit: func(in *decideInput) {
			jump(in)
			in.sig.CPU = noisyCPU(0.5, 2, 0.4, 1, 1)
		}, changes: []Change{up(ResourceCores, 2, 3)}, text: "pinned at the limit for 2 samples"},
	})
}
