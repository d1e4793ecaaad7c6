package shardcore

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/keeldb/keel/rdb"
	"github.com/keeldb/keel/shardcore/config"
	"github.com/keeldb/keel/shardcore/store"
	"github.com/keeldb/keel/shardcore/types"
)

// Conversion between keel's values and rdb.Value, the neutral model of the
// rdb package, for DUMP/RESTORE and for importing and exporting RDB files.
//
// Each data type registers an rdbCodec in rdbCodecs from an init function
// of its own file. A type without a codec can be neither dumped nor
// restored: DUMP replies an error for it and RESTORE/LoadValue refuse its
// payloads. To plug in a new type:
//
//	func init() {
//		rdbCodecs[store.TypeZSet] = rdbCodec{
//			kind:    rdb.KindZSet,
//			toRDB:   func(obj any) (rdb.Value, error) { ... Value{Kind: rdb.KindZSet, ZSet: ...} },
//			fromRDB: func(v *rdb.Value, cfg *config.Config) (any, error) { ... return a *types.ZSet },
//		}
//	}
//
// toRDB receives store.Entry.Obj (for strings: Entry.Str) and returns a
// Value sharing no memory with it. fromRDB builds a new object under the
// encoding limits of cfg; it returns an error (never panics) for content
// the type cannot hold, such as duplicate members, and may return a nil
// object for a value that turns out empty (the key is then not created).
// Strings are registered here like every other type, their object being
// the []byte value.
type rdbCodec struct {
	kind    rdb.Kind
	toRDB   func(obj any) (rdb.Value, error)
	fromRDB func(v *rdb.Value, cfg *config.Config) (any, error)
}

var rdbCodecs = map[store.Type]rdbCodec{}

// dumpVersion is the RDB version of DUMP payloads and of the logged RESTORE
// records: what redis-server 7.0 writes and accepts.
const dumpVersion = 10

var errNoCodec = errors.New("no RDB codec")

func init() {
	rdbCodecs[store.TypeString] = rdbCodec{
		kind: rdb.KindString,
		toRDB: func(obj any) (rdb.Value, error) {
			b, ok := obj.([]byte)
			if !ok {
				return rdb.Value{}, fmt.Errorf("string value of type %T", obj)
			}
			return rdb.Value{Kind: rdb.KindString, Str: append([]byte{}, b...)}, nil
		},
		fromRDB: func(v *rdb.Value, _ *config.Config) (any, error) {
			if v.Str == nil {
				return []byte{}, nil
			}
			return v.Str, nil
		},
	}
	rdbCodecs[store.TypeList] = rdbCodec{kind: rdb.KindList, toRDB: listToRDB, fromRDB: listFromRDB}
	rdbCodecs[store.TypeHash] = rdbCodec{kind: rdb.KindHash, toRDB: hashToRDB, fromRDB: hashFromRDB}
	rdbCodecs[store.TypeSet] = rdbCodec{kind: rdb.KindSet, toRDB: setToRDB, fromRDB: setFromRDB}
}

// copier packs copies of many small byte strings into shared chunks, so
// that converting a big collection costs a few allocations, not one per
// element.
type copier struct{ buf []byte }

func (cp *copier) copy(b []byte) []byte {
	if len(b) > 4096 {
		return append([]byte{}, b...)
	}
	if cap(cp.buf)-len(cp.buf) < len(b) {
		cp.buf = make([]byte, 0, 64<<10)
	}
	start := len(cp.buf)
	cp.buf = append(cp.buf, b...)
	return cp.buf[start:len(cp.buf):len(cp.buf)]
}

func listToRDB(obj any) (rdb.Value, error) {
	l, ok := obj.(*types.List)
	if !ok {
		return rdb.Value{}, fmt.Errorf("list value of type %T", obj)
	}
	var cp copier
	items := make([][]byte, 0, l.Len())
	for _, v := range l.All() {
		items = append(items, cp.copy(v))
	}
	return rdb.Value{Kind: rdb.KindList, List: items}, nil
}

func listFromRDB(v *rdb.Value, cfg *config.Config) (any, error) {
	if len(v.List) == 0 {
		return nil, nil
	}
	l := types.NewList(cfg.ListMaxListpackSize)
	for _, it := range v.List {
		l.PushBack(it)
	}
	return l, nil
}

func hashToRDB(obj any) (rdb.Value, error) {
	h, ok := obj.(*types.Hash)
	if !ok {
		return rdb.Value{}, fmt.Errorf("hash value of type %T", obj)
	}
	var cp copier
	fields := make([]rdb.HashField, 0, h.Len())
	for f, v := range h.All() {
		fields = append(fields, rdb.HashField{Field: cp.copy(f), Value: cp.copy(v)})
	}
	return rdb.Value{Kind: rdb.KindHash, Hash: fields}, nil
}

// hashFromRDB drops fields whose TTL (RDB 12) has passed; keel hashes have
// no field TTLs, so a field still due to expire is refused rather than
// silently kept forever.
func hashFromRDB(v *rdb.Value, cfg *config.Config) (any, error) {
	now := time.Now().UnixMilli()
	lim := types.HashLimits{MaxListpackEntries: int(cfg.HashMaxListpackEntries), MaxListpackValue: int(cfg.HashMaxListpackValue)}
	var h *types.Hash
	for _, f := range v.Hash {
		if f.ExpireAt != 0 {
			if f.ExpireAt <= now {
				continue
			}
			return nil, fmt.Errorf("hash field %q has a TTL, which keel does not support", f.Field)
		}
		if h == nil {
			h = types.NewHash()
		}
		if !h.Set(f.Field, f.Value, lim) {
			return nil, fmt.Errorf("duplicate hash field %q", f.Field)
		}
	}
	if h == nil {
		return nil, nil
	}
	return h, nil
}

func setToRDB(obj any) (rdb.Value, error) {
	s, ok := obj.(*types.Set)
	if !ok {
		return rdb.Value{}, fmt.Errorf("set value of type %T", obj)
	}
	var cp copier
	members := make([][]byte, 0, s.Len())
	for m := range s.All() {
		members = append(members, cp.copy(m))
	}
	return rdb.Value{Kind: rdb.KindSet, Set: members}, nil
}

func setFromRDB(v *rdb.Value, cfg *config.Config) (any, error) {
	if len(v.Set) == 0 {
		return nil, nil
	}
	lim := setLimitsOf(cfg)
	s := types.NewSet()
	for _, m := range v.Set {
		if !s.Add(m, lim) {
			return nil, fmt.Errorf("duplicate set member %q", m)
		}
	}
	return s, nil
}

// kindTypes is the keel type of each rdb kind: a direct lookup, since
// loading an RDB file asks for every key.
var kindTypes = [...]store.Type{
	rdb.KindString: store.TypeString,
	rdb.KindList:   store.TypeList,
	rdb.KindSet:    store.TypeSet,
	rdb.KindZSet:   store.TypeZSet,
	rdb.KindHash:   store.TypeHash,
	rdb.KindStream: store.TypeStream,
}

// codecForKind finds the registered codec of an rdb kind.
func codecForKind(k rdb.Kind) (store.Type, rdbCodec, bool) {
	if int(k) >= len(kindTypes) {
		return 0, rdbCodec{}, false
	}
	t := kindTypes[k]
	c, ok := rdbCodecs[t]
	if !ok || c.kind != k {
		return 0, rdbCodec{}, false
	}
	return t, c, true
}

// entryToRDB converts a key's value (TTL excluded) to the rdb model. The
// result shares no memory with e.
func entryToRDB(e store.Entry) (rdb.Value, error) {
	c, ok := rdbCodecs[e.Type]
	if !ok {
		return rdb.Value{}, fmt.Errorf("%w for %s values", errNoCodec, e.Type)
	}
	var obj any = e.Obj
	if e.Type == store.TypeString {
		obj = e.Str
	}
	return c.toRDB(obj)
}

// entryFromRDB builds a keel value (without TTL or access clock) from v.
// ok is false when v holds nothing to store (an empty collection).
func entryFromRDB(v *rdb.Value, cfg *config.Config) (e store.Entry, ok bool, err error) {
	t, c, found := codecForKind(v.Kind)
	if !found {
		return store.Entry{}, false, fmt.Errorf("%w for %s values", errNoCodec, v.Kind)
	}
	obj, err := c.fromRDB(v, cfg)
	if err != nil || obj == nil {
		return store.Entry{}, false, err
	}
	e.Type = t
	if t == store.TypeString {
		b, isBytes := obj.([]byte)
		if !isBytes {
			return store.Entry{}, false, fmt.Errorf("string codec returned %T", obj)
		}
		e.Str = b
	} else {
		e.Obj = obj
	}
	return e, true, nil
}

// restoreRecord is the logged form of storing payload (a DUMP payload) under
// key with an absolute expiry (0: none): RESTORE with REPLACE and ABSTTL,
// which replays to the same value whatever the key held before.
func restoreRecord(key []byte, expireAt int64, payload []byte) [][]byte {
	return [][]byte{restoreWord, key, strconv.AppendInt(nil, expireAt, 10), payload, replaceWord, absttlWord}
}

var (
	restoreWord = []byte("RESTORE")
	replaceWord = []byte("REPLACE")
	absttlWord  = []byte("ABSTTL")
)

// LoadValue stores v under key in database db with an absolute expiry in
// Unix ms (0: none), replacing what key held, and logs it when persistence
// is on (strings as SET, other values as a RESTORE record: see
// restoreRecord), so that a restart has the value without its source. A
// key whose expiry has passed is not stored (and removes what key held).
// It is for bulk loading before Start (an RDB import): call it from one
// goroutine only, and CommitLoaded to hand what it logged to the logs.
func (srv *Server) LoadValue(db int, key []byte, v rdb.Value, expireAt int64) error {
	return srv.LoadValueAt(db, key, v, expireAt, time.Now().UnixMilli())
}

// LoadShard is the shard of key. Loading may run one goroutine per shard:
// LoadValueAt and CommitLoadedShard calls for different shards may run
// concurrently, those for one shard from one goroutine at a time.
func (srv *Server) LoadShard(key []byte) int { return srv.shardOf(key).id }

// LoadValueAt is LoadValue with the caller's clock now (Unix ms), which
// judges expiry and sets the access time; a clock read per batch of keys
// spares one per key. Before Start only (see LoadShard for concurrency).
func (srv *Server) LoadValueAt(db int, key []byte, v rdb.Value, expireAt, now int64) error {
	s := srv.shardOf(key)
	if db < 0 || db >= len(s.dbs) {
		return fmt.Errorf("load key %q: db %d out of range 0..%d", key, db, len(s.dbs)-1)
	}
	if expireAt < 0 {
		return fmt.Errorf("load key %q: negative expiry %d", key, expireAt)
	}
	t := s.dbs[db]
	if expireAt != 0 && expireAt <= now {
		if _, had := t.Delete(key); had {
			s.ckNote(db, key)
			srv.persist.Log(s.id, db, [][]byte{delWord, key}, 0)
		}
		return nil
	}
	cfg := srv.config()
	var e store.Entry
	var rec [][]byte
	if v.Kind == rdb.KindString {
		// Most keys of most files: stored and logged as SET would, which
		// is cheaper to write and to replay than a DUMP payload.
		e = store.Entry{Type: store.TypeString, Str: v.Str}
		if e.Str == nil {
			e.Str = []byte{}
		}
		sb := setRecords.Get().(*setRecord)
		defer setRecords.Put(sb)
		rec = append(sb.args[:0], setWord, key, e.Str)
		if expireAt != 0 {
			sb.at = strconv.AppendInt(sb.at[:0], expireAt, 10)
			rec = append(rec, pxatWord, sb.at)
		}
	} else {
		var ok bool
		var err error
		e, ok, err = entryFromRDB(&v, cfg)
		if err != nil {
			return fmt.Errorf("load key %q: %w", key, err)
		}
		if !ok {
			return nil
		}
		payload, err := rdb.EncodeDump(v, dumpVersion)
		if err != nil {
			return fmt.Errorf("load key %q: %w", key, err)
		}
		rec = restoreRecord(key, expireAt, payload)
	}
	e.ExpireAt = expireAt
	e.LRU = lruClock(now)
	if lfuPolicy(cfg.MaxMemoryPolicy) {
		e.LRU = lfuMinutes(now)<<8 | lfuInitVal
	}
	t.Set(key, e)
	s.ckNote(db, key)
	srv.persist.Log(s.id, db, rec, 0)
	srv.dirty.Add(1)
	return nil
}

var (
	setWord  = []byte("SET")
	pxatWord = []byte("PXAT")
)

// setRecord is the reusable argv of a logged SET: Log does not keep its
// args, and loading logs one per string key.
type setRecord struct {
	args [5][]byte
	at   []byte
}

var setRecords = sync.Pool{New: func() any { return new(setRecord) }}

// CommitLoaded commits, on every shard, what LoadValue logged. Call it
// before Start only.
func (srv *Server) CommitLoaded() error {
	for _, s := range srv.shards {
		if err := srv.CommitLoadedShard(s.id); err != nil {
			return err
		}
	}
	return nil
}

// CommitLoadedShard commits what LoadValueAt logged on shard (see
// LoadShard for concurrency). Before Start only.
func (srv *Server) CommitLoadedShard(shard int) error {
	if shard < 0 || shard >= len(srv.shards) {
		return fmt.Errorf("shard %d out of range 0..%d", shard, len(srv.shards)-1)
	}
	if err := srv.persist.Commit(shard); err != nil {
		return fmt.Errorf("shard %d: commit: %w", shard, err)
	}
	return nil
}

// KeyCount returns the number of keys in every database of every shard,
// expired ones not yet removed included. Before Start or after Stop only.
func (srv *Server) KeyCount() int {
	n := 0
	for _, s := range srv.shards {
		for _, t := range s.dbs {
			n += t.Len()
		}
	}
	return n
}

// Databases returns the number of databases.
func (srv *Server) Databases() int { return srv.config().Databases }

// EachValue calls fn for every key of database db that has not expired,
// shard after shard, with its value in the rdb model and its absolute
// expiry (0: none). It stops at fn's first error. Before Start or after
// Stop only: it reads the shards' keyspaces directly.
func (srv *Server) EachValue(db int, fn func(key []byte, v rdb.Value, expireAt int64) error) error {
	if db < 0 || db >= srv.config().Databases {
		return fmt.Errorf("db %d out of range", db)
	}
	now := time.Now().UnixMilli()
	for _, s := range srv.shards {
		t := s.dbs[db]
		// A finished resize makes one pass over the buckets return every
		// key exactly once.
		for t.Rehashing() {
			t.Rehash(1 << 10)
		}
		var ferr error
		cursor := uint64(0)
		for {
			cursor = t.Scan(cursor, func(key []byte, e store.Entry) {
				if ferr != nil || (e.ExpireAt != 0 && e.ExpireAt <= now) {
					return
				}
				v, err := entryToRDB(e)
				if err != nil {
					ferr = fmt.Errorf("db %d key %q: %w", db, key, err)
					return
				}
				ferr = fn(key, v, e.ExpireAt)
			})
			if ferr != nil {
				return ferr
			}
			if cursor == 0 {
				break
			}
		}
	}
	return nil
}

// DBStats returns the number of keys and of keys with a TTL in database db,
// summed over the shards (the RESIZEDB hints of an RDB file). Before Start
// or after Stop only.
func (srv *Server) DBStats(db int) (keys, expires int) {
	if db < 0 || db >= srv.config().Databases {
		return 0, 0
	}
	for _, s := range srv.shards {
		keys += s.dbs[db].Len()
		expires += s.dbs[db].ExpiresLen()
	}
	return keys, expires
}
