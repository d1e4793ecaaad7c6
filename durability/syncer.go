package durability

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Syncer is what a BackgroundSyncer drives; aof.Writer implements it. Sync
// must be safe to call while the owner goroutine keeps writing, and cheap
// when nothing is waiting to be synced.
type Syncer interface {
	Sync() error
}

// BackgroundSyncerOptions tunes a BackgroundSyncer; zero values take
// Redis's behaviour.
type BackgroundSyncerOptions struct {
	// Interval between fsyncs; default one second.
	Interval time.Duration
	// SlowAfter is how long writes are postponed behind a running fsync
	// before they go ahead anyway (counted in aof_delayed_fsync); default
	// two seconds.
	SlowAfter time.Duration
	// Logger for failures and slow fsyncs; default slog.Default().
	Logger *slog.Logger
	// Name identifies the log in messages, e.g. "shard 3".
	Name string
}

// BackgroundSyncer runs appendfsync everysec for one log: a goroutine calls
// Sync about once a second, setting its ErrorState source when an fsync
// fails and clearing it when one succeeds.
//
// The owner (the shard's loop) asks Postpone before each write, as Redis's
// flushAppendOnlyFile does: a write() to a file being fsynced can block for
// as long as the fsync, so writes wait behind a running fsync for up to
// SlowAfter, then go ahead and count a delayed fsync.
type BackgroundSyncer struct {
	s    Syncer
	es   *ErrorState
	opts BackgroundSyncerOptions

	running atomic.Int64 // UnixNano when the current fsync began; 0 when idle
	failing atomic.Bool  // the last fsync failed; logs only the first failure

	postponedSince time.Time // owner goroutine only

	mu      sync.Mutex
	started bool
	stopped bool
	stop    chan struct{}
	done    chan struct{}
}

// NewBackgroundSyncer returns a syncer for s reporting failures to es
// (normally a Sub of the server's ErrorState). Call Start to run it.
func NewBackgroundSyncer(s Syncer, es *ErrorState, opts BackgroundSyncerOptions) *BackgroundSyncer {
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.SlowAfter <= 0 {
		opts.SlowAfter = 2 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &BackgroundSyncer{
		s: s, es: es, opts: opts,
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
}

// Start launches the background goroutine; calls after the first, or
// after Stop, do nothing.
func (b *BackgroundSyncer) Start() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.started || b.stopped {
		return
	}
	b.started = true
	go b.loop()
}

// Stop ends the goroutine and waits for a running fsync to finish. The
// final fsync at shutdown is the owner's (closing the log syncs it).
func (b *BackgroundSyncer) Stop() {
	b.mu.Lock()
	if !b.stopped {
		b.stopped = true
		close(b.stop)
	}
	started := b.started
	b.mu.Unlock()
	if started {
		<-b.done
	}
}

func (b *BackgroundSyncer) loop() {
	defer close(b.done)
	t := time.NewTicker(b.opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
			b.SyncNow()
		}
	}
}

// SyncNow runs one fsync on the calling goroutine, with the same reporting
// as the background ones.
func (b *BackgroundSyncer) SyncNow() error {
	start := time.Now()
	b.running.Store(start.UnixNano())
	err := b.s.Sync()
	b.running.Store(0)
	took := time.Since(start)
	if err != nil {
		if !b.failing.Swap(true) {
			b.opts.Logger.Error("aof fsync failed", "log", b.opts.Name, "err", err)
		}
		b.es.Set(err)
		return err
	}
	if b.failing.Swap(false) {
		b.opts.Logger.Info("aof fsync succeeded again", "log", b.opts.Name)
	}
	b.es.Clear()
	if took > b.opts.SlowAfter {
		b.opts.Logger.Warn("aof fsync is taking too long (disk is busy?)", "log", b.opts.Name, "took", took)
	}
	return nil
}

// InProgress reports how long the running fsync has taken, or 0 if none is
// running.
func (b *BackgroundSyncer) InProgress() time.Duration {
	start := b.running.Load()
	if start == 0 {
		return 0
	}
	return time.Since(time.Unix(0, start))
}

// Postpone tells the owner whether to hold its buffered records back this
// iteration because an fsync is running. Once writes have been held back for
// SlowAfter it returns false, counts a delayed fsync and logs. Call only from
// the owner goroutine.
func (b *BackgroundSyncer) Postpone(now time.Time) bool {
	if b.running.Load() == 0 {
		b.postponedSince = time.Time{}
		return false
	}
	if b.postponedSince.IsZero() {
		b.postponedSince = now
		return true
	}
	if now.Sub(b.postponedSince) < b.opts.SlowAfter {
		return true
	}
	b.postponedSince = time.Time{}
	b.es.AddDelayedFsync()
	b.opts.Logger.Info("asynchronous aof fsync is taking too long (disk is busy?); writing the aof buffer without waiting for fsync to complete", "log", b.opts.Name)
	return false
}
