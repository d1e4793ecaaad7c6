package integration

import (
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

// CONFIG SET appendonly yes at run time, end to end: a server started with
// appendonly no turns its log on while clients write; once the checkpoint
// of the switch is published, kill -9 and a restart with appendonly yes
// rebuild exactly the keyspace (DEBUG DIGEST) and every acknowledged write.
func TestAppendOnlySwitchKill(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	dir := t.TempDir()
	common := []string{"--shards", "3", "--appendfsync", "always", "--enable-debug-command", "yes", "--save", ""}
	p := startKeelDir(t, dir, append([]string{"--appendonly", "no"}, common...)...)
	conns := dbConns(t, p, 3)
	w := ckWorkload(rng, t, conns[0])
	runWorkload(t, rng, w, conns, 30)

	// A client keeps incrementing a counter through the switch.
	counter := p.Raw(t)
	stop := make(chan struct{})
	acked := 0
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if r, err := counter.Do("INCR", "{c}counter"); err != nil || !strings.HasPrefix(r, ":") {
				t.Errorf("INCR: %q %v", r, err)
				return
			}
			acked++
		}
	})

	rc := p.Raw(t)
	require.Equal(t, "+OK\r\n", rc.MustDo(t, "CONFIG", "SET", "appendonly", "yes"))
	require.Equal(t, "*2\r\n$10\r\nappendonly\r\n$3\r\nyes\r\n", rc.MustDo(t, "CONFIG", "GET", "appendonly"))
	require.Contains(t, rc.MustDo(t, "INFO", "persistence"), "aof_enabled:1\r\n")
	// In effect once the rewrite (the checkpoint of the switch) is done,
	// as in Redis.
	require.Eventually(t, func() bool {
		info := rc.MustDo(t, "INFO", "persistence")
		return strings.Contains(info, "aof_rewrite_in_progress:0\r\n") && strings.Contains(info, "aof_rewrite_scheduled:0\r\n")
	}, 30*time.Second, 5*time.Millisecond)
	info := rc.MustDo(t, "INFO", "persistence")
	require.Contains(t, info, "aof_last_bgrewrite_status:ok\r\n")
	require.Contains(t, info, "aof_current_size:")
	require.Equal(t, "*2\r\n:1\r\n:0\r\n", rc.MustDo(t, "WAITAOF", "1", "0", "0"))

	runWorkload(t, rng, w, conns, 30)
	close(stop)
	wg.Wait()
	want := digest(t, p)
	segs, err := filepath.Glob(filepath.Join(dir, "aof", "*.aof"))
	require.NoError(t, err)
	require.NotEmpty(t, segs, "the writes after the switch are logged")
	manifest, err := os.ReadFile(filepath.Join(dir, "MANIFEST"))
	require.NoError(t, err)
	require.Contains(t, string(manifest), filepath.Base(segs[len(segs)-1]))
	p.Kill()
	p.quiet = true

	q := startKeelDir(t, dir, append([]string{"--appendonly", "yes"}, common...)...)
	require.Equal(t, want, digest(t, q), "checkpoint of the switch plus the log after it")
	require.Contains(t, q.Log(), "DB loaded from append only file")
	require.Positive(t, acked)
	n := strconv.Itoa(acked)
	require.Equal(t, "$"+strconv.Itoa(len(n))+"\r\n"+n+"\r\n", q.Raw(t).MustDo(t, "GET", "{c}counter"), "every acknowledged INCR")
	require.Equal(t, 0, q.Stop())
}
