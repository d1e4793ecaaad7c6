package shardcore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
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
	if len(v) < 4 || v[0] != ckFormat {
		return store.Entry{}, false, errCkValue
	}
	typ, enc := store.Type(v[1]), store.StrEnc(v[2])
	at, n := binary.Uvarint(v[3:])
	if n <= 0 || at > 1<<62 {
		return store.Entry{}, false, errCkValue
	}
	payload := v[3+n:]
	if typ == store.TypeString {
		return store.Entry{Type: typ, Str: payload, Enc: enc, ExpireAt: int64(at)}, true, nil
	}
	rv, err := rdb.DecodeDump(payload)
	if err != nil {
		return store.Entry{}, false, err
	}
	e, ok, err := entryFromRDB(&rv, srv.config())
	if err != nil || !ok {
		return store.Entry{}, ok, err
	}
	if e.Type != typ {
		return store.Entry{}, false, fmt.Errorf("%w: type %s holds a %s", errCkValue, typ, e.Type)
	}
	e.ExpireAt = int64(at)
	return e, true, nil
}

// CheckpointCommand is the command that rebuilds a checkpoint value under
// key in any Redis-compatible server: SET key value [PXAT t] for a string,
// RESTORE key t payload REPLACE ABSTTL for the rest (t = 0: no expiry).
func CheckpointCommand(key, val []byte) ([][]byte, error) {
	if len(val) < 4 || val[0] != ckFormat {
		return nil, errCkValue
	}
	at, n := binary.Uvarint(val[3:])
	if n <= 0 || at > 1<<62 {
		return nil, errCkValue
	}
	payload := val[3+n:]
	if store.Type(val[1]) != store.TypeString {
		return restoreRecord(key, int64(at), payload), nil
	}
	args := [][]byte{[]byte("SET"), key, payload}
	if at != 0 {
		args = append(args, []byte("PXAT"), strconv.AppendUint(nil, at, 10))
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
// loaded. Before Start it stores them directly; once the loops run (the
// server answering -LOADING meanwhile) each shard stores them on its loop,
// in chunks decoded off it.
func (srv *Server) LoadCheckpoint(st *checkpoint.Store) (int64, error) {
	meta, _, err := st.Meta()
	if err != nil {
		return 0, err
	}
	var total atomic.Int64
	errs := make([]error, len(srv.shards))
	var wg sync.WaitGroup
	lru := lruClock(time.Now().UnixMilli())
	for i, s := range srv.shards {
		lo, hi := srv.slotRange(i)
		if lo < 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ld := &shardLoader{s: s, live: srv.running.Load()}
			ld.run(func(s *Shard) {
				for db, t := range s.dbs {
					if db < len(meta.Keys) {
						// Slots spread keys evenly over the shards.
						t.Reserve(int(meta.Keys[db] * int64(hi-lo+1) / NumSlots))
					}
				}
			})
			for db := range s.dbs {
				err := st.Scan(db, lo, hi, func(_ int, key, val []byte) error {
					e, ok, err := srv.decodeCkValue(val)
					if err != nil {
						return fmt.Errorf("checkpoint: db %d key %q: %w", db, key, err)
					}
					if ok {
						e.LRU = lru
						ld.add(db, key, e)
						total.Add(1)
					}
					return nil
				})
				if err != nil {
					errs[i] = err
					break
				}
			}
			ld.flush()
			ld.wait()
		}()
	}
	wg.Wait()
	return total.Load(), errors.Join(errs...)
}

// shardLoader stores loaded keys in one shard: directly before Start, else
// in chunks run on the shard's loop, at most two in flight.
type shardLoader struct {
	s     *Shard
	live  bool
	chunk loadChunk
	done  chan struct{}
	n     int // chunks in flight
}

// loadChunk is keys decoded off the loop: entry i's string value and key
// are arena[bounds[i][0]:bounds[i][1]] and arena[bounds[i][1]:bounds[i][2]].
type loadChunk struct {
	dbs     []int
	entries []store.Entry
	bounds  [][3]int
	arena   []byte
}

const loadChunkKeys = 1024

func (ld *shardLoader) run(fn func(s *Shard)) {
	if !ld.live {
		fn(ld.s)
		return
	}
	if ld.done == nil {
		ld.done = make(chan struct{}, 2)
	}
	if ld.n == 2 {
		<-ld.done
		ld.n--
	}
	ld.n++
	ld.s.post(message{fn: func(s *Shard) {
		fn(s)
		ld.done <- struct{}{}
	}})
}

// wait returns once every chunk handed over is stored.
func (ld *shardLoader) wait() {
	for ; ld.n > 0; ld.n-- {
		<-ld.done
	}
}

// add stores e under key (both valid only during the call) in db.
func (ld *shardLoader) add(db int, key []byte, e store.Entry) {
	if !ld.live {
		ld.s.dbs[db].Set(key, e)
		return
	}
	c := &ld.chunk
	start := len(c.arena)
	c.arena = append(c.arena, e.Str...)
	mid := len(c.arena)
	c.arena = append(c.arena, key...)
	e.Str = nil
	c.dbs = append(c.dbs, db)
	c.entries = append(c.entries, e)
	c.bounds = append(c.bounds, [3]int{start, mid, len(c.arena)})
	if len(c.entries) == loadChunkKeys {
		ld.flush()
	}
}

// flush hands the pending chunk to the shard's loop.
func (ld *shardLoader) flush() {
	c := ld.chunk
	if !ld.live || len(c.entries) == 0 {
		return
	}
	ld.chunk = loadChunk{}
	ld.run(func(s *Shard) {
		for i, e := range c.entries {
			b := c.bounds[i]
			if e.Type == store.TypeString {
				e.Str = c.arena[b[0]:b[1]:b[1]]
			}
			s.dbs[c.dbs[i]].Set(c.arena[b[1]:b[2]], e)
		}
	})
}
