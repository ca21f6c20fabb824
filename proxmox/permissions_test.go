package proxmox

import (
	"context"
	"slices"
	"testing"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

// Permissions reads the token's effective privileges on one path, with
// what it inherits, from the simulator's ACLs.
func TestPermissionsOfTheClientsToken(t *testing.T) {
	t.Parallel()
	_, c := newSimClient(t, pvesim.Options{Nodes: 1, Containers: 1, Privileges: map[string]map[string][]string{
		testTokenID: {"/": {"Sys.Audit"}, "/vms": {"VM.Audit", "VM.Config.CPU"}},
	}}, nil)
	ctx := context.Background()
	for path, want := range map[string][]string{
		"/vms":     {"Sys.Audit", "VM.Audit", "VM.Config.CPU"},
		"/vms/100": {"Sys.Audit", "VM.Audit", "VM.Config.CPU"},
		"/storage": {"Sys.Audit"},
	} {
		got, err := c.Permissions(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("Permissions(%s) = %v, want %v", path, got, want)
		}
	}
}
