package pvesim

import (
	"net/http"
	"time"
)

type faultState struct {
	Fault
	left int // remaining uses when Count > 0
}

// InjectFault adds a fault; faults apply in the order they were added.
func (s *Sim) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultState{Fault: f, left: f.Count})
}

// ClearFaults removes every fault.
func (s *Sim) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// faultEffect is what the matching faults do to one request: latencies add
// up; the first status, hang and task exit win.
type faultEffect struct {
	latency  time.Duration
	hang     bool
	status   int
	reason   string
	taskExit string
}

func (s *Sim) matchFaults(method, route, node string) faultEffect {
	var e faultEffect
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.faults[:0]
	for _, f := range s.faults {
		match := (f.Method == "" || f.Method == method) && (f.Route == "" || f.Route == route) &&
			(f.Node == "" || f.Node == node)
		if match && f.Rate > 0 && s.rng.Float64() >= f.Rate {
			match = false
		}
		if match {
			e.latency += f.Latency
			e.hang = e.hang || f.Hang
			if e.status == 0 && f.Status != 0 {
				e.status, e.reason = f.Status, f.Reason
				if e.reason == "" {
					e.reason = http.StatusText(f.Status)
				}
			}
			if e.taskExit == "" {
				e.taskExit = f.TaskExit
			}
			if f.Count > 0 {
				f.left--
				if f.left == 0 {
					continue
				}
			}
		}
		kept = append(kept, f)
	}
	clear(s.faults[len(kept):])
	s.faults = kept
	return e
}
