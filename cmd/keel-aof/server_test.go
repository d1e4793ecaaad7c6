package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
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

const redisServerPath = "/usr/bin/redis-server"

// snapshotDBs are the databases the keyspace tests write and compare.
var snapshotDBs = []int{0, 3, 5, 6, 7}

// startKeel runs a keel server in-process on dir (as keel-server would,
// over the AOF in dir) and returns a stop function that flushes the logs.
func startKeel(t *testing.T, dir string, shards int) (addr string, stop func()) {
	t.Helper()
	o, err := openOffline(dir, shards, 16, true, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	o.srv.Start()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		o.srv.Stop()
		require.NoError(t, o.close())
	}
	t.Cleanup(stop)
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(o.srv.Port())), stop
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startRedis starts the reference redis-server on a free port in dir.
func startRedis(t *testing.T, dir string, args ...string) (addr string, stop func()) {
	t.Helper()
	if _, err := os.Stat(redisServerPath); err != nil {
		t.Skipf("%s not installed: %v", redisServerPath, err)
	}
	port := freePort(t)
	cmd := exec.Command(redisServerPath, append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--dir", dir, "--save", ""}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		close(done)
	}()
	addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	require.Eventually(t, func() bool {
		conn, err := net.Dial("tcp", addr)
		if err == nil {
			conn.Close()
		}
		return err == nil
	}, 10*time.Second, 20*time.Millisecond, "redis-server did not start: %s", &out)
	stop = func() {
		select {
		case <-done:
			return
		default:
		}
		cmd.Process.Kill()
		<-done
	}
	t.Cleanup(stop)
	// SHUTDOWN is how a test stops it cleanly; wait for the exit then.
	return addr, func() {
		c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
		c.Shutdown(context.Background())
		c.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			stop()
		}
	}
}

// writeWorkload writes every data type, cross-shard writes, transactions,
// several databases, TTLs and keyless effects.
func writeWorkload(t *testing.T, addr string) {
	t.Helper()
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	must := func(err error) { require.NoError(t, err) }
	for i := range 40 {
		must(c.Set(ctx, fmt.Sprintf("user:%d", i), fmt.Sprintf("name-%d", i), 0).Err())
	}
	must(c.Set(ctx, "ttl:1", "v", time.Hour).Err())
	must(c.Expire(ctx, "user:3", 2*time.Hour).Err())
	must(c.MSet(ctx, "{a}m1", "1", "{b}m2", "2", "{c}m3", "3").Err())
	must(c.RPush(ctx, "list:1", "a", "b", "c", "d").Err())
	must(c.LPop(ctx, "list:1").Err())
	must(c.HSet(ctx, "hash:1", "f1", "v1", "f2", "v2").Err())
	must(c.SAdd(ctx, "set:1", "x", "y", "z").Err())
	must(c.SPop(ctx, "set:1").Err())
	must(c.ZAdd(ctx, "zset:1", redis.Z{Score: 1.5, Member: "a"}, redis.Z{Score: 2, Member: "b"}).Err())
	must(c.IncrByFloat(ctx, "float:1", 1.25).Err())
	must(c.Incr(ctx, "counter").Err())
	must(c.Del(ctx, "user:5", "user:6", "user:7").Err())
	must(c.Rename(ctx, "{a}m1", "{b}moved").Err())
	must(c.Rename(ctx, "list:1", "{c}list").Err())
	_, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "{a}tx", "1", 0)
		p.Set(ctx, "{b}tx", "2", 0)
		p.HSet(ctx, "{c}txh", "f", "v")
		return nil
	})
	must(err)
	for _, db := range []int{3, 5, 6} {
		cdb := redis.NewClient(&redis.Options{Addr: addr, DB: db})
		must(cdb.Set(ctx, "in-db", strconv.Itoa(db), 0).Err())
		must(cdb.SAdd(ctx, "{a}s", "m").Err())
		cdb.Close()
	}
	c5 := redis.NewClient(&redis.Options{Addr: addr, DB: 5})
	must(c5.FlushDB(ctx).Err())
	must(c5.Set(ctx, "after-flush", "1", 0).Err())
	c5.Close()
	must(c.Do(ctx, "SWAPDB", 6, 7).Err())
	must(c.Set(ctx, "last", "write", 0).Err())
}

// snapshot reads every key of the test databases: type, value and
// absolute expiry time.
func snapshot(t *testing.T, addr string) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for _, db := range snapshotDBs {
		c := redis.NewClient(&redis.Options{Addr: addr, DB: db})
		keys, err := c.Keys(ctx, "*").Result()
		require.NoError(t, err)
		for _, k := range keys {
			typ, err := c.Type(ctx, k).Result()
			require.NoError(t, err)
			var val any
			switch typ {
			case "string":
				val, err = c.Get(ctx, k).Result()
			case "list":
				val, err = c.LRange(ctx, k, 0, -1).Result()
			case "hash":
				val, err = c.HGetAll(ctx, k).Result()
			case "set":
				var m []string
				m, err = c.SMembers(ctx, k).Result()
				slices.Sort(m)
				val = m
			case "zset":
				val, err = c.ZRangeWithScores(ctx, k, 0, -1).Result()
			default:
				t.Fatalf("unexpected type %s of %s", typ, k)
			}
			require.NoError(t, err)
			exp, err := c.Do(ctx, "PEXPIRETIME", k).Int64()
			require.NoError(t, err)
			out[fmt.Sprintf("%d/%s", db, k)] = fmt.Sprintf("%s %v expire=%d", typ, val, exp)
		}
		c.Close()
	}
	return out
}

func TestCatPipeRebuildsKeyspaceInRedis(t *testing.T) {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli not installed")
	}
	dir := t.TempDir()
	addr, stop := startKeel(t, dir, 3)
	writeWorkload(t, addr)
	stop()
	// A checkpoint holds what came before it; cat prints it first.
	code, _, errOut := runTool(t, "", "rewrite", "--dir", dir, "--quiet")
	require.Equal(t, 0, code, errOut)
	addr, stop = startKeel(t, dir, 3)
	writeWorkload(t, addr)
	want := snapshot(t, addr)
	stop()
	require.Greater(t, len(want), 40)

	code, out, errOut := runTool(t, "", "cat", "--dir", dir)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, "cat: done:")

	raddr, _ := startRedis(t, t.TempDir(), "--appendonly", "no")
	_, port, _ := net.SplitHostPort(raddr)
	pipe := exec.Command(cli, "-p", port, "--pipe")
	pipe.Stdin = strings.NewReader(out)
	res, err := pipe.CombinedOutput()
	require.NoError(t, err, "%s", res)
	require.Contains(t, string(res), "errors: 0,", "%s", res)
	assert.Equal(t, want, snapshot(t, raddr))
}

func TestImportRedisAOF(t *testing.T) {
	for _, preamble := range []string{"yes", "no"} {
		t.Run("preamble-"+preamble, func(t *testing.T) {
			rdir := t.TempDir()
			raddr, shutdown := startRedis(t, rdir, "--appendonly", "yes", "--aof-use-rdb-preamble", preamble)
			ctx := context.Background()
			c := redis.NewClient(&redis.Options{Addr: raddr})
			defer c.Close()
			writeWorkload(t, raddr)
			require.NoError(t, c.BgRewriteAOF(ctx).Err())
			require.Eventually(t, func() bool {
				info, err := c.Info(ctx, "persistence").Result()
				return err == nil && strings.Contains(info, "aof_rewrite_in_progress:0") && strings.Contains(info, "aof_rewrite_scheduled:0")
			}, 10*time.Second, 20*time.Millisecond)
			// Writes after the rewrite go to a new incr file.
			require.NoError(t, c.Set(ctx, "after-rewrite", "1", 0).Err())
			_, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Incr(ctx, "counter")
				p.Select(ctx, 3)
				p.Set(ctx, "in-tx-db3", "1", 0)
				return nil
			})
			require.NoError(t, err)
			require.NoError(t, c.HSet(ctx, "hash:1", "f3", "v3").Err())
			want := snapshot(t, raddr)
			shutdown()

			aofDir := filepath.Join(rdir, "appendonlydir")
			bases, _ := filepath.Glob(filepath.Join(aofDir, "*.base.*"))
			require.Len(t, bases, 1)
			if preamble == "yes" {
				require.True(t, strings.HasSuffix(bases[0], ".base.rdb"), bases[0])
			} else {
				require.True(t, strings.HasSuffix(bases[0], ".base.aof"), bases[0])
			}

			kdir := filepath.Join(t.TempDir(), "keel")
			code, out, errOut := runTool(t, "", "import-redis-aof", "--from", aofDir, "--dir", kdir, "--shards", "2", "--quiet")
			require.Equal(t, 0, code, out+errOut)
			assert.Contains(t, out, "imported ")
			code, _, errOut = runTool(t, "", "verify", "--dir", kdir, "--quiet")
			require.Equal(t, 0, code, errOut)
			kaddr, _ := startKeel(t, kdir, 2)
			assert.Equal(t, want, snapshot(t, kaddr))

			// A pre-7 single file is the base and the incr files in one.
			var single []byte
			files, _ := filepath.Glob(filepath.Join(aofDir, "*.incr.aof"))
			for _, f := range append([]string{bases[0]}, files...) {
				b, err := os.ReadFile(f)
				require.NoError(t, err)
				single = append(single, b...)
				// aof-timestamp-enabled annotations are skipped.
				single = append(single, "#TS:1764100000\r\n"...)
			}
			// A command cut short at the end is dropped, as Redis does.
			single = append(single, "*3\r\n$3\r\nSET\r\n$4\r\ntorn"...)
			file := filepath.Join(t.TempDir(), "appendonly.aof")
			require.NoError(t, os.WriteFile(file, single, 0o644))
			kdir2 := filepath.Join(t.TempDir(), "keel")
			code, out, errOut = runTool(t, "", "import-redis-aof", "--from", file, "--dir", kdir2, "--shards", "3")
			require.Equal(t, 0, code, out+errOut)
			assert.Contains(t, errOut, "cut short")
			kaddr2, _ := startKeel(t, kdir2, 3)
			assert.Equal(t, want, snapshot(t, kaddr2))

			code, _, errOut = runTool(t, "", "import-redis-aof", "--from", file, "--dir", kdir2)
			assert.Equal(t, 1, code)
			assert.Contains(t, errOut, "already holds data")
		})
	}
}

func TestImportRedisAOFEdgeCases(t *testing.T) {
	cmd := func(args ...string) string {
		s := fmt.Sprintf("*%d\r\n", len(args))
		for _, a := range args {
			s += fmt.Sprintf("$%d\r\n%s\r\n", len(a), a)
		}
		return s
	}
	aof := cmd("SELECT", "2") + cmd("SET", "a", "1") + cmd("MULTI") + cmd("SET", "b", "2") + cmd("INCR", "a") + cmd("EXEC") +
		cmd("NOTACOMMAND", "x") + cmd("SET", "c", "3") + cmd("MULTI") + cmd("SET", "never", "1")
	file := filepath.Join(t.TempDir(), "appendonly.aof")
	require.NoError(t, os.WriteFile(file, []byte(aof), 0o644))
	dir := filepath.Join(t.TempDir(), "keel")
	code, out, errOut := runTool(t, "", "import-redis-aof", "--from", file, "--dir", dir, "--shards", "2")
	assert.Equal(t, 1, code, "a failed command makes the exit status 1")
	assert.Contains(t, out, "1 commands failed")
	assert.Contains(t, out, fmt.Sprintf("%s offset %d: NOTACOMMAND: ERR unknown command 'NOTACOMMAND'", file, strings.Index(aof, "*2\r\n$11")))
	assert.Contains(t, errOut, "the AOF ends inside a MULTI")

	addr, _ := startKeel(t, dir, 2)
	c := redis.NewClient(&redis.Options{Addr: addr, DB: 2})
	defer c.Close()
	ctx := context.Background()
	assert.Equal(t, "2", c.Get(ctx, "a").Val())
	assert.Equal(t, "2", c.Get(ctx, "b").Val())
	assert.Equal(t, "3", c.Get(ctx, "c").Val())
	assert.Zero(t, c.Exists(ctx, "never").Val(), "the transaction left open is dropped")

	bad := filepath.Join(t.TempDir(), "bad.aof")
	require.NoError(t, os.WriteFile(bad, []byte(cmd("SET", "a", "1")+"GARBAGE\r\n"), 0o644))
	code, _, errOut = runTool(t, "", "import-redis-aof", "--from", bad, "--dir", filepath.Join(t.TempDir(), "k"), "--shards", "1")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, fmt.Sprintf(`%s: command at offset %d: expected '*<n>\r\n', found "GARBAGE\r\n"`, bad, len(cmd("SET", "a", "1"))))
}
