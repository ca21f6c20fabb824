package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// startRun runs the command until the test ends and returns the lines it
// printed at start-up once it serves.
func startRun(t *testing.T, args ...string) (lines []string, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, args, pw, &stderr)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if strings.HasPrefix(sc.Text(), "pvesim serving ") {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if len(lines) == 0 || !strings.HasPrefix(lines[len(lines)-1], "pvesim serving ") {
		cancel()
		t.Fatalf("no serving line; output %q, stderr %q", lines, stderr.String())
	}
	var once bool
	var code int
	stop = func() int {
		if !once {
			once = true
			cancel()
			select {
			case code = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("run did not return after cancel")
			}
		}
		return code
	}
	t.Cleanup(func() { stop() })
	return lines, stop
}

var servingRE = regexp.MustCompile(`^pvesim serving (https?://[0-9.:]+/api2/json) \((\d+) nodes, (\d+) containers`)

func TestRunServesTheCluster(t *testing.T) {
	lines, stop := startRun(t, "--listen", "127.0.0.1:0", "--nodes", "3", "--containers", "30", "--seed", "1",
		"--token", "root@pam!ci=SECRET", "--offline", "pve2", "--lock", "101=backup")
	m := servingRE.FindStringSubmatch(lines[len(lines)-1])
	if m == nil || m[2] != "3" || m[3] != "30" {
		t.Fatalf("serving line %q", lines[len(lines)-1])
	}
	for _, l := range lines {
		if strings.Contains(l, "SECRET") {
			t.Errorf("output leaks the token secret: %q", l)
		}
	}
	r, _ := http.NewRequest("GET", m[1]+"/cluster/resources?type=vm", nil)
	r.Header.Set("Authorization", "PVEAPIToken=root@pam!ci=SECRET")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Data []map[string]any `json:"data"`
	}
	err = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || len(body.Data) != 30 {
		t.Fatalf("resources: %s, %d entries, %v", resp.Status, len(body.Data), err)
	}
	for _, e := range body.Data {
		if e["node"] == "pve2" && e["status"] != "unknown" {
			t.Errorf("CT on offline pve2: %v", e)
		}
		if e["vmid"] == 101.0 && e["lock"] != "backup" {
			t.Errorf("CT 101 lock = %v, want backup", e["lock"])
		}
	}
	if code := stop(); code != 0 {
		t.Errorf("exit code %d after cancel, want 0", code)
	}
}

func TestRunTLSPrintsFingerprint(t *testing.T) {
	lines, _ := startRun(t, "--listen", "127.0.0.1:0", "--tls", "--containers", "3")
	var fp string
	for _, l := range lines {
		if rest, ok := strings.CutPrefix(l, "pvesim certificate SHA-256 fingerprint "); ok {
			fp = rest
		}
	}
	m := servingRE.FindStringSubmatch(lines[len(lines)-1])
	if fp == "" || m == nil || !strings.HasPrefix(m[1], "https://") {
		t.Fatalf("output %q", lines)
	}
	var seen string
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		InsecureSkipVerify: true, // the test pins the fingerprint instead, like the controller does
		VerifyConnection: func(cs tls.ConnectionState) error {
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			parts := make([]string, len(sum))
			for i, b := range sum {
				parts[i] = fmt.Sprintf("%02X", b)
			}
			seen = strings.Join(parts, ":")
			return nil
		},
	}}}
	r, _ := http.NewRequest("GET", m[1]+"/version", nil)
	r.Header.Set("Authorization", "PVEAPIToken=root@pam!test=secret")
	resp, err := client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || seen != fp {
		t.Fatalf("status %s, certificate fingerprint %s, printed %s", resp.Status, seen, fp)
	}
}

func TestRunArguments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"help", []string{"--help"}, 0, "Usage: pvesim"},
		{"unknown flag", []string{"--bogus"}, 2, "flag provided but not defined"},
		{"bad fail rate", []string{"--fail-rate", "2"}, 2, "--fail-rate 2: must be between 0 and 1"},
		{"bad lock", []string{"--listen", "127.0.0.1:0", "--lock", "x"}, 1, `--lock "x": want VMID=LOCK`},
		{"unknown offline node", []string{"--listen", "127.0.0.1:0", "--offline", "pve9"}, 1, `--offline "pve9": no such node`},
		{"bad token", []string{"--listen", "127.0.0.1:0", "--token", "nope"}, 1, "is not USER@REALM!ID=SECRET"},
		{"bad node version", []string{"--listen", "127.0.0.1:0", "--node-version", "9.1.1,6.4-1"}, 1, "NodeVersions[1]: \"6.4-1\" is not a PVE version"},
		{"too many node versions", []string{"--nodes", "1", "--node-version", "9.1.1,8.4.1"}, 2, "--node-version: 2 versions for 1 nodes"},
		{"bad death grace", []string{"--node-death-grace", "0s"}, 2, "--node-death-grace 0s: must be above 0"},
		{"bad node threads", []string{"--node-threads", "8,zero"}, 2, `--node-threads "zero": want whole numbers from 1 to 8192`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &stdout, &stderr)
			if code != tt.code || !strings.Contains(stderr.String(), tt.stderr) {
				t.Fatalf("run(%v) = %d, stderr %q; want %d containing %q", tt.args, code, stderr.String(), tt.code, tt.stderr)
			}
		})
	}
}

// TestRunServesControlAPIAndVersions drives a running pvesim through its
// control API: a node killed over HTTP answers 595 while /nodes still lists
// it, and --node-version sets each node's version.
func TestRunServesControlAPIAndVersions(t *testing.T) {
	lines, _ := startRun(t, "--listen", "127.0.0.1:0", "--containers", "6", "--node-version", "9.1.1,8.4.1",
		"--node-version", "7.4-19", "--node-death-grace", "1h")
	m := servingRE.FindStringSubmatch(lines[len(lines)-1])
	if m == nil {
		t.Fatalf("output %q", lines)
	}
	api := m[1]
	base := strings.TrimSuffix(api, "/api2/json") + "/_pvesim"
	if !slices.Contains(lines, "pvesim control API at "+base+"/") {
		t.Errorf("output %q does not announce the control API at %s/", lines, base)
	}
	call := func(method, url, body string) (int, string) {
		t.Helper()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		r, _ := http.NewRequest(method, url, rd)
		r.Header.Set("Authorization", "PVEAPIToken=root@pam!test=secret")
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// PVE 7.4 on pve3, with the default mix's 4 threads, as pvesim.New
	// gives them.
	if code, body := call("GET", api+"/nodes/pve3/status", ""); code != 200 || !strings.Contains(body, `"pveversion":"pve-manager/7.4-19/`) ||
		!strings.Contains(body, `"cpus":4,`) {
		t.Errorf("pve3 status = %d %s, want PVE 7.4-19 with 4 threads", code, body)
	}
	if code, body := call("POST", base+"/nodes/pve2/kill", ""); code != 200 {
		t.Fatalf("kill = %d %s", code, body)
	}
	if code, body := call("GET", api+"/nodes/pve2/lxc", ""); code != 595 || body != "" {
		t.Errorf("killed pve2 lxc = %d %q, want 595 with no body", code, body)
	}
	if code, body := call("GET", api+"/nodes", ""); code != 200 || strings.Contains(body, `"offline"`) {
		t.Errorf("/nodes within the grace = %d %s, want every node online", code, body)
	}
	if code, body := call("POST", base+"/faults", `{"status":500,"rate":2}`); code != 400 || !strings.Contains(body, `field \"rate\"`) {
		t.Errorf("bad fault = %d %s, want 400 naming rate", code, body)
	}
	if code, body := call("GET", base+"/requests", ""); code != 200 || body != "{\"count\":3}\n" {
		t.Errorf("request count = %d %q, want 3 API requests", code, body)
	}
}
