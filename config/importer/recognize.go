package importer

import "strings"

// Recognize names the original file (lxc_autoscale_ml.yaml, …) that a
// configuration's unknown keys, as config.Load reports them ("scaling.
// max_cpu_cores", or a whole section it does not have, "spike_detection"),
// come from: the file that has the most of them, when that is at least
// two and more than half; "" when none does. An operator who hands the
// original's file to lxc-autoscale is then told of import-config rather
// than left with thirty unknown keys.
func Recognize(unknown []string) string {
	best, most := "", 0
	for _, f := range readers {
		n := 0
		for _, key := range unknown {
			if knows(f.name, key) {
				n++
			}
		}
		if n > most {
			best, most = f.name, n
		}
	}
	if most < 2 || 2*most <= len(unknown) {
		return ""
	}
	return best
}

// knows reports whether key, or a section of that name, is one the
// original file name has.
func knows(name, key string) bool {
	var keys map[string]handler
	switch name {
	case "lxc_autoscale_ml.yaml":
		keys = mlKeys
	case "lxc_monitor.yaml":
		keys = monitorKeys
	case "lxc_autoscale_api.yaml":
		if key == "server" || key == "server.host" || key == "server.port" {
			return true
		}
		keys = apiKeys
	case "lxc_autoscale.yaml":
		section, _, _ := strings.Cut(key, ".")
		return section == "DEFAULT" || strings.HasPrefix(section, "TIER_")
	}
	for k := range keys {
		if k == key || strings.HasSuffix(k, ".") && strings.HasPrefix(key, k) || strings.HasPrefix(k, key+".") {
			return true
		}
	}
	return false
}
