package controller

import (
	"cmp"
	"slices"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/policies"
)

// What other goroutines (the API, SIGHUP) hand the loop: policies, pauses
// and manual changes, taken under policyMu and applied by the next pass,
// and the bounds of a container as of the latest pass.

// Reload replaces the policies and guards, for SIGHUP. The next pass uses
// them; a pass in progress finishes with the old ones.
func (c *Controller) Reload(sel policies.Selection, guard scaling.GuardOptions) {
	c.policyMu.Lock()
	defer c.policyMu.Unlock()
	c.selection, c.guard = sel, scaling.NewGuard(guard)
}

// SetPaused pauses or resumes autoscaling of a container from the next
// pass on; the pause is kept in the state file. Safe from any goroutine.
func (c *Controller) SetPaused(vmid int, paused bool) {
	c.policyMu.Lock()
	defer c.policyMu.Unlock()
	if c.pauses == nil {
		c.pauses = map[int]bool{}
	}
	c.pauses[vmid] = paused
}

// manualChange is a resource change an operator made through the API.
type manualChange struct {
	vmid     int
	outcomes []scaling.Outcome
	at       time.Time
	seq      uint64 // of its journal record; 0 when not journaled
}

// RecordManual notes resource changes made through the API, so that their
// cooldowns hold for the loop too: a manual increase is not undone by the
// next pass. Safe from any goroutine; applied at the next pass.
func (c *Controller) RecordManual(vmid int, outcomes []scaling.Outcome) {
	c.policyMu.Lock()
	defer c.policyMu.Unlock()
	at := c.now()
	c.manual = append(c.manual, manualChange{vmid: vmid, outcomes: outcomes, at: at, seq: c.journalManual(vmid, outcomes, at)})
}

// Bounds returns the policy and rules that apply to a container as of the
// latest pass, for the API's manual operations; ok is false for a
// container the loop has not seen or does not manage (ignored, opted
// out). The rules' CPU max is at most what can help the container (its
// node's threads, ceil(cpulimit)), as in the loop's own decisions. Safe
// from any goroutine.
func (c *Controller) Bounds(vmid int) (policy string, rules scaling.Rules, ok bool) {
	snap := c.Snapshot()
	i, found := slices.BinarySearchFunc(snap.Containers, vmid, func(v ContainerView, id int) int { return cmp.Compare(v.VMID, id) })
	if !found {
		return "", scaling.Rules{}, false
	}
	v := snap.Containers[i]
	sel, _ := c.policies()
	policy, rules, excluded := sel.Select(vmid, v.Tags, v.Pool)
	if v.CoresMax > 0 && v.CoresMax < rules.CPU.Max {
		rules.CPU.Max = v.CoresMax
		rules.CPU.Min = min(rules.CPU.Min, v.CoresMax)
	}
	return policy, rules, excluded == ""
}

// applyRequests moves the pause requests and the manual changes into the
// state.
func (c *Controller) applyRequests() {
	c.policyMu.Lock()
	pauses, manual := c.pauses, c.manual
	c.pauses, c.manual = nil, nil
	c.policyMu.Unlock()
	for _, m := range manual {
		st := c.state.Containers[m.vmid]
		if st == nil {
			st = &scaling.ContainerState{}
			c.state.Containers[m.vmid] = st
		}
		st.Record(m.outcomes, m.at, scaling.DefaultBackoff)
		c.journalSeq = max(c.journalSeq, m.seq)
		c.stateDirty = true
	}
	for vmid, paused := range pauses {
		st := c.state.Containers[vmid]
		if st == nil {
			st = &scaling.ContainerState{}
			c.state.Containers[vmid] = st
		}
		if st.Paused != paused {
			st.Paused = paused
			c.stateDirty = true
			c.log.Info().Int("vmid", vmid).Bool("paused", paused).Msg("autoscaling of a container paused or resumed")
		}
	}
}

func (c *Controller) policies() (policies.Selection, *scaling.Guard) {
	c.policyMu.Lock()
	defer c.policyMu.Unlock()
	return c.selection, c.guard
}
