package recovery

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keeldb/keel/aof"
	"github.com/keeldb/keel/durability"
)

// Logs is the server's persistence (shardcore.Persistence): one aof.Writer
// per shard, committed once per shard loop iteration.
//
//   - appendfsync always: Commit flushes and fsyncs, so one fsync covers
//     every write of the iteration, whichever connection or pipeline sent it
//     (group commit), and no reply leaves before its frame is durable.
//   - everysec: Commit flushes (write to the OS); a BackgroundSyncer per
//     shard fsyncs about once a second. While one of its fsyncs runs, the
//     shard holds its records back (up to two seconds, then counts a
//     delayed fsync), as Redis does, so the loop never blocks on fsync.
//   - no: Commit flushes; the OS decides when data reaches the disk.
//
// Failures feed a durability.ErrorState (one source per shard loop and one
// per background syncer): writes get -MISCONF until a retry succeeds.
//
// Log, EndTx and Commit for a shard run on that shard's goroutine; Info,
// WriteError and SetFsync are safe from any goroutine. The writers are
// opened at the end of Recovery.Replay, possibly while the shard loops run
// (the server answers -LOADING meanwhile); until then Log and Commit do
// nothing, and replay does not log what it applies.
type Logs struct {
	log    *slog.Logger
	es     *durability.ErrorState
	policy atomic.Int32 // durability.FsyncPolicy

	mu     sync.Mutex // serialises SetFsync and Close
	closed bool
	shards []*shardLog

	baseSize atomic.Int64 // bytes the logs held when opened (aof_base_size)
	state    atomic.Int32 // logOff, logStarting or logOn (switch.go)

	// open creates shard's writer from LSN start on, its segments held
	// back from the MANIFEST until a checkpoint publishes them (switch.go).
	open func(shard int, start durability.LSN) (*aof.Writer, error)
	reg  *segRegistry

	// progress reports loading, for INFO's loading_* fields.
	progress func() Progress

	// latency times the writers' writes and the fsyncs of Commit for the
	// server's latency monitor (SetLatencyProbe).
	latency durability.LatencyRelay
}

type shardLog struct {
	id int
	w  atomic.Pointer[aof.Writer]
	// logging: this shard's writes go to w (set by the shard's own loop at
	// a cut, cleared by StopLogging).
	logging atomic.Bool
	// base is the last LSN of a shard without writer; gate the first LSN
	// of the log started at run time, which WAITAOF may count as synced
	// only once the switch is in effect (switch.go).
	base   atomic.Uint64
	gate   atomic.Uint64
	loopES *durability.ErrorState // the shard loop's flush and fsync failures
	bgES   *durability.ErrorState // the background syncer's failures
	bg     atomic.Pointer[durability.BackgroundSyncer]

	// buffered approximates the bytes of records appended but not yet
	// handed to the OS (aof_buffer_length).
	buffered atomic.Int64

	// Owner goroutine only.
	dirty   bool // records appended since the last successful flush
	failing bool // the last commit failed: retry even without new records
}

func newLogs(n int, policy durability.FsyncPolicy, logger *slog.Logger) *Logs {
	l := &Logs{log: logger, es: durability.NewErrorState(), shards: make([]*shardLog, n)}
	l.policy.Store(int32(policy))
	l.state.Store(logOff)
	for i := range l.shards {
		l.shards[i] = &shardLog{id: i, loopES: l.es.Sub(), bgES: l.es.Sub()}
	}
	return l
}

// attach installs the opened writers and starts the background syncers
// when the policy is everysec. It runs before the shard loops start.
func (l *Logs) attach(ws []*aof.Writer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var size int64
	for i, w := range ws {
		l.shards[i].w.Store(w)
		l.shards[i].logging.Store(true)
		size += w.Stats().Size
	}
	l.baseSize.Store(size)
	l.state.Store(logOn)
	if durability.FsyncPolicy(l.policy.Load()) == durability.FsyncEverysec {
		l.startSyncers()
	}
}

func (l *Logs) startSyncers() {
	for _, sl := range l.shards {
		w := sl.w.Load()
		if w == nil {
			continue
		}
		bg := durability.NewBackgroundSyncer(w, sl.bgES, durability.BackgroundSyncerOptions{
			Logger: l.log,
			Name:   "shard " + strconv.Itoa(sl.id),
		})
		bg.Start()
		sl.bg.Store(bg)
	}
}

// stopSyncers ends the background fsyncs. A failure they reported is
// dropped with them: the writer keeps unsynced frames and repairs the file
// on its next flush, whose own outcome the shard loop reports.
func (l *Logs) stopSyncers() {
	for _, sl := range l.shards {
		if bg := sl.bg.Swap(nil); bg != nil {
			bg.Stop()
		}
		sl.bgES.Clear()
	}
}

// Log buffers one applied write of shard (its effect) in the shard's log;
// txid tags a part of a multi-shard write (0: none).
func (l *Logs) Log(shard, db int, args [][]byte, txid uint64) {
	sl := l.shards[shard]
	w := sl.w.Load()
	if w == nil || !sl.logging.Load() {
		return
	}
	if txid == 0 {
		w.Append(db, args)
	} else {
		w.AppendTx(durability.TxID(txid), db, args)
	}
	n := 0
	for _, a := range args {
		n += len(a)
	}
	sl.buffered.Add(int64(n))
	sl.dirty = true
}

// EndTx closes shard's part of multi-shard write txid.
func (l *Logs) EndTx(shard int, txid uint64, parts int) {
	sl := l.shards[shard]
	w := sl.w.Load()
	if w == nil || !sl.logging.Load() {
		return
	}
	w.EndTx(durability.TxID(txid), parts)
	sl.dirty = true
}

// Commit writes what shard logged since its last commit as one frame and,
// with appendfsync always, fsyncs it. It is a no-op when nothing is
// pending, which keeps idle loop iterations cheap.
func (l *Logs) Commit(shard int) error {
	sl := l.shards[shard]
	w := sl.w.Load()
	if w == nil || (!sl.dirty && !sl.failing) {
		return nil
	}
	policy := durability.FsyncPolicy(l.policy.Load())
	if policy == durability.FsyncEverysec {
		// A write() to a file being fsynced can block as long as the
		// fsync: hold the records back instead (they stay buffered and
		// dirty keeps the next iteration trying).
		if bg := sl.bg.Load(); bg != nil && bg.Postpone(time.Now()) {
			return nil
		}
	}
	if _, err := w.Flush(); err != nil {
		return sl.fail(err)
	}
	sl.buffered.Store(0)
	if policy == durability.FsyncAlways {
		start := l.latency.Start()
		if err := w.Sync(); err != nil {
			return sl.fail(err)
		}
		l.latency.End("aof-fsync-always", start)
	}
	sl.dirty = false
	if sl.failing {
		sl.failing = false
		sl.loopES.Clear()
	}
	return nil
}

// SetLatencyProbe has the logs report to the server's latency monitor how
// long their writes ("aof-write") and, under appendfsync always, the
// fsyncs of Commit ("aof-fsync-always") take.
func (l *Logs) SetLatencyProbe(p durability.LatencyProbe) { l.latency.Set(p) }

func (sl *shardLog) fail(err error) error {
	sl.failing = true
	sl.loopES.Set(err)
	return err
}

// WriteError is the reply to writes while a log fails, "" when healthy.
func (l *Logs) WriteError() string { return l.es.MisconfMessage() }

// Info appends the AOF lines of INFO persistence that describe the log,
// named as Redis 7.0 writes them (the server adds the rewrite fields: a
// rewrite is a checkpoint).
func (l *Logs) Info(lines []string) []string {
	var size, buffered int64
	var pendingFsync int
	for _, sl := range l.shards {
		if w := sl.w.Load(); w != nil {
			size += w.Stats().Size
		}
		buffered += sl.buffered.Load()
		if bg := sl.bg.Load(); bg != nil && bg.InProgress() > 0 {
			pendingFsync++
		}
	}
	// As Redis: enabled from CONFIG SET appendonly yes on (the rewrite
	// that puts it in effect shows as aof_rewrite_in_progress), and the
	// sizes only while enabled.
	enabled := l.state.Load() != logOff
	lines = append(lines,
		"aof_enabled:"+map[bool]string{true: "1", false: "0"}[enabled],
		"aof_last_write_status:"+l.es.LastWriteStatus(),
		"aof_last_cow_size:0",
		"module_fork_in_progress:0",
		"module_fork_last_cow_size:0",
	)
	if enabled {
		lines = append(lines,
			"aof_current_size:"+strconv.FormatInt(size, 10),
			"aof_base_size:"+strconv.FormatInt(l.baseSize.Load(), 10),
			"aof_pending_rewrite:0",
			"aof_buffer_length:"+strconv.FormatInt(buffered, 10),
			"aof_pending_bio_fsync:"+strconv.Itoa(pendingFsync),
			"aof_delayed_fsync:"+strconv.FormatUint(l.es.DelayedFsyncs(), 10),
		)
	}
	if l.progress != nil {
		if p := l.progress(); p.Loading {
			lines = append(lines, loadingInfo(p, time.Now())...)
		}
	}
	return lines
}

// loadingInfo is INFO's loading_* lines, computed as Redis does.
func loadingInfo(p Progress, now time.Time) []string {
	perc := 0.0
	remaining := int64(1)
	if p.TotalBytes > 0 {
		perc = float64(p.LoadedBytes) / float64(p.TotalBytes) * 100
		remaining = p.TotalBytes - p.LoadedBytes
	}
	elapsed := int64(now.Sub(p.Start).Seconds())
	eta := int64(1)
	if elapsed > 0 {
		eta = elapsed * remaining / (p.LoadedBytes + 1)
	}
	return []string{
		"loading_start_time:" + strconv.FormatInt(p.Start.Unix(), 10),
		"loading_total_bytes:" + strconv.FormatInt(p.TotalBytes, 10),
		"loading_rss_bytes:" + strconv.FormatInt(rssBytes(), 10),
		"loading_loaded_bytes:" + strconv.FormatInt(p.LoadedBytes, 10),
		"loading_loaded_perc:" + strconv.FormatFloat(perc, 'f', 2, 64),
		"loading_eta_seconds:" + strconv.FormatInt(eta, 10),
	}
}

// rssBytes is the process's resident set size (0 where /proc is missing).
func rssBytes() int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}

// SetFsync switches the appendfsync policy at run time.
func (l *Logs) SetFsync(policy string) error {
	p, err := durability.ParseFsyncPolicy(policy)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	old := durability.FsyncPolicy(l.policy.Load())
	if p == old || l.closed {
		l.policy.Store(int32(p))
		return nil
	}
	if p == durability.FsyncEverysec {
		// Syncers first: a loop that sees everysec finds its syncer.
		l.startSyncers()
		l.policy.Store(int32(p))
		return nil
	}
	l.policy.Store(int32(p))
	if old == durability.FsyncEverysec {
		l.stopSyncers()
	}
	return nil
}

// StopLogging is CONFIG SET appendonly no: writes from now on are not
// logged (what is logged already is still committed), and only checkpoints
// persist them. The logs stay open, so a checkpoint still removes the
// segments it covers.
func (l *Logs) StopLogging() {
	l.state.Store(logOff)
	for _, sl := range l.shards {
		sl.logging.Store(false)
	}
}

// Policy returns the appendfsync policy in force.
func (l *Logs) Policy() durability.FsyncPolicy { return durability.FsyncPolicy(l.policy.Load()) }

// Stats returns each shard's log statistics (zero before Replay).
func (l *Logs) Stats() []durability.LogStats {
	out := make([]durability.LogStats, len(l.shards))
	for i, sl := range l.shards {
		if w := sl.w.Load(); w != nil {
			out[i] = w.Stats()
		}
	}
	return out
}

// Close stops the background fsyncs and closes every writer, which writes
// and fsyncs what is still buffered. Call it once the shard loops have
// stopped.
func (l *Logs) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	l.stopSyncers()
	var errs []error
	for _, sl := range l.shards {
		w := sl.w.Load()
		if w == nil {
			continue
		}
		if err := w.Close(); err != nil {
			errs = append(errs, fmt.Errorf("shard %d: %w", sl.id, err))
		}
	}
	return errors.Join(errs...)
}
