package integration

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

const misconfFull = "MISCONF Errors writing to the AOF file: No space left on device"

// mountTmpfs mounts a tmpfs of size bytes on a new directory, unmounted at
// the end of the test (after the servers started later are killed).
func mountTmpfs(t *testing.T, size int64) string {
	t.Helper()
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		if errors.Is(err, unix.EPERM) {
			t.Skipf("cannot mount a tmpfs to fill (needs root with CAP_SYS_ADMIN; CI runs as root): %v", err)
		}
		t.Fatalf("mount tmpfs on %s: %v", dir, err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dir, 0); err != nil {
			t.Logf("unmount %s: %v; detaching it", dir, err)
			_ = unix.Unmount(dir, unix.MNT_DETACH)
		}
	})
	return dir
}

// A full disk: writes fail with -MISCONF and nothing unsynced is
// acknowledged, reads go on (on every shard, forwarded ones included), the
// error state clears itself once space is freed, and after kill -9 every
// acknowledged write is there.
func TestFullDisk(t *testing.T) {
	ctx := context.Background()
	mnt := mountTmpfs(t, 8<<20)
	// Ballast, removed later to free space.
	ballast := filepath.Join(mnt, "ballast")
	require.NoError(t, os.WriteFile(ballast, make([]byte, 2<<20), 0o644))
	dir := filepath.Join(mnt, "data")
	require.NoError(t, os.Mkdir(dir, 0o755))
	args := []string{"--shards", "2", "--appendfsync", "always", "--save", ""}
	p := startKeelDir(t, dir, args...)

	// Writers fill the disk with incompressible values until their writes
	// are refused. A write whose log commit failed gets its reply only once
	// the log works again.
	const writers = 4
	var (
		mu      sync.Mutex
		acked   = map[string]string{}
		refused []string
		stop    = make(chan struct{})
		wg      sync.WaitGroup
	)
	for w := range writers {
		c := p.Client(t, 2, func(o *redis.Options) { o.ReadTimeout = 2 * time.Minute })
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			val := make([]byte, 16<<10)
			for i := 0; ; i++ {
				for j := range val {
					val[j] = byte(rng.Uint32())
				}
				key := fmt.Sprintf("w%d:%d", w, i)
				err := c.Set(ctx, key, val, 0).Err()
				mu.Lock()
				if err == nil {
					acked[key] = string(val)
				} else {
					refused = append(refused, key)
				}
				mu.Unlock()
				if err != nil {
					assert.Equal(t, misconfFull, err.Error(), key)
					return
				}
				select {
				case <-stop:
					return
				default:
				}
			}
		})
	}
	// The first failed commit is logged after the error state is set: from
	// then on writes are refused at once.
	require.Eventually(t, func() bool { return strings.Contains(p.Log(), "cannot persist writes") },
		2*time.Minute, 10*time.Millisecond, "the disk never filled")

	rc := p.Raw(t)
	require.Equal(t, "-"+misconfFull+"\r\n", rc.MustDo(t, "SET", "probe", "x"))
	require.Equal(t, "-"+misconfFull+"\r\n", rc.MustDo(t, "DEL", "w0:0"))
	// WAITAOF waits for the client's own writes only: rc's were refused.
	require.Equal(t, "*2\r\n:1\r\n:0\r\n", rc.MustDo(t, "WAITAOF", "1", "0", "20"), "others' unsynced writes are not waited for")
	mu.Lock()
	sample := map[string]string{}
	for k, v := range acked {
		if len(sample) < 20 {
			sample[k] = v
		}
	}
	mu.Unlock()
	require.NotEmpty(t, sample)
	for k, v := range sample {
		require.Equal(t, fmt.Sprintf("$%d\r\n%s\r\n", len(v), v), rc.MustDo(t, "GET", k), "GET %s while the disk is full", k)
	}

	// Freeing space clears the error state by itself.
	require.NoError(t, os.Remove(ballast))
	close(stop)
	require.Eventually(t, func() bool {
		r, err := rc.Do("SET", "probe", "after")
		require.NoError(t, err)
		return r == "+OK\r\n"
	}, time.Minute, 20*time.Millisecond)
	wg.Wait()
	require.Equal(t, "*2\r\n:1\r\n:0\r\n", rc.MustDo(t, "WAITAOF", "1", "0", "0"))
	info, err := p.Client(t, 2).Info(ctx, "persistence").Result()
	require.NoError(t, err)
	require.Contains(t, info, "aof_last_write_status:ok")
	require.Contains(t, p.Log(), "log writes succeed again")
	mu.Lock()
	acked["probe"] = "after"
	t.Logf("%d writes acknowledged, %d refused", len(acked), len(refused))
	mu.Unlock()

	p.Kill()
	again := startKeelDir(t, dir, args...)
	c := again.Client(t, 2)
	for k, want := range acked {
		got, err := c.Get(ctx, k).Result()
		require.NoError(t, err, "acknowledged %s lost", k)
		require.True(t, got == want, "acknowledged %s has another value", k)
	}
	for _, k := range refused {
		require.ErrorIs(t, c.Get(ctx, k).Err(), redis.Nil, "refused %s was applied", k)
	}
	require.False(t, strings.Contains(again.Log(), "panic"), again.Log())
}
