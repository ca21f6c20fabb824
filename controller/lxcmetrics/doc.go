// Package lxcmetrics is the codec of lxc_metrics.json, the export of
// the original monitor: Encode writes it, Decode reads ours or the
// original's. It does no file handling (controller's Exporter keeps the
// cycles and writes the file atomically) and imports nothing of the project
// but proxmox, for the Pressure type.
//
// # Format choices
//
// lxc_metrics.json is written in the layout of the original monitor
// (reference §3.3): a JSON array with one object per collection cycle, keyed
// by container ID string plus "summary". Choices made where the original is
// silent or wrong, so that anybody reading the file knows them:
//
//   - Timestamps are UTC with microseconds and an explicit "+00:00"
//     ("2025-12-24T13:33:20.628660+00:00"): exactly what Python writes for
//     datetime.now(timezone.utc).isoformat(), so every Python that read the
//     original's naive timestamps (datetime.fromisoformat since 3.7, pandas)
//     reads ours, which "Z" would not give before Python 3.11; and unlike the
//     original's naive local time it survives DST and a change of host zone.
//     The loader accepts naive timestamps (read as UTC), "Z" and any
//     ±hh:mm offset, with 0 to 9 fraction digits (truncated to microseconds,
//     the format's precision).
//   - Keys inside an entry and inside the summary are sorted like the latest
//     original's sort_keys=True. Container IDs are in numeric order (101
//     before 1000), not Python's string order ("1000" before "101"): JSON
//     object order means nothing to any reader, and numeric order is what a
//     person scanning the file expects. "summary" comes last in both.
//   - Compact, not indent=4: at 1,000 containers x 1,000 cycles indent=4
//     adds about 300 bytes per container entry, some 300 MB of spaces.
//     Every cycle-level key starts a line, so the file still reads and greps
//     line by line: grep '^"101"' shows container 101 in every cycle.
//   - Floats are written like Python's repr (shortest round-trip digits,
//     "512.0" for whole values, exponent below 1e-4 and from 1e16), so the
//     file looks like the original's to a human and to a diff. A value that
//     is not finite (NaN, ±Inf: never valid JSON) is written as 0, except
//     anomaly_score, which is then left out.
//   - process_count is always 0: the Proxmox API has no source for it and
//     the controller runs nothing inside containers.
//   - filesystem_free_gb is total - used. The original wrote df's
//     "Available", which leaves out reserved blocks; the loader ignores the
//     field and derives nothing from it.
//
// New fields beside the original ones: node, cores, memory_limit_mb,
// pressure (PSI avg10 percentages; left out when Proxmox sent none) and
// anomaly_score (left out when no model has scored the container).
//
// The loader is lenient where the original files vary and strict where a
// value could not be what the writer meant: unknown keys are skipped, a
// missing or null field is zero (NaN for anomaly_score, nil for pressure),
// collected_containers, total_duration_seconds, process_count and
// filesystem_free_gb are read over but not kept (they are derived); a wrong
// type, a negative size, a non-integer counter, a key at cycle level that is
// neither a container ID nor "summary", or anything that is not JSON makes
// the whole file corrupt. Entries of a decoded cycle are in VMID order; a
// container ID given twice in a cycle keeps its last entry, as Python does.
//
// # Concurrency
//
// Encode and Decode share nothing: any number may run at once.
package lxcmetrics
