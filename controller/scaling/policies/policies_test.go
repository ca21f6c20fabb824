package policies

import (
	"testing"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

func TestSelect(t *testing.T) {
	// Each policy's rules differ in Mode only, which is enough to tell which
	// rules came back.
	def := scaling.Rules{Mode: scaling.ModeEnforce}
	sel := Selection{
		Default: def,
		Policies: []Policy{
			{Name: "pinned", Match: Match{VMIDs: []int{101, 102}}, Rules: scaling.Rules{Mode: scaling.ModeRecommend}},
			{Name: "db", Match: Match{Tags: []string{"Database"}, Pools: []string{"prod"}}, Rules: scaling.Rules{Mode: scaling.ModeDryRun}},
			{Name: "empty-match", Rules: scaling.Rules{Mode: "never"}},
			{Name: "late", Match: Match{Tags: []string{"db"}}, Rules: scaling.Rules{Mode: "late"}},
		},
		OptOutTag: "autoscale-off",
		Ignore:    []int{200},
	}
	optIn := sel
	optIn.OptInTag = "AutoScale"

	tests := []struct {
		name     string
		sel      Selection
		vmid     int
		tags     []string
		pool     string
		policy   string
		mode     scaling.Mode
		excluded string
	}{
		{name: "no match: default", sel: sel, vmid: 300, policy: "", mode: scaling.ModeEnforce},
		{name: "by vmid", sel: sel, vmid: 102, policy: "pinned", mode: scaling.ModeRecommend},
		{name: "by tag, case-insensitive", sel: sel, vmid: 300, tags: []string{"web", "DATABASE"}, policy: "db", mode: scaling.ModeDryRun},
		{name: "by pool", sel: sel, vmid: 300, pool: "prod", policy: "db", mode: scaling.ModeDryRun},
		{name: "pool is case-sensitive", sel: sel, vmid: 300, pool: "Prod", policy: "", mode: scaling.ModeEnforce},
		{name: "first match wins", sel: sel, vmid: 101, tags: []string{"database"}, policy: "pinned", mode: scaling.ModeRecommend},
		{name: "empty match matches nothing", sel: sel, vmid: 0, tags: []string{""}, policy: "", mode: scaling.ModeEnforce},
		{name: "ignored", sel: sel, vmid: 200, tags: []string{"database"}, excluded: ExcludedIgnored},
		{name: "opt-out tag", sel: sel, vmid: 101, tags: []string{"AutoScale-Off"}, excluded: ExcludedOptOut},
		{name: "opt-in tag absent", sel: optIn, vmid: 101, tags: []string{"web"}, excluded: ExcludedNotOptedIn},
		{name: "opt-in tag present", sel: optIn, vmid: 300, tags: []string{"autoscale"}, policy: "", mode: scaling.ModeEnforce},
		{name: "opt-out beats opt-in", sel: optIn, vmid: 300, tags: []string{"autoscale", "autoscale-off"}, excluded: ExcludedOptOut},
		{name: "ignore beats opt-in", sel: optIn, vmid: 200, tags: []string{"autoscale"}, excluded: ExcludedIgnored},
		{name: "no opt-out tag configured", sel: Selection{Default: def}, vmid: 1, tags: []string{""}, mode: scaling.ModeEnforce},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			policy, rules, excluded := tt.sel.Select(tt.vmid, tt.tags, tt.pool)
			if excluded != tt.excluded {
				t.Fatalf("excluded = %q, want %q", excluded, tt.excluded)
			}
			if policy != tt.policy || rules.Mode != tt.mode {
				t.Errorf("Select = %q (mode %q), want %q (mode %q)", policy, rules.Mode, tt.policy, tt.mode)
			}
			if excluded != "" && (policy != "" || rules.Mode != "") {
				t.Errorf("an excluded container got policy %q, mode %q", policy, rules.Mode)
			}
		})
	}
}
