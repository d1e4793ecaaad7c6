package durability

import (
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeSyncer counts calls, fails while err is set and blocks while gate is
// non-nil.
type fakeSyncer struct {
	calls atomic.Int64
	mu    sync.Mutex
	err   error
	gate  chan struct{}
	enter chan struct{}
}

func (f *fakeSyncer) Sync() error {
	f.calls.Add(1)
	f.mu.Lock()
	err, gate, enter := f.err, f.gate, f.enter
	f.mu.Unlock()
	if enter != nil {
		enter <- struct{}{}
	}
	if gate != nil {
		<-gate
	}
	return err
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestBackgroundSyncerRunsAndReports(t *testing.T) {
	root := NewErrorState()
	fs := &fakeSyncer{err: syscall.EIO}
	b := NewBackgroundSyncer(fs, root.Sub(), BackgroundSyncerOptions{Interval: time.Millisecond, Logger: quietLogger()})
	b.Start()
	require.Eventually(t, func() bool { return root.Err() != nil }, 5*time.Second, time.Millisecond)
	assert.ErrorIs(t, root.Err(), syscall.EIO)

	fs.mu.Lock()
	fs.err = nil
	fs.mu.Unlock()
	require.Eventually(t, func() bool { return root.Err() == nil }, 5*time.Second, time.Millisecond,
		"a successful fsync clears the syncer's failure")
	b.Stop()
	calls := fs.calls.Load()
	time.Sleep(5 * time.Millisecond)
	assert.Equal(t, calls, fs.calls.Load(), "no fsync after Stop")
	b.Stop() // idempotent
}

func TestBackgroundSyncerStopWithoutStart(t *testing.T) {
	b := NewBackgroundSyncer(&fakeSyncer{}, NewErrorState(), BackgroundSyncerOptions{})
	b.Stop()
	b.Start() // after Stop, Start does nothing
	b.Stop()
}

func TestBackgroundSyncerPostpone(t *testing.T) {
	root := NewErrorState()
	fs := &fakeSyncer{gate: make(chan struct{}), enter: make(chan struct{}, 1)}
	b := NewBackgroundSyncer(fs, root.Sub(), BackgroundSyncerOptions{Logger: quietLogger()})

	t0 := time.Unix(1000, 0)
	assert.False(t, b.Postpone(t0), "nothing running: write now")
	assert.Zero(t, b.InProgress())

	done := make(chan error)
	go func() { done <- b.SyncNow() }()
	<-fs.enter
	assert.Positive(t, b.InProgress())
	assert.True(t, b.Postpone(t0), "fsync running: hold writes back")
	assert.True(t, b.Postpone(t0.Add(1900*time.Millisecond)))
	assert.False(t, b.Postpone(t0.Add(2*time.Second)), "after two seconds write anyway")
	assert.Equal(t, uint64(1), root.DelayedFsyncs())
	assert.True(t, b.Postpone(t0.Add(2100*time.Millisecond)), "a new postponement starts")

	close(fs.gate)
	require.NoError(t, <-done)
	assert.False(t, b.Postpone(t0.Add(3*time.Second)))
	assert.Equal(t, uint64(1), root.DelayedFsyncs())
}
