package resp

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type errCase struct {
	name   string
	in     string
	authed bool
	msg    string
}

// errCases hold what redis-server 7.0.15 replies before closing the
// connection; TestProtocolErrorsMatchRedis replays them against it.
var errCases = []errCase{
	{"mbulk over INT_MAX", "*2147483648\r\n", true, "ERR Protocol error: invalid multibulk length"},
	{"mbulk leading zero", "*01\r\n", true, "ERR Protocol error: invalid multibulk length"},
	{"mbulk plus sign", "*+1\r\n", true, "ERR Protocol error: invalid multibulk length"},
	{"mbulk minus zero", "*-0\r\n", true, "ERR Protocol error: invalid multibulk length"},
	{"mbulk letters", "*abc\r\n", true, "ERR Protocol error: invalid multibulk length"},
	{"mbulk empty", "*\r\n", true, "ERR Protocol error: invalid multibulk length"},
	{"mbulk trailing space", "*1 \r\n", true, "ERR Protocol error: invalid multibulk length"},
	{"mbulk LF only", "*1\n$4\r\nPING\r\n", true, "ERR Protocol error: invalid multibulk length"},
	{"mbulk 21 digits", "*" + strings.Repeat("1", 21) + "\r\n", true, "ERR Protocol error: invalid multibulk length"},
	{"mbulk count too big", "*" + strings.Repeat("1", 65536), true, "ERR Protocol error: too big mbulk count string"},
	{"mbulk count hidden by NUL", "*1\x00\r\n" + strings.Repeat("x", 65533), true, "ERR Protocol error: too big mbulk count string"},
	{"bulk count too big", "*1\r\n$" + strings.Repeat("1", 65536), true, "ERR Protocol error: too big bulk count string"},
	{"expected dollar CR", "*1\r\n\r\n", true, "ERR Protocol error: expected '$', got ' '"},
	{"expected dollar x", "*1\r\nx\r\n", true, "ERR Protocol error: expected '$', got 'x'"},
	{"expected dollar high byte", "*1\r\n\xe9\r\n", true, "ERR Protocol error: expected '$', got '\xe9'"},
	{"expected dollar second arg", "*2\r\n$3\r\nfoo\r\n:1\r\n", true, "ERR Protocol error: expected '$', got ':'"},
	{"bulk negative", "*1\r\n$-1\r\n", true, "ERR Protocol error: invalid bulk length"},
	{"bulk letters", "*1\r\n$abc\r\n", true, "ERR Protocol error: invalid bulk length"},
	{"bulk empty", "*1\r\n$\r\n", true, "ERR Protocol error: invalid bulk length"},
	{"bulk leading zero", "*1\r\n$01\r\n", true, "ERR Protocol error: invalid bulk length"},
	{"bulk over proto-max-bulk-len", "*1\r\n$536870913\r\n", true, "ERR Protocol error: invalid bulk length"},
	{"bulk 20 digits", "*1\r\n$" + strings.Repeat("1", 20) + "\r\n", true, "ERR Protocol error: invalid bulk length"},
	{"inline too big", strings.Repeat("A", 65537), true, "ERR Protocol error: too big inline request"},
	{"inline newline hidden by NUL", "PING\x00\r\n" + strings.Repeat("A", 65530), true, "ERR Protocol error: too big inline request"},
	{"inline unterminated double", "ECHO \"abc\r\n", true, "ERR Protocol error: unbalanced quotes in request"},
	{"inline text after double", "ECHO \"abc\"d\r\n", true, "ERR Protocol error: unbalanced quotes in request"},
	{"inline unterminated single", "ECHO 'abc\r\n", true, "ERR Protocol error: unbalanced quotes in request"},
	{"inline text after single", "ECHO 'a'b\r\n", true, "ERR Protocol error: unbalanced quotes in request"},
	{"inline escaped closing quote", "ECHO \"a\\\"\r\n", true, "ERR Protocol error: unbalanced quotes in request"},
	{"inline trailing backslash", "ECHO \"a\\\r\n", true, "ERR Protocol error: unbalanced quotes in request"},
	{"unauth mbulk", "*11\r\n", false, "ERR Protocol error: unauthenticated multibulk length"},
	{"unauth bulk", "*1\r\n$16385\r\n", false, "ERR Protocol error: unauthenticated bulk length"},
	{"unauth invalid bulk first", "*1\r\n$536870913\r\n", false, "ERR Protocol error: invalid bulk length"},
	{"unauth invalid mbulk first", "*2147483648\r\n", false, "ERR Protocol error: invalid multibulk length"},
}

func TestParseErrors(t *testing.T) {
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			out, n, err := Parse([]byte(tc.in), nil, DefaultLimits, tc.authed)
			var pe *ProtocolError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.msg, pe.Msg)
			assert.Equal(t, tc.msg, err.Error())
			assert.Zero(t, n)
			assert.Nil(t, out)

			p := Parser{Authed: tc.authed}
			_, _, perr := p.Parse([]byte(tc.in), nil)
			assert.Equal(t, err, perr, "Parser disagrees with Parse")
		})
	}
}

func strs(args [][]byte) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = string(a)
	}
	return out
}

func TestParseComplete(t *testing.T) {
	big := strings.Repeat("v", 16384)
	cases := []struct {
		name   string
		in     string
		authed bool
		args   []string
		n      int
	}{
		{"ping", "*1\r\n$4\r\nPING\r\n", true, []string{"PING"}, 14},
		{"pipelined takes first", "*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n", true, []string{"PING"}, 14},
		{"bulk trailer unchecked", "*1\r\n$4\r\nPINGXY", true, []string{"PING"}, 14},
		{"count LF unchecked", "*1\rX$4\r\nPING\r\n", true, []string{"PING"}, 14},
		{"empty and binary", "*3\r\n$0\r\n\r\n$3\r\na\x00b\r\n$2\r\n\r\n\r\n", true, []string{"", "a\x00b", "\r\n"}, 27},
		{"zero count", "*0\r\n", true, []string{}, 4},
		{"negative count", "*-5\r\nPING\r\n", true, []string{}, 5},
		{"unauth 10 args", "*10\r\n" + strings.Repeat("$1\r\na\r\n", 10), false, strings.Split(strings.Repeat("a", 10), ""), 75},
		{"unauth 16384 bytes", "*1\r\n$16384\r\n" + big + "\r\n", false, []string{big}, 12 + 16384 + 2},
		{"inline", "PING\r\n", true, []string{"PING"}, 6},
		{"inline LF", "PING\n", true, []string{"PING"}, 5},
		{"inline blanks", "  SET\t a   b \r\n", true, []string{"SET", "a", "b"}, 15},
		{"inline empty CRLF", "\r\n", true, []string{}, 2},
		{"inline empty LF", "\nPING\r\n", true, []string{}, 1},
		{"inline only blanks", "   \r\n", true, []string{}, 5},
		{"inline lone CR", "\r\r\n", true, []string{}, 3},
		{"inline max line", strings.Repeat("A", 65536) + "\n", true, []string{strings.Repeat("A", 65536)}, 65537},
		{"inline NUL after newline", "PING\r\n\x00", true, []string{"PING"}, 6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, n, err := Parse([]byte(tc.in), nil, DefaultLimits, tc.authed)
			require.NoError(t, err)
			assert.Equal(t, tc.n, n)
			assert.Equal(t, tc.args, strs(out))
			assert.Equal(t, tc.n, NeedBytes([]byte(tc.in)))

			p := Parser{Authed: tc.authed}
			pout, pn, err := p.Parse([]byte(tc.in), nil)
			require.NoError(t, err)
			assert.Equal(t, tc.n, pn)
			assert.Equal(t, tc.args, strs(pout))
		})
	}
}

func TestParseIncomplete(t *testing.T) {
	cases := []struct {
		in   string
		need int
	}{
		{"", 0},
		{"*", 0},
		{"*1", 0},
		{"*1\r", 0},
		{"*1\r\n", 0},
		{"*1\r\n$", 0},
		{"*1\r\n$4", 0},
		{"*1\r\n$4\r", 0},
		{"*1\r\n$4\r\n", 14},
		{"*1\r\n$4\r\nPI", 14},
		{"*1\r\n$4\r\nPING\r", 14},
		{"*2\r\n$4\r\nPING\r\n", 0},
		{"*2\r\n$4\r\nPING\r\n$100\r\n", 14 + 6 + 102},
		{"*1\r\n$4\x00\r\n", 0},
		{"PING", 0},
		{"PING\r", 0},
		{"ECHO \"a", 0},
		{"PING\x00\r\n", 0},
		{strings.Repeat("A", 65536), 0},
		{"*" + strings.Repeat("1", 65535), 0},
		{"*1\r\n$" + strings.Repeat("1", 65535), 0},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%.20q", tc.in), func(t *testing.T) {
			out, n, err := Parse([]byte(tc.in), nil, DefaultLimits, true)
			require.NoError(t, err)
			assert.Zero(t, n)
			assert.Nil(t, out)
			assert.Equal(t, tc.need, NeedBytes([]byte(tc.in)))

			var p Parser
			out, n, err = p.Parse([]byte(tc.in), nil)
			require.NoError(t, err)
			assert.Zero(t, n)
			assert.Nil(t, out)
			assert.Equal(t, tc.need, p.Need())
		})
	}
}

func TestParseInlineQuoting(t *testing.T) {
	for _, tc := range inlineCases {
		t.Run(fmt.Sprintf("%q", tc.line), func(t *testing.T) {
			in := []byte(tc.line + "\r\n")
			out, n, err := Parse(in, nil, DefaultLimits, true)
			if tc.args == nil {
				assert.Equal(t, errUnbalancedQuotes, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, len(in), n)
			assert.Equal(t, tc.args, strs(out))
		})
	}
}

// inlineCases are inline lines and their sdssplitargs tokens (nil: unbalanced
// quotes); TestInlineMatchesRedis checks each against redis-server.
var inlineCases = []struct {
	line string
	args []string
}{
	{`a b c`, []string{"a", "b", "c"}},
	{`"a b" c`, []string{"a b", "c"}},
	{`"" ''`, []string{"", ""}},
	{`"\x41\x4a\x4A\x7e"`, []string{"AJJ~"}},
	{`"\x4"`, []string{"x4"}},
	{`"\xZZ"`, []string{"xZZ"}},
	{`"\x00"`, []string{"\x00"}},
	{`"\n\r\t\b\a\q\\\""`, []string{"\n\r\t\b\aq\\\""}},
	{`'a\'b'`, []string{"a'b"}},
	{`'a\nb\x41'`, []string{`a\nb\x41`}},
	{`'it\\'`, nil},
	{`'it\\' x`, nil},
	{`'it\ x'`, []string{`it\ x`}},
	{`a"b c"d"" e`, nil},
	{`a"b c" e`, []string{"ab c", "e"}},
	{`a'b c' e`, []string{"ab c", "e"}},
	{"a\vb", []string{"a\vb"}},
	{"\va\fb", []string{"a\fb"}},
	{"\"a\"\tb", []string{"a", "b"}},
	{"\"a\"\vb", []string{"a", "b"}},
	{"a\rb", []string{"a", "b"}},
	{"\xe9\xff", []string{"\xe9\xff"}},
	{`k"\xe9"`, []string{"k\xe9"}},
}

// request is one generated command and its encoding.
type request struct {
	args [][]byte
	raw  []byte
}

func randomRequests(r *rand.Rand, count int) []request {
	reqs := make([]request, count)
	for i := range reqs {
		nargs := 1 + r.IntN(6)
		args := make([][]byte, nargs)
		inline := r.IntN(4) == 0
		for j := range args {
			size := r.IntN(40)
			if r.IntN(50) == 0 {
				size = r.IntN(100000)
			}
			a := make([]byte, size)
			for k := range a {
				if inline {
					a[k] = byte('a' + r.IntN(26))
				} else {
					a[k] = byte(r.IntN(256))
				}
			}
			if inline && size == 0 {
				a = []byte("x")
			}
			args[j] = a
		}
		var raw []byte
		if inline {
			raw = append(bytes.Join(args, []byte(" ")), "\r\n"...)
			if len(raw) > inlineMaxSize {
				raw = AppendCommand(nil, args...)
			}
		} else {
			raw = AppendCommand(nil, args...)
		}
		reqs[i] = request{args, raw}
	}
	return reqs
}

func TestParsePipelined(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	reqs := randomRequests(r, 3000)
	var stream []byte
	for _, q := range reqs {
		stream = append(stream, q.raw...)
	}
	var args [][]byte
	pos := 0
	for i, q := range reqs {
		out, n, err := Parse(stream[pos:], args[:0], DefaultLimits, true)
		require.NoError(t, err, "request %d", i)
		require.Equal(t, len(q.raw), n, "request %d", i)
		require.Equal(t, q.args, out, "request %d", i)
		args = out
		pos += n
	}
	require.Equal(t, len(stream), pos)
}

// TestParseEverySplit feeds each request cut at every byte: any strict prefix
// is incomplete, the whole is the request, and a Parser fed growing (and
// moving) buffers agrees.
func TestParseEverySplit(t *testing.T) {
	reqs := []string{
		"*3\r\n$3\r\nSET\r\n$0\r\n\r\n$5\r\na\r\nb\x00\r\n",
		"*1\r\n$10\r\n0123456789\r\n",
		"SET \"a b\" 'c d' e\r\n",
		"PING\n",
	}
	for _, req := range reqs {
		want, wn, err := Parse([]byte(req), nil, DefaultLimits, true)
		require.NoError(t, err)
		require.Equal(t, len(req), wn)
		wantStrs := strs(want)
		for cut := 0; cut < len(req); cut++ {
			out, n, err := Parse([]byte(req[:cut]), nil, DefaultLimits, true)
			require.NoError(t, err, "cut %d of %q", cut, req)
			require.Zero(t, n, "cut %d of %q", cut, req)
			require.Nil(t, out)

			var p Parser
			_, n, err = p.Parse([]byte(req[:cut]), nil)
			require.NoError(t, err)
			require.Zero(t, n)
			out, n, err = p.Parse([]byte(req), nil)
			require.NoError(t, err)
			require.Equal(t, len(req), n, "cut %d of %q", cut, req)
			require.Equal(t, wantStrs, strs(out), "cut %d of %q", cut, req)
		}
	}
}

// TestParserResumes checks that a Parser fed a large multibulk a few bytes at
// a time, in a buffer that moves, keeps its place and yields the command.
func TestParserResumes(t *testing.T) {
	args := make([][]byte, 5000)
	for i := range args {
		args[i] = fmt.Appendf(nil, "arg-%d", i)
	}
	req := AppendCommand(nil, args...)
	req = append(req, "PING\r\n"...)
	p := Parser{Authed: true}
	var out [][]byte
	var n int
	lastPos := 0
	for end := 1; end <= len(req); end += 7 {
		buf := append([]byte(nil), req[:end]...) // a new buffer every time
		var err error
		out, n, err = p.Parse(buf, nil)
		require.NoError(t, err)
		if n > 0 {
			break
		}
		require.GreaterOrEqual(t, p.st.pos, lastPos, "parser went backwards")
		lastPos = p.st.pos
	}
	if n == 0 {
		var err error
		out, n, err = p.Parse(req, nil)
		require.NoError(t, err)
	}
	require.Equal(t, len(req)-6, n)
	require.Equal(t, args, out)
	require.False(t, p.active)

	// A different, shorter request after a reset is parsed from scratch.
	_, _, err := p.Parse(req[:100], nil)
	require.NoError(t, err)
	out, n, err = p.Parse([]byte("*1\r\n$1\r\nx\r\n"), nil)
	require.NoError(t, err)
	require.Equal(t, 11, n)
	require.Equal(t, []string{"x"}, strs(out))
}

func TestNeedBytesLargeBulk(t *testing.T) {
	hdr := "*2\r\n$3\r\nSET\r\n$1000000\r\n"
	buf := []byte(hdr + "partial")
	want := len(hdr) + 1000000 + 2
	assert.Equal(t, want, NeedBytes(buf))
	p := Parser{Authed: true}
	_, n, err := p.Parse(buf, nil)
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Equal(t, want, p.Need())
	// NeedBytes ignores the limits: they are Parse's business.
	huge := []byte("*1\r\n$4294967296\r\n")
	assert.Equal(t, len(huge)+4294967296+2, NeedBytes(huge))
}

func TestQueryBufLimit(t *testing.T) {
	lim := Limits{MaxBulkLen: 1 << 20, MaxQueryBuf: 100}
	// A declared bulk larger than the query buffer limit fails at once.
	_, _, err := Parse([]byte("*1\r\n$99\r\n"), nil, lim, true)
	assert.Equal(t, ErrQueryBufLimit, err)
	_, _, err = Parse([]byte("*1\r\n$98\r\n"), nil, lim, true)
	assert.NoError(t, err)
	// Pending bytes of the element being received count, complete ones don't.
	buf := append([]byte("*3\r\n$60\r\n"), bytes.Repeat([]byte("x"), 60)...)
	buf = append(buf, "\r\n$60\r\n"...)
	buf = append(buf, bytes.Repeat([]byte("y"), 50)...)
	_, n, err := Parse(buf, nil, lim, true)
	assert.NoError(t, err)
	assert.Zero(t, n)
	buf = append(buf, bytes.Repeat([]byte("y"), 10)...)
	buf = append(buf, "\r\n"...)
	buf = append(buf, strings.Repeat("$", 101)...)
	_, _, err = Parse(buf, nil, lim, true)
	assert.Equal(t, ErrQueryBufLimit, err)
	// Inline data without a newline.
	_, _, err = Parse(bytes.Repeat([]byte("a"), 101), nil, lim, true)
	assert.Equal(t, ErrQueryBufLimit, err)
	// A complete request is never refused for the bytes after it.
	long := append([]byte("PING\r\n"), bytes.Repeat([]byte("a"), 200)...)
	out, n, err := Parse(long, nil, lim, true)
	require.NoError(t, err)
	assert.Equal(t, 6, n)
	assert.Equal(t, []string{"PING"}, strs(out))
}

func TestParseCustomBulkLimit(t *testing.T) {
	lim := Limits{MaxBulkLen: 3}
	_, n, err := Parse([]byte("*1\r\n$3\r\nabc\r\n"), nil, lim, true)
	require.NoError(t, err)
	assert.Equal(t, 13, n)
	_, _, err = Parse([]byte("*1\r\n$4\r\nabcd\r\n"), nil, lim, true)
	assert.Equal(t, errInvalidBulk, err)
}

func TestParseArgsDoNotOverlap(t *testing.T) {
	buf := []byte("*2\r\n$1\r\na\r\n$1\r\nb\r\n")
	out, _, err := Parse(buf, nil, DefaultLimits, true)
	require.NoError(t, err)
	// Capacity is clipped, so appending to an argument cannot clobber the buffer.
	_ = append(out[0], 'Z')
	assert.Equal(t, "*2\r\n$1\r\na\r\n$1\r\nb\r\n", string(buf))
}

func TestString2ll(t *testing.T) {
	cases := []struct {
		in string
		v  int64
		ok bool
	}{
		{"0", 0, true}, {"1", 1, true}, {"-1", -1, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"-9223372036854775808", -9223372036854775808, true},
		{"9223372036854775808", 0, false}, {"-9223372036854775809", 0, false},
		{"18446744073709551615", 0, false}, {"99999999999999999999", 0, false},
		{"", 0, false}, {"-", 0, false}, {"-0", 0, false}, {"00", 0, false},
		{"+1", 0, false}, {" 1", 0, false}, {"1 ", 0, false}, {"1a", 0, false},
	}
	for _, tc := range cases {
		v, ok := string2ll([]byte(tc.in))
		assert.Equal(t, tc.ok, ok, tc.in)
		assert.Equal(t, tc.v, v, tc.in)
	}
}

func TestParseZeroAllocs(t *testing.T) {
	var stream []byte
	for i := range 100 {
		stream = AppendCommandString(stream, "SET", fmt.Sprintf("key:%d", i), "value")
	}
	stream = append(stream, "GET key:1\r\n"...)
	args := make([][]byte, 0, 8)
	allocs := testing.AllocsPerRun(20, func() {
		for pos := 0; pos < len(stream); {
			out, n, err := Parse(stream[pos:], args, DefaultLimits, true)
			if err != nil || n == 0 {
				t.Fatalf("parse at %d: %v", pos, err)
			}
			args = out[:0]
			pos += n
		}
	})
	assert.Zero(t, allocs)

	var p Parser
	allocs = testing.AllocsPerRun(20, func() {
		for pos := 0; pos < len(stream); {
			out, n, err := p.Parse(stream[pos:], args)
			if err != nil || n == 0 {
				t.Fatalf("parse at %d: %v", pos, err)
			}
			args = out[:0]
			pos += n
		}
	})
	assert.Zero(t, allocs)
}
