package rdb

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
)

// This file parses the compact encodings Redis stores as one RDB string:
// listpack, ziplist, intset and zipmap. Offsets in their errors count from
// the start of the blob.

// entry is one element of a listpack or ziplist: a string or an integer.
type entry struct {
	str   []byte
	ival  int64
	isInt bool
}

// bytes returns the element as a string, integers in decimal.
func (e entry) bytes(a *arena) []byte {
	if e.isInt {
		return a.int(e.ival)
	}
	return e.str
}

// integer returns the element as an integer; strings must be canonical
// decimal, as Redis's lpGetInteger accepts them.
func (e entry) integer() (int64, bool) {
	if e.isInt {
		return e.ival, true
	}
	return parseStrictInt64(e.str)
}

// arena hands out decimal renderings of integers from shared chunks, so a
// listpack of small numbers does not cost one allocation per element.
type arena struct{ buf []byte }

func (a *arena) int(v int64) []byte {
	if cap(a.buf)-len(a.buf) < 20 {
		a.buf = make([]byte, 0, max(64, min(2*cap(a.buf), 4096)))
	}
	start := len(a.buf)
	a.buf = strconv.AppendInt(a.buf, v, 10)
	return a.buf[start:len(a.buf):len(a.buf)]
}

// reset drops the current chunk so values of different keys never share one.
func (a *arena) reset() { a.buf = nil }

// parseStrictInt64 parses s only if it is the canonical decimal form of an
// int64 (no sign on zero, no leading zeros, no spaces), as Redis's
// string2ll does; only such strings may be stored as integers.
func parseStrictInt64(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) > 20 {
		return 0, false
	}
	if len(s) == 1 && s[0] == '0' {
		return 0, true
	}
	neg := s[0] == '-'
	p := s
	if neg {
		p = s[1:]
	}
	if len(p) == 0 || p[0] < '1' || p[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range p {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > 1<<63-1 {
		return 0, false
	}
	return int64(v), true
}

// listpack walks a listpack: a 4-byte total size, a 2-byte element count
// (65535 when unknown), the elements, and a 0xFF terminator. Each element is
// an encoding byte with its data, then a back-length of 1-5 bytes.
type listpack struct {
	b        []byte
	pos      int
	count    int
	declared int // -1 when the header does not know
}

const lpHeaderSize = 6

func openListpack(b []byte) (*listpack, error) {
	if len(b) < lpHeaderSize+1 {
		return nil, corruptf("listpack of %d bytes is shorter than its header", len(b))
	}
	if total := binary.LittleEndian.Uint32(b); int64(total) != int64(len(b)) {
		return nil, corruptf("listpack header says %d bytes, string has %d", total, len(b))
	}
	if b[len(b)-1] != 0xff {
		return nil, corruptf("listpack does not end with 0xff")
	}
	declared := int(binary.LittleEndian.Uint16(b[4:]))
	if declared == 0xffff {
		declared = -1
	}
	return &listpack{b: b, pos: lpHeaderSize, declared: declared}, nil
}

// lpBacklenSize is how many bytes encode the back-length of an element
// whose encoding and data take n bytes.
func lpBacklenSize(n int) int {
	switch {
	case n <= 127:
		return 1
	case n < 16383:
		return 2
	case n < 2097151:
		return 3
	case n < 268435455:
		return 4
	}
	return 5
}

// next returns the next element; ok is false at the terminator.
func (l *listpack) next() (e entry, ok bool, err error) {
	b, p := l.b, l.pos
	end := len(b) - 1 // the terminator
	c := b[p]
	if c == 0xff {
		if p != end {
			return e, false, corruptf("listpack terminator at byte %d of %d", p, len(b))
		}
		if l.declared >= 0 && l.count != l.declared {
			return e, false, corruptf("listpack header counts %d elements, found %d", l.declared, l.count)
		}
		return e, false, nil
	}
	need := func(n int) error {
		if p+n > end {
			return corruptf("listpack element at byte %d runs past the end", p)
		}
		return nil
	}
	var size int
	switch {
	case c&0x80 == 0:
		e, size = entry{ival: int64(c), isInt: true}, 1
	case c&0xc0 == 0x80:
		n := int(c & 0x3f)
		if err := need(1 + n); err != nil {
			return e, false, err
		}
		e, size = entry{str: b[p+1 : p+1+n : p+1+n]}, 1+n
	case c&0xe0 == 0xc0:
		if err := need(2); err != nil {
			return e, false, err
		}
		v := int64(c&0x1f)<<8 | int64(b[p+1])
		if v >= 1<<12 {
			v -= 1 << 13
		}
		e, size = entry{ival: v, isInt: true}, 2
	case c&0xf0 == 0xe0:
		if err := need(2); err != nil {
			return e, false, err
		}
		n := int(c&0x0f)<<8 | int(b[p+1])
		if err := need(2 + n); err != nil {
			return e, false, err
		}
		e, size = entry{str: b[p+2 : p+2+n : p+2+n]}, 2+n
	case c == 0xf0:
		if err := need(5); err != nil {
			return e, false, err
		}
		n, err := blobLen(binary.LittleEndian.Uint32(b[p+1:]), end)
		if err != nil {
			return e, false, err
		}
		if err := need(5 + n); err != nil {
			return e, false, err
		}
		e, size = entry{str: b[p+5 : p+5+n : p+5+n]}, 5+n
	case c == 0xf1:
		if err := need(3); err != nil {
			return e, false, err
		}
		e, size = entry{ival: int64(int16(binary.LittleEndian.Uint16(b[p+1:]))), isInt: true}, 3
	case c == 0xf2:
		if err := need(4); err != nil {
			return e, false, err
		}
		v := int64(b[p+1]) | int64(b[p+2])<<8 | int64(b[p+3])<<16
		if v >= 1<<23 {
			v -= 1 << 24
		}
		e, size = entry{ival: v, isInt: true}, 4
	case c == 0xf3:
		if err := need(5); err != nil {
			return e, false, err
		}
		e, size = entry{ival: int64(int32(binary.LittleEndian.Uint32(b[p+1:]))), isInt: true}, 5
	case c == 0xf4:
		if err := need(9); err != nil {
			return e, false, err
		}
		e, size = entry{ival: int64(binary.LittleEndian.Uint64(b[p+1:])), isInt: true}, 9
	default:
		return e, false, corruptf("listpack element at byte %d has unknown encoding 0x%02x", p, c)
	}
	bl := lpBacklenSize(size)
	if err := need(size + bl); err != nil {
		return e, false, err
	}
	// The back-length is big-endian in 7-bit groups; every byte but the
	// first has its top bit set.
	v := 0
	for i, x := range b[p+size : p+size+bl] {
		if (i == 0) == (x&0x80 != 0) {
			return e, false, corruptf("listpack element at byte %d has a malformed back-length", p)
		}
		v = v<<7 | int(x&0x7f)
	}
	if v != size {
		return e, false, corruptf("listpack element at byte %d: back-length %d, element is %d bytes", p, v, size)
	}
	l.pos = p + size + bl
	l.count++
	return e, true, nil
}

// must returns the next element, failing at the terminator.
func (l *listpack) must(what string) (entry, error) {
	e, ok, err := l.next()
	if err != nil {
		return e, err
	}
	if !ok {
		return e, corruptf("listpack ends before %s", what)
	}
	return e, nil
}

func (l *listpack) mustInt(what string) (int64, error) {
	e, err := l.must(what)
	if err != nil {
		return 0, err
	}
	v, ok := e.integer()
	if !ok {
		return 0, corruptf("listpack %s is not an integer (byte %d)", what, l.pos)
	}
	return v, nil
}

// ziplist walks a ziplist: 4-byte total size, 4-byte offset of the last
// element, 2-byte count (65535 when unknown), elements, 0xFF. Each element
// holds the previous element's size (1 byte, or 0xFE and 4 bytes), an
// encoding, and its data.
type ziplist struct {
	b        []byte
	pos      int
	count    int
	declared int
	tail     int
	prevSize int
	last     int
}

const zlHeaderSize = 10

func openZiplist(b []byte) (*ziplist, error) {
	if len(b) < zlHeaderSize+1 {
		return nil, corruptf("ziplist of %d bytes is shorter than its header", len(b))
	}
	if total := binary.LittleEndian.Uint32(b); int64(total) != int64(len(b)) {
		return nil, corruptf("ziplist header says %d bytes, string has %d", total, len(b))
	}
	if b[len(b)-1] != 0xff {
		return nil, corruptf("ziplist does not end with 0xff")
	}
	declared := int(binary.LittleEndian.Uint16(b[8:]))
	if declared == 0xffff {
		declared = -1
	}
	return &ziplist{
		b: b, pos: zlHeaderSize, declared: declared,
		tail: int(binary.LittleEndian.Uint32(b[4:])), last: zlHeaderSize,
	}, nil
}

func (z *ziplist) next() (e entry, ok bool, err error) {
	b, p := z.b, z.pos
	end := len(b) - 1
	if b[p] == 0xff {
		if p != end {
			return e, false, corruptf("ziplist terminator at byte %d of %d", p, len(b))
		}
		if z.declared >= 0 && z.count != z.declared {
			return e, false, corruptf("ziplist header counts %d elements, found %d", z.declared, z.count)
		}
		if z.tail != z.last {
			return e, false, corruptf("ziplist header puts the last element at %d, it is at %d", z.tail, z.last)
		}
		return e, false, nil
	}
	need := func(n int) error {
		if p+n > end {
			return corruptf("ziplist element at byte %d runs past the end", p)
		}
		return nil
	}
	start := p
	// Redis never shrinks a 5-byte previous-size field, so a small size may
	// use either form.
	prev := int(b[p])
	if prev == 0xfe {
		if err := need(5); err != nil {
			return e, false, err
		}
		prev = int(binary.LittleEndian.Uint32(b[p+1:]))
		p += 5
	} else {
		p++
	}
	if prev != z.prevSize {
		return e, false, corruptf("ziplist element at byte %d records a previous size of %d, it was %d", start, prev, z.prevSize)
	}
	if err := need(1); err != nil {
		return e, false, err
	}
	c := b[p]
	var hdr, n int
	switch c >> 6 {
	case 0:
		hdr, n = 1, int(c&0x3f)
	case 1:
		if err := need(2); err != nil {
			return e, false, err
		}
		hdr, n = 2, int(c&0x3f)<<8|int(b[p+1])
	case 2:
		if err := need(5); err != nil {
			return e, false, err
		}
		hdr = 5
		if n, err = blobLen(binary.BigEndian.Uint32(b[p+1:]), end); err != nil {
			return e, false, err
		}
	default:
		hdr, e.isInt = 1, true
		switch {
		case c == 0xc0:
			n = 2
		case c == 0xd0:
			n = 4
		case c == 0xe0:
			n = 8
		case c == 0xf0:
			n = 3
		case c == 0xfe:
			n = 1
		case c >= 0xf1 && c <= 0xfd:
			e.ival = int64(c&0x0f) - 1
		default:
			return e, false, corruptf("ziplist element at byte %d has unknown encoding 0x%02x", start, c)
		}
	}
	if err := need(hdr + n); err != nil {
		return e, false, err
	}
	data := b[p+hdr : p+hdr+n : p+hdr+n]
	if e.isInt {
		switch n {
		case 1:
			e.ival = int64(int8(data[0]))
		case 2:
			e.ival = int64(int16(binary.LittleEndian.Uint16(data)))
		case 3:
			e.ival = int64(int32(uint32(data[0])<<8|uint32(data[1])<<16|uint32(data[2])<<24) >> 8)
		case 4:
			e.ival = int64(int32(binary.LittleEndian.Uint32(data)))
		case 8:
			e.ival = int64(binary.LittleEndian.Uint64(data))
		}
	} else {
		e.str = data
	}
	z.pos = p + hdr + n
	z.prevSize = z.pos - start
	z.last = start
	z.count++
	return e, true, nil
}

// elementIter is what listpacks and ziplists share for the decoders.
type elementIter interface {
	next() (entry, bool, error)
	// sizeHint is the declared element count, bounded by what the blob's
	// size can hold (every element takes at least 2 bytes).
	sizeHint() int
}

func (l *listpack) sizeHint() int { return min(max(l.declared, 0), len(l.b)/2) }
func (z *ziplist) sizeHint() int  { return min(max(z.declared, 0), len(z.b)/2) }

// readAll collects every element as a string.
func readAll(it elementIter, a *arena) ([][]byte, error) {
	out := make([][]byte, 0, it.sizeHint())
	for {
		e, ok, err := it.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return out, nil
		}
		out = append(out, e.bytes(a))
	}
}

// parseIntset decodes an intset: 4-byte element width (2, 4 or 8), 4-byte
// count, then the integers in ascending order, all little-endian.
func parseIntset(b []byte, a *arena) ([][]byte, error) {
	if len(b) < 8 {
		return nil, corruptf("intset of %d bytes is shorter than its header", len(b))
	}
	width := binary.LittleEndian.Uint32(b)
	if width != 2 && width != 4 && width != 8 {
		return nil, corruptf("intset element width %d", width)
	}
	n := uint64(binary.LittleEndian.Uint32(b[4:]))
	if 8+n*uint64(width) != uint64(len(b)) {
		return nil, corruptf("intset of %d %d-byte integers in %d bytes", n, width, len(b))
	}
	out := make([][]byte, 0, n) // n is backed by the blob's actual size
	var prev int64
	for i := range int(n) {
		p := b[8+i*int(width):]
		var v int64
		switch width {
		case 2:
			v = int64(int16(binary.LittleEndian.Uint16(p)))
		case 4:
			v = int64(int32(binary.LittleEndian.Uint32(p)))
		case 8:
			v = int64(binary.LittleEndian.Uint64(p))
		}
		if i > 0 && v <= prev {
			return nil, corruptf("intset not in ascending order at element %d", i)
		}
		prev = v
		out = append(out, a.int(v))
	}
	return out, nil
}

// parseZipmap decodes the Redis 2.4 hash encoding: a count byte, then
// per pair a length, the field, a length, a free-space byte, the value and
// that much padding; lengths are one byte, or 254 and 4 bytes; 0xFF ends it.
func parseZipmap(b []byte) ([]HashField, error) {
	if len(b) < 2 {
		return nil, corruptf("zipmap of %d bytes", len(b))
	}
	p := 1
	end := len(b) - 1
	length := func() (int, error) {
		if p >= end {
			return 0, corruptf("zipmap runs past the end at byte %d", p)
		}
		c := b[p]
		switch {
		case c < 254:
			p++
			return int(c), nil
		case c == 254:
			if p+5 > end {
				return 0, corruptf("zipmap length at byte %d runs past the end", p)
			}
			n, err := blobLen(binary.LittleEndian.Uint32(b[p+1:]), end)
			p += 5
			return n, err
		}
		return 0, corruptf("zipmap length byte 0xff at byte %d", p)
	}
	var out []HashField
	for {
		if p > end {
			return nil, corruptf("zipmap has no terminator")
		}
		if b[p] == 0xff {
			if p != end {
				return nil, corruptf("zipmap terminator at byte %d of %d", p, len(b))
			}
			return out, nil
		}
		klen, err := length()
		if err != nil {
			return nil, err
		}
		if klen > end-p {
			return nil, corruptf("zipmap field at byte %d runs past the end", p)
		}
		field := b[p : p+klen : p+klen]
		p += klen
		vlen, err := length()
		if err != nil {
			return nil, err
		}
		if p >= end {
			return nil, corruptf("zipmap value at byte %d runs past the end", p)
		}
		free := int(b[p])
		p++
		if vlen > end-p || free > end-p-vlen {
			return nil, corruptf("zipmap value at byte %d runs past the end", p)
		}
		out = append(out, HashField{Field: field, Value: b[p : p+vlen : p+vlen]})
		p += vlen + free
	}
}

// blobLen converts a 32-bit length read inside a blob, rejecting one larger
// than the blob before it can overflow an int on 32-bit platforms.
func blobLen(n uint32, size int) (int, error) {
	if uint64(n) > uint64(size) {
		return 0, corruptf("length %d exceeds the %d-byte structure", n, size)
	}
	return int(n), nil
}

// blobError pins a blob parser's error to the blob's offset in the input.
func blobError(off int64, what string, err error) error {
	return &posError{off, fmt.Errorf("%s: %w", what, err)}
}
