package season

import (
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/dayclass"
)

func TestText(t *testing.T) {
	r := Recurring{Peak: 3.4, Class: dayclass.Workday, At: 9*time.Hour + 30*time.Second, Seen: 18, Days: 20}
	if got, want := Text("3.40 cores", 5, "cores", r), "the workday 09:00 peak seen on 18 of 20 days (3.40 cores): 5 cores"; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
	if got, want := TroughText("761 MiB", true), "the next hour peaked at most 761 MiB on every workday known"; got != want {
		t.Errorf("TroughText = %q, want %q", got, want)
	}
	if got, want := TroughText("0.15 cores", false), "the next hour peaked at most 0.15 cores on every weekend day known"; got != want {
		t.Errorf("TroughText = %q, want %q", got, want)
	}
}
