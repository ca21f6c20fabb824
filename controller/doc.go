// Package controller is the reconcile loop of lxc-autoscale: it collects
// the usage of every LXC container of the cluster, keeps a sliding window
// per container, scores each container with the isolation forest, decides
// with thresholds, cooldowns and guards, and applies resizes through the
// Proxmox VE API as compare-and-set writes on the config digest. It also
// writes lxc_metrics.json, the state file and the audit record, and
// records its Prometheus metrics.
//
// It imports forest and proxmox (for their types and *proxmox.Client, which
// satisfies Cluster) and nothing else of the project: never config, httpapi
// or cmd. cmd maps the configuration into Options.
package controller
