package fall

import (
	"math"
	"slices"
	"time"
)

// Share is how much lower each newer part of the period must be.
const Share = 0.1

// Peaks says whether the peaks of the period d (hour), of its newest half
// (h) and of its newest quarter (q) fall as Falling asks: the check that
// needs no sample read one by one, which most periods already fail.
func Peaks(hour, h, q float64) bool { return h < hour*(1-Share) && q < h*(1-Share) }

// Falling reads the n samples at(0..n-1), oldest first, of the period d
// up to now, and returns the newest half's peak h and whether usage still
// falls through the period: h, the newest quarter's peak and its median
// each Share below the period's peak, h and the older half's median; and
// h below the older half's median, so that a burst in the newest half
// over a level a hair lower (a CI runner's random jobs) is no decay.
func Falling(n int, at func(int) (time.Time, float64), now time.Time, d time.Duration) (h float64, ok bool) {
	var old, newest []float64
	hour, h, q := math.Inf(-1), math.Inf(-1), math.Inf(-1) // a NaN sample leaves them NaN
	for i := range n {
		t, v := at(i)
		switch age := now.Sub(t); {
		case age > d || age < 0:
			continue
		case age > d/2:
			old = append(old, v)
		case age <= d/4:
			newest, q = append(newest, v), max(q, v)
			fallthrough
		default:
			h = max(h, v)
		}
		hour = max(hour, v)
	}
	mo := median(old)
	return h, Peaks(hour, h, q) && h < mo && median(newest) < mo*(1-Share)
}

// median is v's middle value, NaN (the one appended) for none.
func median(v []float64) float64 {
	slices.Sort(v)
	return append(v, math.NaN())[len(v)/2]
}
