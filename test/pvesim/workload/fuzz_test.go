package workload

import (
	"errors"
	"math"
	"testing"
	"time"
)

func FuzzParseKind(f *testing.F) {
	for _, s := range []string{"steady", "diskfill", "", "Steady", "spike\x00", "idle "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKind(s)
		if err != nil {
			var pe *ParamError
			if !errors.As(err, &pe) || k != "" {
				t.Fatalf("ParseKind(%q) = %q, %v, want \"\" and a *ParamError", s, k, err)
			}
			return
		}
		if string(k) != s || New(k, 0).Kind() != k {
			t.Fatalf("ParseKind(%q) = %q, not a round trip", s, k)
		}
	})
}

// FuzzHistory checks that no input panics and that every value History
// returns is finite and in range.
func FuzzHistory(f *testing.F) {
	f.Add("spike", uint64(1), int64(1_795_000_000), "hour", "AVERAGE", 2.0, 1.5, uint64(1<<30), uint64(1<<29), uint64(8<<30), true)
	f.Add("leak", uint64(0), int64(0), "day", "MAX", 0.5, 0.0, uint64(0), uint64(0), uint64(0), true)
	f.Add("diskfill", uint64(math.MaxUint64), int64(-1), "year", "", 0.0, 4.0, uint64(math.MaxUint64), uint64(math.MaxUint64), uint64(math.MaxUint64), false)
	f.Add("batch", uint64(9), int64(math.MaxInt64), "week", "MAX", 8192.0, 0.25, uint64(16<<20), uint64(0), uint64(4<<30), true)
	f.Add("idle", uint64(9), int64(math.MinInt64), "decade", "LAST", 1.0, 1.0, uint64(1), uint64(1), uint64(1), true)
	f.Fuzz(func(t *testing.T, kind string, seed uint64, now int64, timeframe, cf string, cpus, cpuLimit float64, mem, swap, disk uint64, running bool) {
		for _, v := range []float64{cpus, cpuLimit} {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				t.Skip("PVE's cpus and cpulimit are finite non-negative numbers")
			}
		}
		a := Allocation{CPUs: cpus, CPULimit: cpuLimit, MemoryBytes: mem, SwapBytes: swap, DiskBytes: disk}
		m := NewSince(Kind(kind), seed, time.Unix(now/2, 0))
		rows, err := History(m, func(time.Time) (Allocation, bool) { return a, running }, time.Unix(now, 0), timeframe, cf)
		_, count, ok := Resolution(timeframe)
		cfOK := cf == "" || cf == "AVERAGE" || cf == "MAX"
		if (err == nil) != (ok && cfOK) {
			t.Fatalf("History(%q, %q) error %v, want an error exactly for a bad timeframe or cf", timeframe, cf, err)
		}
		if err != nil {
			return
		}
		if len(rows) != count {
			t.Fatalf("%d rows, want %d", len(rows), count)
		}
		for _, r := range rows {
			for key, v := range r.Values {
				if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
					t.Fatalf("row %d %s = %v, want finite and non-negative", r.Time, key, v)
				}
				switch key {
				case "cpu":
					if v > 1 {
						t.Fatalf("row %d cpu = %v, want a fraction", r.Time, v)
					}
				case "pressurecpusome", "pressurecpufull", "pressureiosome", "pressureiofull", "pressurememorysome", "pressurememoryfull":
					if v > 100 {
						t.Fatalf("row %d %s = %v, want a percentage", r.Time, key, v)
					}
				}
			}
		}
	})
}
