package shardcore

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSortOptions(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	rc.do("RPUSH", "l", "3", "1", "2", "10")
	require.Equal(t, "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n", rc.do("SORT", "l"))
	require.Equal(t, "*2\r\n$1\r\n3\r\n$1\r\n2\r\n", rc.do("SORT", "l", "DESC", "LIMIT", "1", "2"))
	require.Equal(t, "*4\r\n$1\r\n1\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n3\r\n", rc.do("SORT_RO", "l", "ALPHA"))
	require.Equal(t, "*0\r\n", rc.do("SORT", "l", "LIMIT", "9", "2"))
	require.Equal(t, "*2\r\n$1\r\n1\r\n$1\r\n2\r\n", rc.do("SORT", "l", "BY", "nosort", "LIMIT", "1", "2"))
	require.Equal(t, "-ERR syntax error\r\n", rc.do("SORT_RO", "l", "STORE", "d"))
	require.Equal(t, "-ERR value is not an integer or out of range\r\n", rc.do("SORT", "l", "LIMIT", "a", "1"))

	rc.do("RPUSH", "bad", "1", "x")
	require.Equal(t, "-ERR One or more scores can't be converted into double\r\n", rc.do("SORT", "bad"))
	rc.do("SET", "s", "v")
	require.Equal(t, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", rc.do("SORT", "s"))
	require.Equal(t, "*0\r\n", rc.do("SORT", "nosuch"))

	// A set without sorting is stored sorted, so the stored list is stable.
	rc.do("SADD", "set", "c", "a", "b")
	require.Equal(t, ":3\r\n", rc.do("SORT", "set", "BY", "nosort", "STORE", "set2"))
	require.Equal(t, "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", rc.do("LRANGE", "set2", "0", "-1"))
}

func TestSortPatterns(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	rc.do("RPUSH", "{a}l", "1", "2", "3")
	rc.do("MSET", "{a}w_1", "30", "{a}w_2", "10", "{a}w_3", "20", "{a}o_1", "one", "{a}o_3", "three")
	rc.do("HSET", "{a}h_2", "name", "two")
	require.Equal(t, "*3\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n1\r\n", rc.do("SORT", "{a}l", "BY", "{a}w_*"))
	require.Equal(t, "*6\r\n$1\r\n2\r\n$3\r\ntwo\r\n$1\r\n3\r\n$-1\r\n$1\r\n1\r\n$-1\r\n",
		rc.do("SORT", "{a}l", "BY", "{a}w_*", "GET", "#", "GET", "{a}h_*->name"))
	require.Equal(t, "*3\r\n$-1\r\n$5\r\nthree\r\n$3\r\none\r\n", rc.do("SORT", "{a}l", "BY", "{a}w_*", "GET", "{a}o_*"))
	// A missing BY key sorts first with ALPHA and counts as 0 otherwise.
	require.Equal(t, "*3\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n", rc.do("SORT", "{a}l", "BY", "{a}o_*", "ALPHA", "DESC"))
	require.Equal(t, "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", rc.do("SORT", "{a}l", "BY", "{a}nokey_*"))

	// Keys named by patterns are read wherever they live.
	require.NotEqual(t, srv.shardOf([]byte("{a}l")), srv.shardOf([]byte("{b}w_1")))
	rc.do("MSET", "{b}w_1", "1", "{b}w_2", "3", "{b}w_3", "2", "{b}o_2", "b-two")
	require.Equal(t, "*3\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n2\r\n", rc.do("SORT", "{a}l", "BY", "{b}w_*"))
	require.Equal(t, "*3\r\n$-1\r\n$5\r\nb-two\r\n$-1\r\n", rc.do("SORT", "{a}l", "GET", "{b}o_*"))
}

func TestSortStoreLogged(t *testing.T) {
	log := &collLog{}
	srv := collServer(t, 2, log)
	rc := testRaw(t, srv)
	require.NotEqual(t, srv.shardOf([]byte("{a}l")), srv.shardOf([]byte("{b}d")))
	rc.do("RPUSH", "{a}l", "3", "1", "2")
	rc.do("SET", "{b}d", "old", "EX", "100")
	log.take()

	// Same shard: the destination is replaced (TTL gone), logged as DEL + RPUSH.
	require.Equal(t, ":3\r\n", rc.do("SORT", "{a}l", "STORE", "{a}d"))
	require.Equal(t, []string{"DEL {a}d", "RPUSH {a}d 1 2 3"}, log.effects())
	require.Equal(t, "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", rc.do("LRANGE", "{a}d", "0", "-1"))

	// Across shards: sorted on the source's shard, stored on the other.
	require.Equal(t, ":2\r\n", rc.do("SORT", "{a}l", "DESC", "LIMIT", "0", "2", "STORE", "{b}d"))
	require.Equal(t, []string{"DEL {b}d", "RPUSH {b}d 3 2"}, log.effects())
	require.Equal(t, "*2\r\n$1\r\n3\r\n$1\r\n2\r\n", rc.do("LRANGE", "{b}d", "0", "-1"))
	require.Equal(t, ":-1\r\n", rc.do("TTL", "{b}d"))

	// Nothing to store deletes the destination; a missing one logs nothing.
	require.Equal(t, ":0\r\n", rc.do("SORT", "{a}nosuch", "STORE", "{b}d"))
	require.Equal(t, []string{"DEL {b}d"}, log.effects())
	require.Equal(t, ":0\r\n", rc.do("SORT", "{a}nosuch", "STORE", "{b}d"))
	require.Empty(t, log.effects())
	require.Equal(t, ":0\r\n", rc.do("EXISTS", "{b}d"))

	rc.do("SET", "{a}s", "x")
	log.take()
	require.Equal(t, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", rc.do("SORT", "{a}s", "STORE", "{b}d"))
	require.Empty(t, log.effects())

	// Inside MULTI the cross-shard STORE runs in the transaction.
	require.Equal(t, "+OK\r\n", rc.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", rc.do("SORT", "{a}l", "STORE", "{b}d"))
	require.Equal(t, "*1\r\n:3\r\n", rc.do("EXEC"))
	require.Equal(t, "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", rc.do("LRANGE", "{b}d", "0", "-1"))
}
