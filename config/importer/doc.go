// Package importer turns the configuration files of the tools lxc-autoscale
// replaces into one lxc-autoscale configuration: LXC AutoScale ML's
// lxc_autoscale_ml.yaml, lxc_autoscale_api.yaml and lxc_monitor.yaml, and
// the sibling proxmox-lxc-autoscale's lxc_autoscale.yaml (its DEFAULT
// section and TIER_* sections). It owns the mapping of their keys and
// units (percentages to ratios, MB to sizes, seconds to durations, tiers to
// scaling.policies matched by VMID), the reason given for every key it
// cannot map, and the YAML it writes: a complete configuration with the
// built-in defaults for what the originals did not say, each imported value
// commented with the key it came from, and the keys not imported listed as
// comments with why. Recognize tells, from the keys config.Load refuses as
// unknown, which original file a configuration handed to lxc-autoscale is.
//
// It never copies a secret: API keys, tokens, passwords and webhook URLs
// of the originals are named, never printed. It writes no Proxmox
// credentials, which the originals did not have (they ran pct on the
// host): the result validates once proxmox.endpoints, token_id and the
// token's secret are given.
//
// Import loads what it made, with placeholder credentials, before
// returning it (through a temporary file, as config.Load reads files): a
// result check-config would refuse is an error, never output.
//
// It imports config (the defaults, the value formats, Load) and nothing
// else of the project. Import reads the files it is given and keeps no
// state: it is safe to call from several goroutines.
package importer
