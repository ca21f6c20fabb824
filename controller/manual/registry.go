package manual

import (
	"slices"
	"sync"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// taskRegistry remembers the tasks Operations started, so that the API
// answers about those and only those. It is bounded: finished tasks are
// forgotten maxAge after they were seen finished, and past capacity the
// oldest tasks go first.
type taskRegistry struct {
	capacity int
	maxAge   time.Duration

	mu      sync.Mutex
	entries map[string]*taskEntry
}

type taskEntry struct {
	info     TaskInfo
	task     proxmox.Task
	finished time.Time // when it was first seen done; zero while running
	// ended is closed when the task's watcher stops (WatchTasks); nil
	// when no watcher follows the task.
	ended chan struct{}
}

func newTaskRegistry(capacity int, maxAge time.Duration) *taskRegistry {
	return &taskRegistry{capacity: capacity, maxAge: maxAge, entries: map[string]*taskEntry{}}
}

func (r *taskRegistry) get(id string, now time.Time) (taskEntry, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.entries[id]
	if !ok || r.expired(e, now) {
		return taskEntry{}, false
	}
	return *e, true
}

// expired reports whether e finished more than maxAge before now.
func (r *taskRegistry) expired(e *taskEntry, now time.Time) bool {
	return !e.finished.IsZero() && now.Sub(e.finished) > r.maxAge
}

func (r *taskRegistry) add(e taskEntry, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries[e.info.ID] = &e
	r.pruneLocked(now)
}

// remove forgets a task.
func (r *taskRegistry) remove(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.entries, id)
}

// claim adds e unless its task is registered already, and reports whether
// it did: the registry entry is what makes one process audit a task's end
// once.
func (r *taskRegistry) claim(e taskEntry, now time.Time) (taskEntry, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.entries[e.info.ID]; ok {
		return taskEntry{}, false
	}
	r.entries[e.info.ID] = &e
	r.pruneLocked(now)
	return e, true
}

// update records a poll of the task got from the registry as polled, and
// returns its TaskInfo.
func (r *taskRegistry) update(polled taskEntry, t proxmox.Task, now time.Time) TaskInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.entries[polled.info.ID]
	if !ok { // pruned while it was polled: answer this once more
		e = &polled
	}
	e.task = t
	if t.Done() && !e.info.Done {
		e.info.Done, e.info.ExitStatus, e.finished = true, t.ExitStatus, now
	}
	return e.info
}

// pruneLocked drops the finished tasks older than maxAge and, past
// capacity, the oldest tasks down to 90 % of it so that a full registry
// does not sort on every add. It scans the registry: it runs once per
// started task, and manual operations are rare.
func (r *taskRegistry) pruneLocked(now time.Time) {
	for id, e := range r.entries {
		if r.expired(e, now) {
			delete(r.entries, id)
		}
	}
	if len(r.entries) <= r.capacity {
		return
	}
	all := make([]*taskEntry, 0, len(r.entries))
	for _, e := range r.entries {
		all = append(all, e)
	}
	slices.SortFunc(all, func(a, b *taskEntry) int { return a.info.StartedAt.Compare(b.info.StartedAt) })
	for _, e := range all[:len(all)-r.capacity*9/10] {
		delete(r.entries, e.info.ID)
	}
}
