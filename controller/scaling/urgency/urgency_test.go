package urgency

import (
	"slices"
	"testing"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

func decision(vmid int, node string, mode scaling.Mode, changes ...scaling.Change) scaling.Decision {
	return scaling.Decision{VMID: vmid, Node: node, Mode: mode, Changes: changes}
}

func change(dir scaling.Direction, res scaling.Resource, from, to int64) scaling.Change {
	return scaling.Change{Resource: res, Direction: dir, From: from, To: to}
}

func TestOrder(t *testing.T) {
	ds := []scaling.Decision{
		decision(9, "a", scaling.ModeEnforce),
		decision(8, "a", scaling.ModeEnforce, change(scaling.Down, scaling.ResourceCores, 2, 1)),
		decision(7, "a", scaling.ModeEnforce, change(scaling.Up, scaling.ResourceSwap, 1, 2)),
		decision(6, "a", scaling.ModeEnforce, change(scaling.Up, scaling.ResourceCores, 1, 2)),
		decision(5, "a", scaling.ModeEnforce, change(scaling.Up, scaling.ResourceCores, 1, 2)),
		decision(4, "a", scaling.ModeEnforce, change(scaling.Down, scaling.ResourceCores, 2, 1), change(scaling.Up, scaling.ResourceMemory, 1, 2)),
		decision(3, "a", scaling.ModeEnforce, change(scaling.Up, scaling.ResourceCores, 1, 2), change(scaling.Up, scaling.ResourceDisk, 1, 2)),
		decision(2, "a", scaling.ModeEnforce, change(scaling.Up, scaling.ResourceCores, 1, 2)),
		decision(1, "a", scaling.ModeEnforce, change(scaling.Down, scaling.ResourceMemory, 2, 1)),
	}
	pressure := map[int]float64{6: 0.9, 5: 0.95, 2: 0.9}
	tests := []struct {
		name     string
		pressure func(scaling.Decision) float64
		want     []int
	}{
		{"by class, then pressure, then vmid", func(d scaling.Decision) float64 { return pressure[d.VMID] }, []int{3, 4, 5, 2, 6, 7, 1, 8, 9}},
		{"no pressure: by class, then vmid", nil, []int{3, 4, 2, 5, 6, 7, 1, 8, 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idx := make([]int, len(ds))
			for i := range idx {
				idx[i] = i
			}
			var pressure func(int, *scaling.Decision) float64
			if tt.pressure != nil {
				pressure = func(_ int, d *scaling.Decision) float64 { return tt.pressure(*d) }
			}
			Order(ds, idx, pressure)
			var got []int
			for _, i := range idx {
				got = append(got, ds[i].VMID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("order = %v, want %v", got, tt.want)
			}
		})
	}
}
