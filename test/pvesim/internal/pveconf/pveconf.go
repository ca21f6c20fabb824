package pveconf

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/jsonw"
)

// Section is one section of a container's .conf file: raw key -> value
// exactly as PVE stores it.
type Section map[string]string

// Clone is a copy the caller may change.
func (c Section) Clone() Section {
	out := make(Section, len(c))
	for k, v := range c {
		out[k] = v
	}
	return out
}

// Snapshot is one [name] section of the .conf file.
type Snapshot struct {
	Name string
	Conf Section // includes snaptime, description, parent and snapstate like PVE's file
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

// Serialize renders the .conf text like PVE::LXC::Config::write_pct_config:
// description as comment lines first, then keys in sorted order, then every
// snapshot section in sorted order.
func Serialize(conf Section, snaps []*Snapshot) string {
	var b strings.Builder
	writeSection(&b, conf)
	names := make([]string, 0, len(snaps))
	bySnap := make(map[string]*Snapshot, len(snaps))
	for _, s := range snaps {
		names = append(names, s.Name)
		bySnap[s.Name] = s
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(&b, "\n[%s]\n", n)
		writeSection(&b, bySnap[n].Conf)
	}
	return b.String()
}

func writeSection(b *strings.Builder, conf Section) {
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

// Digest is the SHA-1 of the serialized file, as PVE checks a digest=
// parameter against (PVE::Tools::assert_if_modified).
func Digest(conf Section, snaps []*Snapshot) string {
	sum := sha1.Sum([]byte(Serialize(conf, snaps)))
	return hex.EncodeToString(sum[:])
}

// Volume is a parsed rootfs/mpN value: "local-lvm:vm-100-disk-0,size=8G".
type Volume struct {
	Storage, Name string
	Size          uint64
	Opts          []string // the other comma-separated options, in order
}

// ParseVolume reads a rootfs or mpN value; a missing size= is 4 GiB, as in
// PVE.
func ParseVolume(s string) Volume {
	var v Volume
	parts := strings.Split(s, ",")
	first := parts[0]
	first = strings.TrimPrefix(first, "volume=")
	if st, name, ok := strings.Cut(first, ":"); ok {
		v.Storage, v.Name = st, name
	} else {
		v.Name = first
	}
	v.Size = 4 << 30 // PVE's default when no size= is present
	for _, p := range parts[1:] {
		if sz, ok := strings.CutPrefix(p, "size="); ok {
			if n, ok := ParseSize(sz); ok {
				v.Size = n
			}
			continue
		}
		v.Opts = append(v.Opts, p)
	}
	return v
}

// String writes the value back, with size= last as PVE does.
func (v Volume) String() string {
	s := v.Storage + ":" + v.Name
	for _, o := range v.Opts {
		s += "," + o
	}
	return s + ",size=" + FormatSize(v.Size)
}

var sizeRE = regexp.MustCompile(`^(\d+(?:\.\d+)?)([KMGT])?(?:i?B)?$`)

// ParseSize follows PVE::JSONSchema::parse_size: K/M/G/T are powers of 1024,
// no unit means bytes.
func ParseSize(s string) (uint64, bool) {
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

// FormatSize follows PVE::JSONSchema::format_size: the largest unit that
// represents the size exactly.
func FormatSize(size uint64) string {
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

// KnownOption reports whether PVE's LXC config schema has the key
// (PVE::LXC::Config::option_exists), used for delete=.
func KnownOption(k string) bool {
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

// WriteJSON renders config keys with PVE's value types.
func WriteJSON(j *jsonw.Writer, conf Section, skip ...string) {
	for _, k := range sortedKeys(conf) {
		if slices.Contains(skip, k) {
			continue
		}
		v := conf[k]
		switch configKinds[k] {
		case kindInteger, kindBoolean:
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				j.KeyInt(k, n)
				continue
			}
		}
		j.KeyStr(k, v)
	}
}

// StorageInfo is one storage every node has.
type StorageInfo struct {
	Plugin string
	Shared bool
	Size   uint64
}

// StorageByID are the storage types a root filesystem lives on in real
// clusters, named as a default install (local, local-lvm, local-zfs) or a
// typical shared setup names them. Read only.
var StorageByID = map[string]StorageInfo{
	"local":     {Plugin: "dir", Size: 1 << 40},
	"local-lvm": {Plugin: "lvmthin", Size: 4 << 40},
	"local-zfs": {Plugin: "zfspool", Size: 4 << 40},
	"san-lvm":   {Plugin: "lvm", Shared: true, Size: 16 << 40},
	"cephpool":  {Plugin: "rbd", Shared: true, Size: 64 << 40},
}

// VolumeName is the name PVE's storage plugins give a container's disk:
// PVE::Storage::ZFSPoolPlugin allocates a subvolume for a container
// ("subvol-<vmid>-disk-<n>", a ZFS dataset with a refquota), DirPlugin a
// raw image under images/<vmid>/, LVM, LVM-thin and RBD a block device.
func VolumeName(storage string, vmid, n int) string {
	switch StorageByID[storage].Plugin {
	case "zfspool":
		return fmt.Sprintf("subvol-%d-disk-%d", vmid, n)
	case "dir":
		return fmt.Sprintf("%d/vm-%d-disk-%d.raw", vmid, vmid, n)
	}
	return fmt.Sprintf("vm-%d-disk-%d", vmid, n)
}

// FilesystemSize is the size df reports for a root filesystem of the
// configured size on storage, which is what PVE lists as maxdisk of a
// running container (pve-container src/PVE/LXC.pm, vmstatus: maxdisk is
// PVE::Tools::df of /proc/<pid>/root, the configured size= only while
// stopped). A ZFS subvolume's df size is its refquota, the configured size
// exactly. Every other storage holds a block device or raw image that
// PVE::LXC::Create formats with mkfs.ext4 defaults, and ext4's statfs
// leaves out its metadata: the inode tables (one 256-byte inode per
// 16 KiB: 1/64 of the size), the journal (mke2fs's
// ext2fs_default_journal_size: 16-1024 MiB by size) and two bitmap blocks
// per 128 MiB group. An 8 GiB disk shows as 7.81 GiB.
func FilesystemSize(storage string, size uint64) uint64 {
	if StorageByID[storage].Plugin == "zfspool" {
		return size
	}
	const block = 4096
	blocks := size / block
	journal := uint64(262144)
	for _, step := range journalSteps {
		if blocks < step.belowBlocks {
			journal = step.journalBlocks
			break
		}
	}
	overhead := blocks/64 + journal + 2*(blocks/32768+1)
	if overhead >= blocks {
		return 0
	}
	return (blocks - overhead) * block
}

// journalSteps is mke2fs's ext2fs_default_journal_size (e2fsprogs
// lib/ext2fs/mkjournal.c): the journal's size in blocks for a filesystem
// of fewer than belowBlocks blocks; larger ones get 262144.
var journalSteps = []struct{ belowBlocks, journalBlocks uint64 }{
	{2048, 0},
	{32768, 1024},
	{256 * 1024, 4096},
	{512 * 1024, 8192},
	{4096 * 1024, 16384},
	{8192 * 1024, 32768},
	{16384 * 1024, 65536},
	{32768 * 1024, 131072},
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
