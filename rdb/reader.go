package rdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/keeldb/keel/rdb/crc64"
	"github.com/keeldb/keel/rdb/lzf"
)

// DefaultMaxString caps a single string (Redis's proto-max-bulk-len).
const DefaultMaxString = 512 << 20

// readChunk is the most a string read allocates ahead of the bytes actually
// received, so a forged length cannot make the decoder allocate memory the
// input does not back.
const readChunk = 64 << 10

// errTruncated is what a short read becomes anywhere in the input.
var errTruncated = fmt.Errorf("%w: input truncated (%w)", ErrCorrupt, io.ErrUnexpectedEOF)

type byteReader interface {
	io.Reader
	io.ByteReader
}

// reader consumes RDB primitives, counting the offset and, when sum is set,
// the CRC64 of everything read.
type reader struct {
	src       byteReader
	off       int64
	crc       uint64
	sum       bool
	maxString int64
	buf       [8]byte
}

func ioErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errTruncated
	}
	return err
}

func (r *reader) readByte() (byte, error) {
	b, err := r.src.ReadByte()
	if err != nil {
		return 0, ioErr(err)
	}
	r.off++
	if r.sum {
		r.crc = crc64.UpdateByte(r.crc, b)
	}
	return b, nil
}

func (r *reader) readFull(p []byte) error {
	n, err := io.ReadFull(r.src, p)
	if r.sum {
		r.crc = crc64.Update(r.crc, p[:n])
	}
	r.off += int64(n)
	if err != nil {
		return ioErr(err)
	}
	return nil
}

// readLen reads a length; encoded reports the 11xxxxxx form, whose low six
// bits (returned as n) name a special string encoding.
func (r *reader) readLen() (n uint64, encoded bool, err error) {
	b, err := r.readByte()
	if err != nil {
		return 0, false, err
	}
	switch {
	case b>>6 == len6Bit:
		return uint64(b & 0x3f), false, nil
	case b>>6 == len14Bit:
		b2, err := r.readByte()
		if err != nil {
			return 0, false, err
		}
		return uint64(b&0x3f)<<8 | uint64(b2), false, nil
	case b == len32Bit:
		if err := r.readFull(r.buf[:4]); err != nil {
			return 0, false, err
		}
		return uint64(binary.BigEndian.Uint32(r.buf[:4])), false, nil
	case b == len64Bit:
		if err := r.readFull(r.buf[:8]); err != nil {
			return 0, false, err
		}
		return binary.BigEndian.Uint64(r.buf[:8]), false, nil
	case b>>6 == lenEnc:
		return uint64(b & 0x3f), true, nil
	}
	return 0, false, corruptf("unknown length encoding 0x%02x", b)
}

// readLength reads a plain length (no special encoding allowed).
func (r *reader) readLength() (uint64, error) {
	n, enc, err := r.readLen()
	if err != nil {
		return 0, err
	}
	if enc {
		return 0, corruptf("encoded value where a length belongs")
	}
	return n, nil
}

// readCount reads an element count. Callers grow their slices as elements
// arrive; the count alone never sizes an allocation beyond prealloc's cap.
func (r *reader) readCount(what string) (int, error) {
	n, err := r.readLength()
	if err != nil {
		return 0, err
	}
	if n > math.MaxInt32 {
		return 0, fmt.Errorf("%w: %s count %d", ErrTooLarge, what, n)
	}
	return int(n), nil
}

// prealloc bounds the capacity reserved for a declared element count.
func prealloc(n int) int { return min(n, 1024) }

func (r *reader) readString() ([]byte, error) {
	n, enc, err := r.readLen()
	if err != nil {
		return nil, err
	}
	if !enc {
		return r.readRaw(n)
	}
	switch n {
	case encInt8:
		b, err := r.readByte()
		if err != nil {
			return nil, err
		}
		return strconv.AppendInt(nil, int64(int8(b)), 10), nil
	case encInt16:
		if err := r.readFull(r.buf[:2]); err != nil {
			return nil, err
		}
		return strconv.AppendInt(nil, int64(int16(binary.LittleEndian.Uint16(r.buf[:2]))), 10), nil
	case encInt32:
		if err := r.readFull(r.buf[:4]); err != nil {
			return nil, err
		}
		return strconv.AppendInt(nil, int64(int32(binary.LittleEndian.Uint32(r.buf[:4]))), 10), nil
	case encLZF:
		clen, err := r.readLength()
		if err != nil {
			return nil, err
		}
		ulen, err := r.readLength()
		if err != nil {
			return nil, err
		}
		if ulen > uint64(r.maxString) {
			return nil, fmt.Errorf("%w: LZF string of %d bytes (limit %d)", ErrTooLarge, ulen, r.maxString)
		}
		start := r.off
		comp, err := r.readRaw(clen)
		if err != nil {
			return nil, err
		}
		out, err := lzf.Decompress(comp, int(ulen))
		if err != nil {
			return nil, &posError{start, corruptf("LZF string: %v", err)}
		}
		return out, nil
	}
	return nil, corruptf("unknown string encoding %d", n)
}

// readRaw reads n bytes, growing the buffer as data arrives.
func (r *reader) readRaw(n uint64) ([]byte, error) {
	if n > uint64(r.maxString) {
		return nil, fmt.Errorf("%w: string of %d bytes (limit %d)", ErrTooLarge, n, r.maxString)
	}
	if n <= readChunk {
		p := make([]byte, n)
		if err := r.readFull(p); err != nil {
			return nil, err
		}
		return p, nil
	}
	p := make([]byte, 0, readChunk)
	for uint64(len(p)) < n {
		step := min(n-uint64(len(p)), uint64(max(len(p), readChunk)))
		if cap(p)-len(p) < int(step) {
			q := make([]byte, len(p), len(p)+int(step))
			copy(q, p)
			p = q
		}
		if err := r.readFull(p[len(p) : len(p)+int(step)]); err != nil {
			return nil, err
		}
		p = p[:len(p)+int(step)]
	}
	return p, nil
}

// readMillis reads a little-endian 64-bit millisecond time.
func (r *reader) readMillis() (int64, error) {
	if err := r.readFull(r.buf[:8]); err != nil {
		return 0, err
	}
	return int64(binary.LittleEndian.Uint64(r.buf[:8])), nil
}

func (r *reader) readBinaryDouble() (float64, error) {
	if err := r.readFull(r.buf[:8]); err != nil {
		return 0, err
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(r.buf[:8])), nil
}

// readStringDouble reads the RDB 1-8 score form: a length byte (253 NaN,
// 254 +inf, 255 -inf) then that many ASCII characters.
func (r *reader) readStringDouble() (float64, error) {
	n, err := r.readByte()
	if err != nil {
		return 0, err
	}
	switch n {
	case 253:
		return math.NaN(), nil
	case 254:
		return math.Inf(1), nil
	case 255:
		return math.Inf(-1), nil
	}
	p := make([]byte, n)
	if err := r.readFull(p); err != nil {
		return 0, err
	}
	f, err := parseScore(p)
	if err != nil {
		return 0, corruptf("bad score %q", p)
	}
	return f, nil
}

// parseScore parses a score as Redis's strtod would accept it.
func parseScore(p []byte) (float64, error) {
	return strconv.ParseFloat(string(p), 64)
}
