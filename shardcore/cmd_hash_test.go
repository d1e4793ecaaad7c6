package shardcore

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/keeldb/keel/shardcore/resp"
	"github.com/keeldb/keel/shardcore/store"
	"github.com/keeldb/keel/shardcore/types"
	"github.com/stretchr/testify/require"
)

func TestHashCommands(t *testing.T) {
	srv := testServer(t, 2)
	runCollCases(t, testRaw(t, srv), []collCase{
		{[]string{"HSET", "h", "f1", "v1", "f2", "v2"}, ":2\r\n"},
		{[]string{"HSET", "h", "f1", "new", "f3", "v3"}, ":1\r\n"},
		{[]string{"HGETALL", "h"}, "*6\r\n$2\r\nf1\r\n$3\r\nnew\r\n$2\r\nf2\r\n$2\r\nv2\r\n$2\r\nf3\r\n$2\r\nv3\r\n"},
		{[]string{"HSET", "h", "f1"}, "-ERR wrong number of arguments for 'hset' command\r\n"},
		{[]string{"HSET", "h", "f1", "v", "f2"}, "-ERR wrong number of arguments for 'hset' command\r\n"},
		{[]string{"HMSET", "h", "f4", "v4", "f5", "v5"}, "+OK\r\n"},
		{[]string{"HMSET", "h", "f4"}, "-ERR wrong number of arguments for 'hmset' command\r\n"},
		{[]string{"HSETNX", "h", "f4", "x"}, ":0\r\n"},
		{[]string{"HSETNX", "h", "f6", "v6"}, ":1\r\n"},
		{[]string{"HSETNX", "hn", "f", "v"}, ":1\r\n"},
		{[]string{"HGET", "h", "f1"}, "$3\r\nnew\r\n"},
		{[]string{"HGET", "h", "nope"}, "$-1\r\n"},
		{[]string{"HGET", "nokey", "f"}, "$-1\r\n"},
		{[]string{"HMGET", "h", "f1", "nope", "f3"}, "*3\r\n$3\r\nnew\r\n$-1\r\n$2\r\nv3\r\n"},
		{[]string{"HMGET", "nokey", "a", "b"}, "*2\r\n$-1\r\n$-1\r\n"},
		{[]string{"HEXISTS", "h", "f1"}, ":1\r\n"},
		{[]string{"HEXISTS", "h", "nope"}, ":0\r\n"},
		{[]string{"HEXISTS", "nokey", "f"}, ":0\r\n"},
		{[]string{"HLEN", "h"}, ":6\r\n"},
		{[]string{"HLEN", "nokey"}, ":0\r\n"},
		{[]string{"HSTRLEN", "h", "f1"}, ":3\r\n"},
		{[]string{"HSTRLEN", "h", "nope"}, ":0\r\n"},
		{[]string{"HSTRLEN", "nokey", "f"}, ":0\r\n"},
		{[]string{"HKEYS", "h"}, "*6\r\n$2\r\nf1\r\n$2\r\nf2\r\n$2\r\nf3\r\n$2\r\nf4\r\n$2\r\nf5\r\n$2\r\nf6\r\n"},
		{[]string{"HVALS", "h"}, "*6\r\n$3\r\nnew\r\n$2\r\nv2\r\n$2\r\nv3\r\n$2\r\nv4\r\n$2\r\nv5\r\n$2\r\nv6\r\n"},
		{[]string{"HKEYS", "nokey"}, "*0\r\n"},
		{[]string{"HVALS", "nokey"}, "*0\r\n"},
		{[]string{"HGETALL", "nokey"}, "*0\r\n"},
		{[]string{"HDEL", "h", "f1", "nope", "f1", "f2"}, ":2\r\n"},
		{[]string{"HDEL", "nokey", "f"}, ":0\r\n"},
		{[]string{"HGETALL", "h"}, "*8\r\n$2\r\nf3\r\n$2\r\nv3\r\n$2\r\nf4\r\n$2\r\nv4\r\n$2\r\nf5\r\n$2\r\nv5\r\n$2\r\nf6\r\n$2\r\nv6\r\n"},
		{[]string{"HDEL", "hn", "f", "g"}, ":1\r\n"},
		{[]string{"EXISTS", "hn"}, ":0\r\n"},
		{[]string{"HINCRBY", "c", "n", "5"}, ":5\r\n"},
		{[]string{"HINCRBY", "c", "n", "-7"}, ":-2\r\n"},
		{[]string{"HINCRBY", "c", "n", "x"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"HINCRBY", "c", "n", "1.5"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"HSET", "c", "s", "abc", "big", "9223372036854775807", "f", "1.5", "sp", " 1"}, ":4\r\n"},
		{[]string{"HINCRBY", "c", "s", "1"}, "-ERR hash value is not an integer\r\n"},
		{[]string{"HINCRBY", "c", "sp", "1"}, "-ERR hash value is not an integer\r\n"},
		{[]string{"HINCRBY", "c", "big", "1"}, "-ERR increment or decrement would overflow\r\n"},
		{[]string{"HINCRBY", "c", "n", "-9223372036854775808"}, "-ERR increment or decrement would overflow\r\n"},
		{[]string{"HINCRBY", "c", "n", "9223372036854775807"}, ":9223372036854775805\r\n"},
		{[]string{"HINCRBY", "c", "f", "1"}, "-ERR hash value is not an integer\r\n"},
		{[]string{"HINCRBYFLOAT", "c", "f", "0.1"}, "$3\r\n1.6\r\n"},
		{[]string{"HINCRBYFLOAT", "c", "f", "-1.6"}, "$1\r\n0\r\n"},
		{[]string{"HINCRBYFLOAT", "c", "n", "2.5e3"}, "$19\r\n9223372036854778305\r\n"},
		{[]string{"HINCRBYFLOAT", "c", "new", "3"}, "$1\r\n3\r\n"},
		{[]string{"HINCRBYFLOAT", "c", "new", "1e-5"}, "$7\r\n3.00001\r\n"},
		{[]string{"HINCRBYFLOAT", "c", "s", "1"}, "-ERR hash value is not a float\r\n"},
		{[]string{"HINCRBYFLOAT", "c", "f", "x"}, "-ERR value is not a valid float\r\n"},
		{[]string{"HINCRBYFLOAT", "c", "f", "inf"}, "-ERR value is NaN or Infinity\r\n"},
		{[]string{"HINCRBYFLOAT", "c", "f", "nan"}, "-ERR value is not a valid float\r\n"},
		{[]string{"HINCRBYFLOAT", "c", "f", " 1"}, "-ERR value is not a valid float\r\n"},
		{[]string{"HSET", "c", "inf", "inf"}, ":1\r\n"},
		{[]string{"HINCRBYFLOAT", "c", "inf", "1"}, "-ERR increment would produce NaN or Infinity\r\n"},
		{[]string{"HINCRBYFLOAT", "fresh", "x", "0.1"}, "$3\r\n0.1\r\n"},
		{[]string{"HINCRBYFLOAT", "fresh", "x", "0.2"}, "$3\r\n0.3\r\n"},
		{[]string{"HGETALL", "c"}, "*14\r\n$1\r\nn\r\n$19\r\n9223372036854778305\r\n$1\r\ns\r\n$3\r\nabc\r\n$3\r\nbig\r\n$19\r\n9223372036854775807\r\n$1\r\nf\r\n$1\r\n0\r\n$2\r\nsp\r\n$2\r\n 1\r\n$3\r\nnew\r\n$7\r\n3.00001\r\n$3\r\ninf\r\n$3\r\ninf\r\n"},
		{[]string{"HSET", "r", "a", "1"}, ":1\r\n"},
		{[]string{"HRANDFIELD", "r"}, "$1\r\na\r\n"},
		{[]string{"HRANDFIELD", "r", "1"}, "*1\r\n$1\r\na\r\n"},
		{[]string{"HRANDFIELD", "r", "5"}, "*1\r\n$1\r\na\r\n"},
		{[]string{"HRANDFIELD", "r", "-3"}, "*3\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n"},
		{[]string{"HRANDFIELD", "r", "2", "WITHVALUES"}, "*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{[]string{"HRANDFIELD", "r", "-2", "withvalues"}, "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{[]string{"HRANDFIELD", "r", "0"}, "*0\r\n"},
		{[]string{"HRANDFIELD", "r", "0", "WITHVALUES"}, "*0\r\n"},
		{[]string{"HRANDFIELD", "r", "x"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"HRANDFIELD", "r", "1", "FOO"}, "-ERR syntax error\r\n"},
		{[]string{"HRANDFIELD", "r", "1", "WITHVALUES", "x"}, "-ERR syntax error\r\n"},
		{[]string{"HRANDFIELD", "r", "-9223372036854775808"}, "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n"},
		{[]string{"HRANDFIELD", "r", "4611686018427387904", "WITHVALUES"}, "-ERR value is out of range\r\n"},
		{[]string{"HRANDFIELD", "r", "4611686018427387903", "WITHVALUES"}, "*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{[]string{"HRANDFIELD", "nokey"}, "$-1\r\n"},
		{[]string{"HRANDFIELD", "nokey", "3"}, "*0\r\n"},
		{[]string{"HRANDFIELD", "nokey", "-3", "WITHVALUES"}, "*0\r\n"},
		{[]string{"HSET", "sc", "a", "1", "b", "2", "ab", "3"}, ":3\r\n"},
		{[]string{"HSCAN", "sc", "0"}, "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$2\r\nab\r\n$1\r\n3\r\n"},
		{[]string{"HSCAN", "sc", "0", "COUNT", "1"}, "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$2\r\nab\r\n$1\r\n3\r\n"},
		{[]string{"HSCAN", "sc", "0", "MATCH", "a*"}, "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$2\r\nab\r\n$1\r\n3\r\n"},
		{[]string{"HSCAN", "sc", "0", "match", "*b", "count", "100"}, "*2\r\n$1\r\n0\r\n*4\r\n$1\r\nb\r\n$1\r\n2\r\n$2\r\nab\r\n$1\r\n3\r\n"},
		{[]string{"HSCAN", "sc", "0", "MATCH", "*"}, "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$2\r\nab\r\n$1\r\n3\r\n"},
		{[]string{"HSCAN", "sc", "123"}, "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$2\r\nab\r\n$1\r\n3\r\n"},
		{[]string{"HSCAN", "sc", "-1"}, "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$2\r\nab\r\n$1\r\n3\r\n"},
		{[]string{"HSCAN", "sc", ""}, "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$2\r\nab\r\n$1\r\n3\r\n"},
		{[]string{"HSCAN", "sc", "x"}, "-ERR invalid cursor\r\n"},
		{[]string{"HSCAN", "sc", " 0"}, "-ERR invalid cursor\r\n"},
		{[]string{"HSCAN", "sc", "18446744073709551616"}, "-ERR invalid cursor\r\n"},
		{[]string{"HSCAN", "sc", "0", "COUNT", "0"}, "-ERR syntax error\r\n"},
		{[]string{"HSCAN", "sc", "0", "COUNT", "x"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"HSCAN", "sc", "0", "COUNT"}, "-ERR syntax error\r\n"},
		{[]string{"HSCAN", "sc", "0", "TYPE", "hash"}, "-ERR syntax error\r\n"},
		{[]string{"HSCAN", "sc", "0", "NOVALUES"}, "-ERR syntax error\r\n"},
		{[]string{"HSCAN", "nokey", "0"}, "*2\r\n$1\r\n0\r\n*0\r\n"},
		{[]string{"HSCAN", "nokey", "0", "BAD"}, "*2\r\n$1\r\n0\r\n*0\r\n"},
		{[]string{"HSCAN", "nokey", "bad"}, "-ERR invalid cursor\r\n"},
		{[]string{"SET", "str", "v"}, "+OK\r\n"},
		{[]string{"HSET", "str", "f", "v"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"HSETNX", "str", "f", "v"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"HMSET", "str", "f", "v"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"HGET", "str", "f"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"HMGET", "str", "f"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"HDEL", "str", "f"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"HEXISTS", "str", "f"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"HLEN", "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"HSTRLEN", "str", "f"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"HINCRBY", "str", "f", "1"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"HINCRBY", "str", "f", "x"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"HINCRBYFLOAT", "str", "f", "1"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"HINCRBYFLOAT", "str", "f", "x"}, "-ERR value is not a valid float\r\n"},
		{[]string{"HKEYS", "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"HVALS", "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"HGETALL", "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"HRANDFIELD", "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"HRANDFIELD", "str", "1"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"HRANDFIELD", "str", "x"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"HSCAN", "str", "0"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"HSCAN", "str", "x"}, "-ERR invalid cursor\r\n"},
		{[]string{"HSET", "h"}, "-ERR wrong number of arguments for 'hset' command\r\n"},
		{[]string{"HGET", "h"}, "-ERR wrong number of arguments for 'hget' command\r\n"},
		{[]string{"HMGET", "h"}, "-ERR wrong number of arguments for 'hmget' command\r\n"},
		{[]string{"HDEL", "h"}, "-ERR wrong number of arguments for 'hdel' command\r\n"},
		{[]string{"HLEN"}, "-ERR wrong number of arguments for 'hlen' command\r\n"},
		{[]string{"HKEYS", "h", "x"}, "-ERR wrong number of arguments for 'hkeys' command\r\n"},
		{[]string{"HINCRBY", "h", "f"}, "-ERR wrong number of arguments for 'hincrby' command\r\n"},
		{[]string{"HRANDFIELD"}, "-ERR wrong number of arguments for 'hrandfield' command\r\n"},
		{[]string{"HSCAN", "h"}, "-ERR wrong number of arguments for 'hscan' command\r\n"},
	})
}

func TestHashEffects(t *testing.T) {
	log := &collLog{}
	srv := collServer(t, 1, log)
	rc := testRaw(t, srv)
	runCollCases(t, rc, []collCase{
		{[]string{"HSET", "h", "f", "1.5"}, ":1\r\n"},
		{[]string{"HINCRBYFLOAT", "h", "f", "0.1"}, "$3\r\n1.6\r\n"},
		{[]string{"HINCRBYFLOAT", "h", "g", "1e-3"}, "$5\r\n0.001\r\n"},
		{[]string{"HINCRBY", "h", "n", "3"}, ":3\r\n"},
		{[]string{"HINCRBY", "h", "f", "3"}, "-ERR hash value is not an integer\r\n"},
		{[]string{"HDEL", "h", "zz"}, ":0\r\n"},
		{[]string{"HSETNX", "h", "f", "x"}, ":0\r\n"},
		{[]string{"HGETALL", "h"}, "*6\r\n$1\r\nf\r\n$3\r\n1.6\r\n$1\r\ng\r\n$5\r\n0.001\r\n$1\r\nn\r\n$1\r\n3\r\n"},
	})
	require.Equal(t, []string{
		"HSET h f 1.5",
		"HSET h f 1.6",
		"HSET h g 0.001",
		"HINCRBY h n 3",
	}, log.effects())
}

func hashEncodingOf(t *testing.T, srv *Server, key string) string {
	t.Helper()
	var enc string
	onShard(srv, key, func(db *store.Table) {
		e, ok := db.Get([]byte(key))
		require.True(t, ok)
		enc = e.Obj.(*types.Hash).Encoding()
	})
	return enc
}

func TestHashEncodings(t *testing.T) {
	srv := testServer(t, 1, "--hash-max-listpack-entries", "3", "--hash-max-listpack-value", "8")
	rc := testRaw(t, srv)
	rc.do("HSET", "h", "a", "1", "b", "2", "c", "3")
	require.Equal(t, "listpack", hashEncodingOf(t, srv, "h"))
	rc.do("HSET", "h", "d", "4")
	require.Equal(t, "hashtable", hashEncodingOf(t, srv, "h"))
	rc.do("HSET", "v", "a", "12345678")
	require.Equal(t, "listpack", hashEncodingOf(t, srv, "v"))
	rc.do("HINCRBYFLOAT", "v", "f", "0.000001")
	require.Equal(t, "listpack", hashEncodingOf(t, srv, "v"))
	rc.do("HINCRBYFLOAT", "v", "g", "0.0000001")
	require.Equal(t, "hashtable", hashEncodingOf(t, srv, "v"))

	// A hashtable-encoded hash scans completely in steps, MATCH applying to
	// the fields.
	for i := 0; i < 500; i++ {
		rc.do("HSET", "big", fmt.Sprint("f", i), fmt.Sprint("v", i))
	}
	c := testClient(t, srv)
	seen := map[string]string{}
	var cursor uint64
	for {
		kv, next, err := c.HScan(ctxb(), "big", cursor, "", 20).Result()
		require.NoError(t, err)
		require.Zero(t, len(kv)%2)
		for i := 0; i < len(kv); i += 2 {
			seen[kv[i]] = kv[i+1]
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	require.Len(t, seen, 500)
	require.Equal(t, "v42", seen["f42"])
	kv, _, err := c.HScan(ctxb(), "big", 0, "f1?", 100000).Result()
	require.NoError(t, err)
	require.Len(t, kv, 20)

	all, err := c.HGetAll(ctxb(), "big").Result()
	require.NoError(t, err)
	require.Len(t, all, 500)
	fields, err := c.HRandFieldWithValues(ctxb(), "big", 30).Result()
	require.NoError(t, err)
	require.Len(t, fields, 30)
	dup := map[string]bool{}
	for _, kv := range fields {
		require.False(t, dup[kv.Key])
		dup[kv.Key] = true
		require.Equal(t, "v"+kv.Key[1:], kv.Value)
	}
	some, err := c.HRandField(ctxb(), "big", -700).Result()
	require.NoError(t, err)
	require.Len(t, some, 700)
}

// RESP3 shapes: maps for HGETALL, sets for SMEMBERS/SINTER/SPOP, pairs for
// HRANDFIELD WITHVALUES, nulls as "_" (replies checked against Redis 7.0).
func TestCollectionsRESP3(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	require.Contains(t, rc.do("HELLO", "3"), "proto")
	runCollCases(t, rc, []collCase{
		{[]string{"HSET", "h", "a", "1", "b", "2"}, ":2\r\n"},
		{[]string{"HGETALL", "h"}, "%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"},
		{[]string{"HGETALL", "nokey"}, "%0\r\n"},
		{[]string{"HKEYS", "h"}, "*2\r\n$1\r\na\r\n$1\r\nb\r\n"},
		{[]string{"HSET", "h1", "a", "1"}, ":1\r\n"},
		{[]string{"HRANDFIELD", "h1", "-2", "WITHVALUES"}, "*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{[]string{"HRANDFIELD", "h1", "5", "WITHVALUES"}, "*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{[]string{"HRANDFIELD", "nokey", "2", "WITHVALUES"}, "*0\r\n"},
		{[]string{"HRANDFIELD", "nokey"}, "_\r\n"},
		{[]string{"HGET", "h", "zz"}, "_\r\n"},
		{[]string{"HMGET", "h", "a", "zz"}, "*2\r\n$1\r\n1\r\n_\r\n"},
		{[]string{"HSCAN", "h", "0"}, "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"},
		{[]string{"HINCRBYFLOAT", "h", "a", "1.5"}, "$3\r\n2.5\r\n"},
		{[]string{"SADD", "s", "1", "2"}, ":2\r\n"},
		{[]string{"SMEMBERS", "s"}, "~2\r\n$1\r\n1\r\n$1\r\n2\r\n"},
		{[]string{"SMEMBERS", "nokey"}, "~0\r\n"},
		{[]string{"SINTER", "s", "s"}, "~2\r\n$1\r\n1\r\n$1\r\n2\r\n"},
		{[]string{"SUNION", "s", "nokey"}, "~2\r\n$1\r\n1\r\n$1\r\n2\r\n"},
		{[]string{"SDIFF", "s", "nokey"}, "~2\r\n$1\r\n1\r\n$1\r\n2\r\n"},
		{[]string{"SINTERCARD", "1", "s"}, ":2\r\n"},
		{[]string{"SADD", "s1", "7"}, ":1\r\n"},
		{[]string{"SRANDMEMBER", "s1", "-2"}, "*2\r\n$1\r\n7\r\n$1\r\n7\r\n"},
		{[]string{"SRANDMEMBER", "nokey", "2"}, "*0\r\n"},
		{[]string{"SRANDMEMBER", "nokey"}, "_\r\n"},
		{[]string{"SPOP", "nokey", "2"}, "~0\r\n"},
		{[]string{"SPOP", "nokey"}, "_\r\n"},
		{[]string{"SPOP", "s", "0"}, "~0\r\n"},
		{[]string{"SMISMEMBER", "s", "1", "3"}, "*2\r\n:1\r\n:0\r\n"},
		{[]string{"SSCAN", "s", "0"}, "*2\r\n$1\r\n0\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n"},
		{[]string{"SPOP", "s", "5"}, "~2\r\n$1\r\n1\r\n$1\r\n2\r\n"},
		{[]string{"RPUSH", "l", "a"}, ":1\r\n"},
		{[]string{"LPOP", "nokey", "2"}, "_\r\n"},
		{[]string{"LPOP", "nokey"}, "_\r\n"},
		{[]string{"LPOS", "l", "zz"}, "_\r\n"},
		{[]string{"LINDEX", "l", "5"}, "_\r\n"},
		{[]string{"LMPOP", "1", "nokey", "LEFT"}, "_\r\n"},
		{[]string{"LMPOP", "1", "l", "LEFT"}, "*2\r\n$1\r\nl\r\n*1\r\n$1\r\na\r\n"},
		{[]string{"LMOVE", "nokey", "l", "LEFT", "LEFT"}, "_\r\n"},
		{[]string{"SADD", keyA + "x", "1", "2"}, ":2\r\n"},
		{[]string{"SADD", keyB + "y", "2", "3"}, ":2\r\n"},
		{[]string{"SUNION", keyA + "x", keyB + "y"}, "~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"},
		{[]string{"LMPOP", "2", keyA + "none", keyB + "none", "LEFT"}, "_\r\n"},
	})
}

// Odd arguments to every list, hash and set command get a reply, never a
// crash: numbers at the limits, options in the wrong places, keys of the
// wrong type on either shard.
func TestCollectionsOddArguments(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	rc.do("SET", keyA+"str", "x")
	words := []string{
		keyA + "k", keyB + "k", keyA + "str", "0", "1", "2", "-1", "3",
		"9223372036854775807", "-9223372036854775808", "18446744073709551615", "1.5", "inf", "",
		"LEFT", "RIGHT", "BEFORE", "COUNT", "LIMIT", "RANK", "MAXLEN", "MATCH", "*", "WITHVALUES",
	}
	names := []string{
		"LPUSH", "RPUSH", "LPUSHX", "LPOP", "RPOP", "LLEN", "LINDEX", "LRANGE", "LSET", "LREM",
		"LTRIM", "LINSERT", "LPOS", "LMOVE", "RPOPLPUSH", "LMPOP",
		"HSET", "HSETNX", "HGET", "HMGET", "HDEL", "HSTRLEN", "HINCRBY", "HINCRBYFLOAT", "HGETALL",
		"HRANDFIELD", "HSCAN",
		"SADD", "SREM", "SMISMEMBER", "SMEMBERS", "SPOP", "SRANDMEMBER", "SMOVE", "SINTER", "SINTERCARD",
		"SUNION", "SDIFF", "SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE", "SSCAN",
	}
	r := rand.New(rand.NewPCG(11, 12))
	for i := 0; i < 4000; i++ {
		args := []string{names[r.IntN(len(names))]}
		for n := r.IntN(7); n > 0; n-- {
			args = append(args, words[r.IntN(len(words))])
		}
		_, err := resp.ParseReply([]byte(rc.do(args...)))
		require.NoError(t, err, "%q", args)
	}
	require.Equal(t, "+PONG\r\n", rc.do("PING"))
}
