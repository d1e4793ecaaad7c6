package recovery

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/keeldb/keel/durability"
	"github.com/keeldb/keel/shardcore"
	"github.com/keeldb/keel/shardcore/config"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// ckServerOn recovers dir (checkpoint, then log tails) into a new
// in-process server with checkpoints and starts it.
func ckServerOn(t *testing.T, dir string, fsys durability.FS) (*shardcore.Server, *Recovery, *redis.Client) {
	t.Helper()
	return ckServerWith(t, dir, fsys, true)
}

// ckServerWith is ckServerOn with appendonly given and more server options.
func ckServerWith(t *testing.T, dir string, fsys durability.FS, appendonly bool, opts ...string) (*shardcore.Server, *Recovery, *redis.Client) {
	t.Helper()
	cfg, err := config.Parse(append([]string{"--port", "0", "--bind", "127.0.0.1", "--dir", dir, "--shards", "2", "--appendfsync", "always"}, opts...))
	require.NoError(t, err)
	rc := testConfig(2)
	rc.Checkpoints = true
	rc.AppendOnly = appendonly
	r, err := Open(dir, fsys, rc)
	require.NoError(t, err)
	srv, err := shardcore.NewServer(cfg, shardcore.Options{Logger: quietLogger(nil), Persistence: r.Logs(),
		Checkpoints: &shardcore.Checkpoints{Store: r.CheckpointStore(), Sink: r, Next: r.NextCheckpointID()}})
	require.NoError(t, err)
	_, err = srv.LoadCheckpoint(r.CheckpointStore())
	require.NoError(t, err)
	_, err = r.Replay(srv)
	require.NoError(t, err)
	srv.Start()
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(srv.Port()), Protocol: 2, DisableIdentity: true, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	return srv, r, c
}

// TestCheckpointCrashPoints fails each on-disk step of a checkpoint that
// goes through the FS (the MANIFEST naming it, the removal of the segments
// it covers), crashes, and checks that the restart serves exactly the
// acknowledged keyspace. (A crash while Pebble is written, or before the
// copy is renamed, is the kill -9 drills' business: those steps cannot
// fail through this FS.)
func TestCheckpointCrashPoints(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		fault   durability.Fault
		saveErr bool
	}{
		// Sticky: the cut's new segment is named in the MANIFEST first.
		{"manifest write", durability.Fault{Op: durability.OpWrite, Path: "*MANIFEST.tmp", Sticky: true}, true},
		{"manifest rename", durability.Fault{Op: durability.OpRename, Path: "*MANIFEST*", Sticky: true}, true},
		{"manifest dir sync", durability.Fault{Op: durability.OpSyncDir, Path: "*", Sticky: true}, true},
		{"segment removal", durability.Fault{Op: durability.OpRemove, Path: "*.aof"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			ffs := durability.NewFaultFS(durability.OSFS{})
			srv, r, c := ckServerOn(t, dir, ffs)
			want := map[string]string{}
			set := func(k, v string) {
				require.NoError(t, c.Set(ctx, k, v, 0).Err())
				want[k] = v
			}
			for i := range 100 {
				set("a"+strconv.Itoa(i), "v1")
			}
			require.NoError(t, c.Save(ctx).Err(), "a first good checkpoint")
			for i := range 50 {
				set("a"+strconv.Itoa(i), "v2")
				set("b"+strconv.Itoa(i), "v2")
			}
			require.NoError(t, c.Del(ctx, "a99").Err())
			delete(want, "a99")
			ffs.Inject(tc.fault)
			err := c.Save(ctx).Err()
			if tc.saveErr {
				require.Error(t, err)
			} else {
				require.NoError(t, err)
			}
			ffs.ClearAll()
			if !tc.saveErr {
				// Written after the checkpoint: from the log tail.
				set("after", "x")
			}
			srv.Stop() // a crash: nothing closed or flushed on the way out
			require.NoError(t, r.CheckpointStore().Close())

			srv2, r2, c2 := ckServerOn(t, dir, durability.OSFS{})
			defer r2.CheckpointStore().Close()
			defer srv2.Stop()
			n, err := c2.DBSize(ctx).Result()
			require.NoError(t, err)
			require.Equal(t, int64(len(want)), n)
			for k, v := range want {
				got, err := c2.Get(ctx, k).Result()
				require.NoError(t, err, k)
				require.Equal(t, v, got, k)
			}
			// The next checkpoint works and only one copy is kept.
			require.NoError(t, c2.Save(ctx).Err())
			copies, err := os.ReadDir(filepath.Join(dir, "checkpoints"))
			require.NoError(t, err)
			require.Len(t, copies, 1)
		})
	}
}
