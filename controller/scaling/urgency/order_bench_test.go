package urgency

import (
	"math/rand/v2"
	"testing"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// BenchmarkOrder orders 6,000 decisions that want a change, what a dry
// run's pass at 10,000 containers holds back (BenchmarkTick's held-*),
// with their pressures.
func BenchmarkOrder(b *testing.B) {
	rnd := rand.New(rand.NewPCG(7, 8))
	ds := make([]scaling.Decision, 6000)
	pressures := make([]float64, len(ds))
	for i := range ds {
		dir := []scaling.Direction{scaling.Up, scaling.Down}[rnd.IntN(2)]
		ds[i] = decision(100+i, "pve", scaling.ModeDryRun, change(dir, scaling.Resources[rnd.IntN(len(scaling.Resources))], 2, 3))
		pressures[i] = float64(rnd.IntN(400)) / 100 // percent, two decimals: ties
	}
	idx := make([]int, len(ds))
	for b.Loop() {
		for i := range idx {
			idx[i] = i
		}
		Order(ds, idx, func(i int, _ *scaling.Decision) float64 { return pressures[i] })
	}
}
