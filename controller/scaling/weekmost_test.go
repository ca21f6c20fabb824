package scaling

import (
	"strings"
	"testing"
	"time"
)

// spanHistory is a recHistory whose Highest answers with day over the
// last day and less, with week beyond.
type spanHistory struct {
	recHistory
	day, week float64
}

func (h spanHistory) Highest(d time.Duration) (cpu, memory float64) {
	if d <= 24*time.Hour {
		return 0, h.day
	}
	return 0, h.week
}

// weekMostInput is memory only: 3072 MiB over an hour flat at 1800 MiB
// used, a last day whose most was 1850 MiB and a week's 1950 MiB (1950 /
// 0.75: 2601 MiB), a target that keeps the old right-sizing off (1800 >
// 0.6 x 2560), and a usage history of two days whose floor is far below.
func weekMostInput() (decideInput, Signals, *spanHistory) {
	in := steadyInput()
	in.sig.Alloc.MemoryMiB = 3072
	in.sig.Memory = usage(decideNow, time.Hour, 1800*mib, 0, 1800*mib)
	in.sig.MemoryPeak = 1800 * mib
	in.rules.Memory.Target = 0.6
	in.rules.CPU.Enabled, in.rules.Disk.Enabled = false, false
	sig, h := lazy(in.sig, in.now)
	sh := &spanHistory{recHistory: recHistory{seriesHistory: h, f: RecFloor{Floor: 1024, Pct: 50, Usage: 700 * mib, Days: 2, Widen: 1}},
		day: 1850 * mib, week: 1950 * mib}
	sig.History = sh
	return in, sig, sh
}

// A limit a week of use stayed a twentieth below shrinks to what the
// week's most needs, off the step grid (471 MiB, less than a step), and
// says so; the last day's lower most does not decide.
func TestWeekMostShrinksMemoryToTheWeeksNeed(t *testing.T) {
	in, sig, _ := weekMostInput()
	d := Decide(sig, in.policy, in.rules, in.st, in.now)
	if len(d.Changes) != 1 || d.Changes[0].Resource != ResourceMemory || d.Changes[0].To != 2601 {
		t.Fatalf("changes %+v, holds %+v; want memory 3072 -> 2601 MiB", d.Changes, d.Holds)
	}
	r := d.Changes[0].Reason()
	for _, want := range []string{"the last week's most needs a twentieth of the limit less", "stopped at 2601 MiB: p100 over 2.0 days of history: 1950 MiB used"} {
		if !strings.Contains(r, want) {
			t.Errorf("reason %q does not say %q", r, want)
		}
	}
}

// Each condition alone keeps the limit: less than a day of history, an
// increase within the day, a week's most that leaves less than a
// twentieth and a step to free, no usage history at all, an increase
// older than a day that the week's most needed (from 2048 MiB).
func TestWeekMostHolds(t *testing.T) {
	for _, c := range []struct {
		name string
		set  func(*decideInput, *Signals, *spanHistory)
	}{
		{"half a day of history", func(_ *decideInput, _ *Signals, h *spanHistory) { h.f.Days = 0.5 }},
		{"an increase 2 hours ago", func(in *decideInput, _ *Signals, _ *spanHistory) {
			in.st.LastAction = map[Resource]Action{ResourceMemory: {Time: in.now.Add(-2 * time.Hour), Direction: Up, From: 2816, To: 3072}}
		}},
		{"a week's most that frees little", func(_ *decideInput, _ *Signals, h *spanHistory) {
			h.week = 2250 * mib // needs 3001 MiB
		}},
		{"no usage history", func(_ *decideInput, sig *Signals, h *spanHistory) { sig.History = h.seriesHistory }},
		{"an increase the week's most needed", func(in *decideInput, _ *Signals, _ *spanHistory) {
			in.st.LastAction = map[Resource]Action{ResourceMemory: {Time: in.now.Add(-48 * time.Hour), Direction: Up, From: 2048, To: 3072}}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			in, sig, h := weekMostInput()
			c.set(&in, &sig, h)
			if d := Decide(sig, in.policy, in.rules, in.st, in.now); len(d.Changes) != 0 {
				t.Errorf("changes %+v; want the limit kept", d.Changes)
			}
		})
	}
	// Neither a decrease within the day nor an increase older than a day
	// that the week never needed (from 2816 MiB, above the 2601 it needs).
	for _, last := range []Action{
		{Time: decideNow.Add(-2 * time.Hour), Direction: Down, From: 3584, To: 3072},
		{Time: decideNow.Add(-48 * time.Hour), Direction: Up, From: 2816, To: 3072},
	} {
		in, sig, _ := weekMostInput()
		in.st.LastAction = map[Resource]Action{ResourceMemory: last}
		if d := Decide(sig, in.policy, in.rules, in.st, in.now); len(d.Changes) != 1 || d.Changes[0].To != 2601 {
			t.Errorf("after %+v: %+v; want memory 3072 -> 2601 MiB", last, d.Changes)
		}
	}
}

// A twentieth of a big limit is worth the write: 6144 MiB over a week
// whose most (4307 MiB) needs 5743 frees 401 MiB, under a step and a
// tenth.
func TestWeekMostFreesATwentieth(t *testing.T) {
	in, sig, h := weekMostInput()
	sig.Alloc.MemoryMiB = 6144
	sig.Memory = Series{{Time: in.now, Value: 4200 * mib}}
	h.memory = usage(decideNow, time.Hour, 4200*mib, 0, 4200*mib)
	h.memoryPeak, h.day, h.week = 4200*mib, 4250*mib, 4307*mib
	if d := Decide(sig, in.policy, in.rules, in.st, in.now); len(d.Changes) != 1 || d.Changes[0].To != 5743 {
		t.Errorf("changes %+v, holds %+v; want memory 6144 -> 5743 MiB", d.Changes, d.Holds)
	}
}
