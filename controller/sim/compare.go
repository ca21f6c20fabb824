package sim

import (
	"fmt"
	"runtime"

	"golang.org/x/sync/errgroup"
)

// WithBound sets q.LeastCoreWaste for tr, the trace q compares on, when
// ours wastes more cores there than legacy: whether any policy could have
// met the target (Unattainable). Elsewhere core waste is no miss, and the
// bound is not computed.
func (q *Comparison) WithBound(tr Trace, o Options) error {
	if q.Ours.WasteCoreHours <= q.Legacy.WasteCoreHours {
		return nil
	}
	least, err := LeastCoreWaste(tr, o, q.StarvationAllowed(), q.ActionsAllowed(), true)
	if err != nil {
		return err
	}
	q.LeastCoreWaste = &least
	return nil
}

// CompareTrace is ours against legacy on tr from Simulate's results,
// which must hold both: the trace as one scenario (whole, as a row of
// --all-scenarios) and each container alone (per, in tr's order), each
// with its bound (WithBound). A trace nobody tuned on is judged the way
// the built-in scenarios are, container by container too: a week of an
// API whose spikes reach the max every hour may be one that no policy
// can meet.
func CompareTrace(tr Trace, o Options, results []PolicyResult) (whole Comparison, per []Comparison, err error) {
	var legacy, ours *PolicyResult
	for i := range results {
		switch results[i].Policy {
		case PolicyLegacy:
			legacy = &results[i]
		case PolicyOurs:
			ours = &results[i]
		}
	}
	if legacy == nil || ours == nil {
		return whole, nil, fmt.Errorf("simulate: comparing needs the results of %s and %s", PolicyLegacy, PolicyOurs)
	}
	interval := Interval(tr, o.Interval)
	whole = Comparison{Name: "trace", Containers: len(tr.Containers), Legacy: legacy.Total, Ours: ours.Total, Interval: interval}
	per = make([]Comparison, len(tr.Containers))
	// The bounds are independent programs, seconds each on a week: as many
	// at once as there are CPUs.
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	g.Go(func() error { return whole.WithBound(tr, o) })
	for i, c := range tr.Containers {
		per[i] = Comparison{Name: fmt.Sprint(c.VMID), Containers: 1, Legacy: legacy.PerContainer[c.VMID], Ours: ours.PerContainer[c.VMID], Interval: interval}
		g.Go(func() error { return per[i].WithBound(Trace{Containers: tr.Containers[i : i+1]}, o) })
	}
	if err := g.Wait(); err != nil {
		return whole, nil, err
	}
	return whole, per, nil
}
