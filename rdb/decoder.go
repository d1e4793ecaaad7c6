package rdb

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// Decoder reads an RDB file one key at a time from a buffered reader; it
// never holds more than the current key in memory.
//
// Keys already expired are returned as they are (ExpireAt in the past): the
// caller decides, as Redis does differently for masters and replicas. Empty
// collections, module values and function libraries are skipped and reported
// through OnWarning.
type Decoder struct {
	// OnWarning, if set, receives each thing the decoder skipped.
	OnWarning func(Warning)
	// OnResizeDB, if set, receives the RESIZEDB size hints of each database.
	OnResizeDB func(db int, keys, expires uint64)
	// MaxStringLen caps any single string; 0 means DefaultMaxString. Set it
	// before the first call to Next.
	MaxStringLen int64

	r       reader
	vd      valueDecoder
	started bool
	version int
	aux     map[string]string
	db      int
	key     []byte // key being decoded, for errors
	err     error  // sticky: the first error, or io.EOF
}

// NewDecoder returns a decoder reading from r.
func NewDecoder(r io.Reader) *Decoder {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	d := &Decoder{aux: map[string]string{}}
	d.r = reader{src: br, sum: true}
	d.vd.r = &d.r
	return d
}

// Version returns the file's RDB version, 0 before the header is read.
func (d *Decoder) Version() int { return d.version }

// Aux returns the AUX fields read so far (Redis writes them before the
// first key).
func (d *Decoder) Aux() map[string]string { return d.aux }

// Offset returns how many bytes have been consumed.
func (d *Decoder) Offset() int64 { return d.r.off }

func (d *Decoder) warn(msg string) {
	if d.OnWarning != nil {
		d.OnWarning(Warning{Offset: d.r.off, Key: d.key, Message: msg})
	}
}

func (d *Decoder) fail(err error) error {
	off := d.r.off
	var pe *posError
	if errors.As(err, &pe) {
		off, err = pe.off, pe.err
	}
	return &Error{Offset: off, Key: d.key, Err: err}
}

// ReadHeader reads and checks the magic and version. Next calls it; call it
// directly to learn the version before the first key.
func (d *Decoder) ReadHeader() error {
	if d.started {
		return nil
	}
	if d.err != nil {
		return d.err
	}
	d.started = true
	if d.MaxStringLen <= 0 {
		d.MaxStringLen = DefaultMaxString
	}
	d.r.maxString = d.MaxStringLen
	var magic [9]byte
	if err := d.r.readFull(magic[:]); err != nil {
		d.err = d.fail(fmt.Errorf("%w: reading the header: %w", ErrVersion, err))
		return d.err
	}
	v, err := parseMagic(magic[:])
	if err != nil {
		d.err = &Error{Offset: 0, Err: err}
		return d.err
	}
	d.version = v
	return nil
}

func parseMagic(m []byte) (int, error) {
	digits := func(p []byte) (int, bool) {
		for _, c := range p {
			if c < '0' || c > '9' {
				return 0, false
			}
		}
		n, err := strconv.Atoi(string(p))
		return n, err == nil
	}
	switch {
	case string(m[:5]) == "REDIS":
		v, ok := digits(m[5:])
		if !ok {
			return 0, fmt.Errorf("%w: bad version %q", ErrVersion, m[5:])
		}
		if v < MinReadVersion || v > MaxReadVersion {
			return 0, fmt.Errorf("%w: RDB version %d (keel reads %d to %d; 80 and above are Valkey's)",
				ErrVersion, v, MinReadVersion, MaxReadVersion)
		}
		return v, nil
	case string(m[:6]) == "VALKEY":
		return 0, fmt.Errorf("%w: Valkey RDB (version %q) is a foreign format; keel reads Redis RDB %d to %d",
			ErrVersion, m[6:], MinReadVersion, MaxReadVersion)
	}
	return 0, fmt.Errorf("%w: not an RDB file (magic %q)", ErrVersion, m)
}

// Next returns the next key. At the end of the file it verifies the
// checksum and returns io.EOF. Every other error is an *Error; once Next
// fails it keeps returning the same error.
func (d *Decoder) Next() (*Record, error) {
	if err := d.ReadHeader(); err != nil {
		return nil, err
	}
	if d.err != nil {
		return nil, d.err
	}
	rec, err := d.next()
	if err != nil {
		if err != io.EOF {
			err = d.fail(err)
		}
		d.err = err
		return nil, err
	}
	return rec, nil
}

func (d *Decoder) next() (*Record, error) {
	r := &d.r
	d.key = nil
	rec := &Record{Idle: -1, Freq: -1}
	for {
		d.key = nil
		op, err := r.readByte()
		if err != nil {
			return nil, err
		}
		switch op {
		case opEOF:
			return nil, d.finish()
		case opSelectDB:
			n, err := r.readLength()
			if err != nil {
				return nil, err
			}
			if n > math.MaxInt32 {
				return nil, corruptf("database number %d", n)
			}
			d.db = int(n)
		case opResizeDB:
			keys, err := r.readLength()
			if err != nil {
				return nil, err
			}
			expires, err := r.readLength()
			if err != nil {
				return nil, err
			}
			if d.OnResizeDB != nil {
				d.OnResizeDB(d.db, keys, expires)
			}
		case opSlotInfo:
			// A cluster size hint (slot, keys, expires): nothing to keep.
			for range 3 {
				if _, err := r.readLength(); err != nil {
					return nil, err
				}
			}
		case opAux:
			k, err := r.readString()
			if err != nil {
				return nil, err
			}
			v, err := r.readString()
			if err != nil {
				return nil, err
			}
			d.aux[string(k)] = string(v)
		case opExpireTime:
			if err := r.readFull(r.buf[:4]); err != nil {
				return nil, err
			}
			rec.ExpireAt = int64(int32(binary.LittleEndian.Uint32(r.buf[:4]))) * 1000
		case opExpireTimeMs:
			if rec.ExpireAt, err = r.readMillis(); err != nil {
				return nil, err
			}
		case opIdle:
			n, err := r.readLength()
			if err != nil {
				return nil, err
			}
			if n > math.MaxInt64 {
				return nil, corruptf("idle time %d", n)
			}
			rec.Idle = int64(n)
		case opFreq:
			f, err := r.readByte()
			if err != nil {
				return nil, err
			}
			rec.Freq = int(f)
		case opModuleAux:
			id, err := r.readLength()
			if err != nil {
				return nil, err
			}
			whenOp, err := r.readLength()
			if err != nil {
				return nil, err
			}
			if whenOp != moduleOpUInt {
				return nil, corruptf("module aux 'when' opcode %d", whenOp)
			}
			if _, err := r.readLength(); err != nil {
				return nil, err
			}
			if err := d.vd.skipModuleValue(); err != nil {
				return nil, err
			}
			d.warn(fmt.Sprintf("auxiliary data of module %q skipped", moduleName(id)))
		case opFunction2:
			code, err := r.readString()
			if err != nil {
				return nil, err
			}
			d.warn(fmt.Sprintf("function library skipped (%d bytes)", len(code)))
		case opFunctionPreGA:
			return nil, fmt.Errorf("%w: pre-GA function library format (Redis 7.0 release candidates)", ErrUnsupported)
		default:
			t := ObjectType(op)
			key, err := r.readString()
			if err != nil {
				return nil, err
			}
			d.key = key
			d.vd.arena.reset()
			v, err := d.vd.decode(t)
			if err != nil {
				// errors.As makes skip escape to the heap: only on this path.
				var skip *skippedValue
				if errors.As(err, &skip) {
					d.warn(skip.reason)
					rec = &Record{Idle: -1, Freq: -1}
					continue
				}
				return nil, err
			}
			if v.isEmpty() {
				d.warn("empty " + v.Kind.String() + " skipped")
				rec = &Record{Idle: -1, Freq: -1}
				continue
			}
			rec.DB, rec.Key, rec.Value, rec.Type = d.db, key, v, t
			return rec, nil
		}
	}
}

// finish checks the CRC64 trailer (RDB 5 and later); 0 means the writer
// had checksums disabled.
func (d *Decoder) finish() error {
	if d.version < 5 {
		return io.EOF
	}
	want := d.r.crc
	d.r.sum = false
	if err := d.r.readFull(d.r.buf[:8]); err != nil {
		return fmt.Errorf("reading the checksum: %w", err)
	}
	got := binary.LittleEndian.Uint64(d.r.buf[:8])
	switch got {
	case want:
	case 0:
		d.warn("file written without a checksum; not verified")
	default:
		return fmt.Errorf("%w: file says %016x, content sums to %016x", ErrChecksum, got, want)
	}
	return io.EOF
}
