package durability

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGlobMatch(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"*/aof/*", "/data/aof/shard-0001.00000000000000000001.aof", true},
		{"*/aof/*", "/data/MANIFEST", false},
		{"*.aof", "/a/b/c.aof", true},
		{"*.aof", "/a/b/c.aof.tmp", false},
		{"/data/MANIFEST?tmp", "/data/MANIFEST.tmp", true},
		{"*", "", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
		{"", "x", false},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, globMatch(c.pattern, c.s), "%q vs %q", c.pattern, c.s)
	}
}

func writeFile(t *testing.T, fsys FS, p string, data []byte) error {
	t.Helper()
	f, err := fsys.Create(p)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.Write(data)
	return err
}

func TestFaultFSNthFsyncOneShotAndSticky(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "aof"), 0o755))
	ffs := NewFaultFS(OSFS{})
	id := ffs.Inject(Fault{Op: OpSync, Path: "*/aof/*", Nth: 3})

	f, err := ffs.Create(filepath.Join(dir, "aof", "x.aof"))
	require.NoError(t, err)
	defer f.Close()
	other, err := ffs.Create(filepath.Join(dir, "MANIFEST"))
	require.NoError(t, err)
	defer other.Close()

	for range 5 {
		require.NoError(t, other.Sync(), "non-matching path never fails")
	}
	require.NoError(t, f.Sync())
	require.NoError(t, f.Sync())
	err = f.Sync()
	require.ErrorIs(t, err, syscall.EIO)
	var pe *fs.PathError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "sync", pe.Op)
	require.NoError(t, f.Sync(), "one-shot fault fires once")
	assert.Equal(t, 1, ffs.Fired(id))

	sticky := ffs.Inject(Fault{Op: OpSync, Path: "*/aof/*", Nth: 2, Sticky: true})
	require.NoError(t, f.Sync())
	for range 3 {
		require.ErrorIs(t, f.Sync(), syscall.EIO)
	}
	ffs.Clear(sticky)
	require.NoError(t, f.Sync(), "cleared at run time")
}

func TestFaultFSWriteAfterBytes(t *testing.T) {
	dir := t.TempDir()
	ffs := NewFaultFS(OSFS{})
	ffs.Inject(Fault{Op: OpWrite, Path: "*.aof", AfterBytes: 10, Sticky: true})
	p := filepath.Join(dir, "a.aof")
	f, err := ffs.Create(p)
	require.NoError(t, err)
	n, err := f.Write([]byte("123456"))
	require.NoError(t, err)
	assert.Equal(t, 6, n)
	n, err = f.Write([]byte("abcdefgh"))
	require.ErrorIs(t, err, syscall.ENOSPC)
	assert.Equal(t, 4, n, "the part that fits is written, like a full disk")
	n, err = f.Write([]byte("z"))
	require.ErrorIs(t, err, syscall.ENOSPC)
	assert.Equal(t, 0, n)
	require.NoError(t, f.Close())
	got, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, "123456abcd", string(got))

	// Other files are unaffected.
	require.NoError(t, writeFile(t, ffs, filepath.Join(dir, "b.txt"), []byte("hello world, long enough")))

	ffs.ClearAll()
	f, err = ffs.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.Write([]byte("more"))
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

func TestFaultFSOpenRenameRemoveSyncDir(t *testing.T) {
	dir := t.TempDir()
	ffs := NewFaultFS(OSFS{})
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	require.NoError(t, writeFile(t, ffs, a, []byte("x")))

	ffs.Inject(Fault{Op: OpRename, Path: "*/b", Err: syscall.EROFS})
	err := ffs.Rename(a, b)
	require.ErrorIs(t, err, syscall.EROFS, "rename matches on the target path too")
	var le *os.LinkError
	require.ErrorAs(t, err, &le)
	require.NoError(t, ffs.Rename(a, b), "one-shot")

	ffs.Inject(Fault{Op: OpOpen | OpRemove, Path: "*/b", Sticky: true})
	_, err = ffs.Open(b)
	require.ErrorIs(t, err, syscall.EIO)
	require.ErrorIs(t, ffs.Remove(b), syscall.EIO)
	ffs.ClearAll()

	ffs.Inject(Fault{Op: OpSyncDir})
	require.ErrorIs(t, ffs.SyncDir(dir), syscall.EIO)
	require.NoError(t, ffs.SyncDir(dir))

	ffs.Inject(Fault{Op: OpTruncate})
	f, err := ffs.OpenFile(b, os.O_WRONLY, 0)
	require.NoError(t, err)
	require.ErrorIs(t, f.Truncate(0), syscall.EIO)
	require.NoError(t, f.Truncate(0))
	require.NoError(t, f.Close())

	ffs.Inject(Fault{Op: OpMkdir})
	require.ErrorIs(t, ffs.MkdirAll(filepath.Join(dir, "d"), 0o755), syscall.EIO)
}

func TestParseFault(t *testing.T) {
	ft, err := ParseFault("op=fsync path=*/aof/* nth=3 err=EIO")
	require.NoError(t, err)
	assert.Equal(t, Fault{Op: OpSync, Path: "*/aof/*", Nth: 3, Err: syscall.EIO}, ft)

	ft, err = ParseFault("op=write after=1024 err=enospc sticky")
	require.NoError(t, err)
	assert.Equal(t, Fault{Op: OpWrite, AfterBytes: 1024, Err: syscall.ENOSPC, Sticky: true}, ft)

	ft, err = ParseFault("op=open|rename sticky=false")
	require.NoError(t, err)
	assert.Equal(t, OpOpen|OpRename, ft.Op)
	assert.Equal(t, "open|rename", ft.Op.String())

	for _, bad := range []string{"", "nth=2", "op=frobnicate", "op=fsync nth=0", "op=fsync err=EWHAT",
		"op=fsync after=10", "op=write bogus=1", "op=write sticky=maybe"} {
		_, err := ParseFault(bad)
		assert.Error(t, err, bad)
	}
}

func TestFaultFSConcurrentUse(t *testing.T) {
	dir := t.TempDir()
	ffs := NewFaultFS(OSFS{})
	done := make(chan error)
	for g := range 4 {
		go func() {
			f, err := ffs.Create(filepath.Join(dir, string(rune('a'+g))))
			if err != nil {
				done <- err
				return
			}
			defer f.Close()
			for range 200 {
				if _, err := f.Write([]byte("x")); err != nil && !errors.Is(err, syscall.EIO) {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 50 {
		id := ffs.Inject(Fault{Op: OpWrite})
		ffs.Clear(id)
	}
	for range 4 {
		require.NoError(t, <-done)
	}
}
