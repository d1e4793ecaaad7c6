package store

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestExpireSample(t *testing.T) {
	tb := NewTable()
	const now = 1000
	past, future := map[string]bool{}, map[string]bool{}
	for i := 0; i < 3000; i++ {
		k := fmt.Sprint("k", i)
		switch i % 3 {
		case 0:
			tb.Set([]byte(k), Entry{Str: []byte("no ttl")})
		case 1:
			tb.Set([]byte(k), Entry{Str: []byte("expired"), ExpireAt: 1 + int64(i)%now})
			past[k] = true
		case 2:
			tb.Set([]byte(k), Entry{Str: []byte("later")})
			require.True(t, tb.SetExpire([]byte(k), now+1+int64(i)))
			future[k] = true
		}
	}
	require.Equal(t, 2000, tb.ExpiresLen())
	expired := 0
	for rounds := 0; len(past) > 0; rounds++ {
		require.Less(t, rounds, 1000, "expired keys left: %d", len(past))
		sampled, n := tb.ExpireSample(now, 20, func(key []byte) {
			k := string(key)
			require.True(t, past[k], "callback for key %q that is not expired", k)
			e, ok := tb.Get(key)
			require.True(t, ok)
			require.LessOrEqual(t, e.ExpireAt, int64(now))
			_, ok = tb.Delete(key)
			require.True(t, ok)
			delete(past, k)
		})
		require.LessOrEqual(t, sampled, 20)
		require.LessOrEqual(t, n, sampled)
		expired += n
		checkInvariants(t, tb)
	}
	require.Equal(t, 1000, expired)
	require.Equal(t, 1000, tb.ExpiresLen())
	require.Equal(t, 2000, tb.Len())
	// Only future keys remain in the index: sampling finds nothing.
	sampled, n := tb.ExpireSample(now, 50, func(key []byte) { t.Fatalf("%q is not expired", key) })
	require.Equal(t, 50, sampled)
	require.Zero(t, n)
	for k := range future {
		_, ok := tb.Get([]byte(k))
		require.True(t, ok)
	}
}

// A callback that only clears the TTL (or does nothing) must not loop or
// skip the rest of the index.
func TestExpireSampleCallbackKeepsKey(t *testing.T) {
	tb := NewTable()
	for i := 0; i < 100; i++ {
		tb.Set([]byte(fmt.Sprint("k", i)), Entry{ExpireAt: 5})
	}
	calls := 0
	sampled, n := tb.ExpireSample(10, 60, func(key []byte) {
		calls++
		if calls%2 == 0 {
			require.True(t, tb.SetExpire(key, 0))
		}
	})
	require.Equal(t, 60, sampled)
	require.Equal(t, 60, n)
	require.Equal(t, 70, tb.ExpiresLen())
	require.Equal(t, 100, tb.Len())
	checkInvariants(t, tb)
	// Keys without a TTL are never sampled.
	tb.Clear()
	for i := 0; i < 100; i++ {
		tb.Set([]byte(fmt.Sprint("k", i)), Entry{})
	}
	sampled, n = tb.ExpireSample(10, 60, func([]byte) { t.Fatal("no key has a TTL") })
	require.Zero(t, sampled)
	require.Zero(t, n)
}

// The key handed to the callback stays intact even if the callback deletes
// it and the slot's page is released.
func TestExpireSampleKeyStable(t *testing.T) {
	tb := NewTable()
	tb.Set([]byte("a-rather-long-key-name"), Entry{Str: []byte("v"), ExpireAt: 1})
	var got string
	tb.ExpireSample(2, 10, func(key []byte) {
		tb.Delete(key)
		got = string(key)
	})
	require.Equal(t, "a-rather-long-key-name", got)
	require.Zero(t, tb.Len())
}

// Keys removed by active expiry give their memory back like any delete.
func TestExpireAllShrinks(t *testing.T) {
	tb := NewTable()
	for i := 0; i < 20000; i++ {
		tb.Set([]byte(fmt.Sprint("k", i)), Entry{Str: []byte("v"), ExpireAt: 1})
	}
	for tb.ExpiresLen() > 0 {
		tb.ExpireSample(2, 500, func(key []byte) { tb.Delete(key) })
	}
	require.Zero(t, tb.Len())
	for tb.Rehash(100) { // the shard's cron
	}
	require.Equal(t, initBuckets, len(tb.ht[0]), "table did not shrink")
	for tb.Defrag(1000) {
	}
	require.LessOrEqual(t, int(tb.nents), entPageLen)
	checkInvariants(t, tb)
}
