package integration

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/keeldb/keel/shardcore/resp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cliRun runs redis-cli and fails the test when it exits non-zero.
func cliRun(t *testing.T, p *proc, stdin string, args ...string) string {
	t.Helper()
	out, err := p.cli(t, stdin, args...)
	require.NoError(t, err)
	return out
}

func TestRedisCLI(t *testing.T) {
	requireTool(t, "redis-cli")
	onBoth(t, nil, func(t *testing.T, p *proc) {
		// Not a terminal: raw output, one reply per line.
		assert.Equal(t, "OK\n", cliRun(t, p, "", "SET", "a", "hello world"))
		assert.Equal(t, "hello world\n", cliRun(t, p, "", "GET", "a"))
		assert.Equal(t, "\n", cliRun(t, p, "", "GET", "missing"))
		assert.Equal(t, "1\n", cliRun(t, p, "", "INCR", "n"))
		assert.Equal(t, "ERR unknown command 'nosuch', with args beginning with: 'x' \n\n", cliRun(t, p, "", "nosuch", "x"))
		assert.Equal(t, "ERR wrong number of arguments for 'get' command\n\n", cliRun(t, p, "", "GET"))

		// --no-raw: the interactive formatting of every reply type.
		assert.Equal(t, "(integer) 2\n", cliRun(t, p, "", "--no-raw", "INCR", "n"))
		assert.Equal(t, "(nil)\n", cliRun(t, p, "", "--no-raw", "GET", "missing"))
		assert.Equal(t, "1) \"hello world\"\n2) (nil)\n3) \"2\"\n", cliRun(t, p, "", "--no-raw", "MGET", "a", "missing", "n"))
		assert.Equal(t, "(error) ERR value is not an integer or out of range\n", cliRun(t, p, "", "--no-raw", "INCR", "a"))
		assert.Equal(t, "\"2\",\"hello world\"\n", cliRun(t, p, "", "--csv", "MGET", "n", "a"))

		// Commands from standard input, and -x (stdin as the last argument).
		assert.Equal(t, "OK\n11\n", cliRun(t, p, "SET c 10\nINCR c\n"))
		assert.Equal(t, "OK\n", cliRun(t, p, "line one\nline two\n", "-x", "SET", "x"))
		assert.Equal(t, "line one\nline two\n\n", cliRun(t, p, "", "GET", "x"))

		// -n selects a database.
		assert.Equal(t, "OK\n", cliRun(t, p, "", "-n", "2", "SET", "d", "two"))
		assert.Equal(t, "two\n", cliRun(t, p, "", "-n", "2", "GET", "d"))
		assert.Equal(t, "\n", cliRun(t, p, "", "GET", "d"))

		// RESP3 through HELLO 3.
		assert.Equal(t, "\n", cliRun(t, p, "", "-3", "GET", "missing"))
		assert.Equal(t, "1# \"hz\" => \"10\"\n", cliRun(t, p, "", "-3", "--no-raw", "CONFIG", "GET", "hz"))
		assert.Equal(t, "(nil)\n", cliRun(t, p, "", "-3", "--no-raw", "GET", "missing"))

		info := cliRun(t, p, "", "INFO", "server")
		assert.True(t, strings.HasPrefix(info, "# Server\r\n"), info)
		assert.Regexp(t, regexp.MustCompile(`(?m)^redis_version:7\.`), info)
	})
}

func TestRedisCLIRepeat(t *testing.T) {
	requireTool(t, "redis-cli")
	onBoth(t, nil, func(t *testing.T, p *proc) {
		out := cliRun(t, p, "", "-r", "200", "INCR", "ctr")
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		require.Len(t, lines, 200)
		for i, l := range lines {
			require.Equal(t, strconv.Itoa(i+1), l)
		}
		assert.Equal(t, "200\n", cliRun(t, p, "", "GET", "ctr"))
		assert.Equal(t, "hi\nhi\nhi\n", cliRun(t, p, "", "-r", "3", "-i", "0", "ECHO", "hi"))
	})
}

// TestRedisCLIPipe is the documented mass-insert path: a RESP stream on
// redis-cli --pipe, keys spread over every shard.
func TestRedisCLIPipe(t *testing.T) {
	requireTool(t, "redis-cli")
	const n = 50000
	var stream []byte
	for i := 0; i < n; i++ {
		stream = resp.AppendCommandString(stream, "SET", "mass:"+strconv.Itoa(i), "value-"+strconv.Itoa(i))
	}
	for i := 0; i < 1000; i++ {
		stream = resp.AppendCommandString(stream, "INCRBY", counterKeys[i%3], "2")
	}
	stream = resp.AppendCommandString(stream, "INCR", "mass:7") // not an integer: one error
	onBoth(t, nil, func(t *testing.T, p *proc) {
		out, err := p.cli(t, string(stream), "--pipe")
		require.ErrorContains(t, err, "exit status 1", "--pipe exits 1 when a reply was an error")
		assert.Contains(t, out, fmt.Sprintf("errors: 1, replies: %d", n+1001), out)
		assert.Equal(t, strconv.Itoa(n+3)+"\n", cliRun(t, p, "", "DBSIZE"))
		assert.Equal(t, "value-0\nvalue-25000\nvalue-49999\n", cliRun(t, p, "", "MGET", "mass:0", "mass:25000", "mass:49999"))
		assert.Equal(t, "668\n666\n666\n", cliRun(t, p, "", "MGET", counterKeys[0], counterKeys[1], counterKeys[2]))

		scan := strings.Split(strings.TrimSpace(cliRun(t, p, "", "--scan", "--pattern", "mass:1234*")), "\n")
		sort.Strings(scan)
		assert.Equal(t, []string{"mass:1234", "mass:12340", "mass:12341", "mass:12342", "mass:12343", "mass:12344", "mass:12345", "mass:12346", "mass:12347", "mass:12348", "mass:12349"}, scan)
	})
}
