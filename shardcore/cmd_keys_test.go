package shardcore

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keeldb/keel/shardcore/config"
	"github.com/keeldb/keel/shardcore/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Replies recorded from redis-server 7.0.15 for the same sequence. With two
// shards some pairs of keys (a/k, k/k2) live on different shards, so
// RENAME and COPY take the cross-shard path here too.
func TestKeysRedisReplies(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"set", "a", "1"}, "+OK\r\n"},
		{[]string{"expire", "a", "100", "nx", "xx"}, "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"},
		{[]string{"expire", "a", "100", "gt", "lt"}, "-ERR GT and LT options at the same time are not compatible\r\n"},
		{[]string{"expire", "a", "100", "nx", "gt"}, "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"},
		{[]string{"expire", "a", "100", "nx", "lt"}, "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"},
		{[]string{"expire", "a", "100", "foo"}, "-ERR Unsupported option foo\r\n"},
		{[]string{"expire", "a", "100", "nx", "xx", "foo"}, "-ERR Unsupported option foo\r\n"},
		{[]string{"expire", "a", "abc"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"expire", "a", "abc", "foo"}, "-ERR Unsupported option foo\r\n"},
		{[]string{"expire", "a", ""}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"expire", "a", "01"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"expire", "a", "9223372036854775807"}, "-ERR invalid expire time in 'expire' command\r\n"},
		{[]string{"expire", "a", "9223372036854776"}, "-ERR invalid expire time in 'expire' command\r\n"},
		{[]string{"pexpire", "a", "9223372036854775807"}, "-ERR invalid expire time in 'pexpire' command\r\n"},
		{[]string{"expireat", "a", "9223372036854776"}, "-ERR invalid expire time in 'expireat' command\r\n"},
		{[]string{"pexpireat", "a", "9223372036854775807"}, ":1\r\n"},
		{[]string{"persist", "a"}, ":1\r\n"},
		{[]string{"expire", "a", "-9223372036854775808"}, "-ERR invalid expire time in 'expire' command\r\n"},
		{[]string{"expire", "nokey", "10"}, ":0\r\n"},
		{[]string{"expire", "nokey", "10", "xx"}, ":0\r\n"},
		{[]string{"set", "b", "1"}, "+OK\r\n"},
		{[]string{"expire", "b", "100", "xx"}, ":0\r\n"},
		{[]string{"expire", "b", "100", "gt"}, ":0\r\n"},
		{[]string{"expire", "b", "100", "nx"}, ":1\r\n"},
		{[]string{"expire", "b", "100", "nx"}, ":0\r\n"},
		{[]string{"ttl", "b"}, ":100\r\n"},
		{[]string{"expire", "b", "200", "lt"}, ":0\r\n"},
		{[]string{"expire", "b", "50", "gt"}, ":0\r\n"},
		{[]string{"expire", "b", "0", "gt"}, ":0\r\n"},
		{[]string{"ttl", "b"}, ":100\r\n"},
		{[]string{"pexpireat", "b", "99999999999000", "xx"}, ":1\r\n"},
		{[]string{"expiretime", "b"}, ":99999999999\r\n"},
		{[]string{"pexpiretime", "b"}, ":99999999999000\r\n"},
		{[]string{"ttl", "nokey"}, ":-2\r\n"},
		{[]string{"pttl", "nokey"}, ":-2\r\n"},
		{[]string{"expiretime", "nokey"}, ":-2\r\n"},
		{[]string{"pexpiretime", "nokey"}, ":-2\r\n"},
		{[]string{"persist", "b"}, ":1\r\n"},
		{[]string{"persist", "b"}, ":0\r\n"},
		{[]string{"ttl", "b"}, ":-1\r\n"},
		{[]string{"pttl", "b"}, ":-1\r\n"},
		{[]string{"expiretime", "b"}, ":-1\r\n"},
		{[]string{"expire", "b", "-1", "nx"}, ":1\r\n"},
		{[]string{"exists", "b"}, ":0\r\n"},
		{[]string{"set", "c", "1"}, "+OK\r\n"},
		{[]string{"expire", "c", "100", "lt"}, ":1\r\n"},
		{[]string{"expire", "c", "0", "lt"}, ":1\r\n"},
		{[]string{"exists", "c"}, ":0\r\n"},
		{[]string{"set", "c", "1"}, "+OK\r\n"},
		{[]string{"expireat", "c", "1"}, ":1\r\n"},
		{[]string{"exists", "c"}, ":0\r\n"},
		{[]string{"set", "c", "1"}, "+OK\r\n"},
		{[]string{"pexpire", "c", "0", "xx"}, ":0\r\n"},
		{[]string{"exists", "c"}, ":1\r\n"},
		{[]string{"expire"}, "-ERR wrong number of arguments for 'expire' command\r\n"},
		{[]string{"ttl"}, "-ERR wrong number of arguments for 'ttl' command\r\n"},
		{[]string{"ttl", "a", "b"}, "-ERR wrong number of arguments for 'ttl' command\r\n"},
		{[]string{"persist"}, "-ERR wrong number of arguments for 'persist' command\r\n"},
		{[]string{"type", "a"}, "+string\r\n"},
		{[]string{"type", "nokey"}, "+none\r\n"},
		{[]string{"rename", "nokey", "a"}, "-ERR no such key\r\n"},
		{[]string{"rename", "a", "a"}, "+OK\r\n"},
		{[]string{"renamenx", "a", "a"}, ":0\r\n"},
		{[]string{"rename", "nokey", "nokey"}, "-ERR no such key\r\n"},
		{[]string{"set", "k", "v"}, "+OK\r\n"},
		{[]string{"rename", "a", "k"}, "+OK\r\n"},
		{[]string{"get", "k"}, "$1\r\n1\r\n"},
		{[]string{"renamenx", "k", "k2"}, ":1\r\n"},
		{[]string{"set", "a", "1"}, "+OK\r\n"},
		{[]string{"renamenx", "k", "a"}, "-ERR no such key\r\n"},
		{[]string{"renamenx", "nokey", "a"}, "-ERR no such key\r\n"},
		{[]string{"rename", "a"}, "-ERR wrong number of arguments for 'rename' command\r\n"},
		{[]string{"copy", "k", "k"}, "-ERR source and destination objects are the same\r\n"},
		{[]string{"copy", "k", "k", "db", "0"}, "-ERR source and destination objects are the same\r\n"},
		{[]string{"copy", "k", "k2", "db", "1"}, ":0\r\n"},
		{[]string{"copy", "k", "k2", "db", "100"}, "-ERR DB index is out of range\r\n"},
		{[]string{"copy", "k", "k2", "db", "-1"}, "-ERR DB index is out of range\r\n"},
		{[]string{"copy", "k", "k2", "db", "abc"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"copy", "k", "k2", "db", "99999999999"}, "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n"},
		{[]string{"copy", "k", "k2", "db"}, "-ERR syntax error\r\n"},
		{[]string{"copy", "k", "k2", "foo"}, "-ERR syntax error\r\n"},
		{[]string{"copy", "k", "k2", "replace", "replace"}, ":0\r\n"},
		{[]string{"copy", "nokey", "k2"}, ":0\r\n"},
		{[]string{"copy", "k", "k2"}, ":0\r\n"},
		{[]string{"copy", "k", "k2", "replace"}, ":0\r\n"},
		{[]string{"copy", "k", "k2", "db", "1", "db", "2"}, ":0\r\n"},
		{[]string{"copy", "k"}, "-ERR wrong number of arguments for 'copy' command\r\n"},
		{[]string{"move", "k", "0"}, "-ERR source and destination objects are the same\r\n"},
		{[]string{"move", "k", "1"}, ":0\r\n"},
		{[]string{"move", "k", "1"}, ":0\r\n"},
		{[]string{"move", "nokey", "1"}, ":0\r\n"},
		{[]string{"move", "k", "100"}, "-ERR DB index is out of range\r\n"},
		{[]string{"move", "k", "abc"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"move", "k", "-1"}, "-ERR DB index is out of range\r\n"},
		{[]string{"move", "k", "99999999999"}, "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n"},
		{[]string{"move", "k"}, "-ERR wrong number of arguments for 'move' command\r\n"},
		{[]string{"swapdb", "a", "1"}, "-ERR invalid first DB index\r\n"},
		{[]string{"swapdb", "0", "b"}, "-ERR invalid second DB index\r\n"},
		{[]string{"swapdb", "0", "100"}, "-ERR DB index is out of range\r\n"},
		{[]string{"swapdb", "-1", "0"}, "-ERR DB index is out of range\r\n"},
		{[]string{"swapdb", "99999999999", "0"}, "-ERR invalid first DB index\r\n"},
		{[]string{"swapdb", "0", "99999999999"}, "-ERR invalid second DB index\r\n"},
		{[]string{"swapdb", "0", "0"}, "+OK\r\n"},
		{[]string{"swapdb", "0"}, "-ERR wrong number of arguments for 'swapdb' command\r\n"},
		{[]string{"flushall", "foo"}, "-ERR syntax error\r\n"},
		{[]string{"flushall", "async", "x"}, "-ERR syntax error\r\n"},
		{[]string{"flushdb", "x"}, "-ERR syntax error\r\n"},
		{[]string{"dbsize", "x"}, "-ERR wrong number of arguments for 'dbsize' command\r\n"},
		{[]string{"randomkey", "x"}, "-ERR wrong number of arguments for 'randomkey' command\r\n"},
		{[]string{"keys"}, "-ERR wrong number of arguments for 'keys' command\r\n"},
		{[]string{"keys", "*", "x"}, "-ERR wrong number of arguments for 'keys' command\r\n"},
		{[]string{"scan"}, "-ERR wrong number of arguments for 'scan' command\r\n"},
		{[]string{"scan", "0", "count", "0"}, "-ERR syntax error\r\n"},
		{[]string{"scan", "0", "count", "-1"}, "-ERR syntax error\r\n"},
		{[]string{"scan", "0", "count", "x"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"scan", "0", "count"}, "-ERR syntax error\r\n"},
		{[]string{"scan", "0", "match"}, "-ERR syntax error\r\n"},
		{[]string{"scan", "0", "type"}, "-ERR syntax error\r\n"},
		{[]string{"scan", "0", "foo", "bar"}, "-ERR syntax error\r\n"},
		{[]string{"scan", "abc"}, "-ERR invalid cursor\r\n"},
		{[]string{"scan", " 1"}, "-ERR invalid cursor\r\n"},
		{[]string{"scan", "1x"}, "-ERR invalid cursor\r\n"},
		{[]string{"scan", "18446744073709551616"}, "-ERR invalid cursor\r\n"},
		{[]string{"scan", "0", "count", "10", "match"}, "-ERR syntax error\r\n"},
		{[]string{"touch"}, "-ERR wrong number of arguments for 'touch' command\r\n"},
		{[]string{"unlink"}, "-ERR wrong number of arguments for 'unlink' command\r\n"},
		{[]string{"exists"}, "-ERR wrong number of arguments for 'exists' command\r\n"},
		{[]string{"del"}, "-ERR wrong number of arguments for 'del' command\r\n"},
		{[]string{"object"}, "-ERR wrong number of arguments for 'object' command\r\n"},
		{[]string{"object", "foo"}, "-ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n"},
		{[]string{"object", "encoding"}, "-ERR wrong number of arguments for 'object|encoding' command\r\n"},
		{[]string{"object", "encoding", "a", "b"}, "-ERR wrong number of arguments for 'object|encoding' command\r\n"},
		{[]string{"object", "help", "x"}, "-ERR wrong number of arguments for 'object|help' command\r\n"},
		{[]string{"object", "encoding", "nokey"}, "$-1\r\n"},
		{[]string{"object", "refcount", "nokey"}, "$-1\r\n"},
		{[]string{"object", "idletime", "nokey"}, "$-1\r\n"},
		{[]string{"object", "freq", "nokey"}, "$-1\r\n"},
		{[]string{"object", "freq", "a"}, "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n"},
		{[]string{"set", "i", "123"}, "+OK\r\n"},
		{[]string{"set", "j", "12345678901234567890"}, "+OK\r\n"},
		{[]string{"set", "e", ""}, "+OK\r\n"},
		{[]string{"set", "emb", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}, "+OK\r\n"},
		{[]string{"set", "raw", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}, "+OK\r\n"},
		{[]string{"object", "encoding", "i"}, "$3\r\nint\r\n"},
		{[]string{"object", "encoding", "j"}, "$6\r\nembstr\r\n"},
		{[]string{"object", "encoding", "e"}, "$6\r\nembstr\r\n"},
		{[]string{"object", "encoding", "emb"}, "$6\r\nembstr\r\n"},
		{[]string{"object", "encoding", "raw"}, "$3\r\nraw\r\n"},
		{[]string{"object", "refcount", "i"}, ":2147483647\r\n"},
		{[]string{"object", "refcount", "j"}, ":1\r\n"},
		{[]string{"set", "big", "10000"}, "+OK\r\n"},
		{[]string{"object", "refcount", "big"}, ":1\r\n"},
		{[]string{"object", "help"}, "*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+ENCODING <key>\r\n+    Return the kind of internal representation used in order to store the value\r\n+    associated with a <key>.\r\n+FREQ <key>\r\n+    Return the access frequency index of the <key>. The returned integer is\r\n+    proportional to the logarithm of the recent access frequency of the key.\r\n+IDLETIME <key>\r\n+    Return the idle time of the <key>, that is the approximated number of\r\n+    seconds elapsed since the last access to the key.\r\n+REFCOUNT <key>\r\n+    Return the number of references of the value associated with the specified\r\n+    <key>.\r\n+HELP\r\n+    Prints this help.\r\n"},
		{[]string{"memory"}, "-ERR wrong number of arguments for 'memory' command\r\n"},
		{[]string{"memory", "foo"}, "-ERR unknown subcommand 'foo'. Try MEMORY HELP.\r\n"},
		{[]string{"memory", "usage"}, "-ERR wrong number of arguments for 'memory|usage' command\r\n"},
		{[]string{"memory", "usage", "nokey"}, "$-1\r\n"},
		{[]string{"memory", "usage", "a", "samples"}, "-ERR syntax error\r\n"},
		{[]string{"memory", "usage", "a", "foo", "5"}, "-ERR syntax error\r\n"},
		{[]string{"memory", "usage", "a", "samples", "-1"}, "-ERR syntax error\r\n"},
		{[]string{"memory", "usage", "a", "samples", "x"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"memory", "usage", "nokey", "samples", "x"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"memory", "stats", "x"}, "-ERR wrong number of arguments for 'memory|stats' command\r\n"},
		{[]string{"memory", "doctor", "x"}, "-ERR wrong number of arguments for 'memory|doctor' command\r\n"},
		{[]string{"memory", "purge", "x"}, "-ERR wrong number of arguments for 'memory|purge' command\r\n"},
		{[]string{"memory", "malloc-stats", "x"}, "-ERR wrong number of arguments for 'memory|malloc-stats' command\r\n"},
		{[]string{"memory", "help", "x"}, "-ERR wrong number of arguments for 'memory|help' command\r\n"},
		{[]string{"memory", "help"}, "*14\r\n+MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+DOCTOR\r\n+    Return memory problems reports.\r\n+MALLOC-STATS\r\n+    Return internal statistics report from the memory allocator.\r\n+PURGE\r\n+    Attempt to purge dirty pages for reclamation by the allocator.\r\n+STATS\r\n+    Return information about the memory usage of the server.\r\n+USAGE <key> [SAMPLES <count>]\r\n+    Return memory in bytes used by <key> and its value. Nested values are\r\n+    sampled up to <count> times (default: 5, 0 means sample all).\r\n+HELP\r\n+    Prints this help.\r\n"},
		{[]string{"memory", "purge"}, "+OK\r\n"},
	}
	for i, st := range steps {
		assert.Equal(t, st.want, rc.do(st.args...), "step %d: %q", i, st.args)
	}
}

func TestKeysNullRepliesRESP3(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	require.Contains(t, rc.do("HELLO", "3"), "proto")
	for _, sub := range []string{"encoding", "refcount", "idletime", "freq"} {
		assert.Equal(t, "_\r\n", rc.do("OBJECT", sub, "nokey"), sub)
	}
	assert.Equal(t, "_\r\n", rc.do("MEMORY", "USAGE", "nokey"))
	assert.Equal(t, "_\r\n", rc.do("RANDOMKEY"))
	assert.True(t, strings.HasPrefix(rc.do("MEMORY", "DOCTOR"), "=")) // verbatim
}

// testObj stands for a collection value: it implements every interface the
// generic key commands use.
type testObj struct{ items []string }

func (o *testObj) Copy() any          { return &testObj{items: slices.Clone(o.items)} }
func (o *testObj) Encoding() string   { return "listpack" }
func (o *testObj) MemoryUsage() int64 { return int64(len(o.items)) * 100 }

// testObjType is the store type testObj values are filed under.
const testObjType = store.TypeStream

// restoreTestObj logs a testObj as a stream-like pair of records.
func restoreTestObj(key []byte, obj any) [][][]byte {
	add := [][]byte{[]byte("XADD"), key}
	for _, it := range obj.(*testObj).items {
		add = append(add, []byte(it))
	}
	return [][][]byte{{[]byte("DEL"), key}, add}
}

// withRestoreFunc sets (nil: removes) testObjType's restore function for
// one test; call it before starting the server so that it is undone after
// the server stops.
func withRestoreFunc(t *testing.T, f func(key []byte, obj any) [][][]byte) {
	old, had := restoreFuncs[testObjType]
	delete(restoreFuncs, testObjType)
	if f != nil {
		restoreFuncs[testObjType] = f
	}
	t.Cleanup(func() {
		if had {
			restoreFuncs[testObjType] = old
		} else {
			delete(restoreFuncs, testObjType)
		}
	})
}

// bareObj is a value that can neither be copied nor logged elsewhere.
type bareObj struct{}

// onShard runs fn on the loop of the shard owning key and waits for it.
func onKeyShard(srv *Server, key string, fn func(s *Shard)) {
	done := make(chan struct{})
	srv.shardOf([]byte(key)).post(message{fn: func(s *Shard) {
		fn(s)
		close(done)
	}})
	<-done
}

func putObj(srv *Server, key string, obj any, expireAt int64) {
	onKeyShard(srv, key, func(s *Shard) {
		s.dbs[0].Set([]byte(key), store.Entry{Type: testObjType, Obj: obj, ExpireAt: expireAt})
	})
}

func getEntry(srv *Server, db int, key string) (e store.Entry, ok bool) {
	onKeyShard(srv, key, func(s *Shard) {
		e, ok = s.dbs[db].Get([]byte(key))
		if ok && e.Type == store.TypeString {
			e.Str = slices.Clone(e.Str)
		}
	})
	return e, ok
}

func shardIndex(srv *Server, key string) int { return srv.shardOf([]byte(key)).id }

// Relative TTLs are logged as absolute PEXPIREAT, times in the past as DEL,
// failed conditions not at all.
func TestExpireEffects(t *testing.T) {
	srv, log := testServerWithLog(t, 2)
	rc := testRaw(t, srv)
	rc.do("SET", "k", "v")
	log.take()
	before := time.Now().UnixMilli()
	require.Equal(t, ":1\r\n", rc.do("EXPIRE", "k", "100"))
	after := time.Now().UnixMilli()
	recs := log.cmds()
	require.Len(t, recs, 1)
	f := strings.Fields(recs[0])
	require.Equal(t, []string{"PEXPIREAT", "k"}, f[:2])
	at, err := strconv.ParseInt(f[2], 10, 64)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, at, before+100000-50)
	assert.LessOrEqual(t, at, after+100000+50)

	require.Equal(t, ":0\r\n", rc.do("EXPIRE", "k", "100", "NX"))
	require.Equal(t, ":1\r\n", rc.do("PEXPIREAT", "k", "99999999999000", "GT"))
	require.Equal(t, ":1\r\n", rc.do("PERSIST", "k"))
	require.Equal(t, ":0\r\n", rc.do("PERSIST", "k"))
	require.Equal(t, ":1\r\n", rc.do("EXPIREAT", "k", "1"))
	assert.Equal(t, []string{"PEXPIREAT k 99999999999000", "PERSIST k", "DEL k"}, log.cmds())

	// Keys whose TTL passed are deleted on access and logged as DEL.
	rc.do("SET", "k", "v")
	rc.do("PEXPIRE", "k", "1")
	log.take()
	time.Sleep(5 * time.Millisecond)
	require.Equal(t, ":-2\r\n", rc.do("TTL", "k"))
	assert.Equal(t, []string{"DEL k"}, log.cmds())
}

func TestCrossShardRename(t *testing.T) {
	withRestoreFunc(t, restoreTestObj)
	srv, log := testServerWithLog(t, 2)
	rc := testRaw(t, srv)
	require.NotEqual(t, shardIndex(srv, "{a}x"), shardIndex(srv, "{b}y"))

	rc.do("SET", "{a}x", "hello")
	rc.do("PEXPIREAT", "{a}x", "99999999999000")
	log.take()
	require.Equal(t, "+OK\r\n", rc.do("RENAME", "{a}x", "{b}y"))
	assert.Equal(t, ":1\r\n", rc.do("EXISTS", "{a}x", "{b}y"))
	assert.Equal(t, "$5\r\nhello\r\n", rc.do("GET", "{b}y"))
	assert.Equal(t, ":99999999999000\r\n", rc.do("PEXPIRETIME", "{b}y"))
	recs := log.take()
	require.Len(t, recs, 2)
	byShard := map[int]loggedEffect{recs[0].shard: recs[0], recs[1].shard: recs[1]}
	assert.Equal(t, "DEL {a}x", byShard[shardIndex(srv, "{a}x")].cmd)
	assert.Equal(t, "SET {b}y hello PXAT 99999999999000", byShard[shardIndex(srv, "{b}y")].cmd)
	assert.NotZero(t, recs[0].txid)
	assert.Equal(t, recs[0].txid, recs[1].txid, "both halves belong to one transaction")

	// RENAMENX: the source's absence is reported first, then the target's presence.
	assert.Equal(t, "-ERR no such key\r\n", rc.do("RENAMENX", "{a}nokey", "{b}y"))
	rc.do("SET", "{a}z", "1")
	assert.Equal(t, ":0\r\n", rc.do("RENAMENX", "{b}y", "{a}z"))
	assert.Equal(t, ":1\r\n", rc.do("RENAMENX", "{b}y", "{a}w"))
	assert.Equal(t, "$5\r\nhello\r\n", rc.do("GET", "{a}w"))
	assert.Equal(t, ":0\r\n", rc.do("EXISTS", "{b}y"))

	// RENAME replaces the target and drops its TTL when the source has none.
	rc.do("SET", "{b}t", "old", "PX", "100000")
	rc.do("SET", "{a}s", "new")
	assert.Equal(t, "+OK\r\n", rc.do("RENAME", "{a}s", "{b}t"))
	assert.Equal(t, "$3\r\nnew\r\n", rc.do("GET", "{b}t"))
	assert.Equal(t, ":-1\r\n", rc.do("TTL", "{b}t"))

	// Collections move as they are, with their TTL, logged by their records.
	obj := &testObj{items: []string{"x", "y"}}
	putObj(srv, "{a}l", obj, 99999999999000)
	log.take()
	require.Equal(t, "+OK\r\n", rc.do("RENAME", "{a}l", "{b}l"))
	e, ok := getEntry(srv, 0, "{b}l")
	require.True(t, ok)
	assert.Same(t, obj, e.Obj)
	assert.Equal(t, int64(99999999999000), e.ExpireAt)
	assert.Equal(t, "+stream\r\n", rc.do("TYPE", "{b}l"))
	assert.ElementsMatch(t, []string{"DEL {a}l", "DEL {b}l", "XADD {b}l x y", "PEXPIREAT {b}l 99999999999000"}, log.cmds())
}

// Values of a type with no restore function, or no deep copy, stay where
// they are.
func TestCrossShardUnloggable(t *testing.T) {
	withRestoreFunc(t, nil)
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	putObj(srv, "{a}bare", &bareObj{}, 0)
	assert.Equal(t, "-ERR values of type stream cannot be moved across shards\r\n", rc.do("RENAME", "{a}bare", "{b}bare"))
	assert.Equal(t, "-ERR values of type stream cannot be copied across shards\r\n", rc.do("COPY", "{a}bare", "{b}bare2"))
	assert.Equal(t, "-ERR values of type stream cannot be copied\r\n", rc.do("COPY", "{a}bare", "{a}bare2"))
	assert.Equal(t, ":1\r\n", rc.do("EXISTS", "{a}bare"))
	assert.Equal(t, ":0\r\n", rc.do("EXISTS", "{b}bare", "{a}bare2", "{b}bare2"))
	// Within a shard a value moves whatever its type.
	assert.Equal(t, "+OK\r\n", rc.do("RENAME", "{a}bare", "{a}bare3"))
	assert.Equal(t, ":1\r\n", rc.do("MOVE", "{a}bare3", "1"))
}

func TestCrossShardCopy(t *testing.T) {
	withRestoreFunc(t, restoreTestObj)
	srv, log := testServerWithLog(t, 2)
	rc := testRaw(t, srv)
	rc.do("SET", "{b}y", "hello")
	rc.do("PEXPIREAT", "{b}y", "99999999999000")
	log.take()
	assert.Equal(t, ":1\r\n", rc.do("COPY", "{b}y", "{a}c"))
	assert.Equal(t, "$5\r\nhello\r\n", rc.do("GET", "{a}c"))
	assert.Equal(t, ":99999999999000\r\n", rc.do("PEXPIRETIME", "{a}c"))
	assert.Equal(t, []string{"SET {a}c hello PXAT 99999999999000"}, log.cmds())
	assert.Equal(t, ":0\r\n", rc.do("COPY", "{b}y", "{a}c"))
	assert.Equal(t, ":0\r\n", rc.do("COPY", "{b}nokey", "{a}c"))
	assert.Empty(t, log.cmds(), "refused copies log nothing")
	rc.do("SET", "{b}y", "v2")
	assert.Equal(t, ":1\r\n", rc.do("COPY", "{b}y", "{a}c", "REPLACE"))
	assert.Equal(t, "$2\r\nv2\r\n", rc.do("GET", "{a}c"))
	assert.Equal(t, ":-1\r\n", rc.do("TTL", "{a}c"))

	// Into another database on the other shard: logged under that database.
	log.take()
	assert.Equal(t, ":1\r\n", rc.do("COPY", "{b}y", "{a}c", "DB", "3"))
	recs := log.take()
	require.Len(t, recs, 1)
	assert.Equal(t, "SET {a}c v2", recs[0].cmd)
	assert.Equal(t, "+OK\r\n", rc.do("SELECT", "3"))
	assert.Equal(t, "$2\r\nv2\r\n", rc.do("GET", "{a}c"))
	rc.do("SELECT", "0")
	assert.Equal(t, "-ERR DB index is out of range\r\n", rc.do("COPY", "{b}y", "{a}c", "DB", "100"))
	assert.Equal(t, "-ERR syntax error\r\n", rc.do("COPY", "{b}y", "{a}c", "foo"))

	// Collections are deep-copied, on the same shard or across.
	orig := &testObj{items: []string{"a", "b", "c"}}
	putObj(srv, "{a}l", orig, 0)
	assert.Equal(t, ":1\r\n", rc.do("COPY", "{a}l", "{b}l"))
	assert.Equal(t, ":1\r\n", rc.do("COPY", "{a}l", "{a}l2"))
	onKeyShard(srv, "{a}l", func(*Shard) { orig.items[0] = "changed" })
	for _, k := range []string{"{b}l", "{a}l2"} {
		e, ok := getEntry(srv, 0, k)
		require.True(t, ok, k)
		cp := e.Obj.(*testObj)
		assert.NotSame(t, orig, cp)
		assert.Equal(t, []string{"a", "b", "c"}, cp.items, k)
	}
	assert.Equal(t, "$8\r\nlistpack\r\n", rc.do("OBJECT", "ENCODING", "{b}l"))
	usage := rc.do("MEMORY", "USAGE", "{b}l")
	n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(usage, ":")), 10, 64)
	require.NoError(t, err, usage)
	assert.Greater(t, n, int64(300))
}

func TestCrossShardMultiKey(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	rc.do("MSET", "{a}1", "1", "{b}2", "2", "{a}3", "3", "{b}4", "4")
	assert.Equal(t, ":5\r\n", rc.do("EXISTS", "{a}1", "{b}2", "{a}nokey", "{b}2", "{a}3", "{b}4"))
	assert.Equal(t, ":3\r\n", rc.do("TOUCH", "{a}1", "{b}2", "{a}nokey", "{b}4"))
	assert.Equal(t, ":2\r\n", rc.do("DEL", "{a}1", "{b}2", "{a}nokey"))
	assert.Equal(t, ":2\r\n", rc.do("UNLINK", "{a}3", "{b}4", "{b}2"))
	assert.Equal(t, ":0\r\n", rc.do("DBSIZE"))
}

func TestKeysRandomkeyDBSize(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	assert.Equal(t, "$-1\r\n", rc.do("RANDOMKEY"))
	want := []string{"{a}1", "{a}2", "{b}1", "{b}2"}
	for _, k := range want {
		rc.do("SET", k, "v")
	}
	assert.Equal(t, ":4\r\n", rc.do("DBSIZE"))
	seen := map[string]bool{}
	for i := 0; i < 400 && len(seen) < len(want); i++ {
		r := rc.do("RANDOMKEY")
		seen[strings.Split(r, "\r\n")[1]] = true
	}
	assert.Len(t, seen, len(want), "every key of both shards is drawn: %v", seen)

	// Expired keys are never returned; the draws delete them.
	onKeyShard(srv, "{a}1", func(s *Shard) {
		for i := 0; i < 50; i++ {
			s.dbs[0].Set([]byte(fmt.Sprintf("{a}dead%d", i)), store.Entry{Type: store.TypeString, Str: []byte("x"), ExpireAt: 1})
		}
	})
	rc.do("DEL", "{a}1", "{a}2", "{b}2")
	for i := 0; i < 20; i++ {
		assert.Equal(t, "$4\r\n{b}1\r\n", rc.do("RANDOMKEY"))
	}
	rc.do("DEL", "{b}1")
	assert.Equal(t, "$-1\r\n", rc.do("RANDOMKEY"))
	assert.Equal(t, ":0\r\n", rc.do("DBSIZE"))
}

func TestKeysPattern(t *testing.T) {
	srv := testServer(t, 3)
	c := testClient(t, srv)
	var want []string
	for i := 0; i < 200; i++ {
		k := "user:" + strconv.Itoa(i)
		want = append(want, k)
		require.NoError(t, c.Set(ctxb(), k, "v", 0).Err())
		require.NoError(t, c.Set(ctxb(), "other:"+strconv.Itoa(i), "v", 0).Err())
	}
	require.NoError(t, c.Set(ctxb(), "user:gone", "v", time.Millisecond).Err())
	time.Sleep(5 * time.Millisecond)
	got, err := c.Keys(ctxb(), "user:*").Result()
	require.NoError(t, err)
	assert.ElementsMatch(t, want, got)
	got, err = c.Keys(ctxb(), "*").Result()
	require.NoError(t, err)
	assert.Len(t, got, 400)
	got, err = c.Keys(ctxb(), "user:1[0-9]").Result()
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"user:10", "user:11", "user:12", "user:13", "user:14", "user:15", "user:16", "user:17", "user:18", "user:19"}, got)
}

// Every key present for the whole iteration is returned, whatever the
// shard count, COUNT and filters, while other keys come and go (forcing
// the tables to grow and shrink between calls).
func TestScanCompleteness(t *testing.T) {
	for _, shards := range []int{1, 2, 3, 4} {
		for _, count := range []int64{1, 7, 100} {
			t.Run(fmt.Sprintf("shards=%d/count=%d", shards, count), func(t *testing.T) {
				srv := testServer(t, shards)
				c := testClient(t, srv)
				stable := map[string]bool{}
				p := c.Pipeline()
				for i := 0; i < 300; i++ {
					k := "stable:" + strconv.Itoa(i)
					stable[k] = true
					p.Set(ctxb(), k, "v", 0)
				}
				_, err := p.Exec(ctxb())
				require.NoError(t, err)
				streams := map[string]bool{}
				for i := 0; i < 20; i++ {
					k := "obj:" + strconv.Itoa(i)
					streams[k] = true
					putObj(srv, k, &testObj{}, 0)
				}

				type filter struct {
					match, typ string
					want       map[string]bool
				}
				all := map[string]bool{}
				for k := range stable {
					all[k] = true
				}
				for k := range streams {
					all[k] = true
				}
				for _, f := range []filter{{"", "", all}, {"stable:*", "", stable}, {"", "stream", streams}, {"", "STRING", stable}, {"obj:*", "string", nil}} {
					got := map[string]bool{}
					var cursor uint64
					added, deleted := 0, 0
					for calls := 0; ; calls++ {
						require.Less(t, calls, 100000, "scan does not end")
						var keys []string
						var err error
						if f.typ != "" {
							keys, cursor, err = c.ScanType(ctxb(), cursor, f.match, count, f.typ).Result()
						} else {
							keys, cursor, err = c.Scan(ctxb(), cursor, f.match, count).Result()
						}
						require.NoError(t, err)
						for _, k := range keys {
							if strings.HasPrefix(k, "churn:") {
								continue
							}
							assert.True(t, f.want[k], "unexpected key %q (match %q type %q)", k, f.match, f.typ)
							got[k] = true
						}
						if cursor == 0 {
							break
						}
						// Churn: every other call adds a burst of keys or
						// deletes the oldest ones, so tables grow and shrink.
						if calls%2 == 1 {
							continue
						}
						p := c.Pipeline()
						for i := 0; i < 40; i++ {
							if calls%16 < 8 {
								p.Set(ctxb(), "churn:"+strconv.Itoa(added), "v", 0)
								added++
							} else if deleted < added {
								p.Del(ctxb(), "churn:"+strconv.Itoa(deleted))
								deleted++
							}
						}
						_, err = p.Exec(ctxb())
						require.NoError(t, err)
					}
					assert.Equal(t, len(f.want), len(got), "match %q type %q", f.match, f.typ)
					for k := range f.want {
						assert.True(t, got[k], "key %q missed (match %q type %q)", k, f.match, f.typ)
					}
				}
			})
		}
	}
}

func TestScanCursor(t *testing.T) {
	srv := testServer(t, 3)
	rc := testRaw(t, srv)
	// Shard index 3 does not exist with three shards.
	assert.Equal(t, "*2\r\n$1\r\n0\r\n*0\r\n", rc.do("SCAN", "3"))
	assert.Equal(t, "*2\r\n$1\r\n0\r\n*0\r\n", rc.do("SCAN", "7", "MATCH", "x", "COUNT", "5"))
	assert.Equal(t, "-ERR syntax error\r\n", rc.do("SCAN", "3", "COUNT", "0"))
	// Each call reads one shard: an empty shard's page is empty, and its
	// cursor names the next shard, 0 after the last.
	assert.Equal(t, "*2\r\n$1\r\n1\r\n*0\r\n", rc.do("SCAN", "0"))
	assert.Equal(t, "*2\r\n$1\r\n2\r\n*0\r\n", rc.do("SCAN", "1"))
	assert.Equal(t, "*2\r\n$1\r\n0\r\n*0\r\n", rc.do("SCAN", "2"))
	for _, c := range []struct {
		in string
		v  uint64
		ok bool
	}{{"0", 0, true}, {"", 0, true}, {"+5", 5, true}, {"-1", ^uint64(0), true}, {"-0", 0, true},
		{"18446744073709551615", ^uint64(0), true}, {"18446744073709551616", 0, false},
		{" 1", 0, false}, {"1 ", 0, false}, {"+", 0, false}, {"-", 0, false}, {"0x1", 0, false}} {
		v, ok := parseScanCursor([]byte(c.in))
		assert.Equal(t, c.ok, ok, "%q", c.in)
		assert.Equal(t, c.v, v, "%q", c.in)
	}
	// A single shard uses Redis's own cursor.
	assert.Equal(t, uint(0), shardBits(1))
	assert.Equal(t, uint(1), shardBits(2))
	assert.Equal(t, uint(2), shardBits(3))
	assert.Equal(t, uint(10), shardBits(1024))
}

func TestSwapFlush(t *testing.T) {
	srv, log := testServerWithLog(t, 2)
	rc := testRaw(t, srv)
	rc.do("MSET", "{a}1", "x", "{b}1", "y")
	log.take()
	require.Equal(t, "+OK\r\n", rc.do("SWAPDB", "0", "5"))
	assert.Equal(t, ":0\r\n", rc.do("DBSIZE"))
	assert.Equal(t, []string{"SWAPDB 0 5", "SWAPDB 0 5"}, log.cmds(), "every shard logs the swap")
	rc.do("SELECT", "5")
	assert.Equal(t, ":2\r\n", rc.do("DBSIZE"))
	assert.Equal(t, "$1\r\nx\r\n", rc.do("GET", "{a}1"))
	rc.do("SELECT", "0")
	rc.do("MSET", "{a}2", "x", "{b}2", "y")
	log.take()

	require.Equal(t, "+OK\r\n", rc.do("FLUSHDB", "ASYNC"))
	assert.Equal(t, ":0\r\n", rc.do("DBSIZE"))
	assert.Equal(t, []string{"FLUSHDB", "FLUSHDB"}, log.cmds())
	rc.do("SELECT", "5")
	assert.Equal(t, ":2\r\n", rc.do("DBSIZE"), "FLUSHDB leaves other databases alone")

	require.Equal(t, "+OK\r\n", rc.do("FLUSHALL"))
	assert.Equal(t, ":0\r\n", rc.do("DBSIZE"))
	assert.Equal(t, []string{"FLUSHALL", "FLUSHALL"}, log.cmds())
	require.Equal(t, "+OK\r\n", rc.do("FLUSHALL", "sync"))
	assert.Equal(t, []string{"FLUSHALL", "FLUSHALL"}, log.cmds(), "flushing nothing is still logged")
}

func TestMoveKeepsTTL(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	rc.do("SET", "k", "v")
	rc.do("PEXPIREAT", "k", "99999999999000")
	require.Equal(t, ":1\r\n", rc.do("MOVE", "k", "2"))
	assert.Equal(t, ":0\r\n", rc.do("EXISTS", "k"))
	rc.do("SELECT", "2")
	assert.Equal(t, ":99999999999000\r\n", rc.do("PEXPIRETIME", "k"))
	assert.Equal(t, "$1\r\nv\r\n", rc.do("GET", "k"))
	// An expired key in the target does not block the move.
	rc.do("PEXPIRE", "k", "1")
	rc.do("SELECT", "0")
	rc.do("SET", "k", "new")
	time.Sleep(5 * time.Millisecond)
	assert.Equal(t, ":1\r\n", rc.do("MOVE", "k", "2"))
}

func TestObjectAccessClock(t *testing.T) {
	srv := testServer(t, 2, "--maxmemory-policy", "allkeys-lfu")
	rc := testRaw(t, srv)
	rc.do("SET", "k", "v")
	// A new key starts at LFU_INIT_VAL (5); at the initial value the next
	// access always increments, as in Redis.
	require.Equal(t, ":5\r\n", rc.do("OBJECT", "FREQ", "k"))
	require.Equal(t, ":1\r\n", rc.do("TOUCH", "k"))
	require.Equal(t, ":6\r\n", rc.do("OBJECT", "FREQ", "k"))
	assert.Equal(t, "-"+errLFUOn+"\r\n", rc.do("OBJECT", "IDLETIME", "k"))

	srv2 := testServer(t, 1)
	rc2 := testRaw(t, srv2)
	rc2.do("SET", "k", "v")
	rc2.do("TOUCH", "k")
	assert.Equal(t, ":0\r\n", rc2.do("OBJECT", "IDLETIME", "k"))
	assert.Equal(t, "-"+errLFUOff+"\r\n", rc2.do("OBJECT", "FREQ", "k"))
}

func TestLFUDecay(t *testing.T) {
	now := int64(1_700_000_000_000)
	m := lfuMinutes(now)
	assert.Equal(t, uint32(10), lfuDecay(m<<8|10, now, 1))
	assert.Equal(t, uint32(7), lfuDecay((m-3)<<8|10, now, 1))
	assert.Equal(t, uint32(9), lfuDecay((m-3)<<8|10, now, 2))
	assert.Equal(t, uint32(0), lfuDecay((m-30)<<8|10, now, 1))
	assert.Equal(t, uint32(10), lfuDecay((m-30)<<8|10, now, 0), "decay time 0 never decays")
	assert.Equal(t, uint32(255), lfuIncr(255, 10))
	assert.Equal(t, uint32(3), lfuIncr(2, 10))
}

func TestMemoryStats(t *testing.T) {
	srv := testServer(t, 2)
	c := testClient(t, srv)
	require.NoError(t, c.Set(ctxb(), "{a}k", "v", time.Hour).Err())
	require.NoError(t, c.Set(ctxb(), "{b}k", "v", 0).Err())
	require.NoError(t, c.Do(ctxb(), "SELECT", "0").Err())
	res, err := c.Do(ctxb(), "MEMORY", "STATS").Slice()
	require.NoError(t, err)
	stats := map[string]any{}
	for i := 0; i+1 < len(res); i += 2 {
		stats[res[i].(string)] = res[i+1]
	}
	assert.Len(t, stats, 28, "27 fields and one database")
	assert.Equal(t, int64(2), stats["keys.count"])
	db0 := stats["db.0"].([]any)
	assert.Equal(t, "overhead.hashtable.expires", db0[2])
	assert.Equal(t, int64(ttlIndexBytes), db0[3])
	total := stats["total.allocated"].(int64)
	assert.Positive(t, total)
	assert.GreaterOrEqual(t, stats["peak.allocated"].(int64), total)
	assert.Equal(t, total, stats["overhead.total"].(int64)+stats["dataset.bytes"].(int64))
	for _, k := range []string{"dataset.percentage", "peak.percentage", "fragmentation"} {
		_, err := strconv.ParseFloat(stats[k].(string), 64)
		assert.NoError(t, err, k)
	}
	doc, err := c.Do(ctxb(), "MEMORY", "DOCTOR").Text()
	require.NoError(t, err)
	assert.Contains(t, doc, "Sam")
	ms, err := c.Do(ctxb(), "MEMORY", "MALLOC-STATS").Text()
	require.NoError(t, err)
	assert.Contains(t, ms, "/memory/classes/heap/objects:bytes")
}

// A flood of short TTLs drains through active expiry alone: nothing reads
// the keys, yet DBSIZE reaches zero.
func TestActiveExpiry(t *testing.T) {
	srv := testServer(t, 2)
	c := testClient(t, srv)
	const n = 100_000
	for start := 0; start < n; start += 10_000 {
		p := c.Pipeline()
		for i := start; i < start+10_000; i++ {
			k := "exp:" + strconv.Itoa(i)
			p.Set(ctxb(), k, "v", 0)
			p.PExpire(ctxb(), k, 100*time.Millisecond)
		}
		_, err := p.Exec(ctxb())
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool {
		return c.DBSize(ctxb()).Val() == 0
	}, 10*time.Second, 50*time.Millisecond)
}

// keysLog records every logged effect with its shard and database.
type keysLog struct {
	nopPersistence
	mu   sync.Mutex
	recs []keysRec
}

type keysRec struct {
	shard, db int
	args      [][]byte
}

func (l *keysLog) Log(shard, db int, args [][]byte, _ uint64) {
	cp := make([][]byte, len(args))
	for i, a := range args {
		cp[i] = slices.Clone(a)
	}
	l.mu.Lock()
	l.recs = append(l.recs, keysRec{shard, db, cp})
	l.mu.Unlock()
}
func (l *keysLog) EndTx(int, uint64, int) {}
func (l *keysLog) Commit(int) error       { return nil }
func (l *keysLog) WriteError() string     { return "" }

// dumpKeyspace renders every key of every database of srv's shards.
func dumpKeyspace(s *Shard) map[string]string {
	out := map[string]string{}
	for dbi, db := range s.dbs {
		var cur uint64
		for {
			cur = db.Scan(cur, func(k []byte, e store.Entry) {
				v := string(e.Str)
				if e.Type != store.TypeString {
					v = fmt.Sprint(e.Obj)
				}
				out[fmt.Sprintf("%d/%s", dbi, k)] = fmt.Sprintf("%s %q ttl=%d", e.Type, v, e.ExpireAt)
			})
			if cur == 0 {
				break
			}
		}
	}
	return out
}

// Replaying what the commands logged rebuilds the same keyspace on a fresh
// server: the logged effects are deterministic and complete.
func TestKeysEffectsReplay(t *testing.T) {
	withRestoreFunc(t, nil)
	cfg, err := config.Parse([]string{"--port", "0", "--bind", "127.0.0.1", "--dir", t.TempDir(), "--shards", "2"})
	require.NoError(t, err)
	log := &keysLog{}
	srv, err := NewServer(cfg, Options{Persistence: log})
	require.NoError(t, err)
	srv.Start()
	t.Cleanup(srv.Stop)
	rc := testRaw(t, srv)
	for _, cmd := range [][]string{
		{"MSET", "{a}1", "one", "{b}1", "two", "{a}2", "x", "{b}2", "y"},
		{"EXPIRE", "{a}1", "1000"}, {"PEXPIRE", "{b}1", "5000000"}, {"EXPIREAT", "{a}2", "1"},
		{"RENAME", "{a}1", "{b}moved"}, {"RENAMENX", "{b}1", "{a}moved"}, {"RENAME", "{b}2", "{b}3"},
		{"COPY", "{b}moved", "{a}copy"}, {"COPY", "{a}moved", "{b}copy", "DB", "3"}, {"COPY", "{b}3", "{b}4", "DB", "4"},
		{"MOVE", "{b}3", "2"}, {"PERSIST", "{a}moved"}, {"DEL", "{a}copy", "{b}nokey"},
		{"SWAPDB", "0", "5"}, {"SELECT", "5"}, {"SET", "{a}k", "v"}, {"FLUSHDB"}, {"SELECT", "0"},
		{"SET", "{a}k", "v"}, {"EXPIRE", "{a}k", "100", "NX"}, {"EXPIRE", "{a}k", "50", "GT"},
	} {
		require.NotEqual(t, byte('-'), rc.do(cmd...)[0], "%q", cmd)
	}
	want := map[string]string{}
	for i := range srv.shards {
		var part map[string]string
		onKeyShard(srv, []string{"{b}", "{a}"}[i], func(s *Shard) { part = dumpKeyspace(s) })
		for k, v := range part {
			want[k] = v
		}
	}
	require.NotEmpty(t, want)

	replay, err := NewServer(cfg.Clone(), Options{})
	require.NoError(t, err)
	t.Cleanup(replay.Stop)
	log.mu.Lock()
	recs := slices.Clone(log.recs)
	log.mu.Unlock()
	for _, r := range recs {
		require.NoError(t, replay.Apply(r.shard, r.db, r.args), "%q", r.args)
	}
	got := map[string]string{}
	for _, s := range replay.shards {
		for k, v := range dumpKeyspace(s) {
			got[k] = v
		}
	}
	assert.Equal(t, want, got)
}
