package shardcore

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keeldb/keel/durability"
	"github.com/keeldb/keel/durability/checkpoint"
	"github.com/keeldb/keel/shardcore/config"
	"github.com/keeldb/keel/shardcore/store"
	"github.com/keeldb/keel/shardcore/types"
	"github.com/stretchr/testify/require"
)

// testSink stands in for the MANIFEST: it records what is published and
// fails while err is set.
type testSink struct {
	mu        sync.Mutex
	err       error
	published []durability.Checkpoint
}

func (s *testSink) Publish(cp durability.Checkpoint) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.published = append(s.published, cp)
	return nil
}

func (s *testSink) setErr(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
}

// ckServer starts a server with checkpoints in a fresh directory.
func ckServer(t *testing.T, shards int, extra ...string) (*Server, *testSink) {
	t.Helper()
	dir := t.TempDir()
	st, err := checkpoint.Open(dir, "", nil)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	sink := &testSink{}
	args := append([]string{"--port", "0", "--bind", "127.0.0.1", "--dir", dir, "--shards", strconv.Itoa(shards)}, extra...)
	cfg, err := config.Parse(args)
	require.NoError(t, err)
	srv, err := NewServer(cfg, Options{Checkpoints: &Checkpoints{Store: st, Sink: sink, Next: 1}})
	require.NoError(t, err)
	srv.Start()
	t.Cleanup(srv.Stop)
	return srv, sink
}

// storeImage is the checkpoint store's content: "db/key" -> encoded value.
func storeImage(t *testing.T, srv *Server) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, srv.ck.cfg.Store.ScanAll(func(db, slot int, key, val []byte) error {
		require.Equal(t, Slot(key), slot)
		out[fmt.Sprintf("%d/%s", db, key)] = string(val)
		return nil
	}))
	return out
}

// liveImage is the keyspace encoded as checkpoints encode it. Call it after
// Stop (it reads the tables directly).
func liveImage(t *testing.T, srv *Server) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, s := range srv.shards {
		for db, tbl := range s.dbs {
			var cursor uint64
			for {
				cursor = tbl.Scan(cursor, func(key []byte, e store.Entry) {
					v, err := appendCkValue(nil, e)
					require.NoError(t, err)
					out[fmt.Sprintf("%d/%s", db, key)] = string(v)
				})
				if cursor == 0 {
					break
				}
			}
		}
	}
	return out
}

func waitCheckpointIdle(t *testing.T, srv *Server) {
	t.Helper()
	require.Eventually(t, func() bool { return !srv.CheckpointRunning() }, 30*time.Second, 5*time.Millisecond)
}

func ckInfoField(t *testing.T, info, name string) string {
	t.Helper()
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return v
		}
	}
	t.Fatalf("INFO has no %s", name)
	return ""
}

// TestCheckpointPointInTime overwrites keys in a fixed order while a
// checkpoint of them is being written. Whatever moment the cut falls on,
// the image must hold a prefix of each shard's sequence: every change
// before some point and none after it.
func TestCheckpointPointInTime(t *testing.T) {
	srv, _ := ckServer(t, 2)
	c := testClient(t, srv)
	const n = 60000
	pipe := c.Pipeline()
	for i := range n {
		pipe.Set(ctxb(), "k:"+strconv.Itoa(i), "old", 0)
		pipe.RPush(ctxb(), "l:"+strconv.Itoa(i), "a", "b")
		if i%1000 == 999 {
			_, err := pipe.Exec(ctxb())
			require.NoError(t, err)
		}
	}
	_, err := pipe.Exec(ctxb())
	require.NoError(t, err)

	require.Equal(t, "Background saving started", c.BgSave(ctxb()).Val())
	for i := range n {
		// SET k:i, then RPUSH l:i (a list changed in place).
		pipe.Set(ctxb(), "k:"+strconv.Itoa(i), "new", 0)
		pipe.RPush(ctxb(), "l:"+strconv.Itoa(i), "c")
		if i%500 == 499 {
			_, err := pipe.Exec(ctxb())
			require.NoError(t, err)
		}
	}
	_, err = pipe.Exec(ctxb())
	require.NoError(t, err)
	waitCheckpointIdle(t, srv)
	info := c.Info(ctxb(), "persistence").Val()
	require.Equal(t, "ok", ckInfoField(t, info, "rdb_last_bgsave_status"))
	srv.Stop()

	img := storeImage(t, srv)
	require.Len(t, img, 2*n)
	strEnc := func(v string) string {
		b, err := appendCkValue(nil, store.Entry{Type: store.TypeString, Str: []byte(v)})
		require.NoError(t, err)
		return string(b)
	}
	oldV, newV := strEnc("old"), strEnc("new")
	// Each shard applies the writes for its keys in the order sent (a
	// pipeline's writes to different shards may interleave either way),
	// so the prefix must hold shard by shard.
	changed := make([][]bool, len(srv.shards))
	note := func(key string, ch bool) {
		sh := srv.slotShard[Slot([]byte(key))]
		changed[sh] = append(changed[sh], ch)
	}
	for i := range n {
		k, l := "k:"+strconv.Itoa(i), "l:"+strconv.Itoa(i)
		switch img["0/"+k] {
		case newV:
			note(k, true)
		case oldV:
			note(k, false)
		default:
			t.Fatalf("%s holds neither value", k)
		}
		e, ok, err := srv.decodeCkValue([]byte(img["0/"+l]))
		require.NoError(t, err)
		require.True(t, ok)
		note(l, e.Obj.(*types.List).Len() == 3)
	}
	for sh, seq := range changed {
		cut := 0
		for cut < len(seq) && seq[cut] {
			cut++
		}
		for i := cut; i < len(seq); i++ {
			require.False(t, seq[i], "shard %d: change %d is in the image but change %d before it is not", sh, i, cut)
		}
		t.Logf("shard %d: cut after %d of %d changes", sh, cut, len(seq))
	}
	t.Logf("keys saved before a write: %s", ckInfoField(t, info, "checkpoint_last_cow_keys"))
}

// TestCheckpointIncremental checks that a checkpoint writes only what
// changed, and that flushes and SWAPDB reach the image.
func TestCheckpointIncremental(t *testing.T) {
	srv, sink := ckServer(t, 2)
	c := testClient(t, srv)
	rc := testRaw(t, srv)
	for i := range 200 {
		require.NoError(t, c.Set(ctxb(), "s"+strconv.Itoa(i), i, 0).Err())
	}
	require.Equal(t, "+OK\r\n", rc.do("SAVE"))
	info := c.Info(ctxb(), "persistence").Val()
	require.Equal(t, "200", ckInfoField(t, info, "checkpoint_last_keys"))
	require.Equal(t, "0", ckInfoField(t, info, "rdb_changes_since_last_save"))

	require.NoError(t, c.Set(ctxb(), "s1", "changed", 0).Err())
	require.NoError(t, c.Del(ctxb(), "s2", "s3").Err())
	require.NoError(t, c.Expire(ctxb(), "s4", time.Hour).Err())
	require.NoError(t, c.HSet(ctxb(), "h", "f", "v").Err())
	require.Equal(t, "+OK\r\n", rc.do("SAVE"))
	info = c.Info(ctxb(), "persistence").Val()
	require.Equal(t, "3", ckInfoField(t, info, "checkpoint_last_keys"), "s1, s4 and h")

	rc.do("SELECT", "1")
	rc.do("SET", "in1", "x")
	rc.do("SELECT", "2")
	rc.do("SET", "in2", "y")
	require.Equal(t, "+OK\r\n", rc.do("SWAPDB", "0", "1"))
	require.Equal(t, "+OK\r\n", rc.do("FLUSHDB"))
	require.Equal(t, "+OK\r\n", rc.do("SAVE"))
	sink.mu.Lock()
	require.Len(t, sink.published, 3)
	sink.mu.Unlock()
	require.Equal(t, int64(3), srv.ckInfo().saves)
	srv.Stop()
	require.Equal(t, liveImage(t, srv), storeImage(t, srv))
}

// TestCheckpointFailure: a checkpoint that cannot be published reports
// rdb_last_bgsave_status:err and refuses writes with MISCONF until one
// succeeds; the next one rewrites everything, since the failed one left
// the store half updated.
func TestCheckpointFailure(t *testing.T) {
	srv, sink := ckServer(t, 2)
	c := testClient(t, srv)
	rc := testRaw(t, srv)
	for i := range 50 {
		require.NoError(t, c.Set(ctxb(), "k"+strconv.Itoa(i), i, 0).Err())
	}
	sink.setErr(errors.New("disk on fire"))
	require.Equal(t, "-ERR disk on fire\r\n", rc.do("SAVE"))
	info := c.Info(ctxb(), "persistence").Val()
	require.Equal(t, "err", ckInfoField(t, info, "rdb_last_bgsave_status"))
	require.True(t, strings.HasPrefix(rc.do("SET", "x", "1"), "-MISCONF Redis is configured to save RDB snapshots"))
	require.Equal(t, "$1\r\n1\r\n", rc.do("GET", "k1"), "reads go on")

	sink.setErr(nil)
	require.Equal(t, "+Background saving started\r\n", rc.do("BGSAVE"))
	waitCheckpointIdle(t, srv)
	require.Equal(t, "+OK\r\n", rc.do("SET", "x", "1"))
	info = c.Info(ctxb(), "persistence").Val()
	require.Equal(t, "ok", ckInfoField(t, info, "rdb_last_bgsave_status"))
	require.Equal(t, "50", ckInfoField(t, info, "checkpoint_last_keys"), "a full rewrite after the failure")
	srv.Stop()
	img := storeImage(t, srv)
	live := liveImage(t, srv)
	delete(live, "0/x") // written after the checkpoint
	require.Equal(t, live, img)
}

func TestCheckpointCommands(t *testing.T) {
	srv, _ := ckServer(t, 2)
	rc := testRaw(t, srv)
	require.Equal(t, "-ERR syntax error\r\n", rc.do("BGSAVE", "now"))
	require.Equal(t, "+Background append only file rewriting started\r\n", rc.do("BGREWRITEAOF"))
	waitCheckpointIdle(t, srv)
	before := rc.do("LASTSAVE")
	require.Equal(t, "+OK\r\n", rc.do("SAVE"))
	require.GreaterOrEqual(t, rc.do("LASTSAVE"), before)
	info := testClient(t, srv).Info(ctxb(), "persistence").Val()
	require.Equal(t, "1", ckInfoField(t, info, "aof_rewrites"))
	require.Equal(t, "2", ckInfoField(t, info, "rdb_saves"))

	plain := testServer(t, 1)
	require.Equal(t, "-ERR checkpoints are disabled (no data directory)\r\n", testRaw(t, plain).do("BGSAVE"))
}

// TestCheckpointSaveRules: "save <seconds> <changes>" starts checkpoints by
// itself, as in redis.conf.
func TestCheckpointSaveRules(t *testing.T) {
	srv, sink := ckServer(t, 2, "--save", "1 3")
	c := testClient(t, srv)
	require.NoError(t, c.Set(ctxb(), "a", "1", 0).Err())
	time.Sleep(1200 * time.Millisecond)
	require.Zero(t, srv.ckInfo().saves, "one change is below the rule")
	require.NoError(t, c.MSet(ctxb(), "b", "1", "c", "1").Err())
	require.Eventually(t, func() bool { return srv.ckInfo().saves == 1 }, 5*time.Second, 20*time.Millisecond)
	waitCheckpointIdle(t, srv)
	sink.mu.Lock()
	defer sink.mu.Unlock()
	require.Len(t, sink.published, 1)
}

// Automatic rewrites back off as Redis's do after three consecutive
// failures: a minute, then twice as long each time; BGREWRITEAOF is not
// limited, and a success ends the limit.
func TestRewriteLimitedAfterFailures(t *testing.T) {
	srv, sink := ckServer(t, 2)
	c := testClient(t, srv)
	rc := testRaw(t, srv)
	require.NoError(t, c.Set(ctxb(), "k", "v", 0).Err())
	sink.setErr(errors.New("disk on fire"))
	for i := 1; i <= rewriteLimitAfter; i++ {
		require.True(t, srv.rewriteAllowed(time.Now()), "failure %d", i)
		require.Equal(t, "+Background append only file rewriting started\r\n", rc.do("BGREWRITEAOF"))
		waitCheckpointIdle(t, srv)
		info := c.Info(ctxb(), "persistence").Val()
		require.Equal(t, strconv.Itoa(i), ckInfoField(t, info, "aof_rewrites_consecutive_failures"))
		require.Equal(t, "err", ckInfoField(t, info, "aof_last_bgrewrite_status"))
	}
	now := time.Now()
	require.False(t, srv.rewriteAllowed(now))
	require.False(t, srv.rewriteAllowed(now.Add(59*time.Second)))
	now = now.Add(61 * time.Second)
	require.True(t, srv.rewriteAllowed(now), "after the first minute")
	require.False(t, srv.rewriteAllowed(now), "the next wait is two minutes")
	require.False(t, srv.rewriteAllowed(now.Add(119*time.Second)))
	require.True(t, srv.rewriteAllowed(now.Add(121*time.Second)))

	sink.setErr(nil)
	require.Equal(t, "+Background append only file rewriting started\r\n", rc.do("BGREWRITEAOF"), "never limited")
	waitCheckpointIdle(t, srv)
	info := c.Info(ctxb(), "persistence").Val()
	require.Equal(t, "0", ckInfoField(t, info, "aof_rewrites_consecutive_failures"))
	require.True(t, srv.rewriteAllowed(now), "a success ends the limit")
}
