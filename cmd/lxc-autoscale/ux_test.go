package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/config"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesimtest"
)

// mainEnv makes the test binary run main() instead of the tests, so that a
// test can send signals to a real process. It has no LXCA_ prefix, which
// configuration loading would reject as an unknown key.
const mainEnv = "LXC_AUTOSCALE_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// uxConfig is a valid configuration whose files live under dir; the token
// secret is inline, so the file's mode matters.
func uxConfig(dir, endpoint, extra string) string {
	return fmt.Sprintf(`proxmox:
  endpoints: [%q]
  token_id: "autoscale@pve!ux"
  token_secret: "0b9b8c1e-5d7a-4c2f-9e61-b0a5d0c3f7aa"
  timeout: 2s
  retry: {attempts: 1}
monitor:
  export_file: %s
state:
  file: %s
  audit_file: %s
%s`, endpoint, filepath.Join(dir, "log", "lxc_metrics.json"), filepath.Join(dir, "lib", "state.json"),
		filepath.Join(dir, "lib", "audit.jsonl"), extra)
}

// waitForLine polls what the program wrote until a line satisfies match.
func waitForLine(t *testing.T, out *syncBuffer, done <-chan int, what string, match func(line string) bool) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		for line := range strings.Lines(out.String()) {
			if match(line) {
				return line
			}
		}
		select {
		case code := <-done:
			t.Fatalf("the program exited (%d) before %s; log:\n%s", code, what, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within 20 s; log:\n%s", what, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startInProcess runs the program with args until the returned stop is called.
func startInProcess(t *testing.T, environ []string, args ...string) (stderr *syncBuffer, done chan int, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr, done = &syncBuffer{}, make(chan int, 1)
	go func() { done <- run(ctx, args, environ, &syncBuffer{}, stderr) }()
	stop = func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(30 * time.Second):
			t.Fatalf("the program did not stop within 30 s; log:\n%s", stderr.String())
			return -1
		}
	}
	t.Cleanup(func() { cancel() })
	return stderr, done, stop
}

func isJSON(line string) bool { return json.Valid([]byte(strings.TrimSpace(line))) }

// TestAPICommandSurvivesHangupAndAppliesTheLogFormat sends SIGHUP to a real
// `lxc-autoscale api` process: it used to die of it (exit 129).
func TestAPICommandSurvivesHangupAndAppliesTheLogFormat(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	t.Parallel()
	dir := t.TempDir()
	conf := filepath.Join(dir, "config.yaml")
	base := uxConfig(dir, "https://127.0.0.1:1", "api:\n  listen: 127.0.0.1:0\n")
	writeFile(t, conf, base+"logging: {format: json}\n")

	cmd := exec.Command(os.Args[0], "api", "--config", conf)
	cmd.Env = []string{mainEnv + "=1"}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	next := func(what string, match func(string) bool) string {
		t.Helper()
		timeout := time.After(20 * time.Second)
		for {
			select {
			case line, ok := <-lines:
				if !ok {
					t.Fatalf("the process ended before %s: %v", what, cmd.Wait())
				}
				if match(line) {
					return line
				}
			case <-timeout:
				t.Fatalf("no %s within 20 s", what)
			}
		}
	}

	var serving struct{ Listen string }
	line := next("serving line", func(l string) bool { return strings.Contains(l, "serving the REST API") })
	if err := json.Unmarshal([]byte(line), &serving); err != nil {
		t.Fatalf("the first format is json, got %q", line)
	}

	writeFile(t, conf, base+"logging: {format: console}\n")
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	line = next("reload line", func(l string) bool { return strings.Contains(l, "configuration reloaded") })
	if isJSON(line) || strings.Contains(line, "\x1b[") {
		t.Errorf("after the reload to console on a pipe: %q; want console text without colour codes", line)
	}

	resp, err := http.Get("http://" + serving.Listen + "/healthz")
	if err != nil {
		t.Fatalf("the API after SIGHUP: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz after SIGHUP = %d", resp.StatusCode)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for range lines { // drain until the pipe closes
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v, want 0", err)
	}
}

func TestReloadAppliesLoggingAndListsWhatNeedsARestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	conf := filepath.Join(dir, "config.yaml")
	base := uxConfig(dir, "https://127.0.0.1:1", "")
	writeFile(t, conf, base+"logging: {format: json, level: info}\n")
	running, err := config.Load(config.LoadOptions{File: conf})
	if err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	log, logs := newLogger(running.Logging, &out)
	r := &reloader{env: &environment{}, path: conf, running: running, logs: logs, log: log, fixed: []string{"proxmox", "monitor", "state"}}

	// A changed proxmox section and console format.
	changed := strings.Replace(base, "timeout: 2s", "timeout: 3s", 1)
	writeFile(t, conf, changed+"logging: {format: console, level: info}\n")
	r.reload()
	line := lastLine(out.String())
	if isJSON(line) || !strings.Contains(line, "configuration reloaded") || !strings.Contains(line, `need_restart=["proxmox"]`) {
		t.Errorf("reload line = %q; want console text listing proxmox as needing a restart", line)
	}

	// The level.
	writeFile(t, conf, changed+"logging: {format: json, level: warn}\n")
	r.reload()
	log.Info().Msg("dropped at warn")
	log.Warn().Msg("kept at warn")
	if got := out.String(); strings.Contains(got, "dropped at warn") || !strings.Contains(got, "kept at warn") || !isJSON(lastLine(got)) {
		t.Errorf("after a reload to json at warn:\n%s", got)
	}
}

// A line below the level is never built, not only never written: its
// event is nil (Enabled false), for the process logger and every logger
// derived from it, and a reload to a lower level enables it in all of them.
func TestLogLevelSkipsDisabledEvents(t *testing.T) {
	t.Parallel()
	var out syncBuffer
	log, logs := newLogger(config.Logging{Level: "info", Format: "json"}, &out)
	derived := log.With().Str("component", "controller").Logger()
	for name, l := range map[string]zerolog.Logger{"process": log, "derived": derived} {
		if l.Debug().Enabled() {
			t.Errorf("%s logger at info: a debug event is built", name)
		}
		if !l.Info().Enabled() {
			t.Errorf("%s logger at info: an info event is not built", name)
		}
	}
	logs.configure(config.Logging{Level: "debug", Format: "json"})
	derived.Debug().Str("vmid", "101").Msg("held back")
	if !derived.Debug().Enabled() || !strings.Contains(out.String(), `"message":"held back"`) {
		t.Errorf("after a reload to debug, a derived logger's debug line is missing: %q", out.String())
	}
	logs.configure(config.Logging{Level: "error", Format: "json"})
	if log.Warn().Enabled() || derived.Warn().Enabled() {
		t.Error("after a reload to error, warn events are still built")
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestConsoleLogsCarryNoColourOffATerminal(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		format   string
		wantJSON bool
	}{{"console", false}, {"auto", true}, {"json", true}} {
		t.Run(tt.format, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			conf := filepath.Join(dir, "config.yaml")
			writeFile(t, conf, uxConfig(dir, "https://127.0.0.1:1", "api: {listen: 127.0.0.1:0}\nlogging: {format: "+tt.format+"}\n"))
			stderr, done, stop := startInProcess(t, nil, "api", "--config", conf)
			line := waitForLine(t, stderr, done, "serving line", func(l string) bool { return strings.Contains(l, "serving the REST API") })
			stop()
			if strings.Contains(stderr.String(), "\x1b[") {
				t.Errorf("colour codes in a log that is no terminal:\n%q", stderr.String())
			}
			if isJSON(line) != tt.wantJSON {
				t.Errorf("logging.format %s off a terminal: %q; want JSON %v", tt.format, line, tt.wantJSON)
			}
		})
	}
}

// TestProxmoxLogLinesNameTheirComponentOnce parses the keys of a line
// itself: zerolog writes a repeated key twice and encoding/json would keep
// the last one silently.
func TestProxmoxLogLinesNameTheirComponentOnce(t *testing.T) {
	t.Parallel()
	const tokenID, secret = "autoscale@pve!ux", "5f0c7a52-3f1e-4b8e-9d2a-7c1e0b9d4a61"
	_, url := pvesimtest.Serve(t, pvesim.Options{Nodes: 1, Seed: 1, Tokens: []string{tokenID + "=" + secret}})
	p := config.Default().Proxmox
	p.Endpoints, p.TokenID, p.TokenSecret = []string{url}, tokenID, config.NewSecret(secret)
	var out syncBuffer
	client, err := newClient(p, zerolog.New(&out).Level(zerolog.DebugLevel), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Nodes(context.Background()); err != nil {
		t.Fatal(err)
	}
	lines := 0
	for line := range strings.Lines(out.String()) {
		lines++
		if n := countKey(t, line, "component"); n != 1 {
			t.Errorf("%d component keys in %s", n, line)
		}
	}
	if lines == 0 {
		t.Fatal("the request logged nothing at debug")
	}
}

// countKey counts the top-level occurrences of key in a JSON object.
func countKey(t *testing.T, line, key string) int {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %s", line)
	}
	n := 0
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		if tok == key {
			n++
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

func TestCheckConfigShowsEveryKindOfProblemInOneRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	conf := filepath.Join(dir, "config.yaml")
	writeFile(t, conf, `
proxmox:
  endpoints: ["https://pve1:8006"]
  token_id: "autoscale@pve!controller"
  token_secret: "0b9b8c1e-5d7a-4c2f-9e61-b0a5d0c3f7aa"
  token_secret_file: `+filepath.Join(dir, "secret")+`
monitor:
  intervall: 10s
  jitter: lots
model:
  trees: 0
`)
	writeFile(t, filepath.Join(dir, "secret"), "s\n")
	code, stdout, stderr := runCLI(t, nil, "check-config", "--config", conf)
	if code != exitUsage {
		t.Fatalf("check-config = %d, want %d; stderr:\n%s", code, exitUsage, stderr)
	}
	for _, want := range []string{
		"monitor.intervall: unknown key",           // decode: unknown key
		"monitor.jitter: must be a number",         // decode: wrong type
		"set only one of proxmox.token_secret and", // conflict
		"model.trees: 0 is out of range [1, 1000]", // range
		"4 problems:",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("check-config output lacks %q:\n%s%s", want, stdout, stderr)
		}
	}
}

func TestCheckConfigReportsDirectoriesAndReadableSecrets(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	blocker := filepath.Join(dir, "lib")
	writeFile(t, blocker, "a file where state.file's directory should be")
	conf := filepath.Join(dir, "config.yaml")
	writeFile(t, conf, uxConfig(dir, "https://pve1:8006", ""))
	code, _, stderr := runCLI(t, nil, "check-config", "--config", conf)
	if code != exitUsage || !strings.Contains(stderr, "state.file: directory "+blocker+" cannot be created") {
		t.Errorf("check-config with a file in the way of state.file = %d:\n%s\nwant %d naming state.file", code, stderr, exitUsage)
	}

	if err := os.Remove(blocker); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(conf, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, nil, "check-config", "--config", conf)
	if code != exitOK {
		t.Fatalf("check-config = %d:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "warning: proxmox.token_secret: "+conf+" is readable by group or others (mode 0644)") {
		t.Errorf("no warning about the secret in a readable config file:\n%s", stderr)
	}
	if !strings.Contains(stdout, "state.file: directory "+blocker+" does not exist yet; run creates it (mode 0750)") {
		t.Errorf("no note about the directory run will create:\n%s", stdout)
	}
	if _, err := os.Stat(blocker); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("check-config created %s: %v", blocker, err)
	}
}

func TestRunRefusesToStartWithoutItsStateDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	blocker := filepath.Join(dir, "lib")
	writeFile(t, blocker, "a file where state.file's directory should be")
	conf := filepath.Join(dir, "config.yaml")
	writeFile(t, conf, uxConfig(dir, "https://127.0.0.1:1", "api: {listen: \"\"}\n"))
	// Bounded, so that a program that starts anyway ends the test.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"run", "--config", conf}, nil, &stdout, &stderr)
	if code != exitFailed || !strings.Contains(stderr.String(), "lxc-autoscale run: state.file: directory "+blocker+" cannot be created") {
		t.Errorf("run = %d:\n%s\nwant %d naming state.file's directory", code, lastLine(stderr.String()), exitFailed)
	}
}

func TestRunCreatesItsDirectoriesAndWarnsAboutAReadableSecret(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	conf := filepath.Join(dir, "config.yaml")
	writeFile(t, conf, uxConfig(dir, "https://127.0.0.1:1", "api: {listen: \"\"}\n"))
	if err := os.Chmod(conf, 0o640); err != nil {
		t.Fatal(err)
	}
	stderr, done, stop := startInProcess(t, nil, "run", "--config", conf)
	start := waitForLine(t, stderr, done, "starting line", func(l string) bool { return strings.Contains(l, "lxc-autoscale starting") })
	if code := stop(); code != exitOK {
		t.Errorf("run = %d after cancellation", code)
	}
	for _, d := range []struct {
		path string
		mode os.FileMode
	}{{filepath.Join(dir, "lib"), 0o750}, {filepath.Join(dir, "log"), 0o755}} {
		info, err := os.Stat(d.path)
		if err != nil || !info.IsDir() {
			t.Errorf("%s not created at start: %v", d.path, err)
			continue
		}
		if info.Mode().Perm()&^d.mode != 0 {
			t.Errorf("%s has mode %04o, want at most %04o", d.path, info.Mode().Perm(), d.mode)
		}
	}
	var rec struct {
		Interval any `json:"interval"`
	}
	if err := json.Unmarshal([]byte(start), &rec); err != nil || rec.Interval != "10s" {
		t.Errorf("starting line %s: interval = %#v, want \"10s\" (a duration with its unit)", start, rec.Interval)
	}
	warned := false
	for line := range strings.Lines(stderr.String()) {
		var w struct{ Level, Key, File, Mode string }
		if json.Unmarshal([]byte(line), &w) == nil && w.Level == "warn" && w.Key == "proxmox.token_secret" && w.File == conf && w.Mode == "0640" {
			warned = true
		}
	}
	if !warned {
		t.Errorf("no warning about the secret in a group-readable config file:\n%s", stderr.String())
	}
}

var _ io.Writer = (*syncBuffer)(nil)

// TestErrorsNameTheirCauseOnce: a wrapped error must not repeat what the
// error it wraps says already ("open audit record: open audit: …").
func TestErrorsNameTheirCauseOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	auditDir := filepath.Join(dir, "audit-is-a-directory")
	if err := os.Mkdir(auditDir, 0o750); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "config.yaml")
	writeFile(t, conf, strings.Replace(uxConfig(dir, "https://127.0.0.1:1", "api: {listen: 127.0.0.1:0}\n"),
		filepath.Join(dir, "lib", "audit.jsonl"), auditDir, 1))

	for _, tt := range []struct {
		name   string
		args   []string
		once   []string
		prefix string
	}{
		{"audit file that is a directory", []string{"api", "--config", conf}, []string{"open audit", auditDir}, "lxc-autoscale api: state.audit_file: "},
		{"trace that is a directory", []string{"simulate", "--trace", dir}, []string{"read", dir}, "lxc-autoscale simulate: "},
	} {
		code, _, stderr := runCLI(t, nil, tt.args...)
		last := lastLine(stderr)
		if code != exitFailed || !strings.HasPrefix(last, tt.prefix) {
			t.Errorf("%s: %d %q; want %d starting %q", tt.name, code, last, exitFailed, tt.prefix)
		}
		for _, s := range tt.once {
			if n := strings.Count(last, s); n != 1 {
				t.Errorf("%s: %q says %q %d times", tt.name, last, s, n)
			}
		}
	}
}
