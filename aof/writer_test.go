package aof

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/keeldb/keel/durability"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	clock := time.UnixMilli(1_700_000_000_000)
	w, err := NewWriter(durability.OSFS{}, dir, 5, 1, Options{Now: func() time.Time { return clock }})
	require.NoError(t, err)
	n := 1
	for _, batch := range []int{1, 2, 7, 50, 137, 500, 3} {
		writeCommands(t, w, n, n+batch-1, batch)
		n += batch
	}
	assert.Equal(t, durability.LSN(n-1), w.LastLSN())
	assert.Equal(t, durability.LSN(n-1), w.WrittenLSN())
	require.NoError(t, w.Sync())
	assert.Equal(t, durability.LSN(n-1), w.SyncedLSN())
	st := w.Stats()
	assert.Equal(t, uint64(7), st.Frames)
	assert.Equal(t, uint64(n-1), st.Records)
	assert.Zero(t, st.Unsynced)
	require.NoError(t, w.Close())

	got, err := readAll(t, durability.OSFS{}, dir, 5, 1)
	require.NoError(t, err)
	requireCommands(t, got, 1, n-1)

	info, err := os.Stat(filepath.Join(dir, DirName, SegmentName(5, 1)))
	require.NoError(t, err)
	assert.Equal(t, info.Size(), st.Size)
	assert.Equal(t, int64(st.DiskBytes), st.Size)

	// Reading from an LSN in the middle of a frame.
	got, err = readAll(t, durability.OSFS{}, dir, 5, 30)
	require.NoError(t, err)
	requireCommands(t, got, 30, n-1)

	// Reading from past the end yields nothing.
	got, err = readAll(t, durability.OSFS{}, dir, 5, durability.LSN(n+10))
	require.NoError(t, err)
	assert.Empty(t, got)

	// Frame metadata reaches the records.
	r, err := NewReader(durability.OSFS{}, dir, 5, []durability.Segment{{Name: "aof/" + SegmentName(5, 1), FirstLSN: 1}}, 1)
	require.NoError(t, err)
	x, err := r.Next()
	require.NoError(t, err)
	assert.Equal(t, clock.UnixMilli(), x.TimeMs)
	assert.Equal(t, filepath.Join(dir, DirName, SegmentName(5, 1)), x.Segment)
	assert.Zero(t, x.FrameOffset)
	require.NoError(t, r.Close())

	_, err = w.Flush()
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, w.Sync(), ErrClosed)
	assert.ErrorIs(t, w.Close(), ErrClosed)
}

func TestTransactionRecords(t *testing.T) {
	dir := t.TempDir()
	w, err := NewWriter(durability.OSFS{}, dir, 0, 1, Options{})
	require.NoError(t, err)
	w.Append(0, [][]byte{[]byte("SET"), []byte("a"), []byte("1")})
	w.AppendTx(77, 2, [][]byte{[]byte("SET"), []byte("b"), []byte("2")})
	w.AppendTx(77, 2, [][]byte{[]byte("DEL"), []byte("c")})
	w.EndTx(77, 3)
	w.EndTx(1<<63, 2) // a participant with nothing to change
	w.Append(1, [][]byte{})
	require.NoError(t, w.Close())

	got, err := readAll(t, durability.OSFS{}, dir, 0, 1)
	require.NoError(t, err)
	b := func(s ...string) [][]byte {
		out := make([][]byte, len(s))
		for i := range s {
			out[i] = []byte(s[i])
		}
		return out
	}
	want := []rec{
		{LSN: 1, Kind: KindCommand, DB: 0, Args: b("SET", "a", "1")},
		{LSN: 2, Kind: KindTxCommand, DB: 2, Tx: 77, Args: b("SET", "b", "2")},
		{LSN: 3, Kind: KindTxCommand, DB: 2, Tx: 77, Args: b("DEL", "c")},
		{LSN: 4, Kind: KindTxEnd, Tx: 77, Participants: 3, Args: [][]byte{}},
		{LSN: 5, Kind: KindTxEnd, Tx: 1 << 63, Participants: 2, Args: [][]byte{}},
		{LSN: 6, Kind: KindCommand, DB: 1, Args: [][]byte{}},
	}
	assert.Equal(t, want, got)
}

func TestFrameSplitAndCompression(t *testing.T) {
	dir := t.TempDir()
	w, err := NewWriter(durability.OSFS{}, dir, 1, 1, Options{MaxFrameSize: 1000})
	require.NoError(t, err)
	writeCommands(t, w, 1, 300, 300)
	st := w.Stats()
	assert.Greater(t, st.Frames, uint64(5), "one flush split into several frames")
	assert.Less(t, st.DiskBytes, st.RawBytes, "frames are compressed")

	// A single record is stored raw (too small to compress).
	w.Append(0, [][]byte{[]byte("X")})
	_, err = w.Flush()
	require.NoError(t, err)
	// A large incompressible-free record goes in its own frame.
	big := make([]byte, 5000)
	w.Append(3, [][]byte{[]byte("SET"), []byte("big"), big})
	require.NoError(t, w.Close())

	got, err := readAll(t, durability.OSFS{}, dir, 1, 1)
	require.NoError(t, err)
	requireCommands(t, got[:300], 1, 300)
	assert.Equal(t, [][]byte{[]byte("X")}, got[300].Args)
	assert.Equal(t, big, got[301].Args[2])
}

func TestSegmentRollAndRemove(t *testing.T) {
	dir := t.TempDir()
	fsys := durability.OSFS{}
	store := durability.NewManifestStore(fsys, dir, nil)
	w, err := NewWriter(fsys, dir, 2, 1, Options{SegmentSize: 4096, Registry: store})
	require.NoError(t, err)
	writeCommands(t, w, 1, 3000, 40)
	require.NoError(t, w.Sync())

	listed, err := ListSegments(fsys, dir, 2)
	require.NoError(t, err)
	require.Greater(t, len(listed), 5)
	m, err := durability.LoadManifest(fsys, dir)
	require.NoError(t, err)
	assert.Equal(t, listed, m.Shard(2).Segments, "every segment is in the MANIFEST, in order")

	var total int64
	for i, seg := range listed {
		info, err := os.Stat(filepath.Join(dir, filepath.FromSlash(seg.Name)))
		require.NoError(t, err)
		total += info.Size()
		if i < len(listed)-1 {
			assert.GreaterOrEqual(t, info.Size(), int64(4096), "segments roll at the size limit")
		}
	}
	st := w.Stats()
	assert.Equal(t, total, st.Size)
	assert.Equal(t, len(listed), st.Segments)

	got, err := readSegs(t, fsys, dir, 2, m.Shard(2).Segments, 1)
	require.NoError(t, err)
	requireCommands(t, got, 1, 3000)

	// A checkpoint at LSN 1500 makes the segments wholly below it redundant.
	// The MANIFEST refuses to drop segments no checkpoint covers.
	require.ErrorContains(t, w.RemoveSegmentsThrough(1500), "LSN order broken")
	checkpoint := func(lsn durability.LSN) {
		require.NoError(t, store.Update(func(m *durability.Manifest) error {
			m.Checkpoint = &durability.Checkpoint{ID: "checkpoints/x", Shards: []durability.CheckpointLSN{{Shard: 2, LSN: lsn}}}
			return nil
		}))
	}
	checkpoint(1500)
	require.NoError(t, w.RemoveSegmentsThrough(1500))
	m, err = durability.LoadManifest(fsys, dir)
	require.NoError(t, err)
	left := m.Shard(2).Segments
	require.Less(t, len(left), len(listed))
	assert.LessOrEqual(t, left[0].FirstLSN, durability.LSN(1501))
	assert.Greater(t, left[1].FirstLSN, durability.LSN(1501))
	after, err := ListSegments(fsys, dir, 2)
	require.NoError(t, err)
	assert.Equal(t, left, after, "files and MANIFEST agree")
	got, err = readSegs(t, fsys, dir, 2, left, 1501)
	require.NoError(t, err)
	requireCommands(t, got, 1501, 3000)
	total = 0
	for _, seg := range after {
		info, err := os.Stat(filepath.Join(dir, filepath.FromSlash(seg.Name)))
		require.NoError(t, err)
		total += info.Size()
	}
	assert.Equal(t, total, w.Stats().Size)

	// Everything through the last LSN: only the current segment stays.
	checkpoint(3000)
	require.NoError(t, w.RemoveSegmentsThrough(3000))
	assert.Equal(t, 1, w.Stats().Segments)
	require.NoError(t, w.Close())

	// A restart continues in a new segment after the last LSN.
	w, err = NewWriter(fsys, dir, 2, 3001, Options{SegmentSize: 4096, Registry: durability.NewManifestStore(fsys, dir, store.Manifest())})
	require.NoError(t, err)
	writeCommands(t, w, 3001, 3100, 10)
	require.NoError(t, w.Close())
	segs, err := ListSegments(fsys, dir, 2)
	require.NoError(t, err)
	got, err = readSegs(t, fsys, dir, 2, segs, 3001)
	require.NoError(t, err)
	requireCommands(t, got, 3001, 3100)
}

func TestNewWriterExistingSegments(t *testing.T) {
	dir := t.TempDir()
	fsys := durability.OSFS{}
	w, err := NewWriter(fsys, dir, 0, 1, Options{})
	require.NoError(t, err)
	writeCommands(t, w, 1, 10, 10)
	require.NoError(t, w.Close())

	// A crash right after a roll leaves an empty segment: it is reused.
	empty := filepath.Join(dir, DirName, SegmentName(0, 11))
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	w, err = NewWriter(fsys, dir, 0, 11, Options{})
	require.NoError(t, err)
	assert.Equal(t, 2, w.Stats().Segments)
	writeCommands(t, w, 11, 20, 5)
	require.NoError(t, w.Close())

	// A segment with data at the start LSN is never overwritten.
	_, err = NewWriter(fsys, dir, 0, 11, Options{})
	require.ErrorContains(t, err, "refusing to overwrite")

	// Nor is a start LSN accepted below an existing segment.
	_, err = NewWriter(fsys, dir, 0, 5, Options{})
	require.ErrorContains(t, err, "after the start LSN 5")

	// Empty segments below the start LSN (a roll, then a crash, with a
	// checkpoint beyond) are dropped, from the MANIFEST too.
	store := durability.NewManifestStore(fsys, dir, nil)
	require.NoError(t, store.Update(func(m *durability.Manifest) error {
		m.Shards = []durability.ShardLog{{Shard: 7, Segments: []durability.Segment{{Name: "aof/" + SegmentName(7, 40), FirstLSN: 40}}}}
		m.Checkpoint = &durability.Checkpoint{ID: "ckpt", Shards: []durability.CheckpointLSN{{Shard: 7, LSN: 60}}}
		return nil
	}))
	require.NoError(t, os.WriteFile(filepath.Join(dir, DirName, SegmentName(7, 40)), nil, 0o644))
	w, err = NewWriter(fsys, dir, 7, 61, Options{Registry: store})
	require.NoError(t, err)
	assert.Equal(t, 1, w.Stats().Segments)
	require.NoError(t, w.Close())
	segs7, err := ListSegments(fsys, dir, 7)
	require.NoError(t, err)
	m, err := durability.LoadManifest(fsys, dir)
	require.NoError(t, err)
	assert.Equal(t, []durability.Segment{{Name: "aof/" + SegmentName(7, 61), FirstLSN: 61}}, segs7)
	assert.Equal(t, segs7, m.Shard(7).Segments)

	_, err = NewWriter(fsys, dir, MaxShard+1, 1, Options{})
	require.Error(t, err)
	_, err = NewWriter(fsys, dir, 1, 0, Options{})
	require.Error(t, err)

	got, err := readAll(t, fsys, dir, 0, 1)
	require.NoError(t, err)
	requireCommands(t, got, 1, 20)
}

func TestSegmentNames(t *testing.T) {
	name := SegmentName(3, 17)
	assert.Equal(t, "shard-0003.00000000000000000017.aof", name)
	s, l, ok := ParseSegmentName(name)
	assert.True(t, ok)
	assert.Equal(t, 3, s)
	assert.Equal(t, durability.LSN(17), l)
	s, l, ok = ParseSegmentName("shard-12.99.aof")
	assert.True(t, ok, "widths are not significant")
	assert.Equal(t, 12, s)
	assert.Equal(t, durability.LSN(99), l)
	for _, bad := range []string{"MANIFEST", "shard-1.aof", "shard-x.1.aof", "shard-1.0.aof", "shard-1.1.aof.tmp", "shard-70000.1.aof"} {
		_, _, ok := ParseSegmentName(bad)
		assert.False(t, ok, bad)
	}
}
