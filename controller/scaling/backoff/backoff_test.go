package backoff

import (
	"testing"
	"time"
)

func TestDefaultLadder(t *testing.T) {
	for failures, want := range map[int]time.Duration{
		-1: 0, 0: 0, 1: 30 * time.Second, 2: time.Minute, 6: 16 * time.Minute,
		7: 30 * time.Minute, 8: 30 * time.Minute, 1 << 30: 30 * time.Minute,
	} {
		if got := Default(failures); got != want {
			t.Errorf("Default(%d) = %v, want %v", failures, got, want)
		}
	}
}
