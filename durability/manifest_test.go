package durability

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func touch(t *testing.T, dir, rel string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, nil, 0o644))
}

func sampleManifest() *Manifest {
	return &Manifest{
		Version: ManifestVersion,
		Shards: []ShardLog{
			{Shard: 0, Segments: []Segment{{Name: "aof/s0-1", FirstLSN: 1}, {Name: "aof/s0-50", FirstLSN: 50}}},
			{Shard: 3, Segments: []Segment{{Name: "aof/s3-7", FirstLSN: 7}}},
		},
		Checkpoint: &Checkpoint{ID: "checkpoints/000002", Shards: []CheckpointLSN{{Shard: 0, LSN: 40}, {Shard: 3, LSN: 6}}},
	}
}

func TestManifestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	m := sampleManifest()
	for _, s := range m.Shards {
		for _, seg := range s.Segments {
			touch(t, dir, seg.Name)
		}
	}
	require.NoError(t, WriteManifest(OSFS{}, dir, m))
	got, err := LoadManifest(OSFS{}, dir)
	require.NoError(t, err)
	assert.Equal(t, m, got)
	assert.Equal(t, LSN(40), got.CheckpointLSN(0))
	assert.Equal(t, NoLSN, got.CheckpointLSN(9))
	assert.Nil(t, got.Shard(1))
	assert.Len(t, got.Shard(3).Segments, 1)
	_, err = os.Stat(filepath.Join(dir, manifestTemp))
	assert.ErrorIs(t, err, fs.ErrNotExist, "no temp file left behind")
}

func TestLoadManifestErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadManifest(OSFS{}, dir)
	require.ErrorIs(t, err, fs.ErrNotExist)
	assert.Contains(t, err.Error(), filepath.Join(dir, "MANIFEST"))
	assert.Contains(t, err.Error(), "missing")

	write := func(s string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, ManifestName), []byte(s), 0o644))
	}
	cases := []struct{ body, want string }{
		{`{"version": 1, "shards": [`, "unparsable"},
		{`{"version": 1, "shards": [], "extra": true}`, "unparsable"},
		{`{"version": 1, "shards": []} {}`, "trailing data"},
		{`{"version": 7, "shards": []}`, "version 7 not supported"},
		{`{"version": 1, "shards": [{"shard": 0, "segments": [{"name": "aof/a", "first_lsn": 5}, {"name": "aof/b", "first_lsn": 5}]}]}`,
			"LSN order broken"},
		{`{"version": 1, "shards": [{"shard": 0, "segments": [{"name": "aof/a", "first_lsn": 3}]}]}`,
			"first segment aof/a starts at LSN 3"},
		{`{"version": 1, "shards": [{"shard": 0, "segments": [{"name": "../x", "first_lsn": 1}]}]}`, "not a clean path"},
		{`{"version": 1, "shards": [{"shard": 0, "segments": []}, {"shard": 0, "segments": []}]}`, "listed twice"},
		{`{"version": 1, "shards": [{"shard": 0, "segments": [{"name": "aof/a", "first_lsn": 0}]}]}`, "first LSN 0"},
		{`{"version": 1, "shards": [{"shard": 0, "segments": [{"name": "aof/missing", "first_lsn": 1}]}]}`,
			"shard 0 segment aof/missing (first LSN 1) is missing"},
		{`{"version": 1, "shards": [], "checkpoint": {"id": "", "shards": []}}`, "checkpoint: empty name"},
	}
	for _, c := range cases {
		write(c.body)
		_, err := LoadManifest(OSFS{}, dir)
		require.Error(t, err, c.body)
		assert.Contains(t, err.Error(), c.want, c.body)
		assert.Contains(t, err.Error(), filepath.Join(dir, ManifestName), "errors name the file")
		var me *ManifestError
		assert.ErrorAs(t, err, &me)
	}
}

func TestWriteManifestRefusesInvalid(t *testing.T) {
	m := sampleManifest()
	m.Shards[0].Segments[1].FirstLSN = 1
	err := WriteManifest(OSFS{}, t.TempDir(), m)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "refusing to write")
}

// A crash between the steps of a replace is simulated by failing each step
// in turn: whatever fails, the MANIFEST on disk is the old one, intact.
func TestManifestAtomicReplace(t *testing.T) {
	steps := []Fault{
		{Op: OpOpen, Path: "*.tmp"},
		{Op: OpWrite, Path: "*.tmp"},
		{Op: OpWrite, Path: "*.tmp", AfterBytes: 20},
		{Op: OpSync, Path: "*.tmp"},
		{Op: OpRename, Path: "*/MANIFEST"},
	}
	for _, ft := range steps {
		t.Run(ft.Op.String(), func(t *testing.T) {
			dir := t.TempDir()
			ffs := NewFaultFS(OSFS{})
			old := &Manifest{Version: ManifestVersion, Shards: []ShardLog{{Shard: 0, Segments: []Segment{{Name: "aof/a", FirstLSN: 1}}}}}
			touch(t, dir, "aof/a")
			touch(t, dir, "aof/b")
			require.NoError(t, WriteManifest(ffs, dir, old))

			next := old.Clone()
			next.Shards[0].Segments = append(next.Shards[0].Segments, Segment{Name: "aof/b", FirstLSN: 10})
			ffs.Inject(ft)
			err := WriteManifest(ffs, dir, next)
			require.Error(t, err)
			assert.Contains(t, err.Error(), filepath.Join(dir, ManifestName))

			got, err := LoadManifest(OSFS{}, dir)
			require.NoError(t, err)
			assert.Equal(t, old, got, "the old MANIFEST survives a failed replace")

			// Once the fault is gone the replace goes through; a stale
			// temp file from the failed attempt does not matter.
			require.NoError(t, WriteManifest(ffs, dir, next))
			got, err = LoadManifest(OSFS{}, dir)
			require.NoError(t, err)
			assert.Equal(t, next, got)
		})
	}
}

func TestManifestDirSyncFailureReported(t *testing.T) {
	dir := t.TempDir()
	ffs := NewFaultFS(OSFS{})
	ffs.Inject(Fault{Op: OpSyncDir})
	err := WriteManifest(ffs, dir, &Manifest{Version: ManifestVersion})
	require.ErrorIs(t, err, syscall.EIO)
	assert.Contains(t, err.Error(), "fsync directory")
}

func TestManifestStore(t *testing.T) {
	dir := t.TempDir()
	ffs := NewFaultFS(OSFS{})
	s := NewManifestStore(ffs, dir, nil)
	for _, n := range []string{"aof/3-1", "aof/3-9", "aof/1-1"} {
		touch(t, dir, n)
	}
	require.NoError(t, s.AddSegment(3, Segment{Name: "aof/3-1", FirstLSN: 1}))
	require.NoError(t, s.AddSegment(1, Segment{Name: "aof/1-1", FirstLSN: 1}))
	require.NoError(t, s.AddSegment(3, Segment{Name: "aof/3-9", FirstLSN: 9}))
	require.NoError(t, s.AddSegment(3, Segment{Name: "aof/3-9", FirstLSN: 9}), "re-adding is a no-op")

	m, err := LoadManifest(OSFS{}, dir)
	require.NoError(t, err)
	assert.Equal(t, s.Manifest(), m)
	assert.Equal(t, []int{1, 3}, []int{m.Shards[0].Shard, m.Shards[1].Shard}, "shards kept sorted")
	assert.Len(t, m.Shard(3).Segments, 2)

	// A failed write leaves both the file and the store unchanged.
	ffs.Inject(Fault{Op: OpRename})
	err = s.Update(func(m *Manifest) error {
		m.Checkpoint = &Checkpoint{ID: "checkpoints/1", Shards: []CheckpointLSN{{Shard: 3, LSN: 8}}}
		return nil
	})
	require.Error(t, err)
	assert.Nil(t, s.Manifest().Checkpoint)

	// Checkpoint at 8 on shard 3 and drop its first segment, atomically.
	require.NoError(t, s.Update(func(m *Manifest) error {
		m.Checkpoint = &Checkpoint{ID: "checkpoints/1", Shards: []CheckpointLSN{{Shard: 3, LSN: 8}}}
		return nil
	}))
	require.NoError(t, s.RemoveSegments(3, []string{"aof/3-1", "aof/unknown"}))
	m, err = LoadManifest(OSFS{}, dir)
	require.NoError(t, err)
	assert.Equal(t, []Segment{{Name: "aof/3-9", FirstLSN: 9}}, m.Shard(3).Segments)
	assert.Equal(t, LSN(8), m.CheckpointLSN(3))

	// An update that would break the LSN rules is refused.
	err = s.AddSegment(3, Segment{Name: "aof/3-5", FirstLSN: 5})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "LSN order broken")

	// Mutating a returned copy does not touch the store.
	c := s.Manifest()
	c.Shards[0].Segments[0].FirstLSN = 99
	assert.Equal(t, LSN(1), s.Manifest().Shards[0].Segments[0].FirstLSN)
}
