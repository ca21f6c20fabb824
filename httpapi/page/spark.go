package page

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller"
)

// Historian gives a container's last hour of usage per minute; the loop
// (controller.Controller) is one. A Snapshotter that is not one gets a
// page without sparklines.
type Historian interface {
	History(vmid int, now time.Time) (controller.History, bool)
}

// Sparkline geometry: one x unit per minute, values drawn between
// sparkTop (100 %) and sparkBottom (0 %) in a viewBox sparkHeight high.
const (
	sparkHeight = 20
	sparkTop    = 1.5
	sparkBottom = 18.5
)

// spark is one container's sparkline: an SVG path per resource (numbers
// and path commands only, so that the template can place it in an
// attribute), and what it shows in words.
type spark struct {
	Width   int
	Height  int
	CPU     string
	Memory  string
	Summary string
}

// addHistory gives each row of a loop's page its sparkline.
func addHistory(v *pageView, h Historian, now time.Time) {
	for i := range v.Containers {
		row := &v.Containers[i]
		if hist, ok := h.History(row.VMID, now); ok {
			row.Spark = sparkOf(hist)
		}
	}
}

// sparkOf draws a history; nil when it has no point.
func sparkOf(h controller.History) *spark {
	s := &spark{Width: len(h.CPU) - 1, Height: sparkHeight, CPU: sparkPath(h.CPU[:]), Memory: sparkPath(h.Memory[:])}
	if s.CPU == "" && s.Memory == "" {
		return nil
	}
	s.Summary = "Last hour, the peak of each minute: CPU " + peakText(h.CPU[:]) + " of the allocated cores, memory " + peakText(h.Memory[:]) + " of the limit"
	return s
}

// sparkPath is an SVG path through the known values, a new subpath after
// each gap; a lone point is drawn as a dot (a zero-length line with a
// round cap).
func sparkPath(values []float64) string {
	var b strings.Builder
	inSegment := false
	for x, v := range values {
		if math.IsNaN(v) {
			inSegment = false
			continue
		}
		y := sparkBottom - min(max(v, 0), 1)*(sparkBottom-sparkTop)
		cmd := "L"
		if !inSegment {
			cmd = "M"
			if b.Len() > 0 {
				cmd = " M"
			}
		}
		b.WriteString(cmd + strconv.Itoa(x) + " " + strconv.FormatFloat(y, 'f', 1, 64))
		if !inSegment && (x+1 == len(values) || math.IsNaN(values[x+1])) {
			b.WriteString("h0")
		}
		inSegment = true
	}
	return b.String()
}

// peakText is the highest known value as a percentage, "unknown" without one.
func peakText(values []float64) string {
	peak := math.NaN()
	for _, v := range values {
		if !math.IsNaN(v) && (math.IsNaN(peak) || v > peak) {
			peak = v
		}
	}
	if math.IsNaN(peak) {
		return "unknown"
	}
	return "up to " + percent(peak)
}
