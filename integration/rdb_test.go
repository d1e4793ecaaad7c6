package integration

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rdbDBs are the databases the RDB tests fill.
var rdbDBs = []int{0, 3}

// rdbFill writes strings, lists, hashes and sets, small and large (past the
// listpack/intset limits), some with TTLs, into database db.
func rdbFill(t *testing.T, c *redis.Client, db int) {
	t.Helper()
	ctx := ctxb()
	p := fmt.Sprintf("db%d:", db)
	big := strings.Repeat("0123456789abcdef", 4096)
	pipe := c.Pipeline()
	pipe.Set(ctx, p+"str", "hello", 0)
	pipe.Set(ctx, p+"int", "-42", 0)
	pipe.Set(ctx, p+"empty", "", 0)
	pipe.Set(ctx, p+"big", big, 0)
	pipe.Set(ctx, p+"ttl", "expiring", time.Hour)
	pipe.RPush(ctx, p+"list", "a", "b", "1", "")
	pipe.HSet(ctx, p+"hash", "f", "v", "n", "1")
	pipe.SAdd(ctx, p+"intset", 3, 1, -7, 1<<40)
	pipe.SAdd(ctx, p+"set", "x", "y", "z")
	for i := range 2000 {
		pipe.RPush(ctx, p+"biglist", fmt.Sprintf("item-%d-%s", i, big[:i%100]))
		pipe.HSet(ctx, p+"bighash", fmt.Sprintf("f%d", i), fmt.Sprintf("v%d", i*7))
		pipe.SAdd(ctx, p+"bigset", fmt.Sprintf("member-%d", i))
		pipe.SAdd(ctx, p+"bigintset", i*11)
	}
	for i := range 300 {
		pipe.Set(ctx, fmt.Sprintf("%sk%d", p, i), i, 0)
	}
	pipe.Expire(ctx, p+"bighash", 2*time.Hour)
	pipe.PExpire(ctx, p+"list", 90*time.Minute)
	_, err := pipe.Exec(ctx)
	require.NoError(t, err)
}

func rdbClient(t *testing.T, p *proc, db int) *redis.Client {
	return p.Client(t, 2, func(o *redis.Options) { o.DB = db })
}

// rdbValue reads a key as comparable data.
func rdbValue(t *testing.T, c *redis.Client, key string) (string, any) {
	t.Helper()
	ctx := ctxb()
	typ, err := c.Type(ctx, key).Result()
	require.NoError(t, err)
	var v any
	switch typ {
	case "string":
		v, err = c.Get(ctx, key).Result()
	case "list":
		v, err = c.LRange(ctx, key, 0, -1).Result()
	case "hash":
		v, err = c.HGetAll(ctx, key).Result()
	case "set":
		var m []string
		m, err = c.SMembers(ctx, key).Result()
		slices.Sort(m)
		v = m
	default:
		t.Fatalf("key %q: unexpected type %q", key, typ)
	}
	require.NoError(t, err, key)
	return typ, v
}

// rdbCompare checks that got holds exactly want's keys in every test db,
// with the same types, values and TTLs.
func rdbCompare(t *testing.T, want, got *proc) {
	t.Helper()
	ctx := ctxb()
	for _, db := range rdbDBs {
		wc, gc := rdbClient(t, want, db), rdbClient(t, got, db)
		wkeys, err := wc.Keys(ctx, "*").Result()
		require.NoError(t, err)
		gkeys, err := gc.Keys(ctx, "*").Result()
		require.NoError(t, err)
		slices.Sort(wkeys)
		slices.Sort(gkeys)
		require.Equal(t, wkeys, gkeys, "db %d keys", db)
		require.NotEmpty(t, wkeys)
		for _, k := range wkeys {
			wt, wv := rdbValue(t, wc, k)
			gt, gv := rdbValue(t, gc, k)
			require.Equal(t, wt, gt, "db %d key %q type", db, k)
			require.Equal(t, wv, gv, "db %d key %q value", db, k)
			wttl, err := wc.PTTL(ctx, k).Result()
			require.NoError(t, err)
			gttl, err := gc.PTTL(ctx, k).Result()
			require.NoError(t, err)
			if wttl < 0 {
				require.Equal(t, wttl, gttl, "db %d key %q PTTL", db, k)
			} else {
				require.InDelta(t, wttl.Milliseconds(), gttl.Milliseconds(), 60000, "db %d key %q PTTL", db, k)
			}
		}
	}
}

// buildKeelAOF builds the keel-aof binary for this test.
func buildKeelAOF(t *testing.T) string {
	t.Helper()
	root, err := moduleRoot()
	require.NoError(t, err)
	bin := filepath.Join(t.TempDir(), "keel-aof")
	build := exec.Command("go", "build", "-o", bin, "./cmd/keel-aof")
	build.Dir = root
	out, err := build.CombinedOutput()
	require.NoError(t, err, "building keel-aof: %s", out)
	return bin
}

// runTool runs a program to completion and returns its exit code and output.
func runTool(t *testing.T, bin string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctxb(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		require.True(t, ok, "%s: %v", bin, err)
		return ee.ExitCode(), string(out)
	}
	return 0, string(out)
}

// dirState lists a directory tree's files with their sizes, to show that a
// tool left it unchanged.
func dirState(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	st := map[string]int64{}
	require.NoError(t, filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			st[p] = fi.Size()
		}
		return nil
	}))
	return st
}

func TestRDBImportExport(t *testing.T) {
	requireRedisServer(t)
	aofBin := buildKeelAOF(t)

	// A Redis dataset saved as dump.rdb.
	ref := startRedis(t)
	for _, db := range rdbDBs {
		rdbFill(t, rdbClient(t, ref, db), db)
	}
	require.NoError(t, rdbClient(t, ref, 0).Save(ctxb()).Err())
	dump := filepath.Join(ref.Dir, "dump.rdb")

	// keel-server --import-rdb loads it into an empty data directory.
	dataDir := t.TempDir()
	k := startKeelDir(t, dataDir, "--import-rdb", dump)
	rdbCompare(t, ref, k)
	assert.Contains(t, k.Log(), "RDB file imported")
	require.Equal(t, 0, k.Stop())

	// The next start replays the AOF: the data is there without the file.
	k = startKeelDir(t, dataDir)
	rdbCompare(t, ref, k)
	require.Equal(t, 0, k.Stop())

	// A directory holding data is refused unless import-rdb-replace is yes.
	port := strconv.Itoa(freePort(t))
	code, out := runTool(t, keelBin, "--bind", "127.0.0.1", "--port", port, "--dir", dataDir, "--shards", "3", "--import-rdb", dump)
	assert.NotEqual(t, 0, code)
	assert.Contains(t, out, "refusing to import")

	// keel-aof export-rdb writes a file redis-server loads, without
	// touching the data directory.
	before := dirState(t, dataDir)
	outDir := t.TempDir()
	exported := filepath.Join(outDir, "exported.rdb")
	code, out = runTool(t, aofBin, "export-rdb", "--dir", dataDir, "--out", exported)
	require.Equal(t, 0, code, out)
	assert.Equal(t, before, dirState(t, dataDir), "export-rdb changed the data directory")
	if p, err := exec.LookPath("redis-check-rdb"); err == nil {
		code, out = runTool(t, p, exported)
		require.Equal(t, 0, code, out)
		assert.Contains(t, out, "RDB looks OK")
	} else {
		t.Logf("redis-check-rdb not installed: skipping its check (%v)", err)
	}
	back := startProc(t, "redis", redisServerPath, outDir, func(port int) []string {
		return []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--dir", outDir, "--dbfilename", "exported.rdb"}
	})
	rdbCompare(t, ref, back)

	// keel-aof import-rdb fills a new data directory offline.
	offDir := t.TempDir()
	code, out = runTool(t, aofBin, "import-rdb", "--dir", offDir, "--in", exported, "--shards", "2")
	require.Equal(t, 0, code, out)
	k2 := startKeelDir(t, offDir, "--shards", "2")
	rdbCompare(t, ref, k2)
	require.Equal(t, 0, k2.Stop())
	code, out = runTool(t, aofBin, "import-rdb", "--dir", offDir, "--in", exported)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "refusing to import")
	code, out = runTool(t, aofBin, "import-rdb", "--dir", offDir, "--in", exported, "--replace")
	require.Equal(t, 0, code, out)
	k2 = startKeelDir(t, offDir, "--shards", "2")
	rdbCompare(t, ref, k2)
}

func TestKeelAOFUsage(t *testing.T) {
	aofBin := buildKeelAOF(t)
	code, out := runTool(t, aofBin)
	assert.Equal(t, 2, code)
	assert.Contains(t, out, "export-rdb")
	code, out = runTool(t, aofBin, "bogus")
	assert.Equal(t, 2, code)
	assert.Contains(t, out, `unknown command "bogus"`)
	code, out = runTool(t, aofBin, "export-rdb", "--dir", t.TempDir())
	assert.Equal(t, 2, code)
	assert.Contains(t, out, "--out is required")
	code, out = runTool(t, aofBin, "import-rdb", "--dir", t.TempDir(), "--in", filepath.Join(t.TempDir(), "missing.rdb"))
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "no such file")
	bad := filepath.Join(t.TempDir(), "bad.rdb")
	require.NoError(t, os.WriteFile(bad, []byte("REDIS0010garbage"), 0o644))
	code, out = runTool(t, aofBin, "import-rdb", "--dir", t.TempDir(), "--in", bad, "--shards", "1")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "bad.rdb")
}
