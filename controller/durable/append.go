package durable

import (
	"errors"
	"os"
)

// ErrNotOpen is returned by AppendFile's writes before Open or after Close.
var ErrNotOpen = errors.New("file not open")

// AppendFile is a file that records are appended to whole, the one way the
// controller's record files (the journal, the audit record) are written:
// each Write is one write(2) on an O_APPEND file, so a crash of the process
// never interleaves two records nor loses one already written, and Close
// fsyncs before it closes. How often to fsync in between, and what to do
// with a line a crash tore, is each owner's choice.
//
// The zero value is closed. An AppendFile is not safe for concurrent use:
// its owner serialises the calls (under the mutex that also guards its
// other fields).
type AppendFile struct {
	f    *os.File // nil while closed
	size int64
}

// Open opens path for appending, creating it (0600) when missing; Size is
// then the file's size.
func (a *AppendFile) Open(path string) error {
	if a.f != nil {
		return errors.New("file already open")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	a.f, a.size = f, info.Size()
	return nil
}

// IsOpen reports whether the file is open.
func (a *AppendFile) IsOpen() bool { return a.f != nil }

// Size is the file's size as this AppendFile has made it: its size at Open
// plus what was written since.
func (a *AppendFile) Size() int64 { return a.size }

// Write appends b in one write(2); a record must be one call.
func (a *AppendFile) Write(b []byte) error {
	if a.f == nil {
		return ErrNotOpen
	}
	n, err := a.f.Write(b)
	a.size += int64(n)
	return err
}

// Sync fsyncs the file.
func (a *AppendFile) Sync() error {
	if a.f == nil {
		return ErrNotOpen
	}
	return a.f.Sync()
}

// Truncate cuts the file to size bytes; appending goes on at its end.
func (a *AppendFile) Truncate(size int64) error {
	if a.f == nil {
		return ErrNotOpen
	}
	if err := a.f.Truncate(size); err != nil {
		return err
	}
	a.size = size
	return nil
}

// Close fsyncs and closes the file; it is closed afterwards even when either
// fails. Closing a closed AppendFile does nothing.
func (a *AppendFile) Close() error {
	if a.f == nil {
		return nil
	}
	err := errors.Join(a.f.Sync(), a.f.Close())
	a.f = nil
	return err
}
