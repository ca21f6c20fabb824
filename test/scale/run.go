package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// runSize runs pvesim and the controller at one size and watches them.
func runSize(ctx context.Context, o options, bins binaries, dir string, containers int, logw io.Writer) (*result, error) {
	r := &result{Containers: containers, Nodes: o.nodes, Export: o.export, Interval: "10s", LoadStart: loadavg()}
	if o.interval > 0 {
		r.Interval = o.interval.String()
	}
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	tokenID, tokenSecret := "root@pam!scale", hex.EncodeToString(secret)

	sim, pveURL, err := startPvesim(bins.pvesim, dir, []string{
		"--listen", "127.0.0.1:0", "--nodes", strconv.Itoa(o.nodes), "--containers", strconv.Itoa(containers),
		"--seed", strconv.FormatUint(o.seed, 10), "--speed", strconv.FormatFloat(o.speed, 'g', -1, 64),
		"--token", tokenID + "=" + tokenSecret,
	})
	if err != nil {
		return nil, err
	}
	defer stop(sim, 30*time.Second)
	fmt.Fprintf(logw, "scale: pvesim serving %s\n", pveURL)

	cfgPath, err := writeConfig(dir, o, pveURL, tokenID, tokenSecret)
	if err != nil {
		return nil, err
	}
	ctl := exec.Command(bins.controller, "run", "--config", cfgPath)
	ctl.Env = withoutControllerEnv(os.Environ())
	started := time.Now()
	logs, err := startPiped(ctl, &ctl.Stderr)
	if err != nil {
		return nil, err
	}
	defer stop(ctl, 2*time.Minute)
	watch := &logWatch{listen: make(chan string, 1)}
	logDone := make(chan struct{})
	go func() {
		defer close(logDone)
		defer logs.Close()
		watch.read(logs, filepath.Join(dir, "lxc-autoscale.log"))
	}()

	var listen string
	select {
	case listen = <-watch.listen:
	case <-logDone:
		return nil, fmt.Errorf("lxc-autoscale exited before serving its API; see %s", filepath.Join(dir, "lxc-autoscale.log"))
	case <-time.After(time.Minute):
		return nil, errors.New("lxc-autoscale did not log its API address within a minute")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	fmt.Fprintf(logw, "scale: lxc-autoscale (pid %d) serving http://%s/metrics\n", ctl.Process.Pid, listen)

	samples := &sampler{ctl: ctl.Process.Pid, sim: sim.Process.Pid}
	sampleCtx, stopSampling := context.WithCancel(ctx)
	sampled := make(chan struct{})
	go func() { defer close(sampled); samples.run(sampleCtx, time.Second) }()

	w := &watcher{result: r, started: started, exportFile: filepath.Join(dir, "lxc_metrics.json"), url: "http://" + listen + "/metrics", pid: ctl.Process.Pid, settle: o.settle}
	err = w.watch(ctx, started.Add(o.duration), o.scrape, logw)
	stopSampling()
	<-sampled
	samples.finish(r)
	r.Seconds = time.Since(started).Seconds()
	watch.stopping.Store(true)
	if serr := stop(ctl, 2*time.Minute); serr != nil && err == nil {
		err = fmt.Errorf("stopping lxc-autoscale: %w", serr)
	}
	<-logDone
	watch.finish(r)
	r.LoadEnd = loadavg()
	w.finish()
	return r, err
}

// startPvesim starts pvesim and waits for the address it serves on.
func startPvesim(bin, dir string, args []string) (*exec.Cmd, string, error) {
	cmd := exec.Command(bin, args...)
	errLog, err := os.Create(filepath.Join(dir, "pvesim.log"))
	if err != nil {
		return nil, "", err
	}
	cmd.Stderr = errLog
	out, err := startPiped(cmd, &cmd.Stdout)
	if err != nil {
		errLog.Close()
		return nil, "", err
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sent := false
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "pvesim serving "); ok && !sent {
				base, _, _ := strings.Cut(rest, "/api2/json")
				found <- base
				sent = true
			}
		}
		out.Close()
		errLog.Close()
		close(found)
	}()
	select {
	case base, ok := <-found:
		if ok {
			return cmd, base, nil
		}
	case <-time.After(5 * time.Minute):
	}
	stop(cmd, 5*time.Second)
	return nil, "", fmt.Errorf("pvesim did not start serving; see %s", filepath.Join(dir, "pvesim.log"))
}

// startPiped starts cmd with *stream (its Stdout or Stderr) on a pipe and
// returns the pipe's reading end, which reads to EOF when the process
// exits. Unlike StdoutPipe, Wait does not close it under the reader, so
// the last lines are never lost.
func startPiped(cmd *exec.Cmd, stream *io.Writer) (*os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	*stream = w
	err = cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// stop ends a process the harness started: SIGTERM, then SIGKILL after
// grace. Stopping it twice is harmless.
func stop(cmd *exec.Cmd, grace time.Duration) error {
	if cmd.Process == nil || cmd.ProcessState != nil {
		return nil
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		return err
	case <-time.After(grace):
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("pid %d did not stop within %s of SIGTERM; killed", cmd.Process.Pid, grace)
	}
}

// writeConfig writes the controller's configuration: the defaults but for
// the cluster, the files (in dir) and an API on a free loopback port.
func writeConfig(dir string, o options, pveURL, tokenID, secret string) (string, error) {
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(secret+"\n"), 0o600); err != nil {
		return "", err
	}
	export := strconv.Quote(filepath.Join(dir, "lxc_metrics.json"))
	if !o.export {
		export = `""`
	}
	interval := ""
	if o.interval > 0 {
		interval = "  interval: " + o.interval.String() + "\n"
	}
	if o.exportEvery > 0 {
		interval += "  export_interval: " + o.exportEvery.String() + "\n"
	}
	if o.maxEntries > 0 {
		interval += "  max_metrics_entries: " + strconv.Itoa(o.maxEntries) + "\n"
	}
	cfg := fmt.Sprintf(`# Written by test/scale: the defaults, but for the cluster and the files.
proxmox:
  endpoints: [%q]
  token_id: %q
  token_secret_file: %q
monitor:
  export_file: %s
%sstate:
  file: %q
  audit_file: %q
api:
  listen: "127.0.0.1:0"
  tokens: [{name: scale, sha256: %q, scope: read}]
logging:
  level: info
  format: json
`, pveURL, tokenID, tokenFile, export, interval, filepath.Join(dir, "state.json"), filepath.Join(dir, "audit.jsonl"), apiTokenHash)
	path := filepath.Join(dir, "config.yaml")
	return path, os.WriteFile(path, []byte(cfg), 0o600)
}

// apiTokenHash is the SHA-256 of a token nobody holds: configuring one
// keeps the controller from warning that the API has none (/metrics is
// public by default and needs none).
var apiTokenHash = strings.Repeat("5c", 32)

// withoutControllerEnv drops the controller's own variables (LXCA_…),
// which would override the configuration file.
func withoutControllerEnv(env []string) []string {
	out := env[:0:0]
	for _, e := range env {
		if !strings.HasPrefix(e, "LXCA_") {
			out = append(out, e)
		}
	}
	return out
}

// logWatch reads the controller's JSON log: it keeps a copy, hands over
// the API's address and counts warnings and errors.
type logWatch struct {
	listen chan string
	// stopping is set when the harness sends SIGTERM: a pass cut short
	// then is the harness's doing, and its problems are marked so.
	stopping atomic.Bool

	mu       sync.Mutex
	warnings int
	errors   int
	problems []string
}

func (l *logWatch) read(r io.Reader, path string) {
	f, err := os.Create(path)
	if err != nil {
		f = nil
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	sent := false
	for sc.Scan() {
		line := sc.Bytes()
		if f != nil {
			_, _ = f.Write(append(line, '\n'))
		}
		var rec struct {
			Level   string `json:"level"`
			Message string `json:"message"`
			Error   string `json:"error"`
			Listen  string `json:"listen"`
		}
		if json.Unmarshal(line, &rec) != nil {
			continue
		}
		if rec.Message == "serving the REST API" && !sent {
			l.listen <- rec.Listen
			sent = true
		}
		if rec.Level == "warn" || rec.Level == "error" || rec.Level == "fatal" {
			l.mu.Lock()
			if rec.Level == "warn" {
				l.warnings++
			} else {
				l.errors++
			}
			if len(l.problems) < 5 {
				p := strings.TrimSpace(rec.Level + ": " + rec.Message + " " + rec.Error)
				if l.stopping.Load() {
					p += " (after SIGTERM)"
				}
				l.problems = append(l.problems, p)
			}
			l.mu.Unlock()
		}
	}
	if f != nil {
		f.Close()
	}
}

func (l *logWatch) finish(r *result) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r.Warnings, r.Errors, r.Problems = l.warnings, l.errors, l.problems
}

// sampler reads /proc for the controller (RSS, CPU time, bytes written)
// and pvesim (RSS) once per period.
type sampler struct {
	ctl, sim int

	rssMax, rssLast, simRSSMax uint64
	cpu                        time.Duration
	written                    uint64
}

func (s *sampler) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if rss, err := rssBytes(s.ctl); err == nil {
			s.rssLast, s.rssMax = rss, max(s.rssMax, rss)
		}
		if rss, err := rssBytes(s.sim); err == nil {
			s.simRSSMax = max(s.simRSSMax, rss)
		}
		if cpu, err := cpuTime(s.ctl); err == nil {
			s.cpu = cpu
		}
		if n, err := writeBytes(s.ctl); err == nil {
			s.written = n
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// finish copies the samples into r; run must have returned.
func (s *sampler) finish(r *result) {
	r.RSSMaxBytes, r.RSSFinalBytes, r.PvesimRSSMaxBytes = s.rssMax, s.rssLast, s.simRSSMax
	r.CPUSeconds, r.StorageWriteBytes = s.cpu.Seconds(), s.written
}

// httpClient reads /metrics; a scrape of a large cluster takes a while.
var httpClient = &http.Client{Timeout: 30 * time.Second}
