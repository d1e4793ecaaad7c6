// Package checkpoint keeps keel's keyspace image in Pebble.
//
// The live database, <data>/pebble/ (pebble.new/ and back at each
// rewrite), is written incrementally: each checkpoint adds the keys written
// and removes the keys deleted since the previous one, as batches when they
// are few, or by rewriting the whole database as sstables built in key
// order when they are many (Image). It is not what recovery reads. Once a checkpoint's
// writes are in, Finish flushes them to sstables and cuts a retained copy
// (a Pebble checkpoint: hard links, plus small copied files) into
// <data>/checkpoints/<id>/; the MANIFEST then names that copy. A copy never
// changes, so it is what recovery loads, what an operator copies away as a
// backup, and what the live database is rebuilt from at every start (Open):
// a crash in the middle of a checkpoint leaves the live database half
// updated, and rebuilding it from the last named copy throws that away.
//
// Keys are db (2 bytes) + slot (2 bytes) + the key, big-endian, so a
// shard's keys are one range per database whatever the shard count; one key
// past every database holds the checkpoint's Meta. Values are opaque here:
// the server encodes them.
package checkpoint

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/cockroachdb/pebble/v2"
)

// Directory names inside the data directory.
const (
	PebbleDir = "pebble"
	CopiesDir = "checkpoints"
)

// MaxDB is one past the largest database number a key can carry.
const MaxDB = 0xFFFF

var metaKey = []byte{0xFF, 0xFF, 'm', 'e', 't', 'a'}

// Meta is what a checkpoint records about itself, beside the keys.
type Meta struct {
	ID     uint64   `json:"id"`
	TimeMs int64    `json:"time_ms"`
	LSNs   []uint64 `json:"lsns"` // per shard: the last logged LSN the image holds
	Keys   []int64  `json:"keys"` // per database: keys at the cut (sizes tables on load)
}

// CopyName is the directory of checkpoint id's retained copy, relative to
// the data directory (slash-separated, as the MANIFEST names it).
func CopyName(id uint64) string {
	return CopiesDir + "/" + fmt.Sprintf("%016d", id)
}

// ParseCopyName returns the id of a copy's directory name (its last part).
func ParseCopyName(name string) (uint64, bool) {
	base := name[strings.LastIndexByte(name, '/')+1:]
	if len(base) != 16 {
		return 0, false
	}
	id, err := strconv.ParseUint(base, 10, 64)
	return id, err == nil
}

// Store is the live checkpoint database of a data directory.
type Store struct {
	dir  string
	live string // the live database's directory: PebbleDir, or freshDir after a rewrite
	db   *pebble.DB
	log  *slog.Logger
}

// Open rebuilds <dir>/pebble from the retained copy named copyName (relative
// to dir; "" when there is none yet: then the database starts empty) and
// opens it. Unfinished copies (<id>.tmp) are removed.
func Open(dir, copyName string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.Default()
	}
	live := filepath.Join(dir, PebbleDir)
	for _, d := range []string{live, filepath.Join(dir, freshDir)} {
		if err := os.RemoveAll(d); err != nil {
			return nil, fmt.Errorf("checkpoint: remove %s: %w", d, err)
		}
	}
	if err := removeUnfinished(dir, copyName); err != nil {
		return nil, err
	}
	if copyName != "" {
		src := filepath.Join(dir, filepath.FromSlash(copyName))
		if err := materialize(src, live); err != nil {
			return nil, fmt.Errorf("checkpoint: rebuild %s from %s: %w", live, src, err)
		}
	}
	db, err := pebble.Open(live, options())
	if err != nil {
		return nil, fmt.Errorf("checkpoint: open %s: %w", live, err)
	}
	return &Store{dir: dir, live: live, db: db, log: logger}, nil
}

// OpenCopy opens a retained copy read-only, for tools.
func OpenCopy(path string) (*Store, error) {
	o := options()
	o.ReadOnly = true
	o.ErrorIfNotExists = true
	db, err := pebble.Open(path, o)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: open %s: %w", path, err)
	}
	return &Store{dir: path, live: path, db: db, log: slog.Default()}, nil
}

// IsCopy reports whether dir holds a Pebble database at its top (a retained
// copy taken out of a data directory).
func IsCopy(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "OPTIONS-") {
			return true
		}
	}
	return false
}

func options() *pebble.Options {
	return &pebble.Options{
		// Every checkpoint ends with a flush to sstables and recovery
		// reads only retained copies: a WAL would write everything twice
		// for nothing.
		DisableWAL: true,
		// Large checkpoints rewrite the database instead (Image); L0
		// may grow meanwhile without stalling the writer.
		DisableAutomaticCompactions: true,
		L0StopWritesThreshold:       math.MaxInt32,
		// Small memtables and cache bound the memory a checkpoint adds
		// (one writer: it just waits while a memtable flushes).
		MemTableSize:                4 << 20,
		MemTableStopWritesThreshold: 2,
		CacheSize:                   2 << 20,
		Logger:                      quietLogger{},
	}
}

// quietLogger keeps Pebble's informational chatter out of keel's log; its
// errors still come back through the API.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Fatalf(format string, args ...any) {
	slog.Error("pebble: " + fmt.Sprintf(format, args...))
	os.Exit(1)
}

// materialize makes dst a copy of the Pebble database src: sstables and blob
// files are hard-linked (they never change), the rest is copied.
func materialize(src, dst string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		from, to := filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())
		if strings.HasSuffix(e.Name(), ".sst") || strings.HasSuffix(e.Name(), ".blob") {
			if err := os.Link(from, to); err == nil {
				continue
			}
		}
		if err := copyFile(from, to); err != nil {
			return err
		}
	}
	return syncDir(dst)
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// removeUnfinished deletes copies a crash left half made, and copies newer
// than the one the MANIFEST names (named: "" for none): their checkpoints
// failed or were never published, and the next ids are taken again.
func removeUnfinished(dir, named string) error {
	root := filepath.Join(dir, CopiesDir)
	entries, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("checkpoint: list %s: %w", root, err)
	}
	namedID, _ := ParseCopyName(named)
	for _, e := range entries {
		id, isCopy := ParseCopyName(e.Name())
		if strings.HasSuffix(e.Name(), ".tmp") || isCopy && id > namedID {
			if err := os.RemoveAll(filepath.Join(root, e.Name())); err != nil {
				return fmt.Errorf("checkpoint: remove unfinished copy: %w", err)
			}
		}
	}
	return nil
}

// Copies lists the retained copies' names (relative to the data
// directory), oldest first.
func Copies(dir string) ([]string, error) {
	root := filepath.Join(dir, CopiesDir)
	entries, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint: list %s: %w", root, err)
	}
	var out []string
	for _, e := range entries {
		if _, ok := ParseCopyName(e.Name()); ok && e.IsDir() {
			out = append(out, CopiesDir+"/"+e.Name())
		}
	}
	slices.Sort(out) // fixed-width ids sort in id order
	return out, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Meta returns the checkpoint the database holds; ok is false when it
// holds none.
func (s *Store) Meta() (m Meta, ok bool, err error) {
	v, closer, err := s.db.Get(metaKey)
	if errors.Is(err, pebble.ErrNotFound) {
		return Meta{}, false, nil
	}
	if err != nil {
		return Meta{}, false, fmt.Errorf("checkpoint: read meta: %w", err)
	}
	defer closer.Close()
	if err := json.Unmarshal(v, &m); err != nil {
		return Meta{}, false, fmt.Errorf("checkpoint: meta %q: %w", v, err)
	}
	return m, true, nil
}

// AppendKey appends the database key of (db, slot, key) to b.
func AppendKey(b []byte, db, slot int, key []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(db))
	b = binary.BigEndian.AppendUint16(b, uint16(slot))
	return append(b, key...)
}

// slotBound is the first database key of (db, slot).
func slotBound(db, slot int) []byte {
	if slot >= 1<<16 {
		return slotBound(db+1, 0)
	}
	return AppendKey(make([]byte, 0, 4), db, slot, nil)
}

// ScanAll calls fn for every key of every database, in key order.
func (s *Store) ScanAll(fn func(db, slot int, key, val []byte) error) error {
	return s.scan(nil, metaKey[:2], fn)
}

func (s *Store) scan(lower, upper []byte, fn func(db, slot int, key, val []byte) error) error {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	for it.First(); it.Valid(); it.Next() {
		k := it.Key()
		if len(k) < 4 {
			it.Close()
			return fmt.Errorf("checkpoint: malformed key %q", k)
		}
		db := int(binary.BigEndian.Uint16(k))
		v, err := it.ValueAndErr()
		if err != nil {
			it.Close()
			return fmt.Errorf("checkpoint: db %d key %q: %w", db, k[4:], err)
		}
		if err := fn(db, int(binary.BigEndian.Uint16(k[2:4])), k[4:], v); err != nil {
			it.Close()
			return err
		}
	}
	if err := it.Close(); err != nil {
		return fmt.Errorf("checkpoint: scan: %w", err)
	}
	return nil
}

// Cursor walks the keys of one database's slot range in key order, a few
// at a time (a shard loading between serving its clients). It is used
// from one goroutine.
type Cursor struct {
	it    *pebble.Iterator
	moved bool
}

// Cursor returns a cursor over database db's slots lo..hi (inclusive).
func (s *Store) Cursor(db, lo, hi int) (*Cursor, error) {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: slotBound(db, lo), UpperBound: slotBound(db, hi+1)})
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	return &Cursor{it: it}, nil
}

// Next moves to the next key; false at the end (or on error: see Close).
func (c *Cursor) Next() bool {
	if !c.moved {
		c.moved = true
		return c.it.First()
	}
	return c.it.Next()
}

// Key is the current key (without db and slot), valid until Next.
func (c *Cursor) Key() []byte { return c.it.Key()[4:] }

// Value is the current value, valid until Next.
func (c *Cursor) Value() ([]byte, error) { return c.it.ValueAndErr() }

// Close releases the cursor and returns the error that ended it, if any.
func (c *Cursor) Close() error {
	if err := c.it.Close(); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// Batch is a set of changes, built on one goroutine and handed to an
// Image. Its records are kind | key length | value length (uvarints) |
// key | value, keys already in database form.
type Batch struct{ buf []byte }

// NewBatch returns an empty batch.
func (s *Store) NewBatch() *Batch { return batchPool.Get().(*Batch) }

// Set stores val under (db, slot, key).
func (b *Batch) Set(db, slot int, key, val []byte) {
	b.buf = append(b.buf, kindSet)
	b.buf = binary.AppendUvarint(b.buf, uint64(4+len(key)))
	b.buf = binary.AppendUvarint(b.buf, uint64(len(val)))
	b.buf = append(AppendKey(b.buf, db, slot, key), val...)
}

// Delete removes (db, slot, key).
func (b *Batch) Delete(db, slot int, key []byte) {
	b.buf = append(b.buf, kindDelete)
	b.buf = binary.AppendUvarint(b.buf, uint64(4+len(key)))
	b.buf = AppendKey(append(b.buf, 0), db, slot, key) // no value
}

// DeleteSlots removes every key of database db in slots lo..hi (inclusive).
func (b *Batch) DeleteSlots(db, lo, hi int) {
	start, end := slotBound(db, lo), slotBound(db, hi+1) // 4 bytes each
	b.buf = append(b.buf, kindDeleteRange, byte(len(start)), byte(len(end)))
	b.buf = append(append(b.buf, start...), end...)
}

// Size is the batch's size in bytes.
func (b *Batch) Size() int { return len(b.buf) }

// Empty reports whether the batch holds no change.
func (b *Batch) Empty() bool { return len(b.buf) == 0 }

// Discard releases a batch that will not be used any more.
func (b *Batch) Discard() {
	b.buf = b.buf[:0]
	batchPool.Put(b)
}

// Finish records m, makes everything im wrote durable and cuts the
// retained copy of checkpoint m.ID; it returns the copy's name (relative
// to the data directory). The copy is made under a temporary name and
// renamed once complete, so a crash never leaves a half copy under a real
// name. A rewritten image's fresh database becomes the live one.
func (s *Store) Finish(im *Image, m Meta) (string, error) {
	if im.err != nil {
		return "", im.err
	}
	db := s.db
	if im.fresh != nil {
		db = im.fresh
	}
	v, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	if err := db.Set(metaKey, v, pebble.NoSync); err != nil {
		return "", fmt.Errorf("checkpoint: write meta: %w", err)
	}
	if err := db.Flush(); err != nil {
		return "", fmt.Errorf("checkpoint: flush: %w", err)
	}
	name := CopyName(m.ID)
	final := filepath.Join(s.dir, filepath.FromSlash(name))
	tmp := final + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return "", fmt.Errorf("checkpoint: %w", err)
	}
	if err := db.Checkpoint(tmp); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("checkpoint: copy to %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("checkpoint: %w", err)
	}
	if err := syncDir(filepath.Dir(final)); err != nil {
		return "", fmt.Errorf("checkpoint: %w", err)
	}
	if im.fresh != nil {
		old, oldPath := s.db, s.live
		s.db, s.live, im.fresh = im.fresh, im.freshPath, nil
		if err := errors.Join(old.Close(), os.RemoveAll(oldPath)); err != nil {
			s.log.Warn("cannot remove the previous checkpoint database", "dir", oldPath, "err", err)
		}
	}
	return name, nil
}

// Prune removes the retained copies other than the newest keep ones and
// the one named current.
func Prune(dir string, keep int, current string) error {
	copies, err := Copies(dir)
	if err != nil {
		return err
	}
	var errs []error
	for i, name := range copies {
		if name == current || i >= len(copies)-keep {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			errs = append(errs, fmt.Errorf("checkpoint: remove old copy: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Size is the bytes the live database takes on disk.
func (s *Store) Size() int64 { return int64(s.db.Metrics().DiskSpaceUsage()) }
