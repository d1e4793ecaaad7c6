package rdb

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/keeldb/keel/rdb/crc64"
	"github.com/keeldb/keel/rdb/lzf"
)

// rdbBuilder writes RDB files byte by byte from the format specification,
// for encodings and versions that Redis 7.0 no longer produces.
type rdbBuilder struct {
	bytes.Buffer
	version int
}

func newRDB(version int) *rdbBuilder {
	b := &rdbBuilder{version: version}
	fmt.Fprintf(b, "REDIS%04d", version)
	return b
}

func (b *rdbBuilder) op(x byte) *rdbBuilder { b.WriteByte(x); return b }

// len writes n in the shortest length form.
func (b *rdbBuilder) len(n uint64) *rdbBuilder {
	switch {
	case n < 64:
		b.WriteByte(byte(n))
	case n < 16384:
		b.WriteByte(0x40 | byte(n>>8))
		b.WriteByte(byte(n))
	case n <= math.MaxUint32:
		b.len32(n)
	default:
		b.len64(n)
	}
	return b
}

func (b *rdbBuilder) len32(n uint64) *rdbBuilder {
	b.WriteByte(0x80)
	b.Write(binary.BigEndian.AppendUint32(nil, uint32(n)))
	return b
}

func (b *rdbBuilder) len64(n uint64) *rdbBuilder {
	b.WriteByte(0x81)
	b.Write(binary.BigEndian.AppendUint64(nil, n))
	return b
}

func (b *rdbBuilder) str(s string) *rdbBuilder {
	b.len(uint64(len(s)))
	b.WriteString(s)
	return b
}

func (b *rdbBuilder) blob(p []byte) *rdbBuilder { return b.str(string(p)) }

// intStr writes an integer-encoded string of the given width (1, 2 or 4).
func (b *rdbBuilder) intStr(v int64, width int) *rdbBuilder {
	switch width {
	case 1:
		b.WriteByte(0xc0)
		b.WriteByte(byte(v))
	case 2:
		b.WriteByte(0xc1)
		b.Write(binary.LittleEndian.AppendUint16(nil, uint16(v)))
	default:
		b.WriteByte(0xc2)
		b.Write(binary.LittleEndian.AppendUint32(nil, uint32(v)))
	}
	return b
}

func (b *rdbBuilder) lzfStr(s string) *rdbBuilder {
	c := lzf.Compress([]byte(s), len(s)-4)
	if c == nil {
		panic("test bug: incompressible LZF test string")
	}
	b.WriteByte(0xc3)
	b.len(uint64(len(c)))
	b.len(uint64(len(s)))
	b.Write(c)
	return b
}

func (b *rdbBuilder) millis(v int64) *rdbBuilder {
	b.Write(binary.LittleEndian.AppendUint64(nil, uint64(v)))
	return b
}

// strDouble writes an RDB 1-8 zset score.
func (b *rdbBuilder) strDouble(f float64) *rdbBuilder {
	switch {
	case math.IsNaN(f):
		b.WriteByte(253)
	case math.IsInf(f, 1):
		b.WriteByte(254)
	case math.IsInf(f, -1):
		b.WriteByte(255)
	default:
		s := fmt.Sprintf("%.17g", f)
		b.WriteByte(byte(len(s)))
		b.WriteString(s)
	}
	return b
}

func (b *rdbBuilder) rawID(id StreamID) *rdbBuilder {
	b.Write(binary.BigEndian.AppendUint64(nil, id.Ms))
	b.Write(binary.BigEndian.AppendUint64(nil, id.Seq))
	return b
}

// finish appends the EOF opcode and, from version 5, the CRC64.
func (b *rdbBuilder) finish() []byte {
	b.WriteByte(opEOF)
	if b.version >= 5 {
		b.Write(binary.LittleEndian.AppendUint64(nil, crc64.Checksum(b.Bytes())))
	}
	return bytes.Clone(b.Bytes())
}

// zlItem is a ziplist element; bigPrev forces the 5-byte previous-size form.
type zlItem struct {
	s       string
	v       int64
	isInt   bool
	bigPrev bool
}

func zs(s string) zlItem    { return zlItem{s: s} }
func zi(v int64) zlItem     { return zlItem{v: v, isInt: true} }
func zsBig(s string) zlItem { return zlItem{s: s, bigPrev: true} }

func buildZiplist(items ...zlItem) []byte {
	var body []byte
	prev, last := 0, zlHeaderSize
	for _, it := range items {
		start := zlHeaderSize + len(body)
		var e []byte
		if prev < 254 && !it.bigPrev {
			e = append(e, byte(prev))
		} else {
			e = append(e, 0xfe)
			e = binary.LittleEndian.AppendUint32(e, uint32(prev))
		}
		if it.isInt {
			v := it.v
			switch {
			case v >= 0 && v <= 12:
				e = append(e, 0xf1+byte(v))
			case v >= math.MinInt8 && v <= math.MaxInt8:
				e = append(e, 0xfe, byte(v))
			case v >= math.MinInt16 && v <= math.MaxInt16:
				e = append(e, 0xc0)
				e = binary.LittleEndian.AppendUint16(e, uint16(v))
			case v >= -1<<23 && v < 1<<23:
				e = append(e, 0xf0, byte(v), byte(v>>8), byte(v>>16))
			case v >= math.MinInt32 && v <= math.MaxInt32:
				e = append(e, 0xd0)
				e = binary.LittleEndian.AppendUint32(e, uint32(v))
			default:
				e = append(e, 0xe0)
				e = binary.LittleEndian.AppendUint64(e, uint64(v))
			}
		} else {
			n := len(it.s)
			switch {
			case n < 64:
				e = append(e, byte(n))
			case n < 16384:
				e = append(e, 0x40|byte(n>>8), byte(n))
			default:
				e = append(e, 0x80)
				e = binary.BigEndian.AppendUint32(e, uint32(n))
			}
			e = append(e, it.s...)
		}
		body = append(body, e...)
		prev, last = len(e), start
	}
	out := binary.LittleEndian.AppendUint32(nil, uint32(zlHeaderSize+len(body)+1))
	out = binary.LittleEndian.AppendUint32(out, uint32(last))
	out = binary.LittleEndian.AppendUint16(out, uint16(min(len(items), 0xffff)))
	out = append(out, body...)
	return append(out, 0xff)
}

func buildZipmap(free int, pairs ...string) []byte {
	zmLen := func(out []byte, n int) []byte {
		if n < 254 {
			return append(out, byte(n))
		}
		return binary.LittleEndian.AppendUint32(append(out, 254), uint32(n))
	}
	out := []byte{byte(min(len(pairs)/2, 254))}
	for i := 0; i < len(pairs); i += 2 {
		out = zmLen(out, len(pairs[i]))
		out = append(out, pairs[i]...)
		out = zmLen(out, len(pairs[i+1]))
		out = append(out, byte(free))
		out = append(out, pairs[i+1]...)
		out = append(out, make([]byte, free)...)
	}
	return append(out, 0xff)
}

func rawIntset(width int, vals ...int64) []byte {
	out := binary.LittleEndian.AppendUint32(nil, uint32(width))
	out = binary.LittleEndian.AppendUint32(out, uint32(len(vals)))
	for _, v := range vals {
		switch width {
		case 2:
			out = binary.LittleEndian.AppendUint16(out, uint16(v))
		case 4:
			out = binary.LittleEndian.AppendUint32(out, uint32(v))
		default:
			out = binary.LittleEndian.AppendUint64(out, uint64(v))
		}
	}
	return out
}

func listpackOf(items ...string) []byte {
	lp := newListpack(0)
	for _, s := range items {
		lp.addString([]byte(s))
	}
	return lp.finish()
}

func crcLE(p []byte) []byte {
	return binary.LittleEndian.AppendUint64(nil, crc64.Checksum(p))
}
