package timeline

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/renameio/v2"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/sim"
)

// The timelines are hand-written SVG, one file per container: two panels
// (cores, then memory) with demand as a grey area and each policy's
// allocation as a step line over it, time on the x axis. No dependency,
// no script: any browser or image viewer shows them.

const (
	svgWidth       = 1000
	svgPanelHeight = 260
	svgMarginLeft  = 70
	svgMarginRight = 20
	svgTitleHeight = 56 // title and legend
	svgPanelGap    = 64 // room for the x labels and the next panel's title
	svgMarginBelow = 40 // room for the last panel's x labels
	svgPlotWidth   = svgWidth - svgMarginLeft - svgMarginRight
	// svgMaxPoints bounds the points of a line: more than one per pixel
	// only makes the file bigger.
	svgMaxPoints = svgPlotWidth
)

// policyStyle is how a policy's allocation is drawn. Allocations often
// coincide, so the lines are drawn widest first (by layer): a thin line
// over a wide one leaves both visible.
var policyStyle = map[string]struct {
	color, dash string
	width       float64
	layer       int
}{
	sim.PolicyLegacy: {"#d62728", "", 4, 1},
	sim.PolicyOurs:   {"#1f77b4", "", 2, 2},
	sim.PolicyStatic: {"#333333", "6 4", 1.5, 3},
}

// Write writes <dir>/<vmid>.svg for every container and returns
// how many it wrote.
func Write(dir string, tr sim.Trace, results []sim.PolicyResult) (int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("--svg: %w", err)
	}
	for _, c := range tr.Containers {
		svg := timelineSVG(c, results)
		path := filepath.Join(dir, strconv.Itoa(c.VMID)+".svg")
		if err := renameio.WriteFile(path, svg, 0o644); err != nil {
			return 0, fmt.Errorf("write timeline: %w", err)
		}
	}
	return len(tr.Containers), nil
}

// series is one line of a panel.
type series struct {
	label  string
	color  string
	dash   string
	width  float64
	layer  int  // drawing order, lowest first
	area   bool // demand: a filled area rather than a line
	points []scaling.Point
}

func timelineSVG(c sim.TraceContainer, results []sim.PolicyResult) []byte {
	var cores, memory []series
	demandDone := false
	for _, r := range results {
		timeline := r.Timeline[c.VMID]
		if len(timeline) == 0 {
			continue
		}
		if !demandDone {
			// Demand is the trace's, the same under every policy.
			cores = append(cores, series{label: "demand", color: "#c7c7c7", area: true, points: timelineValues(timeline, func(p sim.TimelinePoint) float64 { return p.DemandCores })})
			memory = append(memory, series{label: "demand", color: "#c7c7c7", area: true, points: timelineValues(timeline, func(p sim.TimelinePoint) float64 { return p.DemandMemMiB })})
			demandDone = true
		}
		style, ok := policyStyle[r.Policy]
		if !ok {
			style.color, style.width = "#2ca02c", 2
		}
		line := series{label: r.Policy, color: style.color, dash: style.dash, width: style.width, layer: style.layer}
		line.points = timelineValues(timeline, func(p sim.TimelinePoint) float64 { return p.Cores })
		cores = append(cores, line)
		line.points = timelineValues(timeline, func(p sim.TimelinePoint) float64 { return p.MemMiB })
		memory = append(memory, line)
	}
	from, to := seriesSpan(cores)

	height := svgTitleHeight + 2*svgPanelHeight + svgPanelGap + svgPanelGap/2 + svgMarginBelow
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n")
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", svgWidth, height, svgWidth, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", svgWidth, height)
	title := fmt.Sprintf("Container %d", c.VMID)
	if c.Name != "" {
		title += " (" + c.Name + ")"
	}
	title += ": demand against each policy's allocation"
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="16" font-weight="bold">%s</text>`+"\n", svgMarginLeft, escapeXML(title))
	svgLegend(&b, cores, svgMarginLeft, 44)

	top := svgTitleHeight + svgPanelGap/2
	svgPanel(&b, "CPU (cores)", cores, from, to, top)
	svgPanel(&b, "Memory (MiB)", memory, from, to, top+svgPanelHeight+svgPanelGap)
	b.WriteString("</svg>\n")
	return b.Bytes()
}

func timelineValues(timeline []sim.TimelinePoint, value func(sim.TimelinePoint) float64) []scaling.Point {
	points := make([]scaling.Point, len(timeline))
	for i, p := range timeline {
		points[i] = scaling.Point{Time: p.Time, Value: value(p)}
	}
	return points
}

func seriesSpan(all []series) (from, to time.Time) {
	for _, s := range all {
		if len(s.points) == 0 {
			continue
		}
		from, to = sim.Widen(from, to, s.points[0].Time, s.points[len(s.points)-1].Time)
	}
	if !to.After(from) {
		to = from.Add(time.Minute)
	}
	return from, to
}

func svgLegend(b *bytes.Buffer, all []series, x, y int) {
	for _, s := range all {
		if s.area {
			fmt.Fprintf(b, `<rect x="%d" y="%d" width="24" height="10" fill="%s"/>`, x, y-9, s.color)
		} else {
			fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="%g"%s/>`, x, y-4, x+24, y-4, s.color, s.width, dashAttr(s.dash))
		}
		label := s.label
		if !s.area {
			label += " allocation"
		}
		fmt.Fprintf(b, `<text x="%d" y="%d">%s</text>`+"\n", x+30, y, escapeXML(label))
		x += 40 + 7*len(label) + 20
	}
}

func dashAttr(dash string) string {
	if dash == "" {
		return ""
	}
	return ` stroke-dasharray="` + dash + `"`
}

// svgPanel draws one panel: frame, y grid with labels, x ticks with times,
// the demand area and the allocation lines.
func svgPanel(b *bytes.Buffer, title string, all []series, from, to time.Time, top int) {
	left, right, bottom := svgMarginLeft, svgMarginLeft+svgPlotWidth, top+svgPanelHeight
	peak := 0.0
	for _, s := range all {
		for _, p := range s.points {
			if !math.IsNaN(p.Value) && !math.IsInf(p.Value, 0) {
				peak = max(peak, p.Value)
			}
		}
	}
	step, yMax := niceScale(peak * 1.05) // room above the highest line
	x := func(t time.Time) float64 {
		return float64(left) + float64(svgPlotWidth)*t.Sub(from).Seconds()/to.Sub(from).Seconds()
	}
	y := func(v float64) float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			v = 0
		}
		return float64(bottom) - float64(svgPanelHeight)*min(v, yMax)/yMax
	}

	fmt.Fprintf(b, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", left, top-8, escapeXML(title))
	// Horizontal grid and y labels.
	for v := 0.0; v <= yMax+step/2; v += step {
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#e5e5e5"/>`, left, y(v), right, y(v))
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", left-6, y(v)+4, formatTick(v))
	}
	// Time ticks.
	tick := timeTick(to.Sub(from))
	for t := from.Truncate(tick); !t.After(to); t = t.Add(tick) {
		if t.Before(from) {
			continue
		}
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#e5e5e5"/>`, x(t), top, x(t), bottom)
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", x(t), bottom+16, timeLabel(t, tick))
	}
	drawn := slices.Clone(all)
	slices.SortStableFunc(drawn, func(a, b series) int { return a.layer - b.layer })
	for _, s := range drawn {
		points := downsample(s.points, from, to, s.area)
		if len(points) == 0 {
			continue
		}
		var path strings.Builder
		if s.area {
			fmt.Fprintf(&path, "M%.1f %d", x(points[0].Time), bottom)
			for _, p := range points {
				fmt.Fprintf(&path, " L%.1f %.1f", x(p.Time), y(p.Value))
			}
			fmt.Fprintf(&path, " L%.1f %d Z", x(points[len(points)-1].Time), bottom)
			fmt.Fprintf(b, `<path d="%s" fill="%s" stroke="none"/>`+"\n", path.String(), s.color)
			continue
		}
		// Allocations are steps: hold each value until the next one.
		fmt.Fprintf(&path, "M%.1f %.1f", x(points[0].Time), y(points[0].Value))
		for i := 1; i < len(points); i++ {
			fmt.Fprintf(&path, " H%.1f V%.1f", x(points[i].Time), y(points[i].Value))
		}
		fmt.Fprintf(&path, " H%.1f", x(points[len(points)-1].Time))
		fmt.Fprintf(b, `<path d="%s" fill="none" stroke="%s" stroke-width="%g"%s/>`+"\n", path.String(), s.color, s.width, dashAttr(s.dash))
	}
	// Frame and axis labels last, over the data.
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#333"/>`+"\n", left, top, svgPlotWidth, svgPanelHeight)
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="end" fill="#555">time (UTC)</text>`+"\n", right, bottom+32)
}

// downsample keeps at most svgMaxPoints points. For an area it keeps the
// largest value of each bucket, so that a short spike stays visible; for a
// step line it keeps every change, which allocations make rarely.
func downsample(points []scaling.Point, from, to time.Time, area bool) []scaling.Point {
	if !area {
		var out []scaling.Point
		for i, p := range points {
			if i == 0 || p.Value != points[i-1].Value {
				out = append(out, p)
			}
		}
		if len(points) > 1 && len(out) > 0 && out[len(out)-1].Time != points[len(points)-1].Time {
			out = append(out, points[len(points)-1]) // carry the line to the end
		}
		return out
	}
	if len(points) <= svgMaxPoints {
		return points
	}
	span := to.Sub(from)
	out := make([]scaling.Point, 0, svgMaxPoints)
	bucket := -1
	for _, p := range points {
		k := int(float64(svgMaxPoints-1) * p.Time.Sub(from).Seconds() / span.Seconds())
		if k != bucket || len(out) == 0 {
			out = append(out, p)
			bucket = k
			continue
		}
		if p.Value > out[len(out)-1].Value {
			out[len(out)-1].Value = p.Value
		}
	}
	return out
}

// niceScale returns a grid step of 1, 2 or 5 times a power of ten and the
// top of the axis, a multiple of it at or above peak, with about five lines.
func niceScale(peak float64) (step, top float64) {
	if !(peak > 0) {
		return 1, 1
	}
	raw := peak / 5
	magnitude := math.Pow(10, math.Floor(math.Log10(raw)))
	step = 10 * magnitude
	for _, f := range []float64{1, 2, 5} {
		if f*magnitude >= raw {
			step = f * magnitude
			break
		}
	}
	return step, step * math.Ceil(peak/step)
}

func formatTick(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// timeTick picks a tick interval giving 4 to 12 ticks over span.
func timeTick(span time.Duration) time.Duration {
	for _, d := range []time.Duration{
		5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
		time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
		24 * time.Hour, 48 * time.Hour, 7 * 24 * time.Hour,
	} {
		if span/d <= 12 {
			return d
		}
	}
	return 14 * 24 * time.Hour
}

func timeLabel(t time.Time, tick time.Duration) string {
	t = t.UTC()
	if tick >= 24*time.Hour {
		return t.Format("Jan 2")
	}
	if t.Hour() == 0 && t.Minute() == 0 {
		return t.Format("Jan 2")
	}
	return t.Format("15:04")
}

func escapeXML(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder does not fail
	return b.String()
}
