package shardcore

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/keeldb/keel/shardcore/config"
	"github.com/keeldb/keel/shardcore/resp"
	"github.com/keeldb/keel/shardcore/store"
	"github.com/stretchr/testify/require"
)

// collCase is one command and its exact reply, as Redis 7.0.15 gives it.
type collCase struct {
	args []string
	want string
}

// anyOrderMark prefixes replies whose array elements may come in any order
// (hashtable iteration order differs from Redis's).
const anyOrderMark = "\x00any-order\x00"

func anyOrder(want string) string { return anyOrderMark + want }

func runCollCases(t *testing.T, rc *rawConn, cases []collCase) {
	t.Helper()
	for _, tc := range cases {
		got := rc.do(tc.args...)
		if want, ok := strings.CutPrefix(tc.want, anyOrderMark); ok {
			requireSameElements(t, want, got, tc.args)
			continue
		}
		require.Equal(t, tc.want, got, "%q", tc.args)
	}
}

// requireSameElements compares two array replies ignoring element order.
func requireSameElements(t *testing.T, want, got string, args []string) {
	t.Helper()
	w, err := resp.ParseReply([]byte(want))
	require.NoError(t, err)
	g, err := resp.ParseReply([]byte(got))
	require.NoError(t, err, "%q: %q", args, got)
	require.Equal(t, w.Kind, g.Kind, "%q: %q", args, got)
	elems := func(v resp.Value) []string {
		var out []string
		for _, e := range v.Array {
			out = append(out, e.Str)
		}
		slices.Sort(out)
		return out
	}
	require.Equal(t, elems(w), elems(g), "%q", args)
}

// collLog records the effects shards log, for durability checks.
type collLog struct {
	nopPersistence
	mu   sync.Mutex
	recs []collRec
}

type collRec struct {
	shard int
	args  []string
	txid  uint64
}

func (l *collLog) Log(shard, db int, args [][]byte, txid uint64) {
	r := collRec{shard: shard, txid: txid}
	for _, a := range args {
		r.args = append(r.args, string(a))
	}
	l.mu.Lock()
	l.recs = append(l.recs, r)
	l.mu.Unlock()
}

// take returns and forgets the records logged so far.
func (l *collLog) take() []collRec {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.recs
	l.recs = nil
	return r
}

// effects returns the logged commands, each joined with spaces.
func (l *collLog) effects() []string {
	var out []string
	for _, r := range l.take() {
		out = append(out, strings.Join(r.args, " "))
	}
	return out
}

// collServer starts a server whose writes are recorded in log.
func collServer(t *testing.T, shards int, log *collLog, extra ...string) *Server {
	t.Helper()
	args := append([]string{"--port", "0", "--bind", "127.0.0.1", "--dir", t.TempDir(), "--shards", fmt.Sprint(shards)}, extra...)
	cfg, err := config.Parse(args)
	require.NoError(t, err)
	srv, err := NewServer(cfg, Options{Persistence: log})
	require.NoError(t, err)
	srv.Start()
	t.Cleanup(srv.Stop)
	return srv
}

// onShard runs fn on the loop of the shard owning key and waits for it.
func onShard(srv *Server, key string, fn func(db *store.Table)) {
	done := make(chan struct{})
	srv.shardOf([]byte(key)).post(message{ctrl: true, fn: func(s *Shard) {
		fn(s.dbs[0])
		close(done)
	}})
	<-done
}

func TestListCommands(t *testing.T) {
	srv := testServer(t, 2)
	runCollCases(t, testRaw(t, srv), []collCase{
		{[]string{"RPUSH", "l", "a", "b", "c"}, ":3\r\n"},
		{[]string{"LPUSH", "l", "x", "y"}, ":5\r\n"},
		{[]string{"LRANGE", "l", "0", "-1"}, "*5\r\n$1\r\ny\r\n$1\r\nx\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"},
		{[]string{"LLEN", "l"}, ":5\r\n"},
		{[]string{"LPUSHX", "l", "z"}, ":6\r\n"},
		{[]string{"RPUSHX", "l", "w", "v"}, ":8\r\n"},
		{[]string{"LPUSHX", "nokey", "z"}, ":0\r\n"},
		{[]string{"RPUSHX", "nokey", "z"}, ":0\r\n"},
		{[]string{"EXISTS", "nokey"}, ":0\r\n"},
		{[]string{"LRANGE", "l", "0", "-1"}, "*8\r\n$1\r\nz\r\n$1\r\ny\r\n$1\r\nx\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nw\r\n$1\r\nv\r\n"},
		{[]string{"LRANGE", "l", "-3", "-2"}, "*2\r\n$1\r\nc\r\n$1\r\nw\r\n"},
		{[]string{"LRANGE", "l", "5", "100"}, "*3\r\n$1\r\nc\r\n$1\r\nw\r\n$1\r\nv\r\n"},
		{[]string{"LRANGE", "l", "-100", "1"}, "*2\r\n$1\r\nz\r\n$1\r\ny\r\n"},
		{[]string{"LRANGE", "l", "3", "2"}, "*0\r\n"},
		{[]string{"LRANGE", "l", "100", "200"}, "*0\r\n"},
		{[]string{"LRANGE", "l", "x", "1"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"LRANGE", "l", "1", "y"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"LRANGE", "nokey", "0", "-1"}, "*0\r\n"},
		{[]string{"LINDEX", "l", "0"}, "$1\r\nz\r\n"},
		{[]string{"LINDEX", "l", "-1"}, "$1\r\nv\r\n"},
		{[]string{"LINDEX", "l", "4"}, "$1\r\nb\r\n"},
		{[]string{"LINDEX", "l", "100"}, "$-1\r\n"},
		{[]string{"LINDEX", "l", "-100"}, "$-1\r\n"},
		{[]string{"LINDEX", "l", "1.5"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"LINDEX", "nokey", "0"}, "$-1\r\n"},
		{[]string{"LSET", "l", "0", "first"}, "+OK\r\n"},
		{[]string{"LSET", "l", "-1", "last"}, "+OK\r\n"},
		{[]string{"LSET", "l", "100", "x"}, "-ERR index out of range\r\n"},
		{[]string{"LSET", "l", "-100", "x"}, "-ERR index out of range\r\n"},
		{[]string{"LSET", "nokey", "0", "x"}, "-ERR no such key\r\n"},
		{[]string{"LSET", "l", "a", "x"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"LRANGE", "l", "0", "-1"}, "*8\r\n$5\r\nfirst\r\n$1\r\ny\r\n$1\r\nx\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nw\r\n$4\r\nlast\r\n"},
		{[]string{"LPOP", "l"}, "$5\r\nfirst\r\n"},
		{[]string{"RPOP", "l"}, "$4\r\nlast\r\n"},
		{[]string{"LPOP", "l", "2"}, "*2\r\n$1\r\ny\r\n$1\r\nx\r\n"},
		{[]string{"RPOP", "l", "2"}, "*2\r\n$1\r\nw\r\n$1\r\nc\r\n"},
		{[]string{"LPOP", "l", "0"}, "*0\r\n"},
		{[]string{"LPOP", "l", "-1"}, "-ERR value is out of range, must be positive\r\n"},
		{[]string{"LPOP", "l", "a"}, "-ERR value is out of range, must be positive\r\n"},
		{[]string{"LPOP", "l", "1", "2"}, "-ERR wrong number of arguments for 'lpop' command\r\n"},
		{[]string{"LRANGE", "l", "0", "-1"}, "*2\r\n$1\r\na\r\n$1\r\nb\r\n"},
		{[]string{"RPOP", "l", "10"}, "*2\r\n$1\r\nb\r\n$1\r\na\r\n"},
		{[]string{"EXISTS", "l"}, ":0\r\n"},
		{[]string{"LPOP", "nokey"}, "$-1\r\n"},
		{[]string{"LPOP", "nokey", "1"}, "*-1\r\n"},
		{[]string{"RPOP", "nokey", "0"}, "*-1\r\n"},
		{[]string{"RPUSH", "r", "a", "b", "a", "c", "a", "b"}, ":6\r\n"},
		{[]string{"LREM", "r", "1", "a"}, ":1\r\n"},
		{[]string{"LRANGE", "r", "0", "-1"}, "*5\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\nb\r\n"},
		{[]string{"LREM", "r", "-1", "b"}, ":1\r\n"},
		{[]string{"LRANGE", "r", "0", "-1"}, "*4\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nc\r\n$1\r\na\r\n"},
		{[]string{"LREM", "r", "0", "a"}, ":2\r\n"},
		{[]string{"LRANGE", "r", "0", "-1"}, "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"},
		{[]string{"LREM", "r", "0", "zz"}, ":0\r\n"},
		{[]string{"LREM", "r", "x", "a"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"LREM", "nokey", "1", "a"}, ":0\r\n"},
		{[]string{"LREM", "r", "0", "b"}, ":1\r\n"},
		{[]string{"LREM", "r", "0", "c"}, ":1\r\n"},
		{[]string{"EXISTS", "r"}, ":0\r\n"},
		{[]string{"RPUSH", "t", "1", "2", "3", "4", "5", "6"}, ":6\r\n"},
		{[]string{"LTRIM", "t", "1", "-2"}, "+OK\r\n"},
		{[]string{"LRANGE", "t", "0", "-1"}, "*4\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n"},
		{[]string{"LTRIM", "t", "-100", "100"}, "+OK\r\n"},
		{[]string{"LRANGE", "t", "0", "-1"}, "*4\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n"},
		{[]string{"LTRIM", "t", "1", "1"}, "+OK\r\n"},
		{[]string{"LRANGE", "t", "0", "-1"}, "*1\r\n$1\r\n3\r\n"},
		{[]string{"LTRIM", "t", "x", "1"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"LTRIM", "t", "5", "1"}, "+OK\r\n"},
		{[]string{"EXISTS", "t"}, ":0\r\n"},
		{[]string{"LTRIM", "nokey", "0", "1"}, "+OK\r\n"},
		{[]string{"RPUSH", "i", "a", "b", "c"}, ":3\r\n"},
		{[]string{"LINSERT", "i", "BEFORE", "b", "x"}, ":4\r\n"},
		{[]string{"LINSERT", "i", "after", "c", "y"}, ":5\r\n"},
		{[]string{"LINSERT", "i", "AFTER", "zz", "y"}, ":-1\r\n"},
		{[]string{"LINSERT", "i", "middle", "b", "x"}, "-ERR syntax error\r\n"},
		{[]string{"LINSERT", "nokey", "BEFORE", "b", "x"}, ":0\r\n"},
		{[]string{"LRANGE", "i", "0", "-1"}, "*5\r\n$1\r\na\r\n$1\r\nx\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\ny\r\n"},
		{[]string{"RPUSH", "p", "a", "b", "c", "1", "2", "3", "c", "c"}, ":8\r\n"},
		{[]string{"LPOS", "p", "c"}, ":2\r\n"},
		{[]string{"LPOS", "p", "c", "RANK", "2"}, ":6\r\n"},
		{[]string{"LPOS", "p", "c", "RANK", "-1"}, ":7\r\n"},
		{[]string{"LPOS", "p", "c", "RANK", "-3"}, ":2\r\n"},
		{[]string{"LPOS", "p", "c", "RANK", "4"}, "$-1\r\n"},
		{[]string{"LPOS", "p", "c", "COUNT", "2"}, "*2\r\n:2\r\n:6\r\n"},
		{[]string{"LPOS", "p", "c", "COUNT", "0"}, "*3\r\n:2\r\n:6\r\n:7\r\n"},
		{[]string{"LPOS", "p", "c", "RANK", "-1", "COUNT", "2"}, "*2\r\n:7\r\n:6\r\n"},
		{[]string{"LPOS", "p", "c", "MAXLEN", "1"}, "$-1\r\n"},
		{[]string{"LPOS", "p", "c", "MAXLEN", "3"}, ":2\r\n"},
		{[]string{"LPOS", "p", "c", "COUNT", "0", "MAXLEN", "7"}, "*2\r\n:2\r\n:6\r\n"},
		{[]string{"LPOS", "p", "c", "RANK", "-1", "MAXLEN", "2", "COUNT", "0"}, "*2\r\n:7\r\n:6\r\n"},
		{[]string{"LPOS", "p", "zz"}, "$-1\r\n"},
		{[]string{"LPOS", "p", "zz", "COUNT", "1"}, "*0\r\n"},
		{[]string{"LPOS", "p", "c", "RANK", "0"}, "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n"},
		{[]string{"LPOS", "p", "c", "RANK", "x"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"LPOS", "p", "c", "COUNT", "-1"}, "-ERR COUNT can't be negative\r\n"},
		{[]string{"LPOS", "p", "c", "MAXLEN", "-1"}, "-ERR MAXLEN can't be negative\r\n"},
		{[]string{"LPOS", "p", "c", "COUNT"}, "-ERR syntax error\r\n"},
		{[]string{"LPOS", "p", "c", "FOO", "1"}, "-ERR syntax error\r\n"},
		{[]string{"LPOS", "nokey", "c"}, "$-1\r\n"},
		{[]string{"LPOS", "nokey", "c", "COUNT", "1"}, "*0\r\n"},
		{[]string{"LPOS", "p", "c", "RANK", "-9223372036854775808"}, ":7\r\n"},
		{[]string{"RPUSH", "m1", "a", "b", "c"}, ":3\r\n"},
		{[]string{"LMOVE", "m1", "m2", "LEFT", "RIGHT"}, "$1\r\na\r\n"},
		{[]string{"LMOVE", "m1", "m2", "RIGHT", "LEFT"}, "$1\r\nc\r\n"},
		{[]string{"LMOVE", "m1", "m2", "left", "left"}, "$1\r\nb\r\n"},
		{[]string{"LRANGE", "m2", "0", "-1"}, "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n"},
		{[]string{"EXISTS", "m1"}, ":0\r\n"},
		{[]string{"LMOVE", "m1", "m2", "LEFT", "RIGHT"}, "$-1\r\n"},
		{[]string{"LMOVE", "m2", "m2", "LEFT", "RIGHT"}, "$1\r\nb\r\n"},
		{[]string{"LRANGE", "m2", "0", "-1"}, "*3\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\nb\r\n"},
		{[]string{"LMOVE", "m2", "m2", "RIGHT", "LEFT"}, "$1\r\nb\r\n"},
		{[]string{"LRANGE", "m2", "0", "-1"}, "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n"},
		{[]string{"LMOVE", "m2", "m3", "UP", "LEFT"}, "-ERR syntax error\r\n"},
		{[]string{"LMOVE", "m2", "m3", "LEFT", "DOWN"}, "-ERR syntax error\r\n"},
		{[]string{"RPOPLPUSH", "m2", "m3"}, "$1\r\na\r\n"},
		{[]string{"RPOPLPUSH", "m2", "m2"}, "$1\r\nc\r\n"},
		{[]string{"LRANGE", "m2", "0", "-1"}, "*2\r\n$1\r\nc\r\n$1\r\nb\r\n"},
		{[]string{"LRANGE", "m3", "0", "-1"}, "*1\r\n$1\r\na\r\n"},
		{[]string{"RPOPLPUSH", "nokey", "m3"}, "$-1\r\n"},
		{[]string{"RPUSH", "lm1", "a", "b", "c"}, ":3\r\n"},
		{[]string{"RPUSH", "lm2", "x"}, ":1\r\n"},
		{[]string{"LMPOP", "2", "nokey", "lm1", "LEFT"}, "*2\r\n$3\r\nlm1\r\n*1\r\n$1\r\na\r\n"},
		{[]string{"LMPOP", "2", "nokey", "lm1", "RIGHT", "COUNT", "10"}, "*2\r\n$3\r\nlm1\r\n*2\r\n$1\r\nc\r\n$1\r\nb\r\n"},
		{[]string{"LMPOP", "2", "lm1", "lm2", "LEFT", "COUNT", "2"}, "*2\r\n$3\r\nlm2\r\n*1\r\n$1\r\nx\r\n"},
		{[]string{"LMPOP", "1", "nokey", "LEFT"}, "*-1\r\n"},
		{[]string{"LMPOP", "0", "lm2", "LEFT"}, "-ERR numkeys should be greater than 0\r\n"},
		{[]string{"LMPOP", "x", "lm2", "LEFT"}, "-ERR numkeys should be greater than 0\r\n"},
		{[]string{"LMPOP", "1", "lm2", "MIDDLE"}, "-ERR syntax error\r\n"},
		{[]string{"LMPOP", "3", "lm2", "LEFT"}, "-ERR syntax error\r\n"},
		{[]string{"LMPOP", "9223372036854775807", "lm2", "LEFT"}, "-ERR syntax error\r\n"},
		{[]string{"LMPOP", "2", "lm2", "LEFT"}, "-ERR syntax error\r\n"},
		{[]string{"LMPOP", "1", "lm2", "LEFT", "COUNT", "0"}, "-ERR count should be greater than 0\r\n"},
		{[]string{"LMPOP", "1", "lm2", "LEFT", "COUNT", "x"}, "-ERR count should be greater than 0\r\n"},
		{[]string{"LMPOP", "1", "lm2", "LEFT", "COUNT"}, "-ERR syntax error\r\n"},
		{[]string{"LMPOP", "1", "lm2", "LEFT", "COUNT", "1", "COUNT", "1"}, "-ERR syntax error\r\n"},
		{[]string{"LMPOP", "1", "lm2", "LEFT", "FOO"}, "-ERR syntax error\r\n"},
		{[]string{"SET", "str", "v"}, "+OK\r\n"},
		{[]string{"LPUSH", "str", "a"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"RPUSH", "str", "a"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"LPUSHX", "str", "a"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"LPOP", "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"RPOP", "str", "2"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"LLEN", "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"LINDEX", "str", "0"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"LRANGE", "str", "0", "1"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"LSET", "str", "0", "a"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"LREM", "str", "0", "a"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"LTRIM", "str", "0", "1"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"LINSERT", "str", "BEFORE", "a", "b"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"LPOS", "str", "a"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"LMOVE", "str", "lm2", "LEFT", "LEFT"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"LMOVE", "lm2", "str", "LEFT", "LEFT"}, "$-1\r\n"},
		{[]string{"LMOVE", "nokey", "str", "LEFT", "LEFT"}, "$-1\r\n"},
		{[]string{"RPOPLPUSH", "lm2", "str"}, "$-1\r\n"},
		{[]string{"LMPOP", "2", "nokey", "str", "LEFT"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"LMPOP", "2", "lm2", "str", "LEFT"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"LPUSH", "l"}, "-ERR wrong number of arguments for 'lpush' command\r\n"},
		{[]string{"LPOP"}, "-ERR wrong number of arguments for 'lpop' command\r\n"},
		{[]string{"LLEN", "l", "x"}, "-ERR wrong number of arguments for 'llen' command\r\n"},
		{[]string{"LINDEX", "l"}, "-ERR wrong number of arguments for 'lindex' command\r\n"},
		{[]string{"LRANGE", "l", "0"}, "-ERR wrong number of arguments for 'lrange' command\r\n"},
		{[]string{"LSET", "l", "0"}, "-ERR wrong number of arguments for 'lset' command\r\n"},
		{[]string{"LREM", "l", "0"}, "-ERR wrong number of arguments for 'lrem' command\r\n"},
		{[]string{"LTRIM", "l", "0"}, "-ERR wrong number of arguments for 'ltrim' command\r\n"},
		{[]string{"LINSERT", "l", "BEFORE", "a"}, "-ERR wrong number of arguments for 'linsert' command\r\n"},
		{[]string{"LPOS", "l"}, "-ERR wrong number of arguments for 'lpos' command\r\n"},
		{[]string{"LMOVE", "a", "b", "LEFT"}, "-ERR wrong number of arguments for 'lmove' command\r\n"},
		{[]string{"RPOPLPUSH", "a"}, "-ERR wrong number of arguments for 'rpoplpush' command\r\n"},
		{[]string{"LMPOP", "1", "a"}, "-ERR wrong number of arguments for 'lmpop' command\r\n"},
		{[]string{"LPUSHX", "l"}, "-ERR wrong number of arguments for 'lpushx' command\r\n"},
	})
}

// Keys on the two shards of a 2-shard server.
const (
	keyA = "{a}"
	keyB = "{b}"
)

func requireCrossShard(t *testing.T, srv *Server, a, b string) {
	t.Helper()
	require.NotSame(t, srv.shardOf([]byte(a)), srv.shardOf([]byte(b)), "%s and %s share a shard", a, b)
}

func TestListCrossShard(t *testing.T) {
	log := &collLog{}
	srv := collServer(t, 2, log)
	src, dst := keyA+"src", keyB+"dst"
	requireCrossShard(t, srv, src, dst)
	rc := testRaw(t, srv)
	runCollCases(t, rc, []collCase{
		{[]string{"RPUSH", src, "a", "b", "c"}, ":3\r\n"},
		{[]string{"SET", keyB + "str", "x"}, "+OK\r\n"},
		{[]string{"LMOVE", src, keyB + "str", "LEFT", "LEFT"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"LMOVE", keyA + "none", keyB + "str", "LEFT", "LEFT"}, "$-1\r\n"},
		{[]string{"LMOVE", keyB + "str", src, "LEFT", "LEFT"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"LMOVE", src, dst, "UP", "LEFT"}, "-ERR syntax error\r\n"},
		{[]string{"LLEN", src}, ":3\r\n"},
	})
	log.take()
	runCollCases(t, rc, []collCase{
		{[]string{"LMOVE", src, dst, "LEFT", "RIGHT"}, "$1\r\na\r\n"},
		{[]string{"RPOPLPUSH", src, dst}, "$1\r\nc\r\n"},
		{[]string{"LRANGE", dst, "0", "-1"}, "*2\r\n$1\r\nc\r\n$1\r\na\r\n"},
		{[]string{"LMOVE", src, dst, "RIGHT", "RIGHT"}, "$1\r\nb\r\n"},
		{[]string{"EXISTS", src}, ":0\r\n"},
		{[]string{"LRANGE", dst, "0", "-1"}, "*3\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\nb\r\n"},
	})
	recs := log.take()
	var got []string
	for _, r := range recs {
		require.NotZero(t, r.txid, "cross-shard parts are tagged: %q", r.args)
		want := srv.shardOf([]byte(r.args[1])).id
		require.Equal(t, want, r.shard, "%q logged on its key's shard", r.args)
		got = append(got, strings.Join(r.args, " "))
	}
	require.Equal(t, []string{
		"LPOP " + src, "RPUSH " + dst + " a",
		"RPOP " + src, "LPUSH " + dst + " c",
		"RPOP " + src, "RPUSH " + dst + " b",
	}, got)

	// LMPOP takes the first non-empty list in key order, whatever its shard.
	runCollCases(t, rc, []collCase{
		{[]string{"RPUSH", keyA + "l2", "x", "y"}, ":2\r\n"},
		{[]string{"LMPOP", "3", keyA + "none", dst, keyA + "l2", "RIGHT", "COUNT", "2"}, "*2\r\n$6\r\n{b}dst\r\n*2\r\n$1\r\nb\r\n$1\r\na\r\n"},
		{[]string{"LMPOP", "2", keyA + "none", keyB + "str", "LEFT"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"LMPOP", "2", keyA + "l2", keyB + "str", "LEFT"}, "*2\r\n$5\r\n{a}l2\r\n*1\r\n$1\r\nx\r\n"},
		{[]string{"LMPOP", "2", keyA + "none", keyB + "none", "LEFT"}, "*-1\r\n"},
		{[]string{"LMPOP", "2", keyA + "none", keyB + "none", "LEFT", "COUNT", "0"}, "-ERR count should be greater than 0\r\n"},
	})
	require.Equal(t, []string{"RPUSH " + keyA + "l2 x y", "RPOP " + dst + " 2", "LPOP " + keyA + "l2 1"}, log.effects())
}

func TestListEffects(t *testing.T) {
	log := &collLog{}
	srv := collServer(t, 1, log)
	rc := testRaw(t, srv)
	runCollCases(t, rc, []collCase{
		{[]string{"RPUSH", "l", "a", "b", "c", "d"}, ":4\r\n"},
		{[]string{"LPOP", "l", "2"}, "*2\r\n$1\r\na\r\n$1\r\nb\r\n"},
		{[]string{"LMPOP", "1", "l", "RIGHT", "COUNT", "9"}, "*2\r\n$1\r\nl\r\n*2\r\n$1\r\nd\r\n$1\r\nc\r\n"},
		{[]string{"LPOP", "l"}, "$-1\r\n"},
		{[]string{"LRANGE", "l", "0", "-1"}, "*0\r\n"},
		{[]string{"RPUSH", "l", "x"}, ":1\r\n"},
		{[]string{"LMOVE", "l", "m", "LEFT", "LEFT"}, "$1\r\nx\r\n"},
		{[]string{"LTRIM", "m", "0", "-1"}, "+OK\r\n"},
		{[]string{"LREM", "m", "0", "zz"}, ":0\r\n"},
		{[]string{"LINSERT", "m", "BEFORE", "zz", "y"}, ":-1\r\n"},
		{[]string{"LSET", "m", "0", "y"}, "+OK\r\n"},
	})
	// Reads and writes that changed nothing log nothing; LMPOP logs the pop
	// it made, with the count actually popped.
	require.Equal(t, []string{
		"RPUSH l a b c d",
		"LPOP l 2",
		"RPOP l 2",
		"RPUSH l x",
		"LMOVE l m LEFT LEFT",
		"LSET m 0 y",
	}, log.effects())
}

// Lists keep their TTL when changed in place and lose the key (and so the
// TTL) when emptied.
func TestListKeepsTTL(t *testing.T) {
	srv := testServer(t, 1)
	rc := testRaw(t, srv)
	rc.do("RPUSH", "l", "a", "b")
	onShard(srv, "l", func(db *store.Table) { require.True(t, db.SetExpire([]byte("l"), 1<<50)) })
	rc.do("LPUSH", "l", "c")
	rc.do("LSET", "l", "0", "d")
	onShard(srv, "l", func(db *store.Table) {
		e, ok := db.Get([]byte("l"))
		require.True(t, ok)
		require.Equal(t, int64(1<<50), e.ExpireAt)
	})
	require.Equal(t, ":3\r\n", rc.do("LLEN", "l"))
}

func TestListLarge(t *testing.T) {
	srv := testServer(t, 1, "--list-max-listpack-size", "4")
	rc := testRaw(t, srv)
	var want []string
	for i := 0; i < 300; i++ {
		v := strings.Repeat(string(rune('a'+i%26)), 1+i%40)
		want = append(want, v)
		if i%2 == 0 {
			require.Equal(t, fmt.Sprintf(":%d\r\n", i+1), rc.do("RPUSH", "big", v))
		} else {
			require.Equal(t, fmt.Sprintf(":%d\r\n", i+1), rc.do("LPUSH", "big", v))
		}
	}
	var model []string
	for i := 0; i < 300; i++ {
		if i%2 == 0 {
			model = append(model, want[i])
		} else {
			model = append([]string{want[i]}, model...)
		}
	}
	c := testClient(t, srv)
	got, err := c.LRange(ctxb(), "big", 0, -1).Result()
	require.NoError(t, err)
	require.Equal(t, model, got)
	got, err = c.LRange(ctxb(), "big", 100, 110).Result()
	require.NoError(t, err)
	require.Equal(t, model[100:111], got)
	for _, i := range []int64{0, 1, 150, 298, 299, -1, -150} {
		v, err := c.LIndex(ctxb(), "big", i).Result()
		require.NoError(t, err)
		j := i
		if j < 0 {
			j += 300
		}
		require.Equal(t, model[j], v)
	}
	onShard(srv, "big", func(db *store.Table) {
		e, _ := db.Get([]byte("big"))
		require.Equal(t, "quicklist", e.Obj.(interface{ Encoding() string }).Encoding())
	})
}

// Replaying the logged effects of a random workload over lists, hashes and
// sets (random pops, float increments, cross-shard moves and stores
// included) rebuilds the same data, on a server with another shard count.
func TestCollectionsReplay(t *testing.T) {
	log := &collLog{}
	srv := collServer(t, 2, log, "--hash-max-listpack-entries", "8", "--set-max-listpack-entries", "8", "--set-max-intset-entries", "8")
	rc := testRaw(t, srv)
	r := rand.New(rand.NewPCG(5, 9))
	lists := []string{keyA + "l1", keyB + "l2", "l3"}
	hashes := []string{keyA + "h1", keyB + "h2"}
	sets := []string{keyA + "s1", keyB + "s2", "s3", keyA + "s4"}
	pick := func(ks []string) string { return ks[r.IntN(len(ks))] }
	elem := func() string {
		if r.IntN(2) == 0 {
			return fmt.Sprint(r.IntN(30))
		}
		return fmt.Sprint("e", r.IntN(30))
	}
	for i := 0; i < 1500; i++ {
		var args []string
		switch r.IntN(16) {
		case 0:
			args = []string{"RPUSH", pick(lists), elem(), elem()}
		case 1:
			args = []string{"LPUSH", pick(lists), elem()}
		case 2:
			args = []string{"LPOP", pick(lists), fmt.Sprint(r.IntN(3))}
		case 3:
			args = []string{"LMOVE", pick(lists), pick(lists), "LEFT", "RIGHT"}
		case 4:
			args = []string{"LMPOP", "2", pick(lists), pick(lists), "RIGHT", "COUNT", "2"}
		case 5:
			args = []string{"LREM", pick(lists), fmt.Sprint(r.IntN(5) - 2), elem()}
		case 6:
			args = []string{"HSET", pick(hashes), elem(), elem()}
		case 7:
			args = []string{"HINCRBYFLOAT", pick(hashes), fmt.Sprint("f", r.IntN(12)), fmt.Sprintf("%.3f", r.Float64())}
		case 8:
			args = []string{"HDEL", pick(hashes), elem()}
		case 9:
			args = []string{"SADD", pick(sets), elem(), elem(), elem()}
		case 10:
			args = []string{"SPOP", pick(sets), fmt.Sprint(r.IntN(4))}
		case 11:
			args = []string{"SPOP", pick(sets)}
		case 12:
			args = []string{"SMOVE", pick(sets), pick(sets), elem()}
		case 13:
			args = []string{"SINTERSTORE", pick(sets), pick(sets), pick(sets)}
		case 14:
			args = []string{"SUNIONSTORE", pick(sets), pick(sets), pick(sets)}
		case 15:
			args = []string{"SDIFFSTORE", pick(sets), pick(sets), pick(sets)}
		}
		rc.do(args...)
	}
	replica := testServer(t, 1)
	rr := testRaw(t, replica)
	nonEmpty := 0
	for _, rec := range log.take() {
		require.NotContains(t, rec.args[0], "SPOP")
		require.NotContains(t, rec.args[0], "HINCRBYFLOAT")
		reply := rr.do(rec.args...)
		require.NotEqual(t, byte('-'), reply[0], "%q: %s", rec.args, reply)
	}
	for _, k := range lists {
		require.Equal(t, rc.do("LRANGE", k, "0", "-1"), rr.do("LRANGE", k, "0", "-1"), k)
	}
	for _, k := range append(append(slices.Clone(lists), hashes...), sets...) {
		if rc.do("EXISTS", k) == ":1\r\n" {
			nonEmpty++
		}
	}
	require.Greater(t, nonEmpty, 5, "the workload leaves data to compare")
	hashOf := func(raw string) map[string]string {
		v, err := resp.ParseReply([]byte(raw))
		require.NoError(t, err)
		m := map[string]string{}
		for i := 0; i+1 < len(v.Array); i += 2 {
			m[v.Array[i].Str] = v.Array[i+1].Str
		}
		return m
	}
	for _, k := range hashes {
		require.Equal(t, hashOf(rc.do("HGETALL", k)), hashOf(rr.do("HGETALL", k)), k)
	}
	for _, k := range sets {
		requireSameElements(t, rc.do("SMEMBERS", k), rr.do("SMEMBERS", k), []string{k})
	}
}

// Cross-shard moves change lists and sets in place: WATCH still sees it.
func TestCollectionsCrossShardWatch(t *testing.T) {
	srv := testServer(t, 2)
	rc, other := testRaw(t, srv), testRaw(t, srv)
	for _, tc := range []struct{ setup, move []string }{
		{[]string{"RPUSH", keyB + "l", "x"}, []string{"LMOVE", keyA + "l", keyB + "l", "LEFT", "LEFT"}},
		{[]string{"SADD", keyB + "s", "x"}, []string{"SMOVE", keyA + "s", keyB + "s", "m"}},
		{[]string{"RPUSH", keyB + "p", "x", "y"}, []string{"LMPOP", "2", keyA + "none", keyB + "p", "LEFT"}},
	} {
		rc.do("RPUSH", keyA+"l", "a")
		rc.do("SADD", keyA+"s", "m")
		rc.do(tc.setup...)
		require.Equal(t, "+OK\r\n", rc.do("WATCH", tc.setup[1]))
		require.Equal(t, "+OK\r\n", rc.do("MULTI"))
		require.Equal(t, "+QUEUED\r\n", rc.do("PING"))
		require.NotEqual(t, byte('-'), other.do(tc.move...)[0])
		require.Equal(t, "*-1\r\n", rc.do("EXEC"), "%q", tc.move)
	}
}
