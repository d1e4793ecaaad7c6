package shardcore

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
