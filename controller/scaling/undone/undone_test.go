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
