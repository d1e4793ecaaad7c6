// Package resp implements the Redis serialization protocol for keel: the
// request parser of the shard event loop (multibulk and inline, with Redis
// 7.0's limits and error strings), the RESP2/RESP3 reply writer, and a client
// side reader used by tests and tools.
//
// The parser never allocates in steady state: arguments are slices of the
// caller's buffer, appended to a caller-owned slice.
package resp

import (
	"bytes"
	"math"
)

// Limits mirror redis.conf: proto-max-bulk-len (default 512MB) and
// client-query-buffer-limit (default 1GB). Zero or negative fields take the
// defaults.
type Limits struct {
	MaxBulkLen  int64
	MaxQueryBuf int64
}

// DefaultLimits are Redis 7.0's defaults.
var DefaultLimits = Limits{MaxBulkLen: 512 << 20, MaxQueryBuf: 1 << 30}

// maxLimit keeps length arithmetic (len+2, offsets) far from int64 overflow.
const maxLimit = 1 << 62

func (l Limits) norm() Limits {
	if l.MaxBulkLen <= 0 {
		l.MaxBulkLen = DefaultLimits.MaxBulkLen
	}
	if l.MaxQueryBuf <= 0 {
		l.MaxQueryBuf = DefaultLimits.MaxQueryBuf
	}
	l.MaxBulkLen = min(l.MaxBulkLen, maxLimit)
	l.MaxQueryBuf = min(l.MaxQueryBuf, maxLimit)
	return l
}

// ProtocolError is a malformed request. Msg is Redis 7's error text without
// the leading "-". The connection must be closed after replying it.
type ProtocolError struct{ Msg string }

func (e *ProtocolError) Error() string { return e.Msg }

// Redis 7.0 networking.c constants.
const (
	inlineMaxSize      = 64 * 1024 // PROTO_INLINE_MAX_SIZE
	maxMultibulkLen    = math.MaxInt32
	unauthMaxMultibulk = 10
	unauthMaxBulk      = 16384
)

var (
	errTooBigInline      = &ProtocolError{"ERR Protocol error: too big inline request"}
	errUnbalancedQuotes  = &ProtocolError{"ERR Protocol error: unbalanced quotes in request"}
	errInvalidMultibulk  = &ProtocolError{"ERR Protocol error: invalid multibulk length"}
	errTooBigMbulkCount  = &ProtocolError{"ERR Protocol error: too big mbulk count string"}
	errUnauthMultibulk   = &ProtocolError{"ERR Protocol error: unauthenticated multibulk length"}
	errInvalidBulk       = &ProtocolError{"ERR Protocol error: invalid bulk length"}
	errTooBigBulkCount   = &ProtocolError{"ERR Protocol error: too big bulk count string"}
	errUnauthBulk        = &ProtocolError{"ERR Protocol error: unauthenticated bulk length"}
	errExpectedDollarFmt = "ERR Protocol error: expected '$', got '"
)

// ErrQueryBufLimit reports a pending request larger than
// client-query-buffer-limit. Redis closes such a connection without a reply
// (it only logs "Closing client that reached max query buffer length"), so a
// server matching Redis closes the connection without writing this message.
var ErrQueryBufLimit = &ProtocolError{"ERR Protocol error: client query buffer limit reached"}

func errExpectedDollar(c byte) *ProtocolError {
	// addReplyErrorFormat turns CR and LF into spaces.
	if c == '\r' || c == '\n' {
		c = ' '
	}
	return &ProtocolError{errExpectedDollarFmt + string([]byte{c}) + "'"}
}

// Parse parses one command (multibulk "*..." or inline) from the start of buf.
// It returns the arguments (slices of buf with their capacity clipped,
// appended to args[:0]), the bytes consumed, and an error.
//
// Incomplete input returns (nil, 0, nil); NeedBytes tells how many bytes the
// pending request needs when that is known. An empty inline line or a
// multibulk count <= 0 is consumed and returns zero arguments with n > 0.
// authed=false applies Redis's limits for unauthenticated clients.
//
// Inline requests with quotes or escapes are unescaped in place, inside
// buf[:n]. Parse rescans a partly received multibulk from its start on each
// call; a connection receiving very large commands should use a Parser.
func Parse(buf []byte, args [][]byte, lim Limits, authed bool) (out [][]byte, n int, err error) {
	if len(buf) == 0 {
		return nil, 0, nil
	}
	lim = lim.norm()
	if buf[0] != '*' {
		return parseInline(buf, args[:0], lim)
	}
	count, pos, err := readCount(buf, lim, authed)
	if err != nil || pos == 0 {
		return nil, 0, err
	}
	if count <= 0 {
		return args[:0], pos, nil
	}
	st := mbState{pos: pos, left: count}
	out, _, err = readBulks(buf, &st, lim, authed, emitArgs, args[:0], nil)
	if err != nil || st.left > 0 {
		return nil, 0, err
	}
	return out, st.pos, nil
}

// NeedBytes returns the total number of bytes needed to complete the request
// at the start of buf: the request's length when it is complete (for an
// inline request, its line), the end of the bulk being received when the
// request waits for bulk data (later arguments are not known yet), and 0
// when unknown or malformed. It ignores limits and rescans the request; a
// Parser's Need answers without rescanning.
func NeedBytes(buf []byte) int {
	if len(buf) == 0 {
		return 0
	}
	// Limits are the caller's business: only say what the request needs.
	lim := Limits{MaxBulkLen: maxLimit, MaxQueryBuf: maxLimit}
	if buf[0] != '*' {
		if i := findLineEnd(buf, '\n'); i >= 0 {
			return i + 1
		}
		return 0
	}
	count, pos, err := readCount(buf, lim, true)
	if err != nil || pos == 0 {
		return 0
	}
	if count <= 0 {
		return pos
	}
	st := mbState{pos: pos, left: count}
	if _, _, err := readBulks(buf, &st, lim, true, emitNone, nil, nil); err != nil {
		return 0
	}
	if st.left == 0 {
		return st.pos
	}
	return st.need
}

// findLineEnd returns the index of the first c in buf the way Redis finds it
// with strchr on its NUL-terminated query buffer: a NUL byte before c hides
// it. Only the first inlineMaxSize+1 bytes are searched: Redis reads at most
// 16KB at a time and gives up on a line once more than inlineMaxSize bytes
// are buffered without its terminator.
func findLineEnd(buf []byte, c byte) int {
	if len(buf) > inlineMaxSize+1 {
		buf = buf[:inlineMaxSize+1]
	}
	i := bytes.IndexByte(buf, c)
	if i < 0 || bytes.IndexByte(buf[:i], 0) >= 0 {
		return -1
	}
	return i
}

// readCount parses the "*<count>\r\n" header. pos is the offset after it, or
// 0 when the header is incomplete.
func readCount(buf []byte, lim Limits, authed bool) (count int64, pos int, err error) {
	ll, i, ok := fastLen(buf)
	if !ok {
		i = findLineEnd(buf, '\r')
	}
	if i < 0 {
		if len(buf) > inlineMaxSize {
			return 0, 0, errTooBigMbulkCount
		}
		return 0, 0, queryBufCheck(len(buf), lim)
	}
	// Redis wants one byte after the CR and skips it without checking it is LF.
	if i > len(buf)-2 {
		return 0, 0, queryBufCheck(len(buf), lim)
	}
	if !ok {
		ll, ok = string2ll(buf[1:i])
	}
	if !ok || ll > maxMultibulkLen {
		return 0, 0, errInvalidMultibulk
	}
	if ll > unauthMaxMultibulk && !authed {
		return 0, 0, errUnauthMultibulk
	}
	return ll, i + 2, nil
}

func queryBufCheck(pending int, lim Limits) error {
	if int64(pending) > lim.MaxQueryBuf {
		return ErrQueryBufLimit
	}
	return nil
}

// mbState is the progress through one multibulk request.
type mbState struct {
	pos  int   // offset of the next element's "$<len>" header
	left int64 // elements still to read
	need int   // when waiting for bulk data: the offset where that bulk ends
}

// span is an argument as offsets into the request, which survive the caller
// moving its buffer between reads.
type span struct{ off, end int }

type emitMode uint8

const (
	emitArgs emitMode = iota
	emitSpans
	emitNone
)

// readBulks reads "$<len>\r\n<data>\r\n" elements from st.pos until st.left
// is 0 or the input ends, appending each to args or spans as mode says.
func readBulks(buf []byte, st *mbState, lim Limits, authed bool, mode emitMode, args [][]byte, spans []span) ([][]byte, []span, error) {
	st.need = 0
	for st.left > 0 {
		rest := buf[st.pos:]
		ll, i, ok := fastLen(rest)
		if !ok {
			i = findLineEnd(rest, '\r')
		}
		if i < 0 {
			if len(rest) > inlineMaxSize {
				return args, spans, errTooBigBulkCount
			}
			return args, spans, queryBufCheck(len(rest), lim)
		}
		if i > len(rest)-2 {
			return args, spans, queryBufCheck(len(rest), lim)
		}
		if rest[0] != '$' {
			return args, spans, errExpectedDollar(rest[0])
		}
		if !ok {
			ll, ok = string2ll(rest[1:i])
		}
		if !ok || ll < 0 || ll > lim.MaxBulkLen {
			return args, spans, errInvalidBulk
		}
		if ll > unauthMaxBulk && !authed {
			return args, spans, errUnauthBulk
		}
		// The bulk alone would overflow the query buffer: Redis would close
		// the connection once it arrived, so do it before it is buffered.
		if ll+2 > lim.MaxQueryBuf {
			return args, spans, ErrQueryBufLimit
		}
		data := st.pos + i + 2
		end := data + int(ll)
		// Redis skips the two bytes after the data without checking them.
		if end+2 > len(buf) {
			st.need = end + 2
			return args, spans, queryBufCheck(len(buf)-st.pos, lim)
		}
		switch mode {
		case emitArgs:
			args = append(args, buf[data:end:end])
		case emitSpans:
			spans = append(spans, span{data, end})
		}
		st.pos = end + 2
		st.left--
	}
	return args, spans, nil
}

// fastLen parses the common header shape, a type byte then a short
// canonical non-negative number then CR, in one pass. ok=false sends the
// caller to the general path (findLineEnd and string2ll), which also
// produces the errors; when ok, i is where findLineEnd would find the CR.
func fastLen(b []byte) (n int64, i int, ok bool) {
	const maxDigits = 18 // cannot overflow int64
	// Only a proper "$" or "*" header takes the fast path: otherwise the
	// line end must be found from the first byte, as Redis's strchr does.
	if len(b) < 3 || (b[0] != '$' && b[0] != '*') || b[1] < '0' || b[1] > '9' {
		return 0, 0, false
	}
	i = 1
	for ; i < len(b) && i <= maxDigits; i++ {
		c := b[i]
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int64(c-'0')
	}
	if i == len(b) || b[i] != '\r' || (b[1] == '0' && i > 2) {
		return 0, 0, false
	}
	return n, i, true
}

// string2ll is Redis's strict integer parser: optional '-', no '+', no
// leading zeros, no spaces, fewer than 21 bytes.
func string2ll(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) >= 21 {
		return 0, false
	}
	if len(s) == 1 && s[0] == '0' {
		return 0, true
	}
	i, neg := 0, false
	if s[0] == '-' {
		neg = true
		i++
		if i == len(s) {
			return 0, false
		}
	}
	if s[i] < '1' || s[i] > '9' {
		return 0, false
	}
	v := uint64(s[i] - '0')
	for i++; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > math.MaxUint64/10 {
			return 0, false
		}
		v *= 10
		if v > math.MaxUint64-uint64(c-'0') {
			return 0, false
		}
		v += uint64(c - '0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// Parser parses the requests of one connection like Parse, but remembers how
// far it got through a partly received multibulk, so that a command with
// millions of arguments arriving over many reads is scanned once, not once
// per read. Each call must pass a buffer that starts with the same request
// bytes as the previous call (the caller may move or grow its buffer).
type Parser struct {
	Limits Limits
	Authed bool

	active bool // st and spans describe a partly received multibulk
	st     mbState
	spans  []span
}

// maxKeptSpans bounds the span capacity a Parser keeps after a huge command.
const maxKeptSpans = 4096

// Reset forgets any partly parsed request.
func (p *Parser) Reset() {
	p.active = false
	p.st = mbState{}
	if cap(p.spans) > maxKeptSpans {
		p.spans = nil
	}
	p.spans = p.spans[:0]
}

// Need returns NeedBytes for the request the last Parse call stopped in,
// without rescanning it.
func (p *Parser) Need() int {
	if !p.active {
		return 0
	}
	return p.st.need
}

// Parse has the contract of the package-level Parse.
func (p *Parser) Parse(buf []byte, args [][]byte) (out [][]byte, n int, err error) {
	if p.active && (len(buf) < p.st.pos || buf[0] != '*') {
		p.Reset()
	}
	lim := p.Limits.norm()
	if !p.active {
		if len(buf) == 0 {
			return nil, 0, nil
		}
		if buf[0] != '*' {
			return parseInline(buf, args[:0], lim)
		}
		count, pos, err := readCount(buf, lim, p.Authed)
		if err != nil || pos == 0 {
			return nil, 0, err
		}
		if count <= 0 {
			return args[:0], pos, nil
		}
		p.active = true
		p.st = mbState{pos: pos, left: count}
		p.spans = p.spans[:0]
	}
	_, p.spans, err = readBulks(buf, &p.st, lim, p.Authed, emitSpans, nil, p.spans)
	if err != nil {
		p.Reset()
		return nil, 0, err
	}
	if p.st.left > 0 {
		return nil, 0, nil
	}
	out = args[:0]
	for _, s := range p.spans {
		out = append(out, buf[s.off:s.end:s.end])
	}
	n = p.st.pos
	p.Reset()
	return out, n, nil
}
