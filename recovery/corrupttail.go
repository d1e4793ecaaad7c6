package recovery

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/keeldb/keel/aof"
)

// tailCut records a damaged log tail cut off under
// aof-load-corrupt-tail-max-size. It travels as an error from readError to
// scan, which then reads the shortened log again.
type tailCut struct {
	path     string
	offset   int64
	dropped  int64 // bytes cut, later segments included
	segments int   // later segments removed
	reason   string
}

func (c *tailCut) Error() string {
	return fmt.Sprintf("recovery: cut %d damaged bytes at %s offset %d", c.dropped, c.path, c.offset)
}

// cutCorruptTail cuts o's log at the damaged frame c when that lies within
// CorruptTailMax bytes of the log's end: the segments after it leave the
// MANIFEST and then the disk, and its own segment is truncated at the frame
// (or removed too, when the frame is its first and an earlier segment
// remains). A crash in between leaves the same damage nearer the end, which
// the next start-up cuts the same way. It returns nil, nil when the damage
// is too far from the end.
func (r *Recovery) cutCorruptTail(o *oldShard, c *aof.CorruptionError) (*tailCut, error) {
	i, ok := o.paths[c.Path]
	if !ok || r.cfg.CorruptTailMax <= 0 || c.Offset < 0 || c.Offset > o.sizes[i] {
		return nil, nil
	}
	dropped := o.sizes[i] - c.Offset
	for _, size := range o.sizes[i+1:] {
		dropped += size
	}
	if dropped <= 0 || dropped > r.cfg.CorruptTailMax {
		return nil, nil
	}
	keep := i + 1 // segments kept
	if c.Offset == 0 && i > 0 {
		// An empty segment would name a first LSN the log no longer
		// reaches (after a gap, one beyond it).
		keep = i
	}
	cut := &tailCut{path: c.Path, offset: c.Offset, dropped: dropped, segments: len(o.segs) - keep, reason: c.Reason}
	if later := o.segs[keep:]; len(later) > 0 {
		names := make([]string, len(later))
		for j, s := range later {
			names[j] = s.Name
		}
		if err := r.store.RemoveSegments(o.id, names); err != nil {
			return nil, err
		}
		for _, n := range names {
			if err := r.fsys.Remove(filepath.Join(r.dir, filepath.FromSlash(n))); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("remove segment: %w", err)
			}
		}
		if err := r.fsys.SyncDir(filepath.Join(r.dir, aof.DirName)); err != nil {
			return nil, err
		}
	}
	if keep > i {
		if err := truncateFile(r.fsys, c.Path, c.Offset); err != nil {
			return nil, err
		}
	}
	for _, s := range o.segs[keep:] {
		delete(o.paths, filepath.Join(r.dir, filepath.FromSlash(s.Name)))
	}
	o.segs, o.sizes = o.segs[:keep], o.sizes[:keep]
	if keep > i {
		o.sizes[i] = c.Offset
	}
	o.bytes -= dropped
	r.totalBytes.Add(-2 * dropped)
	return cut, nil
}
