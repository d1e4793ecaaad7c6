package aof

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/keeldb/keel/durability"
	"github.com/klauspost/compress/s2"
)

// Record is one logged effect as the Reader yields it.
type Record struct {
	LSN  durability.LSN
	Kind Kind
	// DB and Args are the command (KindCommand, KindTxCommand). Args alias
	// the reader's buffers and are valid until the next call to Next.
	DB   int
	Args [][]byte
	// Tx is the transaction of a KindTxCommand or KindTxEnd record;
	// Participants is set on KindTxEnd.
	Tx           durability.TxID
	Participants int
	// TimeMs is the wall clock (Unix ms) when the record's frame was
	// written.
	TimeMs int64
	// Segment and FrameOffset locate the record's frame, for messages.
	Segment     string
	FrameOffset int64
}

// TornTailError reports a frame at the end of the newest segment that is
// cut short or fails its CRC with no intact frame after it: what a crash in
// the middle of a write leaves. Truncating the file to Offset (Drop bytes
// fewer) removes it; every record before it has been yielded.
type TornTailError struct {
	Path   string
	Offset int64
	Drop   int64
	LSN    durability.LSN // the first LSN not recovered
	Reason string
}

func (e *TornTailError) Error() string {
	return fmt.Sprintf("aof: torn tail in %s at offset %d (%d bytes to drop, records from LSN %d lost): %s",
		e.Path, e.Offset, e.Drop, e.LSN, e.Reason)
}

// CorruptionError reports a damaged or inconsistent frame that is not a
// torn tail: in an older segment, followed by intact frames, or intact
// itself but out of sequence. Every record before it has been yielded.
type CorruptionError struct {
	Path   string
	Offset int64
	LSN    durability.LSN // the first LSN not recovered
	Reason string
}

func (e *CorruptionError) Error() string {
	return fmt.Sprintf("aof: corrupt log %s at offset %d (LSN %d): %s", e.Path, e.Offset, e.LSN, e.Reason)
}

// Reader iterates one shard's records across its segments, checking every
// frame's CRC and the LSN sequence. It reads each segment as it is when
// opened: on a log still being written, a frame in flight shows as a torn
// tail.
type Reader struct {
	fsys  durability.FS
	dir   string
	shard int
	segs  []durability.Segment
	from  durability.LSN

	segIdx   int
	f        durability.File
	path     string
	fileSize int64
	br       *bufio.Reader
	off      int64          // offset of the next frame in f
	expect   durability.LSN // LSN the next frame must start with

	// Current frame.
	hdr      frameHeader
	frameOff int64
	payload  []byte
	rawBuf   []byte
	raw      []byte // decoded records of the frame
	pos      int
	left     uint32
	recLSN   durability.LSN
	dec      decoded

	hdrBuf [headerSize]byte
	err    error
}

// NewReader returns a reader over shard's segments (as the MANIFEST lists
// them: names relative to dir, in LSN order) yielding records from LSN from
// on. Segments wholly below from are not opened. With from = NoLSN it
// reads everything the segments hold.
func NewReader(fsys durability.FS, dir string, shard int, segs []durability.Segment, from durability.LSN) (*Reader, error) {
	for i := 1; i < len(segs); i++ {
		if segs[i].FirstLSN <= segs[i-1].FirstLSN {
			return nil, fmt.Errorf("aof: shard %d: segments out of LSN order: %s (LSN %d) after %s (LSN %d)",
				shard, segs[i].Name, segs[i].FirstLSN, segs[i-1].Name, segs[i-1].FirstLSN)
		}
	}
	r := &Reader{fsys: fsys, dir: dir, shard: shard, segs: segs, from: from}
	for r.segIdx+1 < len(segs) && segs[r.segIdx+1].FirstLSN <= from {
		r.segIdx++
	}
	// Start in a segment that holds records: an empty one left by a failed
	// roll may sit inside the previous segment's range.
	for r.segIdx > 0 {
		st, err := fsys.Stat(filepath.Join(dir, filepath.FromSlash(segs[r.segIdx].Name)))
		if err != nil || st.Size() > 0 {
			break
		}
		r.segIdx--
	}
	if len(segs) > 0 {
		first := segs[r.segIdx]
		if from != durability.NoLSN && first.FirstLSN > from {
			return nil, &CorruptionError{
				Path:   filepath.Join(dir, filepath.FromSlash(first.Name)),
				LSN:    from,
				Reason: fmt.Sprintf("log starts at LSN %d; LSNs %d to %d are missing", first.FirstLSN, from, first.FirstLSN-1),
			}
		}
		r.expect = first.FirstLSN
	} else {
		r.expect = max(from, 1)
	}
	return r, nil
}

// Next returns the next record, io.EOF after the last, or an error. A
// *TornTailError or *CorruptionError is returned again by every later call.
func (r *Reader) Next() (Record, error) {
	for r.err == nil {
		if r.left > 0 {
			rec, ok := r.decodeNext()
			if ok {
				return rec, nil
			}
			continue
		}
		r.err = r.nextFrame()
	}
	return Record{}, r.err
}

// decodeNext decodes the next record of the current frame; ok is false
// when it lies below from (or on error, with r.err set).
func (r *Reader) decodeNext() (Record, bool) {
	n, err := decodeRecord(r.raw[r.pos:], &r.dec)
	if err != nil {
		r.err = r.corrupt(r.frameOff, r.recLSN, fmt.Sprintf("record with LSN %d: %v", r.recLSN, err))
		return Record{}, false
	}
	r.pos += n
	r.left--
	lsn := r.recLSN
	r.recLSN++
	if r.left == 0 && r.pos != len(r.raw) {
		r.err = r.corrupt(r.frameOff, lsn, fmt.Sprintf("%d bytes after the frame's last record", len(r.raw)-r.pos))
		return Record{}, false
	}
	if r.left > 0 && r.pos == len(r.raw) {
		r.err = r.corrupt(r.frameOff, lsn+1, fmt.Sprintf("frame announces %d records but ends after %d", r.hdr.count, r.hdr.count-r.left))
		return Record{}, false
	}
	if lsn < r.from {
		return Record{}, false
	}
	return Record{
		LSN:          lsn,
		Kind:         r.dec.kind,
		DB:           r.dec.db,
		Args:         r.dec.args,
		Tx:           r.dec.tx,
		Participants: r.dec.participants,
		TimeMs:       r.hdr.timeMs,
		Segment:      r.path,
		FrameOffset:  r.frameOff,
	}, true
}

// nextFrame loads the next frame that holds records at or above from,
// opening the following segment at the end of one.
func (r *Reader) nextFrame() error {
	for {
		if r.f == nil {
			if r.segIdx >= len(r.segs) {
				return io.EOF
			}
			if err := r.openSegment(); err != nil {
				return err
			}
		}
		n, err := io.ReadFull(r.br, r.hdrBuf[:])
		switch {
		case err == io.EOF:
			r.closeSegment()
			r.segIdx++
			continue
		case errors.Is(err, io.ErrUnexpectedEOF):
			return r.bad(r.off, fmt.Sprintf("frame header cut short (%d of %d bytes)", n, headerSize))
		case err != nil:
			return fmt.Errorf("aof: read %s at offset %d: %w", r.path, r.off, err)
		}
		h, err := parseHeader(r.hdrBuf[:])
		if err != nil {
			return r.bad(r.off, "frame header: "+err.Error())
		}
		if left := r.fileSize - r.off - headerSize; left < 0 || h.compLen > uint64(left) {
			return r.bad(r.off, fmt.Sprintf("frame payload of %d bytes runs past the end of the file (%d bytes left)", h.compLen, left))
		}
		if uint64(cap(r.payload)) < h.compLen {
			r.payload = make([]byte, h.compLen)
		}
		r.payload = r.payload[:h.compLen]
		if _, err := io.ReadFull(r.br, r.payload); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				return r.bad(r.off, "frame payload cut short")
			}
			return fmt.Errorf("aof: read %s at offset %d: %w", r.path, r.off, err)
		}
		if got := frameCRC(r.hdrBuf[:], r.payload); got != h.crc {
			return r.bad(r.off, fmt.Sprintf("CRC mismatch (stored %#08x, computed %#08x)", h.crc, got))
		}
		// The frame is what was written: anything wrong from here on is
		// not a torn write.
		frameOff := r.off
		r.off += headerSize + int64(h.compLen)
		if h.shard != r.shard {
			return r.corrupt(frameOff, r.expect, fmt.Sprintf("frame belongs to shard %d", h.shard))
		}
		if h.firstLSN != r.expect {
			return r.corrupt(frameOff, r.expect, fmt.Sprintf("frame starts at LSN %d, expected %d", h.firstLSN, r.expect))
		}
		r.expect = h.lastLSN() + 1
		if h.lastLSN() < r.from {
			continue
		}
		if err := r.decompress(&h, frameOff); err != nil {
			return err
		}
		r.hdr, r.frameOff = h, frameOff
		r.pos, r.left, r.recLSN = 0, h.count, h.firstLSN
		return nil
	}
}

func (r *Reader) decompress(h *frameHeader, frameOff int64) error {
	if h.flags&flagS2 == 0 {
		r.raw = r.payload
		return nil
	}
	n, err := s2.DecodedLen(r.payload)
	if err != nil || uint64(n) != h.rawLen {
		return r.corrupt(frameOff, h.firstLSN, fmt.Sprintf("compressed payload announces %d bytes, header %d (%v)", n, h.rawLen, err))
	}
	if cap(r.rawBuf) < n {
		r.rawBuf = make([]byte, n)
	}
	raw, err := s2.Decode(r.rawBuf[:n], r.payload)
	if err != nil {
		return r.corrupt(frameOff, h.firstLSN, "decompress: "+err.Error())
	}
	r.raw = raw
	return nil
}

func (r *Reader) openSegment() error {
	seg := r.segs[r.segIdx]
	r.path = filepath.Join(r.dir, filepath.FromSlash(seg.Name))
	f, err := r.fsys.Open(r.path)
	if err != nil {
		return fmt.Errorf("aof: shard %d: open segment: %w", r.shard, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("aof: shard %d: stat segment: %w", r.shard, err)
	}
	r.f, r.fileSize, r.off = f, st.Size(), 0
	switch {
	case seg.FirstLSN == r.expect:
	case seg.FirstLSN < r.expect && r.fileSize == 0:
		// An empty file left by a roll that failed halfway; it holds
		// nothing, and the frames it would have held are in the segment
		// before it.
	default:
		return r.corrupt(0, r.expect, fmt.Sprintf("segment starts at LSN %d, but the previous one ends before LSN %d", seg.FirstLSN, r.expect))
	}
	if r.br == nil {
		r.br = bufio.NewReaderSize(f, int(min(max(r.fileSize, 4<<10), 256<<10)))
	} else {
		r.br.Reset(f)
	}
	return nil
}

func (r *Reader) closeSegment() {
	if r.f != nil {
		r.f.Close()
		r.f = nil
	}
}

func (r *Reader) corrupt(off int64, lsn durability.LSN, reason string) error {
	return &CorruptionError{Path: r.path, Offset: off, LSN: lsn, Reason: reason}
}

// bad classifies a damaged frame at off: a torn tail when it is in the
// newest segment and no intact frame follows it, corruption otherwise.
func (r *Reader) bad(off int64, reason string) error {
	next, err := r.findIntactFrame(off + 1)
	if err != nil {
		return fmt.Errorf("aof: %s at offset %d: %s; scanning for later frames: %w", r.path, off, reason, err)
	}
	if next < 0 {
		if r.segIdx == len(r.segs)-1 {
			return &TornTailError{Path: r.path, Offset: off, Drop: r.fileSize - off, LSN: r.expect, Reason: reason}
		}
		return r.corrupt(off, r.expect, reason+"; not the newest segment, so not a torn tail")
	}
	return r.corrupt(off, r.expect, fmt.Sprintf("%s; an intact frame follows at offset %d", reason, next))
}

// findIntactFrame returns the offset of the first frame at or after start
// whose header parses and whose CRC holds, or -1.
func (r *Reader) findIntactFrame(start int64) (int64, error) {
	if start >= r.fileSize {
		return -1, nil
	}
	rest := make([]byte, r.fileSize-start)
	if _, err := r.f.ReadAt(rest, start); err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	for i := 0; ; {
		j := bytes.Index(rest[i:], frameMagic[:])
		if j < 0 {
			return -1, nil
		}
		p := i + j
		i = p + 1
		if len(rest)-p < headerSize {
			return -1, nil
		}
		h, err := parseHeader(rest[p : p+headerSize])
		if err != nil || h.compLen > uint64(len(rest)-p-headerSize) {
			continue
		}
		if frameCRC(rest[p:p+headerSize], rest[p+headerSize:p+headerSize+int(h.compLen)]) == h.crc {
			return start + int64(p), nil
		}
	}
}

// LastLSN is the LSN before the next one the reader expects: after io.EOF
// or a *TornTailError, the last LSN the log holds intact (recovery resumes
// logging after it). Before any frame is read it is the LSN before the first
// segment's (before from when there are no segments).
func (r *Reader) LastLSN() durability.LSN { return r.expect - 1 }

// Close releases the open segment.
func (r *Reader) Close() error {
	r.closeSegment()
	return nil
}

// Truncate cuts a torn tail off its segment and fsyncs the file, for
// aof-load-truncated yes.
func Truncate(fsys durability.FS, e *TornTailError) error {
	f, err := fsys.OpenFile(e.Path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("aof: truncate torn tail: %w", err)
	}
	if err := f.Truncate(e.Offset); err != nil {
		f.Close()
		return fmt.Errorf("aof: truncate %s to %d: %w", e.Path, e.Offset, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("aof: truncate %s: %w", e.Path, err)
	}
	return f.Close()
}
