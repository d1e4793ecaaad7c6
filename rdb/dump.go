package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/keeldb/keel/rdb/crc64"
)

// EncodeDump serializes v as Redis's DUMP does: the object type byte, the
// value, the RDB version as 2 little-endian bytes, and the CRC64 of all that
// as 8 little-endian bytes. rdbVersion is 10 (what Redis 7.0 writes and any
// Redis from 7.0 accepts) or 11.
func EncodeDump(v Value, rdbVersion int) ([]byte, error) {
	if rdbVersion != 10 && rdbVersion != 11 {
		return nil, fmt.Errorf("rdb: cannot encode DUMP payloads of RDB version %d (10 or 11)", rdbVersion)
	}
	if err := checkValue(&v); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w := writer{w: &buf, compress: true}
	t := objectType(&v, rdbVersion)
	w.byte(byte(t))
	writeValue(&w, &v, t) // a bytes.Buffer never fails a write
	out := binary.LittleEndian.AppendUint16(buf.Bytes(), uint16(rdbVersion))
	return binary.LittleEndian.AppendUint64(out, crc64.Checksum(out)), nil
}

// DecodeDump decodes a DUMP payload of RDB version 1 to 12. A wrong version
// or checksum returns ErrDumpPayload itself; a payload that passes both but
// does not decode returns an error wrapping ErrBadDataFormat (and an *Error
// with the offset), as Redis's RESTORE distinguishes them.
func DecodeDump(payload []byte) (Value, error) {
	if len(payload) < 10 {
		return Value{}, ErrDumpPayload
	}
	body, footer := payload[:len(payload)-10], payload[len(payload)-10:]
	if v := binary.LittleEndian.Uint16(footer); v > MaxReadVersion {
		return Value{}, ErrDumpPayload
	}
	if crc64.Checksum(payload[:len(payload)-8]) != binary.LittleEndian.Uint64(footer[2:]) {
		return Value{}, ErrDumpPayload
	}
	bad := func(off int64, err error) error {
		var pe *posError
		if errors.As(err, &pe) {
			off, err = pe.off, pe.err
		}
		return fmt.Errorf("%w: %w", ErrBadDataFormat, &Error{Offset: off, Err: err})
	}
	if len(body) == 0 {
		return Value{}, bad(0, corruptf("empty payload"))
	}
	r := &reader{src: bytes.NewReader(body[1:]), off: 1, maxString: DefaultMaxString}
	d := valueDecoder{r: r}
	v, err := d.decode(ObjectType(body[0]))
	if err != nil {
		return Value{}, bad(r.off, err)
	}
	if r.off != int64(len(body)) {
		return Value{}, bad(r.off, corruptf("%d bytes after the value", int64(len(body))-r.off))
	}
	if v.isEmpty() {
		return Value{}, bad(r.off, corruptf("empty %s", v.Kind))
	}
	return v, nil
}
