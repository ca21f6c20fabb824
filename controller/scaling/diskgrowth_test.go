package scaling

import (
	"testing"
	"time"
)

// diskUse is a disk's use sampled every minute over history up to
// decideNow: filling at perHour GiB an hour until flat before now (0: to
// the end), ending at endGiB.
func diskUse(history, flat time.Duration, perHour, endGiB float64) Series {
	var s Series
	stop := decideNow.Add(-flat)
	for t := decideNow.Add(-history); !t.After(decideNow); t = t.Add(time.Minute) {
		v := endGiB - perHour*stop.Sub(t).Hours()
		if t.After(stop) {
			v = endGiB
		}
		s = append(s, Point{Time: t, Value: v * gib})
	}
	return s
}

// TestDiskGrowth: a disk that passes its threshold while filling steadily
// grows by as many steps as keep a day of its fill rate below the
// threshold (at most to the max), so that it is not grown again every
// step's worth of the rate; a disk that stopped filling, is emptied, or
// has too little history grows by one step.
func TestDiskGrowth(t *testing.T) {
	filling := func(history, flat time.Duration, perHour float64) func(*decideInput) {
		return func(in *decideInput) {
			in.sig.DiskUsed = 9 * gib
			in.sig.Disk = diskUse(history, flat, perHour, 9)
		}
	}
	runDecideCases(t, []decideCase{
		// (9 + 24 x 0.5) / 0.85 = 24.7 GiB: 15 GiB more, 8 steps of 2.
		{name: "filling 0.5 GiB an hour: grown for a day of it", edit: filling(time.Hour, 0, 0.5),
			changes: []Change{up(ResourceDisk, 10*gib, 26*gib)}, text: "filling 0.5 GiB an hour: sized for 24h0m0s of it"},
		{name: "filling 3 GiB an hour: grown to the max", edit: filling(time.Hour, 0, 3),
			changes: []Change{up(ResourceDisk, 10*gib, 64*gib)}},
		{name: "filling slowly: the one step already lasts a day", edit: filling(time.Hour, 0, 0.01),
			changes: []Change{up(ResourceDisk, 10*gib, 12*gib)}, text: "disk 0.90 >= 0.85"},
		{name: "stopped filling 20 minutes ago: one step", edit: filling(time.Hour, 20*time.Minute, 3),
			changes: []Change{up(ResourceDisk, 10*gib, 12*gib)}},
		{name: "being emptied: one step", edit: filling(time.Hour, 0, -1),
			changes: []Change{up(ResourceDisk, 10*gib, 12*gib)}},
		{name: "five minutes of history: one step", edit: filling(5*time.Minute, 0, 3),
			changes: []Change{up(ResourceDisk, 10*gib, 12*gib)}},
		{name: "filling, in its cooldown: held", edit: func(in *decideInput) {
			filling(time.Hour, 0, 3)(in)
			in.st = lastAction(ResourceDisk, time.Minute)
		}, holds: []Hold{held(ResourceDisk, SkipCooldown)}},
	})
}
