package controller

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/durable"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// stateVersion is the layout of the state file this code reads and writes.
// A file with another version is never read nor overwritten: it is moved
// aside like a corrupt one.
const stateVersion = 1

// State is what the controller keeps across restarts: per-container
// cooldowns and backoff, and the current model.
type State struct {
	Containers     map[int]*scaling.ContainerState // by VMID
	Model          []byte                          // forest.MarshalBinary of the current model; nil when none
	ModelTrainedAt time.Time
	// JournalSeq is the sequence number of the last journal record whose
	// effect this state holds: at start, only newer records are replayed.
	JournalSeq uint64
}

// stateFile is the JSON layout of the state file. encoding/json writes the
// int keys as strings ("101") and the model as base64.
type stateFile struct {
	Version        int                             `json:"version"`
	SavedAt        time.Time                       `json:"saved_at"`
	Containers     map[int]*scaling.ContainerState `json:"containers"`
	Model          []byte                          `json:"model,omitempty"`
	ModelTrainedAt time.Time                       `json:"model_trained_at,omitzero"`
	// JournalSeq is new in a version 1 file: older files have none and
	// replay the whole journal, which is what they need.
	JournalSeq uint64 `json:"journal_seq,omitempty"`
}

// NewState returns an empty State.
func NewState() *State { return &State{Containers: map[int]*scaling.ContainerState{}} }

// LoadState reads the state file at path. A missing file is an empty State
// and no error. A file that cannot be read or decoded, or has another
// version, is moved aside (stamped with now) and LoadState returns an empty
// State with a *CorruptFileError: the caller logs it and goes on. Any other
// error (the file could not be moved aside) comes with an empty State too,
// but the caller must not go on to save: that would overwrite the file.
//
// It first deletes the temporary files a save killed before its rename
// left beside path (best effort: one left behind costs only disk space).
func LoadState(path string, now time.Time) (*State, error) {
	durable.RemoveStaleTemps(path) //nolint:errcheck // best effort, see above
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return NewState(), nil
	}
	if err == nil {
		var s *State
		if s, err = decodeState(b); err == nil {
			for _, cs := range s.Containers {
				cs.NotAfter(now)
			}
			return s, nil
		}
	}
	aside, moveErr := durable.MoveAside(path, now)
	if moveErr != nil {
		return NewState(), fmt.Errorf("state file %s unreadable (%w) and left in place: %w", path, err, moveErr)
	}
	return NewState(), &CorruptFileError{Path: path, MovedTo: aside, Err: err}
}

// decodeState decodes and checks a state file's bytes.
func decodeState(b []byte) (*State, error) {
	var f stateFile // json.Unmarshal refuses data after the object
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("decode state: %w", err)
	}
	if f.Version != stateVersion {
		return nil, fmt.Errorf("decode state: version %d, this controller reads version %d", f.Version, stateVersion)
	}
	s := &State{Containers: make(map[int]*scaling.ContainerState, len(f.Containers)), Model: f.Model, ModelTrainedAt: f.ModelTrainedAt,
		JournalSeq: f.JournalSeq}
	for vmid, cs := range f.Containers {
		if vmid < 1 {
			return nil, fmt.Errorf("decode state: vmid %d", vmid)
		}
		if cs == nil {
			continue
		}
		if cs.Failures < 0 {
			return nil, fmt.Errorf("decode state: vmid %d: %d failures", vmid, cs.Failures)
		}
		s.Containers[vmid] = cs
	}
	return s, nil
}

// Save writes the state atomically (temporary file, fsync, rename), 0600:
// the model is not secret, but nobody else needs the file.
func (s *State) Save(path string) error {
	f := stateFile{
		Version:        stateVersion,
		SavedAt:        time.Now().UTC(),
		Containers:     s.Containers,
		Model:          s.Model,
		ModelTrainedAt: s.ModelTrainedAt,
		JournalSeq:     s.JournalSeq,
	}
	if f.Containers == nil {
		f.Containers = map[int]*scaling.ContainerState{}
	}
	err := durable.WriteAtomic(path, 0o600, func(w io.Writer) error {
		return json.NewEncoder(w).Encode(f)
	})
	if err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return nil
}

// Backoff bounds of DefaultBackoff.
// StateKeepGone is how long the state keeps the record of a container the
// loop no longer tracks (deleted, or on a node it cannot see), counted
// from the record's last time (an action, the end of a backoff): twice the
// longest cooldown the configuration allows (24 h), so that no cooldown or
// backoff is ever forgotten while it still runs, and a container that
// comes back within that time finds its record.
const StateKeepGone = 48 * time.Hour

// PruneGone drops the records of the containers for which tracked is false
// whose every time (last actions, end of backoff) is before cutoff, except
// paused ones (an operator's request, kept until resumed), and returns how
// many it dropped. Without it the records of deleted containers would pile
// up in memory and in the file for as long as the process runs.
func (s *State) PruneGone(tracked func(vmid int) bool, cutoff time.Time) int {
	dropped := 0
	for vmid, cs := range s.Containers {
		if tracked(vmid) || cs != nil && (cs.Paused || cs.LastTime().After(cutoff)) {
			continue
		}
		delete(s.Containers, vmid)
		dropped++
	}
	return dropped
}

// CorruptFileError is a file of ours (the state file, lxc_metrics.json)
// that could not be read: unreadable, not valid JSON, wrong types, or a
// version this code does not know. It was moved to MovedTo, so the path is
// free and the next write does not destroy it.
type CorruptFileError struct {
	Path    string
	MovedTo string
	Err     error
}

func (e *CorruptFileError) Error() string {
	return fmt.Sprintf("%s unreadable, moved to %s: %v", e.Path, e.MovedTo, e.Err)
}

func (e *CorruptFileError) Unwrap() error { return e.Err }
