package proxmox

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

// A write whose answer never came may have landed; one PVE answered, or
// whose connection was refused, did not.
func TestMaybeAppliedTellsUnknownOutcomes(t *testing.T) {
	specs := []pvesim.ContainerSpec{{VMID: 101, Node: "pve1", Cores: 1, Workload: workload.Idle}}
	ref := Ref{Node: "pve1", VMID: 101}
	two := 2
	for _, tt := range []struct {
		name  string
		fault pvesim.Fault
		want  bool
	}{
		{"hang past the timeout", pvesim.Fault{Method: "PUT", Hang: true}, true},
		{"596 from the proxy", pvesim.Fault{Method: "PUT", Status: 596, Reason: "Connection timed out"}, true},
		{"595 connection refused", pvesim.Fault{Method: "PUT", Status: 595, Reason: "Connection refused"}, false},
		{"500 from PVE", pvesim.Fault{Method: "PUT", Status: 500, Reason: "CT is locked (backup)"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sim, c := newSimClient(t, pvesim.Options{Nodes: 1, Specs: specs}, func(o *Options) {
				o.Timeout = 300 * time.Millisecond
				o.Retry.Attempts = 1
			})
			cfg := mustConfig(t, c, ref)
			sim.InjectFault(tt.fault)
			err := c.UpdateConfig(context.Background(), ref, ConfigUpdate{Cores: &two, Digest: cfg.Digest})
			if err == nil {
				t.Fatal("the write succeeded through the fault")
			}
			if got := MaybeApplied(err); got != tt.want {
				t.Errorf("MaybeApplied(%v) = %v, want %v", err, got, tt.want)
			}
		})
	}
	t.Run("dial refused", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		c, _ := newTestClient(t, []string{"http://" + addr}, func(o *Options) { o.Retry.Attempts = 1 })
		err = c.UpdateConfig(context.Background(), ref, ConfigUpdate{Cores: &two, Digest: "0123456789abcdef0123456789abcdef01234567"})
		if err == nil || MaybeApplied(err) {
			t.Errorf("refused connection: err %v, MaybeApplied %v; want an error that is not ambiguous", err, MaybeApplied(err))
		}
	})
}
