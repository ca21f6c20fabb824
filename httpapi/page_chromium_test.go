package httpapi

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// chromiumPath finds a Chromium the way a Debian machine installs it. The
// test skips without one, unless LXCA_REQUIRE_CHROMIUM=1 (set by .ci/run)
// makes its absence a failure.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "no chromium, chromium-browser or google-chrome on PATH (Debian: apt-get install --no-install-recommends chromium)"
	if os.Getenv("LXCA_REQUIRE_CHROMIUM") == "1" {
		t.Fatal(msg + "; LXCA_REQUIRE_CHROMIUM=1 requires it")
	}
	t.Skip(msg + "; skipping the browser test")
	return ""
}

// TestStatusPageInChromium loads the status page in headless Chromium the
// way a person does: the browser meets the Basic challenge and answers it
// with a read token as the password, renders the page, and the test reads
// what is visible. It also checks that the page loads nothing but itself
// and saves a screenshot.
func TestStatusPageInChromium(t *testing.T) {
	execPath := chromiumPath(t)
	url := pageServer(t, pageSnapshotter{pageFixture()})

	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(execPath),
		// A laptop's screen: the page must be readable without scrolling sideways.
		chromedp.WindowSize(1366, 768),
	)
	if os.Geteuid() == 0 {
		// Chromium refuses to start its sandbox as root, as in CI containers.
		opts = append(opts, chromedp.NoSandbox)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	defer cancelTab()

	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium %s: %v", execPath, err)
	}
	if v, err := chromedp.CallBrowser(ctx, browser.GetVersion, cdp.Empty{}); err == nil {
		t.Logf("browser: %s (%s)", v.Product, execPath)
	}

	// Every request the page makes, as the network sees it.
	var mu sync.Mutex
	var requested []string
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requested = append(requested, e.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}

	// The Fetch domain pauses each request; the auth challenge is answered
	// like a person typing into the browser's prompt.
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	challenges := chromedp.Events(ctx, fetch.AuthRequired)
	var challenged sync.WaitGroup
	var schemes []string
	challenged.Go(func() {
		for ev, err := range challenges {
			if err != nil {
				return
			}
			mu.Lock()
			schemes = append(schemes, ev.AuthChallenge.Scheme)
			mu.Unlock()
			_, _ = chromedp.Call(ctx, fetch.ContinueWithAuth, fetch.ContinueWithAuthParams{
				RequestID: ev.RequestID,
				AuthChallengeResponse: &fetch.AuthChallengeResponse{
					Response: fetch.AuthChallengeResponseResponseProvideCredentials,
					Username: "viewer",
					Password: pageReadToken,
				},
			})
		}
	})
	challenged.Go(func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
		}
	})
	defer func() {
		cancelTab()
		challenged.Wait()
	}()
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{HandleAuthRequests: new(true)}); err != nil {
		t.Fatal(err)
	}

	resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(url+"/"))
	if err != nil {
		t.Fatalf("navigate to the status page: %v", err)
	}
	if resp.Status != 200 {
		t.Fatalf("status page answered %d in the browser, want 200 after signing in", resp.Status)
	}
	mu.Lock()
	gotSchemes := slices.Clone(schemes)
	mu.Unlock()
	if len(gotSchemes) == 0 || gotSchemes[0] != "basic" {
		t.Errorf("auth challenges = %q, want the browser to meet a Basic challenge", gotSchemes)
	}

	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	if title != "lxc-autoscale status" {
		t.Errorf("title = %q", title)
	}

	// What a person sees: the visible text of the header and of each cell.
	headers, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('#containers thead th')].map(th => th.innerText.trim())`))
	if err != nil {
		t.Fatal(err)
	}
	wantHeaders := []string{"VMID", "Name", "Node", "Status", "Cores", "CPU", "Memory used / limit",
		"Disk used / size", "Last hour\nCPU · memory", "Anomaly score", "Decision"}
	if !slices.Equal(headers, wantHeaders) {
		t.Fatalf("table headers = %q, want %q", headers, wantHeaders)
	}
	cells, err := chromedp.Run(ctx, chromedp.Evaluate[[][]string](
		`[...document.querySelectorAll('#containers tbody tr')].map(tr => [...tr.cells].map(td => td.innerText.trim()))`))
	if err != nil {
		t.Fatal(err)
	}
	col := func(name string) int { return slices.Index(wantHeaders, name) }
	byVMID := map[string][]string{}
	for _, row := range cells {
		if len(row) != len(wantHeaders) {
			t.Fatalf("row %q has %d cells, want %d", row, len(row), len(wantHeaders))
		}
		byVMID[row[col("VMID")]] = row
	}
	if len(byVMID) != 6 {
		t.Fatalf("the browser shows %d container rows, want 6: %q", len(byVMID), cells)
	}
	want := []struct {
		vmid, column, text string
	}{
		{"101", "Name", "web-frontend"},
		{"101", "Node", "pve1"},
		{"101", "Cores", "2"},
		{"101", "CPU", "93 %"},
		{"101", "Memory used / limit", "1536 / 2048 MiB (75 %)"},
		{"101", "Disk used / size", "3.0 / 8.0 GiB (38 %)"},
		{"101", "Anomaly score", "0.42"},
		{"101", "Decision", "cores 2 → 3 (cpu 93% > 80% for 5m)"},
		{"102", "Name", "batch-miner"},
		{"102", "Anomaly score", "0.91 anomalous"},
		{"102", "Decision", "hold cores: anomalous"},
		{"103", "Name", "db-primary paused"},
		{"104", "Name", "cache"},
		{"104", "Decision", "recommended, not written: memory 1024 → 1536 MiB (memory 88% > 85%)"},
		{"105", "Name", "backup-target backup"},
		{"105", "Decision", "hold disk: locked (lock backup)"},
		{"106", "Anomaly score", "—"},
		{"106", "Last hour\nCPU · memory", "—"},
		{"106", "Decision", "hold cores: cooldown"},
	}
	for _, w := range want {
		if got := byVMID[w.vmid][col(w.column)]; got != w.text {
			t.Errorf("container %s, %s: the browser shows %q, want %q", w.vmid, w.column, got, w.text)
		}
	}
	for vmid, row := range byVMID {
		if vmid != "102" && strings.Contains(row[col("Anomaly score")], "anomalous") {
			t.Errorf("container %s is shown anomalous: %q", vmid, row)
		}
		if vmid != "103" && strings.Contains(row[col("Name")], "paused") {
			t.Errorf("container %s is shown paused: %q", vmid, row)
		}
	}

	// Readable at 1366 px: nothing needs a sideways scroll, the last
	// column (where the lock and pause flags used to be cut off) ends on
	// the screen, rows stay at most two lines high, and every container
	// of the fixture is on the first screen. Rows per screen is logged:
	// what a person with many containers sees at once.
	layout, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
		ViewWidth   float64   `json:"viewWidth"`
		ViewHeight  float64   `json:"viewHeight"`
		ScrollWidth float64   `json:"scrollWidth"`
		LastRight   float64   `json:"lastRight"`
		RowHeights  []float64 `json:"rowHeights"`
		RowsVisible int       `json:"rowsVisible"`
		TableTop    float64   `json:"tableTop"`
		Sparks      []float64 `json:"sparks"`
		SparkPaths  int       `json:"sparkPaths"`
		NodeRows    []string  `json:"nodeRows"`
		Mode        string    `json:"mode"`
	}](`(() => {
		const rows = [...document.querySelectorAll('#containers tbody tr')];
		const last = [...document.querySelectorAll('#containers tr > :last-child')];
		return {
			viewWidth: window.innerWidth, viewHeight: window.innerHeight,
			scrollWidth: document.documentElement.scrollWidth,
			lastRight: Math.max(...last.map(c => c.getBoundingClientRect().right)),
			rowHeights: rows.map(r => r.getBoundingClientRect().height),
			rowsVisible: rows.filter(r => r.getBoundingClientRect().bottom <= window.innerHeight).length,
			tableTop: document.querySelector('#containers tbody').getBoundingClientRect().top,
			sparks: [...document.querySelectorAll('svg.spark')].map(s => s.getBoundingClientRect().width),
			sparkPaths: [...document.querySelectorAll('svg.spark path.cpu')].filter(p => p.getBBox().width > 50).length,
			nodeRows: [...document.querySelectorAll('#node-table tbody tr')].map(tr => tr.innerText.replace(/\s+/g, ' ').trim()),
			mode: document.querySelector('#mode').innerText,
		};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if layout.ScrollWidth > layout.ViewWidth || layout.LastRight > layout.ViewWidth {
		t.Errorf("at %v px the page is %v px wide and its last column ends at %v px: it needs a sideways scroll", layout.ViewWidth, layout.ScrollWidth, layout.LastRight)
	}
	for i, h := range layout.RowHeights {
		if h > 44 {
			t.Errorf("container row %d is %v px high, want at most two lines (44 px)", i, h)
		}
	}
	if layout.RowsVisible != 6 {
		t.Errorf("%d of the 6 container rows are on the first screen of %v px", layout.RowsVisible, layout.ViewHeight)
	}
	mean := 0.0
	for _, h := range layout.RowHeights {
		mean += h / float64(len(layout.RowHeights))
	}
	perScreen := int((layout.ViewHeight - layout.TableTop) / mean)
	t.Logf("at %vx%v: rows start at %v px, %.1f px high on average: %d rows on the first screen", layout.ViewWidth, layout.ViewHeight,
		layout.TableTop, mean, perScreen)
	if perScreen < 10 {
		t.Errorf("%d container rows fit on the first screen, want at least 10 (the page before this layout fitted 4 to 8)", perScreen)
	}
	if len(layout.Sparks) != 5 || layout.SparkPaths != 5 {
		t.Errorf("sparklines: %d drawn (widths %v), %d with a CPU line across the hour; want 5 (every container but 106)", len(layout.Sparks), layout.Sparks, layout.SparkPaths)
	}
	wantNodes := []string{"pve1 up 2 running, 0 stopped 6 / 8 (75 %) 6.0 / 32.0 GiB (19 %)",
		"pve2 up 2 running, 0 stopped 10 / 16 (63 %) 17.0 / 64.0 GiB (27 %)",
		"pve3 listing failed 2 running, 0 stopped 4 / 4 (100 %) 2.5 / 16.0 GiB (16 %)"}
	if !slices.Equal(layout.NodeRows, wantNodes) {
		t.Errorf("nodes table = %q, want %q", layout.NodeRows, wantNodes)
	}
	if layout.Mode != "enforce; policy advice: recommend" {
		t.Errorf("mode = %q", layout.Mode)
	}

	summary, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('.summary').innerText`))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"ready", "2026-11-27 03:29:56 UTC (4s ago)", "1 failed: pve3", "2026-11-27 03:20:00 UTC (10m0s ago)"} {
		if !strings.Contains(summary, s) {
			t.Errorf("summary lacks %q:\n%s", s, summary)
		}
	}

	// The page works without JavaScript, and its style applied although
	// the policy allows only the nonce-tagged style element.
	checks, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
		Scripts   int      `json:"scripts"`
		Sticky    string   `json:"sticky"`
		Resources []string `json:"resources"`
		Refresh   string   `json:"refresh"`
	}](`({
		scripts: document.scripts.length,
		sticky: getComputedStyle(document.querySelector('#containers th')).position,
		resources: performance.getEntriesByType('resource').map(e => e.name),
		refresh: document.querySelector('meta[http-equiv="refresh"]').content,
	})`))
	if err != nil {
		t.Fatal(err)
	}
	if checks.Scripts != 0 {
		t.Errorf("the page has %d scripts, want none", checks.Scripts)
	}
	if checks.Sticky != "sticky" {
		t.Errorf("table header position = %q: the page's style was not applied", checks.Sticky)
	}
	if checks.Refresh != "15" {
		t.Errorf("refresh = %q, want the 15 s interval", checks.Refresh)
	}
	if len(checks.Resources) != 0 {
		t.Errorf("the page loaded resources %q, want none", checks.Resources)
	}

	// What the 1366x768 screen shows, without scrolling.
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	gotRequests := slices.Clone(requested)
	mu.Unlock()
	if len(gotRequests) == 0 {
		t.Error("no network request was seen; the listener is not working")
	}
	for _, u := range gotRequests {
		if !strings.HasPrefix(u, url+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("the page requested %s, outside the server", u)
		}
	}
	// The screenshot outlives the test on purpose, for a person to look at;
	// binaries are never committed.
	f, err := os.CreateTemp("", "lxc-autoscale-statuspage-*.png")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(buf); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("requests: %q", gotRequests)
	t.Logf("screenshot: %s (%d bytes)", f.Name(), len(buf))
}
