package compat_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/httpapi"
	"github.com/lxc-autoscale/lxc-autoscale/httpapi/compat"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

// routeInfo is one entry of GET /routes as a client sees it.
type routeInfo struct {
	Endpoint string `json:"endpoint"`
	Methods  string `json:"methods"`
	URL      string `json:"url"`
}

// compatBody is the envelope as a client sees it.
type compatBody struct {
	Status  string          `json:"status"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
	Errors  []string        `json:"errors"`
}

func decodeCompat(t testing.TB, rec *httptest.ResponseRecorder) compatBody {
	t.Helper()
	var b compatBody
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatalf("body %q is not the envelope: %v", rec.Body.String(), err)
	}
	return b
}

// TestCompatReplaysOriginalRequests sends every request shape of the
// original's route table (reference §2.2-§2.4), with each alias, in an
// order a script would, and checks the envelope, the data and what
// happened in the cluster.
func TestCompatReplaysOriginalRequests(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{})
	steps := []struct {
		name    string
		req     testRequest
		message string                          // the original's success message
		check   func(t *testing.T, data []byte) // what data and the cluster say
	}{
		{"cores vm_id", testRequest{method: "POST", target: "/scale/cores", body: `{"vm_id":101,"cores":4}`, scope: ScopeOperate},
			"CPU cores set to 4 for container 101", func(t *testing.T, _ []byte) { wantConf(t, api.sim, 101, "cores", "4") }},
		{"cores lxc_id with X-API-Key", testRequest{method: "POST", target: "/scale/cores", body: `{"lxc_id":101,"cores":3}`, scope: ScopeOperate, apiKey: true},
			"CPU cores set to 3 for container 101", func(t *testing.T, _ []byte) { wantConf(t, api.sim, 101, "cores", "3") }},
		{"cores container_id as a string", testRequest{method: "POST", target: "/scale/cores", body: `{"container_id":"102","cores":"2"}`, scope: ScopeOperate},
			"CPU cores set to 2 for container 102", func(t *testing.T, _ []byte) { wantConf(t, api.sim, 102, "cores", "2") }},
		{"ram vm_id", testRequest{method: "POST", target: "/scale/ram", body: `{"vm_id":101,"memory":2048}`, scope: ScopeOperate},
			"RAM set to 2048 MB for container 101", func(t *testing.T, _ []byte) { wantConf(t, api.sim, 101, "memory", "2048") }},
		{"ram lxc_id", testRequest{method: "POST", target: "/scale/ram", body: `{"lxc_id":104,"memory":768}`, scope: ScopeOperate},
			"RAM set to 768 MB for container 104", func(t *testing.T, _ []byte) { wantConf(t, api.sim, 104, "memory", "768") }},
		{"storage vm_id", testRequest{method: "POST", target: "/scale/storage/increase", body: `{"vm_id":101,"disk_size":2}`, scope: ScopeOperate},
			"Storage increased by 2 GB for container 101", func(t *testing.T, _ []byte) { wantRootFSSize(t, api.sim, 101, "10G") }},
		{"storage container_id", testRequest{method: "POST", target: "/scale/storage/increase", body: `{"container_id":104,"disk_size":1}`, scope: ScopeOperate},
			"Storage increased by 1 GB for container 104", func(t *testing.T, _ []byte) { wantRootFSSize(t, api.sim, 104, "5G") }},
		{"snapshot create vm_id", testRequest{method: "POST", target: "/snapshot/create", body: `{"vm_id":101,"snapshot_name":"before_upgrade"}`, scope: ScopeOperate},
			"Snapshot 'before_upgrade' created for container 101", nil},
		{"snapshot create lxc_id", testRequest{method: "POST", target: "/snapshot/create", body: `{"lxc_id":101,"snapshot_name":"second"}`, scope: ScopeOperate},
			"Snapshot 'second' created for container 101", nil},
		{"snapshot list vm_id", testRequest{method: "GET", target: "/snapshot/list?vm_id=101", scope: ScopeRead},
			"Snapshots listed for container 101", func(t *testing.T, data []byte) { wantSnapshots(t, data, "before_upgrade", "second") }},
		{"snapshot list lxc_id", testRequest{method: "GET", target: "/snapshot/list?lxc_id=101", scope: ScopeRead},
			"Snapshots listed for container 101", func(t *testing.T, data []byte) { wantSnapshots(t, data, "before_upgrade", "second") }},
		{"snapshot list container_id", testRequest{method: "GET", target: "/snapshot/list?container_id=102", scope: ScopeRead},
			"Snapshots listed for container 102", func(t *testing.T, data []byte) { wantSnapshots(t, data) }},
		{"snapshot rollback", testRequest{method: "POST", target: "/snapshot/rollback", body: `{"vm_id":101,"snapshot_name":"before_upgrade"}`, scope: ScopeAdmin},
			"Container 101 rolled back to snapshot 'before_upgrade'", func(t *testing.T, _ []byte) {
				// The snapshot was taken with 3 cores; pct rollback leaves
				// the container stopped, and so does this route.
				wantConf(t, api.sim, 101, "cores", "3")
				if st, _ := api.sim.Container(101); st.Running {
					t.Error("container 101 running after the rollback; pct rollback leaves it stopped")
				}
			}},
		{"snapshot rollback lxc_id", testRequest{method: "POST", target: "/snapshot/rollback", body: `{"lxc_id":101,"snapshot_name":"second"}`, scope: ScopeAdmin},
			"Container 101 rolled back to snapshot 'second'", nil},
		{"clone vm names", testRequest{method: "POST", target: "/clone/create", body: `{"vm_id":101,"new_vm_id":201,"new_vm_name":"web_clone"}`, scope: ScopeAdmin},
			"Clone operation completed successfully.", func(t *testing.T, data []byte) { wantClone(t, api.sim, data, 101, 201, "web-clone") }},
		{"clone lxc names", testRequest{method: "POST", target: "/clone/create", body: `{"lxc_id":102,"new_lxc_id":202,"new_lxc_name":"db2"}`, scope: ScopeAdmin},
			"Clone operation completed successfully.", func(t *testing.T, data []byte) { wantClone(t, api.sim, data, 102, 202, "db2") }},
		{"clone hostname", testRequest{method: "POST", target: "/clone/create", body: `{"container_id":104,"new_vm_id":"203","hostname":"cache.lab"}`, scope: ScopeAdmin},
			"Clone operation completed successfully.", func(t *testing.T, data []byte) { wantClone(t, api.sim, data, 104, 203, "cache.lab") }},
		{"delete vm_id", testRequest{method: "DELETE", target: "/clone/delete", body: `{"vm_id":201}`, scope: ScopeAdmin},
			"Container 201 successfully deleted", func(t *testing.T, _ []byte) { wantGone(t, api.sim, 201) }},
		{"delete lxc_id", testRequest{method: "DELETE", target: "/clone/delete", body: `{"lxc_id":202}`, scope: ScopeAdmin},
			"Container 202 successfully deleted", func(t *testing.T, _ []byte) { wantGone(t, api.sim, 202) }},
		{"delete container_id", testRequest{method: "DELETE", target: "/clone/delete", body: `{"container_id":203}`, scope: ScopeAdmin},
			"Container 203 successfully deleted", func(t *testing.T, _ []byte) { wantGone(t, api.sim, 203) }},
		{"vm status", testRequest{method: "GET", target: "/resource/vm/status?vm_id=101", scope: ScopeRead},
			"Status of container 101: stopped", func(t *testing.T, data []byte) { wantContainerData(t, data, 101, 3, 2048, "stopped") }},
		{"lxc status lxc_id", testRequest{method: "GET", target: "/resource/lxc/status?lxc_id=104", scope: ScopeRead},
			"Status of container 104: running", func(t *testing.T, data []byte) { wantContainerData(t, data, 104, 1, 768, "running") }},
		{"lxc config lxc_id", testRequest{method: "GET", target: "/resource/lxc/config?lxc_id=102", scope: ScopeRead},
			"Configuration of container 102", func(t *testing.T, data []byte) { wantContainerData(t, data, 102, 2, 4096, "running") }},
		{"vm config vm_id", testRequest{method: "GET", target: "/resource/vm/config?vm_id=101", scope: ScopeRead},
			"Configuration of container 101", func(t *testing.T, data []byte) { wantContainerData(t, data, 101, 3, 2048, "stopped") }},
		{"node status", testRequest{method: "GET", target: "/resource/node/status?node_name=pve2", scope: ScopeRead},
			"Status of node pve2: online", func(t *testing.T, data []byte) {
				var n compat.NodeData
				mustUnmarshal(t, data, &n)
				if n.Name != "pve2" || !n.Online || n.CPUs == 0 || n.MemoryBytes == 0 {
					t.Errorf("node data %s: want pve2 online with its capacity", data)
				}
			}},
		{"cluster status", testRequest{method: "GET", target: "/resource/cluster/status", scope: ScopeRead},
			"Cluster of 2 nodes, 2 online", func(t *testing.T, data []byte) {
				var cl compat.ClusterData
				mustUnmarshal(t, data, &cl)
				if cl.Nodes != 2 || cl.NodesOnline != 2 || len(cl.Members) != 2 || cl.Members[0].Name != "pve1" {
					t.Errorf("cluster data %s: want pve1 and pve2 online", data)
				}
			}},
	}
	for _, st := range steps {
		rec := api.do(t, st.req)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %s %s = %d %s; want 200", st.name, st.req.method, st.req.target, rec.Code, rec.Body)
		}
		b := decodeCompat(t, rec)
		if b.Status != "success" || b.Message != st.message {
			t.Errorf("%s: envelope status %q message %q; want success %q", st.name, b.Status, b.Message, st.message)
		}
		if len(b.Data) == 0 || b.Data[0] != '{' {
			t.Errorf("%s: data %s; want a JSON object", st.name, b.Data)
		}
		if st.check != nil {
			st.check(t, b.Data)
		}
	}
}

func mustUnmarshal(t testing.TB, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", data, err)
	}
}

func wantConf(t testing.TB, sim *pvesim.Sim, vmid int, key, want string) {
	t.Helper()
	st, ok := sim.Container(vmid)
	if !ok {
		t.Fatalf("container %d missing in the cluster", vmid)
	}
	if got := st.Config[key]; got != want {
		t.Errorf("container %d %s = %q; want %q", vmid, key, got, want)
	}
}

func wantRootFSSize(t testing.TB, sim *pvesim.Sim, vmid int, size string) {
	t.Helper()
	st, _ := sim.Container(vmid)
	if !strings.Contains(st.Config["rootfs"], "size="+size) {
		t.Errorf("container %d rootfs %q; want size=%s", vmid, st.Config["rootfs"], size)
	}
}

func wantSnapshots(t testing.TB, data []byte, names ...string) {
	t.Helper()
	var d struct {
		VMID      int                   `json:"vm_id"`
		Snapshots []compat.SnapshotData `json:"snapshots"`
	}
	mustUnmarshal(t, data, &d)
	var got []string
	for _, s := range d.Snapshots {
		got = append(got, s.Name)
		if s.Time == nil {
			t.Errorf("snapshot %s has no time", s.Name)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, names) || d.Snapshots == nil {
		t.Errorf("snapshots %v (data %s); want %v", got, data, names)
	}
}

func wantClone(t testing.TB, sim *pvesim.Sim, data []byte, from, to int, hostname string) {
	t.Helper()
	var d map[string]any
	mustUnmarshal(t, data, &d)
	if d["new_vm_id"] != float64(to) || d["new_lxc_id"] != float64(to) || d["vm_id"] != float64(from) ||
		d["hostname"] != hostname || d["snapshot_removed"] != true || d["started"] != true {
		t.Errorf("clone data %s: want %d -> %d named %s, snapshot removed, started", data, from, to, hostname)
	}
	wantConf(t, sim, to, "hostname", hostname)
	if clone, ok := sim.Container(to); !ok || !clone.Running {
		t.Errorf("clone %d is not running, as the original left it", to)
	}
	src, _ := sim.Container(from)
	for k := range src.Config {
		if strings.Contains(k, "snapshot-"+strconv.Itoa(to)) {
			t.Errorf("container %d still holds the clone's snapshot (%s)", from, k)
		}
	}
	snaps := snapshotNames(t, sim, from)
	if slices.Contains(snaps, "snapshot-"+strconv.Itoa(to)) {
		t.Errorf("container %d snapshots %v: the clone's snapshot was not removed", from, snaps)
	}
}

// snapshotNames reads the snapshots from the cluster state.
func snapshotNames(t testing.TB, sim *pvesim.Sim, vmid int) []string {
	t.Helper()
	st, _ := sim.Container(vmid)
	return st.Snapshots
}

func wantGone(t testing.TB, sim *pvesim.Sim, vmid int) {
	t.Helper()
	if _, ok := sim.Container(vmid); ok {
		t.Errorf("container %d still exists", vmid)
	}
}

func wantContainerData(t testing.TB, data []byte, vmid, cores, memoryMB int, status string) {
	t.Helper()
	var c compat.ContainerData
	mustUnmarshal(t, data, &c)
	if c.VMID != vmid || c.LXCID != vmid || c.Cores == nil || *c.Cores != cores || c.MemoryMB != memoryMB || c.Status != status || c.Node == "" {
		t.Errorf("container data %s: want vm_id=lxc_id=%d cores=%d memory_mb=%d %s", data, vmid, cores, memoryMB, status)
	}
}

// TestCompatValidationListsEveryField checks that each bad input is a 400
// in the original's shape naming every failing field, and that nothing
// reaches the cluster.
func TestCompatValidationListsEveryField(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{})
	tests := []struct {
		name   string
		req    testRequest
		status int
		errors []string // substrings, one per expected error, in order
	}{
		{"every field of cores", testRequest{method: "POST", target: "/scale/cores", body: `{"vm_id":5,"cores":999,"foo":1}`},
			400, []string{"Container ID must be between 100 and 999999999, got 5", "Cores must be between 1 and 128, got 999", `Unknown field: "foo"`}},
		{"missing fields", testRequest{method: "POST", target: "/scale/ram", body: `{}`},
			400, []string{"vm_id is required (or lxc_id, container_id)", "memory is required"}},
		{"memory and id types", testRequest{method: "POST", target: "/scale/ram", body: `{"lxc_id":"abc","memory":32}`},
			400, []string{`lxc_id must be an integer, got "abc"`, "Memory must be between 64 and 1048576 MB, got 32"}},
		{"disk size", testRequest{method: "POST", target: "/scale/storage/increase", body: `{"vm_id":101,"disk_size":10241}`},
			400, []string{"Disk size must be between 1 and 10240 GB, got 10241"}},
		{"fractional number", testRequest{method: "POST", target: "/scale/cores", body: `{"vm_id":101.5,"cores":true}`},
			400, []string{"vm_id must be an integer", "cores must be an integer, got true"}},
		{"snapshot name", testRequest{method: "POST", target: "/snapshot/create", body: `{"vm_id":101,"snapshot_name":"-bad"}`},
			400, []string{`Snapshot name must be 1 to 40 letters, digits, _ or - and not start with -, got "-bad"`}},
		{"snapshot name Proxmox refuses", testRequest{method: "POST", target: "/snapshot/rollback", body: `{"vm_id":101,"snapshot_name":"1st"}`},
			400, []string{"Proxmox VE's rule"}},
		{"snapshot name not a string", testRequest{method: "POST", target: "/snapshot/create", body: `{"vm_id":101,"snapshot_name":12}`},
			400, []string{"snapshot_name must be a string, got 12"}},
		{"clone fields", testRequest{method: "POST", target: "/clone/create", body: `{"vm_id":101,"new_lxc_id":99,"hostname":"-x_"}`},
			400, []string{"New container ID must be between 100 and 999999999, got 99", `Hostname must be an RFC 1123 host name`}},
		{"clone onto itself", testRequest{method: "POST", target: "/clone/create", body: `{"vm_id":101,"new_vm_id":101}`},
			400, []string{"New container ID must differ"}},
		{"aliases disagree", testRequest{method: "DELETE", target: "/clone/delete", body: `{"vm_id":101,"lxc_id":102}`},
			400, []string{"vm_id and lxc_id disagree"}},
		{"node name", testRequest{method: "GET", target: "/resource/node/status?node_name=pve1%3Brm%20-rf"},
			400, []string{"Node name must be"}},
		{"query given twice", testRequest{method: "GET", target: "/snapshot/list?vm_id=101&vm_id=102"},
			400, []string{"vm_id is given 2 times"}},
		{"unknown query field", testRequest{method: "GET", target: "/resource/vm/status?vm_id=101&api_key=x"},
			400, []string{`Unknown field: "api_key"`}},
		{"query string ignored for POST", testRequest{method: "POST", target: "/scale/cores?vm_id=101&cores=2", body: `{}`},
			400, []string{"vm_id is required", "cores is required"}},
		{"form post", testRequest{method: "POST", target: "/scale/cores", body: "vm_id=101&cores=2", contentType: "application/x-www-form-urlencoded"},
			415, []string{"Content-Type must be application/json"}},
		{"no body", testRequest{method: "POST", target: "/scale/cores", contentType: "application/json"},
			400, []string{"Request body must be a JSON object"}},
		{"array body", testRequest{method: "POST", target: "/scale/cores", body: `[1,2]`},
			400, []string{"Request body must be a JSON object"}},
		{"two JSON values", testRequest{method: "POST", target: "/scale/cores", body: `{"vm_id":101,"cores":2}{}`},
			400, []string{"one JSON object only"}},
	}
	api.sim.ResetRequests()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.scope = ScopeAdmin
			rec := api.do(t, tt.req)
			b := decodeCompat(t, rec)
			if rec.Code != tt.status || b.Status != "error" {
				t.Fatalf("%s %s = %d %s; want %d and status error", tt.req.method, tt.req.target, rec.Code, rec.Body, tt.status)
			}
			if tt.status == 400 && b.Message != "Validation failed" {
				t.Errorf("message %q; want Validation failed", b.Message)
			}
			if len(b.Errors) != len(tt.errors) {
				t.Fatalf("errors %q; want %d: %q", b.Errors, len(tt.errors), tt.errors)
			}
			for i, want := range tt.errors {
				if !strings.Contains(b.Errors[i], want) {
					t.Errorf("error %d %q; want it to contain %q", i, b.Errors[i], want)
				}
			}
		})
	}
	if reqs := api.sim.Requests(); len(reqs) != 0 {
		t.Errorf("invalid requests reached the cluster: %d calls, first %s %s", len(reqs), reqs[0].Method, reqs[0].Path)
	}
}

// TestCompatErrorStatuses checks that Proxmox's answers map to meaningful
// statuses (the original answered 500 for all) in the envelope.
func TestCompatErrorStatuses(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{})
	if err := api.sim.SetLock(102, "backup"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		req    testRequest
		status int
	}{
		{"missing container", testRequest{method: "POST", target: "/scale/cores", body: `{"vm_id":999,"cores":2}`}, 404},
		{"missing container status", testRequest{method: "GET", target: "/resource/lxc/status?lxc_id=999"}, 404},
		{"missing node", testRequest{method: "GET", target: "/resource/node/status?node_name=pve9"}, 404},
		{"missing snapshot", testRequest{method: "POST", target: "/snapshot/rollback", body: `{"vm_id":101,"snapshot_name":"nope"}`}, 404},
		{"locked", testRequest{method: "POST", target: "/scale/cores", body: `{"vm_id":102,"cores":2}`}, 409},
		{"locked storage", testRequest{method: "POST", target: "/scale/storage/increase", body: `{"vm_id":102,"disk_size":1}`}, 409},
		{"protected", testRequest{method: "DELETE", target: "/clone/delete", body: `{"vm_id":103}`}, 409},
		{"clone onto an existing id", testRequest{method: "POST", target: "/clone/create", body: `{"vm_id":101,"new_vm_id":104}`}, 409},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.scope = ScopeAdmin
			rec := api.do(t, tt.req)
			b := decodeCompat(t, rec)
			if rec.Code != tt.status || b.Status != "error" || b.Message == "" {
				t.Errorf("%s %s = %d %s; want %d with status error and a message", tt.req.method, tt.req.target, rec.Code, rec.Body, tt.status)
			}
		})
	}
	if _, ok := api.sim.Container(103); !ok {
		t.Error("the protected container was deleted")
	}
	// The failed clone left no snapshot behind.
	if snaps := snapshotNames(t, api.sim, 101); slices.Contains(snaps, "snapshot-104") {
		t.Errorf("container 101 snapshots %v: the failed clone's snapshot was left", snaps)
	}
}

// compatScopes are the compatibility routes with a valid request each
// and the scope each needs.
func compatScopes() []struct {
	req   testRequest
	scope httpapi.Scope
} {
	return []struct {
		req   testRequest
		scope httpapi.Scope
	}{
		{testRequest{method: "POST", target: "/scale/cores", body: `{"vm_id":101,"cores":2}`}, ScopeOperate},
		{testRequest{method: "POST", target: "/scale/ram", body: `{"vm_id":101,"memory":1024}`}, ScopeOperate},
		{testRequest{method: "POST", target: "/scale/storage/increase", body: `{"vm_id":101,"disk_size":1}`}, ScopeOperate},
		{testRequest{method: "POST", target: "/snapshot/create", body: `{"vm_id":101,"snapshot_name":"matrix"}`}, ScopeOperate},
		{testRequest{method: "GET", target: "/snapshot/list?vm_id=101"}, ScopeRead},
		{testRequest{method: "POST", target: "/snapshot/rollback", body: `{"vm_id":101,"snapshot_name":"matrix"}`}, ScopeAdmin},
		{testRequest{method: "POST", target: "/clone/create", body: `{"vm_id":101,"new_vm_id":301,"new_vm_name":"m"}`}, ScopeAdmin},
		{testRequest{method: "DELETE", target: "/clone/delete", body: `{"vm_id":301}`}, ScopeAdmin},
		{testRequest{method: "GET", target: "/resource/vm/status?vm_id=101"}, ScopeRead},
		{testRequest{method: "GET", target: "/resource/lxc/status?vm_id=101"}, ScopeRead},
		{testRequest{method: "GET", target: "/resource/lxc/config?lxc_id=101"}, ScopeRead},
		{testRequest{method: "GET", target: "/resource/vm/config?lxc_id=101"}, ScopeRead},
		{testRequest{method: "GET", target: "/resource/node/status?node_name=pve1"}, ScopeRead},
		{testRequest{method: "GET", target: "/resource/cluster/status"}, ScopeRead},
		{testRequest{method: "GET", target: "/routes"}, ScopeRead},
		{testRequest{method: "GET", target: "/health/check"}, ScopeNone},
		{testRequest{method: "GET", target: "/healthz"}, ScopeNone},
		{testRequest{method: "GET", target: "/readyz"}, ScopeNone},
		{testRequest{method: "GET", target: "/metrics"}, ScopeRead},
	}
}

// TestCompatRouteScopeMatrix proves the auth of every route: without a
// token or with a wrong one 401, with a token one scope too low 403, with
// the scope 200 (the requests are valid and run in order).
func TestCompatRouteScopeMatrix(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{})
	for _, rt := range compatScopes() {
		name := rt.req.method + " " + rt.req.target
		if rt.scope == ScopeNone {
			rec := api.do(t, rt.req)
			if rec.Code != http.StatusOK {
				t.Errorf("%s without a token = %d %s; want 200 (public)", name, rec.Code, rec.Body)
			}
			continue
		}
		for _, tok := range []string{"", "not-a-token"} {
			req := rt.req
			req.scope, req.token = ScopeNone, tok
			rec := api.do(t, req)
			if rec.Code != http.StatusUnauthorized {
				t.Errorf("%s with token %q = %d; want 401", name, tok, rec.Code)
			}
			if rt.req.target != "/metrics" {
				if b := decodeCompat(t, rec); b.Status != "error" || b.Message == "" {
					t.Errorf("%s 401 body %s; want the envelope", name, rec.Body)
				}
			}
		}
		if rt.scope > ScopeRead {
			req := rt.req
			req.scope = rt.scope - 1
			if rec := api.do(t, req); rec.Code != http.StatusForbidden {
				t.Errorf("%s with scope %s = %d; want 403", name, rt.scope-1, rec.Code)
			}
		}
		for _, apiKey := range []bool{false, true} {
			req := rt.req
			req.scope, req.apiKey = rt.scope, apiKey
			if rec := api.do(t, req); rec.Code != http.StatusOK {
				t.Errorf("%s with scope %s (X-API-Key %v) = %d %s; want 200", name, rt.scope, apiKey, rec.Code, rec.Body)
			}
			if req.method != http.MethodGet {
				break // a write is made once
			}
		}
	}
	// A route of the table that is not in the matrix would go untested.
	tested := map[string]bool{}
	for _, rt := range compatScopes() {
		tested[strings.SplitN(rt.req.target, "?", 2)[0]] = true
	}
	for _, r := range compat.New(compat.Host{}).Routes() {
		if !tested[r.Path] {
			t.Errorf("route %s %s is not in the scope matrix", r.Method, r.Path)
		}
	}
}

// TestCompatRoutesList checks GET /routes: a bare array of every route,
// sorted by URL, with the original's endpoint names.
func TestCompatRoutesList(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{})
	rec := api.do(t, testRequest{method: "GET", target: "/routes", scope: ScopeRead})
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /routes = %d %s", rec.Code, rec.Body)
	}
	var routes []routeInfo
	mustUnmarshal(t, rec.Body.Bytes(), &routes)
	if !slices.IsSortedFunc(routes, func(a, b routeInfo) int { return strings.Compare(a.URL, b.URL) }) {
		t.Errorf("routes not sorted by url: %v", routes)
	}
	byURL := map[string]routeInfo{}
	for _, r := range routes {
		byURL[r.URL] = r
	}
	for url, want := range map[string]routeInfo{
		"/scale/cores":   {Endpoint: "set_cores", Methods: "POST"},
		"/clone/delete":  {Endpoint: "delete_container", Methods: "DELETE"},
		"/health/check":  {Endpoint: "health_check", Methods: "GET"},
		"/healthz":       {Endpoint: "healthz", Methods: "GET,HEAD"},
		"/snapshot/list": {Endpoint: "list_snapshots", Methods: "GET"},
	} {
		got := byURL[url]
		if got.Endpoint != want.Endpoint || got.Methods != want.Methods {
			t.Errorf("route %s = %+v; want endpoint %s methods %s", url, got, want.Endpoint, want.Methods)
		}
	}
}

// TestCompatStorageWaitsForTheTask checks that the storage route answers
// after the resize finished, and that a resize still running when the
// request times out is a 504 naming the task, not a success.
func TestCompatStorageWaitsForTheTask(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{
		// The clock stands still: tasks never finish on their own.
		sim:    func(o *pvesim.Options) { o.Speed = 0 },
		server: func(o *httpapi.Options) { o.RequestTimeout = 300 * time.Millisecond },
	})
	rec := api.do(t, testRequest{method: "POST", target: "/scale/storage/increase", body: `{"vm_id":101,"disk_size":1}`, scope: ScopeOperate})
	b := decodeCompat(t, rec)
	if rec.Code != http.StatusGatewayTimeout || b.Status != "error" || !strings.Contains(b.Message, "UPID:") {
		t.Errorf("resize that does not finish: %d %s; want 504 naming the task", rec.Code, rec.Body)
	}
	api.sim.FinishTasks()
	wantRootFSSize(t, api.sim, 101, "9G")
}

// TestCompatTaskFailure checks that a task ending in error is a 502 with
// its exit status.
func TestCompatTaskFailure(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{})
	api.sim.InjectFault(pvesim.Fault{Method: "POST", Route: "/nodes/{node}/lxc/{vmid}/snapshot", TaskExit: "snapshot failed: out of space"})
	rec := api.do(t, testRequest{method: "POST", target: "/snapshot/create", body: `{"vm_id":101,"snapshot_name":"full"}`, scope: ScopeOperate})
	b := decodeCompat(t, rec)
	if rec.Code != http.StatusBadGateway || !strings.Contains(b.Message, "out of space") {
		t.Errorf("failed snapshot task: %d %s; want 502 with the exit status", rec.Code, rec.Body)
	}
}
