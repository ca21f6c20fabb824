package lease

import (
	"context"
	"errors"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// Run takes part in the election until ctx ends; a leader then releases
// the lease, so that a follower takes over at its next read instead of
// after Duration.
func (e *Elector) Run(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			e.release()
			return
		case <-t.C:
		}
		t.Reset(e.step(ctx))
		e.firstStep.Do(func() { close(e.ready) })
	}
}

// step reads the record and renews, acquires or waits; it returns when to
// come back.
func (e *Elector) step(ctx context.Context) time.Duration {
	cctx, cancel := context.WithTimeout(ctx, e.o.RenewInterval)
	defer cancel()
	m, err := e.o.Store.NotificationMatcher(cctx, e.o.Name)
	now := e.o.Now()
	if errors.Is(err, proxmox.ErrNotFound) {
		e.mu.Lock()
		epoch := e.maxEpoch + 1 // 1, unless someone deleted the matcher
		e.mu.Unlock()
		return e.write(cctx, Record{Holder: e.o.Identity, Epoch: epoch}, "", "create")
	}
	e.mu.Lock()
	leading, mine := e.leadingLocked(now), e.mine
	if err != nil {
		e.mu.Unlock()
		if leading {
			e.renewErrors.Inc()
		}
		e.log.Warn().Err(err).Bool("leading", leading).Msg("lease read failed")
		return e.o.RetryInterval
	}
	rec := e.recordOfLocked(m.Comment)
	e.observeLocked(rec, now)
	left := e.seenAt.Add(e.o.Duration).Sub(now)
	epoch := e.maxEpoch + 1
	if leading && (rec.Holder != mine.Holder || rec.Epoch != mine.Epoch) {
		e.setLeadingLocked(false, now, "another instance holds the lease")
		leading = false
	}
	e.mu.Unlock()
	switch {
	case leading:
		return e.write(cctx, Record{Holder: e.o.Identity, Epoch: mine.Epoch, Renew: rec.Renew + 1}, m.Digest, "renew")
	case rec.Holder == "" || rec.Holder == e.o.Identity || left <= 0:
		// released, ours from before a lapse, or unchanged for Duration
		return e.write(cctx, Record{Holder: e.o.Identity, Epoch: epoch}, m.Digest, "acquire")
	}
	return max(min(e.o.RetryInterval, left), 10*time.Millisecond)
}

// write sends next (a create when digest is "", else a compare-and-set on
// digest) and leads from its success on, counted from when it was sent.
func (e *Elector) write(ctx context.Context, next Record, digest, what string) time.Duration {
	sent := e.o.Now()
	var err error
	if digest == "" {
		err = e.o.Store.CreateNotificationMatcher(ctx, e.o.Name, next.Comment())
	} else {
		err = e.o.Store.UpdateNotificationMatcherComment(ctx, e.o.Name, next.Comment(), digest)
	}
	if what == "renew" && err != nil {
		e.renewErrors.Inc()
	}
	switch {
	case err == nil:
		e.mu.Lock()
		e.mine, e.until = next, sent.Add(e.o.Duration-e.o.Margin)
		if what != "renew" { // a create after a deletion follows the epochs it read
			e.successor = digest != "" || next.Epoch > 1
		}
		e.observeLocked(next, e.o.Now())
		e.setLeadingLocked(true, e.o.Now(), "")
		e.mu.Unlock()
		return e.o.RenewInterval
	case errors.Is(err, proxmox.ErrDigestMismatch), errors.Is(err, proxmox.ErrConflict):
		// notifications.cfg changed since the read (a renewal, a
		// takeover, or any unrelated edit) or another instance created
		// the matcher first: read again soon, decide from the record.
		e.log.Debug().Str("attempt", what).Msg("lease compare-and-set lost a race; reading again")
		return min(e.o.RetryInterval, 100*time.Millisecond)
	}
	e.log.Warn().Err(err).Str("attempt", what).Msg("lease write failed")
	return e.o.RetryInterval
}

// release hands the lease back on shutdown: it stops leading first, then
// clears the holder if the record is still its own.
func (e *Elector) release() {
	e.mu.Lock()
	leading, mine := e.leadingLocked(e.o.Now()), e.mine
	e.setLeadingLocked(false, e.o.Now(), whyShutdown)
	e.mu.Unlock()
	if !leading {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), min(e.o.RenewInterval, 2*time.Second))
	defer cancel()
	m, err := e.o.Store.NotificationMatcher(ctx, e.o.Name)
	if err != nil {
		e.log.Warn().Err(err).Msg("lease not released: read failed; followers take over after the lease duration")
		return
	}
	if rec, _ := ParseRecord(m.Comment); rec.Holder != mine.Holder || rec.Epoch != mine.Epoch {
		return
	}
	next := Record{Epoch: mine.Epoch, Renew: mine.Renew + 1}
	if err := e.o.Store.UpdateNotificationMatcherComment(ctx, e.o.Name, next.Comment(), m.Digest); err != nil {
		e.log.Warn().Err(err).Msg("lease not released: write failed; followers take over after the lease duration")
		return
	}
	e.log.Info().Uint64("epoch", mine.Epoch).Msg("lease released")
}
