package rdb

import (
	"encoding/binary"
	"io"
	"math"

	"github.com/keeldb/keel/rdb/crc64"
	"github.com/keeldb/keel/rdb/lzf"
)

// writer emits RDB primitives and sums their CRC64. The first write error
// sticks and every later write is dropped; callers check err once.
type writer struct {
	w        io.Writer
	crc      uint64
	err      error
	compress bool
	buf      [16]byte
}

func (w *writer) write(p []byte) {
	if w.err != nil {
		return
	}
	w.crc = crc64.Update(w.crc, p)
	_, w.err = w.w.Write(p)
}

func (w *writer) byte(b byte) {
	w.buf[0] = b
	w.write(w.buf[:1])
}

func (w *writer) length(n uint64) {
	switch {
	case n < 1<<6:
		w.byte(byte(n))
	case n < 1<<14:
		w.buf[0], w.buf[1] = byte(n>>8)|len14Bit<<6, byte(n)
		w.write(w.buf[:2])
	case n <= math.MaxUint32:
		w.buf[0] = len32Bit
		binary.BigEndian.PutUint32(w.buf[1:], uint32(n))
		w.write(w.buf[:5])
	default:
		w.buf[0] = len64Bit
		binary.BigEndian.PutUint64(w.buf[1:], n)
		w.write(w.buf[:9])
	}
}

// string writes s the way Redis's rdbSaveRawString does: as a small integer
// when s is one, LZF-compressed when that saves at least 4 bytes, else raw.
func (w *writer) string(s []byte) {
	if len(s) <= 11 {
		if v, ok := parseStrictInt64(s); ok {
			switch {
			case v >= math.MinInt8 && v <= math.MaxInt8:
				w.buf[0], w.buf[1] = lenEnc<<6|encInt8, byte(v)
				w.write(w.buf[:2])
				return
			case v >= math.MinInt16 && v <= math.MaxInt16:
				w.buf[0] = lenEnc<<6 | encInt16
				binary.LittleEndian.PutUint16(w.buf[1:], uint16(v))
				w.write(w.buf[:3])
				return
			case v >= math.MinInt32 && v <= math.MaxInt32:
				w.buf[0] = lenEnc<<6 | encInt32
				binary.LittleEndian.PutUint32(w.buf[1:], uint32(v))
				w.write(w.buf[:5])
				return
			}
		}
	}
	if w.compress && len(s) > 20 {
		if c := lzf.Compress(s, len(s)-4); c != nil {
			w.byte(lenEnc<<6 | encLZF)
			w.length(uint64(len(c)))
			w.length(uint64(len(s)))
			w.write(c)
			return
		}
	}
	w.length(uint64(len(s)))
	w.write(s)
}

func (w *writer) millis(v int64) {
	binary.LittleEndian.PutUint64(w.buf[:8], uint64(v))
	w.write(w.buf[:8])
}

func (w *writer) binaryDouble(f float64) {
	binary.LittleEndian.PutUint64(w.buf[:8], math.Float64bits(f))
	w.write(w.buf[:8])
}

func (w *writer) rawStreamID(id StreamID) {
	binary.BigEndian.PutUint64(w.buf[:8], id.Ms)
	binary.BigEndian.PutUint64(w.buf[8:16], id.Seq)
	w.write(w.buf[:16])
}

func (w *writer) streamID(id StreamID) {
	w.length(id.Ms)
	w.length(id.Seq)
}

// lpBuilder builds a listpack. With sizing set it only measures, which lets
// encoders plan node boundaries without building nodes twice in memory.
type lpBuilder struct {
	b      []byte
	size   int
	n      int
	sizing bool
}

func newListpack(capHint int) *lpBuilder {
	return &lpBuilder{b: make([]byte, lpHeaderSize, lpHeaderSize+capHint+1), size: lpHeaderSize + 1}
}

func newListpackSizer() *lpBuilder {
	return &lpBuilder{size: lpHeaderSize + 1, sizing: true}
}

func (l *lpBuilder) backlen(n int) {
	l.size += lpBacklenSize(n)
	if l.sizing {
		return
	}
	switch lpBacklenSize(n) {
	case 1:
		l.b = append(l.b, byte(n))
	case 2:
		l.b = append(l.b, byte(n>>7), byte(n&127)|128)
	case 3:
		l.b = append(l.b, byte(n>>14), byte(n>>7&127)|128, byte(n&127)|128)
	case 4:
		l.b = append(l.b, byte(n>>21), byte(n>>14&127)|128, byte(n>>7&127)|128, byte(n&127)|128)
	default:
		l.b = append(l.b, byte(n>>28), byte(n>>21&127)|128, byte(n>>14&127)|128, byte(n>>7&127)|128, byte(n&127)|128)
	}
}

// addString appends s, as an integer when it is one (as Redis's lpAppend
// does), so a decoded element reads back byte for byte.
func (l *lpBuilder) addString(s []byte) {
	if v, ok := parseStrictInt64(s); ok {
		l.addInt(v)
		return
	}
	l.n++
	var hdr int
	switch {
	case len(s) < 64:
		hdr = 1
		if !l.sizing {
			l.b = append(l.b, 0x80|byte(len(s)))
		}
	case len(s) < 4096:
		hdr = 2
		if !l.sizing {
			l.b = append(l.b, 0xe0|byte(len(s)>>8), byte(len(s)))
		}
	default:
		hdr = 5
		if !l.sizing {
			l.b = append(l.b, 0xf0)
			l.b = binary.LittleEndian.AppendUint32(l.b, uint32(len(s)))
		}
	}
	if !l.sizing {
		l.b = append(l.b, s...)
	}
	l.size += hdr + len(s)
	l.backlen(hdr + len(s))
}

func (l *lpBuilder) addInt(v int64) {
	l.n++
	var n int
	switch {
	case v >= 0 && v <= 127:
		n = 1
		if !l.sizing {
			l.b = append(l.b, byte(v))
		}
	case v >= -4096 && v <= 4095:
		n = 2
		if !l.sizing {
			u := uint64(v) & (1<<13 - 1)
			l.b = append(l.b, 0xc0|byte(u>>8), byte(u))
		}
	case v >= math.MinInt16 && v <= math.MaxInt16:
		n = 3
		if !l.sizing {
			l.b = append(l.b, 0xf1)
			l.b = binary.LittleEndian.AppendUint16(l.b, uint16(v))
		}
	case v >= -1<<23 && v < 1<<23:
		n = 4
		if !l.sizing {
			l.b = append(l.b, 0xf2, byte(v), byte(v>>8), byte(v>>16))
		}
	case v >= math.MinInt32 && v <= math.MaxInt32:
		n = 5
		if !l.sizing {
			l.b = append(l.b, 0xf3)
			l.b = binary.LittleEndian.AppendUint32(l.b, uint32(v))
		}
	default:
		n = 9
		if !l.sizing {
			l.b = append(l.b, 0xf4)
			l.b = binary.LittleEndian.AppendUint64(l.b, uint64(v))
		}
	}
	l.size += n
	l.backlen(n)
}

func (l *lpBuilder) finish() []byte {
	l.b = append(l.b, 0xff)
	binary.LittleEndian.PutUint32(l.b, uint32(len(l.b)))
	binary.LittleEndian.PutUint16(l.b[4:], uint16(min(l.n, 0xffff)))
	return l.b
}
