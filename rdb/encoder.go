package rdb

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Encoder writes an RDB file incrementally: header on creation, then AUX
// fields, databases and records, and the EOF opcode and CRC64 on Close.
// Values are validated before any of their bytes are written, so a rejected
// record leaves the file consistent.
type Encoder struct {
	bw      *bufio.Writer
	w       writer
	version int
	db      int
	closed  bool
}

// NewEncoder writes the header for version (10, what redis-server 7.0
// writes, or 11 for Redis 7.2) and returns the encoder.
func NewEncoder(w io.Writer, version int) (*Encoder, error) {
	if version != 10 && version != 11 {
		return nil, fmt.Errorf("rdb: cannot encode RDB version %d (10 or 11)", version)
	}
	e := &Encoder{bw: bufio.NewWriterSize(w, 64<<10), version: version, db: -1}
	e.w = writer{w: e.bw, compress: true}
	e.w.write(fmt.Appendf(nil, "REDIS%04d", version))
	return e, e.err()
}

// SetCompression turns LZF compression of strings longer than 20 bytes on
// or off (on by default, as Redis's rdbcompression).
func (e *Encoder) SetCompression(on bool) { e.w.compress = on }

func (e *Encoder) err() error {
	if e.w.err != nil {
		return fmt.Errorf("rdb: write: %w", e.w.err)
	}
	return nil
}

func (e *Encoder) usable() error {
	if e.closed {
		return errors.New("rdb: encoder is closed")
	}
	return e.err()
}

// WriteAux writes an AUX field.
func (e *Encoder) WriteAux(key, value string) error {
	if err := e.usable(); err != nil {
		return err
	}
	e.w.byte(opAux)
	e.w.string([]byte(key))
	e.w.string([]byte(value))
	return e.err()
}

// WriteStandardAux writes the AUX fields redis-server puts at the top of
// its files: redis-ver, redis-bits, ctime, used-mem and aof-base.
func (e *Encoder) WriteStandardAux(redisVersion string, usedMem int64) error {
	fields := [][2]string{
		{"redis-ver", redisVersion},
		{"redis-bits", strconv.Itoa(strconv.IntSize)},
		{"ctime", strconv.FormatInt(time.Now().Unix(), 10)},
		{"used-mem", strconv.FormatInt(usedMem, 10)},
		{"aof-base", "0"},
	}
	for _, f := range fields {
		if err := e.WriteAux(f[0], f[1]); err != nil {
			return err
		}
	}
	return nil
}

// SelectDB starts database db with its key and expiring-key counts as the
// RESIZEDB hint.
func (e *Encoder) SelectDB(db, size, expires int) error {
	if err := e.usable(); err != nil {
		return err
	}
	if db < 0 || size < 0 || expires < 0 {
		return fmt.Errorf("rdb: SelectDB(%d, %d, %d): negative argument", db, size, expires)
	}
	e.w.byte(opSelectDB)
	e.w.length(uint64(db))
	e.w.byte(opResizeDB)
	e.w.length(uint64(size))
	e.w.length(uint64(expires))
	e.db = db
	return e.err()
}

// WriteRecord writes one key. A record whose DB differs from the current
// database gets a SELECTDB first. ExpireAt > 0 writes the expiry, Idle >= 0
// the LRU idle time and Freq >= 0 (at most 255) the LFU counter.
func (e *Encoder) WriteRecord(rec *Record) error {
	if err := e.usable(); err != nil {
		return err
	}
	if rec.DB < 0 || rec.Freq > 255 || rec.ExpireAt < 0 {
		return fmt.Errorf("rdb: key %q: db %d, freq %d, expire %d out of range", rec.Key, rec.DB, rec.Freq, rec.ExpireAt)
	}
	if err := checkValue(&rec.Value); err != nil {
		return fmt.Errorf("%w (key %q)", err, rec.Key)
	}
	if rec.DB != e.db {
		e.w.byte(opSelectDB)
		e.w.length(uint64(rec.DB))
		e.db = rec.DB
	}
	if rec.ExpireAt > 0 {
		e.w.byte(opExpireTimeMs)
		e.w.millis(rec.ExpireAt)
	}
	if rec.Idle >= 0 {
		e.w.byte(opIdle)
		e.w.length(uint64(rec.Idle))
	}
	if rec.Freq >= 0 {
		e.w.byte(opFreq)
		e.w.byte(byte(rec.Freq))
	}
	t := objectType(&rec.Value, e.version)
	e.w.byte(byte(t))
	e.w.string(rec.Key)
	writeValue(&e.w, &rec.Value, t)
	return e.err()
}

// Close writes the EOF opcode and the checksum and flushes. It does not
// close the underlying writer.
func (e *Encoder) Close() error {
	if err := e.usable(); err != nil {
		return err
	}
	e.closed = true
	e.w.byte(opEOF)
	var sum [8]byte
	binary.LittleEndian.PutUint64(sum[:], e.w.crc)
	e.w.write(sum[:])
	if err := e.err(); err != nil {
		return err
	}
	if err := e.bw.Flush(); err != nil {
		return fmt.Errorf("rdb: write: %w", err)
	}
	return nil
}
