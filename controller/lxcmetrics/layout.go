package lxcmetrics

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// The layout this package writes, byte for byte:
//
//	[
//	{
//	"101":{...},
//	"summary":{...}
//	},
//	{
//	...
//	}
//	]
//
// Every cycle starts with the line "{" and ends with the line "}" (then
// "," or the closing line "]"). No other line is "{": entries and
// summaries are one line each and a JSON string holds no raw newline. So
// the three bytes "\n{\n" (a mark) start every cycle and nothing else,
// which lets a writer add a cycle by rewriting only the closing bracket and
// a reader find the newest cycles from the end of a file of any size.
const (
	mark = "\n{\n"
	// Closing ends a file that holds a cycle: the closing bracket on a
	// line of its own.
	Closing = "\n]\n"
	// emptyClosing closes a file that holds no cycle: "[]\n".
	emptyClosing = "]\n"
)

// ErrOtherLayout is a JSON array in a layout other than this package's
// (the original monitor's indent=4, or one line): Stream reads it whole,
// and Rewrite turns it into this layout, which a writer must do before it
// appends.
var ErrOtherLayout = errors.New("not in the layout this package writes")

// Tail is the end of a file in this package's layout, as Inspect found it.
type Tail struct {
	// End is the offset just past the newest whole cycle's closing "}", or
	// 1 (just past "[") when the file holds no cycle: AppendText's bytes
	// go there.
	End int64
	// Last is the size of the newest whole cycle with its separator, 0
	// when there is none: the scale for an estimate of how many cycles the
	// file holds.
	Last int64
	// Closed is true when the closing bracket follows End, as a writer
	// leaves the file. When false, the file was cut short by a crash: the
	// Torn bytes after End (a cycle or a closing bracket cut short, maybe
	// none) are to be dropped and the array closed again.
	Closed bool
	Torn   int64
}

// Closing is what ends the file after End once the torn bytes are
// dropped.
func (t Tail) Closing() []byte {
	if t.End <= 1 {
		return []byte(emptyClosing)
	}
	return []byte(Closing)
}

// maxEmptyFile bounds the files read whole to tell an empty array, or one
// whose first cycle was cut short before its mark was whole, from another
// layout.
const maxEmptyFile = 16

// Inspect reads the end of a file of size bytes (and its first bytes) to
// find where its newest whole cycle ends, and what follows that a crash
// left: an append cut short at any byte, the closing bracket missing or
// half written, or zeros where power was lost. It decodes the newest cycle,
// and the one before when the newest is cut short, never the rest of the
// file.
//
// A JSON array in another layout is ErrOtherLayout, after a check of its
// first cycle and its closing bracket. Any other error means the file is
// not an export: empty, not a JSON array, or an end no writer leaves
// (data after the array, a cycle that does not decode before the newest).
func Inspect(r io.ReaderAt, size int64) (Tail, error) {
	if size == 0 {
		return Tail{}, errors.New("empty file")
	}
	head := make([]byte, min(size, maxEmptyFile))
	if err := readFull(r, head, 0); err != nil {
		return Tail{}, err
	}
	switch {
	case bytes.HasPrefix(head, []byte("["+mark)):
		return inspectCycles(r, size)
	case size <= maxEmptyFile && head[0] == '[' && emptyTorn(head[1:]):
		return Tail{End: 1, Torn: size - 1}, nil
	case size <= maxEmptyFile && head[0] == '[' && string(bytes.TrimSpace(head[1:])) == "]":
		return Tail{End: 1, Closed: true}, nil
	}
	return Tail{}, checkOtherLayout(r, size)
}

// emptyTorn: what follows "[" when the first cycle's append was cut short
// before its mark was whole (over "]\n", or after a truncation).
func emptyTorn(s []byte) bool {
	s = bytes.TrimRight(s, "\x00")
	return len(s) == 0 || string(s) == "\n" || string(s) == "\n\n" || string(s) == "\n{"
}

// inspectCycles finds the end of a file that starts with "[" and a mark.
func inspectCycles(r io.ReaderAt, size int64) (Tail, error) {
	s := markScanner{r: r}
	m, err := s.before(size)
	if err != nil {
		return Tail{}, err
	}
	if _, end, err := decodeCycleAt(r, m+1, size); err == nil {
		suffix := make([]byte, min(size-end, maxEmptyFile))
		if err := readFull(r, suffix, end); err != nil {
			return Tail{}, err
		}
		t := Tail{End: end, Last: end - m + 1}
		s := bytes.TrimRight(suffix, "\x00")
		switch {
		case string(bytes.TrimSpace(s)) == "]" && size-end < maxEmptyFile:
			if t.Closed = len(s) == len(suffix); !t.Closed { // zeros after the closing bracket
				t.Torn = size - end
			}
			return t, nil
		case len(s) == 0 || string(s) == "\n" || s[0] == ',':
			// The next append or the closing bracket cut short.
			t.Torn = size - end
			return t, nil
		}
		return Tail{}, fmt.Errorf("at byte %d: data after the last cycle", end)
	}
	// The newest cycle is cut short: the file ends at its separator.
	if m == 1 {
		return Tail{End: 1, Torn: size - 1}, nil
	}
	// The file starts as ours: whatever else is wrong is damage, not
	// another layout.
	if err := s.separator(m); err != nil {
		return Tail{}, errors.New(err.Error())
	}
	prev, err := s.before(m - 1)
	if err != nil {
		return Tail{}, errors.New(err.Error())
	}
	if _, end, err := decodeCycleAt(r, prev+1, m-1); err != nil || end != m-1 {
		return Tail{}, fmt.Errorf("cycle at byte %d: neither the newest nor whole: %v", prev+1, err)
	}
	return Tail{End: m - 1, Last: m - prev, Torn: size - (m - 1)}, nil
}

// checkOtherLayout returns ErrOtherLayout for a file that starts as a JSON
// array of cycles and ends with "]", or says why it is not an export. The
// first cycle is decoded; the rest is left for Stream.
func checkOtherLayout(r io.ReaderAt, size int64) error {
	var tail [maxEmptyFile]byte
	n := min(size, maxEmptyFile)
	if err := readFull(r, tail[:n], size-n); err != nil {
		return err
	}
	if t := bytes.TrimRight(tail[:n], " \t\r\n"); len(t) == 0 || t[len(t)-1] != ']' {
		return errors.New("not a JSON array: no closing bracket at the end")
	}
	err := Stream(io.NewSectionReader(r, 0, size), func(Cycle) bool { return false })
	if err != nil {
		return err
	}
	return ErrOtherLayout
}

// Newest calls yield with the cycles of a file in this package's layout
// whose newest whole cycle ends at end (Tail.End), newest first, until
// yield returns false or the oldest was given. It reads the file from end
// backwards and decodes only the cycles it gives. A cycle that does not
// decode, or a separator that is not this layout's, stops it with an
// error after the newer cycles were given.
func Newest(r io.ReaderAt, end int64, yield func(Cycle) bool) error {
	s := markScanner{r: r}
	for limit := end; limit > 1; {
		m, err := s.before(limit)
		if err != nil {
			return err
		}
		cy, cend, err := decodeCycleAt(r, m+1, limit)
		if err == nil && cend != limit {
			err = fmt.Errorf("at byte %d: data after the cycle", cend)
		}
		if err != nil {
			return fmt.Errorf("cycle at byte %d: %w", m+1, err)
		}
		if !yield(cy) {
			return nil
		}
		if err := s.separator(m); err != nil {
			return err
		}
		limit = m - 1
	}
	return nil
}

// Marks returns the offsets of the marks of the newest n cycles of a file
// in this package's layout whose newest cycle ends at end, newest first:
// fewer when the file holds fewer. It checks the separator before each
// mark, not the cycles. The bytes from the mark of the k-th newest cycle
// to end, after "[" and before the closing bracket, are a file of the
// newest k cycles.
func Marks(r io.ReaderAt, end int64, n int) ([]int64, error) {
	s := markScanner{r: r}
	var marks []int64
	for limit := end; limit > 1 && len(marks) < n; {
		m, err := s.before(limit)
		if err != nil {
			return marks, err
		}
		if err := s.separator(m); err != nil {
			return marks, err
		}
		marks = append(marks, m)
		limit = m - 1
	}
	return marks, nil
}

// Rewrite writes in this package's layout the cycles r holds (any layout
// Stream reads), then then when it is not nil, and returns how many cycles
// it wrote. It holds one cycle at a time. A write error comes back as w
// returned it.
func Rewrite(w io.Writer, r io.Reader, then *Cycle) (int, error) {
	buf := []byte{'['}
	n := 0
	var werr error
	put := func(c *Cycle) bool {
		if n > 0 {
			buf = append(buf, ',')
		}
		buf = appendCycle(buf, c)
		n++
		_, werr = w.Write(buf)
		buf = buf[:0]
		return werr == nil
	}
	err := Stream(r, func(c Cycle) bool { return put(&c) })
	switch {
	case werr != nil:
		return n, werr
	case err != nil:
		return n, err
	case then != nil && !put(then):
		return n, werr
	case n == 0:
		buf = append(buf, emptyClosing...)
	default:
		buf = append(buf, Closing...)
	}
	_, err = w.Write(buf)
	return n, err
}

// decodeCycleAt decodes the cycle whose "{" is at off, reading no further
// than limit, and returns it with the offset just past its "}".
func decodeCycleAt(r io.ReaderAt, off, limit int64) (Cycle, int64, error) {
	d := newExportDecoder(io.NewSectionReader(r, off, limit-off))
	cy, err := d.cycle()
	return cy, off + d.dec.InputOffset(), err
}

// scanBlock is how much of the file a backward search reads at a time.
const scanBlock = 256 << 10

// markScanner searches a file backwards for marks.
type markScanner struct {
	r   io.ReaderAt
	buf []byte
}

// before returns the offset of the last mark that ends at or before limit.
// A file in this layout has one at offset 1: finding none is an error.
func (s *markScanner) before(limit int64) (int64, error) {
	if s.buf == nil {
		s.buf = make([]byte, scanBlock)
	}
	for hi := limit; hi >= int64(len(mark)); {
		lo := max(0, hi-scanBlock)
		b := s.buf[:hi-lo]
		if err := readFull(s.r, b, lo); err != nil {
			return 0, err
		}
		if i := lastMark(b); i >= 0 {
			return lo + int64(i), nil
		}
		if lo == 0 {
			break
		}
		hi = lo + int64(len(mark)) - 1 // a mark across the blocks' edge
	}
	return 0, fmt.Errorf("no cycle starts before byte %d: %w", limit, ErrOtherLayout)
}

// lastMark is bytes.LastIndex(b, mark), searching forwards: Index finds
// the next newline with vector instructions, LastIndex goes byte by byte
// (28 GB/s against 0.56 GB/s here), and a compaction reads back through
// gigabytes.
func lastMark(b []byte) int {
	last := -1
	for off := 0; ; {
		i := bytes.Index(b[off:], []byte(mark))
		if i < 0 {
			return last
		}
		last = off + i
		off = last + 1
	}
}

// separator checks what comes before the mark at m: "[" at the start of
// the file for the first cycle, "," for any other.
func (s *markScanner) separator(m int64) error {
	var b [1]byte
	if err := readFull(s.r, b[:], m-1); err != nil {
		return err
	}
	if (m == 1 && b[0] == '[') || (m > 1 && b[0] == ',') {
		return nil
	}
	return fmt.Errorf("at byte %d: %q before a cycle: %w", m-1, b[0], ErrOtherLayout)
}

// readFull reads len(b) bytes at off; fewer is io.ErrUnexpectedEOF.
func readFull(r io.ReaderAt, b []byte, off int64) error {
	n, err := r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("read at byte %d: %w", off, err)
}
