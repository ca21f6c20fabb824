package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/durable"
)

// Defaults of Options.
const (
	DefaultMaxSize    = 10 << 20 // bytes
	DefaultMaxBackups = 5
)

// Options configure the audit record.
type Options struct {
	// Path of the current file, e.g. /var/lib/lxc-autoscale/audit.jsonl. Its
	// directory is created (0750) when missing.
	Path string
	// MaxSize is the size in bytes a file may not pass: the record that
	// would pass it goes to a new file. 0 means DefaultMaxSize.
	MaxSize int64
	// MaxBackups is how many rotated files (Path.1 newest … Path.N oldest)
	// are kept. 0 means DefaultMaxBackups.
	MaxBackups int
	// Now stamps records whose Time is zero; nil means time.Now.
	Now func() time.Time
}

// Record is one mutation, made or attempted, by the controller or
// through the API. It never holds a secret: Source names a token, never
// carries one.
type Record struct {
	Time time.Time
	// Source is "controller" or "api:<token name>".
	Source string
	// Client is the address an API request came from; "" for the
	// controller.
	Client string
	// Operation names a manual operation that is not a resource change
	// (snapshot, rollback, snapshot-delete, clone, delete, pause, resume);
	// "" for resource changes, whose Resource and Direction say it all.
	Operation string
	VMID      int
	Node      string
	Resource  string
	Direction string
	From, To  int64
	Reason    string
	// Score is the anomaly score the decision saw, in (0, 1]; NaN (or 0)
	// when there was none. It is left out of the line then and reads back
	// as NaN.
	Score float64
	// Mode is the decision's mode. A manual operation is carried out in
	// every mode; its records carry the mode of the container's policy
	// when the loop knows it (enforce for a resource change otherwise).
	Mode   string
	Result string
	Skip   string
	Error  string
	Policy string
	Task   string // UPID
	// ExitStatus is PVE's exit status of the task (OK, WARNINGS: n, or
	// the error) in the record of its end: the record with Result
	// "started" is followed, once the task ends, by one with the same
	// Task, Result applied or failed, and ExitStatus.
	ExitStatus string
}

// auditLine is the JSON form of an Record: a pointer score so that
// "no score" is an absent key rather than a NaN encoding/json refuses.
type auditLine struct {
	Time      time.Time `json:"time"`
	Source    string    `json:"source"`
	Client    string    `json:"client,omitempty"`
	Operation string    `json:"operation,omitempty"`
	VMID      int       `json:"vmid,omitempty"`
	Node      string    `json:"node,omitempty"`
	Resource  string    `json:"resource,omitempty"`
	Direction string    `json:"direction,omitempty"`
	From      int64     `json:"from,omitempty"`
	To        int64     `json:"to,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	Score     *float64  `json:"score,omitempty"`
	Mode      string    `json:"mode,omitempty"`
	Result    string    `json:"result,omitempty"`
	Skip      string    `json:"skip,omitempty"`
	Error     string    `json:"error,omitempty"`
	Policy    string    `json:"policy,omitempty"`
	Task      string    `json:"task,omitempty"`
	Exit      string    `json:"exit_status,omitempty"`
}

// MarshalJSON writes the record as one JSON object, without the score when
// there is none.
func (r Record) MarshalJSON() ([]byte, error) {
	l := auditLine{
		Time: r.Time.UTC(), Source: r.Source, Client: r.Client, Operation: r.Operation, VMID: r.VMID, Node: r.Node, Resource: r.Resource,
		Direction: r.Direction, From: r.From, To: r.To, Reason: r.Reason, Mode: r.Mode,
		Result: r.Result, Skip: r.Skip, Error: r.Error, Policy: r.Policy, Task: r.Task, Exit: r.ExitStatus,
	}
	if !math.IsNaN(r.Score) && !math.IsInf(r.Score, 0) && r.Score != 0 {
		score := r.Score
		l.Score = &score
	}
	return json.Marshal(l)
}

// UnmarshalJSON reads what MarshalJSON wrote; a missing score is NaN.
func (r *Record) UnmarshalJSON(b []byte) error {
	var l auditLine
	if err := json.Unmarshal(b, &l); err != nil {
		return err
	}
	*r = Record{
		Time: l.Time, Source: l.Source, Client: l.Client, Operation: l.Operation, VMID: l.VMID, Node: l.Node, Resource: l.Resource,
		Direction: l.Direction, From: l.From, To: l.To, Reason: l.Reason, Score: math.NaN(),
		Mode: l.Mode, Result: l.Result, Skip: l.Skip, Error: l.Error, Policy: l.Policy, Task: l.Task,
		ExitStatus: l.Exit,
	}
	if l.Score != nil {
		r.Score = *l.Score
	}
	return nil
}

// Log appends records to a JSON lines file, one record a line, rotated by
// size. It is safe for concurrent use; one process should write a given
// path (rotation is not coordinated between processes).
//
// Durability: each record is one write(2) on an O_APPEND file, so a crash
// of the process loses nothing already appended and never interleaves two
// records. There is no fsync per record (it would cost a disk flush per
// resize at every pass); the file is fsynced before it is rotated and on
// Close, so only an operating system crash can lose the last records.
type Log struct {
	path       string
	maxSize    int64
	maxBackups int
	now        func() time.Time

	mu   sync.Mutex
	file durable.AppendFile // closed once Close is called
}

// Open opens (creating it 0600 if missing) the audit file for
// appending.
func Open(o Options) (*Log, error) {
	if o.Path == "" {
		return nil, errors.New("open audit: no path")
	}
	a := &Log{path: o.Path, maxSize: o.MaxSize, maxBackups: o.MaxBackups, now: o.Now}
	if a.maxSize <= 0 {
		a.maxSize = DefaultMaxSize
	}
	if a.maxBackups <= 0 {
		a.maxBackups = DefaultMaxBackups
	}
	if a.now == nil {
		a.now = time.Now
	}
	if err := os.MkdirAll(filepath.Dir(o.Path), 0o750); err != nil {
		return nil, fmt.Errorf("open audit: %w", err)
	}
	if err := a.open(); err != nil {
		return nil, err
	}
	return a, nil
}

// open opens the current file and, when the last record was torn by a
// crash, ends it with a newline so the next record starts a line of its
// own instead of being glued to the torn one.
func (a *Log) open() error {
	if err := a.file.Open(a.path); err != nil {
		return fmt.Errorf("open audit: %w", err)
	}
	size := a.file.Size()
	if size == 0 {
		return nil
	}
	last := make([]byte, 1)
	r, err := os.Open(a.path)
	if err != nil {
		return fmt.Errorf("open audit: check last line: %w", err)
	}
	defer r.Close()
	if _, err := r.ReadAt(last, size-1); err != nil {
		return fmt.Errorf("open audit: check last line: %w", err)
	}
	if last[0] != '\n' {
		if err := a.file.Write([]byte{'\n'}); err != nil {
			return fmt.Errorf("open audit: end torn line: %w", err)
		}
	}
	return nil
}

// Append writes r as one line, stamping it with Now when its Time is zero.
func (a *Log) Append(r Record) error {
	if r.Time.IsZero() {
		r.Time = a.now()
	}
	line, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("append audit record: %w", err)
	}
	line = append(line, '\n')

	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.file.IsOpen() {
		return errors.New("append audit record: audit closed")
	}
	if size := a.file.Size(); size > 0 && size+int64(len(line)) > a.maxSize {
		if err := a.rotate(); err != nil {
			return fmt.Errorf("append audit record: %w", err)
		}
	}
	if err := a.file.Write(line); err != nil {
		return fmt.Errorf("append audit record: %w", err)
	}
	return nil
}

// rotate moves the current file to .1 (shifting older ones up to
// maxBackups, dropping the oldest) and starts a new one.
func (a *Log) rotate() error {
	if err := a.file.Close(); err != nil {
		// Keep writing to the same file rather than losing records.
		if openErr := a.open(); openErr != nil {
			return errors.Join(err, openErr)
		}
		return fmt.Errorf("rotate audit: %w", err)
	}
	if err := os.Remove(backupName(a.path, a.maxBackups)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return a.reopenAfter(err)
	}
	for n := a.maxBackups - 1; n >= 1; n-- {
		if err := os.Rename(backupName(a.path, n), backupName(a.path, n+1)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return a.reopenAfter(err)
		}
	}
	if err := os.Rename(a.path, backupName(a.path, 1)); err != nil {
		return a.reopenAfter(err)
	}
	return a.open()
}

// reopenAfter reopens the current file after a failed rotation step so that
// appending goes on, and returns the failure.
func (a *Log) reopenAfter(err error) error {
	if openErr := a.open(); openErr != nil {
		return errors.Join(fmt.Errorf("rotate audit: %w", err), openErr)
	}
	return fmt.Errorf("rotate audit: %w", err)
}

func backupName(path string, n int) string { return path + "." + strconv.Itoa(n) }

// Path is the file records are appended to.
func (a *Log) Path() string { return a.path }

// Close flushes the file to disk and closes it. Append fails afterwards.
func (a *Log) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.file.Close(); err != nil {
		return fmt.Errorf("close audit: %w", err)
	}
	return nil
}

// Read returns up to limit of the newest records, newest first, from
// path and its rotated files (path.1, path.2, … until one is missing);
// limit <= 0 returns them all. A missing path is no records. Lines that do
// not decode (a record torn by a crash) are left out.
func Read(path string, limit int) ([]Record, error) {
	var out []Record
	for n := 0; ; n++ {
		name := path
		if n > 0 {
			name = backupName(path, n)
		}
		records, err := readFile(name)
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err != nil {
			return out, err
		}
		slices.Reverse(records)
		out = append(out, records...)
		if limit > 0 && len(out) >= limit {
			return out[:limit], nil
		}
	}
	return out, nil
}

// readFile decodes one file's records, oldest first.
func readFile(name string) ([]Record, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var records []Record
	r := bufio.NewReaderSize(f, 64<<10)
	for {
		line, err := r.ReadBytes('\n')
		if line = bytes.TrimSpace(line); len(line) > 0 {
			var rec Record
			if json.Unmarshal(line, &rec) == nil {
				records = append(records, rec)
			}
		}
		if errors.Is(err, io.EOF) {
			return records, nil
		}
		if err != nil {
			return records, fmt.Errorf("read audit %s: %w", filepath.Base(name), err)
		}
	}
}
