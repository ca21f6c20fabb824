package demoview

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

// A container's changes so far read by resource, the last six of each.
func TestChangesText(t *testing.T) {
	for _, tt := range []struct {
		marks map[scaling.Resource]string
		want  string
	}{
		{nil, ""},
		{map[scaling.Resource]string{scaling.ResourceMemory: "+", scaling.ResourceCores: "+-"}, "c:+- m:+"},
		{map[scaling.Resource]string{scaling.ResourceDisk: "+++++++", scaling.ResourceSwap: "rr"}, "s:rr d:…++++++"},
	} {
		if got := changesText(tt.marks); got != tt.want {
			t.Errorf("changesText(%v) = %q, want %q", tt.marks, got, tt.want)
		}
	}
}

// The summary counts a pass's listing calls from the simulator's request
// log; a last pass the demo's end cut after GET /nodes does not lower it.
func TestPrintSummaryListingCallsPerPass(t *testing.T) {
	const token = "root@pam!demo=0b5e9f3c-2d7a-4f51-9a63-1c8e0f4d7b21"
	sim, err := pvesim.New(pvesim.Options{Nodes: 3, Containers: 3, Seed: 1, Tokens: []string{token}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { sim.Close(); srv.Close() })
	get := func(path string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api2/json"+path, nil)
		req.Header.Set("Authorization", "PVEAPIToken="+token)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", path, resp.Status)
		}
	}
	pass := func(nodes ...string) {
		get("/nodes")
		for _, n := range nodes {
			get("/nodes/" + n + "/lxc")
		}
	}
	for _, tt := range []struct {
		passes [][]string
		want   string
	}{
		{[][]string{{"pve1", "pve2", "pve3"}, {"pve1", "pve2", "pve3"}}, "4.0 listing calls per pass"},
		{[][]string{{"pve1", "pve2", "pve3"}, {}}, "4.0 listing calls per pass"},
		{[][]string{{"pve1", "pve2", "pve3"}, {"pve1"}}, "4.0 listing calls per pass"},
		// A pass is never dropped for making fewer calls than the next.
		{[][]string{{"pve1"}, {"pve1", "pve2", "pve3"}}, "3.0 listing calls per pass"},
	} {
		sim.ResetRequests()
		for _, nodes := range tt.passes {
			pass(nodes...)
		}
		var out bytes.Buffer
		PrintSummary(&out, sim, len(tt.passes), t.TempDir())
		if !strings.Contains(out.String(), tt.want) {
			t.Errorf("passes %v: summary %q, want %q", tt.passes, out.String(), tt.want)
		}
	}
}
