package shardcore

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/keeldb/keel/shardcore/resp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scanPageOf decodes a SCAN reply into its cursor and keys.
func scanPageOf(t *testing.T, raw string) (string, []string) {
	t.Helper()
	v, err := resp.ParseReply([]byte(raw))
	require.NoError(t, err, raw)
	require.Equal(t, byte('*'), v.Kind, raw)
	require.Len(t, v.Array, 2, raw)
	var keys []string
	for _, k := range v.Array[1].Array {
		keys = append(keys, k.Str)
	}
	return v.Array[0].Str, keys
}

// keysPerShard sets n keys on every shard and returns them by shard.
func keysPerShard(t *testing.T, srv *Server, n int) [][]string {
	t.Helper()
	rc := testRaw(t, srv)
	out := make([][]string, srv.Shards())
	for i, placed := 0, 0; placed < n*len(out); i++ {
		k := "key:" + strconv.Itoa(i)
		si := shardIndex(srv, k)
		if len(out[si]) == n {
			continue
		}
		require.Equal(t, "+OK\r\n", rc.do("SET", k, "v"))
		out[si] = append(out[si], k)
		placed++
	}
	return out
}

// A SCAN step holds only the shard its cursor names: while a transaction
// holds shard 2, steps over shards 0 and 1 complete, run inline or
// forwarded, and a step naming shard 2 is served once it is free.
func TestScanHoldsOneShard(t *testing.T) {
	srv := testServer(t, 3)
	keys := keysPerShard(t, srv, 5)
	conns := connsOnShards(t, srv)
	hold := srv.lockShards([]*Shard{srv.shards[2]}, false)
	held := true
	defer func() {
		if held {
			hold.finish()
		}
	}()

	// rawConn.read's deadline is the bound on "completes".
	for _, c := range []shardConn{conns[0], conns[1]} {
		cur, got := scanPageOf(t, c.do("SCAN", "0", "COUNT", "1000"))
		assert.Equal(t, "1", cur, "conn on shard %d", c.shard)
		assert.ElementsMatch(t, keys[0], got, "conn on shard %d", c.shard)
		cur, got = scanPageOf(t, c.do("SCAN", "1", "COUNT", "1000"))
		assert.Equal(t, "2", cur, "conn on shard %d", c.shard)
		assert.ElementsMatch(t, keys[1], got, "conn on shard %d", c.shard)
	}

	conns[0].send("SCAN", "2", "COUNT", "1000")
	held = false
	hold.finish()
	cur, got := scanPageOf(t, conns[0].read())
	assert.Equal(t, "0", cur)
	assert.ElementsMatch(t, keys[2], got)
}

// Without writes during the iteration, a full SCAN loop returns every key
// exactly once, whatever the shard count and COUNT, and visits the shards
// in order.
func TestScanEveryKeyOnce(t *testing.T) {
	for _, shards := range []int{1, 2, 3, 4} {
		srv := testServer(t, shards)
		byShard := keysPerShard(t, srv, 60)
		rc := testRaw(t, srv)
		for _, count := range []string{"1", "10", "1000"} {
			t.Run(fmt.Sprintf("shards=%d/count=%s", shards, count), func(t *testing.T) {
				seen := map[string]int{}
				cursor, last := "0", 0
				for calls := 0; ; calls++ {
					require.Less(t, calls, 10000, "scan does not end")
					var got []string
					cursor, got = scanPageOf(t, rc.do("SCAN", cursor, "COUNT", count))
					for _, k := range got {
						seen[k]++
					}
					if cursor == "0" {
						break
					}
					n, err := strconv.ParseUint(cursor, 10, 64)
					require.NoError(t, err)
					si := int(n & (1<<shardBits(shards) - 1))
					require.GreaterOrEqual(t, si, last, "cursor %s goes back a shard", cursor)
					last = si
				}
				total := 0
				for _, ks := range byShard {
					for _, k := range ks {
						assert.Equal(t, 1, seen[k], "key %s", k)
						total++
					}
				}
				assert.Len(t, seen, total)
			})
		}
	}
}

// SCAN queued in MULTI runs on the shard its cursor names, in each of
// EXEC's paths: inline, a shot over other shards, and the held
// transaction (with a connection command or an all-shard command queued).
func TestScanInExec(t *testing.T) {
	srv := testServer(t, 3)
	keysPerShard(t, srv, 8)
	conns := connsOnShards(t, srv)
	rc := conns[0]
	// Pages of stable tables repeat: outside EXEC they give the expected
	// replies.
	page := func(cursor string) string { return rc.do("SCAN", cursor, "COUNT", "3") }
	p0, p1, p2 := page("0"), page("1"), page("2")
	cur1, _ := scanPageOf(t, p1)
	require.NotEqual(t, "2", cur1, "shard 1 fills more than one page")
	p1next := page(cur1)
	watched := ""
	for i := 0; watched == ""; i++ {
		if k := "w" + strconv.Itoa(i); shardIndex(srv, k) == 1 {
			watched = k
		}
	}

	for _, tc := range []struct {
		name  string
		watch bool
		cmds  [][]string
		want  []string
	}{
		{"here", false, [][]string{{"SCAN", "0", "COUNT", "3"}}, []string{p0}},
		{"shot", false, [][]string{{"SCAN", "1", "COUNT", "3"}, {"SCAN", "2", "COUNT", "3"}, {"SCAN", cur1, "COUNT", "3"}}, []string{p1, p2, p1next}},
		{"watched shot", true, [][]string{{"SCAN", "0", "COUNT", "3"}}, []string{p0}},
		{"with a connection command", false, [][]string{{"SCAN", "2", "COUNT", "3"}, {"PING"}, {"SCAN", "0", "COUNT", "3"}}, []string{p2, "+PONG\r\n", p0}},
		{"with an all-shard command", false, [][]string{{"SCAN", "1", "COUNT", "3"}, {"DBSIZE"}}, []string{p1, ":24\r\n"}},
		{"bad cursors", false, [][]string{{"SCAN", "x"}, {"SCAN", "3"}, {"SCAN", "1", "COUNT", "0"}, {"SCAN", "2", "COUNT", "3"}}, []string{"-ERR invalid cursor\r\n", "*2\r\n$1\r\n0\r\n*0\r\n", "-ERR syntax error\r\n", p2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.watch {
				require.Equal(t, "+OK\r\n", rc.do("WATCH", watched))
			}
			require.Equal(t, "+OK\r\n", rc.do("MULTI"))
			for _, cmd := range tc.cmds {
				require.Equal(t, "+QUEUED\r\n", rc.do(cmd...))
			}
			want := "*" + strconv.Itoa(len(tc.want)) + "\r\n"
			for _, w := range tc.want {
				want += w
			}
			assert.Equal(t, want, rc.do("EXEC"))
		})
	}

	// A watched key written elsewhere still aborts the transaction.
	require.Equal(t, "+OK\r\n", rc.do("WATCH", watched))
	require.Equal(t, "+OK\r\n", conns[1].do("SET", watched, "x"))
	require.Equal(t, "+OK\r\n", rc.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", rc.do("SCAN", "1"))
	assert.Equal(t, "*-1\r\n", rc.do("EXEC"))
}

// Each SCAN call counts once in INFO commandstats and the slow log,
// wherever it runs.
func TestScanStats(t *testing.T) {
	srv := testServer(t, 3)
	keysPerShard(t, srv, 4)
	conns := connsOnShards(t, srv)
	rc := conns[0]
	rc.do("CONFIG", "SET", "slowlog-log-slower-than", "0")
	rc.do("SLOWLOG", "RESET")
	rc.do("CONFIG", "RESETSTAT")
	rc.do("SCAN", "0")          // inline
	rc.do("SCAN", "1")          // forwarded
	conns[2].do("SCAN", "2")    // inline on another connection's shard
	rc.do("SCAN", "x")          // failed
	rc.do("SCAN", "0", "COUNT") // failed
	rc.do("SCAN")               // rejected
	rc.do("MULTI")
	rc.do("SCAN", "2")
	rc.do("SCAN", "0")
	rc.do("EXEC")
	assert.Equal(t, "calls=7,rejected_calls=1,failed_calls=2", counts(t, rc.rawConn, "scan"))

	v, err := resp.ParseReply([]byte(rc.do("SLOWLOG", "GET", "-1")))
	require.NoError(t, err)
	scans := 0
	for _, e := range v.Array {
		if args := e.Array[3].Array; len(args) > 0 && args[0].Str == "SCAN" {
			scans++
		}
	}
	assert.Equal(t, 7, scans)
}
