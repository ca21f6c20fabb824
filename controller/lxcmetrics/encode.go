package lxcmetrics

import (
	"io"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// exportFlushSize is how much encoded text is gathered before it is handed
// to the writer.
const exportFlushSize = 64 << 10

// entryBytesHint is about the most an entry takes with pressure and score
// (some 690 bytes).
const entryBytesHint = 768

// Encode writes cycles in the export layout and returns the bytes
// written: the same bytes as a file that got them by AppendText, one by
// one. It appends into one reused buffer with strconv rather than going
// through encoding/json: see BenchmarkExportEncode for the difference.
func Encode(w io.Writer, cycles []Cycle) (int64, error) {
	if len(cycles) == 0 {
		n, err := io.WriteString(w, "[]\n")
		return int64(n), err
	}
	buf := make([]byte, 0, exportFlushSize+4096)
	var written int64
	buf = append(buf, '[')
	for i := range cycles {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendCycle(buf, &cycles[i])
		if i == len(cycles)-1 {
			buf = append(buf, Closing...)
		}
		if len(buf) >= exportFlushSize || i == len(cycles)-1 {
			n, err := w.Write(buf)
			written += int64(n)
			if err != nil {
				return written, err
			}
			buf = buf[:0]
		}
	}
	return written, nil
}

// AppendText appends to b what a writer puts at Tail.End to add c to a
// file: the separator (none when first, the file holding no cycle yet),
// the cycle, and the Closing bracket it writes over. c's entries must be
// in VMID order without repeats (SortEntries).
func AppendText(b []byte, c *Cycle, first bool) []byte {
	if !first {
		b = append(b, ',')
	}
	return append(appendCycle(b, c), Closing...)
}

// appendCycle appends a cycle as the layout holds it: the line "{", one
// line per entry, the summary line, and the line "}".
func appendCycle(b []byte, c *Cycle) []byte {
	// One allocation for the cycle, not the dozens of append's growth
	// (35 MB allocated for a 6.5 MB cycle of 10,000 containers).
	b = slices.Grow(b, entryBytesHint*(len(c.Entries)+1))
	b = append(b, "\n{"...)
	for j := range c.Entries {
		b = appendEntry(b, &c.Entries[j])
		b = append(b, ',')
	}
	b = appendSummary(b, c)
	return append(b, "\n}"...)
}

func appendEntry(b []byte, en *Entry) []byte {
	b = append(b, "\n\""...)
	b = strconv.AppendInt(b, int64(en.VMID), 10)
	b = append(b, `":{`...)
	if !math.IsNaN(en.Score) && !math.IsInf(en.Score, 0) {
		b = append(b, `"anomaly_score":`...)
		b = appendPyFloat(b, en.Score)
		b = append(b, ',')
	}
	b = append(b, `"cores":`...)
	b = appendPyFloat(b, en.Cores)
	b = append(b, `,"cpu_usage_percent":`...)
	b = appendPyFloat(b, en.CPUPercent)
	free := uint64(0)
	if en.DiskSize > en.DiskUsed {
		free = en.DiskSize - en.DiskUsed
	}
	b = append(b, `,"filesystem_free_gb":`...)
	b = appendUnits(b, free, bytesPerGiB)
	b = append(b, `,"filesystem_total_gb":`...)
	b = appendUnits(b, en.DiskSize, bytesPerGiB)
	b = append(b, `,"filesystem_usage_gb":`...)
	b = appendUnits(b, en.DiskUsed, bytesPerGiB)
	b = append(b, `,"io_stats":{"reads":`...)
	b = strconv.AppendUint(b, en.DiskRead/bytesPerSector, 10)
	b = append(b, `,"writes":`...)
	b = strconv.AppendUint(b, en.DiskWrite/bytesPerSector, 10)
	b = append(b, `},"memory_limit_mb":`...)
	b = appendUnits(b, en.MemLimit, bytesPerMiB)
	b = append(b, `,"memory_usage_mb":`...)
	b = appendUnits(b, en.MemUsed, bytesPerMiB)
	b = append(b, `,"network_usage":{"rx_bytes":`...)
	b = strconv.AppendUint(b, en.NetIn, 10)
	b = append(b, `,"tx_bytes":`...)
	b = strconv.AppendUint(b, en.NetOut, 10)
	b = append(b, `},"node":`...)
	b = appendString(b, en.Node)
	if p := en.Pressure; p != nil {
		b = append(b, `,"pressure":{"cpu_full":`...)
		b = appendPyFloat(b, p.CPUFull)
		b = append(b, `,"cpu_some":`...)
		b = appendPyFloat(b, p.CPUSome)
		b = append(b, `,"io_full":`...)
		b = appendPyFloat(b, p.IOFull)
		b = append(b, `,"io_some":`...)
		b = appendPyFloat(b, p.IOSome)
		b = append(b, `,"memory_full":`...)
		b = appendPyFloat(b, p.MemoryFull)
		b = append(b, `,"memory_some":`...)
		b = appendPyFloat(b, p.MemorySome)
		b = append(b, '}')
	}
	// No API gives the number of processes in a container: see the package
	// doc.
	b = append(b, `,"process_count":0,"swap_total_mb":`...)
	b = appendUnits(b, en.SwapLimit, bytesPerMiB)
	b = append(b, `,"swap_usage_mb":`...)
	b = appendUnits(b, en.SwapUsed, bytesPerMiB)
	b = append(b, `,"timestamp":"`...)
	b = appendTimestamp(b, en.Time)
	return append(b, `"}`...)
}

func appendSummary(b []byte, c *Cycle) []byte {
	start, end := truncateTimestamp(c.Start), truncateTimestamp(c.End)
	b = append(b, "\n\"summary\":{\"collected_containers\":"...)
	b = strconv.AppendInt(b, int64(len(c.Entries)), 10)
	b = append(b, `,"collection_end_time":"`...)
	b = appendTimestamp(b, end)
	b = append(b, `","collection_start_time":"`...)
	b = appendTimestamp(b, start)
	b = append(b, `","monitor_cpu_percent":`...)
	b = appendPyFloat(b, c.MonitorCPUPercent)
	b = append(b, `,"monitor_memory_usage_mb":`...)
	b = appendUnits(b, c.MonitorMemoryBytes, bytesPerMiB)
	b = append(b, `,"total_containers":`...)
	b = strconv.AppendInt(b, int64(c.Total), 10)
	b = append(b, `,"total_duration_seconds":`...)
	b = appendPyFloat(b, end.Sub(start).Seconds())
	return append(b, '}')
}

// appendUnits writes a byte count in MiB or GiB. Dividing by a power of two
// is exact, so the loader gets every byte back below 2^53 bytes (8 PiB).
func appendUnits(b []byte, v uint64, unit float64) []byte {
	return appendPyFloat(b, float64(v)/unit)
}

// appendPyFloat writes f as Python's repr does. Not finite -> 0 (JSON has
// no NaN).
func appendPyFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "0.0"...)
	}
	// Whole numbers (cores, limits in MiB) are common: skip the shortest
	// digits search for them.
	if a := math.Abs(f); a < 1e15 && f == math.Trunc(f) {
		if f == 0 && math.Signbit(f) {
			return append(b, "-0.0"...)
		}
		b = strconv.AppendInt(b, int64(f), 10)
		return append(b, ".0"...)
	}
	if a := math.Abs(f); a < 1e-4 || a >= 1e16 {
		return strconv.AppendFloat(b, f, 'e', -1, 64) // 1e-05, 1.5e+16 like Python
	}
	n := len(b)
	b = strconv.AppendFloat(b, f, 'f', -1, 64)
	for _, c := range b[n:] {
		if c == '.' {
			return b
		}
	}
	return append(b, ".0"...)
}

// truncateTimestamp keeps what the format keeps: UTC microseconds.
func truncateTimestamp(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

// appendTimestamp writes t in UTC as 2006-01-02T15:04:05.000000+00:00. A
// time outside the years 1-9999 (which Python and the loader refuse) is
// written as the zero time rather than make the whole file unreadable.
func appendTimestamp(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 1 || year > 9999 {
		t = time.Time{}
		year, month, day = t.Date()
	}
	hour, minute, sec := t.Clock()
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	b = appendDigits(b, day, 2)
	b = append(b, 'T')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, minute, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	b = append(b, '.')
	b = appendDigits(b, t.Nanosecond()/1000, 6)
	return append(b, "+00:00"...)
}

func appendDigits(b []byte, v, width int) []byte {
	var tmp [8]byte
	for i := width - 1; i >= 0; i-- {
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, tmp[:width]...)
}

// appendString writes s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, "\ufffd"...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
