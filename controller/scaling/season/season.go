package season

import (
	"fmt"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/dayclass"
)

// Recurring is a peak that comes back at the same time of day: on Seen of
// the Days (weeks, for a weekly Class) whose history covers that time, the
// period ahead peaked at Peak or more (cores busy, or memory bytes). A
// strict majority of at least two (a memory step: one) makes it recur;
// Seen 0 says there is none (controller/engine/weekly: Profile.Peaks).
type Recurring struct {
	Peak float64
	// Class is the days it recurs on.
	Class dayclass.Class
	// At is the time of day (UTC, from midnight) of the hour the peak was
	// seen in, on the day whose peak is Peak.
	At         time.Duration
	Seen, Days int
	// Soon is the latest day's peak over the period at a finer step (ten
	// minutes), which times a growth ahead of the peak; Peak when that
	// day did not see it or the finer step does not reach back a day.
	Soon float64
	// Most is the most any day of the class needed over the period, an
	// upper bound known from two days on (0 before): what a decrease may
	// size for when the hour before needed more (scaling's season_trough.go).
	Most float64
}

const (
	// Ahead is how far ahead of now a decrease looks for a recurring
	// peak: a peak within the hour after it (a lunch dip between two busy
	// hours, the minutes before a nightly job) would find the container
	// short of what it needed the days before (issue 15, D2). Further
	// ahead, a growth ahead of the peak gives it back in time.
	Ahead = time.Hour
	// Lead is how long before a recurring peak the resource grows to what
	// the peak needs, so that a nightly job or the morning's first users
	// do not start short. The week tier is hourly, so it grows up to an
	// hour earlier than the peak's start.
	Lead = 10 * time.Minute
	// Climb is how far ahead a growth ahead of a peak looks for the
	// highest one it grows for, and a decrease for the most it must keep:
	// the four hours after the Lead, so that an evening or a morning that
	// climbs for hours of the profile is one growth, held until its top,
	// not one growth an hour and decreases between (issue 15: actions).
	Climb = 4*Ahead + Lead
)

// Text says where a floor or a growth that r set comes from, r's peak
// given as peak and what it needs as need unit: "the workday 09:00 peak
// seen on 18 of 20 days (3.40 cores): 5 cores".
func Text(peak string, need int64, unit string, r Recurring) string {
	at := r.At.Truncate(time.Minute)
	class, days := r.Class.Words()
	return fmt.Sprintf("the %s%02d:%02d peak seen on %d of %d %s (%s): %d %s",
		class, int(at.Hours()), int(at.Minutes())%60, r.Seen, r.Days, days, peak, need, unit)
}

// TroughText says what a decrease sized for the profile's trough rests
// on, its peak given as peak: "the next hour peaked at most 0.15 cores on
// every workday known".
func TroughText(peak string, workday bool) string {
	days := "weekend day"
	if workday {
		days = "workday"
	}
	return "the next hour peaked at most " + peak + " on every " + days + " known"
}
