package recovery

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/keeldb/keel/aof"
	"github.com/keeldb/keel/durability"
	"github.com/keeldb/keel/shardcore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// The log a run-time switch starts is named by the MANIFEST only with the
// checkpoint cut at the switch, and WAITAOF counts nothing from the switch
// on as synced before that.
func TestSwitchLogsHeldUntilPublish(t *testing.T) {
	ffs := durability.NewFaultFS(durability.NewMemFS())
	cfg := testConfig(2)
	cfg.AppendOnly = false
	r, _, _ := start(t, ffs, cfg)
	l := r.Logs()
	defer l.Close()
	require.False(t, l.AppendOnly())
	require.Contains(t, l.Info(nil), "aof_enabled:0")
	require.NotContains(t, l.Info(nil), "aof_current_size:0", "sizes only while enabled, as Redis")
	l.Log(0, 0, args("SET s0:k off"), 0)
	require.NoError(t, l.Commit(0))
	require.Zero(t, l.Stats()[0].Records, "nothing is logged while off")

	require.NoError(t, l.StartLogging())
	require.True(t, l.AppendOnly())
	require.True(t, l.LogStarting())
	require.Contains(t, l.Info(nil), "aof_enabled:1")
	// The switch's LSN stands for the writes made while logging was off.
	require.EqualValues(t, 1, l.LoggedLSN(0))
	require.EqualValues(t, 0, l.SyncedLSN(0))

	require.EqualValues(t, 1, l.Cut(0))
	require.EqualValues(t, 1, l.Cut(1))
	l.Log(0, 0, args("SET s0:k on"), 0)
	require.NoError(t, l.Commit(0))
	require.EqualValues(t, 2, l.LoggedLSN(0))
	require.EqualValues(t, 2, l.Stats()[0].SyncedLSN, "fsynced (appendfsync always)")
	require.EqualValues(t, 0, l.SyncedLSN(0), "not durable before the checkpoint is published")
	m, err := durability.LoadManifest(ffs, testDir)
	require.NoError(t, err)
	require.Empty(t, m.Shards, "the new segments are not named yet")
	files, err := aof.ListSegments(ffs, testDir, 0)
	require.NoError(t, err)
	require.Equal(t, []durability.Segment{{Name: "aof/" + aof.SegmentName(0, 2), FirstLSN: 2}}, files)

	cp := durability.Checkpoint{ID: "checkpoints/1", Shards: []durability.CheckpointLSN{{Shard: 0, LSN: 1}, {Shard: 1, LSN: 1}}}
	ffs.Inject(durability.Fault{Op: durability.OpWrite, Path: "*MANIFEST.tmp", Sticky: true})
	require.Error(t, l.publish(cp, false))
	ffs.ClearAll()
	require.True(t, l.LogStarting(), "a failed publish leaves logging starting")
	require.EqualValues(t, 0, l.SyncedLSN(0))

	require.NoError(t, l.publish(cp, false))
	require.False(t, l.LogStarting())
	require.EqualValues(t, 2, l.SyncedLSN(0))
	m, err = durability.LoadManifest(ffs, testDir)
	require.NoError(t, err)
	require.Equal(t, &cp, m.Checkpoint)
	for i := range 2 {
		sl := m.Shard(i)
		require.NotNil(t, sl, "shard %d", i)
		require.Equal(t, []durability.Segment{{Name: "aof/" + aof.SegmentName(i, 2), FirstLSN: 2}}, sl.Segments)
	}
	// Segments rolled from now on are named at once.
	require.EqualValues(t, 2, l.Cut(0))
	l.Log(0, 0, args("SET s0:k later"), 0)
	require.NoError(t, l.Commit(0))
	require.EqualValues(t, 3, l.Cut(0))
	m, err = durability.LoadManifest(ffs, testDir)
	require.NoError(t, err)
	require.Len(t, m.Shard(0).Segments, 3, "2 and the rolls at LSN 3 and 4")
}

// switchServerOn is ckServerOn with appendonly given, no save rules and
// DEBUG enabled.
func switchServerOn(t *testing.T, dir string, fsys durability.FS, appendonly bool) (*shardcore.Server, *Recovery, *redis.Client) {
	t.Helper()
	yn := map[bool]string{true: "yes", false: "no"}[appendonly]
	return ckServerWith(t, dir, fsys, appendonly, "--appendonly", yn, "--save", "", "--enable-debug-command", "yes")
}

// restarted starts a server with appendonly yes on dir, stopped and closed
// at the end of the test.
func restarted(t *testing.T, dir string) *redis.Client {
	t.Helper()
	srv, r, c := switchServerOn(t, dir, durability.OSFS{}, true)
	t.Cleanup(func() {
		srv.Stop()
		require.NoError(t, r.Logs().Close())
		require.NoError(t, r.CheckpointStore().Close())
	})
	return c
}

// crash stops srv without closing or flushing anything on the way out.
func crash(t *testing.T, srv *shardcore.Server, r *Recovery) {
	t.Helper()
	srv.Stop()
	require.NoError(t, r.CheckpointStore().Close())
}

func waitSwitched(t *testing.T, srv *shardcore.Server, r *Recovery) {
	t.Helper()
	require.Eventually(t, func() bool { return !r.Logs().LogStarting() && !srv.CheckpointRunning() }, 10e9, 1e6)
}

func requireKeys(t *testing.T, c *redis.Client, want map[string]string) {
	t.Helper()
	ctx := context.Background()
	n, err := c.DBSize(ctx).Result()
	require.NoError(t, err)
	require.Equal(t, int64(len(want)), n)
	for k, v := range want {
		got, err := c.Get(ctx, k).Result()
		require.NoError(t, err, k)
		require.Equal(t, v, got, k)
	}
}

func unnamedSegments(t *testing.T, dir string) []string {
	t.Helper()
	m, err := durability.LoadManifest(durability.OSFS{}, dir)
	require.NoError(t, err)
	named := map[string]bool{}
	for _, sl := range m.Shards {
		for _, s := range sl.Segments {
			named[s.Name] = true
		}
	}
	entries, err := os.ReadDir(filepath.Join(dir, aof.DirName))
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		if _, _, ok := aof.ParseSegmentName(e.Name()); ok && !named[aof.DirName+"/"+e.Name()] {
			out = append(out, e.Name())
		}
	}
	return out
}

// CONFIG SET appendonly yes, crashes before and after the checkpoint that
// puts it in effect is published, from a server started with appendonly no
// and from one whose log was turned off at run time.
func TestSwitchOnCrashPoints(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name       string
		appendonly bool // at start; turned off at run time when set
		fault      *durability.Fault
	}{
		{"started off, published", false, nil},
		{"started off, MANIFEST write fails", false, &durability.Fault{Op: durability.OpWrite, Path: "*MANIFEST.tmp", Sticky: true}},
		{"started off, MANIFEST rename fails", false, &durability.Fault{Op: durability.OpRename, Path: "*MANIFEST*", Sticky: true}},
		{"turned off, published", true, nil},
		{"turned off, MANIFEST write fails", true, &durability.Fault{Op: durability.OpWrite, Path: "*MANIFEST.tmp", Sticky: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			ffs := durability.NewFaultFS(durability.OSFS{})
			srv, r, c := switchServerOn(t, dir, ffs, tc.appendonly)
			durable := map[string]string{} // what the previous MANIFEST recovers
			all := map[string]string{}
			set := func(k, v string, kept bool) {
				require.NoError(t, c.Set(ctx, k, v, 0).Err())
				all[k] = v
				if kept {
					durable[k] = v
				}
			}
			for i := range 40 {
				set("a"+strconv.Itoa(i), "v", true) // logged, or in the SAVE below
			}
			if tc.appendonly {
				require.NoError(t, c.ConfigSet(ctx, "appendonly", "no").Err())
			} else {
				require.NoError(t, c.Save(ctx).Err())
			}
			for i := range 40 {
				set("b"+strconv.Itoa(i), "v", false) // neither logged nor saved
			}
			if tc.appendonly {
				// A checkpoint while off leaves the old writer an empty,
				// named current segment: the new log must not reuse it.
				require.NoError(t, c.Save(ctx).Err())
				for k, v := range all {
					durable[k] = v
				}
				set("b-late", "v", false)
			}
			if tc.fault != nil {
				ffs.Inject(*tc.fault)
			}
			require.NoError(t, c.ConfigSet(ctx, "appendonly", "yes").Err())
			require.Eventually(t, func() bool { return !srv.CheckpointRunning() }, 10e9, 1e6)
			info := c.Info(ctx, "persistence").Val()
			require.Contains(t, info, "aof_enabled:1")
			require.Contains(t, info, "aof_rewrite_in_progress:0")
			if tc.fault == nil {
				waitSwitched(t, srv, r)
				require.Contains(t, info, "aof_rewrite_scheduled:0")
				require.Contains(t, info, "aof_last_bgrewrite_status:ok")
			} else {
				require.True(t, r.Logs().LogStarting())
				require.Contains(t, info, "aof_rewrite_scheduled:1", "a failed switch is retried")
				require.Contains(t, info, "aof_last_bgrewrite_status:err")
			}
			for i := range 40 {
				set("c"+strconv.Itoa(i), "v", tc.fault == nil)
			}
			require.NoError(t, c.Incr(ctx, "counter").Err())
			all["counter"] = "1"
			wait := c.Do(ctx, "WAITAOF", "1", "0", "20").Val()
			if tc.fault == nil {
				durable = all
				require.Equal(t, []any{int64(1), int64(0)}, wait)
			} else {
				require.Equal(t, []any{int64(0), int64(0)}, wait, "not durable before the switch is published")
				if !tc.appendonly {
					require.NotEmpty(t, unnamedSegments(t, dir), "the new log is written but not named")
				}
			}
			crash(t, srv, r)
			ffs.ClearAll()

			srv2, r2, c2 := switchServerOn(t, dir, durability.OSFS{}, true)
			requireKeys(t, c2, durable)
			require.Empty(t, unnamedSegments(t, dir))
			// The restarted server logs and checkpoints as usual.
			require.NoError(t, c2.Set(ctx, "d", "v", 0).Err())
			durable["d"] = "v"
			require.NoError(t, c2.Save(ctx).Err())
			require.NoError(t, c2.Set(ctx, "e", "v", 0).Err())
			durable["e"] = "v"
			crash(t, srv2, r2)
			c3 := restarted(t, dir)
			requireKeys(t, c3, durable)
		})
	}
}

// A failed switch is retried by the next checkpoint, which puts logging in
// effect with every write since the switch.
func TestSwitchRetriedAfterFailure(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ffs := durability.NewFaultFS(durability.OSFS{})
	srv, r, c := switchServerOn(t, dir, ffs, false)
	want := map[string]string{}
	setAll := func(v string) {
		for i := range 30 {
			k := "k" + strconv.Itoa(i)
			require.NoError(t, c.Set(ctx, k, v, 0).Err())
			want[k] = v
		}
	}
	setAll("1")
	ffs.Inject(durability.Fault{Op: durability.OpRename, Path: "*MANIFEST*", Sticky: true})
	require.NoError(t, c.ConfigSet(ctx, "appendonly", "yes").Err())
	require.Eventually(t, func() bool { return !srv.CheckpointRunning() }, 10e9, 1e6)
	require.True(t, r.Logs().LogStarting())
	setAll("2")
	ffs.ClearAll()
	require.Equal(t, "Background append only file rewriting started", c.BgRewriteAOF(ctx).Val())
	waitSwitched(t, srv, r)
	require.Equal(t, []any{int64(1), int64(0)}, c.Do(ctx, "WAITAOF", "1", "0", "0").Val())
	require.NoError(t, c.Set(ctx, "after", "x", 0).Err())
	want["after"] = "x"
	crash(t, srv, r)

	c2 := restarted(t, dir)
	requireKeys(t, c2, want)
}

// The switch while clients keep writing, single-shard and multi-shard: the
// restart after kill rebuilds exactly the keyspace (DEBUG DIGEST) and every
// acknowledged increment.
func TestSwitchWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv, r, c := switchServerOn(t, dir, durability.OSFS{}, false)
	stop := make(chan struct{})
	var acked [4]atomic.Int64
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			cw := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(srv.Port()), Protocol: 2, DisableIdentity: true, MaxRetries: -1})
			defer cw.Close()
			key := "{" + strconv.Itoa(w) + "}n"
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := cw.Incr(ctx, key).Err(); err != nil {
					t.Errorf("INCR: %v", err)
					return
				}
				acked[w].Add(1)
				v := strconv.Itoa(i)
				if err := cw.MSet(ctx, "{a}m"+v[len(v)-1:], v, "{b}m"+v[len(v)-1:], v).Err(); err != nil {
					t.Errorf("MSET: %v", err)
					return
				}
			}
		})
	}
	for range 50 {
		require.NoError(t, c.Incr(ctx, "{x}before").Err())
	}
	require.NoError(t, c.ConfigSet(ctx, "appendonly", "yes").Err())
	waitSwitched(t, srv, r)
	for range 50 {
		require.NoError(t, c.Incr(ctx, "{x}after").Err())
	}
	close(stop)
	wg.Wait()
	want := c.Do(ctx, "DEBUG", "DIGEST").Val()
	crash(t, srv, r)

	c2 := restarted(t, dir)
	require.Equal(t, want, c2.Do(ctx, "DEBUG", "DIGEST").Val())
	for w := range 4 {
		n, err := c2.Get(ctx, "{"+strconv.Itoa(w)+"}n").Int64()
		require.NoError(t, err)
		require.Equal(t, acked[w].Load(), n)
	}
	require.Equal(t, "50", c2.Get(ctx, "{x}after").Val())
}

// With appendfsync everysec the new writers get their background fsyncs.
func TestSwitchEverysec(t *testing.T) {
	cfg := testConfig(2)
	cfg.AppendOnly = false
	cfg.Fsync = durability.FsyncEverysec
	r, _, _ := start(t, durability.NewMemFS(), cfg)
	l := r.Logs()
	defer l.Close()
	require.NoError(t, l.StartLogging())
	for i := range 2 {
		require.EqualValues(t, 1, l.Cut(i))
	}
	l.Log(1, 0, args("SET s1:k v"), 0)
	require.NoError(t, l.Commit(1))
	require.Eventually(t, func() bool { return l.Stats()[1].SyncedLSN == 2 }, 5e9, 1e7, "fsynced by the shard's new background syncer")
	require.NoError(t, l.SetFsync("always"))
	require.NoError(t, l.SetFsync("everysec"))
}
