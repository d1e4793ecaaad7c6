package shardcore

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keeldb/keel/rdb"
	"github.com/keeldb/keel/rdb/crc64"
	"github.com/keeldb/keel/shardcore/config"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dumpFixture fills keys of every type DUMP supports, small and large (large
// ones cross the listpack/intset limits, so Redis encodes them differently).
func dumpFixture(t *testing.T, c *redis.Client, prefix string) []string {
	t.Helper()
	ctx := ctxb()
	var keys []string
	add := func(k string) string { k = prefix + k; keys = append(keys, k); return k }
	require.NoError(t, c.Set(ctx, add("str"), "hello", 0).Err())
	require.NoError(t, c.Set(ctx, add("int"), "12345", 0).Err())
	require.NoError(t, c.Set(ctx, add("empty"), "", 0).Err())
	big := make([]byte, 100000)
	for i := range big {
		big[i] = byte('a' + i%7)
	}
	require.NoError(t, c.Set(ctx, add("bigstr"), big, 0).Err())
	require.NoError(t, c.Set(ctx, add("ttlstr"), "v", time.Hour).Err())
	require.NoError(t, c.RPush(ctx, add("list"), "a", "1", "", "b").Err())
	var many []any
	for i := range 1500 {
		many = append(many, fmt.Sprintf("element-%d-%s", i, big[:i%90]))
	}
	require.NoError(t, c.RPush(ctx, add("biglist"), many...).Err())
	require.NoError(t, c.HSet(ctx, add("hash"), "f1", "v1", "f2", "2").Err())
	var fields []any
	for i := range 700 {
		fields = append(fields, fmt.Sprintf("field-%d", i), fmt.Sprintf("value-%d", i))
	}
	require.NoError(t, c.HSet(ctx, add("bighash"), fields...).Err())
	require.NoError(t, c.SAdd(ctx, add("intset"), 1, -5, 300000, 1<<40).Err())
	var ints, strs []any
	for i := range 600 {
		ints = append(ints, i*3)
		strs = append(strs, fmt.Sprintf("m%d", i))
	}
	require.NoError(t, c.SAdd(ctx, add("bigintset"), ints...).Err())
	require.NoError(t, c.SAdd(ctx, add("set"), "x", "y", "7").Err())
	require.NoError(t, c.SAdd(ctx, add("bigset"), strs...).Err())
	require.NoError(t, c.Expire(ctx, prefix+"biglist", time.Hour).Err())
	return keys
}

// valueOf reads a key in a comparable form: its type and contents.
func valueOf(t *testing.T, c *redis.Client, key string) (string, any) {
	t.Helper()
	ctx := ctxb()
	typ, err := c.Type(ctx, key).Result()
	require.NoError(t, err)
	switch typ {
	case "string":
		v, err := c.Get(ctx, key).Result()
		require.NoError(t, err)
		return typ, v
	case "list":
		v, err := c.LRange(ctx, key, 0, -1).Result()
		require.NoError(t, err)
		return typ, v
	case "hash":
		v, err := c.HGetAll(ctx, key).Result()
		require.NoError(t, err)
		return typ, v
	case "set":
		v, err := c.SMembers(ctx, key).Result()
		require.NoError(t, err)
		slices.Sort(v)
		return typ, v
	}
	return typ, nil
}

// moveAll DUMPs every key from src and RESTOREs it under the same name on
// dst with its TTL, then checks type, value and TTL.
func moveAll(t *testing.T, src, dst *redis.Client, keys []string) {
	t.Helper()
	ctx := ctxb()
	for _, k := range keys {
		payload, err := src.Dump(ctx, k).Result()
		require.NoError(t, err, k)
		ttl, err := src.PTTL(ctx, k).Result()
		require.NoError(t, err)
		if ttl < 0 {
			ttl = 0
		}
		require.NoError(t, dst.RestoreReplace(ctx, k, ttl, payload).Err(), k)
		wt, wv := valueOf(t, src, k)
		gt, gv := valueOf(t, dst, k)
		assert.Equal(t, wt, gt, k)
		assert.Equal(t, wv, gv, k)
		got, err := dst.PTTL(ctx, k).Result()
		require.NoError(t, err)
		if ttl == 0 {
			assert.Equal(t, time.Duration(-1), got, k)
		} else {
			assert.InDelta(t, ttl.Milliseconds(), got.Milliseconds(), 5000, k)
		}
	}
}

func TestDumpRestoreRoundTrip(t *testing.T) {
	srv := testServer(t, 2)
	c := testClient(t, srv)
	ctx := ctxb()
	keys := dumpFixture(t, c, "{a}")
	for _, k := range keys {
		payload, err := c.Dump(ctx, k).Result()
		require.NoError(t, err)
		// Redis's payload footer: RDB version 10 then the CRC64.
		require.Equal(t, uint16(10), binary.LittleEndian.Uint16([]byte(payload[len(payload)-10:])))
		dst := "{b}" + k
		require.Equal(t, "OK", c.Restore(ctx, dst, time.Minute, payload).Val(), k)
		wt, wv := valueOf(t, c, k)
		gt, gv := valueOf(t, c, dst)
		assert.Equal(t, wt, gt, k)
		assert.Equal(t, wv, gv, k)
		pttl := c.PTTL(ctx, dst).Val()
		assert.True(t, pttl > 50*time.Second && pttl <= time.Minute, "%s: pttl %v", k, pttl)
	}
	// Encodings follow keel's own limits after a restore.
	assert.Equal(t, "intset", c.ObjectEncoding(ctx, "{b}{a}intset").Val())
	assert.Equal(t, "hashtable", c.ObjectEncoding(ctx, "{b}{a}bigset").Val())
	assert.Equal(t, "hashtable", c.ObjectEncoding(ctx, "{b}{a}bighash").Val())
	assert.Equal(t, "listpack", c.ObjectEncoding(ctx, "{b}{a}hash").Val())
	assert.Equal(t, redis.Nil, c.Dump(ctx, "missing").Err())
}

// corruptPayload has a valid footer around a body that does not decode: a
// string whose length runs past the end of the whole payload.
func corruptPayload() string {
	body := []byte{0, 0x3f, 'a', 'b'}
	body = binary.LittleEndian.AppendUint16(body, 10)
	return string(binary.LittleEndian.AppendUint64(body, crc64.Checksum(body)))
}

func TestRestoreErrors(t *testing.T) {
	srv := testServer(t, 1)
	c := testClient(t, srv)
	r := testRaw(t, srv)
	ctx := ctxb()
	require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
	payload := c.Dump(ctx, "k").Val()
	bad := []byte(payload)
	bad[len(bad)-1] ^= 0xff
	newer := []byte(payload[:len(payload)-10])
	newer = binary.LittleEndian.AppendUint16(newer, 13)
	newer = binary.LittleEndian.AppendUint64(newer, crc64.Checksum(newer))
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"restore", "k", "0", payload}, "-BUSYKEY Target key name already exists.\r\n"},
		{[]string{"restore", "n", "-1", payload}, "-ERR Invalid TTL value, must be >= 0\r\n"},
		{[]string{"restore", "n", "x", payload}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"restore", "n", "0", string(bad)}, "-ERR DUMP payload version or checksum are wrong\r\n"},
		{[]string{"restore", "n", "0", string(newer)}, "-ERR DUMP payload version or checksum are wrong\r\n"},
		{[]string{"restore", "n", "0", "short"}, "-ERR DUMP payload version or checksum are wrong\r\n"},
		{[]string{"restore", "n", "0", corruptPayload()}, "-ERR Bad data format\r\n"},
		{[]string{"restore", "n", "0", payload, "idletime", "-1"}, "-ERR Invalid IDLETIME value, must be >= 0\r\n"},
		{[]string{"restore", "n", "0", payload, "idletime", "x"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"restore", "n", "0", payload, "freq", "256"}, "-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n"},
		{[]string{"restore", "n", "0", payload, "freq", "-1"}, "-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n"},
		{[]string{"restore", "n", "0", payload, "idletime", "1", "freq", "1"}, "-ERR syntax error\r\n"},
		{[]string{"restore", "n", "0", payload, "freq", "1", "idletime", "1"}, "-ERR syntax error\r\n"},
		{[]string{"restore", "n", "0", payload, "idletime"}, "-ERR syntax error\r\n"},
		{[]string{"restore", "n", "0", payload, "bogus"}, "-ERR syntax error\r\n"},
		{[]string{"restore", "n", "0"}, "-ERR wrong number of arguments for 'restore' command\r\n"},
		{[]string{"dump"}, "-ERR wrong number of arguments for 'dump' command\r\n"},
		// Options are checked before the key exists check, which comes
		// before the TTL and the payload.
		{[]string{"restore", "k", "-1", "junk", "bogus"}, "-ERR syntax error\r\n"},
		{[]string{"restore", "k", "-1", "junk"}, "-BUSYKEY Target key name already exists.\r\n"},
		{[]string{"restore", "k", "0", payload, "replace", "absttl", "idletime", "10"}, "+OK\r\n"},
		{[]string{"restore", "n", "1", payload, "absttl"}, "+OK\r\n"},
		{[]string{"exists", "n"}, ":0\r\n"},
		{[]string{"restore", "k", "1", payload, "absttl", "replace"}, "+OK\r\n"},
		{[]string{"exists", "k"}, ":0\r\n"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, r.do(tc.args...), "%q", tc.args)
	}
	require.Equal(t, "OK", c.Restore(ctx, "idle", 0, payload).Val())
	require.Equal(t, "OK", r.do("restore", "idle2", "0", payload, "IDLETIME", "1000")[1:3])
	idle := c.ObjectIdleTime(ctx, "idle2").Val()
	assert.True(t, idle >= 999*time.Second && idle <= 1001*time.Second, "idle %v", idle)
	// The wrong type is no obstacle with REPLACE.
	require.NoError(t, c.RPush(ctx, "l", "x").Err())
	require.Equal(t, "OK", c.RestoreReplace(ctx, "l", 0, payload).Val())
	assert.Equal(t, "v", c.Get(ctx, "l").Val())
}

// recordingLog is a Persistence that keeps every logged record.
type recordingLog struct {
	nopPersistence
	mu   sync.Mutex
	recs []loggedRecord
}

type loggedRecord struct {
	shard, db int
	args      [][]byte
}

func (l *recordingLog) Log(shard, db int, args [][]byte, _ uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cp := make([][]byte, len(args))
	for i, a := range args {
		cp[i] = slices.Clone(a)
	}
	l.recs = append(l.recs, loggedRecord{shard, db, cp})
}

func (l *recordingLog) records() []loggedRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.recs)
}

func newRecordingServer(t *testing.T, shards int, start bool) (*Server, *recordingLog) {
	t.Helper()
	cfg, err := config.Parse([]string{"--port", "0", "--bind", "127.0.0.1", "--dir", t.TempDir(), "--shards", strconv.Itoa(shards)})
	require.NoError(t, err)
	rl := &recordingLog{}
	srv, err := NewServer(cfg, Options{Persistence: rl})
	require.NoError(t, err)
	if start {
		srv.Start()
		t.Cleanup(srv.Stop)
	}
	return srv, rl
}

// replayInto applies logged records to a fresh server as recovery does.
func replayInto(t *testing.T, recs []loggedRecord, shards int) *Server {
	t.Helper()
	dst, _ := newRecordingServer(t, shards, false)
	for _, r := range recs {
		sh := dst.ShardOf(r.args)
		require.GreaterOrEqual(t, sh, 0)
		require.NoError(t, dst.Apply(sh, r.db, r.args), "%q", r.args[0])
	}
	dst.Start()
	t.Cleanup(dst.Stop)
	return dst
}

func TestRestoreLoggedEffect(t *testing.T) {
	srv, rl := newRecordingServer(t, 2, true)
	c := testClient(t, srv)
	ctx := ctxb()
	keys := dumpFixture(t, c, "{a}")
	for _, k := range keys {
		payload := c.Dump(ctx, k).Val()
		require.Equal(t, "OK", c.Restore(ctx, "{b}"+k, time.Hour, payload).Val())
	}
	before := len(rl.records())
	payload := c.Dump(ctx, "{a}str").Val()
	require.NoError(t, c.Set(ctx, "{b}gone", "x", 0).Err())
	require.EqualError(t, c.Restore(ctx, "{b}gone", 0, payload).Err(), "BUSYKEY Target key name already exists.")
	var restores []loggedRecord
	for _, r := range rl.records() {
		if string(r.args[0]) == "RESTORE" {
			restores = append(restores, r)
		}
	}
	require.Len(t, restores, len(keys))
	for _, r := range restores {
		require.Len(t, r.args, 6)
		assert.Equal(t, []string{"REPLACE", "ABSTTL"}, []string{string(r.args[4]), string(r.args[5])})
		at, err := strconv.ParseInt(string(r.args[2]), 10, 64)
		require.NoError(t, err)
		assert.InDelta(t, time.Now().Add(time.Hour).UnixMilli(), at, 60000)
	}
	assert.Equal(t, before+1, len(rl.records()), "a failed RESTORE (BUSYKEY) logs nothing")

	// A payload already expired that replaces a key is logged as DEL.
	require.Equal(t, "OK", c.Do(ctx, "restore", "{b}{a}str", "1", payload, "absttl", "replace").Val())
	last := rl.records()[len(rl.records())-1]
	assert.Equal(t, []string{"DEL", "{b}{a}str"}, []string{string(last.args[0]), string(last.args[1])})

	// Replay on another shard count rebuilds the same keyspace.
	dst := replayInto(t, rl.records(), 3)
	dc := testClient(t, dst)
	for _, k := range keys[1:] {
		wt, wv := valueOf(t, c, "{b}"+k)
		gt, gv := valueOf(t, dc, "{b}"+k)
		assert.Equal(t, wt, gt, k)
		assert.Equal(t, wv, gv, k)
		assert.InDelta(t, c.PTTL(ctx, "{b}"+k).Val().Milliseconds(), dc.PTTL(ctx, "{b}"+k).Val().Milliseconds(), 5000)
	}
	assert.Equal(t, int64(0), dc.Exists(ctx, "{b}{a}str").Val())
}

func TestLoadValueAndEachValue(t *testing.T) {
	srv, rl := newRecordingServer(t, 2, false)
	t.Cleanup(srv.closeShards)
	future := time.Now().Add(time.Hour).UnixMilli()
	vals := map[string]rdb.Value{
		"s": {Kind: rdb.KindString, Str: []byte("v")},
		"l": {Kind: rdb.KindList, List: [][]byte{[]byte("a"), []byte("b")}},
		"h": {Kind: rdb.KindHash, Hash: []rdb.HashField{{Field: []byte("f"), Value: []byte("v")}}},
		"z": {Kind: rdb.KindSet, Set: [][]byte{[]byte("1"), []byte("x")}},
	}
	for k, v := range vals {
		require.NoError(t, srv.LoadValue(1, []byte(k), v, future))
	}
	require.NoError(t, srv.LoadValue(0, []byte("old"), vals["s"], time.Now().Add(-time.Hour).UnixMilli()))
	err := srv.LoadValue(0, []byte("dup"), rdb.Value{Kind: rdb.KindSet, Set: [][]byte{[]byte("a"), []byte("a")}}, 0)
	assert.ErrorContains(t, err, "duplicate set member")
	err = srv.LoadValue(0, []byte("hf"), rdb.Value{Kind: rdb.KindHash, Hash: []rdb.HashField{{Field: []byte("f"), Value: []byte("v"), ExpireAt: future}}}, 0)
	assert.ErrorContains(t, err, "TTL")
	assert.ErrorContains(t, srv.LoadValue(99, []byte("k"), vals["s"], 0), "out of range")
	assert.Equal(t, 4, srv.KeyCount())
	keys, expires := srv.DBStats(1)
	assert.Equal(t, 4, keys)
	assert.Equal(t, 4, expires)

	got := map[string]rdb.Value{}
	require.NoError(t, srv.EachValue(1, func(key []byte, v rdb.Value, at int64) error {
		assert.Equal(t, future, at)
		got[string(key)] = v
		return nil
	}))
	got["z"] = rdb.Value{Kind: rdb.KindSet, Set: slices.SortedFunc(slices.Values(got["z"].Set), func(a, b []byte) int { return slices.Compare(a, b) })}
	assert.Equal(t, vals, got)
	assert.ErrorContains(t, srv.EachValue(1, func([]byte, rdb.Value, int64) error { return fmt.Errorf("stop") }), "stop")

	recs := rl.records()
	require.Len(t, recs, 4)
	dst := replayInto(t, recs, 1)
	dc := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(dst.Port()), DB: 1, Protocol: 2, DisableIdentity: true})
	defer dc.Close()
	assert.Equal(t, int64(4), dc.DBSize(ctxb()).Val())
}

// startRedisServer runs /usr/bin/redis-server on a free port for the test.
func startRedisServer(t *testing.T) *redis.Client {
	t.Helper()
	const bin = "/usr/bin/redis-server"
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("redis-server not installed at %s (needed as the reference): %v", bin, err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port), Protocol: 2, DisableIdentity: true})
	t.Cleanup(func() { c.Close() })
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(ctxb()).Err() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not start on port %d", port)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return c
}

func TestDumpRestoreWithRedis(t *testing.T) {
	rc := startRedisServer(t)
	srv := testServer(t, 2)
	kc := testClient(t, srv)
	t.Run("redis to keel", func(t *testing.T) {
		moveAll(t, rc, kc, dumpFixture(t, rc, "r:"))
	})
	t.Run("keel to redis", func(t *testing.T) {
		moveAll(t, kc, rc, dumpFixture(t, kc, "k:"))
	})
	t.Run("errors match", func(t *testing.T) {
		payload := kc.Dump(ctxb(), "k:str").Val()
		for _, args := range [][]any{
			{"restore", "k:str", "0", payload},
			{"restore", "x", "-1", payload},
			{"restore", "x", "0", corruptPayload()},
			{"restore", "x", "0", "garbage-payload"},
			{"restore", "x", "0", payload, "freq", "300"},
			{"restore", "x", "0", payload, "idletime", "-3"},
			{"restore", "x", "0", payload, "idletime", "1", "freq", "2"},
		} {
			kerr := kc.Do(ctxb(), args...).Err()
			rerr := rc.Do(ctxb(), args...).Err()
			require.Error(t, rerr, "%q", args)
			require.Error(t, kerr, "%q", args[:3])
			assert.Equal(t, rerr.Error(), kerr.Error(), "%q", args[:3])
		}
	})
}

func TestRestoreNotifies(t *testing.T) {
	srv := testServer(t, 1, "--notify-keyspace-events", "Eg")
	c := testClient(t, srv)
	ctx := ctxb()
	require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
	payload := c.Dump(ctx, "k").Val()
	ps := c.PSubscribe(ctx, "__keyevent@0__:*")
	defer ps.Close()
	_, err := ps.Receive(ctx)
	require.NoError(t, err)
	require.NoError(t, c.Restore(ctx, "n", 0, payload).Err())
	require.NoError(t, c.Do(ctx, "restore", "n", "1", payload, "absttl", "replace").Err())
	for _, want := range [][2]string{{"__keyevent@0__:restore", "n"}, {"__keyevent@0__:del", "n"}} {
		msg, err := ps.ReceiveTimeout(ctx, 10*time.Second)
		require.NoError(t, err)
		m, ok := msg.(*redis.Message)
		require.True(t, ok, "%T", msg)
		assert.Equal(t, want, [2]string{m.Channel, m.Payload})
	}
}

// DUMP payloads equal Redis's byte for byte, compressed strings included:
// keel's LZF makes the choices Redis's does. Small collections are dumped
// as one listpack/intset blob, which is compressed the same way.
func TestDumpBytesEqualRedis(t *testing.T) {
	rc := startRedisServer(t)
	srv := testServer(t, 2)
	kc := testClient(t, srv)
	rng := rand.New(rand.NewPCG(11, 12))
	words := []string{"foo", "bar", "bazz", "keel", "redis", "-", ":", "0123456789"}
	var values []string
	for _, n := range []int{21, 22, 25, 31, 32, 33, 40, 63, 64, 65, 100, 257, 300, 1000, 5000, 9000, 20000} {
		values = append(values, strings.Repeat("a", n), strings.Repeat("abc", n/3+1)[:n])
		var b []byte
		for len(b) < n {
			b = append(b, words[rng.IntN(len(words))]...)
			if rng.IntN(3) == 0 {
				b = append(b, byte(rng.Uint32()))
			}
		}
		values = append(values, string(b[:n]))
		for i := range b { // incompressible: stored plain by both
			b[i] = byte(rng.Uint32())
		}
		values = append(values, string(b[:n]))
	}
	for i, v := range values {
		key := fmt.Sprint("lzf:", i)
		for _, c := range []*redis.Client{rc, kc} {
			require.NoError(t, c.Set(ctxb(), key, v, 0).Err())
		}
		require.Equal(t, rc.Dump(ctxb(), key).Val(), kc.Dump(ctxb(), key).Val(), "value %d (%d bytes)", i, len(v))
	}
	for _, c := range []*redis.Client{rc, kc} {
		for j := 0; j < 12; j++ {
			require.NoError(t, c.HSet(ctxb(), "lzf:h", fmt.Sprint("field", j), fmt.Sprint("value", j)).Err())
			require.NoError(t, c.RPush(ctxb(), "lzf:l", fmt.Sprint("element", j%3)).Err())
			require.NoError(t, c.ZAdd(ctxb(), "lzf:z", redis.Z{Score: float64(j), Member: fmt.Sprint("member", j)}).Err())
		}
	}
	for _, c := range []*redis.Client{rc, kc} { // past zset-max-listpack-entries: a skiplist
		for j := 0; j < 200; j++ {
			require.NoError(t, c.ZAdd(ctxb(), "lzf:big", redis.Z{Score: float64(j%50) / 4, Member: fmt.Sprint("m", j)}).Err())
		}
	}
	for _, key := range []string{"lzf:h", "lzf:l", "lzf:z", "lzf:big"} {
		require.Equal(t, rc.Dump(ctxb(), key).Val(), kc.Dump(ctxb(), key).Val(), key)
	}
}
