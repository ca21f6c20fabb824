// Package pveconf is a container's configuration as PVE stores it: the
// sections of /etc/pve/lxc/<vmid>.conf (pve-container
// src/PVE/LXC/Config.pm: serialization, digest, value types, known keys),
// the volumes its rootfs and mount points name with PVE's size syntax
// (pve-common src/PVE/JSONSchema.pm parse_size/format_size), and the
// storages those volumes live on with what their plugins make of a disk
// (volume names, the size df reports).
//
// It holds no state beyond read-only tables and imports the standard
// library and pvesim's jsonw only. Everything is safe for concurrent use;
// a Section is a plain map that its owner guards.
package pveconf
