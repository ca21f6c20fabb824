package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/config"
	"github.com/lxc-autoscale/lxc-autoscale/controller/notify"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

// Every applied change reaches a webhook once, signed, through a receiver
// that fails at first; a webhook that refuses everything is audited by
// name, never by URL.
func TestE2EAppliedChangesAreNotified(t *testing.T) {
	t.Parallel()
	const secret, gone = "hmac-key", "gone-credential-in-path"
	var mu sync.Mutex
	var requests int
	delivered := map[string]map[string]any{} // by event ID
	var order []string
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if requests++; requests <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable) // the receiver starting
			return
		}
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		if r.Header.Get(notify.HeaderSignature) != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
			t.Errorf("bad signature %q", r.Header.Get(notify.HeaderSignature))
		}
		id := r.Header.Get(notify.HeaderEventID)
		if _, dup := delivered[id]; dup {
			t.Errorf("event %s delivered twice", id)
		}
		var ev map[string]any
		if err := json.Unmarshal(body, &ev); err != nil || ev["id"] != id {
			t.Errorf("body %s: %v", body, err)
		}
		delivered[id] = ev
		order = append(order, id)
	}))
	t.Cleanup(good.Close)
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusGone) }))
	t.Cleanup(refusing.Close)

	hooks := fmt.Sprintf(`[{"name":"ops","url":%q,"secret":%q,"events":["applied"]},{"name":"old","url":%q,"format":"slack"}]`,
		good.URL+"/hook", secret, refusing.URL+"/"+gone)
	e := newE2E(t, e2eOptions{speed: 1, env: []string{"LXCA_NOTIFY_WEBHOOKS=" + hooks}, specs: []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Name: "busy", Cores: 1, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Busy},
	}})
	r := e.start("run")
	e.eventually(r, 30*time.Second, "the busy container reaching 4 cores", func() bool { return e.confInt(101, "cores") == 4 })
	if code := r.stop(t); code != exitOK {
		t.Fatalf("exit code %d", code)
	}

	var coreWrites []string
	for _, w := range e.writes() {
		if c := w.Params.Get("cores"); c != "" {
			coreWrites = append(coreWrites, c)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	var told []string
	for _, id := range order {
		ev := delivered[id]
		if ev["event"] != "applied" || ev["vmid"] != 101.0 || ev["name"] != "busy" || ev["node"] != "pve1" {
			t.Errorf("event %v", ev)
		}
		if ev["resource"] == "cores" {
			told = append(told, fmt.Sprint(ev["to"]))
		}
	}
	if !slices.Equal(told, coreWrites) || len(told) != 3 {
		t.Errorf("cores changes told %v, written %v: want every write told once", told, coreWrites)
	}
	// Stopping drained the queue: the refusing webhook's events are audited.
	if !auditHas(e.dir, func(rec map[string]any) bool {
		return rec["operation"] == "notify" && rec["source"] == "notify:old" && rec["result"] == "failed" &&
			strings.Contains(fmt.Sprint(rec["error"]), "status 410")
	}) {
		t.Error("no audit record of the refused notification")
	}
	if strings.Contains(r.stderr.String(), gone) || strings.Contains(r.stderr.String(), secret) {
		t.Error("the log holds a webhook's URL or secret")
	}
}

// The names config accepts are the ones notify knows, and back.
func TestNotifyNamesMatchTheConfig(t *testing.T) {
	var kinds, formats []string
	for _, k := range notify.Kinds {
		kinds = append(kinds, string(k))
	}
	for _, f := range notify.Formats {
		formats = append(formats, string(f))
	}
	if !slices.Equal(kinds, config.WebhookEvents) || !slices.Equal(formats, config.WebhookFormats) {
		t.Errorf("notify kinds %v, formats %v; config events %v, formats %v", kinds, formats, config.WebhookEvents, config.WebhookFormats)
	}
}

// The API's changes are told too: a resources change by its Actuator, a
// disk grown when its task ends.
func TestE2EManualChangesAreNotified(t *testing.T) {
	t.Parallel()
	const token = "e2e-notify-token-0123456789abcdef"
	sum := sha256.Sum256([]byte(token))
	var mu sync.Mutex
	var got []map[string]any
	receiver := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		var ev map[string]any
		if json.NewDecoder(r.Body).Decode(&ev) == nil && ev["source"] == "api:ops" {
			mu.Lock()
			got = append(got, ev)
			mu.Unlock()
		}
	}))
	t.Cleanup(receiver.Close)
	e := newE2E(t, e2eOptions{speed: 1, mode: "recommend", specs: []pvesim.ContainerSpec{
		{VMID: 116, Node: "pve2", Cores: 1, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Idle},
	}, env: []string{
		"LXCA_API_LISTEN=127.0.0.1:0",
		fmt.Sprintf(`LXCA_API_TOKENS=[{name: ops, sha256: %q, scope: operate}]`, hex.EncodeToString(sum[:])),
		fmt.Sprintf(`LXCA_NOTIFY_WEBHOOKS=[{name: ops, url: %q, events: [applied]}]`, receiver.URL),
	}})
	r := e.start("run")
	call := apiCaller(t, "http://"+e.apiAddr(r), token)
	if code, body := call("PUT", "/api/v1/containers/116/resources", `{"cores": 3}`); code != 200 {
		t.Fatalf("set cores: %d %s", code, body)
	}
	if code, body := call("POST", "/api/v1/containers/116/disks/rootfs/grow", `{"grow_gb": 2}`); code != 202 {
		t.Fatalf("grow disk: %d %s", code, body)
	}
	e.eventually(r, 20*time.Second, "both changes told", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 2
	})
	mu.Lock()
	defer mu.Unlock()
	slices.SortFunc(got, func(a, b map[string]any) int {
		return strings.Compare(fmt.Sprint(a["resource"]), fmt.Sprint(b["resource"]))
	})
	if got[0]["resource"] != "cores" || got[0]["to"] != 3.0 || got[1]["resource"] != "disk" || got[1]["to"] != float64(10<<30) ||
		got[1]["result"] != "applied" {
		t.Errorf("told %v", got)
	}
}
