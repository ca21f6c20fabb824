package season

import (
	"fmt"
	"math"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/sat"
)

// Cores is how many cores keep a peak of cores busy at frac of them,
// rounded up; 0 when frac is not positive.
func Cores(peak, frac float64) int64 {
	if !(frac > 0) {
		return 0
	}
	return int64(min(math.Ceil(peak/frac), math.MaxInt32))
}

// Memory is the MiB that hold a peak of bytes with margin bytes to spare,
// and at target of them when target is positive, rounded up.
func Memory(peak float64, margin uint64, target float64) int64 {
	peak = min(peak, math.MaxUint64/2)
	b := sat.Add(uint64(peak), margin)
	if target > 0 {
		b = max(b, uint64(min(peak/target, math.MaxUint64/2)))
	}
	return sat.CeilMiB(b)
}

// PeakText is a peak of cores busy (cores) or bytes as a reason quotes
// it: "3.24 cores", "1367 MiB".
func PeakText(cores bool, v float64) string {
	if cores {
		return fmt.Sprintf("%.2f cores", v)
	}
	return fmt.Sprintf("%d MiB", sat.CeilMiB(uint64(min(v, math.MaxUint64/2))))
}
