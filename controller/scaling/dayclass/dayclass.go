package dayclass

import "time"

// Class is which days a recurring peak recurs on, learnt from a
// container's weekday x hour profile (controller/engine/weekly): the zero
// class says nothing ("seen on 3 of 4 days").
type Class uint8

const (
	Days Class = iota
	// Daily recurs on workdays and at the weekend alike.
	Daily
	// Workday recurs Monday to Friday, Weekend on Saturday and Sunday:
	// the other days did not see it.
	Workday
	Weekend
	// Weekly + time.Weekday recurs on that weekday each week, counted in
	// weeks.
	Weekly
)

// IsWorkday says whether d is Monday to Friday. The classes are fixed (a
// five-day week, UTC); what recurs in each is learnt.
func IsWorkday(d time.Weekday) bool { return d != time.Saturday && d != time.Sunday }

// Words are the class as a reason says it ("the workday 09:00 peak") and
// the unit it counts in.
func (c Class) Words() (class, unit string) {
	if c >= Weekly && c < Weekly+7 {
		return time.Weekday(c-Weekly).String() + " ", "weeks"
	}
	return [...]string{"", "daily ", "workday ", "weekend "}[min(c, Weekend)], "days"
}
