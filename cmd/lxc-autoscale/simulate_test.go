package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller"
	"github.com/lxc-autoscale/lxc-autoscale/controller/lxcmetrics"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/sim"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

const exampleTrace = "testdata/trace.csv"

var testDefaults = scaling.Allocation{Cores: 2, MemoryMiB: 2048}

func TestSimulateTraceTable(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runCLI(t, nil, "simulate", "--trace", exampleTrace, "--verbose")
	if code != exitOK {
		t.Fatalf("simulate = %d, want %d; stderr: %s", code, exitOK, stderr)
	}
	header := regexpLine(t, stdout, "Total")
	for _, policy := range sim.Policies() {
		if !strings.Contains(header, policy) {
			t.Errorf("table header %q lacks the policy %s", header, policy)
		}
	}
	for _, row := range metricRows {
		if !strings.Contains(stdout, row.label) {
			t.Errorf("table lacks the row %q:\n%s", row.label, stdout)
		}
	}
	for _, want := range []string{"Simulated 3 containers, 270 samples", "Container 101 (web-1)", "Container 102 (worker-1)", "Container 103 (cache-1)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	// Ours against legacy: the trace and each container as a scenario.
	target := regexp.MustCompile(`(?m)^Target \(ours against legacy, as for each scenario of --all-scenarios\): the trace (met|missed: [a-z ,]+)[^;]*; (\d) of 3 containers meet it on their own and (\d) cannot by any policy\.$`)
	if !target.MatchString(stdout) {
		t.Errorf("output lacks the target line:\n%s", stdout)
	}
	if !strings.Contains(stdout, "The trace as a whole ") || !strings.Contains(stdout, "the goals of issue 15 (starved ") {
		t.Errorf("output lacks the goals of issue 15:\n%s", stdout)
	}
	if got := regexp.MustCompile(`(?m)^target: (met|missed: )`).FindAllString(stdout, -1); len(got) != 3 {
		t.Errorf("%d per-container target lines, want 3:\n%s", len(got), stdout)
	}
}

// regexpLine returns the first line of s that starts with prefix.
func regexpLine(t *testing.T, s, prefix string) string {
	t.Helper()
	for line := range strings.SplitSeq(s, "\n") {
		if strings.HasPrefix(line, prefix) {
			return line
		}
	}
	t.Fatalf("no line starts with %q:\n%s", prefix, s)
	return ""
}

func TestSimulatePoliciesFlagPicksColumns(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runCLI(t, nil, "simulate", "--trace", exampleTrace, "--policies", "ours,static")
	if code != exitOK {
		t.Fatalf("simulate = %d; stderr: %s", code, stderr)
	}
	fields := strings.Fields(regexpLine(t, stdout, "Total"))
	if want := []string{"Total", "static", "ours"}; !reflect.DeepEqual(fields, want) {
		t.Errorf("header = %q, want %q", fields, want)
	}
	if strings.Contains(stdout, "Target (") {
		t.Errorf("a target without legacy to judge against:\n%s", stdout)
	}
}

func TestSimulateJSON(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runCLI(t, nil, "simulate", "--trace", exampleTrace, "--json")
	if code != exitOK {
		t.Fatalf("simulate --json = %d; stderr: %s", code, stderr)
	}
	var results []struct {
		Policy       string                                `json:"policy"`
		Total        map[string]json.RawMessage            `json:"total"`
		PerContainer map[string]map[string]json.RawMessage `json:"per_container"`
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&results); err != nil {
		t.Fatalf("output is not the JSON of the results: %v\n%s", err, stdout)
	}
	if len(results) != len(sim.Policies()) {
		t.Fatalf("%d results, want %d", len(results), len(sim.Policies()))
	}
	keys := []string{"starvation_minutes", "starvation_beyond_max_minutes", "waste_core_hours", "waste_gb_hours", "waste_disk_gb_hours", "actions", "actions_per_day",
		"flaps", "oom_events", "oom_events_at_start", "steps", "steps_beyond_max", "reaction_seconds", "reaction_max_seconds"}
	for i, r := range results {
		if r.Policy != sim.Policies()[i] {
			t.Errorf("result %d is %q, want %q", i, r.Policy, sim.Policies()[i])
		}
		for _, k := range keys {
			if _, ok := r.Total[k]; !ok {
				t.Errorf("%s total lacks %q: %v", r.Policy, k, r.Total)
			}
		}
		if len(r.Total) != len(keys) {
			t.Errorf("%s total has %d keys, want %d: %v", r.Policy, len(r.Total), len(keys), r.Total)
		}
		for _, vmid := range []string{"101", "102", "103"} {
			if _, ok := r.PerContainer[vmid]; !ok {
				t.Errorf("%s per_container lacks %s", r.Policy, vmid)
			}
		}
	}
}

func TestJSONFloatWritesNullForNoValue(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   float64
		want string
	}{{1.5, "1.5"}, {0, "0"}, {math.NaN(), "null"}, {math.Inf(1), "null"}, {1e21, "1e+21"}} {
		got, err := json.Marshal(jsonFloat(c.in))
		if err != nil || string(got) != c.want {
			t.Errorf("Marshal(%g) = %s, %v; want %s", c.in, got, err, c.want)
		}
	}
}

func TestSimulateSVG(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "timelines")
	code, stdout, stderr := runCLI(t, nil, "simulate", "--trace", exampleTrace, "--svg", dir)
	if code != exitOK {
		t.Fatalf("simulate --svg = %d; stderr: %s", code, stderr)
	}
	if !strings.Contains(stdout, "wrote 3 SVG timelines") {
		t.Errorf("output does not say it wrote the timelines:\n%s", stdout)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"101.svg", "102.svg", "103.svg"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("files = %q, want %q", names, want)
	}
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		texts, paths := decodeSVG(t, name, data)
		for _, want := range []string{"CPU (cores)", "Memory (MiB)", "demand", "static allocation", "legacy allocation", "ours allocation", "time (UTC)"} {
			if !anyContains(texts, want) {
				t.Errorf("%s has no text %q; texts: %q", name, want, texts)
			}
		}
		// Demand and three allocations, in each of the two panels.
		if paths != 8 {
			t.Errorf("%s has %d paths, want 8", name, paths)
		}
	}
}

// anyContains says whether some element of list contains s.
func anyContains(list []string, s string) bool {
	for _, v := range list {
		if strings.Contains(v, s) {
			return true
		}
	}
	return false
}

// decodeSVG checks that data is one well-formed <svg> document and returns
// its texts and the number of its paths.
func decodeSVG(t *testing.T, name string, data []byte) (texts []string, paths int) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	depth, roots := 0, 0
	inText := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s is not well-formed XML: %v", name, err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
				if el.Name.Local != "svg" || el.Name.Space != "http://www.w3.org/2000/svg" {
					t.Errorf("%s: root is %v, want svg in the SVG namespace", name, el.Name)
				}
			}
			depth++
			inText = el.Name.Local == "text"
			if el.Name.Local == "path" {
				paths++
			}
		case xml.EndElement:
			depth--
			inText = false
		case xml.CharData:
			if inText {
				texts = append(texts, string(el))
			}
		}
	}
	if roots != 1 || depth != 0 {
		t.Errorf("%s: %d root elements, depth %d at the end", name, roots, depth)
	}
	return texts, paths
}

func TestSimulateBadTraceNamesLineAndColumn(t *testing.T) {
	t.Parallel()
	const header = "timestamp,vmid,cpu_cores,memory_mb,disk_gb\n"
	cases := []struct {
		name, csv, want string
	}{
		{"not a number", header + "2026-01-05T12:00:00Z,101,abc,512,1\n", `line 2, column 3 (cpu_cores): "abc" is not a number; allowed: 0 to 1024 cores`},
		{"negative memory", header + "2026-01-05T12:00:00Z,101,1,-5,1\n", "line 2, column 4 (memory_mb): -5 is out of range; allowed: 0 to 16777216 MiB"},
		{"bad time", header + "2026-01-05 12:00,101,1,5,1\n", `line 2, column 1 (timestamp): "2026-01-05 12:00" is not an RFC 3339 time`},
		{"small vmid", header + "2026-01-05T12:00:00Z,99,1,5,1\n", "line 2, column 2 (vmid): 99 is out of range; allowed: an integer from 100 to 999999999"},
		{"unknown column", "timestamp,vmid,cpu_cores,memory_mb,disk_gb,cpu_pct\n", `line 1, column 6: unknown column "cpu_pct"`},
		{"missing column", "timestamp,vmid,cpu_cores,disk_gb\n", `line 1: the header lacks the required column "memory_mb"`},
		{"disk size without disk used", "timestamp,vmid,cpu_cores,memory_mb,disk_size_gb\n", `line 1, column 5 (disk_size_gb): a disk size needs the disk used`},
		{"time goes back", header + "2026-01-05T12:01:00Z,101,1,5,1\n2026-01-05T12:00:00Z,101,1,5,1\n", "line 3, column 1 (timestamp): 2026-01-05T12:00:00Z is not after the previous sample of vmid 101"},
		{"field count", header + "2026-01-05T12:00:00Z,101,1,5\n", "line 2: the row has not as many fields"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "bad.csv")
			writeFile(t, path, c.csv)
			code, _, stderr := runCLI(t, nil, "simulate", "--trace", path)
			if code != exitUsage {
				t.Errorf("simulate = %d, want %d; stderr: %s", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, c.want) || !strings.Contains(stderr, "bad.csv") {
				t.Errorf("stderr = %q, want it to name the file and contain %q", stderr, c.want)
			}
		})
	}
}

func TestParseTrace(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		csv     string
		want    []sim.TraceContainer
		wantErr string
	}{
		{
			name: "defaults, rows interleaved, containers by VMID",
			csv: "vmid,timestamp,cpu_cores,memory_mb,disk_gb\n" +
				"202,2026-01-05T12:00:00Z,1.5,1024,2\n" +
				"101,2026-01-05T12:00:00Z,0.5,512,1.5\n" +
				"202,2026-01-05T13:30:00+01:00,1,256.5,2\n",
			want: []sim.TraceContainer{
				{VMID: 101, Initial: testDefaults, Points: []sim.TracePoint{{Time: t0, CPUCores: 0.5, MemoryBytes: 512 << 20, DiskBytes: 3 << 29}}},
				{VMID: 202, Initial: testDefaults, Points: []sim.TracePoint{
					{Time: t0, CPUCores: 1.5, MemoryBytes: 1 << 30, DiskBytes: 2 << 30},
					{Time: t0.Add(30 * time.Minute).In(time.FixedZone("", 3600)), CPUCores: 1, MemoryBytes: 256<<20 + 512<<10, DiskBytes: 2 << 30},
				}},
			},
		},
		{
			name: "allocation, name and rates on the first row, comments, byte order mark, spaces",
			csv: "\ufefftimestamp, vmid, cpu_cores, memory_mb, disk_gb, io_bytes_per_s, net_bytes_per_s, pressure, name, cores, memory_limit_mb, disk_size_gb\n" +
				"# a comment\n" +
				"2026-01-05T12:00:00Z,101,0.5,512,1,1000,2000,3.5,web-1,4,4096,8.5\n" +
				"2026-01-05T12:01:00.5Z,101,0.25,512,1,0,0,0,,,,\n",
			want: []sim.TraceContainer{{
				VMID: 101, Name: "web-1",
				Initial: scaling.Allocation{Cores: 4, MemoryMiB: 4096, DiskBytes: 17 << 29},
				Points: []sim.TracePoint{
					{Time: t0, CPUCores: 0.5, MemoryBytes: 512 << 20, DiskBytes: 1 << 30, IORate: 1000, NetRate: 2000, PressureCPU: 3.5},
					{Time: t0.Add(time.Minute + 500*time.Millisecond), CPUCores: 0.25, MemoryBytes: 512 << 20, DiskBytes: 1 << 30},
				},
			}},
		},
		{
			name: "an empty allocation cell takes the default",
			csv:  "timestamp,vmid,cpu_cores,memory_mb,disk_gb,cores,memory_limit_mb\n2026-01-05T12:00:00Z,101,0,0,0,,1024\n",
			want: []sim.TraceContainer{{VMID: 101, Initial: scaling.Allocation{Cores: 2, MemoryMiB: 1024},
				Points: []sim.TracePoint{{Time: t0}}}},
		},
		{
			name: "pressure of each resource",
			csv:  "timestamp,vmid,cpu_cores,memory_mb,disk_gb,pressure,pressure_memory,pressure_io\n2026-01-05T12:00:00Z,101,0,0,0,1.5,2.5,40\n",
			want: []sim.TraceContainer{{VMID: 101, Initial: scaling.Allocation{Cores: 2, MemoryMiB: 2048},
				Points: []sim.TracePoint{{Time: t0, PressureCPU: 1.5, PressureMemory: 2.5, PressureIO: 40}}}},
		},
		{
			name: "no disk_gb",
			csv:  "timestamp,vmid,cpu_cores,memory_mb\n2026-01-05T12:00:00Z,101,0.5,512\n",
			want: []sim.TraceContainer{{VMID: 101, Initial: scaling.Allocation{Cores: 2, MemoryMiB: 2048},
				Points: []sim.TracePoint{{Time: t0, CPUCores: 0.5, MemoryBytes: 512 << 20}}}},
		},
		{
			name: "pressure_cpu is pressure",
			csv:  "timestamp,vmid,cpu_cores,memory_mb,pressure_cpu\n2026-01-05T12:00:00Z,101,0,0,7.5\n",
			want: []sim.TraceContainer{{VMID: 101, Initial: scaling.Allocation{Cores: 2, MemoryMiB: 2048},
				Points: []sim.TracePoint{{Time: t0, PressureCPU: 7.5}}}},
		},
		{name: "pressure and pressure_cpu", csv: "timestamp,vmid,cpu_cores,memory_mb,pressure,pressure_cpu\n", wantErr: `line 1, column 6: column "pressure_cpu" is also column 5`},
		{name: "empty", csv: "", wantErr: "line 1: empty trace"},
		{name: "header only", csv: "timestamp,vmid,cpu_cores,memory_mb,disk_gb\n", wantErr: "line 2: no sample"},
		{name: "duplicate column", csv: "timestamp,vmid,cpu_cores,memory_mb,disk_gb,vmid\n", wantErr: `line 1, column 6: column "vmid" is also column 2`},
		{
			name:    "allocation again on a later row",
			csv:     "timestamp,vmid,cpu_cores,memory_mb,disk_gb,cores\n2026-01-05T12:00:00Z,101,0,0,0,2\n2026-01-05T12:01:00Z,101,0,0,0,2\n",
			wantErr: "line 3, column 6 (cores): given again for vmid 101",
		},
		{name: "same time twice", csv: "timestamp,vmid,cpu_cores,memory_mb,disk_gb\n2026-01-05T12:00:00Z,101,0,0,0\n2026-01-05T12:00:00Z,101,0,0,0\n", wantErr: "line 3, column 1 (timestamp)"},
		{name: "NaN", csv: "timestamp,vmid,cpu_cores,memory_mb,disk_gb\n2026-01-05T12:00:00Z,101,NaN,0,0\n", wantErr: "line 2, column 3 (cpu_cores): NaN is out of range"},
		{name: "hex float", csv: "timestamp,vmid,cpu_cores,memory_mb,disk_gb\n2026-01-05T12:00:00Z,101,0x1p1,0,0\n", wantErr: `"0x1p1" is not a number`},
		{name: "empty value", csv: "timestamp,vmid,cpu_cores,memory_mb,disk_gb\n2026-01-05T12:00:00Z,101,,0,0\n", wantErr: "line 2, column 3 (cpu_cores): empty"},
		{name: "pressure above 100", csv: "timestamp,vmid,cpu_cores,memory_mb,disk_gb,pressure\n2026-01-05T12:00:00Z,101,0,0,0,101\n", wantErr: "line 2, column 6 (pressure): 101 is out of range; allowed: 0 to 100 percent"},
		{name: "zero cores", csv: "timestamp,vmid,cpu_cores,memory_mb,disk_gb,cores\n2026-01-05T12:00:00Z,101,0,0,0,0\n", wantErr: "line 2, column 6 (cores): 0 is out of range"},
		{name: "bad name", csv: "timestamp,vmid,cpu_cores,memory_mb,disk_gb,name\n2026-01-05T12:00:00Z,101,0,0,0,<b>\n", wantErr: `line 2, column 6 (name): "<b>" is not a container name`},
		{name: "quote", csv: "timestamp,vmid,cpu_cores,memory_mb,disk_gb\n2026-01-05T12:00:00Z,101,0\"5,0,0\n", wantErr: "line 2, column 27: bare \" in non-quoted-field"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tr, err := sim.ParseTrace(strings.NewReader(c.csv), testDefaults)
			if c.wantErr != "" {
				var te *sim.TraceError
				if !errors.As(err, &te) || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("parseTrace = %v, want a *sim.TraceError containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseTrace: %v", err)
			}
			if !reflect.DeepEqual(tr.Containers, c.want) {
				t.Errorf("parseTrace =\n%+v\nwant\n%+v", tr.Containers, c.want)
			}
		})
	}
}

// Without disk_gb the disk is unknown: a default size (--disk-gb) would
// be measured against no usage, so it is not taken; with it, it is.
func TestParseTraceWithoutDiskKeepsNoSize(t *testing.T) {
	t.Parallel()
	defaults := scaling.Allocation{Cores: 2, MemoryMiB: 2048, DiskBytes: 8 << 30}
	for csv, want := range map[string]uint64{
		"timestamp,vmid,cpu_cores,memory_mb\n2026-01-05T12:00:00Z,101,0.5,512\n":           0,
		"timestamp,vmid,cpu_cores,memory_mb,disk_gb\n2026-01-05T12:00:00Z,101,0.5,512,1\n": 8 << 30,
	} {
		tr, err := sim.ParseTrace(strings.NewReader(csv), defaults)
		if err != nil {
			t.Fatal(err)
		}
		if got := tr.Containers[0].Initial.DiskBytes; got != want {
			t.Errorf("%q: initial disk %d bytes, want %d", csv, got, want)
		}
	}
}

func TestExampleTraceParses(t *testing.T) {
	t.Parallel()
	tr, err := readTraceFile(exampleTrace, testDefaults)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Containers) != 3 {
		t.Fatalf("%d containers, want 3", len(tr.Containers))
	}
	cache := tr.Containers[2]
	if cache.Name != "cache-1" || cache.Initial != (scaling.Allocation{Cores: 2, MemoryMiB: 1024}) || len(cache.Points) != 90 {
		t.Errorf("cache-1 = %s %+v with %d points; want its allocation, an unknown disk and 90 points", cache.Name, cache.Initial, len(cache.Points))
	}
}

// FuzzParseTrace checks that any input gives either a *sim.TraceError or a
// trace that keeps the format's promises.
func FuzzParseTrace(f *testing.F) {
	seed, err := os.ReadFile(exampleTrace)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(seed))
	f.Add("timestamp,vmid,cpu_cores,memory_mb,disk_gb\n2026-01-05T12:00:00Z,101,1,2,3\n")
	f.Add("timestamp,vmid,cpu_cores,memory_mb,disk_gb,cores,memory_limit_mb,disk_size_gb,name\n2026-01-05T12:00:00Z,101,1,2,3,1,16,0.01,a\n2026-01-05T12:00:01Z,101,1,2,3,,,,\n")
	f.Add("\"timestamp\",vmid\n\"a\"\"b\",1\n")
	f.Add("timestamp,vmid,cpu_cores,memory_mb,pressure_cpu\n2026-01-05T12:00:00Z,101,1,2,50\n")
	f.Fuzz(func(t *testing.T, in string) {
		tr, err := sim.ParseTrace(strings.NewReader(in), testDefaults)
		if err != nil {
			var te *sim.TraceError
			if !errors.As(err, &te) {
				t.Fatalf("error %v (%T) is not a *sim.TraceError", err, err)
			}
			if te.Line < 1 {
				t.Fatalf("error %v names line %d", err, te.Line)
			}
			return
		}
		if len(tr.Containers) == 0 {
			t.Fatal("no error and no container")
		}
		for i, c := range tr.Containers {
			if i > 0 && c.VMID <= tr.Containers[i-1].VMID {
				t.Fatalf("containers out of VMID order: %d after %d", c.VMID, tr.Containers[i-1].VMID)
			}
			if c.VMID < sim.MinVMID || c.VMID > sim.MaxVMID || c.Initial.Cores < 1 || c.Initial.MemoryMiB < sim.MinMemoryMiB {
				t.Fatalf("container out of range: %+v", c)
			}
			if len(c.Points) == 0 {
				t.Fatalf("container %d has no point", c.VMID)
			}
			for j, p := range c.Points {
				if j > 0 && !p.Time.After(c.Points[j-1].Time) {
					t.Fatalf("container %d: point %d not after the one before", c.VMID, j)
				}
				if !(p.CPUCores >= 0 && p.CPUCores <= sim.MaxCores) || !(p.IORate >= 0 && p.IORate <= sim.MaxBytesPerSec) || !(p.NetRate >= 0 && p.NetRate <= sim.MaxBytesPerSec) {
					t.Fatalf("container %d: point %d out of range: %+v", c.VMID, j, p)
				}
			}
		}
	})
}

func TestSimulateScenarioIsDeterministic(t *testing.T) {
	t.Parallel()
	o := scenarioOptions{seed: 7, duration: 2 * time.Hour, durationSet: true}
	for _, name := range scenarioNames() {
		a, err := scenarioTrace(name, o)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := scenarioTrace(name, o)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("scenario %s: two traces of seed 7 differ", name)
		}
		other, _ := scenarioTrace(name, scenarioOptions{seed: 8, duration: 2 * time.Hour, durationSet: true})
		if reflect.DeepEqual(a, other) {
			t.Errorf("scenario %s: seeds 7 and 8 give the same trace", name)
		}
		sc, _ := findScenario(name)
		if len(a.Containers) != sc.containers {
			t.Errorf("scenario %s: %d containers, want the default %d", name, len(a.Containers), sc.containers)
		}
		for _, c := range a.Containers {
			if len(c.Points) != 120 || !c.Points[0].Time.Equal(scenarioStart) || c.Points[1].Time.Sub(c.Points[0].Time) != time.Minute {
				t.Errorf("scenario %s, container %d: %d points from %s; want 120 a minute apart from %s", name, c.VMID, len(c.Points), c.Points[0].Time, scenarioStart)
			}
			if c.Initial.Cores < 1 || c.Initial.MemoryMiB < 512 || c.Initial.DiskBytes < c.Points[0].DiskBytes {
				t.Errorf("scenario %s, container %d: allocation %+v does not hold its first sample", name, c.VMID, c.Initial)
			}
		}
	}

	// Through the command line: the same seed prints the same results.
	args := []string{"simulate", "--scenario", "spike", "--seed", "7", "--duration", "2h", "--containers", "2", "--json"}
	code, first, stderr := runCLI(t, nil, args...)
	if code != exitOK {
		t.Fatalf("simulate = %d; stderr: %s", code, stderr)
	}
	if _, again, _ := runCLI(t, nil, args...); again != first {
		t.Errorf("two runs of seed 7 printed different results:\n%s\n%s", first, again)
	}
}

func TestMixedScenarioHasEveryKind(t *testing.T) {
	t.Parallel()
	tr, err := scenarioTrace(mixedName, scenarioOptions{seed: 1, duration: time.Hour, containers: 8})
	if err != nil {
		t.Fatal(err)
	}
	kinds := make(map[string]bool)
	for _, c := range tr.Containers {
		kinds[strings.TrimSuffix(c.Name, "-1")] = true
	}
	if len(kinds) != 8 {
		t.Errorf("8 containers of mixed have %d kinds: %v", len(kinds), kinds)
	}
}

func TestSimulateScenarioList(t *testing.T) {
	t.Parallel()
	code, stdout, _ := runCLI(t, nil, "simulate", "--scenario", "list")
	if code != exitOK {
		t.Fatalf("simulate --scenario list = %d", code)
	}
	for _, name := range scenarioNames() {
		if !strings.Contains(stdout, "  "+name+" ") {
			t.Errorf("list lacks %s:\n%s", name, stdout)
		}
	}
}

func TestSimulateUsageErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no input", nil, "give exactly one of --trace, --metrics, --scenario and --all-scenarios"},
		{"two inputs", []string{"--trace", exampleTrace, "--scenario", "spike"}, "give exactly one of"},
		{"unknown scenario", []string{"--scenario", "tsunami"}, `unknown scenario "tsunami"; want one of steady, diurnal`},
		{"seed with a trace", []string{"--trace", exampleTrace, "--seed", "3"}, "--seed applies only to --scenario and --all-scenarios"},
		{"cores with a scenario", []string{"--scenario", "idle", "--cores", "3"}, "--cores applies only to --trace and --metrics"},
		{"unknown policy", []string{"--trace", exampleTrace, "--policies", "static,magic"}, `--policies: unknown policy "magic"`},
		{"policy twice", []string{"--trace", exampleTrace, "--policies", "ours,ours"}, "--policies: ours is given twice"},
		{"short duration", []string{"--scenario", "idle", "--duration", "5m"}, "--duration: 5m0s is out of range [1h0m0s, 720h0m0s]"},
		{"too many samples", []string{"--scenario", "idle", "--duration", "720h", "--containers", "200"}, "more than 5000000 samples"},
		{"bad memory default", []string{"--trace", exampleTrace, "--memory-mb", "8"}, "--memory-mb: 8 is out of range [16, 16777216]"},
		{"missing trace", []string{"--trace", "testdata/nope.csv"}, "--trace: open testdata/nope.csv"},
		{"svg with all scenarios", []string{"--all-scenarios", "--svg", "x"}, "--svg does not apply to --all-scenarios"},
		{"compare-model without ours", []string{"--trace", exampleTrace, "--policies", "legacy", "--compare-model"}, "--compare-model compares ours with and without the model"},
		{"stray argument", []string{"--trace", exampleTrace, "extra"}, `unexpected argument "extra"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := runCLI(t, nil, append([]string{"simulate"}, c.args...)...)
			if code != exitUsage || !strings.Contains(stderr, c.want) {
				t.Errorf("simulate %q = %d, %q; want %d containing %q", c.args, code, stderr, exitUsage, c.want)
			}
		})
	}
}

func TestSimulateConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A file with scaling rules and no Proxmox connection: a simulation
	// needs none.
	rulesOnly := filepath.Join(dir, "rules.yaml")
	writeFile(t, rulesOnly, "scaling:\n  cpu:\n    up_threshold: 0.6\n    target: 0.5\n")
	code, stdout, stderr := runCLI(t, nil, "simulate", "--config", rulesOnly, "--trace", exampleTrace)
	if code != exitOK || !strings.Contains(stdout, "Total") {
		t.Errorf("simulate with a rules-only config = %d; stderr: %s", code, stderr)
	}

	invalid := filepath.Join(dir, "invalid.yaml")
	writeFile(t, invalid, "scaling:\n  cpu:\n    up_threshold: 7\n")
	code, _, stderr = runCLI(t, nil, "simulate", "--config", invalid, "--trace", exampleTrace)
	if code != exitUsage || !strings.Contains(stderr, "scaling.cpu.up_threshold") || strings.Contains(stderr, "proxmox") {
		t.Errorf("simulate with an invalid config = %d, %q; want %d naming only scaling.cpu.up_threshold", code, stderr, exitUsage)
	}

	// The default configuration is dry-run; a simulation enforces, or ours
	// would never move.
	cfg, err := loadSimulationConfig(&environment{}, newFlagSet(simulateCommand()))
	if err != nil {
		t.Fatal(err)
	}
	opts := simOptions(cfg, simulateRequest{policies: sim.Policies()})
	if opts.Selection.Default.Mode != scaling.ModeEnforce || opts.Interval != cfg.Monitor.Interval || !opts.Selection.Default.CPU.Enabled {
		t.Errorf("simOptions = %+v; want the default rules, enforced", opts)
	}
}

func TestTraceFromExport(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	cycles := []lxcmetrics.Cycle{
		{Entries: []lxcmetrics.Entry{
			{VMID: 101, Time: t0, CPUPercent: 50, Cores: 2, MemUsed: 100 << 20, MemLimit: 1 << 30, DiskUsed: 1 << 30, DiskSize: 8 << 30, NetIn: 1000, DiskRead: 5000},
			{VMID: 102, Time: t0, CPUPercent: 25, MemUsed: 50 << 20},
		}},
		{Entries: []lxcmetrics.Entry{
			{VMID: 101, Time: t0.Add(time.Minute), CPUPercent: 100, Cores: 2, MemUsed: 200 << 20, NetIn: 7000, DiskRead: 17000},
			{VMID: 102, Time: t0, CPUPercent: 30}, // not later: dropped
		}},
		{Entries: []lxcmetrics.Entry{
			{VMID: 101, Time: t0.Add(2 * time.Minute), CPUPercent: 10, Cores: 2, NetIn: 10}, // counters reset
		}},
	}
	tr, dropped := sim.TraceFromExport(cycles, testDefaults)
	if dropped != 1 {
		t.Errorf("dropped %d samples, want 1", dropped)
	}
	want := []sim.TraceContainer{
		{VMID: 101, Initial: scaling.Allocation{Cores: 2, MemoryMiB: 1024, DiskBytes: 8 << 30}, Points: []sim.TracePoint{
			{Time: t0, CPUCores: 1, MemoryBytes: 100 << 20, DiskBytes: 1 << 30},
			{Time: t0.Add(time.Minute), CPUCores: 2, MemoryBytes: 200 << 20, NetRate: 100, IORate: 200},
			{Time: t0.Add(2 * time.Minute), CPUCores: 0.2},
		}},
		// No cores or limit in the file (the original's): the defaults,
		// and cpu percent of the default cores.
		{VMID: 102, Initial: testDefaults, Points: []sim.TracePoint{{Time: t0, CPUCores: 0.5, MemoryBytes: 50 << 20}}},
	}
	if !reflect.DeepEqual(tr.Containers, want) {
		t.Errorf("traceFromExport =\n%+v\nwant\n%+v", tr.Containers, want)
	}
}

func TestSimulateMetricsFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "lxc_metrics.json")
	exp := controller.NewExporter(controller.ExporterOptions{Path: path, Logger: zerolog.Nop()})
	t0 := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	for i := range 30 {
		at := t0.Add(time.Duration(i) * time.Minute)
		if err := exp.Append(lxcmetrics.Cycle{Start: at, End: at.Add(time.Second), Total: 2, Entries: []lxcmetrics.Entry{
			{VMID: 101, Node: "pve1", Time: at, CPUPercent: 90, Cores: 1, MemUsed: 900 << 20, MemLimit: 1 << 30, DiskUsed: 1 << 30, DiskSize: 8 << 30, Pressure: &proxmox.Pressure{}, Score: math.NaN()},
			{VMID: 102, Node: "pve1", Time: at, CPUPercent: 5, Cores: 4, MemUsed: 200 << 20, MemLimit: 4 << 30, DiskUsed: 1 << 30, DiskSize: 8 << 30, Score: math.NaN()},
		}}); err != nil {
			t.Fatal(err)
		}
	}
	code, stdout, stderr := runCLI(t, nil, "simulate", "--metrics", path)
	if code != exitOK {
		t.Fatalf("simulate --metrics = %d; stderr: %s", code, stderr)
	}
	for _, want := range []string{"Simulated 2 containers, 60 samples", "CPU starvation is under-counted", "Total"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}

	corrupt := filepath.Join(dir, "corrupt.json")
	writeFile(t, corrupt, `[{"101": {"cpu_usage_percent": "lots"}}]`)
	if code, _, stderr := runCLI(t, nil, "simulate", "--metrics", corrupt); code != exitUsage || !strings.Contains(stderr, "corrupt.json") {
		t.Errorf("simulate --metrics of a corrupt file = %d, %q; want %d naming the file", code, stderr, exitUsage)
	}
}

func TestSimulateAllScenarios(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates every scenario")
	}
	t.Parallel()
	code, stdout, stderr := runCLI(t, nil, "simulate", "--all-scenarios", "--duration", "2h", "--containers", "1", "--compare-model")
	if code != exitOK {
		t.Fatalf("simulate --all-scenarios = %d; stderr: %s", code, stderr)
	}
	// --compare-model's table: a row per scenario and the set, each with
	// a verdict.
	_, model, ok := strings.Cut(stdout, "Ours with the anomaly model on against off")
	if !ok || strings.Count(model, "identical: the model changes nothing")+strings.Count(model, "on is ") != len(scenarioNames())+1 {
		t.Errorf("no model table with a verdict per scenario and for the set:\n%s", model)
	}
	for _, name := range scenarioNames() {
		if line := regexpLine(t, stdout, name+" "); !strings.HasSuffix(line, "  met") && !strings.Contains(line, "  met (tie: ") && !strings.Contains(line, "  missed: ") {
			t.Errorf("row of %s lacks a verdict: %q", name, line)
		}
	}
	if line := regexpLine(t, stdout, "all "); !strings.HasSuffix(line, "  see below") {
		t.Errorf("row of the whole set does not refer to the goals below it: %q", line)
	}
	if !regexp.MustCompile(`\d+ of \d+ scenarios meet the target and \d+ cannot be met by any policy; the set as a whole`).MatchString(stdout) ||
		!strings.Contains(stdout, "the goals of issue 15 (starved ") {
		t.Errorf("no summary line with the set's goals:\n%s", stdout)
	}
}

// TestSimulateAllScenariosJSON: --all-scenarios --json gives every
// scenario's row, the set's and its goals, with the model's run off too
// when compared.
func TestSimulateAllScenariosJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates every scenario")
	}
	t.Parallel()
	code, stdout, stderr := runCLI(t, nil, "simulate", "--all-scenarios", "--json", "--compare-model", "--duration", "1h", "--containers", "1")
	if code != exitOK {
		t.Fatalf("simulate --all-scenarios --json = %d; stderr: %s", code, stderr)
	}
	var out struct {
		Seed      uint64 `json:"seed"`
		Scenarios []struct {
			Scenario     string                     `json:"scenario"`
			Containers   int                        `json:"containers"`
			Interval     float64                    `json:"ours_interval_seconds"`
			Legacy       map[string]json.RawMessage `json:"legacy"`
			Ours         map[string]json.RawMessage `json:"ours"`
			OursModelOff map[string]json.RawMessage `json:"ours_model_off"`
			Met          bool                       `json:"target_met"`
			Misses       []string                   `json:"misses"`
			Least        *struct {
				StarvationMinutes float64 `json:"starvation_minutes"`
				Actions           float64 `json:"actions"`
				CoreHours         float64 `json:"waste_core_hours"`
				Unattainable      bool    `json:"unattainable"`
			} `json:"least_core_waste"`
		} `json:"scenarios"`
		All       json.RawMessage `json:"all"`
		SetGoals  []string        `json:"set_goals"`
		SetMissed []string        `json:"set_goals_missed"`
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("output is not the JSON of the quality table: %v\n%s", err, stdout)
	}
	if len(out.Scenarios) != len(scenarioNames()) || out.Seed != 1 || len(out.SetGoals) < 6 {
		t.Fatalf("%d scenarios (want %d), seed %d, goals %q", len(out.Scenarios), len(scenarioNames()), out.Seed, out.SetGoals)
	}
	for i, s := range out.Scenarios {
		if s.Scenario != scenarioNames()[i] || s.Containers != 1 || s.Interval != 60 {
			t.Errorf("row %d: %s, %d containers, ours every %v s; want %s, 1, 60", i, s.Scenario, s.Containers, s.Interval, scenarioNames()[i])
		}
		if s.Legacy["oom_events"] == nil || s.Ours["waste_disk_gb_hours"] == nil || s.OursModelOff["actions"] == nil {
			t.Errorf("%s: metrics missing: legacy %v, ours %v, model off %v", s.Scenario, s.Legacy, s.Ours, s.OursModelOff)
		}
		if s.Met != (len(s.Misses) == 0) {
			t.Errorf("%s: met %v with misses %q", s.Scenario, s.Met, s.Misses)
		}
		var legacyCoreH, oursCoreH float64
		if err := json.Unmarshal(s.Legacy["waste_core_hours"], &legacyCoreH); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(s.Ours["waste_core_hours"], &oursCoreH); err != nil {
			t.Fatal(err)
		}
		switch {
		case (s.Least != nil) != (oursCoreH > legacyCoreH):
			t.Errorf("%s: least core waste %+v where ours wastes %.3f core-h and legacy %.3f; want it exactly where ours wastes more",
				s.Scenario, s.Least, oursCoreH, legacyCoreH)
		case s.Least != nil && s.Least.Unattainable != (s.Least.CoreHours > legacyCoreH):
			t.Errorf("%s: least %+v against legacy's %.3f core-h", s.Scenario, s.Least, legacyCoreH)
		}
	}
}

// BenchmarkParseTrace parses a day of one container at 1-minute
// resolution: 1,440 rows.
func BenchmarkParseTrace(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("timestamp,vmid,cpu_cores,memory_mb,disk_gb,io_bytes_per_s,net_bytes_per_s\n")
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	for i := range 1440 {
		sb.WriteString(t0.Add(time.Duration(i)*time.Minute).Format(time.RFC3339) + ",101,0.75,812.5,3.25,120000,800000\n")
	}
	in := sb.String()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sim.ParseTrace(strings.NewReader(in), testDefaults); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScenarioTrace generates the default mixed scenario: 16
// containers for 24 h.
func BenchmarkScenarioTrace(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := scenarioTrace(mixedName, scenarioOptions{seed: 1, duration: 24 * time.Hour}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSimulateConfigReachesOurs checks that the configuration's rules are
// what ours decides with: with scaling off it does nothing, while the
// defaults act on the same trace.
func TestSimulateConfigReachesOurs(t *testing.T) {
	t.Parallel()
	oursActions := func(args ...string) int {
		t.Helper()
		code, stdout, stderr := runCLI(t, nil, append([]string{"simulate", "--trace", exampleTrace, "--policies", "ours", "--json"}, args...)...)
		if code != exitOK {
			t.Fatalf("simulate %q = %d; stderr: %s", args, code, stderr)
		}
		var results []struct {
			Total struct {
				Actions int `json:"actions"`
			} `json:"total"`
		}
		if err := json.Unmarshal([]byte(stdout), &results); err != nil || len(results) != 1 {
			t.Fatalf("output %q: %v", stdout, err)
		}
		return results[0].Total.Actions
	}
	if n := oursActions(); n == 0 {
		t.Fatal("ours took no action on the example trace with the default rules")
	}
	off := filepath.Join(t.TempDir(), "off.yaml")
	writeFile(t, off, "scaling:\n  cpu:\n    enabled: false\n  memory:\n    enabled: false\n  disk:\n    enabled: false\n")
	if n := oursActions("--config", off); n != 0 {
		t.Errorf("ours took %d actions with every resource's scaling off", n)
	}
}

// TestSimulateSeveralDaysOfTraceWithPSI: a three-day scenario written with
// --write-trace is a trace CSV with PSI columns that --trace reads back
// sample for sample (PSI included) and replays.
func TestSimulateSeveralDaysOfTraceWithPSI(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates three days")
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "thrash.csv")
	code, _, stderr := runCLI(t, nil, "simulate", "--scenario", "thrash", "--duration", "72h", "--containers", "2", "--policies", "static", "--write-trace", path)
	if code != exitOK {
		t.Fatalf("simulate --write-trace = %d; stderr: %s", code, stderr)
	}
	want, err := scenarioTrace("thrash", scenarioOptions{seed: 1, duration: 72 * time.Hour, durationSet: true, containers: 2})
	if err != nil {
		t.Fatal(err)
	}
	got, err := readTraceFile(path, scaling.Allocation{Cores: 1, MemoryMiB: 16})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("the trace read back differs from the one written")
	}
	psi := 0.0
	for _, p := range got.Containers[0].Points {
		psi = max(psi, p.PressureMemory+p.PressureIO)
	}
	if len(got.Containers[0].Points) != 3*24*60 || psi == 0 {
		t.Fatalf("%d samples, PSI up to %v: want three days of minutes under memory and io pressure", len(got.Containers[0].Points), psi)
	}
	code, stdout, stderr := runCLI(t, nil, "simulate", "--trace", path, "--json", "--compare-model")
	if code != exitOK || !strings.Contains(stdout, `"policy": "ours-model-off"`) {
		t.Fatalf("simulate --trace of three days = %d; stderr: %s", code, stderr)
	}
}

// A trace with a gap says so: what no policy acts on is not hidden in
// the totals. The example trace, without one, says nothing of gaps.
func TestSimulateNotesGaps(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("timestamp,vmid,cpu_cores,memory_mb,cores,memory_limit_mb\n")
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	for m := range 180 {
		if m >= 60 && m < 120 {
			continue // stopped for an hour
		}
		b.WriteString(start.Add(time.Duration(m)*time.Minute).Format(time.RFC3339) + ",101,0.5,500")
		if m == 0 {
			b.WriteString(",2,1024\n")
		} else {
			b.WriteString(",,\n")
		}
	}
	path := filepath.Join(t.TempDir(), "gap.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, nil, "simulate", "--trace", path)
	if code != exitOK {
		t.Fatalf("simulate = %d, want %d; stderr: %s", code, exitOK, stderr)
	}
	// 59 minutes between 00:59 and 02:00 beyond the two allowed.
	if want := "Note: 1 container has gaps in its rows, 59m0s in all: read as stopped, no policy observes or resizes a container there."; !strings.Contains(stdout, want) {
		t.Errorf("output lacks %q:\n%s", want, stdout)
	}
	if _, stdout, _ := runCLI(t, nil, "simulate", "--trace", exampleTrace); strings.Contains(stdout, "gaps") {
		t.Errorf("the example trace has no gap, and the output says:\n%s", stdout)
	}
}
