// Package scaling is the pure decision core of lxc-autoscale: the types a
// decision is made of (resources, rules, signals, decisions, outcomes, a
// container's remembered actions; which policy's rules a container gets is
// the subpackage policies'), the series helpers, Decide, the Guard (its
// order is the leaf urgency's), and ContainerState.Record, which folds
// outcomes back into what later decisions see. Decide's rules beyond the
// thresholds each have their file: fast relief from a pinned limit
// (relief.go, its evidence weighed by the leaf relief, what it granted
// decaying sooner) or from memory thrash (thrash.go), pressure vetoing
// decreases (pressure.go), a disk growth sized from its fill rate
// (diskgrowth.go, diskgrow), the cores of a runaway process held
// (runaway.go), the usage history's floor under decreases (recommend.go; let
// go for cores nothing came near for hours, recfloor), a decrease once an
// hour quiet on every day known has settled (season_trough.go; the recurring
// peak, what it needs and its words are the leaf season's; a growth ahead of
// it goes in one step, season.go), the cores' down cooldown lengthened by
// decreases undone in a row and memory held at the last day's most once
// relief undid two (jobs at random times; undone.go, undone), a decrease as
// soon as one step fewer holds the peak within the target, or brief peaks
// below the up threshold (rightSize), none past the target into the last
// day's most (tight; both decide_sizing.go), memory off the steps to what
// the last week's most needs (weekmost.go), and down a decay sized from the
// newest half of the period (falling.go, fall).
//
// A pass decides for thousands of containers, most of which lean
// nowhere, so Decide reads no more than a decision needs: a container's
// series, peaks, recurring peaks and disk points come through History, read
// only for a resource on its way to a change; hold details and change
// reasons keep their numbers and are formatted when asked (hold.go).
//
// # Imports
//
// The standard library and its leaves diskgrow, dayclass, season, fall,
// relief, backoff, room, undone, recfloor, trend (a least-squares
// slope), threshold (the bound a value
// is past or not), slab (arrays cut from chunks),
// sat (saturating sums and MiB), span (how far back a series reaches) and
// activity (Activity is activity's) only (test/layout): no proxmox, no
// config, no logger, no wall clock.
// All it needs arrives as arguments (Signals, Rules, ContainerState,
// now), so that the loop and the simulator decide with exactly the same
// code and a test can call it with any input.
//
// # Where a change goes
//
// A new input to the decisions (PSI, say) is a field of Signals read by
// Decide; the value comes from the sample source (controller's window and
// collect, or a simulated trace) and its thresholds from Rules, which cmd
// maps from config. A new rule is a field of Rules (and of config.Rules).
//
// # Concurrency
//
// Decide, Select and the series helpers are pure functions of their
// arguments (a History is read, never changed, and only during the
// call). A Guard is immutable once built; a Pass belongs to one pass (one
// goroutine), and so does a Slab, which the decisions of a pass take
// their changes and holds from. ContainerState.Record mutates the record
// it is called on: the caller owns it.
package scaling
