package controller

import (
	"errors"
	"slices"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/journal"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// journalPath is where the journal of a state file lives: beside it, so
// that it is on the same file system and goes with it.
func journalPath(stateFile string) string { return stateFile + ".journal" }

// openJournal opens the journal after the state is loaded and replays the
// records the state file does not hold yet. Without a state file there is
// no journal. A journal that cannot be opened is logged and done without:
// the controller then runs as it would without one.
func (c *Controller) openJournal() {
	if c.journal == nil || c.opts.StateFile == "" {
		return
	}
	now := c.now()
	records, bad, err := c.journal.Open(c.state.JournalSeq, now)
	if err != nil {
		c.log.Error().Err(err).Str("path", journalPath(c.opts.StateFile)).
			Msg("journal unusable; a crash before a state save forgets that pass's changes")
		return
	}
	if bad > 0 {
		c.log.Warn().Int("records", bad).Str("path", journalPath(c.opts.StateFile)).
			Msg("journal records unreadable; skipped")
	}
	// A write that was under way when the process died landed, if at all,
	// within the actuator's bounds.
	bound := c.actuator.writeTimeout + c.actuator.taskTimeout
	applied, through := journal.Replay(c.state.Containers, c.state.JournalSeq, records, now, bound)
	c.journalSeq = through
	if applied > 0 {
		c.stateDirty = true
		c.log.Info().Int("records", applied).Uint64("through_seq", through).
			Msg("replayed journal records newer than the state file")
	}
}

// journalIntent journals d's changes before they are written; it returns
// the intent's sequence number, 0 when nothing was journaled. Dry-run and
// recommendations write nothing, so they are not journaled.
func (c *Controller) journalIntent(d scaling.Decision) uint64 {
	if c.journal == nil || d.Mode != scaling.ModeEnforce || c.opts.StateFile == "" {
		return 0
	}
	seq, err := c.journal.Intent(d.VMID, d.Node, d.Changes, c.now())
	if errors.Is(err, journal.ErrNotOpen) {
		return 0 // said once, when it could not be opened
	}
	if err != nil {
		// Writing anyway: refusing would stop all scaling on a full disk,
		// and only a crash before the next state save loses the change.
		c.log.Error().Err(err).Int("vmid", d.VMID).Msg("journaling a write failed; writing anyway")
		return 0
	}
	return seq
}

// journalOutcome journals the outcomes of the intent, once Record has
// them in the state at time at.
func (c *Controller) journalOutcome(d scaling.Decision, intent uint64, outcomes []scaling.Outcome, at time.Time) {
	if intent == 0 {
		return
	}
	c.journalSeq = max(c.journalSeq, intent)
	seq, err := c.journal.Outcome(d.VMID, d.Node, intent, outcomes, at)
	if err != nil {
		// The intent stands for the write: replayed, it counts as applied.
		c.log.Error().Err(err).Int("vmid", d.VMID).Msg("journaling the outcome of a write failed")
		return
	}
	c.journalSeq = max(c.journalSeq, seq)
}

// journalManual journals a manual change's outcomes and returns the
// record's sequence number, 0 when nothing was journaled. The caller holds
// policyMu, so that the change and its number reach c.manual together.
func (c *Controller) journalManual(vmid int, outcomes []scaling.Outcome, at time.Time) uint64 {
	if c.journal == nil {
		return 0
	}
	written := slices.DeleteFunc(slices.Clone(outcomes), func(o scaling.Outcome) bool {
		return o.Result == scaling.ResultDryRun || o.Result == scaling.ResultRecommended
	})
	if len(written) == 0 {
		return 0
	}
	seq, err := c.journal.Outcome(vmid, "", 0, written, at)
	if err != nil {
		if !errors.Is(err, journal.ErrNotOpen) {
			c.log.Error().Err(err).Int("vmid", vmid).Msg("journaling a manual change failed")
		}
		return 0
	}
	return seq
}

// journalThrough is the sequence number the state about to be saved
// holds: the last the loop applied, but below any manual change still
// waiting for the next pass.
func (c *Controller) journalThrough() uint64 {
	through := c.journalSeq
	c.policyMu.Lock()
	defer c.policyMu.Unlock()
	for _, m := range c.manual {
		if m.seq > 0 {
			through = min(through, m.seq-1)
		}
	}
	return through
}

// truncateJournal empties the journal after a save of the state that
// holds every record in it.
func (c *Controller) truncateJournal(through uint64) {
	if c.journal == nil {
		return
	}
	if _, err := c.journal.Truncate(through); err != nil {
		c.log.Warn().Err(err).Msg("emptying the journal failed; its records are replayed only if newer than the state")
	}
}

// closeJournal closes the journal at shutdown.
func (c *Controller) closeJournal() {
	if c.journal == nil {
		return
	}
	if err := c.journal.Close(); err != nil {
		c.log.Warn().Err(err).Msg("closing the journal failed")
	}
}
