package scaling

import (
	"testing"
	"time"
)

// TestThrashBump: memory at or above the up threshold under memory
// pressure (PSI some >= 20 %) on the newest two samples since the last
// change is bumped by max(x1.2, +256 MiB) at once, within the max; less
// pressure, use below the up threshold (the pressure did not follow a
// bump), a single sample or the max leave it to the ordinary rules, so
// that a pressure the limit does not cause never grows memory twice.
func TestThrashBump(t *testing.T) {
	thrashing := func(share, psi float64, tail time.Duration) func(*decideInput) {
		return func(in *decideInput) {
			in.rules.CPU.Enabled, in.rules.Disk.Enabled = false, false
			in.rules.Memory.Step = 64 * mib
			in.sig.Memory = usage(in.now, time.Hour, 1024*mib, tail, share*2048*mib)
			in.sig.PressureMemory = psi
		}
	}
	runDecideCases(t, []decideCase{
		{name: "0.92 of the limit under 35 % pressure: x1.2 at once", edit: thrashing(0.92, 35, 20*time.Second),
			changes: []Change{up(ResourceMemory, 2048, 2458)}, text: "memory 0.92 >= 0.75 under memory pressure 35.0 % (>= 20 %): thrashing for 2 samples"},
		{name: "a small limit: +256 MiB", edit: func(in *decideInput) {
			thrashing(0.9, 35, 20*time.Second)(in)
			in.sig.Alloc.MemoryMiB, in.rules.Memory.Min = 768, 256*mib
			in.sig.Memory = usage(in.now, time.Hour, 300*mib, 20*time.Second, 0.9*768*mib)
		}, changes: []Change{up(ResourceMemory, 768, 1024)}},
		{name: "10 % pressure: the ordinary stabilisation", edit: thrashing(0.92, 10, 20*time.Second),
			holds: []Hold{held(ResourceMemory, SkipStabilizing)}},
		{name: "one sample: the ordinary stabilisation", edit: thrashing(0.92, 35, 0),
			holds: []Hold{held(ResourceMemory, SkipStabilizing)}},
		{name: "pressure with use below the up threshold: nothing", edit: thrashing(0.6, 80, 20*time.Second)},
		{name: "after a bump the use did not follow: nothing more", edit: func(in *decideInput) {
			thrashing(0.7, 80, 10*time.Minute)(in)
			in.st = lastAction(ResourceMemory, 5*time.Minute)
		}},
		{name: "after a bump the use followed: bumped again", edit: func(in *decideInput) {
			thrashing(0.9, 80, 10*time.Minute)(in)
			in.st = lastAction(ResourceMemory, 5*time.Minute)
		}, changes: []Change{up(ResourceMemory, 2048, 2458)}},
		{name: "at the max: held, nothing written", edit: func(in *decideInput) {
			thrashing(0.92, 80, 20*time.Second)(in)
			in.rules.Memory.Max = 2 * gib
		}, holds: []Hold{held(ResourceMemory, SkipAtLimit)}},
		{name: "near the max: up to it", edit: func(in *decideInput) {
			thrashing(0.92, 80, 20*time.Second)(in)
			in.rules.Memory.Max = 2200 * mib
		}, changes: []Change{up(ResourceMemory, 2048, 2200)}},
	})
}
