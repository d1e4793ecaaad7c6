package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRewrite: the offline rewrite checkpoints the keyspace and empties
// the logs; the directory then serves the same keyspace.
func TestRewrite(t *testing.T) {
	dir := t.TempDir()
	addr, stop := startKeel(t, dir, 2)
	writeWorkload(t, addr)
	want := snapshot(t, addr)
	stop()
	before, err := logBytes(dir)
	require.NoError(t, err)
	require.Positive(t, before)

	code, out, errOut := runTool(t, "", "rewrite", "--dir", dir, "--quiet")
	require.Equal(t, 0, code, errOut)
	require.True(t, strings.HasPrefix(out, "rewrite: "), out)
	after, err := logBytes(dir)
	require.NoError(t, err)
	require.Zero(t, after)
	copies, err := os.ReadDir(filepath.Join(dir, "checkpoints"))
	require.NoError(t, err)
	require.Len(t, copies, 1)

	addr, _ = startKeel(t, dir, 2)
	require.Equal(t, want, snapshot(t, addr))
}
