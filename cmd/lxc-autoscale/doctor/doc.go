// Package doctor checks a configuration against the cluster it names, the
// way the daemons will use it, and says for each problem what fixes it:
// TLS (the fingerprint an endpoint presents, to pin), the credentials (what
// a 401 means), every privilege the configuration needs (read from GET
// /access/permissions, with the pveum line that grants the missing ones),
// the nodes, their Proxmox VE versions and the containers visible.
// Preflight is its first check, which run, monitor and api make at start
// to refuse a credential or certificate that will never be accepted.
//
// It imports config and proxmox of the project and builds its clients
// through the NewClient it is given (cmd's wiring). It keeps no state;
// Probe and Preflight may run concurrently.
package doctor
