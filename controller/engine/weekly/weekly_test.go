package weekly

import (
	"testing"
	"time"
	"unsafe"
)

const gib = 1 << 30

// monday is Monday 2026-11-30 00:00 UTC.
var monday = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

// The slots count hours of the week from Sunday 00:00 UTC, as
// time.Weekday numbers the days, whatever the year.
func TestSlotOf(t *testing.T) {
	for _, at := range []time.Time{monday.Add(9 * time.Hour), time.Date(1969, 12, 28, 23, 0, 0, 0, time.UTC), time.Date(2031, 3, 1, 17, 30, 0, 0, time.UTC)} {
		want := int(at.Weekday())*24 + at.Hour()
		if got := SlotOf(at.Unix()); got != want {
			t.Errorf("%s: slot %d, want %d", at, got, want)
		}
	}
}

// The profile is the 1,008 bytes the engine's budget reserves for it and
// eight of bookkeeping.
func TestProfileSize(t *testing.T) {
	var p Profile
	if got := unsafe.Sizeof(p.slots); got != 7*24*6 {
		t.Errorf("slots take %d bytes, want %d", got, 7*24*6)
	}
	if got := unsafe.Sizeof(p); got != 7*24*6+8 {
		t.Errorf("a profile takes %d bytes, want %d", got, 7*24*6+8)
	}
}

// week folds one week of Monday 09:00 at (cpu, mem) into p.
func week(p *Profile, w int, cpu, mem float64) {
	p.Add(monday.Add(time.Duration(w)*7*24*time.Hour+9*time.Hour).Unix(), cpu, mem)
}

// A slot counts the weeks that reached its peak of those observed: a
// week within noise of it is seen; one well above starts it again at the
// new level; weeks below it are not seen, and once most weeks were not,
// the slot starts again at the level they had. Past eight weeks the old
// ones weigh less.
func TestFoldCountsTheWeeks(t *testing.T) {
	var p Profile
	slot := SlotOf(monday.Add(9 * time.Hour).Unix())
	week(&p, 0, 3, 4*gib)
	week(&p, 1, 2.6, 3.5*gib) // within 80 %
	week(&p, 2, 3.2, 4*gib)
	if h := p.Slot(slot); h.Seen != 3 || h.Weeks != 3 || h.CPU < 3.19 || h.CPU > 3.21 {
		t.Fatalf("three weeks at about 3 cores: %+v, want 3.2 cores on 3 of 3 weeks", h)
	}
	week(&p, 3, 0.3, 0.5*gib) // the job did not run
	if h := p.Slot(slot); h.Seen != 3 || h.Weeks != 4 {
		t.Fatalf("a week without the job: %+v, want 3 of 4 weeks", h)
	}
	week(&p, 3, 3, 4*gib) // the same hour again: counted once
	if h := p.Slot(slot); h.Weeks != 4 {
		t.Fatalf("an hour folded twice: %+v, want 4 weeks", h)
	}
	week(&p, 4, 0.3, 0.5*gib)
	week(&p, 5, 0.3, 0.5*gib)
	if h := p.Slot(slot); h.Seen != 3 || h.Weeks != 6 {
		t.Fatalf("3 of 6 weeks: %+v, want the peak kept, half the weeks saw it", h)
	}
	week(&p, 6, 0.3, 0.5*gib)
	if h := p.Slot(slot); h.Seen != 1 || h.Weeks != 1 || h.CPU > 0.31 {
		t.Fatalf("3 of 7 weeks: %+v, want the slot started again at 0.3 cores", h)
	}
	week(&p, 7, 3, 4*gib)
	if h := p.Slot(slot); h.Seen != 1 || h.Weeks != 1 || h.CPU < 2.99 {
		t.Fatalf("a job well above the slot: %+v, want it started again at 3 cores", h)
	}
	for w := 8; w < 20; w++ {
		week(&p, w, 3, 4*gib)
	}
	if h := p.Slot(slot); h.Weeks != maxWeeks || h.Seen != maxWeeks {
		t.Errorf("14 weeks in a row: %+v, want %d of %d", h, maxWeeks, maxWeeks)
	}
	week(&p, 20, 0.3, 0.5*gib)
	if h := p.Slot(slot); h.Weeks != maxWeeks || h.Seen != maxWeeks-1 {
		t.Errorf("then a week without: %+v, want %d of %d", h, maxWeeks-1, maxWeeks)
	}
}

// A backfill fills the hours before the first live one, each with the
// largest peak of the points touching it: half hours (PVE 9's week and
// month) fold per hour, a point of more than three hours (PVE 8's month)
// is left out, and nothing from the live hours' time or after the cut
// counts, so that no hour counts twice.
func TestBackfillBeforeTheLiveHours(t *testing.T) {
	type point struct {
		from, step int64
		cpu, mem   float64
	}
	var points []point
	for w := 0; w < 3; w++ {
		start := monday.Add(time.Duration(w) * 7 * 24 * time.Hour).Unix()
		points = append(points,
			point{start + 9*3600, 1800, 1, gib},
			point{start + 9*3600 + 1800, 1800, 3, 4 * gib},
			point{start, 12 * 3600, 50, 50 * gib}, // a 12-hour row: no hour of the day
		)
	}
	at := func(i int) (int64, int64, float64, float64) {
		p := points[i]
		return p.from, p.step, p.cpu, p.mem
	}
	var p Profile
	live := monday.Add(2*7*24*time.Hour + 9*time.Hour).Unix() // the third Monday's 09:00 is live
	p.Add(live, 3, 4*gib)
	p.Backfill(len(points), at, live+3600)
	slot := SlotOf(live)
	if h := p.Slot(slot); h.Seen != 3 || h.Weeks != 3 || h.CPU != 3 {
		t.Errorf("two weeks backfilled before a live one: %+v, want 3 cores on 3 of 3 weeks", h)
	}
	if h := p.Slot(SlotOf(monday.Add(8 * time.Hour).Unix())); h.Weeks != 0 {
		t.Errorf("08:00, covered only by 12-hour rows: %+v, want nothing", h)
	}
	p.Backfill(len(points), at, live+3600) // again: all of it is counted
	if h := p.Slot(slot); h.Weeks != 3 {
		t.Errorf("the same backfill twice: %+v, want 3 weeks", h)
	}

	var cut Profile
	cut.Backfill(len(points), at, live) // the bucket being filled starts at live
	if h := cut.Slot(slot); h.Weeks != 2 {
		t.Errorf("a backfill cut at the third Monday's 09:00: %+v, want 2 weeks", h)
	}
	cut.Add(live, 3, 4*gib)
	if h := cut.Slot(slot); h.Weeks != 3 || h.Seen != 3 {
		t.Errorf("then the live hour: %+v, want 3 of 3 weeks", h)
	}
}
