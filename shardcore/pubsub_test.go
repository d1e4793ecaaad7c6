package shardcore

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keeldb/keel/shardcore/resp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawOnShard dials until the server hands the connection to shard id (the
// kernel spreads SO_REUSEPORT connections by their address).
func rawOnShard(t *testing.T, srv *Server, id int) *rawConn {
	t.Helper()
	for range 200 {
		rc := testRaw(t, srv)
		reply := rc.do("CLIENT", "ID")
		cid, err := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(reply, ":")), 10, 64)
		require.NoError(t, err)
		srv.clientsMu.Lock()
		cn := srv.registry[cid]
		srv.clientsMu.Unlock()
		require.NotNil(t, cn)
		if cn.shard.id == id {
			return rc
		}
		rc.nc.Close()
	}
	t.Fatalf("no connection landed on shard %d", id)
	return nil
}

func TestPubSubRESP2Replies(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	assert.Equal(t, "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n", rc.do("SUBSCRIBE", "a", "b"))
	assert.Equal(t, "*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n", rc.read())
	assert.Equal(t, "*3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:3\r\n", rc.do("PSUBSCRIBE", "p*"))
	assert.Equal(t, "*3\r\n$10\r\nssubscribe\r\n$1\r\ns\r\n:1\r\n", rc.do("SSUBSCRIBE", "s"))
	assert.Equal(t, "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n", rc.do("GET", "x"))
	assert.Equal(t, "-ERR Can't execute 'client|list': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n", rc.do("CLIENT", "LIST"))
	assert.Equal(t, "*2\r\n$4\r\npong\r\n$0\r\n\r\n", rc.do("PING"))
	assert.Equal(t, "*2\r\n$4\r\npong\r\n$2\r\nhi\r\n", rc.do("PING", "hi"))
	assert.Equal(t, "*3\r\n$11\r\nunsubscribe\r\n$1\r\nz\r\n:3\r\n", rc.do("UNSUBSCRIBE", "z"))
	assert.Equal(t, "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:2\r\n", rc.do("UNSUBSCRIBE"))
	assert.Equal(t, "*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:1\r\n", rc.read())
	assert.Equal(t, "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:1\r\n", rc.do("UNSUBSCRIBE"))
	assert.Equal(t, "*3\r\n$12\r\npunsubscribe\r\n$2\r\np*\r\n:0\r\n", rc.do("PUNSUBSCRIBE"))
	assert.Equal(t, "*3\r\n$12\r\nsunsubscribe\r\n$1\r\ns\r\n:0\r\n", rc.do("SUNSUBSCRIBE"))
	// Out of subscribed mode: everything runs again.
	assert.Equal(t, "+PONG\r\n", rc.do("PING"))
	assert.Equal(t, "$-1\r\n", rc.do("GET", "x"))

	// RESET leaves every subscription.
	rc.do("SUBSCRIBE", "a")
	rc.do("PSUBSCRIBE", "a*")
	assert.Equal(t, "+RESET\r\n", rc.do("RESET"))
	assert.Equal(t, "+PONG\r\n", rc.do("PING"))
	assert.Equal(t, "*2\r\n$1\r\na\r\n:0\r\n", rc.do("PUBSUB", "NUMSUB", "a"))
	assert.Equal(t, ":0\r\n", rc.do("PUBSUB", "NUMPAT"))
}

func TestPubSubRESP3(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	rc.do("HELLO", "3")
	assert.Equal(t, ">3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n", rc.do("SUBSCRIBE", "a"))
	// Any command runs in RESP3, PING answers normally.
	assert.Equal(t, "_\r\n", rc.do("GET", "x"))
	assert.Equal(t, "+PONG\r\n", rc.do("PING"))
	// The message to itself precedes PUBLISH's own reply, as in Redis.
	assert.Equal(t, ">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$1\r\nm\r\n", rc.do("PUBLISH", "a", "m"))
	assert.Equal(t, ":1\r\n", rc.read())
	rc.do("SSUBSCRIBE", "s1")
	rc.do("PSUBSCRIBE", "p1")
	info := rc.do("CLIENT", "INFO")
	assert.Contains(t, info, " flags=P ")
	assert.Contains(t, info, " sub=1 psub=1 ssub=1 ")
	stats := rc.do("INFO", "stats")
	assert.Contains(t, stats, "pubsub_channels:1\r\npubsub_patterns:1\r\npubsubshard_channels:1\r\n")
	rc.do("SUNSUBSCRIBE")
	rc.do("PUNSUBSCRIBE")
	assert.Equal(t, ">3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:0\r\n", rc.do("UNSUBSCRIBE"))
	assert.Equal(t, ">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n", rc.do("UNSUBSCRIBE"))
	assert.Equal(t, ">3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:1\r\n", rc.do("PSUBSCRIBE", "n*"))
	assert.Equal(t, ">4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$2\r\nnx\r\n$1\r\nv\r\n", rc.do("PUBLISH", "nx", "v"))
	assert.Equal(t, ":1\r\n", rc.read())
}

func TestPubSubAcrossShards(t *testing.T) {
	srv := testServer(t, 2)
	sub := rawOnShard(t, srv, 0)
	psub := rawOnShard(t, srv, 1)
	pub := rawOnShard(t, srv, 1)

	sub.do("SUBSCRIBE", "news", "other")
	sub.read()
	psub.do("PSUBSCRIBE", "n*")
	psub.do("PSUBSCRIBE", "ne?s")
	psub.do("SUBSCRIBE", "news")

	assert.Equal(t, ":4\r\n", pub.do("PUBLISH", "news", "hello"))
	assert.Equal(t, "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n", sub.read())
	got := []string{psub.read(), psub.read(), psub.read()}
	assert.ElementsMatch(t, []string{
		"*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n",
		"*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$5\r\nhello\r\n",
		"*4\r\n$8\r\npmessage\r\n$4\r\nne?s\r\n$4\r\nnews\r\n$5\r\nhello\r\n",
	}, got)
	assert.Equal(t, ":1\r\n", pub.do("PUBLISH", "other", "x"))
	assert.Equal(t, "*3\r\n$7\r\nmessage\r\n$5\r\nother\r\n$1\r\nx\r\n", sub.read())
	assert.Equal(t, ":0\r\n", pub.do("PUBLISH", "zzz", "x"))
	assert.Equal(t, ":1\r\n", pub.do("PUBLISH", "nX", "x"))
	assert.Equal(t, "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$2\r\nnX\r\n$1\r\nx\r\n", psub.read())

	// Messages from one publisher arrive in order.
	for i := range 50 {
		pub.do("PUBLISH", "other", strconv.Itoa(i))
	}
	for i := range 50 {
		assert.Equal(t, "*3\r\n$7\r\nmessage\r\n$5\r\nother\r\n$"+strconv.Itoa(len(strconv.Itoa(i)))+"\r\n"+strconv.Itoa(i)+"\r\n", sub.read())
	}

	// Pipelined publishes (batched per iteration) keep their order too.
	var pipe []byte
	for i := range 200 {
		pipe = resp.AppendCommandString(pipe, "PUBLISH", "other", strconv.Itoa(i))
	}
	_, err := pub.nc.Write(pipe)
	require.NoError(t, err)
	for range 200 {
		assert.Equal(t, ":1\r\n", pub.read())
	}
	for i := range 200 {
		assert.Equal(t, "*3\r\n$7\r\nmessage\r\n$5\r\nother\r\n$"+strconv.Itoa(len(strconv.Itoa(i)))+"\r\n"+strconv.Itoa(i)+"\r\n", sub.read())
	}

	assert.Equal(t, "*2\r\n$4\r\nnews\r\n$5\r\nother\r\n", pub.do("PUBSUB", "CHANNELS"))
	assert.Equal(t, "*1\r\n$5\r\nother\r\n", pub.do("PUBSUB", "CHANNELS", "o*"))
	assert.Equal(t, "*6\r\n$4\r\nnews\r\n:2\r\n$5\r\nother\r\n:1\r\n$1\r\nz\r\n:0\r\n", pub.do("PUBSUB", "NUMSUB", "news", "other", "z"))
	assert.Equal(t, "*0\r\n", pub.do("PUBSUB", "NUMSUB"))
	assert.Equal(t, ":2\r\n", pub.do("PUBSUB", "NUMPAT"))
	assert.Equal(t, "-ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.\r\n", pub.do("PUBSUB", "CHANNELS", "a", "b"))
	assert.Equal(t, "-ERR wrong number of arguments for 'pubsub|numpat' command\r\n", pub.do("PUBSUB", "NUMPAT", "x"))
	assert.True(t, strings.HasPrefix(pub.do("PUBSUB", "HELP"), "*14\r\n+PUBSUB <subcommand>"))

	// A closed subscriber leaves the registry.
	sub.nc.Close()
	require.Eventually(t, func() bool {
		return pub.do("PUBSUB", "NUMSUB", "other") == "*2\r\n$5\r\nother\r\n:0\r\n"
	}, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, ":0\r\n", pub.do("PUBLISH", "other", "x"))
}

func TestPubSubSharded(t *testing.T) {
	srv := testServer(t, 2)
	sub := rawOnShard(t, srv, 0)
	pub := rawOnShard(t, srv, 1)
	assert.Equal(t, "*3\r\n$10\r\nssubscribe\r\n$3\r\n{a}\r\n:1\r\n", sub.do("SSUBSCRIBE", "{a}", "{b}"))
	assert.Equal(t, "*3\r\n$10\r\nssubscribe\r\n$3\r\n{b}\r\n:2\r\n", sub.read())
	sub.do("SUBSCRIBE", "{a}")
	// Shard channels and plain channels are separate namespaces.
	assert.Equal(t, ":1\r\n", pub.do("SPUBLISH", "{b}", "m"))
	assert.Equal(t, "*3\r\n$8\r\nsmessage\r\n$3\r\n{b}\r\n$1\r\nm\r\n", sub.read())
	assert.Equal(t, ":1\r\n", pub.do("SPUBLISH", "{a}", "s"))
	assert.Equal(t, "*3\r\n$8\r\nsmessage\r\n$3\r\n{a}\r\n$1\r\ns\r\n", sub.read())
	assert.Equal(t, ":1\r\n", pub.do("PUBLISH", "{a}", "p"))
	assert.Equal(t, "*3\r\n$7\r\nmessage\r\n$3\r\n{a}\r\n$1\r\np\r\n", sub.read())
	assert.Equal(t, "*2\r\n$3\r\n{a}\r\n$3\r\n{b}\r\n", pub.do("PUBSUB", "SHARDCHANNELS"))
	assert.Equal(t, "*4\r\n$3\r\n{a}\r\n:1\r\n$1\r\nx\r\n:0\r\n", pub.do("PUBSUB", "SHARDNUMSUB", "{a}", "x"))
	assert.Equal(t, "*3\r\n$12\r\nsunsubscribe\r\n$3\r\n{a}\r\n:1\r\n", sub.do("SUNSUBSCRIBE", "{a}"))
	assert.Equal(t, ":0\r\n", pub.do("SPUBLISH", "{a}", "s"))
}

func TestPubSubSlowSubscriberDisconnected(t *testing.T) {
	srv := testServer(t, 2, "--client-output-buffer-limit", "pubsub 1mb 0 0")
	sub := rawOnShard(t, srv, 0)
	sub.do("SUBSCRIBE", "big")
	pub := rawOnShard(t, srv, 1)

	msg := strings.Repeat("x", 64<<10)
	var batch []byte
	for range 16 {
		batch = resp.AppendCommandString(batch, "PUBLISH", "big", msg)
	}
	// Publish far more than the limit plus socket buffers while the
	// subscriber reads nothing; it must be dropped, not buffered.
	for range 64 {
		_, err := pub.nc.Write(batch)
		require.NoError(t, err)
		for range 16 {
			pub.read()
		}
		if pub.do("PUBSUB", "NUMSUB", "big") == "*2\r\n$3\r\nbig\r\n:0\r\n" {
			break
		}
	}
	assert.Equal(t, "*2\r\n$3\r\nbig\r\n:0\r\n", pub.do("PUBSUB", "NUMSUB", "big"))
	// Its connection is closed: reading ends with EOF or a reset.
	require.NoError(t, sub.nc.SetReadDeadline(time.Now().Add(10*time.Second)))
	buf := make([]byte, 1<<20)
	var err error
	for err == nil {
		_, err = sub.nc.Read(buf)
	}
	var ne net.Error
	assert.False(t, errors.As(err, &ne) && ne.Timeout(), "subscriber still connected: %v", err)
}

func TestKeyspaceNotifications(t *testing.T) {
	srv := testServer(t, 2)
	sub := rawOnShard(t, srv, 0)
	cl := rawOnShard(t, srv, 1)
	// Off by default: nothing is published.
	sub.do("PSUBSCRIBE", "__key*__:*")
	assert.Equal(t, "+OK\r\n", cl.do("SET", "{b}k", "v"))
	assert.Equal(t, "+OK\r\n", cl.do("CONFIG", "SET", "notify-keyspace-events", "KEA"))

	expect := func(key string, events ...string) {
		t.Helper()
		for _, ev := range events {
			assert.Equal(t, "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$"+strconv.Itoa(len("__keyspace@0__:"+key))+"\r\n__keyspace@0__:"+key+"\r\n$"+strconv.Itoa(len(ev))+"\r\n"+ev+"\r\n", sub.read())
			assert.Equal(t, "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$"+strconv.Itoa(len("__keyevent@0__:"+ev))+"\r\n__keyevent@0__:"+ev+"\r\n$"+strconv.Itoa(len(key))+"\r\n"+key+"\r\n", sub.read())
		}
	}
	cl.do("SET", "{a}k", "1", "PX", "100000")
	expect("{a}k", "set", "expire")
	cl.do("INCRBY", "{a}k", "2")
	expect("{a}k", "incrby")
	cl.do("APPEND", "{b}k", "x")
	expect("{b}k", "append")
	cl.do("DEL", "{b}k", "{b}missing")
	expect("{b}k", "del")
	cl.do("PEXPIRE", "{a}k", "1")
	expect("{a}k", "expire")
	require.Eventually(t, func() bool { return cl.do("EXISTS", "{a}k") == ":0\r\n" }, 5*time.Second, 5*time.Millisecond)
	expect("{a}k", "expired")

	cl.do("HSET", "{a}h", "f", "v")
	expect("{a}h", "hset")
	cl.do("HDEL", "{a}h", "f")
	expect("{a}h", "hdel", "del")
	cl.do("SADD", "{b}s", "m")
	expect("{b}s", "sadd")
	cl.do("SPOP", "{b}s")
	expect("{b}s", "spop", "del")
	cl.do("RPUSH", "{a}l", "x")
	expect("{a}l", "rpush")
	cl.do("LPOP", "{a}l")
	expect("{a}l", "lpop", "del")
	// A rename across shards: each shard reports its half, in order.
	cl.do("SET", "{a}r", "1")
	expect("{a}r", "set")
	assert.Equal(t, "+OK\r\n", cl.do("RENAME", "{a}r", "{b}r"))
	expect("{a}r", "rename_from")
	expect("{b}r", "rename_to")

	// Only the keyevent channel, only string events.
	cl.do("CONFIG", "SET", "notify-keyspace-events", "E$")
	cl.do("SET", "{a}x", "1")
	cl.do("EXPIRE", "{a}x", "100")
	cl.do("SET", "{a}y", "1")
	assert.Equal(t, "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$18\r\n__keyevent@0__:set\r\n$4\r\n{a}x\r\n", sub.read())
	assert.Equal(t, "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$18\r\n__keyevent@0__:set\r\n$4\r\n{a}y\r\n", sub.read())
}
