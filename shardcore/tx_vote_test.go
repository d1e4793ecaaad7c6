package shardcore

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keeldb/keel/shardcore/resp"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func TestMsetnxAcrossShardsShot(t *testing.T) {
	srv, log := testServerWithLog(t, 3)
	require.Len(t, map[*Shard]bool{srv.shardOf([]byte("{a}")): true, srv.shardOf([]byte("{b}")): true, srv.shardOf([]byte("{c}")): true}, 3)
	rc := testRaw(t, srv)

	require.Equal(t, ":1\r\n", rc.do("MSETNX", "{a}1", "x", "{b}2", "y", "{a}3", "z"))
	requireOneTx(t, log.take(), log.takeEnds(), 2, "MSET {a}1 x {a}3 z", "MSET {b}2 y")

	// One key present on one shard: nothing is set on any, and each part
	// logs only its (empty) end.
	require.Equal(t, ":0\r\n", rc.do("MSETNX", "{c}4", "n", "{b}2", "n", "{a}5", "n"))
	require.Empty(t, log.take())
	require.Len(t, log.takeEnds(), 3)
	require.Equal(t, ":0\r\n", rc.do("EXISTS", "{c}4", "{a}5"))
	require.Equal(t, "$1\r\ny\r\n", rc.do("GET", "{b}2"))

	// An expired key counts as absent.
	require.Equal(t, "+OK\r\n", rc.do("SET", "{c}6", "old", "PX", "1"))
	require.Eventually(t, func() bool { return rc.do("PTTL", "{c}6") == ":-2\r\n" }, time.Minute, time.Millisecond)
	require.Equal(t, ":1\r\n", rc.do("MSETNX", "{c}6", "new", "{a}7", "new"))
	require.Equal(t, "*2\r\n$3\r\nnew\r\n$3\r\nnew\r\n", rc.do("MGET", "{c}6", "{a}7"))

	require.Equal(t, "-ERR wrong number of arguments for 'msetnx' command\r\n", rc.do("MSETNX", "{a}8", "v", "{b}9"))
	require.Equal(t, ":0\r\n", rc.do("EXISTS", "{a}8"))

	// Inside MULTI it runs in the transaction, as before.
	require.Equal(t, "+OK\r\n", rc.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", rc.do("MSETNX", "{a}10", "v", "{b}10", "v"))
	require.Equal(t, "+QUEUED\r\n", rc.do("MSETNX", "{a}10", "w", "{c}10", "w"))
	require.Equal(t, "*2\r\n:1\r\n:0\r\n", rc.do("EXEC"))
}

// Clients racing MSETNX over the same keys on several shards: exactly one
// wins each round, and every key holds the winner's value.
func TestMsetnxAcrossShardsIsolation(t *testing.T) {
	srv := testServer(t, 3)
	const clients, rounds = 6, 40
	var wins [rounds]atomic.Int32
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := testClient(t, srv)
			for r := range rounds {
				p := strconv.Itoa(r)
				v := strconv.Itoa(c)
				ok, err := cl.MSetNX(ctxb(), "{a}"+p, v, "{b}"+p, v, "{c}"+p, v).Result()
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					wins[r].Add(1)
				}
			}
		}()
	}
	wg.Wait()
	cl := testClient(t, srv)
	for r := range rounds {
		require.EqualValues(t, 1, wins[r].Load(), "round %d", r)
		p := strconv.Itoa(r)
		vals, err := cl.MGet(ctxb(), "{a}"+p, "{b}"+p, "{c}"+p).Result()
		require.NoError(t, err)
		require.Equal(t, vals[0], vals[1])
		require.Equal(t, vals[0], vals[2])
	}
}

func TestExecWatchAcrossShards(t *testing.T) {
	srv, log := testServerWithLog(t, 3)
	other := testRaw(t, srv)
	rc := testRaw(t, srv)
	for _, changed := range []string{"{a}w", "{b}w", "{c}w"} {
		// Any watched key changed, on any shard: nothing runs anywhere.
		require.Equal(t, "+OK\r\n", rc.do("WATCH", "{a}w", "{b}w"))
		require.Equal(t, "+OK\r\n", rc.do("WATCH", "{c}w"))
		require.Equal(t, "+OK\r\n", other.do("SET", changed, "changed"))
		log.take()
		log.takeEnds()
		require.Equal(t, "+OK\r\n", rc.do("MULTI"))
		require.Equal(t, "+QUEUED\r\n", rc.do("SET", "{a}k", "1"))
		require.Equal(t, "+QUEUED\r\n", rc.do("INCR", "{b}n"))
		require.Equal(t, "*-1\r\n", rc.do("EXEC"))
		require.Empty(t, log.take())
		require.Len(t, log.takeEnds(), 3, "empty parts")
		require.Equal(t, ":0\r\n", rc.do("EXISTS", "{a}k", "{b}n"))

		// Unchanged: it all runs, as one transaction.
		require.Equal(t, "+OK\r\n", rc.do("WATCH", "{a}w", "{b}w", "{c}w"))
		require.Equal(t, "+OK\r\n", rc.do("MULTI"))
		require.Equal(t, "+QUEUED\r\n", rc.do("SET", "{a}k", "1"))
		require.Equal(t, "+QUEUED\r\n", rc.do("INCR", "{b}n"))
		require.Equal(t, "*2\r\n+OK\r\n:1\r\n", rc.do("EXEC"))
		recs := log.take()
		require.Len(t, recs, 2)
		require.Equal(t, recs[0].txid, recs[1].txid)
		require.Len(t, log.takeEnds(), 3, "the watched shard takes part too")
		require.Equal(t, ":2\r\n", rc.do("DEL", "{a}k", "{b}n"))

		// EXEC dropped the watches on every shard.
		require.Equal(t, "+OK\r\n", other.do("SET", changed, "again"))
		require.Equal(t, "+OK\r\n", rc.do("MULTI"))
		require.Equal(t, "+QUEUED\r\n", rc.do("GET", "{a}k"))
		require.Equal(t, "*1\r\n$-1\r\n", rc.do("EXEC"))
	}
	// A watched key that expired counts as changed.
	require.Equal(t, "+OK\r\n", other.do("SET", "{c}e", "v", "PX", "1"))
	require.Equal(t, "+OK\r\n", rc.do("WATCH", "{a}w", "{c}e"))
	require.Eventually(t, func() bool { return other.do("PTTL", "{c}e") == ":-2\r\n" }, time.Minute, time.Millisecond)
	require.Equal(t, "+OK\r\n", rc.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", rc.do("SET", "{b}k", "1"))
	require.Equal(t, "*-1\r\n", rc.do("EXEC"))
}

// Check-and-set transfers between keys on two shards, under WATCH: no
// update is lost, and the two keys always move together.
func TestExecWatchAcrossShardsIsolation(t *testing.T) {
	srv := testServer(t, 3)
	const clients, each = 4, 40
	cl := testClient(t, srv)
	require.NoError(t, cl.MSet(ctxb(), "{a}x", 0, "{b}y", 0).Err())
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := testClient(t, srv)
			for done := 0; done < each; {
				err := cl.Watch(ctxb(), func(tx *redis.Tx) error {
					vals, err := tx.MGet(ctxb(), "{a}x", "{b}y").Result()
					if err != nil {
						return err
					}
					x, _ := strconv.Atoi(vals[0].(string))
					y, _ := strconv.Atoi(vals[1].(string))
					_, err = tx.TxPipelined(ctxb(), func(p redis.Pipeliner) error {
						p.Set(ctxb(), "{a}x", x+1, 0)
						p.Set(ctxb(), "{b}y", y+1, 0)
						return nil
					})
					return err
				}, "{a}x", "{b}y")
				switch {
				case err == nil:
					done++
				case err != redis.TxFailedErr:
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	vals, err := cl.MGet(ctxb(), "{a}x", "{b}y").Result()
	require.NoError(t, err)
	require.Equal(t, []any{strconv.Itoa(clients * each), strconv.Itoa(clients * each)}, vals)
}

// Voting shots of one pass share its transaction, in order: each check sees
// the runs of the shots before it, on every participant.
func TestVotingShotsOfOnePassInOrder(t *testing.T) {
	srv, log := testServerWithLog(t, 2)
	keyOn := func(sh *Shard, prefix string) []byte {
		for i := 0; ; i++ {
			if k := []byte(prefix + strconv.Itoa(i)); srv.shardOf(k) == sh {
				return k
			}
		}
	}
	// setShot sets prefix's key on each shard; voting, only if none exists.
	setShot := func(prefix string, vote bool, done func(o *shot)) *shot {
		o := newShot(srv.shards, true, 2)
		o.vote = vote
		for j := range o.parts {
			key := keyOn(o.parts[j].sh, prefix)
			args := [][]byte{[]byte("SET"), key, []byte("v")}
			o.parts[j].run = func(x *Shard, t *tx, w *resp.Writer) { x.execute(commands["set"], 0, args, w, nil, t) }
			o.parts[j].check = func(x *Shard) bool {
				_, found := x.dbs[0].Get(key)
				return !found
			}
		}
		o.done = func(*Shard) { done(o) }
		return o
	}
	results := make(chan string, 4)
	report := func(name string) func(o *shot) {
		return func(o *shot) {
			results <- name + ":" + strconv.FormatBool(o.failed()) + ":" + string(o.parts[0].out.Bytes()) + string(o.parts[1].out.Bytes())
		}
	}
	srv.shards[0].post(message{ctrl: true, fn: func(s *Shard) {
		s.startShot(setShot("a", false, report("set a")))
		s.startShot(setShot("a", true, report("nx a")))
		s.startShot(setShot("b", true, report("nx b")))
		s.startShot(setShot("b", true, report("nx b again")))
	}})
	var got []string
	for range 4 {
		got = append(got, <-results)
	}
	require.Equal(t, []string{
		"set a:false:+OK\r\n+OK\r\n",
		"nx a:true:",
		"nx b:false:+OK\r\n+OK\r\n",
		"nx b again:true:",
	}, got)
	recs, ends := log.take(), log.takeEnds()
	require.Len(t, recs, 4)
	for _, r := range recs {
		require.Equal(t, recs[0].txid, r.txid)
	}
	require.Len(t, ends, 2)
}
