package shardcore

import (
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keeldb/keel/shardcore/config"
	"github.com/keeldb/keel/shardcore/resp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// waitLog is a Persistence that numbers each shard's logged records like a
// real log and syncs only when the test says so.
type waitLog struct {
	nopPersistence
	logged, synced [2]atomic.Uint64
	failing        atomic.Bool // commits fail, as on a full disk
}

func (l *waitLog) Commit(int) error {
	if l.failing.Load() {
		return errors.New("no space left on device")
	}
	return nil
}

func (l *waitLog) Log(shard, _ int, _ [][]byte, _ uint64) { l.logged[shard].Add(1) }
func (l *waitLog) EndTx(shard int, _ uint64, _ int)       { l.logged[shard].Add(1) }
func (l *waitLog) AppendOnly() bool                       { return true }
func (l *waitLog) LoggedLSN(shard int) uint64             { return l.logged[shard].Load() }
func (l *waitLog) SyncedLSN(shard int) uint64             { return l.synced[shard].Load() }

func (l *waitLog) sync(shard int) { l.synced[shard].Store(l.logged[shard].Load()) }

func (l *waitLog) syncAll() {
	for i := range l.logged {
		l.sync(i)
	}
}

func waitAOFServer(t *testing.T) (*Server, *waitLog) {
	t.Helper()
	cfg, err := config.Parse([]string{"--port", "0", "--bind", "127.0.0.1", "--dir", t.TempDir(), "--shards", "2"})
	require.NoError(t, err)
	log := &waitLog{}
	srv, err := NewServer(cfg, Options{Persistence: log})
	require.NoError(t, err)
	srv.Start()
	t.Cleanup(srv.Stop)
	return srv, log
}

// waiters returns the LSNs each waiting call waits for.
func waiters(srv *Server) [][]uint64 {
	fw := srv.fsyncWaits()
	fw.mu.Lock()
	defer fw.mu.Unlock()
	var out [][]uint64
	for w := range fw.waiting {
		out = append(out, w.want)
	}
	return out
}

func waitForWaiters(t *testing.T, srv *Server, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return len(waiters(srv)) == n }, 10*time.Second, time.Millisecond)
}

func TestWaitAOFArguments(t *testing.T) {
	srv := testServer(t, 1)
	rc := testRaw(t, srv)
	for _, tc := range []struct {
		want string
		args []string
	}{
		{"-ERR wrong number of arguments for 'waitaof' command\r\n", []string{"WAITAOF", "0", "0"}},
		{"-ERR value is not an integer or out of range\r\n", []string{"WAITAOF", "x", "0", "0"}},
		{"-ERR value is not an integer or out of range\r\n", []string{"WAITAOF", "99999999999999999999", "0", "0"}},
		{"-ERR value is out of range, value must between 0 and 1\r\n", []string{"WAITAOF", "2", "0", "0"}},
		{"-ERR value is out of range, value must between 0 and 1\r\n", []string{"WAITAOF", "-1", "0", "0"}},
		{"-ERR value is out of range, must be positive\r\n", []string{"WAITAOF", "0", "x", "0"}},
		{"-ERR value is out of range, must be positive\r\n", []string{"WAITAOF", "0", "-1", "0"}},
		{"-ERR timeout is not an integer or out of range\r\n", []string{"WAITAOF", "0", "0", "x"}},
		{"-ERR timeout is not an integer or out of range\r\n", []string{"WAITAOF", "0", "0", "1.5"}},
		{"-ERR timeout is negative\r\n", []string{"WAITAOF", "1", "0", "-1"}},
		{"-ERR timeout is out of range\r\n", []string{"WAITAOF", "0", "0", "9223372036854775807"}},
		// Arguments are checked before the server's state.
		{"-ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.\r\n", []string{"WAITAOF", "1", "0", "0"}},
		// Without an AOF nothing is fsynced locally: 0, at once.
		{"*2\r\n:0\r\n:0\r\n", []string{"WAITAOF", "0", "0", "0"}},
		// No replicas: waits out the timeout.
		{"*2\r\n:0\r\n:0\r\n", []string{"WAITAOF", "0", "1", "20"}},
	} {
		assert.Equal(t, tc.want, rc.do(tc.args...), "%q", tc.args)
	}
}

func TestWaitAOFWaitsForEveryShard(t *testing.T) {
	srv, log := waitAOFServer(t)
	rc := testRaw(t, srv)
	require.Equal(t, "*2\r\n:1\r\n:0\r\n", rc.do("WAITAOF", "1", "0", "0"), "nothing logged yet")

	require.Equal(t, "+OK\r\n", rc.do("SET", "{a}x", "1"))
	require.Equal(t, "+OK\r\n", rc.do("SET", "{b}x", "1"))
	require.NotEqual(t, srv.shardOf([]byte("{a}x")), srv.shardOf([]byte("{b}x")))
	assert.Equal(t, "*2\r\n:0\r\n:0\r\n", rc.do("WAITAOF", "1", "0", "10"), "times out unsynced")

	// Writes pipelined ahead of WAITAOF, to both shards, are what it waits
	// for, whichever shard serves the connection.
	log.syncAll()
	before := [2]uint64{log.synced[0].Load(), log.synced[1].Load()}
	pipe := resp.AppendCommandString(nil, "SET", "{a}p", "1")
	pipe = resp.AppendCommandString(pipe, "MSET", "{a}q", "1", "{b}q", "2")
	pipe = resp.AppendCommandString(pipe, "WAITAOF", "1", "0", "0")
	_, err := rc.nc.Write(pipe)
	require.NoError(t, err)
	waitForWaiters(t, srv, 1)
	want := waiters(srv)[0]
	for i := range want {
		assert.Greater(t, want[i], before[i], "shard %d", i)
		assert.Equal(t, log.logged[i].Load(), want[i], "shard %d", i)
	}
	log.sync(0)
	log.sync(1)
	assert.Equal(t, "+OK\r\n", rc.read())
	assert.Equal(t, "+OK\r\n", rc.read())
	assert.Equal(t, "*2\r\n:1\r\n:0\r\n", rc.read())
	waitForWaiters(t, srv, 0)

	// numreplicas > 0 waits out the timeout even when synced.
	assert.Equal(t, "*2\r\n:1\r\n:0\r\n", rc.do("WAITAOF", "1", "1", "10"))
	assert.Equal(t, "*2\r\n:1\r\n:0\r\n", rc.do("WAITAOF", "0", "1", "10"))
}

func TestWaitAOFDoesNotHoldShards(t *testing.T) {
	srv, log := waitAOFServer(t)
	waiter, other := testRaw(t, srv), testRaw(t, srv)
	require.Equal(t, "+OK\r\n", waiter.do("MSET", "{a}k", "1", "{b}k", "1"))
	_, err := waiter.nc.Write(resp.AppendCommandString(nil, "WAITAOF", "1", "0", "0"))
	require.NoError(t, err)
	waitForWaiters(t, srv, 1)
	// Both shards serve others meanwhile, writes included.
	assert.Equal(t, "+OK\r\n", other.do("MSET", "{a}k", "2", "{b}k", "2"))
	assert.Equal(t, "*2\r\n$1\r\n2\r\n$1\r\n2\r\n", other.do("MGET", "{a}k", "{b}k"))
	log.syncAll()
	assert.Equal(t, "*2\r\n:1\r\n:0\r\n", waiter.read())
}

func TestWaitAOFInsideMulti(t *testing.T) {
	srv, log := waitAOFServer(t)
	rc := testRaw(t, srv)
	require.Equal(t, "+OK\r\n", rc.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", rc.do("SET", "{a}m", "1"))
	require.Equal(t, "+QUEUED\r\n", rc.do("WAITAOF", "1", "0", "0"))
	// Does not block: the write in the transaction is not synced yet.
	assert.Equal(t, "*2\r\n+OK\r\n*2\r\n:0\r\n:0\r\n", rc.do("EXEC"))
	log.syncAll()
	require.Equal(t, "+OK\r\n", rc.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", rc.do("WAITAOF", "1", "0", "0"))
	assert.Equal(t, "*1\r\n*2\r\n:1\r\n:0\r\n", rc.do("EXEC"))
	assert.Empty(t, waiters(srv))
}

func TestWaitAOFClientGone(t *testing.T) {
	srv, _ := waitAOFServer(t)
	for i := range 3 {
		rc := testRaw(t, srv)
		require.Equal(t, "+OK\r\n", rc.do("SET", "k"+strconv.Itoa(i), "v"))
		_, err := rc.nc.Write(resp.AppendCommandString(nil, "WAITAOF", "1", "0", "0"))
		require.NoError(t, err)
		waitForWaiters(t, srv, 1)
		require.NoError(t, rc.nc.Close())
		// The wait ends with the connection, not never.
		waitForWaiters(t, srv, 0)
	}
	// And the server still answers on both shards.
	rc := testRaw(t, srv)
	assert.Equal(t, ":2\r\n", rc.do("EXISTS", "{a}k0", "k0", "k1"))
}

// While log commits fail, WAITAOF still times out (it waits on no commit).
func TestWaitAOFWhileCommitsFail(t *testing.T) {
	srv, log := waitAOFServer(t)
	writer, other := testRaw(t, srv), testRaw(t, srv)
	log.failing.Store(true)
	// A single-shard write: a multi-shard one keeps its shards held until
	// its commit succeeds.
	_, err := writer.nc.Write(resp.AppendCommandString(nil, "SET", "{a}f", "1"))
	require.NoError(t, err)
	sh := srv.shardOf([]byte("{a}f")).id
	require.Eventually(t, func() bool { return log.logged[sh].Load() > 0 }, 10*time.Second, time.Millisecond)
	assert.Equal(t, "*2\r\n:0\r\n:0\r\n", other.do("WAITAOF", "1", "0", "20"))
	log.failing.Store(false)
	log.syncAll()
	assert.Equal(t, "+OK\r\n", writer.read(), "the held reply leaves once commits succeed")
	assert.Equal(t, "*2\r\n:1\r\n:0\r\n", other.do("WAITAOF", "1", "0", "0"))
}
