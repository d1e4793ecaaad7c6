package recovery

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/keeldb/keel/aof"
	"github.com/keeldb/keel/durability"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// frameOffsets returns the offset of every frame in shard 0's segments, by
// segment path.
func frameOffsets(t *testing.T, fsys durability.FS) map[string][]int64 {
	t.Helper()
	m, err := durability.LoadManifest(fsys, testDir)
	require.NoError(t, err)
	rd, err := aof.NewReader(fsys, testDir, 0, m.Shard(0).Segments, durability.NoLSN)
	require.NoError(t, err)
	defer rd.Close()
	out := map[string][]int64{}
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		offs := out[rec.Segment]
		if len(offs) == 0 || offs[len(offs)-1] != rec.FrameOffset {
			out[rec.Segment] = append(offs, rec.FrameOffset)
		}
	}
}

func flipByte(t *testing.T, mem *durability.MemFS, path string, off int64) {
	t.Helper()
	data, err := mem.ReadFile(path)
	require.NoError(t, err)
	data[off] ^= 0x10
	require.NoError(t, mem.WriteFile(path, data))
}

// A damaged frame with intact frames after it, within the allowed distance
// of the end: start-up loads what precedes it, cuts the rest, says so, and
// logging goes on from there.
func TestCorruptTailCut(t *testing.T) {
	mem := durability.NewMemFS()
	path, data, _, want := writeFrames(t, mem, 4)
	offs := frameOffsets(t, mem)[path]
	require.Len(t, offs, 4)
	flipByte(t, mem, path, offs[2]+60) // the third frame's payload
	dropped := int64(len(data)) - offs[2]

	// Too far from the end: refused, nothing cut.
	cfg := testConfig(1)
	cfg.CorruptTailMax = dropped - 1
	r, err := Open(testDir, mem, cfg)
	require.NoError(t, err)
	_, err = r.Replay(newFakeApp(1))
	require.ErrorContains(t, err, fmt.Sprintf("%s at offset %d (LSN 13)", path, offs[2]))
	require.ErrorContains(t, err, "aof-load-corrupt-tail-max-size")
	now, _ := mem.ReadFile(path)
	require.Len(t, now, len(data), "nothing cut")

	var logs syncBuf
	cfg.CorruptTailMax = dropped
	cfg.Logger = quietLogger(&logs)
	r, app, sum := start(t, mem, cfg)
	require.Equal(t, want[:12], app.applied[0])
	require.EqualValues(t, 12, sum.Records)
	require.EqualValues(t, offs[2], sum.Bytes)
	now, _ = mem.ReadFile(path)
	require.Len(t, now, int(offs[2]), "cut at the damaged frame")
	assert.Contains(t, logs.String(), "aof-load-corrupt-tail-max-size")
	for _, field := range []string{"file=" + path, "offset=" + strconv.FormatInt(offs[2], 10),
		"bytes_dropped=" + strconv.FormatInt(dropped, 10), "first_lost_lsn=13", "CRC mismatch"} {
		assert.Contains(t, logs.String(), field)
	}
	p := r.Progress()
	require.Equal(t, p.TotalBytes, p.LoadedBytes)

	r.Logs().Log(0, 0, args("SET s0:after 1"), 0)
	commit(t, r.Logs(), 0)
	require.NoError(t, r.Logs().Close())
	_, app, _ = start(t, mem, testConfig(1))
	require.Equal(t, append(want[:12:12], "0:SET s0:after 1"), app.applied[0], "LSNs go on after the cut")
}

// Damage in an older segment: the segments after it go (MANIFEST first),
// and the count of bytes dropped includes them.
func TestCorruptTailCutAcrossSegments(t *testing.T) {
	mem := durability.NewMemFS()
	require.NoError(t, mem.MkdirAll(testDir, 0o755))
	store := durability.NewManifestStore(mem, testDir, nil)
	// A segment size of one byte rolls after every frame.
	w, err := aof.NewWriter(mem, testDir, 0, 1, aof.Options{SegmentSize: 1, Registry: store})
	require.NoError(t, err)
	var want []string
	for f := range 4 {
		for i := range 6 {
			cmd := fmt.Sprintf("SET s0:key%04d value-%d-%d", f*6+i, f, i)
			w.Append(0, args(cmd))
			want = append(want, "0:"+cmd)
		}
		_, err := w.Flush()
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	m, err := durability.LoadManifest(mem, testDir)
	require.NoError(t, err)
	segs := m.Shard(0).Segments
	require.Len(t, segs, 5, "one segment per frame, and the empty one after")
	var sizes []int64
	var total int64
	for _, s := range segs {
		data, err := mem.ReadFile(filepath.Join(testDir, s.Name))
		require.NoError(t, err)
		sizes = append(sizes, int64(len(data)))
		total += int64(len(data))
	}
	second := filepath.Join(testDir, segs[1].Name)
	flipByte(t, mem, second, 60)

	cfg := testConfig(1)
	cfg.CorruptTailMax = total
	var logs syncBuf
	cfg.Logger = quietLogger(&logs)
	r, app, _ := start(t, mem, cfg)
	require.Equal(t, want[:6], app.applied[0])
	assert.Contains(t, logs.String(), "bytes_dropped="+strconv.FormatInt(total-sizes[0], 10))
	assert.Contains(t, logs.String(), "segments_removed=4")
	m, err = durability.LoadManifest(mem, testDir)
	require.NoError(t, err)
	live := m.Shard(0).Segments
	require.Equal(t, segs[0], live[0])
	for _, s := range segs[2:4] {
		_, err := mem.Stat(filepath.Join(testDir, s.Name))
		require.Error(t, err, "%s removed", s.Name)
	}
	r.Logs().Log(0, 0, args("SET s0:after 1"), 0)
	commit(t, r.Logs(), 0)
	require.NoError(t, r.Logs().Close())
	_, app, _ = start(t, mem, testConfig(1))
	require.Equal(t, append(want[:6:6], "0:SET s0:after 1"), app.applied[0])
}
