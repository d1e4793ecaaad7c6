package aof

import (
	"io"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/keeldb/keel/durability"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// frameLog writes frames of perFrame records into one segment of shard 0
// in mem and returns the segment path, its bytes and each frame's start
// offset.
func frameLog(t *testing.T, mem *durability.MemFS, dir string, frames, perFrame int) (string, []byte, []int64) {
	t.Helper()
	w, err := NewWriter(mem, dir, 0, 1, Options{})
	require.NoError(t, err)
	var offs []int64
	for f := range frames {
		offs = append(offs, w.Stats().SegmentSize)
		writeCommands(t, w, f*perFrame+1, (f+1)*perFrame, perFrame)
	}
	require.NoError(t, w.Close())
	p := filepath.Join(dir, DirName, SegmentName(0, 1))
	data, err := mem.ReadFile(p)
	require.NoError(t, err)
	require.Equal(t, int64(len(data)), w.Stats().Size)
	return p, data, offs
}

func TestTornTailAtEveryOffset(t *testing.T) {
	mem, dir := durability.NewMemFS(), "/data"
	const frames, per = 6, 30
	p, data, offs := frameLog(t, mem, dir, frames, per)
	last := offs[frames-1]
	lastFirst := (frames-1)*per + 1

	for cut := last; cut < int64(len(data)); cut++ {
		require.NoError(t, mem.WriteFile(p, data[:cut]))
		got, err := readAll(t, mem, dir, 0, 1)
		requireCommands(t, got, 1, lastFirst-1)
		if cut == last {
			require.NoError(t, err, "a log cut at a frame boundary is clean")
			continue
		}
		var torn *TornTailError
		require.ErrorAs(t, err, &torn, "cut at %d", cut)
		assert.Equal(t, p, torn.Path)
		assert.Equal(t, last, torn.Offset)
		assert.Equal(t, cut-last, torn.Drop)
		assert.Equal(t, durability.LSN(lastFirst), torn.LSN)
	}

	// Truncate cuts the tail; the log then reads cleanly and can go on.
	require.NoError(t, mem.WriteFile(p, data[:last+17]))
	_, err := readAll(t, mem, dir, 0, 1)
	var torn *TornTailError
	require.ErrorAs(t, err, &torn)
	require.NoError(t, Truncate(mem, torn))
	got, err := readAll(t, mem, dir, 0, 1)
	require.NoError(t, err)
	requireCommands(t, got, 1, lastFirst-1)
	w, err := NewWriter(mem, dir, 0, durability.LSN(lastFirst), Options{})
	require.NoError(t, err)
	writeCommands(t, w, lastFirst, lastFirst+99, 25)
	require.NoError(t, w.Close())
	got, err = readAll(t, mem, dir, 0, 1)
	require.NoError(t, err)
	requireCommands(t, got, 1, lastFirst+99)
}

func TestTornTailGarbageAndZeros(t *testing.T) {
	mem, dir := durability.NewMemFS(), "/data"
	p, data, _ := frameLog(t, mem, dir, 3, 20)
	for name, tail := range map[string][]byte{
		"zeros":        make([]byte, 4096),
		"garbage":      []byte("this is not a frame at all, just bytes after a crash"),
		"magic":        []byte("KAOF"),
		"magic+header": append([]byte("KAOF\x01\x00"), make([]byte, 100)...),
	} {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, mem.WriteFile(p, append(append([]byte(nil), data...), tail...)))
			got, err := readAll(t, mem, dir, 0, 1)
			requireCommands(t, got, 1, 60)
			var torn *TornTailError
			require.ErrorAs(t, err, &torn)
			assert.Equal(t, int64(len(data)), torn.Offset)
			assert.Equal(t, int64(len(tail)), torn.Drop)
			assert.Equal(t, durability.LSN(61), torn.LSN)
		})
	}
}

func TestBitFlipInEarlierFrame(t *testing.T) {
	mem, dir := durability.NewMemFS(), "/data"
	const frames, per = 5, 20
	p, data, offs := frameLog(t, mem, dir, frames, per)
	const k = 2 // damage the third frame
	start, end := offs[k], offs[k+1]
	for i := start; i < end; i++ {
		bad := append([]byte(nil), data...)
		bad[i] ^= 1 << (i % 8)
		require.NoError(t, mem.WriteFile(p, bad))
		got, err := readAll(t, mem, dir, 0, 1)
		requireCommands(t, got, 1, k*per)
		var corrupt *CorruptionError
		require.ErrorAs(t, err, &corrupt, "flip at byte %d", i)
		assert.Equal(t, p, corrupt.Path)
		assert.Equal(t, start, corrupt.Offset)
		assert.Equal(t, durability.LSN(k*per+1), corrupt.LSN)
		assert.Contains(t, err.Error(), p)
	}

	// The same damage in the last frame looks like a torn write.
	bad := append([]byte(nil), data...)
	bad[offs[frames-1]+headerSize+3] ^= 0x10
	require.NoError(t, mem.WriteFile(p, bad))
	_, err := readAll(t, mem, dir, 0, 1)
	var torn *TornTailError
	require.ErrorAs(t, err, &torn)
}

func TestCorruptionInOlderSegment(t *testing.T) {
	mem, dir := durability.NewMemFS(), "/data"
	w, err := NewWriter(mem, dir, 0, 1, Options{SegmentSize: 2048})
	require.NoError(t, err)
	writeCommands(t, w, 1, 600, 30)
	require.NoError(t, w.Close())
	segs, err := ListSegments(mem, dir, 0)
	require.NoError(t, err)
	require.Greater(t, len(segs), 2)

	// Cut the end off the first segment: not the newest, so corruption.
	p := filepath.Join(dir, filepath.FromSlash(segs[0].Name))
	data, err := mem.ReadFile(p)
	require.NoError(t, err)
	require.NoError(t, mem.WriteFile(p, data[:len(data)-5]))
	_, err = readAll(t, mem, dir, 0, 1)
	var corrupt *CorruptionError
	require.ErrorAs(t, err, &corrupt)
	assert.Contains(t, err.Error(), "not the newest segment")
	require.NoError(t, mem.WriteFile(p, data))

	// A missing middle segment is a gap in the LSNs.
	mid := filepath.Join(dir, filepath.FromSlash(segs[1].Name))
	require.NoError(t, mem.Remove(mid))
	got, err := readAll(t, mem, dir, 0, 1)
	require.ErrorAs(t, err, &corrupt)
	assert.Equal(t, segs[1].FirstLSN, corrupt.LSN)
	assert.Contains(t, err.Error(), "segment starts at LSN")
	requireCommands(t, got, 1, int(segs[1].FirstLSN)-1)

	// As the MANIFEST would list it, the missing file fails to open.
	_, err = readSegs(t, mem, dir, 0, segs, 1)
	require.ErrorIs(t, err, fs.ErrNotExist)
}

func TestReaderRejectsForeignAndMisplacedFrames(t *testing.T) {
	mem, dir := durability.NewMemFS(), "/data"
	_, data, _ := frameLog(t, mem, dir, 2, 10)

	// Shard 0's frames under shard 1's name: intact but not its own.
	other := "/other"
	require.NoError(t, mem.MkdirAll(filepath.Join(other, DirName), 0o755))
	require.NoError(t, mem.WriteFile(filepath.Join(other, DirName, SegmentName(1, 1)), data))
	_, err := readAll(t, mem, other, 1, 1)
	var corrupt *CorruptionError
	require.ErrorAs(t, err, &corrupt)
	assert.Contains(t, err.Error(), "belongs to shard 0")

	// Frames under a name with the wrong first LSN.
	require.NoError(t, mem.WriteFile(filepath.Join(other, DirName, SegmentName(0, 5)), data))
	_, err = readAll(t, mem, other, 0, 5)
	require.ErrorAs(t, err, &corrupt)
	assert.Contains(t, err.Error(), "frame starts at LSN 1, expected 5")

	// Asking for LSNs before the log starts.
	_, err = readAll(t, mem, other, 0, 2)
	require.ErrorAs(t, err, &corrupt)
	assert.Contains(t, err.Error(), "LSNs 2 to 4 are missing")

	_, err = NewReader(mem, dir, 0, []durability.Segment{{Name: "aof/b", FirstLSN: 9}, {Name: "aof/a", FirstLSN: 3}}, 1)
	assert.ErrorContains(t, err, "out of LSN order")
}

func TestReaderEmptyAndRepeatedErrors(t *testing.T) {
	mem, dir := durability.NewMemFS(), "/data"
	r, err := NewReader(mem, dir, 0, nil, 7)
	require.NoError(t, err)
	_, err = r.Next()
	assert.ErrorIs(t, err, io.EOF)
	assert.Equal(t, durability.LSN(6), r.LastLSN())

	p, data, offs := frameLog(t, mem, dir, 2, 10)
	require.NoError(t, mem.WriteFile(p, data[:offs[1]+3]))
	segs, err := ListSegments(mem, dir, 0)
	require.NoError(t, err)
	r, err = NewReader(mem, dir, 0, segs, 1)
	require.NoError(t, err)
	for range 10 {
		_, err := r.Next()
		require.NoError(t, err)
	}
	_, err1 := r.Next()
	_, err2 := r.Next()
	var torn *TornTailError
	require.ErrorAs(t, err1, &torn)
	assert.Same(t, err1, err2, "the error sticks")
	assert.Equal(t, durability.LSN(10), r.LastLSN())
	require.NoError(t, r.Close())
}

func TestReaderEmptySegments(t *testing.T) {
	mem, dir := durability.NewMemFS(), "/data"
	w, err := NewWriter(mem, dir, 0, 1, Options{SegmentSize: 1024})
	require.NoError(t, err)
	writeCommands(t, w, 1, 200, 20)
	require.NoError(t, w.Close())
	segs, err := ListSegments(mem, dir, 0)
	require.NoError(t, err)
	require.Greater(t, len(segs), 2)

	// An empty file inside a segment's range (a roll that failed halfway
	// and could not clean up) holds nothing and is skipped.
	orphan := segs[1].FirstLSN + 3
	require.NoError(t, mem.WriteFile(filepath.Join(dir, DirName, SegmentName(0, orphan)), nil))
	got, err := readAll(t, mem, dir, 0, 1)
	require.NoError(t, err)
	requireCommands(t, got, 1, 200)
	got, err = readAll(t, mem, dir, 0, orphan+1)
	require.NoError(t, err, "reading from inside the orphan's range starts in the segment holding it")
	requireCommands(t, got, int(orphan)+1, 200)

	// An empty newest segment is the normal state right after a roll.
	require.NoError(t, mem.WriteFile(filepath.Join(dir, DirName, SegmentName(0, 201)), nil))
	got, err = readAll(t, mem, dir, 0, 1)
	require.NoError(t, err)
	requireCommands(t, got, 1, 200)

	// One starting past the end of the log means records went missing.
	require.NoError(t, mem.WriteFile(filepath.Join(dir, DirName, SegmentName(0, 250)), nil))
	_, err = readAll(t, mem, dir, 0, 1)
	var corrupt *CorruptionError
	require.ErrorAs(t, err, &corrupt)
	assert.Equal(t, durability.LSN(201), corrupt.LSN)
}
