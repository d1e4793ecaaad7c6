package shardcore

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// counts returns "calls=..,rejected_calls=..,failed_calls=.." of a command
// in INFO commandstats ("" if it has none).
func counts(t *testing.T, rc *rawConn, name string) string {
	t.Helper()
	v := parseInfo(t, rc.do("INFO", "commandstats"))["cmdstat_"+name]
	var kept []string
	for _, f := range strings.Split(v, ",") {
		if f != "" && !strings.HasPrefix(f, "usec") {
			kept = append(kept, f)
		}
	}
	return strings.Join(kept, ",")
}

func TestStatsCrossShardCalls(t *testing.T) {
	srv := testServer(t, 3)
	rc := testRaw(t, srv)
	require.Len(t, map[*Shard]bool{srv.shardOf([]byte("a")): true, srv.shardOf([]byte("b")): true, srv.shardOf([]byte("c")): true}, 3)

	// Split into one part per shard, counted once.
	rc.do("MSET", "a", "1", "b", "2", "c", "3")
	rc.do("MGET", "a", "b", "c")
	rc.do("DEL", "a", "b", "zz")
	rc.do("MSET", "a", "1", "b")
	require.Equal(t, "calls=2,rejected_calls=0,failed_calls=1", counts(t, rc, "mset"))
	require.Equal(t, "calls=1,rejected_calls=0,failed_calls=0", counts(t, rc, "mget"))
	require.Equal(t, "calls=1,rejected_calls=0,failed_calls=0", counts(t, rc, "del"))

	// Coordinated and all-shard commands.
	rc.do("SADD", "a", "x")
	rc.do("SUNIONSTORE", "b", "a", "c")
	rc.do("RENAME", "a", "b")
	rc.do("DBSIZE")
	rc.do("KEYS", "*")
	require.Equal(t, "calls=1,rejected_calls=0,failed_calls=1", counts(t, rc, "sunionstore"))
	require.Equal(t, "calls=1,rejected_calls=0,failed_calls=0", counts(t, rc, "rename"))
	require.Equal(t, "calls=1,rejected_calls=0,failed_calls=0", counts(t, rc, "dbsize"))
	require.Equal(t, "calls=1,rejected_calls=0,failed_calls=0", counts(t, rc, "keys"))

	// EXEC counts itself and each queued command once, wherever it ran.
	rc.do("MULTI")
	rc.do("SET", "a", "1")
	rc.do("INCR", "b")
	rc.do("MSET", "a", "1", "b", "2")
	rc.do("EXEC")
	rc.do("WATCH", "a", "b", "c")
	rc.do("MULTI")
	rc.do("GET", "b")
	rc.do("DBSIZE")
	require.Equal(t, "*2\r\n$1\r\n2\r\n:3\r\n", rc.do("EXEC"))
	require.Equal(t, "calls=2,rejected_calls=0,failed_calls=0", counts(t, rc, "exec"))
	require.Equal(t, "calls=1,rejected_calls=0,failed_calls=1", counts(t, rc, "incr"))
	require.Equal(t, "calls=3,rejected_calls=0,failed_calls=1", counts(t, rc, "mset"))
	require.Equal(t, "calls=2,rejected_calls=0,failed_calls=0", counts(t, rc, "dbsize"))
	require.Equal(t, "calls=1,rejected_calls=0,failed_calls=0", counts(t, rc, "watch"))

	// Refused calls: rejected for a known command, and EXEC's own errors.
	rc.do("GET")
	rc.do("NOSUCH")
	rc.do("EXEC")
	rc.do("MULTI")
	rc.do("WATCH", "a")
	rc.do("SAVE")
	require.Equal(t, "-EXECABORT Transaction discarded because of previous errors.\r\n", rc.do("EXEC"))
	require.Equal(t, "calls=1,rejected_calls=1,failed_calls=0", counts(t, rc, "get"))
	require.Equal(t, "calls=4,rejected_calls=0,failed_calls=2", counts(t, rc, "exec"))
	require.Equal(t, "calls=2,rejected_calls=0,failed_calls=1", counts(t, rc, "watch"))
	require.Equal(t, "calls=0,rejected_calls=1,failed_calls=0", counts(t, rc, "save"))

	errs := parseInfo(t, rc.do("INFO", "errorstats"))
	require.Equal(t, map[string]string{"errorstat_ERR": "count=6", "errorstat_EXECABORT": "count=1", "errorstat_WRONGTYPE": "count=2"}, errs)
	require.Equal(t, "9", parseInfo(t, rc.do("INFO", "stats"))["total_error_replies"])
	require.Contains(t, rc.do("INFO"), "# Errorstats\r\nerrorstat_ERR:count=6\r\n", "errorstats is a default section")

	require.Equal(t, "+OK\r\n", rc.do("CONFIG", "RESETSTAT"))
	require.Empty(t, parseInfo(t, rc.do("INFO", "errorstats")))
	require.Equal(t, "calls=1,rejected_calls=0,failed_calls=0", counts(t, rc, "config|resetstat"))
	require.Equal(t, "", counts(t, rc, "mset"))
}

func TestStatsCrossShardSlowlog(t *testing.T) {
	srv := testServer(t, 3)
	rc := testRaw(t, srv)
	rc.do("CONFIG", "SET", "slowlog-log-slower-than", "0")
	rc.do("SLOWLOG", "RESET")
	rc.do("MSET", "a", "1", "b", "2", "c", "3")
	rc.do("MULTI")
	rc.do("DBSIZE")
	rc.do("EXEC")
	reply := rc.do("SLOWLOG", "GET", "3")
	// Newest first; EXEC itself is not logged, what it ran is.
	require.Regexp(t, `^\*3\r\n`+
		`\*6\r\n:\d+\r\n:\d+\r\n:\d+\r\n\*1\r\n\$6\r\nDBSIZE\r\n\$\d+\r\n127\.0\.0\.1:\d+\r\n\$0\r\n\r\n`+
		`\*6\r\n:\d+\r\n:\d+\r\n:\d+\r\n\*1\r\n\$5\r\nMULTI\r\n\$\d+\r\n127\.0\.0\.1:\d+\r\n\$0\r\n\r\n`+
		`\*6\r\n:\d+\r\n:\d+\r\n:\d+\r\n\*7\r\n\$4\r\nMSET\r\n\$1\r\na\r\n\$1\r\n1\r\n\$1\r\nb\r\n\$1\r\n2\r\n\$1\r\nc\r\n\$1\r\n3\r\n\$\d+\r\n127\.0\.0\.1:\d+\r\n\$0\r\n\r\n$`, reply)
}

// A command run on another shard than its connection's is logged with
// that client's address and name, as every other.
func TestSlowlogForwardedClient(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	rc.do("CONFIG", "SET", "slowlog-log-slower-than", "0")
	require.Equal(t, "+OK\r\n", rc.do("CLIENT", "SETNAME", "fwd"))
	for _, k := range keysOnShards(srv, 2) {
		rc.do("SLOWLOG", "RESET")
		rc.do("GET", k)
		require.Regexp(t, `^\*1\r\n\*6\r\n:\d+\r\n:\d+\r\n:\d+\r\n\*2\r\n\$3\r\nGET\r\n\$\d+\r\n`+k+`\r\n\$\d+\r\n127\.0\.0\.1:\d+\r\n\$3\r\nfwd\r\n$`,
			rc.do("SLOWLOG", "GET", "1"), "key %s", k)
	}
}

// A protocol error is an error reply like any other (Redis's
// addReplyError): it shows in errorstats.
func TestStatsProtocolError(t *testing.T) {
	srv := testServer(t, 1)
	bad := testRaw(t, srv)
	_, err := bad.nc.Write([]byte("*1\r\n$x\r\n"))
	require.NoError(t, err)
	require.Equal(t, "-ERR Protocol error: invalid bulk length\r\n", bad.read())
	rc := testRaw(t, srv)
	require.Contains(t, rc.do("INFO", "errorstats"), "errorstat_ERR:count=1\r\n")
	require.Contains(t, rc.do("INFO", "stats"), "total_error_replies:1\r\n")
}

func TestCountErrorCodes(t *testing.T) {
	var st shardStats
	st.record(&Command{Name: "x"}, 0, []byte("-WRONGTYPE Operation against a key\r\n"))
	st.record(&Command{Name: "x"}, 0, []byte("-NOSPACE\r\n"))
	st.record(&Command{Name: "x"}, 0, []byte("-"+strings.Repeat("L", 40)+" long code\r\n"))
	st.reject(nil, "NOAUTH Authentication required.")
	st.record(&Command{Name: "x"}, 0, []byte("+OK\r\n"))
	require.Equal(t, map[string]int64{"WRONGTYPE": 1, "ERR": 2, "NOAUTH": 1}, st.errs)
	for i := range errCodesMax {
		st.countError([]byte("C" + strconv.Itoa(i) + " x"))
	}
	require.Len(t, st.errs, errCodesMax)
	require.EqualValues(t, 4+errCodesMax, st.errTotal)
	require.Contains(t, st.errs, "C124")
	require.NotContains(t, st.errs, "C125", "codes past the cap are not tracked")
}

// The slow log names the client of each command EXEC ran, on whichever
// shard it ran, as Redis logs the commands of a transaction.
func TestSlowlogExecClient(t *testing.T) {
	srv := testServer(t, 3)
	rc := testRaw(t, srv)
	rc.do("CONFIG", "SET", "slowlog-log-slower-than", "0")
	require.Equal(t, "+OK\r\n", rc.do("CLIENT", "SETNAME", "txc"))
	keys := keysOnShards(srv, 3)
	for _, watch := range []bool{false, true} {
		if watch {
			rc.do("WATCH", keys[0])
		}
		rc.do("SLOWLOG", "RESET")
		require.Equal(t, "+OK\r\n", rc.do("MULTI"))
		for _, k := range keys {
			require.Equal(t, "+QUEUED\r\n", rc.do("SET", k, "v"))
		}
		require.Equal(t, "*3\r\n+OK\r\n+OK\r\n+OK\r\n", rc.do("EXEC"))
		log := rc.do("SLOWLOG", "GET", "10")
		for _, k := range keys {
			require.Regexp(t, `\*3\r\n\$3\r\nSET\r\n\$\d+\r\n`+k+`\r\n\$1\r\nv\r\n\$\d+\r\n127\.0\.0\.1:\d+\r\n\$3\r\ntxc\r\n`, log, "key %s, watch %v", k, watch)
		}
	}
	// A command over several shards sends the transaction through a
	// coordinator, which runs the single-shard ones as hops.
	rc.do("SLOWLOG", "RESET")
	require.Equal(t, "+OK\r\n", rc.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", rc.do("GET", keys[0]))
	require.Equal(t, "+QUEUED\r\n", rc.do("MSET", keys[1], "w", keys[2], "w"))
	require.Equal(t, "*2\r\n$1\r\nv\r\n+OK\r\n", rc.do("EXEC"))
	require.Regexp(t, `\*2\r\n\$3\r\nGET\r\n\$\d+\r\n`+keys[0]+`\r\n\$\d+\r\n127\.0\.0\.1:\d+\r\n\$3\r\ntxc\r\n`, rc.do("SLOWLOG", "GET", "10"))
}
