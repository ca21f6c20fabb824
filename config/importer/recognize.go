package importer

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/lxc-autoscale/lxc-autoscale/config"
)

// Hint is the line of advice for err, config.Load's refusal of the file
// at path, when the keys it refuses as unknown are one of the original
// tools' files (Recognize): the command that turns it into a
// configuration. The first thing a migrating operator tries is the file
// they have. "" when they are not.
func Hint(err error, path string) string {
	name := Recognize(config.UnknownKeys(err, path))
	if name == "" {
		return ""
	}
	hint := fmt.Sprintf("%s is the original tools' %s: 'lxc-autoscale import-config --from %s' turns it, and the originals' other files there, into an lxc-autoscale configuration",
		path, name, filepath.Dir(path))
	if filepath.Base(path) != name {
		hint += " once this file is named " + name + " there"
	}
	return hint
}

// Recognize names the original file (lxc_autoscale_ml.yaml, …) that a
// configuration's unknown keys, as config.Load reports them ("scaling.
// max_cpu_cores", or a whole section it does not have, "spike_detection"),
// come from: the file that has the most of them, when that is at least
// two and more than half; "" when none does.
func Recognize(unknown []string) string {
	best, most := "", 0
	for _, f := range readers {
		n := 0
		for _, key := range unknown {
			if f.knows(key) {
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

// inTable is the knows of a file read by table(keys): key is an entry, is
// below a prefix entry ("api."), or is a section entries are below.
func inTable(keys map[string]handler) func(key string) bool {
	return func(key string) bool {
		for k := range keys {
			if k == key || strings.HasSuffix(k, ".") && strings.HasPrefix(key, k) || strings.HasPrefix(k, key+".") {
				return true
			}
		}
		return false
	}
}

// apiKnows is lxc_autoscale_api.yaml's knows: apiKeys, and the server
// section apiFile joins.
func apiKnows(key string) bool {
	return key == "server" || key == "server.host" || key == "server.port" || inTable(apiKeys)(key)
}

// siblingKnows is lxc_autoscale.yaml's knows: its DEFAULT and TIER_*
// sections.
func siblingKnows(key string) bool {
	section, _, _ := strings.Cut(key, ".")
	return section == "DEFAULT" || strings.HasPrefix(section, "TIER_")
}
