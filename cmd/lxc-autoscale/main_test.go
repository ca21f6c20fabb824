package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lxc-autoscale/lxc-autoscale/cmd/lxc-autoscale/demoview"
)

func runCLI(t *testing.T, environ []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, environ, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCommandLine(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"no arguments", nil, exitUsage, "", "Usage: lxc-autoscale <command>"},
		{"help", []string{"--help"}, exitOK, "check-config", ""},
		{"help for a command", []string{"help", "demo"}, exitOK, "--speed", ""},
		{"command help flag", []string{"check-config", "--help"}, exitOK, "--config", ""},
		{"unknown command", []string{"scale-everything"}, exitUsage, "", `unknown command "scale-everything"`},
		{"unknown flag", []string{"version", "--verbose"}, exitUsage, "", "unknown flag: --verbose"},
		{"stray argument", []string{"version", "extra"}, exitUsage, "", `unexpected argument "extra"`},
		{"version", []string{"version"}, exitOK, "lxc-autoscale ", ""},
		{"simulate without input", []string{"simulate"}, exitUsage, "", "give exactly one of --trace, --metrics, --scenario and --all-scenarios"},
		{"run without endpoints", []string{"run"}, exitUsage, "", "proxmox.endpoints"},
		{"demo bad speed", []string{"demo", "--speed", "0"}, exitUsage, "", "--speed: 0 is out of range [1, 100000]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(t, nil, c.args...)
			if code != c.wantCode {
				t.Errorf("run(%q) = %d, want %d; stderr: %s", c.args, code, c.wantCode, stderr)
			}
			if !strings.Contains(stdout, c.wantStdout) {
				t.Errorf("run(%q) stdout = %q, want it to contain %q", c.args, stdout, c.wantStdout)
			}
			if !strings.Contains(stderr, c.wantStderr) {
				t.Errorf("run(%q) stderr = %q, want it to contain %q", c.args, stderr, c.wantStderr)
			}
		})
	}
}

// TestEveryCommandRejectsStrayArguments: run rejects positional arguments
// for every command before it runs (none takes any), so a stray word (a
// typo'd flag without its dashes) never starts a daemon or a simulation.
func TestEveryCommandRejectsStrayArguments(t *testing.T) {
	t.Parallel()
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(t, nil, c.name, "extra")
			if code != exitUsage || stdout != "" || !strings.Contains(stderr, `unexpected argument "extra"`) {
				t.Errorf("run(%s extra) = %d, stdout %q, stderr %q; want %d and the stray argument named", c.name, code, stdout, stderr, exitUsage)
			}
		})
	}
}

func TestCheckConfig(t *testing.T) {
	t.Parallel()
	const secret = "0b9b8c1e-5d7a-4c2f-9e61-b0a5d0c3f7aa"
	dir := t.TempDir()
	valid := filepath.Join(dir, "valid.yaml")
	writeFile(t, valid, `
proxmox:
  endpoints: ["https://pve1:8006"]
  token_id: "autoscale@pve!controller"
scaling:
  mode: dry-run
`)
	invalid := filepath.Join(dir, "invalid.yaml")
	writeFile(t, invalid, `
proxmox:
  endpoints: ["https://pve1:8006"]
  token_id: "autoscale@pve!controller"
  token_secret: "`+secret+`"
scaling:
  mode: yolo
  max_writes_per_pass: -1
monitor:
  intervall: 10s
`)
	env := []string{"LXCA_PROXMOX_TOKEN_SECRET=" + secret}

	t.Run("valid file, secret from the environment", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, env, "check-config", "--config", valid)
		if code != exitOK {
			t.Fatalf("check-config = %d, want %d; stderr: %s", code, exitOK, stderr)
		}
		for _, want := range []string{"configuration is valid", "dry-run", "[redacted]"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, stdout)
			}
		}
		if strings.Contains(stdout+stderr, secret) {
			t.Errorf("check-config printed the token secret")
		}
	})
	t.Run("flags win over the file", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, env, "check-config", "--config", valid, "--mode", "recommend")
		if code != exitOK || !strings.Contains(stdout, "recommend") {
			t.Fatalf("check-config --mode recommend = %d, stdout lacks recommend:\n%s%s", code, stdout, stderr)
		}
	})
	t.Run("every problem at once, no secret", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, nil, "check-config", "--config", invalid)
		if code != exitUsage {
			t.Fatalf("check-config = %d, want %d", code, exitUsage)
		}
		if !strings.Contains(stderr, "monitor.intervall") {
			t.Errorf("stderr does not name the unknown key monitor.intervall:\n%s", stderr)
		}
		if strings.Contains(stdout+stderr, secret) {
			t.Errorf("check-config printed the token secret:\n%s", stderr)
		}
	})
	// A decrease waits for stabilization_down of history: longer than the
	// window kept, it would never come. check-config and run refuse it.
	for _, verb := range []string{"check-config", "run"} {
		t.Run(verb+" refuses stabilization_down beyond monitor.window", func(t *testing.T) {
			code, _, stderr := runCLI(t, append(env, "LXCA_SCALING_STABILIZATION_DOWN=2h"), verb, "--config", valid)
			want := "scaling.stabilization_down: 2h is out of range [0s, 1h]: it must not exceed monitor.window (1h)"
			if code != exitUsage || !strings.Contains(stderr, want) {
				t.Errorf("%s = %d, %q; want %d naming %q", verb, code, stderr, exitUsage, want)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		code, _, stderr := runCLI(t, nil, "check-config", "--config", filepath.Join(dir, "nope.yaml"))
		if code != exitUsage || !strings.Contains(stderr, "nope.yaml") {
			t.Errorf("check-config of a missing file = %d, %q; want %d naming the file", code, stderr, exitUsage)
		}
	})
}

// TestDemo runs the demo for a moment and checks that it lists the simulated
// cluster with O(nodes) calls per pass and exits cleanly with a summary.
func TestDemo(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the demo for a second")
	}
	code, stdout, stderr := runCLI(t, nil, "demo", "--for", "1500ms", "--every", "200ms", "--speed", "600")
	if code != exitOK {
		t.Fatalf("demo = %d, want %d; stderr: %s", code, exitOK, stderr)
	}
	for _, want := range []string{"Simulated Proxmox VE cluster: http://127.0.0.1:", "Status page: http://127.0.0.1:", "API token (admin scope", "web-1", "metrics-db", "Demo summary:", "4.0 listing calls per pass for 3 nodes", "render", "is not flapping"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, stdout)
		}
	}
	// Not a terminal: plain lines, the table once in the first 15 passes
	// and the changes after it, no control sequences.
	if n := strings.Count(stdout, "VMID  NAME"); n != 1 {
		t.Errorf("the plain view printed the table %d times in a few passes, want once", n)
	}
	if strings.Contains(stdout, "\x1b[") {
		t.Error("the plain view carries terminal control sequences")
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestTokenPrintsATokenAndItsHash(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runCLI(t, nil, "token", "--name", "ci", "--scope", "operate")
	if code != exitOK {
		t.Fatalf("token = %d; stderr: %s", code, stderr)
	}
	lines := strings.Split(stdout, "\n")
	if len(lines) < 5 {
		t.Fatalf("output:\n%s", stdout)
	}
	token := lines[1]
	sum := sha256.Sum256([]byte(token))
	want := fmt.Sprintf(`- {name: "ci", sha256: %q, scope: operate}`, hex.EncodeToString(sum[:]))
	if !strings.Contains(stdout, want) {
		t.Errorf("output lacks %s:\n%s", want, stdout)
	}
	if len(token) < 40 {
		t.Errorf("token %q is short", token)
	}
	_, again, _ := runCLI(t, nil, "token")
	if strings.Contains(again, token) {
		t.Error("two runs printed the same token")
	}
	if code, _, stderr := runCLI(t, nil, "token", "--scope", "root"); code != exitUsage || !strings.Contains(stderr, "read, operate or admin") {
		t.Errorf("bad scope: code %d, stderr %q", code, stderr)
	}
}

// The compact view redraws one frame in place: every frame starts at the
// top of the screen, clears what the previous one left, and has as many
// lines as the last (a screen, not a scroll); the logs go to a file, the
// frame says why changes wait, and the summary explains the timings.
func TestDemoCompactView(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the demo for a second")
	}
	// 6 s for 3 frames of a pass every 200 ms: slack for a loaded CI
	// machine under -race, where the start (lease, backfill) takes seconds.
	code, stdout, stderr := runCLI(t, nil, "demo", "--for", "6s", "--every", "200ms", "--speed", "600", "--view", "compact")
	if code != exitOK {
		t.Fatalf("demo = %d, want %d; stderr: %s", code, exitOK, stderr)
	}
	if stderr != "" {
		t.Errorf("the compact view logged to stderr, which would break the frame:\n%s", stderr)
	}
	body, summary, ok := strings.Cut(stdout, "\nDemo summary:")
	if !ok {
		t.Fatalf("no summary:\n%s", stdout)
	}
	if !strings.HasPrefix(body, demoview.AnsiClearAll+demoview.AnsiHome) {
		t.Errorf("the first frame does not clear the screen: %q", body[:min(len(body), 40)])
	}
	frames := strings.Split(body, demoview.AnsiHome)[1:]
	if len(frames) < 3 {
		t.Fatalf("%d frames in 6 s at a pass every 200 ms, want several", len(frames))
	}
	var holds bool
	for i, f := range frames {
		if !strings.HasSuffix(f, demoview.AnsiClearDown) {
			t.Errorf("frame %d does not clear below itself", i)
		}
		lines := strings.Split(strings.TrimSuffix(f, demoview.AnsiClearDown), "\n")
		if n, want := len(lines), len(strings.Split(strings.TrimSuffix(frames[0], demoview.AnsiClearDown), "\n")); n != want {
			t.Errorf("frame %d has %d lines, the first %d: the frame must not grow", i, n, want)
		}
		if n := len(lines); n > 40 {
			t.Errorf("frame %d has %d lines: more than a terminal shows", i, n)
		}
		holds = holds || strings.Contains(f, "hold ")
		if !strings.Contains(f, "THIS PASS") || !strings.Contains(f, "Logs: ") || strings.Contains(f, "INF ") {
			t.Errorf("frame %d lacks the table or the log file, or carries a log line:\n%s", i, f)
		}
	}
	if !holds {
		t.Error("no frame says why a change waits (a hold)")
	}
	for _, want := range []string{"Timings: the simulated clock runs x600", "is not flapping", "(a pass every 10s)"} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
}
