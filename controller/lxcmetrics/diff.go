package lxcmetrics

import (
	"fmt"
	"math"
	"time"
)

// sameFloat is ==, with NaN equal to NaN.
func sameFloat(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

// Diff describes the first difference between two histories as this
// package reads and writes them, "" when there is none: times equal and in
// UTC, NaN scores equal to each other. Round-trip checks of the codec and
// of the file it is kept in use it.
func Diff(got, want []Cycle) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d cycles, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if !g.Start.Equal(w.Start) || !g.End.Equal(w.End) || g.Start.Location() != time.UTC || g.End.Location() != time.UTC {
			return fmt.Sprintf("cycle %d: start, end %v, %v; want %v, %v", i, g.Start, g.End, w.Start, w.End)
		}
		if g.Total != w.Total || !sameFloat(g.MonitorCPUPercent, w.MonitorCPUPercent) || g.MonitorMemoryBytes != w.MonitorMemoryBytes {
			return fmt.Sprintf("cycle %d: summary %d %v %d, want %d %v %d", i,
				g.Total, g.MonitorCPUPercent, g.MonitorMemoryBytes, w.Total, w.MonitorCPUPercent, w.MonitorMemoryBytes)
		}
		if len(g.Entries) != len(w.Entries) {
			return fmt.Sprintf("cycle %d: %d entries, want %d", i, len(g.Entries), len(w.Entries))
		}
		for j := range g.Entries {
			ge, we := g.Entries[j], w.Entries[j]
			gp, wp := ge.Pressure, we.Pressure
			ge.Pressure, we.Pressure = nil, nil
			samePressure := (gp == nil) == (wp == nil) && (gp == nil || *gp == *wp)
			timeOK := ge.Time.Equal(we.Time) && ge.Time.Location() == time.UTC
			ge.Time, we.Time = time.Time{}, time.Time{}
			scoreOK := sameFloat(ge.Score, we.Score)
			ge.Score, we.Score = 0, 0
			if !samePressure || !timeOK || !scoreOK || ge != we {
				return fmt.Sprintf("cycle %d entry %d:\n got %+v %v %v %+v\nwant %+v %v %v %+v", i, j,
					ge, g.Entries[j].Time, g.Entries[j].Score, gp, we, w.Entries[j].Time, w.Entries[j].Score, wp)
			}
		}
	}
	return ""
}
