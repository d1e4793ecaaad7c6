package shardcore

import (
	"strconv"
	"testing"

	"github.com/keeldb/keel/durability/checkpoint"
	"github.com/keeldb/keel/shardcore/config"
	"github.com/keeldb/keel/shardcore/store"
	"github.com/stretchr/testify/require"
)

// BenchmarkLoadCheckpoint loads a checkpoint of 16-byte strings into two
// shards, before Start and while the loops serve (what a restart does
// before replaying the log tails).
func BenchmarkLoadCheckpoint(b *testing.B) {
	const keys = 500_000
	dir := b.TempDir()
	st, err := checkpoint.Open(dir, "", nil)
	require.NoError(b, err)
	defer st.Close()
	im := st.NewImage(1)
	defer im.Close()
	batch := st.NewBatch()
	val := make([]byte, 16)
	var buf []byte
	for i := range keys {
		k := []byte("key:" + strconv.Itoa(i))
		buf, err = appendCkValue(buf[:0], store.Entry{Type: store.TypeString, Str: val})
		require.NoError(b, err)
		batch.Set(0, Slot(k), k, buf)
		if batch.Size() > 4<<20 {
			require.NoError(b, im.Add(batch))
			batch = st.NewBatch()
		}
	}
	require.NoError(b, im.Add(batch))
	require.NoError(b, im.Build())
	_, err = st.Finish(im, checkpoint.Meta{ID: 1, Keys: []int64{keys}})
	require.NoError(b, err)
	cfg, err := config.Parse([]string{"--port", "0", "--bind", "127.0.0.1", "--shards", "2", "--dir", dir})
	require.NoError(b, err)
	for _, live := range []bool{false, true} {
		b.Run(map[bool]string{false: "before-start", true: "serving"}[live], func(b *testing.B) {
			for range b.N {
				srv, err := NewServer(cfg, Options{})
				require.NoError(b, err)
				if live {
					srv.SetLoading(true)
					srv.Start()
				}
				n, err := srv.LoadCheckpoint(st)
				require.NoError(b, err)
				require.Equal(b, int64(keys), n)
				if live {
					srv.Stop()
				} else {
					srv.closeShards()
				}
			}
			b.ReportMetric(float64(keys*b.N)/b.Elapsed().Seconds(), "keys/s")
		})
	}
}
