package shardcore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/keeldb/keel/durability/checkpoint"
	"github.com/keeldb/keel/rdb"
	"github.com/keeldb/keel/shardcore/store"
)

// A checkpoint value is
//
//	format u8 (ckFormat) | type u8 | string encoding u8 | expiry uvarint (Unix ms, 0 = none) | payload
//
// The payload of a string is its bytes. Every other type's payload is the
// value in Redis's DUMP format (RDB object, version, CRC64), the exact
// encoding DUMP/RESTORE already test against Redis; the format byte lets a
// later version change either without touching the other.
const ckFormat = 1

func appendCkValue(b []byte, e store.Entry) ([]byte, error) {
	b = append(b, ckFormat, byte(e.Type), byte(e.Enc))
	b = binary.AppendUvarint(b, uint64(e.ExpireAt))
	if e.Type == store.TypeString {
		return append(b, e.Str...), nil
	}
	v, err := entryToRDB(e)
	if err != nil {
		return b, err
	}
	payload, err := rdb.EncodeDump(v, dumpVersion)
	if err != nil {
		return b, err
	}
	return append(b, payload...), nil
}

var errCkValue = errors.New("malformed checkpoint value")

// decodeCkValue rebuilds an entry; e.Str aliases v.
func (srv *Server) decodeCkValue(v []byte) (store.Entry, bool, error) {
	h, err := parseCkValue(v)
	if err != nil {
		return store.Entry{}, false, err
	}
	if h.typ == store.TypeString {
		return store.Entry{Type: h.typ, Str: h.payload, Enc: h.enc, ExpireAt: h.expireAt}, true, nil
	}
	rv, err := rdb.DecodeDump(h.payload)
	if err != nil {
		return store.Entry{}, false, err
	}
	e, ok, err := entryFromRDB(&rv, srv.config())
	if err != nil || !ok {
		return store.Entry{}, ok, err
	}
	if e.Type != h.typ {
		return store.Entry{}, false, fmt.Errorf("%w: type %s holds a %s", errCkValue, h.typ, e.Type)
	}
	e.ExpireAt = h.expireAt
	return e, true, nil
}

// ckValue is a checkpoint value's header and payload (payload aliases it).
type ckValue struct {
	typ      store.Type
	enc      store.StrEnc
	expireAt int64
	payload  []byte
}

func parseCkValue(v []byte) (ckValue, error) {
	if len(v) < 4 || v[0] != ckFormat {
		return ckValue{}, errCkValue
	}
	at, n := binary.Uvarint(v[3:])
	if n <= 0 || at > 1<<62 {
		return ckValue{}, errCkValue
	}
	return ckValue{typ: store.Type(v[1]), enc: store.StrEnc(v[2]), expireAt: int64(at), payload: v[3+n:]}, nil
}

// CheckpointCommand is the command that rebuilds a checkpoint value under
// key in any Redis-compatible server: SET key value [PXAT t] for a string,
// RESTORE key t payload REPLACE ABSTTL for the rest (t = 0: no expiry).
func CheckpointCommand(key, val []byte) ([][]byte, error) {
	h, err := parseCkValue(val)
	if err != nil {
		return nil, err
	}
	if h.typ != store.TypeString {
		return restoreRecord(key, h.expireAt, h.payload), nil
	}
	args := [][]byte{[]byte("SET"), key, h.payload}
	if h.expireAt != 0 {
		args = append(args, []byte("PXAT"), strconv.AppendInt(nil, h.expireAt, 10))
	}
	return args, nil
}

// slotRange returns the first and last slot of shard id (slots map to
// shards in contiguous ranges).
func (srv *Server) slotRange(id int) (lo, hi int) {
	lo, hi = -1, -1
	for slot, sh := range srv.slotShard {
		if int(sh) == id {
			if lo < 0 {
				lo = slot
			}
			hi = slot
		}
	}
	return lo, hi
}

// LoadCheckpoint fills the shards from the checkpoint store, every shard
// reading its own slot ranges in parallel, and returns the number of keys
// loaded. Before Start, a goroutine per shard stores the keys directly;
// once the loops run, each shard loads on its own loop a few thousand keys
// per iteration (loadStep), answering its clients (-LOADING) in between.
func (srv *Server) LoadCheckpoint(st *checkpoint.Store) (int64, error) {
	meta, _, err := st.Meta()
	if err != nil {
		return 0, err
	}
	lru := lruClock(time.Now().UnixMilli())
	results := make(chan loadResult, len(srv.shards))
	n := 0
	for i, s := range srv.shards {
		lo, hi := srv.slotRange(i)
		if lo < 0 {
			continue
		}
		n++
		ld := &shardLoad{st: st, lo: lo, hi: hi, lru: lru, done: results}
		start := func(s *Shard) {
			for db, t := range s.dbs {
				if db < len(meta.Keys) {
					// Slots spread keys evenly over the shards.
					t.Reserve(int(meta.Keys[db] * int64(hi-lo+1) / NumSlots))
				}
			}
			s.ld = ld
		}
		if srv.running.Load() {
			s.post(message{fn: start})
			continue
		}
		go func() {
			start(s)
			for s.ld != nil {
				s.loadStep()
			}
		}()
	}
	var total int64
	var errs []error
	for range n {
		r := <-results
		total += r.keys
		errs = append(errs, r.err)
	}
	return total, errors.Join(errs...)
}

// shardLoad is a shard's part of loading a checkpoint.
type shardLoad struct {
	st     *checkpoint.Store
	lo, hi int
	lru    uint32
	db     int
	cur    *checkpoint.Cursor
	keys   int64
	done   chan<- loadResult
}

type loadResult struct {
	keys int64
	err  error
}

// loadStepKeys is how many keys a shard loads per loop iteration.
const loadStepKeys = 4096

func (s *Shard) loadStep() {
	ld := s.ld
	if ld == nil {
		return
	}
	for range loadStepKeys {
		if ld.cur == nil {
			if ld.db == len(s.dbs) {
				s.loadDone(nil)
				return
			}
			cur, err := ld.st.Cursor(ld.db, ld.lo, ld.hi)
			if err != nil {
				s.loadDone(err)
				return
			}
			ld.cur = cur
		}
		if !ld.cur.Next() {
			err := ld.cur.Close()
			ld.cur = nil
			if err != nil {
				s.loadDone(err)
				return
			}
			ld.db++
			continue
		}
		val, err := ld.cur.Value()
		if err == nil {
			var e store.Entry
			var ok bool
			if e, ok, err = s.srv.decodeCkValue(val); ok {
				e.LRU = ld.lru
				// Loading starts from empty tables and the image holds
				// each key once.
				s.dbs[ld.db].Load(ld.cur.Key(), e)
				ld.keys++
			}
		}
		if err != nil {
			s.loadDone(fmt.Errorf("checkpoint: db %d key %q: %w", ld.db, ld.cur.Key(), err))
			return
		}
	}
}

func (s *Shard) loadDone(err error) {
	ld := s.ld
	if ld.cur != nil {
		ld.cur.Close()
	}
	s.ld = nil
	ld.done <- loadResult{keys: ld.keys, err: err}
}
