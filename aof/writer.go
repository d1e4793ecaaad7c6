package aof

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keeldb/keel/durability"
	"github.com/klauspost/compress/s2"
)

// SegmentRegistry records a shard's segments in the MANIFEST;
// *durability.ManifestStore implements it.
type SegmentRegistry interface {
	AddSegment(shard int, seg durability.Segment) error
	RemoveSegments(shard int, names []string) error
}

// Options configure a Writer; zero values take the defaults.
type Options struct {
	// SegmentSize is the size at which the writer rolls to a new segment;
	// default 64 MiB.
	SegmentSize int64
	// MaxFrameSize bounds the encoded records of one frame; a flush of more
	// is split into several frames at record boundaries. Default 16 MiB.
	MaxFrameSize int
	// Registry is told about every segment created or removed (the
	// MANIFEST); nil for none.
	Registry SegmentRegistry
	// Now is the wall clock stamped on frames; default time.Now.
	Now func() time.Time
	// Latency times the write of each flush's frames (the latency
	// monitor's "aof-write" event, and "aof-write-pending-fsync" when an
	// fsync of the log runs meanwhile or "aof-write-alone"); default none.
	Latency durability.LatencyProbe
}

const (
	defaultSegmentSize  = 64 << 20
	defaultMaxFrameSize = 16 << 20
	// minCompress is the smallest payload worth compressing: below it s2's
	// output is rarely smaller than the input.
	minCompress = 64
	// keepBufCap is the largest record buffer kept between flushes.
	keepBufCap = 1 << 20
)

// ErrClosed is returned by operations on a closed Writer.
var ErrClosed = errors.New("aof: writer closed")

// Writer appends one shard's records to its segments. See doc.go for the
// format and the rules on failed writes and fsyncs.
//
// Append, AppendTx, EndTx, Flush, RemoveSegmentsThrough, LastLSN and Close
// belong to the owner goroutine (the shard's loop). Sync may run on another
// goroutine concurrently with them; WrittenLSN, SyncedLSN and Stats are safe
// from any goroutine.
type Writer struct {
	fsys   durability.FS
	dir    string
	aofDir string
	shard  int
	opts   Options

	// Owner goroutine only.
	chunks   []chunk // buffered records; chunks[:nchunks] are in use
	nchunks  int
	nextLSN  durability.LSN
	scratch  []byte         // compression output
	flushBuf []pendingFrame // reused by Flush
	segs     []segInfo      // live segments, oldest first; the last is current

	// syncMu serialises fsyncs, the rewrite after a failure and rolls, so a
	// file is never swapped while it is being fsynced.
	syncMu sync.Mutex

	mu        sync.Mutex // guards the fields below
	f         durability.File
	segPath   string
	syncedOff int64          // bytes of the current segment an fsync confirmed
	pending   []pendingFrame // frames after syncedOff, oldest first
	pendBytes int64          // total length of pending
	broken    error          // set when the file after syncedOff is in doubt
	closed    bool

	writtenLSN atomic.Uint64
	syncedLSN  atomic.Uint64
	size       atomic.Int64 // all live segments, including pending frames
	segSize    atomic.Int64 // current segment, including pending frames
	unsynced   atomic.Int64
	syncing    atomic.Bool // an fsync of the current segment is running
	nsegs      atomic.Int64
	frames     atomic.Uint64
	records    atomic.Uint64
	rawBytes   atomic.Uint64
	diskBytes  atomic.Uint64
}

var _ durability.Log = (*Writer)(nil)

type chunk struct {
	raw   []byte
	first durability.LSN
	count int
}

type pendingFrame struct {
	data []byte
	last durability.LSN
}

type segInfo struct {
	name  string // base name in aofDir
	first durability.LSN
	size  int64 // final size; not kept for the current segment
}

// NewWriter opens shard's log in dir/aof for records from startLSN on
// (recovery's last LSN + 1; 1 for a new shard). It always starts a new
// segment named after startLSN, registering it first; an existing empty
// segment of that name (left by a crash right after a roll) is reused.
func NewWriter(fsys durability.FS, dir string, shard int, startLSN durability.LSN, opts Options) (*Writer, error) {
	if shard < 0 || shard > MaxShard {
		return nil, fmt.Errorf("aof: shard %d out of range 0..%d", shard, MaxShard)
	}
	if startLSN == durability.NoLSN {
		return nil, fmt.Errorf("aof: shard %d: start LSN must be at least 1", shard)
	}
	if opts.SegmentSize <= 0 {
		opts.SegmentSize = defaultSegmentSize
	}
	if opts.MaxFrameSize <= 0 {
		opts.MaxFrameSize = defaultMaxFrameSize
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Latency == nil {
		opts.Latency = &durability.LatencyRelay{}
	}
	w := &Writer{
		fsys:    fsys,
		dir:     dir,
		aofDir:  filepath.Join(dir, DirName),
		shard:   shard,
		opts:    opts,
		nextLSN: startLSN,
	}
	if err := fsys.MkdirAll(w.aofDir, 0o755); err != nil {
		return nil, fmt.Errorf("aof: shard %d: %w", shard, err)
	}
	if err := fsys.SyncDir(dir); err != nil {
		return nil, fmt.Errorf("aof: shard %d: %w", shard, err)
	}
	existing, err := ListSegments(fsys, dir, shard)
	if err != nil {
		return nil, err
	}
	var total int64
	var empty []string
	for _, seg := range existing {
		name := filepath.Base(filepath.FromSlash(seg.Name))
		if seg.FirstLSN > startLSN {
			return nil, fmt.Errorf("aof: shard %d: segment %s starts at LSN %d, after the start LSN %d: recovery must account for it first",
				shard, name, seg.FirstLSN, startLSN)
		}
		if seg.FirstLSN == startLSN {
			continue // createSegment decides whether it may be reused
		}
		st, err := fsys.Stat(filepath.Join(w.aofDir, name))
		if err != nil {
			return nil, fmt.Errorf("aof: shard %d: %w", shard, err)
		}
		if st.Size() == 0 {
			empty = append(empty, seg.Name)
			continue
		}
		w.segs = append(w.segs, segInfo{name: name, first: seg.FirstLSN, size: st.Size()})
		total += st.Size()
	}
	// Empty segments below the start hold nothing (a roll right before a
	// crash, with a checkpoint beyond it): drop them so they cannot skew
	// which segments a checkpoint makes redundant.
	if _, err := w.removeSegments(empty); err != nil {
		return nil, err
	}
	f, name, err := w.createSegment(startLSN)
	if err != nil {
		return nil, err
	}
	w.f, w.segPath = f, filepath.Join(w.aofDir, name)
	w.segs = append(w.segs, segInfo{name: name, first: startLSN})
	w.writtenLSN.Store(uint64(startLSN - 1))
	w.syncedLSN.Store(uint64(startLSN - 1))
	w.size.Store(total)
	w.nsegs.Store(int64(len(w.segs)))
	return w, nil
}

// createSegment creates (or reuses, when empty) the segment starting at
// first, makes its directory entry durable and registers it. A file left by
// a failed attempt is empty and reused by the next one.
func (w *Writer) createSegment(first durability.LSN) (durability.File, string, error) {
	name := SegmentName(w.shard, first)
	p := filepath.Join(w.aofDir, name)
	if st, err := w.fsys.Stat(p); err == nil && st.Size() > 0 {
		return nil, "", fmt.Errorf("aof: shard %d: segment %s already holds %d bytes at LSN %d: refusing to overwrite",
			w.shard, p, st.Size(), first)
	}
	f, err := w.fsys.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, "", fmt.Errorf("aof: shard %d: create segment: %w", w.shard, err)
	}
	// On failure the empty file goes again, so that no unregistered
	// segment lingers to confuse a directory listing.
	fail := func(err error) (durability.File, string, error) {
		f.Close()
		_ = w.fsys.Remove(p)
		return nil, "", err
	}
	if err := w.fsys.SyncDir(w.aofDir); err != nil {
		return fail(fmt.Errorf("aof: shard %d: create segment %s: %w", w.shard, name, err))
	}
	if w.opts.Registry != nil {
		if err := w.opts.Registry.AddSegment(w.shard, durability.Segment{Name: segmentRel(name), FirstLSN: first}); err != nil {
			return fail(fmt.Errorf("aof: shard %d: register segment %s: %w", w.shard, name, err))
		}
	}
	return f, name, nil
}

// Append buffers a command of database db and returns its LSN. No I/O
// happens until Flush; args are copied.
func (w *Writer) Append(db int, args [][]byte) durability.LSN {
	return w.add(KindCommand, 0, db, 0, args)
}

// AppendTx buffers a command of this shard's part of transaction tx.
func (w *Writer) AppendTx(tx durability.TxID, db int, args [][]byte) durability.LSN {
	return w.add(KindTxCommand, tx, db, 0, args)
}

// EndTx closes this shard's part of tx; participants is the number of
// shards whose parts make the transaction whole.
func (w *Writer) EndTx(tx durability.TxID, participants int) durability.LSN {
	return w.add(KindTxEnd, tx, 0, participants, nil)
}

func (w *Writer) add(kind Kind, tx durability.TxID, db, participants int, args [][]byte) durability.LSN {
	if w.nchunks == 0 || len(w.chunks[w.nchunks-1].raw) >= w.opts.MaxFrameSize {
		if w.nchunks == len(w.chunks) {
			w.chunks = append(w.chunks, chunk{})
		}
		w.chunks[w.nchunks].first = w.nextLSN
		w.nchunks++
	}
	c := &w.chunks[w.nchunks-1]
	c.raw = appendRecord(c.raw, kind, tx, db, participants, args)
	c.count++
	lsn := w.nextLSN
	w.nextLSN++
	return lsn
}

// LastLSN is the LSN of the last record appended (buffered or not).
func (w *Writer) LastLSN() durability.LSN { return w.nextLSN - 1 }

// Flush compresses the buffered records into a frame (several if they
// exceed MaxFrameSize) and writes it; it returns the last LSN written. An
// error leaves the records in memory: the next Flush or Sync rewrites them
// (see doc.go). Flush also rolls to a new segment when the current one has
// reached SegmentSize, which costs an fsync of the finished segment.
func (w *Writer) Flush() (durability.LSN, error) {
	now := w.opts.Now().UnixMilli()
	frames := w.flushBuf[:0]
	defer func() {
		clear(frames) // pending owns the frames now
		w.flushBuf = frames[:0]
	}()
	for i := range w.nchunks {
		c := &w.chunks[i]
		frames = append(frames, w.encodeFrame(c, now))
		if cap(c.raw) > keepBufCap {
			c.raw = nil
		} else {
			c.raw = c.raw[:0]
		}
		c.count = 0
	}
	w.nchunks = 0

	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return w.WrittenLSN(), ErrClosed
	}
	for _, fr := range frames {
		w.pending = append(w.pending, fr)
		w.pendBytes += int64(len(fr.data))
		w.size.Add(int64(len(fr.data)))
		w.segSize.Add(int64(len(fr.data)))
	}
	w.unsynced.Store(w.pendBytes)
	// A segment already broken is repaired (which writes these frames too);
	// a write failing now is reported, and retried on the next call.
	wasBroken := w.broken != nil
	var werr error
	if !wasBroken {
		start := w.opts.Latency.Start()
		for _, fr := range frames {
			if _, err := w.f.Write(fr.data); err != nil {
				w.broken = fmt.Errorf("aof: shard %d: write %s: %w", w.shard, w.segPath, err)
				werr = w.broken
				break
			}
			w.writtenLSN.Store(uint64(fr.last))
		}
		// As Redis, the write is also sampled under what it ran beside.
		if !start.IsZero() {
			beside := "aof-write-alone"
			if w.syncing.Load() {
				beside = "aof-write-pending-fsync"
			}
			w.opts.Latency.End(beside, start)
			w.opts.Latency.End("aof-write", start)
		}
	}
	w.mu.Unlock()

	if werr != nil {
		return w.WrittenLSN(), werr
	}
	if wasBroken {
		if err := w.repair(); err != nil {
			return w.WrittenLSN(), err
		}
	}
	if w.segSize.Load() >= w.opts.SegmentSize {
		if err := w.roll(); err != nil {
			return w.WrittenLSN(), err
		}
	}
	return w.WrittenLSN(), nil
}

// encodeFrame builds the frame of one chunk.
func (w *Writer) encodeFrame(c *chunk, nowMs int64) pendingFrame {
	raw := c.raw
	h := frameHeader{
		shard:    w.shard,
		firstLSN: c.first,
		count:    uint32(c.count),
		timeMs:   nowMs,
		rawLen:   uint64(len(raw)),
	}
	payload := raw
	if n := s2.MaxEncodedLen(len(raw)); len(raw) >= minCompress && n > 0 {
		if cap(w.scratch) < n {
			w.scratch = make([]byte, n)
		}
		enc := s2.Encode(w.scratch[:n], raw)
		if len(enc) < len(raw) {
			payload = enc
			h.flags = flagS2
		}
	}
	h.compLen = uint64(len(payload))
	data := make([]byte, headerSize+len(payload))
	putHeader(data, &h)
	copy(data[headerSize:], payload)
	putCRC(data)

	w.frames.Add(1)
	w.records.Add(uint64(c.count))
	w.rawBytes.Add(uint64(len(raw)))
	w.diskBytes.Add(uint64(len(data)))
	return pendingFrame{data: data, last: h.lastLSN()}
}

// Sync makes every frame written so far durable. After a failed fsync
// nothing unsynced is trusted: the next Sync (or Flush) reopens the
// segment, truncates it to the last confirmed offset and rewrites the
// frames kept in memory before fsyncing again.
func (w *Writer) Sync() error {
	w.syncMu.Lock()
	defer w.syncMu.Unlock()
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return ErrClosed
	}
	if err := w.repairLocked(); err != nil {
		w.mu.Unlock()
		return err
	}
	n := len(w.pending)
	if n == 0 {
		w.mu.Unlock()
		return nil
	}
	f := w.f
	w.mu.Unlock()

	// Flush may keep writing behind this fsync; only the n frames written
	// before it are confirmed by it.
	w.syncing.Store(true)
	err := f.Sync()
	w.syncing.Store(false)

	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		if w.broken == nil {
			w.broken = fmt.Errorf("aof: shard %d: fsync %s: %w", w.shard, w.segPath, err)
		}
		return w.broken
	}
	w.confirmLocked(n)
	return nil
}

// confirmLocked records that the first n pending frames are durable.
func (w *Writer) confirmLocked(n int) {
	var bytes int64
	for _, fr := range w.pending[:n] {
		bytes += int64(len(fr.data))
	}
	last := w.pending[n-1].last
	clear(w.pending[:n])
	w.pending = w.pending[n:]
	if len(w.pending) == 0 {
		w.pending = nil
	}
	w.syncedOff += bytes
	w.pendBytes -= bytes
	w.unsynced.Store(w.pendBytes)
	w.syncedLSN.Store(uint64(last))
}

func (w *Writer) repair() error {
	w.syncMu.Lock()
	defer w.syncMu.Unlock()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.repairLocked()
}

// repairLocked brings the segment back to a known state after a failed
// write or fsync. The kernel may have dropped the failed pages and marked
// them clean (so a later fsync would succeed without writing them), and a
// failed write may have left part of a frame: reopen the file, cut it back
// to what an fsync confirmed and rewrite the unsynced frames from memory.
// Callers hold syncMu and mu.
func (w *Writer) repairLocked() error {
	if w.broken == nil {
		return nil
	}
	if w.f != nil {
		w.f.Close() // its error is the failure being repaired
		w.f = nil
	}
	// No O_CREATE: if the segment vanished, recreating it would lose the
	// synced prefix.
	f, err := w.fsys.OpenFile(w.segPath, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("aof: shard %d: reopen after %v: %w", w.shard, w.broken, err)
	}
	w.f = f
	if err := f.Truncate(w.syncedOff); err != nil {
		return fmt.Errorf("aof: shard %d: truncate %s to %d after %v: %w", w.shard, w.segPath, w.syncedOff, w.broken, err)
	}
	for _, fr := range w.pending {
		if _, err := f.Write(fr.data); err != nil {
			return fmt.Errorf("aof: shard %d: rewrite %s after %v: %w", w.shard, w.segPath, w.broken, err)
		}
	}
	if n := len(w.pending); n > 0 {
		w.writtenLSN.Store(uint64(w.pending[n-1].last))
	}
	w.broken = nil
	return nil
}

// roll finishes the current segment and starts the next. The finished
// segment is fsynced before the next exists, so only the newest segment of
// a shard can end in a torn frame.
func (w *Writer) roll() error {
	w.syncMu.Lock()
	defer w.syncMu.Unlock()
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.repairLocked(); err != nil {
		return err
	}
	if n := len(w.pending); n > 0 {
		if err := w.f.Sync(); err != nil {
			w.broken = fmt.Errorf("aof: shard %d: fsync %s: %w", w.shard, w.segPath, err)
			return w.broken
		}
		w.confirmLocked(n)
	}
	f, name, err := w.createSegment(w.nextLSN)
	if err != nil {
		return err
	}
	if err := w.f.Close(); err != nil {
		f.Close()
		return fmt.Errorf("aof: shard %d: close %s: %w", w.shard, w.segPath, err)
	}
	w.segs[len(w.segs)-1].size = w.syncedOff
	w.segs = append(w.segs, segInfo{name: name, first: w.nextLSN})
	w.f, w.segPath, w.syncedOff = f, filepath.Join(w.aofDir, name), 0
	w.segSize.Store(0)
	w.nsegs.Store(int64(len(w.segs)))
	return nil
}

// Roll finishes the current segment and starts the next one at the next
// LSN (a checkpoint's cut, so that the segments before it become
// removable). It flushes first: a segment must start at its first record.
func (w *Writer) Roll() error {
	if _, err := w.Flush(); err != nil {
		return err
	}
	if w.segSize.Load() == 0 {
		return nil // the current segment is empty: it already starts here
	}
	return w.roll()
}

// RemoveSegmentsThrough deletes the segments, other than the current one,
// that hold only records at or below lsn — those a checkpoint at lsn made
// redundant. The MANIFEST stops naming them before the files go, so a
// crash in between leaves only unnamed files behind.
func (w *Writer) RemoveSegmentsThrough(lsn durability.LSN) error {
	n := 0
	for n < len(w.segs)-1 && w.segs[n+1].first <= lsn+1 {
		n++
	}
	if n == 0 {
		return nil
	}
	names := make([]string, n)
	for i, s := range w.segs[:n] {
		names[i] = segmentRel(s.name)
	}
	removed, err := w.removeSegments(names)
	for _, s := range w.segs[:removed] {
		w.size.Add(-s.size)
	}
	w.segs = w.segs[removed:]
	w.nsegs.Store(int64(len(w.segs)))
	return err
}

// removeSegments unregisters the named segments (relative to the data
// directory), then deletes their files in order; it returns how many files
// are gone.
func (w *Writer) removeSegments(names []string) (int, error) {
	if len(names) == 0 {
		return 0, nil
	}
	if w.opts.Registry != nil {
		if err := w.opts.Registry.RemoveSegments(w.shard, names); err != nil {
			return 0, fmt.Errorf("aof: shard %d: unregister segments: %w", w.shard, err)
		}
	}
	for i, name := range names {
		err := w.fsys.Remove(filepath.Join(w.dir, filepath.FromSlash(name)))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return i, fmt.Errorf("aof: shard %d: remove segment: %w", w.shard, err)
		}
	}
	if err := w.fsys.SyncDir(w.aofDir); err != nil {
		return len(names), fmt.Errorf("aof: shard %d: %w", w.shard, err)
	}
	return len(names), nil
}

// WrittenLSN is the last LSN handed to the operating system.
func (w *Writer) WrittenLSN() durability.LSN { return durability.LSN(w.writtenLSN.Load()) }

// SyncedLSN is the last LSN known to be on stable storage.
func (w *Writer) SyncedLSN() durability.LSN { return durability.LSN(w.syncedLSN.Load()) }

// Stats returns sizes and counters.
func (w *Writer) Stats() durability.LogStats {
	return durability.LogStats{
		Size:        w.size.Load(),
		SegmentSize: w.segSize.Load(),
		Segments:    int(w.nsegs.Load()),
		Unsynced:    w.unsynced.Load(),
		WrittenLSN:  w.WrittenLSN(),
		SyncedLSN:   w.SyncedLSN(),
		Frames:      w.frames.Load(),
		Records:     w.records.Load(),
		RawBytes:    w.rawBytes.Load(),
		DiskBytes:   w.diskBytes.Load(),
	}
}

// Close flushes the buffered records, fsyncs and closes the segment. The
// error of any step is returned; the file is closed regardless.
func (w *Writer) Close() error {
	_, ferr := w.Flush()
	if errors.Is(ferr, ErrClosed) {
		return ErrClosed
	}
	serr := w.Sync()
	w.syncMu.Lock()
	defer w.syncMu.Unlock()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	var cerr error
	if w.f != nil {
		cerr = w.f.Close()
		w.f = nil
	}
	return errors.Join(ferr, serr, cerr)
}
