package scenario

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/sim"
)

var monday = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

func generate(t *testing.T, name string, seed uint64, length time.Duration) sim.Trace {
	t.Helper()
	tr, err := Generate(name, Options{Seed: seed, Start: monday, Step: time.Minute, Duration: length, NameHashKey: 7})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestGenerateIsSeededAndValid: the same options give the same trace,
// another seed another one, every default has its length and size, and
// Simulate accepts each trace (PSI within 0-100, times increasing).
func TestGenerateIsSeededAndValid(t *testing.T) {
	for _, sp := range List() {
		tr := generate(t, sp.Name, 1, 0)
		if len(tr.Containers) != sp.Containers {
			t.Errorf("%s: %d containers, want %d", sp.Name, len(tr.Containers), sp.Containers)
		}
		if got := len(tr.Containers[0].Points); got != int(sp.Duration/time.Minute) {
			t.Errorf("%s: %d samples, want %s of minutes", sp.Name, got, sp.Duration)
		}
		if again := generate(t, sp.Name, 1, 0); !reflect.DeepEqual(tr, again) {
			t.Errorf("%s: two traces of seed 1 differ", sp.Name)
		}
		if other := generate(t, sp.Name, 2, 0); reflect.DeepEqual(tr.Containers[0].Points, other.Containers[0].Points) {
			t.Errorf("%s: seeds 1 and 2 give the same trace", sp.Name)
		}
		short := generate(t, sp.Name, 1, 3*time.Hour)
		o := sim.Options{Policies: []string{sim.PolicyStatic}}
		if _, err := sim.Simulate(short, o); err != nil {
			t.Errorf("%s: Simulate refuses the trace: %v", sp.Name, err)
		}
	}
	if _, err := Generate("nope", Options{Step: time.Minute}); err == nil {
		t.Error("an unknown scenario was generated")
	}
}

// peak is the largest value of f over the container's points whose time
// satisfies when.
func peak(c sim.TraceContainer, when func(time.Time) bool, f func(sim.TracePoint) float64) float64 {
	m := math.Inf(-1)
	for _, p := range c.Points {
		if when(p.Time) {
			m = max(m, f(p))
		}
	}
	return m
}

func hourIn(from, to int) func(time.Time) bool {
	return func(t time.Time) bool { return t.Hour() >= from && t.Hour() < to }
}

func cores(p sim.TracePoint) float64  { return p.CPUCores }
func memGiB(p sim.TracePoint) float64 { return float64(p.MemoryBytes) / gib }

// TestScenariosShowTheirPattern checks each scenario for what it is meant
// to show, on every container of seed 1.
func TestScenariosShowTheirPattern(t *testing.T) {
	for _, c := range generate(t, "nightly", 1, 0).Containers {
		if night, day := peak(c, hourIn(1, 5), memGiB), peak(c, hourIn(8, 20), memGiB); !(night >= 3 && day < 1) {
			t.Errorf("nightly %d: %.2f GiB at night, %.2f by day; want a job of 3-5 GiB and a small day", c.VMID, night, day)
		}
	}
	weekend := func(t time.Time) bool { return t.Weekday() == time.Saturday || t.Weekday() == time.Sunday }
	office := func(t time.Time) bool { return !weekend(t) && t.Hour() >= 10 && t.Hour() < 11 }
	for _, c := range generate(t, "weekday", 1, 0).Containers {
		if busy, quiet := peak(c, office, cores), peak(c, weekend, cores); !(busy >= 1.3 && quiet < 0.25) {
			t.Errorf("weekday %d: %.2f cores on weekday mornings, %.2f at the weekend", c.VMID, busy, quiet)
		}
	}
	for _, c := range generate(t, "flashcrowd", 1, 0).Containers {
		first, top := c.Points[0].CPUCores, peak(c, func(time.Time) bool { return true }, cores)
		if top < 5*first {
			t.Errorf("flashcrowd %d: peak %.2f cores from %.2f; want a crowd of 6-12x", c.VMID, top, first)
		}
	}
	for _, c := range generate(t, "ramp", 1, 0).Containers {
		n := len(c.Points)
		if start, end := c.Points[0].CPUCores, c.Points[n-1].CPUCores; !(end > 2.5 && start < 0.5) {
			t.Errorf("ramp %d: %.2f to %.2f cores", c.VMID, start, end)
		}
	}
	for _, c := range generate(t, "thrash", 1, 0).Containers {
		limit := float64(c.Initial.MemoryMiB) * mib
		over, psi := 0, 0.0
		for i, p := range c.Points {
			if float64(p.MemoryBytes) > limit && (i == 0 || float64(c.Points[i-1].MemoryBytes) <= limit) {
				over++
			}
			psi = max(psi, p.PressureMemory)
		}
		if over < 24 || psi < 50 {
			t.Errorf("thrash %d: %d episodes over the limit, memory pressure up to %.0f %%; want a burst every 15-30 min under pressure", c.VMID, over, psi)
		}
	}
	for _, c := range generate(t, "runaway", 1, 0).Containers {
		spinning := 0
		for _, p := range c.Points {
			if p.RunawayCores > 0 {
				spinning++
				if p.CPUCores > 1 || p.PressureCPU <= 0 {
					t.Fatalf("runaway %d at %s: demand %.2f cores, cpu pressure %.2f: the runaway must not be demand", c.VMID, p.Time, p.CPUCores, p.PressureCPU)
				}
			}
		}
		if spinning < 4*60 || spinning > 8*60 {
			t.Errorf("runaway %d spins %d minutes, want 4-8 h", c.VMID, spinning)
		}
	}
}
