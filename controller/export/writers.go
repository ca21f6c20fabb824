package export

import (
	"errors"
	"io"
	"sync/atomic"
)

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n *int64
}

func (c countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	*c.n += int64(n)
	return n, err
}

// errWriter keeps the writer's error, to tell it from the reader's.
type errWriter struct {
	w   io.Writer
	err *error
}

func (e errWriter) Write(p []byte) (int, error) {
	n, err := e.w.Write(p)
	if err != nil {
		*e.err = err
	}
	return n, err
}

// errClosing stops a compaction when the File is closed.
var errClosing = errors.New("exporter closed")

// stopReader reads r until stop is set.
type stopReader struct {
	r    io.Reader
	stop *atomic.Bool
}

func (s stopReader) Read(p []byte) (int, error) {
	if s.stop.Load() {
		return 0, errClosing
	}
	return s.r.Read(p)
}
