package scaling

import "time"

// DayClass is which days a recurring peak recurs on, learnt from a
// container's weekday x hour profile (controller/engine/weekly): the zero
// class says nothing ("seen on 3 of 4 days").
type DayClass uint8

const (
	ClassDays DayClass = iota
	// ClassDaily recurs on workdays and at the weekend alike.
	ClassDaily
	// ClassWorkday recurs Monday to Friday, ClassWeekend on Saturday and
	// Sunday: the other days did not see it.
	ClassWorkday
	ClassWeekend
	// ClassWeekly + time.Weekday recurs on that weekday each week, counted
	// in weeks.
	ClassWeekly
)

// Workday says whether d is Monday to Friday. The classes are fixed (a
// five-day week, UTC); what recurs in each is learnt.
func Workday(d time.Weekday) bool { return d != time.Saturday && d != time.Sunday }

// words are the class as a reason says it ("the workday 09:00 peak") and
// the unit it counts in.
func (c DayClass) words() (class, unit string) {
	if c >= ClassWeekly && c < ClassWeekly+7 {
		return time.Weekday(c-ClassWeekly).String() + " ", "weeks"
	}
	return [...]string{"", "daily ", "workday ", "weekend "}[min(c, ClassWeekend)], "days"
}
