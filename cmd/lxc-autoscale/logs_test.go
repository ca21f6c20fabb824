package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

// durationKey names a field that holds a time span: one of these words
// between underscores.
var durationKey = regexp.MustCompile(`(?i)(^|_)(took|duration|elapsed|interval|wait|backoff|timeout|delay|cooldown|age|rest|after|window)(_|$)`)

// Off a terminal (under systemd) every line of run is one JSON object with
// exactly one component, and every time span carries its unit: a Go
// duration string, or a number whose key says its unit (_seconds).
func TestRunLogsAreJSONWithOneComponentAndUnits(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{speed: 1, level: "debug", specs: []pvesim.ContainerSpec{
		{VMID: 120, Node: "pve1", Cores: 1, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Busy},
		{VMID: 121, Node: "pve2", Cores: 2, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Idle},
	}, env: []string{"LXCA_API_LISTEN=127.0.0.1:0"}})
	r := e.start("run")
	e.eventually(r, 30*time.Second, "a write", func() bool { return len(e.writes()) > 0 })
	e.awaitPasses(r, 1, "after the write")
	if code := r.stop(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	components := map[string]int{}
	for line := range strings.Lines(r.stderr.String()) {
		var fields map[string]any
		if err := json.Unmarshal([]byte(line), &fields); err != nil {
			t.Errorf("not a JSON object: %s", line)
			continue
		}
		if n := countKey(t, line, "component"); n != 1 {
			t.Errorf("%d component keys: %s", n, line)
			continue
		}
		components[fmt.Sprint(fields["component"])]++
		for k, v := range fields {
			if !durationKey.MatchString(k) || strings.HasSuffix(k, "_seconds") {
				continue
			}
			switch v := v.(type) {
			case float64:
				t.Errorf("%s is a bare number (%v) without a unit: %s", k, v, line)
			case string:
				if _, err := time.ParseDuration(v); err != nil {
					t.Errorf("%s = %q is not a duration with its unit: %s", k, v, line)
				}
			}
		}
	}
	for _, want := range []string{"daemon", "controller", "proxmox", "api"} {
		if components[want] == 0 {
			t.Errorf("no line of component %q (saw %v)", want, components)
		}
	}
	t.Logf("lines per component: %v", components)
}
