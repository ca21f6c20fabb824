// Package lxcmetrics is the codec of lxc_metrics.json, the export of
// the original monitor: Encode and AppendText write it, Stream and Decode
// read ours or the original's, and Inspect, Newest, Marks and Rewrite know
// its layout well enough to append to it, read its newest cycles from its
// end, drop its oldest and convert the original's. It works on io.Reader,
// io.ReaderAt and io.Writer and never opens, truncates or renames a file
// (controller/export does), and imports nothing of the project but
// proxmox, for the Pressure type.
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
//   - Every cycle starts with the line "{" and ends with the line "}", and
//     no other line is "{" (layout.go draws it). A cycle is added by
//     writing ",", the cycle and the closing line "]" over the old closing
//     bracket (AppendText), so a file grows by one cycle's bytes; and the
//     newest cycles are found by searching back from the end for the
//     "\n{\n" that starts each (Newest, Marks), so a reader of the last
//     hour of a file of gigabytes reads the last hour's bytes.
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
// # Cut short by a crash
//
// An append killed or cut by a power loss at any byte leaves the cycles
// before it whole, then part of the new cycle, part of the closing
// bracket, what was left of the old closing bracket, or zeros. Inspect
// finds the end of the newest whole cycle and reports the bytes after it
// as Torn: the writer drops them and closes the array again, so such a
// file always loads, less the cycle being written. What Inspect refuses
// is what no writer of this layout leaves: data after the closing bracket,
// the cycle before a cut-short one not whole, a file that is not a JSON
// array. A damaged cycle deeper in the file is found only by a reader that
// gets to it (Newest stops there with an error; Decode fails).
//
// # The original's files
//
// A JSON array in another layout (the original's indent=4, or one line)
// is ErrOtherLayout once its first cycle and its closing bracket check
// out: Stream and Decode read it whole, and a writer must not append to it
// in place. Rewrite turns it into this layout, cycle by cycle.
//
// # Concurrency
//
// The functions share nothing: any number may run at once, also on the same
// io.ReaderAt.
package lxcmetrics
