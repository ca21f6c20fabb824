package lxcmetrics

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodeExport: Decode never panics, accepts only JSON, and
// whatever it accepts writes back as valid JSON that decodes to the same
// cycles, and writes the same bytes again.
func FuzzDecodeExport(f *testing.F) {
	for _, name := range []string{"export_golden.json", "export_python.json"} {
		seed, err := os.ReadFile(filepath.Join("..", "testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(seed)
	}
	for _, seed := range []string{
		`[]`, `[{}]`, `[{"1": {}}]`, `[{"summary": {"total_containers": 1e3}}]`,
		`[{"7": {"node": "\u00e9\ud800", "pressure": {"cpu_some": 1e-7}, "anomaly_score": null}}]`,
		`[{"9": {"io_stats": {"reads": 36028797018963967}, "memory_usage_mb": 17592186044416.0}}]`,
		`[{"1": {"timestamp": "2026-01-01T00:00:00.1234567-01:30", "x": [1, {"y": null}]}}]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		cycles, err := Decode(bytes.NewReader(input))
		if err != nil {
			return
		}
		if !json.Valid(input) {
			t.Fatalf("DecodeExport accepted invalid JSON %q", input)
		}
		var first bytes.Buffer
		if _, err := Encode(&first, cycles); err != nil {
			t.Fatal(err)
		}
		if !json.Valid(first.Bytes()) {
			t.Fatalf("encodeExport wrote invalid JSON %q", first.Bytes())
		}
		again, err := Decode(bytes.NewReader(first.Bytes()))
		if err != nil {
			t.Fatalf("DecodeExport of its own output %q: %v", first.Bytes(), err)
		}
		if d := Diff(again, cycles); d != "" {
			t.Fatalf("round trip of %q: %s", input, d)
		}
		var second bytes.Buffer
		if _, err := Encode(&second, again); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first.Bytes(), second.Bytes()) {
			t.Fatalf("second write differs:\n%s\n%s", first.Bytes(), second.Bytes())
		}
	})
}

// FuzzTail: whatever bytes a file ends in, Inspect and Newest never panic;
// a file of ours cut at any byte is an export whose whole cycles Newest
// reads back, newest first, as a prefix of what was written.
func FuzzTail(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join("..", "testdata", "export_golden.json"))
	if err != nil {
		f.Fatal(err)
	}
	cycles, err := Decode(bytes.NewReader(seed))
	if err != nil {
		f.Fatal(err)
	}
	var ours bytes.Buffer
	if _, err := Encode(&ours, cycles); err != nil {
		f.Fatal(err)
	}
	f.Add(ours.Bytes(), uint16(ours.Len()))
	f.Add(ours.Bytes(), uint16(ours.Len()/2))
	f.Add([]byte("[\n{\n}\n]"), uint16(3))
	f.Add([]byte("[]\x00\x00"), uint16(4))
	f.Fuzz(func(t *testing.T, file []byte, cut uint16) {
		file = file[:min(int(cut), len(file))]
		tail, err := Inspect(bytes.NewReader(file), int64(len(file)))
		if err != nil {
			return
		}
		if tail.End < 1 || tail.End > int64(len(file)) || tail.End+tail.Torn > int64(len(file)) {
			t.Fatalf("Inspect of %d bytes: end %d, torn %d", len(file), tail.End, tail.Torn)
		}
		n := 0
		err = Newest(bytes.NewReader(file), tail.End, func(Cycle) bool { n++; return n < 1000 })
		if err != nil && bytes.HasPrefix(ours.Bytes(), file) {
			t.Fatalf("a cut of our own file at byte %d: Inspect took it (%+v) but Newest failed: %v", len(file), tail, err)
		}
	})
}
