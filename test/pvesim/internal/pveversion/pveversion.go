package pveversion

import (
	"fmt"
	"regexp"
	"strconv"
)

// Version is the pve-manager release a node runs. A cluster being
// upgraded mixes them, and the client meets every difference at once.
type Version struct {
	Major, Minor, Patch int
}

// Default is what nodes run unless pvesim.Options.NodeVersions says otherwise.
const Default = "9.1.1"

// versionRE accepts 9.1.1 and PVE 7's own spelling 7.4-19.
var versionRE = regexp.MustCompile(`^([789])\.(\d{1,2})[.-](\d{1,3})$`)

// Parse reads a pve-manager version, 9.1.1 or 7.4-19.
func Parse(s string) (Version, error) {
	m := versionRE.FindStringSubmatch(s)
	if m == nil {
		return Version{}, fmt.Errorf("%q is not a PVE version MAJOR.MINOR.PATCH with MAJOR 7, 8 or 9", s)
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	patch, _ := strconv.Atoi(m[3])
	return Version{major, minor, patch}, nil
}

// String is the pve-manager package version: PVE 7 numbered its releases
// 7.4-19, PVE 8 switched to 8.4.1 (pve-manager debian/changelog).
func (v Version) String() string {
	sep := "."
	if v.Major < 8 {
		sep = "-"
	}
	return fmt.Sprintf("%d.%d%s%d", v.Major, v.Minor, sep, v.Patch)
}

// Release is MAJOR.MINOR, as /version reports it.
func (v Version) Release() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// RepoID is the git commit /version and pveversion name; made up but
// stable per version.
func (v Version) RepoID() string {
	switch v.Major {
	case 7:
		return "f98bf8d4"
	case 8:
		return "2a5fa54a8503f96d"
	}
	return "2a6b9c8e4"
}

// Kernel is the uname release and version string of the default kernel of
// each major release (proxmox-kernel / pve-kernel series).
func (v Version) Kernel() (release, version string) {
	switch v.Major {
	case 7:
		return "5.15.158-2-pve", "#1 SMP PVE 5.15.158-2 (2024-07-26T12:31Z)"
	case 8:
		return "6.8.12-9-pve", "#1 SMP PREEMPT_DYNAMIC PMX 6.8.12-9 (2025-03-16T19:18Z)"
	}
	return "6.14.8-2-pve", "#1 SMP PREEMPT_DYNAMIC PMX 6.14.8-2 (2025-07-22T10:04Z)"
}

// HasPSI: PVE 9 added the pressure stall fields to PVE::LXC::vmstatus
// (pve-container src/PVE/LXC.pm) and to the pve-vm-9.0 RRD files; older
// nodes neither report nor collect them.
func (v Version) HasPSI() bool { return v.Major >= 9 }

// VMIDIsString: PVE::LXC::vmstatus returned the vmid hash key, a string,
// until pve-container 5.0.10 (commit 81aa4bd, PVE 8.2) made it an integer.
func (v Version) VMIDIsString() bool { return v.Major < 8 || (v.Major == 8 && v.Minor < 2) }

// NewRRDLayout: PVE 9 keeps guest RRD in pve-vm-9.0/<vmid> with finer
// resolutions; PVE 7 and 8 in pve2-vm/<vmid> (pve-cluster src/PVE/RRD.pm).
func (v Version) NewRRDLayout() bool { return v.Major >= 9 }

// RRDFile is the path of a guest's RRD file below /var/lib/rrdcached/db.
func (v Version) RRDFile(vmid int) string {
	if v.NewRRDLayout() {
		return "pve-vm-9.0/" + strconv.Itoa(vmid)
	}
	return "pve2-vm/" + strconv.Itoa(vmid)
}
