package shardcore

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/keeldb/keel/shardcore/config"
	"github.com/keeldb/keel/shardcore/store"
)

// The generic key commands: deletion and existence, renames and copies,
// TTLs, OBJECT and MEMORY. The whole-keyspace ones (KEYS, SCAN, FLUSH*...)
// are in scan.go.

// Data-type objects (store.Entry.Obj) take part in the generic commands
// through these interfaces.
type (
	// objCopier deep-copies a value for COPY; the copy shares nothing
	// mutable with the original.
	objCopier interface{ Copy() any }
	// encoder names the internal representation for OBJECT ENCODING
	// ("listpack", "quicklist", "intset", "hashtable", ...).
	encoder interface{ Encoding() string }
	// memorySizer reports the bytes held by the value's contents for MEMORY
	// USAGE. keel's collections know it exactly, so SAMPLES only gets
	// validated.
	memorySizer interface{ MemoryUsage() int64 }
)

// restoreFuncs give, per data type, the log records that rebuild a value
// under key from nothing, replacing whatever key holds (TTL excluded; for
// example DEL then RPUSH in batches). A value moved or copied to another
// shard is logged there this way; types without one cannot cross shards.
// Each data-type file registers its function in init.
var restoreFuncs = map[store.Type]func(key []byte, obj any) [][][]byte{}

// Replies shared by several commands here.
const (
	errSameObject = "ERR source and destination objects are the same"
	errIntRange   = "ERR value is out of range, value must between -2147483648 and 2147483647"
	errLFUOff     = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	errLFUOn      = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
)

// Words of the effects logged here in place of the arguments.
var (
	keyEffSet       = []byte("SET")
	keyEffPxat      = []byte("PXAT")
	keyEffPexpireat = []byte("PEXPIREAT")
)

func init() {
	// keyCmd registers a command whose keys run from argument 1 to last.
	keyCmd := func(name string, arity int, flags Flags, last int, since, summary string, fn func(*Ctx), multi func(*Multi)) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, FirstKey: 1, LastKey: last, Group: "generic", Since: since, Summary: summary, Fn: fn, Multi: multi}
	}
	register(
		keyCmd("del", -2, FlagWrite, -1, "1.0.0", "Delete a key", cmdDel, multiSum),
		keyCmd("unlink", -2, FlagWrite|FlagFast, -1, "4.0.0", "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", cmdDel, multiSum),
		keyCmd("exists", -2, FlagReadonly|FlagFast, -1, "1.0.0", "Determine if a key exists", cmdExists, multiSum),
		keyCmd("touch", -2, FlagReadonly|FlagFast, -1, "3.2.1", "Alters the last access time of a key(s). Returns the number of existing keys specified.", cmdTouch, multiSum),
		keyCmd("type", 2, FlagReadonly|FlagFast, 1, "1.0.0", "Determine the type stored at key", cmdType, nil),
		keyCmd("rename", 3, FlagWrite, 2, "1.0.0", "Rename a key", cmdRename, multiRename),
		keyCmd("renamenx", 3, FlagWrite|FlagFast, 2, "1.0.0", "Rename a key, only if the new key does not exist", cmdRenamenx, multiRename),
		keyCmd("copy", -3, FlagWrite|FlagDenyOOM, 2, "6.2.0", "Copy a key", cmdCopy, multiCopy),
		keyCmd("move", 3, FlagWrite|FlagFast, 1, "1.0.0", "Move a key to another database", cmdMove, nil),
		keyCmd("expire", -3, FlagWrite|FlagFast, 1, "1.0.0", "Set a key's time to live in seconds", cmdExpire, nil),
		keyCmd("pexpire", -3, FlagWrite|FlagFast, 1, "2.6.0", "Set a key's time to live in milliseconds", cmdPexpire, nil),
		keyCmd("expireat", -3, FlagWrite|FlagFast, 1, "1.2.0", "Set the expiration for a key as a UNIX timestamp", cmdExpireat, nil),
		keyCmd("pexpireat", -3, FlagWrite|FlagFast, 1, "2.6.0", "Set the expiration for a key as a UNIX timestamp specified in milliseconds", cmdPexpireat, nil),
		keyCmd("ttl", 2, FlagReadonly|FlagFast, 1, "1.0.0", "Get the time to live for a key in seconds", func(c *Ctx) { ttlGeneric(c, false, false) }, nil),
		keyCmd("pttl", 2, FlagReadonly|FlagFast, 1, "2.6.0", "Get the time to live for a key in milliseconds", func(c *Ctx) { ttlGeneric(c, true, false) }, nil),
		keyCmd("expiretime", 2, FlagReadonly|FlagFast, 1, "7.0.0", "Get the expiration Unix timestamp for a key", func(c *Ctx) { ttlGeneric(c, false, true) }, nil),
		keyCmd("pexpiretime", 2, FlagReadonly|FlagFast, 1, "7.0.0", "Get the expiration Unix timestamp for a key in milliseconds", func(c *Ctx) { ttlGeneric(c, true, true) }, nil),
		keyCmd("persist", 2, FlagWrite|FlagFast, 1, "2.2.0", "Remove the expiration from a key", cmdPersist, nil),
	)
	objSub := func(name, since, summary string, fn func(*Ctx)) *Command {
		return &Command{Name: name, Arity: 3, Flags: FlagReadonly, FirstKey: 2, LastKey: 2, Step: 1, Group: "generic", Since: since, Summary: summary, Fn: fn}
	}
	register(&Command{Name: "object", Arity: -2, Group: "generic", Since: "2.2.3", Summary: "A container for object introspection commands", Sub: map[string]*Command{
		"encoding": objSub("encoding", "2.2.3", "Inspect the internal encoding of a Redis object", cmdObjectEncoding),
		"refcount": objSub("refcount", "2.2.3", "Get the number of references to the value of the key", cmdObjectRefcount),
		"idletime": objSub("idletime", "2.2.3", "Get the time since a Redis object was last accessed", cmdObjectIdletime),
		"freq":     objSub("freq", "4.0.0", "Get the logarithmic access frequency counter of a Redis object", cmdObjectFreq),
		"help": {Name: "help", Arity: 2, Flags: FlagLoading | FlagStale | FlagConn, Group: "generic", Since: "6.2.0", Summary: "Show helpful text about the different subcommands",
			Fn: helpFn("OBJECT", objectHelp)},
	}})
	register(&Command{Name: "memory", Arity: -2, Group: "server", Since: "4.0.0", Summary: "A container for memory diagnostics commands", Sub: map[string]*Command{
		"usage":  {Name: "usage", Arity: -3, Flags: FlagReadonly, FirstKey: 2, LastKey: 2, Step: 1, Group: "server", Since: "4.0.0", Summary: "Estimate the memory usage of a key", Fn: cmdMemoryUsage},
		"stats":  {Name: "stats", Arity: 2, Flags: FlagAllShard, Group: "server", Since: "4.0.0", Summary: "Show memory usage details", Multi: multiMemoryStats},
		"doctor": {Name: "doctor", Arity: 2, Flags: FlagAllShard, Group: "server", Since: "4.0.0", Summary: "Outputs memory problems report", Multi: multiMemoryDoctor},
		"malloc-stats": {Name: "malloc-stats", Arity: 2, Flags: FlagConn, Group: "server", Since: "4.0.0", Summary: "Show allocator internal stats",
			Fn: func(c *Ctx) { c.W.Verbatim("txt", []byte(mallocStats())) }},
		"purge": {Name: "purge", Arity: 2, Flags: FlagConn, Group: "server", Since: "4.0.0", Summary: "Ask the allocator to release memory", Fn: cmdMemoryPurge},
		"help": {Name: "help", Arity: 2, Flags: FlagLoading | FlagStale | FlagConn, Group: "server", Since: "4.0.0", Summary: "Show helpful text about the different subcommands",
			Fn: helpFn("MEMORY", memoryHelp)},
	}})
}

// cmdDel serves DEL and UNLINK: values are garbage for the collector once
// unlinked from the table, so every delete is already non-blocking.
func cmdDel(c *Ctx) {
	var n int64
	for _, k := range c.Args[1:] {
		if c.Delete(k) {
			c.Notify(config.NotifyGeneric, "del", k)
			n++
		}
	}
	c.W.Int(n)
}

func cmdExists(c *Ctx) {
	var n int64
	for _, k := range c.Args[1:] {
		if _, ok := c.Peek(k); ok {
			n++
		}
	}
	c.W.Int(n)
}

func cmdTouch(c *Ctx) {
	var n int64
	for _, k := range c.Args[1:] {
		if e, ok := c.Peek(k); ok {
			c.touchKey(k, e)
			n++
		}
	}
	c.W.Int(n)
}

func cmdType(c *Ctx) {
	e, ok := c.Peek(c.Args[1])
	if !ok {
		c.W.Simple("none")
		return
	}
	c.W.Simple(e.Type.String())
}

// lookupDB is c.Write for database dbi of this shard.
func (c *Ctx) lookupDB(dbi int, key []byte) (store.Entry, bool) {
	e, ok := c.S.dbs[dbi].Get(key)
	if ok && e.ExpireAt != 0 && e.ExpireAt <= c.Now {
		c.S.purgeExpired(dbi, key)
		return store.Entry{}, false
	}
	if ok {
		c.S.preWrite(c.S.dbs[dbi], key, e)
	}
	return e, ok
}

// useDB points the context at database dbi, so that what it changes and
// logs from then on belongs there (COPY ... DB n on another shard).
func (c *Ctx) useDB(dbi int) {
	c.DB, c.DBi = c.S.dbs[dbi], dbi
}

func cmdRename(c *Ctx)   { renameGeneric(c, false) }
func cmdRenamenx(c *Ctx) { renameGeneric(c, true) }

// renameGeneric is RENAME/RENAMENX with both keys on this shard.
func renameGeneric(c *Ctx, nx bool) {
	src, dst := c.Args[1], c.Args[2]
	if _, ok := c.Write(src); !ok {
		c.Error(errNoSuchKey)
		return
	}
	if bytes.Equal(src, dst) {
		if nx {
			c.W.Int(0)
		} else {
			c.OK()
		}
		return
	}
	if _, exists := c.Write(dst); exists && nx {
		c.W.Int(0)
		return
	}
	// Looked up again: expiring dst may have moved table memory.
	e, _ := c.DB.Get(src)
	c.DB.Set(dst, e)
	c.DB.Delete(src)
	c.Dirty(1)
	c.Notify(config.NotifyGeneric, "rename_from", src)
	c.Notify(config.NotifyGeneric, "rename_to", dst)
	if nx {
		c.W.Int(1)
	} else {
		c.OK()
	}
}

// movedValue is a value in transit between shards: Str owned (copied), Obj
// moved or deep-copied so that only the destination holds it.
type movedValue struct {
	e     store.Entry
	found bool
	err   string
}

// detachString gives e a private copy of its string bytes.
func detachString(e store.Entry) store.Entry {
	if e.Type == store.TypeString {
		e.Str = bytes.Clone(e.Str)
		if e.Str == nil {
			e.Str = []byte{}
		}
	}
	return e
}

// multiRename moves a key to another shard: the source shard removes it
// (logging DEL), the destination stores it with its TTL (logging the
// records that rebuild it there); both shards are held throughout, so no
// one sees the key in both places or in neither.
func multiRename(m *Multi) {
	nx := m.Cmd.Name == "renamenx"
	src, dst := m.Args[1], m.Args[2]
	srcSh, dstSh := m.srv.shardOf(src), m.srv.shardOf(dst)
	take := func(c *Ctx) any {
		e, ok := c.Write(src)
		if !ok {
			return movedValue{}
		}
		if !canRestore(e.Type) {
			return movedValue{found: true, err: "ERR values of type " + e.Type.String() + " cannot be moved across shards"}
		}
		e = detachString(e)
		c.DB.Delete(src)
		c.S.touch(c.DBi, src)
		c.Dirty(1)
		c.Effect(delWord, src)
		c.Notify(config.NotifyGeneric, "rename_from", src)
		return movedValue{e: e, found: true}
	}
	if nx {
		// Check without taking: the source must exist (its error comes
		// first) and the destination must not.
		found := m.On(srcSh, func(c *Ctx) any {
			_, ok := c.Write(src)
			return ok
		}).(bool)
		if !found {
			m.W.Error(errNoSuchKey)
			return
		}
		if m.On(dstSh, func(c *Ctx) any {
			_, ok := c.Write(dst)
			return ok
		}).(bool) {
			m.W.Int(0)
			return
		}
	}
	mv := m.On(srcSh, take).(movedValue)
	switch {
	case !mv.found:
		m.W.Error(errNoSuchKey)
		return
	case mv.err != "":
		m.W.Error(mv.err)
		return
	}
	m.On(dstSh, func(c *Ctx) any {
		c.putMoved(dst, mv.e)
		c.Notify(config.NotifyGeneric, "rename_to", dst)
		return nil
	})
	if nx {
		m.W.Int(1)
	} else {
		m.W.Simple("OK")
	}
}

// putMoved stores a value that came from another shard and logs it.
func (c *Ctx) putMoved(key []byte, e store.Entry) {
	c.Write(key) // expire a stale destination first, logging its DEL
	c.Set(key, e)
	for _, r := range restoreEffects(key, e) {
		c.Effect(r...)
	}
}

// canRestore reports whether values of type t can be logged on a shard that
// never saw them; callers refuse to move or copy the others across shards.
func canRestore(t store.Type) bool { return t == store.TypeString || restoreFuncs[t] != nil }

// restoreEffects returns the log records that recreate e under key on a
// shard that never saw it: SET (with PXAT) for strings; for other types the
// type's restoreFuncs records plus PEXPIREAT (nothing without one: see
// canRestore).
func restoreEffects(key []byte, e store.Entry) [][][]byte {
	if e.Type == store.TypeString {
		rec := [][]byte{keyEffSet, key, e.Str}
		if e.ExpireAt != 0 {
			rec = append(rec, keyEffPxat, strconv.AppendInt(nil, e.ExpireAt, 10))
		}
		return [][][]byte{rec}
	}
	f := restoreFuncs[e.Type]
	if f == nil {
		return nil
	}
	recs := f(key, e.Obj)
	if e.ExpireAt != 0 {
		recs = append(recs, [][]byte{keyEffPexpireat, key, strconv.AppendInt(nil, e.ExpireAt, 10)})
	}
	return recs
}

// copyValue returns a deep copy of e with a fresh access clock.
func copyValue(e store.Entry, now int64) (store.Entry, string) {
	e = detachString(e)
	if e.Type != store.TypeString {
		cp, ok := e.Obj.(objCopier)
		if !ok {
			return e, "ERR values of type " + e.Type.String() + " cannot be copied"
		}
		e.Obj = cp.Copy()
	}
	e.LRU = lruClock(now)
	return e, ""
}

// parseCopy reads COPY's options: the destination db and REPLACE.
func parseCopy(args [][]byte, ndb, curDB int) (dbi int, replace bool, errMsg string) {
	dbi = curDB
	for j := 3; j < len(args); j++ {
		switch opt := lower(args[j]); {
		case opt == "replace":
			replace = true
		case opt == "db" && j < len(args)-1:
			n, e := parseDBIndex(args[j+1], ndb)
			if e != "" {
				return 0, false, e
			}
			dbi = n
			j++
		default:
			return 0, false, errSyntax
		}
	}
	return dbi, replace, ""
}

// parseDBIndex parses a database number as getIntFromObjectOrReply followed
// by selectDb.
func parseDBIndex(b []byte, ndb int) (int, string) {
	n, ok := ParseInt(b)
	if !ok {
		return 0, errNotInt
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		return 0, errIntRange
	}
	if n < 0 || n >= int64(ndb) {
		return 0, errDBIndex
	}
	return int(n), ""
}

// cmdCopy is COPY with both keys on this shard (any databases).
func cmdCopy(c *Ctx) {
	dbi, replace, errMsg := parseCopy(c.Args, len(c.S.dbs), c.DBi)
	if errMsg != "" {
		c.Error(errMsg)
		return
	}
	src, dst := c.Args[1], c.Args[2]
	if dbi == c.DBi && bytes.Equal(src, dst) {
		c.Error(errSameObject)
		return
	}
	if _, ok := c.Read(src); !ok {
		c.W.Int(0)
		return
	}
	if _, exists := c.lookupDB(dbi, dst); exists && !replace {
		c.W.Int(0)
		return
	}
	e, _ := c.DB.Get(src)
	v, errMsg := copyValue(e, c.Now)
	if errMsg != "" {
		c.Error(errMsg)
		return
	}
	c.S.dbs[dbi].Set(dst, v)
	c.S.touch(dbi, dst) // the dispatcher touches keys in the current db only
	c.Dirty(1)
	c.S.notify(config.NotifyGeneric, dbi, "copy_to", dst)
	c.W.Int(1)
}

// multiCopy copies a key to another shard: the source shard makes the deep
// copy, the destination stores and logs it.
func multiCopy(m *Multi) {
	dbi, replace, errMsg := parseCopy(m.Args, len(m.srv.shards[0].dbs), m.DBi)
	if errMsg != "" {
		m.W.Error(errMsg)
		return
	}
	src, dst := m.Args[1], m.Args[2]
	srcSh, dstSh := m.srv.shardOf(src), m.srv.shardOf(dst)
	mv := m.On(srcSh, func(c *Ctx) any {
		e, ok := c.Read(src)
		if !ok {
			return movedValue{}
		}
		if !canRestore(e.Type) {
			return movedValue{found: true, err: "ERR values of type " + e.Type.String() + " cannot be copied across shards"}
		}
		v, errMsg := copyValue(e, c.Now)
		return movedValue{e: v, found: true, err: errMsg}
	}).(movedValue)
	switch {
	case !mv.found:
		m.W.Int(0)
		return
	case mv.err != "":
		m.W.Error(mv.err)
		return
	}
	done := m.On(dstSh, func(c *Ctx) any {
		c.useDB(dbi)
		if _, exists := c.Write(dst); exists && !replace {
			return false
		}
		c.putMoved(dst, mv.e)
		c.Notify(config.NotifyGeneric, "copy_to", dst)
		return true
	}).(bool)
	if done {
		m.W.Int(1)
	} else {
		m.W.Int(0)
	}
}

// cmdMove moves a key to another database of the same shard (placement
// depends on the key only).
func cmdMove(c *Ctx) {
	dbi, errMsg := parseDBIndex(c.Args[2], len(c.S.dbs))
	if errMsg != "" {
		c.Error(errMsg)
		return
	}
	if dbi == c.DBi {
		c.Error(errSameObject)
		return
	}
	key := c.Args[1]
	if _, ok := c.Write(key); !ok {
		c.W.Int(0)
		return
	}
	if _, exists := c.lookupDB(dbi, key); exists {
		c.W.Int(0)
		return
	}
	e, _ := c.DB.Get(key)
	c.S.dbs[dbi].Set(key, e)
	c.DB.Delete(key)
	c.S.touch(dbi, key)
	c.Dirty(1)
	c.Notify(config.NotifyGeneric, "move_from", key)
	c.S.notify(config.NotifyGeneric, dbi, "move_to", key)
	c.W.Int(1)
}

// Expiry options of EXPIRE and friends.
const (
	expireNX = 1 << iota
	expireXX
	expireGT
	expireLT
)

func parseExpireFlags(c *Ctx) (int, bool) {
	flags := 0
	for _, a := range c.Args[3:] {
		switch lower(a) {
		case "nx":
			flags |= expireNX
		case "xx":
			flags |= expireXX
		case "gt":
			flags |= expireGT
		case "lt":
			flags |= expireLT
		default:
			c.Error("ERR Unsupported option " + string(a))
			return 0, false
		}
	}
	if flags&expireNX != 0 && flags&(expireXX|expireGT|expireLT) != 0 {
		c.Error("ERR NX and XX, GT or LT options at the same time are not compatible")
		return 0, false
	}
	if flags&expireGT != 0 && flags&expireLT != 0 {
		c.Error("ERR GT and LT options at the same time are not compatible")
		return 0, false
	}
	return flags, true
}

func cmdExpire(c *Ctx)    { expireGeneric(c, "expire", c.Now, true) }
func cmdPexpire(c *Ctx)   { expireGeneric(c, "pexpire", c.Now, false) }
func cmdExpireat(c *Ctx)  { expireGeneric(c, "expireat", 0, true) }
func cmdPexpireat(c *Ctx) { expireGeneric(c, "pexpireat", 0, false) }

// expireGeneric follows Redis's expireGenericCommand: options, then the
// number, overflow checks, the key, the conditions. A time not in the future
// deletes the key (logged as DEL); otherwise the TTL is logged as PEXPIREAT
// with the absolute time, whatever form the client used.
func expireGeneric(c *Ctx, name string, base int64, seconds bool) {
	flags, ok := parseExpireFlags(c)
	if !ok {
		return
	}
	when, ok := ParseInt(c.Args[2])
	if !ok {
		c.Error(errNotInt)
		return
	}
	if seconds {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			c.Error(fmt.Sprintf(errInvalidExp, name))
			return
		}
		when *= 1000
	}
	if when > math.MaxInt64-base {
		c.Error(fmt.Sprintf(errInvalidExp, name))
		return
	}
	when += base
	key := c.Args[1]
	e, found := c.Write(key)
	if !found {
		c.W.Int(0)
		return
	}
	hasTTL := e.ExpireAt != 0
	switch {
	case flags&expireNX != 0 && hasTTL,
		flags&expireXX != 0 && !hasTTL,
		flags&expireGT != 0 && (!hasTTL || when <= e.ExpireAt),
		flags&expireLT != 0 && hasTTL && when >= e.ExpireAt:
		c.W.Int(0)
		return
	}
	if c.alreadyExpired(when) {
		c.DB.Delete(key)
		c.Dirty(1)
		c.Effect(delWord, key)
		c.Notify(config.NotifyGeneric, "del", key)
		c.W.Int(1)
		return
	}
	c.DB.SetExpire(key, when)
	c.Dirty(1)
	c.Effect(keyEffPexpireat, key, strconv.AppendInt(nil, when, 10))
	c.Notify(config.NotifyGeneric, "expire", key)
	c.W.Int(1)
}

// ttlGeneric serves TTL, PTTL, EXPIRETIME and PEXPIRETIME: -2 for a missing
// key, -1 without TTL; seconds are rounded to the nearest.
func ttlGeneric(c *Ctx, ms, abs bool) {
	e, ok := c.Peek(c.Args[1])
	switch {
	case !ok:
		c.W.Int(-2)
		return
	case e.ExpireAt == 0:
		c.W.Int(-1)
		return
	}
	t := e.ExpireAt
	if !abs {
		t -= c.Now
	}
	t = max(t, 0)
	if !ms {
		t = (t + 500) / 1000
	}
	c.W.Int(t)
}

func cmdPersist(c *Ctx) {
	key := c.Args[1]
	e, ok := c.Write(key)
	if !ok || e.ExpireAt == 0 {
		c.W.Int(0)
		return
	}
	c.DB.SetExpire(key, 0)
	c.Dirty(1)
	c.Notify(config.NotifyGeneric, "persist", key)
	c.W.Int(1)
}

// Access clock. store.Entry.LRU holds, as Redis's robj.lru does, either the
// last access time (unix seconds, truncated to 32 bits) or, under an LFU
// maxmemory-policy, the LFU state: the last decrement time in minutes (16
// bits) above an 8-bit logarithmic counter.
const (
	lfuInitVal        = 5
	sharedIntegers    = 10000
	sharedIntRefcount = math.MaxInt32
)

func lruClock(nowMs int64) uint32 { return uint32(nowMs / 1000) }

func lfuPolicy(policy string) bool { return strings.HasSuffix(policy, "-lfu") }

func lfuMinutes(nowMs int64) uint32 { return uint32(nowMs/60000) & 0xffff }

// lfuDecay returns the counter in lru after the decay periods elapsed since
// its last decrement (LFUDecrAndReturn).
func lfuDecay(lru uint32, nowMs int64, decayTime int) uint32 {
	ldt, counter := lru>>8, lru&0xff
	if decayTime <= 0 {
		return counter
	}
	now := lfuMinutes(nowMs)
	elapsed := now - ldt
	if now < ldt {
		elapsed = 0xffff - ldt + now
	}
	periods := elapsed / uint32(decayTime)
	if periods >= counter {
		return 0
	}
	return counter - periods
}

// lfuIncr bumps a counter logarithmically (LFULogIncr).
func lfuIncr(counter uint32, logFactor int) uint32 {
	if counter == 255 {
		return counter
	}
	base := max(float64(counter)-lfuInitVal, 0)
	if rand.Float64() < 1/(base*float64(logFactor)+1) {
		counter++
	}
	return counter
}

// touchKey records an access to key (holding e) as the maxmemory-policy
// wants it: a fresh LRU time or a bumped LFU counter.
func (c *Ctx) touchKey(key []byte, e store.Entry) {
	cfg := c.S.srv.config()
	if lfuPolicy(cfg.MaxMemoryPolicy) {
		counter := lfuIncr(lfuDecay(e.LRU, c.Now, cfg.LFUDecayTime), cfg.LFULogFactor)
		c.DB.Touch(key, lfuMinutes(c.Now)<<8|counter)
		return
	}
	c.DB.Touch(key, lruClock(c.Now))
}

// objectLookup finds OBJECT's key without touching it; a missing key is a
// null reply.
func objectLookup(c *Ctx) (store.Entry, bool) {
	e, ok := c.Peek(c.Args[2])
	if !ok {
		c.W.Null()
	}
	return e, ok
}

func cmdObjectEncoding(c *Ctx) {
	e, ok := objectLookup(c)
	if !ok {
		return
	}
	c.W.BulkString(objectEncoding(e))
}

func objectEncoding(e store.Entry) string {
	if e.Type == store.TypeString {
		switch e.Enc {
		case store.EncRaw:
			return "raw"
		case store.EncEmbstr:
			if len(e.Str) <= 44 {
				return "embstr"
			}
			return "raw"
		}
		return stringEncoding(e.Str)
	}
	if enc, ok := e.Obj.(encoder); ok {
		return enc.Encoding()
	}
	return "unknown"
}

// cmdObjectRefcount reports what Redis would: small integers are shared
// objects (unless an LRU/LFU policy with maxmemory forbids sharing), every
// other value has one reference.
func cmdObjectRefcount(c *Ctx) {
	e, ok := objectLookup(c)
	if !ok {
		return
	}
	if e.Type == store.TypeString && stringEncoding(e.Str) == "int" {
		cfg := c.S.srv.config()
		p := cfg.MaxMemoryPolicy
		shareable := cfg.MaxMemory == 0 || !(strings.HasSuffix(p, "-lru") || strings.HasSuffix(p, "-lfu"))
		if n, isInt := ParseInt(e.Str); isInt && shareable && n >= 0 && n < sharedIntegers {
			c.W.Int(sharedIntRefcount)
			return
		}
	}
	c.W.Int(1)
}

func cmdObjectIdletime(c *Ctx) {
	e, ok := objectLookup(c)
	if !ok {
		return
	}
	if lfuPolicy(c.S.srv.config().MaxMemoryPolicy) {
		c.Error(errLFUOn)
		return
	}
	c.W.Int(int64(lruClock(c.Now) - e.LRU))
}

func cmdObjectFreq(c *Ctx) {
	e, ok := objectLookup(c)
	if !ok {
		return
	}
	cfg := c.S.srv.config()
	if !lfuPolicy(cfg.MaxMemoryPolicy) {
		c.Error(errLFUOff)
		return
	}
	c.W.Int(int64(lfuDecay(e.LRU, c.Now, cfg.LFUDecayTime)))
}

var objectHelp = []string{
	"ENCODING <key>",
	"    Return the kind of internal representation used in order to store the value",
	"    associated with a <key>.",
	"FREQ <key>",
	"    Return the access frequency index of the <key>. The returned integer is",
	"    proportional to the logarithm of the recent access frequency of the key.",
	"IDLETIME <key>",
	"    Return the idle time of the <key>, that is the approximated number of",
	"    seconds elapsed since the last access to the key.",
	"REFCOUNT <key>",
	"    Return the number of references of the value associated with the specified",
	"    <key>.",
}

var memoryHelp = []string{
	"DOCTOR",
	"    Return memory problems reports.",
	"MALLOC-STATS",
	"    Return internal statistics report from the memory allocator.",
	"PURGE",
	"    Attempt to purge dirty pages for reclamation by the allocator.",
	"STATS",
	"    Return information about the memory usage of the server.",
	"USAGE <key> [SAMPLES <count>]",
	"    Return memory in bytes used by <key> and its value. Nested values are",
	"    sampled up to <count> times (default: 5, 0 means sample all).",
}

// cmdMemoryUsage estimates a key's footprint: its table entry and record
// plus what its object holds. Like Redis it does not check the TTL.
func cmdMemoryUsage(c *Ctx) {
	for j := 3; j < len(c.Args); j++ {
		if lower(c.Args[j]) != "samples" || j+1 >= len(c.Args) {
			c.Error(errSyntax)
			return
		}
		n, ok := ParseInt(c.Args[j+1])
		if !ok {
			c.Error(errNotInt)
			return
		}
		if n < 0 {
			c.Error(errSyntax)
			return
		}
		j++
	}
	key := c.Args[2]
	e, ok := c.DB.Get(key)
	if !ok {
		c.W.Null()
		return
	}
	usage := c.DB.KeyMemory(key)
	if ms, ok := e.Obj.(memorySizer); ok {
		usage += ms.MemoryUsage()
	}
	c.W.Int(usage)
}
