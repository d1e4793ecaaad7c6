package recovery

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// WAITAOF against the real logs under each appendfsync policy.
func TestWaitAOFByPolicy(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		fsync   string
		timeout string
		want    []any
	}{
		{"always", "0", []any{int64(1), int64(0)}},
		{"everysec", "0", []any{int64(1), int64(0)}}, // the next background fsync
		{"no", "50", []any{int64(0), int64(0)}},      // nothing fsyncs: times out, as Redis
	} {
		t.Run(tc.fsync, func(t *testing.T) {
			srv, r, c := serverOn(t, t.TempDir(), tc.fsync)
			defer func() {
				srv.Stop()
				require.NoError(t, r.Logs().Close())
			}()
			require.Equal(t, []any{int64(1), int64(0)}, c.Do(ctx, "WAITAOF", "1", "0", "0").Val(), "nothing written yet")
			require.NoError(t, c.MSet(ctx, "{a}k", "1", "{b}k", "2").Err())
			start := time.Now()
			got, err := c.Do(ctx, "WAITAOF", "1", "0", tc.timeout).Result()
			require.NoError(t, err)
			t.Logf("appendfsync %s: WAITAOF took %v", tc.fsync, time.Since(start))
			assert.Equal(t, tc.want, got)
			for i := range 2 {
				if tc.want[0] == int64(1) {
					assert.GreaterOrEqual(t, r.Logs().SyncedLSN(i), uint64(2), "shard %d", i)
				}
			}
		})
	}
}
