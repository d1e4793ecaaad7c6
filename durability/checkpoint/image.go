package checkpoint

import (
	"bufio"
	"bytes"
	"container/heap"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"unsafe"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/objstorage/objstorageprovider"
	"github.com/cockroachdb/pebble/v2/sstable"
	"github.com/cockroachdb/pebble/v2/vfs"
	"golang.org/x/sys/unix"
)

// An Image gathers one checkpoint's changes and writes them into the store,
// all on the goroutine that calls Add and Build (the checkpoint writer, a
// low-priority thread): Pebble's own flushes and compactions run on
// ordinary threads, so the image avoids them when it is large.
//
// Changes are collected in arrival order in a run buffer. A small image
// (it fits in one run) is applied as batches to the live database, as any
// Pebble write. A large one is sorted in runs spilled to disk, and Build
// merges them with the live database's keys (minus the deleted ones) into
// new sstables, ingested into a fresh database: that is the whole image at
// once, already fully compacted, and Finish makes it the live database. The
// same rewrite runs when the small images of earlier checkpoints piled up in
// L0, in place of a Pebble compaction.
type Image struct {
	st      *Store
	runSize int
	recs    []byte   // the run being collected: records in arrival order
	refs    []recRef // its point records
	// recs and refs start as views of memory mapped outside the Go heap:
	// the run buffer is big, and a heap that large would also raise the
	// collector's target by as much. A batch larger than the mapping
	// spills to the heap (append) and back after the spill.
	recsMap, refsMap []byte
	mapped           bool     // recsMap and refsMap are mappings, unmapped by Close
	ranges           []span   // every range deletion of the image
	runs             []string // spilled runs, each sorted
	tmp              string   // the directory of spilled runs and built tables
	// fresh is the rewritten database, at freshPath (beside the live one).
	fresh     *pebble.DB
	freshPath string
	err       error
}

// span is a range deletion [start, end).
type span struct{ start, end []byte }

// recRef locates a point record in the run buffer: hdr bytes of header at
// off, then the key and the value. pfx is the key's first eight bytes
// (big-endian, zero-padded), which decide most comparisons.
type recRef struct {
	pfx        uint64
	off        uint32
	klen, vlen uint32
	hdr        uint8
}

func (im *Image) keyAt(r recRef) []byte {
	k := int(r.off) + int(r.hdr)
	return im.recs[k : k+int(r.klen)]
}

func (im *Image) recordAt(r recRef) []byte {
	return im.recs[r.off : int(r.off)+int(r.hdr)+int(r.klen)+int(r.vlen)]
}

// Record kinds, in batches, run buffers and run files.
const (
	kindSet byte = iota + 1
	kindDelete
	kindDeleteRange // key = start, value = end
)

const (
	// runSize bounds the run buffer: the memory a large checkpoint adds
	// (plus its refs, 24 bytes a key).
	runSize = 6 << 20
	// tableSize is the size at which a built sstable is cut.
	tableSize = 64 << 20
	// applyBatch is the size of the batches a small image is applied in.
	applyBatch = 1 << 20
)

// freshDir is where a rewritten database is built when the live one is
// PebbleDir, and the other way round.
const freshDir = PebbleDir + ".new"

var batchPool = sync.Pool{New: func() any { return &Batch{} }}

// NewImage starts the image of checkpoint id.
func (s *Store) NewImage(id uint64) *Image {
	return &Image{
		st: s, runSize: runSize,
		tmp: filepath.Join(s.dir, CopiesDir, fmt.Sprintf("%016d.build.tmp", id)),
	}
}

// Add takes b's changes (applied after those of earlier batches) and
// releases b.
func (im *Image) Add(b *Batch) error {
	defer b.Discard()
	if im.err != nil {
		return im.err
	}
	if im.recsMap == nil {
		im.mapRun()
	}
	if len(im.recs) > 0 && len(im.recs)+len(b.buf) > cap(im.recs) {
		if err := im.spill(); err != nil {
			return im.fail(err)
		}
	}
	for p := b.buf; len(p) > 0; {
		kind, key, val, n, err := parseRecord(p)
		if err != nil {
			return im.fail(err)
		}
		if kind == kindDeleteRange {
			im.ranges = append(im.ranges, span{bytes.Clone(key), bytes.Clone(val)})
		} else {
			if n > math.MaxUint32 || len(im.recs) > math.MaxUint32 {
				return im.fail(fmt.Errorf("checkpoint: %d-byte record at run offset %d: too large", n, len(im.recs)))
			}
			im.refs = append(im.refs, recRef{pfx: prefix(key), off: uint32(len(im.recs)),
				klen: uint32(len(key)), vlen: uint32(len(val)), hdr: uint8(n - len(key) - len(val))})
		}
		im.recs = append(im.recs, p[:n]...)
		p = p[n:]
	}
	if len(im.recs) >= im.runSize {
		return im.fail(im.spill())
	}
	return nil
}

func (im *Image) fail(err error) error {
	if err != nil && im.err == nil {
		im.err = err
	}
	return err
}

// Build writes the image: into the live database when it is small, else
// into a fresh database that Finish makes live.
func (im *Image) Build() error {
	if im.err != nil {
		return im.err
	}
	if len(im.runs) == 0 && im.st.db.Metrics().Levels[0].TablesCount < l0Rewrite {
		return im.fail(im.apply())
	}
	return im.fail(im.rewrite())
}

// l0Rewrite is the L0 table count (flushed small images) at which the next
// checkpoint rewrites the database: loads read through every L0 table.
const l0Rewrite = 4

// apply commits the run buffer's records, in order, to the live database.
func (im *Image) apply() error {
	db := im.st.db
	b := db.NewBatch()
	for p := im.recs; len(p) > 0; {
		kind, key, val, n, err := parseRecord(p)
		if err != nil {
			b.Close()
			return err
		}
		switch kind {
		case kindSet:
			err = b.Set(key, val, nil)
		case kindDelete:
			err = b.Delete(key, nil)
		default:
			err = b.DeleteRange(key, val, nil)
		}
		if err == nil && b.Len() >= applyBatch {
			err = b.Commit(pebble.NoSync)
			b.Close()
			b = db.NewBatch()
		}
		if err != nil {
			b.Close()
			return fmt.Errorf("checkpoint: write batch: %w", err)
		}
		p = p[n:]
	}
	err := b.Commit(pebble.NoSync)
	b.Close()
	if err != nil {
		return fmt.Errorf("checkpoint: write batch: %w", err)
	}
	return nil
}

// sortRefs orders the run buffer's point records by key (a key's deletion
// and value may come in either order: merge takes the value). Keys start
// with their database and slot: when the run holds one database, as it
// mostly does, a counting sort by slot leaves only each slot's few keys to
// compare.
func (im *Image) sortRefs() {
	refs := im.refs
	cmp := func(a, b recRef) int {
		if a.pfx != b.pfx {
			if a.pfx < b.pfx {
				return -1
			}
			return 1
		}
		return bytes.Compare(im.keyAt(a), im.keyAt(b))
	}
	if len(refs) < 1024 || !im.sameDB() {
		slices.SortFunc(refs, cmp)
		return
	}
	// In place (American flag sort): each misplaced ref is swapped into
	// the next free place of its slot's range.
	var starts, next [1<<16 + 1]uint32
	for _, r := range refs {
		starts[uint16(r.pfx>>32)+1]++
	}
	for i := 1; i < len(starts); i++ {
		starts[i] += starts[i-1]
	}
	next = starts
	for b := 0; b < 1<<16; b++ {
		for next[b] < starts[b+1] {
			slot := uint16(refs[next[b]].pfx >> 32)
			if int(slot) != b {
				refs[next[b]], refs[next[slot]] = refs[next[slot]], refs[next[b]]
			}
			next[slot]++
		}
	}
	for b := 0; b < 1<<16; b++ {
		if g := refs[starts[b]:starts[b+1]]; len(g) > 1 {
			slices.SortFunc(g, cmp)
		}
	}
}

// sameDB reports whether every point record of the run is of one database.
func (im *Image) sameDB() bool {
	db := im.refs[0].pfx >> 48
	for _, r := range im.refs {
		if r.pfx>>48 != db {
			return false
		}
	}
	return true
}

// spill writes the run buffer's point records, sorted, to a run file and
// empties the buffer.
func (im *Image) spill() error {
	if len(im.refs) == 0 {
		im.recs = im.recs[:0]
		return nil
	}
	if err := os.MkdirAll(im.tmp, 0o755); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	im.sortRefs()
	name := filepath.Join(im.tmp, "run-"+strconv.Itoa(len(im.runs)))
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	w := bufio.NewWriterSize(f, 256<<10)
	for _, r := range im.refs {
		w.Write(im.recordAt(r))
	}
	err = w.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("checkpoint: write run %s: %w", name, err)
	}
	im.runs = append(im.runs, name)
	im.resetRun()
	return nil
}

// mapRun maps the run buffer: room for runSize bytes of records and the
// refs of as many of the smallest records (7 bytes), of which only the
// pages used take memory. Where mapping fails the buffers live on the heap.
func (im *Image) mapRun() {
	const prot, flags = unix.PROT_READ | unix.PROT_WRITE, unix.MAP_ANON | unix.MAP_PRIVATE
	recs, err := unix.Mmap(-1, 0, im.runSize, prot, flags)
	if err == nil {
		refs, err := unix.Mmap(-1, 0, (im.runSize/7+1)*int(unsafe.Sizeof(recRef{})), prot, flags)
		if err == nil {
			im.recsMap, im.refsMap, im.mapped = recs, refs, true
			im.resetRun()
			return
		}
		unix.Munmap(recs)
	}
	im.recsMap = make([]byte, im.runSize)
	im.resetRun()
}

// resetRun empties the run buffer, back in its own memory.
func (im *Image) resetRun() {
	im.recs = im.recsMap[:0]
	if im.mapped {
		n := len(im.refsMap) / int(unsafe.Sizeof(recRef{}))
		im.refs = unsafe.Slice((*recRef)(unsafe.Pointer(&im.refsMap[0])), n)[:0]
	} else {
		im.refs = im.refs[:0]
	}
}

// rewrite builds the whole database anew: the live database's keys outside
// the image's deletions merged with the image's values, written as
// sstables in key order and ingested into a fresh, empty database (so they
// land in its last level, compacted).
func (im *Image) rewrite() error {
	im.sortRefs()
	srcs := make([]source, 0, len(im.runs)+1)
	defer func() {
		for _, s := range srcs {
			s.close()
		}
	}()
	for _, name := range im.runs {
		r, err := openRun(name)
		if err != nil {
			return err
		}
		srcs = append(srcs, r)
	}
	if len(im.refs) > 0 {
		srcs = append(srcs, &memRun{im: im})
	}
	live, err := im.st.db.NewIter(&pebble.IterOptions{UpperBound: metaKey[:2]})
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	defer live.Close()

	if err := os.MkdirAll(im.tmp, 0o755); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	freshPath := filepath.Join(im.st.dir, freshDir)
	if im.st.live == freshPath {
		freshPath = filepath.Join(im.st.dir, PebbleDir)
	}
	if err := os.RemoveAll(freshPath); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	fresh, err := pebble.Open(freshPath, options())
	if err != nil {
		return fmt.Errorf("checkpoint: open %s: %w", freshPath, err)
	}
	im.fresh, im.freshPath = fresh, freshPath
	out := &tableWriter{dir: im.tmp, opts: writerOptions(fresh)}
	if err := merge(srcs, live, mergeSpans(im.ranges), out); err != nil {
		out.abort()
		return err
	}
	if err := out.finish(); err != nil {
		return err
	}
	if len(out.files) > 0 {
		if err := fresh.Ingest(context.Background(), out.files); err != nil {
			return fmt.Errorf("checkpoint: ingest: %w", err)
		}
	}
	return nil
}

// merge writes the merged image to out: the sources' values (a key with a
// value and a deletion keeps the value: the deletion came first) and the
// live keys that no deletion removes and no source replaces.
func merge(srcs []source, live *pebble.Iterator, ranges []span, out *tableWriter) error {
	h := &srcHeap{}
	for _, s := range srcs {
		ok, err := s.next()
		if err != nil {
			return err
		}
		if ok {
			h.s = append(h.s, s)
		}
	}
	heap.Init(h)
	ri := 0
	// emitLive writes the live keys below limit (nil: all of them).
	emitLive := func(limit []byte) error {
		for live.Valid() {
			k := live.Key()
			if limit != nil && bytes.Compare(k, limit) >= 0 {
				return nil
			}
			for ri < len(ranges) && bytes.Compare(ranges[ri].end, k) <= 0 {
				ri++
			}
			if ri < len(ranges) && bytes.Compare(ranges[ri].start, k) <= 0 {
				live.SeekGE(ranges[ri].end)
				continue
			}
			v, err := live.ValueAndErr()
			if err != nil {
				return fmt.Errorf("checkpoint: read %q: %w", k, err)
			}
			if err := out.set(k, v); err != nil {
				return err
			}
			live.Next()
		}
		return live.Error()
	}
	live.First()
	var key, val []byte
	for h.Len() > 0 {
		key = append(key[:0], h.s[0].key()...)
		set := false
		for h.Len() > 0 && bytes.Equal(h.s[0].key(), key) {
			top := h.s[0]
			if top.kind() == kindSet {
				val = append(val[:0], top.value()...)
				set = true
			}
			ok, err := top.next()
			if err != nil {
				return err
			}
			if ok {
				heap.Fix(h, 0)
			} else {
				heap.Pop(h)
			}
		}
		if err := emitLive(key); err != nil {
			return err
		}
		if live.Valid() && bytes.Equal(live.Key(), key) {
			live.Next()
		}
		if set {
			if err := out.set(key, val); err != nil {
				return err
			}
		}
	}
	return emitLive(nil)
}

// mergeSpans sorts ranges and joins the overlapping ones.
func mergeSpans(ranges []span) []span {
	slices.SortFunc(ranges, func(a, b span) int { return bytes.Compare(a.start, b.start) })
	var out []span
	for _, r := range ranges {
		if bytes.Compare(r.start, r.end) >= 0 {
			continue
		}
		if n := len(out); n > 0 && bytes.Compare(r.start, out[n-1].end) <= 0 {
			if bytes.Compare(r.end, out[n-1].end) > 0 {
				out[n-1].end = r.end
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

// Close releases what the image holds (after Finish, or instead of it when
// the checkpoint failed).
func (im *Image) Close() error {
	var errs []error
	if im.fresh != nil {
		errs = append(errs, im.fresh.Close())
		im.fresh = nil
		errs = append(errs, os.RemoveAll(im.freshPath))
	}
	errs = append(errs, os.RemoveAll(im.tmp))
	im.recs, im.refs, im.runs, im.ranges = nil, nil, nil, nil
	if im.mapped {
		errs = append(errs, unix.Munmap(im.recsMap), unix.Munmap(im.refsMap))
		im.mapped = false
	}
	im.recsMap, im.refsMap = nil, nil
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// A source is a sorted stream of point records.
type source interface {
	next() (bool, error)
	kind() byte
	key() []byte
	value() []byte
	close()
}

type srcHeap struct{ s []source }

func (h *srcHeap) Len() int           { return len(h.s) }
func (h *srcHeap) Less(i, j int) bool { return bytes.Compare(h.s[i].key(), h.s[j].key()) < 0 }
func (h *srcHeap) Swap(i, j int)      { h.s[i], h.s[j] = h.s[j], h.s[i] }
func (h *srcHeap) Push(x any)         { h.s = append(h.s, x.(source)) }
func (h *srcHeap) Pop() any {
	x := h.s[len(h.s)-1]
	h.s = h.s[:len(h.s)-1]
	return x
}

// memRun is the sorted run buffer as a source.
type memRun struct {
	im     *Image
	i      int
	k      byte
	kb, vb []byte
}

func (m *memRun) next() (bool, error) {
	if m.i == len(m.im.refs) {
		return false, nil
	}
	r := m.im.refs[m.i]
	m.k, m.kb, m.vb = m.im.recs[r.off], m.im.keyAt(r), m.im.recs[int(r.off)+int(r.hdr)+int(r.klen):][:r.vlen]
	m.i++
	return true, nil
}
func (m *memRun) kind() byte    { return m.k }
func (m *memRun) key() []byte   { return m.kb }
func (m *memRun) value() []byte { return m.vb }
func (m *memRun) close()        {}

// fileRun reads a spilled run.
type fileRun struct {
	name string
	f    *os.File
	r    *bufio.Reader
	k    byte
	buf  []byte
	klen int
}

func openRun(name string) (*fileRun, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	return &fileRun{name: name, f: f, r: bufio.NewReaderSize(f, 32<<10)}, nil
}

func (r *fileRun) next() (bool, error) {
	k, err := r.r.ReadByte()
	if err == io.EOF {
		return false, nil
	}
	if err == nil && (k == 0 || k >= kindDeleteRange) {
		err = errMalformed
	}
	var kl, vl uint64
	if err == nil {
		kl, err = binary.ReadUvarint(r.r)
	}
	if err == nil {
		vl, err = binary.ReadUvarint(r.r)
	}
	if err == nil && kl+vl > 1<<32 {
		err = errMalformed
	}
	if err == nil {
		r.buf = slices.Grow(r.buf[:0], int(kl+vl))[:kl+vl]
		_, err = io.ReadFull(r.r, r.buf)
	}
	if err != nil {
		return false, fmt.Errorf("checkpoint: read run %s: %w", r.name, err)
	}
	r.k, r.klen = k, int(kl)
	return true, nil
}
func (r *fileRun) kind() byte    { return r.k }
func (r *fileRun) key() []byte   { return r.buf[:r.klen] }
func (r *fileRun) value() []byte { return r.buf[r.klen:] }
func (r *fileRun) close()        { r.f.Close() }

var errMalformed = errors.New("malformed record")

// parseRecord decodes the record at the start of p and returns its length.
func parseRecord(p []byte) (kind byte, key, val []byte, n int, err error) {
	if len(p) == 0 || p[0] == 0 || p[0] > kindDeleteRange {
		return 0, nil, nil, 0, errMalformed
	}
	kl, a := binary.Uvarint(p[1:])
	if a <= 0 {
		return 0, nil, nil, 0, errMalformed
	}
	vl, b := binary.Uvarint(p[1+a:])
	if b <= 0 {
		return 0, nil, nil, 0, errMalformed
	}
	start := 1 + a + b
	if kl > uint64(len(p)-start) || vl > uint64(len(p)-start)-kl {
		return 0, nil, nil, 0, errMalformed
	}
	kEnd := start + int(kl)
	n = kEnd + int(vl)
	return p[0], p[start:kEnd:kEnd], p[kEnd:n:n], n, nil
}

// prefix is key's first eight bytes as a big-endian number, zero-padded.
func prefix(key []byte) uint64 {
	var b [8]byte
	copy(b[:], key)
	return binary.BigEndian.Uint64(b[:])
}

// tableWriter writes keys in order into sstables of about tableSize.
type tableWriter struct {
	dir   string
	opts  sstable.WriterOptions
	w     *sstable.Writer
	size  int
	files []string
}

func writerOptions(db *pebble.DB) sstable.WriterOptions {
	o := options()
	o.EnsureDefaults()
	return o.MakeWriterOptions(len(o.Levels)-1, db.FormatMajorVersion().MaxTableFormat())
}

func (t *tableWriter) set(key, val []byte) error {
	if t.w == nil {
		name := filepath.Join(t.dir, "table-"+strconv.Itoa(len(t.files))+".sst")
		f, err := vfs.Default.Create(name, vfs.WriteCategoryUnspecified)
		if err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		t.w = sstable.NewWriter(objstorageprovider.NewFileWritable(f), t.opts)
		t.files = append(t.files, name)
		t.size = 0
	}
	if err := t.w.Set(key, val); err != nil {
		return fmt.Errorf("checkpoint: write table: %w", err)
	}
	t.size += len(key) + len(val)
	if t.size >= tableSize {
		return t.closeTable()
	}
	return nil
}

func (t *tableWriter) closeTable() error {
	w := t.w
	t.w = nil
	if err := w.Close(); err != nil {
		return fmt.Errorf("checkpoint: write table: %w", err)
	}
	return nil
}

func (t *tableWriter) finish() error {
	if t.w == nil {
		return nil
	}
	return t.closeTable()
}

func (t *tableWriter) abort() {
	if t.w != nil {
		t.w.Close()
		t.w = nil
	}
}
