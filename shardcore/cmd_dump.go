package shardcore

import (
	"errors"
	"math"

	"github.com/keeldb/keel/rdb"
	"github.com/keeldb/keel/shardcore/config"
)

// DUMP and RESTORE: values serialized as Redis's DUMP payload (RDB version
// 10), so that they move between keel and redis-server in both directions.

const (
	errBusyKey     = "BUSYKEY Target key name already exists."
	errBadTTL      = "ERR Invalid TTL value, must be >= 0"
	errBadIdletime = "ERR Invalid IDLETIME value, must be >= 0"
	errBadFreq     = "ERR Invalid FREQ value, must be >= 0 and <= 255"
	errBadFormat   = "ERR Bad data format"
)

func init() {
	register(
		&Command{Name: "dump", Arity: 2, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Group: "generic", Since: "2.6.0",
			Summary: "Return a serialized version of the value stored at the specified key.", Fn: cmdDump},
		&Command{Name: "restore", Arity: -4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Group: "generic", Since: "2.6.0",
			Summary: "Create a key using the provided serialized value, previously obtained using DUMP.", Fn: cmdRestore},
	)
}

func cmdDump(c *Ctx) {
	e, ok := c.Read(c.Args[1])
	if !ok {
		c.W.Null()
		return
	}
	v, err := entryToRDB(e)
	if err != nil {
		c.Error("ERR " + err.Error())
		return
	}
	payload, err := rdb.EncodeDump(v, dumpVersion)
	if err != nil {
		c.Error("ERR " + err.Error())
		return
	}
	c.W.Bulk(payload)
}

// restoreOpts are RESTORE's options after the payload.
type restoreOpts struct {
	replace, absttl bool
	idle, freq      int64 // -1: not given
}

// parseRestoreOpts follows Redis 7.0: IDLETIME and FREQ exclude each other
// (the second one is a syntax error), and each value is checked as it is read.
func parseRestoreOpts(args [][]byte) (restoreOpts, string) {
	o := restoreOpts{idle: -1, freq: -1}
	for j := 4; j < len(args); j++ {
		more := len(args) - j - 1
		switch opt := lower(args[j]); {
		case opt == "replace":
			o.replace = true
		case opt == "absttl":
			o.absttl = true
		case opt == "idletime" && more >= 1 && o.freq == -1:
			n, ok := ParseInt(args[j+1])
			if !ok {
				return o, errNotInt
			}
			if n < 0 {
				return o, errBadIdletime
			}
			o.idle = n
			j++
		case opt == "freq" && more >= 1 && o.idle == -1:
			n, ok := ParseInt(args[j+1])
			if !ok {
				return o, errNotInt
			}
			if n < 0 || n > 255 {
				return o, errBadFreq
			}
			o.freq = n
			j++
		default:
			return o, errSyntax
		}
	}
	return o, ""
}

// cmdRestore logs RESTORE key <absolute ms> payload REPLACE ABSTTL (or DEL
// when an already expired payload replaced a key): replay yields the same
// value whenever and onto whatever it runs.
func cmdRestore(c *Ctx) {
	key := c.Args[1]
	o, msg := parseRestoreOpts(c.Args)
	if msg != "" {
		c.Error(msg)
		return
	}
	if _, exists := c.Write(key); exists && !o.replace {
		c.Error(errBusyKey)
		return
	}
	ttl, ok := ParseInt(c.Args[2])
	if !ok {
		c.Error(errNotInt)
		return
	}
	if ttl < 0 {
		c.Error(errBadTTL)
		return
	}
	v, err := rdb.DecodeDump(c.Args[3])
	if errors.Is(err, rdb.ErrDumpPayload) {
		c.Error(rdb.ErrDumpPayload.Error())
		return
	}
	if err != nil {
		c.Error(errBadFormat)
		return
	}
	e, nonEmpty, err := entryFromRDB(&v, c.S.srv.config())
	if err != nil || !nonEmpty {
		c.Error(errBadFormat)
		return
	}
	if ttl > 0 && !o.absttl {
		ttl = saturatingAdd(c.Now, ttl)
	}
	if ttl > 0 && c.alreadyExpired(ttl) {
		if o.replace && c.Delete(key) {
			c.Effect(delWord, key)
			c.Notify(config.NotifyGeneric, "del", key)
		}
		c.OK()
		return
	}
	e.ExpireAt = ttl
	e.LRU = restoreLRU(c, o)
	c.Set(key, e) // replaces whatever key held (REPLACE was checked above)
	c.Effect(restoreRecord(key, ttl, c.Args[3])...)
	c.Notify(config.NotifyGeneric, "restore", key)
	c.OK()
}

// restoreLRU is the access field IDLETIME or FREQ ask for, as Redis's
// objectSetLRUOrLFU: FREQ counts under an LFU policy, IDLETIME otherwise; 0
// lets Set use a fresh one.
func restoreLRU(c *Ctx, o restoreOpts) uint32 {
	if lfuPolicy(c.S.srv.config().MaxMemoryPolicy) {
		if o.freq >= 0 {
			return lfuMinutes(c.Now)<<8 | uint32(o.freq)
		}
		return 0
	}
	if o.idle < 0 {
		return 0
	}
	clock := int64(lruClock(c.Now))
	return uint32(max(clock-o.idle, 1))
}

// saturatingAdd adds a relative TTL to the clock without wrapping.
func saturatingAdd(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
