package integration

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDifferentialPauseExpiry runs one script on keel and redis-server side
// by side: keys that pass their TTL during CLIENT PAUSE WRITE read as gone
// but stay in the keyspace (DBSIZE, expired_keys, no "expired" event) until
// the pause ends, when expiry deletes them.
func TestDifferentialPauseExpiry(t *testing.T) {
	ref := startRedis(t)
	k := startKeel(t, "--shards", strconv.Itoa(diffShards))
	type side struct {
		name     string
		cmd, sub *rawConn
	}
	sides := []side{{name: "keel", cmd: k.Raw(t), sub: k.Raw(t)}, {name: "redis", cmd: ref.Raw(t), sub: ref.Raw(t)}}
	// both sends args to each server and requires the same reply.
	both := func(args ...string) string {
		t.Helper()
		kr := sides[0].cmd.MustDo(t, args...)
		rr := sides[1].cmd.MustDo(t, args...)
		require.Equal(t, rr, kr, "%q", args)
		return kr
	}
	expiredKeys := func() string {
		t.Helper()
		var vals []string
		for _, s := range sides {
			for _, l := range strings.Split(s.cmd.MustDo(t, "INFO", "stats"), "\r\n") {
				if v, ok := strings.CutPrefix(l, "expired_keys:"); ok {
					vals = append(vals, v)
				}
			}
		}
		require.Len(t, vals, 2)
		require.Equal(t, vals[1], vals[0], "expired_keys")
		return vals[0]
	}

	both("CONFIG", "SET", "notify-keyspace-events", "Ex")
	for _, s := range sides {
		require.Equal(t, "*3\r\n$9\r\nsubscribe\r\n$22\r\n__keyevent@0__:expired\r\n:1\r\n", s.sub.MustDo(t, "SUBSCRIBE", "__keyevent@0__:expired"), s.name)
	}
	// a, b and c live on different keel shards.
	both("SET", "a", "1", "PX", "300")
	both("SET", "b", "2", "PX", "300")
	both("SET", "c", "3")
	both("CLIENT", "PAUSE", "100000", "WRITE")
	for _, s := range sides {
		require.Eventually(t, func() bool { return s.cmd.MustDo(t, "PTTL", "b") == ":-2\r\n" }, 10*time.Second, 5*time.Millisecond, s.name)
	}
	for _, args := range [][]string{
		{"GET", "a"}, {"EXISTS", "a", "b", "c"}, {"TTL", "a"}, {"PTTL", "b"}, {"TYPE", "a"}, {"STRLEN", "b"},
		{"OBJECT", "ENCODING", "a"}, {"KEYS", "*"}, {"RANDOMKEY"}, {"RANDOMKEY"}, {"RANDOMKEY"}, {"GET", "c"}, {"DBSIZE"},
	} {
		both(args...)
	}
	require.Equal(t, ":3\r\n", both("DBSIZE"))
	require.Equal(t, "0", expiredKeys())
	// Nothing was published: the next thing a subscriber reads is its PONG.
	for _, s := range sides {
		require.Equal(t, "*2\r\n$4\r\npong\r\n$0\r\n\r\n", s.sub.MustDo(t, "PING"), s.name)
	}

	both("CLIENT", "UNPAUSE")
	both("GET", "a")
	both("GET", "b")
	require.Equal(t, ":1\r\n", both("DBSIZE"))
	require.Equal(t, "2", expiredKeys())
	for _, s := range sides {
		var got []string
		for range 2 {
			r, err := s.sub.Read()
			require.NoError(t, err, s.name)
			got = append(got, r)
		}
		require.ElementsMatch(t, []string{
			"*3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:expired\r\n$1\r\na\r\n",
			"*3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:expired\r\n$1\r\nb\r\n",
		}, got, s.name)
	}
}
