package integration

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// exchange sends raw bytes and collects everything the server writes back
// until it closes the connection or stays silent for quiet.
func exchange(t *testing.T, p *proc, input string, quiet time.Duration) (string, bool) {
	t.Helper()
	rc := p.Raw(t)
	require.NoError(t, rc.Send([]byte(input)))
	closed, got := rc.Closed(quiet)
	return got, closed
}

type protoCase struct {
	name   string
	input  string
	want   string
	closed bool
}

func protoErr(msg string) string { return "-ERR Protocol error: " + msg + "\r\n" }

var protocolCases = []protoCase{
	{"invalid multibulk length", "*abc\r\n", protoErr("invalid multibulk length"), true},
	{"multibulk length above INT_MAX", "*2147483648\r\n", protoErr("invalid multibulk length"), true},
	{"invalid bulk length", "*1\r\n$abc\r\n", protoErr("invalid bulk length"), true},
	{"negative bulk length", "*1\r\n$-5\r\n", protoErr("invalid bulk length"), true},
	{"huge declared bulk length", "*1\r\n$999999999999\r\n", protoErr("invalid bulk length"), true},
	{"bulk above proto-max-bulk-len", "*1\r\n$536870913\r\n", protoErr("invalid bulk length"), true},
	{"missing dollar", "*1\r\nfoo\r\n", protoErr("expected '$', got 'f'"), true},
	{"unbalanced quotes", "SET \"a b\r\n", protoErr("unbalanced quotes in request"), true},
	{"closing quote not followed by space", "ECHO \"a\"b\r\n", protoErr("unbalanced quotes in request"), true},
	{"unbalanced single quote", "ECHO 'abc\r\n", protoErr("unbalanced quotes in request"), true},
	{"too big inline request", strings.Repeat("a", 70<<10), protoErr("too big inline request"), true},
	{"too big mbulk count string", "*" + strings.Repeat("1", 70<<10), protoErr("too big mbulk count string"), true},
	{"too big bulk count string", "*1\r\n$" + strings.Repeat("1", 70<<10), protoErr("too big bulk count string"), true},
	{"valid reply before the error", "PING\r\n*1\r\n$x\r\n", "+PONG\r\n" + protoErr("invalid bulk length"), true},
	{"commands after the error are ignored", "*1\r\nfoo\r\nPING\r\n", protoErr("expected '$', got 'f'"), true},
	{"null multibulk is skipped", "*-1\r\nPING\r\n", "+PONG\r\n", false},
	{"empty multibulk is skipped", "*0\r\nPING\r\n", "+PONG\r\n", false},
	{"inline command", "PING\r\n", "+PONG\r\n", false},
	{"inline with bare LF", "ECHO hi\n", "$2\r\nhi\r\n", false},
	{"blank inline lines", "\r\n\n  \r\nPING\r\n", "+PONG\r\n", false},
	{"inline quoting and escapes", "ECHO \"a\\x41\\n\" 'b'\r\n", "-ERR wrong number of arguments for 'echo' command\r\n", false},
	{"inline escapes", "ECHO \"a\\x41\\t\"\r\n", "$3\r\naA\t\r\n", false},
	{"split frame", "*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\n", "$3\r\nabc\r\n", false},
	{"binary bulk", "*2\r\n$4\r\nECHO\r\n$4\r\n\x00\r\n\xff\r\n", "$4\r\n\x00\r\n\xff\r\n", false},
}

// TestProtocolAbuse checks that malformed input gets Redis's error text and
// the connection is closed the way Redis closes it; the redis subtest keeps
// the table itself honest.
func TestProtocolAbuse(t *testing.T) {
	onBoth(t, nil, func(t *testing.T, p *proc) {
		for _, tc := range protocolCases {
			quiet := 200 * time.Millisecond
			if tc.closed {
				quiet = 5 * time.Second // the close must come by itself
			}
			got, closed := exchange(t, p, tc.input, quiet)
			assert.Equal(t, tc.want, got, tc.name)
			assert.Equal(t, tc.closed, closed, "%s: connection closed", tc.name)
		}
		// Nothing above may have hurt the server.
		rc := p.Raw(t)
		require.Equal(t, "+PONG\r\n", rc.MustDo(t, "PING"))
	})
}

// TestProtocolPartialHugeBulk declares a large bulk and sends only part of
// it: the server must keep waiting for that client and serve the others.
func TestProtocolPartialHugeBulk(t *testing.T) {
	onBoth(t, nil, func(t *testing.T, p *proc) {
		slow := p.Raw(t)
		require.NoError(t, slow.Send([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$400000000\r\nabc")))
		other := p.Raw(t)
		require.Equal(t, "+PONG\r\n", other.MustDo(t, "PING"))
		require.Equal(t, "$-1\r\n", other.MustDo(t, "GET", "k"))
		closed, got := slow.Closed(300 * time.Millisecond)
		require.False(t, closed)
		require.Empty(t, got)
	})
}
