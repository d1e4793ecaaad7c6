package shardcore

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Schotter's first two rows are drawn without randomness; these digests
// are of redis-server 7.0.15's drawings (LOLWUT VERSION 5 cols perRow
// perCol, the text before the caption).
func TestSchotterMatchesRedis(t *testing.T) {
	for _, tc := range []struct {
		cols, perRow, perCol int
		digest               string
	}{
		{1, 1, 1, "9015e4fba31fc1d6"},
		{3, 1, 1, "f35bf4a5b18adf69"},
		{2, 2, 2, "d77eeebd06e7c34f"},
		{10, 3, 2, "21bcd973f875c774"},
		{66, 8, 2, "3b9678e96bd119c3"},
		{7, 5, 1, "89cbf056a58107a3"},
	} {
		sum := sha256.Sum256(schotter(tc.cols, tc.perRow, tc.perCol).render())
		assert.Equal(t, tc.digest, hex.EncodeToString(sum[:8]), "%+v", tc)
	}
	assert.Equal(t, "\u280b\n", string(schotter(1, 1, 1).render()))
}

func TestLolwut(t *testing.T) {
	srv := testServer(t, 1)
	c := testRaw(t, srv)
	assert.Equal(t, "$17\r\nkeel ver. 7.0.15\n\r\n", c.do("LOLWUT"))
	assert.Equal(t, "$17\r\nkeel ver. 7.0.15\n\r\n", c.do("LOLWUT", "VERSION", "7"))
	// One row is too low for any skyscraper: Redis draws white pixels too.
	white := "\x1b[0;97;107m \x1b[0m"
	assert.Equal(t, "$161\r\n"+white+white+"\nDedicated to the 8 bit game developers of past and present.\n"+
		"Original 8 bit image from Plaguemon by hikikomori. keel ver. 7.0.15\n\r\n", c.do("LOLWUT", "VERSION", "6", "2", "1"))
	sky := skyline(80, 20)
	assert.Equal(t, 80*20, len(sky.pixels))
	assert.Contains(t, sky.pixels, byte(0), "foreground skyscrapers")
	assert.Equal(t, 19, strings.Count(string(sky.renderGray()), "\n"))
	assert.Equal(t, "$69\r\n\u280b\n\nGeorg Nees - schotter, plotter on paper, 1968. keel ver. 7.0.15\n\r\n", c.do("LOLWUT", "VERSION", "5", "1", "1", "1"))
	// As Redis, the version wraps as an unsigned int and sizes are clamped.
	assert.Equal(t, c.do("LOLWUT", "VERSION", "5", "0", "-3", "0"), c.do("LOLWUT", "VERSION", "4294967301", "1", "1", "1"))
	assert.Equal(t, "-ERR value is not an integer or out of range\r\n", c.do("LOLWUT", "VERSION", "5", "1", "x"))
	big := c.do("LOLWUT", "VERSION", "5", "1000", "200", "200")
	require.Greater(t, len(big), 1000)
	assert.Equal(t, "=73\r\ntxt:\u280b\n\nGeorg Nees - schotter, plotter on paper, 1968. keel ver. 7.0.15\n\r\n",
		func() string { c.do("HELLO", "3"); return c.do("LOLWUT", "VERSION", "5", "1", "1", "1") }())
}

func TestWait(t *testing.T) {
	srv := testServer(t, 2)
	admin, c := testRaw(t, srv), testRaw(t, srv)
	id := idOf(t, c)
	assert.Equal(t, ":0\r\n", c.do("WAIT", "0", "0"))
	assert.Equal(t, ":0\r\n", c.do("WAIT", "-3", "0"))
	assert.Equal(t, "-ERR timeout is negative\r\n", c.do("WAIT", "1", "-1"))

	// No replica ever acknowledges: a timeout of 0 blocks until CLIENT
	// UNBLOCK, which answers what the timeout would, or the error. What
	// the client sent after WAIT waits for it.
	c.sendAll([]string{"WAIT", "1", "0"}, []string{"PING"})
	require.Eventually(t, func() bool { return infoField(admin, "clients", "blocked_clients") == "1" }, 10*time.Second, time.Millisecond)
	assert.Contains(t, admin.do("CLIENT", "LIST", "ID", id), " flags=b ")
	assert.Equal(t, ":1\r\n", admin.do("CLIENT", "UNBLOCK", id))
	assert.Equal(t, ":0\r\n", c.read())
	assert.Equal(t, "+PONG\r\n", c.read())
	assert.Equal(t, ":0\r\n", admin.do("CLIENT", "UNBLOCK", id))

	c.sendAll([]string{"WAIT", "2", "0"})
	require.Eventually(t, func() bool { return infoField(admin, "clients", "blocked_clients") == "1" }, 10*time.Second, time.Millisecond)
	assert.Equal(t, ":1\r\n", admin.do("CLIENT", "UNBLOCK", id, "ERROR"))
	assert.Equal(t, "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n", c.read())

	// A timeout ends the wait with 0 replicas.
	assert.Equal(t, ":0\r\n", c.do("WAIT", "1", "10"))
	// Inside a transaction WAIT never blocks.
	c.do("MULTI")
	assert.Equal(t, "+QUEUED\r\n", c.do("WAIT", "1", "0"))
	assert.Equal(t, "*1\r\n:0\r\n", c.do("EXEC"))

	// A client leaving while it waits is no longer blocked.
	gone := testRaw(t, srv)
	gone.sendAll([]string{"WAIT", "1", "0"})
	require.Eventually(t, func() bool { return infoField(admin, "clients", "blocked_clients") == "1" }, 10*time.Second, time.Millisecond)
	require.NoError(t, gone.nc.Close())
	require.Eventually(t, func() bool { return infoField(admin, "clients", "blocked_clients") == "0" }, 10*time.Second, time.Millisecond)
}

func TestRoleClusterReplicaOf(t *testing.T) {
	srv := testServer(t, 1)
	c := testRaw(t, srv)
	assert.Equal(t, "*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n", c.do("ROLE"))
	assert.Equal(t, "-ERR This instance has cluster support disabled\r\n", c.do("CLUSTER", "INFO"))
	assert.Equal(t, "-ERR This instance has cluster support disabled\r\n", c.do("READONLY"))
	assert.Equal(t, "+OK\r\n", c.do("REPLICAOF", "NO", "ONE"))
	assert.Equal(t, "-"+errNoReplication+"\r\n", c.do("REPLICAOF", "127.0.0.1", "6379"))
	assert.Equal(t, "-ERR FAILOVER requires connected replicas.\r\n", c.do("FAILOVER"))
	assert.Equal(t, "*1\r\n*2\r\n$1\r\na\r\n*3\r\n+RW\r\n+access\r\n+update\r\n", c.do("COMMAND", "GETKEYSANDFLAGS", "set", "a", "b", "GET"))
}
