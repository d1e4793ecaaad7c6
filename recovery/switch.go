package recovery

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"sync"

	"github.com/keeldb/keel/aof"
	"github.com/keeldb/keel/durability"
)

// CONFIG SET appendonly yes at run time.
//
// Writes made while logging was off are in no log, so a log started at the
// switch must never be replayed over a checkpoint that lacks them. The
// switch therefore happens at a checkpoint's cut (Cut, which runs on every
// shard while all of them are held): each shard starts a new writer there,
// whose segments the MANIFEST does not name (segRegistry holds them back).
// The publish of a checkpoint cut after every shard switched names those
// segments in the same MANIFEST write as the checkpoint, and only then is
// the log in effect. A crash before that recovers the previous MANIFEST:
// its checkpoint and its segments, which hold nothing written after the
// switch; the new segment files, named nowhere, are removed at start-up.
//
// The new log starts two LSNs past the shard's last one: the LSN between
// is the switch itself, which the checkpoint holds. The new segments thus
// never take the name of one the previous MANIFEST lists (a writer's empty
// current segment is named after the next LSN), and WAITAOF has an LSN that
// stands for every write made before the switch: it is reported synced once
// the checkpoint holding it is published.

// Logging states (Logs.state).
const (
	logOff      int32 = iota // appendonly no: nothing is logged
	logStarting              // CONFIG SET appendonly yes: waiting for a checkpoint to put it in effect
	logOn                    // the log recovery replays
)

var errLogsClosed = errors.New("the logs are closed")

// StartLogging is CONFIG SET appendonly yes: the next checkpoint's cut
// starts logging on every shard, and the log is in effect once a
// checkpoint cut after that is published. The caller starts the
// checkpoint; until it is published, writes are logged but recover only
// as far as the previous MANIFEST does.
func (l *Logs) StartLogging() error {
	if l.open == nil {
		return errors.New("the logs have no data directory")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return errLogsClosed
	}
	l.state.CompareAndSwap(logOff, logStarting)
	return nil
}

// LogStarting reports that logging was turned on and no checkpoint has put
// it in effect yet: one is due (a failed one is retried).
func (l *Logs) LogStarting() bool { return l.state.Load() == logStarting }

// cut is Cut: it starts the shard's new log first when logging is being
// turned on.
func (l *Logs) cut(shard int) uint64 {
	sl := l.shards[shard]
	if l.state.Load() == logStarting && !sl.logging.Load() {
		if err := l.switchShard(sl); err != nil {
			l.log.Warn("cannot start the AOF at the checkpoint: the next checkpoint tries again", "shard", shard, "err", err)
		}
	}
	w := sl.w.Load()
	if w == nil {
		return sl.base.Load()
	}
	if err := w.Roll(); err != nil {
		l.log.Warn("cannot start a new log segment at a checkpoint", "shard", shard, "err", err)
	}
	return uint64(w.LastLSN())
}

// switchShard replaces shard's writer, which logs nothing while logging is
// off, by a new one two LSNs further whose segments are held back. It runs
// on the shard's loop during a checkpoint's cut, all shards at once: l.mu
// is taken only around the syncers (SetFsync and Close, its other users,
// cannot run meanwhile: they run on a held loop or after the loops), so
// that the shards create their files in parallel.
func (l *Logs) switchShard(sl *shardLog) error {
	l.mu.Lock()
	closed := l.closed
	l.mu.Unlock()
	if closed {
		return errLogsClosed
	}
	last := sl.base.Load()
	if old := sl.w.Load(); old != nil {
		last = uint64(old.LastLSN())
		l.mu.Lock()
		if bg := sl.bg.Swap(nil); bg != nil {
			bg.Stop()
		}
		sl.bgES.Clear()
		l.mu.Unlock()
		// It holds only writes from before logging stopped, which this
		// checkpoint holds too: a failure to sync them is not the switch's.
		if err := old.Close(); err != nil && !errors.Is(err, aof.ErrClosed) {
			l.log.Warn("closing the log of the shard before starting a new one", "shard", sl.id, "err", err)
		}
		sl.w.Store(nil)
		sl.base.Store(last)
	}
	start := durability.LSN(last + 2)
	// Before the writer exists: SyncedLSN must not count the switch as
	// synced through the new writer.
	sl.gate.Store(uint64(start - 1))
	l.reg.hold(sl.id)
	w, err := l.open(sl.id, start)
	if err != nil {
		return err
	}
	sl.w.Store(w)
	sl.logging.Store(true)
	l.mu.Lock()
	defer l.mu.Unlock()
	if durability.FsyncPolicy(l.policy.Load()) == durability.FsyncEverysec {
		bg := durability.NewBackgroundSyncer(w, sl.bgES, durability.BackgroundSyncerOptions{Logger: l.log, Name: fmt.Sprintf("shard %d", sl.id)})
		bg.Start()
		sl.bg.Store(bg)
	}
	return nil
}

// switched reports whether every shard logs into its new writer: a
// checkpoint cut now holds everything the new logs lack.
func (l *Logs) switched() bool {
	for _, sl := range l.shards {
		if !sl.logging.Load() {
			return false
		}
	}
	return true
}

// publish writes cp into the MANIFEST, naming the held-back segments when
// the cut of cp came after every shard switched (Publish runs after its
// own cut, and checkpoints run one at a time). dropLogs: no log is in
// effect, so the MANIFEST stops naming segments.
func (l *Logs) publish(cp durability.Checkpoint, dropLogs bool) error {
	release := l.state.Load() == logStarting && l.switched()
	err := l.reg.update(func(m *durability.Manifest, held map[int][]durability.Segment) bool {
		m.Checkpoint = &cp
		switch {
		case release:
			m.Shards = m.Shards[:0]
			for shard, segs := range held {
				m.Shards = append(m.Shards, durability.ShardLog{Shard: shard, Segments: slices.Clone(segs)})
			}
		case dropLogs:
			m.Shards = nil
		}
		return release
	})
	if err != nil {
		return err
	}
	if release && l.state.CompareAndSwap(logStarting, logOn) {
		size, _ := l.Size()
		l.baseSize.Store(size)
		l.log.Info("the AOF is in effect: writes from the switch on are in the log", "checkpoint", cp.ID)
	}
	return nil
}

// segRegistry is the writers' aof.SegmentRegistry: it passes through to the
// MANIFEST, except for the segments of a shard whose log was started at run
// time, which it holds until the switch is published.
type segRegistry struct {
	store *durability.ManifestStore

	mu   sync.Mutex
	held map[int][]durability.Segment // by shard; present: held back
}

func newSegRegistry(store *durability.ManifestStore) *segRegistry {
	return &segRegistry{store: store, held: map[int][]durability.Segment{}}
}

// hold starts holding shard's segments back, forgetting those of an
// earlier switch that never took effect (their files become unnamed).
func (g *segRegistry) hold(shard int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.held[shard] = nil
}

func (g *segRegistry) AddSegment(shard int, seg durability.Segment) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if segs, ok := g.held[shard]; ok {
		if !slices.Contains(segs, seg) {
			g.held[shard] = append(segs, seg)
		}
		return nil
	}
	return g.store.AddSegment(shard, seg)
}

// RemoveSegments drops held segments and passes the others on: a new
// writer removes empty segments of the previous log, which the MANIFEST
// must stop naming before their files go.
func (g *segRegistry) RemoveSegments(shard int, names []string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if segs, ok := g.held[shard]; ok {
		g.held[shard] = slices.DeleteFunc(segs, func(s durability.Segment) bool { return slices.Contains(names, s.Name) })
	}
	return g.store.RemoveSegments(shard, names)
}

// update changes the MANIFEST through fn, which sees the held segments;
// when fn returns true they are named now and no longer held.
func (g *segRegistry) update(fn func(m *durability.Manifest, held map[int][]durability.Segment) bool) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	release := false
	err := g.store.Update(func(m *durability.Manifest) error {
		release = fn(m, g.held)
		return nil
	})
	if err == nil && release {
		clear(g.held)
	}
	return err
}

// openOff prepares the logs of a server started with appendonly no: no
// writer opens until logging is turned on, past every LSN a checkpoint or
// a segment file of the directory may hold. Segment files the MANIFEST
// does not name are removed; the MANIFEST is written if it is missing, so
// that segments written later are never found without one.
func (r *Recovery) openOff() error {
	if _, err := r.fsys.Stat(filepath.Join(r.dir, durability.ManifestName)); errors.Is(err, fs.ErrNotExist) {
		if err := r.store.Update(func(*durability.Manifest) error { return nil }); err != nil {
			return fmt.Errorf("recovery: %w", err)
		}
	}
	for i := range r.cfg.Shards {
		if err := r.removeUnnamed(i, durability.NoLSN); err != nil {
			return err
		}
		base := durability.NoLSN
		if i < len(r.ckMeta.LSNs) {
			base = durability.LSN(r.ckMeta.LSNs[i])
		}
		segs, err := aof.ListSegments(r.fsys, r.dir, i)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("recovery: %w", err)
		}
		for _, s := range segs {
			base = max(base, s.FirstLSN)
		}
		r.logs.shards[i].base.Store(uint64(base))
	}
	return nil
}
