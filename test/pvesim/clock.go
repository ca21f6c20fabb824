package pvesim

import (
	"sync"
	"time"
)

// Clock is the simulated clock. Simulated time runs at speed simulated
// seconds per real second and can be moved forward at any time; it never
// runs backwards. It is safe for concurrent use.
type Clock struct {
	mu       sync.Mutex
	base     time.Time // simulated time at realBase
	realBase time.Time
	speed    float64
}

func newClock(start time.Time, speed float64) *Clock {
	return &Clock{base: start, realBase: time.Now(), speed: max(speed, 0)}
}

// Now returns the simulated time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *Clock) nowLocked() time.Time {
	if c.speed == 0 {
		return c.base
	}
	el := time.Since(c.realBase)
	return c.base.Add(time.Duration(float64(el) * c.speed))
}

// Advance moves the simulated time forward by d; a negative d is ignored.
func (c *Clock) Advance(d time.Duration) {
	if d < 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.base = c.nowLocked().Add(d)
	c.realBase = time.Now()
}

// SetSpeed sets simulated seconds per real second; 0 (or less) stops the clock.
func (c *Clock) SetSpeed(f float64) {
	f = max(f, 0)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.base = c.nowLocked()
	c.realBase = time.Now()
	c.speed = f
}
