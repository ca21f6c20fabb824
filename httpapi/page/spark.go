package page

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/ctview"
)

// Historian gives a container's last hour of usage per minute; the loop
// (controller.Controller) is one. A Snapshotter that is not one gets a
// page without sparklines.
type Historian interface {
	History(vmid int, now time.Time) (ctview.History, bool)
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
func sparkOf(h ctview.History) *spark {
	s := &spark{Width: len(h.CPU) - 1, Height: sparkHeight, CPU: sparkPath(h.CPU[:]), Memory: sparkPath(h.Memory[:])}
	if s.CPU == "" && s.Memory == "" {
		return nil
	}
	s.Summary = "Last hour, the peak of each minute: CPU " + peakText(h.CPU[:]) + " of the allocated cores, memory " + peakText(h.Memory[:]) + " of the limit"
	return s
}

// sparkPath is an SVG path through the known values, a new subpath after
// each gap; a lone point is drawn as a dot (a zero-length line with a
// round cap), and a run of equal values as one horizontal line, so that a
// flat hour (memory, often) costs a few bytes of the page, not sixty
// points.
func sparkPath(values []float64) string {
	var b strings.Builder
	start, flatTo := -1, -1 // the current subpath's first x; the end of a pending flat run
	lastY := ""
	flush := func() {
		if flatTo >= 0 {
			b.WriteString("H" + strconv.Itoa(flatTo))
			flatTo = -1
		}
	}
	for x, v := range values {
		if math.IsNaN(v) {
			if start >= 0 && start == x-1 {
				b.WriteString("h0") // a lone point
			}
			flush()
			start = -1
			continue
		}
		y := strconv.FormatFloat(sparkBottom-min(max(v, 0), 1)*(sparkBottom-sparkTop), 'f', 1, 64)
		switch {
		case start < 0:
			if b.Len() > 0 {
				b.WriteString(" ")
			}
			b.WriteString("M" + strconv.Itoa(x) + " " + y)
			start = x
		case y == lastY:
			flatTo = x
		default:
			flush()
			b.WriteString("L" + strconv.Itoa(x) + " " + y)
		}
		lastY = y
	}
	if start == len(values)-1 {
		b.WriteString("h0")
	}
	flush()
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
