package durability

import (
	"io"
	"io/fs"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMemFSCrashKeepsOnlySynced(t *testing.T) {
	m := NewMemFS()
	require.NoError(t, m.MkdirAll("/d/aof", 0o755))

	// Durable file: created, written, fsynced, directory fsynced.
	f, err := m.OpenFile("/d/aof/a", os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	require.NoError(t, err)
	_, err = f.Write([]byte("synced."))
	require.NoError(t, err)
	require.NoError(t, f.Sync())
	require.NoError(t, m.SyncDir("/d/aof"))
	_, err = f.Write([]byte("lost"))
	require.NoError(t, err)

	// File fsynced but its directory entry never was.
	g, err := m.Create("/d/aof/b")
	require.NoError(t, err)
	_, err = g.Write([]byte("b"))
	require.NoError(t, err)
	require.NoError(t, g.Sync())

	got, err := m.ReadFile("/d/aof/a")
	require.NoError(t, err)
	assert.Equal(t, "synced.lost", string(got))

	m.Crash()
	got, err = m.ReadFile("/d/aof/a")
	require.NoError(t, err)
	assert.Equal(t, "synced.", string(got))
	_, err = m.Stat("/d/aof/b")
	assert.ErrorIs(t, err, fs.ErrNotExist, "an entry not fsynced into its directory is gone")
	_, err = f.Write([]byte("x"))
	assert.ErrorIs(t, err, errCrashed, "handles die with the crash")
	assert.ErrorIs(t, f.Sync(), errCrashed)
}

func TestMemFSRenameRemoveNeedDirSync(t *testing.T) {
	m := NewMemFS()
	require.NoError(t, m.MkdirAll("/d", 0o755))
	require.NoError(t, m.WriteFile("/d/old", []byte("1")))
	require.NoError(t, m.WriteFile("/d/gone", []byte("2")))
	require.NoError(t, m.Rename("/d/old", "/d/new"))
	require.NoError(t, m.Remove("/d/gone"))
	m.Crash()
	_, err := m.Stat("/d/new")
	assert.ErrorIs(t, err, fs.ErrNotExist)
	_, err = m.Stat("/d/old")
	assert.NoError(t, err, "unsynced rename undone")
	_, err = m.Stat("/d/gone")
	assert.NoError(t, err, "unsynced remove undone")

	require.NoError(t, m.Rename("/d/old", "/d/new"))
	require.NoError(t, m.Remove("/d/gone"))
	require.NoError(t, m.SyncDir("/d"))
	m.Crash()
	_, err = m.Stat("/d/old")
	assert.ErrorIs(t, err, fs.ErrNotExist)
	_, err = m.Stat("/d/gone")
	assert.ErrorIs(t, err, fs.ErrNotExist)
	data, err := m.ReadFile("/d/new")
	require.NoError(t, err)
	assert.Equal(t, "1", string(data))
}

func TestMemFSFileOps(t *testing.T) {
	m := NewMemFS()
	_, err := m.Create("/nodir/x")
	assert.ErrorIs(t, err, fs.ErrNotExist)
	require.NoError(t, m.MkdirAll("/d/sub", 0o755))
	f, err := m.Create("/d/x")
	require.NoError(t, err)
	_, err = f.Write([]byte("hello world"))
	require.NoError(t, err)
	require.NoError(t, f.Truncate(5))
	require.NoError(t, f.Truncate(7))
	st, err := f.Stat()
	require.NoError(t, err)
	assert.Equal(t, int64(7), st.Size())
	require.NoError(t, f.Close())
	assert.ErrorIs(t, f.Close(), fs.ErrClosed)

	_, err = m.OpenFile("/d/x", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	assert.ErrorIs(t, err, fs.ErrExist)
	r, err := m.Open("/d/x")
	require.NoError(t, err)
	all, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, "hello\x00\x00", string(all))
	buf := make([]byte, 4)
	n, err := r.ReadAt(buf, 3)
	assert.Equal(t, 4, n)
	assert.NoError(t, err)
	n, err = r.ReadAt(buf, 5)
	assert.Equal(t, 2, n)
	assert.ErrorIs(t, err, io.EOF)
	_, err = r.Write([]byte("x"))
	assert.ErrorIs(t, err, os.ErrPermission)

	entries, err := m.ReadDir("/d")
	require.NoError(t, err)
	require.Len(t, entries, 2)
	assert.Equal(t, "sub", entries[0].Name())
	assert.True(t, entries[0].IsDir())
	assert.Equal(t, "x", entries[1].Name())
	_, err = m.ReadDir("/nope")
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.ErrorIs(t, m.Remove("/d/nope"), fs.ErrNotExist)
}

// A crash at any point of a MANIFEST replace leaves the old or the new
// MANIFEST, never neither and never a mix. Each case fails one step (so
// the steps after it never run) and then cuts the power.
func TestManifestReplaceCrash(t *testing.T) {
	oldM := &Manifest{Version: ManifestVersion, Shards: []ShardLog{{Shard: 0, Segments: []Segment{{Name: "a", FirstLSN: 1}}}}}
	newM := oldM.Clone()
	newM.Shards[0].Segments = append(newM.Shards[0].Segments, Segment{Name: "b", FirstLSN: 9})
	cases := []struct {
		fault   *Fault
		wantNew bool
	}{
		{&Fault{Op: OpOpen, Path: "*.tmp"}, false},
		{&Fault{Op: OpWrite, Path: "*.tmp", AfterBytes: 30}, false},
		{&Fault{Op: OpSync, Path: "*.tmp"}, false},
		{&Fault{Op: OpRename}, false},
		{&Fault{Op: OpSyncDir}, false}, // renamed, but the rename was not durable
		{nil, true},
	}
	for _, c := range cases {
		name := "none"
		if c.fault != nil {
			name = c.fault.Op.String()
		}
		t.Run(name, func(t *testing.T) {
			mem := NewMemFS()
			require.NoError(t, mem.MkdirAll("/data", 0o755))
			require.NoError(t, mem.WriteFile("/data/a", nil))
			require.NoError(t, mem.WriteFile("/data/b", nil))
			ffs := NewFaultFS(mem)
			require.NoError(t, WriteManifest(ffs, "/data", oldM))
			if c.fault != nil {
				ffs.Inject(*c.fault)
				require.Error(t, WriteManifest(ffs, "/data", newM))
			} else {
				require.NoError(t, WriteManifest(ffs, "/data", newM))
			}
			mem.Crash()
			got, err := LoadManifest(mem, "/data")
			require.NoError(t, err)
			if c.wantNew {
				assert.Equal(t, newM, got)
			} else {
				assert.Equal(t, oldM, got)
			}
		})
	}
}
