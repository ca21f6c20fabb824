package main

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller/lease"
)

// leaseGate is the proxmox client's WriteGate. The client is built before
// the command knows whether it elects (run and demo do; monitor, api and
// the one-shot commands do not), so the gate asks the elector set later,
// and lets writes through while none is set.
type leaseGate struct{ elector atomic.Pointer[lease.Elector] }

func (g *leaseGate) check(ctx context.Context) (time.Time, error) {
	if e := g.elector.Load(); e != nil {
		return e.Gate(ctx)
	}
	return time.Time{}, nil
}

// joinElection starts the election of the replicas through store and
// fences the writes of the client gate belongs to by it. stop ends it,
// releasing a held lease: call it once the loop has made its last write.
func joinElection(store lease.Store, gate *leaseGate, duration time.Duration, log zerolog.Logger, reg prometheus.Registerer,
	changed func(leading bool, holder, why string),
) (e *lease.Elector, stop func(), err error) {
	e, err = lease.New(lease.Options{Store: store, Duration: duration, Logger: log, Registerer: reg, OnChange: changed})
	if err != nil {
		return nil, nil, err
	}
	gate.elector.Store(e)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); e.Run(ctx) }()
	select { // bounded: an unreachable cluster must not hold the start
	case <-e.Ready():
	case <-time.After(duration / 3):
	}
	log.Info().Str("component", "lease").Str("holder", e.Identity()).Str("matcher", lease.DefaultName).Dur("lease_duration", duration).
		Msg("joining the leader election; only the leader writes to the cluster")
	return e, func() { cancel(); <-done }, nil
}
