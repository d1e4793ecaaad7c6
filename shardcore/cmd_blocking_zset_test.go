package shardcore

import (
	"fmt"
	"math/rand"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Replies and errors as Redis 7.0 writes them (checked against
// redis-server 7.0.15).
func TestBZPopImmediateAndErrors(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	for _, tc := range [][]string{
		{"-ERR timeout is not a float or out of range", "BZPOPMIN", "z", "x"},
		{"-ERR timeout is negative", "BZPOPMAX", "z", "-1"},
		{"-ERR timeout is negative", "BZPOPMIN", "z", "inf"},
		{"-ERR timeout is negative", "BZPOPMIN", "z", "1e400"},
		{"-ERR numkeys should be greater than 0", "BZMPOP", "x", "0", "z", "MIN"},
		{"-ERR syntax error", "BZMPOP", "x", "1", "z", "MIDDLE"},
		{"-ERR count should be greater than 0", "BZMPOP", "-1", "1", "z", "MIN", "COUNT", "0"},
		{"-ERR timeout is not a float or out of range", "BZMPOP", "x", "1", "z", "MIN"},
		{"-ERR timeout is negative", "BZMPOP", "-1", "1", "z", "MAX"},
		{"-ERR numkeys should be greater than 0", "BLMPOP", "x", "0", "k", "LEFT"},
		{"-ERR wrong number of arguments for 'bzmpop' command", "BZMPOP", "0", "0", "z"},
		{"-ERR wrong number of arguments for 'bzpopmin' command", "BZPOPMIN", "z"},
	} {
		assert.Equal(t, tc[0]+"\r\n", rc.do(tc[1:]...), "%q", tc[1:])
	}
	assert.Contains(t, rc.do("COMMAND", "INFO", "bzpopmin"), "*4\r\n+write\r\n+noscript\r\n+blocking\r\n+fast\r\n")
	assert.Contains(t, rc.do("COMMAND", "INFO", "bzmpop"), "*3\r\n+write\r\n+blocking\r\n+movablekeys\r\n")
	assert.Equal(t, "*-1\r\n", rc.do("BZPOPMIN", "{a}z", "{b}z", "0.01"))
	assert.Equal(t, "*-1\r\n", rc.do("BZMPOP", "0.01", "2", "{a}z", "{b}z", "MIN"))

	rc.do("ZADD", "{b}z", "1", "a", "2", "b", "3", "c")
	assert.Equal(t, "*3\r\n$4\r\n{b}z\r\n$1\r\na\r\n$1\r\n1\r\n", rc.do("BZPOPMIN", "{a}z", "{b}z", "0"))
	assert.Equal(t, "*2\r\n$4\r\n{b}z\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n", rc.do("BZMPOP", "0", "2", "{a}z", "{b}z", "MAX", "COUNT", "5"))
	assert.Equal(t, ":0\r\n", rc.do("EXISTS", "{b}z"))
	rc.do("ZADD", "{a}z", "1.5", "a", "inf", "b")
	assert.Equal(t, "*3\r\n$4\r\n{a}z\r\n$1\r\nb\r\n$3\r\ninf\r\n", rc.do("BZPOPMAX", "{b}z", "{a}z", "0"))
	rc.do("SET", "{a}s", "v")
	assert.Equal(t, "-"+errWrongType+"\r\n", rc.do("BZPOPMIN", "{b}z", "{a}s", "0"))
	assert.Equal(t, "-"+errWrongType+"\r\n", rc.do("BZMPOP", "0", "1", "{a}s", "MIN"))

	require.Equal(t, "%7\r\n", rc.do("HELLO", "3")[:4])
	assert.Equal(t, "*3\r\n$4\r\n{a}z\r\n$1\r\na\r\n,1.5\r\n", rc.do("BZPOPMIN", "{a}z", "0"))
	rc.do("ZADD", "{a}z", "1", "a", "2", "b", "3", "c")
	assert.Equal(t, "*2\r\n$4\r\n{a}z\r\n*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2\r\n", rc.do("BZMPOP", "0", "1", "{a}z", "MIN", "COUNT", "2"))
	assert.Equal(t, "_\r\n", rc.do("BZPOPMIN", "{b}z", "0.01"))
	assert.Equal(t, "_\r\n", rc.do("BZMPOP", "0.01", "2", "{a}x", "{b}z", "MIN"))
}

func TestBZPopInsideMulti(t *testing.T) {
	log := &collLog{}
	srv := collServer(t, 2, log)
	rc := testRaw(t, srv)
	rc.do("ZADD", "{a}z", "1", "a", "2", "b", "3", "c")
	log.take()
	rc.do("MULTI")
	for _, args := range [][]string{
		{"BZPOPMIN", "{b}z", "0"}, {"BZMPOP", "0", "1", "{b}z", "MIN"}, {"BZPOPMIN", "{b}z", "-1"},
		{"BZPOPMIN", "{a}z", "{b}z", "0"}, {"BZMPOP", "0", "2", "{b}z", "{a}z", "MAX", "COUNT", "1"},
	} {
		assert.Equal(t, "+QUEUED\r\n", rc.do(args...))
	}
	assert.Equal(t, "*5\r\n*-1\r\n*-1\r\n-ERR timeout is negative\r\n*3\r\n$4\r\n{a}z\r\n$1\r\na\r\n$1\r\n1\r\n"+
		"*2\r\n$4\r\n{a}z\r\n*1\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n", rc.do("EXEC"))
	assert.Equal(t, []string{"ZREM {a}z a", "ZREM {a}z c"}, log.effects())
	assert.Equal(t, 0, armed(srv, "{a}z"))
}

// A blocked client is woken by ZADD on either shard; the log holds only
// the ZADD and the ZREM of the pop.
func TestBZPopWake(t *testing.T) {
	log := &collLog{}
	srv := collServer(t, 2, log)
	adder := testRaw(t, srv)
	cases := []struct {
		block []string
		add   []string
		want  string
		left  string
	}{
		{[]string{"BZPOPMIN", "{a}z", "{b}z", "0"}, []string{"ZADD", "{b}z", "2", "y", "1", "x"}, "*3\r\n$4\r\n{b}z\r\n$1\r\nx\r\n$1\r\n1\r\n", "ZREM {b}z x"},
		{[]string{"BZPOPMAX", "{a}z", "{b}z", "0"}, []string{"ZADD", "{a}z", "2", "y", "1", "x"}, "*3\r\n$4\r\n{a}z\r\n$1\r\ny\r\n$1\r\n2\r\n", "ZREM {a}z y"},
		{[]string{"BZMPOP", "0", "2", "{a}z", "{b}z", "MAX", "COUNT", "1"}, []string{"ZADD", "{b}z", "2", "y", "1", "x"}, "*2\r\n$4\r\n{b}z\r\n*1\r\n*2\r\n$1\r\ny\r\n$1\r\n2\r\n", "ZREM {b}z y"},
	}
	for _, tc := range cases {
		adder.do("DEL", "{a}z", "{b}z")
		rc := testRaw(t, srv)
		rc.send(tc.block...)
		waitArmed(t, srv, "{a}z", 1)
		waitArmed(t, srv, "{b}z", 1)
		log.take()
		adder.do(tc.add...)
		assert.Equal(t, tc.want, rc.read(), "%q", tc.block)
		waitArmed(t, srv, "{a}z", 0)
		waitArmed(t, srv, "{b}z", 0)
		assert.Equal(t, ":1\r\n", adder.do("ZCARD", tc.add[1]))
		assert.Equal(t, []string{"ZADD " + tc.add[1] + " 2 y 1 x", tc.left}, log.effects(), "%q", tc.block)
	}

	// RESP3 shape when served after blocking.
	adder.do("DEL", "{a}z", "{b}z")
	rc := testRaw(t, srv)
	rc.do("HELLO", "3")
	rc.send("BZPOPMIN", "{a}z", "0")
	waitArmed(t, srv, "{a}z", 1)
	adder.do("ZADD", "{a}z", "1.5", "m")
	assert.Equal(t, "*3\r\n$4\r\n{a}z\r\n$1\r\nm\r\n,1.5\r\n", rc.read())

	// A list at the key does not wake a zset waiter; the zset after it does.
	rc.send("BZPOPMAX", "{b}z", "0")
	waitArmed(t, srv, "{b}z", 1)
	adder.do("RPUSH", "{b}z", "v")
	adder.do("DEL", "{b}z")
	adder.do("ZADD", "{b}z", "7", "m")
	assert.Equal(t, "*3\r\n$4\r\n{b}z\r\n$1\r\nm\r\n,7\r\n", rc.read())
}

func TestBZPopTimeoutAndDisconnect(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	rc.send("BZMPOP", "0.05", "2", "{a}z", "{b}z", "MIN")
	rc.send("PING")
	assert.Equal(t, "*-1\r\n", rc.read())
	assert.Equal(t, "+PONG\r\n", rc.read())
	waitArmed(t, srv, "{a}z", 0)
	waitArmed(t, srv, "{b}z", 0)

	gone := testRaw(t, srv)
	gone.send("BZPOPMIN", "{a}z", "{b}z", "0")
	waitArmed(t, srv, "{b}z", 1)
	require.NoError(t, gone.nc.Close())
	waitArmed(t, srv, "{a}z", 0)
	waitArmed(t, srv, "{b}z", 0)
	rc.do("ZADD", "{b}z", "1", "x")
	assert.Equal(t, ":1\r\n", rc.do("ZCARD", "{b}z"))
}

// A client gone while its serve is in flight: the popped members go back
// with their scores.
func TestBZPopDisconnectDuringServe(t *testing.T) {
	srv := testServer(t, 2)
	c := testRaw(t, srv)
	c.do("ZADD", "{a}z", "1.25", "x", "2", "y", "3", "w")
	clients := srv.clients.Load()
	hold := srv.lockShards([]*Shard{srv.shardOf([]byte("{a}z"))}, false)
	gone := testRaw(t, srv)
	gone.send("BZMPOP", "0", "1", "{a}z", "MIN", "COUNT", "2")
	time.Sleep(20 * time.Millisecond)
	require.NoError(t, gone.nc.Close())
	deadline := time.Now().Add(time.Second)
	for srv.clients.Load() > clients && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	hold.finish()
	want := "*6\r\n$1\r\nx\r\n$4\r\n1.25\r\n$1\r\ny\r\n$1\r\n2\r\n$1\r\nw\r\n$1\r\n3\r\n"
	require.Eventually(t, func() bool { return c.do("ZRANGE", "{a}z", "0", "-1", "WITHSCORES") == want }, 10*time.Second, 5*time.Millisecond)
	time.Sleep(20 * time.Millisecond)
	assert.Equal(t, want, c.do("ZRANGE", "{a}z", "0", "-1", "WITHSCORES"))
}

// Many clients blocked on zsets over two shards, adds from many
// connections: every member is popped exactly once.
func TestBZPopStress(t *testing.T) {
	srv := testServer(t, 2)
	keys := []string{"{a}1", "{b}2", "{a}3", "{b}4"}
	const producers, perProducer, consumers = 4, 100, 6
	total := producers * perProducer
	var mu sync.Mutex
	seen := map[string]int{}
	stop := make(chan struct{})
	var cwg sync.WaitGroup
	for i := 0; i < consumers; i++ {
		cwg.Add(1)
		go func(i int) {
			defer cwg.Done()
			rng := rand.New(rand.NewSource(int64(i)))
			cl := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(srv.Port()), Protocol: 2, DisableIdentity: true, PoolSize: 1})
			defer cl.Close()
			for {
				select {
				case <-stop:
					return
				default:
				}
				ks := append([]string(nil), keys...)
				rng.Shuffle(len(ks), func(a, b int) { ks[a], ks[b] = ks[b], ks[a] })
				ks = ks[:1+rng.Intn(3)]
				var args []any
				mpop := rng.Intn(2) == 0
				if mpop {
					args = append(args, "BZMPOP", "0.05", len(ks))
					for _, k := range ks {
						args = append(args, k)
					}
					args = append(args, []string{"MIN", "MAX"}[rng.Intn(2)], "COUNT", 3)
				} else {
					args = append(args, []string{"BZPOPMIN", "BZPOPMAX"}[rng.Intn(2)])
					for _, k := range ks {
						args = append(args, k)
					}
					args = append(args, "0.05")
				}
				r, err := cl.Do(ctxb(), args...).Slice()
				if err == redis.Nil {
					continue
				}
				if !assert.NoError(t, err) {
					return
				}
				var members []string
				if mpop {
					for _, p := range r[1].([]any) {
						members = append(members, p.([]any)[0].(string))
					}
				} else {
					members = append(members, r[1].(string))
				}
				mu.Lock()
				for _, m := range members {
					seen[m]++
				}
				mu.Unlock()
			}
		}(i)
	}
	var pwg sync.WaitGroup
	for p := 0; p < producers; p++ {
		pwg.Add(1)
		go func(p int) {
			defer pwg.Done()
			cl := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(srv.Port()), Protocol: 2, DisableIdentity: true, PoolSize: 1})
			defer cl.Close()
			rng := rand.New(rand.NewSource(int64(100 + p)))
			for i := 0; i < perProducer; {
				var zs []redis.Z
				for j := 0; j < 1+rng.Intn(3) && i < perProducer; j++ {
					zs = append(zs, redis.Z{Score: float64(rng.Intn(50)), Member: fmt.Sprintf("p%d-%d", p, i)})
					i++
				}
				assert.NoError(t, cl.ZAdd(ctxb(), keys[rng.Intn(len(keys))], zs...).Err())
			}
		}(p)
	}
	pwg.Wait()
	cl := testClient(t, srv)
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		n, err := cl.Exists(ctxb(), keys...).Result()
		return err == nil && n == 0 && len(seen) == total
	}, 20*time.Second, 10*time.Millisecond)
	close(stop)
	cwg.Wait()
	assert.Len(t, seen, total)
	for m, n := range seen {
		assert.Equal(t, 1, n, "member %s popped %d times", m, n)
	}
}
