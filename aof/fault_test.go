package aof

import (
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/keeldb/keel/durability"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const aofGlob = "*/aof/*"

func appendCommands(w *Writer, first, last int) {
	for n := first; n <= last; n++ {
		w.Append(n%16, cmdFor(n))
	}
}

func TestWriteErrorKeepsRecords(t *testing.T) {
	mem := durability.NewMemFS()
	ffs := durability.NewFaultFS(mem)
	w, err := NewWriter(ffs, "/data", 0, 1, Options{})
	require.NoError(t, err)

	ffs.Inject(durability.Fault{Op: durability.OpWrite, Path: aofGlob})
	appendCommands(w, 1, 10)
	_, err = w.Flush()
	require.ErrorIs(t, err, syscall.EIO)
	assert.Contains(t, err.Error(), "shard 0")
	assert.Equal(t, durability.NoLSN, w.WrittenLSN())
	assert.Positive(t, w.Stats().Unsynced, "the frame is held in memory")

	// The fault was one-shot: the next flush rewrites the held frame.
	last, err := w.Flush()
	require.NoError(t, err)
	assert.Equal(t, durability.LSN(10), last)
	require.NoError(t, w.Close())
	got, err := readAll(t, mem, "/data", 0, 1)
	require.NoError(t, err)
	requireCommands(t, got, 1, 10)
}

func TestENOSPCPartialFrameIsCutBack(t *testing.T) {
	mem := durability.NewMemFS()
	ffs := durability.NewFaultFS(mem)
	w, err := NewWriter(ffs, "/data", 0, 1, Options{})
	require.NoError(t, err)
	writeCommands(t, w, 1, 50, 50)
	require.NoError(t, w.Sync())
	good := w.Stats().Size

	ffs.Inject(durability.Fault{Op: durability.OpWrite, Path: aofGlob, AfterBytes: 100, Sticky: true})
	appendCommands(w, 51, 100)
	_, err = w.Flush()
	require.ErrorIs(t, err, syscall.ENOSPC)
	seg := filepath.Join("/data", DirName, SegmentName(0, 1))
	data, err := mem.ReadFile(seg)
	require.NoError(t, err)
	assert.Equal(t, good+100, int64(len(data)), "a partial frame reached the file")

	// While the disk stays full every flush fails and keeps its frames.
	appendCommands(w, 101, 150)
	_, err = w.Flush()
	require.ErrorIs(t, err, syscall.ENOSPC)
	require.ErrorIs(t, w.Sync(), syscall.ENOSPC)
	assert.Equal(t, durability.LSN(50), w.SyncedLSN())

	ffs.ClearAll()
	_, err = w.Flush()
	require.NoError(t, err)
	require.NoError(t, w.Sync())
	assert.Equal(t, durability.LSN(150), w.SyncedLSN())
	require.NoError(t, w.Close())
	got, err := readAll(t, mem, "/data", 0, 1)
	require.NoError(t, err, "the partial frame was truncated away, not left as a torn frame")
	requireCommands(t, got, 1, 150)
	data, err = mem.ReadFile(seg)
	require.NoError(t, err)
	assert.Equal(t, w.Stats().Size, int64(len(data)))
}

// fsyncgate: after a failed fsync the kernel may have dropped the dirty
// pages. The writer must rewrite them from memory, not trust a later fsync.
func TestFsyncErrorRetryLosesNothing(t *testing.T) {
	for _, retry := range []string{"sync", "flush"} {
		t.Run(retry, func(t *testing.T) {
			mem := durability.NewMemFS()
			ffs := durability.NewFaultFS(mem)
			w, err := NewWriter(ffs, "/data", 0, 1, Options{})
			require.NoError(t, err)
			writeCommands(t, w, 1, 20, 20)
			require.NoError(t, w.Sync())
			syncedSize := w.Stats().Size
			writeCommands(t, w, 21, 40, 10)

			ffs.Inject(durability.Fault{Op: durability.OpSync, Path: aofGlob})
			err = w.Sync()
			require.ErrorIs(t, err, syscall.EIO)
			assert.Contains(t, err.Error(), "fsync")
			assert.Equal(t, durability.LSN(20), w.SyncedLSN(), "nothing past the failed fsync is acknowledged")

			// The kernel threw the unsynced pages away.
			seg := filepath.Join("/data", DirName, SegmentName(0, 1))
			data, err := mem.ReadFile(seg)
			require.NoError(t, err)
			for i := syncedSize; i < int64(len(data)); i++ {
				data[i] = 0
			}
			require.NoError(t, mem.WriteFile(seg, data))

			if retry == "flush" {
				appendCommands(w, 41, 60)
				_, err = w.Flush()
				require.NoError(t, err)
			}
			require.NoError(t, w.Sync())
			last := w.LastLSN()
			assert.Equal(t, last, w.SyncedLSN())

			mem.Crash()
			got, err := readAll(t, mem, "/data", 0, 1)
			require.NoError(t, err)
			requireCommands(t, got, 1, int(last))
		})
	}
}

func TestRollFailuresAreRetried(t *testing.T) {
	for _, ft := range []durability.Fault{
		{Op: durability.OpSync, Path: aofGlob},        // fsync of the finished segment
		{Op: durability.OpRename, Path: "*/MANIFEST"}, // registering the new one
		{Op: durability.OpSyncDir, Path: "*/aof"},     // making its entry durable
		{Op: durability.OpOpen, Path: "*/aof/*.aof"},  // creating it
	} {
		t.Run(ft.Op.String(), func(t *testing.T) {
			mem := durability.NewMemFS()
			ffs := durability.NewFaultFS(mem)
			store := durability.NewManifestStore(ffs, "/data", nil)
			w, err := NewWriter(ffs, "/data", 0, 1, Options{SegmentSize: 1024, Registry: store})
			require.NoError(t, err)
			n := 1
			for w.Stats().Segments == 1 {
				writeCommands(t, w, n, n+9, 10)
				n += 10
			}
			// Fill the second segment up to just under the limit.
			for w.Stats().SegmentSize < 900 {
				writeCommands(t, w, n, n, 1)
				n++
			}
			ffs.Inject(ft)
			for w.Stats().Segments == 2 {
				appendCommands(w, n, n+9)
				n += 10
				if _, err := w.Flush(); err != nil {
					break
				}
			}
			require.Equal(t, 2, w.Stats().Segments, "the failed roll stays in the old segment")
			writeCommands(t, w, n, n+9, 10)
			n += 10
			assert.Equal(t, 3, w.Stats().Segments, "the next flush rolls")
			require.NoError(t, w.Close())

			mem.Crash()
			m, err := durability.LoadManifest(mem, "/data")
			require.NoError(t, err)
			listed, err := ListSegments(mem, "/data", 0)
			require.NoError(t, err)
			assert.Equal(t, listed, m.Shard(0).Segments)
			got, err := readSegs(t, mem, "/data", 0, m.Shard(0).Segments, 1)
			require.NoError(t, err)
			requireCommands(t, got, 1, n-1)
		})
	}
}

// TestCrashNeverLosesSynced drives a writer through random batches, syncs,
// rolls and injected write and fsync failures, then cuts the power at a
// random point. Whatever the log then holds must be a clean prefix of what
// was written (a torn tail aside) containing every record SyncedLSN had
// acknowledged.
func TestCrashNeverLosesSynced(t *testing.T) {
	for seed := range uint64(12) {
		rng := rand.New(rand.NewPCG(seed, 42))
		mem := durability.NewMemFS()
		ffs := durability.NewFaultFS(mem)
		store := durability.NewManifestStore(ffs, "/data", nil)
		w, err := NewWriter(ffs, "/data", 0, 1, Options{SegmentSize: 2048, Registry: store})
		require.NoError(t, err)
		n := 1
		acked := durability.NoLSN
		steps := 20 + rng.IntN(60)
		for range steps {
			switch rng.IntN(6) {
			case 0:
				ffs.Inject(durability.Fault{Op: durability.OpSync, Path: aofGlob})
			case 1:
				ffs.Inject(durability.Fault{Op: durability.OpWrite, Path: aofGlob, AfterBytes: int64(rng.IntN(300))})
			}
			batch := 1 + rng.IntN(40)
			appendCommands(w, n, n+batch-1)
			n += batch
			_, _ = w.Flush()
			if rng.IntN(2) == 0 {
				if w.Sync() == nil {
					assert.Equal(t, w.LastLSN(), w.SyncedLSN(), "a successful Sync covers every flushed record")
				}
			}
			acked = max(acked, w.SyncedLSN())
		}
		mem.Crash()

		m, err := durability.LoadManifest(mem, "/data")
		require.NoError(t, err, "seed %d", seed)
		got, err := readSegs(t, mem, "/data", 0, m.Shard(0).Segments, 1)
		var torn *TornTailError
		if err != nil && !errors.As(err, &torn) {
			require.NoError(t, err, "seed %d", seed)
		}
		require.GreaterOrEqual(t, len(got), int(acked), "seed %d: acknowledged records lost", seed)
		requireCommands(t, got, 1, len(got))
	}
}

// TestBackgroundSyncWhileWriting runs everysec as the server does: the
// owner appends and flushes while a BackgroundSyncer fsyncs, and fsync
// failures come and go. Run with -race.
func TestBackgroundSyncWhileWriting(t *testing.T) {
	mem := durability.NewMemFS()
	ffs := durability.NewFaultFS(mem)
	w, err := NewWriter(ffs, "/data", 0, 1, Options{SegmentSize: 8192})
	require.NoError(t, err)
	errs := durability.NewErrorState()
	bg := durability.NewBackgroundSyncer(w, errs.Sub(), durability.BackgroundSyncerOptions{
		Interval: time.Millisecond,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	bg.Start()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
				ffs.Inject(durability.Fault{Op: durability.OpSync, Path: aofGlob})
			}
		}
	}()

	const total = 4000
	var lastSynced durability.LSN
	for n := 1; n <= total; n += 20 {
		if bg.Postpone(time.Now()) {
			time.Sleep(50 * time.Microsecond)
		}
		appendCommands(w, n, n+19)
		_, _ = w.Flush()
		s := w.SyncedLSN()
		require.GreaterOrEqual(t, s, lastSynced, "SyncedLSN never goes back")
		lastSynced = s
		_ = w.Stats()
	}
	close(stop)
	wg.Wait()
	bg.Stop()
	ffs.ClearAll()
	require.NoError(t, w.Close())
	assert.Equal(t, durability.LSN(total), w.SyncedLSN())

	mem.Crash()
	got, err := readAll(t, mem, "/data", 0, 1)
	require.NoError(t, err)
	requireCommands(t, got, 1, total)
}
