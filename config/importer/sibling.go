package importer

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/lxc-autoscale/lxc-autoscale/config"
)

var (
	errAbsolute = errors.New("not an absolute path")
	// tokenID is config's rule for proxmox.token_id.
	tokenID = regexp.MustCompile(`^[^\s@!:]+@[A-Za-z][A-Za-z0-9._-]*![A-Za-z][A-Za-z0-9._-]*$`)
)

func itoa(n int) string { return strconv.Itoa(n) }

// ruleKeys are the sibling's keys that both DEFAULT and a tier set, with
// the key of lxc-autoscale's rules (scaling.X, or a policy's X) they become.
var ruleKeys = map[string]struct {
	to string
	c  conv
}{
	"cpu_upper_threshold":    {"cpu.up_threshold", percent},
	"cpu_lower_threshold":    {"cpu.down_threshold", percent},
	"memory_upper_threshold": {"memory.up_threshold", percent},
	"memory_lower_threshold": {"memory.down_threshold", percent},
	"min_cores":              {"cpu.min", count(1, 8192)},
	"max_cores":              {"cpu.max", count(1, 8192)},
	"min_memory":             {"memory.min", mib},
	"max_memory":             {"memory.max", mib},
	"core_min_increment":     {"cpu.step", count(1, 64)},
	"memory_min_increment":   {"memory.step", mib},
}

const (
	noBoost    = "no boost mode: increases are sized by scaling.cpu.target and scaling.memory.target, and decreases wait scaling.stabilization_down"
	noEnergy   = "no off-peak energy mode: containers shrink when their usage stays low (scaling.*.down_threshold)"
	noRemote   = "lxc-autoscale always uses the Proxmox VE API (proxmox.endpoints), from any machine"
	noNotify   = "notifications are configured anew (README); their secrets are never copied"
	noPinning  = "CPU pinning edits the host's /etc/pve/lxc files (lxc.cgroup2.cpuset.cpus), outside the API"
	noHorizont = "no horizontal scaling: lxc-autoscale scales containers vertically"
)

// siblingKeys are the sibling's other keys, in DEFAULT, at the top level
// (its v2 keys) or in a tier.
var siblingKeys = map[string]handler{
	"log_file":               because(noLogFile),
	"lock_file":              because(noLock),
	"backup_dir":             because("no backup files: every change is audited with its old value (state.audit_file)"),
	"reserve_cpu_percent":    because("scaling.node.reserve_cores is a number of cores per node (10% of a 32-core node is 3); the default, 1, is kept"),
	"reserve_memory_mb":      to("scaling.node.reserve_memory", mibOrZero),
	"off_peak_start":         because(noEnergy),
	"off_peak_end":           because(noEnergy),
	"energy_mode":            because(noEnergy),
	"timezone":               because(noEnergy),
	"behaviour":              because("no behaviour multiplier: set scaling.memory.step and the targets instead"),
	"memory_exclude_cache":   because("memory usage is Proxmox VE's, which leaves out the page cache as its UI does"),
	"core_max_increment":     because("a change takes as many steps as bring the peak to scaling.cpu.target"),
	"min_decrease_chunk":     because("a decrease is sized by scaling.memory.target and never goes below the peak plus scaling.memory.margin"),
	"ignore_lxc":             to("scaling.ignore", vmids),
	"scaling_mode":           because(noBoost),
	"boost_factor":           because(noBoost),
	"boost_fallback_factor":  because(noBoost),
	"boost_duration":         because(noBoost),
	"saturation_threshold":   because(noBoost),
	"consecutive_samples":    because(noBoost),
	"cpu_pinning":            because(noPinning),
	"backend":                because(noRemote),
	"use_remote_proxmox":     because(noRemote),
	"proxmox_host":           because(noRemote),
	"ssh_":                   because(noRemote),
	"proxmox_api.host":       to("proxmox.endpoints", endpoint),
	"proxmox_api.verify_ssl": because("TLS is always verified: pin the node's certificate with proxmox.fingerprint"),
	"proxmox_api.":           because("the token's secret is never copied: put it in token_secret_file (mode 0600) or LXCA_PROXMOX_TOKEN_SECRET"),
	"smtp_":                  because(noNotify),
	"gotify_":                because(noNotify),
	"uptime_kuma_":           because(noNotify),
	"notification":           because(noNotify),
	"HORIZONTAL_SCALING_":    because(noHorizont),
}

func mibOrZero(v any) (any, error) {
	if f, ok := number(v); ok && f == 0 {
		return "0", nil
	}
	return mib(v)
}

// siblingLookup finds the handler of a sibling key: exact, then the
// longest entry that is a prefix of it ("ssh_" for ssh_port).
func siblingLookup(key string) handler {
	if h, ok := siblingKeys[key]; ok {
		return h
	}
	best := ""
	for k := range siblingKeys {
		if (strings.HasSuffix(k, "_") || strings.HasSuffix(k, ".") || k == "notification") && strings.HasPrefix(key, k) && len(k) > len(best) {
			best = k
		}
	}
	if best != "" {
		return siblingKeys[best]
	}
	return lookup(nil, key)
}

// sibling reads proxmox-lxc-autoscale's lxc_autoscale.yaml: DEFAULT is the
// scaling section, each TIER_<name> a policy matched by its lxc_containers.
func sibling(st *state, file string, keys []leaf) {
	tiers := make(map[string]*policy)
	var user, tokenName string
	for _, l := range keys {
		src := source{file, l.key, l.value}
		section, rest, nested := strings.Cut(l.key, ".")
		switch {
		case section == "DEFAULT" && nested:
			if r, ok := ruleKeys[rest]; ok {
				to("scaling."+r.to, r.c)(st, src)
				continue
			}
			siblingLookup(rest)(st, src)
		case strings.HasPrefix(section, "TIER_") && nested:
			p := tiers[section]
			if p == nil {
				tier := strings.TrimPrefix(section, "TIER_")
				name := strings.Trim(tierName.ReplaceAllString(strings.ToLower(tier), "-"), "-._")
				if len(name) > 64 {
					name = name[:64]
				}
				if name == "" {
					name = "tier"
				}
				for base, n := name, 2; slices.ContainsFunc(st.policies, func(p *policy) bool { return p.name == name }); n++ {
					name = fmt.Sprintf("%s-%d", base, n) // two tiers, one name once lowered
				}
				p = &policy{name: name, tier: tier, keys: make(map[string]any), from: make(map[string]source)}
				tiers[section] = p
				st.policies = append(st.policies, p)
			}
			tierKey(st, p, src, rest)
		case l.key == "proxmox_api.user":
			user, _ = l.value.(string)
		case l.key == "proxmox_api.token_name":
			tokenName, _ = l.value.(string)
		default:
			siblingLookup(l.key)(st, src)
		}
	}
	if id := user + "!" + tokenName; user != "" || tokenName != "" {
		src := source{file, "proxmox_api.user, proxmox_api.token_name", id}
		if tokenID.MatchString(id) {
			st.set("proxmox.token_id", id, src)
		} else {
			st.skip(src, "not a token ID USER@REALM!TOKENID")
		}
	}
	// A tier without containers matches none: leave it out, as the
	// sibling did in effect.
	kept := st.policies[:0]
	for _, p := range st.policies {
		if len(p.vmids) == 0 {
			st.skip(source{file, "TIER_" + p.tier, nil}, "lists no lxc_containers, so it applies to no container")
			continue
		}
		kept = append(kept, p)
	}
	st.policies = kept
}

func tierKey(st *state, p *policy, src source, key string) {
	if key == "lxc_containers" {
		v, err := vmids(src.value)
		if err != nil {
			st.skip(src, "%v", err)
			return
		}
		p.vmids = union(p.vmids, v.([]int))
		return
	}
	r, ok := ruleKeys[key]
	if !ok {
		siblingLookup(key)(st, src)
		return
	}
	v, err := r.c(src.value)
	if err != nil {
		st.skip(src, "%v", err)
		return
	}
	p.keys[r.to], p.from[r.to] = v, src
}

// fix makes the imported values consistent where lxc-autoscale asks more
// than the originals did: a target strictly between the thresholds (the
// originals had none, and the default may lie outside what was imported),
// and a minimum no larger than the maximum (the sibling had no memory
// maximum, so a tier's min_memory may exceed the default 8GiB).
func (st *state) fix() {
	defaults := config.Default()
	global := defaults.Redacted()["scaling"].(map[string]any)
	get := func(key string) any {
		if v, ok := st.out["scaling."+key]; ok {
			return v
		}
		return dig(global, key)
	}
	for _, res := range []string{"cpu", "memory"} {
		st.fixRules(res, get, func(key string, v any, why string) {
			st.out["scaling."+key] = v
			st.from["scaling."+key] = source{file: "import-config", key: why}
		})
		for _, p := range st.policies {
			pget := func(key string) any {
				if v, ok := p.keys[key]; ok {
					return v
				}
				return get(key)
			}
			st.fixRules(res, pget, func(key string, v any, why string) {
				p.keys[key], p.from[key] = v, source{file: "import-config", key: why}
			})
		}
	}
}

func (st *state) fixRules(res string, get func(string) any, set func(key string, v any, why string)) {
	up, _ := number(get(res + ".up_threshold"))
	down, _ := number(get(res + ".down_threshold"))
	if down >= up {
		// lxc-autoscale refuses thresholds that would flap between them.
		nd := math.Round(up*50) / 100
		set(res+".down_threshold", nd, fmt.Sprintf("the down threshold %g was not below the up threshold %g", down, up))
		down = nd
	}
	if t, _ := number(get(res + ".target")); t != 0 && !(t > down && t < up) && down < up {
		nt := math.Round(max(down+(up-down)/2, up-0.1)*100) / 100
		set(res+".target", nt, fmt.Sprintf("the default %g lies outside the imported thresholds", t))
	}
	lo, hi := get(res+".min"), get(res+".max")
	if res == "memory" {
		a, _ := config.ParseSize(fmt.Sprint(lo))
		b, _ := config.ParseSize(fmt.Sprint(hi))
		if a > b {
			set(res+".max", lo, fmt.Sprintf("raised to memory.min: the maximum %s was below it", hi))
		}
		return
	}
	if a, _ := number(lo); a > func() float64 { b, _ := number(hi); return b }() {
		set(res+".max", lo, fmt.Sprintf("raised to cpu.min: the maximum %v was below it", hi))
	}
}

// dig finds a dotted key in nested maps.
func dig(m map[string]any, key string) any {
	first, rest, nested := strings.Cut(key, ".")
	v := m[first]
	if !nested {
		return v
	}
	sub, _ := v.(map[string]any)
	return dig(sub, rest)
}
