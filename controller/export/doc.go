// Package export is lxc_metrics.json as a file: File appends the
// controller's cycles to it, compacts it, repairs the end a crash cut
// short, and reads back its newest cycles at start (Reader). The bytes
// are controller/lxcmetrics's: this package decides when and where they
// are written and read, never what they are.
//
// # Appends and compactions
//
// Each Append writes one cycle where the file's closing bracket was, then
// fsyncs: the file grows by a cycle's bytes and is never rewritten whole,
// and no cycle is kept in memory but the one written. When the file holds
// more than twice MaxEntries cycles, the newest MaxEntries are copied as
// they are (found by their marks, not decoded) after "[" into a temporary
// file beside it, which is renamed over it. So a compaction comes every
// MaxEntries+1 appends and writes MaxEntries cycles: an export writes
// (2M+1)/(M+1) cycles on average, under two, plus its closing bracket.
// MaxEntries is thus the number of newest cycles always kept; the file
// holds up to twice as many. How many it holds is estimated at start from
// the size of its newest cycle (counting would read the whole file); the
// first compaction counts them, back to the start of the file if need be,
// and leaves a file that holds no more than twice MaxEntries as it is.
//
// # Crashes
//
// A crash at any byte of an append leaves the cycles before it and a torn
// end: Load (or the next Append) drops the torn part, logs it with the
// bytes dropped, counts it (Metrics.Repairs) and closes the array again. A
// crash in a compaction or a rewrite leaves the file as it was and a
// temporary file, which Load deletes. A file that is not an export at all
// (not a JSON array, data after it, an end no writer leaves) is moved
// aside (Files.MoveAside), never overwritten; one that cannot be moved
// aside is never written. A damaged cycle deeper in the file is not looked
// for: finding it would mean reading the whole file at every start.
//
// # The original's files
//
// A file in another layout (the original's indent=4, one JSON line) is
// read whole by Reader, and never appended to in place: the first Append
// rewrites it in this layout, every cycle of it and then the new one,
// decoding and encoding one cycle at a time, and compacts it if it then
// holds too many. A file whose later cycles do not decode is moved aside
// then.
//
// # Start
//
// Load reads the end of the file: the newest cycle, and the one before
// when the newest is torn. Reader.Recent reads back from the end only the
// cycles a window can hold, so a reader of the last hour of a file of
// gigabytes reads the last hour's bytes; the controller runs it in the
// background.
//
// # Imports and concurrency
//
// controller/lxcmetrics and nothing else of the project: the controller
// gives the file operations it shares with its state file (Files). Load,
// Append and Close may be called from any goroutine and take turns; a
// compaction runs inside the Append that needs it, and Close stops it. A
// Reader has its own descriptor and may read while Appends and
// compactions go on; one Reader is for one goroutine.
package export
