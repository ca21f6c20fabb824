package workload

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// epoch is an arbitrary simulated instant; midnight UTC so day/night tests
// can name hours.
var epoch = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

// seeds are enough seeds to cover each kind's parameter ranges.
var seeds = []uint64{0, 1, 2, 3, 7, 42, 1000, 1 << 40, math.MaxUint64}

// demands samples m's demand every step over [from, from+span).
func demands(m *Model, from time.Time, span, step time.Duration) []Demand {
	var out []Demand
	for d := time.Duration(0); d < span; d += step {
		out = append(out, m.Demand(from.Add(d)))
	}
	return out
}

func meanCores(ds []Demand) float64 {
	var sum float64
	for _, d := range ds {
		sum += d.CPUCores
	}
	return sum / float64(len(ds))
}

func TestParseKind(t *testing.T) {
	t.Parallel()
	for _, k := range Kinds() {
		got, err := ParseKind(string(k))
		if err != nil || got != k {
			t.Errorf("ParseKind(%q) = %q, %v, want %q, nil", k, got, err, k)
		}
	}
	for _, bad := range []string{"", "Steady", "steady ", "burst", "diskFill"} {
		got, err := ParseKind(bad)
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Param != "kind" || pe.Value != bad {
			t.Errorf("ParseKind(%q) = %q, %v, want a *ParamError for kind", bad, got, err)
			continue
		}
		for _, k := range Kinds() {
			if !strings.Contains(err.Error(), string(k)) {
				t.Errorf("ParseKind(%q) error %q does not name %q", bad, err, k)
			}
		}
	}
}

func TestKindsAreDistinct(t *testing.T) {
	t.Parallel()
	kinds := Kinds()
	if len(kinds) != 8 {
		t.Fatalf("Kinds() has %d kinds, want 8", len(kinds))
	}
	for _, k := range kinds {
		if m := New(k, 1); m.Kind() != k {
			t.Errorf("New(%q, 1).Kind() = %q", k, m.Kind())
		}
	}
	if m := New("nonsense", 1); m.Kind() != Steady {
		t.Errorf("New(nonsense).Kind() = %q, want %q", m.Kind(), Steady)
	}
}

func TestShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind  Kind
		check func(t *testing.T, seed uint64)
	}{
		{Steady, func(t *testing.T, seed uint64) {
			ds := demands(New(Steady, seed), epoch, time.Hour, 10*time.Second)
			mean := meanCores(ds)
			for _, d := range ds {
				if math.Abs(d.CPUCores-mean) > 0.15*mean {
					t.Fatalf("cores %.3f strays more than 15%% from the mean %.3f", d.CPUCores, mean)
				}
				if rel := math.Abs(float64(d.MemBytes)/float64(ds[0].MemBytes) - 1); rel > 0.05 {
					t.Fatalf("memory moved %.1f%%, want flat", 100*rel)
				}
				if d.DiskBytes != ds[0].DiskBytes {
					t.Fatalf("disk moved from %d to %d, want flat", ds[0].DiskBytes, d.DiskBytes)
				}
			}
		}},
		{Diurnal, func(t *testing.T, seed uint64) {
			m := New(Diurnal, seed)
			night := demands(m, epoch, 6*time.Hour, time.Minute)
			afternoon := demands(m, epoch.Add(12*time.Hour), 6*time.Hour, time.Minute)
			if n, d := meanCores(night), meanCores(afternoon); d < 3*n {
				t.Errorf("mean cores 12-18h UTC %.2f, 0-6h UTC %.2f: want the day at least 3x busier", d, n)
			}
			if n, d := night[len(night)/2].NetOutRate, afternoon[len(afternoon)/2].NetOutRate; d < 3*n {
				t.Errorf("net out at 15h %.0f B/s, at 3h %.0f B/s: want the day at least 3x busier", d, n)
			}
		}},
		{Spike, func(t *testing.T, seed uint64) {
			ds := demands(New(Spike, seed), epoch, time.Hour, 10*time.Second)
			cores := make([]float64, len(ds))
			for i, d := range ds {
				cores[i] = d.CPUCores
			}
			base := slices.Sorted(slices.Values(cores))[len(cores)/2]
			var bursts, longest, run int
			for _, c := range cores {
				if c > 3*base {
					if run == 0 {
						bursts++
					}
					run++
					longest = max(longest, run)
				} else {
					run = 0
				}
			}
			if bursts < 2 {
				t.Errorf("%d bursts above 3x the median %.2f cores in an hour, want at least 2", bursts, base)
			}
			if d := time.Duration(longest) * 10 * time.Second; d > 5*time.Minute {
				t.Errorf("longest burst %v, want minutes", d)
			}
		}},
		{Leak, func(t *testing.T, seed uint64) {
			ds := demands(New(Leak, seed), epoch, 13*time.Hour, time.Minute)
			var resets []int
			for i := 1; i < len(ds); i++ {
				if float64(ds[i].MemBytes) < 0.7*float64(ds[i-1].MemBytes) {
					resets = append(resets, i)
				}
			}
			if len(resets) < 1 || len(resets) > 3 {
				t.Fatalf("%d restarts in 13 h, want 1 to 3 (every 6-12 h)", len(resets))
			}
			segmentStart := resets[0]
			if len(ds)-segmentStart < 60 {
				t.Fatalf("restart at minute %d leaves no hour to watch", segmentStart)
			}
			grown := float64(ds[segmentStart+60].MemBytes) - float64(ds[segmentStart].MemBytes)
			if grown < 200*mib {
				t.Errorf("memory grew %.0f MiB in the hour after a restart, want at least 200 MiB", grown/mib)
			}
		}},
		{DiskFill, func(t *testing.T, seed uint64) {
			m := NewSince(DiskFill, seed, epoch)
			before := m.Demand(epoch.Add(-time.Hour)).DiskBytes
			ds := demands(m, epoch, 2*time.Hour, 10*time.Second)
			if before != ds[0].DiskBytes {
				t.Errorf("disk before start %d, at start %d: want no growth before start", before, ds[0].DiskBytes)
			}
			for i := 1; i < len(ds); i++ {
				if ds[i].DiskBytes < ds[i-1].DiskBytes {
					t.Fatalf("disk dropped from %d to %d at %v", ds[i-1].DiskBytes, ds[i].DiskBytes, time.Duration(i)*10*time.Second)
				}
			}
			if grown := ds[len(ds)/2].DiskBytes - ds[0].DiskBytes; grown < 2*gib {
				t.Errorf("disk grew %.2f GiB in an hour, want at least 2 GiB", float64(grown)/gib)
			}
			if later := m.Demand(epoch.Add(30 * 24 * time.Hour)).DiskBytes; later <= ds[len(ds)-1].DiskBytes {
				t.Errorf("disk after 30 days %d, want above %d", later, ds[len(ds)-1].DiskBytes)
			}
		}},
		{Batch, func(t *testing.T, seed uint64) {
			ds := demands(New(Batch, seed), epoch, 2*time.Hour, 10*time.Second)
			var on, edges int
			var onIO, offIO float64
			for i, d := range ds {
				busy := d.CPUCores > 1
				if busy {
					on++
					onIO += d.DiskReadRate + d.DiskWriteRate
				} else {
					offIO += d.DiskReadRate + d.DiskWriteRate
				}
				if i > 0 && busy != (ds[i-1].CPUCores > 1) {
					edges++
				}
			}
			if share := float64(on) / float64(len(ds)); share < 0.15 || share > 0.4 {
				t.Errorf("busy %.0f%% of the time, want 15-40%%", 100*share)
			}
			if edges < 3 {
				t.Errorf("%d on/off edges in 2 h, want at least 3", edges)
			}
			if on > 0 && on < len(ds) {
				if a, b := onIO/float64(on), offIO/float64(len(ds)-on); a < 100*b {
					t.Errorf("disk I/O %.0f B/s in jobs, %.0f B/s between: want jobs 100x heavier", a, b)
				}
			}
		}},
		{Idle, func(t *testing.T, seed uint64) {
			for _, d := range demands(New(Idle, seed), epoch, time.Hour, 10*time.Second) {
				if d.CPUCores > 0.05 || d.MemBytes > 128*mib || d.NetInRate > 4*kib || d.DiskWriteRate > 4*kib {
					t.Fatalf("idle demand %+v, want under 0.05 cores, 128 MiB, 4 KiB/s", d)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			t.Parallel()
			for _, seed := range seeds {
				tt.check(t, seed)
			}
		})
	}
}

// TestDiskFillWithoutStart pins what New does without an origin: growth
// restarts once a day instead of running away since 1970.
func TestDiskFillWithoutStart(t *testing.T) {
	t.Parallel()
	for _, seed := range seeds {
		ds := demands(New(DiskFill, seed), epoch, 48*time.Hour, time.Minute)
		var drops int
		for i := 1; i < len(ds); i++ {
			if ds[i].DiskBytes < ds[i-1].DiskBytes {
				drops++
			}
		}
		if drops != 2 {
			t.Errorf("seed %d: %d drops in 48 h, want 2 (one a day)", seed, drops)
		}
		for _, d := range ds {
			if d.DiskBytes > 3*gib+24*5*gib {
				t.Fatalf("seed %d: disk %d beyond a day of growth", seed, d.DiskBytes)
			}
		}
	}
}

func TestCPUAllocation(t *testing.T) {
	t.Parallel()
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) {
			t.Parallel()
			m := New(k, 5)
			for i := range 100 {
				at := epoch.Add(time.Duration(i) * 97 * time.Second)
				d := m.Demand(at)
				roomy := Allocation{CPUs: math.Ceil(2 * d.CPUCores)}
				doubled := Allocation{CPUs: 2 * roomy.CPUs}
				a, b := m.At(at, roomy), m.At(at, doubled)
				if math.Abs(a.CPU-2*b.CPU) > 1e-12 {
					t.Fatalf("%v: cpu %.4f at %.0f cpus, %.4f at %.0f: want doubling cpus to halve it", at, a.CPU, roomy.CPUs, b.CPU, doubled.CPUs)
				}
				if a.PressureCPUSome != 0 || a.PressureCPUFull != 0 {
					t.Fatalf("%v: cpu pressure %.1f/%.1f at %.0f%% use, want none", at, a.PressureCPUSome, a.PressureCPUFull, 100*a.CPU)
				}
				if a.NetInRate != d.NetInRate || a.DiskWriteRate != d.DiskWriteRate {
					t.Fatalf("%v: unsaturated rates %+v differ from demand %+v", at, a, d)
				}

				half := Allocation{CPUs: d.CPUCores / 2}
				quarter := Allocation{CPUs: d.CPUCores / 4}
				h, q := m.At(at, half), m.At(at, quarter)
				if h.CPU != 1 || q.CPU != 1 {
					t.Fatalf("%v: cpu %.3f and %.3f with half and a quarter of the demand, want 1", at, h.CPU, q.CPU)
				}
				if h.PressureCPUSome < 50 || h.PressureCPUFull <= 0 {
					t.Fatalf("%v: cpu pressure %.1f/%.1f with half the demand, want some >= 50 and full > 0", at, h.PressureCPUSome, h.PressureCPUFull)
				}
				if q.PressureCPUSome <= h.PressureCPUSome || q.PressureCPUFull <= h.PressureCPUFull {
					t.Fatalf("%v: cpu pressure %.1f/%.1f at a quarter, %.1f/%.1f at half: want more pressure with less cpu",
						at, q.PressureCPUSome, q.PressureCPUFull, h.PressureCPUSome, h.PressureCPUFull)
				}
				if math.Abs(h.NetOutRate-d.NetOutRate/2) > 1e-9*d.NetOutRate {
					t.Fatalf("%v: net out %.1f with half the cpu, want half of %.1f", at, h.NetOutRate, d.NetOutRate)
				}
			}
		})
	}
}

func TestMemoryAllocation(t *testing.T) {
	t.Parallel()
	m := New(Steady, 3)
	d := m.Demand(epoch)
	tests := []struct {
		name             string
		limit, swap      uint64
		wantMem          uint64
		wantSwap         uint64
		minSome, maxSome float64
	}{
		{"roomy", 2 * d.MemBytes, 512 * mib, d.MemBytes, 0, 0, 0},
		{"half in swap", d.MemBytes / 2, d.MemBytes, d.MemBytes / 2, d.MemBytes - d.MemBytes/2, 50, 100},
		{"a little in swap", d.MemBytes - d.MemBytes/20, d.MemBytes, d.MemBytes - d.MemBytes/20, d.MemBytes / 20, 10, 30},
		{"swap full", d.MemBytes / 2, 16 * mib, d.MemBytes / 2, 16 * mib, 90, 100},
		{"no swap", d.MemBytes / 2, 0, d.MemBytes / 2, 0, 90, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := m.At(epoch, Allocation{CPUs: 4, MemoryBytes: tt.limit, SwapBytes: tt.swap, DiskBytes: 8 * gib})
			if s.Mem != tt.wantMem || s.Swap != tt.wantSwap {
				t.Errorf("mem, swap = %d, %d, want %d, %d", s.Mem, s.Swap, tt.wantMem, tt.wantSwap)
			}
			if s.PressureMemorySome < tt.minSome || s.PressureMemorySome > tt.maxSome {
				t.Errorf("memory pressure some %.1f, want %.0f-%.0f", s.PressureMemorySome, tt.minSome, tt.maxSome)
			}
			if s.PressureMemoryFull > s.PressureMemorySome {
				t.Errorf("memory pressure full %.1f above some %.1f", s.PressureMemoryFull, s.PressureMemorySome)
			}
			if (s.Swap > 0) != (s.PressureIOSome > 1) {
				t.Errorf("swap %d with io pressure %.2f: want io pressure exactly when swapping", s.Swap, s.PressureIOSome)
			}
		})
	}
}

func TestDiskAllocation(t *testing.T) {
	t.Parallel()
	m := NewSince(DiskFill, 9, epoch)
	at := epoch.Add(3 * time.Hour)
	d := m.Demand(at)
	for _, size := range []uint64{d.DiskBytes / 2, d.DiskBytes, 2 * d.DiskBytes} {
		if got := m.At(at, Allocation{CPUs: 1, MemoryBytes: gib, DiskBytes: size}).Disk; got != min(size, d.DiskBytes) {
			t.Errorf("disk with a %d-byte rootfs = %d, want %d", size, got, min(size, d.DiskBytes))
		}
	}
}

func TestIOPressureFollowsDiskIO(t *testing.T) {
	t.Parallel()
	m := New(Batch, 4)
	a := Allocation{CPUs: 8, MemoryBytes: 8 * gib, SwapBytes: gib, DiskBytes: 16 * gib}
	var quiet, busy Sample
	for i := range 360 {
		at := epoch.Add(time.Duration(i) * 10 * time.Second)
		s := m.At(at, a)
		if s.DiskReadRate+s.DiskWriteRate > busy.DiskReadRate+busy.DiskWriteRate {
			busy = s
		}
		if i == 0 || s.DiskReadRate+s.DiskWriteRate < quiet.DiskReadRate+quiet.DiskWriteRate {
			quiet = s
		}
	}
	if busy.PressureIOSome < 10 || quiet.PressureIOSome > 1 {
		t.Errorf("io pressure %.2f at %.0f B/s and %.2f at %.0f B/s, want >= 10 busy and <= 1 quiet",
			busy.PressureIOSome, busy.DiskReadRate+busy.DiskWriteRate, quiet.PressureIOSome, quiet.DiskReadRate+quiet.DiskWriteRate)
	}
}

func TestDeterminism(t *testing.T) {
	t.Parallel()
	a := Allocation{CPUs: 1, MemoryBytes: gib, SwapBytes: 256 * mib, DiskBytes: 4 * gib}
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) {
			t.Parallel()
			first, again, other := New(k, 11), New(k, 11), New(k, 12)
			instants := make([]time.Time, 200)
			for i := range instants {
				instants[i] = epoch.Add(time.Duration(i) * 37 * time.Second)
			}
			forward := make([]Sample, len(instants))
			for i, at := range instants {
				forward[i] = first.At(at, a)
			}
			var differ int
			// Backwards, from a second model: no hidden history may matter.
			for i := len(instants) - 1; i >= 0; i-- {
				if got := again.At(instants[i], a); got != forward[i] {
					t.Fatalf("At(%v) = %+v, then %+v with the same seed", instants[i], forward[i], got)
				}
				if other.At(instants[i], a) != forward[i] {
					differ++
				}
			}
			if differ < len(instants)/2 {
				t.Errorf("seeds 11 and 12 agree at %d of %d instants, want them to differ", len(instants)-differ, len(instants))
			}
		})
	}
}

func TestAtDoesNotAllocate(t *testing.T) {
	m := New(Spike, 1)
	a := Allocation{CPUs: 1, MemoryBytes: gib, SwapBytes: gib, DiskBytes: 8 * gib}
	at := epoch
	if n := testing.AllocsPerRun(100, func() { at = at.Add(time.Second); m.At(at, a) }); n != 0 {
		t.Errorf("At allocates %.0f times per call, want 0", n)
	}
}

func TestCountersAdd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		s    Sample
		d    time.Duration
		n    int
		want Counters
	}{
		{"one step", Sample{NetInRate: 1000, NetOutRate: 2000, DiskReadRate: 3, DiskWriteRate: 0.5}, 10 * time.Second, 1,
			Counters{NetIn: 10000, NetOut: 20000, DiskRead: 30, DiskWrite: 5}},
		{"many steps", Sample{NetInRate: 1.5}, time.Second, 100, Counters{NetIn: 200}}, // 1.5 rounds to 2 each time
		{"zero duration", Sample{NetInRate: 1e9}, 0, 3, Counters{}},
		{"negative duration", Sample{NetInRate: 1e9}, -time.Second, 1, Counters{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var c Counters
			for range tt.n {
				c.Add(tt.s, tt.d)
			}
			if c != tt.want {
				t.Errorf("Counters after %d x Add(%v) = %+v, want %+v", tt.n, tt.d, c, tt.want)
			}
		})
	}
}

// TestCPULimit follows PVE: with cores and a lower cpulimit, cpu is reported
// against cores, so the container saturates below 1.0.
func TestCPULimit(t *testing.T) {
	t.Parallel()
	m := New(Steady, 4)
	d := m.Demand(epoch)
	tests := []struct {
		name         string
		a            Allocation
		wantCPU      float64
		wantPressure bool
	}{
		{"no limit", Allocation{CPUs: 4 * d.CPUCores}, 0.25, false},
		{"limit above demand", Allocation{CPUs: 4 * d.CPUCores, CPULimit: 2 * d.CPUCores}, 0.25, false},
		{"limit below demand", Allocation{CPUs: 4 * d.CPUCores, CPULimit: d.CPUCores / 2}, 0.125, true},
		{"limit above cores", Allocation{CPUs: d.CPUCores / 2, CPULimit: 8 * d.CPUCores}, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := m.At(epoch, tt.a)
			if math.Abs(s.CPU-tt.wantCPU) > 1e-12 {
				t.Errorf("cpu = %v, want %v", s.CPU, tt.wantCPU)
			}
			if got := s.PressureCPUSome >= 50; got != tt.wantPressure {
				t.Errorf("cpu pressure some %.1f, want pressure %v", s.PressureCPUSome, tt.wantPressure)
			}
		})
	}
}

func TestBusyIsCPUBoundAllTheTime(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for seed := range uint64(20) {
		m := New(Busy, seed)
		for s := 0; s < 86400; s += 601 {
			if c := m.Demand(start.Add(time.Duration(s) * time.Second)).CPUCores; c < 3*0.95 || c > 6*1.05 {
				t.Fatalf("seed %d at +%ds: busy demands %.2f cores, want 3-6 (±5 %%)", seed, s, c)
			}
		}
	}
}
