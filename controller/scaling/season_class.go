package scaling

import "github.com/lxc-autoscale/lxc-autoscale/controller/scaling/dayclass"

// DayClass is which days a recurring peak recurs on (dayclass.Class).
type DayClass = dayclass.Class

const (
	ClassDays, ClassDaily, ClassWorkday = dayclass.Days, dayclass.Daily, dayclass.Workday
	ClassWeekend, ClassWeekly           = dayclass.Weekend, dayclass.Weekly
)
