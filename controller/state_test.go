package controller

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

var stateNow = time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)

func TestStateRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	want := &State{
		Containers: map[int]*scaling.ContainerState{
			101: {
				LastAction: map[scaling.Resource]scaling.Action{
					scaling.ResourceCores:  {Time: stateNow.Add(-time.Minute), Direction: scaling.Up, From: 2, To: 3},
					scaling.ResourceMemory: {Time: stateNow.Add(-time.Hour), Direction: scaling.Down, From: 2048, To: 1536},
				},
			},
			102: {Failures: 3, RetryAfter: stateNow.Add(2 * time.Minute)},
			103: {},
		},
		Model:          []byte{0, 1, 2, 0xff, 'f', 'o', 'r', 'e', 's', 't'},
		ModelTrainedAt: stateNow.Add(-10 * time.Minute),
		JournalSeq:     42,
	}
	if err := want.Save(path); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("state file mode = %v, want 0600", perm)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var layout map[string]json.RawMessage
	if err := json.Unmarshal(raw, &layout); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"version", "saved_at", "containers", "model", "model_trained_at", "journal_seq"} {
		if _, ok := layout[key]; !ok {
			t.Errorf("state file has no %q key: %s", key, raw)
		}
	}
	if string(layout["version"]) != "1" {
		t.Errorf("version = %s, want 1", layout["version"])
	}

	got, err := LoadState(path, stateNow)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("LoadState after Save:\n got %+v\nwant %+v", got, want)
	}
	if a := got.Containers[101].LastAction[scaling.ResourceCores]; !a.Time.Equal(stateNow.Add(-time.Minute)) {
		t.Errorf("cores action time = %v", a.Time)
	}
}

func TestStateEmptySaveLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	if err := (&State{}).Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := LoadState(path, stateNow)
	if err != nil {
		t.Fatal(err)
	}
	if got.Containers == nil || len(got.Containers) != 0 || got.Model != nil || !got.ModelTrainedAt.IsZero() {
		t.Errorf("empty state read back as %+v", got)
	}
}

func TestLoadStateMissingFile(t *testing.T) {
	got, err := LoadState(filepath.Join(t.TempDir(), "state.json"), stateNow)
	if err != nil {
		t.Fatalf("LoadState of a missing file: %v", err)
	}
	if got == nil || got.Containers == nil || len(got.Containers) != 0 {
		t.Errorf("LoadState of a missing file = %+v, want an empty state", got)
	}
}

func TestLoadStateMovesUnreadableFilesAside(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content string
	}{
		{"not json", "}{ not json"},
		{"truncated", `{"version":1,"containers":{"101":{"failures":`},
		{"empty", ""},
		{"future version", `{"version":2,"containers":{}}`},
		{"no version", `{"containers":{}}`},
		{"trailing data", `{"version":1,"containers":{}} {"version":1}`},
		{"bad vmid", `{"version":1,"containers":{"-5":{}}}`},
		{"negative failures", `{"version":1,"containers":{"101":{"failures":-1}}}`},
		{"wrong type", `{"version":1,"containers":[]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.json")
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}

			got, err := LoadState(path, stateNow)

			var corrupt *CorruptFileError
			if !errors.As(err, &corrupt) {
				t.Fatalf("LoadState error = %v, want a *CorruptFileError", err)
			}
			if got == nil || got.Containers == nil || len(got.Containers) != 0 {
				t.Errorf("LoadState of a corrupt file = %+v, want an empty state", got)
			}
			if corrupt.Path != path || corrupt.MovedTo == "" || corrupt.Err == nil {
				t.Errorf("CorruptFileError = %+v", corrupt)
			}
			if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s still exists after moving aside (%v)", path, err)
			}
			kept, err := os.ReadFile(corrupt.MovedTo)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(kept, []byte(tc.content)) {
				t.Errorf("moved-aside file holds %q, want the original %q", kept, tc.content)
			}
			// The path is free: a save does not touch the kept file.
			if err := got.Save(path); err != nil {
				t.Fatal(err)
			}
			if again, _ := os.ReadFile(corrupt.MovedTo); !bytes.Equal(again, kept) {
				t.Error("saving changed the moved-aside file")
			}
		})
	}
}

func TestLoadStateCannotMoveAside(t *testing.T) {
	// A directory at the path cannot be read as a file; a name that leaves
	// no room for the moved-aside suffix under NAME_MAX (255) makes every
	// move fail, even for root.
	dir := t.TempDir()
	path := filepath.Join(dir, strings.Repeat("s", 230)+".json")
	if err := os.Mkdir(path, 0o750); err != nil {
		t.Fatal(err)
	}

	got, err := LoadState(path, stateNow)

	var corrupt *CorruptFileError
	if err == nil || errors.As(err, &corrupt) {
		t.Errorf("LoadState = %v, want an error that is not a *CorruptFileError (the file is still in place)", err)
	}
	if got == nil || got.Containers == nil {
		t.Errorf("LoadState = %+v, want an empty state with the error", got)
	}
	if info, err := os.Stat(path); err != nil || !info.IsDir() {
		t.Errorf("the unreadable path was disturbed: %v", err)
	}
}

func TestDefaultBackoff(t *testing.T) {
	for failures, want := range map[int]time.Duration{
		-1: 0, 0: 0, 1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute, 6: 16 * time.Minute,
		7: 30 * time.Minute, 8: 30 * time.Minute, 1000: 30 * time.Minute,
	} {
		if got := scaling.DefaultBackoff(failures); got != want {
			t.Errorf("scaling.DefaultBackoff(%d) = %v, want %v", failures, got, want)
		}
	}
}

func TestContainerStateRecord(t *testing.T) {
	now := stateNow
	earlier := scaling.Action{Time: now.Add(-time.Hour), Direction: scaling.Up, From: 1, To: 2}
	failed := scaling.Outcome{Change: scaling.Change{Resource: scaling.ResourceMemory, Direction: scaling.Up, From: 1024, To: 1536}, Result: scaling.ResultFailed, Err: errors.New("boom")}
	applied := scaling.Outcome{Change: scaling.Change{Resource: scaling.ResourceCores, Direction: scaling.Up, From: 2, To: 3}, Result: scaling.ResultApplied}
	dryRun := scaling.Outcome{Change: scaling.Change{Resource: scaling.ResourceCores, Direction: scaling.Down, From: 2, To: 1}, Result: scaling.ResultDryRun}
	fixedBackoff := func(n int) time.Duration { return time.Duration(n) * time.Minute }

	for _, tc := range []struct {
		name     string
		before   scaling.ContainerState
		outcomes []scaling.Outcome
		want     scaling.ContainerState
	}{
		{
			name:     "applied sets the last action and resets failures",
			before:   scaling.ContainerState{Failures: 2, RetryAfter: now.Add(time.Minute)},
			outcomes: []scaling.Outcome{applied},
			want:     scaling.ContainerState{LastAction: map[scaling.Resource]scaling.Action{scaling.ResourceCores: {Time: now, Direction: scaling.Up, From: 2, To: 3}}},
		},
		{
			name:     "dry run sets its own last action, not the real one",
			before:   scaling.ContainerState{LastAction: map[scaling.Resource]scaling.Action{scaling.ResourceCores: earlier}},
			outcomes: []scaling.Outcome{dryRun},
			want: scaling.ContainerState{LastAction: map[scaling.Resource]scaling.Action{scaling.ResourceCores: earlier},
				DryRunAction: map[scaling.Resource]scaling.Action{scaling.ResourceCores: {Time: now, Direction: scaling.Down, From: 2, To: 1}}},
		},
		{
			name:     "dry run keeps failures",
			before:   scaling.ContainerState{Failures: 1, RetryAfter: now},
			outcomes: []scaling.Outcome{dryRun},
			want: scaling.ContainerState{Failures: 1, RetryAfter: now,
				DryRunAction: map[scaling.Resource]scaling.Action{scaling.ResourceCores: {Time: now, Direction: scaling.Down, From: 2, To: 1}}},
		},
		{
			name:     "failure counts and backs off",
			before:   scaling.ContainerState{Failures: 2},
			outcomes: []scaling.Outcome{failed},
			want:     scaling.ContainerState{Failures: 3, RetryAfter: now.Add(3 * time.Minute)},
		},
		{
			name:     "one failed write of two resources is one failure",
			outcomes: []scaling.Outcome{failed, {Change: scaling.Change{Resource: scaling.ResourceSwap}, Result: scaling.ResultFailed}},
			want:     scaling.ContainerState{Failures: 1, RetryAfter: now.Add(time.Minute)},
		},
		{
			name:     "a failure next to an applied change still counts",
			before:   scaling.ContainerState{Failures: 1},
			outcomes: []scaling.Outcome{applied, failed},
			want: scaling.ContainerState{Failures: 2, RetryAfter: now.Add(2 * time.Minute),
				LastAction: map[scaling.Resource]scaling.Action{scaling.ResourceCores: {Time: now, Direction: scaling.Up, From: 2, To: 3}}},
		},
		{
			name:   "skips and recommendations change nothing",
			before: scaling.ContainerState{Failures: 1, RetryAfter: now, LastAction: map[scaling.Resource]scaling.Action{scaling.ResourceCores: earlier}},
			outcomes: []scaling.Outcome{
				{Change: applied.Change, Result: scaling.ResultSkipped, Skip: scaling.SkipLocked},
				{Change: applied.Change, Result: scaling.ResultSkipped, Skip: scaling.SkipDigestMismatch},
				{Change: applied.Change, Result: scaling.ResultSkipped, Skip: scaling.SkipChanged},
				{Change: applied.Change, Result: scaling.ResultSkipped, Skip: scaling.SkipMoved},
				{Change: applied.Change, Result: scaling.ResultRecommended},
			},
			want: scaling.ContainerState{Failures: 1, RetryAfter: now, LastAction: map[scaling.Resource]scaling.Action{scaling.ResourceCores: earlier}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.before
			s.Record(tc.outcomes, now, fixedBackoff)
			if !reflect.DeepEqual(s, tc.want) {
				t.Errorf("after Record:\n got %+v\nwant %+v", s, tc.want)
			}
		})
	}

	t.Run("nil backoff is scaling.DefaultBackoff", func(t *testing.T) {
		var s scaling.ContainerState
		s.Record([]scaling.Outcome{failed}, now, nil)
		if want := now.Add(scaling.DefaultBackoff(1)); !s.RetryAfter.Equal(want) {
			t.Errorf("RetryAfter = %v, want %v", s.RetryAfter, want)
		}
	})
}

// FuzzDecodeState feeds arbitrary bytes to the state file decoder: it must
// never panic, and whatever it accepts must survive a save and a reload
// unchanged.
func FuzzDecodeState(f *testing.F) {
	for _, seed := range []string{
		`{"version":1,"saved_at":"2026-11-27T03:00:00Z","containers":{"101":{"last_action":{"cores":{"time":"2026-11-27T02:59:00Z","direction":"up","from":2,"to":3}},"failures":1,"retry_after":"2026-11-27T03:00:30Z"}},"model":"AAEC","model_trained_at":"2026-11-27T02:50:00Z"}`,
		`{"version":1,"containers":{}}`,
		`{"version":1,"containers":{"101":null}}`,
		`{"version":2}`,
		`{"version":1,"containers":{"1e3":{}}}`,
		`{"version":1,"model":"!!"}`,
		`null`,
		``,
	} {
		f.Add([]byte(seed))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeState(b)
		if err != nil {
			if s != nil {
				t.Fatalf("decodeState returned a state with error %v", err)
			}
			return
		}
		if s.Containers == nil {
			t.Fatal("decodeState returned nil Containers")
		}
		path := filepath.Join(dir, "state.json")
		if err := s.Save(path); err != nil {
			t.Fatal(err)
		}
		again, err := LoadState(path, stateNow)
		if err != nil {
			t.Fatalf("reloading a saved state: %v", err)
		}
		if !statesEqual(s, again) {
			t.Fatalf("state changed through save and load:\n%+v\n%+v", s, again)
		}
	})
}

// statesEqual compares states by instants, not time.Time representations
// (a decoded time keeps its zone offset; the saved one is the same
// instant).
func statesEqual(a, b *State) bool {
	if !bytes.Equal(a.Model, b.Model) || !a.ModelTrainedAt.Equal(b.ModelTrainedAt) || len(a.Containers) != len(b.Containers) {
		return false
	}
	for id, ca := range a.Containers {
		cb, ok := b.Containers[id]
		if !ok || ca.Failures != cb.Failures || !ca.RetryAfter.Equal(cb.RetryAfter) || len(ca.LastAction) != len(cb.LastAction) {
			return false
		}
		for r, x := range ca.LastAction {
			y, ok := cb.LastAction[r]
			if !ok || !x.Time.Equal(y.Time) || x.Direction != y.Direction || x.From != y.From || x.To != y.To {
				return false
			}
		}
	}
	return true
}

func TestStatePruneGone(t *testing.T) {
	cutoff := stateNow.Add(-StateKeepGone)
	old, recent := cutoff.Add(-time.Minute), cutoff.Add(time.Minute)
	s := &State{Containers: map[int]*scaling.ContainerState{
		101: {LastAction: map[scaling.Resource]scaling.Action{scaling.ResourceCores: {Time: old}}},                                         // tracked: kept
		102: {LastAction: map[scaling.Resource]scaling.Action{scaling.ResourceCores: {Time: old}}},                                         // gone, old: dropped
		103: {LastAction: map[scaling.Resource]scaling.Action{scaling.ResourceCores: {Time: old}, scaling.ResourceMemory: {Time: recent}}}, // gone, one recent action
		104: {Failures: 3, RetryAfter: recent},                                                                                             // gone, backoff not long over
		105: {Paused: true},                                                                                                                // gone, paused: an operator's request
		106: {},                                                                                                                            // gone, nothing recorded
		107: nil,
		108: {Failures: 1, RetryAfter: old},
	}}
	dropped := s.PruneGone(func(vmid int) bool { return vmid == 101 }, cutoff)
	var kept []int
	for vmid := range s.Containers {
		kept = append(kept, vmid)
	}
	slices.Sort(kept)
	if want := []int{101, 103, 104, 105}; !slices.Equal(kept, want) || dropped != 4 {
		t.Errorf("kept %v (dropped %d), want %v (dropped 4)", kept, dropped, want)
	}
}
