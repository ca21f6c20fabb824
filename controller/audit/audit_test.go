package audit

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var auditNow = time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)

func openTestAudit(t *testing.T, o Options) *Log {
	t.Helper()
	if o.Path == "" {
		o.Path = filepath.Join(t.TempDir(), "audit.jsonl")
	}
	if o.Now == nil {
		o.Now = func() time.Time { return auditNow }
	}
	a, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func TestAuditAppendRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "dir", "audit.jsonl")
	a := openTestAudit(t, Options{Path: path})
	first := Record{
		Time: auditNow.Add(-time.Minute), Source: "controller", VMID: 101, Node: "pve1", Resource: "memory",
		Direction: "up", From: 1024, To: 1536, Reason: "memory above 0.9 for 5m", Score: 0.61,
		Mode: "enforce", Result: "applied", Policy: "web",
	}
	second := Record{
		Source: "api:ops", VMID: 102, Node: "pve2", Resource: "disk", Direction: "up",
		From: 8 << 30, To: 10 << 30, Score: math.NaN(), Mode: "enforce", Result: "failed",
		Error: "task failed", Task: "UPID:pve2:0001:0002:6B08E88C:resize:102:root@pam!ops:",
	}
	for _, r := range []Record{first, second} {
		if err := a.Append(r); err != nil {
			t.Fatal(err)
		}
	}

	got, err := Read(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("Read = %d records, want 2", len(got))
	}
	// newest first; the zero time was stamped with Now
	second.Time = auditNow
	for i, want := range []Record{second, first} {
		if !sameRecord(got[i], want) {
			t.Errorf("record %d:\n got %+v\nwant %+v", i, got[i], want)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	if len(lines) != 2 || strings.Contains(lines[1], "score") || !strings.Contains(lines[0], `"score":0.61`) {
		t.Errorf("file = %s, want two lines, the score only on the first", raw)
	}
	for name, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o750} {
		info, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != want&^currentUmask() {
			t.Errorf("%s mode = %v, want %v", name, perm, want)
		}
	}

	limited, err := Read(path, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(limited) != 1 || limited[0].VMID != 102 {
		t.Errorf("Read(limit 1) = %+v, want the newest record", limited)
	}
}

// currentUmask reads the process umask by creating a file; the audit's
// modes can only be as open as it allows.
func currentUmask() os.FileMode {
	dir, err := os.MkdirTemp("", "umask")
	if err != nil {
		return 0
	}
	defer os.RemoveAll(dir)
	probe := filepath.Join(dir, "p")
	if err := os.Mkdir(probe, 0o777); err != nil {
		return 0
	}
	info, err := os.Stat(probe)
	if err != nil {
		return 0
	}
	return 0o777 &^ info.Mode().Perm()
}

func sameRecord(a, b Record) bool {
	scoresMatch := a.Score == b.Score || (math.IsNaN(a.Score) && math.IsNaN(b.Score))
	a.Score, b.Score = 0, 0
	timesMatch := a.Time.Equal(b.Time)
	a.Time, b.Time = time.Time{}, time.Time{}
	return scoresMatch && timesMatch && a == b
}

func TestReadAuditMissingFile(t *testing.T) {
	got, err := Read(filepath.Join(t.TempDir(), "audit.jsonl"), 10)
	if err != nil || len(got) != 0 {
		t.Errorf("Read of a missing file = %v, %v; want nothing and no error", got, err)
	}
}

func TestAuditRotationKeepsMaxBackups(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	line, err := Record{Time: auditNow, Source: "controller", VMID: 100}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	perLine := int64(len(line) + 1)
	// Room for three records of VMIDs 100-999 per file.
	a := openTestAudit(t, Options{Path: path, MaxSize: 3 * perLine, MaxBackups: 2})
	const total = 20
	for i := range total {
		if err := a.Append(Record{Time: auditNow, Source: "controller", VMID: 100 + i}); err != nil {
			t.Fatal(err)
		}
	}

	for _, name := range []string{path, path + ".1", path + ".2"} {
		info, err := os.Stat(name)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(name), err)
		}
		if info.Size() > 3*perLine {
			t.Errorf("%s is %d bytes, past MaxSize %d", filepath.Base(name), info.Size(), 3*perLine)
		}
	}
	if _, err := os.Stat(path + ".3"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s.3 exists (%v), want at most 2 backups", filepath.Base(path), err)
	}

	got, err := Read(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	// 20 records at 3 a file: 6 full files and 2 in the current one; the
	// current file and two backups hold the newest 2 + 3 + 3.
	if len(got) != 8 {
		t.Fatalf("Read after rotation = %d records, want 8", len(got))
	}
	for i, r := range got {
		if want := 100 + total - 1 - i; r.VMID != want {
			t.Errorf("record %d is vmid %d, want %d (newest first across files)", i, r.VMID, want)
		}
	}
}

func TestAuditConcurrentAppend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	a := openTestAudit(t, Options{Path: path, MaxSize: 4 << 10, MaxBackups: 100})
	const writers, each = 8, 50
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				r := Record{Source: fmt.Sprintf("api:writer-%d", w), VMID: 1000*w + i, Reason: strings.Repeat("x", 40)}
				if err := a.Append(r); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()

	got, err := Read(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != writers*each {
		t.Fatalf("Read = %d records, want %d (every line whole)", len(got), writers*each)
	}
	seen := map[int]bool{}
	for _, r := range got {
		seen[r.VMID] = true
	}
	if len(seen) != writers*each {
		t.Errorf("%d distinct records, want %d", len(seen), writers*each)
	}
}

func TestAuditTornLastLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	whole := `{"time":"2026-11-27T02:00:00Z","source":"controller","vmid":101,"result":"applied"}` + "\n"
	torn := `{"time":"2026-11-27T02:01:00Z","source":"controller","vm`
	if err := os.WriteFile(path, []byte(whole+torn), 0o600); err != nil {
		t.Fatal(err)
	}

	got, err := Read(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].VMID != 101 || !math.IsNaN(got[0].Score) {
		t.Errorf("Read with a torn last line = %+v, want the one whole record", got)
	}

	// Appending after the crash starts a fresh line instead of gluing the
	// new record to the torn one.
	a := openTestAudit(t, Options{Path: path})
	if err := a.Append(Record{Source: "controller", VMID: 102}); err != nil {
		t.Fatal(err)
	}
	got, err = Read(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].VMID != 102 || got[1].VMID != 101 {
		t.Errorf("Read after appending past a torn line = %+v, want 102 then 101", got)
	}
}

func TestAuditClosed(t *testing.T) {
	a := openTestAudit(t, Options{})
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Append(Record{Source: "controller"}); err == nil {
		t.Error("Append after Close succeeded")
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

func BenchmarkAuditAppend(b *testing.B) {
	a, err := Open(Options{Path: filepath.Join(b.TempDir(), "audit.jsonl"), MaxSize: 1 << 20, MaxBackups: 2})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	r := Record{
		Time: auditNow, Source: "controller", VMID: 101, Node: "pve1", Resource: "memory", Direction: "up",
		From: 1024, To: 1536, Reason: "memory above 0.9 for 5m", Score: 0.61, Mode: "enforce", Result: "applied",
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := a.Append(r); err != nil {
			b.Fatal(err)
		}
	}
}
