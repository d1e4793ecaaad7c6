package durability

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLockDirExclusive(t *testing.T) {
	dir := t.TempDir()
	l, err := LockDir(dir)
	require.NoError(t, err)
	assert.Equal(t, dir, l.Dir())
	pid, err := os.ReadFile(filepath.Join(dir, PidName))
	require.NoError(t, err)
	assert.Equal(t, strconv.Itoa(os.Getpid())+"\n", string(pid))

	// flock conflicts between open files even within one process.
	_, err = LockDir(dir)
	require.Error(t, err)
	assert.Equal(t, "durability: data directory "+dir+" is in use by pid "+strconv.Itoa(os.Getpid())+
		" (see "+filepath.Join(dir, PidName)+")", err.Error())

	require.NoError(t, l.Close())
	require.NoError(t, l.Close(), "a second Close is a no-op")
	_, err = os.Stat(filepath.Join(dir, PidName))
	assert.ErrorIs(t, err, os.ErrNotExist, "Close removes the pid file")

	l2, err := LockDir(dir)
	require.NoError(t, err, "the lock is free again after Close")
	require.NoError(t, l2.Close())
}

func TestLockDirWithoutPidFile(t *testing.T) {
	dir := t.TempDir()
	l, err := LockDir(dir)
	require.NoError(t, err)
	defer l.Close()
	require.NoError(t, os.Remove(filepath.Join(dir, PidName)))
	_, err = LockDir(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is in use by another process")
}

func TestLockDirKeepsForeignPidFile(t *testing.T) {
	dir := t.TempDir()
	l, err := LockDir(dir)
	require.NoError(t, err)
	// Another process that took over (after this one lost its lock to a
	// removed directory, say) owns the pid file now.
	require.NoError(t, os.WriteFile(filepath.Join(dir, PidName), []byte("99999\n"), 0o644))
	require.NoError(t, l.Close())
	data, err := os.ReadFile(filepath.Join(dir, PidName))
	require.NoError(t, err)
	assert.Equal(t, "99999\n", string(data))
}

func TestLockDirMissingDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nope")
	_, err := LockDir(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "lock data directory "+dir)
}
