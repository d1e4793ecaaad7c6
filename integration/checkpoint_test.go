package integration

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Checkpoints end to end: the keyspace a checkpoint plus the log tail
// rebuild is exactly the one the server had (DEBUG DIGEST), after kill -9,
// with checkpoints taken while writes go on, with another shard count, and
// from a checkpoint copy taken out of the data directory.

// ckWorkload is the replay-equivalence workload plus the types it lacks.
func ckWorkload(rng *rand.Rand, t *testing.T, rc *rawConn) *workload {
	caps := probeCommands(t, rc, "pttl", "lrange", "lpush", "rpush", "lpop", "rpop", "lmove", "ltrim",
		"lset", "lrem", "linsert", "expire", "pexpire", "persist", "pexpireat", "getex", "rename",
		"hset", "hdel", "hincrby", "hincrbyfloat", "hgetall", "sadd", "srem", "spop", "smove", "smembers",
		"sunionstore", "sinterstore")
	w := newWorkload(rng, caps)
	zkey := func() string { return fmt.Sprintf("{%c}z%d", 'a'+rng.IntN(3), rng.IntN(6)) }
	xkey := func() string { return fmt.Sprintf("{%c}x%d", 'a'+rng.IntN(3), rng.IntN(3)) }
	hkey := func() string { return fmt.Sprintf("{%c}p%d", 'a'+rng.IntN(3), rng.IntN(3)) }
	member := func() string { return "m" + strconv.Itoa(rng.IntN(20)) }
	score := func() string { return strconv.FormatFloat(float64(rng.IntN(1000))/8-40, 'f', -1, 64) }
	add := func(f func() []string) { w.gens = append(w.gens, f) }
	add(func() []string { return []string{"ZADD", zkey(), score(), member(), score(), member()} })
	add(func() []string { return []string{"ZINCRBY", zkey(), score(), member()} })
	add(func() []string { return []string{"ZREM", zkey(), member()} })
	add(func() []string { return []string{"ZPOPMIN", zkey()} })
	add(func() []string { return []string{"ZUNIONSTORE", zkey(), "2", zkey(), zkey()} })
	add(func() []string { return []string{"XADD", xkey(), "*", "f", member()} })
	add(func() []string { return []string{"XADD", xkey(), "MAXLEN", "5", "*", "f", member()} })
	add(func() []string { return []string{"XGROUP", "CREATE", xkey(), "g", "0", "MKSTREAM"} })
	add(func() []string {
		return []string{"XREADGROUP", "GROUP", "g", "c" + strconv.Itoa(rng.IntN(2)), "COUNT", "2", "STREAMS", xkey(), ">"}
	})
	add(func() []string { return []string{"PFADD", hkey(), member(), member(), member()} })
	add(func() []string { return []string{"DEL", zkey(), xkey()} })
	return w
}

// runWorkload sends rounds batches of 50 commands, each on a random one of
// the connections (one per database).
func runWorkload(t *testing.T, rng *rand.Rand, w *workload, conns []*rawConn, rounds int) {
	t.Helper()
	for range rounds {
		c := conns[rng.IntN(len(conns))]
		var batch []byte
		const n = 50
		for range n {
			batch = append(batch, respCommand(w.next())...)
		}
		require.NoError(t, c.Send(batch))
		for range n {
			_, err := c.Read()
			require.NoError(t, err)
		}
	}
}

func dbConns(t *testing.T, p *proc, dbs int) []*rawConn {
	conns := make([]*rawConn, dbs)
	for i := range conns {
		conns[i] = p.Raw(t)
		require.Equal(t, "+OK\r\n", conns[i].MustDo(t, "SELECT", strconv.Itoa(i)))
	}
	return conns
}

func digest(t *testing.T, p *proc) string {
	t.Helper()
	r := p.Raw(t).MustDo(t, "DEBUG", "DIGEST")
	require.True(t, strings.HasPrefix(r, "+"), r)
	return r
}

func TestCheckpointEquivalence(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 3))
	dir := t.TempDir()
	args := []string{"--shards", "3", "--appendfsync", "always", "--enable-debug-command", "yes", "--save", ""}
	p := startKeelDir(t, dir, args...)
	conns := dbConns(t, p, 3)
	w := ckWorkload(rng, t, conns[0])

	// SAVE, then kill -9: the restart loads the checkpoint and an empty
	// log tail.
	runWorkload(t, rng, w, conns, 60)
	want := digest(t, p)
	require.Equal(t, "+OK\r\n", p.Raw(t).MustDo(t, "SAVE"))
	p.Kill()
	p.quiet = true
	p = startKeelDir(t, dir, args...)
	require.Equal(t, want, digest(t, p), "after SAVE and kill -9")
	require.Contains(t, p.Log(), "DB loaded from checkpoint")

	// Checkpoints taken while writes go on, then kill -9: checkpoint plus
	// log tail.
	conns = dbConns(t, p, 3)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	saver := p.Raw(t)
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			r, err := saver.Do("BGSAVE")
			if err != nil || !(strings.HasPrefix(r, "+Background saving started") || strings.Contains(r, "already in progress")) {
				t.Errorf("BGSAVE: %q %v", r, err)
				return
			}
		}
	})
	runWorkload(t, rng, w, conns, 120)
	close(stop)
	wg.Wait()
	want = digest(t, p)
	p.Kill()
	p = startKeelDir(t, dir, args...)
	require.Equal(t, want, digest(t, p), "checkpoints during writes, then kill -9")

	// A clean shutdown checkpoints; another shard count loads the same.
	require.Equal(t, 0, p.Stop())
	require.Contains(t, p.Log(), "checkpoint done")
	p = startKeelDir(t, dir, "--shards", "2", "--enable-debug-command", "yes")
	require.Equal(t, want, digest(t, p), "restart with 2 shards")
	require.Equal(t, 0, p.Stop())
}

func TestCheckpointCopyStartsServer(t *testing.T) {
	dir := t.TempDir()
	args := []string{"--shards", "2", "--enable-debug-command", "yes"}
	p := startKeelDir(t, dir, args...)
	rc := p.Raw(t)
	for i := range 500 {
		rc.MustDo(t, "SET", "k"+strconv.Itoa(i), strconv.Itoa(i))
		rc.MustDo(t, "RPUSH", "l"+strconv.Itoa(i%7), strconv.Itoa(i))
	}
	rc.MustDo(t, "HSET", "h", "a", "1", "b", "2")
	require.Equal(t, "+OK\r\n", rc.MustDo(t, "SAVE"))
	want := digest(t, p)
	// Written after the checkpoint: not in the copy.
	rc.MustDo(t, "SET", "later", "x")
	info := rc.MustDo(t, "INFO", "persistence")
	id := ""
	for _, l := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(l, "checkpoint_last_id:"); ok {
			id = v
		}
	}
	n, err := strconv.ParseUint(id, 10, 64)
	require.NoError(t, err)
	src := filepath.Join(dir, "checkpoints", fmt.Sprintf("%016d", n))
	backup := filepath.Join(t.TempDir(), "backup")
	require.NoError(t, os.MkdirAll(backup, 0o755))
	entries, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(backup, e.Name()), b, 0o644))
	}
	require.Equal(t, 0, p.Stop())

	q := startKeelDir(t, backup, args...)
	require.Equal(t, want, digest(t, q))
	require.Equal(t, "$-1\r\n", q.Raw(t).MustDo(t, "GET", "later"))
	require.Equal(t, ":508\r\n", q.Raw(t).MustDo(t, "DBSIZE"))
	require.Equal(t, 0, q.Stop())
}
