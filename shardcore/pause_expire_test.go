package shardcore

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pauseOnKeyShard runs fn on the loop of the shard that owns key.
func pauseOnKeyShard(t *testing.T, srv *Server, key string, fn func(s *Shard) any) any {
	t.Helper()
	ch := make(chan any, 1)
	srv.shardOf([]byte(key)).post(message{ctrl: true, fn: func(s *Shard) { ch <- fn(s) }})
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("shard did not answer")
		return nil
	}
}

// tableKeys counts the keys of database 0 over all shards, expired ones
// not yet removed included.
func tableKeys(t *testing.T, srv *Server) int {
	t.Helper()
	counts, ok := srv.gather(func(s *Shard) any { return s.dbs[0].Len() })
	require.True(t, ok)
	n := 0
	for _, c := range counts {
		n += c.(int)
	}
	return n
}

// loggedDels returns the keys logged as DELs.
func loggedDels(rl *recordingLog) []string {
	var out []string
	for _, r := range rl.records() {
		if len(r.args) == 2 && strings.EqualFold(string(r.args[0]), "del") {
			out = append(out, string(r.args[1]))
		}
	}
	return out
}

func expiredKeysStat(t *testing.T, rc *rawConn) string {
	t.Helper()
	for _, l := range strings.Split(rc.do("INFO", "stats"), "\r\n") {
		if v, ok := strings.CutPrefix(l, "expired_keys:"); ok {
			return v
		}
	}
	t.Fatal("no expired_keys in INFO stats")
	return ""
}

// waitExpired waits until key is past its TTL (PTTL -2 is what a read
// answers then, whether or not the key is still stored).
func waitExpired(t *testing.T, rc *rawConn, key string) {
	t.Helper()
	require.Eventually(t, func() bool { return rc.do("PTTL", key) == ":-2\r\n" }, 10*time.Second, time.Millisecond)
}

func TestPauseWriteKeepsExpiredKeys(t *testing.T) {
	srv, rl := newRecordingServer(t, 3, true)
	rc := testRaw(t, srv)
	// a, b and c live on different shards.
	require.Equal(t, "+OK\r\n", rc.do("SET", "a", "1", "PX", "300"))
	require.Equal(t, "+OK\r\n", rc.do("SET", "b", "2", "PX", "300"))
	require.Equal(t, "+OK\r\n", rc.do("SET", "c", "3"))
	require.Equal(t, "+OK\r\n", rc.do("CLIENT", "PAUSE", "100000", "WRITE"))
	waitExpired(t, rc, "a")
	waitExpired(t, rc, "b")

	// Reads see the keys gone...
	assert.Equal(t, "$-1\r\n", rc.do("GET", "a"))
	assert.Equal(t, ":1\r\n", rc.do("EXISTS", "a", "b", "c"))
	assert.Equal(t, ":-2\r\n", rc.do("TTL", "b"))
	assert.Equal(t, "+none\r\n", rc.do("TYPE", "a"))
	assert.Equal(t, ":0\r\n", rc.do("STRLEN", "b"))
	assert.Equal(t, "*1\r\n$1\r\nc\r\n", rc.do("KEYS", "*"))
	for range 20 {
		require.Equal(t, "$1\r\nc\r\n", rc.do("RANDOMKEY"))
	}
	var scanned []string
	for cursor := "0"; ; {
		r := rc.do("SCAN", cursor, "COUNT", "100")
		parts := strings.Split(r, "\r\n")
		cursor = parts[2]
		for i := 4; i+1 < len(parts); i += 2 {
			scanned = append(scanned, parts[i+1])
		}
		if cursor == "0" {
			break
		}
	}
	assert.Equal(t, []string{"c"}, scanned)
	// ...but they stay: counted, neither deleted, logged nor counted as
	// expired, not even by the active cycle.
	for _, k := range []string{"a", "b"} {
		pauseOnKeyShard(t, srv, k, func(s *Shard) any { s.activeExpire(time.Second); return nil })
	}
	assert.Equal(t, ":3\r\n", rc.do("DBSIZE"))
	assert.Equal(t, 3, tableKeys(t, srv))
	assert.Empty(t, loggedDels(rl))
	assert.Equal(t, "0", expiredKeysStat(t, rc))

	// Once the pause ends, expiry deletes them as usual.
	require.Equal(t, "+OK\r\n", rc.do("CLIENT", "UNPAUSE"))
	assert.Equal(t, "$-1\r\n", rc.do("GET", "a"))
	pauseOnKeyShard(t, srv, "b", func(s *Shard) any { s.activeExpire(time.Second); return nil })
	assert.Equal(t, ":1\r\n", rc.do("DBSIZE"))
	assert.ElementsMatch(t, []string{"a", "b"}, loggedDels(rl))
	assert.Equal(t, "2", expiredKeysStat(t, rc))
}

func TestPauseAllKeepsExpiredKeys(t *testing.T) {
	srv, rl := newRecordingServer(t, 2, true)
	rc := testRaw(t, srv)
	require.Equal(t, "+OK\r\n", rc.do("SET", "a", "1", "PX", "300"))
	require.Equal(t, "+OK\r\n", rc.do("CLIENT", "PAUSE", "100000", "ALL"))
	require.Eventually(t, func() bool {
		return pauseOnKeyShard(t, srv, "a", func(s *Shard) any {
			s.tick()
			e, ok := s.dbs[0].Get([]byte("a"))
			return ok && e.ExpireAt <= s.now
		}).(bool)
	}, 10*time.Second, time.Millisecond)
	pauseOnKeyShard(t, srv, "a", func(s *Shard) any { s.activeExpire(time.Second); return nil })
	assert.Equal(t, 1, tableKeys(t, srv))
	assert.Empty(t, loggedDels(rl))
	srv.ext().pause.unpause()
	pauseOnKeyShard(t, srv, "a", func(s *Shard) any { s.activeExpire(time.Second); return nil })
	assert.Equal(t, 0, tableKeys(t, srv))
	assert.Equal(t, []string{"a"}, loggedDels(rl))
}

// A write that runs during a pause (one already under way when it began)
// deletes the expired key first, logged, so that its own logged effect
// replays onto the same keyspace.
func TestPauseWriteStillPurgesForWrites(t *testing.T) {
	srv, rl := newRecordingServer(t, 2, true)
	rc := testRaw(t, srv)
	require.Equal(t, "+OK\r\n", rc.do("SET", "a", "old", "PX", "300"))
	require.Equal(t, "+OK\r\n", rc.do("CLIENT", "PAUSE", "100000", "WRITE"))
	waitExpired(t, rc, "a")
	assert.Equal(t, 1, tableKeys(t, srv))
	reply := pauseOnKeyShard(t, srv, "a", func(s *Shard) any {
		return string(s.runArgs(0, 2, [][]byte{[]byte("APPEND"), []byte("a"), []byte("new")}, nil))
	})
	assert.Equal(t, ":3\r\n", reply)
	assert.Equal(t, []string{"a"}, loggedDels(rl))
	assert.Equal(t, "$3\r\nnew\r\n", rc.do("GET", "a"))
	replayed := replayInto(t, rl.records(), 2)
	got := pauseOnKeyShard(t, replayed, "a", func(s *Shard) any {
		e, ok := s.dbs[0].Get([]byte("a"))
		return ok && string(e.Str) == "new"
	})
	assert.Equal(t, true, got)
}

// RANDOMKEY cannot spin during a pause when every key is expired: as Redis
// (7.2's dbRandomKey), it gives up after 100 tries with a key name, and
// otherwise keeps looking for a key without a TTL.
func TestPauseRandomKeyTerminates(t *testing.T) {
	srv := testServer(t, 3)
	rc := testRaw(t, srv)
	keys := []string{"a", "b", "c", "d"}
	for _, k := range keys {
		require.Equal(t, "+OK\r\n", rc.do("SET", k, "1", "PX", "300"))
	}
	require.Equal(t, "+OK\r\n", rc.do("CLIENT", "PAUSE", "100000", "WRITE"))
	for _, k := range keys {
		waitExpired(t, rc, k)
	}
	for range 10 {
		r := rc.do("RANDOMKEY")
		require.True(t, strings.HasPrefix(r, "$1\r\n"), "%q", r)
		assert.Contains(t, keys, r[4:5])
	}
	// A key without a TTL (on one shard only) is the only answer.
	srv.ext().pause.unpause()
	for _, k := range keys {
		require.Equal(t, ":0\r\n", rc.do("EXISTS", k)) // deletes it
		require.Equal(t, "+OK\r\n", rc.do("SET", k, "1", "PX", "300"))
	}
	require.Equal(t, "+OK\r\n", rc.do("SET", "live", "1"))
	require.Equal(t, "+OK\r\n", rc.do("CLIENT", "PAUSE", "100000", "WRITE"))
	for _, k := range keys {
		waitExpired(t, rc, k)
	}
	for range 10 {
		require.Equal(t, "$4\r\nlive\r\n", rc.do("RANDOMKEY"))
	}
	assert.Equal(t, ":5\r\n", rc.do("DBSIZE"))
}
