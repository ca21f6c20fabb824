package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

const (
	doctorTokenID = "autoscale@pve!controller"
	doctorSecret  = "0e6a2c4f-doctor-secret"
)

// doctorSetup serves a two-node pvesim (over TLS with tls) that knows the
// doctor's token with privs (nil: every privilege), and writes a
// configuration for it with extra YAML appended.
func doctorSetup(t *testing.T, tlsServer bool, privs map[string][]string, extra string) (conf string, srv *httptest.Server) {
	t.Helper()
	opts := pvesim.Options{Nodes: 2, Containers: 6, Seed: 3, Tokens: []string{doctorTokenID + "=" + doctorSecret}, NodeVersions: []string{"9.1.1", "8.4.1"}}
	if privs != nil {
		opts.Privileges = map[string]map[string][]string{doctorTokenID: privs}
	}
	sim, err := pvesim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if tlsServer {
		srv = httptest.NewUnstartedServer(sim)
		// The refused handshakes are the point, not noise for the log.
		srv.Config.ErrorLog = log.New(io.Discard, "", 0)
		srv.StartTLS()
	} else {
		srv = httptest.NewServer(sim)
	}
	t.Cleanup(func() { srv.Close(); sim.Close() })
	dir := t.TempDir()
	conf = filepath.Join(dir, "config.yaml")
	body := fmt.Sprintf(`proxmox:
  endpoints: [%q]
  token_id: %q
  timeout: 5s
  retry: {attempts: 2, min_backoff: 10ms, max_backoff: 20ms}
monitor:
  export_file: %s
  backfill: false
state:
  file: %s
  audit_file: %s
api:
  listen: ""
%s`, srv.URL, doctorTokenID, filepath.Join(dir, "lxc_metrics.json"), filepath.Join(dir, "state.json"), filepath.Join(dir, "audit.jsonl"), extra)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return conf, srv
}

func secretEnv(secret string) []string { return []string{"LXCA_PROXMOX_TOKEN_SECRET=" + secret} }

// With every privilege the doctor reports what it sees and passes.
func TestDoctorReportsTheCluster(t *testing.T) {
	t.Parallel()
	conf, _ := doctorSetup(t, false, nil, "scaling:\n  mode: enforce\n")
	code, out, errOut := runCLI(t, secretEnv(doctorSecret), "doctor", "--config", conf)
	if code != 0 {
		t.Fatalf("doctor: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"ok    TLS and credentials accepted; this node runs Proxmox VE 9.1.1",
		"2 nodes: pve1 online, Proxmox VE 9.1.1; pve2 online, Proxmox VE 8.4.1",
		"6 containers visible",
		"ok    VM.Config.CPU on /vms (change cores)",
		"ok    Datastore.AllocateSpace on /storage",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out)
		}
	}
	// check-config --probe: the same report, as comments after the YAML.
	code, out, _ = runCLI(t, secretEnv(doctorSecret), "check-config", "--probe", "--config", conf)
	if code != 0 || !strings.Contains(out, "# probe:\n# endpoint ") || !strings.Contains(out, "# ok    VM.Audit on /vms") {
		t.Errorf("check-config --probe: exit %d\n%s", code, out)
	}
}

// A wrong secret: 401, and what to check.
func TestDoctorExplainsARefusedToken(t *testing.T) {
	t.Parallel()
	conf, _ := doctorSetup(t, false, nil, "")
	code, out, _ := runCLI(t, secretEnv("not-the-secret"), "doctor", "--config", conf)
	if code != 1 || !strings.Contains(out, "FAIL") || !strings.Contains(out, "refused the token (401)") ||
		!strings.Contains(out, "pveum user token list autoscale@pve") {
		t.Errorf("doctor with a wrong secret: exit %d\n%s", code, out)
	}
	if strings.Contains(out, "not-the-secret") {
		t.Error("the secret is in the report")
	}
}

// A privilege the configuration needs and the token lacks is a FAIL with
// the pveum line that grants it; in dry-run, a warning (exit 0).
func TestDoctorNamesMissingPrivilegesAndTheirGrant(t *testing.T) {
	t.Parallel()
	privs := map[string][]string{"/vms": {"VM.Audit", "VM.Config.Memory", "VM.Config.Disk"}, "/nodes": {"Sys.Audit"}, "/storage": {"Datastore.Audit"},
		"/mapping/notifications": {"Mapping.Modify"}}
	conf, _ := doctorSetup(t, false, privs, "scaling:\n  mode: enforce\n")
	code, out, _ := runCLI(t, secretEnv(doctorSecret), "doctor", "--config", conf)
	want := `pveum role modify LXCAutoscale --append 1 --privs "VM.Config.CPU Datastore.AllocateSpace" && pveum acl modify / --users autoscale@pve --tokens 'autoscale@pve!controller' --roles LXCAutoscale`
	if code != 1 || !strings.Contains(out, "FAIL  VM.Config.CPU on /vms missing: needed to change cores") || !strings.Contains(out, want) {
		t.Errorf("enforce without VM.Config.CPU: exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "ok    VM.Config.Memory on /vms") {
		t.Errorf("a held privilege is not reported as held:\n%s", out)
	}
	delete(privs, "/mapping/notifications")
	conf, _ = doctorSetup(t, false, privs, "scaling:\n  mode: enforce\n")
	if code, out, _ := runCLI(t, secretEnv(doctorSecret), "doctor", "--config", conf); code != 1 ||
		!strings.Contains(out, "FAIL  Mapping.Modify on /mapping/notifications missing: needed to hold the leader lease") {
		t.Errorf("enforce without the lease's privilege: exit %d\n%s", code, out)
	}
	conf, _ = doctorSetup(t, false, privs, "scaling:\n  mode: dry-run\n")
	code, out, _ = runCLI(t, secretEnv(doctorSecret), "doctor", "--config", conf)
	if code != 0 || !strings.Contains(out, "WARN  VM.Config.CPU on /vms missing: needed to change cores (once scaling.mode is enforce)") {
		t.Errorf("dry-run without VM.Config.CPU: exit %d\n%s", code, out)
	}
}

// A certificate the client cannot verify: the doctor prints the
// fingerprint the node presents, and pinning it is the fix.
func TestDoctorGivesTheFingerprintToPin(t *testing.T) {
	t.Parallel()
	conf, srv := doctorSetup(t, true, nil, "")
	sum := sha256.Sum256(srv.Certificate().Raw)
	var parts []string
	for _, b := range sum {
		parts = append(parts, fmt.Sprintf("%02X", b))
	}
	fp := strings.Join(parts, ":")
	code, out, _ := runCLI(t, secretEnv(doctorSecret), "doctor", "--config", conf)
	if code != 1 || !strings.Contains(out, "TLS verification failed") || !strings.Contains(out, fmt.Sprintf("fingerprint: %q", fp)) {
		t.Fatalf("doctor against an unknown certificate: exit %d, want the fingerprint %s\n%s", code, fp, out)
	}
	env := append(secretEnv(doctorSecret), "LXCA_PROXMOX_FINGERPRINT="+fp)
	if code, out, _ := runCLI(t, env, "doctor", "--config", conf); code != 0 {
		t.Errorf("doctor with the fingerprint it gave pinned: exit %d\n%s", code, out)
	}
}

// The daemons stop at start, with the same hint, on a credential or
// certificate that will not be accepted later, instead of retrying for ever.
func TestDaemonsRefuseToStartWithAPermanentError(t *testing.T) {
	t.Parallel()
	conf, _ := doctorSetup(t, false, nil, "")
	tlsConf, _ := doctorSetup(t, true, nil, "")
	for _, c := range []struct {
		name, conf, secret, want string
		args                     []string
	}{
		{"run, wrong token", conf, "wrong", "refused the token (401)", []string{"run"}},
		{"monitor, wrong token", conf, "wrong", "refused the token (401)", []string{"monitor"}},
		{"run, unknown certificate", tlsConf, doctorSecret, "presents a certificate with SHA-256 fingerprint", []string{"run"}},
	} {
		start := time.Now()
		code, _, errOut := runCLI(t, secretEnv(c.secret), append(c.args, "--config", c.conf)...)
		if code != 1 || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d after %v\n%s", c.name, code, time.Since(start), errOut)
		}
	}
}
