package rdb

import (
	"errors"
	"fmt"
)

// Sentinel errors; decode errors wrap one of them inside an *Error.
var (
	// ErrCorrupt: the bytes do not follow the format.
	ErrCorrupt = errors.New("corrupt data")
	// ErrChecksum: the CRC64 trailer does not match the file.
	ErrChecksum = errors.New("checksum mismatch")
	// ErrVersion: not an RDB file, or a version this package cannot read.
	ErrVersion = errors.New("unsupported RDB version")
	// ErrUnsupported: valid RDB content keel cannot represent or skip.
	ErrUnsupported = errors.New("unsupported content")
	// ErrTooLarge: a size over the decoder's limits.
	ErrTooLarge = errors.New("size over limit")
)

// Errors RESTORE reports, with Redis's exact text so the server can reply
// with err.Error().
var (
	// ErrDumpPayload: DecodeDump found a wrong version or checksum.
	ErrDumpPayload = errors.New("ERR DUMP payload version or checksum are wrong")
	// ErrBadDataFormat is wrapped by DecodeDump's other errors (the payload
	// passed its checksum but does not decode).
	ErrBadDataFormat = errors.New("ERR Bad data format")
)

// Error is a decode error with its position: the byte offset in the input
// and, when the failure is inside a key, that key.
type Error struct {
	Offset int64
	Key    []byte // nil outside a key
	Err    error
}

func (e *Error) Error() string {
	if e.Key != nil {
		return fmt.Sprintf("rdb: key %q at offset %d: %v", e.Key, e.Offset, e.Err)
	}
	return fmt.Sprintf("rdb: offset %d: %v", e.Offset, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// posError pins an error to an offset other than the reader's current one
// (the start of an in-memory blob such as a listpack).
type posError struct {
	off int64
	err error
}

func (e *posError) Error() string { return e.err.Error() }
func (e *posError) Unwrap() error { return e.err }

func corruptf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// Warning reports content the decoder skipped: module data, functions, empty
// collections and other things keel has no equivalent for.
type Warning struct {
	Offset  int64
	Key     []byte // nil outside a key
	Message string
}

func (w Warning) String() string {
	if w.Key != nil {
		return fmt.Sprintf("rdb: key %q at offset %d: %s", w.Key, w.Offset, w.Message)
	}
	return fmt.Sprintf("rdb: offset %d: %s", w.Offset, w.Message)
}
