package importer

import (
	"errors"
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
	var unknown []string
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		for _, p := range joined.Unwrap() {
			var fe *config.FieldError
			if errors.As(p, &fe) && errors.Is(fe, config.ErrUnknownKey) && fe.Source == path {
				unknown = append(unknown, fe.Key)
			}
		}
	}
	name := Recognize(unknown)
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
