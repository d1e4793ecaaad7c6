package shardcore

import (
	"math/rand/v2"

	"github.com/keeldb/keel/shardcore/store"
)

// lookup returns the live entry for key, removing it first if its TTL has
// passed (lazy expiry, logged as a DEL like the active cycle's). During a
// CLIENT PAUSE a read leaves such a key in place (deleteExpired); a write,
// which Redis would not run then, removes it all the same (purgeExpired).
//
// While the dataset loads nothing expires (as in Redis): a logged write was
// applied to the key as it was then, and replay must do the same however
// late it runs. Keys past their TTL go after loading, logged as DELs.
func (c *Ctx) lookup(key []byte, write bool) (store.Entry, bool) {
	e, ok := c.DB.Get(key)
	if ok && e.ExpireAt != 0 && e.ExpireAt <= c.Now && !c.S.srv.loading.Load() {
		if write {
			c.S.purgeExpired(c.DBi, key)
		} else {
			c.S.deleteExpired(c.DBi, key)
		}
		return store.Entry{}, false
	}
	return e, ok
}

// Read looks a key up for a read command (counting keyspace hits/misses).
func (c *Ctx) Read(key []byte) (store.Entry, bool) {
	e, ok := c.lookup(key, false)
	if ok {
		c.S.stats.hits++
		c.access(key, e)
	} else {
		c.S.stats.misses++
	}
	return e, ok
}

// Peek is Read without recording an access (Redis's LOOKUP_NOTOUCH: OBJECT,
// TYPE, TTL and EXISTS must not change what OBJECT IDLETIME/FREQ report).
func (c *Ctx) Peek(key []byte) (store.Entry, bool) {
	e, ok := c.lookup(key, false)
	if ok {
		c.S.stats.hits++
	} else {
		c.S.stats.misses++
	}
	return e, ok
}

// Write looks a key up on behalf of a write. A checkpoint being written
// saves the key's value first if it still needs it (preWrite).
func (c *Ctx) Write(key []byte) (store.Entry, bool) {
	e, ok := c.lookup(key, true)
	if ok {
		c.S.preWrite(c.DB, key, e)
		c.access(key, e)
	}
	return e, ok
}

// access records a key's use for OBJECT IDLETIME/FREQ. Under an LRU (or no)
// policy the clock has one-second resolution, so most accesses change
// nothing and cost no second lookup.
func (c *Ctx) access(key []byte, e store.Entry) {
	if e.LRU == lruClock(c.Now) && !lfuPolicy(c.S.srv.config().MaxMemoryPolicy) {
		return
	}
	c.touchKey(key, e)
}

// ReadType looks up key expecting type t; on another type it replies
// WRONGTYPE and returns ok=false. found reports whether the key exists.
func (c *Ctx) ReadType(key []byte, t store.Type) (e store.Entry, found, ok bool) {
	e, found = c.Read(key)
	if found && e.Type != t {
		c.Error(errWrongType)
		return e, true, false
	}
	return e, found, true
}

// WriteType is ReadType for writes.
func (c *Ctx) WriteType(key []byte, t store.Type) (e store.Entry, found, ok bool) {
	e, found = c.Write(key)
	if found && e.Type != t {
		c.Error(errWrongType)
		return e, true, false
	}
	return e, found, true
}

// Set stores a value, replacing whatever the key held, and marks the write.
func (c *Ctx) Set(key []byte, e store.Entry) {
	if e.LRU == 0 {
		e.LRU = c.newLRU()
	}
	c.S.preWriteKey(c.DB, key)
	c.DB.Set(key, e)
	c.S.touch(c.DBi, key)
	c.Dirty(1)
}

// Delete removes a live key; it reports whether one was there.
func (c *Ctx) Delete(key []byte) bool {
	e, ok := c.lookup(key, true)
	if !ok {
		return false
	}
	c.S.preWrite(c.DB, key, e)
	c.DB.Delete(key)
	c.S.touch(c.DBi, key)
	c.Dirty(1)
	return true
}

// newLRU is a new key's access field: the clock, or under an LFU policy the
// minutes with Redis's initial counter.
func (c *Ctx) newLRU() uint32 {
	if lfuPolicy(c.S.srv.config().MaxMemoryPolicy) {
		return lfuMinutes(c.Now)<<8 | lfuInitVal
	}
	return lruClock(c.Now)
}

// alreadyExpired reports whether an absolute expiry time is already past,
// which makes SET/EXPIRE/RESTORE delete rather than store. Never while
// loading (Redis's checkAlreadyExpired): the logged write stored the key, and
// a later logged write may depend on it.
func (c *Ctx) alreadyExpired(at int64) bool {
	return at <= c.Now && !c.S.srv.loading.Load()
}

// lookupObj finds key's value of type typ for a data-type command: (zero,
// true) when the key is missing, ok=false after a WRONGTYPE reply.
func lookupObj[T any](c *Ctx, key []byte, typ store.Type, write bool) (T, bool) {
	var zero T
	var e store.Entry
	var found, ok bool
	if write {
		e, found, ok = c.WriteType(key, typ)
	} else {
		e, found, ok = c.ReadType(key, typ)
	}
	if !ok {
		return zero, false
	}
	if !found {
		return zero, true
	}
	o, isT := e.Obj.(T)
	if !isT {
		c.Error(errWrongType)
		return zero, false
	}
	return o, true
}

// randomKeyShare is a shard's part of RANDOMKEY's draw: its keys in the
// database, and how many of them have a TTL.
type randomKeyShare struct{ keys, volatile int }

func (c *Ctx) randomKeyShare() randomKeyShare {
	return randomKeyShare{keys: c.DB.Len(), volatile: c.DB.ExpiresLen()}
}

// randomKeyTries is how many expired keys RANDOMKEY samples on a shard
// during a pause before it gives up, as Redis's dbRandomKey.
const randomKeyTries = 100

// randomKey is RANDOMKEY on the shard the draw picked: a random live key,
// deleting the expired ones it meets, or nil once the shard is empty (the
// caller draws again). During a pause expired keys stay, so the shard could
// sample them forever: after randomKeyTries expired keys it returns the
// last one when every key of the database has a TTL (allVolatile; the key
// may be past it, as Redis answers then), or nil so that the caller draws
// again, until it meets a key without one.
func (c *Ctx) randomKey(allVolatile bool) []byte {
	tries := randomKeyTries
	for c.DB.Len() > 0 {
		k, _ := c.DB.RandomKey(rand.IntN)
		e, _ := c.DB.Get(k)
		if e.ExpireAt == 0 || e.ExpireAt > c.Now {
			return keyCopy(k)
		}
		if !c.S.expiryPaused() {
			c.S.deleteExpired(c.DBi, k)
			continue
		}
		if tries--; tries == 0 {
			if allVolatile {
				return keyCopy(k)
			}
			return nil
		}
	}
	return nil
}
