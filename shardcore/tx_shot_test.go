package shardcore

import (
	"strings"
	"time"

	"github.com/keeldb/keel/shardcore/resp"
	"github.com/redis/go-redis/v9"
	"reflect"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// The commands run as shots are exactly those whose Multi is one
// split-and-combine step (after a check of every part for MSETNX), with
// the matching combination.
func TestSplitReducersMatchMulti(t *testing.T) {
	fn := func(f any) uintptr { return reflect.ValueOf(f).Pointer() }
	want := map[string]struct{ multi, reduce any }{
		"del":    {multiSum, reduceSum},
		"unlink": {multiSum, reduceSum},
		"exists": {multiSum, reduceSum},
		"touch":  {multiSum, reduceSum},
		"mget":   {multiGather, reduceGather},
		"mset":   {multiMset, reduceAllOK},
		"msetnx": {multiMsetnx, reduceAllSet},
	}
	require.Len(t, splitReducers, len(want))
	for name, w := range want {
		cmd := commands[name]
		require.NotNil(t, cmd, name)
		require.Equal(t, fn(w.multi), fn(cmd.Multi), name)
		require.Equal(t, fn(w.reduce), fn(splitReducerOf(cmd)), name)
	}
	require.Nil(t, splitReducerOf(commands["sunionstore"]))
}

// requireOneTx checks that recs, what one write logged, are the parts of
// one transaction, logged as cmds (in any order), and that every end record
// closes it with parts participants.
func requireOneTx(t *testing.T, recs, ends []loggedEffect, parts int, cmds ...string) {
	t.Helper()
	require.Len(t, recs, len(cmds))
	require.NotZero(t, recs[0].txid)
	got := make([]string, len(recs))
	for i, r := range recs {
		require.Equal(t, recs[0].txid, r.txid)
		got[i] = r.cmd
	}
	require.ElementsMatch(t, cmds, got)
	require.Len(t, ends, parts)
	for _, e := range ends {
		require.Equal(t, recs[0].txid, e.txid)
		require.Equal(t, parts, e.parts)
	}
}

func TestSplitCommandsAcrossShards(t *testing.T) {
	srv, log := testServerWithLog(t, 2)
	require.NotEqual(t, srv.shardOf([]byte("{a}")), srv.shardOf([]byte("{b}")))
	rc := testRaw(t, srv)
	require.Equal(t, "+OK\r\n", rc.do("MSET", "{a}1", "x", "{b}2", "y", "{a}3", "z"))
	recs := log.take()
	requireOneTx(t, recs, log.takeEnds(), 2, "MSET {a}1 x {a}3 z", "MSET {b}2 y")
	require.NotEqual(t, recs[0].shard, recs[1].shard)

	require.Equal(t, "*4\r\n$1\r\nx\r\n$1\r\ny\r\n$-1\r\n$1\r\nz\r\n", rc.do("MGET", "{a}1", "{b}2", "{b}none", "{a}3"))
	require.Equal(t, ":3\r\n", rc.do("EXISTS", "{a}1", "{b}2", "{b}none", "{a}1"))
	require.Equal(t, ":2\r\n", rc.do("TOUCH", "{a}1", "{b}2", "{b}none"))
	require.Empty(t, log.takeEnds(), "reads close no log part")
	require.Equal(t, ":2\r\n", rc.do("DEL", "{a}1", "{b}2", "{b}none"))
	require.Len(t, log.take(), 2)
	require.Len(t, log.takeEnds(), 2)
	require.Equal(t, ":1\r\n", rc.do("UNLINK", "{a}3", "{b}2"))
	require.Len(t, log.take(), 1)
	require.Len(t, log.takeEnds(), 2, "a write closes every part, empty or not")

	// A key without its value applies nowhere.
	require.Equal(t, "-ERR wrong number of arguments for 'mset' command\r\n", rc.do("MSET", "{a}1", "x", "{b}2"))
	require.Equal(t, ":0\r\n", rc.do("EXISTS", "{a}1", "{b}2"))
	require.Empty(t, log.take())
}

func TestExecLogsOneTransaction(t *testing.T) {
	srv, log := testServerWithLog(t, 2)
	// Several connections, so that both the connection's own shard and the
	// other one run a single-shard transaction.
	for i := range 4 {
		rc := testRaw(t, srv)
		require.Equal(t, "+OK\r\n", rc.do("MULTI"))
		require.Equal(t, "+QUEUED\r\n", rc.do("SET", "{a}x", strconv.Itoa(i)))
		require.Equal(t, "+QUEUED\r\n", rc.do("INCR", "{a}n"))
		require.Equal(t, "+QUEUED\r\n", rc.do("GET", "{a}x"))
		require.Equal(t, "*3\r\n+OK\r\n:"+strconv.Itoa(i+1)+"\r\n$1\r\n"+strconv.Itoa(i)+"\r\n", rc.do("EXEC"))
		recs, ends := log.take(), log.takeEnds()
		require.Len(t, recs, 2)
		require.NotZero(t, recs[0].txid)
		require.Equal(t, recs[0].txid, recs[1].txid)
		require.Equal(t, []loggedEffect{{shard: recs[0].shard, txid: recs[0].txid, parts: 1}}, ends)

		// Reads only, or writes that change nothing: no transaction logged.
		require.Equal(t, "+OK\r\n", rc.do("MULTI"))
		require.Equal(t, "+QUEUED\r\n", rc.do("GET", "{a}x"))
		require.Equal(t, "+QUEUED\r\n", rc.do("DEL", "{a}none"))
		require.Equal(t, "*2\r\n$1\r\n"+strconv.Itoa(i)+"\r\n:0\r\n", rc.do("EXEC"))
		require.Empty(t, log.take())
		require.Empty(t, log.takeEnds())

		// Commands on two shards: one part each, one id.
		require.Equal(t, "+OK\r\n", rc.do("MULTI"))
		require.Equal(t, "+QUEUED\r\n", rc.do("SET", "{a}x", "a"))
		require.Equal(t, "+QUEUED\r\n", rc.do("GET", "{b}y"))
		require.Equal(t, "+QUEUED\r\n", rc.do("SET", "{a}x", "b"))
		require.Equal(t, "*3\r\n+OK\r\n$-1\r\n+OK\r\n", rc.do("EXEC"))
		recs, ends = log.take(), log.takeEnds()
		require.Len(t, recs, 2)
		require.Equal(t, recs[0].txid, recs[1].txid)
		require.Len(t, ends, 2)
		require.NotEqual(t, ends[0].shard, ends[1].shard)
		for _, e := range ends {
			require.Equal(t, recs[0].txid, e.txid)
			require.Equal(t, 2, e.parts)
		}
	}
}

// WATCH on the transaction's only shard, and on a shard it has no command
// on, whichever shard the connection lives on.
func TestExecWatchOneShard(t *testing.T) {
	srv := testServer(t, 2)
	other := testRaw(t, srv)
	for range 4 {
		rc := testRaw(t, srv)
		for _, watched := range []string{"{a}w", "{b}w"} {
			require.Equal(t, "+OK\r\n", rc.do("WATCH", watched))
			require.Equal(t, "+OK\r\n", other.do("SET", watched, "changed"))
			require.Equal(t, "+OK\r\n", rc.do("MULTI"))
			require.Equal(t, "+QUEUED\r\n", rc.do("SET", "{a}k", "1"))
			require.Equal(t, "*-1\r\n", rc.do("EXEC"))
			require.Equal(t, "$-1\r\n", rc.do("GET", "{a}k"))

			require.Equal(t, "+OK\r\n", rc.do("WATCH", watched))
			require.Equal(t, "+OK\r\n", rc.do("MULTI"))
			require.Equal(t, "+QUEUED\r\n", rc.do("SET", "{a}k", "1"))
			require.Equal(t, "*1\r\n+OK\r\n", rc.do("EXEC"))
			require.Equal(t, ":1\r\n", rc.do("DEL", "{a}k"))

			// EXEC dropped the watches: a later change aborts nothing.
			require.Equal(t, "+OK\r\n", other.do("SET", watched, "again"))
			require.Equal(t, "+OK\r\n", rc.do("MULTI"))
			require.Equal(t, "*0\r\n", rc.do("EXEC"))

			// A watched key that expires counts as changed.
			require.Equal(t, "+OK\r\n", other.do("SET", watched, "v", "PX", "1"))
			require.Equal(t, "+OK\r\n", rc.do("WATCH", watched))
			require.Eventually(t, func() bool { return other.do("PTTL", watched) == ":-2\r\n" }, time.Minute, time.Millisecond)
			require.Equal(t, "+OK\r\n", rc.do("MULTI"))
			require.Equal(t, "*-1\r\n", rc.do("EXEC"))
		}
	}
}

// A client blocked on a key that a transaction pushes to twice is served
// after the whole transaction, as in Redis.
func TestExecWakesBlockedClientAfterwards(t *testing.T) {
	srv := testServer(t, 2)
	for i := range 4 {
		key := "{a}list" + strconv.Itoa(i)
		blocked, rc := testRaw(t, srv), testRaw(t, srv)
		_, err := blocked.nc.Write([]byte("BLPOP " + key + " 0\r\n"))
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			return strings.Contains(rc.do("INFO", "clients"), "blocked_clients:1\r\n")
		}, time.Minute, time.Millisecond)
		require.Equal(t, "+OK\r\n", rc.do("MULTI"))
		require.Equal(t, "+QUEUED\r\n", rc.do("LPUSH", key, "x"))
		require.Equal(t, "+QUEUED\r\n", rc.do("LPUSH", key, "y"))
		require.Equal(t, "*2\r\n:1\r\n:2\r\n", rc.do("EXEC"))
		require.Equal(t, "*2\r\n$"+strconv.Itoa(len(key))+"\r\n"+key+"\r\n$1\r\ny\r\n", blocked.read())
		require.Equal(t, "*1\r\n$1\r\nx\r\n", rc.do("LRANGE", key, "0", "-1"))
	}
}

// Transfers between two keys of one shard, from connections on every
// shard, keep the total constant in every read: transactions and MGETs.
func TestExecOneShardIsolation(t *testing.T) {
	srv := testServer(t, 2)
	c := testClient(t, srv)
	require.NoError(t, c.MSet(ctxb(), "{a}x", 1000, "{a}y", 1000).Err())
	stop := make(chan struct{})
	var readers []<-chan struct{}
	for i := 0; i < 2; i++ {
		readers = append(readers, pollUntil(t, srv, stop, func(cl *redis.Client) bool {
			cmds, err := cl.TxPipelined(ctxb(), func(p redisPipeliner) error {
				p.Get(ctxb(), "{a}x")
				p.Get(ctxb(), "{a}y")
				return nil
			})
			if err != nil {
				t.Error(err)
				return false
			}
			a, b := cmds[0].(*redis.StringCmd).Val(), cmds[1].(*redis.StringCmd).Val()
			if sum(a, b) != 2000 {
				t.Errorf("torn transaction read: %s + %s", a, b)
				return false
			}
			vals, err := cl.MGet(ctxb(), "{a}x", "{a}y").Result()
			if err != nil {
				t.Error(err)
				return false
			}
			if sum(vals[0].(string), vals[1].(string)) != 2000 {
				t.Errorf("torn read: %v", vals)
				return false
			}
			return true
		}))
	}
	runTransfers(t, srv, "{a}x", "{a}y")
	close(stop)
	for _, r := range readers {
		<-r
	}
}

// MSETs over two shards are never seen half applied, by MGET or by reads
// of one key after the other on two connections.
func TestMsetAcrossShardsIsolation(t *testing.T) {
	srv := testServer(t, 2)
	c := testClient(t, srv)
	require.NoError(t, c.MSet(ctxb(), "{a}v", 0, "{b}v", 0).Err())
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := testClient(t, srv)
			for j := 0; j < 300; j++ {
				if err := cl.MSet(ctxb(), "{a}v", j, "{b}v", j).Err(); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	stop := make(chan struct{})
	done := pollUntil(t, srv, stop, func(cl *redis.Client) bool {
		vals, err := cl.MGet(ctxb(), "{a}v", "{b}v").Result()
		if err != nil {
			t.Error(err)
			return false
		}
		if vals[0] != vals[1] {
			t.Errorf("torn MSET: %v", vals)
			return false
		}
		return true
	})
	wg.Wait()
	close(stop)
	<-done
}

// Shots started in one pass run as one transaction: one id, one end record
// per participant, and each shot answered with its own reply.
func TestShotsOfOnePassShareATransaction(t *testing.T) {
	srv, log := testServerWithLog(t, 2)
	keyOn := func(sh *Shard, prefix string) []byte {
		for i := 0; ; i++ {
			if k := []byte(prefix + strconv.Itoa(i)); srv.shardOf(k) == sh {
				return k
			}
		}
	}
	replies := make(chan string, 3)
	srv.shards[0].post(message{ctrl: true, fn: func(s *Shard) {
		for i := range 3 {
			o := newShot(srv.shards, true, 2)
			for j := range o.parts {
				args := [][]byte{[]byte("SET"), keyOn(o.parts[j].sh, "k"+strconv.Itoa(i)+"-"), []byte("v")}
				o.parts[j].run = func(x *Shard, t *tx, w *resp.Writer) { x.execute(commands["set"], 0, args, w, nil, t) }
			}
			o.done = func(*Shard) {
				replies <- strconv.Itoa(i) + ":" + string(o.parts[0].out.Bytes()) + string(o.parts[1].out.Bytes())
			}
			s.startShot(o)
		}
	}})
	var got []string
	for range 3 {
		got = append(got, <-replies)
	}
	require.Equal(t, []string{"0:+OK\r\n+OK\r\n", "1:+OK\r\n+OK\r\n", "2:+OK\r\n+OK\r\n"}, got)
	recs, ends := log.take(), log.takeEnds()
	require.Len(t, recs, 6)
	for _, r := range recs {
		require.Equal(t, recs[0].txid, r.txid)
	}
	require.Len(t, ends, 2)
	for _, e := range ends {
		require.Equal(t, recs[0].txid, e.txid)
		require.Equal(t, 2, e.parts)
	}
	require.NotEqual(t, ends[0].shard, ends[1].shard)
}
