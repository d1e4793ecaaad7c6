// Package recovery starts keel from its data directory: it checks the
// MANIFEST, replays every shard's AOF into the shards, repairs the log
// tails a crash left, and opens the logs the server then writes (Logs, the
// server's persistence).
//
// Replay runs in two passes over the logs, one goroutine per logged shard.
// Pass 1 reads everything (checking every frame) and collects the parts of
// multi-shard transactions; a transaction is complete when every one of its
// participants logged the end of its part. Pass 2 applies the records. A
// shard's replay stops at the first transaction it cannot apply: one that
// is incomplete, or one that some other participant's replay stops before
// (applying it on this shard alone would leave it half applied). Later
// writes on that shard may depend on the transaction, so they go too; the
// runtime's commit order (every participant commits its part before any is
// released) means that with appendfsync always nothing acknowledged is ever
// behind such a transaction.
//
// What a shard's replay stops before is cut from its log before the new
// writers open, so that the next start-up does not stop there again and
// lose everything written after this one: records of the cut frame that
// were applied are written back into it (same LSNs), atomically.
package recovery

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keeldb/keel/aof"
	"github.com/keeldb/keel/durability"
	"github.com/keeldb/keel/durability/checkpoint"
)

// Config is what recovery needs of the server's configuration.
type Config struct {
	// Shards is the number of shards the server runs.
	Shards int
	// Fsync is the appendfsync policy the logs start with.
	Fsync durability.FsyncPolicy
	// LoadTruncated is aof-load-truncated: cut a torn tail off the newest
	// segment of a shard and go on, instead of refusing to start.
	LoadTruncated bool
	// CorruptTailMax is aof-load-corrupt-tail-max-size: damage (not a torn
	// write) found at most this many bytes before the end of a shard's log
	// is cut off with everything after it, and start-up goes on with the
	// intact prefix. 0: damage always stops start-up.
	CorruptTailMax int64
	// SegmentSize is aof-segment-size (0: the aof package's default).
	SegmentSize int64
	// AppendOnly is appendonly: without it the logs are neither replayed
	// nor written, and a published checkpoint stops naming old segments.
	AppendOnly bool
	// Checkpoints keeps checkpoints in <dir>/pebble and <dir>/checkpoints,
	// which live on the operating system's filesystem whatever the FS.
	Checkpoints bool
	// CheckpointRetain is checkpoint-retain: how many retained checkpoint
	// copies to keep (at least the newest).
	CheckpointRetain int
	// Logger receives progress and what was repaired; default slog.Default().
	Logger *slog.Logger
	// ProgressInterval is how often progress is logged; default one second.
	ProgressInterval time.Duration
}

// Applier is what replay drives: *shardcore.Server before the shard loops
// start, *shardcore.LoadApplier while they run.
type Applier interface {
	// ShardOf returns the shard owning a logged effect's key, -1 for an
	// effect without keys.
	ShardOf(args [][]byte) int
	// Apply runs a logged effect on shard without logging it, or queues it
	// (then a Waiter). Calls for one shard must not overlap; replay
	// serialises them.
	Apply(shard, db int, args [][]byte) error
}

// Waiter is an Applier that applies asynchronously: Replay calls Wait after
// the last record and before it touches the logs.
type Waiter interface {
	Wait() error
}

// Recovery is one start-up of a data directory: Open checks it, Replay
// loads it and opens the logs.
type Recovery struct {
	dir   string
	fsys  durability.FS
	cfg   Config
	log   *slog.Logger
	store *durability.ManifestStore
	logs  *Logs

	ck     *checkpoint.Store // the live checkpoint store
	ckMeta checkpoint.Meta   // the checkpoint recovery starts from (zero: none)

	old      []*oldShard // the logged shards, by shard number
	replayed bool

	startNs     atomic.Int64 // when Replay began
	totalBytes  atomic.Int64
	loadedBytes atomic.Int64
	records     atomic.Int64
	loading     atomic.Bool
}

// oldShard is one shard's log as found on disk.
type oldShard struct {
	id    int
	from  durability.LSN // the first LSN past the checkpoint
	segs  []durability.Segment
	paths map[string]int // segment path (as the reader names it) -> index
	sizes []int64
	bytes int64

	// Filled by pass 1.
	last    durability.LSN // last intact LSN
	records int64
	parts   []txPart
	torn    int64 // bytes cut off a torn tail

	// Filled when resolving transactions: the part replay stops at, and why.
	stop    *txPart
	stopWhy string
	// Filled by pass 2: the records of the stop's frame before it.
	keep []keptRecord
}

// txPart is a shard's part of a multi-shard transaction: where it starts.
// Pass 1 keeps one per part, so it is kept small.
type txPart struct {
	tx           durability.TxID
	first        durability.LSN // LSN of the part's first record
	frameFirst   durability.LSN // first LSN of the frame holding it
	frameOff     int64          // offset of that frame
	seg          int32          // index of that frame's segment
	ends         int32          // tx end records of the part
	participants int32          // as its tx end names them
}

type keptRecord struct {
	kind         aof.Kind
	tx           durability.TxID
	db           int
	participants int
	args         [][]byte
}

// Summary is what Replay did.
type Summary struct {
	// Records is the number of logged records applied; Bytes the size of
	// the logs read.
	Records int64
	Bytes   int64
	// TornBytes is what was cut off torn tails (aof-load-truncated).
	TornBytes int64
	// Dropped is the number of records not applied because they follow an
	// incomplete transaction on their shard (cut from the log).
	Dropped int64
	// MaxTxID is the largest transaction id the logs hold.
	MaxTxID  durability.TxID
	Duration time.Duration
}

// Progress is how far loading is, for INFO's loading_* fields. Both passes
// read the logs, so TotalBytes is twice their size and LoadedBytes counts
// what either pass has read.
type Progress struct {
	Loading     bool
	Start       time.Time
	TotalBytes  int64
	LoadedBytes int64
	// Records is the number of records applied so far.
	Records int64
}

// Open checks the data directory dir: it loads the MANIFEST (creating dir
// when it is new), and refuses a directory it cannot load: a MANIFEST that
// is missing while segments exist, inconsistent, naming a checkpoint, or
// logs written by a different number of shards.
func Open(dir string, fsys durability.FS, cfg Config) (*Recovery, error) {
	if cfg.Shards <= 0 || cfg.Shards > aof.MaxShard+1 {
		return nil, fmt.Errorf("recovery: %d shards out of range 1..%d", cfg.Shards, aof.MaxShard+1)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ProgressInterval <= 0 {
		cfg.ProgressInterval = time.Second
	}
	r := &Recovery{dir: dir, fsys: fsys, cfg: cfg, log: cfg.Logger}
	if cfg.Checkpoints {
		if err := adoptCopy(fsys, dir); err != nil {
			return nil, err
		}
	}
	var m *durability.Manifest
	_, err := fsys.Stat(filepath.Join(dir, durability.ManifestName))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := r.checkFresh(); err != nil {
			return nil, err
		}
		if err := fsys.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("recovery: create data directory: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("recovery: %w", err)
	default:
		if m, err = durability.LoadManifest(fsys, dir); err != nil {
			return nil, fmt.Errorf("recovery: %w", err)
		}
		if err := r.scanManifest(m); err != nil {
			return nil, err
		}
	}
	if cfg.Checkpoints {
		if err := r.openCheckpoint(m); err != nil {
			return nil, err
		}
	} else if m != nil && m.Checkpoint != nil {
		return nil, fmt.Errorf("recovery: %s names checkpoint %s, and checkpoints are off: refusing to start without its data",
			filepath.Join(dir, durability.ManifestName), m.Checkpoint.ID)
	}
	r.store = durability.NewManifestStore(fsys, dir, m)
	r.logs = newLogs(cfg.Shards, cfg.Fsync, cfg.Logger)
	r.logs.progress = r.Progress
	r.logs.reg = newSegRegistry(r.store)
	r.logs.open = func(shard int, start durability.LSN) (*aof.Writer, error) {
		return aof.NewWriter(fsys, dir, shard, start, aof.Options{SegmentSize: cfg.SegmentSize, Registry: r.logs.reg, Latency: &r.logs.latency})
	}
	return r, nil
}

// checkFresh accepts a directory without MANIFEST only if no segment in it
// holds data: segments without their MANIFEST cannot be trusted to be all
// of the log (one may have been removed after a checkpoint).
func (r *Recovery) checkFresh() error {
	aofDir := filepath.Join(r.dir, aof.DirName)
	entries, err := r.fsys.ReadDir(aofDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("recovery: list %s: %w", aofDir, err)
	}
	for _, e := range entries {
		if _, _, ok := aof.ParseSegmentName(e.Name()); !ok || e.IsDir() {
			continue
		}
		st, err := r.fsys.Stat(filepath.Join(aofDir, e.Name()))
		if err != nil {
			return fmt.Errorf("recovery: %w", err)
		}
		if st.Size() > 0 {
			return fmt.Errorf("recovery: %s is missing but %s holds AOF segment %s (%d bytes): refusing to start without knowing which segments are live; restore the MANIFEST or move %s away",
				filepath.Join(r.dir, durability.ManifestName), aofDir, e.Name(), st.Size(), aofDir)
		}
	}
	return nil
}

// scanManifest sizes every shard's segments and checks the shard count.
func (r *Recovery) scanManifest(m *durability.Manifest) error {
	var data int64
	logged := 0
	for _, sl := range m.Shards {
		if sl.Shard > aof.MaxShard {
			return fmt.Errorf("recovery: %s: shard %d out of range 0..%d", filepath.Join(r.dir, durability.ManifestName), sl.Shard, aof.MaxShard)
		}
		o := &oldShard{id: sl.Shard, segs: slices.Clone(sl.Segments), paths: map[string]int{}, from: m.CheckpointLSN(sl.Shard) + 1}
		for i, seg := range o.segs {
			p := filepath.Join(r.dir, filepath.FromSlash(seg.Name))
			st, err := r.fsys.Stat(p)
			if err != nil {
				return fmt.Errorf("recovery: shard %d: %w", sl.Shard, err)
			}
			o.paths[p] = i
			o.sizes = append(o.sizes, st.Size())
			o.bytes += st.Size()
		}
		data += o.bytes
		if len(o.segs) > 0 {
			logged = max(logged, sl.Shard+1)
		}
		for len(r.old) <= sl.Shard {
			r.old = append(r.old, nil)
		}
		r.old[sl.Shard] = o
	}
	if data > 0 && logged != r.cfg.Shards && r.cfg.AppendOnly {
		return fmt.Errorf("recovery: the logs in %s were written by %d shards and this server runs %d: start it with --shards %d, take a checkpoint (SAVE, or SHUTDOWN, which takes one), then start with the new shard count",
			r.dir, logged, r.cfg.Shards, logged)
	}
	r.totalBytes.Store(2 * data)
	return nil
}

// Logs returns the persistence to build the server with. Its writers open
// at the end of Replay; until then it logs nothing.
func (r *Recovery) Logs() *Logs { return r.logs }

// Progress reports how far Replay is.
func (r *Recovery) Progress() Progress {
	var start time.Time
	if ns := r.startNs.Load(); ns != 0 {
		start = time.Unix(0, ns)
	}
	return Progress{
		Loading:     r.loading.Load(),
		Start:       start,
		TotalBytes:  r.totalBytes.Load(),
		LoadedBytes: r.loadedBytes.Load(),
		Records:     r.records.Load(),
	}
}

// Replay loads the logs into app, cuts what could not be applied off the
// log tails, and opens the writers of Logs. Call it once, before the
// server starts serving. With appendonly no it loads nothing and opens no
// writer: it readies Logs for CONFIG SET appendonly yes.
func (r *Recovery) Replay(app Applier) (*Summary, error) {
	if r.replayed {
		return nil, errors.New("recovery: Replay called twice")
	}
	r.replayed = true
	start := time.Now()
	r.startNs.Store(start.UnixNano())
	r.loading.Store(true)
	defer r.loading.Store(false)
	stopProgress := r.logProgress()
	sum, err := r.replay(app)
	stopProgress()
	if err != nil {
		return nil, err
	}
	sum.Duration = time.Since(start)
	return sum, nil
}

func (r *Recovery) replay(app Applier) (*Summary, error) {
	sum := &Summary{}
	if !r.cfg.AppendOnly {
		return sum, r.openOff()
	}
	shards := r.shardsWithLogs()
	if len(shards) > 0 {
		r.log.Info("loading the AOF", "dir", r.dir, "logs", len(shards), "bytes", r.totalBytes.Load()/2)
	}
	if err := r.parallel(shards, r.scan); err != nil {
		return nil, err
	}
	for _, o := range shards {
		sum.TornBytes += o.torn
		sum.Bytes += o.bytes
		for _, p := range o.parts {
			sum.MaxTxID = max(sum.MaxTxID, p.tx)
		}
	}
	r.resolve(shards)
	for _, o := range shards {
		if o.stop != nil {
			sum.Dropped += int64(o.last - o.stop.first + 1)
		}
	}
	locks := make([]sync.Mutex, r.cfg.Shards)
	err := r.parallel(shards, func(o *oldShard) error { return r.apply(o, app, locks) })
	if w, ok := app.(Waiter); ok {
		// Also after an error: what was queued must be done with before the
		// caller gives up on the server.
		if werr := w.Wait(); err == nil && werr != nil {
			err = fmt.Errorf("recovery: %w", werr)
		}
	}
	if err != nil {
		return nil, err
	}
	sum.Records = r.records.Load()
	if now := time.Now(); uint64(sum.MaxTxID) >= uint64(now.UnixNano()) {
		r.log.Warn("the logs hold transaction ids from the future: the clock went back; new ids may repeat logged ones",
			"max_txid", uint64(sum.MaxTxID), "now_ns", now.UnixNano())
	}
	if err := r.openLogs(); err != nil {
		return nil, err
	}
	return sum, nil
}

func (r *Recovery) shardsWithLogs() []*oldShard {
	var out []*oldShard
	for _, o := range r.old {
		if o != nil && len(o.segs) > 0 {
			out = append(out, o)
		}
	}
	return out
}

// parallel runs fn for every shard on its own goroutine and returns the
// first error (by shard order).
func (r *Recovery) parallel(shards []*oldShard, fn func(o *oldShard) error) error {
	errs := make([]error, len(shards))
	var wg sync.WaitGroup
	for i, o := range shards {
		wg.Go(func() { errs[i] = fn(o) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// progressOf tracks one shard's position in one pass.
type progressOf struct {
	r    *Recovery
	o    *oldShard
	done int64 // bytes counted so far
}

// at counts the bytes up to offset off of the segment with path p.
func (p *progressOf) at(path string, off int64) {
	i, ok := p.o.paths[path]
	if !ok {
		return
	}
	var pos int64
	for _, s := range p.o.sizes[:i] {
		pos += s
	}
	pos += off
	if pos > p.done {
		p.r.loadedBytes.Add(pos - p.done)
		p.done = pos
	}
}

func (p *progressOf) finish() {
	if p.o.bytes > p.done {
		p.r.loadedBytes.Add(p.o.bytes - p.done)
		p.done = p.o.bytes
	}
}

// scan is pass 1 for one shard: check every frame, find where each
// transaction part starts, and cut a torn tail (aof-load-truncated) or a
// damaged one (aof-load-corrupt-tail-max-size).
func (r *Recovery) scan(o *oldShard) error {
	prog := progressOf{r: r, o: o}
	defer prog.finish()
	var cut *tailCut
	for {
		err := r.scanLog(o, &prog)
		var c *tailCut
		if !errors.As(err, &c) {
			if cut != nil {
				if err != nil {
					return fmt.Errorf("%w (after cutting %d damaged bytes at %s offset %d)", err, cut.dropped, cut.path, cut.offset)
				}
				r.log.Warn("AOF is damaged near its end: cut off the damaged tail and what follows it (aof-load-corrupt-tail-max-size)",
					"shard", o.id, "file", cut.path, "offset", cut.offset, "bytes_dropped", cut.dropped,
					"segments_removed", cut.segments, "first_lost_lsn", o.last+1, "reason", cut.reason)
			}
			return err
		}
		if cut != nil {
			// The prefix read before the first cut was intact.
			return fmt.Errorf("recovery: shard %d: damaged again after cutting its tail: %s at offset %d", o.id, c.path, c.offset)
		}
		// Read the shorter log again, so that what this pass found is
		// exactly what pass 2 will apply.
		cut = c
		o.records, o.parts = 0, nil
	}
}

// scanLog reads o's log once for scan.
func (r *Recovery) scanLog(o *oldShard, prog *progressOf) error {
	rd, err := aof.NewReader(r.fsys, r.dir, o.id, o.segs, o.from)
	if err != nil {
		return fmt.Errorf("recovery: shard %d: %w", o.id, err)
	}
	defer rd.Close()
	cur := -1 // index in o.parts of the transaction being read
	var frameSeg string
	frameOff := int64(-1)
	var frameFirst durability.LSN
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return r.readError(o, rd, err)
		}
		if rec.FrameOffset != frameOff || rec.Segment != frameSeg {
			frameSeg, frameOff, frameFirst = rec.Segment, rec.FrameOffset, rec.LSN
			prog.at(rec.Segment, rec.FrameOffset)
		}
		o.records++
		if rec.Kind == aof.KindCommand {
			continue
		}
		// A shard runs one transaction at a time, so the records of a
		// part are not interleaved with another transaction's.
		if cur < 0 || o.parts[cur].tx != rec.Tx {
			seg, ok := o.paths[rec.Segment]
			if !ok {
				return fmt.Errorf("recovery: shard %d: record LSN %d in unexpected segment %s", o.id, rec.LSN, rec.Segment)
			}
			o.parts = append(o.parts, txPart{tx: rec.Tx, first: rec.LSN, frameFirst: frameFirst, seg: int32(seg), frameOff: frameOff})
			cur = len(o.parts) - 1
		}
		if rec.Kind == aof.KindTxEnd {
			o.parts[cur].ends++
			o.parts[cur].participants = int32(rec.Participants)
		}
	}
	o.last = rd.LastLSN()
	return nil
}

// readError turns a reader failure into the start-up decision: cut a torn
// tail when allowed, cut a damaged tail when it is small enough (returning
// a *tailCut: scan reads the log again), stop otherwise.
func (r *Recovery) readError(o *oldShard, rd *aof.Reader, err error) error {
	var torn *aof.TornTailError
	var corrupt *aof.CorruptionError
	switch {
	case errors.As(err, &torn):
		if !r.cfg.LoadTruncated {
			return fmt.Errorf("recovery: shard %d: %w; the log ends in an incomplete write (a crash during a write leaves one): start with aof-load-truncated yes to cut it off, losing the records from LSN %d",
				o.id, err, torn.LSN)
		}
		if terr := aof.Truncate(r.fsys, torn); terr != nil {
			return fmt.Errorf("recovery: shard %d: %w", o.id, terr)
		}
		o.torn = torn.Drop
		o.last = rd.LastLSN()
		i := o.paths[torn.Path]
		o.bytes -= torn.Drop
		o.sizes[i] -= torn.Drop
		r.totalBytes.Add(-2 * torn.Drop)
		r.log.Warn("AOF ends in a torn write: cut it off (aof-load-truncated yes)",
			"shard", o.id, "file", torn.Path, "offset", torn.Offset, "bytes_dropped", torn.Drop,
			"last_lsn", o.last, "reason", torn.Reason)
		return nil
	case errors.As(err, &corrupt):
		cut, cerr := r.cutCorruptTail(o, corrupt)
		if cerr != nil {
			return fmt.Errorf("recovery: shard %d: %w; cutting the damaged tail: %w", o.id, err, cerr)
		}
		if cut != nil {
			return cut
		}
		return fmt.Errorf("recovery: shard %d: %w; the records before it are intact, but a damaged log is not loaded past: refusing to start (aof-load-corrupt-tail-max-size lets start-up cut damage that close to the end of a log)",
			o.id, err)
	}
	return fmt.Errorf("recovery: shard %d: %w", o.id, err)
}

// txState is what pass 1 found of one transaction over all shards.
type txState struct {
	parts, ends, participants int32
	bad                       bool // parts disagree on the participant count, or end twice
}

// resolve decides which transactions replay applies and where each shard's
// replay stops: at its first part of a transaction that is incomplete, or
// that another shard's replay stops before. Stopping a shard can block
// further transactions, so this repeats until nothing changes.
func (r *Recovery) resolve(shards []*oldShard) {
	txs := map[durability.TxID]txState{}
	for _, o := range shards {
		for _, p := range o.parts {
			st := txs[p.tx]
			st.parts++
			st.ends += p.ends
			if p.ends > 1 {
				st.bad = true
			}
			if p.ends > 0 {
				if st.participants != 0 && st.participants != p.participants {
					st.bad = true
				}
				st.participants = p.participants
			}
			txs[p.tx] = st
		}
	}
	blocked := map[durability.TxID]string{}
	for id, st := range txs {
		switch {
		case st.bad:
			blocked[id] = "its parts disagree on how many shards take part"
		case st.participants == 0 || st.ends != st.participants || st.parts != st.participants:
			blocked[id] = fmt.Sprintf("incomplete: %d of %d participants logged the end of their part", st.ends, max(st.participants, st.parts))
		}
	}
	for {
		changed := false
		for _, o := range shards {
			o.stop, o.stopWhy = nil, ""
			for i := range o.parts {
				if why, ok := blocked[o.parts[i].tx]; ok {
					o.stop, o.stopWhy = &o.parts[i], why
					break
				}
			}
		}
		for _, o := range shards {
			if o.stop == nil {
				continue
			}
			for _, p := range o.parts {
				if _, ok := blocked[p.tx]; !ok && p.first >= o.stop.first {
					blocked[p.tx] = fmt.Sprintf("shard %d stops before its part (at LSN %d)", o.id, o.stop.first)
					changed = true
				}
			}
		}
		if !changed {
			break
		}
	}
	for _, o := range shards {
		if o.stop != nil {
			r.log.Warn("not replaying the end of a shard's log: it starts with a transaction that cannot be applied whole",
				"shard", o.id, "from_lsn", o.stop.first, "records_dropped", o.last-o.stop.first+1,
				"txid", uint64(o.stop.tx), "reason", o.stopWhy)
		}
	}
}

// apply is pass 2 for one shard: apply every record before its stop,
// routing each to the shard that owns its key now.
func (r *Recovery) apply(o *oldShard, app Applier, locks []sync.Mutex) error {
	rd, err := aof.NewReader(r.fsys, r.dir, o.id, o.segs, o.from)
	if err != nil {
		return fmt.Errorf("recovery: shard %d: %w", o.id, err)
	}
	defer rd.Close()
	prog := progressOf{r: r, o: o}
	defer prog.finish()
	var frameSeg string
	frameOff := int64(-1)
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("recovery: shard %d: second pass: %w", o.id, err)
		}
		if o.stop != nil && rec.LSN >= o.stop.first {
			return nil
		}
		if rec.FrameOffset != frameOff || rec.Segment != frameSeg {
			frameSeg, frameOff = rec.Segment, rec.FrameOffset
			prog.at(rec.Segment, rec.FrameOffset)
		}
		if o.stop != nil && rec.LSN >= o.stop.frameFirst {
			o.keep = append(o.keep, keep(rec))
		}
		if rec.Kind == aof.KindTxEnd {
			continue
		}
		if err := r.applyOne(o, app, locks, &rec); err != nil {
			return err
		}
		r.records.Add(1)
	}
}

func keep(rec aof.Record) keptRecord {
	args := make([][]byte, len(rec.Args))
	for i, a := range rec.Args {
		args[i] = slices.Clone(a)
	}
	return keptRecord{kind: rec.Kind, tx: rec.Tx, db: rec.DB, participants: rec.Participants, args: args}
}

func (r *Recovery) applyOne(o *oldShard, app Applier, locks []sync.Mutex, rec *aof.Record) (err error) {
	where := func() string {
		return fmt.Sprintf("shard %d: %s frame at offset %d, LSN %d", o.id, rec.Segment, rec.FrameOffset, rec.LSN)
	}
	if len(rec.Args) == 0 {
		return fmt.Errorf("recovery: %s: empty command", where())
	}
	// A record the command code cannot handle must stop start-up with its
	// location, not crash it.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("recovery: %s: %q failed: %v", where(), rec.Args[0], p)
		}
	}()
	target := app.ShardOf(rec.Args)
	if target < 0 {
		// Keyless effects (FLUSHALL, ...) are logged by every shard they
		// concern; the shard count is unchanged, so the same shard.
		target = o.id
	}
	if target >= len(locks) {
		return fmt.Errorf("recovery: %s: routed to shard %d of %d", where(), target, len(locks))
	}
	locks[target].Lock()
	defer locks[target].Unlock()
	if err := app.Apply(target, rec.DB, rec.Args); err != nil {
		return fmt.Errorf("recovery: %s: %w", where(), err)
	}
	return nil
}

// openLogs repairs the log tails and opens a writer per shard.
func (r *Recovery) openLogs() error {
	// A shard's log goes on past its checkpoint LSN even when the log
	// itself ends before it (a checkpoint taken without logs).
	start := make([]durability.LSN, r.cfg.Shards)
	for i := range start {
		if i < len(r.ckMeta.LSNs) {
			start[i] = durability.LSN(r.ckMeta.LSNs[i]) + 1
		} else {
			start[i] = 1
		}
	}
	for _, o := range r.shardsWithLogs() {
		if o.id >= r.cfg.Shards {
			continue // holds no data (Open checked); pruned below
		}
		if o.stop != nil {
			if err := r.cut(o); err != nil {
				return err
			}
			start[o.id] = o.stop.first
			continue
		}
		start[o.id] = max(start[o.id], o.last+1)
	}
	if err := r.pruneOldShards(); err != nil {
		return err
	}
	ws := make([]*aof.Writer, 0, r.cfg.Shards)
	closeAll := func() {
		for _, w := range ws {
			w.Close()
		}
	}
	for i := range r.cfg.Shards {
		if err := r.removeUnnamed(i, start[i]); err != nil {
			closeAll()
			return err
		}
		w, err := r.logs.open(i, start[i])
		if err != nil {
			closeAll()
			return fmt.Errorf("recovery: %w", err)
		}
		ws = append(ws, w)
	}
	r.logs.attach(ws)
	return nil
}

// cut removes from o's log everything from its stop on. The stop's frame
// may begin with records that were applied; the segment is rewritten with
// them re-encoded (same LSNs) in place of that frame, through a temp file
// and a rename, so a crash leaves either the old or the new segment. The
// segments after it go first (MANIFEST, then files): with them gone and
// the segment not yet rewritten, the next start-up makes the same cut.
func (r *Recovery) cut(o *oldShard) error {
	stop := o.stop
	later := o.segs[stop.seg+1:]
	if len(later) > 0 {
		names := make([]string, len(later))
		for i, s := range later {
			names[i] = s.Name
		}
		if err := r.store.RemoveSegments(o.id, names); err != nil {
			return fmt.Errorf("recovery: shard %d: %w", o.id, err)
		}
		for _, n := range names {
			if err := r.fsys.Remove(filepath.Join(r.dir, filepath.FromSlash(n))); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("recovery: shard %d: remove segment: %w", o.id, err)
			}
		}
		if err := r.fsys.SyncDir(filepath.Join(r.dir, aof.DirName)); err != nil {
			return fmt.Errorf("recovery: shard %d: %w", o.id, err)
		}
	}
	path := filepath.Join(r.dir, filepath.FromSlash(o.segs[stop.seg].Name))
	if len(o.keep) == 0 {
		if err := truncateFile(r.fsys, path, stop.frameOff); err != nil {
			return fmt.Errorf("recovery: shard %d: %w", o.id, err)
		}
	} else if err := r.rewriteTail(o, path); err != nil {
		return fmt.Errorf("recovery: shard %d: %w", o.id, err)
	}
	r.log.Warn("cut the shard's log before the transaction it could not apply",
		"shard", o.id, "file", path, "offset", stop.frameOff, "records_rewritten", len(o.keep), "next_lsn", stop.first)
	return nil
}

// rewriteTail replaces the segment at path by its bytes before the stop's
// frame followed by o.keep encoded as frames from the frame's first LSN.
func (r *Recovery) rewriteTail(o *oldShard, path string) error {
	frames, err := encodeFrames(o.id, o.stop.frameFirst, o.keep)
	if err != nil {
		return err
	}
	f, err := r.fsys.Open(path)
	if err != nil {
		return err
	}
	head := make([]byte, o.stop.frameOff)
	_, err = f.ReadAt(head, 0)
	f.Close()
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	tmp := path + ".tmp"
	t, err := r.fsys.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := t.Write(append(head, frames...)); err != nil {
		t.Close()
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := t.Sync(); err != nil {
		t.Close()
		return fmt.Errorf("fsync %s: %w", tmp, err)
	}
	if err := t.Close(); err != nil {
		return err
	}
	if err := r.fsys.Rename(tmp, path); err != nil {
		return err
	}
	return r.fsys.SyncDir(filepath.Dir(path))
}

// encodeFrames encodes records as shard's log would from LSN first on, by
// writing them with an aof.Writer into memory.
func encodeFrames(shard int, first durability.LSN, recs []keptRecord) ([]byte, error) {
	mem := durability.NewMemFS()
	w, err := aof.NewWriter(mem, "/", shard, first, aof.Options{})
	if err != nil {
		return nil, err
	}
	for _, k := range recs {
		switch k.kind {
		case aof.KindCommand:
			w.Append(k.db, k.args)
		case aof.KindTxCommand:
			w.AppendTx(k.tx, k.db, k.args)
		case aof.KindTxEnd:
			w.EndTx(k.tx, k.participants)
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return mem.ReadFile(filepath.Join("/", aof.DirName, aof.SegmentName(shard, first)))
}

func truncateFile(fsys durability.FS, path string, size int64) error {
	f, err := fsys.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if err := f.Truncate(size); err != nil {
		f.Close()
		return fmt.Errorf("truncate %s to %d: %w", path, size, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("fsync %s: %w", path, err)
	}
	return f.Close()
}

// pruneOldShards drops the logs of shards this server does not run. Open
// let the shard count change only if they hold no data.
func (r *Recovery) pruneOldShards() error {
	m := r.store.Manifest()
	for _, sl := range m.Shards {
		if sl.Shard < r.cfg.Shards || len(sl.Segments) == 0 {
			continue
		}
		names := make([]string, len(sl.Segments))
		for i, s := range sl.Segments {
			names[i] = s.Name
		}
		if err := r.store.RemoveSegments(sl.Shard, names); err != nil {
			return fmt.Errorf("recovery: shard %d: %w", sl.Shard, err)
		}
		for _, n := range names {
			if err := r.fsys.Remove(filepath.Join(r.dir, filepath.FromSlash(n))); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("recovery: shard %d: %w", sl.Shard, err)
			}
		}
		r.log.Info("removed the empty log of a shard this server does not run", "shard", sl.Shard)
	}
	return nil
}

// removeUnnamed deletes shard's segment files that the MANIFEST does not
// name: what a crash leaves between unregistering segments and deleting
// their files, and the segments of a log started at run time whose
// checkpoint was never published. The writer would otherwise refuse to
// start below them, and replay never reads them. An empty segment at start
// stays: the writer reuses it.
func (r *Recovery) removeUnnamed(shard int, start durability.LSN) error {
	segs, err := aof.ListSegments(r.fsys, r.dir, shard)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("recovery: %w", err)
	}
	live := map[string]bool{}
	if sl := r.store.Manifest().Shard(shard); sl != nil {
		for _, s := range sl.Segments {
			live[s.Name] = true
		}
	}
	removed := false
	for _, s := range segs {
		if live[s.Name] {
			continue
		}
		p := filepath.Join(r.dir, filepath.FromSlash(s.Name))
		if s.FirstLSN == start {
			if st, err := r.fsys.Stat(p); err == nil && st.Size() == 0 {
				continue
			}
		}
		if err := r.fsys.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("recovery: shard %d: remove unregistered segment: %w", shard, err)
		}
		removed = true
		r.log.Warn("removed an AOF segment the MANIFEST does not name (left by an interrupted cleanup or an AOF start that no checkpoint completed)", "shard", shard, "file", p)
	}
	if removed {
		if err := r.fsys.SyncDir(filepath.Join(r.dir, aof.DirName)); err != nil {
			return fmt.Errorf("recovery: shard %d: %w", shard, err)
		}
	}
	return nil
}

// logProgress logs the loading progress every interval until stopped.
func (r *Recovery) logProgress() (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(r.cfg.ProgressInterval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				p := r.Progress()
				el := time.Since(p.Start)
				rate := float64(p.LoadedBytes) / el.Seconds()
				eta := "unknown"
				if rate > 0 {
					eta = time.Duration(float64(p.TotalBytes-p.LoadedBytes) / rate * float64(time.Second)).Round(time.Second).String()
				}
				r.log.Info("loading the AOF",
					"loaded_bytes", p.LoadedBytes, "total_bytes", p.TotalBytes,
					"records", p.Records, "mb_per_sec", fmt.Sprintf("%.1f", rate/(1<<20)), "eta", eta)
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}
