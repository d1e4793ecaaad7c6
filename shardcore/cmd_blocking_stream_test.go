package shardcore

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// entryReply is the RESP2 reply of a read that returns entry id (a 1 field)
// from key alone.
func entryReply(key, id string) string {
	return "*1\r\n*2\r\n" + bulkStr(key) + "*1\r\n*2\r\n" + bulkStr(id) + "*2\r\n$1\r\na\r\n$1\r\n1\r\n"
}

func bulkStr(s string) string {
	return "$" + itoa(int64(len(s))) + "\r\n" + s + "\r\n"
}

func TestXReadBlockImmediate(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	for _, tc := range [][]string{
		{"-ERR timeout is negative", "XREAD", "BLOCK", "-1", "STREAMS", "s", "$"},
		{"-ERR timeout is not an integer or out of range", "XREAD", "BLOCK", "1.5", "STREAMS", "s", "$"},
		{"-ERR Invalid stream ID specified as stream command argument", "XREAD", "BLOCK", "0", "STREAMS", "{a}s", "{b}s", "x", "$"},
		{"-NOGROUP No such key '{a}s' or consumer group 'g' in XREADGROUP with GROUP option", "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "{a}s", ">"},
	} {
		assert.Equal(t, tc[0]+"\r\n", rc.do(tc[1:]...), "%q", tc[1:])
	}
	assert.Equal(t, "*-1\r\n", rc.do("XREAD", "BLOCK", "10", "STREAMS", "{a}s", "{b}s", "$", "0"))
	rc.do("XADD", "{b}s", "1-1", "a", "1")
	assert.Equal(t, entryReply("{b}s", "1-1"), rc.do("XREAD", "BLOCK", "0", "STREAMS", "{a}s", "{b}s", "$", "0"))
	rc.do("SET", "{a}x", "v")
	assert.Equal(t, "-"+errWrongType+"\r\n", rc.do("XREAD", "BLOCK", "0", "STREAMS", "{a}x", "$"))
	// A history read of a group never blocks, even when empty.
	rc.do("XGROUP", "CREATE", "{b}s", "g", "$")
	assert.Equal(t, "*1\r\n*2\r\n$4\r\n{b}s\r\n*0\r\n", rc.do("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "{b}s", "0"))
	assert.Equal(t, "*-1\r\n", rc.do("XREADGROUP", "GROUP", "g", "c", "BLOCK", "10", "STREAMS", "{b}s", ">"))

	rc.do("MULTI")
	rc.do("XREAD", "BLOCK", "0", "STREAMS", "{a}s", "$")
	rc.do("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "{b}s", ">")
	assert.Equal(t, "*2\r\n*-1\r\n*-1\r\n", rc.do("EXEC"))

	rc.do("HELLO", "3")
	assert.Equal(t, "_\r\n", rc.do("XREAD", "BLOCK", "10", "STREAMS", "{a}s", "$"))
	assert.Equal(t, "_\r\n", rc.do("XREADGROUP", "GROUP", "g", "c", "BLOCK", "10", "STREAMS", "{b}s", ">"))
	assert.Equal(t, 0, armed(srv, "{a}s"))
	assert.Equal(t, 0, armed(srv, "{b}s"))
}

// XREAD with $ reads what was added after the call, from whichever stream
// (on either shard) got it; every reader of the stream is served.
func TestXReadBlockWake(t *testing.T) {
	srv := testServer(t, 2)
	adder := testRaw(t, srv)
	adder.do("XADD", "{a}s", "1-1", "a", "1")
	adder.do("XADD", "{b}s", "1-1", "a", "1")
	r1, r2 := testRaw(t, srv), testRaw(t, srv)
	r1.send("XREAD", "BLOCK", "0", "STREAMS", "{a}s", "{b}s", "$", "$")
	waitArmed(t, srv, "{b}s", 1)
	r2.send("XREAD", "COUNT", "5", "BLOCK", "0", "STREAMS", "{b}s", "$")
	waitArmed(t, srv, "{b}s", 2)
	adder.do("XADD", "{b}s", "2-1", "a", "1")
	assert.Equal(t, entryReply("{b}s", "2-1"), r1.read())
	assert.Equal(t, entryReply("{b}s", "2-1"), r2.read())
	waitArmed(t, srv, "{a}s", 0)
	waitArmed(t, srv, "{b}s", 0)

	// Deleted, then a string, then a stream with IDs not above the one
	// asked for: the reader waits on; a greater ID serves it.
	r1.send("XREAD", "BLOCK", "0", "STREAMS", "{a}s", "5-0")
	waitArmed(t, srv, "{a}s", 1)
	adder.do("DEL", "{a}s")
	adder.do("SET", "{a}s", "x")
	adder.do("DEL", "{a}s")
	adder.do("XADD", "{a}s", "3-1", "a", "1")
	assert.Equal(t, 1, armed(srv, "{a}s"))
	adder.do("XADD", "{a}s", "6-1", "a", "1")
	assert.Equal(t, entryReply("{a}s", "6-1"), r1.read())

	// RESP3: a map of the one stream served.
	r2.do("HELLO", "3")
	r2.send("XREAD", "BLOCK", "0", "STREAMS", "{a}s", "$")
	waitArmed(t, srv, "{a}s", 1)
	adder.do("XADD", "{a}s", "7-1", "a", "1")
	assert.Equal(t, "%1\r\n$4\r\n{a}s\r\n*1\r\n*2\r\n$3\r\n7-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", r2.read())
}

func TestXReadBlockTimeoutAndDisconnect(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	// A timeout past what the clock holds blocks as Redis does.
	huge := testRaw(t, srv)
	huge.send("XREAD", "BLOCK", "9223372036854775807", "STREAMS", "{b}s", "$")
	waitArmed(t, srv, "{b}s", 1)
	time.Sleep(20 * time.Millisecond)
	assert.Equal(t, 1, armed(srv, "{b}s"))
	require.NoError(t, huge.nc.Close())
	waitArmed(t, srv, "{b}s", 0)

	rc.send("XREAD", "BLOCK", "50", "STREAMS", "{a}s", "{b}s", "$", "$")
	rc.send("PING")
	assert.Equal(t, "*-1\r\n", rc.read())
	assert.Equal(t, "+PONG\r\n", rc.read())
	waitArmed(t, srv, "{a}s", 0)
	waitArmed(t, srv, "{b}s", 0)

	rc.do("XGROUP", "CREATE", "{a}s", "g", "$", "MKSTREAM")
	gone := testRaw(t, srv)
	gone.send("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "{a}s", ">")
	waitArmed(t, srv, "{a}s", 1)
	require.NoError(t, gone.nc.Close())
	waitArmed(t, srv, "{a}s", 0)
	rc.do("XADD", "{a}s", "1-1", "a", "1")
	assert.Equal(t, "*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n", rc.do("XPENDING", "{a}s", "g"))
}

// XREADGROUP > waiters of one group: each new entry goes to one of them,
// logged as the non-blocking read logs it.
func TestXReadGroupBlockWake(t *testing.T) {
	log := &collLog{}
	srv := collServer(t, 2, log)
	adder := testRaw(t, srv)
	adder.do("XGROUP", "CREATE", "{b}s", "g", "$", "MKSTREAM")
	c1, c2 := testRaw(t, srv), testRaw(t, srv)
	c1.send("XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "{a}s", "{b}s", "0", ">")
	assert.Equal(t, "-NOGROUP No such key '{a}s' or consumer group 'g' in XREADGROUP with GROUP option\r\n", c1.read())
	log.take()
	c1.send("XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "{b}s", ">")
	waitArmed(t, srv, "{b}s", 1)
	c2.send("XREADGROUP", "GROUP", "g", "c2", "BLOCK", "0", "STREAMS", "{b}s", ">")
	waitArmed(t, srv, "{b}s", 2)
	assert.Empty(t, log.effects(), "blocking with nothing to read logs nothing")
	adder.do("XADD", "{b}s", "1-1", "a", "1")
	waitArmed(t, srv, "{b}s", 1)
	adder.do("XADD", "{b}s", "2-1", "a", "1")
	got := []string{c1.read(), c2.read()}
	sort.Strings(got)
	assert.Equal(t, []string{entryReply("{b}s", "1-1"), entryReply("{b}s", "2-1")}, got)
	waitArmed(t, srv, "{b}s", 0)
	assert.Equal(t, "*4\r\n:2\r\n", adder.do("XPENDING", "{b}s", "g")[:8])
	var claims, setids int
	for _, e := range log.effects() {
		assert.NotContains(t, e, "BLOCK", "logged %q", e)
		switch {
		case strings.HasPrefix(e, "XCLAIM {b}s g c"):
			claims++
		case strings.HasPrefix(e, "XGROUP SETID {b}s g"):
			setids++
		}
	}
	assert.Equal(t, 2, claims)
	assert.Equal(t, 2, setids)
}

// Redis 7.0 tells a blocked XREADGROUP when its stream or group goes away.
func TestXReadGroupBlockGone(t *testing.T) {
	srv := testServer(t, 2)
	admin := testRaw(t, srv)
	rc := testRaw(t, srv)
	for _, tc := range []struct {
		change [][]string
		want   string
	}{
		{[][]string{{"DEL", "{a}s"}}, "-UNBLOCKED the stream key no longer exists\r\n"},
		{[][]string{{"DEL", "{a}s"}, {"SET", "{a}s", "x"}}, "-UNBLOCKED the stream key no longer exists\r\n"},
		{[][]string{{"SET", "{a}s", "x"}}, "-UNBLOCKED the stream key no longer exists\r\n"},
		{[][]string{{"RENAME", "{a}s", "{b}s"}}, "-UNBLOCKED the stream key no longer exists\r\n"},
		{[][]string{{"XGROUP", "DESTROY", "{a}s", "g"}}, "-NOGROUP the consumer group this client was blocked on no longer exists\r\n"},
	} {
		admin.do("DEL", "{a}s", "{b}s")
		admin.do("XGROUP", "CREATE", "{a}s", "g", "$", "MKSTREAM")
		rc.send("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "{a}s", ">")
		waitArmed(t, srv, "{a}s", 1)
		for _, ch := range tc.change {
			admin.do(ch...)
		}
		assert.Equal(t, tc.want, rc.read(), "%q", tc.change)
		waitArmed(t, srv, "{a}s", 0)
	}
	// XREAD waits on through the same changes.
	admin.do("DEL", "{a}s", "{b}s")
	rc.send("XREAD", "BLOCK", "0", "STREAMS", "{a}s", "$")
	waitArmed(t, srv, "{a}s", 1)
	admin.do("SET", "{a}s", "x")
	admin.do("DEL", "{a}s")
	admin.do("XADD", "{a}s", "1-1", "a", "1")
	assert.Equal(t, entryReply("{a}s", "1-1"), rc.read())
}

// Consumers of one group blocked on two streams (one per shard), entries
// added from several connections: each entry is delivered exactly once.
func TestXReadGroupBlockStress(t *testing.T) {
	srv := testServer(t, 2)
	keys := []string{"{a}s", "{b}s"}
	cl := testClient(t, srv)
	for _, k := range keys {
		require.NoError(t, cl.XGroupCreateMkStream(ctxb(), k, "g", "$").Err())
	}
	const producers, perProducer, consumers = 3, 60, 5
	total := producers * perProducer
	var mu sync.Mutex
	seen := map[string]int{}
	stop := make(chan struct{})
	var cwg sync.WaitGroup
	for i := 0; i < consumers; i++ {
		cwg.Add(1)
		go func(i int) {
			defer cwg.Done()
			c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(srv.Port()), Protocol: 2, DisableIdentity: true, PoolSize: 1})
			defer c.Close()
			for {
				select {
				case <-stop:
					return
				default:
				}
				res, err := c.XReadGroup(ctxb(), &redis.XReadGroupArgs{Group: "g", Consumer: fmt.Sprintf("c%d", i),
					Streams: []string{keys[i%2], keys[(i+1)%2], ">", ">"}, Count: int64(1 + i%3), Block: 50 * time.Millisecond}).Result()
				if err == redis.Nil {
					continue
				}
				if !assert.NoError(t, err) {
					return
				}
				mu.Lock()
				for _, st := range res {
					for _, m := range st.Messages {
						seen[m.Values["v"].(string)]++
					}
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
			c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(srv.Port()), Protocol: 2, DisableIdentity: true, PoolSize: 1})
			defer c.Close()
			for i := 0; i < perProducer; i++ {
				assert.NoError(t, c.XAdd(ctxb(), &redis.XAddArgs{Stream: keys[(p+i)%2], Values: []any{"v", fmt.Sprintf("p%d-%d", p, i)}}).Err())
			}
		}(p)
	}
	pwg.Wait()
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) == total
	}, 20*time.Second, 10*time.Millisecond)
	close(stop)
	cwg.Wait()
	for v, n := range seen {
		assert.Equal(t, 1, n, "entry %s delivered %d times", v, n)
	}
	var pending int64
	for _, k := range keys {
		p, err := cl.XPending(ctxb(), k, "g").Result()
		require.NoError(t, err)
		pending += p.Count
	}
	assert.Equal(t, int64(total), pending)
}

// COUNT and NOACK hold for a served XREADGROUP; RESP3 gets a map.
func TestXReadGroupBlockNoAckCount(t *testing.T) {
	srv := testServer(t, 2)
	adder := testRaw(t, srv)
	adder.do("XGROUP", "CREATE", "{a}s", "g", "$", "MKSTREAM")
	rc := testRaw(t, srv)
	rc.do("HELLO", "3")
	rc.send("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "BLOCK", "0", "NOACK", "STREAMS", "{b}x", "{a}s", "0", ">")
	assert.Equal(t, "-NOGROUP No such key '{b}x' or consumer group 'g' in XREADGROUP with GROUP option\r\n", rc.read())
	rc.send("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "BLOCK", "0", "NOACK", "STREAMS", "{a}s", ">")
	waitArmed(t, srv, "{a}s", 1)
	adder.do("MULTI")
	adder.do("XADD", "{a}s", "1-1", "a", "1")
	adder.do("XADD", "{a}s", "2-1", "a", "1")
	adder.do("EXEC")
	assert.Equal(t, "%1\r\n$4\r\n{a}s\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", rc.read())
	assert.Equal(t, "*4\r\n:0\r\n", adder.do("XPENDING", "{a}s", "g")[:8])
	// The next call is served at once from what is left.
	assert.Equal(t, "%1\r\n$4\r\n{a}s\r\n*1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n",
		rc.do("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "{a}s", ">"))
	assert.Equal(t, "*4\r\n:1\r\n", adder.do("XPENDING", "{a}s", "g")[:8])
}
