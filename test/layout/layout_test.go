package layout

import (
	"bytes"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/lxc-autoscale/lxc-autoscale"

// rule says what a package (and the packages below it) may import from the
// project. stdlibOnly additionally forbids every non-standard import, tests
// included.
type rule struct {
	dir     string   // relative to the repository root
	allowed []string // project packages (relative paths) it may import; a trailing "/..." allows a subtree
	// testAllowed are further packages its tests may import, to wire real
	// parts together (httpapi's tests build a real proxmox client on pvesim).
	testAllowed []string
	stdlibOnly  bool
	// external, when set, are the only modules beyond the standard
	// library and the project it may import (tests too).
	external []string
}

// rules mirrors the package table of ARCHITECTURE.md. The longest matching dir wins.
var rules = []rule{
	{dir: "forest", stdlibOnly: true},
	// durable is a leaf: its bounded read serves the secret files.
	{dir: "config", allowed: []string{"controller/durable"}},
	// The original tools' files to a configuration: config's defaults and formats.
	{dir: "config/importer", allowed: []string{"config"}},
	{dir: "proxmox"},
	// the listing scanner is a leaf: proxmox's decoding stays in proxmox
	{dir: "proxmox/internal", stdlibOnly: true},
	// The decision core is pure: no I/O, no logger, no client, no config.
	{dir: "controller/scaling", stdlibOnly: true},
	// A disk growth's size from its fill rate: a leaf of scaling.
	{dir: "controller/scaling/diskgrow", stdlibOnly: true},
	// The days a recurring peak recurs on: a leaf of scaling.
	{dir: "controller/scaling/dayclass", stdlibOnly: true},
	// A decay told from bursts in a period's usage: a leaf of scaling.
	{dir: "controller/scaling/fall", stdlibOnly: true},
	// A recurring peak, how far ahead the seasonal rules look, their words: a leaf of scaling.
	{dir: "controller/scaling/season", allowed: []string{"controller/scaling/dayclass", "controller/scaling/sat"}},
	// Undone decreases counted and the down cooldown they lengthen: a leaf of scaling.
	{dir: "controller/scaling/undone", stdlibOnly: true},
	// The bound a utilisation is past or not: a leaf of scaling.
	{dir: "controller/scaling/threshold", stdlibOnly: true},
	// The usage history's floor: its words, and when it is stale: a leaf of scaling.
	{dir: "controller/scaling/recfloor", stdlibOnly: true},
	// A series' least-squares slope: a leaf of scaling.
	{dir: "controller/scaling/trend", stdlibOnly: true},
	// Saturating sums and products, bytes in whole MiB: a leaf of scaling.
	{dir: "controller/scaling/sat", stdlibOnly: true},
	// What the guard weighs a pass against: a leaf of scaling.
	{dir: "controller/scaling/room", stdlibOnly: true},
	// The wait after failed writes: a leaf of scaling.
	{dir: "controller/scaling/backoff", stdlibOnly: true},
	// Arrays cut from chunks, for a pass's decisions and holds: a leaf of scaling.
	{dir: "controller/scaling/slab", stdlibOnly: true},
	// How far back a sampled series reaches: a leaf of scaling.
	{dir: "controller/scaling/span", stdlibOnly: true},
	// What censored usage is worth to fast relief: a leaf of scaling.
	{dir: "controller/scaling/relief", stdlibOnly: true},
	// A container's activity beyond cpu and memory: a leaf of scaling.
	{dir: "controller/scaling/activity", stdlibOnly: true},
	// The order the guard admits a pass's decisions in: the engine's.
	{dir: "controller/scaling/urgency", allowed: []string{"controller/scaling"}},
	// Which policy's rules a container gets (Selection.Select): the
	// scaling's types, nothing else.
	{dir: "controller/scaling/policies", allowed: []string{"controller/scaling"}},
	// The lxc_metrics.json codec: proxmox for the Pressure type, nothing else.
	{dir: "controller/lxcmetrics", allowed: []string{"proxmox"}},
	// The lxc_metrics.json file: the codec's bytes, the controller's file
	// operations given to it.
	{dir: "controller/export", allowed: []string{"controller/lxcmetrics"}},
	// The manual operations: never controller itself, which wires them
	// (its tests build the real Actuator to write through).
	{dir: "controller/manual", allowed: []string{"proxmox", "controller/scaling", "controller/audit"}, testAllowed: []string{"controller"}},
	// What-if replay and the trace formats: the loop's pass through
	// controller/engine/replay, the codec for exports; not controller, no proxmox.
	{dir: "controller/sim", allowed: []string{"controller/engine", "controller/engine/replay", "controller/scaling", "controller/scaling/policies", "controller/lxcmetrics"}},
	// The scenarios of issue 15: trace types and allocations only.
	{dir: "controller/sim/scenario", allowed: []string{"controller/sim", "controller/scaling"}},
	// simulate --svg's drawing of the results.
	{dir: "controller/sim/timeline", allowed: []string{"controller/sim", "controller/scaling"}},
	// One pass without I/O: the loop's and the simulator's.
	// The history's encodings: pure functions, standard library only.
	{dir: "controller/engine/codes", stdlibOnly: true},
	// The weekday x hour profile: the encodings, scaling's Recurring.
	{dir: "controller/engine/weekly", allowed: []string{"controller/engine/codes", "controller/scaling", "controller/scaling/dayclass"}},
	{dir: "controller/engine/trainrows", stdlibOnly: true},
	// The largest values of a running period, for its percentile.
	{dir: "controller/engine/topk", stdlibOnly: true},
	// What a config read told of a container; exact least-squares sums.
	{dir: "controller/engine/configfacts", allowed: []string{"controller/scaling", "proxmox"}},
	{dir: "controller/engine/lsq", stdlibOnly: true},
	// A search from a guess (the engine's windows): standard library only.
	{dir: "controller/engine/near", stdlibOnly: true},
	// The recommender's usage histograms: pure, scaling for its types.
	{dir: "controller/engine/histogram", allowed: []string{"controller/scaling"}},
	// What a listing allocates, and whether it names a VMID twice.
	{dir: "controller/engine/listing", allowed: []string{"proxmox", "controller/scaling"}},
	// What a container's window says, the model's vector: a leaf of the engine.
	{dir: "controller/engine/features", allowed: []string{"controller/scaling"}},
	// Other writers' resizes start cooldowns: a leaf of the engine.
	{dir: "controller/engine/resizes", allowed: []string{"controller/scaling"}},
	// A pass's decisions ordered and guarded: a leaf of the engine.
	{dir: "controller/engine/admission", allowed: []string{"proxmox", "controller/scaling", "controller/scaling/urgency", "controller/engine/listing", "controller/chunks"}},
	// The loop's pass on a simulation's observations: a leaf of the engine.
	{dir: "controller/engine/replay", allowed: []string{"controller/engine", "controller/scaling", "controller/scaling/policies"}},
	{dir: "controller/engine", allowed: []string{"forest", "proxmox", "controller/scaling", "controller/scaling/policies", "controller/scaling/urgency", "controller/scaling/trend", "controller/scaling/dayclass", "controller/takeover", "controller/engine/codes", "controller/engine/trainrows", "controller/engine/histogram", "controller/engine/weekly", "controller/engine/topk", "controller/engine/configfacts", "controller/engine/lsq", "controller/engine/listing", "controller/engine/near", "controller/engine/features", "controller/engine/resizes", "controller/engine/admission", "controller/chunks"}},
	// Write backoffs and cooldowns carried across a change of leader: the
	// rules' types.
	{dir: "controller/takeover", allowed: []string{"controller/scaling"}},
	// The audit record: written by the loop and by the manual operations.
	// It appends through controller/durable's AppendFile, as the journal
	// does: durable is a leaf, so audit stays below everything that writes
	// to it or reads it.
	{dir: "controller/audit", allowed: []string{"controller/durable"}},
	// The background RRD reader: proxmox, the engine's and the rules'
	// types, the handoff to the loop; never controller (its windows are
	// the loop's to fold into).
	{dir: "controller/backfill", allowed: []string{"proxmox", "controller/engine", "controller/engine/histogram", "controller/scaling", "controller/handoff"}},
	// The crash journal of the writes: the append-only file (durable) and
	// the changes and container states it records and replays (scaling);
	// never controller, which wires it.
	{dir: "controller/journal", allowed: []string{"controller/durable", "controller/scaling"}},
	// Background goroutines to the loop goroutine: a leaf.
	{dir: "controller/handoff", stdlibOnly: true},
	// The file primitives of the controller's own files (atomic replace,
	// stale temporaries, move aside): a leaf, renameio its one dependency.
	{dir: "controller/durable"},
	// Notifications: a leaf that posts what the loop hands it; its logger
	// and its metrics are all it takes from outside the standard library.
	{dir: "controller/notify", external: []string{"github.com/rs/zerolog", "github.com/prometheus/client_golang"}},
	// A pass's per-container work over goroutines (the engine's walk, the
	// loop's views): a leaf.
	{dir: "controller/chunks", stdlibOnly: true},
	// A cache of metric children: a leaf, generic over what it keeps.
	{dir: "controller/labelcache", stdlibOnly: true},
	// The leader lease: the matcher calls of proxmox; never the loop,
	// which asks it through a func (and the client through WriteGate).
	{dir: "controller/lease", allowed: []string{"proxmox"}},
	// The per-container gauges and histories: the Prometheus client, the
	// decisions' and listings' types; never the engine or the loop.
	{dir: "controller/ctview", allowed: []string{"controller/scaling", "controller/scaling/policies", "proxmox", "controller/chunks"}},
	{dir: "controller", allowed: []string{"forest", "proxmox"}},
	// The API serves the loop's snapshot (controller), its decisions
	// (controller/scaling) and audit record (controller/audit), and the
	// manual operations with their validation rules (controller/manual);
	// the status page draws the nodes and histories of controller/ctview.
	{dir: "httpapi", allowed: []string{"controller", "controller/manual", "controller/scaling", "controller/audit", "controller/ctview"}, testAllowed: []string{"proxmox"}},
	// The original's routes; the server mounts them, so only their tests
	// may import it (to test them as scripts use them).
	{dir: "httpapi/compat", allowed: []string{"controller", "controller/manual", "controller/scaling", "controller/audit"}, testAllowed: []string{"proxmox", "httpapi"}},
	{dir: "cmd/pvesim", allowed: []string{"test/pvesim/..."}},
	// The demo embeds the simulator; it is the one production binary that may import test/pvesim.
	// The doctor: the configuration against the cluster, through the client.
	{dir: "cmd/lxc-autoscale/doctor", allowed: []string{"config", "proxmox"}},
	{dir: "cmd/lxc-autoscale", allowed: []string{"forest", "proxmox", "config/...", "controller/...", "httpapi", "test/pvesim/..."}},
	{dir: "test/pvesim", allowed: []string{"test/pvesim/..."}},
	// pvesim's internal packages are leaves below pvesim.
	{dir: "test/pvesim/internal", allowed: []string{"test/pvesim/internal/..."}},
	{dir: "test", allowed: []string{"..."}},
}

func TestPackageBoundaries(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		isTest := strings.HasSuffix(path, "_test.go")
		r, ok := ruleFor(rel)
		if !ok {
			if !isTest {
				t.Errorf("%s: package directory %q has no rule; add it to ARCHITECTURE.md and this test", path, rel)
			}
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			t.Errorf("parse %s: %v", path, err)
			return nil
		}
		checked++
		for _, imp := range f.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if msg := violation(r, rel, p, isTest); msg != "" {
				t.Errorf("%s imports %q: %s", filepath.ToSlash(mustRel(root, path)), p, msg)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatal("no Go files found: the walk is broken")
	}
}

// TestRules checks the rule engine itself on cases with known answers, so a
// broken matcher cannot make the boundary test pass vacuously.
func TestRules(t *testing.T) {
	cases := []struct {
		dir, imp string
		test     bool
		bad      bool
	}{
		{"forest", "math", false, false},
		{"forest", "github.com/rs/zerolog", false, true},
		{"forest", "github.com/rs/zerolog", true, true},
		{"forest", module + "/proxmox", false, true},
		{"forest", module + "/forest", true, false},
		{"proxmox", "github.com/luthermonson/go-proxmox", false, false},
		{"proxmox", module + "/config", false, true},
		{"proxmox", module + "/test/pvesim", false, true},
		{"proxmox", module + "/test/pvesim", true, false},
		{"proxmox", module + "/proxmox/internal/jsonscan", false, false},
		{"proxmox/internal/jsonscan", module + "/proxmox", false, true},
		{"proxmox/internal/jsonscan", "github.com/go-json-experiment/json", false, true},
		{"controller", module + "/forest", false, false},
		{"controller", module + "/httpapi", false, true},
		{"controller/policy", module + "/config", false, true},
		{"controller", module + "/controller/scaling", false, false},
		{"controller/scaling", "math", false, false},
		{"controller/scaling", module + "/proxmox", false, true},
		{"controller/scaling", "github.com/rs/zerolog", false, true},
		{"controller/scaling", module + "/controller", true, true},
		{"controller/lxcmetrics", module + "/proxmox", false, false},
		{"controller/lxcmetrics", module + "/controller", false, true},
		{"controller/export", module + "/controller/lxcmetrics", false, false},
		{"controller/export", module + "/controller", false, true},
		{"controller/audit", module + "/controller/scaling", false, true},
		{"controller/audit", module + "/controller/durable", false, false},
		{"controller/manual", module + "/controller/audit", false, false},
		{"controller/manual", module + "/controller", false, true},
		{"controller/manual", module + "/controller", true, false},
		{"controller/sim", module + "/controller/engine", false, false},
		{"controller/sim", module + "/controller", false, true},
		{"controller/engine", module + "/controller", false, true},
		{"controller/sim", module + "/proxmox", false, true},
		{"controller/backfill", module + "/controller/handoff", false, false},
		{"controller/backfill", module + "/controller", false, true},
		{"controller/journal", module + "/controller/durable", false, false},
		{"controller/journal", module + "/controller/scaling", false, false},
		{"controller/journal", module + "/controller", false, true},
		{"controller/journal", module + "/controller/engine", false, true},
		{"controller/journal", module + "/proxmox", false, true},
		{"controller", module + "/controller/journal", false, false},
		{"controller/handoff", "github.com/rs/zerolog", false, true},
		{"controller/notify", "github.com/rs/zerolog", false, false},
		{"controller/notify", "github.com/prometheus/client_golang/prometheus/testutil", true, false},
		{"controller/notify", "github.com/labstack/echo/v4", false, true},
		{"controller/notify", module + "/controller/audit", false, true},
		{"controller/notify", "net/http", false, false},
		{"controller", module + "/controller/notify", false, false},
		{"controller/ctview", module + "/controller/scaling", false, false},
		{"controller/ctview", module + "/controller/engine", false, true},
		{"httpapi", module + "/controller", false, false},
		{"httpapi", module + "/controller/manual", false, false},
		{"httpapi", module + "/controller/scaling", false, false},
		{"httpapi/page", module + "/controller/ctview", false, false},
		{"httpapi", module + "/controller/engine", false, true},
		{"httpapi", module + "/proxmox", false, true},
		{"httpapi", module + "/proxmox", true, false},
		{"httpapi", module + "/config", true, true},
		{"httpapi/compat", module + "/httpapi", false, true},
		{"httpapi/compat", module + "/httpapi", true, false},
		{"config", module + "/forest", false, true},
		{"test/pvesim", module + "/test/pvesim/workload", false, false},
		{"test/pvesim/workload", module + "/proxmox", false, true},
		{"test/pvesim", module + "/proxmox", true, true},
		{"test/pvesim/control", module + "/test/pvesim", false, false},
		{"test/pvesim/control", module + "/test/pvesim/internal/schema", false, false},
		{"test/pvesim/internal/schema", module + "/test/pvesim", false, true},
		{"test/pvesim/internal/answer", module + "/test/pvesim/internal/jsonw", false, false},
		{"test/pvesim/internal/answer", module + "/test/pvesim/control", false, true},
		{"cmd/pvesim", module + "/test/pvesim", false, false},
		{"controller", module + "/test/pvesimtest", true, false},
		{"controller", module + "/test/pvesimtest", false, true},
		{"forest", module + "/test/pvesimtest", true, true},
		{"test/pvesimtest", module + "/proxmox", false, false},
		{"cmd/pvesim", module + "/proxmox", false, true},
		{"cmd/lxc-autoscale", module + "/test/pvesim", false, false},
		{"test/e2e", module + "/controller", false, false},
	}
	for _, c := range cases {
		r, ok := ruleFor(c.dir)
		if !ok {
			t.Fatalf("ruleFor(%q) found no rule", c.dir)
		}
		got := violation(r, c.dir, c.imp, c.test) != ""
		if got != c.bad {
			t.Errorf("violation(%q imports %q, test=%v) = %v, want %v", c.dir, c.imp, c.test, got, c.bad)
		}
	}
}

func ruleFor(dir string) (rule, bool) {
	var best rule
	found := false
	for _, r := range rules {
		if (dir == r.dir || strings.HasPrefix(dir, r.dir+"/")) && len(r.dir) >= len(best.dir) {
			best, found = r, true
		}
	}
	return best, found
}

// violation returns why importing imp from dir breaks r, or "".
// Tests may import test helpers (pvesim, and pvesimtest, which starts it
// with a proxmox client on it) and third-party test libraries, except in
// stdlib-only packages.
func violation(r rule, dir, imp string, isTest bool) string {
	target, inModule := strings.CutPrefix(imp, module+"/")
	if inModule && (target == dir || strings.HasPrefix(target, dir+"/")) {
		return "" // itself (external tests, examples) or its own subpackages
	}
	if r.stdlibOnly && !isStdlib(imp) {
		return "package " + r.dir + " may import the standard library only"
	}
	if !inModule && r.external != nil && !isStdlib(imp) && !slices.ContainsFunc(r.external, func(m string) bool {
		return imp == m || strings.HasPrefix(imp, m+"/")
	}) {
		return "package " + r.dir + " may import only the standard library and " + strings.Join(r.external, ", ")
	}
	if !inModule {
		return ""
	}
	if isTest && (target == "test/pvesim" || strings.HasPrefix(target, "test/pvesim/") || target == "test/pvesimtest") {
		return ""
	}
	allowedHere := r.allowed
	if isTest {
		allowedHere = append(append([]string(nil), r.allowed...), r.testAllowed...)
	}
	for _, a := range allowedHere {
		if a == "..." {
			return ""
		}
		if sub, ok := strings.CutSuffix(a, "/..."); ok {
			if target == sub || strings.HasPrefix(target, sub+"/") {
				return ""
			}
			continue
		}
		if target == a {
			return ""
		}
	}
	allowed := append([]string(nil), r.allowed...)
	sort.Strings(allowed)
	if len(allowed) == 0 {
		return "package " + r.dir + " may import nothing of the project"
	}
	return "package " + r.dir + " may import only " + strings.Join(allowed, ", ")
}

func isStdlib(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

func mustRel(root, path string) string {
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return path
	}
	return rel
}

// Size limits of the redesign (issue 13): a file a reader takes in at
// once, a package one concern. Lines are the file's lines, comments and
// blank lines included, as `wc -l` counts them; test files are not
// counted.
const (
	maxFileLines    = 450
	maxPackageLines = 3000
)

// TestSizes keeps every non-test Go file within maxFileLines and every
// package (a directory's non-test Go files) within maxPackageLines; a
// package that outgrows it moves a coherent piece into a leaf below it.
func TestSizes(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	perPackage := map[string]int{}
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		lines := bytes.Count(b, []byte("\n"))
		rel := filepath.ToSlash(mustRel(root, path))
		if lines > maxFileLines {
			t.Errorf("%s has %d lines, over %d: split it by concern", rel, lines, maxFileLines)
		}
		perPackage[filepath.ToSlash(mustRel(root, filepath.Dir(path)))] += lines
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(perPackage) == 0 {
		t.Fatal("no Go files found: the walk is broken")
	}
	for dir, lines := range perPackage {
		if lines > maxPackageLines {
			t.Errorf("package %s has %d lines, over %d: move a coherent piece into a leaf package", dir, lines, maxPackageLines)
		}
	}
}
