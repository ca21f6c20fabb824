package main

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

// A leader whose writes to a container keep failing backs off (30 s, then
// a minute); the follower sees the change wanted and never made. Killed
// after its second failure, the leader is replaced by the follower, which
// must wait out the rest of that backoff (the old ladder's next retry is
// 90 s after its first failure) rather than write at once.
func TestE2ETakeoverKeepsWriteBackoffs(t *testing.T) {
	t.Parallel()
	specs := climbingSpecs(1, 0, 0) // 301, busy: wants a core more every pass
	tokens := []string{"autoscale@pve!hb0", "autoscale@pve!hb1"}
	e := newE2E(t, e2eOptions{speed: 1, specs: specs, nodes: 1, tokens: tokens, env: []string{
		"LXCA_SCALING_CPU_MAX=16",
		"LXCA_SCALING_STABILIZATION_UP=1s",
		"LXCA_SCALING_MEMORY_ENABLED=false",
		"LXCA_SCALING_DISK_ENABLED=false",
		"LXCA_STATE_LEASE_DURATION=" + haLease.String(),
	}})
	// Every config write fails, as on a node whose pmxcfs refuses them.
	e.sim.InjectFault(pvesim.Fault{Method: "PUT", Route: "/nodes/{node}/lxc/{vmid}/config", Status: 500, Reason: "simulated failure"})
	bin := buildBinary(t)
	replicas := []*haReplica{startReplica(t, e, bin, 0, tokens[0]), startReplica(t, e, bin, 1, tokens[1])}
	logs := func() string {
		var b strings.Builder
		for _, r := range replicas {
			out, _ := os.ReadFile(r.log)
			b.WriteString("--- " + r.token + ":\n" + tail(string(out), 25) + "\n")
		}
		return b.String()
	}
	failedWrites := func() (out []pvesim.Request) {
		for _, q := range containerWrites(e.sim) {
			if q.Status == 500 {
				out = append(out, q)
			}
		}
		return out
	}
	deadline := time.Now().Add(70 * time.Second)
	for len(failedWrites()) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the leader made %d failed writes within 70 s, want 2 (30 s apart)\n%s", len(failedWrites()), logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
	failed := failedWrites()
	first, second := failed[0], failed[1]
	if gap := second.Time.Sub(first.Time); gap < 29*time.Second {
		t.Fatalf("the leader retried %s after a failure, want its 30 s backoff", gap)
	}
	// A faulted request carries no token in the log: the holder of the
	// lease at the time made it.
	var leader, follower *haReplica
	for _, r := range replicas {
		if r.pid() == holderPID(holderAt(leaseTimeline(e.sim), first.Time)) {
			leader = r
		} else {
			follower = r
		}
	}
	if leader == nil || follower == nil {
		t.Fatalf("the failed writes came from no replica\n%s", logs())
	}
	time.Sleep(3 * time.Second) // the follower's run passes 30 s with room
	killedAt := e.sim.Clock().Now()
	if err := leader.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	leader.cmd.Wait()
	// The follower takes over within haTakeoverBound; watch it for 20 s
	// more, well before the old ladder's retry at first + 90 s.
	watchEnd := killedAt.Add(haTakeoverBound + 20*time.Second)
	if retry := first.Time.Add(90 * time.Second); watchEnd.After(retry) {
		t.Fatalf("the watch ends at %s, past the old ladder's retry at %s: the test is too slow", watchEnd, retry)
	}
	for e.sim.Clock().Now().Before(watchEnd) {
		time.Sleep(100 * time.Millisecond)
	}
	out, _ := os.ReadFile(follower.log)
	if !strings.Contains(string(out), "became leader") {
		t.Fatalf("the follower did not take over\n%s", logs())
	}
	if !strings.Contains(string(out), "took over write backoffs") {
		t.Errorf("the new leader did not log the backoffs it took over\n%s", logs())
	}
	for _, q := range containerWrites(e.sim) { // the old leader is dead: any is the new one's
		if q.Time.After(killedAt) {
			t.Errorf("the new leader wrote %s %s at %s, %s after the old one's first failure: inside its backoff\n%s",
				q.Method, q.Path, q.Time.Format("15:04:05.000"), q.Time.Sub(first.Time).Round(time.Millisecond), logs())
			break
		}
	}
	t.Logf("failed writes at %s and %s by %s; killed at %s; no write by the new leader until %s",
		first.Time.Format("15:04:05"), second.Time.Format("15:04:05"), leader.token, killedAt.Format("15:04:05"), watchEnd.Format("15:04:05"))
}
