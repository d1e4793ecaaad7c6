package main

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/keeldb/keel/aof"
	"github.com/keeldb/keel/durability"
	"github.com/klauspost/compress/s2"
)

// The tools read segments frame by frame, below what aof.Reader offers
// (which stops at the first damage and hides frame headers): ls needs
// every frame's sizes, verify goes on past damage, fix describes intact
// frames after a corrupt one. The layout is the one aof/doc.go documents.
const (
	frameHeaderSize = 48
	frameVersion    = 1
	frameFlagS2     = 1
	frameCRCOffset  = 44
)

// maxFrameRaw bounds a frame's decoded size, so that a damaged header
// whose CRC happens to hold cannot make the decoder allocate without end
// (aof.Options.MaxFrameSize defaults to 16 MiB).
const maxFrameRaw = 1 << 30

var (
	frameMagic = []byte("KAOF")
	crcTable   = crc32.MakeTable(crc32.Castagnoli)
)

// frameHeader is a decoded frame header.
type frameHeader struct {
	flags   byte
	shard   int
	first   durability.LSN
	count   uint32
	timeMs  int64
	compLen uint64
	rawLen  uint64
	crc     uint32
}

func (h *frameHeader) last() durability.LSN { return h.first + durability.LSN(h.count) - 1 }

func parseFrameHeader(b []byte) (frameHeader, error) {
	var h frameHeader
	if !bytes.Equal(b[:4], frameMagic) {
		return h, fmt.Errorf("bad magic %q", b[:4])
	}
	if b[4] != frameVersion {
		return h, fmt.Errorf("unknown frame version %d", b[4])
	}
	h.flags = b[5]
	if h.flags&^frameFlagS2 != 0 {
		return h, fmt.Errorf("unknown frame flags %#x", h.flags)
	}
	h.shard = int(binary.LittleEndian.Uint16(b[6:]))
	h.first = durability.LSN(binary.LittleEndian.Uint64(b[8:]))
	h.count = binary.LittleEndian.Uint32(b[16:])
	h.timeMs = int64(binary.LittleEndian.Uint64(b[20:]))
	h.compLen = binary.LittleEndian.Uint64(b[28:])
	h.rawLen = binary.LittleEndian.Uint64(b[36:])
	h.crc = binary.LittleEndian.Uint32(b[44:])
	if h.first == durability.NoLSN || h.count == 0 {
		return h, fmt.Errorf("frame with first LSN %d and %d records", h.first, h.count)
	}
	if h.flags&frameFlagS2 == 0 && h.compLen != h.rawLen {
		return h, fmt.Errorf("uncompressed frame with stored length %d != raw length %d", h.compLen, h.rawLen)
	}
	return h, nil
}

func frameCRC(header, payload []byte) uint32 {
	return crc32.Update(crc32.Update(0, crcTable, header[:frameCRCOffset]), crcTable, payload)
}

// frame is one intact frame (its CRC holds) of a segment.
type frame struct {
	off int64
	frameHeader
	payload []byte // valid until the next frame is read
}

// size is the frame's length on disk.
func (f *frame) size() int64 { return frameHeaderSize + int64(f.compLen) }

// damage is a frame that cannot be read: cut short or failing its CRC.
// next is the offset of the next intact frame in the segment, -1 if none.
type damage struct {
	off    int64
	next   int64
	reason string
}

// segReader reads one segment file frame by frame.
type segReader struct {
	path    string
	f       *os.File
	size    int64
	br      *bufio.Reader
	off     int64
	hdr     [frameHeaderSize]byte
	payload []byte
}

func openSegment(path string) (*segReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &segReader{path: path, f: f, size: st.Size(), br: bufio.NewReaderSize(f, 256<<10)}, nil
}

func (s *segReader) close() { s.f.Close() }

// seek positions the reader at off.
func (s *segReader) seek(off int64) error {
	if _, err := s.f.Seek(off, io.SeekStart); err != nil {
		return fmt.Errorf("%s: seek to %d: %w", s.path, off, err)
	}
	s.br.Reset(s.f)
	s.off = off
	return nil
}

// next returns the next intact frame, io.EOF at the end of the file, a
// *damage for a frame that cannot be read (the reader is then positioned
// nowhere useful: seek to damage.next to go on), or an I/O error.
func (s *segReader) next() (*frame, error) {
	if s.off >= s.size {
		return nil, io.EOF
	}
	n, err := io.ReadFull(s.br, s.hdr[:])
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, s.damaged(fmt.Sprintf("frame header cut short (%d of %d bytes)", n, frameHeaderSize))
		}
		return nil, fmt.Errorf("%s: read at offset %d: %w", s.path, s.off, err)
	}
	h, err := parseFrameHeader(s.hdr[:])
	if err != nil {
		return nil, s.damaged("frame header: " + err.Error())
	}
	if left := s.size - s.off - frameHeaderSize; h.compLen > uint64(left) {
		return nil, s.damaged(fmt.Sprintf("frame payload of %d bytes runs past the end of the file (%d bytes left)", h.compLen, left))
	}
	if uint64(cap(s.payload)) < h.compLen {
		s.payload = make([]byte, h.compLen)
	}
	s.payload = s.payload[:h.compLen]
	if _, err := io.ReadFull(s.br, s.payload); err != nil {
		return nil, fmt.Errorf("%s: read at offset %d: %w", s.path, s.off, err)
	}
	if got := frameCRC(s.hdr[:], s.payload); got != h.crc {
		return nil, s.damaged(fmt.Sprintf("CRC mismatch (stored %#08x, computed %#08x)", h.crc, got))
	}
	fr := &frame{off: s.off, frameHeader: h, payload: s.payload}
	s.off += fr.size()
	return fr, nil
}

func (s *segReader) damaged(reason string) error {
	next, err := s.findIntact(s.off + 1)
	if err != nil {
		return err
	}
	return &damage{off: s.off, next: next, reason: reason}
}

func (d *damage) Error() string {
	return fmt.Sprintf("damaged frame at offset %d: %s", d.off, d.reason)
}

// findIntact returns the offset of the first frame at or after start whose
// header parses and whose CRC holds, or -1.
func (s *segReader) findIntact(start int64) (int64, error) {
	if start >= s.size {
		return -1, nil
	}
	rest := make([]byte, s.size-start)
	if _, err := s.f.ReadAt(rest, start); err != nil && !errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("%s: read at offset %d: %w", s.path, start, err)
	}
	for i := 0; ; {
		j := bytes.Index(rest[i:], frameMagic)
		if j < 0 {
			return -1, nil
		}
		p := i + j
		i = p + 1
		if len(rest)-p < frameHeaderSize {
			return -1, nil
		}
		h, err := parseFrameHeader(rest[p : p+frameHeaderSize])
		if err != nil || h.compLen > uint64(len(rest)-p-frameHeaderSize) {
			continue
		}
		if frameCRC(rest[p:p+frameHeaderSize], rest[p+frameHeaderSize:p+frameHeaderSize+int(h.compLen)]) == h.crc {
			return start + int64(p), nil
		}
	}
}

// record is one decoded record. Args alias the frame's decoded payload.
type record struct {
	lsn          durability.LSN
	kind         aof.Kind
	tx           durability.TxID
	db           int
	participants int
	args         [][]byte
}

// frameDecoder turns frame payloads into records, reusing its buffers.
type frameDecoder struct {
	raw  []byte
	recs []record
	args [][]byte
	ends []int // per record, the end of its arguments in args
}

// decode returns the records of fr; they are valid until the next call.
func (d *frameDecoder) decode(fr *frame) ([]record, error) {
	raw := fr.payload
	if fr.rawLen > maxFrameRaw {
		return nil, fmt.Errorf("frame claims %d bytes of records, more than keel ever writes in one frame", fr.rawLen)
	}
	if fr.flags&frameFlagS2 != 0 {
		n, err := s2.DecodedLen(fr.payload)
		if err != nil || uint64(n) != fr.rawLen {
			return nil, fmt.Errorf("compressed payload announces %d bytes, header %d (%v)", n, fr.rawLen, err)
		}
		if cap(d.raw) < n {
			d.raw = make([]byte, n)
		}
		if raw, err = s2.Decode(d.raw[:n], fr.payload); err != nil {
			return nil, fmt.Errorf("decompress: %w", err)
		}
	}
	d.recs, d.args, d.ends = d.recs[:0], d.args[:0], d.ends[:0]
	pos := 0
	for i := uint32(0); i < fr.count; i++ {
		lsn := fr.first + durability.LSN(i)
		if pos == len(raw) {
			return nil, fmt.Errorf("frame announces %d records but ends after %d", fr.count, i)
		}
		rec, n, err := decodeRecord(raw[pos:], &d.args)
		if err != nil {
			return nil, fmt.Errorf("record with LSN %d: %w", lsn, err)
		}
		rec.lsn = lsn
		pos += n
		d.recs = append(d.recs, rec)
		d.ends = append(d.ends, len(d.args))
	}
	if pos != len(raw) {
		return nil, fmt.Errorf("%d bytes after the frame's last record", len(raw)-pos)
	}
	// args grew by appending: point each record at its arguments only now,
	// when the backing array no longer moves.
	at := 0
	for i := range d.recs {
		d.recs[i].args = d.args[at:d.ends[i]:d.ends[i]]
		at = d.ends[i]
	}
	return d.recs, nil
}

// decodeRecord parses the record at the start of src (format in aof/doc.go),
// appending its arguments to *args (decode points the record at them).
func decodeRecord(src []byte, args *[][]byte) (record, int, error) {
	var rec record
	rec.kind = aof.Kind(src[0])
	p := 1
	uv := func(what string) (uint64, error) {
		v, n := binary.Uvarint(src[p:])
		if n <= 0 {
			return 0, fmt.Errorf("bad varint for %s at record byte %d", what, p)
		}
		p += n
		return v, nil
	}
	switch rec.kind {
	case aof.KindCommand, aof.KindTxCommand, aof.KindTxEnd:
	default:
		return rec, 0, fmt.Errorf("unknown record kind %d", src[0])
	}
	if rec.kind != aof.KindCommand {
		v, err := uv("transaction id")
		if err != nil {
			return rec, 0, err
		}
		rec.tx = durability.TxID(v)
	}
	if rec.kind == aof.KindTxEnd {
		v, err := uv("participant count")
		if err != nil {
			return rec, 0, err
		}
		if v == 0 || v > math.MaxInt32 {
			return rec, 0, fmt.Errorf("participant count %d out of range", v)
		}
		rec.participants = int(v)
		return rec, p, nil
	}
	db, err := uv("db")
	if err != nil {
		return rec, 0, err
	}
	if db > math.MaxInt32 {
		return rec, 0, fmt.Errorf("db %d out of range", db)
	}
	rec.db = int(db)
	argc, err := uv("argument count")
	if err != nil {
		return rec, 0, err
	}
	if argc == 0 || argc > uint64(len(src)-p) {
		return rec, 0, fmt.Errorf("argument count %d impossible with %d bytes left", argc, len(src)-p)
	}
	for i := uint64(0); i < argc; i++ {
		l, err := uv("argument length")
		if err != nil {
			return rec, 0, err
		}
		if l > uint64(len(src)-p) {
			return rec, 0, fmt.Errorf("argument %d of %d bytes overruns the frame (%d left)", i, l, len(src)-p)
		}
		*args = append(*args, src[p:p+int(l):p+int(l)])
		p += int(l)
	}
	return rec, p, nil
}

// dataDir is a data directory as the tools see it: its MANIFEST (or, when
// it is missing, the segments found in aof/) and the files around it.
type dataDir struct {
	dir      string
	manifest *durability.Manifest // nil without a MANIFEST
	// invalid is why the MANIFEST fails validation (it is still used).
	invalid error
	shards  []shardLog
	// unnamed are segment files in aof/ the MANIFEST does not name.
	unnamed []string
}

// shardLog is one shard's segments in LSN order.
type shardLog struct {
	shard int
	segs  []durability.Segment
}

func (d *dataDir) path(seg durability.Segment) string {
	return filepath.Join(d.dir, filepath.FromSlash(seg.Name))
}

func (d *dataDir) manifestPath() string { return filepath.Join(d.dir, durability.ManifestName) }

// checkpointLSN is shard's LSN in the MANIFEST's checkpoint (NoLSN without).
func (d *dataDir) checkpointLSN(shard int) durability.LSN {
	if d.manifest == nil {
		return durability.NoLSN
	}
	return d.manifest.CheckpointLSN(shard)
}

// loadDataDir reads dir's MANIFEST without requiring its segments to exist
// (verify reports the missing ones; LoadManifest would stop at the first).
func loadDataDir(dir string) (*dataDir, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	d := &dataDir{dir: dir}
	data, err := os.ReadFile(d.manifestPath())
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		var m durability.Manifest
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m); err != nil {
			return nil, fmt.Errorf("%s: unparsable: %w", d.manifestPath(), err)
		}
		d.manifest = &m
		d.invalid = m.Validate()
		for _, sl := range m.Shards {
			d.shards = append(d.shards, shardLog{shard: sl.Shard, segs: slices.Clone(sl.Segments)})
		}
	}
	named := map[string]bool{}
	for _, sl := range d.shards {
		for _, s := range sl.segs {
			named[s.Name] = true
		}
	}
	entries, err := os.ReadDir(filepath.Join(dir, aof.DirName))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	found := map[int][]durability.Segment{}
	for _, e := range entries {
		shard, first, ok := aof.ParseSegmentName(e.Name())
		if !ok || e.IsDir() {
			continue
		}
		seg := durability.Segment{Name: aof.DirName + "/" + e.Name(), FirstLSN: first}
		if !named[seg.Name] {
			d.unnamed = append(d.unnamed, seg.Name)
		}
		found[shard] = append(found[shard], seg)
	}
	if d.manifest == nil {
		for shard, segs := range found {
			slices.SortFunc(segs, func(a, b durability.Segment) int { return cmp.Compare(a.FirstLSN, b.FirstLSN) })
			d.shards = append(d.shards, shardLog{shard: shard, segs: segs})
		}
		d.unnamed = nil
	}
	slices.SortFunc(d.shards, func(a, b shardLog) int { return cmp.Compare(a.shard, b.shard) })
	return d, nil
}

// problem is something wrong with a data directory, located as precisely
// as it can be.
type problem struct {
	Shard  int            `json:"shard"`
	File   string         `json:"file"`
	Offset int64          `json:"offset"`
	LSN    durability.LSN `json:"lsn"`
	What   string         `json:"what"`

	seg  int  // index of the segment in the shard's log, -1 for none
	torn bool // damage at the end of the newest segment with nothing intact after it
}

func (p problem) String() string {
	where := p.File
	if p.seg >= 0 && p.Offset >= 0 {
		where = fmt.Sprintf("%s offset %d", p.File, p.Offset)
	}
	if p.LSN != durability.NoLSN {
		where += fmt.Sprintf(" LSN %d", p.LSN)
	}
	return where + ": " + p.What
}

// walkFrame is one sound frame of a shard's log as walkShard yields it.
type walkFrame struct {
	*frame
	seg  int
	path string
	recs []record // when decoding was asked for
}

// walkOptions say how far walkShard goes.
type walkOptions struct {
	// decode decompresses frames and decodes their records (a frame whose
	// records do not decode is then a problem).
	decode bool
	// all goes on past problems to report every one (verify); otherwise
	// the walk stops at the first, as recovery does.
	all bool
	// progress counts the bytes read.
	progress *progress
}

// walkShard visits the sound frames of one shard's log in LSN order,
// checking CRCs, the shard number and LSN continuity within and across
// segments. It returns the problems found: at most one without opts.all,
// where the walk stops. fn's error ends the walk.
func walkShard(d *dataDir, sl shardLog, opts walkOptions, fn func(*walkFrame) error) ([]problem, error) {
	var probs []problem
	var dec frameDecoder
	expect := durability.NoLSN
	if len(sl.segs) > 0 {
		expect = sl.segs[0].FirstLSN
	}
	for i, seg := range sl.segs {
		path := d.path(seg)
		prob := func(off int64, lsn durability.LSN, what string) problem {
			return problem{Shard: sl.shard, File: path, Offset: off, LSN: lsn, What: what, seg: i}
		}
		r, err := openSegment(path)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				return probs, err
			}
			p := prob(0, seg.FirstLSN, fmt.Sprintf("segment (first LSN %d) named by the MANIFEST is missing", seg.FirstLSN))
			p.Offset = -1
			probs = append(probs, p)
			if !opts.all {
				return probs, nil
			}
			expect = durability.NoLSN // unknown until the next frame
			continue
		}
		switch {
		case expect == durability.NoLSN || seg.FirstLSN == expect:
			expect = seg.FirstLSN
		case seg.FirstLSN < expect && r.size == 0:
			// An empty file left by a roll that failed halfway: the frames
			// it would hold are in the segment before it.
		default:
			probs = append(probs, prob(0, expect, fmt.Sprintf("segment starts at LSN %d, but the log before it ends before LSN %d", seg.FirstLSN, expect)))
			if !opts.all {
				r.close()
				return probs, nil
			}
			expect = seg.FirstLSN
		}
		stop, err := walkSegment(r, sl.shard, i == len(sl.segs)-1, &expect, &dec, opts, prob, &probs, func(fr *frame, recs []record) error {
			return fn(&walkFrame{frame: fr, seg: i, path: path, recs: recs})
		})
		r.close()
		if err != nil || stop {
			return probs, err
		}
	}
	return probs, nil
}

// walkSegment is walkShard's loop over one segment; stop reports that the
// walk ended at a problem.
func walkSegment(r *segReader, shard int, newest bool, expect *durability.LSN, dec *frameDecoder, opts walkOptions,
	prob func(int64, durability.LSN, string) problem, probs *[]problem, fn func(*frame, []record) error) (stop bool, err error) {
	last := int64(0)
	defer func() {
		if opts.progress != nil {
			opts.progress.addBytes(r.size - last)
		}
	}()
	for {
		fr, err := r.next()
		if err == io.EOF {
			return false, nil
		}
		var dmg *damage
		if errors.As(err, &dmg) {
			p := prob(dmg.off, *expect, dmg.reason)
			switch {
			case dmg.next >= 0:
				p.What += fmt.Sprintf("; an intact frame follows at offset %d", dmg.next)
			case newest:
				p.torn = true
				p.What = "torn tail (" + fmt.Sprint(r.size-dmg.off) + " bytes): " + p.What
			default:
				p.What += "; not the newest segment, so not a torn tail"
			}
			*probs = append(*probs, p)
			if !opts.all || dmg.next < 0 {
				// The next segment resynchronises: its start is not a
				// second problem.
				*expect = durability.NoLSN
				return !opts.all, nil
			}
			if err := r.seek(dmg.next); err != nil {
				return true, err
			}
			*expect = durability.NoLSN // resynchronise on the next frame
			continue
		}
		if err != nil {
			return true, err
		}
		if opts.progress != nil {
			opts.progress.addBytes(r.off - last)
			last = r.off
		}
		if fr.shard != shard {
			*probs = append(*probs, prob(fr.off, fr.first, fmt.Sprintf("frame belongs to shard %d", fr.shard)))
			if !opts.all {
				return true, nil
			}
		}
		if *expect != durability.NoLSN && fr.first != *expect {
			*probs = append(*probs, prob(fr.off, *expect, fmt.Sprintf("frame starts at LSN %d, expected %d", fr.first, *expect)))
			if !opts.all {
				return true, nil
			}
		}
		*expect = fr.last() + 1
		var recs []record
		if opts.decode {
			if recs, err = dec.decode(fr); err != nil {
				*probs = append(*probs, prob(fr.off, fr.first, err.Error()))
				if !opts.all {
					return true, nil
				}
				continue
			}
		}
		opts.progress.addRecords(int64(fr.count))
		if err := fn(fr, recs); err != nil {
			return true, err
		}
	}
}
