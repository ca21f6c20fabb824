package codes

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Float16 keeps integers to 4095 exactly and anything up to MaxFloat16
// to 2^-12 of its value, in order; what it cannot hold saturates or is
// absent.
func TestFloat16Precision(t *testing.T) {
	for v := range 4096 {
		if got := FromFloat16(Float16(float64(v))); got != float64(v) {
			t.Fatalf("%d reads back as %v", v, got)
		}
	}
	prev := uint16(0)
	for i := range 100_000 { // increasing over the whole range
		v := math.Exp(float64(i) / 100_000 * math.Log(MaxFloat16))
		c := Float16(v)
		if got := FromFloat16(c); math.Abs(got-v) > max(0.5, v/4096) {
			t.Fatalf("%v reads back as %v: more than 0.5 or 2^-12 off", v, got)
		}
		if c < prev {
			t.Fatalf("%v encodes below a smaller value", v)
		}
		prev = c
	}
	rnd := rand.New(rand.NewPCG(7, 8))
	for range 100_000 {
		v := 4096 + rnd.Float64()*1e6
		if got := FromFloat16(Float16(v)); math.Abs(got-v) > v/4096 {
			t.Fatalf("%v reads back as %v: more than 2^-12 off", v, got)
		}
	}
	for _, tc := range []struct {
		in   float64
		want float64
	}{{-3, 0}, {0.4, 0}, {MaxFloat16, MaxFloat16}, {1e300, MaxFloat16}} {
		if got := FromFloat16(Float16(tc.in)); got != tc.want {
			t.Errorf("%v reads back as %v, want %v", tc.in, got, tc.want)
		}
	}
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got := FromFloat16(Float16(v)); !math.IsNaN(got) {
			t.Errorf("%v reads back as %v, want NaN (unknown)", v, got)
		}
	}
}

// Pressure keeps the kernel's two decimals.
func TestCentiKeepsTwoDecimals(t *testing.T) {
	for c := range 10_001 {
		v := float64(c) / 100
		if got := FromCenti(Centi(v)); got != v {
			t.Fatalf("%v %% reads back as %v", v, got)
		}
	}
	if got := FromCenti(Centi(1e6)); got != 655.34 {
		t.Errorf("a huge pressure reads back as %v, want 655.34", got)
	}
	if got := FromCenti(Centi(math.NaN())); !math.IsNaN(got) {
		t.Errorf("an absent pressure reads back as %v, want NaN", got)
	}
	for _, tc := range []struct {
		a, b, c float64
		want    float64
	}{{1.5, math.NaN(), 0.25, 1.5}, {math.NaN(), math.NaN(), math.NaN(), 0}, {0, 0, 655.34, 655.34}, {math.NaN(), 0.01, math.NaN(), 0.01}} {
		if got := MaxCenti(Centi(tc.a), Centi(tc.b), Centi(tc.c)); got != tc.want {
			t.Errorf("MaxCenti(%v, %v, %v) = %v, want %v (absent counting as 0)", tc.a, tc.b, tc.c, got, tc.want)
		}
	}
}
