package durability

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"sync"
)

// ManifestName is the MANIFEST's file name in the data directory.
const ManifestName = "MANIFEST"

// ManifestVersion is the format version this build writes and reads.
const ManifestVersion = 1

const manifestTemp = ManifestName + ".tmp"

// Manifest names what recovery loads: per shard, the live AOF segments in
// LSN order, and the checkpoint (if any) with the LSN each shard had reached
// in it. It is JSON, replaced atomically (temp file, fsync, rename, fsync
// dir). Shard numbers identify log streams; nothing in it depends on how
// many shards the server currently runs.
type Manifest struct {
	Version    int         `json:"version"`
	Shards     []ShardLog  `json:"shards"`
	Checkpoint *Checkpoint `json:"checkpoint,omitempty"`
}

// ShardLog lists one shard's live AOF segments.
type ShardLog struct {
	Shard    int       `json:"shard"`
	Segments []Segment `json:"segments"`
}

// Segment is one AOF segment file: its path relative to the data directory
// (slash-separated) and the LSN of its first record.
type Segment struct {
	Name     string `json:"name"`
	FirstLSN LSN    `json:"first_lsn"`
}

// Checkpoint names a checkpoint: its id (a path relative to the data
// directory), the wall-clock time of its cut (Unix ms) and, per shard, the
// last LSN whose effect it holds.
type Checkpoint struct {
	ID     string          `json:"id"`
	TimeMs int64           `json:"time_ms"`
	Shards []CheckpointLSN `json:"shards"`
}

// CheckpointLSN is a shard's position in a checkpoint.
type CheckpointLSN struct {
	Shard int `json:"shard"`
	LSN   LSN `json:"lsn"`
}

// ManifestError is what LoadManifest and WriteManifest return for a
// MANIFEST that is missing, unparsable or inconsistent.
type ManifestError struct {
	Path   string
	Reason string
	Err    error // underlying error, if any (fs.ErrNotExist when missing)
}

func (e *ManifestError) Error() string {
	msg := "durability: MANIFEST " + e.Path + ": " + e.Reason
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *ManifestError) Unwrap() error { return e.Err }

// Shard returns the log of shard, or nil.
func (m *Manifest) Shard(shard int) *ShardLog {
	for i := range m.Shards {
		if m.Shards[i].Shard == shard {
			return &m.Shards[i]
		}
	}
	return nil
}

// CheckpointLSN returns shard's LSN in the checkpoint, NoLSN when there is
// no checkpoint or it holds nothing of shard.
func (m *Manifest) CheckpointLSN(shard int) LSN {
	if m.Checkpoint == nil {
		return NoLSN
	}
	for _, c := range m.Checkpoint.Shards {
		if c.Shard == shard {
			return c.LSN
		}
	}
	return NoLSN
}

// Clone returns a deep copy.
func (m *Manifest) Clone() *Manifest {
	c := &Manifest{Version: m.Version, Shards: make([]ShardLog, len(m.Shards))}
	for i, s := range m.Shards {
		c.Shards[i] = ShardLog{Shard: s.Shard, Segments: slices.Clone(s.Segments)}
	}
	if m.Checkpoint != nil {
		c.Checkpoint = &Checkpoint{ID: m.Checkpoint.ID, TimeMs: m.Checkpoint.TimeMs, Shards: slices.Clone(m.Checkpoint.Shards)}
	}
	return c
}

// Validate checks the manifest's internal consistency (not the files).
func (m *Manifest) Validate() error {
	if m.Version != ManifestVersion {
		return fmt.Errorf("version %d not supported (this build reads %d)", m.Version, ManifestVersion)
	}
	seen := make(map[int]bool)
	names := make(map[string]bool)
	for _, s := range m.Shards {
		if s.Shard < 0 {
			return fmt.Errorf("negative shard %d", s.Shard)
		}
		if seen[s.Shard] {
			return fmt.Errorf("shard %d listed twice", s.Shard)
		}
		seen[s.Shard] = true
		for i, seg := range s.Segments {
			if err := checkRelName(seg.Name); err != nil {
				return fmt.Errorf("shard %d segment %d: %w", s.Shard, i, err)
			}
			if names[seg.Name] {
				return fmt.Errorf("shard %d segment %s listed twice", s.Shard, seg.Name)
			}
			names[seg.Name] = true
			if seg.FirstLSN == NoLSN {
				return fmt.Errorf("shard %d segment %s: first LSN 0 (LSNs start at 1)", s.Shard, seg.Name)
			}
			if i > 0 && seg.FirstLSN <= s.Segments[i-1].FirstLSN {
				return fmt.Errorf("shard %d: LSN order broken: segment %s (first LSN %d) follows %s (first LSN %d)",
					s.Shard, seg.Name, seg.FirstLSN, s.Segments[i-1].Name, s.Segments[i-1].FirstLSN)
			}
		}
	}
	if c := m.Checkpoint; c != nil {
		if err := checkRelName(c.ID); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		cs := make(map[int]bool)
		for _, sl := range c.Shards {
			if sl.Shard < 0 {
				return fmt.Errorf("checkpoint %s: negative shard %d", c.ID, sl.Shard)
			}
			if cs[sl.Shard] {
				return fmt.Errorf("checkpoint %s: shard %d listed twice", c.ID, sl.Shard)
			}
			cs[sl.Shard] = true
		}
	}
	// Each log must continue right after the checkpoint (or from LSN 1
	// without one): a first segment starting later means records are gone.
	for _, s := range m.Shards {
		if len(s.Segments) == 0 {
			continue
		}
		if base := m.CheckpointLSN(s.Shard); s.Segments[0].FirstLSN > base+1 {
			return fmt.Errorf("shard %d: LSN order broken: checkpoint holds up to LSN %d but the first segment %s starts at LSN %d",
				s.Shard, base, s.Segments[0].Name, s.Segments[0].FirstLSN)
		}
	}
	return nil
}

func checkRelName(name string) error {
	if name == "" {
		return errors.New("empty name")
	}
	if path.Clean(name) != name || !filepath.IsLocal(filepath.FromSlash(name)) {
		return fmt.Errorf("name %q is not a clean path inside the data directory", name)
	}
	return nil
}

// LoadManifest reads and validates dir/MANIFEST, checking that every named
// segment exists. A missing MANIFEST gives a *ManifestError wrapping
// fs.ErrNotExist (a fresh data directory).
func LoadManifest(fsys FS, dir string) (*Manifest, error) {
	p := filepath.Join(dir, ManifestName)
	data, err := readAll(fsys, p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &ManifestError{Path: p, Reason: "missing", Err: err}
		}
		return nil, &ManifestError{Path: p, Reason: "unreadable", Err: err}
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, &ManifestError{Path: p, Reason: "unparsable", Err: err}
	}
	if dec.More() {
		return nil, &ManifestError{Path: p, Reason: "unparsable: trailing data after the JSON object"}
	}
	if err := m.Validate(); err != nil {
		return nil, &ManifestError{Path: p, Reason: err.Error()}
	}
	for _, s := range m.Shards {
		for _, seg := range s.Segments {
			if _, err := fsys.Stat(filepath.Join(dir, filepath.FromSlash(seg.Name))); err != nil {
				return nil, &ManifestError{
					Path:   p,
					Reason: fmt.Sprintf("shard %d segment %s (first LSN %d) is missing", s.Shard, seg.Name, seg.FirstLSN),
					Err:    err,
				}
			}
		}
	}
	return &m, nil
}

func readAll(fsys FS, p string) ([]byte, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteManifest validates m and replaces dir/MANIFEST atomically: it writes
// MANIFEST.tmp, fsyncs it, renames it over MANIFEST and fsyncs dir. A crash
// at any step leaves either the old or the new MANIFEST in place.
func WriteManifest(fsys FS, dir string, m *Manifest) error {
	p := filepath.Join(dir, ManifestName)
	if err := m.Validate(); err != nil {
		return &ManifestError{Path: p, Reason: "refusing to write: " + err.Error()}
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return &ManifestError{Path: p, Reason: "encode", Err: err}
	}
	data = append(data, '\n')
	tmp := filepath.Join(dir, manifestTemp)
	fail := func(step string, err error) error {
		return &ManifestError{Path: p, Reason: step, Err: err}
	}
	f, err := fsys.Create(tmp)
	if err != nil {
		return fail("create temp file", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fail("write temp file", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fail("fsync temp file", err)
	}
	if err := f.Close(); err != nil {
		return fail("close temp file", err)
	}
	if err := fsys.Rename(tmp, p); err != nil {
		return fail("rename temp file", err)
	}
	if err := fsys.SyncDir(dir); err != nil {
		return fail("fsync directory", err)
	}
	return nil
}

// ManifestStore holds the current MANIFEST of a data directory and
// serialises changes to it; the AOF writers of every shard register
// segments through one store. It is safe for concurrent use.
type ManifestStore struct {
	fsys FS
	dir  string

	mu sync.Mutex
	m  *Manifest
}

// NewManifestStore returns a store for dir starting from m (as loaded and
// checked by recovery), or from an empty manifest when m is nil. Nothing
// is written until the first change.
func NewManifestStore(fsys FS, dir string, m *Manifest) *ManifestStore {
	if m == nil {
		m = &Manifest{Version: ManifestVersion}
	} else {
		m = m.Clone()
	}
	return &ManifestStore{fsys: fsys, dir: dir, m: m}
}

// Manifest returns a copy of the current manifest.
func (s *ManifestStore) Manifest() *Manifest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.Clone()
}

// Update applies fn to a copy of the manifest and writes the result; the
// store keeps the old manifest if fn or the write fails.
func (s *ManifestStore) Update(fn func(m *Manifest) error) error {
	return s.update(func(m *Manifest) (bool, error) { return true, fn(m) })
}

func (s *ManifestStore) update(fn func(m *Manifest) (changed bool, err error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.m.Clone()
	changed, err := fn(next)
	if err != nil || !changed {
		return err
	}
	slices.SortFunc(next.Shards, func(a, b ShardLog) int { return a.Shard - b.Shard })
	if err := WriteManifest(s.fsys, s.dir, next); err != nil {
		return err
	}
	s.m = next
	return nil
}

// AddSegment appends seg to shard's segments. Adding a segment the shard
// already lists is a no-op, so a retried roll is harmless.
func (s *ManifestStore) AddSegment(shard int, seg Segment) error {
	return s.update(func(m *Manifest) (bool, error) {
		log := m.Shard(shard)
		if log == nil {
			m.Shards = append(m.Shards, ShardLog{Shard: shard})
			log = &m.Shards[len(m.Shards)-1]
		}
		if slices.Contains(log.Segments, seg) {
			return false, nil
		}
		log.Segments = append(log.Segments, seg)
		return true, nil
	})
}

// RemoveSegments drops the named segments from shard's list. Names not
// listed are ignored.
func (s *ManifestStore) RemoveSegments(shard int, names []string) error {
	return s.update(func(m *Manifest) (bool, error) {
		log := m.Shard(shard)
		if log == nil {
			return false, nil
		}
		n := len(log.Segments)
		log.Segments = slices.DeleteFunc(log.Segments, func(seg Segment) bool {
			return slices.Contains(names, seg.Name)
		})
		return len(log.Segments) != n, nil
	})
}
