package resp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// Client-side bounds: replies come from a server we talk to, but a broken one
// must not make a test or tool allocate without end.
const (
	maxReplyDepth = 512
	maxReplyLine  = 64 << 20
	readChunk     = 1 << 20
)

// ErrReplyTooDeep reports aggregates nested deeper than the reader accepts.
var ErrReplyTooDeep = errors.New("resp: reply nested too deeply")

// AppendCommand encodes a command as a RESP multibulk.
func AppendCommand(dst []byte, args ...[]byte) []byte {
	dst = appendHeader(dst, '*', int64(len(args)))
	for _, a := range args {
		dst = appendHeader(dst, '$', int64(len(a)))
		dst = append(dst, a...)
		dst = append(dst, crlf...)
	}
	return dst
}

// AppendCommandString is AppendCommand for string arguments.
func AppendCommandString(dst []byte, args ...string) []byte {
	dst = appendHeader(dst, '*', int64(len(args)))
	for _, a := range args {
		dst = appendHeader(dst, '$', int64(len(a)))
		dst = append(dst, a...)
		dst = append(dst, crlf...)
	}
	return dst
}

func appendHeader(dst []byte, prefix byte, n int64) []byte {
	dst = append(dst, prefix)
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, crlf...)
}

// ReadReply reads one complete reply from r and returns its raw bytes, for
// exact comparison between servers. A RESP3 attribute ('|') is returned
// together with the reply it annotates.
func ReadReply(r *bufio.Reader) ([]byte, error) {
	return readReply(r, nil, 0)
}

func readReply(r *bufio.Reader, dst []byte, depth int) ([]byte, error) {
	if depth > maxReplyDepth {
		return dst, ErrReplyTooDeep
	}
	start := len(dst)
	dst, err := readLine(r, dst)
	if err != nil {
		return dst, err
	}
	line := dst[start : len(dst)-2]
	if len(line) == 0 {
		return dst, errors.New("resp: empty reply line")
	}
	kind := line[0]
	switch kind {
	case '+', '-', ':', '_', ',', '#', '(':
		return dst, nil
	case '$', '!', '=':
		n, err := replyLen(line)
		if err != nil {
			return dst, err
		}
		if n == -1 && kind == '$' {
			return dst, nil
		}
		if n < 0 {
			return dst, fmt.Errorf("resp: bad length in %q", line)
		}
		at := len(dst)
		if dst, err = readN(r, dst, n+2); err != nil {
			return dst, err
		}
		if !bytes.HasSuffix(dst[at:], []byte(crlf)) {
			return dst, fmt.Errorf("resp: %c reply of %d bytes not followed by CRLF", kind, n)
		}
		return dst, nil
	case '*', '~', '>', '%', '|':
		n, err := replyLen(line)
		if err != nil {
			return dst, err
		}
		if n == -1 && kind == '*' {
			return dst, nil
		}
		if n < 0 {
			return dst, fmt.Errorf("resp: bad count in %q", line)
		}
		if kind == '%' || kind == '|' {
			n *= 2
		}
		for range n {
			if dst, err = readReply(r, dst, depth+1); err != nil {
				return dst, err
			}
		}
		if kind == '|' {
			return readReply(r, dst, depth)
		}
		return dst, nil
	}
	return dst, fmt.Errorf("resp: unexpected reply type byte %q", kind)
}

// readLine appends one CRLF-terminated line, terminator included.
func readLine(r *bufio.Reader, dst []byte) ([]byte, error) {
	start := len(dst)
	for {
		chunk, err := r.ReadSlice('\n')
		dst = append(dst, chunk...)
		if err == nil {
			break
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			if errors.Is(err, io.EOF) && len(dst) > start {
				err = io.ErrUnexpectedEOF
			}
			return dst, err
		}
		if len(dst)-start > maxReplyLine {
			return dst, fmt.Errorf("resp: reply line longer than %d bytes", maxReplyLine)
		}
	}
	if len(dst)-start < 2 || dst[len(dst)-2] != '\r' {
		return dst, fmt.Errorf("resp: reply line %q not terminated by CRLF", dst[start:])
	}
	return dst, nil
}

// readN appends exactly n bytes, growing dst as data arrives rather than
// trusting the declared length up front.
func readN(r *bufio.Reader, dst []byte, n int64) ([]byte, error) {
	for n > 0 {
		c := int(min(n, readChunk))
		dst = slices.Grow(dst, c)
		m, err := io.ReadFull(r, dst[len(dst):len(dst)+c])
		dst = dst[:len(dst)+m]
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return dst, err
		}
		n -= int64(m)
	}
	return dst, nil
}

func replyLen(line []byte) (int64, error) {
	n, err := strconv.ParseInt(string(line[1:]), 10, 64)
	if err != nil || n < -1 || n > maxLimit {
		return 0, fmt.Errorf("resp: bad length in %q", line)
	}
	return n, nil
}

// Value is a decoded reply, for tests and tools.
type Value struct {
	// Kind is the type byte: '+', '-', ':', '$', '*', '_', '%', '~', '>',
	// ',', '#', '=', '(' or '!'.
	Kind byte
	// Str holds simple strings, errors, bulk strings, big numbers, the
	// text of a double and the text of a verbatim string (after "fmt:").
	Str string
	// Format is a verbatim string's three-byte format ("txt", "mkd").
	Format string
	Int    int64   // ':' replies
	Float  float64 // ',' replies
	Bool   bool    // '#' replies
	// Null is set for "$-1", "*-1" and "_".
	Null bool
	// Array holds the elements of '*', '~' and '>' replies and the keys and
	// values, alternating, of '%' replies.
	Array []Value
	// Attrs holds the keys and values, alternating, of a RESP3 attribute
	// that preceded the reply.
	Attrs []Value
}

// ParseReply decodes one complete reply; raw must hold exactly one.
func ParseReply(raw []byte) (Value, error) {
	v, n, err := parseValue(raw, 0)
	if err != nil {
		return Value{}, err
	}
	if n != len(raw) {
		return Value{}, fmt.Errorf("resp: %d trailing bytes after reply", len(raw)-n)
	}
	return v, nil
}

func parseValue(raw []byte, depth int) (Value, int, error) {
	if depth > maxReplyDepth {
		return Value{}, 0, ErrReplyTooDeep
	}
	eol := bytes.Index(raw, []byte(crlf))
	if eol < 1 {
		return Value{}, 0, errors.New("resp: truncated or empty reply line")
	}
	line, pos := raw[:eol], eol+2
	v := Value{Kind: line[0]}
	body := string(line[1:])
	switch v.Kind {
	case '+', '-', '(':
		v.Str = body
	case ':':
		n, err := strconv.ParseInt(body, 10, 64)
		if err != nil {
			return v, 0, fmt.Errorf("resp: bad integer %q", body)
		}
		v.Int = n
	case ',':
		f, err := strconv.ParseFloat(body, 64)
		if err != nil {
			return v, 0, fmt.Errorf("resp: bad double %q", body)
		}
		v.Str, v.Float = body, f
	case '#':
		if body != "t" && body != "f" {
			return v, 0, fmt.Errorf("resp: bad boolean %q", body)
		}
		v.Bool = body == "t"
	case '_':
		if body != "" {
			return v, 0, fmt.Errorf("resp: bad null %q", line)
		}
		v.Null = true
	case '$', '!', '=':
		n, err := replyLen(line)
		if err != nil {
			return v, 0, err
		}
		if n == -1 && v.Kind == '$' {
			v.Null = true
			return v, pos, nil
		}
		if n < 0 || n+2 > int64(len(raw)-pos) {
			return v, 0, fmt.Errorf("resp: %c reply of %d bytes truncated", v.Kind, n)
		}
		data := raw[pos : pos+int(n)]
		if string(raw[pos+int(n):pos+int(n)+2]) != crlf {
			return v, 0, fmt.Errorf("resp: %c reply of %d bytes not followed by CRLF", v.Kind, n)
		}
		pos += int(n) + 2
		if v.Kind == '=' {
			if len(data) < 4 || data[3] != ':' {
				return v, 0, fmt.Errorf("resp: verbatim string without format: %q", data)
			}
			v.Format, data = string(data[:3]), data[4:]
		}
		v.Str = string(data)
	case '*', '~', '>', '%', '|':
		n, err := replyLen(line)
		if err != nil {
			return v, 0, err
		}
		if n == -1 && v.Kind == '*' {
			v.Null = true
			return v, pos, nil
		}
		if n < 0 {
			return v, 0, fmt.Errorf("resp: bad count in %q", line)
		}
		if v.Kind == '%' || v.Kind == '|' {
			n *= 2
		}
		// Every element takes at least 3 bytes, which bounds the allocation.
		if n > int64(len(raw)-pos)/3 {
			return v, 0, fmt.Errorf("resp: %c reply of %d elements truncated", v.Kind, n)
		}
		elems := make([]Value, 0, n)
		for range n {
			e, m, err := parseValue(raw[pos:], depth+1)
			if err != nil {
				return v, 0, err
			}
			elems = append(elems, e)
			pos += m
		}
		if v.Kind == '|' {
			next, m, err := parseValue(raw[pos:], depth)
			if err != nil {
				return v, 0, err
			}
			next.Attrs = elems
			return next, pos + m, nil
		}
		v.Array = elems
	default:
		return v, 0, fmt.Errorf("resp: unexpected reply type byte %q", v.Kind)
	}
	return v, pos, nil
}
