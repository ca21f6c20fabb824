package pvesim

import (
	"fmt"
	"regexp"
	"strconv"
)

// pveVersion is the pve-manager release a node runs. A cluster being
// upgraded mixes them, and the client meets every difference at once.
type pveVersion struct {
	major, minor, patch int
}

// defaultNodeVersion is what nodes run unless Options.NodeVersions says otherwise.
const defaultNodeVersion = "9.1.1"

// versionRE accepts 9.1.1 and PVE 7's own spelling 7.4-19.
var versionRE = regexp.MustCompile(`^([789])\.(\d{1,2})[.-](\d{1,3})$`)

func parsePVEVersion(s string) (pveVersion, error) {
	m := versionRE.FindStringSubmatch(s)
	if m == nil {
		return pveVersion{}, fmt.Errorf("%q is not a PVE version MAJOR.MINOR.PATCH with MAJOR 7, 8 or 9", s)
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	patch, _ := strconv.Atoi(m[3])
	return pveVersion{major, minor, patch}, nil
}

// String is the pve-manager package version: PVE 7 numbered its releases
// 7.4-19, PVE 8 switched to 8.4.1 (pve-manager debian/changelog).
func (v pveVersion) String() string {
	sep := "."
	if v.major < 8 {
		sep = "-"
	}
	return fmt.Sprintf("%d.%d%s%d", v.major, v.minor, sep, v.patch)
}

func (v pveVersion) release() string { return fmt.Sprintf("%d.%d", v.major, v.minor) }

// repoID is the git commit /version and pveversion name; made up but
// stable per version.
func (v pveVersion) repoID() string {
	switch v.major {
	case 7:
		return "f98bf8d4"
	case 8:
		return "2a5fa54a8503f96d"
	}
	return "2a6b9c8e4"
}

// kernel is the uname release and version string of the default kernel of
// each major release (proxmox-kernel / pve-kernel series).
func (v pveVersion) kernel() (release, version string) {
	switch v.major {
	case 7:
		return "5.15.158-2-pve", "#1 SMP PVE 5.15.158-2 (2024-07-26T12:31Z)"
	case 8:
		return "6.8.12-9-pve", "#1 SMP PREEMPT_DYNAMIC PMX 6.8.12-9 (2025-03-16T19:18Z)"
	}
	return "6.14.8-2-pve", "#1 SMP PREEMPT_DYNAMIC PMX 6.14.8-2 (2025-07-22T10:04Z)"
}

// hasPSI: PVE 9 added the pressure stall fields to PVE::LXC::vmstatus
// (pve-container src/PVE/LXC.pm) and to the pve-vm-9.0 RRD files; older
// nodes neither report nor collect them.
func (v pveVersion) hasPSI() bool { return v.major >= 9 }

// vmidIsString: PVE::LXC::vmstatus returned the vmid hash key, a string,
// until pve-container 5.0.10 (commit 81aa4bd, PVE 8.2) made it an integer.
func (v pveVersion) vmidIsString() bool { return v.major < 8 || (v.major == 8 && v.minor < 2) }

// newRRDLayout: PVE 9 keeps guest RRD in pve-vm-9.0/<vmid> with finer
// resolutions; PVE 7 and 8 in pve2-vm/<vmid> (pve-cluster src/PVE/RRD.pm).
func (v pveVersion) newRRDLayout() bool { return v.major >= 9 }

func (v pveVersion) rrdFile(vmid int) string {
	if v.newRRDLayout() {
		return "pve-vm-9.0/" + strconv.Itoa(vmid)
	}
	return "pve2-vm/" + strconv.Itoa(vmid)
}
