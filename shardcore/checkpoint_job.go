package shardcore

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keeldb/keel/durability"
	"github.com/keeldb/keel/durability/checkpoint"
)

// CheckpointSink is where finished checkpoints go: the data directory's
// MANIFEST. Publish names cp as the checkpoint recovery starts from (and
// drops retained copies beyond what is kept); the shards then remove the
// log segments it covers.
type CheckpointSink interface {
	Publish(cp durability.Checkpoint) error
}

// Checkpoints is what the server needs to take checkpoints: the live
// checkpoint store and the sink. Options.Checkpoints nil disables them
// (SAVE and BGSAVE then fail).
type Checkpoints struct {
	Store *checkpoint.Store
	Sink  CheckpointSink
	// Next is the id the next checkpoint takes.
	Next uint64
}

var errCkInProgress = errors.New("a checkpoint is already in progress")

// ckJob is one checkpoint over every shard.
type ckJob struct {
	id      uint64
	store   *checkpoint.Store
	full    bool
	rewrite bool // BGREWRITEAOF: counted as an AOF rewrite
	start   time.Time
	queue   chan *checkpoint.Batch
	results chan shardResult
}

type shardResult struct {
	keys, bytes, cow int64
	err              error
}

func (j *ckJob) trySubmit(b *checkpoint.Batch) bool {
	select {
	case j.queue <- b:
		return true
	default:
		return false
	}
}

func (j *ckJob) shardDone(r shardResult) { j.results <- r }

// ckState is the server's checkpoint bookkeeping (INFO persistence, LASTSAVE,
// the MISCONF state, scheduling).
type ckState struct {
	cfg Checkpoints

	mu               sync.Mutex
	running          *ckJob
	scheduled        bool // BGSAVE SCHEDULE or BGREWRITEAOF during a checkpoint
	rewriteScheduled bool
	waiters          []chan error // SAVE and Checkpoint callers of the running job
	nextID           uint64
	needFull         bool
	dirtyAtStart     int64
	dirtySaved       int64 // srv.dirty at the start of the last good checkpoint
	lastFailed       bool
	failed           atomic.Bool // lastFailed, read by every write without the lock
	lastTry          time.Time
	lastDuration     time.Duration
	saves            int64
	rewrites         int64
	rewriteFailed    bool
	rewriteFailures  int64 // consecutive failed rewrites (INFO aof_rewrites_consecutive_failures)
	rewriteDelay     time.Duration
	rewriteNext      time.Time // while limited: no automatic rewrite before this
	rewriteDuration  time.Duration
	lastID           uint64
	lastKeys         int64
	lastBytes        int64
	lastCow          int64
}

// ckRetryDelay is how long automatic checkpoints wait after a failure, as
// Redis's CONFIG_BGSAVE_RETRY_DELAY.
const ckRetryDelay = 5 * time.Second

// Redis's limit on automatic AOF rewrites that keep failing (aof.c
// aofRewriteLimited): from the third consecutive failure on, the next one
// waits a minute, then two, four, ... up to an hour, so that a broken disk
// is not hammered with full rewrites. BGREWRITEAOF is never limited.
const (
	rewriteLimitAfter = 3
	rewriteDelayMax   = time.Hour
)

// rewriteAllowed reports whether an automatic rewrite may start now; it is
// asked only when one would start, as the delay doubles with each ask that
// finds the last delay over.
func (srv *Server) rewriteAllowed(now time.Time) bool {
	ck := &srv.ck
	ck.mu.Lock()
	defer ck.mu.Unlock()
	if ck.rewriteFailures < rewriteLimitAfter {
		ck.rewriteDelay, ck.rewriteNext = 0, time.Time{}
		return true
	}
	if !ck.rewriteNext.IsZero() {
		if now.Before(ck.rewriteNext) {
			return false
		}
		ck.rewriteNext = time.Time{}
		return true
	}
	ck.rewriteDelay = min(max(2*ck.rewriteDelay, time.Minute), rewriteDelayMax)
	ck.rewriteNext = now.Add(ck.rewriteDelay)
	srv.log.Warn("Background AOF rewrite has repeatedly failed and triggered the limit",
		"failures", ck.rewriteFailures, "retry_in_minutes", int(ck.rewriteDelay/time.Minute))
	return false
}

// startCheckpoint runs a checkpoint in the background; done (if not nil)
// receives its outcome. It fails with errCkInProgress while one runs, unless
// schedule: then one more runs after it (and done is not used).
func (srv *Server) startCheckpoint(rewrite, schedule bool, done chan error) error {
	ck := &srv.ck
	if ck.cfg.Store == nil {
		return errors.New("checkpoints are disabled (no data directory)")
	}
	ck.mu.Lock()
	defer ck.mu.Unlock()
	if ck.running != nil {
		if !schedule {
			return errCkInProgress
		}
		ck.scheduled = true
		ck.rewriteScheduled = ck.rewriteScheduled || rewrite
		return nil
	}
	srv.launchLocked(rewrite, done)
	return nil
}

// CheckpointRunning reports whether a checkpoint is being taken.
func (srv *Server) CheckpointRunning() bool {
	srv.ck.mu.Lock()
	defer srv.ck.mu.Unlock()
	return srv.ck.running != nil
}

func (srv *Server) launchLocked(rewrite bool, done chan error) {
	ck := &srv.ck
	job := &ckJob{
		id: ck.nextID, store: ck.cfg.Store, full: ck.needFull, rewrite: rewrite, start: time.Now(),
		queue:   make(chan *checkpoint.Batch, 2*len(srv.shards)),
		results: make(chan shardResult, len(srv.shards)),
	}
	ck.nextID++
	ck.running = job
	ck.lastTry = job.start
	ck.dirtyAtStart = srv.dirty.Load()
	if done != nil {
		ck.waiters = append(ck.waiters, done)
	}
	go srv.runCheckpoint(job)
}

// Checkpoint takes a checkpoint and returns once it is durable and named
// by the MANIFEST (SAVE, SHUTDOWN, the end of an RDB import). If one is
// running, it waits for the next.
func (srv *Server) Checkpoint(rewrite bool) error {
	done := make(chan error, 1)
	ck := &srv.ck
	for {
		err := srv.startCheckpoint(rewrite, false, done)
		if err == nil {
			return <-done
		}
		if !errors.Is(err, errCkInProgress) {
			return err
		}
		// Wait for the running one, then start ours.
		wait := make(chan error, 1)
		ck.mu.Lock()
		if ck.running == nil {
			ck.mu.Unlock()
			continue
		}
		ck.waiters = append(ck.waiters, wait)
		ck.mu.Unlock()
		<-wait
	}
}

func (srv *Server) runCheckpoint(job *ckJob) {
	res, err := srv.checkpointOnce(job)
	ck := &srv.ck
	ck.mu.Lock()
	dur := time.Since(job.start)
	if err != nil {
		srv.log.Error("checkpoint failed", "id", job.id, "err", err)
		ck.needFull = true
		ck.lastFailed = true
		ck.failed.Store(true)
		if job.rewrite {
			ck.rewriteFailed = true
			ck.rewriteFailures++
		}
	} else {
		srv.log.Info("checkpoint done", "id", job.id, "keys", res.keys, "bytes", res.bytes,
			"seconds", fmt.Sprintf("%.3f", dur.Seconds()), "full", job.full)
		ck.needFull = false
		ck.lastFailed = false
		ck.failed.Store(false)
		ck.dirtySaved = ck.dirtyAtStart
		ck.saves++
		ck.lastID, ck.lastKeys, ck.lastBytes, ck.lastCow = job.id, res.keys, res.bytes, res.cow
		srv.lastSave.Store(time.Now().Unix())
		if job.rewrite {
			ck.rewriteFailed = false
			ck.rewriteFailures = 0
		}
	}
	ck.lastDuration = dur
	if job.rewrite {
		ck.rewrites++
		ck.rewriteDuration = dur
	}
	waiters := ck.waiters
	ck.waiters = nil
	ck.running = nil
	if ck.scheduled {
		ck.scheduled = false
		rw := ck.rewriteScheduled
		ck.rewriteScheduled = false
		srv.launchLocked(rw, nil)
	}
	ck.mu.Unlock()
	for _, w := range waiters {
		w <- err
	}
}

// checkpointOnce cuts every shard at once, lets them write their snapshots,
// makes the result durable and named, and removes the log it covers.
func (srv *Server) checkpointOnce(job *ckJob) (shardResult, error) {
	var total shardResult
	im := job.store.NewImage(job.id)
	defer func() {
		if err := im.Close(); err != nil {
			srv.log.Warn("cannot remove a checkpoint's temporary files", "err", err)
		}
	}()
	writerDone := make(chan error, 1)
	go func() {
		// The image is built here too, its sorting and sstable writing
		// included: everything heavy stays on the low-priority thread.
		backgroundThread()
		var first error
		for b := range job.queue {
			if first != nil {
				b.Discard()
				continue
			}
			first = im.Add(b)
		}
		if first == nil {
			first = im.Build()
		}
		writerDone <- first
	}()
	timeMs := time.Now().UnixMilli()
	t := srv.lockShards(srv.shards, false)
	cut := t.each(func(s *Shard) any { return s.ckCut(job) })
	t.finish()
	var errs []error
	for range srv.shards {
		r := <-job.results
		total.keys += r.keys
		total.bytes += r.bytes
		total.cow += r.cow
		if r.err != nil {
			errs = append(errs, r.err)
		}
	}
	close(job.queue)
	if err := <-writerDone; err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return total, err
	}
	lsns := make([]uint64, len(cut))
	keys := make([]int64, len(srv.shards[0].dbs))
	shards := make([]durability.CheckpointLSN, len(cut))
	for i, v := range cut {
		cp := v.(cutPoint)
		lsns[i] = cp.lsn
		for db, n := range cp.keys {
			keys[db] += n
		}
		shards[i] = durability.CheckpointLSN{Shard: i, LSN: durability.LSN(lsns[i])}
		// The log must hold everything the image does before the
		// MANIFEST says the image replaces it.
		if err := srv.persist.SyncThrough(i, lsns[i]); err != nil {
			return total, fmt.Errorf("shard %d: %w", i, err)
		}
	}
	name, err := job.store.Finish(im, checkpoint.Meta{ID: job.id, TimeMs: timeMs, LSNs: lsns, Keys: keys})
	if err != nil {
		return total, err
	}
	if err := srv.ck.cfg.Sink.Publish(durability.Checkpoint{ID: name, TimeMs: timeMs, Shards: shards}); err != nil {
		return total, err
	}
	// Segments wholly below the cut are redundant now; each writer belongs
	// to its loop, so each shard removes its own.
	done := make(chan error, len(srv.shards))
	for i, sh := range srv.shards {
		sh.post(message{ctrl: true, fn: func(s *Shard) { done <- s.srv.persist.Truncate(s.id, lsns[i]) }})
	}
	for range srv.shards {
		if err := <-done; err != nil {
			// The checkpoint stands; the segments go at the next one.
			srv.log.Warn("cannot remove log segments a checkpoint covers", "err", err)
		}
	}
	return total, nil
}

// ckWriteError is the reply to writes after a failed checkpoint, as Redis's
// stop-writes-on-bgsave-error ("" when writes are allowed).
func (srv *Server) ckWriteError() string {
	if !srv.ck.failed.Load() {
		return ""
	}
	cfg := srv.config()
	if !cfg.StopWritesOnBgsaveError || len(cfg.Save) == 0 {
		return ""
	}
	return "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."
}

// ckCron starts automatic checkpoints: the save rules (save <seconds>
// <changes>) and auto-aof-rewrite-percentage / -min-size. It runs on shard
// 0's cron.
func (srv *Server) ckCron(now time.Time) {
	ck := &srv.ck
	if ck.cfg.Store == nil || srv.loading.Load() {
		return
	}
	cfg := srv.config()
	ck.mu.Lock()
	busy := ck.running != nil
	failedRecently := ck.lastFailed && now.Sub(ck.lastTry) < ckRetryDelay
	changes := srv.dirty.Load() - ck.dirtySaved
	retryLog := srv.persist.LogStarting() && now.Sub(ck.lastTry) >= ckRetryDelay
	ck.mu.Unlock()
	if busy || failedRecently {
		return
	}
	if retryLog && srv.rewriteAllowed(now) {
		// CONFIG SET appendonly yes is in effect only once a checkpoint
		// cut after it is published, as Redis retries its rewrite.
		srv.log.Info("starting the checkpoint that turns on the AOF")
		srv.startCheckpoint(true, false, nil)
		return
	}
	since := now.Unix() - srv.lastSave.Load()
	for _, p := range cfg.Save {
		if changes >= int64(p.Changes) && since >= int64(p.Seconds) {
			srv.log.Info("starting a checkpoint", "changes", changes, "seconds", p.Seconds)
			srv.startCheckpoint(false, false, nil)
			return
		}
	}
	if cfg.AppendOnly && cfg.AutoAOFRewritePercentage > 0 {
		cur, base := srv.persist.Size()
		if cur > cfg.AutoAOFRewriteMinSize && base >= 0 {
			growth := (cur - base) * 100 / max(base, 1)
			if growth >= int64(cfg.AutoAOFRewritePercentage) && srv.rewriteAllowed(now) {
				srv.log.Info("starting automatic rewriting of the AOF", "growth_percent", growth)
				srv.startCheckpoint(true, false, nil)
			}
		}
	}
}

// ckSnapshot is the checkpoint state INFO shows.
type ckSnapshot struct {
	running, rewrite, rewriteScheduled bool
	lastFailed, rewriteFailed          bool
	started                            time.Time
	dirtySaved, saves, rewrites        int64
	lastSec, rewriteSec, lastMs        int64
	lastID, lastKeys, lastBytes        int64
	lastCow, rewriteFailures           int64
}

func (srv *Server) ckInfo() ckSnapshot {
	ck := &srv.ck
	ck.mu.Lock()
	defer ck.mu.Unlock()
	out := ckSnapshot{
		running: ck.running != nil, rewriteScheduled: ck.rewriteScheduled || (ck.running == nil && srv.persist.LogStarting()),
		lastFailed: ck.lastFailed, rewriteFailed: ck.rewriteFailed,
		dirtySaved: ck.dirtySaved, saves: ck.saves, rewrites: ck.rewrites,
		lastSec: -1, rewriteSec: -1, lastMs: ck.lastDuration.Milliseconds(),
		lastID: int64(ck.lastID), lastKeys: ck.lastKeys, lastBytes: ck.lastBytes, lastCow: ck.lastCow,
		rewriteFailures: ck.rewriteFailures,
	}
	if ck.running != nil {
		out.rewrite, out.started = ck.running.rewrite, ck.running.start
	}
	if ck.saves > 0 || ck.lastFailed {
		out.lastSec = int64(ck.lastDuration.Seconds())
	}
	if ck.rewrites > 0 {
		out.rewriteSec = int64(ck.rewriteDuration.Seconds())
	}
	return out
}

// currentSec is the running checkpoint's age in seconds when it is of the
// kind asked (a save or a rewrite), -1 otherwise.
func (c ckSnapshot) currentSec(kind bool) int64 {
	if !c.running || !kind {
		return -1
	}
	return int64(time.Since(c.started).Seconds())
}

func okErr(failed bool) string {
	if failed {
		return "err"
	}
	return "ok"
}

// ShutdownCheckpoint takes the checkpoint of a clean shutdown, so that the
// next start replays no log. A failure is logged: with appendonly yes the
// log still holds every write.
func (srv *Server) ShutdownCheckpoint() {
	if srv.ck.cfg.Store == nil || srv.loading.Load() {
		return
	}
	srv.log.Info("taking a checkpoint before exiting")
	if err := srv.Checkpoint(false); err != nil {
		srv.log.Error("cannot take the shutdown checkpoint", "err", err)
	}
}
