package histogram

import (
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// BenchmarkObserve is one container's sample per pass: the cost the
// histograms add to a pass, per container.
func BenchmarkObserve(b *testing.B) {
	var u Usage
	at := t0
	for i := 0; b.Loop(); i++ {
		u.Observe(at, float64(i%400)/100, float64(i%4000)*1e6, 10*time.Second, false)
		at = at.Add(10 * time.Second)
	}
}

// BenchmarkPercentiles is the three reads of a recommendation (lower,
// target, upper) in one walk, as the snapshot makes per resource and pass.
func BenchmarkPercentiles(b *testing.B) {
	var u Usage
	for i := range 8640 {
		u.Observe(t0.Add(time.Duration(i)*10*time.Second), float64(i%400)/100, float64(i%4000)*1e6, 10*time.Second, false)
	}
	ps, out := []float64{0.5, 0.9, 0.95}, make([]float64, 3)
	for b.Loop() {
		u.Percentiles(scaling.ResourceMemory, ps, out)
	}
}
