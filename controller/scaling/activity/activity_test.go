package activity

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestActivity: the rises are logs of ratios with floors; a fall of the
// cores counts as none; the calm level needs a tenth of the window.
func TestActivity(t *testing.T) {
	near := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-12 {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	a := Activity{CoresShort: 2, CoresLong: 0.75, CoresCalm: 0.45, CalmShare: 0.5, MemShort: 0.3, MemLong: 0.2}
	near("Moved", a.Moved(), 0.31/0.21-1)
	near("CPUAlone", a.CPUAlone(), math.Log(2.05/0.8)-math.Log(0.31/0.21))
	near("CPUAboveCalm", a.CPUAboveCalm(), math.Log(2.05/0.5)-math.Log(0.31/0.21))
	a.CalmShare = 0.05
	near("CPUAboveCalm with a twentieth calm", a.CPUAboveCalm(), 0)
	fall := Activity{CoresShort: 0.5, CoresLong: 2, CoresCalm: 2, CalmShare: 1, IOShort: 1e6, IOLong: 2e6}
	near("Moved of falls", fall.Moved(), 0)
	near("CPUAlone of a fall", fall.CPUAlone(), 0)
	near("CPUAboveCalm of a fall", fall.CPUAboveCalm(), 0)
	io := Activity{IOShort: 2 * rateFloor, IOLong: rateFloor, NetShort: 1e5, NetLong: 1e5}
	near("RateRise", io.RateRise(), math.Log(3.0/2))
	near("zero Activity", Activity{}.CPUAlone()+Activity{}.CPUAboveCalm()+Activity{}.Moved(), 0)
}

// TestCPURisesAreTheTwo: CPURises is CPUAlone and CPUAboveCalm, bit for
// bit, calm or not, whatever moved.
func TestCPURisesAreTheTwo(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	v := func() float64 { return rng.Float64() * float64(rng.IntN(3)) * 1e6 }
	for range 10000 {
		a := Activity{CoresShort: rng.Float64() * 4, CoresLong: rng.Float64() * 4, CoresCalm: rng.Float64(), CalmShare: rng.Float64() * 0.3,
			MemShort: v(), MemLong: v(), IOShort: v(), IOLong: v(), NetShort: v(), NetLong: v()}
		if alone, calm := a.CPURises(); alone != a.CPUAlone() || calm != a.CPUAboveCalm() {
			t.Fatalf("%+v: CPURises %v %v, CPUAlone %v, CPUAboveCalm %v", a, alone, calm, a.CPUAlone(), a.CPUAboveCalm())
		}
	}
}
