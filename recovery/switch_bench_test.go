package recovery

import (
	"sync"
	"testing"

	"github.com/keeldb/keel/durability"
	"github.com/stretchr/testify/require"
)

// BenchmarkSwitchCut is what turning logging on adds to a checkpoint's cut,
// during which every shard is held: a new writer per shard, on disk, all
// shards at once.
func BenchmarkSwitchCut(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		cfg := testConfig(4)
		cfg.AppendOnly = false
		r, err := Open(b.TempDir(), durability.OSFS{}, cfg)
		require.NoError(b, err)
		_, err = r.Replay(newFakeApp(4))
		require.NoError(b, err)
		l := r.Logs()
		require.NoError(b, l.StartLogging())
		b.StartTimer()
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() { l.Cut(i) }) // as the cut runs: every shard at once
		}
		wg.Wait()
		b.StopTimer()
		require.NoError(b, l.Close())
		b.StartTimer()
	}
}
