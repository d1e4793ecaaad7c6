package store

import "hash/maphash"

// seed is chosen once per process: bucket order (and so SCAN order) differs
// between runs, as with Redis's random siphash key, which keeps crafted keys
// from degrading chains. Never persist a Hash value.
var seed = maphash.MakeSeed()

// Hash is the keyspace hash of key.
func Hash(key []byte) uint64 { return maphash.Bytes(seed, key) }
