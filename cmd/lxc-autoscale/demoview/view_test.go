package demoview

import (
	"testing"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// A container's changes so far read by resource, the last six of each.
func TestChangesText(t *testing.T) {
	for _, tt := range []struct {
		marks map[scaling.Resource]string
		want  string
	}{
		{nil, ""},
		{map[scaling.Resource]string{scaling.ResourceMemory: "+", scaling.ResourceCores: "+-"}, "c:+- m:+"},
		{map[scaling.Resource]string{scaling.ResourceDisk: "+++++++", scaling.ResourceSwap: "rr"}, "s:rr d:…++++++"},
	} {
		if got := changesText(tt.marks); got != tt.want {
			t.Errorf("changesText(%v) = %q, want %q", tt.marks, got, tt.want)
		}
	}
}
