package controller

// Lease is the leader election of replicas; controller/lease's Elector
// satisfies it.
type Lease interface {
	Leading() bool
	Leader() string // the holder as last read, "" when none
}

// Leadership reports, at the time of the call, whether this replica leads
// and who does ("" when it does not know, or alone without a Lease).
func (c *Controller) Leadership() (leading bool, leader string) {
	if c.opts.Lease == nil {
		return true, ""
	}
	return c.opts.Lease.Leading(), c.opts.Lease.Leader()
}
