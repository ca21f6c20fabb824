package pvesim

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ctConfig is one section of a container's .conf file: raw key -> value
// exactly as PVE stores it.
type ctConfig map[string]string

func (c ctConfig) clone() ctConfig {
	out := make(ctConfig, len(c))
	for k, v := range c {
		out[k] = v
	}
	return out
}

// snapshot is one [name] section of the .conf file.
type snapshot struct {
	name string
	conf ctConfig // includes snaptime, description, parent and snapstate like PVE's file
}

// configValueKind says how GET config renders a key (PVE::LXC::Config::check_type).
type configValueKind int

const (
	kindString configValueKind = iota
	kindInteger
	kindBoolean
)

var configKinds = map[string]configValueKind{
	"cores": kindInteger, "memory": kindInteger, "swap": kindInteger, "cpuunits": kindInteger, "tty": kindInteger,
	"onboot": kindBoolean, "unprivileged": kindBoolean, "protection": kindBoolean, "template": kindBoolean,
	"console": kindBoolean, "debug": kindBoolean, "snaptime": kindInteger,
	// cpulimit is a JSON-schema "number": PVE renders it as the string from the file.
}

// serializeConfig renders the .conf text like PVE::LXC::Config::write_pct_config:
// description as comment lines first, then keys in sorted order, then every
// snapshot section in sorted order.
func serializeConfig(conf ctConfig, snaps []*snapshot) string {
	var b strings.Builder
	writeSection(&b, conf)
	names := make([]string, 0, len(snaps))
	bySnap := make(map[string]*snapshot, len(snaps))
	for _, s := range snaps {
		names = append(names, s.name)
		bySnap[s.name] = s
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(&b, "\n[%s]\n", n)
		writeSection(&b, bySnap[n].conf)
	}
	return b.String()
}

func writeSection(b *strings.Builder, conf ctConfig) {
	if d, ok := conf["description"]; ok {
		for _, line := range strings.Split(d, "\n") {
			b.WriteString("#")
			b.WriteString(line)
			b.WriteString("\n")
		}
	}
	keys := make([]string, 0, len(conf))
	for k := range conf {
		if k != "description" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		b.WriteString(k)
		b.WriteString(": ")
		b.WriteString(conf[k])
		b.WriteString("\n")
	}
}

func configDigest(conf ctConfig, snaps []*snapshot) string {
	sum := sha1.Sum([]byte(serializeConfig(conf, snaps)))
	return hex.EncodeToString(sum[:])
}

// volume is a parsed rootfs/mpN value: "local-lvm:vm-100-disk-0,size=8G".
type volume struct {
	storage, name string
	size          uint64
	opts          []string // the other comma-separated options, in order
}

func parseVolume(s string) volume {
	var v volume
	parts := strings.Split(s, ",")
	first := parts[0]
	first = strings.TrimPrefix(first, "volume=")
	if st, name, ok := strings.Cut(first, ":"); ok {
		v.storage, v.name = st, name
	} else {
		v.name = first
	}
	v.size = 4 << 30 // PVE's default when no size= is present
	for _, p := range parts[1:] {
		if sz, ok := strings.CutPrefix(p, "size="); ok {
			if n, ok := parseSize(sz); ok {
				v.size = n
			}
			continue
		}
		v.opts = append(v.opts, p)
	}
	return v
}

func (v volume) String() string {
	s := v.storage + ":" + v.name
	for _, o := range v.opts {
		s += "," + o
	}
	return s + ",size=" + formatSize(v.size)
}

var sizeRE = regexp.MustCompile(`^(\d+(?:\.\d+)?)([KMGT])?(?:i?B)?$`)

// parseSize follows PVE::JSONSchema::parse_size: K/M/G/T are powers of 1024,
// no unit means bytes.
func parseSize(s string) (uint64, bool) {
	m := sizeRE.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, false
	}
	switch m[2] {
	case "K":
		f *= 1 << 10
	case "M":
		f *= 1 << 20
	case "G":
		f *= 1 << 30
	case "T":
		f *= 1 << 40
	}
	if f >= math.MaxUint64/2 {
		return 0, false
	}
	return uint64(f), true
}

// formatSize follows PVE::JSONSchema::format_size: the largest unit that
// represents the size exactly.
func formatSize(size uint64) string {
	kb := size / 1024
	if kb*1024 != size {
		return strconv.FormatUint(size, 10)
	}
	mb := kb / 1024
	if mb*1024 != kb {
		return strconv.FormatUint(kb, 10) + "K"
	}
	gb := mb / 1024
	if gb*1024 != mb {
		return strconv.FormatUint(mb, 10) + "M"
	}
	tb := gb / 1024
	if tb*1024 != gb {
		return strconv.FormatUint(gb, 10) + "G"
	}
	return strconv.FormatUint(tb, 10) + "T"
}

// knownConfigOption reports whether PVE's LXC config schema has the key
// (PVE::LXC::Config::option_exists), used for delete=.
func knownConfigOption(k string) bool {
	switch k {
	case "arch", "cmode", "console", "cores", "cpulimit", "cpuunits", "debug", "description", "entrypoint", "env",
		"features", "hookscript", "hostname", "lock", "memory", "nameserver", "onboot", "ostype", "protection",
		"rootfs", "searchdomain", "startup", "swap", "tags", "template", "timezone", "tty", "unprivileged", "lxc":
		return true
	}
	for _, p := range []string{"mp", "net", "dev", "unused"} {
		if n, ok := strings.CutPrefix(k, p); ok && n != "" {
			if i, err := strconv.Atoi(n); err == nil && i >= 0 && i <= 255 && strconv.Itoa(i) == n {
				return true
			}
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
