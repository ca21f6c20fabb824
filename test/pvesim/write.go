package pvesim

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/answer"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/pveconf"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/schema"
)

func lockedError(ct *container) (answer.Answer, bool) {
	if l := ct.conf["lock"]; l != "" {
		return answer.Internal("CT is locked (%s)", l), true
	}
	return answer.Answer{}, false
}

const digestMismatch = "detected modified configuration - file changed by other user? Try again."

// flockTimeout is how long PVE's lock_config waits for the config flock.
const flockTimeout = 10 * time.Second

// flockBusy reports a resize task holding the config flock for longer than
// lock_config waits for it. A shorter resize would only delay the call in
// PVE, so pvesim lets it through at once.
func (s *Sim) flockBusy(ct *container) (answer.Answer, bool) {
	now := s.clock.Now()
	for _, t := range s.pending {
		if t.typ == "resize" && t.id == strconv.Itoa(ct.vmid) && t.end.Sub(now) > flockTimeout {
			return answer.Internal("can't lock file '/run/lock/lxc/pve-config-%d.lock' - got timeout", ct.vmid), true
		}
	}
	return answer.Answer{}, false
}

// configSetters are the keys PUT config simulates.
var configSetters = []string{"cores", "cpulimit", "cpuunits", "memory", "swap", "description", "hostname", "onboot", "protection", "tags"}

func (s *Sim) putConfig(c *call) answer.Answer {
	set := map[string]string{}
	for _, k := range configSetters {
		if c.p.Has(k) {
			set[k] = c.p.Str(k)
		}
	}
	del := schema.SplitList(c.p.Str("delete"))
	if len(set) == 0 && len(del) == 0 && !c.p.Has("revert") {
		return answer.Internal("no options specified")
	}
	for _, k := range del {
		if _, both := set[k]; both {
			return answer.FailParams(schema.Errors{"delete": fmt.Sprintf("you can't use '-%s' and -delete %s' at the same time", k, k)})
		}
		if !pveconf.KnownOption(k) {
			return answer.FailParams(schema.Errors{"delete": fmt.Sprintf("unknown option '%s'", k)})
		}
	}
	ct, resp, ok := s.changeableCT(c)
	if !ok {
		return resp
	}
	for _, k := range del {
		switch k {
		case "memory", "rootfs", "ostype":
			return answer.Internal("unable to delete required option '%s'", k)
		}
		if (strings.HasPrefix(k, "mp") || k == "rootfs") && ct.conf["protection"] == "1" {
			return answer.Internal("can't update CT %d drive '%s' - protection mode enabled", ct.vmid, k)
		}
	}
	for _, k := range del {
		delete(ct.conf, k)
	}
	for k, v := range set {
		switch k {
		case "cores", "memory", "swap", "cpuunits":
			n, _ := strconv.ParseInt(strings.TrimPrefix(v, "+"), 10, 64)
			if k == "cpuunits" {
				n = min(n, 10000) // cgroup v2 cpu.weight range
			}
			v = strconv.FormatInt(n, 10)
		case "tags":
			v = strings.Join(schema.SplitTags(v), ";")
		}
		ct.conf[k] = v
	}
	// Every key pvesim accepts is hot-pluggable on a running CT (cores by
	// "fastplug"), so nothing stays pending.
	s.configChangedLocked(ct)
	return answer.OK(nil)
}

// changeableCT is the container a config or resize call changes, or the
// answer refusing it, in PVE's order (pve-container src/PVE/API2/LXC/Config.pm
// update_vm, src/PVE/API2/LXC.pm resize_vm): the CT on the node, the config
// flock, the lock check, then the digest.
func (s *Sim) changeableCT(c *call) (*container, answer.Answer, bool) {
	ct, resp, found := s.ctOnNode(c)
	if !found {
		return nil, resp, false
	}
	if resp, busy := s.flockBusy(ct); busy {
		return nil, resp, false
	}
	if resp, locked := lockedError(ct); locked {
		return nil, resp, false
	}
	if d := c.p.Str("digest"); d != "" && d != ct.digest {
		return nil, answer.Internal(digestMismatch), false
	}
	return ct, answer.Answer{}, true
}

func (s *Sim) putResize(c *call) answer.Answer {
	ct, resp, ok := s.changeableCT(c)
	if !ok {
		return resp
	}
	disk := c.p.Str("disk")
	raw, exists := ct.conf[disk]
	if !exists {
		return answer.Internal("disk '%s' does not exist", disk)
	}
	vol := pveconf.ParseVolume(raw)
	sizeArg := c.p.Str("size")
	relative := strings.HasPrefix(sizeArg, "+")
	newSize, valid := pveconf.ParseSize(strings.TrimPrefix(sizeArg, "+"))
	if !valid {
		return answer.FailParams(schema.Errors{"size": "unable to parse size '" + sizeArg + "'"})
	}
	if relative {
		newSize += vol.Size
	}
	if newSize < vol.Size {
		return answer.Internal("unable to shrink disk size")
	}
	if newSize == vol.Size {
		return answer.Internal("disk is already at specified size")
	}
	t := s.startTaskLocked(c, ct.node, "resize", strconv.Itoa(ct.vmid))
	t.log = append(t.log, fmt.Sprintf("  Size of logical volume pve/%s changed from %s to %s.", vol.Name, pveconf.FormatSize(vol.Size), pveconf.FormatSize(newSize)),
		fmt.Sprintf("  Logical volume pve/%s successfully resized.", vol.Name))
	t.commit = func() {
		cur := s.cts[ct.vmid]
		if cur != ct {
			return
		}
		v := pveconf.ParseVolume(ct.conf[disk])
		v.Size = newSize
		ct.conf[disk] = v.String()
		s.configChangedLocked(ct)
	}
	return answer.OK(t.upidJSON())
}
