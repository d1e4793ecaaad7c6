package durability

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFsyncPolicy(t *testing.T) {
	for _, p := range []FsyncPolicy{FsyncAlways, FsyncEverysec, FsyncNo} {
		got, err := ParseFsyncPolicy(p.String())
		require.NoError(t, err)
		assert.Equal(t, p, got)
	}
	got, err := ParseFsyncPolicy("EverySec")
	require.NoError(t, err)
	assert.Equal(t, FsyncEverysec, got)
	var zero FsyncPolicy
	assert.Equal(t, "everysec", zero.String(), "zero value is Redis's default")
	_, err = ParseFsyncPolicy("sometimes")
	assert.ErrorContains(t, err, "always, everysec or no")
	assert.Equal(t, "FsyncPolicy(9)", FsyncPolicy(9).String())
}

func TestLSN(t *testing.T) {
	l, err := ParseLSN("18446744073709551615")
	require.NoError(t, err)
	assert.Equal(t, LSN(1<<64-1), l)
	assert.Equal(t, "18446744073709551615", l.String())
	assert.Equal(t, LSN(8), LSN(7).Next())
	_, err = ParseLSN("-1")
	assert.Error(t, err)
}

func TestTxIDs(t *testing.T) {
	now := time.Unix(1700000000, 0)
	ids := NewTxIDs(now, 0)
	a, b := ids.Next(), ids.Next()
	assert.Equal(t, TxID(now.UnixNano()+1), a)
	assert.Equal(t, a+1, b)
	later := NewTxIDs(now, TxID(now.UnixNano()+1000))
	assert.Equal(t, TxID(now.UnixNano()+1001), later.Next(), "stays above what recovery saw")
}

func TestErrorState(t *testing.T) {
	root := NewErrorState()
	assert.NoError(t, root.Err())
	assert.Equal(t, "ok", root.LastWriteStatus())
	assert.Equal(t, "", root.MisconfMessage())

	shardA, shardB := root.Sub(), root.Sub()
	enospc := fmt.Errorf("aof: shard 0: write x: %w", &fs.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC})
	shardA.Set(enospc)
	assert.Equal(t, enospc, root.Err())
	assert.Equal(t, enospc, shardB.Err(), "every source sees the server-wide state")
	assert.Equal(t, "err", root.LastWriteStatus())
	assert.Equal(t, "MISCONF Errors writing to the AOF file: No space left on device", root.MisconfMessage())

	shardB.Clear()
	assert.Equal(t, enospc, root.Err(), "another source's success does not clear A's failure")

	eio := errors.New("disk on fire")
	shardB.Set(eio)
	assert.Equal(t, eio, root.Err(), "most recent failure is reported")
	assert.Equal(t, "MISCONF Errors writing to the AOF file: disk on fire", root.MisconfMessage())
	shardB.Clear()
	assert.Equal(t, enospc, root.Err())
	shardA.Clear()
	assert.NoError(t, root.Err())

	shardA.AddDelayedFsync()
	root.AddDelayedFsync()
	assert.Equal(t, uint64(2), shardB.DelayedFsyncs())

	var zero ErrorState
	zero.Set(eio)
	assert.Equal(t, eio, zero.Err())
	zero.Set(nil)
	assert.NoError(t, zero.Err())
}

func TestErrorStateConcurrent(t *testing.T) {
	root := NewErrorState()
	done := make(chan struct{})
	for range 4 {
		s := root.Sub()
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 500 {
				if i%2 == 0 {
					s.Set(syscall.EIO)
				} else {
					s.Clear()
				}
				_ = root.Err()
			}
		}()
	}
	for range 4 {
		<-done
	}
	assert.NoError(t, root.Err(), "every source ended cleared")
}
