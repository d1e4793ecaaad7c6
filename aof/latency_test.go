package aof

import (
	"sync"
	"testing"
	"time"

	"github.com/keeldb/keel/durability"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// eventLog is a LatencyProbe that times everything and keeps the events.
type eventLog struct {
	mu     sync.Mutex
	events []string
}

func (l *eventLog) Start() time.Time { return time.Now() }

func (l *eventLog) End(event string, _ time.Time) {
	l.mu.Lock()
	l.events = append(l.events, event)
	l.mu.Unlock()
}

func (l *eventLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.events
	l.events = nil
	return out
}

// A flush's write is sampled as aof-write and, beside it, as
// aof-write-pending-fsync while an fsync of the log runs (everysec's
// background one), aof-write-alone otherwise.
func TestWriteLatencyEvents(t *testing.T) {
	ffs := durability.NewFaultFS(durability.NewMemFS())
	probe := &eventLog{}
	w, err := NewWriter(ffs, "/data", 0, 1, Options{Latency: probe})
	require.NoError(t, err)
	defer w.Close()
	set := [][]byte{[]byte("SET"), []byte("k"), []byte("v")}
	w.Append(0, set)
	_, err = w.Flush()
	require.NoError(t, err)
	assert.Equal(t, []string{"aof-write-alone", "aof-write"}, probe.take())

	ffs.Inject(durability.Fault{Op: durability.OpSync, Path: "/data/aof/*", Sticky: true, Delay: 200 * time.Millisecond})
	synced := make(chan error, 1)
	go func() { synced <- w.Sync() }()
	require.Eventually(t, w.syncing.Load, 10*time.Second, time.Millisecond)
	w.Append(0, set)
	_, err = w.Flush()
	require.NoError(t, err)
	assert.Equal(t, []string{"aof-write-pending-fsync", "aof-write"}, probe.take())
	require.NoError(t, <-synced)
	ffs.ClearAll()
}
