package engine

import (
	"math"
	"testing"
	"time"
)

// TestActivityTellsARunawayFromDemand: an hour at half a core of one,
// then five minutes pinned at two cores. With nothing else moving, the
// rise is the cpu's alone (the model's last two features) and the
// decisions see a calm level four times below; with memory, io and
// network rising with it, the rise is explained.
func TestActivityTellsARunawayFromDemand(t *testing.T) {
	build := func(demand bool) Features {
		w := newWindow(time.Hour, 400)
		for i := range 360 {
			s := sampleAt(i*10, 0.5)
			s.Cores, s.DiskRead, s.PressureCPU = 1, 1e5, 0
			if i >= 330 {
				s.CPU, s.Cores = 2, 2
				if demand {
					s.Mem, s.NetIn, s.DiskRead = 2*s.Mem, 1e6, 1e6
				}
			}
			w.Add(s)
		}
		return computeFeatures(w, w.Len(), w.At(w.Len()-1).Time, 5*time.Minute, time.Hour, &featureScratch{})
	}
	near := func(name string, got, want, tol float64) {
		t.Helper()
		if math.Abs(got-want) > tol {
			t.Errorf("%s = %.3f, want %.3f ± %.3f", name, got, want, tol)
		}
	}
	f := build(false)
	a := f.Activity()
	near("CoresShort", a.CoresShort, 2, 1e-9)
	near("CoresLong", a.CoresLong, (330*0.5+30*2)/360.0, 1e-9)
	near("CoresCalm", a.CoresCalm, 0.5, 1e-9)
	near("CalmShare", a.CalmShare, 330/360.0, 1e-9)
	near("Moved", a.Moved, 0, 1e-9)
	v := f.ModelVector(nil)
	near("cpuAlone", v[NumModelFeatures-2], math.Log(2.05/(a.CoresLong+0.05)), 1e-9)
	near("cpuAboveCalm", v[NumModelFeatures-1], math.Log(2.05/0.55), 1e-9)

	f = build(true)
	a = f.Activity()
	if a.Moved < 0.5 {
		t.Errorf("memory, io and network rising with the cpu: Moved = %.2f, want >= 0.5", a.Moved)
	}
	if v := f.ModelVector(nil); v[NumModelFeatures-2] > 0.1 || v[NumModelFeatures-1] > 0.1 {
		t.Errorf("demand: cpuAlone %.2f, cpuAboveCalm %.2f, want at most 0.1 (explained)", v[NumModelFeatures-2], v[NumModelFeatures-1])
	}
}
