package httpapi

import (
	"crypto/sha256"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller"
	"github.com/lxc-autoscale/lxc-autoscale/controller/ctview"
	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

const (
	pageReadToken  = "page-read-token-6f1c2d"
	pageNoneToken  = "page-scopeless-token-91ab"
	pageSimTokenID = "root@pam!page"
	pageSimSecret  = "page-sim-secret-5e1f"
)

// pageNow is the fixed clock of the page tests.
var pageNow = time.Date(2026, 11, 27, 3, 30, 0, 0, time.UTC)

// pageSnapshotter serves a prepared snapshot as the loop would.
type pageSnapshotter struct{ snap controller.Snapshot }

func (p pageSnapshotter) Snapshot() controller.Snapshot { return p.snap }

// History is an hour of every fixture container but 106 (too new for
// one): its CPU climbing from 10 % to its current utilisation with a gap
// of ten minutes, its memory flat at its current use.
func (p pageSnapshotter) History(vmid int, now time.Time) (ctview.History, bool) {
	for _, ct := range p.snap.Containers {
		if ct.VMID != vmid || vmid == 106 {
			continue
		}
		h := ctview.History{End: now.Truncate(time.Minute)}
		mem := float64(ct.MemoryUsed) / float64(uint64(ct.Alloc.MemoryMiB)<<20)
		for i := range h.CPU {
			h.CPU[i] = 0.1 + (ct.CPUUtilisation-0.1)*float64(i)/float64(len(h.CPU)-1)
			h.Memory[i] = mem
			if i >= 20 && i < 30 {
				h.CPU[i], h.Memory[i] = math.NaN(), math.NaN()
			}
		}
		return h, true
	}
	return ctview.History{}, false
}

// pageFixture is a loop's snapshot of three nodes and six containers: an
// anomalous one, a paused one, one with a change written, one with a
// recommendation, a locked one and one held by its cooldown.
func pageFixture() controller.Snapshot {
	gib := uint64(1 << 30)
	return controller.Snapshot{
		Time:           pageNow.Add(-4 * time.Second),
		LastSuccess:    pageNow.Add(-4 * time.Second),
		Interval:       15 * time.Second,
		Nodes:          3,
		FailedNodes:    []string{"pve3"},
		ModelTrainedAt: pageNow.Add(-10 * time.Minute),
		Mode:           "enforce",
		Policies:       []ctview.PolicyMode{{Name: "advice", Mode: "recommend"}},
		NodeList: []ctview.Node{
			{Name: "pve1", Online: true, Threads: 8, MemoryBytes: 32 * gib},
			{Name: "pve2", Online: true, Threads: 16, MemoryBytes: 64 * gib},
			{Name: "pve3", Online: true, Threads: 4, MemoryBytes: 16 * gib},
		},
		Containers: []controller.ContainerView{
			{
				Listed: controller.Listed{VMID: 101, Node: "pve1", Name: "web-frontend", Status: "running",
					Alloc: scaling.Allocation{Cores: 2, MemoryMiB: 2048, SwapMiB: 512, DiskBytes: 8 * gib}},
				CPUUtilisation: 0.93, MemoryUsed: 1536 << 20, DiskUsed: 3 * gib, Score: 0.42, Samples: 60,
				Decision: &scaling.Decision{VMID: 101, Node: "pve1", Mode: scaling.ModeEnforce, Changes: []scaling.Change{
					{Resource: scaling.ResourceCores, Direction: scaling.Up, From: 2, To: 3, Text: "cpu 93% > 80% for 5m"},
				}},
			},
			{
				Listed: controller.Listed{VMID: 102, Node: "pve1", Name: "batch-miner", Status: "running",
					Alloc: scaling.Allocation{Cores: 4, MemoryMiB: 4096, DiskBytes: 16 * gib}},
				CPUUtilisation: 0.99, MemoryUsed: 3900 << 20, DiskUsed: 5 * gib, Score: 0.91, Anomalous: true, Samples: 60,
				Decision: &scaling.Decision{VMID: 102, Node: "pve1", Mode: scaling.ModeEnforce, Holds: []scaling.Hold{
					{Resource: scaling.ResourceCores, Reason: scaling.SkipAnomalous},
				}},
			},
			{
				Listed: controller.Listed{VMID: 103, Node: "pve2", Name: "db-primary", Status: "running",
					Alloc: scaling.Allocation{Cores: 8, MemoryMiB: 16384, DiskBytes: 64 * gib}},
				Paused:         true,
				CPUUtilisation: 0.35, MemoryUsed: 12 << 30, DiskUsed: 40 * gib, Score: 0.38, Samples: 60,
			},
			{
				Listed: controller.Listed{VMID: 104, Node: "pve2", Name: "cache", Status: "running",
					Alloc: scaling.Allocation{Cores: 2, MemoryMiB: 1024, DiskBytes: 4 * gib}},
				CPUUtilisation: 0.12, MemoryUsed: 900 << 20, DiskUsed: gib, Score: 0.40, Samples: 60,
				Decision: &scaling.Decision{VMID: 104, Node: "pve2", Policy: "advice", Mode: scaling.ModeRecommend, Changes: []scaling.Change{
					{Resource: scaling.ResourceMemory, Direction: scaling.Up, From: 1024, To: 1536, Text: "memory 88% > 85%"},
				}},
			},
			{
				Listed: controller.Listed{VMID: 105, Node: "pve3", Name: "backup-target", Status: "running", Lock: "backup",
					Alloc: scaling.Allocation{Cores: 1, MemoryMiB: 512, DiskBytes: 32 * gib}},
				CPUUtilisation: 0.05, MemoryUsed: 128 << 20, DiskUsed: 30 * gib, Score: 0.35, Samples: 60,
				Decision: &scaling.Decision{VMID: 105, Node: "pve3", Mode: scaling.ModeEnforce, Holds: []scaling.Hold{
					{Resource: scaling.ResourceDisk, Reason: scaling.SkipLocked, Text: "lock backup"},
				}},
			},
			{
				Listed: controller.Listed{VMID: 106, Node: "pve3", Name: "queue", Status: "running",
					Alloc: scaling.Allocation{Cores: 3, MemoryMiB: 2048, DiskBytes: 8 * gib}},
				CPUUtilisation: 0.08, MemoryUsed: 300 << 20, DiskUsed: 2 * gib, Score: math.NaN(), Samples: 3,
				Decision: &scaling.Decision{VMID: 106, Node: "pve3", Mode: scaling.ModeEnforce, Holds: []scaling.Hold{
					{Resource: scaling.ResourceCores, Reason: scaling.SkipCooldown},
					{Resource: scaling.ResourceSwap, Reason: scaling.SkipDisabled},
				}},
			},
		},
	}
}

// pageServer starts the API on httptest with a loop's snapshot source.
// Its Operations have no cluster: with a loop the page must never ask
// Proxmox, and if it did the request would fail the test.
func pageServer(t testing.TB, snaps Snapshotter) string {
	t.Helper()
	srv, err := New(Options{
		Tokens: []Token{
			{Name: "viewer", SHA256: sha256.Sum256([]byte(pageReadToken)), Scope: ScopeRead},
			{Name: "scopeless", SHA256: sha256.Sum256([]byte(pageNoneToken)), Scope: ScopeNone},
		},
		Logger:     zerolog.New(zerolog.NewTestWriter(t)),
		Operations: manual.New(manual.Options{Logger: zerolog.Nop()}),
		Snapshots:  snaps,
		Interval:   15 * time.Second,
		Now:        func() time.Time { return pageNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(srv.Handler())
	t.Cleanup(api.Close)
	return api.URL
}

// pageGet fetches / with the given credentials set by set.
func pageGet(t testing.TB, url string, set func(*http.Request)) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if set != nil {
		set(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func pageBearer(token string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

// pageRow returns the HTML of the table row of vmid.
func pageRow(t *testing.T, body string, vmid string) string {
	t.Helper()
	start := strings.Index(body, `<tr id="ct-`+vmid+`"`)
	if start < 0 {
		t.Fatalf("no row for container %s in the page", vmid)
	}
	end := strings.Index(body[start:], "</tr>")
	return body[start : start+end]
}

func TestStatusPageShowsTheSnapshot(t *testing.T) {
	url := pageServer(t, pageSnapshotter{pageFixture()})
	resp, body := pageGet(t, url, pageBearer(pageReadToken))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %d, want 200; body %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type = %q, want text/html", ct)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("Content-Security-Policy = %q, want default-src 'none' and no unsafe-inline", csp)
	}
	// The style element carries the nonce the policy names, else the page
	// renders unstyled.
	m := regexp.MustCompile(`<style nonce="([^"]+)">`).FindStringSubmatch(body)
	if m == nil || !strings.Contains(csp, "'nonce-"+m[1]+"'") {
		t.Errorf("style nonce %v does not match the policy %q", m, csp)
	}
	if !strings.Contains(body, `<meta http-equiv="refresh" content="15">`) {
		t.Error("no refresh meta with the snapshot's 15 s interval")
	}
	if strings.Contains(strings.ToLower(body), "<script") {
		t.Error("the page has a script element; it must work without JavaScript")
	}
	for _, want := range []string{
		`id="health" title="The last complete pass is recent">ready<`,
		"2026-11-27 03:29:56 UTC (4s ago)",
		"1 failed: pve3",
		"2026-11-27 03:20:00 UTC (10m0s ago)",
		"6: 1 anomalous, 1 paused, 1 with a recommendation, 1 locked",
		`<dd id="mode"><span class="ok">enforce</span><span class="policies">; policy advice: recommend</span></dd>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	rows := []struct {
		vmid string
		want []string
	}{
		{"101", []string{"web-frontend", "pve1", "93 %", "1536 / 2048 MiB (75 %)", "3.0 / 8.0 GiB (38 %)", "0.42", "cores 2 → 3 (cpu 93% &gt; 80% for 5m)",
			`<svg class="spark"`, `<title>Last hour, the peak of each minute: CPU up to 93 % of the allocated cores, memory up to 75 % of the limit</title>`,
			`<path class="cpu" d="M0 16.8L1 16.6`, ` M30 `}},
		{"102", []string{`class="anomalous"`, "batch-miner", "0.91", `<span class="flag anomalous">anomalous</span>`, "hold cores: anomalous"}},
		{"103", []string{"db-primary", `<span class="flag paused">paused</span>`, "12288 / 16384 MiB (75 %)"}},
		{"104", []string{"cache", `<ul class="changes"><li>recommended, not written: memory 1024 → 1536 MiB (memory 88% &gt; 85%)</li></ul>`}},
		{"105", []string{"backup-target", `<span class="flag lock" title="locked: backup">backup</span>`, "hold disk: locked (lock backup)"}},
		{"106", []string{"queue", "hold cores: cooldown", `<td class="num">—</td>`, `<td><span class="none">—</span></td>`}},
	}
	for _, r := range rows {
		row := pageRow(t, body, r.vmid)
		for _, want := range r.want {
			if !strings.Contains(row, want) {
				t.Errorf("row %s lacks %q:\n%s", r.vmid, want, row)
			}
		}
	}
	// The nodes table: the running containers' allocation against each
	// node's capacity; pve3's listing failed.
	for node, want := range map[string][]string{
		"pve1": {">up<", "2 running, 0 stopped", "6 / 8 (75 %)", "6.0 / 32.0 GiB (19 %)"},
		"pve2": {">up<", "10 / 16 (63 %)", "17.0 / 64.0 GiB (27 %)"},
		"pve3": {`class="bad">listing failed<`, "4 / 4 (100 %)"},
	} {
		start := strings.Index(body, `<tr id="node-`+node+`">`)
		if start < 0 {
			t.Errorf("no nodes table row for %s", node)
			continue
		}
		row := body[start : start+strings.Index(body[start:], "</tr>")]
		for _, w := range want {
			if !strings.Contains(row, w) {
				t.Errorf("node %s lacks %q:\n%s", node, w, row)
			}
		}
	}
	// A disabled resource is configuration, not news.
	if row := pageRow(t, body, "106"); strings.Contains(row, "disabled") {
		t.Errorf("row 106 shows the disabled swap hold:\n%s", row)
	}
	if row := pageRow(t, body, "101"); strings.Contains(row, "anomalous") {
		t.Errorf("row 101 is flagged anomalous:\n%s", row)
	}
}

func TestStatusPageReferencesNothingElsewhere(t *testing.T) {
	url := pageServer(t, pageSnapshotter{pageFixture()})
	resp, body := pageGet(t, url, pageBearer(pageReadToken))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %d, want 200", resp.StatusCode)
	}
	lower := strings.ToLower(body)
	for _, bad := range []string{"http://", "https://", "//cdn", "@import", "url(", `src="//`, `href="//`} {
		if strings.Contains(lower, bad) {
			t.Errorf("page contains %q: it must load nothing from elsewhere", bad)
		}
	}
	for _, m := range regexp.MustCompile(`(?i)(?:src|href)="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		if ref := m[1]; !strings.HasPrefix(ref, "/") && ref != "data:," {
			t.Errorf("page references %q, neither a path of this server nor an inline data URL", ref)
		}
	}
}

func TestStatusPageEscapesClusterText(t *testing.T) {
	snap := pageFixture()
	snap.Containers[0].Name = "<script>alert(1)</script>"
	snap.Containers[4].Lock = `"><img src=x onerror=alert(2)>`
	snap.FailedNodes = []string{"<b>pve3</b>"}
	url := pageServer(t, pageSnapshotter{snap})
	_, body := pageGet(t, url, pageBearer(pageReadToken))
	if strings.Contains(body, "<script>alert(1)</script>") || strings.Contains(strings.ToLower(body), "<script") {
		t.Error("a container name was written as markup")
	}
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the escaped container name is missing")
	}
	if strings.Contains(body, "<img") || !strings.Contains(body, "&lt;img src=x onerror=alert(2)&gt;") {
		t.Error("a lock string was not escaped")
	}
	if strings.Contains(body, "<b>pve3</b>") {
		t.Error("a node name was written as markup")
	}
}

func TestStatusPageAuth(t *testing.T) {
	url := pageServer(t, pageSnapshotter{pageFixture()})
	tests := []struct {
		name       string
		set        func(*http.Request)
		wantStatus int
	}{
		{"no credentials", nil, http.StatusUnauthorized},
		{"bearer read token", pageBearer(pageReadToken), http.StatusOK},
		{"X-API-Key read token", func(r *http.Request) { r.Header.Set("X-API-Key", pageReadToken) }, http.StatusOK},
		{"basic with the token as password", func(r *http.Request) { r.SetBasicAuth("anyone", pageReadToken) }, http.StatusOK},
		{"basic with an empty user name", func(r *http.Request) { r.SetBasicAuth("", pageReadToken) }, http.StatusOK},
		{"basic with a wrong password", func(r *http.Request) { r.SetBasicAuth("viewer", "not-a-token") }, http.StatusUnauthorized},
		{"basic with the token as user name", func(r *http.Request) { r.SetBasicAuth(pageReadToken, "") }, http.StatusUnauthorized},
		{"wrong bearer", pageBearer("not-a-token"), http.StatusUnauthorized},
		{"token in the query is not accepted", func(r *http.Request) { r.URL.RawQuery = "token=" + pageReadToken }, http.StatusUnauthorized},
		{"token without the read scope", pageBearer(pageNoneToken), http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := pageGet(t, url, tt.set)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("GET / = %d, want %d; body %s", resp.StatusCode, tt.wantStatus, body)
			}
			if tt.wantStatus == http.StatusOK {
				return
			}
			if strings.Contains(body, "web-frontend") {
				t.Error("a refused request was shown the containers")
			}
			if strings.Contains(body, pageReadToken) {
				t.Error("the error echoes the token")
			}
			if tt.wantStatus == http.StatusUnauthorized {
				// A browser shows its login prompt only for a Basic challenge.
				challenges := resp.Header.Values("WWW-Authenticate")
				if len(challenges) == 0 || !strings.HasPrefix(challenges[0], "Basic ") {
					t.Errorf("WWW-Authenticate = %q, want a Basic challenge first", challenges)
				}
			}
		})
	}
}

// Basic credentials are the page's alone: a browser's cached credentials
// must not authorise any other route.
func TestBasicCredentialsOnlyOpenThePage(t *testing.T) {
	url := pageServer(t, pageSnapshotter{pageFixture()})
	for _, path := range []string{"/api/v1/containers", "/metrics", "/no-such-route"} {
		req, err := http.NewRequest(http.MethodGet, url+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth("viewer", pageReadToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("GET %s with Basic credentials = 200; only / accepts them", path)
		}
	}
}

// Without a loop (the api command) the page lists the cluster live; the
// compatibility harness gives a server on a simulated cluster.
func TestStatusPageWithoutLoop(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{server: func(o *Options) {
		o.Interval = 15 * time.Second
		o.Now = func() time.Time { return pageNow }
	}})
	get := func() (int, string) {
		rec := api.do(t, testRequest{method: http.MethodGet, target: "/", scope: ScopeRead})
		return rec.Code, rec.Body.String()
	}
	code, body := get()
	if code != http.StatusOK {
		t.Fatalf("GET / = %d, want 200; body %s", code, body)
	}
	if !strings.Contains(body, "not running in this process") {
		t.Error("the page does not say the loop is not running here")
	}
	if !strings.Contains(body, `content="15"`) {
		t.Error("refresh does not follow Options.Interval")
	}
	for _, spec := range testSpecs() {
		row := pageRow(t, body, strconv.Itoa(spec.VMID))
		for _, want := range []string{">" + spec.Name + "<", ">" + spec.Node + "<", ">" + strconv.Itoa(spec.Cores) + "<", " / " + strconv.Itoa(spec.MemoryMiB) + " MiB"} {
			if !strings.Contains(row, want) {
				t.Errorf("row %d lacks %q:\n%s", spec.VMID, want, row)
			}
		}
	}

	// The listing failing still gives a page, which says so.
	api.sim.InjectFault(pvesim.Fault{Route: "/cluster/resources", Status: http.StatusInternalServerError, Reason: "cluster filesystem not ready"})
	code, body = get()
	if code != http.StatusOK {
		t.Fatalf("GET / with the listing failing = %d, want 200", code)
	}
	if !strings.Contains(body, `id="list-error"`) || !strings.Contains(body, "No containers.") {
		t.Errorf("the page does not report the failed listing:\n%s", body)
	}
}

// BenchmarkStatusPage renders the page of a 1,000-container cluster
// through the whole handler (auth, snapshot, template, headers).
func BenchmarkStatusPage(b *testing.B) {
	snap := pageFixture()
	base := snap.Containers
	snap.Containers = make([]controller.ContainerView, 0, 1000)
	for i := range 1000 {
		ct := base[i%len(base)]
		ct.VMID = 1000 + i
		snap.Containers = append(snap.Containers, ct)
	}
	url := pageServer(b, pageSnapshotter{snap})
	req, err := http.NewRequest(http.MethodGet, url+"/", nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+pageReadToken)
	b.ReportAllocs()
	var size int64
	for b.Loop() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("GET / = %d", resp.StatusCode)
		}
		size = n
	}
	b.ReportMetric(float64(size), "bytes/page")
}
