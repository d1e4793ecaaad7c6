package shardcore

import (
	"fmt"
	"math/rand"
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

// armed returns how many waiters key has on its shard.
func armed(srv *Server, key string) int {
	ch := make(chan int, 1)
	srv.shardOf([]byte(key)).post(message{ctrl: true, fn: func(s *Shard) {
		n := 0
		if kw := s.blk.keys[blockKey{db: 0, key: key}]; kw != nil {
			n = len(kw.q)
		}
		ch <- n
	}})
	return <-ch
}

// waitArmed waits until key has n waiters.
func waitArmed(t *testing.T, srv *Server, key string, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return armed(srv, key) == n }, 10*time.Second, time.Millisecond, "waiters on %s", key)
}

// send writes a command on a raw connection without reading its reply.
func (rc *rawConn) send(args ...string) {
	rc.t.Helper()
	var buf []byte
	buf = append(buf, fmt.Sprintf("*%d\r\n", len(args))...)
	for _, a := range args {
		buf = append(buf, fmt.Sprintf("$%d\r\n%s\r\n", len(a), a)...)
	}
	_, err := rc.nc.Write(buf)
	require.NoError(rc.t, err)
}

func TestBlockingErrorsAndImmediate(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	for _, tc := range [][]string{
		{"-ERR timeout is not a float or out of range", "BLPOP", "k", "x"},
		{"-ERR timeout is not a float or out of range", "BLPOP", "k", "nan"},
		{"-ERR timeout is negative", "BLPOP", "k", "-1"},
		{"-ERR timeout is negative", "BLPOP", "k", "inf"},
		{"-ERR timeout is negative", "BLPOP", "k", "1e400"},
		{"-ERR timeout is negative", "BRPOP", "k", "1e17"},
		{"-ERR timeout is not a float or out of range", "BLMPOP", "x", "1", "k", "LEFT"},
		{"-ERR timeout is negative", "BLMPOP", "-1", "1", "k", "LEFT"},
		{"-ERR numkeys should be greater than 0", "BLMPOP", "0", "0", "k", "LEFT"},
		{"-ERR syntax error", "BLMPOP", "0", "1", "k", "MIDDLE"},
		{"-ERR syntax error", "BLMOVE", "a", "b", "up", "left", "-1"},
		{"-ERR timeout is negative", "BLMOVE", "a", "b", "left", "left", "-1"},
		{"-ERR wrong number of arguments for 'blpop' command", "BLPOP", "k"},
	} {
		assert.Equal(t, tc[0]+"\r\n", rc.do(tc[1:]...), "%q", tc[1:])
	}
	assert.Equal(t, "*-1\r\n", rc.do("BLPOP", "{a}k", "{b}k", "0.01"))
	assert.Equal(t, "*-1\r\n", rc.do("BLMOVE", "{a}k", "{b}k", "LEFT", "LEFT", "0.01"))
	assert.Equal(t, "*-1\r\n", rc.do("BLMPOP", "0.01", "2", "{a}k", "{b}k", "LEFT"))
	assert.Equal(t, 0, armed(srv, "{a}k"))
	assert.Equal(t, 0, armed(srv, "{b}k"))

	rc.do("RPUSH", "{b}k", "1", "2", "3")
	rc.do("RPUSH", "{a}k", "x")
	assert.Equal(t, "*2\r\n$4\r\n{a}k\r\n$1\r\nx\r\n", rc.do("BLPOP", "{a}k", "{b}k", "0"))
	assert.Equal(t, "*2\r\n$4\r\n{b}k\r\n$1\r\n3\r\n", rc.do("BRPOP", "{a}k", "{b}k", "0"))
	assert.Equal(t, "*2\r\n$4\r\n{b}k\r\n*1\r\n$1\r\n1\r\n", rc.do("BLMPOP", "0", "2", "{a}k", "{b}k", "LEFT", "COUNT", "1"))
	assert.Equal(t, "$1\r\n2\r\n", rc.do("BLMOVE", "{b}k", "{a}d", "LEFT", "RIGHT", "0"))
	assert.Equal(t, "*1\r\n$1\r\n2\r\n", rc.do("LRANGE", "{a}d", "0", "-1"))
	rc.do("SET", "{a}s", "v")
	assert.Equal(t, "-"+errWrongType+"\r\n", rc.do("BLPOP", "{b}k", "{a}s", "0"))
	assert.Equal(t, "-"+errWrongType+"\r\n", rc.do("BLMOVE", "{a}d", "{a}s", "LEFT", "RIGHT", "0"))

	require.Equal(t, "%7\r\n", rc.do("HELLO", "3")[:4])
	assert.Equal(t, "_\r\n", rc.do("BLPOP", "{a}k", "{b}k", "0.01"))
	rc.do("RPUSH", "{b}k", "y")
	assert.Equal(t, "*2\r\n$4\r\n{b}k\r\n$1\r\ny\r\n", rc.do("BLPOP", "{a}k", "{b}k", "0"))
}

func TestBlockingInsideMulti(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	rc.do("MULTI")
	for _, args := range [][]string{
		{"BLPOP", "{a}k", "0"}, {"BLMOVE", "{a}k", "{b}d", "LEFT", "LEFT", "0"}, {"BLMPOP", "0", "1", "{a}k", "LEFT"},
		{"BRPOPLPUSH", "{a}k", "{a}d", "0"}, {"BLPOP", "{a}k", "{b}k", "0"}, {"BLPOP", "{a}k", "-1"},
		{"RPUSH", "{b}k", "v1", "v2"}, {"BLPOP", "{a}k", "{b}k", "0"}, {"BLMOVE", "{b}k", "{a}d", "LEFT", "LEFT", "0"},
	} {
		assert.Equal(t, "+QUEUED\r\n", rc.do(args...))
	}
	assert.Equal(t, "*9\r\n*-1\r\n$-1\r\n*-1\r\n$-1\r\n*-1\r\n-ERR timeout is negative\r\n:2\r\n"+
		"*2\r\n$4\r\n{b}k\r\n$2\r\nv1\r\n$2\r\nv2\r\n", rc.do("EXEC"))
	assert.Equal(t, "*1\r\n$2\r\nv2\r\n", rc.do("LRANGE", "{a}d", "0", "-1"))
}

// A blocked client is woken by a push and gets [key, element]; every
// blocking form, keys on two shards, the waiter cancelled everywhere.
func TestBlockingWake(t *testing.T) {
	log := &collLog{}
	srv := collServer(t, 2, log)
	pusher := testRaw(t, srv)
	cases := []struct {
		block []string
		push  []string
		want  string
	}{
		{[]string{"BLPOP", "{a}k", "{b}k", "0"}, []string{"RPUSH", "{b}k", "x", "y"}, "*2\r\n$4\r\n{b}k\r\n$1\r\nx\r\n"},
		{[]string{"BRPOP", "{a}k", "{b}k", "0"}, []string{"LPUSH", "{a}k", "x", "y"}, "*2\r\n$4\r\n{a}k\r\n$1\r\nx\r\n"},
		{[]string{"BLMPOP", "0", "2", "{a}k", "{b}k", "RIGHT", "COUNT", "1"}, []string{"RPUSH", "{b}k", "x", "y"}, "*2\r\n$4\r\n{b}k\r\n*1\r\n$1\r\ny\r\n"},
		{[]string{"BLMOVE", "{a}k", "{b}d", "RIGHT", "LEFT", "0"}, []string{"RPUSH", "{a}k", "x", "y"}, "$1\r\ny\r\n"},
		{[]string{"BRPOPLPUSH", "{a}k", "{a}d", "0"}, []string{"RPUSH", "{a}k", "x", "y"}, "$1\r\ny\r\n"},
	}
	for _, tc := range cases {
		pusher.do("DEL", "{a}k", "{b}k", "{a}d", "{b}d")
		rc := testRaw(t, srv)
		rc.send(tc.block...)
		waitArmed(t, srv, "{a}k", 1)
		log.take()
		pusher.do(tc.push...)
		assert.Equal(t, tc.want, rc.read(), "%q", tc.block)
		waitArmed(t, srv, "{a}k", 0)
		waitArmed(t, srv, "{b}k", 0)
		assert.Equal(t, ":1\r\n", pusher.do("LLEN", tc.push[1]), "%q", tc.block)
		assert.Equal(t, 0, armed(srv, "{b}k"))
		effects := log.effects()
		for _, e := range effects {
			assert.NotRegexp(t, "^B", e, "logged effects %q", effects)
		}
	}
	pusher.do("DEL", "{a}k", "{b}k", "{a}d", "{b}d")
	rc := testRaw(t, srv)
	rc.send("BLMOVE", "{a}k", "{b}d", "RIGHT", "LEFT", "0")
	waitArmed(t, srv, "{a}k", 1)
	log.take()
	pusher.do("RPUSH", "{a}k", "z")
	assert.Equal(t, "$1\r\nz\r\n", rc.read())
	assert.Equal(t, "*1\r\n$1\r\nz\r\n", pusher.do("LRANGE", "{b}d", "0", "-1"))
	assert.ElementsMatch(t, []string{"RPUSH {a}k z", "RPOP {a}k", "LPUSH {b}d z"}, log.effects())
}

func TestBlockingTimeout(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	rc.send("BLPOP", "{a}k", "{b}k", "0.05")
	rc.send("PING")
	assert.Equal(t, "*-1\r\n", rc.read())
	assert.Equal(t, "+PONG\r\n", rc.read())
	waitArmed(t, srv, "{a}k", 0)
	waitArmed(t, srv, "{b}k", 0)
	// A push after the timeout stays.
	rc.do("RPUSH", "{a}k", "x")
	assert.Equal(t, ":1\r\n", rc.do("LLEN", "{a}k"))
}

func TestBlockingFIFO(t *testing.T) {
	srv := testServer(t, 3)
	var clients []*rawConn
	for i := 0; i < 4; i++ {
		rc := testRaw(t, srv)
		rc.send("BLPOP", "{a}k", strconv.Itoa(i+100)+"{b}other", "0")
		waitArmed(t, srv, "{a}k", i+1)
		clients = append(clients, rc)
	}
	pusher := testRaw(t, srv)
	pusher.do("RPUSH", "{a}k", "e0", "e1", "e2", "e3")
	for i, rc := range clients {
		assert.Equal(t, fmt.Sprintf("*2\r\n$4\r\n{a}k\r\n$2\r\ne%d\r\n", i), rc.read())
	}
	waitArmed(t, srv, "{a}k", 0)
	assert.Equal(t, ":0\r\n", pusher.do("EXISTS", "{a}k"))
}

// Pushes inside MULTI/EXEC wake waiters after EXEC; two keys made ready at
// once serve one waiter each.
func TestBlockingAfterExecAndTwoKeys(t *testing.T) {
	srv := testServer(t, 2)
	w1, w2 := testRaw(t, srv), testRaw(t, srv)
	w1.send("BLPOP", "{a}k", "{b}k", "0")
	waitArmed(t, srv, "{a}k", 1)
	w2.send("BLPOP", "{a}k", "{b}k", "0")
	waitArmed(t, srv, "{b}k", 2)
	tx := testRaw(t, srv)
	tx.do("MULTI")
	tx.do("RPUSH", "{a}k", "x")
	tx.do("RPUSH", "{b}k", "y")
	tx.do("LLEN", "{a}k")
	assert.Equal(t, "*3\r\n:1\r\n:1\r\n:1\r\n", tx.do("EXEC"))
	got := []string{w1.read(), w2.read()}
	sort.Strings(got)
	assert.Equal(t, []string{"*2\r\n$4\r\n{a}k\r\n$1\r\nx\r\n", "*2\r\n$4\r\n{b}k\r\n$1\r\ny\r\n"}, got)
	assert.Equal(t, ":0\r\n", tx.do("EXISTS", "{a}k", "{b}k"))
	waitArmed(t, srv, "{a}k", 0)
	waitArmed(t, srv, "{b}k", 0)
}

// A client gone while its serve is in flight: what was popped goes back.
func TestBlockingDisconnectDuringServe(t *testing.T) {
	srv := testServer(t, 2)
	c := testRaw(t, srv)
	c.do("RPUSH", "{a}k", "x", "y")
	clients := srv.clients.Load()
	sh := srv.shardOf([]byte("{a}k"))
	// Hold the key's shard so the initial attempt waits while the client
	// goes away.
	hold := srv.lockShards([]*Shard{sh}, false)
	gone := testRaw(t, srv)
	gone.send("BLMPOP", "0", "1", "{a}k", "LEFT", "COUNT", "2")
	time.Sleep(20 * time.Millisecond)
	require.NoError(t, gone.nc.Close())
	deadline := time.Now().Add(time.Second)
	for srv.clients.Load() > clients && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	hold.finish()
	require.Eventually(t, func() bool { return c.do("LRANGE", "{a}k", "0", "-1") == "*2\r\n$1\r\nx\r\n$1\r\ny\r\n" }, 10*time.Second, 5*time.Millisecond)
	time.Sleep(20 * time.Millisecond)
	assert.Equal(t, "*2\r\n$1\r\nx\r\n$1\r\ny\r\n", c.do("LRANGE", "{a}k", "0", "-1"))
	assert.Equal(t, 0, armed(srv, "{a}k"))
}

// Many consumers blocking on many keys over three shards, many producers:
// every element is popped exactly once; consumers that disconnect while
// blocked lose at most the one element that was already on its way to them.
func TestBlockingStress(t *testing.T) {
	srv := testServer(t, 3)
	keys := []string{"{a}1", "{b}2", "{c}3", "{d}4", "{e}5", "{f}6"}
	const producers, perProducer, consumers = 4, 150, 8
	total := producers * perProducer
	var mu sync.Mutex
	seen := map[string]int{}
	popped := 0
	stop := make(chan struct{})
	var cwg sync.WaitGroup
	disconnects := 0
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
				mpop := rng.Intn(3) == 0
				if mpop {
					args = append(args, "BLMPOP", "0.05", len(ks))
					for _, k := range ks {
						args = append(args, k)
					}
					args = append(args, "LEFT", "COUNT", 3)
				} else {
					args = append(args, []string{"BLPOP", "BRPOP"}[rng.Intn(2)])
					for _, k := range ks {
						args = append(args, k)
					}
					args = append(args, "0.05")
				}
				r, err := cl.Do(ctxb(), args...).Slice()
				if err == redis.Nil {
					continue
				}
				if !assert.NoError(t, err) || !assert.Len(t, r, 2) {
					return
				}
				var vals []any
				if mpop {
					vals = r[1].([]any)
				} else {
					vals = r[1:]
				}
				mu.Lock()
				for _, v := range vals {
					seen[v.(string)]++
					popped++
				}
				mu.Unlock()
			}
		}(i)
	}
	// Clients that block and vanish.
	for i := 0; i < 6; i++ {
		rc := testRaw(t, srv)
		rc.send("BLPOP", keys[i], keys[(i+1)%len(keys)], "0")
		disconnects++
		defer rc.nc.Close()
		go func() {
			time.Sleep(time.Duration(10+i*5) * time.Millisecond)
			rc.nc.Close()
		}()
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
				n := 1 + rng.Intn(3)
				var vals []any
				for j := 0; j < n && i < perProducer; j++ {
					vals = append(vals, fmt.Sprintf("p%d-%d", p, i))
					i++
				}
				k := keys[rng.Intn(len(keys))]
				var err error
				if rng.Intn(2) == 0 {
					err = cl.RPush(ctxb(), k, vals...).Err()
				} else {
					err = cl.LPush(ctxb(), k, vals...).Err()
				}
				assert.NoError(t, err)
			}
		}(p)
	}
	pwg.Wait()
	cl := testClient(t, srv)
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		n, err := cl.Exists(ctxb(), keys...).Result()
		return err == nil && n == 0 && popped >= total-disconnects
	}, 20*time.Second, 10*time.Millisecond)
	close(stop)
	cwg.Wait()
	for _, k := range keys {
		rest, err := cl.LRange(ctxb(), k, 0, -1).Result()
		require.NoError(t, err)
		for _, v := range rest {
			seen[v]++
			popped++
		}
	}
	for v, n := range seen {
		assert.Equal(t, 1, n, "element %s popped %d times", v, n)
	}
	assert.LessOrEqual(t, popped, total)
	assert.GreaterOrEqual(t, popped, total-disconnects)
}

// Non-blocking forms inside EXEC on one shard pop and log plain pops.
func TestBlockingInsideMultiEffects(t *testing.T) {
	log := &collLog{}
	srv := collServer(t, 2, log)
	rc := testRaw(t, srv)
	rc.do("RPUSH", "{a}k", "1", "2", "3", "4")
	log.take()
	rc.do("MULTI")
	rc.do("BLPOP", "{a}x", "{a}k", "0")
	rc.do("BRPOP", "{a}k", "0")
	rc.do("BLMPOP", "0", "1", "{a}k", "RIGHT", "COUNT", "1")
	rc.do("BRPOPLPUSH", "{a}k", "{a}d", "0")
	assert.Equal(t, "*4\r\n*2\r\n$4\r\n{a}k\r\n$1\r\n1\r\n*2\r\n$4\r\n{a}k\r\n$1\r\n4\r\n*2\r\n$4\r\n{a}k\r\n*1\r\n$1\r\n3\r\n$1\r\n2\r\n", rc.do("EXEC"))
	assert.Equal(t, []string{"LPOP {a}k", "RPOP {a}k", "RPOP {a}k 1", "LMOVE {a}k {a}d RIGHT LEFT"}, log.effects())
}

func TestBlockingKilledAndWrongType(t *testing.T) {
	srv := testServer(t, 2)
	admin := testRaw(t, srv)
	victim := testRaw(t, srv)
	id := victim.do("CLIENT", "ID")
	victim.send("BLPOP", "{a}k", "{b}k", "0")
	waitArmed(t, srv, "{a}k", 1)
	waitArmed(t, srv, "{b}k", 1)
	assert.Equal(t, ":1\r\n", admin.do("CLIENT", "KILL", "ID", id[1:len(id)-2]))
	waitArmed(t, srv, "{a}k", 0)
	waitArmed(t, srv, "{b}k", 0)
	admin.do("RPUSH", "{a}k", "x")
	assert.Equal(t, ":1\r\n", admin.do("LLEN", "{a}k"))

	// A key of another type does not wake a waiter; the list after it does.
	w := testRaw(t, srv)
	w.send("BLPOP", "{b}k", "0")
	waitArmed(t, srv, "{b}k", 1)
	admin.do("SET", "{b}k", "str")
	admin.do("DEL", "{b}k")
	admin.do("RPUSH", "{b}k", "v")
	assert.Equal(t, "*2\r\n$4\r\n{b}k\r\n$1\r\nv\r\n", w.read())
}

// infoField returns one field of an INFO section.
func infoField(rc *rawConn, section, name string) string {
	for _, line := range strings.Split(rc.do("INFO", section), "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return v
		}
	}
	return ""
}

func TestClientUnblockAndInfo(t *testing.T) {
	srv := testServer(t, 2)
	admin := testRaw(t, srv)
	for _, tc := range [][]string{
		{"-ERR value is not an integer or out of range", "CLIENT", "UNBLOCK", "abc"},
		{"-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR", "CLIENT", "UNBLOCK", "abc", "foo"},
		{"-ERR unknown subcommand or wrong number of arguments for 'UNBLOCK'. Try CLIENT HELP.", "CLIENT", "UNBLOCK", "1", "2", "3"},
		{"-ERR wrong number of arguments for 'client|unblock' command", "CLIENT", "UNBLOCK"},
		{":0", "CLIENT", "UNBLOCK", "0"},
		{":0", "CLIENT", "UNBLOCK", "99999", "ERROR"},
	} {
		assert.Equal(t, tc[0]+"\r\n", admin.do(tc[1:]...), "%q", tc[1:])
	}
	idle := testRaw(t, srv)
	idleID := strings.Trim(idle.do("CLIENT", "ID"), ":\r\n")
	assert.Equal(t, ":0\r\n", admin.do("CLIENT", "UNBLOCK", idleID))

	cases := []struct {
		block  []string
		reason string
		want   string
	}{
		{[]string{"BLPOP", "{a}k", "{b}k", "0"}, "", "*-1\r\n"},
		{[]string{"BZPOPMIN", "{a}k", "{b}k", "5"}, "TIMEOUT", "*-1\r\n"},
		{[]string{"BLMOVE", "{a}k", "{b}k", "LEFT", "LEFT", "0"}, "ERROR", "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"},
		{[]string{"XREAD", "BLOCK", "5000", "STREAMS", "{a}k", "{b}k", "$", "$"}, "error", "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"},
	}
	for _, tc := range cases {
		rc := testRaw(t, srv)
		id := strings.Trim(rc.do("CLIENT", "ID"), ":\r\n")
		rc.send(tc.block...)
		waitArmed(t, srv, "{a}k", 1)
		assert.Equal(t, "1", infoField(admin, "clients", "blocked_clients"))
		assert.Contains(t, admin.do("CLIENT", "LIST", "ID", id), " flags=b ")
		timeouts := "0"
		if tc.block[len(tc.block)-1] != "0" || tc.block[0] == "XREAD" {
			timeouts = "1"
		}
		assert.Equal(t, timeouts, infoField(admin, "clients", "clients_in_timeout_table"), "%q", tc.block)
		args := []string{"CLIENT", "UNBLOCK", id}
		if tc.reason != "" {
			args = append(args, tc.reason)
		}
		assert.Equal(t, ":1\r\n", admin.do(args...))
		assert.Equal(t, tc.want, rc.read(), "%q", tc.block)
		assert.Equal(t, ":0\r\n", admin.do(args...))
		waitArmed(t, srv, "{a}k", 0)
		waitArmed(t, srv, "{b}k", 0)
		assert.Equal(t, "0", infoField(admin, "clients", "blocked_clients"))
		assert.Equal(t, "0", infoField(admin, "clients", "clients_in_timeout_table"))
		// The connection goes on.
		assert.Equal(t, "+PONG\r\n", rc.do("PING"))
	}
	// A key written after the unblock stays.
	admin.do("RPUSH", "{a}k", "x")
	assert.Equal(t, ":1\r\n", admin.do("LLEN", "{a}k"))
}
