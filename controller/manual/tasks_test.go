package manual

import (
	"testing"
	"time"
)

func TestTaskRegistryIsBounded(t *testing.T) {
	start := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	r := newTaskRegistry(10, time.Hour)
	for i := range 11 {
		id := "task-" + string(rune('a'+i))
		r.add(taskEntry{info: TaskInfo{ID: id, StartedAt: start.Add(time.Duration(i) * time.Second)}}, start)
	}
	if len(r.entries) != 9 {
		t.Errorf("registry holds %d tasks past capacity 10, want 9 (pruned to 90 %%)", len(r.entries))
	}
	for _, id := range []string{"task-a", "task-b"} {
		if _, ok := r.get(id, start); ok {
			t.Errorf("%s (oldest) kept", id)
		}
	}
	if _, ok := r.get("task-k", start); !ok {
		t.Error("newest task dropped")
	}
}
