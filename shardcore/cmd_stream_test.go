package shardcore

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/keeldb/keel/shardcore/store"
	"github.com/keeldb/keel/shardcore/types"
)

// streamCase is one command and its reply from Redis 7.0.15; shape cases
// depend on the clock, so integers and generated IDs are masked.
type streamCase struct {
	args  []string
	want  string
	shape bool
}

var (
	maskInt = regexp.MustCompile(`:\d+\r\n`)
	maskID  = regexp.MustCompile(`\$\d+\r\n\d{10,}-\d+\r\n`)
)

func maskReply(s string) string {
	return maskID.ReplaceAllString(maskInt.ReplaceAllString(s, ":N\r\n"), "ID")
}

func runStreamCases(t *testing.T, rc *rawConn, cases []streamCase) {
	t.Helper()
	for _, tc := range cases {
		got := rc.do(tc.args...)
		if tc.shape {
			require.Equal(t, maskReply(tc.want), maskReply(got), "%q", tc.args)
			continue
		}
		require.Equal(t, tc.want, got, "%q", tc.args)
	}
}

// Basic stream commands: IDs (explicit, partial, errors), trimming,
// ranges, XREAD (also across shards), XSETID, XINFO STREAM.
func TestStreamCommands(t *testing.T) {
	srv := testServer(t, 2)
	runStreamCases(t, testRaw(t, srv), []streamCase{
		{[]string{"XADD", "s", "1-1", "a", "1"}, "$3\r\n1-1\r\n", false},
		{[]string{"XADD", "s", "1-1", "a", "1"}, "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n", false},
		{[]string{"XADD", "s", "1-*", "a", "2"}, "$3\r\n1-2\r\n", false},
		{[]string{"XADD", "s", "0-5", "a", "1"}, "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n", false},
		{[]string{"XADD", "s", "2", "a", "3", "b", "4"}, "$3\r\n2-0\r\n", false},
		{[]string{"XADD", "s", "2-*", "a", "1"}, "$3\r\n2-1\r\n", false},
		{[]string{"XADD", "s", "0-0", "a", "1"}, "-ERR The ID specified in XADD must be greater than 0-0\r\n", false},
		{[]string{"XADD", "s2", "0-0", "a", "1"}, "-ERR The ID specified in XADD must be greater than 0-0\r\n", false},
		{[]string{"XADD", "s2", "0-*", "a", "1"}, "$3\r\n0-1\r\n", false},
		{[]string{"XADD", "s2", "abc", "a", "1"}, "-ERR Invalid stream ID specified as stream command argument\r\n", false},
		{[]string{"XADD", "s2", "1-x", "a", "1"}, "-ERR Invalid stream ID specified as stream command argument\r\n", false},
		{[]string{"XADD", "s2", "-", "a", "1"}, "-ERR Invalid stream ID specified as stream command argument\r\n", false},
		{[]string{"XADD", "s2", "+", "a", "1"}, "-ERR Invalid stream ID specified as stream command argument\r\n", false},
		{[]string{"XADD", "s", "3-1", "a"}, "-ERR wrong number of arguments for 'xadd' command\r\n", false},
		{[]string{"XADD", "s", "3-1", "a", "1", "b"}, "-ERR wrong number of arguments for 'xadd' command\r\n", false},
		{[]string{"XADD", "s", "NOMKSTREAM", "5-1", "a", "1"}, "$3\r\n5-1\r\n", false},
		{[]string{"XADD", "nos", "NOMKSTREAM", "5-1", "a", "1"}, "$-1\r\n", false},
		{[]string{"EXISTS", "nos"}, ":0\r\n", false},
		{[]string{"XADD", "s", "MAXLEN", "-1", "6-1", "a", "1"}, "-ERR The MAXLEN argument must be >= 0.\r\n", false},
		{[]string{"XADD", "s", "MAXLEN", "abc", "6-1", "a", "1"}, "-ERR value is not an integer or out of range\r\n", false},
		{[]string{"XADD", "s", "MINID", "abc", "6-1", "a", "1"}, "-ERR Invalid stream ID specified as stream command argument\r\n", false},
		{[]string{"XADD", "s", "MAXLEN", "=", "3", "LIMIT", "5", "6-1", "a", "1"}, "-ERR syntax error, LIMIT cannot be used without the special ~ option\r\n", false},
		{[]string{"XADD", "s", "MAXLEN", "~", "3", "LIMIT", "-1", "6-1", "a", "1"}, "-ERR The LIMIT argument must be >= 0.\r\n", false},
		{[]string{"XADD", "s", "MAXLEN", "1", "MINID", "2", "6-1", "a", "1"}, "-ERR syntax error, MAXLEN and MINID options at the same time are not compatible\r\n", false},
		{[]string{"XADD", "s", "FOO", "6-1", "a", "1"}, "-ERR Invalid stream ID specified as stream command argument\r\n", false},
		{[]string{"XADD", "s", "MAXLEN", "3", "6-1", "a", "1"}, "$3\r\n6-1\r\n", false},
		{[]string{"XLEN", "s"}, ":3\r\n", false},
		{[]string{"XRANGE", "s", "-", "+"}, "*3\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n5-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n6-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", false},
		{[]string{"XRANGE", "s", "2-1", "+"}, "*3\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n5-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n6-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", false},
		{[]string{"XRANGE", "s", "(2-1", "+"}, "*2\r\n*2\r\n$3\r\n5-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n6-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", false},
		{[]string{"XRANGE", "s", "-", "(6-1"}, "*2\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n5-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", false},
		{[]string{"XRANGE", "s", "(-", "+"}, "-ERR Invalid stream ID specified as stream command argument\r\n", false},
		{[]string{"XRANGE", "s", "-", "(+"}, "-ERR Invalid stream ID specified as stream command argument\r\n", false},
		{[]string{"XRANGE", "s", "(", "+"}, "-ERR Invalid stream ID specified as stream command argument\r\n", false},
		{[]string{"XRANGE", "s", "(18446744073709551615-18446744073709551615", "+"}, "-ERR invalid start ID for the interval\r\n", true},
		{[]string{"XRANGE", "s", "-", "(0-0"}, "-ERR invalid end ID for the interval\r\n", false},
		{[]string{"XRANGE", "s", "-", "+", "COUNT", "0"}, "*-1\r\n", false},
		{[]string{"XRANGE", "s", "-", "+", "COUNT", "-1"}, "*-1\r\n", false},
		{[]string{"XRANGE", "s", "-", "+", "COUNT", "2"}, "*2\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n5-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", false},
		{[]string{"XRANGE", "s", "-", "+", "COUNT"}, "-ERR syntax error\r\n", false},
		{[]string{"XRANGE", "s", "-", "+", "COUNT", "x"}, "-ERR value is not an integer or out of range\r\n", false},
		{[]string{"XRANGE", "s", "-", "+", "FOO"}, "-ERR syntax error\r\n", false},
		{[]string{"XRANGE", "nokey", "-", "+", "COUNT", "0"}, "*0\r\n", false},
		{[]string{"XRANGE", "s", "5", "3"}, "*0\r\n", false},
		{[]string{"XRANGE", "s", "x", "+"}, "-ERR Invalid stream ID specified as stream command argument\r\n", false},
		{[]string{"XREVRANGE", "s", "+", "-"}, "*3\r\n*2\r\n$3\r\n6-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n5-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", false},
		{[]string{"XREVRANGE", "s", "+", "-", "COUNT", "1"}, "*1\r\n*2\r\n$3\r\n6-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", false},
		{[]string{"XREVRANGE", "s", "(6-1", "-"}, "*2\r\n*2\r\n$3\r\n5-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", false},
		{[]string{"XREVRANGE", "s", "5", "(2"}, "*2\r\n*2\r\n$3\r\n5-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", false},
		{[]string{"SET", "str", "x"}, "+OK\r\n", false},
		{[]string{"XADD", "str", "1-1", "a", "b"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", false},
		{[]string{"XLEN", "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", false},
		{[]string{"XRANGE", "str", "-", "+"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", false},
		{[]string{"XLEN", "nokey"}, ":0\r\n", false},
		{[]string{"XDEL", "s", "2-0", "7-7"}, ":0\r\n", false},
		{[]string{"XDEL", "s", "bad", "3-1"}, "-ERR Invalid stream ID specified as stream command argument\r\n", false},
		{[]string{"XDEL", "nokey", "1-1"}, ":0\r\n", false},
		{[]string{"XLEN", "s"}, ":3\r\n", false},
		{[]string{"XINFO", "STREAM", "s"}, "*20\r\n$6\r\nlength\r\n:3\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\nlast-generated-id\r\n$3\r\n6-1\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:6\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n2-1\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n$10\r\nlast-entry\r\n*2\r\n$3\r\n6-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", false},
		{[]string{"XINFO", "STREAM", "nokey"}, "-ERR no such key\r\n", false},
		{[]string{"XINFO", "STREAM", "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", false},
		{[]string{"XINFO", "STREAM", "s", "FOO"}, "-ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP.\r\n", false},
		{[]string{"XINFO", "STREAM", "s", "FULL"}, "*18\r\n$6\r\nlength\r\n:3\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\nlast-generated-id\r\n$3\r\n6-1\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:6\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n2-1\r\n$7\r\nentries\r\n*3\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n5-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n6-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n$6\r\ngroups\r\n*0\r\n", false},
		{[]string{"XINFO", "STREAM", "s", "FULL", "COUNT", "1"}, "*18\r\n$6\r\nlength\r\n:3\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\nlast-generated-id\r\n$3\r\n6-1\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:6\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n2-1\r\n$7\r\nentries\r\n*1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n$6\r\ngroups\r\n*0\r\n", false},
		{[]string{"XINFO", "STREAM", "s", "FULL", "COUNT", "-1"}, "*18\r\n$6\r\nlength\r\n:3\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\nlast-generated-id\r\n$3\r\n6-1\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:6\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n2-1\r\n$7\r\nentries\r\n*3\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n5-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n6-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n$6\r\ngroups\r\n*0\r\n", false},
		{[]string{"XINFO", "STREAM", "s", "FULL", "COUNT"}, "-ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP.\r\n", false},
		{[]string{"XINFO", "STREAM", "s", "FULL", "BAR", "1"}, "-ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP.\r\n", false},
		{[]string{"XTRIM", "s"}, "-ERR wrong number of arguments for 'xtrim' command\r\n", false},
		{[]string{"XTRIM", "s", "MAXLEN"}, "-ERR wrong number of arguments for 'xtrim' command\r\n", false},
		{[]string{"XTRIM", "s", "MAXLEN", "1", "FOO"}, "-ERR syntax error\r\n", false},
		{[]string{"XTRIM", "s", "MAXLEN", "=", "1", "LIMIT", "2"}, "-ERR syntax error, LIMIT cannot be used without the special ~ option\r\n", false},
		{[]string{"XTRIM", "nokey", "MAXLEN", "0"}, ":0\r\n", false},
		{[]string{"XTRIM", "nokey", "FOO"}, "-ERR wrong number of arguments for 'xtrim' command\r\n", false},
		{[]string{"XTRIM", "str", "MAXLEN", "0"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", false},
		{[]string{"XTRIM", "s", "MINID", "6"}, ":2\r\n", false},
		{[]string{"XRANGE", "s", "-", "+"}, "*1\r\n*2\r\n$3\r\n6-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", false},
		{[]string{"XTRIM", "s", "MAXLEN", "0"}, ":1\r\n", false},
		{[]string{"XINFO", "STREAM", "s"}, "*20\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n:0\r\n$16\r\nradix-tree-nodes\r\n:1\r\n$17\r\nlast-generated-id\r\n$3\r\n6-1\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:6\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n0-0\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n$-1\r\n$10\r\nlast-entry\r\n$-1\r\n", false},
		{[]string{"XSETID", "s", "1-1"}, "+OK\r\n", false},
		{[]string{"XSETID", "s", "10-1"}, "+OK\r\n", false},
		{[]string{"XSETID", "s", "10-1", "ENTRIESADDED", "-1"}, "-ERR entries_added must be positive\r\n", false},
		{[]string{"XSETID", "s", "10-1", "ENTRIESADDED", "x"}, "-ERR value is not an integer or out of range\r\n", false},
		{[]string{"XSETID", "s", "10-1", "MAXDELETEDID", "11-0"}, "-ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id\r\n", false},
		{[]string{"XSETID", "s", "10-1", "MAXDELETEDID", "9-0", "ENTRIESADDED", "50"}, "+OK\r\n", false},
		{[]string{"XSETID", "s", "10-1", "FOO", "1"}, "-ERR syntax error\r\n", false},
		{[]string{"XSETID", "nokey", "1-1"}, "-ERR no such key\r\n", false},
		{[]string{"XSETID", "s", "bad"}, "-ERR Invalid stream ID specified as stream command argument\r\n", false},
		{[]string{"XINFO", "STREAM", "s"}, "*20\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n:0\r\n$16\r\nradix-tree-nodes\r\n:1\r\n$17\r\nlast-generated-id\r\n$4\r\n10-1\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n9-0\r\n$13\r\nentries-added\r\n:50\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n0-0\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n$-1\r\n$10\r\nlast-entry\r\n$-1\r\n", false},
		{[]string{"XSETID", "s", "9-0"}, "+OK\r\n", false},
		{[]string{"XADD", "s", "10-1", "a", "1"}, "$4\r\n10-1\r\n", false},
		{[]string{"XADD", "s", "10-*", "a", "1"}, "$4\r\n10-2\r\n", false},
		{[]string{"XADD", "s", "*", "a", "1"}, "$15\r\n1795655265872-0\r\n", true},
		{[]string{"XADD", "t", "*", "a", "1"}, "$15\r\n1795655265872-0\r\n", true},
		{[]string{"XADD", "t", "*", "b", "2"}, "$15\r\n1795655265872-1\r\n", true},
		{[]string{"XRANGE", "t", "-", "+"}, "*2\r\n*2\r\n$15\r\n1795655265872-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$15\r\n1795655265872-1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n", true},
		{[]string{"XREAD", "STREAMS", "s", "0"}, "*1\r\n*2\r\n$1\r\ns\r\n*3\r\n*2\r\n$4\r\n10-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$4\r\n10-2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$15\r\n1795655265872-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", true},
		{[]string{"XREAD", "COUNT", "1", "STREAMS", "s", "0"}, "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$4\r\n10-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", false},
		{[]string{"XREAD", "STREAMS", "s", "$"}, "*-1\r\n", false},
		{[]string{"XREAD", "STREAMS", "s", "nokey", "0", "0"}, "*1\r\n*2\r\n$1\r\ns\r\n*3\r\n*2\r\n$4\r\n10-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$4\r\n10-2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$15\r\n1795655265872-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", true},
		{[]string{"XREAD", "STREAMS", "s", "nokey", "0"}, "-ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.\r\n", false},
		{[]string{"XREAD", "STREAMS", "s", "nokey", "0", "bad"}, "-ERR Invalid stream ID specified as stream command argument\r\n", false},
		{[]string{"XREAD", "STREAMS", "s", ">"}, "-ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.\r\n", false},
		{[]string{"XREAD", "GROUP", "g", "c", "STREAMS", "s", "0"}, "-ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.\r\n", false},
		{[]string{"XREAD", "NOACK", "STREAMS", "s", "0"}, "-ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.\r\n", false},
		{[]string{"XREAD", "FOO", "STREAMS", "s", "0"}, "-ERR syntax error\r\n", false},
		{[]string{"XREAD", "COUNT", "1"}, "-ERR wrong number of arguments for 'xread' command\r\n", false},
		{[]string{"XREAD", "STREAMS", "str", "0"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", false},
		{[]string{"XREAD", "BLOCK", "10", "STREAMS", "s", "$"}, "*-1\r\n", false},
		{[]string{"XREAD", "BLOCK", "-1", "STREAMS", "s", "$"}, "-ERR timeout is negative\r\n", false},
		{[]string{"XREAD", "BLOCK", "x", "STREAMS", "s", "$"}, "-ERR timeout is not an integer or out of range\r\n", false},
		{[]string{"XREAD", "STREAMS", "{a}s", "{b}s", "0", "0"}, "*-1\r\n", false},
		{[]string{"XADD", "{a}s", "1-1", "x", "y"}, "$3\r\n1-1\r\n", false},
		{[]string{"XADD", "{b}s", "1-1", "z", "w"}, "$3\r\n1-1\r\n", false},
		{[]string{"XREAD", "STREAMS", "{a}s", "{b}s", "0", "0"}, "*2\r\n*2\r\n$4\r\n{a}s\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n*2\r\n$4\r\n{b}s\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nz\r\n$1\r\nw\r\n", false},
		{[]string{"XREAD", "STREAMS", "{a}s", "{b}s", "0", "1-1"}, "*1\r\n*2\r\n$4\r\n{a}s\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n", false},
		{[]string{"XREAD", "STREAMS", "{a}s", "{b}s", "0", "bad"}, "-ERR Invalid stream ID specified as stream command argument\r\n", false},
		{[]string{"TYPE", "s"}, "+stream\r\n", false},
		{[]string{"OBJECT", "ENCODING", "s"}, "$6\r\nstream\r\n", false},
		{[]string{"XADD", "big", "MAXLEN", "~", "5", "1-1", "a", "1"}, "$3\r\n1-1\r\n", false},
	})
}

// Consumer groups: XGROUP, XREADGROUP (new and history, NOACK), XACK,
// XPENDING, XCLAIM, XAUTOCLAIM (deleted entries), XINFO GROUPS/CONSUMERS.
func TestStreamGroups(t *testing.T) {
	srv := testServer(t, 2)
	runStreamCases(t, testRaw(t, srv), []streamCase{
		{[]string{"XGROUP", "CREATE", "s", "g", "$"}, "-ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.\r\n", false},
		{[]string{"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}, "+OK\r\n", false},
		{[]string{"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}, "-BUSYGROUP Consumer Group name already exists\r\n", false},
		{[]string{"XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "-2"}, "-ERR value for ENTRIESREAD must be positive or -1\r\n", false},
		{[]string{"XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "x"}, "-ERR value is not an integer or out of range\r\n", false},
		{[]string{"XGROUP", "CREATE", "s", "g2", "0", "FOO"}, "-ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP.\r\n", false},
		{[]string{"XGROUP", "CREATE", "s", "g2", "bad"}, "-ERR Invalid stream ID specified as stream command argument\r\n", false},
		{[]string{"XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "3", "MKSTREAM"}, "+OK\r\n", false},
		{[]string{"XGROUP", "CREATE", "s"}, "-ERR wrong number of arguments for 'xgroup|create' command\r\n", false},
		{[]string{"XGROUP", "SETID", "s", "nog", "0"}, "-NOGROUP No such consumer group 'nog' for key name 's'\r\n", false},
		{[]string{"XGROUP", "SETID", "s", "g2", "0", "ENTRIESREAD"}, "-ERR unknown subcommand or wrong number of arguments for 'SETID'. Try XGROUP HELP.\r\n", false},
		{[]string{"XGROUP", "SETID", "s", "g2", "0", "ENTRIESREAD", "x"}, "-ERR value is not an integer or out of range\r\n", false},
		{[]string{"XGROUP", "SETID", "s", "g2", "0", "FOO", "1"}, "-ERR unknown subcommand or wrong number of arguments for 'SETID'. Try XGROUP HELP.\r\n", false},
		{[]string{"XGROUP", "SETID", "s", "g2", "0", "ENTRIESREAD", "-5"}, "-ERR value for ENTRIESREAD must be positive or -1\r\n", false},
		{[]string{"XGROUP", "SETID", "s", "g2", "-", "ENTRIESREAD", "0"}, "+OK\r\n", false},
		{[]string{"XGROUP", "SETID", "nokey", "g2", "0"}, "-ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.\r\n", false},
		{[]string{"XGROUP", "DESTROY", "s", "nog"}, ":0\r\n", false},
		{[]string{"XGROUP", "DESTROY", "s", "g2"}, ":1\r\n", false},
		{[]string{"XGROUP", "DESTROY", "nokey", "g2"}, "-ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.\r\n", false},
		{[]string{"XGROUP", "CREATECONSUMER", "s", "g", "c1"}, ":1\r\n", false},
		{[]string{"XGROUP", "CREATECONSUMER", "s", "g", "c1"}, ":0\r\n", false},
		{[]string{"XGROUP", "CREATECONSUMER", "s", "nog", "c1"}, "-NOGROUP No such consumer group 'nog' for key name 's'\r\n", false},
		{[]string{"XGROUP", "DELCONSUMER", "s", "g", "nobody"}, ":0\r\n", false},
		{[]string{"XGROUP", "FOO", "s", "g"}, "-ERR unknown subcommand 'FOO'. Try XGROUP HELP.\r\n", false},
		{[]string{"XGROUP", "HELP"}, "*17\r\n+XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+CREATE <key> <groupname> <id|$> [option]\r\n+    Create a new consumer group. Options are:\r\n+    * MKSTREAM\r\n+      Create the empty stream if it does not exist.\r\n+    * ENTRIESREAD entries_read\r\n+      Set the group's entries_read counter (internal use).\r\n+CREATECONSUMER <key> <groupname> <consumer>\r\n+    Create a new consumer in the specified group.\r\n+DELCONSUMER <key> <groupname> <consumer>\r\n+    Remove the specified consumer.\r\n+DESTROY <key> <groupname>\r\n+    Remove the specified group.\r\n+SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]\r\n+    Set the current group ID and entries_read counter.\r\n+HELP\r\n+    Prints this help.\r\n", false},
		{[]string{"XINFO", "HELP"}, "*9\r\n+XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+CONSUMERS <key> <groupname>\r\n+    Show consumers of <groupname>.\r\n+GROUPS <key>\r\n+    Show the stream consumer groups.\r\n+STREAM <key> [FULL [COUNT <count>]\r\n+    Show information about the stream.\r\n+HELP\r\n+    Prints this help.\r\n", false},
		{[]string{"XADD", "s", "1-1", "a", "1"}, "$3\r\n1-1\r\n", false},
		{[]string{"XADD", "s", "2-1", "b", "2"}, "$3\r\n2-1\r\n", false},
		{[]string{"XADD", "s", "3-1", "c", "3"}, "$3\r\n3-1\r\n", false},
		{[]string{"XINFO", "GROUPS", "s"}, "*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:1\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n:3\r\n", false},
		{[]string{"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", ">"}, "*1\r\n*2\r\n$1\r\ns\r\n*3\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n", false},
		{[]string{"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", ">"}, "*-1\r\n", false},
		{[]string{"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "0"}, "*1\r\n*2\r\n$1\r\ns\r\n*3\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n", false},
		{[]string{"XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", "0"}, "*1\r\n*2\r\n$1\r\ns\r\n*0\r\n", false},
		{[]string{"XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "s", "1-1"}, "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n", false},
		{[]string{"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "$"}, "-ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.\r\n", false},
		{[]string{"XREADGROUP", "GROUP", "nog", "c1", "STREAMS", "s", ">"}, "-NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option\r\n", false},
		{[]string{"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "nokey", ">"}, "-NOGROUP No such key 'nokey' or consumer group 'g' in XREADGROUP with GROUP option\r\n", false},
		{[]string{"XREADGROUP", "STREAMS", "s", ">"}, "-ERR wrong number of arguments for 'xreadgroup' command\r\n", false},
		{[]string{"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s"}, "-ERR wrong number of arguments for 'xreadgroup' command\r\n", false},
		{[]string{"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "t", ">"}, "-ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.\r\n", false},
		{[]string{"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "str", ">"}, "-NOGROUP No such key 'str' or consumer group 'g' in XREADGROUP with GROUP option\r\n", false},
		{[]string{"XINFO", "GROUPS", "s"}, "*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:2\r\n$7\r\npending\r\n:3\r\n$17\r\nlast-delivered-id\r\n$3\r\n3-1\r\n$12\r\nentries-read\r\n:3\r\n$3\r\nlag\r\n:0\r\n", false},
		{[]string{"XINFO", "CONSUMERS", "s", "g"}, "*2\r\n*6\r\n$4\r\nname\r\n$2\r\nc1\r\n$7\r\npending\r\n:3\r\n$4\r\nidle\r\n:1\r\n*6\r\n$4\r\nname\r\n$2\r\nc2\r\n$7\r\npending\r\n:0\r\n$4\r\nidle\r\n:1\r\n", true},
		{[]string{"XINFO", "CONSUMERS", "s", "nog"}, "-NOGROUP No such consumer group 'nog' for key name 's'\r\n", false},
		{[]string{"XINFO", "CONSUMERS", "nokey", "g"}, "-ERR no such key\r\n", false},
		{[]string{"XPENDING", "s", "g"}, "*4\r\n:3\r\n$3\r\n1-1\r\n$3\r\n3-1\r\n*1\r\n*2\r\n$2\r\nc1\r\n$1\r\n3\r\n", false},
		{[]string{"XPENDING", "s", "g", "-", "+", "10"}, "*3\r\n*4\r\n$3\r\n1-1\r\n$2\r\nc1\r\n:2\r\n:2\r\n*4\r\n$3\r\n2-1\r\n$2\r\nc1\r\n:1\r\n:3\r\n*4\r\n$3\r\n3-1\r\n$2\r\nc1\r\n:2\r\n:2\r\n", true},
		{[]string{"XPENDING", "s", "g", "-", "+", "10", "c1"}, "*3\r\n*4\r\n$3\r\n1-1\r\n$2\r\nc1\r\n:2\r\n:2\r\n*4\r\n$3\r\n2-1\r\n$2\r\nc1\r\n:1\r\n:3\r\n*4\r\n$3\r\n3-1\r\n$2\r\nc1\r\n:2\r\n:2\r\n", true},
		{[]string{"XPENDING", "s", "g", "-", "+", "10", "nobody"}, "*0\r\n", false},
		{[]string{"XPENDING", "s", "g", "IDLE", "0", "-", "+", "10"}, "*3\r\n*4\r\n$3\r\n1-1\r\n$2\r\nc1\r\n:2\r\n:2\r\n*4\r\n$3\r\n2-1\r\n$2\r\nc1\r\n:1\r\n:3\r\n*4\r\n$3\r\n3-1\r\n$2\r\nc1\r\n:2\r\n:2\r\n", true},
		{[]string{"XPENDING", "s", "g", "IDLE", "100000", "-", "+", "10"}, "*0\r\n", false},
		{[]string{"XPENDING", "s", "g", "IDLE", "0", "-", "+"}, "-ERR syntax error\r\n", false},
		{[]string{"XPENDING", "s", "g", "-", "+", "x"}, "-ERR value is not an integer or out of range\r\n", false},
		{[]string{"XPENDING", "s", "g", "x", "+", "10"}, "-ERR Invalid stream ID specified as stream command argument\r\n", false},
		{[]string{"XPENDING", "s", "g", "(18446744073709551615-18446744073709551615", "+", "10"}, "-ERR invalid start ID for the interval\r\n", true},
		{[]string{"XPENDING", "s", "g", "-", "(0-0", "10"}, "-ERR invalid end ID for the interval\r\n", false},
		{[]string{"XPENDING", "s", "g", "-", "+", "10", "c1", "extra"}, "*3\r\n*4\r\n$3\r\n1-1\r\n$2\r\nc1\r\n:3\r\n:2\r\n*4\r\n$3\r\n2-1\r\n$2\r\nc1\r\n:2\r\n:3\r\n*4\r\n$3\r\n3-1\r\n$2\r\nc1\r\n:3\r\n:2\r\n", true},
		{[]string{"XPENDING", "s", "nog"}, "-NOGROUP No such key 's' or consumer group 'nog'\r\n", false},
		{[]string{"XPENDING", "s", "g", "-"}, "-ERR syntax error\r\n", false},
		{[]string{"XACK", "s", "g", "1-1", "9-9"}, ":1\r\n", false},
		{[]string{"XACK", "s", "g", "bad"}, "-ERR Invalid stream ID specified as stream command argument\r\n", false},
		{[]string{"XACK", "s", "nog", "1-1"}, ":0\r\n", false},
		{[]string{"XACK", "nokey", "g", "1-1"}, ":0\r\n", false},
		{[]string{"XPENDING", "s", "g"}, "*4\r\n:2\r\n$3\r\n2-1\r\n$3\r\n3-1\r\n*1\r\n*2\r\n$2\r\nc1\r\n$1\r\n2\r\n", false},
		{[]string{"XDEL", "s", "2-1"}, ":1\r\n", false},
		{[]string{"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "0"}, "*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n2-1\r\n*-1\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n", false},
		{[]string{"XCLAIM", "s", "g", "c2", "0", "2-1", "3-1"}, "*1\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n", true},
		{[]string{"XPENDING", "s", "g"}, "*4\r\n:1\r\n$3\r\n3-1\r\n$3\r\n3-1\r\n*1\r\n*2\r\n$2\r\nc2\r\n$1\r\n1\r\n", false},
		{[]string{"XCLAIM", "s", "g", "c2", "0", "3-1", "JUSTID"}, "*1\r\n$3\r\n3-1\r\n", true},
		{[]string{"XCLAIM", "s", "g", "c3", "0", "3-1", "IDLE", "500", "RETRYCOUNT", "7"}, "*1\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n", true},
		{[]string{"XPENDING", "s", "g", "-", "+", "10"}, "*1\r\n*4\r\n$3\r\n3-1\r\n$2\r\nc3\r\n:500\r\n:7\r\n", true},
		{[]string{"XCLAIM", "s", "g", "c3", "1000000", "3-1"}, "*0\r\n", false},
		{[]string{"XCLAIM", "s", "g", "c3", "0", "3-1", "FOO"}, "-ERR Unrecognized XCLAIM option 'FOO'\r\n", false},
		{[]string{"XCLAIM", "s", "g", "c3", "x", "3-1"}, "-ERR Invalid min-idle-time argument for XCLAIM\r\n", false},
		{[]string{"XCLAIM", "s", "g", "c3", "0", "3-1", "IDLE", "x"}, "-ERR Invalid IDLE option argument for XCLAIM\r\n", false},
		{[]string{"XCLAIM", "s", "g", "c3", "0", "3-1", "TIME", "x"}, "-ERR Invalid TIME option argument for XCLAIM\r\n", false},
		{[]string{"XCLAIM", "s", "g", "c3", "0", "3-1", "RETRYCOUNT", "x"}, "-ERR Invalid RETRYCOUNT option argument for XCLAIM\r\n", false},
		{[]string{"XCLAIM", "s", "g", "c3", "0", "3-1", "LASTID", "x"}, "-ERR Invalid stream ID specified as stream command argument\r\n", false},
		{[]string{"XCLAIM", "s", "nog", "c3", "0", "3-1"}, "-NOGROUP No such key 's' or consumer group 'nog'\r\n", false},
		{[]string{"XADD", "s", "4-1", "d", "4"}, "$3\r\n4-1\r\n", false},
		{[]string{"XCLAIM", "s", "g", "c4", "0", "4-1", "FORCE"}, "*1\r\n*2\r\n$3\r\n4-1\r\n*2\r\n$1\r\nd\r\n$1\r\n4\r\n", true},
		{[]string{"XPENDING", "s", "g", "-", "+", "10"}, "*2\r\n*4\r\n$3\r\n3-1\r\n$2\r\nc3\r\n:501\r\n:7\r\n*4\r\n$3\r\n4-1\r\n$2\r\nc4\r\n:0\r\n:2\r\n", true},
		{[]string{"XCLAIM", "s", "g", "c4", "0", "4-1", "LASTID", "5-0", "JUSTID"}, "*1\r\n$3\r\n4-1\r\n", true},
		{[]string{"XINFO", "GROUPS", "s"}, "*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:4\r\n$7\r\npending\r\n:2\r\n$17\r\nlast-delivered-id\r\n$3\r\n5-0\r\n$12\r\nentries-read\r\n:3\r\n$3\r\nlag\r\n:1\r\n", false},
		{[]string{"XREADGROUP", "GROUP", "g", "c1", "NOACK", "STREAMS", "s", ">"}, "*-1\r\n", false},
		{[]string{"XADD", "s", "6-1", "e", "5"}, "$3\r\n6-1\r\n", false},
		{[]string{"XREADGROUP", "GROUP", "g", "c1", "NOACK", "STREAMS", "s", ">"}, "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n6-1\r\n*2\r\n$1\r\ne\r\n$1\r\n5\r\n", false},
		{[]string{"XPENDING", "s", "g"}, "*4\r\n:2\r\n$3\r\n3-1\r\n$3\r\n4-1\r\n*2\r\n*2\r\n$2\r\nc3\r\n$1\r\n1\r\n*2\r\n$2\r\nc4\r\n$1\r\n1\r\n", false},
		{[]string{"XAUTOCLAIM", "s", "g", "c5", "0", "0"}, "*3\r\n$3\r\n0-0\r\n*2\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$3\r\n4-1\r\n*2\r\n$1\r\nd\r\n$1\r\n4\r\n*0\r\n", true},
		{[]string{"XAUTOCLAIM", "s", "g", "c5", "0", "0", "COUNT", "1"}, "*3\r\n$3\r\n4-1\r\n*1\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*0\r\n", true},
		{[]string{"XAUTOCLAIM", "s", "g", "c5", "0", "0", "JUSTID"}, "*3\r\n$3\r\n0-0\r\n*2\r\n$3\r\n3-1\r\n$3\r\n4-1\r\n*0\r\n", true},
		{[]string{"XAUTOCLAIM", "s", "g", "c5", "0", "0", "COUNT", "0"}, "-ERR COUNT must be > 0\r\n", false},
		{[]string{"XAUTOCLAIM", "s", "g", "c5", "x", "0"}, "-ERR Invalid min-idle-time argument for XAUTOCLAIM\r\n", false},
		{[]string{"XAUTOCLAIM", "s", "g", "c5", "0", "x"}, "-ERR Invalid stream ID specified as stream command argument\r\n", false},
		{[]string{"XAUTOCLAIM", "s", "g", "c5", "0", "0", "FOO"}, "-ERR syntax error\r\n", false},
		{[]string{"XAUTOCLAIM", "s", "nog", "c5", "0", "0"}, "-NOGROUP No such key 's' or consumer group 'nog'\r\n", false},
		{[]string{"XAUTOCLAIM", "s", "g", "c5", "100000", "0"}, "*3\r\n$3\r\n0-0\r\n*0\r\n*0\r\n", false},
		{[]string{"XINFO", "CONSUMERS", "s", "g"}, "*5\r\n*6\r\n$4\r\nname\r\n$2\r\nc1\r\n$7\r\npending\r\n:0\r\n$4\r\nidle\r\n:1\r\n*6\r\n$4\r\nname\r\n$2\r\nc2\r\n$7\r\npending\r\n:0\r\n$4\r\nidle\r\n:3\r\n*6\r\n$4\r\nname\r\n$2\r\nc3\r\n$7\r\npending\r\n:0\r\n$4\r\nidle\r\n:3\r\n*6\r\n$4\r\nname\r\n$2\r\nc4\r\n$7\r\npending\r\n:0\r\n$4\r\nidle\r\n:1\r\n*6\r\n$4\r\nname\r\n$2\r\nc5\r\n$7\r\npending\r\n:2\r\n$4\r\nidle\r\n:1\r\n", true},
		{[]string{"XGROUP", "DELCONSUMER", "s", "g", "c5"}, ":2\r\n", false},
		{[]string{"XINFO", "GROUPS", "s"}, "*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:4\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n6-1\r\n$12\r\nentries-read\r\n:4\r\n$3\r\nlag\r\n:1\r\n", false},
		{[]string{"XINFO", "STREAM", "s", "FULL"}, "*18\r\n$6\r\nlength\r\n:4\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\nlast-generated-id\r\n$3\r\n6-1\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n2-1\r\n$13\r\nentries-added\r\n:5\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n1-1\r\n$7\r\nentries\r\n*4\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$3\r\n4-1\r\n*2\r\n$1\r\nd\r\n$1\r\n4\r\n*2\r\n$3\r\n6-1\r\n*2\r\n$1\r\ne\r\n$1\r\n5\r\n$6\r\ngroups\r\n*1\r\n*14\r\n$4\r\nname\r\n$1\r\ng\r\n$17\r\nlast-delivered-id\r\n$3\r\n6-1\r\n$12\r\nentries-read\r\n:4\r\n$3\r\nlag\r\n:1\r\n$9\r\npel-count\r\n:0\r\n$7\r\npending\r\n*0\r\n$9\r\nconsumers\r\n*4\r\n*8\r\n$4\r\nname\r\n$2\r\nc1\r\n$9\r\nseen-time\r\n:1795655266753\r\n$9\r\npel-count\r\n:0\r\n$7\r\npending\r\n*0\r\n*8\r\n$4\r\nname\r\n$2\r\nc2\r\n$9\r\nseen-time\r\n:1795655266751\r\n$9\r\npel-count\r\n:0\r\n$7\r\npending\r\n*0\r\n*8\r\n$4\r\nname\r\n$2\r\nc3\r\n$9\r\nseen-time\r\n:1795655266751\r\n$9\r\npel-count\r\n:0\r\n$7\r\npending\r\n*0\r\n*8\r\n$4\r\nname\r\n$2\r\nc4\r\n$9\r\nseen-time\r\n:1795655266753\r\n$9\r\npel-count\r\n:0\r\n$7\r\npending\r\n*0\r\n", true},
		{[]string{"XADD", "s", "7-1", "f", "6"}, "$3\r\n7-1\r\n", false},
		{[]string{"XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "s", ">"}, "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n7-1\r\n*2\r\n$1\r\nf\r\n$1\r\n6\r\n", false},
		{[]string{"XDEL", "s", "7-1"}, ":1\r\n", false},
		{[]string{"XAUTOCLAIM", "s", "g", "c6", "0", "0"}, "*3\r\n$3\r\n0-0\r\n*0\r\n*1\r\n$3\r\n7-1\r\n", false},
		{[]string{"XPENDING", "s", "g"}, "*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n", false},
		{[]string{"XINFO", "STREAM", "s", "FULL"}, "*18\r\n$6\r\nlength\r\n:4\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\nlast-generated-id\r\n$3\r\n7-1\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n7-1\r\n$13\r\nentries-added\r\n:6\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n1-1\r\n$7\r\nentries\r\n*4\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$3\r\n4-1\r\n*2\r\n$1\r\nd\r\n$1\r\n4\r\n*2\r\n$3\r\n6-1\r\n*2\r\n$1\r\ne\r\n$1\r\n5\r\n$6\r\ngroups\r\n*1\r\n*14\r\n$4\r\nname\r\n$1\r\ng\r\n$17\r\nlast-delivered-id\r\n$3\r\n7-1\r\n$12\r\nentries-read\r\n:5\r\n$3\r\nlag\r\n:0\r\n$9\r\npel-count\r\n:0\r\n$7\r\npending\r\n*0\r\n$9\r\nconsumers\r\n*4\r\n*8\r\n$4\r\nname\r\n$2\r\nc1\r\n$9\r\nseen-time\r\n:1795655266755\r\n$9\r\npel-count\r\n:0\r\n$7\r\npending\r\n*0\r\n*8\r\n$4\r\nname\r\n$2\r\nc2\r\n$9\r\nseen-time\r\n:1795655266751\r\n$9\r\npel-count\r\n:0\r\n$7\r\npending\r\n*0\r\n*8\r\n$4\r\nname\r\n$2\r\nc3\r\n$9\r\nseen-time\r\n:1795655266751\r\n$9\r\npel-count\r\n:0\r\n$7\r\npending\r\n*0\r\n*8\r\n$4\r\nname\r\n$2\r\nc4\r\n$9\r\nseen-time\r\n:1795655266753\r\n$9\r\npel-count\r\n:0\r\n$7\r\npending\r\n*0\r\n", true},
		{[]string{"XINFO", "GROUPS", "s"}, "*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:4\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n7-1\r\n$12\r\nentries-read\r\n:5\r\n$3\r\nlag\r\n:0\r\n", false},
		{[]string{"XGROUP", "SETID", "s", "g", "0"}, "+OK\r\n", false},
		{[]string{"XINFO", "GROUPS", "s"}, "*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:4\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n$-1\r\n", false},
		{[]string{"XGROUP", "SETID", "s", "g", "$", "ENTRIESREAD", "3"}, "+OK\r\n", false},
		{[]string{"XINFO", "GROUPS", "s"}, "*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:4\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n7-1\r\n$12\r\nentries-read\r\n:3\r\n$3\r\nlag\r\n:0\r\n", false},
		{[]string{"XTYPE"}, "-ERR unknown command 'XTYPE', with args beginning with: \r\n", false},
	})
}

func TestStreamRESP3(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	require.Contains(t, rc.do("HELLO", "3"), "proto")
	require.Equal(t, "$3\r\n1-1\r\n", rc.do("XADD", keyA+"s", "1-1", "f", "v"))
	require.Equal(t, "$3\r\n2-1\r\n", rc.do("XADD", keyB+"s", "2-1", "g", "w"))
	entry := func(id, f, v string) string {
		return fmt.Sprintf("*1\r\n*2\r\n$3\r\n%s\r\n*2\r\n$1\r\n%s\r\n$1\r\n%s\r\n", id, f, v)
	}
	require.Equal(t, "%1\r\n$4\r\n{a}s\r\n"+entry("1-1", "f", "v"), rc.do("XREAD", "STREAMS", keyA+"s", "0"))
	require.Equal(t, "%2\r\n$4\r\n{a}s\r\n"+entry("1-1", "f", "v")+"$4\r\n{b}s\r\n"+entry("2-1", "g", "w"),
		rc.do("XREAD", "STREAMS", keyA+"s", keyB+"s", "0", "0"))
	require.Equal(t, "_\r\n", rc.do("XREAD", "STREAMS", keyA+"s", keyB+"s", "$", "$"))
	require.Equal(t, "_\r\n", rc.do("XREAD", "BLOCK", "10", "STREAMS", keyA+"s", "$"))
	require.Equal(t, "+OK\r\n", rc.do("XGROUP", "CREATE", keyA+"s", "g", "0"))
	require.Equal(t, "+OK\r\n", rc.do("XGROUP", "CREATE", keyB+"s", "g", "0"))
	require.Equal(t, "-NOGROUP No such key '{b}x' or consumer group 'g' in XREADGROUP with GROUP option\r\n",
		rc.do("XREADGROUP", "GROUP", "g", "c", "STREAMS", keyA+"s", keyB+"x", ">", ">"))
	require.Equal(t, "*4\r\n:0\r\n_\r\n_\r\n_\r\n", rc.do("XPENDING", keyA+"s", "g"), "a failed read delivers nothing")
	require.Equal(t, "%2\r\n$4\r\n{a}s\r\n"+entry("1-1", "f", "v")+"$4\r\n{b}s\r\n"+entry("2-1", "g", "w"),
		rc.do("XREADGROUP", "GROUP", "g", "c", "STREAMS", keyA+"s", keyB+"s", ">", ">"))
	require.Equal(t, "-NOGROUP No such key '{b}x' or consumer group 'g' in XREADGROUP with GROUP option\r\n",
		rc.do("XREADGROUP", "GROUP", "g", "c", "STREAMS", keyA+"s", keyB+"x", ">", ">"))
	require.Equal(t, "*1\r\n%6\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:1\r\n$7\r\npending\r\n:1\r\n$17\r\nlast-delivered-id\r\n$3\r\n1-1\r\n$12\r\nentries-read\r\n:1\r\n$3\r\nlag\r\n:0\r\n",
		rc.do("XINFO", "GROUPS", keyA+"s"))
	require.Equal(t, "*4\r\n:1\r\n$3\r\n1-1\r\n$3\r\n1-1\r\n*1\r\n*2\r\n$1\r\nc\r\n$1\r\n1\r\n", rc.do("XPENDING", keyA+"s", "g"))
	require.Equal(t, ":1\r\n", rc.do("XACK", keyA+"s", "g", "1-1"))
	require.Equal(t, "*4\r\n:0\r\n_\r\n_\r\n_\r\n", rc.do("XPENDING", keyA+"s", "g"))
}

// Writes log deterministic effects: generated IDs, trimming as XTRIM
// MAXLEN =, deliveries as XCLAIM with absolute TIME plus XGROUP SETID.
func TestStreamEffects(t *testing.T) {
	log := &collLog{}
	srv := collServer(t, 1, log)
	rc := testRaw(t, srv)
	rc.do("XADD", "s", "MAXLEN", "~", "1", "*", "a", "1")
	effs := log.effects()
	require.Len(t, effs, 1)
	require.Regexp(t, `^XADD s \d+-0 a 1$`, effs[0])
	rc.do("XADD", "s", "MAXLEN", "1", "99999999999999-*", "b", "2")
	require.Equal(t, []string{"XADD s 99999999999999-0 b 2", "XTRIM s MAXLEN = 1"}, log.effects())
	rc.do("XGROUP", "CREATE", "s", "g", "$")
	require.Equal(t, []string{"XGROUP CREATE s g 99999999999999-0 ENTRIESREAD -1 MKSTREAM"}, log.effects())
	rc.do("XADD", "s", "99999999999999-5", "c", "3")
	log.effects()
	rc.do("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">")
	effs = log.effects()
	require.Len(t, effs, 3)
	require.Equal(t, "XGROUP CREATECONSUMER s g alice", effs[0])
	require.Regexp(t, `^XCLAIM s g alice 0 99999999999999-5 TIME \d+ RETRYCOUNT 1 FORCE JUSTID LASTID 99999999999999-5$`, effs[1])
	require.Equal(t, "XGROUP SETID s g 99999999999999-5 ENTRIESREAD 3", effs[2])
	rc.do("XAUTOCLAIM", "s", "g", "bob", "0", "0")
	effs = log.effects()
	require.Len(t, effs, 2)
	require.Regexp(t, `^XCLAIM s g bob 0 99999999999999-5 TIME \d+ RETRYCOUNT 2 FORCE JUSTID LASTID 99999999999999-5$`, effs[1])
	rc.do("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">")
	require.Empty(t, log.effects(), "nothing delivered, nothing logged")
}

var maskSeen = regexp.MustCompile(`seen-time\r\n:\d+`)

// streamState is everything XINFO STREAM FULL shows, but the consumers'
// seen-time (a clock reading on replay, as in Redis).
func streamState(rc *rawConn, key string) string {
	return maskSeen.ReplaceAllString(rc.do("XINFO", "STREAM", key, "FULL", "COUNT", "0"), "seen-time")
}

// Replaying the logged effects of a random workload over streams and
// groups rebuilds identical streams (entries, counters, groups, PELs with
// delivery times and counts), on a server with another shard count.
func TestStreamReplay(t *testing.T) {
	log := &collLog{}
	srv := collServer(t, 2, log, "--stream-node-max-entries", "4")
	rc := testRaw(t, srv)
	r := rand.New(rand.NewPCG(3, 11))
	keys := []string{keyA + "s1", keyB + "s2", "s3"}
	pick := func(ks []string) string { return ks[r.IntN(len(ks))] }
	id := func(i int) string { return fmt.Sprintf("%d-%d", r.IntN(i+1), r.IntN(3)) }
	cons := []string{"c1", "c2", "c3"}
	groups := []string{"g1", "g2"}
	for i := 1; i < 1500; i++ {
		k := pick(keys)
		var args []string
		switch r.IntN(16) {
		case 0, 1, 2:
			args = []string{"XADD", k, fmt.Sprintf("%d-*", i), "f", fmt.Sprint(r.IntN(100))}
		case 3:
			args = []string{"XADD", k, "MAXLEN", "~", "6", fmt.Sprint(i), "f", "x", "g", "y"}
		case 4:
			args = []string{"XADD", k, "MINID", fmt.Sprint(i - 30), fmt.Sprintf("%d-1", i), "f", "m"}
		case 5:
			args = []string{"XDEL", k, id(i), id(i)}
		case 6:
			args = []string{"XTRIM", k, "MAXLEN", fmt.Sprint(r.IntN(20))}
		case 7:
			args = []string{"XGROUP", "CREATE", k, pick(groups), "$", "MKSTREAM"}
		case 8, 9:
			args = []string{"XREADGROUP", "GROUP", pick(groups), pick(cons), "COUNT", fmt.Sprint(r.IntN(4)), "STREAMS", k, ">"}
		case 10:
			args = []string{"XREADGROUP", "GROUP", pick(groups), pick(cons), "STREAMS", k, "0"}
		case 11:
			args = []string{"XACK", k, pick(groups), id(i), id(i)}
		case 12:
			args = []string{"XCLAIM", k, pick(groups), pick(cons), "0", id(i), id(i)}
		case 13:
			args = []string{"XAUTOCLAIM", k, pick(groups), pick(cons), "0", "0", "COUNT", "3"}
		case 14:
			args = []string{"XGROUP", "SETID", k, pick(groups), id(i)}
		case 15:
			args = []string{"XGROUP", "DELCONSUMER", k, pick(groups), pick(cons)}
		}
		rc.do(args...)
	}
	rc.do("XREADGROUP", "GROUP", "g1", "c1", "STREAMS", keyA+"s1", keyB+"s2", ">", ">")
	replica := testServer(t, 1, "--stream-node-max-entries", "4")
	rr := testRaw(t, replica)
	for _, rec := range log.take() {
		require.NotContains(t, []string{"XAUTOCLAIM", "XREADGROUP"}, rec.args[0])
		reply := rr.do(rec.args...)
		require.NotEqual(t, byte('-'), reply[0], "%q: %s", rec.args, reply)
	}
	pending := 0
	for _, k := range keys {
		state := streamState(rc, k)
		require.Equal(t, state, streamState(rr, k), k)
		pending += strings.Count(state, "pel-count")
	}
	require.Greater(t, pending, 2, "the workload leaves groups to compare")
}

// The restore records (cross-shard moves) rebuild a stream exactly: its
// entries and counters, groups, consumers, and pending entries, also those
// whose entry was deleted or trimmed.
func TestStreamRestore(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	for _, cmd := range [][]string{
		{"XADD", "s", "1-1", "a", "1"}, {"XADD", "s", "2-1", "b", "2"}, {"XADD", "s", "3-1", "c", "3"},
		{"XADD", "s", "4-1", "d", "4"}, {"XADD", "s", "5-1", "e", "5"},
		{"XGROUP", "CREATE", "s", "g", "0"}, {"XGROUP", "CREATE", "s", "h", "$", "ENTRIESREAD", "5"},
		{"XGROUP", "CREATECONSUMER", "s", "h", "idle"},
		{"XREADGROUP", "GROUP", "g", "c1", "COUNT", "2", "STREAMS", "s", ">"},
		{"XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", ">"},
		{"XCLAIM", "s", "g", "c3", "0", "4-1", "RETRYCOUNT", "9"},
		{"XDEL", "s", "3-1"}, {"XTRIM", "s", "MINID", "2"},
		{"XGROUP", "CREATE", "empty", "g", "7-7", "MKSTREAM"},
		{"XADD", "gone", "9-9", "x", "y"}, {"XDEL", "gone", "9-9"},
	} {
		require.NotEqual(t, byte('-'), rc.do(cmd...)[0], "%q", cmd)
	}
	replica := testServer(t, 1)
	rr := testRaw(t, replica)
	for _, key := range []string{"s", "empty", "gone"} {
		var recs [][][]byte
		onShard(srv, key, func(db *store.Table) {
			e, ok := db.Get([]byte(key))
			require.True(t, ok)
			recs = restoreFuncs[store.TypeStream]([]byte(key), e.Obj)
		})
		for _, rec := range recs {
			args := make([]string, len(rec))
			for i, a := range rec {
				args[i] = string(a)
			}
			reply := rr.do(args...)
			require.NotEqual(t, byte('-'), reply[0], "%q: %s", args, reply)
		}
		require.Equal(t, streamState(rc, key), streamState(rr, key), key)
	}
	// The dangling entries survive: 1-1 (trimmed) and 3-1 (deleted).
	require.Contains(t, rr.do("XPENDING", "s", "g", "-", "+", "10"), "1-1")
	require.Contains(t, rr.do("XPENDING", "s", "g", "-", "+", "10"), "3-1")
	// Moves across shards go through the same records.
	before := streamState(rc, "s")
	require.Equal(t, "+OK\r\n", rc.do("RENAME", "s", keyB+"moved"))
	require.Equal(t, before, streamState(rc, keyB+"moved"))
	require.Equal(t, "+stream\r\n", rc.do("TYPE", keyB+"moved"))
	require.Equal(t, "$6\r\nstream\r\n", rc.do("OBJECT", "ENCODING", keyB+"moved"))
}

// Copy is deep: the copy's entries, groups and PELs are its own.
func TestStreamCopyCommand(t *testing.T) {
	srv := testServer(t, 1)
	rc := testRaw(t, srv)
	rc.do("XADD", "s", "1-1", "a", "1")
	rc.do("XGROUP", "CREATE", "s", "g", "0")
	rc.do("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
	require.Equal(t, ":1\r\n", rc.do("COPY", "s", "t"))
	require.Equal(t, streamState(rc, "s"), streamState(rc, "t"))
	require.Equal(t, ":1\r\n", rc.do("XACK", "t", "g", "1-1"))
	require.Equal(t, ":1\r\n", rc.do("XDEL", "t", "1-1"))
	require.Equal(t, ":1\r\n", rc.do("XLEN", "s"))
	require.Contains(t, rc.do("XPENDING", "s", "g"), "1-1")
	var n int
	onShard(srv, "s", func(db *store.Table) {
		e, _ := db.Get([]byte("s"))
		n = e.Obj.(*types.Stream).Len()
	})
	require.Equal(t, 1, n)
}

// Edge cases: ID limits and parsing, trimming to empty, LIMIT 0, group
// reads that serve nothing (no consumer is created), FORCE claims.
func TestStreamEdgeCases(t *testing.T) {
	srv := testServer(t, 2)
	runStreamCases(t, testRaw(t, srv), []streamCase{
		{[]string{"XADD", "m", "18446744073709551615-18446744073709551614", "a", "b"}, "$41\r\n18446744073709551615-18446744073709551614\r\n", false},
		{[]string{"XADD", "m", "18446744073709551615-*", "a", "b"}, "$41\r\n18446744073709551615-18446744073709551615\r\n", false},
		{[]string{"XADD", "m", "*", "a", "b"}, "-ERR The stream has exhausted the last possible ID, unable to add more items\r\n", false},
		{[]string{"XADD", "m", "18446744073709551615-*", "a", "b"}, "-ERR The stream has exhausted the last possible ID, unable to add more items\r\n", false},
		{[]string{"XADD", "m2", "18446744073709551616-1", "a", "b"}, "-ERR Invalid stream ID specified as stream command argument\r\n", false},
		{[]string{"XADD", "m2", " 5-1", "a", "b"}, "$3\r\n5-1\r\n", false},
		{[]string{"XADD", "m2", "+5-1", "a", "b"}, "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n", false},
		{[]string{"XADD", "m2", "5--1", "a", "b"}, "-ERR Invalid stream ID specified as stream command argument\r\n", false},
		{[]string{"XADD", "m2", "5-1-1", "a", "b"}, "-ERR Invalid stream ID specified as stream command argument\r\n", false},
		{[]string{"XADD", "m2", "-5", "a", "b"}, "-ERR Invalid stream ID specified as stream command argument\r\n", false},
		{[]string{"XADD", "m2", "5-", "a", "b"}, "-ERR Invalid stream ID specified as stream command argument\r\n", false},
		{[]string{"XRANGE", "m2", "-", "+"}, "*1\r\n*2\r\n$3\r\n5-1\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n", false},
		{[]string{"XRANGE", "m2", " 5", "+"}, "*1\r\n*2\r\n$3\r\n5-1\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n", false},
		{[]string{"XADD", "m3", "MAXLEN", "0", "1-1", "a", "b"}, "$3\r\n1-1\r\n", false},
		{[]string{"XLEN", "m3"}, ":0\r\n", false},
		{[]string{"XINFO", "STREAM", "m3"}, "*20\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n:0\r\n$16\r\nradix-tree-nodes\r\n:1\r\n$17\r\nlast-generated-id\r\n$3\r\n1-1\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:1\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n0-0\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n$-1\r\n$10\r\nlast-entry\r\n$-1\r\n", false},
		{[]string{"XADD", "m3", "NOMKSTREAM", "MINID", "=", "5", "LIMIT", "0", "2-1", "a", "b"}, "-ERR syntax error, LIMIT cannot be used without the special ~ option\r\n", false},
		{[]string{"XADD", "m3", "MINID", "~", "5", "LIMIT", "0", "3-1", "a", "b"}, "$3\r\n3-1\r\n", false},
		{[]string{"XLEN", "m3"}, ":0\r\n", false},
		{[]string{"XADD", "m3", "MAXLEN", "~", "0", "LIMIT", "0", "4-1", "a", "b"}, "$3\r\n4-1\r\n", false},
		{[]string{"XINFO", "STREAM", "m3"}, "*20\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n:0\r\n$16\r\nradix-tree-nodes\r\n:1\r\n$17\r\nlast-generated-id\r\n$3\r\n4-1\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:3\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n0-0\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n$-1\r\n$10\r\nlast-entry\r\n$-1\r\n", false},
		{[]string{"XGROUP", "CREATE", "m3", "g", "1-1", "ENTRIESREAD", "1"}, "+OK\r\n", false},
		{[]string{"XINFO", "GROUPS", "m3"}, "*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n1-1\r\n$12\r\nentries-read\r\n:1\r\n$3\r\nlag\r\n:2\r\n", false},
		{[]string{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "m3", ">"}, "*-1\r\n", false},
		{[]string{"XINFO", "GROUPS", "m3"}, "*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n1-1\r\n$12\r\nentries-read\r\n:1\r\n$3\r\nlag\r\n:2\r\n", false},
		{[]string{"XGROUP", "CREATE", "m3", "h", "+"}, "-ERR Invalid stream ID specified as stream command argument\r\n", false},
		{[]string{"XGROUP", "CREATE", "m3", "h", "-"}, "-ERR Invalid stream ID specified as stream command argument\r\n", false},
		{[]string{"XGROUP", "SETID", "m3", "g", "+"}, "+OK\r\n", false},
		{[]string{"XGROUP", "SETID", "m3", "g", "(1"}, "-ERR Invalid stream ID specified as stream command argument\r\n", false},
		{[]string{"XREADGROUP", "GROUP", "g", "c", "COUNT", "0", "STREAMS", "m3", "0"}, "*1\r\n*2\r\n$2\r\nm3\r\n*0\r\n", false},
		{[]string{"XREADGROUP", "GROUP", "g", "c", "NOACK", "COUNT", "1", "STREAMS", "m3", "0-0"}, "*1\r\n*2\r\n$2\r\nm3\r\n*0\r\n", false},
		{[]string{"XACK", "m3", "g", "4-1"}, ":0\r\n", false},
		{[]string{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "m3", "0"}, "*1\r\n*2\r\n$2\r\nm3\r\n*0\r\n", false},
		{[]string{"XCLAIM", "m3", "g", "c", "0"}, "-ERR wrong number of arguments for 'xclaim' command\r\n", false},
		{[]string{"XCLAIM", "m3", "g", "c", "0", "FORCE"}, "*0\r\n", false},
		{[]string{"XCLAIM", "m3", "g", "c", "-5", "4-1", "JUSTID", "FORCE", "TIME", "1"}, "*0\r\n", false},
		{[]string{"XPENDING", "m3", "g", "-", "+", "10", "c"}, "*0\r\n", true},
		{[]string{"XINFO", "STREAM", "m3", "FULL"}, "*18\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n:0\r\n$16\r\nradix-tree-nodes\r\n:1\r\n$17\r\nlast-generated-id\r\n$3\r\n4-1\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:3\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n0-0\r\n$7\r\nentries\r\n*0\r\n$6\r\ngroups\r\n*1\r\n*14\r\n$4\r\nname\r\n$1\r\ng\r\n$17\r\nlast-delivered-id\r\n$41\r\n18446744073709551615-18446744073709551615\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n$-1\r\n$9\r\npel-count\r\n:0\r\n$7\r\npending\r\n*0\r\n$9\r\nconsumers\r\n*1\r\n*8\r\n$4\r\nname\r\n$1\r\nc\r\n$9\r\nseen-time\r\n:1795656270191\r\n$9\r\npel-count\r\n:0\r\n$7\r\npending\r\n*0\r\n", true},
		{[]string{"XGROUP", "DELCONSUMER", "m3", "g", "c"}, ":0\r\n", false},
		{[]string{"XREAD", "COUNT", "1", "STREAMS", "m3", "m3", "0", "0"}, "*-1\r\n", false},
		{[]string{"XREAD", "STREAMS", "m3", "18446744073709551615-18446744073709551615"}, "*-1\r\n", false},
		{[]string{"XREAD", "COUNT", "-5", "STREAMS", "m3", "0"}, "*-1\r\n", false},
		{[]string{"XTRIM", "m3", "MINID", "99999999", "LIMIT", "0"}, "-ERR syntax error, LIMIT cannot be used without the special ~ option\r\n", false},
		{[]string{"XTRIM", "m3", "MAXLEN", "~", "0", "LIMIT", "0"}, ":0\r\n", false},
		{[]string{"XINFO", "STREAM", "m3"}, "*20\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n:0\r\n$16\r\nradix-tree-nodes\r\n:1\r\n$17\r\nlast-generated-id\r\n$3\r\n4-1\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:3\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n0-0\r\n$6\r\ngroups\r\n:1\r\n$11\r\nfirst-entry\r\n$-1\r\n$10\r\nlast-entry\r\n$-1\r\n", false},
	})
}

func TestXaddLimitCheckOrder(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	noStrategy := "-ERR syntax error, LIMIT cannot be used without specifying a trimming strategy\r\n"
	noTilde := "-ERR syntax error, LIMIT cannot be used without the special ~ option\r\n"
	require.Equal(t, noStrategy, rc.do("XADD", "s", "LIMIT", "10", "11-0", "f", "v"))
	require.Equal(t, noTilde, rc.do("XADD", "s", "LIMIT", "0", "11-0", "f", "v"))
	require.Equal(t, noTilde, rc.do("XADD", "s", "MAXLEN", "5", "LIMIT", "10", "11-0", "f", "v"))
	require.Equal(t, noStrategy, rc.do("XTRIM", "s", "LIMIT", "10"))
	require.Equal(t, "-ERR syntax error, XTRIM must be called with a trimming strategy\r\n", rc.do("XTRIM", "s", "LIMIT", "0"))
	require.Equal(t, ":0\r\n", rc.do("EXISTS", "s"))
}
