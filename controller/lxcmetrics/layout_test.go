package lxcmetrics

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// appendTo does what a writer does: AppendText's bytes at Inspect's End,
// then the file ends where they end.
func appendTo(t *testing.T, file []byte, c Cycle) []byte {
	t.Helper()
	tail, err := Inspect(bytes.NewReader(file), int64(len(file)))
	if err != nil || !tail.Closed {
		t.Fatalf("Inspect(%q) = %+v, %v", file, tail, err)
	}
	c.Entries = SortEntries(append([]Entry(nil), c.Entries...))
	return AppendText(bytes.Clone(file[:tail.End]), &c, tail.End == 1)
}

func encoded(t *testing.T, cycles []Cycle) []byte {
	t.Helper()
	var b bytes.Buffer
	sorted := make([]Cycle, len(cycles))
	for i, c := range cycles {
		c.Entries = SortEntries(append([]Entry(nil), c.Entries...))
		sorted[i] = c
	}
	if _, err := Encode(&b, sorted); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func normalized(cycles []Cycle) []Cycle {
	var out []Cycle
	for _, c := range cycles {
		out = append(out, exportNormalized(c))
	}
	return out
}

// TestAppendTextMakesEncodeBytes: a file grown one AppendText at a time,
// from "[]\n", is byte for byte what Encode writes for the same cycles.
func TestAppendTextMakesEncodeBytes(t *testing.T) {
	t.Parallel()
	in := exportTestCycles()
	file := []byte("[]\n")
	for i, c := range in {
		file = appendTo(t, file, c)
		if want := encoded(t, in[:i+1]); !bytes.Equal(file, want) {
			t.Fatalf("after %d appends:\n%s\nwant\n%s", i+1, file, want)
		}
	}
}

// TestInspectEveryCut cuts the append of a cycle at every byte, as a kill
// or a power loss would: the file truncated there, the new bytes written
// over the old Closing bracket only in part, or the rest of the append
// zeros. Each loads: the cycles before it, or all of them when the cycle
// is whole; the torn part is dropped and the file closed again.
func TestInspectEveryCut(t *testing.T) {
	t.Parallel()
	in := exportTestCycles()
	for n := range len(in) {
		old := []byte("[]\n")
		if n > 0 {
			old = encoded(t, in[:n])
		}
		tail, err := Inspect(bytes.NewReader(old), int64(len(old)))
		if err != nil || !tail.Closed {
			t.Fatalf("%d cycles: Inspect = %+v, %v", n, tail, err)
		}
		whole := appendTo(t, old, in[n])
		text := whole[tail.End:]
		cycleEnd := int64(len(whole) - len(Closing))
		for k := range len(text) + 1 {
			variants := map[string][]byte{"truncated": whole[:int(tail.End)+k]}
			if int(tail.End)+k < len(old) {
				variants["over the Closing"] = append(bytes.Clone(whole[:int(tail.End)+k]), old[int(tail.End)+k:]...)
			}
			if n > 0 && k < len(text) {
				variants["zeros"] = append(bytes.Clone(whole[:int(tail.End)+k]), make([]byte, len(text)-k)...)
			}
			for name, v := range variants {
				got, err := Inspect(bytes.NewReader(v), int64(len(v)))
				if err != nil {
					t.Fatalf("%d cycles, %s at %d of %d: Inspect = %v\n%q", n, name, k, len(text), err, v)
				}
				want, wantEnd := in[:n], tail.End
				if int64(len(v)) >= cycleEnd && bytes.Equal(v[:cycleEnd], whole[:cycleEnd]) {
					want, wantEnd = in[:n+1], cycleEnd
				}
				closed := closedBytes(v, wantEnd)
				if got.End != wantEnd || got.Closed != (closed > 0) || got.Torn != int64(len(v))-wantEnd-closed {
					t.Fatalf("%d cycles, %s at %d: Inspect = %+v, want End %d", n, name, k, got, wantEnd)
				}
				repaired := append(bytes.Clone(v[:got.End]), got.Closing()...)
				cycles, err := Decode(bytes.NewReader(repaired))
				if err != nil {
					t.Fatalf("%d cycles, %s at %d: repaired file %q: %v", n, name, k, repaired, err)
				}
				if d := Diff(cycles, normalized(want)); d != "" {
					t.Fatalf("%d cycles, %s at %d: %s", n, name, k, d)
				}
			}
		}
	}
}

// closedBytes is the length of the Closing bracket after end when v ends
// as a writer leaves it, else 0.
func closedBytes(v []byte, end int64) int64 {
	if s := v[end:]; string(bytes.TrimSpace(s)) == "]" {
		return int64(len(s))
	}
	return 0
}

func TestInspectRejects(t *testing.T) {
	t.Parallel()
	valid := encoded(t, exportTestCycles())
	tests := []struct {
		name    string
		content []byte
	}{
		{"empty", nil},
		{"an object", []byte(`{"101": {}}`)},
		{"not UTF-8", []byte{0xff, 0xfe, '[', ']'}},
		{"data after the array", append(bytes.Clone(valid), "[]"...)},
		{"a Closing bracket and more", append(bytes.Clone(valid), strings.Repeat(" ", 20)...)},
		{"other layout, first cycle bad", []byte(`[{"101": {"timestamp": 5}}, {}]`)},
		{"other layout, no Closing bracket", []byte(`[{"101": {}}, {"102": {`)},
		{"numbers", []byte(`[1, 2]`)},
		{"newest cut, the separator before it not ours", cutNewest(bytes.Clone(valid))},
		{"newest cut, the cycle before it bad", []byte("[\n{\n\"1\":5\n},\n{\n\"summ")},
	}
	for _, tt := range tests {
		if got, err := Inspect(bytes.NewReader(tt.content), int64(len(tt.content))); err == nil || errors.Is(err, ErrOtherLayout) {
			t.Errorf("%s: Inspect = %+v, %v; want an error that is not ErrOtherLayout", tt.name, got, err)
		}
	}
}

// cutNewest cuts a file inside its newest cycle after making the
// separator before that cycle one this layout does not write.
func cutNewest(file []byte) []byte {
	i := bytes.LastIndex(file, []byte("},\n{"))
	file[i+1] = ' '
	return file[:len(file)-5]
}

func TestInspectOtherLayouts(t *testing.T) {
	t.Parallel()
	python, err := os.ReadFile(filepath.Join("..", "testdata", "export_python.json"))
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{
		"indent=4": python, "one line": []byte(`[{"101": {"cores": 1}}, {"summary": {}}]`), "spaces first": []byte(" [ ] "),
	} {
		if got, err := Inspect(bytes.NewReader(content), int64(len(content))); !errors.Is(err, ErrOtherLayout) {
			t.Errorf("%s: Inspect = %+v, %v; want ErrOtherLayout", name, got, err)
		}
	}
}

// TestNewestReadsBackwards: the cycles come newest first and no more than
// asked are decoded; a separator that is not this layout's stops the
// reading with an error after the newer cycles.
func TestNewestReadsBackwards(t *testing.T) {
	t.Parallel()
	in := exportTestCycles()
	file := encoded(t, in)
	end := int64(len(file) - len(Closing))
	var got []Cycle
	if err := Newest(bytes.NewReader(file), end, func(c Cycle) bool { got = append(got, c); return true }); err != nil {
		t.Fatal(err)
	}
	want := normalized(in)
	if d := Diff(got, []Cycle{want[2], want[1], want[0]}); d != "" {
		t.Error(d)
	}
	got = nil
	if err := Newest(bytes.NewReader(file), end, func(c Cycle) bool { got = append(got, c); return len(got) < 2 }); err != nil || len(got) != 2 {
		t.Errorf("stopped after 2: %d cycles, %v", len(got), err)
	}

	// The middle cycle cannot be read: the newest comes, then the error.
	bad := bytes.Replace(file, []byte(`"collected_containers":2,"collection_end_time":"2026-03-29T01:00:59`),
		[]byte(`"collected_containers":2,"collection_end_time":"2026-03-29T01:00:61`), 1)
	if bytes.Equal(bad, file) {
		t.Fatal("the test did not damage the middle cycle")
	}
	got = nil
	err := Newest(bytes.NewReader(bad), end, func(c Cycle) bool { got = append(got, c); return true })
	if err == nil || len(got) != 1 {
		t.Errorf("damaged middle cycle: %d cycles, %v; want the newest, then an error", len(got), err)
	}
	sep := bytes.Replace(file, []byte("},\n{"), []byte("} \n{"), 1)
	got = nil
	if err := Newest(bytes.NewReader(sep), end, func(c Cycle) bool { got = append(got, c); return true }); !errors.Is(err, ErrOtherLayout) || len(got) != 2 {
		t.Errorf("separator not ours: %d cycles, %v; want 2 then ErrOtherLayout", len(got), err)
	}
}

// TestMarksKeepNewest: "[" + the bytes from the k-th newest mark to the
// end + the Closing bracket is the file of the newest k cycles, as Encode
// writes it.
func TestMarksKeepNewest(t *testing.T) {
	t.Parallel()
	var in []Cycle
	for range 3 {
		in = append(in, exportTestCycles()...)
	}
	file := encoded(t, in)
	end := int64(len(file) - len(Closing))
	for k := 1; k <= len(in); k++ {
		marks, err := Marks(bytes.NewReader(file), end, k)
		if err != nil || len(marks) != k {
			t.Fatalf("Marks(%d) = %v, %v", k, marks, err)
		}
		kept := append(append([]byte{'['}, file[marks[k-1]:end]...), Closing...)
		if want := encoded(t, in[len(in)-k:]); !bytes.Equal(kept, want) {
			t.Fatalf("newest %d:\n%s\nwant\n%s", k, kept, want)
		}
	}
	if marks, err := Marks(bytes.NewReader(file), end, 100); err != nil || len(marks) != len(in) {
		t.Errorf("Marks(100) of %d cycles = %d marks, %v", len(in), len(marks), err)
	}
}

// TestRewriteOtherLayout turns the original's indent=4 file into this
// layout: the same cycles, then the one added, in a file Inspect takes.
func TestRewriteOtherLayout(t *testing.T) {
	t.Parallel()
	python, err := os.ReadFile(filepath.Join("..", "testdata", "export_python.json"))
	if err != nil {
		t.Fatal(err)
	}
	before, err := Decode(bytes.NewReader(python))
	if err != nil {
		t.Fatal(err)
	}
	next := exportNormalized(exportTestCycles()[0])
	var out bytes.Buffer
	n, err := Rewrite(&out, bytes.NewReader(python), &next)
	if err != nil || n != len(before)+1 {
		t.Fatalf("Rewrite = %d, %v; want %d cycles", n, err, len(before)+1)
	}
	if want := encoded(t, append(before, next)); !bytes.Equal(out.Bytes(), want) {
		t.Errorf("rewritten:\n%s\nwant\n%s", out.Bytes(), want)
	}
	if tail, err := Inspect(bytes.NewReader(out.Bytes()), int64(out.Len())); err != nil || !tail.Closed {
		t.Errorf("Inspect of the rewritten file = %+v, %v", tail, err)
	}
	out.Reset()
	if n, err := Rewrite(&out, strings.NewReader(" [ ] "), nil); err != nil || n != 0 || out.String() != "[]\n" {
		t.Errorf("Rewrite of an empty array = %d, %v, %q", n, err, out.String())
	}
	if _, err := Rewrite(&out, strings.NewReader(`[{"1": {}}, 5]`), nil); err == nil {
		t.Error("Rewrite of a file that is not an export = nil error")
	}
	failing := errors.New("disk full")
	if _, err := Rewrite(failingWriter{failing}, bytes.NewReader(python), nil); !errors.Is(err, failing) {
		t.Errorf("Rewrite into a failing writer = %v, want %v", err, failing)
	}
}

type failingWriter struct{ err error }

func (f failingWriter) Write([]byte) (int, error) { return 0, f.err }

// TestMarkAcrossBlocks: marks that straddle the edge of the backward
// search's blocks are found.
func TestMarkAcrossBlocks(t *testing.T) {
	t.Parallel()
	for _, shift := range []int{0, 1, 2, 3} {
		pad := scanBlock - shift
		file := []byte("[\n{\n\"1\":{\"node\":\"" + strings.Repeat("x", pad) + "\"},\n\"summary\":{}\n},\n{\n\"summary\":{}\n}\n]\n")
		end := int64(len(file) - len(Closing))
		marks, err := Marks(bytes.NewReader(file), end, 5)
		if err != nil || fmt.Sprint(marks) != fmt.Sprint([]int64{int64(bytes.LastIndex(file, []byte(mark))), 1}) {
			t.Errorf("shift %d: Marks = %v, %v", shift, marks, err)
		}
	}
}
