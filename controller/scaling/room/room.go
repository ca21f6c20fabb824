package room

// NodeCapacity is what a node offers its containers, from proxmox.Node.
type NodeCapacity struct {
	Node        string
	CPUs        int    // threads
	MemoryBytes uint64 // total
}

// Allocated is what a node has given its running containers: the sum of
// their cores (fractional when a cpulimit caps them) and memory limits.
type Allocated struct {
	Cores       float64
	MemoryBytes uint64
}

// GuardOptions configure a Guard.
type GuardOptions struct {
	// OvercommitCPU and OvercommitMemory multiply what the node has, less
	// the reserve, into what its containers may be given; <= 0 means 1 (no
	// overcommit).
	OvercommitCPU, OvercommitMemory float64
	// ReserveCores and ReserveMemory are kept for the host.
	ReserveCores  int
	ReserveMemory uint64
	// MaxWritesPerPass bounds the decisions that write in one pass, across
	// the cluster; <= 0 means no bound.
	MaxWritesPerPass int
}

// WithDefaults is o with an overcommit <= 0 as 1.
func (o GuardOptions) WithDefaults() GuardOptions {
	if o.OvercommitCPU <= 0 {
		o.OvercommitCPU = 1
	}
	if o.OvercommitMemory <= 0 {
		o.OvercommitMemory = 1
	}
	return o
}

// Limits are the cores and memory bytes that n's containers may be given
// under o (WithDefaults'): what n has less the reserve (none below 0),
// times the overcommit. Floats: cores may be fractional, and bytes stay
// exact up to 8 PiB.
func (o GuardOptions) Limits(n NodeCapacity) (cores, memory float64) {
	c := max(n.CPUs-o.ReserveCores, 0)
	m := n.MemoryBytes - min(o.ReserveMemory, n.MemoryBytes)
	return float64(c) * o.OvercommitCPU, float64(m) * o.OvercommitMemory
}
