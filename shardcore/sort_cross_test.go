package shardcore

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// keysOffShard returns n keys "<prefix><i>" (i from 1) and checks that they
// land on at least two shards other than home's.
func keysOffShard(t *testing.T, srv *Server, home string, prefix string, n int) {
	t.Helper()
	off := map[*Shard]bool{}
	for i := 1; i <= n; i++ {
		if sh := srv.shardOf([]byte(prefix + strconv.Itoa(i))); sh != srv.shardOf([]byte(home)) {
			off[sh] = true
		}
	}
	require.GreaterOrEqual(t, len(off), 2, "%s1..%d should span the other shards", prefix, n)
}

func TestSortCrossShardLookups(t *testing.T) {
	srv := testServer(t, 3)
	rc := testRaw(t, srv)
	keysOffShard(t, srv, "l", "w_", 6)
	keysOffShard(t, srv, "l", "o_", 6)
	keysOffShard(t, srv, "l", "h_", 6)

	rc.do("RPUSH", "l", "1", "2", "3", "4", "5", "6")
	rc.do("MSET", "w_1", "60", "w_2", "10", "w_3", "50", "w_4", "20", "w_5", "40", "o_1", "one", "o_3", "three", "o_6", "six")
	rc.do("HSET", "h_2", "name", "two")
	rc.do("HSET", "h_5", "name", "five")
	rc.do("SADD", "o_4", "not-a-string")

	// w_6 is missing: 0, first.
	require.Equal(t, "*6\r\n$1\r\n6\r\n$1\r\n2\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n3\r\n$1\r\n1\r\n", rc.do("SORT", "l", "BY", "w_*"))
	require.Equal(t, "*2\r\n$1\r\n3\r\n$1\r\n5\r\n", rc.do("SORT", "l", "BY", "w_*", "DESC", "LIMIT", "1", "2"))
	require.Equal(t, "*6\r\n$1\r\n2\r\n$-1\r\n$1\r\n5\r\n$-1\r\n$1\r\n1\r\n$3\r\none\r\n",
		rc.do("SORT", "l", "BY", "h_*->name", "ALPHA", "DESC", "LIMIT", "0", "3", "GET", "#", "GET", "o_*"))
	// A lookup of the wrong type, or a missing key or field, is nil.
	require.Equal(t, "*6\r\n$3\r\none\r\n$-1\r\n$5\r\nthree\r\n$-1\r\n$-1\r\n$3\r\nsix\r\n", rc.do("SORT_RO", "l", "GET", "o_*"))
	require.Equal(t, "*3\r\n$-1\r\n$3\r\ntwo\r\n$-1\r\n", rc.do("SORT_RO", "l", "LIMIT", "0", "3", "GET", "h_*->name"))
	rc.do("SET", "w_2", "NaN-ish")
	require.Equal(t, "-ERR One or more scores can't be converted into double\r\n", rc.do("SORT", "l", "BY", "w_*"))
	require.Equal(t, "-ERR syntax error\r\n", rc.do("SORT_RO", "l", "GET", "o_*", "STORE", "d"))
	rc.do("SET", "str", "x")
	require.Equal(t, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", rc.do("SORT", "str", "GET", "o_*"))

	// Inside MULTI the lookups run in the transaction.
	require.Equal(t, "+OK\r\n", rc.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", rc.do("SORT", "l", "BY", "nosort", "LIMIT", "0", "2", "GET", "o_*"))
	require.Equal(t, "+QUEUED\r\n", rc.do("SET", "o_2", "deux"))
	require.Equal(t, "+QUEUED\r\n", rc.do("SORT_RO", "l", "BY", "nosort", "LIMIT", "0", "2", "GET", "o_*"))
	require.Equal(t, "*3\r\n*2\r\n$3\r\none\r\n$-1\r\n+OK\r\n*2\r\n$3\r\none\r\n$4\r\ndeux\r\n", rc.do("EXEC"))
}

func TestSortCrossShardStoreLogged(t *testing.T) {
	log := &collLog{}
	srv := collServer(t, 3, log)
	rc := testRaw(t, srv)
	keysOffShard(t, srv, "l", "o_", 6)
	rc.do("RPUSH", "l", "2", "1", "3")
	rc.do("MSET", "o_1", "a", "o_2", "b")
	log.take()
	require.Equal(t, ":3\r\n", rc.do("SORT", "l", "GET", "o_*", "STORE", "dst"))
	require.Equal(t, "*3\r\n$1\r\na\r\n$1\r\nb\r\n$0\r\n\r\n", rc.do("LRANGE", "dst", "0", "-1"))
	recs := log.take()
	require.Len(t, recs, 2)
	require.Equal(t, []string{"DEL", "dst"}, recs[0].args)
	require.Equal(t, []string{"RPUSH", "dst", "a", "b", ""}, recs[1].args)
	// Tagged with the transaction, so recovery applies it whole or not at all.
	require.NotZero(t, recs[1].txid)
	require.Equal(t, srv.shardOf([]byte("dst")).id, recs[1].shard)
}

func TestSortSpreads(t *testing.T) {
	srv := testServer(t, 3)
	home := srv.shardOf([]byte("{a}l"))
	var other string
	for i := 0; other == ""; i++ {
		if tag := "{t" + strconv.Itoa(i) + "}"; srv.shardOf([]byte(tag)) != home {
			other = tag
		}
	}
	spreads := func(args ...string) bool {
		b := make([][]byte, len(args))
		for i, a := range args {
			b[i] = []byte(a)
		}
		return sortSpreads(strings.EqualFold(args[0], "sort_ro"))(srv, home, b)
	}
	require.False(t, spreads("SORT", "{a}l"))
	require.False(t, spreads("SORT", "{a}l", "BY", "{a}w_*", "GET", "#", "GET", "{a}o_*->f", "GET", "nostar"))
	require.False(t, spreads("SORT", "{a}l", "BY", "nosort", "BY", "w_*"), "no sorting: BY reads nothing")
	require.False(t, spreads("SORT", "{a}l", "GET", "x{a}y{b}*"))
	require.False(t, spreads("SORT", "{a}l", "GET", "o_*", "BADOPT"), "a syntax error replies inline")
	require.True(t, spreads("SORT", "{a}l", "BY", "w_*"))
	require.True(t, spreads("SORT_RO", "{a}l", "GET", "#", "GET", "o_*"))
	require.True(t, spreads("SORT", "{a}l", "GET", other+"o_*"))
	require.True(t, spreads("SORT", "{a}l", "GET", "{}*"), "an empty tag hashes the whole key")
	require.True(t, spreads("SORT", "{a}l", "GET", "{*}"), "the element is inside the tag")
	require.False(t, sortSpreads(false)(testServer(t, 1).shards[0].srv, nil, [][]byte{[]byte("SORT"), []byte("l"), []byte("GET"), []byte("o_*")}))
}

// A SORT reading keys on every shard sees each cross-shard MSET whole.
func TestSortCrossShardIsolation(t *testing.T) {
	srv := testServer(t, 3)
	w := testRaw(t, srv)
	keysOffShard(t, srv, "l", "o_", 6)
	w.do("RPUSH", "l", "1", "2", "3", "4", "5", "6")
	mset := func(v int) {
		args := []string{"MSET"}
		for i := 1; i <= 6; i++ {
			args = append(args, "o_"+strconv.Itoa(i), strconv.Itoa(v))
		}
		require.Equal(t, "+OK\r\n", w.do(args...))
	}
	mset(0)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for v := 1; v <= 300; v++ {
			mset(v)
		}
	}()
	r := testRaw(t, srv)
	for range 300 {
		reply := r.do("SORT_RO", "l", "BY", "nosort", "GET", "o_*")
		lines := strings.Split(reply, "\r\n")
		require.Len(t, lines, 14, reply)
		for i := 4; i < 13; i += 2 {
			require.Equal(t, lines[2], lines[i], "half an MSET seen: %q", reply)
		}
	}
	wg.Wait()
	require.Equal(t, fmt.Sprintf("*1\r\n$3\r\n%d\r\n", 300), r.do("SORT", "l", "BY", "nosort", "LIMIT", "0", "1", "GET", "o_*"))
}
