package shardcore

import (
	"errors"
	"strconv"
	"strings"
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
	off            atomic.Bool // appendonly no
}

func (l *waitLog) Commit(int) error {
	if l.failing.Load() {
		return errors.New("no space left on device")
	}
	return nil
}

func (l *waitLog) Log(shard, _ int, _ [][]byte, _ uint64) { l.logged[shard].Add(1) }
func (l *waitLog) EndTx(shard int, _ uint64, _ int)       { l.logged[shard].Add(1) }
func (l *waitLog) AppendOnly() bool                       { return !l.off.Load() }
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

// Inside EXEC it answers at once with what holds then. As in Redis, which
// propagates a transaction when EXEC ends, the transaction's own writes do
// not count yet; the client's earlier ones do.
func TestWaitAOFInsideMulti(t *testing.T) {
	srv, log := waitAOFServer(t)
	rc := testRaw(t, srv)
	require.Equal(t, "+OK\r\n", rc.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", rc.do("SET", "{a}m", "1"))
	require.Equal(t, "+QUEUED\r\n", rc.do("WAITAOF", "1", "0", "0"))
	assert.Equal(t, "*2\r\n+OK\r\n*2\r\n:1\r\n:0\r\n", rc.do("EXEC"), "nothing written before the transaction")
	require.Equal(t, "+OK\r\n", rc.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", rc.do("WAITAOF", "1", "0", "0"))
	// Does not block: the earlier transaction's write is not synced yet.
	assert.Equal(t, "*1\r\n*2\r\n:0\r\n:0\r\n", rc.do("EXEC"))
	log.syncAll()
	require.Equal(t, "+OK\r\n", rc.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", rc.do("WAITAOF", "1", "0", "0"))
	// Across shards EXEC takes its general path: the same answers.
	require.Equal(t, "+QUEUED\r\n", rc.do("MSET", "{a}m", "2", "{b}m", "2"))
	require.Equal(t, "+QUEUED\r\n", rc.do("WAITAOF", "1", "0", "0"))
	assert.Equal(t, "*3\r\n*2\r\n:1\r\n:0\r\n+OK\r\n*2\r\n:1\r\n:0\r\n", rc.do("EXEC"))
	assert.Equal(t, "*2\r\n:0\r\n:0\r\n", rc.do("WAITAOF", "1", "0", "1"), "the MSET counts once EXEC is done")
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

// While log commits fail, WAITAOF still times out, and a client whose own
// writes are synced is answered at once (it waits on no commit, and not for
// others' writes).
func TestWaitAOFWhileCommitsFail(t *testing.T) {
	srv, log := waitAOFServer(t)
	writer, other, unsynced := testRaw(t, srv), testRaw(t, srv), testRaw(t, srv)
	require.Equal(t, "+OK\r\n", other.do("SET", "{a}o", "1"))
	log.syncAll()
	require.Equal(t, "+OK\r\n", unsynced.do("SET", "{a}u", "1"))
	log.failing.Store(true)
	// A single-shard write: a multi-shard one keeps its shards held until
	// its commit succeeds.
	_, err := writer.nc.Write(resp.AppendCommandString(nil, "SET", "{a}f", "1"))
	require.NoError(t, err)
	sh := srv.shardOf([]byte("{a}f")).id
	require.Eventually(t, func() bool { return log.logged[sh].Load() > 2 }, 10*time.Second, time.Millisecond)
	assert.Equal(t, "*2\r\n:1\r\n:0\r\n", other.do("WAITAOF", "1", "0", "0"), "its write was synced")
	assert.Equal(t, "*2\r\n:1\r\n:0\r\n", testRaw(t, srv).do("WAITAOF", "1", "0", "0"), "a client that never wrote")
	assert.Equal(t, "*2\r\n:0\r\n:0\r\n", unsynced.do("WAITAOF", "1", "0", "20"), "times out")
	log.failing.Store(false)
	log.syncAll()
	assert.Equal(t, "+OK\r\n", writer.read(), "the held reply leaves once commits succeed")
	assert.Equal(t, "*2\r\n:1\r\n:0\r\n", writer.do("WAITAOF", "1", "0", "0"))
	assert.Equal(t, "*2\r\n:1\r\n:0\r\n", unsynced.do("WAITAOF", "1", "0", "0"))
}

// aofClientID returns the id of the client on rc.
func aofClientID(t *testing.T, rc *rawConn) int64 {
	t.Helper()
	r := rc.do("CLIENT", "ID")
	require.True(t, strings.HasPrefix(r, ":"), r)
	id, err := strconv.ParseInt(strings.TrimSpace(r[1:]), 10, 64)
	require.NoError(t, err)
	return id
}

// aofConnOf returns the server's side of the client with this id.
func aofConnOf(t *testing.T, srv *Server, id int64) *conn {
	t.Helper()
	srv.clientsMu.Lock()
	defer srv.clientsMu.Unlock()
	c := srv.registry[id]
	require.NotNil(t, c)
	return c
}

// woffOf reads a connection's write LSNs on its shard's loop, once every
// reply it awaits is in (a forwarded command's reply may reach the client
// before its batch is back on the connection's shard).
func woffOf(t *testing.T, c *conn) []uint64 {
	t.Helper()
	var woff []uint64
	require.Eventually(t, func() bool {
		got := make(chan bool, 1)
		c.shard.post(message{ctrl: true, fn: func(*Shard) {
			woff = append([]uint64(nil), c.aof.woff...)
			got <- len(c.pending) == 0
		}})
		return <-got
	}, 10*time.Second, time.Millisecond)
	return woff
}

// aofKey returns a key (with the given name after its hash tag) that sh owns.
func aofKey(t testing.TB, srv *Server, sh *Shard, name string) string {
	t.Helper()
	for _, tag := range []string{"{a}", "{b}", "{c}", "{d}", "{e}"} {
		if srv.shardOf([]byte(tag+name)) == sh {
			return tag + name
		}
	}
	t.Fatalf("no key of shard %d", sh.id)
	return ""
}

// Every path a write takes records the LSN after it on its shard for the
// client: inline, forwarded, split across shards (MSET), held by a
// coordinator (RENAME), EXEC on one or several shards, a blocking pop
// served by another client's push.
func TestWaitAOFRecordsEveryWritePath(t *testing.T) {
	srv, log := waitAOFServer(t)
	rc := testRaw(t, srv)
	c := aofConnOf(t, srv, aofClientID(t, rc))
	own, other := c.shard, srv.shards[1-c.shard.id]
	ownKey, otherKey := aofKey(t, srv, own, "k"), aofKey(t, srv, other, "k")
	logged := func() []uint64 { return []uint64{log.logged[0].Load(), log.logged[1].Load()} }
	check := func(what string, onOwn, onOther bool) {
		t.Helper()
		want := make([]uint64, 2)
		before := woffOf(t, c)
		if len(before) == 2 {
			copy(want, before)
		}
		now := logged()
		if onOwn {
			want[own.id] = now[own.id]
		}
		if onOther {
			want[other.id] = now[other.id]
		}
		assert.Equal(t, want, woffOf(t, c), what)
	}
	assert.Nil(t, woffOf(t, c), "no write yet")
	require.Equal(t, "$-1\r\n", rc.do("GET", ownKey))
	assert.Nil(t, woffOf(t, c), "reads record nothing")

	require.Equal(t, "+OK\r\n", rc.do("SET", ownKey, "1"))
	check("inline", true, false)
	require.Equal(t, "+OK\r\n", rc.do("SET", otherKey, "1"))
	check("forwarded", false, true)
	require.Equal(t, "+OK\r\n", rc.do("MSET", ownKey, "2", otherKey, "2"))
	check("MSET across shards", true, true)
	require.Equal(t, "+OK\r\n", rc.do("RENAME", otherKey, aofKey(t, srv, own, "r")))
	check("RENAME across shards", true, true)

	require.Equal(t, "+OK\r\n", rc.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", rc.do("INCR", ownKey))
	require.Equal(t, "*1\r\n:3\r\n", rc.do("EXEC"))
	check("EXEC on the connection's shard", true, false)
	require.Equal(t, "+OK\r\n", rc.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", rc.do("SET", otherKey, "3"))
	require.Equal(t, "*1\r\n+OK\r\n", rc.do("EXEC"))
	check("EXEC on another shard", false, true)
	require.Equal(t, "+OK\r\n", rc.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", rc.do("SET", ownKey, "4"))
	require.Equal(t, "+QUEUED\r\n", rc.do("SET", otherKey, "4"))
	require.Equal(t, "*2\r\n+OK\r\n+OK\r\n", rc.do("EXEC"))
	check("EXEC across shards", true, true)
	require.Equal(t, "+OK\r\n", rc.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", rc.do("MSET", ownKey, "5", otherKey, "5"))
	require.Equal(t, "*1\r\n+OK\r\n", rc.do("EXEC"))
	check("EXEC of a command across shards (coordinator)", true, true)

	// A pop served when another client pushes.
	list := aofKey(t, srv, other, "list")
	_, err := rc.nc.Write(resp.AppendCommandString(nil, "BLPOP", list, "0"))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		return strings.Contains(testRaw(t, srv).do("INFO", "clients"), "blocked_clients:1\r\n")
	}, 10*time.Second, time.Millisecond)
	pushedAt := log.logged[other.id].Load()
	require.Equal(t, ":1\r\n", testRaw(t, srv).do("LPUSH", list, "x"))
	require.Equal(t, "*2\r\n$"+strconv.Itoa(len(list))+"\r\n"+list+"\r\n$1\r\nx\r\n", rc.read())
	require.Greater(t, log.logged[other.id].Load(), pushedAt+1, "the pop is logged after the push")
	check("BLPOP served by LPUSH", false, true)

	// Others' writes are not the client's.
	mine := woffOf(t, c)
	require.Equal(t, "+OK\r\n", testRaw(t, srv).do("MSET", ownKey, "6", otherKey, "6"))
	assert.Equal(t, mine, woffOf(t, c))
}

// A write forwarded to another shard and WAITAOF pipelined behind it: the
// wait covers that write, known only once its reply is back.
func TestWaitAOFPipelinedForwardedWrite(t *testing.T) {
	srv, log := waitAOFServer(t)
	rc := testRaw(t, srv)
	c := aofConnOf(t, srv, aofClientID(t, rc))
	own, other := c.shard, srv.shards[1-c.shard.id]
	require.Equal(t, "+OK\r\n", testRaw(t, srv).do("SET", aofKey(t, srv, own, "x"), "1"), "another client's")
	pipe := resp.AppendCommandString(nil, "SET", aofKey(t, srv, other, "k"), "1")
	pipe = resp.AppendCommandString(pipe, "WAITAOF", "1", "0", "0")
	_, err := rc.nc.Write(pipe)
	require.NoError(t, err)
	waitForWaiters(t, srv, 1)
	want := make([]uint64, 2)
	want[other.id] = log.logged[other.id].Load()
	require.NotZero(t, want[other.id])
	assert.Equal(t, want, waiters(srv)[0], "the forwarded SET, not the other client's write")
	log.sync(own.id)
	assert.Len(t, waiters(srv), 1, "still waits for the forwarded SET")
	log.sync(other.id)
	assert.Equal(t, "+OK\r\n", rc.read())
	assert.Equal(t, "*2\r\n:1\r\n:0\r\n", rc.read())
}

// A waiting WAITAOF holds no shard: with the log failing on every shard,
// other clients' commands on every shard are answered meanwhile.
func TestWaitAOFWaitingHoldsNoShard(t *testing.T) {
	srv, log := waitAOFServer(t)
	waiter, other := testRaw(t, srv), testRaw(t, srv)
	require.Equal(t, "+OK\r\n", waiter.do("MSET", "{a}k", "1", "{b}k", "1"))
	log.failing.Store(true)
	_, err := waiter.nc.Write(resp.AppendCommandString(nil, "WAITAOF", "1", "0", "0"))
	require.NoError(t, err)
	waitForWaiters(t, srv, 1)
	assert.Equal(t, "$1\r\n1\r\n", other.do("GET", "{a}k"))
	assert.Equal(t, "$1\r\n1\r\n", other.do("GET", "{b}k"))
	assert.Equal(t, "*2\r\n$1\r\n1\r\n$1\r\n1\r\n", other.do("MGET", "{a}k", "{b}k"))
	assert.Equal(t, "*2\r\n:1\r\n:0\r\n", other.do("WAITAOF", "1", "0", "0"), "a client that never wrote")
	log.failing.Store(false)
	log.syncAll()
	assert.Equal(t, "*2\r\n:1\r\n:0\r\n", waiter.read())
}

// A WAITAOF waiting for local fsyncs gets Redis's error once appendonly
// is turned off.
func TestWaitAOFAppendOnlyTurnedOff(t *testing.T) {
	srv, log := waitAOFServer(t)
	rc := testRaw(t, srv)
	require.Equal(t, "+OK\r\n", rc.do("SET", "k", "1"))
	_, err := rc.nc.Write(resp.AppendCommandString(nil, "WAITAOF", "1", "0", "0"))
	require.NoError(t, err)
	waitForWaiters(t, srv, 1)
	log.off.Store(true)
	assert.Equal(t, "-"+errWaitAOFNoAOF+"\r\n", rc.read())
	assert.Equal(t, "*2\r\n:0\r\n:0\r\n", rc.do("WAITAOF", "0", "0", "0"))
}

// A client blocked in WAITAOF counts in blocked_clients, and CLIENT UNBLOCK
// ends its wait as Redis 7.2 does: with what the timeout would give (its
// writes' fsync state now) or the UNBLOCKED error; the connection goes on.
func TestWaitAOFClientUnblock(t *testing.T) {
	srv, log := waitAOFServer(t)
	admin := testRaw(t, srv)
	rc := testRaw(t, srv)
	id := strconv.FormatInt(aofClientID(t, rc), 10)
	require.Equal(t, "+OK\r\n", rc.do("SET", "k", "v"))
	assert.Equal(t, ":0\r\n", admin.do("CLIENT", "UNBLOCK", id), "not blocked yet")

	rc.send("WAITAOF", "1", "0", "0")
	waitForWaiters(t, srv, 1)
	assert.Equal(t, "1", infoField(admin, "clients", "blocked_clients"))
	assert.Contains(t, admin.do("CLIENT", "LIST", "ID", id), " flags=b ")
	assert.Equal(t, ":1\r\n", admin.do("CLIENT", "UNBLOCK", id))
	assert.Equal(t, "*2\r\n:0\r\n:0\r\n", rc.read(), "its write is not synced")
	waitForWaiters(t, srv, 0)
	assert.Equal(t, "0", infoField(admin, "clients", "blocked_clients"))

	rc.send("WAITAOF", "1", "0", "0")
	waitForWaiters(t, srv, 1)
	assert.Equal(t, ":1\r\n", admin.do("CLIENT", "UNBLOCK", id, "ERROR"))
	assert.Equal(t, "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n", rc.read())
	waitForWaiters(t, srv, 0)

	log.syncAll()
	assert.Equal(t, "*2\r\n:1\r\n:0\r\n", rc.do("WAITAOF", "1", "0", "0"))
	// A wait for replicas, which never come, is unblocked with its fsyncs.
	rc.send("WAITAOF", "1", "1", "0")
	waitForWaiters(t, srv, 1)
	assert.Equal(t, ":1\r\n", admin.do("CLIENT", "UNBLOCK", id, "TIMEOUT"))
	assert.Equal(t, "*2\r\n:1\r\n:0\r\n", rc.read())
	assert.Equal(t, "+PONG\r\n", rc.do("PING"))
	assert.Equal(t, "0", infoField(admin, "clients", "blocked_clients"))
}
