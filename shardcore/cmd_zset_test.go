package shardcore

import (
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keeldb/keel/shardcore/store"
	"github.com/keeldb/keel/shardcore/types"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// TestZsetCommands replays a script whose replies were recorded from Redis
// 7.0.15 (RESP2); keys without a hashtag land on both shards.
func TestZsetCommands(t *testing.T) {
	srv := testServer(t, 2)
	runCollCases(t, testRaw(t, srv), []collCase{
		{[]string{"ZADD", "z", "1", "a", "2", "b", "3", "c"}, ":3\r\n"},
		{[]string{"ZADD", "z", "1", "a", "5", "d"}, ":1\r\n"},
		{[]string{"ZADD", "z"}, "-ERR wrong number of arguments for 'zadd' command\r\n"},
		{[]string{"ZADD", "z", "1"}, "-ERR wrong number of arguments for 'zadd' command\r\n"},
		{[]string{"ZADD", "z", "1", "a", "2"}, "-ERR syntax error\r\n"},
		{[]string{"ZADD", "z", "NX", "XX", "1", "a"}, "-ERR XX and NX options at the same time are not compatible\r\n"},
		{[]string{"ZADD", "z", "NX", "GT", "1", "a"}, "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"},
		{[]string{"ZADD", "z", "GT", "LT", "1", "a"}, "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"},
		{[]string{"ZADD", "z", "INCR", "1", "a", "2", "b"}, "-ERR INCR option supports a single increment-element pair\r\n"},
		{[]string{"ZADD", "z", "x", "a"}, "-ERR value is not a valid float\r\n"},
		{[]string{"ZADD", "z", "nan", "a"}, "-ERR value is not a valid float\r\n"},
		{[]string{"ZADD", "z", "CH", "10", "a", "2", "b", "7", "e"}, ":2\r\n"},
		{[]string{"ZADD", "z", "XX", "CH", "20", "a", "30", "nope"}, ":1\r\n"},
		{[]string{"ZADD", "z", "NX", "50", "a", "6", "f"}, ":1\r\n"},
		{[]string{"ZADD", "z", "GT", "CH", "1", "a", "100", "b"}, ":1\r\n"},
		{[]string{"ZADD", "z", "LT", "CH", "1", "a", "100", "c"}, ":1\r\n"},
		{[]string{"ZADD", "z", "INCR", "5", "a"}, "$1\r\n6\r\n"},
		{[]string{"ZADD", "z", "INCR", "NX", "5", "a"}, "$-1\r\n"},
		{[]string{"ZADD", "z", "INCR", "XX", "5", "nope"}, "$-1\r\n"},
		{[]string{"ZADD", "nokey", "XX", "1", "a"}, ":0\r\n"},
		{[]string{"ZADD", "nokey", "XX", "INCR", "1", "a"}, "$-1\r\n"},
		{[]string{"EXISTS", "nokey"}, ":0\r\n"},
		{[]string{"ZADD", "inf", "inf", "a", "-inf", "b"}, ":2\r\n"},
		{[]string{"ZINCRBY", "inf", "-inf", "a"}, "-ERR resulting score is not a number (NaN)\r\n"},
		{[]string{"ZINCRBY", "z", "x", "a"}, "-ERR value is not a valid float\r\n"},
		{[]string{"ZINCRBY", "z", "1.5", "newm"}, "$3\r\n1.5\r\n"},
		{[]string{"ZINCRBY", "z", "0.1", "newm"}, "$18\r\n1.6000000000000001\r\n"},
		{[]string{"ZINCRBY", "z"}, "-ERR wrong number of arguments for 'zincrby' command\r\n"},
		{[]string{"ZRANGE", "z", "0", "-1", "WITHSCORES"}, "*14\r\n$4\r\nnewm\r\n$18\r\n1.6000000000000001\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n5\r\n$1\r\na\r\n$1\r\n6\r\n$1\r\nf\r\n$1\r\n6\r\n$1\r\ne\r\n$1\r\n7\r\n$1\r\nb\r\n$3\r\n100\r\n"},
		{[]string{"ZCARD", "z"}, ":7\r\n"},
		{[]string{"ZCARD", "nokey"}, ":0\r\n"},
		{[]string{"ZSCORE", "z", "a"}, "$1\r\n6\r\n"},
		{[]string{"ZSCORE", "z", "nope"}, "$-1\r\n"},
		{[]string{"ZSCORE", "nokey", "a"}, "$-1\r\n"},
		{[]string{"ZMSCORE", "z", "a", "nope", "b"}, "*3\r\n$1\r\n6\r\n$-1\r\n$3\r\n100\r\n"},
		{[]string{"ZMSCORE", "nokey", "a"}, "*1\r\n$-1\r\n"},
		{[]string{"ZRANK", "z", "a"}, ":3\r\n"},
		{[]string{"ZRANK", "z", "c"}, ":1\r\n"},
		{[]string{"ZRANK", "z", "nope"}, "$-1\r\n"},
		{[]string{"ZREVRANK", "z", "c"}, ":5\r\n"},
		{[]string{"ZREVRANK", "nokey", "a"}, "$-1\r\n"},
		{[]string{"ZREM", "z", "nope", "newm", "newm"}, ":1\r\n"},
		{[]string{"ZREM", "nokey", "a"}, ":0\r\n"},
		{[]string{"ZCOUNT", "z", "-inf", "+inf"}, ":6\r\n"},
		{[]string{"ZCOUNT", "z", "(1", "6"}, ":4\r\n"},
		{[]string{"ZCOUNT", "z", "1", "(6"}, ":2\r\n"},
		{[]string{"ZCOUNT", "z", "x", "6"}, "-ERR min or max is not a float\r\n"},
		{[]string{"ZCOUNT", "z", "5", "1"}, ":0\r\n"},
		{[]string{"ZCOUNT", "nokey", "1", "2"}, ":0\r\n"},
		{[]string{"ZRANGE", "z", "0", "1"}, "*2\r\n$1\r\nc\r\n$1\r\nd\r\n"},
		{[]string{"ZRANGE", "z", "-2", "-1", "WITHSCORES"}, "*4\r\n$1\r\ne\r\n$1\r\n7\r\n$1\r\nb\r\n$3\r\n100\r\n"},
		{[]string{"ZRANGE", "z", "1", "0"}, "*0\r\n"},
		{[]string{"ZRANGE", "z", "5", "10"}, "*1\r\n$1\r\nb\r\n"},
		{[]string{"ZRANGE", "z", "-100", "100"}, "*6\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\na\r\n$1\r\nf\r\n$1\r\ne\r\n$1\r\nb\r\n"},
		{[]string{"ZRANGE", "z", "0", "-1", "REV"}, "*6\r\n$1\r\nb\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\na\r\n$1\r\nd\r\n$1\r\nc\r\n"},
		{[]string{"ZRANGE", "z", "0", "-1", "REV", "WITHSCORES"}, "*12\r\n$1\r\nb\r\n$3\r\n100\r\n$1\r\ne\r\n$1\r\n7\r\n$1\r\nf\r\n$1\r\n6\r\n$1\r\na\r\n$1\r\n6\r\n$1\r\nd\r\n$1\r\n5\r\n$1\r\nc\r\n$1\r\n3\r\n"},
		{[]string{"ZRANGE", "z", "x", "1"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"ZRANGE", "z", "0", "1", "FOO"}, "-ERR syntax error\r\n"},
		{[]string{"ZRANGE", "z", "0", "1", "LIMIT", "0", "1"}, "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"},
		{[]string{"ZRANGE", "z", "0", "1", "LIMIT", "0", "-1"}, "*2\r\n$1\r\nc\r\n$1\r\nd\r\n"},
		{[]string{"ZRANGE", "z", "(1", "+inf", "BYSCORE"}, "*6\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\na\r\n$1\r\nf\r\n$1\r\ne\r\n$1\r\nb\r\n"},
		{[]string{"ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "2", "WITHSCORES"}, "*4\r\n$1\r\nd\r\n$1\r\n5\r\n$1\r\na\r\n$1\r\n6\r\n"},
		{[]string{"ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "0", "2"}, "*2\r\n$1\r\nb\r\n$1\r\ne\r\n"},
		{[]string{"ZRANGE", "z", "10", "1", "BYSCORE", "REV"}, "*5\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\na\r\n$1\r\nd\r\n$1\r\nc\r\n"},
		{[]string{"ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "-1", "2"}, "*0\r\n"},
		{[]string{"ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "-1"}, "*5\r\n$1\r\nd\r\n$1\r\na\r\n$1\r\nf\r\n$1\r\ne\r\n$1\r\nb\r\n"},
		{[]string{"ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "100", "1"}, "*0\r\n"},
		{[]string{"ZRANGE", "z", "x", "y", "BYSCORE"}, "-ERR min or max is not a float\r\n"},
		{[]string{"ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"}, "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"},
		{[]string{"ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX"}, "-ERR syntax error\r\n"},
		{[]string{"ZRANGE", "z", "0", "1", "LIMIT", "x", "1", "BYSCORE"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"ZRANGE", "nokey", "0", "-1"}, "*0\r\n"},
		{[]string{"ZRANGE", "z", "0"}, "-ERR wrong number of arguments for 'zrange' command\r\n"},
		{[]string{"ZREVRANGE", "z", "0", "1", "WITHSCORES"}, "*4\r\n$1\r\nb\r\n$3\r\n100\r\n$1\r\ne\r\n$1\r\n7\r\n"},
		{[]string{"ZREVRANGE", "z", "0", "1", "REV"}, "-ERR syntax error\r\n"},
		{[]string{"ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES"}, "*12\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n5\r\n$1\r\na\r\n$1\r\n6\r\n$1\r\nf\r\n$1\r\n6\r\n$1\r\ne\r\n$1\r\n7\r\n$1\r\nb\r\n$3\r\n100\r\n"},
		{[]string{"ZRANGEBYSCORE", "z", "2", "6", "LIMIT", "1", "1"}, "*1\r\n$1\r\nd\r\n"},
		{[]string{"ZRANGEBYSCORE", "z", "2", "6", "REV"}, "-ERR syntax error\r\n"},
		{[]string{"ZRANGEBYSCORE", "z", "2", "6", "BYSCORE"}, "-ERR syntax error\r\n"},
		{[]string{"ZREVRANGEBYSCORE", "z", "6", "2", "WITHSCORES"}, "*8\r\n$1\r\nf\r\n$1\r\n6\r\n$1\r\na\r\n$1\r\n6\r\n$1\r\nd\r\n$1\r\n5\r\n$1\r\nc\r\n$1\r\n3\r\n"},
		{[]string{"ZREVRANGEBYSCORE", "z", "(6", "(2"}, "*2\r\n$1\r\nd\r\n$1\r\nc\r\n"},
		{[]string{"ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", "1", "2"}, "*2\r\n$1\r\ne\r\n$1\r\nf\r\n"},
		{[]string{"ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "foo", "0", "zap"}, ":7\r\n"},
		{[]string{"ZRANGEBYLEX", "lex", "-", "+"}, "*7\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$3\r\nfoo\r\n$3\r\nzap\r\n"},
		{[]string{"ZRANGEBYLEX", "lex", "[b", "(e"}, "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"},
		{[]string{"ZRANGEBYLEX", "lex", "(b", "[e", "LIMIT", "1", "10"}, "*2\r\n$1\r\nd\r\n$1\r\ne\r\n"},
		{[]string{"ZRANGEBYLEX", "lex", "+", "-"}, "*0\r\n"},
		{[]string{"ZRANGEBYLEX", "lex", "[f", "+"}, "*2\r\n$3\r\nfoo\r\n$3\r\nzap\r\n"},
		{[]string{"ZRANGEBYLEX", "lex", "b", "c"}, "-ERR min or max not valid string range item\r\n"},
		{[]string{"ZRANGEBYLEX", "lex", "-", "+", "WITHSCORES"}, "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"},
		{[]string{"ZREVRANGEBYLEX", "lex", "+", "-", "LIMIT", "0", "3"}, "*3\r\n$3\r\nzap\r\n$3\r\nfoo\r\n$1\r\ne\r\n"},
		{[]string{"ZREVRANGEBYLEX", "lex", "[e", "(b"}, "*3\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n"},
		{[]string{"ZRANGE", "lex", "[e", "(b", "BYLEX", "REV"}, "*3\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n"},
		{[]string{"ZLEXCOUNT", "lex", "-", "+"}, ":7\r\n"},
		{[]string{"ZLEXCOUNT", "lex", "[b", "[d"}, ":3\r\n"},
		{[]string{"ZLEXCOUNT", "lex", "(b", "(d"}, ":1\r\n"},
		{[]string{"ZLEXCOUNT", "lex", "x", "+"}, "-ERR min or max not valid string range item\r\n"},
		{[]string{"ZLEXCOUNT", "nokey", "-", "+"}, ":0\r\n"},
		{[]string{"ZREMRANGEBYLEX", "lex", "[b", "[c"}, ":2\r\n"},
		{[]string{"ZREMRANGEBYLEX", "lex", "x", "+"}, "-ERR min or max not valid string range item\r\n"},
		{[]string{"ZRANGE", "lex", "0", "-1"}, "*5\r\n$1\r\na\r\n$1\r\nd\r\n$1\r\ne\r\n$3\r\nfoo\r\n$3\r\nzap\r\n"},
		{[]string{"ZREMRANGEBYRANK", "lex", "0", "1"}, ":2\r\n"},
		{[]string{"ZREMRANGEBYRANK", "lex", "x", "1"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"ZREMRANGEBYRANK", "lex", "-1", "-1"}, ":1\r\n"},
		{[]string{"ZRANGE", "lex", "0", "-1"}, "*2\r\n$1\r\ne\r\n$3\r\nfoo\r\n"},
		{[]string{"ZREMRANGEBYSCORE", "lex", "-inf", "+inf"}, ":2\r\n"},
		{[]string{"EXISTS", "lex"}, ":0\r\n"},
		{[]string{"ZREMRANGEBYSCORE", "nokey", "1", "2"}, ":0\r\n"},
		{[]string{"ZREMRANGEBYSCORE", "z", "x", "2"}, "-ERR min or max is not a float\r\n"},
		{[]string{"ZADD", "p", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"}, ":5\r\n"},
		{[]string{"ZPOPMIN", "p"}, "*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{[]string{"ZPOPMAX", "p", "2"}, "*4\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n"},
		{[]string{"ZPOPMIN", "p", "0"}, "*0\r\n"},
		{[]string{"ZPOPMIN", "p", "-1"}, "-ERR value is out of range, must be positive\r\n"},
		{[]string{"ZPOPMIN", "p", "1", "2"}, "-ERR syntax error\r\n"},
		{[]string{"ZPOPMIN", "nokey"}, "*0\r\n"},
		{[]string{"ZPOPMAX", "nokey", "3"}, "*0\r\n"},
		{[]string{"ZPOPMIN", "p", "10"}, "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"},
		{[]string{"EXISTS", "p"}, ":0\r\n"},
		{[]string{"ZADD", "p", "1", "a", "2", "b", "3", "c"}, ":3\r\n"},
		{[]string{"ZMPOP", "2", "nokey", "p", "MAX", "COUNT", "2"}, "*2\r\n$1\r\np\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"},
		{[]string{"ZMPOP", "1", "p", "MIN"}, "*2\r\n$1\r\np\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{[]string{"ZMPOP", "1", "p", "MIN"}, "*-1\r\n"},
		{[]string{"ZMPOP", "0", "p", "MIN"}, "-ERR numkeys should be greater than 0\r\n"},
		{[]string{"ZMPOP", "x", "p", "MIN"}, "-ERR numkeys should be greater than 0\r\n"},
		{[]string{"ZMPOP", "3", "p", "MIN"}, "-ERR syntax error\r\n"},
		{[]string{"ZMPOP", "1", "p", "FOO"}, "-ERR syntax error\r\n"},
		{[]string{"ZMPOP", "1", "p", "MIN", "COUNT", "0"}, "-ERR count should be greater than 0\r\n"},
		{[]string{"ZMPOP", "1", "p", "MIN", "COUNT", "1", "COUNT", "1"}, "-ERR syntax error\r\n"},
		{[]string{"ZMPOP", "1", "p", "MIN", "FOO"}, "-ERR syntax error\r\n"},
		{[]string{"ZMPOP", "9223372036854775807", "p", "MIN"}, "-ERR syntax error\r\n"},
		{[]string{"ZUNION", "9223372036854775807", "p"}, "-ERR syntax error\r\n"},
		{[]string{"ZINTERCARD", "9223372036854775807", "p"}, "-ERR syntax error\r\n"},
		{[]string{"GEOSEARCH", "nokey", "FROMLONLAT", "0", "0", "BYBOX", "inf", "inf", "km"}, "*0\r\n"},
		{[]string{"ZMPOP", "1", "p"}, "-ERR wrong number of arguments for 'zmpop' command\r\n"},
		{[]string{"ZADD", "{t}a", "1", "x", "2", "y", "3", "z"}, ":3\r\n"},
		{[]string{"ZADD", "{t}b", "10", "y", "20", "z", "30", "w"}, ":3\r\n"},
		{[]string{"SADD", "{t}s", "x", "w", "q"}, ":3\r\n"},
		{[]string{"SET", "{t}str", "v"}, "+OK\r\n"},
		{[]string{"ZUNION", "2", "{t}a", "{t}b", "WITHSCORES"}, "*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n$1\r\nw\r\n$2\r\n30\r\n"},
		{[]string{"ZUNION", "2", "{t}a", "{t}b", "WEIGHTS", "2", "3", "WITHSCORES"}, "*8\r\n$1\r\nx\r\n$1\r\n2\r\n$1\r\ny\r\n$2\r\n34\r\n$1\r\nz\r\n$2\r\n66\r\n$1\r\nw\r\n$2\r\n90\r\n"},
		{[]string{"ZUNION", "2", "{t}a", "{t}b", "AGGREGATE", "MIN", "WITHSCORES"}, "*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$1\r\n2\r\n$1\r\nz\r\n$1\r\n3\r\n$1\r\nw\r\n$2\r\n30\r\n"},
		{[]string{"ZUNION", "2", "{t}a", "{t}b", "AGGREGATE", "MAX", "WITHSCORES"}, "*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n10\r\n$1\r\nz\r\n$2\r\n20\r\n$1\r\nw\r\n$2\r\n30\r\n"},
		{[]string{"ZUNION", "3", "{t}a", "{t}b", "{t}s", "WITHSCORES"}, "*10\r\n$1\r\nq\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n2\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n$1\r\nw\r\n$2\r\n31\r\n"},
		{[]string{"ZUNION", "2", "{t}a", "{t}nokey"}, "*3\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n"},
		{[]string{"ZINTER", "2", "{t}a", "{t}b", "WITHSCORES"}, "*4\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n"},
		{[]string{"ZINTER", "2", "{t}a", "{t}s", "WITHSCORES"}, "*2\r\n$1\r\nx\r\n$1\r\n2\r\n"},
		{[]string{"ZINTER", "2", "{t}a", "{t}nokey"}, "*0\r\n"},
		{[]string{"ZINTER", "2", "{t}a", "{t}b", "WEIGHTS", "1", "-1", "AGGREGATE", "SUM", "WITHSCORES"}, "*4\r\n$1\r\nz\r\n$3\r\n-17\r\n$1\r\ny\r\n$2\r\n-8\r\n"},
		{[]string{"ZDIFF", "2", "{t}a", "{t}b", "WITHSCORES"}, "*2\r\n$1\r\nx\r\n$1\r\n1\r\n"},
		{[]string{"ZDIFF", "2", "{t}a", "{t}s"}, "*2\r\n$1\r\ny\r\n$1\r\nz\r\n"},
		{[]string{"ZDIFF", "2", "{t}nokey", "{t}a"}, "*0\r\n"},
		{[]string{"ZDIFF", "2", "{t}a", "{t}b", "WEIGHTS", "1", "2"}, "-ERR syntax error\r\n"},
		{[]string{"ZUNION", "2", "{t}a", "{t}str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"ZUNION", "2", "{t}a", "{t}str", "FOO"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"ZUNION", "0", "{t}a"}, "-ERR at least 1 input key is needed for 'zunion' command\r\n"},
		{[]string{"ZUNION", "x", "{t}a"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"ZUNION", "3", "{t}a", "{t}b"}, "-ERR syntax error\r\n"},
		{[]string{"ZUNION", "2", "{t}a", "{t}b", "WEIGHTS", "1"}, "-ERR syntax error\r\n"},
		{[]string{"ZUNION", "2", "{t}a", "{t}b", "WEIGHTS", "1", "x"}, "-ERR weight value is not a float\r\n"},
		{[]string{"ZUNION", "2", "{t}a", "{t}b", "AGGREGATE", "AVG"}, "-ERR syntax error\r\n"},
		{[]string{"ZUNION", "2", "{t}a", "{t}b", "AGGREGATE"}, "-ERR syntax error\r\n"},
		{[]string{"ZUNION", "2", "{t}a", "{t}b", "FOO"}, "-ERR syntax error\r\n"},
		{[]string{"ZUNIONSTORE", "{t}dst", "2", "{t}a", "{t}b"}, ":4\r\n"},
		{[]string{"ZRANGE", "{t}dst", "0", "-1", "WITHSCORES"}, "*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n$1\r\nw\r\n$2\r\n30\r\n"},
		{[]string{"ZUNIONSTORE", "{t}dst", "2", "{t}a", "{t}b", "WITHSCORES"}, "-ERR syntax error\r\n"},
		{[]string{"ZUNIONSTORE", "{t}dst", "0", "{t}a"}, "-ERR at least 1 input key is needed for 'zunionstore' command\r\n"},
		{[]string{"ZINTERSTORE", "{t}dst", "2", "{t}a", "{t}b", "AGGREGATE", "MAX"}, ":2\r\n"},
		{[]string{"ZRANGE", "{t}dst", "0", "-1", "WITHSCORES"}, "*4\r\n$1\r\ny\r\n$2\r\n10\r\n$1\r\nz\r\n$2\r\n20\r\n"},
		{[]string{"ZINTERSTORE", "{t}dst", "2", "{t}a", "{t}nokey"}, ":0\r\n"},
		{[]string{"EXISTS", "{t}dst"}, ":0\r\n"},
		{[]string{"ZDIFFSTORE", "{t}dst", "2", "{t}a", "{t}s"}, ":2\r\n"},
		{[]string{"ZRANGE", "{t}dst", "0", "-1", "WITHSCORES"}, "*4\r\n$1\r\ny\r\n$1\r\n2\r\n$1\r\nz\r\n$1\r\n3\r\n"},
		{[]string{"ZDIFFSTORE", "{t}str", "1", "{t}a"}, ":3\r\n"},
		{[]string{"TYPE", "{t}str"}, "+zset\r\n"},
		{[]string{"ZINTERCARD", "2", "{t}a", "{t}b"}, ":2\r\n"},
		{[]string{"ZINTERCARD", "2", "{t}a", "{t}b", "LIMIT", "1"}, ":1\r\n"},
		{[]string{"ZINTERCARD", "2", "{t}a", "{t}s"}, ":1\r\n"},
		{[]string{"ZINTERCARD", "0", "{t}a"}, "-ERR at least 1 input key is needed for 'zintercard' command\r\n"},
		{[]string{"ZINTERCARD", "3", "{t}a", "{t}b"}, "-ERR syntax error\r\n"},
		{[]string{"ZINTERCARD", "1", "{t}a", "LIMIT", "-1"}, "-ERR LIMIT can't be negative\r\n"},
		{[]string{"ZINTERCARD", "2", "{t}a", "{t}str"}, ":3\r\n"},
		{[]string{"ZRANGESTORE", "{t}rs", "{t}b", "0", "1"}, ":2\r\n"},
		{[]string{"ZRANGE", "{t}rs", "0", "-1", "WITHSCORES"}, "*4\r\n$1\r\ny\r\n$2\r\n10\r\n$1\r\nz\r\n$2\r\n20\r\n"},
		{[]string{"ZRANGESTORE", "{t}rs", "{t}b", "(10", "+inf", "BYSCORE", "REV", "LIMIT", "0", "1"}, ":0\r\n"},
		{[]string{"ZRANGESTORE", "{t}rs", "{t}b", "+inf", "(10", "BYSCORE", "REV", "LIMIT", "0", "1"}, ":1\r\n"},
		{[]string{"ZRANGE", "{t}rs", "0", "-1", "WITHSCORES"}, "*2\r\n$1\r\nw\r\n$2\r\n30\r\n"},
		{[]string{"ZRANGESTORE", "{t}rs", "{t}b", "0", "1", "WITHSCORES"}, "-ERR syntax error\r\n"},
		{[]string{"ZRANGESTORE", "{t}rs", "{t}nokey", "0", "1"}, ":0\r\n"},
		{[]string{"EXISTS", "{t}rs"}, ":0\r\n"},
		{[]string{"ZRANGESTORE", "{t}rs", "{t}str", "0", "1"}, ":2\r\n"},
		{[]string{"SET", "s", "v"}, "+OK\r\n"},
		{[]string{"ZADD", "s", "1", "a"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"ZINCRBY", "s", "1", "a"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"ZREM", "s", "a"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"ZCARD", "s"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"ZSCORE", "s", "a"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"ZMSCORE", "s", "a"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"ZRANK", "s", "a"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"ZCOUNT", "s", "1", "2"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"ZLEXCOUNT", "s", "-", "+"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"ZRANGE", "s", "0", "1"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"ZRANGEBYSCORE", "s", "1", "2"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"ZRANGEBYLEX", "s", "-", "+"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"ZREMRANGEBYRANK", "s", "0", "1"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"ZREMRANGEBYSCORE", "s", "0", "1"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"ZREMRANGEBYLEX", "s", "-", "+"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"ZPOPMIN", "s"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"ZMPOP", "1", "s", "MIN"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"ZRANDMEMBER", "s"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"ZSCAN", "s", "0"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"ZCARD"}, "-ERR wrong number of arguments for 'zcard' command\r\n"},
		{[]string{"ZSCORE", "z"}, "-ERR wrong number of arguments for 'zscore' command\r\n"},
		{[]string{"ZRANK", "z"}, "-ERR wrong number of arguments for 'zrank' command\r\n"},
		{[]string{"ZREM", "z"}, "-ERR wrong number of arguments for 'zrem' command\r\n"},
		{[]string{"ZRANGE", "z", "0"}, "-ERR wrong number of arguments for 'zrange' command\r\n"},
		{[]string{"ZPOPMIN"}, "-ERR wrong number of arguments for 'zpopmin' command\r\n"},
		{[]string{"ZRANDMEMBER"}, "-ERR wrong number of arguments for 'zrandmember' command\r\n"},
		{[]string{"ZSCAN", "z"}, "-ERR wrong number of arguments for 'zscan' command\r\n"},
		{[]string{"ZADD", "sm", "1", "a", "2.5", "b", "-0", "c"}, ":3\r\n"},
		{[]string{"ZSCAN", "sm", "0"}, "*2\r\n$1\r\n0\r\n*6\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n"},
		{[]string{"ZSCAN", "sm", "0", "MATCH", "a*"}, "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{[]string{"ZSCAN", "sm", "0", "COUNT", "0"}, "-ERR syntax error\r\n"},
		{[]string{"ZSCAN", "sm", "x"}, "-ERR invalid cursor\r\n"},
		{[]string{"ZSCAN", "nokey", "0"}, "*2\r\n$1\r\n0\r\n*0\r\n"},
		{[]string{"ZRANDMEMBER", "nokey"}, "$-1\r\n"},
		{[]string{"ZRANDMEMBER", "nokey", "3"}, "*0\r\n"},
		{[]string{"ZRANDMEMBER", "sm", "0"}, "*0\r\n"},
		{[]string{"ZRANDMEMBER", "sm", "x"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"ZRANDMEMBER", "sm", "1", "FOO"}, "-ERR syntax error\r\n"},
		{[]string{"ZRANDMEMBER", "sm", "1", "WITHSCORES", "x"}, "-ERR syntax error\r\n"},
		{[]string{"ZADD", "big", "1", "0.1", "2", "0.30000000000000004"}, ":2\r\n"},
		{[]string{"ZADD", "dbl", "0.1", "a", "1e300", "b", "-1.5e-7", "c"}, ":3\r\n"},
		{[]string{"ZRANGE", "dbl", "0", "-1", "WITHSCORES"}, "*6\r\n$1\r\nc\r\n$23\r\n-1.4999999999999999e-07\r\n$1\r\na\r\n$19\r\n0.10000000000000001\r\n$1\r\nb\r\n$23\r\n1.0000000000000001e+300\r\n"},
		{[]string{"ZINCRBY", "dbl", "0.2", "a"}, "$19\r\n0.30000000000000004\r\n"},
	})
}

// TestZsetCrossShard runs the multi-key sorted-set commands with keys on
// both shards (replies recorded from Redis 7.0 with the same keys) and
// checks what each shard logs.
func TestZsetCrossShard(t *testing.T) {
	log := &collLog{}
	srv := collServer(t, 2, log)
	a1, b1 := keyA+"1", keyB+"1"
	requireCrossShard(t, srv, a1, b1)
	rc := testRaw(t, srv)
	runCollCases(t, rc, []collCase{
		{[]string{"ZADD", a1, "1", "x", "2", "y", "3", "z"}, ":3\r\n"},
		{[]string{"ZADD", b1, "10", "y", "20", "z", "30", "w"}, ":3\r\n"},
		{[]string{"SADD", keyB + "s", "x", "w"}, ":2\r\n"},
		{[]string{"SET", keyB + "str", "v"}, "+OK\r\n"},
	})
	log.take()
	runCollCases(t, rc, []collCase{
		{[]string{"ZUNIONSTORE", keyB + "2", "2", a1, b1}, ":4\r\n"},
		{[]string{"ZRANGE", keyB + "2", "0", "-1", "WITHSCORES"}, "*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n$1\r\nw\r\n$2\r\n30\r\n"},
		{[]string{"ZINTERSTORE", keyA + "2", "3", a1, b1, keyB + "s", "WEIGHTS", "1", "2", "3"}, ":0\r\n"},
		{[]string{"ZINTERSTORE", keyA + "2", "2", a1, b1, "WEIGHTS", "1", "2", "AGGREGATE", "MAX"}, ":2\r\n"},
		{[]string{"ZRANGE", keyA + "2", "0", "-1", "WITHSCORES"}, "*4\r\n$1\r\ny\r\n$2\r\n20\r\n$1\r\nz\r\n$2\r\n40\r\n"},
		{[]string{"ZDIFFSTORE", keyB + "3", "2", a1, b1}, ":1\r\n"},
		{[]string{"ZUNION", "3", a1, b1, keyB + "s", "WITHSCORES"}, "*8\r\n$1\r\nx\r\n$1\r\n2\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n$1\r\nw\r\n$2\r\n31\r\n"},
		{[]string{"ZINTERCARD", "2", a1, b1}, ":2\r\n"},
		{[]string{"ZRANGESTORE", keyB + "4", a1, "1", "-1"}, ":2\r\n"},
		{[]string{"ZRANGE", keyB + "4", "0", "-1", "WITHSCORES"}, "*4\r\n$1\r\ny\r\n$1\r\n2\r\n$1\r\nz\r\n$1\r\n3\r\n"},
		{[]string{"ZUNIONSTORE", keyA + "x", "2", a1, keyB + "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"ZINTERCARD", "2", a1, keyB + "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"ZRANGESTORE", keyA + "x", keyB + "str", "0", "1"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"ZUNION", "2", a1, b1, "AGGREGATE", "AVG"}, "-ERR syntax error\r\n"},
	})
	recs := log.take()
	var got []string
	for _, r := range recs {
		require.Equal(t, srv.shardOf([]byte(r.args[1])).id, r.shard, "%q", r.args)
		got = append(got, strings.Join(r.args, " "))
	}
	require.Equal(t, []string{
		"DEL " + keyB + "2", "ZADD " + keyB + "2 1 x 12 y 23 z 30 w",
		"DEL " + keyA + "2", "ZADD " + keyA + "2 20 y 40 z",
		"DEL " + keyB + "3", "ZADD " + keyB + "3 1 x",
		"DEL " + keyB + "4", "ZADD " + keyB + "4 2 y 3 z",
	}, got)

	runCollCases(t, rc, []collCase{
		{[]string{"GEOADD", keyA + "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"}, ":2\r\n"},
		{[]string{"GEOSEARCHSTORE", keyB + "g", keyA + "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"}, ":2\r\n"},
		{[]string{"ZRANGE", keyB + "g", "0", "-1", "WITHSCORES"}, "*4\r\n$7\r\nPalermo\r\n$16\r\n3479099956230698\r\n$7\r\nCatania\r\n$16\r\n3479447370796909\r\n"},
		{[]string{"GEOSEARCHSTORE", keyB + "g", keyA + "g", "FROMLONLAT", "15", "37", "BYRADIUS", "100", "km", "STOREDIST"}, ":1\r\n"},
		{[]string{"ZRANGE", keyB + "g", "0", "-1", "WITHSCORES"}, "*2\r\n$7\r\nCatania\r\n$18\r\n56.441257870158204\r\n"},
		{[]string{"GEORADIUS", keyA + "g", "15", "37", "200", "km", "STORE", keyB + "r"}, ":2\r\n"},
		{[]string{"GEOSEARCHSTORE", keyB + "g", keyA + "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "WITHDIST"}, "-ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options\r\n"},
		{[]string{"GEOSEARCHSTORE", keyB + "g", keyA + "none", "FROMLONLAT", "15", "37", "BYRADIUS", "100", "km"}, ":0\r\n"},
		{[]string{"EXISTS", keyB + "g"}, ":0\r\n"},
		{[]string{"ZMPOP", "2", keyB + "none", a1, "MAX", "COUNT", "2"}, "*2\r\n$4\r\n{a}1\r\n*2\r\n*2\r\n$1\r\nz\r\n$1\r\n3\r\n*2\r\n$1\r\ny\r\n$1\r\n2\r\n"},
		{[]string{"ZMPOP", "2", keyB + "str", a1, "MAX"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
	})
	require.Equal(t, []string{
		"ZADD " + keyA + "g 3479099956230698 Palermo 3479447370796909 Catania",
		"DEL " + keyB + "g", "ZADD " + keyB + "g 3479099956230698 Palermo 3479447370796909 Catania",
		"DEL " + keyB + "g", "ZADD " + keyB + "g 56.441257870158204 Catania",
		"DEL " + keyB + "r", "ZADD " + keyB + "r 3479099956230698 Palermo 3479447370796909 Catania",
		"DEL " + keyB + "g",
		"ZREM " + a1 + " z y",
	}, log.effects())
}

// TestZsetEffects checks the deterministic forms logged for ZINCRBY, ZADD
// INCR and the pops, and the records that rebuild a value elsewhere.
func TestZsetEffects(t *testing.T) {
	log := &collLog{}
	srv := collServer(t, 1, log)
	rc := testRaw(t, srv)
	runCollCases(t, rc, []collCase{
		{[]string{"ZADD", "z", "1", "a", "2", "b", "3", "c"}, ":3\r\n"},
		{[]string{"ZADD", "z", "1", "a"}, ":0\r\n"},
		{[]string{"ZINCRBY", "z", "0.1", "a"}, "$18\r\n1.1000000000000001\r\n"},
		{[]string{"ZADD", "z", "INCR", "1", "n"}, "$1\r\n1\r\n"},
		{[]string{"ZADD", "z", "INCR", "GT", "-1", "n"}, "$-1\r\n"},
		{[]string{"ZPOPMIN", "z"}, "*2\r\n$1\r\nn\r\n$1\r\n1\r\n"},
		{[]string{"ZPOPMAX", "z", "2"}, "*4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n"},
		{[]string{"ZMPOP", "1", "z", "MIN"}, "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n$18\r\n1.1000000000000001\r\n"},
		{[]string{"EXISTS", "z"}, ":0\r\n"},
		{[]string{"ZADD", "r", "1", "a", "2", "b", "3", "c"}, ":3\r\n"},
		{[]string{"ZREMRANGEBYSCORE", "r", "5", "6"}, ":0\r\n"},
		{[]string{"ZREMRANGEBYRANK", "r", "0", "0"}, ":1\r\n"},
	})
	require.Equal(t, []string{
		"ZADD z 1 a 2 b 3 c",
		"ZADD z 1.1000000000000001 a",
		"ZADD z 1 n",
		"ZREM z n",
		"ZREM z c b",
		"ZREM z a",
		"ZADD r 1 a 2 b 3 c",
		"ZREMRANGEBYRANK r 0 0",
	}, log.effects())

	var recs [][][]byte
	onShard(srv, "r", func(db *store.Table) {
		e, ok := db.Get([]byte("r"))
		require.True(t, ok)
		recs = restoreEffects([]byte("r"), e)
	})
	var got []string
	for _, r := range recs {
		words := make([]string, len(r))
		for i, w := range r {
			words[i] = string(w)
		}
		got = append(got, strings.Join(words, " "))
	}
	require.Equal(t, []string{"DEL r", "ZADD r 2 b 3 c"}, got)
}

func zsetEncodingOf(t *testing.T, srv *Server, key string) string {
	t.Helper()
	var enc string
	onShard(srv, key, func(db *store.Table) {
		e, ok := db.Get([]byte(key))
		require.True(t, ok)
		enc = e.Obj.(*types.ZSet).Encoding()
	})
	return enc
}

func TestZsetEncodings(t *testing.T) {
	srv := testServer(t, 1, "--zset-max-listpack-entries", "3", "--zset-max-listpack-value", "8")
	rc := testRaw(t, srv)
	rc.do("ZADD", "z", "1", "a", "2", "b", "3", "c")
	require.Equal(t, "listpack", zsetEncodingOf(t, srv, "z"))
	require.Equal(t, "$8\r\nlistpack\r\n", rc.do("OBJECT", "ENCODING", "z"))
	rc.do("ZADD", "z", "4", "d")
	require.Equal(t, "skiplist", zsetEncodingOf(t, srv, "z"))
	// A skiplist stays one when it shrinks, as in Redis.
	rc.do("ZREM", "z", "a", "b")
	require.Equal(t, "skiplist", zsetEncodingOf(t, srv, "z"))
	rc.do("ZADD", "long", "1", "123456789")
	require.Equal(t, "skiplist", zsetEncodingOf(t, srv, "long"))
	// Stored results are packed again when small enough.
	require.Equal(t, ":2\r\n", rc.do("ZUNIONSTORE", "u", "1", "z"))
	require.Equal(t, "listpack", zsetEncodingOf(t, srv, "u"))
	require.Equal(t, "*4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n", rc.do("ZRANGE", "u", "0", "-1", "WITHSCORES"))
	require.Equal(t, "+zset\r\n", rc.do("TYPE", "u"))
}

// TestZsetRESP3 checks RESP3 shapes (doubles, pairs, nulls) against the
// replies of Redis 7.0.
func TestZsetRESP3(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	require.Contains(t, rc.do("HELLO", "3"), "proto")
	runCollCases(t, rc, []collCase{
		{[]string{"ZADD", "z", "1", "a", "2", "b", "3", "c"}, ":3\r\n"},
		{[]string{"ZPOPMIN", "z"}, "*2\r\n$1\r\na\r\n,1\r\n"},
		{[]string{"ZPOPMIN", "z", "1"}, "*1\r\n*2\r\n$1\r\nb\r\n,2\r\n"},
		{[]string{"ZPOPMAX", "z", "0"}, "*0\r\n"},
		{[]string{"ZPOPMIN", "nokey"}, "*0\r\n"},
		{[]string{"ZADD", "z", "1", "a", "2", "b"}, ":2\r\n"},
		{[]string{"ZMPOP", "1", "z", "MIN", "COUNT", "1"}, "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n,1\r\n"},
		{[]string{"ZMPOP", "1", "nokey", "MIN"}, "_\r\n"},
		{[]string{"ZRANGE", "z", "0", "-1", "WITHSCORES"}, "*2\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n"},
		{[]string{"ZSCAN", "z", "0"}, "*2\r\n$1\r\n0\r\n*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"},
		{[]string{"ZRANDMEMBER", "z", "-1", "WITHSCORES"}, anyOrderMark + "*1\r\n*2\r\n$1\r\nb\r\n,2\r\n"},
		{[]string{"ZADD", "z", "1.5", "a"}, ":1\r\n"},
		{[]string{"ZADD", "z", "INCR", "GT", "0", "a"}, "_\r\n"},
		{[]string{"ZSCORE", "z", "a"}, ",1.5\r\n"},
		{[]string{"ZMSCORE", "z", "a", "b", "zz"}, "*3\r\n,1.5\r\n,2\r\n_\r\n"},
		{[]string{"GEOADD", "g", "13.361389", "38.115556", "Palermo"}, ":1\r\n"},
		{[]string{"GEOPOS", "g", "Palermo", "nope"}, "*2\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n_\r\n"},
		{[]string{"GEOHASH", "g", "Palermo", "nope"}, "*2\r\n$11\r\nsqc8b49rny0\r\n_\r\n"},
	})
}

// TestZsetDumpRestore restores a payload DUMPed by Redis 7.0 (a listpack
// zset) and round-trips a skiplist one through DUMP/RESTORE.
func TestZsetDumpRestore(t *testing.T) {
	srv := testServer(t, 1)
	rc := testRaw(t, srv)
	payload, err := hex.DecodeString("111a1a0000000600816302dffd02816102010181620283322e3504ff0a00a68a1ab1a9f2dcc2")
	require.NoError(t, err)
	require.Equal(t, "+OK\r\n", rc.do("RESTORE", "r", "0", string(payload)))
	require.Equal(t, "*6\r\n$1\r\nc\r\n$2\r\n-3\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n", rc.do("ZRANGE", "r", "0", "-1", "WITHSCORES"))
	require.Equal(t, "$8\r\nlistpack\r\n", rc.do("OBJECT", "ENCODING", "r"))

	args := []string{"ZADD", "big"}
	for i := 0; i < 200; i++ {
		args = append(args, fmt.Sprint(float64(i)*1.5), fmt.Sprint("m", i))
	}
	require.Equal(t, ":200\r\n", rc.do(args...))
	c := testClient(t, srv)
	dump, err := c.Dump(ctxb(), "big").Result()
	require.NoError(t, err)
	require.NoError(t, c.Restore(ctxb(), "big2", 0, dump).Err())
	want := rc.do("ZRANGE", "big", "0", "-1", "WITHSCORES")
	require.Equal(t, want, rc.do("ZRANGE", "big2", "0", "-1", "WITHSCORES"))
	require.Equal(t, "$8\r\nskiplist\r\n", rc.do("OBJECT", "ENCODING", "big2"))
}

// TestZsetNotifications checks the keyspace events, named as Redis's.
func TestZsetNotifications(t *testing.T) {
	srv := testServer(t, 1, "--notify-keyspace-events", "Ezg")
	c := testClient(t, srv)
	ctx := ctxb()
	ps := c.PSubscribe(ctx, "__keyevent@0__:*")
	defer ps.Close()
	_, err := ps.Receive(ctx)
	require.NoError(t, err)
	for _, cmd := range [][]any{
		{"zadd", "z", "1", "a", "2", "b"},
		{"zadd", "z", "1", "a"},
		{"zincrby", "z", "1", "a"},
		{"zrem", "z", "a", "nope"},
		{"zunionstore", "u", "1", "z"},
		{"zpopmin", "z"},
		{"zremrangebyscore", "u", "-inf", "+inf"},
		{"geoadd", "g", "1", "1", "p"},
		{"geosearchstore", "gs", "g", "fromlonlat", "1", "1", "byradius", "1", "km"},
	} {
		require.NoError(t, c.Do(ctx, cmd...).Err())
	}
	want := [][2]string{
		{"zadd", "z"}, {"zincr", "z"}, {"zrem", "z"}, {"zunionstore", "u"},
		{"zpopmin", "z"}, {"del", "z"}, {"zremrangebyscore", "u"}, {"del", "u"},
		{"zadd", "g"}, {"geosearchstore", "gs"},
	}
	for _, w := range want {
		msg, err := ps.ReceiveTimeout(ctx, 10*time.Second)
		require.NoError(t, err)
		m, ok := msg.(*redis.Message)
		require.True(t, ok, "%T", msg)
		require.Equal(t, [2]string{"__keyevent@0__:" + w[0], w[1]}, [2]string{m.Channel, m.Payload})
	}
}

func TestZsetRedisFloatRules(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	require.Equal(t, ":1\r\n", rc.do("ZADD", "z", "0x10", "a"))
	require.Equal(t, "-ERR value is not a valid float\r\n", rc.do("ZADD", "z", " 1", "b"))
	require.Equal(t, "-ERR value is not a valid float\r\n", rc.do("ZADD", "z", "1e-400", "b"))
	require.Equal(t, "*1\r\n$1\r\na\r\n", rc.do("ZRANGEBYSCORE", "z", " 1", "20"))
	require.Equal(t, "*0\r\n", rc.do("ZRANGEBYSCORE", "z", "(0x10", "20"))
	require.Equal(t, "-ERR min or max is not a float\r\n", rc.do("ZRANGEBYSCORE", "z", "1 ", "20"))

	require.Equal(t, "-ERR syntax error\r\n", rc.do("ZRANGE", "z", "0", "-1", "REV", "REV"))
	require.Equal(t, "*1\r\n$1\r\na\r\n", rc.do("ZRANGE", "z", "0", "-1", "REV"))
}

func TestZinterWeightsNaNAsRedis(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	rc.do("ZADD", "{a}x", "0", "a", "1", "b")
	rc.do("ZADD", "{b}y", "1", "a", "0", "b")
	// b: inf*1 + (-inf*0 = NaN) is NaN, which Redis turns into 0; a: the
	// first product NaN becomes 0, then 0 + -inf.
	want := "*4\r\n$1\r\na\r\n$4\r\n-inf\r\n$1\r\nb\r\n$1\r\n0\r\n"
	require.Equal(t, want, rc.do("ZINTER", "2", "{a}x", "{b}y", "WEIGHTS", "inf", "-inf", "WITHSCORES"))
	// MIN and MAX compare as C does: a NaN operand never replaces the score.
	require.Equal(t, "*4\r\n$1\r\na\r\n$4\r\n-inf\r\n$1\r\nb\r\n$3\r\ninf\r\n",
		rc.do("ZINTER", "2", "{a}x", "{b}y", "WEIGHTS", "inf", "-inf", "AGGREGATE", "MIN", "WITHSCORES"))
	require.Equal(t, ":2\r\n", rc.do("ZINTERSTORE", "{a}d", "2", "{a}x", "{b}y", "WEIGHTS", "inf", "-inf"))
	require.Equal(t, want, rc.do("ZRANGE", "{a}d", "0", "-1", "WITHSCORES"))
	// Union clears every product of NaN before adding.
	require.Equal(t, "*4\r\n$1\r\na\r\n$4\r\n-inf\r\n$1\r\nb\r\n$3\r\ninf\r\n",
		rc.do("ZUNION", "2", "{a}x", "{b}y", "WEIGHTS", "inf", "-inf", "WITHSCORES"))
}

// TestZsetNegativeZeroResults checks where a score of -0 survives, as in
// Redis 7.0: results are built as skiplists (ZUNION replies keep -0), stored
// results keep it only when too large to be packed, and ZADD packs it as 0.
func TestZsetNegativeZeroResults(t *testing.T) {
	srv := testServer(t, 1)
	rc := testRaw(t, srv)
	rc.do("ZADD", "a", "0", "x", "1", "y")
	require.Equal(t, "*4\r\n$1\r\ny\r\n$2\r\n-1\r\n$1\r\nx\r\n$2\r\n-0\r\n", rc.do("ZUNION", "1", "a", "WEIGHTS", "-1", "WITHSCORES"))
	require.Equal(t, "*4\r\n$1\r\ny\r\n$2\r\n-1\r\n$1\r\nx\r\n$2\r\n-0\r\n", rc.do("ZINTER", "1", "a", "WEIGHTS", "-1", "WITHSCORES"))
	require.Equal(t, ":2\r\n", rc.do("ZUNIONSTORE", "s", "1", "a", "WEIGHTS", "-1"))
	require.Equal(t, "$1\r\n0\r\n", rc.do("ZSCORE", "s", "x"))
	require.Equal(t, "listpack", zsetEncodingOf(t, srv, "s"))

	args := []string{"ZADD", "b"}
	for i := 0; i < 200; i++ {
		args = append(args, "0", fmt.Sprint("n", i))
	}
	require.Equal(t, ":200\r\n", rc.do(args...))
	require.Equal(t, ":200\r\n", rc.do("ZUNIONSTORE", "bs", "1", "b", "WEIGHTS", "-1"))
	require.Equal(t, "skiplist", zsetEncodingOf(t, srv, "bs"))
	require.Equal(t, "$2\r\n-0\r\n", rc.do("ZSCORE", "bs", "n0"))
	require.Equal(t, "$2\r\n-0\r\n", rc.do("ZSCORE", "bs", "n150"))
	require.Equal(t, ":200\r\n", rc.do("ZRANGESTORE", "rs", "bs", "0", "-1"))
	require.Equal(t, "$2\r\n-0\r\n", rc.do("ZSCORE", "rs", "n0"))
	require.Equal(t, ":10\r\n", rc.do("ZRANGESTORE", "rs2", "bs", "0", "9"))
	require.Equal(t, "$1\r\n0\r\n", rc.do("ZSCORE", "rs2", "n0"))

	args = []string{"ZADD", "big"}
	for i := 0; i < 130; i++ {
		args = append(args, "-0", fmt.Sprint("m", i))
	}
	require.Equal(t, ":130\r\n", rc.do(args...))
	require.Equal(t, "$1\r\n0\r\n", rc.do("ZSCORE", "big", "m0"))
	require.Equal(t, "skiplist", zsetEncodingOf(t, srv, "big"))
}

// TestZsetRangeReplies reads ranges of a skiplist set in every reply shape.
func TestZsetRangeReplies(t *testing.T) {
	srv := testServer(t, 1, "--zset-max-listpack-entries", "2")
	rc := testRaw(t, srv)
	rc.do("ZADD", "z", "1", "a", "2", "b", "2", "c", "3.5", "d")
	rc.do("ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d")
	runCollCases(t, rc, []collCase{
		{[]string{"ZRANGE", "z", "1", "2"}, "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"},
		{[]string{"ZRANGE", "z", "0", "-1", "REV", "WITHSCORES"}, "*8\r\n$1\r\nd\r\n$3\r\n3.5\r\n$1\r\nc\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{[]string{"ZRANGE", "z", "(1", "+inf", "BYSCORE", "LIMIT", "1", "5"}, "*2\r\n$1\r\nc\r\n$1\r\nd\r\n"},
		{[]string{"ZRANGE", "lex", "[c", "-", "BYLEX", "REV"}, "*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"},
		{[]string{"ZRANGE", "z", "5", "9"}, "*0\r\n"},
		{[]string{"ZRANGE", "nokey", "0", "-1"}, "*0\r\n"},
	})
	require.Contains(t, rc.do("HELLO", "3"), "proto")
	runCollCases(t, rc, []collCase{
		{[]string{"ZRANGE", "z", "2", "3", "WITHSCORES"}, "*2\r\n*2\r\n$1\r\nc\r\n,2\r\n*2\r\n$1\r\nd\r\n,3.5\r\n"},
	})
}
