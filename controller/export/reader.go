package export

import (
	"io"
	"os"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/lxcmetrics"
)

// Reader reads the newest cycles of the file as Load found it,
// through a descriptor of its own: Appends, and the rename of a
// compaction, may go on meanwhile.
type Reader struct {
	f         *os.File
	end, size int64
	other     bool
	max       int
}

// Recent calls yield with the cycles that ended at or after since, at most
// MaxEntries, until yield returns false. A file of ours is read backwards
// from its end, newest first, no further than the first older cycle; one
// in another layout (the original's) is read whole, in file order. An
// error comes after the cycles read before it.
func (r *Reader) Recent(since time.Time, yield func(lxcmetrics.Cycle) bool) error {
	if r.other {
		return lxcmetrics.Stream(io.NewSectionReader(r.f, 0, r.size), func(c lxcmetrics.Cycle) bool {
			return c.End.Before(since) || yield(c)
		})
	}
	n := 0
	return lxcmetrics.Newest(r.f, r.end, func(c lxcmetrics.Cycle) bool {
		n++
		return !c.End.Before(since) && yield(c) && n < r.max
	})
}

// Close releases the reader's descriptor.
func (r *Reader) Close() error { return r.f.Close() }
