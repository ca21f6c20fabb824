package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/durable"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// maxBytes bounds the journal. It is emptied after every state save,
// so it holds one pass's writes (a few hundred bytes each); it only fills
// up when the state file cannot be saved for hours, and then appending
// stops rather than filling the disk.
const maxBytes = 4 << 20

// Kinds of journal records.
const (
	kindIntent  = "intent"  // a write is about to be sent
	kindOutcome = "outcome" // what became of it, or of a manual change
)

// ErrNotOpen is returned by appends before Open or after Close.
var ErrNotOpen = errors.New("journal not open")

// errFull is returned by appends once the journal has reached maxBytes.
var errFull = fmt.Errorf("journal full (%d bytes): the state file has not been saved for a long time", maxBytes)

// Record is one line of the journal.
type Record struct {
	Seq  uint64    `json:"seq"`
	Kind string    `json:"kind"`
	Time time.Time `json:"time"`
	VMID int       `json:"vmid"`
	Node string    `json:"node,omitempty"`
	// Intent is, on an outcome, the Seq of the intent it closes; 0 for a
	// manual change, whose write was not journaled beforehand.
	Intent  uint64   `json:"intent,omitempty"`
	Changes []Change `json:"changes"`
}

// Change is one resource's change in a Record.
type Change struct {
	Resource  scaling.Resource  `json:"resource"`
	Direction scaling.Direction `json:"direction"`
	From      int64             `json:"from"`
	To        int64             `json:"to"`
	// Result is set on outcomes only.
	Result string `json:"result,omitempty"`
}

// Journal makes a write durable before its effect reaches the state file:
// the state is saved once per pass, so without the journal a process killed
// between a landed write and that save would forget the change and make
// it again at once after a restart, inside its cooldown.
//
// Before a write the controller appends an intent (container, changes,
// from, to); after it, the outcome. Each record is one JSON line written
// with one write(2) on an O_APPEND file and fsynced before the call
// returns. Records carry increasing sequence numbers; the state file
// stores the last one it holds (controller.State.JournalSeq), so that at
// start only newer records are replayed, and the journal is emptied after
// a save that holds all of them.
//
// A Journal is safe for concurrent use: the loop journals its writes, the
// API's manual changes arrive from other goroutines.
type Journal struct {
	mu   sync.Mutex
	path string
	f    durable.AppendFile // closed until Open, and after Close
	seq  uint64             // of the last record appended or read
	max  int64              // maxBytes; smaller in tests
}

// New returns a journal at path, not yet opened.
func New(path string) *Journal { return &Journal{path: path, max: maxBytes} }

// Open reads the records the journal holds, drops a torn last line (a kill
// in the middle of an append) and opens the file for appending, creating
// it (0600) when missing. Sequence numbers continue after the highest of
// the records read and of after (the last one the state holds), so that
// they never go back, even when the journal was removed. A journal too
// large to be ours is moved aside and a new one started; lines that do
// not decode are skipped and counted in bad.
func (j *Journal) Open(after uint64, now time.Time) (records []Record, bad int, err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f.IsOpen() {
		return nil, 0, errors.New("journal already open")
	}
	b, err := durable.ReadFileMax(j.path, j.max)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case errors.Is(err, durable.ErrTooLarge):
		if _, moveErr := durable.MoveAside(j.path, now); moveErr != nil {
			return nil, 0, fmt.Errorf("journal %s: %w", j.path, moveErr)
		}
		bad++
	case err != nil:
		return nil, 0, fmt.Errorf("read journal: %w", err)
	}
	// Everything after the last newline is a torn append: cut it off, else
	// the next record would be glued to it.
	complete := bytes.LastIndexByte(b, '\n') + 1
	records, bad2 := decode(b[:complete])
	bad += bad2
	if err := j.f.Open(j.path); err != nil {
		return nil, 0, fmt.Errorf("open journal: %w", err)
	}
	if complete < len(b) {
		if err := j.f.Truncate(int64(complete)); err != nil {
			j.f.Close() //nolint:errcheck // the truncation's failure is the one to report
			return nil, 0, fmt.Errorf("cut the torn end of the journal: %w", err)
		}
	}
	if len(b) == 0 {
		// A new file: make its name durable, so that the first records are
		// not lost with it on a power failure.
		durable.SyncDir(filepath.Dir(j.path))
	}
	j.seq = after
	for _, r := range records {
		j.seq = max(j.seq, r.Seq)
	}
	return records, bad, nil
}

// decode decodes complete lines, in order, skipping those that do
// not decode or make no sense.
func decode(b []byte) (records []Record, bad int) {
	for line := range bytes.Lines(b) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var r Record
		if err := json.Unmarshal(line, &r); err != nil || r.Seq == 0 || r.VMID < 1 ||
			(r.Kind != kindIntent && r.Kind != kindOutcome) {
			bad++
			continue
		}
		records = append(records, r)
	}
	slices.SortStableFunc(records, func(a, b Record) int {
		switch {
		case a.Seq < b.Seq:
			return -1
		case a.Seq > b.Seq:
			return 1
		}
		return 0
	})
	return records, bad
}

// append writes one record, fsynced, and returns its sequence number.
func (j *Journal) append(r Record) (uint64, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.f.IsOpen() {
		return 0, ErrNotOpen
	}
	r.Seq = j.seq + 1
	line, err := json.Marshal(r)
	if err != nil {
		return 0, err
	}
	line = append(line, '\n')
	if j.f.Size()+int64(len(line)) > j.max {
		return 0, errFull
	}
	if err := j.f.Write(line); err != nil {
		return 0, fmt.Errorf("append to journal: %w", err)
	}
	if err := j.f.Sync(); err != nil {
		return 0, fmt.Errorf("sync journal: %w", err)
	}
	j.seq = r.Seq
	return r.Seq, nil
}

// Intent journals the changes about to be written to a container.
func (j *Journal) Intent(vmid int, node string, changes []scaling.Change, at time.Time) (uint64, error) {
	r := Record{Kind: kindIntent, Time: at.UTC(), VMID: vmid, Node: node}
	for _, c := range changes {
		r.Changes = append(r.Changes, Change{Resource: c.Resource, Direction: c.Direction, From: c.From, To: c.To})
	}
	return j.append(r)
}

// Outcome journals what became of the intent with sequence number intent
// (0 for a change not journaled beforehand), as Record will see it: at
// is the time Record is given.
func (j *Journal) Outcome(vmid int, node string, intent uint64, outcomes []scaling.Outcome, at time.Time) (uint64, error) {
	r := Record{Kind: kindOutcome, Time: at.UTC(), VMID: vmid, Node: node, Intent: intent}
	for _, o := range outcomes {
		c := o.Change
		r.Changes = append(r.Changes, Change{Resource: c.Resource, Direction: c.Direction, From: c.From, To: c.To, Result: o.Result})
	}
	return j.append(r)
}

// Seq returns the sequence number of the last record.
func (j *Journal) Seq() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.seq
}

// Truncate empties the journal when the state saved holds every record in
// it (through is the last sequence number it holds) and reports whether it
// did; a record appended since the state was built stays. The sequence
// numbers go on from where they were.
func (j *Journal) Truncate(through uint64) (bool, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.f.IsOpen() || j.seq != through || j.f.Size() == 0 {
		return false, nil
	}
	if err := j.f.Truncate(0); err != nil {
		return false, fmt.Errorf("truncate journal: %w", err)
	}
	// Not fsynced: if the truncation is lost, the records come back at
	// start and are skipped, being no newer than the state's JournalSeq.
	return true, nil
}

// Close closes the file; later appends fail.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.f.Close()
}

// Replay brings the containers' states up to date with the records newer
// than after (the last sequence number the state holds) and returns how
// many it applied and the sequence number the state then holds.
//
// An outcome is recorded as the loop recorded it (same outcomes, same
// time). An intent without an outcome is a process killed during its
// write: the write may have landed, so its changes are recorded as applied
// and their cooldowns start when the write could last have landed,
// writeBound after the intent, or now if that is earlier (the process died
// before now). The next listing shows what is true.
//
// A record never moves a resource's last action back in time.
func Replay(containers map[int]*scaling.ContainerState, after uint64, records []Record, now time.Time, writeBound time.Duration) (applied int, through uint64) {
	through = after
	closed := map[uint64]bool{}
	for _, r := range records {
		if r.Kind == kindOutcome && r.Intent != 0 {
			closed[r.Intent] = true
		}
	}
	for _, r := range records {
		if r.Seq <= after {
			continue
		}
		through = max(through, r.Seq)
		var outcomes []scaling.Outcome
		at := r.Time
		switch {
		case r.Kind == kindOutcome:
			for _, c := range r.Changes {
				outcomes = append(outcomes, scaling.Outcome{Change: c.change(), Result: c.Result})
			}
		case !closed[r.Seq]:
			if at = r.Time.Add(writeBound); at.After(now) {
				at = now
			}
			for _, c := range r.Changes {
				outcomes = append(outcomes, scaling.Outcome{Change: c.change(), Result: scaling.ResultApplied})
			}
		default:
			continue // its outcome says what happened
		}
		cs := containers[r.VMID]
		if cs == nil {
			cs = &scaling.ContainerState{}
			containers[r.VMID] = cs
		}
		outcomes = slices.DeleteFunc(outcomes, func(o scaling.Outcome) bool {
			last, ok := cs.LastAction[o.Change.Resource]
			return ok && last.Time.After(at)
		})
		if at.After(now) { // a clock that went back since (NotAfter)
			at = now
		}
		cs.Record(outcomes, at, scaling.DefaultBackoff)
		applied++
	}
	return applied, through
}

func (c Change) change() scaling.Change {
	return scaling.Change{Resource: c.Resource, Direction: c.Direction, From: c.From, To: c.To}
}
