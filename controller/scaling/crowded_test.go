package scaling

import (
	"testing"
	"time"
)

// ramp is a morning's climb on one core as a database shows it (a
// recorded trace, 2026-01-11 09:10-09:28): for quiet, usage 0.4; then,
// until now, samples every 10 s that alternate every 20 s between hi and
// lo, ending on hi. Each 30-s stabilisation period holds a lo.
func ramp(quiet, busy time.Duration, hi, lo float64) Series {
	var s Series
	start := decideNow.Add(-quiet - busy)
	for t := start; !t.After(decideNow); t = t.Add(10 * time.Second) {
		v := 0.4
		if since := decideNow.Sub(t); since <= busy {
			v = hi
			if since/(20*time.Second)%2 == 1 {
				v = lo
			}
		}
		s = append(s, Point{Time: t, Value: v})
	}
	return s
}

func crowdedRules() Rules {
	r := testRules()
	r.CPU.Up, r.CPU.Down, r.CPU.Target = 0.90, 0.45, 0.80
	r.StabilizationUp = 30 * time.Second
	return r
}

// TestDecideCrowded: a container whose samples keep crossing the up line
// with dips below it in every stabilisation period (the morning's climb of
// a database on one core, where each sample at 0.95 or more is a starved
// minute) grows once its usage has averaged past the up threshold over
// crowdedPeriod; a burst shorter than that, or too little history, waits
// for the stabilisation as before.
func TestDecideCrowded(t *testing.T) {
	oneCore := func(cpu Series) func(*decideInput) {
		return func(in *decideInput) {
			in.rules = crowdedRules()
			in.sig.Alloc.Cores = 1
			in.sig.CPU = cpu
		}
	}
	runDecideCases(t, []decideCase{
		{
			name:    "a climb averaging 0.92 for 12 minutes grows",
			edit:    oneCore(ramp(48*time.Minute, 12*time.Minute, 0.97, 0.87)),
			changes: []Change{up(ResourceCores, 1, 2)},
			text:    "cpu 0.92 >= 0.90 on average over 10m0s",
		},
		{
			name:  "a 7-minute burst in the 10 minutes waits",
			edit:  oneCore(ramp(53*time.Minute, 7*time.Minute, 0.97, 0.87)),
			holds: []Hold{held(ResourceCores, SkipStabilizing)},
		},
		{
			name:  "averaging below the up line waits",
			edit:  oneCore(ramp(48*time.Minute, 12*time.Minute, 0.94, 0.82)),
			holds: []Hold{held(ResourceCores, SkipStabilizing)},
		},
		{
			name: "8 minutes of history are not 10",
			edit: func(in *decideInput) {
				oneCore(ramp(0, 8*time.Minute, 0.97, 0.87))(in)
			},
			holds: []Hold{held(ResourceCores, SkipStabilizing)},
		},
		{
			name: "a policy's longer stabilisation is the period averaged",
			edit: func(in *decideInput) {
				oneCore(ramp(48*time.Minute, 12*time.Minute, 0.97, 0.87))(in)
				in.rules.StabilizationUp = 15 * time.Minute
			},
			holds: []Hold{held(ResourceCores, SkipStabilizing)},
		},
		{
			name:    "every sample past the line still grows after the stabilisation alone",
			edit:    oneCore(ramp(59*time.Minute, time.Minute, 0.95, 0.92)),
			changes: []Change{up(ResourceCores, 1, 2)},
			text:    "cpu 0.92 >= 0.90 for 30s",
		},
	})
}
