package scenario

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/sim"
)

// builtins are the scenarios, in the order simulate lists them. Every
// trace starts on the caller's Start (simulate: Monday 00:00 UTC).
var builtins = []builtin{
	{Spec{"nightly", "a nightly job (01:00-03:00 UTC, 45-90 min) of 2-4 cores and 3-5 GiB over a 0.2-0.5-core service; 4 days", 4, 4 * 24 * time.Hour}, nightly},
	{Spec{"weekday", "business hours Mon-Fri (from 07:00-09:00 UTC for 9-10 h, a lunch dip), 1.5-3 cores and +0.8-1.5 GiB; quiet nights and weekend; 7 days", 4, 7 * 24 * time.Hour}, weekday},
	{Spec{"flashcrowd", "a 0.3-0.6-core service hit once (06:00-18:00 UTC) by 6-12x its load within a minute for 20-60 min, then a 30-min decay; 1 day", 4, 24 * time.Hour}, flashCrowd},
	{Spec{"ramp", "a growing service: 0.2-0.4 to 3-5 cores and 0.4 to 3-5 GiB over 3 days, 8 % noise; 3 days", 4, 3 * 24 * time.Hour}, slowRamp},
	{Spec{"thrash", "memory thrash: a 1.5-3 GiB working set at its limit that bursts 20-50 % over it for 4-8 min every 15-30 min, with memory and io pressure; 1 day", 4, 24 * time.Hour}, thrash},
	{Spec{"runaway", "a runaway process: from 02:00-10:00 UTC a spinning loop pins every core it is given for 4-8 h, nothing else changes; 1 day", 4, 24 * time.Hour}, runaway},
}

// nightly: a service that runs a batch job every night (a backup, an
// export, a report): the job starts at a seeded time between 01:00 and
// 03:00 UTC, runs 45-90 minutes (varying by up to 15 % from night to
// night), needs 2-4 cores and 3-5 GiB (reached within 2 minutes) and
// writes 30-80 MiB/s. The day's memory is a fraction of the job's, so a
// policy that follows the last hour takes the memory away every morning
// and the job starts short of it every night (issue 15, D2).
func nightly(r *rand.Rand) *container {
	c := newContainer(r, pick(r, 1, 2), pick(r, 1024, 2048))
	base, baseMem := between(r, 0.2, 0.5), between(r, 300*mib, 700*mib)
	at, length := between(r, 1*hour, 3*hour), between(r, 45*60, 90*60)
	jobCores, jobMem, jobIO := between(r, 2, 4), between(r, 3*gib, 5*gib), between(r, 30*mib, 80*mib)
	c.demand = func(t float64, _ time.Time, n func(uint64) float64) demand {
		d := demand{cores: base * (1 + 0.1*n(chanCPU)), mem: baseMem * (1 + 0.02*n(chanMem))}
		night := math.Floor(t / day)
		into := t - night*day - at
		l := length * (1 + 0.15*noise(c.seed, chanDay, uint64(night)))
		if into >= 0 && into < l {
			d.cores = jobCores * (1 + 0.05*n(chanCPU))
			d.mem = baseMem + (jobMem-baseMem)*ramp(into, 0, 120)
			d.io, d.ioPSI = jobIO, 5+10*(1+n(chanMem))
		}
		return d
	}
	return c
}

// weekday: an office application: Monday to Friday from a seeded hour
// between 07:00 and 09:00 UTC for 9-10 hours, cpu rises over 30 minutes to
// 1.5-3 cores (10 % noise), dips to 60 % over lunch (4-5 h in) and falls
// over 30 minutes after hours; sessions add 0.8-1.5 GiB of memory in
// office hours. Nights and the weekend idle at 0.1-0.2 cores. A policy
// with one hour of memory shrinks it over lunch and every evening and
// regrows it every morning (D2); seasons would see it coming.
func weekday(r *rand.Rand) *container {
	c := newContainer(r, pick(r, 1, 2, 3, 4), pick(r, 1024, 2048, 4096))
	idle, peak := between(r, 0.1, 0.2), between(r, 1.5, 3)
	baseMem, sessions := between(r, 500*mib, 1024*mib), between(r, 0.8*gib, 1.5*gib)
	open, length := between(r, 7*hour, 9*hour), between(r, 9*hour, 10*hour)
	c.demand = func(t float64, at time.Time, n func(uint64) float64) demand {
		into := t - math.Floor(t/day)*day - open
		busy := 0.0
		if wd := at.Weekday(); wd != time.Saturday && wd != time.Sunday {
			busy = ramp(into, 0, 1800) * (1 - ramp(into, length, 1800))
			if into >= 4*hour && into < 5*hour {
				busy *= 0.6
			}
		}
		return demand{
			cores: (idle + (peak-idle)*busy) * (1 + 0.1*n(chanCPU)),
			mem:   (baseMem + sessions*busy) * (1 + 0.02*n(chanMem)),
			io:    200e3 * busy,
		}
	}
	return c
}

// flashCrowd: a web service linked from somewhere popular once, at a
// seeded moment between 06:00 and 18:00 UTC: within 1-2 minutes its load
// is 6-12 times the usual 0.3-0.6 cores with 1-2 GiB more memory, holds
// 20-60 minutes, then decays with a 30-minute time constant. A sustained
// step that must be met within two intervals, and a decrease that must
// not follow it down too early.
func flashCrowd(r *rand.Rand) *container {
	c := newContainer(r, pick(r, 1, 2), pick(r, 1024, 2048))
	base, baseMem := between(r, 0.3, 0.6), between(r, 400*mib, 900*mib)
	at, rise, hold := between(r, 6*hour, 18*hour), between(r, 60, 120), between(r, 20*60, 60*60)
	factor, extraMem := between(r, 6, 12), between(r, 1*gib, 2*gib)
	c.demand = func(t float64, _ time.Time, n func(uint64) float64) demand {
		level := ramp(t, at, rise)
		if after := t - at - rise - hold; after > 0 {
			level = math.Exp(-after / 1800)
		}
		return demand{
			cores: base * (1 + (factor-1)*level) * (1 + 0.1*n(chanCPU)),
			mem:   (baseMem + extraMem*level) * (1 + 0.02*n(chanMem)),
			io:    1e6 * level,
		}
	}
	return c
}

// slowRamp: a service whose users grow: cpu from 0.2-0.4 to 3-5 cores
// and memory from 400 MiB to 3-5 GiB, linearly over 3 days (the rate is
// per day, whatever the trace's length), with 8 % noise. No step: growing
// one step at a time is right here, and a decrease is never.
func slowRamp(r *rand.Rand) *container {
	c := newContainer(r, pick(r, 1, 2), pick(r, 1024, 2048))
	from, to := between(r, 0.2, 0.4), between(r, 3, 5)
	memTo := between(r, 3*gib, 5*gib)
	const span = 3 * day
	c.demand = func(t float64, _ time.Time, n func(uint64) float64) demand {
		f := t / span
		return demand{
			cores: (from + (to-from)*f) * (1 + 0.08*n(chanCPU)),
			mem:   (400*mib + (memTo-400*mib)*f) * (1 + 0.01*n(chanMem)),
		}
	}
	return c
}

// thrash: a cache or a JVM whose working set of 1.5-3 GiB sits at its
// memory limit (set to it, rounded up to 256 MiB) and bursts 20-50 % over
// it for 4-8 minutes every 15-30 minutes: under the limit it reclaims and
// stalls (memory pressure 30-100 %, io pressure from the re-reads) rather
// than growing: an OOM event per burst unless memory is bumped.
func thrash(r *rand.Rand) *container {
	ws := between(r, 1.5*gib, 3*gib)
	limitMiB := int(math.Ceil(ws/mib/256)) * 256
	c := newContainer(r, pick(r, 1, 2), limitMiB)
	cores := between(r, 0.4, 0.9)
	period, burst, over := between(r, 15*60, 30*60), between(r, 4*60, 8*60), between(r, 1.2, 1.5)
	phase := between(r, 0, period)
	c.demand = func(t float64, _ time.Time, n func(uint64) float64) demand {
		d := demand{cores: cores * (1 + 0.1*n(chanCPU)), mem: ws * (1 + 0.01*n(chanMem))}
		if math.Mod(t+phase, period) < burst {
			d.mem = ws * over
			d.io, d.ioPSI = 20*mib, 20+10*(1+n(chanMem))
		}
		return d
	}
	return c
}

// runaway: a service of 0.3-0.8 cores in which, at a seeded moment
// between 02:00 and 10:00 UTC, a process starts spinning (a busy loop
// after a bug) and burns every core it is given until it is restarted
// 4-8 hours later; memory, disk and network do not change. The runaway is
// no demand (sim.TracePoint.RunawayCores): a policy that feeds it core
// after core wastes them and starves nothing less.
func runaway(r *rand.Rand) *container {
	c := newContainer(r, pick(r, 1, 2, 3, 4), pick(r, 1024, 2048))
	cores, mem := between(r, 0.3, 0.8), between(r, 400*mib, 900*mib)
	at, length := between(r, 2*hour, 10*hour), between(r, 4*hour, 8*hour)
	c.demand = func(t float64, _ time.Time, n func(uint64) float64) demand {
		d := demand{cores: cores * (1 + 0.1*n(chanCPU)), mem: mem * (1 + 0.02*n(chanMem))}
		if t >= at && t < at+length {
			d.runaway = sim.MaxCores
		}
		return d
	}
	return c
}
