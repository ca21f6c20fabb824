package room

import "testing"

func TestLimits(t *testing.T) {
	const gib = 1 << 30
	n := NodeCapacity{Node: "pve1", CPUs: 8, MemoryBytes: 16 * gib}
	for _, tt := range []struct {
		name         string
		o            GuardOptions
		cores, bytes float64
	}{
		{"no options: all of it", GuardOptions{}, 8, 16 * gib},
		{"reserve, then overcommit", GuardOptions{OvercommitCPU: 4, OvercommitMemory: 1.5, ReserveCores: 1, ReserveMemory: 2 * gib}, 28, 21 * gib},
		{"a reserve above the node leaves nothing", GuardOptions{ReserveCores: 9, ReserveMemory: 17 * gib}, 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cores, bytes := tt.o.WithDefaults().Limits(n)
			if cores != tt.cores || bytes != tt.bytes {
				t.Errorf("Limits = %v cores, %v bytes; want %v, %v", cores, bytes, tt.cores, tt.bytes)
			}
		})
	}
}
