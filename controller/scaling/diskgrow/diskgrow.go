package diskgrow

import (
	"fmt"
	"math"
	"time"
)

// Horizon is how long a growth keeps a disk filling at its rate below the
// threshold. A disk never shrinks, so the rate must be one that still
// holds (the caller's to read): a disk that stopped filling, or is being
// emptied, grows by the one step that passing the threshold asks for.
const Horizon = 24 * time.Hour

// Target is the size a disk of size bytes (fs as df shows it, used of it)
// grows to: by as many steps as keep used + rate x Horizon below
// threshold of the grown filesystem, one at least, and at most to max;
// one step without a rate (bytes per second).
func Target(size, fs, used uint64, rate, threshold float64, step, max uint64) (target uint64, sized bool) {
	target = max
	if step < max-size {
		target = size + step
	}
	if !(rate > 0) || !(threshold > 0) || step == 0 {
		return target, false
	}
	// The filesystem grows by what the volume does.
	need := (float64(used)+rate*Horizon.Seconds())/threshold - float64(fs)
	steps := math.Ceil(need / float64(step))
	if !(steps > 1) {
		return target, false
	}
	if grown := float64(size) + steps*float64(step); grown < float64(max) {
		return uint64(grown), true
	}
	return max, true
}

// Text is the reason of a growth: "disk 0.86 >= 0.85, filling 2.1 GiB an
// hour: sized for 24h0m0s of it" (passed: "disk 0.86 >= 0.85").
func Text(passed string, rate float64, sized bool) string {
	if sized {
		return passed + fmt.Sprintf(", filling %.1f GiB an hour: sized for %s of it", rate*3600/(1<<30), Horizon)
	}
	return passed
}
