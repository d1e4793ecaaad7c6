package recovery

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keeldb/keel/durability"
	"github.com/keeldb/keel/shardcore"
	"github.com/keeldb/keel/shardcore/config"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// serverOn recovers dir into a new in-process server with 2 shards and
// starts it.
func serverOn(t *testing.T, dir string, fsync string) (*shardcore.Server, *Recovery, *redis.Client) {
	return serverOnFS(t, durability.OSFS{}, dir, 2, fsync)
}

// serverOnFS is serverOn on fsys with the given number of shards.
func serverOnFS(t *testing.T, fsys durability.FS, dir string, shards int, fsync string) (*shardcore.Server, *Recovery, *redis.Client) {
	t.Helper()
	cfg, err := config.Parse([]string{"--port", "0", "--bind", "127.0.0.1", "--dir", dir, "--shards", strconv.Itoa(shards), "--appendfsync", fsync})
	require.NoError(t, err)
	policy, err := durability.ParseFsyncPolicy(fsync)
	require.NoError(t, err)
	rc := testConfig(shards)
	rc.Fsync = policy
	r, err := Open(dir, fsys, rc)
	require.NoError(t, err)
	srv, err := shardcore.NewServer(cfg, shardcore.Options{Logger: quietLogger(nil), Persistence: r.Logs()})
	require.NoError(t, err)
	srv.SetLoading(true)
	_, err = r.Replay(srv)
	srv.SetLoading(false)
	require.NoError(t, err)
	srv.Start()
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(srv.Port()), Protocol: 2, DisableIdentity: true})
	t.Cleanup(func() { c.Close() })
	return srv, r, c
}

func TestServerRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv, r, c := serverOn(t, dir, "always")
	require.NoError(t, c.Set(ctx, "plain", "v1", 0).Err())
	require.NoError(t, c.MSet(ctx, "{a}m", "1", "{b}m", "1").Err())
	require.NoError(t, c.MSet(ctx, "{a}m", "2", "{b}m", "2").Err())
	require.NoError(t, c.Incr(ctx, "counter").Err())
	require.NoError(t, c.IncrBy(ctx, "counter", 41).Err())
	require.NoError(t, c.IncrByFloat(ctx, "float", 1.5).Err())
	require.NoError(t, c.Append(ctx, "app", "abc").Err())
	require.NoError(t, c.SetRange(ctx, "app", 1, "XY").Err())
	require.NoError(t, c.Set(ctx, "gone", "x", 0).Err())
	require.NoError(t, c.Del(ctx, "gone").Err())
	require.NoError(t, c.Set(ctx, "getdel", "x", 0).Err())
	require.NoError(t, c.GetDel(ctx, "getdel").Err())
	require.NoError(t, c.Set(ctx, "short", "x", 30*time.Millisecond).Err())
	require.NoError(t, c.Set(ctx, "long", "x", time.Hour).Err())
	c2db := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(srv.Port()), Protocol: 2, DisableIdentity: true, DB: 2})
	defer c2db.Close()
	pipe := c2db.Pipeline()
	for i := range 100 {
		pipe.Set(ctx, "p"+strconv.Itoa(i), i, 0)
	}
	_, err := pipe.Exec(ctx)
	require.NoError(t, err)

	info, err := c.Info(ctx, "persistence").Result()
	require.NoError(t, err)
	require.Contains(t, info, "aof_enabled:1")
	require.Contains(t, info, "aof_last_write_status:ok")
	require.Regexp(t, `aof_current_size:[1-9]`, info)

	require.NoError(t, c.ConfigSet(ctx, "appendfsync", "everysec").Err())
	require.Equal(t, durability.FsyncEverysec, r.Logs().Policy())
	require.NoError(t, c.ConfigSet(ctx, "appendfsync", "always").Err())

	// A crash: the loops stop, nothing is closed or flushed on the way out.
	srv.Stop()
	time.Sleep(40 * time.Millisecond)

	srv2, _, c2 := serverOn(t, dir, "always")
	defer srv2.Stop()
	for k, want := range map[string]string{"plain": "v1", "{a}m": "2", "{b}m": "2", "counter": "42", "float": "1.5", "app": "aXY", "long": "x"} {
		got, err := c2.Get(ctx, k).Result()
		require.NoError(t, err, k)
		require.Equal(t, want, got, k)
	}
	for _, k := range []string{"gone", "getdel", "short", "p1"} {
		require.ErrorIs(t, c2.Get(ctx, k).Err(), redis.Nil, k)
	}
	other := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(srv2.Port()), Protocol: 2, DisableIdentity: true, DB: 2})
	defer other.Close()
	var keys []string
	for i := range 100 {
		keys = append(keys, "p"+strconv.Itoa(i))
	}
	vals, err := other.MGet(ctx, keys...).Result()
	require.NoError(t, err)
	for i, v := range vals {
		require.Equal(t, strconv.Itoa(i), v)
	}
}

func TestServerMisconfWhileFailing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	mem := durability.NewMemFS()
	ffs := durability.NewFaultFS(mem)
	cfg, err := config.Parse([]string{"--port", "0", "--bind", "127.0.0.1", "--dir", dir, "--shards", "1", "--appendfsync", "always"})
	require.NoError(t, err)
	r, err := Open("/data", ffs, testConfig(1))
	require.NoError(t, err)
	srv, err := shardcore.NewServer(cfg, shardcore.Options{Logger: quietLogger(nil), Persistence: r.Logs()})
	require.NoError(t, err)
	_, err = r.Replay(srv)
	require.NoError(t, err)
	srv.Start()
	defer srv.Stop()
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(srv.Port()), Protocol: 2, DisableIdentity: true, MaxRetries: -1})
	defer c.Close()

	id := ffs.Inject(durability.Fault{Op: durability.OpSync, Path: "*.aof", Sticky: true})
	// The write whose fsync fails is not acknowledged until it succeeds.
	done := make(chan error, 1)
	go func() { done <- c.Set(ctx, "k", "v", 0).Err() }()
	select {
	case err := <-done:
		t.Fatalf("write acknowledged while its fsync fails: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	c2 := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(srv.Port()), Protocol: 2, DisableIdentity: true, MaxRetries: -1})
	defer c2.Close()
	err = c2.Set(ctx, "other", "v", 0).Err()
	require.Error(t, err)
	require.True(t, strings.HasPrefix(err.Error(), "MISCONF Errors writing to the AOF file: Input/output error"), err.Error())
	require.Equal(t, "MISCONF Errors writing to the AOF file: Input/output error", r.Logs().WriteError())

	ffs.Clear(id)
	require.NoError(t, <-done)
	require.NoError(t, c2.Set(ctx, "other", "v", 0).Err())
	info, err := c2.Info(ctx, "persistence").Result()
	require.NoError(t, err)
	require.Contains(t, info, "aof_last_write_status:ok")
	srv.Stop()
	mem.Crash()
	_, app, _ := start(t, mem, testConfig(1))
	require.Equal(t, []string{"0:set k v", "0:set other v"}, app.applied[0], "both writes are durable")
}

// gatedApplier holds the first record until released, so a test can look
// at the server while it loads.
type gatedApplier struct {
	*shardcore.LoadApplier
	once     sync.Once
	entered  chan struct{}
	released chan struct{}
}

func (g *gatedApplier) Apply(shard, db int, args [][]byte) error {
	g.once.Do(func() {
		close(g.entered)
		<-g.released
	})
	return g.LoadApplier.Apply(shard, db, args)
}

// The server can start first and load through its shard loops: clients
// get -LOADING and INFO shows the progress until the load is done.
func TestServerLoadsWhileServing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv, _, c := serverOn(t, dir, "always")
	for i := range 50 {
		require.NoError(t, c.Set(ctx, "k"+strconv.Itoa(i), i, 0).Err())
	}
	require.NoError(t, c.MSet(ctx, "{a}m", "x", "{b}m", "x").Err())
	srv.Stop()

	cfg, err := config.Parse([]string{"--port", "0", "--bind", "127.0.0.1", "--dir", dir, "--shards", "2"})
	require.NoError(t, err)
	r, err := Open(dir, durability.OSFS{}, testConfig(2))
	require.NoError(t, err)
	srv, err = shardcore.NewServer(cfg, shardcore.Options{Logger: quietLogger(nil), Persistence: r.Logs()})
	require.NoError(t, err)
	srv.SetLoading(true)
	srv.Start()
	defer srv.Stop()
	g := &gatedApplier{LoadApplier: srv.NewLoadApplier(), entered: make(chan struct{}), released: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := r.Replay(g)
		done <- err
	}()
	<-g.entered

	c2 := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(srv.Port()), Protocol: 2, DisableIdentity: true, MaxRetries: -1})
	defer c2.Close()
	require.EqualError(t, c2.Get(ctx, "k1").Err(), "LOADING keel is loading the dataset in memory")
	info, err := c2.Info(ctx, "persistence").Result()
	require.NoError(t, err)
	require.Contains(t, info, "loading:1")
	require.Regexp(t, `loading_total_bytes:[1-9]`, info)
	require.Regexp(t, `loading_loaded_bytes:[1-9]`, info, "pass 1 is done")
	require.Regexp(t, `loading_rss_bytes:[1-9]`, info)
	require.Contains(t, info, "loading_eta_seconds:")
	require.True(t, r.Progress().Loading)

	close(g.released)
	require.NoError(t, <-done)
	srv.SetLoading(false)
	v, err := c2.Get(ctx, "k49").Result()
	require.NoError(t, err)
	require.Equal(t, "49", v)
	require.NoError(t, c2.Set(ctx, "after", "1", 0).Err())
	info, err = c2.Info(ctx, "persistence").Result()
	require.NoError(t, err)
	require.Contains(t, info, "loading:0")
	require.NotContains(t, info, "loading_total_bytes")
	srv.Stop()
	require.NoError(t, r.Logs().Close())

	srv3, _, c3 := serverOn(t, dir, "always")
	defer srv3.Stop()
	vals, err := c3.MGet(ctx, "after", "k0", "{a}m", "{b}m").Result()
	require.NoError(t, err)
	require.Equal(t, []any{"1", "0", "x", "x"}, vals)
}
