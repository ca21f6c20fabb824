package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

var journalNow = time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)

func openTestJournal(t *testing.T, path string, after uint64) (*Journal, []Record, int) {
	t.Helper()
	j := New(path)
	records, bad, err := j.Open(after, journalNow)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j, records, bad
}

var (
	coresUp    = scaling.Change{Resource: scaling.ResourceCores, Direction: scaling.Up, From: 2, To: 3, Text: "cpu"}
	memoryDown = scaling.Change{Resource: scaling.ResourceMemory, Direction: scaling.Down, From: 2048, To: 1536, Text: "memory"}
)

func TestJournalReplaysOutcomesAndWritesCutShort(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json.journal")
	j, _, _ := openTestJournal(t, path, 0)
	wrote := journalNow.Add(-time.Minute)
	// 101: a write that finished (cores applied, memory failed).
	intent, err := j.Intent(101, "pve1", []scaling.Change{coresUp, memoryDown}, wrote)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Outcome(101, "pve1", intent, []scaling.Outcome{
		{Change: coresUp, Result: scaling.ResultApplied}, {Change: memoryDown, Result: scaling.ResultSkipped, Skip: scaling.SkipChanged},
	}, wrote.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	// 102: killed while writing.
	if _, err := j.Intent(102, "pve2", []scaling.Change{memoryDown}, wrote); err != nil {
		t.Fatal(err)
	}
	// 103: killed while writing, long ago: the write could not land later
	// than the bound.
	if _, err := j.Intent(103, "pve2", []scaling.Change{coresUp}, journalNow.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("journal mode = %v, want 0600", perm)
	}

	_, records, bad := openTestJournal(t, path, 0)
	if len(records) != 4 || bad != 0 {
		t.Fatalf("read %d records (%d bad), want 4", len(records), bad)
	}
	st := map[int]*scaling.ContainerState{}
	applied, through := Replay(st, 0, records, journalNow, 2*time.Minute)
	if applied != 3 || through != 4 {
		t.Errorf("replay applied %d records through %d, want 3 through 4", applied, through)
	}
	want := map[int]map[scaling.Resource]scaling.Action{
		101: {scaling.ResourceCores: {Time: wrote.Add(time.Second), Direction: scaling.Up, From: 2, To: 3}},
		// The cooldown starts when the write could last have landed: now,
		// the process died before.
		102: {scaling.ResourceMemory: {Time: journalNow, Direction: scaling.Down, From: 2048, To: 1536}},
		103: {scaling.ResourceCores: {Time: journalNow.Add(-time.Hour + 2*time.Minute), Direction: scaling.Up, From: 2, To: 3}},
	}
	for vmid, actions := range want {
		cs := st[vmid]
		if cs == nil {
			t.Errorf("%d: no state after the replay", vmid)
			continue
		}
		if len(cs.LastAction) != len(actions) {
			t.Errorf("%d: last actions %+v, want %+v", vmid, cs.LastAction, actions)
		}
		for r, a := range actions {
			if got := cs.LastAction[r]; !got.Time.Equal(a.Time) || got.Direction != a.Direction || got.From != a.From || got.To != a.To {
				t.Errorf("%d %s: last action %+v, want %+v", vmid, r, got, a)
			}
		}
	}

	// A state saved after the first write holds it: only what follows is
	// replayed.
	st = map[int]*scaling.ContainerState{}
	if applied, through := Replay(st, 2, records, journalNow, 2*time.Minute); applied != 2 || through != 4 {
		t.Errorf("replay after seq 2 applied %d through %d, want 2 through 4", applied, through)
	}
	if st[101] != nil {
		t.Errorf("101 replayed although the state holds its records: %+v", st[101])
	}
}

func TestJournalReplayNeverMovesALastActionBack(t *testing.T) {
	st := map[int]*scaling.ContainerState{}
	later := journalNow.Add(-time.Second)
	st[101] = &scaling.ContainerState{LastAction: map[scaling.Resource]scaling.Action{scaling.ResourceCores: {Time: later, Direction: scaling.Down, From: 3, To: 2}}}
	records := []Record{{Seq: 1, Kind: kindIntent, Time: journalNow.Add(-time.Hour), VMID: 101,
		Changes: []Change{{Resource: scaling.ResourceCores, Direction: scaling.Up, From: 2, To: 3}}}}
	Replay(st, 0, records, journalNow, time.Minute)
	if got := st[101].LastAction[scaling.ResourceCores]; !got.Time.Equal(later) || got.To != 2 {
		t.Errorf("last action %+v, want the later one kept", got)
	}
}

func TestJournalDropsATornLastLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json.journal")
	j, _, _ := openTestJournal(t, path, 0)
	if _, err := j.Intent(101, "pve1", []scaling.Change{coresUp}, journalNow); err != nil {
		t.Fatal(err)
	}
	j.Close()
	// A kill in the middle of an append.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"seq":2,"kind":"intent","time":"2026-11-27T03:00:00Z","vm`); err != nil {
		t.Fatal(err)
	}
	f.Close()

	j, records, bad := openTestJournal(t, path, 0)
	if len(records) != 1 || records[0].Seq != 1 || bad != 0 {
		t.Fatalf("records %+v (%d bad), want seq 1 alone and nothing bad", records, bad)
	}
	seq, err := j.Intent(102, "pve1", []scaling.Change{memoryDown}, journalNow)
	if err != nil || seq != 2 {
		t.Fatalf("next append: seq %d, %v; want 2", seq, err)
	}
	j.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("journal has %d lines, want 2:\n%s", len(lines), b)
	}
	for _, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Errorf("line %q is not JSON: the append was glued to the torn one", l)
		}
	}
}

func TestJournalTruncatesOnlyWhatTheStateHolds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json.journal")
	j, _, _ := openTestJournal(t, path, 7)
	seq, err := j.Intent(101, "pve1", []scaling.Change{coresUp}, journalNow)
	if err != nil || seq != 8 {
		t.Fatalf("first append after a state holding seq 7: seq %d, %v; want 8", seq, err)
	}
	if _, err := j.Intent(102, "pve1", []scaling.Change{coresUp}, journalNow); err != nil {
		t.Fatal(err)
	}
	if ok, err := j.Truncate(8); ok || err != nil {
		t.Errorf("Truncate(8) with seq 9 in the journal: %v, %v; want refused", ok, err)
	}
	if ok, err := j.Truncate(9); !ok || err != nil {
		t.Errorf("Truncate(9): %v, %v; want done", ok, err)
	}
	if info, err := os.Stat(path); err != nil || info.Size() != 0 {
		t.Fatalf("journal after Truncate: %v, %v; want empty", info, err)
	}
	if seq, err := j.Intent(103, "pve1", []scaling.Change{coresUp}, journalNow); err != nil || seq != 10 {
		t.Errorf("append after Truncate: seq %d, %v; want 10", seq, err)
	}
	j.Close()
	// Reopened on a state that holds seq 9, the numbers go on.
	j, records, _ := openTestJournal(t, path, 9)
	if len(records) != 1 || records[0].VMID != 103 {
		t.Errorf("records after reopening: %+v, want 103's alone", records)
	}
	if seq, err := j.Intent(104, "pve1", []scaling.Change{coresUp}, journalNow); err != nil || seq != 11 {
		t.Errorf("append after reopening: seq %d, %v; want 11", seq, err)
	}
}

func TestJournalIsBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json.journal")
	j := New(path)
	j.max = 1000
	if _, _, err := j.Open(0, journalNow); err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	var err error
	for range 20 {
		if _, err = j.Intent(101, "pve1", []scaling.Change{coresUp}, journalNow); err != nil {
			break
		}
	}
	if !errors.Is(err, errFull) {
		t.Fatalf("append past %d bytes: %v, want errFull", j.max, err)
	}
	if info, _ := os.Stat(path); info.Size() > j.max {
		t.Errorf("journal is %d bytes, bound %d", info.Size(), j.max)
	}
	j.Close()

	// A file larger than a journal ever grows is not ours to replay: it is
	// moved aside and a new journal started.
	if err := os.WriteFile(path, bytes.Repeat([]byte("x"), 2000), 0o600); err != nil {
		t.Fatal(err)
	}
	j = New(path)
	j.max = 1000
	records, bad, err := j.Open(0, journalNow)
	if err != nil || len(records) != 0 || bad != 1 {
		t.Fatalf("oversized journal: %d records, %d bad, %v; want none, 1 bad", len(records), bad, err)
	}
	defer j.Close()
	aside, _ := filepath.Glob(path + ".corrupt-*")
	if len(aside) != 1 {
		t.Errorf("oversized journal not moved aside: %v", aside)
	}
}
