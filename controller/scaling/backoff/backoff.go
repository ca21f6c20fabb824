package backoff

import "time"

const (
	base = 30 * time.Second
	// Max is the longest wait, whatever the number of failures.
	Max = 30 * time.Minute
)

// Default is the wait after failures consecutive failed writes: 30 s,
// 1 m, 2 m, 4 m, 8 m, 16 m, then 30 m; 0 for no failure.
func Default(failures int) time.Duration {
	if failures <= 0 {
		return 0
	}
	if failures > 7 { // 30 s << 6 = 32 m already passes the cap
		return Max
	}
	return min(base<<(failures-1), Max)
}
