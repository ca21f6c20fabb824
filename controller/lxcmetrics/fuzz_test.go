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
		if d := diffCycles(again, cycles); d != "" {
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
