package scaling

import (
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/dayclass"
)

// DayClass is which days a recurring peak recurs on (dayclass.Class).
type DayClass = dayclass.Class

const (
	ClassDays, ClassDaily, ClassWorkday = dayclass.Days, dayclass.Daily, dayclass.Workday
	ClassWeekend, ClassWeekly           = dayclass.Weekend, dayclass.Weekly
)

// Workday says whether d is Monday to Friday (dayclass.IsWorkday).
func Workday(d time.Weekday) bool { return dayclass.IsWorkday(d) }
