package pvesim

import (
	"errors"
	"net/http"
	"sync"
	"time"
)

// Clock is the simulated clock.
type Clock struct {
	mu       sync.Mutex
	base     time.Time // simulated time at realBase
	realBase time.Time
	speed    float64
}

func newClock(start time.Time, speed float64) *Clock {
	return &Clock{base: start, realBase: time.Now(), speed: speed}
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

// Advance moves the simulated time forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.base = c.nowLocked().Add(d)
	c.realBase = time.Now()
}

// SetSpeed sets simulated seconds per real second; 0 stops the clock.
func (c *Clock) SetSpeed(f float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.base = c.nowLocked()
	c.realBase = time.Now()
	c.speed = f
}

// Sim is a simulated Proxmox VE cluster.
type Sim struct {
	clock *Clock
}

var errTODO = errors.New("pvesim: not implemented yet")

// New builds a cluster.
func New(opts Options) (*Sim, error) {
	start := opts.Start
	if start.IsZero() {
		start = time.Now()
	}
	return &Sim{clock: newClock(start, opts.Speed)}, nil
}

// ServeHTTP serves /api2/json/...
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "not implemented", http.StatusNotImplemented)
}

// Close stops background work.
func (s *Sim) Close() {}

// Clock returns the simulated clock.
func (s *Sim) Clock() *Clock { return s.clock }

// NodeNames returns the node names in order.
func (s *Sim) NodeNames() []string { return nil }

// SetNodeOnline marks a node online or offline.
func (s *Sim) SetNodeOnline(node string, online bool) {}

// SetLock sets or ("" ) clears a container's lock.
func (s *Sim) SetLock(vmid int, lock string) error { return errTODO }

// SetConfig edits one config key behind the controller's back.
func (s *Sim) SetConfig(vmid int, key, value string) error { return errTODO }

// SetProtection sets the protection flag.
func (s *Sim) SetProtection(vmid int, on bool) error { return errTODO }

// SetRunning starts or stops a container instantly.
func (s *Sim) SetRunning(vmid int, running bool) error { return errTODO }

// AddContainer adds a container.
func (s *Sim) AddContainer(spec ContainerSpec) error { return errTODO }

// RemoveContainer removes a container.
func (s *Sim) RemoveContainer(vmid int) error { return errTODO }

// MigrateContainer moves a container to node.
func (s *Sim) MigrateContainer(vmid int, node string) error { return errTODO }

// InjectFault adds a fault.
func (s *Sim) InjectFault(f Fault) {}

// ClearFaults removes every fault.
func (s *Sim) ClearFaults() {}

// Requests returns the request log, oldest first.
func (s *Sim) Requests() []Request { return nil }

// ResetRequests empties the request log.
func (s *Sim) ResetRequests() {}

// Container returns a deep copy of one container's state.
func (s *Sim) Container(vmid int) (ContainerState, bool) { return ContainerState{}, false }
