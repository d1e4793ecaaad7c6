package shardcore

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/keeldb/keel/shardcore/store"
	"github.com/keeldb/keel/shardcore/types"
	"github.com/stretchr/testify/require"
)

func TestSetCommands(t *testing.T) {
	srv := testServer(t, 2)
	runCollCases(t, testRaw(t, srv), []collCase{
		{[]string{"SADD", "s", "3", "1", "2"}, ":3\r\n"},
		{[]string{"SADD", "s", "2", "4"}, ":1\r\n"},
		{[]string{"SMEMBERS", "s"}, "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n"},
		{[]string{"SCARD", "s"}, ":4\r\n"},
		{[]string{"SCARD", "nokey"}, ":0\r\n"},
		{[]string{"SISMEMBER", "s", "1"}, ":1\r\n"},
		{[]string{"SISMEMBER", "s", "9"}, ":0\r\n"},
		{[]string{"SISMEMBER", "nokey", "1"}, ":0\r\n"},
		{[]string{"SMISMEMBER", "s", "1", "9", "4"}, "*3\r\n:1\r\n:0\r\n:1\r\n"},
		{[]string{"SMISMEMBER", "nokey", "1"}, "*1\r\n:0\r\n"},
		{[]string{"SREM", "s", "1", "9", "1"}, ":1\r\n"},
		{[]string{"SREM", "nokey", "1"}, ":0\r\n"},
		{[]string{"SMEMBERS", "s"}, "*3\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n"},
		{[]string{"SMEMBERS", "nokey"}, "*0\r\n"},
		{[]string{"SADD", "one", "x"}, ":1\r\n"},
		{[]string{"SREM", "one", "x", "y"}, ":1\r\n"},
		{[]string{"EXISTS", "one"}, ":0\r\n"},
		{[]string{"SADD", "a", "1", "2", "3", "4", "5"}, ":5\r\n"},
		{[]string{"SADD", "b", "3", "4", "5", "6"}, ":4\r\n"},
		{[]string{"SADD", "c", "5", "6", "7"}, ":3\r\n"},
		{[]string{"SINTER", "a", "b"}, "*3\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n"},
		{[]string{"SINTER", "a", "b", "c"}, "*1\r\n$1\r\n5\r\n"},
		{[]string{"SINTER", "a", "nokey"}, "*0\r\n"},
		{[]string{"SINTER", "a"}, "*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n"},
		{[]string{"SINTER", "a", "a"}, "*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n"},
		{[]string{"SUNION", "a", "b"}, "*6\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n"},
		{[]string{"SUNION", "a", "nokey", "c"}, "*7\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n"},
		{[]string{"SUNION", "nokey"}, "*0\r\n"},
		{[]string{"SDIFF", "a", "b"}, "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"},
		{[]string{"SDIFF", "a", "b", "c"}, "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"},
		{[]string{"SDIFF", "a", "nokey"}, "*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n"},
		{[]string{"SDIFF", "nokey", "a"}, "*0\r\n"},
		{[]string{"SDIFF", "a", "a"}, "*0\r\n"},
		{[]string{"SINTERCARD", "2", "a", "b"}, ":3\r\n"},
		{[]string{"SINTERCARD", "3", "a", "b", "c"}, ":1\r\n"},
		{[]string{"SINTERCARD", "2", "a", "b", "LIMIT", "1"}, ":1\r\n"},
		{[]string{"SINTERCARD", "2", "a", "b", "LIMIT", "0"}, ":3\r\n"},
		{[]string{"SINTERCARD", "2", "a", "nokey"}, ":0\r\n"},
		{[]string{"SINTERCARD", "0", "a"}, "-ERR numkeys should be greater than 0\r\n"},
		{[]string{"SINTERCARD", "-1", "a"}, "-ERR numkeys should be greater than 0\r\n"},
		{[]string{"SINTERCARD", "x", "a"}, "-ERR numkeys should be greater than 0\r\n"},
		{[]string{"SINTERCARD", "3", "a", "b"}, "-ERR Number of keys can't be greater than number of args\r\n"},
		{[]string{"SINTERCARD", "9223372036854775807", "a"}, "-ERR Number of keys can't be greater than number of args\r\n"},
		{[]string{"SINTERCARD", "1", "a", "LIMIT", "-1"}, "-ERR LIMIT can't be negative\r\n"},
		{[]string{"SINTERCARD", "1", "a", "LIMIT", "x"}, "-ERR LIMIT can't be negative\r\n"},
		{[]string{"SINTERCARD", "1", "a", "LIMIT"}, "-ERR syntax error\r\n"},
		{[]string{"SINTERCARD", "1", "a", "FOO"}, "-ERR syntax error\r\n"},
		{[]string{"SINTERCARD", "1", "a", "b"}, "-ERR syntax error\r\n"},
		{[]string{"SINTERSTORE", "d", "a", "b"}, ":3\r\n"},
		{[]string{"SMEMBERS", "d"}, "*3\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n"},
		{[]string{"SUNIONSTORE", "d", "a", "c"}, ":7\r\n"},
		{[]string{"SMEMBERS", "d"}, "*7\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n"},
		{[]string{"SDIFFSTORE", "d", "a", "b"}, ":2\r\n"},
		{[]string{"SMEMBERS", "d"}, "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"},
		{[]string{"SINTERSTORE", "d", "a", "nokey"}, ":0\r\n"},
		{[]string{"EXISTS", "d"}, ":0\r\n"},
		{[]string{"SADD", "d", "1"}, ":1\r\n"},
		{[]string{"SDIFFSTORE", "d", "a", "a"}, ":0\r\n"},
		{[]string{"EXISTS", "d"}, ":0\r\n"},
		{[]string{"SUNIONSTORE", "a", "a", "c"}, ":7\r\n"},
		{[]string{"SMEMBERS", "a"}, "*7\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n"},
		{[]string{"SET", "strd", "v"}, "+OK\r\n"},
		{[]string{"SINTERSTORE", "strd", "b", "c"}, ":2\r\n"},
		{[]string{"SMEMBERS", "strd"}, "*2\r\n$1\r\n5\r\n$1\r\n6\r\n"},
		{[]string{"SMOVE", "b", "e", "3"}, ":1\r\n"},
		{[]string{"SMOVE", "b", "e", "99"}, ":0\r\n"},
		{[]string{"SMOVE", "nokey", "e", "3"}, ":0\r\n"},
		{[]string{"SMOVE", "b", "b", "4"}, ":1\r\n"},
		{[]string{"SMOVE", "b", "b", "99"}, ":0\r\n"},
		{[]string{"SMEMBERS", "b"}, "*3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n"},
		{[]string{"SMEMBERS", "e"}, "*1\r\n$1\r\n3\r\n"},
		{[]string{"SADD", "mv", "only"}, ":1\r\n"},
		{[]string{"SMOVE", "mv", "e", "only"}, ":1\r\n"},
		{[]string{"EXISTS", "mv"}, ":0\r\n"},
		{[]string{"SMEMBERS", "e"}, anyOrder("*2\r\n$4\r\nonly\r\n$1\r\n3\r\n")},
		{[]string{"SADD", "sp", "1"}, ":1\r\n"},
		{[]string{"SPOP", "sp"}, "$1\r\n1\r\n"},
		{[]string{"EXISTS", "sp"}, ":0\r\n"},
		{[]string{"SPOP", "nokey"}, "$-1\r\n"},
		{[]string{"SPOP", "nokey", "3"}, "*0\r\n"},
		{[]string{"SADD", "sp", "1", "2"}, ":2\r\n"},
		{[]string{"SPOP", "sp", "0"}, "*0\r\n"},
		{[]string{"SPOP", "sp", "5"}, "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"},
		{[]string{"EXISTS", "sp"}, ":0\r\n"},
		{[]string{"SPOP", "sp", "x"}, "-ERR value is out of range, must be positive\r\n"},
		{[]string{"SPOP", "sp", "-1"}, "-ERR value is out of range, must be positive\r\n"},
		{[]string{"SPOP", "sp", "1", "2"}, "-ERR syntax error\r\n"},
		{[]string{"SADD", "sr", "7"}, ":1\r\n"},
		{[]string{"SRANDMEMBER", "sr"}, "$1\r\n7\r\n"},
		{[]string{"SRANDMEMBER", "sr", "1"}, "*1\r\n$1\r\n7\r\n"},
		{[]string{"SRANDMEMBER", "sr", "5"}, "*1\r\n$1\r\n7\r\n"},
		{[]string{"SRANDMEMBER", "sr", "-3"}, "*3\r\n$1\r\n7\r\n$1\r\n7\r\n$1\r\n7\r\n"},
		{[]string{"SRANDMEMBER", "sr", "0"}, "*0\r\n"},
		{[]string{"SRANDMEMBER", "sr", "x"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"SRANDMEMBER", "sr", "1", "2"}, "-ERR syntax error\r\n"},
		{[]string{"SRANDMEMBER", "sr", "-9223372036854775808"}, "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n"},
		{[]string{"SRANDMEMBER", "nokey"}, "$-1\r\n"},
		{[]string{"SRANDMEMBER", "nokey", "5"}, "*0\r\n"},
		{[]string{"SADD", "ss", "10", "20", "30"}, ":3\r\n"},
		{[]string{"SSCAN", "ss", "0"}, "*2\r\n$1\r\n0\r\n*3\r\n$2\r\n10\r\n$2\r\n20\r\n$2\r\n30\r\n"},
		{[]string{"SSCAN", "ss", "0", "MATCH", "2*"}, "*2\r\n$1\r\n0\r\n*1\r\n$2\r\n20\r\n"},
		{[]string{"SSCAN", "ss", "0", "COUNT", "1"}, "*2\r\n$1\r\n0\r\n*3\r\n$2\r\n10\r\n$2\r\n20\r\n$2\r\n30\r\n"},
		{[]string{"SSCAN", "ss", "x"}, "-ERR invalid cursor\r\n"},
		{[]string{"SSCAN", "ss", "0", "COUNT", "0"}, "-ERR syntax error\r\n"},
		{[]string{"SSCAN", "ss", "0", "FOO"}, "-ERR syntax error\r\n"},
		{[]string{"SSCAN", "nokey", "0"}, "*2\r\n$1\r\n0\r\n*0\r\n"},
		{[]string{"SET", "str", "v"}, "+OK\r\n"},
		{[]string{"SADD", "str", "a"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SREM", "str", "a"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SCARD", "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SISMEMBER", "str", "a"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SMISMEMBER", "str", "a"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SMEMBERS", "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SPOP", "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SPOP", "str", "1"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SRANDMEMBER", "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SRANDMEMBER", "str", "1"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SINTER", "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SINTER", "nokey", "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SINTER", "a", "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SUNION", "a", "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SDIFF", "nokey", "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SINTERCARD", "2", "nokey", "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SINTERSTORE", "d", "a", "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SUNIONSTORE", "d", "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SDIFFSTORE", "d", "nokey", "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SMOVE", "str", "a", "1"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SMOVE", "a", "str", "1"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SMOVE", "nokey", "str", "1"}, ":0\r\n"},
		{[]string{"SSCAN", "str", "0"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SADD", "s"}, "-ERR wrong number of arguments for 'sadd' command\r\n"},
		{[]string{"SREM", "s"}, "-ERR wrong number of arguments for 'srem' command\r\n"},
		{[]string{"SCARD"}, "-ERR wrong number of arguments for 'scard' command\r\n"},
		{[]string{"SISMEMBER", "s"}, "-ERR wrong number of arguments for 'sismember' command\r\n"},
		{[]string{"SMISMEMBER", "s"}, "-ERR wrong number of arguments for 'smismember' command\r\n"},
		{[]string{"SMEMBERS"}, "-ERR wrong number of arguments for 'smembers' command\r\n"},
		{[]string{"SPOP"}, "-ERR wrong number of arguments for 'spop' command\r\n"},
		{[]string{"SINTER"}, "-ERR wrong number of arguments for 'sinter' command\r\n"},
		{[]string{"SINTERSTORE", "d"}, "-ERR wrong number of arguments for 'sinterstore' command\r\n"},
		{[]string{"SINTERCARD", "1"}, "-ERR wrong number of arguments for 'sintercard' command\r\n"},
		{[]string{"SMOVE", "a", "b"}, "-ERR wrong number of arguments for 'smove' command\r\n"},
		{[]string{"SSCAN", "s"}, "-ERR wrong number of arguments for 'sscan' command\r\n"},
	})
}

func TestSetCrossShard(t *testing.T) {
	log := &collLog{}
	srv := collServer(t, 2, log)
	a1, a2, b1, b2 := keyA+"1", keyA+"2", keyB+"1", keyB+"2"
	requireCrossShard(t, srv, a1, b1)
	rc := testRaw(t, srv)
	runCollCases(t, rc, []collCase{
		{[]string{"SADD", a1, "1", "2", "3", "4"}, ":4\r\n"},
		{[]string{"SADD", b1, "3", "4", "5"}, ":3\r\n"},
		{[]string{"SADD", a2, "4", "9"}, ":2\r\n"},
		{[]string{"SET", keyB + "str", "x"}, "+OK\r\n"},
		{[]string{"SINTER", a1, b1}, "*2\r\n$1\r\n3\r\n$1\r\n4\r\n"},
		{[]string{"SINTER", a1, b1, a2}, "*1\r\n$1\r\n4\r\n"},
		{[]string{"SINTER", a1, keyB + "none"}, "*0\r\n"},
		{[]string{"SINTER", keyA + "none", keyB + "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SUNION", a1, b1, keyA + "none"}, "*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n"},
		{[]string{"SUNION", a1, keyB + "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SDIFF", a1, b1}, "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"},
		{[]string{"SDIFF", b1, a1, a2}, "*1\r\n$1\r\n5\r\n"},
		{[]string{"SDIFF", keyB + "none", a1}, "*0\r\n"},
		{[]string{"SDIFF", keyA + "none", keyB + "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SINTERCARD", "2", a1, b1}, ":2\r\n"},
		{[]string{"SINTERCARD", "2", a1, b1, "LIMIT", "1"}, ":1\r\n"},
		{[]string{"SINTERCARD", "2", a1, keyB + "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SINTERCARD", "2", a1, b1, "LIMIT"}, "-ERR syntax error\r\n"},
		{[]string{"SMOVE", a1, keyB + "str", "1"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SMOVE", keyA + "none", keyB + "str", "1"}, ":0\r\n"},
		{[]string{"SMOVE", keyB + "str", a1, "1"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SMOVE", a1, b1, "99"}, ":0\r\n"},
	})
	require.Empty(t, log.effects()[4:], "failed and read-only commands log nothing")

	runCollCases(t, rc, []collCase{
		{[]string{"SMOVE", a1, b1, "1"}, ":1\r\n"},
		{[]string{"SMOVE", a1, b1, "3"}, ":1\r\n"},
		{[]string{"SMOVE", a2, keyB + "new", "9"}, ":1\r\n"},
		{[]string{"SMEMBERS", b1}, "*4\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n"},
		{[]string{"SMEMBERS", a1}, "*2\r\n$1\r\n2\r\n$1\r\n4\r\n"},
		{[]string{"SMEMBERS", keyB + "new"}, "*1\r\n$1\r\n9\r\n"},
	})
	recs := log.take()
	var got []string
	for _, r := range recs {
		require.NotZero(t, r.txid)
		require.Equal(t, srv.shardOf([]byte(r.args[1])).id, r.shard, "%q", r.args)
		got = append(got, strings.Join(r.args, " "))
	}
	// The member already in the destination adds nothing there.
	require.Equal(t, []string{
		"SREM " + a1 + " 1", "SADD " + b1 + " 1",
		"SREM " + a1 + " 3",
		"SREM " + a2 + " 9", "SADD " + keyB + "new 9",
	}, got)

	// STORE forms write the result on the destination's shard, as DEL + SADD,
	// dropping any TTL.
	onShard(srv, b2, func(db *store.Table) {
		db.Set([]byte(b2), store.Entry{Str: []byte("old"), ExpireAt: 1 << 50})
	})
	runCollCases(t, rc, []collCase{
		{[]string{"SINTERSTORE", b2, a1, b1}, ":1\r\n"},
		{[]string{"SMEMBERS", b2}, "*1\r\n$1\r\n4\r\n"},
		{[]string{"SUNIONSTORE", a2, a1, b1}, ":5\r\n"},
		{[]string{"SDIFFSTORE", keyA + "d", b1, a1}, ":3\r\n"},
		{[]string{"SMEMBERS", keyA + "d"}, "*3\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n5\r\n"},
		{[]string{"SINTERSTORE", b2, a1, keyB + "none"}, ":0\r\n"},
		{[]string{"EXISTS", b2}, ":0\r\n"},
		{[]string{"SINTERSTORE", b2, a1, keyB + "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
	})
	require.Equal(t, []string{
		"DEL " + b2, "SADD " + b2 + " 4",
		"DEL " + a2, "SADD " + a2 + " 1 2 3 4 5",
		"DEL " + keyA + "d", "SADD " + keyA + "d 1 3 5",
		"DEL " + b2,
	}, log.effects())
	onShard(srv, a2, func(db *store.Table) {
		e, ok := db.Get([]byte(a2))
		require.True(t, ok)
		require.Zero(t, e.ExpireAt)
	})
}

func TestSetEffects(t *testing.T) {
	log := &collLog{}
	srv := collServer(t, 1, log)
	rc := testRaw(t, srv)
	c := testClient(t, srv)
	require.Equal(t, ":5\r\n", rc.do("SADD", "s", "a", "b", "c", "d", "e"))
	require.Equal(t, ":0\r\n", rc.do("SADD", "s", "a"))
	popped, err := c.SPopN(ctxb(), "s", 2).Result()
	require.NoError(t, err)
	require.Len(t, popped, 2)
	one, err := c.SPop(ctxb(), "s").Result()
	require.NoError(t, err)
	_, err = c.SRandMemberN(ctxb(), "s", 2).Result()
	require.NoError(t, err)
	rest, err := c.SPopN(ctxb(), "s", 10).Result()
	require.NoError(t, err)
	require.Len(t, rest, 2)
	require.Equal(t, ":0\r\n", rc.do("EXISTS", "s"))
	slices.Sort(popped)
	effects := log.effects()
	require.Len(t, effects, 4)
	require.Equal(t, "SADD s a b c d e", effects[0])
	require.Equal(t, "SREM s "+strings.Join(popped, " "), sortedEffect(effects[1]))
	require.Equal(t, "SREM s "+one, effects[2])
	require.Equal(t, "DEL s", effects[3])

	// Same-shard STORE forms log the rebuilt result too.
	rc.do("SADD", "x", "1", "2")
	rc.do("SADD", "y", "2", "3")
	log.take()
	require.Equal(t, ":3\r\n", rc.do("SUNIONSTORE", "x", "x", "y"))
	require.Equal(t, []string{"DEL x", "SADD x 1 2 3"}, log.effects())
}

// sortedEffect sorts the members of a "WORD key m..." effect.
func sortedEffect(e string) string {
	f := strings.Fields(e)
	slices.Sort(f[2:])
	return strings.Join(f, " ")
}

func setEncodingOf(t *testing.T, srv *Server, key string) (enc, layout string) {
	t.Helper()
	onShard(srv, key, func(db *store.Table) {
		e, ok := db.Get([]byte(key))
		require.True(t, ok)
		s := e.Obj.(*types.Set)
		enc, layout = s.Encoding(), s.Layout()
	})
	return enc, layout
}

func TestSetEncodings(t *testing.T) {
	srv := testServer(t, 1, "--set-max-intset-entries", "4", "--set-max-listpack-entries", "3")
	rc := testRaw(t, srv)
	rc.do("SADD", "i", "1", "2", "3", "4")
	enc, _ := setEncodingOf(t, srv, "i")
	require.Equal(t, "intset", enc)
	rc.do("SADD", "i", "5")
	enc, _ = setEncodingOf(t, srv, "i")
	require.Equal(t, "hashtable", enc)
	rc.do("SADD", "p", "a", "b", "c")
	enc, layout := setEncodingOf(t, srv, "p")
	require.Equal(t, []string{"hashtable", "listpack"}, []string{enc, layout})
	rc.do("SADD", "p", "d")
	_, layout = setEncodingOf(t, srv, "p")
	require.Equal(t, "hashtable", layout)
	// STORE results are built like any set: small integer results are intsets.
	rc.do("SADD", "j", "3", "4", "x")
	require.Equal(t, ":2\r\n", rc.do("SINTERSTORE", "d", "i", "j"))
	enc, _ = setEncodingOf(t, srv, "d")
	require.Equal(t, "intset", enc)

	// A large set scans completely in steps.
	for i := 0; i < 1000; i++ {
		rc.do("SADD", "big", fmt.Sprint("m", i))
	}
	cl := testClient(t, srv)
	seen := map[string]bool{}
	var cursor uint64
	steps := 0
	for {
		ms, next, err := cl.SScan(ctxb(), "big", cursor, "", 50).Result()
		require.NoError(t, err)
		for _, m := range ms {
			seen[m] = true
		}
		steps++
		if cursor = next; cursor == 0 {
			break
		}
	}
	require.Len(t, seen, 1000)
	require.Greater(t, steps, 5)
	ms, _, err := cl.SScan(ctxb(), "big", 0, "m99?", 100000).Result()
	require.NoError(t, err)
	slices.Sort(ms)
	require.Equal(t, []string{"m990", "m991", "m992", "m993", "m994", "m995", "m996", "m997", "m998", "m999"}, ms)
}

func TestSetRandom(t *testing.T) {
	srv := testServer(t, 1)
	c := testClient(t, srv)
	for _, members := range [][]any{{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}, {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}} {
		require.NoError(t, c.Del(ctxb(), "r").Err())
		require.NoError(t, c.SAdd(ctxb(), "r", members...).Err())
		for _, n := range []int64{1, 3, 9, 10, 20} {
			got, err := c.SRandMemberN(ctxb(), "r", n).Result()
			require.NoError(t, err)
			require.Len(t, got, int(min(n, 10)))
			seen := map[string]bool{}
			for _, m := range got {
				require.False(t, seen[m], "duplicate %q", m)
				seen[m] = true
			}
		}
		got, err := c.SRandMemberN(ctxb(), "r", -25).Result()
		require.NoError(t, err)
		require.Len(t, got, 25)
		popped, err := c.SPopN(ctxb(), "r", 4).Result()
		require.NoError(t, err)
		require.Len(t, popped, 4)
		left, err := c.SCard(ctxb(), "r").Result()
		require.NoError(t, err)
		require.Equal(t, int64(6), left)
		for _, m := range popped {
			in, err := c.SIsMember(ctxb(), "r", m).Result()
			require.NoError(t, err)
			require.False(t, in)
		}
	}
}
