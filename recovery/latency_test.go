package recovery

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/keeldb/keel/durability"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// latestEvents returns the names LATENCY LATEST reports.
func latestEvents(t *testing.T, c *redis.Client) []string {
	t.Helper()
	v, err := c.Do(context.Background(), "LATENCY", "LATEST").Slice()
	require.NoError(t, err)
	var names []string
	for _, e := range v {
		row, ok := e.([]any)
		require.True(t, ok, "%v", e)
		names = append(names, row[0].(string))
	}
	return names
}

// The logs' writes and the fsyncs of appendfsync always reach the latency
// monitor once they take latency-monitor-threshold or more, here on a disk
// made slow by the fault-injecting filesystem.
func TestLogLatencyEvents(t *testing.T) {
	ctx := context.Background()
	ffs := durability.NewFaultFS(durability.NewMemFS())
	srv, r, c := serverOnFS(t, ffs, testDir, 1, "always")
	t.Cleanup(func() { require.NoError(t, r.Logs().Close()) })
	t.Cleanup(srv.Stop)

	ffs.Inject(durability.Fault{Op: durability.OpWrite | durability.OpSync, Path: testDir + "/aof/*", Sticky: true, Delay: 5 * time.Millisecond})
	// The monitor is off by default: a slow disk is not recorded.
	require.NoError(t, c.Set(ctx, "k", "1", 0).Err())
	assert.Empty(t, latestEvents(t, c))

	require.NoError(t, c.ConfigSet(ctx, "latency-monitor-threshold", "1").Err())
	require.NoError(t, c.Set(ctx, "k", "2", 0).Err())
	// The commit's own fsync follows the write: nothing runs beside it.
	assert.Subset(t, latestEvents(t, c), []string{"aof-write", "aof-write-alone", "aof-fsync-always"})
	doctor, err := c.Do(ctx, "LATENCY", "DOCTOR").Text()
	require.NoError(t, err)
	assert.Contains(t, doctor, ". aof-fsync-always: ")
	assert.Contains(t, doctor, "- Your fsync policy is set to 'always'.")

	// Under everysec the loop's write is still timed; the background fsync
	// is not the commit path's, and not recorded as such.
	require.NoError(t, c.Do(ctx, "LATENCY", "RESET").Err())
	require.NoError(t, c.ConfigSet(ctx, "appendfsync", "everysec").Err())
	require.NoError(t, c.Set(ctx, "k", "3", 0).Err())
	require.Eventually(t, func() bool { return slices.Contains(latestEvents(t, c), "aof-write") }, 10*time.Second, time.Millisecond)
	assert.NotContains(t, latestEvents(t, c), "aof-fsync-always")
	doctor, err = c.Do(ctx, "LATENCY", "DOCTOR").Text()
	require.NoError(t, err)
	assert.NotContains(t, doctor, "fsync policy")
}
