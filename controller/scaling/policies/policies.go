package policies

import (
	"slices"
	"strings"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// Match selects containers by VMID, Proxmox tag (case-insensitive) or pool;
// a container matches when any of them does.
type Match struct {
	VMIDs []int
	Tags  []string
	Pools []string
}

// Policy overrides the rules for the containers it matches.
type Policy struct {
	Name  string
	Match Match
	Rules scaling.Rules
}

// Selection picks the rules of each container: the first matching policy,
// else Default. OptInTag (when set) limits the controller to containers
// with that tag; OptOutTag and Ignore exclude containers.
type Selection struct {
	Default   scaling.Rules
	Policies  []Policy
	OptInTag  string
	OptOutTag string
	Ignore    []int
}

// Why Select leaves a container out; the excluded result of Select.
const (
	ExcludedIgnored    = "ignored"      // its VMID is in Selection.Ignore
	ExcludedOptOut     = "opt-out tag"  // it has Selection.OptOutTag
	ExcludedNotOptedIn = "not opted in" // Selection.OptInTag is set and it lacks it
)

// Select picks the rules of the container with this VMID, Proxmox tags and
// pool ("" for none). excluded is non-empty (one of the Excluded*
// constants) when the controller must leave the container alone; policy
// and rules are then zero. Otherwise policy is the name of the first
// policy that matches, in configuration order, with its rules, or "" with
// Default when none does.
//
// The checks run in this order: the ignore list, the opt-out tag, the
// opt-in tag. Opting out wins over opting in, so that a tag on the
// container is always enough to take it away from the controller. Tags
// compare case-insensitively, as Proxmox treats them.
func (s Selection) Select(vmid int, tags []string, pool string) (policy string, rules scaling.Rules, excluded string) {
	switch {
	case slices.Contains(s.Ignore, vmid):
		return "", scaling.Rules{}, ExcludedIgnored
	case s.OptOutTag != "" && hasTag(tags, s.OptOutTag):
		return "", scaling.Rules{}, ExcludedOptOut
	case s.OptInTag != "" && !hasTag(tags, s.OptInTag):
		return "", scaling.Rules{}, ExcludedNotOptedIn
	}
	for _, p := range s.Policies {
		if p.Match.Matches(vmid, tags, pool) {
			return p.Name, p.Rules, ""
		}
	}
	return "", s.Default, ""
}

// Matches reports whether the container with this VMID, tags and pool is
// selected by m: its VMID is listed, or one of its tags is
// (case-insensitively), or its pool is (exactly: pool IDs are
// case-sensitive in Proxmox). An empty Match matches nothing, so that a
// policy whose match was left out does not silently take every container.
func (m Match) Matches(vmid int, tags []string, pool string) bool {
	if slices.Contains(m.VMIDs, vmid) {
		return true
	}
	for _, t := range m.Tags {
		if t != "" && hasTag(tags, t) {
			return true
		}
	}
	return pool != "" && slices.Contains(m.Pools, pool)
}

// hasTag reports whether tags holds tag, ignoring case.
func hasTag(tags []string, tag string) bool {
	for _, t := range tags {
		if strings.EqualFold(t, tag) {
			return true
		}
	}
	return false
}
