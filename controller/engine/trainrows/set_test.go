package trainrows

import (
	"math"
	"slices"
	"testing"
	"time"
)

// width is the vectors' in these tests; t0 where their passes start.
const width = 5

var t0 = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

func vectorOf(v float64) []float64 {
	out := make([]float64, width)
	for i := range out {
		out[i] = v + float64(i)/100
	}
	return out
}

// TestTrainingSetKeepsAPassSampleOverTheWindow: a pass keeps every vector
// up to PerPass and a seeded draw of perPass beyond; rows leave with the
// window; Draw returns copies, oldest first.
func TestTrainingSetKeepsAPassSampleOverTheWindow(t *testing.T) {
	window := time.Minute
	// Twelve passes 10 s apart offer 2 vectors, then 50, in turn.
	passes := func() *Set {
		s := &Set{Width: width, PerPass: 3, MaxRows: 1000}
		for pass := range 12 {
			now := t0.Add(time.Duration(pass) * 10 * time.Second)
			s.Begin(now, 7)
			offered := 2
			if pass%2 == 1 {
				offered = 50
			}
			for c := range offered {
				s.Offer(vectorOf(float64(pass*1000 + c)))
			}
			s.End(now, window)
		}
		return s
	}
	s := passes()
	now := t0.Add(110 * time.Second)
	if !s.Covers(now, window) || s.Covers(t0.Add(50*time.Second), window) {
		t.Errorf("covers: after 110 s of passes %v, after 50 s %v; want true, false", s.Covers(now, window), s.Covers(t0.Add(50*time.Second), window))
	}
	rows := s.Draw(now.Add(-window), nil)
	// Passes 5..11 are within the minute: 4 odd passes of 3 rows, 3 even of 2.
	if len(rows) != 4*3+3*2 {
		t.Fatalf("%d rows, want 18", len(rows))
	}
	var from []int
	for _, r := range rows {
		from = append(from, int(r[0])/1000)
	}
	if !slices.IsSorted(from) || from[0] != 5 || from[len(from)-1] != 11 {
		t.Errorf("rows come from passes %v, want 5..11 in order", from)
	}
	seen := map[float64]bool{}
	for _, r := range rows {
		if seen[r[0]] {
			t.Errorf("vector %v kept twice", r[0])
		}
		seen[r[0]] = true
		if !slices.Equal(r, vectorOf(r[0])) {
			t.Errorf("row %v is not the vector offered", r)
		}
	}
	rows[0][0] = math.NaN()
	if again := s.Draw(now.Add(-window), nil); math.IsNaN(again[0][0]) {
		t.Error("draw shares the set's memory")
	}

	// The same passes draw the same rows.
	if got := passes().Draw(now.Add(-window), nil); !slices.EqualFunc(got, s.Draw(now.Add(-window), nil), slices.Equal) {
		t.Error("the same passes and seed drew other rows")
	}
}

// TestPendingOffersAsOffered: vectors kept in Pendings (the shards of a
// pass, each a run of the offers) and offered in their order after leave
// the set as the same offers made directly, the seeded draw included.
func TestPendingOffersAsOffered(t *testing.T) {
	direct, later := &Set{Width: width, PerPass: 4, MaxRows: 1000}, &Set{Width: width, PerPass: 4, MaxRows: 1000}
	var pending [3]Pending
	for pass := range 6 {
		now := t0.Add(time.Duration(pass) * 10 * time.Second)
		direct.Begin(now, 9)
		later.Begin(now, 9)
		for c := range 40 + pass {
			v := vectorOf(float64(pass*1000 + c))
			direct.Offer(v)
			pending[c*len(pending)/(40+pass)].Add(v)
			v[0] = -1 // kept a copy
		}
		for i := range pending {
			pending[i].OfferTo(later)
		}
		direct.End(now, time.Minute)
		later.End(now, time.Minute)
	}
	got, want := later.Draw(t0, nil), direct.Draw(t0, nil)
	if len(want) == 0 || !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("offered later\n%v\nwant as offered\n%v", got, want)
	}
}
