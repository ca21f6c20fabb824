package undone

import (
	"testing"
	"time"
)

// A decrease undone within Within counts, one that held halves the count,
// and the cooldown after the increase doubles per count up to Within.
func TestAfterAndCooldown(t *testing.T) {
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	down := Act{Dir: Down, Time: t0, Count: 2}
	if got := After(down, true, Act{Dir: Up, Time: t0.Add(time.Hour)}); got != 3 {
		t.Errorf("undone after an hour: %d, want 3", got)
	}
	if got := After(down, true, Act{Dir: Up, Time: t0.Add(Within + time.Second)}); got != 1 {
		t.Errorf("held past Within: %d, want 1 (halved)", got)
	}
	if got := After(Act{}, false, Act{Dir: Up, Time: t0}); got != 0 {
		t.Errorf("no action before: %d, want 0", got)
	}
	if got := Cooldown(45*time.Minute, Act{Dir: Up, Count: 2}); got != 3*time.Hour {
		t.Errorf("Cooldown(45m, 2 undone) = %s, want 3h", got)
	}
	if got := Cooldown(45*time.Minute, Act{Dir: Up, Count: 8}); got != Within {
		t.Errorf("Cooldown(45m, 8 undone) = %s, want %s", got, Within)
	}
}

// A relief increase within Within of a decrease counts a job at random,
// up to JobsSeen; one later (a weekly job after a night's decrease) counts
// one less; every other action carries the count.
func TestJobs(t *testing.T) {
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	down := Act{Dir: Down, Time: t0, Jobs: 1}
	relief := func(after time.Duration) Act { return Act{Dir: Up, Time: t0.Add(after), Relief: true} }
	cases := []struct {
		name string
		prev Act
		ok   bool
		act  Act
		want uint8
	}{
		{"relief 40 min after a decrease", down, true, relief(40 * time.Minute), 2},
		{"relief at JobsSeen already", Act{Dir: Down, Time: t0, Jobs: JobsSeen}, true, relief(time.Hour), JobsSeen},
		{"relief past Within", down, true, relief(Within + time.Minute), 0},
		{"an ordinary increase", down, true, Act{Dir: Up, Time: t0.Add(time.Hour)}, 1},
		{"relief after an increase", Act{Dir: Up, Time: t0, Jobs: 1}, true, relief(time.Minute), 1},
		{"a decrease carries it", Act{Dir: Up, Time: t0, Jobs: 2}, true, Act{Dir: Down, Time: t0.Add(time.Hour)}, 2},
		{"nothing before", Act{}, false, relief(time.Hour), 0},
	}
	for _, c := range cases {
		if got := Jobs(c.prev, c.ok, c.act); got != c.want {
			t.Errorf("%s: Jobs = %d, want %d", c.name, got, c.want)
		}
	}
}
