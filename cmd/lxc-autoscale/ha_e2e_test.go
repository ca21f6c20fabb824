package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/lease"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

// Three replicas of the real binary, started with the same configuration
// (each with its own API address, state, audit and export files, and its
// own PVE token so that a fault can cut one off), through the failures a
// leader meets: kill -9, SIGSTOP past its lease and back, a partition.
// Judged from what the cluster saw: every write comes from the holder of
// the lease at that moment, a takeover comes within the bound, no change
// lands inside the cooldown of the previous one whoever made it, and
// scaling goes on in every phase.

const (
	haLease = 3 * time.Second // state.lease_duration: the minimum, to keep the test short
	// haCooldown is longer than a takeover: a new leader that did not
	// know the old one's last changes would break it.
	haCooldown = 3 * haLease
)

// haTakeoverBound is the lease, one follower read (a third of it), and
// slack for a loaded machine.
const haTakeoverBound = haLease + haLease/3 + time.Second

type haReplica struct {
	n     int
	token string
	cmd   *exec.Cmd
	log   string
}

func (r *haReplica) pid() int { return r.cmd.Process.Pid }

// startReplica starts replica n of the binary with its own token, API
// address, state, audit and export files.
func startReplica(t *testing.T, e *e2e, bin string, n int, token string) *haReplica {
	t.Helper()
	dir := filepath.Join(e.dir, "replica-"+strconv.Itoa(n))
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	r := &haReplica{n: n, token: token, log: filepath.Join(dir, "log")}
	env := append([]string{"PATH=" + os.Getenv("PATH"), "LXCA_PROXMOX_TOKEN_SECRET=" + e2eSecret,
		"LXCA_PROXMOX_TOKEN_ID=" + r.token, "LXCA_API_LISTEN=127.0.0.1:0",
		"LXCA_STATE_FILE=" + filepath.Join(dir, "state.json"), "LXCA_STATE_AUDIT_FILE=" + filepath.Join(dir, "audit.jsonl"),
		"LXCA_MONITOR_EXPORT_FILE=" + filepath.Join(dir, "lxc_metrics.json")}, e.env...)
	r.cmd = startRun(t, bin, e.conf, env, r.log)
	return r
}

// leaseEvent is a lease record PVE accepted, at its simulated time.
type leaseEvent struct {
	at  time.Time
	rec lease.Record
}

func leaseTimeline(sim *pvesim.Sim) []leaseEvent {
	var out []leaseEvent
	for _, q := range sim.Requests() {
		if q.Status != 200 || !strings.HasPrefix(q.Route, "/cluster/notifications/matchers") || q.Method == "GET" {
			continue
		}
		if rec, ok := lease.ParseRecord(q.Params.Get("comment")); ok {
			out = append(out, leaseEvent{q.Time, rec})
		}
	}
	return out
}

// holderAt is the lease record in force at t.
func holderAt(tl []leaseEvent, t time.Time) lease.Record {
	var rec lease.Record
	for _, ev := range tl {
		if ev.at.After(t) {
			break
		}
		rec = ev.rec
	}
	return rec
}

func holderPID(rec lease.Record) int {
	parts := strings.Split(rec.Holder, ":")
	if len(parts) != 3 {
		return 0
	}
	pid, _ := strconv.Atoi(parts[1])
	return pid
}

// containerWrites are the requests that change a container, whatever
// PVE answered.
func containerWrites(sim *pvesim.Sim) []pvesim.Request {
	var out []pvesim.Request
	for _, q := range sim.Requests() {
		if q.Method != "GET" && strings.HasPrefix(q.Route, "/nodes/{node}/lxc/{vmid}") {
			out = append(out, q)
		}
	}
	return out
}

func TestE2EThreeReplicasOneActorThroughFailures(t *testing.T) {
	t.Parallel()
	// Idle containers shrink a core at a time from 16, busy ones grow:
	// enough changes for the whole run.
	specs := climbingSpecs(4, 8, 16)
	tokens := []string{"autoscale@pve!ha0", "autoscale@pve!ha1", "autoscale@pve!ha2", "autoscale@pve!ha3", "autoscale@pve!ha4"}
	e := newE2E(t, e2eOptions{speed: 1, specs: specs, nodes: 3, tokens: tokens, env: []string{
		"LXCA_SCALING_CPU_MAX=16",
		"LXCA_SCALING_COOLDOWN_UP=" + haCooldown.String(),
		"LXCA_SCALING_COOLDOWN_DOWN=" + haCooldown.String(),
		"LXCA_SCALING_STABILIZATION_UP=1s",
		"LXCA_SCALING_STABILIZATION_DOWN=1s",
		"LXCA_SCALING_MEMORY_ENABLED=false",
		"LXCA_SCALING_DISK_ENABLED=false",
		"LXCA_STATE_LEASE_DURATION=" + haLease.String(),
	}})
	bin := buildBinary(t)
	var replicas []*haReplica
	start := func() *haReplica {
		t.Helper()
		r := startReplica(t, e, bin, len(replicas), tokens[len(replicas)])
		replicas = append(replicas, r)
		return r
	}
	byPID := func(pid int) *haReplica {
		for _, r := range replicas {
			if r.pid() == pid {
				return r
			}
		}
		return nil
	}
	logs := func() string {
		var b strings.Builder
		for _, r := range replicas {
			out, _ := os.ReadFile(r.log)
			fmt.Fprintf(&b, "--- replica %d (%s, pid %d):\n%s\n", r.n, r.token, r.pid(), tail(string(out), 25))
		}
		return b.String()
	}
	// leaderAfter waits for a holder other than not, acquired after since,
	// and says how long after since it took over.
	leaderAfter := func(since time.Time, not *haReplica, what string) (*haReplica, time.Duration) {
		t.Helper()
		deadline := time.Now().Add(4 * haTakeoverBound)
		for time.Now().Before(deadline) {
			for _, ev := range leaseTimeline(e.sim) {
				if ev.at.Before(since) || ev.rec.Holder == "" {
					continue
				}
				if r := byPID(holderPID(ev.rec)); r != nil && r != not {
					return r, ev.at.Sub(since)
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("%s: no other replica took the lease within %s\n%s", what, 4*haTakeoverBound, logs())
		return nil, 0
	}
	// writesBy waits until r has landed n more config writes than now.
	awaitWritesBy := func(r *haReplica, n int, what string) {
		t.Helper()
		count := func() int {
			c := 0
			for _, q := range landedConfigWrites(e.sim) {
				if q.Token == r.token {
					c++
				}
			}
			return c
		}
		want := count() + n
		deadline := time.Now().Add(20 * time.Second)
		for count() < want {
			if time.Now().After(deadline) {
				t.Fatalf("%s: replica %d landed no %d writes within 20 s: scaling stopped\n%s", what, r.n, n, logs())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	for range 3 {
		start()
	}
	first, _ := leaderAfter(time.Time{}, nil, "start")
	awaitWritesBy(first, 2, "first leader")
	time.Sleep(2 * haLease) // renewals, and changes right before the kill

	// 1. kill -9 the leader; a fourth replica replaces it later.
	killedAt := e.sim.Clock().Now()
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.cmd.Wait()
	second, took := leaderAfter(killedAt, first, "after kill -9")
	t.Logf("kill -9: replica %d took over %s after the kill", second.n, took.Round(time.Millisecond))
	if took > haTakeoverBound {
		t.Errorf("takeover after kill -9 took %s, want within %s", took, haTakeoverBound)
	}
	awaitWritesBy(second, 2, "after kill -9")
	// The new replica is young at the next takeover: when it wins, it has
	// watched for less than a cooldown, and the changes made before its
	// first listing show in none of its listings.
	start()
	time.Sleep(haLease / 3)

	// 2. SIGSTOP the leader past its lease, then let it run again.
	stoppedAt := e.sim.Clock().Now()
	stoppedEpoch := holderAt(leaseTimeline(e.sim), stoppedAt).Epoch
	if err := second.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	third, took := leaderAfter(stoppedAt, second, "after SIGSTOP")
	t.Logf("SIGSTOP: replica %d took over %s after the stop", third.n, took.Round(time.Millisecond))
	if took > haTakeoverBound {
		t.Errorf("takeover after SIGSTOP took %s, want within %s", took, haTakeoverBound)
	}
	awaitWritesBy(third, 2, "while the old leader is stopped")
	time.Sleep(haLease) // stopped well past its lease
	if err := second.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	resumedAt := e.sim.Clock().Now()
	awaitWritesBy(third, 2, "after the old leader resumed")
	time.Sleep(2 * haLease)

	// 3. Cut the leader off the cluster (its requests hang), then heal.
	cutAt := e.sim.Clock().Now()
	e.sim.InjectFault(pvesim.Fault{Token: third.token, Hang: true})
	fourth, took := leaderAfter(cutAt, third, "after the partition")
	t.Logf("partition: replica %d took over %s after the cut", fourth.n, took.Round(time.Millisecond))
	if took > haTakeoverBound {
		t.Errorf("takeover after the partition took %s, want within %s", took, haTakeoverBound)
	}
	awaitWritesBy(fourth, 2, "while the old leader is cut off")
	time.Sleep(haLease)
	e.sim.ClearFaults()
	awaitWritesBy(fourth, 3, "after the partition healed")
	time.Sleep(2 * haLease)

	// The verdict, from the cluster's request log.
	tl := leaseTimeline(e.sim)
	for _, w := range containerWrites(e.sim) {
		rec := holderAt(tl, w.Time)
		holder := byPID(holderPID(rec))
		if holder == nil || holder.token != w.Token {
			t.Errorf("%s %s (status %d) at %s by %s while the lease was held by %q (epoch %d): a write by a non-leader",
				w.Method, w.Path, w.Status, w.Time.Format("15:04:05.000"), w.Token, rec.Holder, rec.Epoch)
		}
	}
	// The replica stopped past its lease writes again only under an epoch
	// it acquired after it resumed.
	for _, w := range containerWrites(e.sim) {
		if rec := holderAt(tl, w.Time); w.Token == second.token && w.Time.After(resumedAt) && rec.Epoch <= stoppedEpoch {
			t.Errorf("the replica resumed after SIGSTOP wrote %s %s under its old epoch %d", w.Method, w.Path, rec.Epoch)
		}
	}
	writes := landedConfigWrites(e.sim)
	breaks, reversals := cooldownBreaks(t, specs, writes, haCooldown, haCooldown)
	for _, b := range breaks {
		t.Errorf("changed inside its cooldown across a takeover: %s", b)
	}
	epochs := map[uint64]bool{}
	for _, ev := range tl {
		epochs[ev.rec.Epoch] = true
	}
	t.Logf("%d config writes landed, %d inside a cooldown (%d reversals); %d lease records in %d epochs",
		len(writes), len(breaks), reversals, len(tl), len(epochs))
	if t.Failed() {
		t.Log(logs())
		var b strings.Builder
		for _, w := range writes {
			fmt.Fprintf(&b, "%s %s cores=%s by %s\n", w.Time.Format("15:04:05.000"), w.Path, w.Params.Get("cores"), w.Token)
		}
		for i, ev := range tl {
			if i == 0 || ev.rec.Epoch != tl[i-1].rec.Epoch || ev.rec.Holder != tl[i-1].rec.Holder {
				fmt.Fprintf(&b, "%s lease epoch %d holder %q\n", ev.at.Format("15:04:05.000"), ev.rec.Epoch, ev.rec.Holder)
			}
		}
		t.Logf("landed writes and lease holders:\n%s", b.String())
	}

}
