package resp

import (
	"math"
	"strconv"
)

const crlf = "\r\n"

// Writer builds RESP replies into a reusable buffer. Proto is the protocol
// negotiated with HELLO: 3 for RESP3, anything else means RESP2.
type Writer struct {
	Proto int
	buf   []byte
}

// Bytes returns the encoded replies; they alias the writer's buffer.
func (w *Writer) Bytes() []byte { return w.buf }

// Len returns the number of buffered bytes.
func (w *Writer) Len() int { return len(w.buf) }

// Reset empties the buffer, keeping its memory.
func (w *Writer) Reset() { w.buf = w.buf[:0] }

// Truncate drops everything after the first n bytes (to undo a partial reply).
func (w *Writer) Truncate(n int) {
	if n >= 0 && n < len(w.buf) {
		w.buf = w.buf[:n]
	}
}

func (w *Writer) resp3() bool { return w.Proto >= 3 }

// Raw appends already-encoded reply bytes.
func (w *Writer) Raw(b []byte) { w.buf = append(w.buf, b...) }

// OK appends +OK.
func (w *Writer) OK() { w.buf = append(w.buf, "+OK\r\n"...) }

// Simple appends a status reply. CR and LF would break the framing and
// become spaces.
func (w *Writer) Simple(s string) {
	w.buf = append(w.buf, '+')
	w.appendLine(s)
}

// Error appends "-"+s; s includes the code ("ERR ...", "WRONGTYPE ...").
// CR and LF become spaces, as Redis does for formatted errors.
func (w *Writer) Error(s string) {
	w.buf = append(w.buf, '-')
	w.appendLine(s)
}

func (w *Writer) appendLine(s string) {
	start := len(w.buf)
	w.buf = append(w.buf, s...)
	for i := start; i < len(w.buf); i++ {
		if c := w.buf[i]; c == '\r' || c == '\n' {
			w.buf[i] = ' '
		}
	}
	w.buf = append(w.buf, crlf...)
}

// Int appends an integer reply.
func (w *Writer) Int(n int64) { w.header(':', n) }

// IntText appends an integer reply given in decimal (a value the caller
// formatted already, as INCR does to store it).
func (w *Writer) IntText(digits []byte) {
	w.buf = append(w.buf, ':')
	w.buf = append(w.buf, digits...)
	w.buf = append(w.buf, crlf...)
}

// Bulk appends a bulk string; nil is the empty string, not a null.
func (w *Writer) Bulk(b []byte) {
	w.header('$', int64(len(b)))
	w.buf = append(w.buf, b...)
	w.buf = append(w.buf, crlf...)
}

// BulkString appends a bulk string.
func (w *Writer) BulkString(s string) {
	w.header('$', int64(len(s)))
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, crlf...)
}

// BulkInt appends n in decimal as a bulk string (Redis addReplyBulkLongLong).
func (w *Writer) BulkInt(n int64) {
	var tmp [20]byte
	w.Bulk(strconv.AppendInt(tmp[:0], n, 10))
}

// Null appends a null bulk string: RESP2 "$-1", RESP3 "_".
func (w *Writer) Null() {
	if w.resp3() {
		w.buf = append(w.buf, "_\r\n"...)
	} else {
		w.buf = append(w.buf, "$-1\r\n"...)
	}
}

// NullArray appends a null array: RESP2 "*-1", RESP3 "_".
func (w *Writer) NullArray() {
	if w.resp3() {
		w.buf = append(w.buf, "_\r\n"...)
	} else {
		w.buf = append(w.buf, "*-1\r\n"...)
	}
}

// Array appends an array header of n elements.
func (w *Writer) Array(n int) { w.header('*', int64(n)) }

// Map appends a map header of n key/value pairs: RESP3 "%n", RESP2 "*2n".
func (w *Writer) Map(n int) {
	if w.resp3() {
		w.header('%', int64(n))
	} else {
		w.header('*', 2*int64(n))
	}
}

// Set appends a set header: RESP3 "~n", RESP2 "*n".
func (w *Writer) Set(n int) {
	if w.resp3() {
		w.header('~', int64(n))
	} else {
		w.header('*', int64(n))
	}
}

// Push appends a push header (pub/sub messages): RESP3 ">n", RESP2 "*n".
func (w *Writer) Push(n int) {
	if w.resp3() {
		w.header('>', int64(n))
	} else {
		w.header('*', int64(n))
	}
}

// Double appends a double as Redis 7.0 addReplyDouble does: "%.17g" (so 0.1
// is 0.10000000000000001), "inf"/"-inf" spelled out; RESP3 ",<d>", RESP2 a
// bulk string.
func (w *Writer) Double(f float64) {
	var tmp [32]byte
	d := AppendDouble(tmp[:0], f)
	if w.resp3() {
		w.buf = append(w.buf, ',')
		w.buf = append(w.buf, d...)
		w.buf = append(w.buf, crlf...)
		return
	}
	w.Bulk(d)
}

// AppendDouble appends f formatted as C's "%.17g" with glibc's spellings of
// the special values ("inf", "-inf", "nan", "-nan").
func AppendDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		if math.Signbit(f) {
			return append(dst, "-nan"...)
		}
		return append(dst, "nan"...)
	}
	// Go's 'g' with an explicit precision drops trailing zeros and uses
	// two-digit exponents, exactly like C's %g.
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}

// Bool appends a boolean: RESP3 "#t"/"#f", RESP2 ":1"/":0".
func (w *Writer) Bool(b bool) {
	switch {
	case w.resp3() && b:
		w.buf = append(w.buf, "#t\r\n"...)
	case w.resp3():
		w.buf = append(w.buf, "#f\r\n"...)
	case b:
		w.buf = append(w.buf, ":1\r\n"...)
	default:
		w.buf = append(w.buf, ":0\r\n"...)
	}
}

// Verbatim appends a verbatim string: RESP3 "=<len>\r\n<fmt>:<s>", RESP2 a
// bulk string of s. format is the three-byte type ("txt", "mkd"); any other
// length is replaced by "txt" so the frame stays well formed.
func (w *Writer) Verbatim(format string, s []byte) {
	if !w.resp3() {
		w.Bulk(s)
		return
	}
	if len(format) != 3 {
		format = "txt"
	}
	w.header('=', int64(len(s))+4)
	w.buf = append(w.buf, format...)
	w.buf = append(w.buf, ':')
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, crlf...)
}

// BigNumber appends a big number given in decimal: RESP3 "(<s>", RESP2 a
// bulk string.
func (w *Writer) BigNumber(s string) {
	if !w.resp3() {
		w.BulkString(s)
		return
	}
	w.buf = append(w.buf, '(')
	w.appendLine(s)
}

// header appends <prefix><n>\r\n, from a precomputed table when n is small.
func (w *Writer) header(prefix byte, n int64) {
	if n >= smallMin && n < smallMax {
		var t *[smallMax - smallMin]string
		switch prefix {
		case ':':
			t = &smallInts
		case '*':
			t = &smallArrays
		case '$':
			t = &smallBulks
		}
		if t != nil {
			w.buf = append(w.buf, t[n-smallMin]...)
			return
		}
	}
	w.buf = append(w.buf, prefix)
	w.buf = strconv.AppendInt(w.buf, n, 10)
	w.buf = append(w.buf, crlf...)
}

// Precomputed lines for the most common integers and lengths (-1 and -2 are
// frequent TTL replies).
const (
	smallMin = -2
	smallMax = 1024
)

var smallInts, smallArrays, smallBulks [smallMax - smallMin]string

func init() {
	for i := range smallMax - smallMin {
		v := strconv.Itoa(i+smallMin) + crlf
		smallInts[i] = ":" + v
		smallArrays[i] = "*" + v
		smallBulks[i] = "$" + v
	}
}
