package recovery

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/keeldb/keel/durability"
	"github.com/keeldb/keel/durability/checkpoint"
)

// Checkpoints in recovery: Open rebuilds the live checkpoint store from the
// copy the MANIFEST names (checkpoint.Open), the server loads it, and the
// logs replay only past each shard's LSN in it. Publish is the server's
// CheckpointSink: it names a finished checkpoint in the MANIFEST.

// openCheckpoint opens the checkpoint store of the directory, rebuilt from
// the copy m names (none when m names none).
func (r *Recovery) openCheckpoint(m *durability.Manifest) error {
	name := ""
	if m != nil && m.Checkpoint != nil {
		name = m.Checkpoint.ID
		p := filepath.Join(r.dir, filepath.FromSlash(name))
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("recovery: %s names checkpoint %s: %w: refusing to start without its data",
				filepath.Join(r.dir, durability.ManifestName), name, err)
		}
	}
	st, err := checkpoint.Open(r.dir, name, r.log)
	if err != nil {
		return fmt.Errorf("recovery: %w", err)
	}
	if name != "" {
		meta, ok, err := st.Meta()
		if err == nil && !ok {
			err = errors.New("it holds no checkpoint record")
		}
		if err != nil {
			st.Close()
			return fmt.Errorf("recovery: checkpoint %s: %w", name, err)
		}
		r.ckMeta = meta
	}
	r.ck = st
	return nil
}

// adoptCopy turns a directory that is a retained checkpoint copy (taken out
// of a data directory, e.g. as a backup) into a data directory that starts
// from it: the copy's files move into checkpoints/<id>/ and a MANIFEST names
// it. Nothing happens unless dir holds a Pebble database and no MANIFEST.
func adoptCopy(fsys durability.FS, dir string) error {
	if _, err := fsys.Stat(filepath.Join(dir, durability.ManifestName)); !errors.Is(err, fs.ErrNotExist) || !checkpoint.IsCopy(dir) {
		return nil
	}
	st, err := checkpoint.OpenCopy(dir)
	if err != nil {
		return err
	}
	meta, ok, err := st.Meta()
	st.Close()
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("recovery: %s holds a Pebble database without a keel checkpoint record", dir)
	}
	name := checkpoint.CopyName(meta.ID)
	dst := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return fmt.Errorf("recovery: adopt checkpoint copy: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() || e.Name() == durability.LockName || e.Name() == durability.PidName {
			continue // the server's own lock, not the copy's
		}
		if err := os.Rename(filepath.Join(dir, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return fmt.Errorf("recovery: adopt checkpoint copy: %w", err)
		}
	}
	cp := &durability.Checkpoint{ID: name, TimeMs: meta.TimeMs}
	for i, lsn := range meta.LSNs {
		cp.Shards = append(cp.Shards, durability.CheckpointLSN{Shard: i, LSN: durability.LSN(lsn)})
	}
	return durability.WriteManifest(fsys, dir, &durability.Manifest{Version: durability.ManifestVersion, Checkpoint: cp})
}

// CheckpointStore is the live checkpoint store, holding the checkpoint
// recovery starts from (empty when there is none); nil when checkpoints
// are off.
func (r *Recovery) CheckpointStore() *checkpoint.Store { return r.ck }

// NextCheckpointID is the id the server's next checkpoint takes.
func (r *Recovery) NextCheckpointID() uint64 { return r.ckMeta.ID + 1 }

// Publish names cp in the MANIFEST as the checkpoint to start from, and
// removes retained copies beyond the newest cfg.CheckpointRetain. Without
// a log in effect (appendonly no at start, and not turned on since) the
// MANIFEST stops naming segments: the checkpoint holds what the server
// serves, and the old logs were never loaded. A checkpoint cut after
// logging was turned on at run time names the new logs (switch.go).
func (r *Recovery) Publish(cp durability.Checkpoint) error {
	dropLogs := !r.cfg.AppendOnly && r.logs.state.Load() != logOn
	if err := r.logs.publish(cp, dropLogs); err != nil {
		return fmt.Errorf("recovery: publish checkpoint %s: %w", cp.ID, err)
	}
	if err := checkpoint.Prune(r.dir, max(r.cfg.CheckpointRetain, 1), cp.ID); err != nil {
		r.log.Warn("cannot remove old checkpoint copies", "err", err)
	}
	return nil
}

// Cut starts a new segment for shard at a checkpoint's cut and returns the
// last LSN logged before it. A failure to roll is not the checkpoint's:
// the old segments then go at a later checkpoint. When logging is being
// turned on, the shard's new log starts here.
func (l *Logs) Cut(shard int) uint64 { return l.cut(shard) }

// SyncThrough makes shard's log durable through lsn.
func (l *Logs) SyncThrough(shard int, lsn uint64) error {
	w := l.shards[shard].w.Load()
	if w == nil || uint64(w.SyncedLSN()) >= lsn {
		return nil
	}
	if err := w.Sync(); err != nil {
		return err
	}
	if got := uint64(w.SyncedLSN()); got < lsn {
		return fmt.Errorf("the log is durable through LSN %d only, the checkpoint holds %d", got, lsn)
	}
	return nil
}

// Truncate removes shard's segments that only hold LSNs <= lsn, and makes
// what remains the base size of auto-aof-rewrite-percentage.
func (l *Logs) Truncate(shard int, lsn uint64) error {
	w := l.shards[shard].w.Load()
	if w == nil {
		return nil
	}
	err := w.RemoveSegmentsThrough(durability.LSN(lsn))
	size, _ := l.Size()
	l.baseSize.Store(size)
	return err
}

// Size returns the logs' size now and after the last checkpoint.
func (l *Logs) Size() (current, base int64) {
	for _, sl := range l.shards {
		if w := sl.w.Load(); w != nil {
			current += w.Stats().Size
		}
	}
	return current, l.baseSize.Load()
}

// HasLogs reports whether the MANIFEST names log segments.
func (r *Recovery) HasLogs() bool { return len(r.shardsWithLogs()) > 0 }
