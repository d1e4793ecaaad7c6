package shardcore

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/keeldb/keel/rdb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLoadValueAtPerShard loads keys from one goroutine per shard, as
// keel-server --import-rdb does, and checks what the shards hold and that
// the logged records rebuild it.
func TestLoadValueAtPerShard(t *testing.T) {
	const shards, n = 3, 3000
	srv, rl := newRecordingServer(t, shards, false)
	now := time.Now().UnixMilli()
	future := now + time.Hour.Milliseconds()
	perShard := make([][]int, shards)
	for i := range n {
		sh := srv.LoadShard([]byte("key:" + strconv.Itoa(i)))
		require.GreaterOrEqual(t, sh, 0)
		require.Less(t, sh, shards)
		perShard[sh] = append(perShard[sh], i)
	}
	var wg sync.WaitGroup
	errs := make([]error, shards)
	for sh := range shards {
		require.NotEmpty(t, perShard[sh])
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, i := range perShard[sh] {
				k := []byte("key:" + strconv.Itoa(i))
				v := rdb.Value{Kind: rdb.KindString, Str: []byte("v" + strconv.Itoa(i))}
				at := int64(0)
				switch i % 4 {
				case 1:
					at = future
				case 2:
					v = rdb.Value{Kind: rdb.KindList, List: [][]byte{[]byte("a"), []byte(strconv.Itoa(i))}}
				case 3:
					v = rdb.Value{Kind: rdb.KindStream, Stream: &rdb.Stream{
						Entries: []rdb.StreamEntry{{ID: rdb.StreamID{Ms: uint64(i), Seq: 1}, Fields: [][]byte{[]byte("f"), []byte("v")}}},
						Length:  1, LastID: rdb.StreamID{Ms: uint64(i), Seq: 1}, FirstID: rdb.StreamID{Ms: uint64(i), Seq: 1}, EntriesAdded: 1,
					}}
				}
				if err := srv.LoadValueAt(0, k, v, at, now); err != nil {
					errs[sh] = err
					return
				}
			}
			errs[sh] = srv.CommitLoadedShard(sh)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, n, srv.KeyCount())
	keys, expires := srv.DBStats(0)
	assert.Equal(t, n, keys)
	assert.Equal(t, n/4, expires)
	assert.ErrorContains(t, srv.CommitLoadedShard(shards), "out of range")
	// An already expired key is not stored.
	require.NoError(t, srv.LoadValueAt(0, []byte("key:0"), rdb.Value{Kind: rdb.KindString, Str: []byte("x")}, now-1, now))
	require.Equal(t, n-1, srv.KeyCount())

	recs := rl.records()
	var sets, restores int
	for _, r := range recs {
		switch string(r.args[0]) {
		case "SET":
			sets++
		case "RESTORE":
			restores++
		}
	}
	assert.Equal(t, n/2, sets, "strings are logged as SET")
	assert.Equal(t, n/2, restores)

	t.Cleanup(srv.closeShards)
	dst := replayInto(t, recs, 2)
	dc := testClient(t, dst)
	ctx := ctxb()
	assert.Equal(t, int64(n-1), dc.DBSize(ctx).Val())
	assert.Equal(t, "v5", dc.Get(ctx, "key:5").Val())
	assert.InDelta(t, time.Hour.Milliseconds(), dc.PTTL(ctx, "key:5").Val().Milliseconds(), 60000)
	assert.Equal(t, []string{"a", "6"}, dc.LRange(ctx, "key:6", 0, -1).Val())
	assert.Equal(t, int64(1), dc.XLen(ctx, "key:7").Val())
	assert.Equal(t, int64(0), dc.Exists(ctx, "key:0").Val())
}
