package pvesim

import (
	"net/http"
	"net/url"
	"strings"
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

func (s *Sim) matchFaults(r *http.Request, route, node string) faultEffect {
	var e faultEffect
	s.mu.Lock()
	defer s.mu.Unlock()
	client, clientKnown := "", false
	kept := s.faults[:0]
	for _, f := range s.faults {
		match := (f.Method == "" || f.Method == r.Method) && (f.Route == "" || f.Route == route) &&
			(f.Node == "" || f.Node == node)
		if match && f.Token != "" {
			if !clientKnown {
				client, clientKnown = s.claimedClientLocked(r), true
			}
			match = f.Token == client
		}
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

// claimedClientLocked is who the request says it is, before authentication
// (faults apply first, like a network that drops a client's packets whatever
// they carry): the token id of a PVEAPIToken header, else the user of a
// known ticket cookie, else "".
func (s *Sim) claimedClientLocked(r *http.Request) string {
	if h, isToken := strings.CutPrefix(r.Header.Get("Authorization"), "PVEAPIToken"); isToken && len(h) > 0 {
		id, _, _ := strings.Cut(strings.TrimSpace(h[1:]), "=")
		return id
	}
	if c, err := r.Cookie("PVEAuthCookie"); err == nil {
		v, err := url.PathUnescape(c.Value)
		if err != nil {
			v = c.Value
		}
		return s.access.TicketUser(v)
	}
	return ""
}

// Faults returns the faults in force, in the order they apply, with Count
// holding the uses left of a counted fault.
func (s *Sim) Faults() []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Fault, len(s.faults))
	for i, f := range s.faults {
		out[i] = f.Fault
		if f.Count > 0 {
			out[i].Count = f.left
		}
	}
	return out
}
