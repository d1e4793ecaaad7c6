package integration

import (
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/keeldb/keel/shardcore"
	"github.com/keeldb/keel/shardcore/resp"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Counter keys with hash tags that land on three different shards of a
// three-shard keel (checked by requireShards).
var counterKeys = []string{"ctr{a}", "ctr{b}", "ctr{c}"}

func shardOf(key string, shards int) int {
	return shardcore.Slot([]byte(key)) * shards / shardcore.NumSlots
}

func requireShards(t *testing.T, keys []string, shards, atLeast int) {
	t.Helper()
	seen := map[int]bool{}
	for _, k := range keys {
		seen[shardOf(k, shards)] = true
	}
	require.GreaterOrEqual(t, len(seen), atLeast, "keys %q span %d of %d shards", keys, len(seen), shards)
}

func bulk(s string) string { return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n" }

// pipelineScript is a mix of single-shard and cross-shard commands with the
// replies a correct server gives, computed from a model of the keyspace.
func pipelineScript(n int) (req []byte, cmds [][]string, want []string) {
	model := map[string]string{}
	counters := map[string]int64{}
	get := func(k string) string {
		if v, ok := model[k]; ok {
			return bulk(v)
		}
		return "$-1\r\n"
	}
	for i := 0; i < n; i++ {
		k := "key:" + strconv.Itoa(i%101)
		k2 := "key:" + strconv.Itoa((i*7+3)%101)
		var args []string
		var reply string
		switch i % 6 {
		case 0:
			v := "v" + strconv.Itoa(i)
			args, reply = []string{"SET", k, v}, "+OK\r\n"
			model[k] = v
		case 1:
			args, reply = []string{"GET", k}, get(k)
		case 2:
			c := counterKeys[i%len(counterKeys)]
			counters[c]++
			args, reply = []string{"INCR", c}, ":"+strconv.FormatInt(counters[c], 10)+"\r\n"
		case 3:
			v := "m" + strconv.Itoa(i)
			args, reply = []string{"MSET", k, v, k2, v + "'"}, "+OK\r\n"
			model[k], model[k2] = v, v+"'"
		case 4:
			args = []string{"MGET", k, k2, "never-set"}
			reply = "*3\r\n" + get(k) + get(k2) + "$-1\r\n"
		case 5:
			args, reply = []string{"ECHO", strconv.Itoa(i)}, bulk(strconv.Itoa(i))
		}
		req = resp.AppendCommandString(req, args...)
		cmds = append(cmds, args)
		want = append(want, reply)
	}
	return req, cmds, want
}

// TestPipeline10k sends 10,000 commands in a single write; the replies must
// come back complete and in request order although three shards answer.
func TestPipeline10k(t *testing.T) {
	const n = 10000
	keys := []string{}
	for i := 0; i < 101; i++ {
		keys = append(keys, "key:"+strconv.Itoa(i))
	}
	requireShards(t, keys, 3, 3)
	requireShards(t, counterKeys, 3, 3)
	req, cmds, want := pipelineScript(n)

	onBoth(t, []string{}, func(t *testing.T, p *proc) {
		rc := p.Raw(t)
		errc := make(chan error, 1)
		go func() { errc <- rc.Send(req) }()
		mismatches := 0
		for i := 0; i < n; i++ {
			got, err := rc.Read()
			require.NoError(t, err, "reply %d of %d (%q)", i, n, cmds[i])
			if got != want[i] {
				mismatches++
				if mismatches <= 10 {
					t.Errorf("reply %d to %q: got %q, want %q", i, cmds[i], got, want[i])
				}
			}
		}
		require.NoError(t, <-errc)
		require.Zero(t, mismatches, "replies out of order or wrong")
		require.Equal(t, "+PONG\r\n", rc.MustDo(t, "PING"), "nothing extra after the last reply")
	})
}

// TestPipelineSplitWrites feeds the same pipeline byte by byte in small,
// odd-sized writes, so that frames straddle reads.
func TestPipelineSplitWrites(t *testing.T) {
	req, cmds, want := pipelineScript(600)
	p := startKeel(t)
	rc := p.Raw(t)
	go func() {
		for off := 0; off < len(req); off += 7 {
			if rc.Send(req[off:min(off+7, len(req))]) != nil {
				return
			}
		}
	}()
	for i := range want {
		got, err := rc.Read()
		require.NoError(t, err)
		require.Equal(t, want[i], got, "reply %d to %q", i, cmds[i])
	}
}

// TestConcurrentIncr has 50 clients increment counters on three shards,
// one by one and in pipelines; the totals must be exact.
func TestConcurrentIncr(t *testing.T) {
	const clients, rounds = 50, 40
	requireShards(t, counterKeys, 3, 3)
	p := startKeel(t)
	var wg sync.WaitGroup
	for g := 0; g < clients; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := p.Client(t, 2+g%2, func(o *redis.Options) { o.PoolSize = 1 })
			for r := 0; r < rounds; r++ {
				for _, k := range counterKeys {
					if !assert.NoError(t, c.Incr(ctxb(), k).Err()) {
						return
					}
				}
				_, err := c.Pipelined(ctxb(), func(pl redis.Pipeliner) error {
					for _, k := range counterKeys {
						pl.IncrBy(ctxb(), k, 2)
						pl.Decr(ctxb(), k)
					}
					pl.MGet(ctxb(), counterKeys...)
					return nil
				})
				if !assert.NoError(t, err) {
					return
				}
			}
		}()
	}
	wg.Wait()
	c := p.Client(t, 2)
	vals, err := c.MGet(ctxb(), counterKeys...).Result()
	require.NoError(t, err)
	want := strconv.Itoa(clients * rounds * 2)
	for i, v := range vals {
		require.Equal(t, want, v, "counter %s", counterKeys[i])
	}
}

// TestCrossShardAtomicity: MSET over three shards is all-or-nothing for
// concurrent readers, as in Redis.
func TestCrossShardAtomicity(t *testing.T) {
	keys := []string{"x{a}", "x{b}", "x{c}"}
	requireShards(t, keys, 3, 3)
	p := startKeel(t)
	seed := p.Client(t, 2)
	require.NoError(t, seed.MSet(ctxb(), keys[0], 0, keys[1], 0, keys[2], 0).Err())

	const writers, readers, iters = 4, 4, 150
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := p.Client(t, 2)
			for i := 0; i < iters; i++ {
				v := strconv.Itoa(w*iters + i)
				if !assert.NoError(t, c.MSet(ctxb(), keys[0], v, keys[1], v, keys[2], v).Err()) {
					return
				}
			}
		}()
	}
	for r := 0; r < readers; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := p.Client(t, 3)
			for i := 0; i < iters; i++ {
				vals, err := c.MGet(ctxb(), keys...).Result()
				if !assert.NoError(t, err) {
					return
				}
				if !assert.True(t, vals[0] == vals[1] && vals[1] == vals[2], "torn MSET seen by MGET: %v", vals) {
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestManyConnections opens more connections than shards and checks that
// each one keeps its own state (SELECT, CLIENT SETNAME).
func TestManyConnections(t *testing.T) {
	p := startKeel(t)
	const n = 60
	conns := make([]*rawConn, n)
	for i := range conns {
		conns[i] = p.Raw(t)
		require.Equal(t, "+OK\r\n", conns[i].MustDo(t, "SELECT", strconv.Itoa(i%16)))
		require.Equal(t, "+OK\r\n", conns[i].MustDo(t, "CLIENT", "SETNAME", fmt.Sprintf("c%d", i)))
		require.Equal(t, "+OK\r\n", conns[i].MustDo(t, "SET", "who", strconv.Itoa(i%16)))
	}
	for i, rc := range conns {
		require.Equal(t, bulk(strconv.Itoa(i%16)), rc.MustDo(t, "GET", "who"))
		require.Equal(t, bulk(fmt.Sprintf("c%d", i)), rc.MustDo(t, "CLIENT", "GETNAME"))
	}
	list := p.Client(t, 2).ClientList(ctxb()).Val()
	for i := 0; i < n; i++ {
		require.Contains(t, list, fmt.Sprintf(" name=c%d ", i))
	}
	// A client that disappears mid-command must not disturb the others.
	nc := p.Raw(t)
	require.NoError(t, nc.Send([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk")))
	nc.Close()
	require.Equal(t, "+PONG\r\n", conns[0].MustDo(t, "PING"))
	require.Equal(t, "$-1\r\n", conns[0].MustDo(t, "GET", "k"))
}
