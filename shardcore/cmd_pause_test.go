package shardcore

import (
	"strings"
	"testing"
	"time"

	"github.com/keeldb/keel/shardcore/resp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// heldCommands counts the commands CLIENT PAUSE holds, over all shards.
func heldCommands(t *testing.T, srv *Server) int {
	t.Helper()
	ps := srv.ext().pause
	counts, ok := srv.gather(func(s *Shard) any { return len(ps.held[s.id]) })
	require.True(t, ok)
	n := 0
	for _, c := range counts {
		n += c.(int)
	}
	return n
}

func waitHeld(t *testing.T, srv *Server, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return heldCommands(t, srv) == n }, 10*time.Second, time.Millisecond, "held commands")
}

// sendAll writes commands in one write, without reading their replies.
func (rc *rawConn) sendAll(cmds ...[]string) {
	rc.t.Helper()
	var b []byte
	for _, c := range cmds {
		b = resp.AppendCommandString(b, c...)
	}
	_, err := rc.nc.Write(b)
	require.NoError(rc.t, err)
}

func TestClientPauseWriteHoldsWritesOnly(t *testing.T) {
	srv := testServer(t, 3)
	admin, reader := testRaw(t, srv), testRaw(t, srv)
	w1, w2 := testRaw(t, srv), testRaw(t, srv)
	require.Equal(t, "+OK\r\n", admin.do("SET", "c", "0"))
	w1ID := idOf(t, w1)
	require.Equal(t, "+OK\r\n", admin.do("CLIENT", "PAUSE", "100000", "WRITE"))

	// Keys a, b and c live on different shards.
	w1.sendAll([]string{"SET", "a", "1"}, []string{"INCR", "a"}, []string{"GET", "a"})
	w2.sendAll([]string{"SET", "b", "2"})
	waitHeld(t, srv, 2) // one per client: w1's later commands wait behind its first

	// Reads go on, and see none of the held writes.
	assert.Equal(t, "$-1\r\n", reader.do("GET", "a"))
	assert.Equal(t, "$-1\r\n", reader.do("GET", "b"))
	assert.Equal(t, "$1\r\n0\r\n", reader.do("GET", "c"))
	assert.Equal(t, "+PONG\r\n", reader.do("PING"))
	// Errors found before a command runs reply at once.
	assert.Equal(t, "-ERR wrong number of arguments for 'set' command\r\n", reader.do("SET", "a"))
	// A held client is listed as blocked, as Redis lists it, but it is not
	// blocked in a command: CLIENT UNBLOCK leaves it.
	assert.Contains(t, reader.do("CLIENT", "LIST", "ID", w1ID), " flags=b ")
	assert.Equal(t, "2", infoField(reader, "clients", "blocked_clients"))
	assert.Equal(t, ":0\r\n", reader.do("CLIENT", "UNBLOCK", w1ID))
	assert.Equal(t, 2, heldCommands(t, srv))

	require.Equal(t, "+OK\r\n", admin.do("CLIENT", "UNPAUSE"))
	assert.Equal(t, "+OK\r\n", w1.read())
	assert.Equal(t, ":2\r\n", w1.read())
	assert.Equal(t, "$1\r\n2\r\n", w1.read())
	assert.Equal(t, "+OK\r\n", w2.read())
	assert.Equal(t, "$1\r\n2\r\n", reader.do("GET", "b"))
	assert.Equal(t, 0, heldCommands(t, srv))
	assert.Equal(t, "0", infoField(reader, "clients", "blocked_clients"))
}

// idOf returns the client id of rc's connection.
func idOf(t *testing.T, rc *rawConn) string {
	t.Helper()
	reply := rc.do("CLIENT", "ID")
	require.True(t, strings.HasPrefix(reply, ":"), reply)
	return strings.TrimSuffix(reply[1:], "\r\n")
}

func TestClientPauseWriteMultiAndPublish(t *testing.T) {
	srv := testServer(t, 2)
	admin, tx, ro, pub := testRaw(t, srv), testRaw(t, srv), testRaw(t, srv), testRaw(t, srv)
	require.Equal(t, "+OK\r\n", tx.do("MULTI"))
	require.Equal(t, "+OK\r\n", ro.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", ro.do("GET", "a"))
	require.Equal(t, "+OK\r\n", admin.do("CLIENT", "PAUSE", "100000", "WRITE"))

	// A read-only transaction runs; a write is held even while queued.
	assert.Equal(t, "*1\r\n$-1\r\n", ro.do("EXEC"))
	require.Equal(t, "+QUEUED\r\n", tx.do("GET", "a"))
	tx.sendAll([]string{"SET", "a", "1"}, []string{"EXEC"})
	// PUBLISH may propagate writes: Redis holds it too.
	pub.sendAll([]string{"PUBLISH", "ch", "m"})
	waitHeld(t, srv, 2)

	require.Equal(t, "+OK\r\n", admin.do("CLIENT", "UNPAUSE"))
	assert.Equal(t, "+QUEUED\r\n", tx.read())
	assert.Equal(t, "*2\r\n$-1\r\n+OK\r\n", tx.read())
	assert.Equal(t, ":0\r\n", pub.read())
}

func TestClientPauseAllHoldsEveryone(t *testing.T) {
	srv := testServer(t, 2)
	admin, other := testRaw(t, srv), testRaw(t, srv)
	require.Equal(t, "+OK\r\n", admin.do("CLIENT", "PAUSE", "100000", "ALL"))
	// The pausing connection is not exempt, and UNPAUSE from another client
	// waits too: only the timeout could end this pause.
	admin.sendAll([]string{"PING"})
	other.sendAll([]string{"GET", "a"})
	waitHeld(t, srv, 2)
	assert.Equal(t, "-ERR unknown command 'FOO', with args beginning with: \r\n", testRaw(t, srv).do("FOO"))

	// A new, shorter pause neither shortens nor weakens the one in force.
	third := testRaw(t, srv)
	third.sendAll([]string{"CLIENT", "UNPAUSE"})
	waitHeld(t, srv, 3)
	srv.ext().pause.pause(pauseWrite, 0)
	assert.Equal(t, pauseAll, srv.ext().pause.mode.Load())
	assert.Equal(t, 3, heldCommands(t, srv))

	srv.ext().pause.unpause()
	assert.Equal(t, "+PONG\r\n", admin.read())
	assert.Equal(t, "$-1\r\n", other.read())
	assert.Equal(t, "+OK\r\n", third.read())
}

func TestClientPauseTimeoutReleases(t *testing.T) {
	srv := testServer(t, 2)
	c := testRaw(t, srv)
	// The pause ends by itself; the commands held meanwhile then run in
	// order.
	c.sendAll([]string{"CLIENT", "PAUSE", "20", "WRITE"}, []string{"SET", "a", "1"}, []string{"GET", "a"})
	assert.Equal(t, "+OK\r\n", c.read())
	assert.Equal(t, "+OK\r\n", c.read())
	assert.Equal(t, "$1\r\n1\r\n", c.read())
	assert.Equal(t, int32(0), pausing.Load())
	assert.Equal(t, "+OK\r\n", c.do("CLIENT", "PAUSE", "0"))
	assert.Equal(t, "+PONG\r\n", c.do("PING"))
}

func TestClientPauseDropsClientsThatLeft(t *testing.T) {
	srv := testServer(t, 1)
	admin, gone := testRaw(t, srv), testRaw(t, srv)
	require.Equal(t, "+OK\r\n", admin.do("CLIENT", "PAUSE", "100000", "WRITE"))
	gone.sendAll([]string{"SET", "a", "1"})
	waitHeld(t, srv, 1)
	require.NoError(t, gone.nc.Close())
	require.Equal(t, "+OK\r\n", admin.do("CLIENT", "UNPAUSE"))
	waitHeld(t, srv, 0)
	assert.Equal(t, "$-1\r\n", admin.do("GET", "a"))
}

func TestClientPauseErrors(t *testing.T) {
	srv := testServer(t, 1)
	c := testRaw(t, srv)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"CLIENT", "PAUSE"}, "-ERR wrong number of arguments for 'client|pause' command\r\n"},
		{[]string{"CLIENT", "PAUSE", "a"}, "-ERR timeout is not an integer or out of range\r\n"},
		{[]string{"CLIENT", "PAUSE", "-1"}, "-ERR timeout is negative\r\n"},
		{[]string{"CLIENT", "PAUSE", "a", "foo"}, "-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n"},
		{[]string{"CLIENT", "PAUSE", "1", "2", "3"}, "-ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP.\r\n"},
		{[]string{"CLIENT", "UNPAUSE", "x"}, "-ERR wrong number of arguments for 'client|unpause' command\r\n"},
		{[]string{"CLIENT", "UNPAUSE"}, "+OK\r\n"},
	} {
		assert.Equal(t, tc.want, c.do(tc.args...), "%v", tc.args)
	}
}

// BenchmarkPauseHoldOff is what every dispatched command pays for CLIENT
// PAUSE while no server pauses.
func BenchmarkPauseHoldOff(b *testing.B) {
	var s *Shard
	for b.Loop() {
		if s.pauseHold(nil, nil, nil) {
			b.Fatal("held without a pause")
		}
	}
}
