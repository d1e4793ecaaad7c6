package shardcore

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func TestBitmapCommands(t *testing.T) {
	srv := testServer(t, 2)
	runStrCases(t, srv, testRaw(t, srv), []strCase{
		{[]string{"HSET", "h", "f", "v"}, ":1\r\n"},
		{[]string{"SETBIT", "b", "7", "1"}, ":0\r\n"},
		{[]string{"SETBIT", "b", "7", "1"}, ":1\r\n"},
		{[]string{"SETBIT", "b", "7", "0"}, ":1\r\n"},
		{[]string{"SETBIT", "b", "7", "2"}, "-ERR bit is not an integer or out of range\r\n"},
		{[]string{"SETBIT", "b", "7", "-1"}, "-ERR bit is not an integer or out of range\r\n"},
		{[]string{"SETBIT", "b", "7", "a"}, "-ERR bit is not an integer or out of range\r\n"},
		{[]string{"SETBIT", "b", "-1", "1"}, "-ERR bit offset is not an integer or out of range\r\n"},
		{[]string{"SETBIT", "b", "a", "1"}, "-ERR bit offset is not an integer or out of range\r\n"},
		{[]string{"SETBIT", "b", "#1", "1"}, "-ERR bit offset is not an integer or out of range\r\n"},
		{[]string{"SETBIT", "b", "4294967296", "1"}, "-ERR bit offset is not an integer or out of range\r\n"},
		{[]string{"SETBIT", "b", "9223372036854775807", "1"}, "-ERR bit offset is not an integer or out of range\r\n"},
		{[]string{"SETBIT", "b", "20", "1"}, ":0\r\n"},
		{[]string{"GET", "b"}, "$3\r\n\x00\x00\x08\r\n"},
		{[]string{"STRLEN", "b"}, ":3\r\n"},
		{[]string{"SETBIT", "h", "0", "1"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SETBIT", "h", "a", "1"}, "-ERR bit offset is not an integer or out of range\r\n"},
		{[]string{"SETBIT", "h", "0", "2"}, "-ERR bit is not an integer or out of range\r\n"},
		{[]string{"SETBIT", "b", "1"}, "-ERR wrong number of arguments for 'setbit' command\r\n"},
		{[]string{"GETBIT", "b", "20"}, ":1\r\n"},
		{[]string{"GETBIT", "b", "7"}, ":0\r\n"},
		{[]string{"GETBIT", "b", "100000"}, ":0\r\n"},
		{[]string{"GETBIT", "b", "4294967296"}, "-ERR bit offset is not an integer or out of range\r\n"},
		{[]string{"GETBIT", "b", "4294967295"}, ":0\r\n"},
		{[]string{"GETBIT", "b", "-1"}, "-ERR bit offset is not an integer or out of range\r\n"},
		{[]string{"GETBIT", "nokey", "1"}, ":0\r\n"},
		{[]string{"GETBIT", "h", "1"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"GETBIT", "h", "x"}, "-ERR bit offset is not an integer or out of range\r\n"},
		{[]string{"GETBIT", "b"}, "-ERR wrong number of arguments for 'getbit' command\r\n"},
		{[]string{"SET", "s", "foobar"}, "+OK\r\n"},
		{[]string{"BITCOUNT", "s"}, ":26\r\n"},
		{[]string{"BITCOUNT", "s", "0", "0"}, ":4\r\n"},
		{[]string{"BITCOUNT", "s", "1", "1"}, ":6\r\n"},
		{[]string{"BITCOUNT", "s", "1", "1", "BYTE"}, ":6\r\n"},
		{[]string{"BITCOUNT", "s", "5", "30", "BIT"}, ":17\r\n"},
		{[]string{"BITCOUNT", "s", "0", "-1", "bit"}, ":26\r\n"},
		{[]string{"BITCOUNT", "s", "-1", "-2"}, ":0\r\n"},
		{[]string{"BITCOUNT", "s", "-1", "-2", "FOO"}, ":0\r\n"},
		{[]string{"BITCOUNT", "s", "-2", "-1", "FOO"}, "-ERR syntax error\r\n"},
		{[]string{"BITCOUNT", "s", "0"}, "-ERR syntax error\r\n"},
		{[]string{"BITCOUNT", "s", "0", "1", "2"}, "-ERR syntax error\r\n"},
		{[]string{"BITCOUNT", "s", "0", "1", "BIT", "3"}, "-ERR syntax error\r\n"},
		{[]string{"BITCOUNT", "s", "a", "b"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"BITCOUNT", "s", "0", "b"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"BITCOUNT", "s", "0", "1", "FOO"}, "-ERR syntax error\r\n"},
		{[]string{"BITCOUNT", "nokey"}, ":0\r\n"},
		{[]string{"BITCOUNT", "nokey", "a", "b"}, ":0\r\n"},
		{[]string{"BITCOUNT", "nokey", "0"}, ":0\r\n"},
		{[]string{"BITCOUNT", "nokey", "0", "1", "FOO"}, ":0\r\n"},
		{[]string{"BITCOUNT", "h"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"BITCOUNT", "h", "0"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"BITCOUNT", "h", "a", "b"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"BITCOUNT", "s", "0", "9223372036854775807", "BIT"}, ":26\r\n"},
		{[]string{"BITCOUNT", "s", "-9223372036854775808", "-1", "BIT"}, ":26\r\n"},
		{[]string{"BITCOUNT", "s", "9", "9", "BIT"}, ":1\r\n"},
		{[]string{"BITCOUNT", "s", "9", "10", "BIT"}, ":2\r\n"},
		{[]string{"BITCOUNT", "s", "3", "100", "BIT"}, ":24\r\n"},
		{[]string{"BITCOUNT", "s", "-10", "-3", "BIT"}, ":4\r\n"},
		{[]string{"BITCOUNT", "s", "2", "-2"}, ":12\r\n"},
		{[]string{"BITCOUNT", "s", "10", "2"}, ":0\r\n"},
		{[]string{"BITCOUNT"}, "-ERR wrong number of arguments for 'bitcount' command\r\n"},
		{[]string{"BITPOS", "s", "1"}, ":1\r\n"},
		{[]string{"BITPOS", "s", "0"}, ":0\r\n"},
		{[]string{"BITPOS", "s", "2"}, "-ERR The bit argument must be 1 or 0.\r\n"},
		{[]string{"BITPOS", "s", "-1"}, "-ERR The bit argument must be 1 or 0.\r\n"},
		{[]string{"BITPOS", "s", "a"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"BITPOS", "s", "1", "2"}, ":17\r\n"},
		{[]string{"BITPOS", "s", "1", "2", "-1"}, ":17\r\n"},
		{[]string{"BITPOS", "s", "1", "7", "15", "BIT"}, ":9\r\n"},
		{[]string{"BITPOS", "s", "1", "2", "-1", "FOO"}, "-ERR syntax error\r\n"},
		{[]string{"BITPOS", "s", "1", "2", "-1", "BIT", "FOO"}, "-ERR syntax error\r\n"},
		{[]string{"BITPOS", "s", "1", "a"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"BITPOS", "s", "1", "0", "a"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"BITPOS", "s", "1", "0", "a", "FOO"}, "-ERR syntax error\r\n"},
		{[]string{"BITPOS", "s", "1", "a", "1", "FOO"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"BITPOS", "nokey", "1"}, ":-1\r\n"},
		{[]string{"BITPOS", "nokey", "0"}, ":0\r\n"},
		{[]string{"BITPOS", "nokey", "2"}, "-ERR The bit argument must be 1 or 0.\r\n"},
		{[]string{"BITPOS", "nokey", "0", "a"}, ":0\r\n"},
		{[]string{"BITPOS", "h", "1"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"BITPOS", "h", "1", "a"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SET", "ff", "\xff\xf0\x00"}, "+OK\r\n"},
		{[]string{"BITPOS", "ff", "0"}, ":12\r\n"},
		{[]string{"BITPOS", "ff", "1"}, ":0\r\n"},
		{[]string{"BITPOS", "ff", "0", "0", "-1", "BIT"}, ":12\r\n"},
		{[]string{"BITPOS", "ff", "0", "1", "1", "BYTE"}, ":12\r\n"},
		{[]string{"BITPOS", "ff", "0", "1"}, ":12\r\n"},
		{[]string{"BITPOS", "ff", "1", "13", "BIT"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"BITPOS", "ff", "1", "13", "-1", "BIT"}, ":-1\r\n"},
		{[]string{"BITPOS", "ff", "0", "3", "5", "BIT"}, ":-1\r\n"},
		{[]string{"SET", "fff", "\xff\xff\xff"}, "+OK\r\n"},
		{[]string{"BITPOS", "fff", "0"}, ":24\r\n"},
		{[]string{"BITPOS", "fff", "0", "0"}, ":24\r\n"},
		{[]string{"BITPOS", "fff", "0", "1"}, ":24\r\n"},
		{[]string{"BITPOS", "fff", "0", "0", "-1"}, ":-1\r\n"},
		{[]string{"BITPOS", "fff", "0", "0", "-1", "BIT"}, ":-1\r\n"},
		{[]string{"BITPOS", "fff", "0", "20", "22", "BIT"}, ":-1\r\n"},
		{[]string{"BITPOS", "fff", "1", "100"}, ":-1\r\n"},
		{[]string{"BITPOS", "fff", "0", "100"}, ":-1\r\n"},
		{[]string{"BITPOS", "fff", "0", "-100"}, ":24\r\n"},
		{[]string{"SET", "z", "\x00\x00\x00"}, "+OK\r\n"},
		{[]string{"BITPOS", "z", "1"}, ":-1\r\n"},
		{[]string{"BITPOS", "z", "0"}, ":0\r\n"},
		{[]string{"BITPOS", "z", "0", "5", "6", "BIT"}, ":5\r\n"},
		{[]string{"BITPOS", "z", "1", "0", "-1", "BIT"}, ":-1\r\n"},
		{[]string{"BITPOS", "s", "1", "-1", "-2"}, ":-1\r\n"},
		{[]string{"SET", "e", ""}, "+OK\r\n"},
		{[]string{"BITPOS", "e", "0"}, ":-1\r\n"},
		{[]string{"BITPOS", "e", "1"}, ":-1\r\n"},
		{[]string{"BITCOUNT", "e"}, ":0\r\n"},
		{[]string{"SET", "long", strings.Repeat("\x00", 40) + "\x01" + strings.Repeat("\xff", 40) + "\x7f"}, "+OK\r\n"},
		{[]string{"BITPOS", "long", "1"}, ":327\r\n"},
		{[]string{"BITPOS", "long", "0", "40"}, ":320\r\n"},
		{[]string{"BITPOS", "long", "1", "3", "-1"}, ":327\r\n"},
		{[]string{"BITPOS", "long", "0", "41", "-1"}, ":648\r\n"},
		{[]string{"BITPOS", "long", "0", "41"}, ":648\r\n"},
		{[]string{"BITCOUNT", "long"}, ":328\r\n"},
		{[]string{"BITCOUNT", "long", "3", "75", "BIT"}, ":0\r\n"},
		{[]string{"BITCOUNT", "long", "300", "660", "BIT"}, ":328\r\n"},
		{[]string{"BITPOS"}, "-ERR wrong number of arguments for 'bitpos' command\r\n"},
		{[]string{"BITPOS", "s"}, "-ERR wrong number of arguments for 'bitpos' command\r\n"},
		{[]string{"SET", "a", "\xff\x0f"}, "+OK\r\n"},
		{[]string{"SET", "b2", "\x0f"}, "+OK\r\n"},
		{[]string{"BITOP", "AND", "d", "a", "b2"}, ":2\r\n"},
		{[]string{"GET", "d"}, "$2\r\n\x0f\x00\r\n"},
		{[]string{"BITOP", "OR", "d", "a", "b2"}, ":2\r\n"},
		{[]string{"GET", "d"}, "$2\r\n\xff\x0f\r\n"},
		{[]string{"BITOP", "XOR", "d", "a", "b2"}, ":2\r\n"},
		{[]string{"GET", "d"}, "$2\r\n\xf0\x0f\r\n"},
		{[]string{"BITOP", "NOT", "d", "a"}, ":2\r\n"},
		{[]string{"GET", "d"}, "$2\r\n\x00\xf0\r\n"},
		{[]string{"BITOP", "NOT", "d", "a", "b2"}, "-ERR BITOP NOT must be called with a single source key.\r\n"},
		{[]string{"BITOP", "NOT", "d"}, "-ERR wrong number of arguments for 'bitop' command\r\n"},
		{[]string{"BITOP", "FOO", "d", "a"}, "-ERR syntax error\r\n"},
		{[]string{"BITOP", "AND", "d"}, "-ERR wrong number of arguments for 'bitop' command\r\n"},
		{[]string{"BITOP", "AND", "d", "nokey"}, ":0\r\n"},
		{[]string{"EXISTS", "d"}, ":0\r\n"},
		{[]string{"SET", "d", "x"}, "+OK\r\n"},
		{[]string{"BITOP", "AND", "d", "nokey1", "nokey2"}, ":0\r\n"},
		{[]string{"EXISTS", "d"}, ":0\r\n"},
		{[]string{"BITOP", "AND", "d", "a", "nokey"}, ":2\r\n"},
		{[]string{"GET", "d"}, "$2\r\n\x00\x00\r\n"},
		{[]string{"BITOP", "AND", "d", "a", "h"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"BITOP", "FOO", "d", "h"}, "-ERR syntax error\r\n"},
		{[]string{"BITOP", "NOT", "d", "h"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"BITOP", "and", "d", "a"}, ":2\r\n"},
		{[]string{"GET", "d"}, "$2\r\n\xff\x0f\r\n"},
		{[]string{"BITOP", "DIFF", "d", "a", "b2"}, "-ERR syntax error\r\n"},
		{[]string{"BITOP", "NOT", "h", "a"}, ":2\r\n"},
		{[]string{"GET", "h"}, "$2\r\n\x00\xf0\r\n"},
		{[]string{"BITOP", "XOR", "d", "a", "a"}, ":2\r\n"},
		{[]string{"GET", "d"}, "$2\r\n\x00\x00\r\n"},
		{[]string{"BITOP", "OR", "d", "d", "a"}, ":2\r\n"},
		{[]string{"GET", "d"}, "$2\r\n\xff\x0f\r\n"},
		{[]string{"SET", "w1", "0123456789abcdefghij"}, "+OK\r\n"},
		{[]string{"SET", "w2", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}, "+OK\r\n"},
		{[]string{"BITOP", "AND", "d", "w1", "w2"}, ":26\r\n"},
		{[]string{"GET", "d"}, "$26\r\n\x00\x00\x02\x00\x04\x04\x06\x00\x08\x08A@ADE@A@A@\x00\x00\x00\x00\x00\x00\r\n"},
		{[]string{"BITOP", "OR", "d", "w1", "w2"}, ":26\r\n"},
		{[]string{"GET", "d"}, "$26\r\nqsswuww\x7fy{knonovwz{~UVWXYZ\r\n"},
		{[]string{"BITOP", "XOR", "d", "w1", "w2", "a"}, ":26\r\n"},
		{[]string{"GET", "d"}, "$26\r\n\x8e|qwqsq\x7fqs*..**66::>UVWXYZ\r\n"},
		{[]string{"BITOP", "NOT", "d", "w2"}, ":26\r\n"},
		{[]string{"GET", "d"}, "$26\r\n\xbe\xbd\xbc\xbb\xba\xb9\xb8\xb7\xb6\xb5\xb4\xb3\xb2\xb1\xb0\xaf\xae\xad\xac\xab\xaa\xa9\xa8\xa7\xa6\xa5\r\n"},
		{[]string{"HSET", "h3", "f", "v"}, ":1\r\n"},
		{[]string{"BITFIELD", "bf", "SET", "i8", "0", "100", "GET", "i8", "0"}, "*2\r\n:0\r\n:100\r\n"},
		{[]string{"BITFIELD", "bf", "INCRBY", "i8", "0", "100"}, "*1\r\n:-56\r\n"},
		{[]string{"BITFIELD", "bf", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "100"}, "*1\r\n:44\r\n"},
		{[]string{"BITFIELD", "bf", "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "100"}, "*1\r\n$-1\r\n"},
		{[]string{"BITFIELD", "bf", "OVERFLOW", "WRAP", "INCRBY", "i8", "0", "-300"}, "*1\r\n:0\r\n"},
		{[]string{"BITFIELD", "bf", "OVERFLOW", "FOO", "INCRBY", "i8", "0", "1"}, "-ERR Invalid OVERFLOW type specified\r\n"},
		{[]string{"BITFIELD", "bf", "OVERFLOW"}, "-ERR syntax error\r\n"},
		{[]string{"BITFIELD", "bf", "GET", "u64", "0"}, "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"},
		{[]string{"BITFIELD", "bf", "GET", "i65", "0"}, "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"},
		{[]string{"BITFIELD", "bf", "GET", "i0", "0"}, "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"},
		{[]string{"BITFIELD", "bf", "GET", "x8", "0"}, "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"},
		{[]string{"BITFIELD", "bf", "GET", "I8", "0"}, "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"},
		{[]string{"BITFIELD", "bf", "GET", "u", "0"}, "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"},
		{[]string{"BITFIELD", "bf", "GET", "i08", "0"}, "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"},
		{[]string{"BITFIELD", "bf", "GET", "u63", "0"}, "*1\r\n:0\r\n"},
		{[]string{"BITFIELD", "bf", "GET", "i64", "0"}, "*1\r\n:0\r\n"},
		{[]string{"BITFIELD", "bf", "GET", "i8", "#1"}, "*1\r\n:0\r\n"},
		{[]string{"BITFIELD", "bf", "GET", "i8", "#-1"}, "-ERR bit offset is not an integer or out of range\r\n"},
		{[]string{"BITFIELD", "bf", "GET", "i8", "#"}, "-ERR bit offset is not an integer or out of range\r\n"},
		{[]string{"BITFIELD", "bf", "GET", "i8", "-1"}, "-ERR bit offset is not an integer or out of range\r\n"},
		{[]string{"BITFIELD", "bf", "GET", "i8", "abc"}, "-ERR bit offset is not an integer or out of range\r\n"},
		{[]string{"BITFIELD", "bf", "GET", "i8", "4294967296"}, "-ERR bit offset is not an integer or out of range\r\n"},
		{[]string{"BITFIELD", "bf", "GET", "i8", "4294967295"}, "*1\r\n:0\r\n"},
		{[]string{"BITFIELD", "bf", "GET", "i8", "#536870912"}, "-ERR bit offset is not an integer or out of range\r\n"},
		{[]string{"BITFIELD", "bf", "GET", "i8", "#536870911"}, "*1\r\n:0\r\n"},
		{[]string{"BITFIELD", "bf", "GET", "i8"}, "-ERR syntax error\r\n"},
		{[]string{"BITFIELD", "bf", "SET", "i8", "0"}, "-ERR syntax error\r\n"},
		{[]string{"BITFIELD", "bf", "SET", "i8", "0", "abc"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"BITFIELD", "bf", "FOO"}, "-ERR syntax error\r\n"},
		{[]string{"BITFIELD", "bf"}, "*0\r\n"},
		{[]string{"BITFIELD", "nokey"}, "*0\r\n"},
		{[]string{"BITFIELD", "nokey", "GET", "u8", "0"}, "*1\r\n:0\r\n"},
		{[]string{"EXISTS", "nokey"}, ":0\r\n"},
		{[]string{"BITFIELD", "h3", "GET", "u8", "0"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"BITFIELD", "h3"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"BITFIELD", "h3", "FOO"}, "-ERR syntax error\r\n"},
		{[]string{"BITFIELD", "h3", "SET", "u8", "0", "1"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"BITFIELD_RO", "bf", "GET", "i8", "0"}, "*1\r\n:0\r\n"},
		{[]string{"BITFIELD_RO", "bf", "SET", "i8", "0", "1"}, "-ERR BITFIELD_RO only supports the GET subcommand\r\n"},
		{[]string{"BITFIELD_RO", "bf", "INCRBY", "i8", "0", "1"}, "-ERR BITFIELD_RO only supports the GET subcommand\r\n"},
		{[]string{"BITFIELD_RO", "bf", "OVERFLOW", "SAT"}, "*0\r\n"},
		{[]string{"BITFIELD_RO", "bf"}, "*0\r\n"},
		{[]string{"BITFIELD_RO", "h3", "GET", "i8", "0"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"BITFIELD_RO", "h3", "SET", "i8", "0", "1"}, "-ERR BITFIELD_RO only supports the GET subcommand\r\n"},
		{[]string{"BITFIELD_RO", "nokey", "GET", "i8", "0"}, "*1\r\n:0\r\n"},
		{[]string{"BITFIELD_RO", "bf", "SET", "i8", "0", "1", "GET", "i8", "x"}, "-ERR bit offset is not an integer or out of range\r\n"},
		{[]string{"BITFIELD", "bf2", "SET", "u8", "0", "300", "GET", "u8", "0"}, "*2\r\n:0\r\n:44\r\n"},
		{[]string{"BITFIELD", "bf2", "OVERFLOW", "SAT", "SET", "u8", "0", "300", "GET", "u8", "0"}, "*2\r\n:44\r\n:255\r\n"},
		{[]string{"BITFIELD", "bf2", "OVERFLOW", "FAIL", "SET", "u8", "0", "300", "GET", "u8", "0"}, "*2\r\n$-1\r\n:255\r\n"},
		{[]string{"BITFIELD", "bf2", "OVERFLOW", "SAT", "SET", "i8", "0", "-300", "GET", "i8", "0"}, "*2\r\n:-1\r\n:-128\r\n"},
		{[]string{"BITFIELD", "bf2", "SET", "u8", "0", "-1", "GET", "u8", "0"}, "*2\r\n:128\r\n:255\r\n"},
		{[]string{"BITFIELD", "bf2", "OVERFLOW", "SAT", "SET", "u8", "0", "-1", "GET", "u8", "0"}, "*2\r\n:255\r\n:255\r\n"},
		{[]string{"BITFIELD", "bf2", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "-300", "INCRBY", "u8", "0", "10", "OVERFLOW", "WRAP", "INCRBY", "u8", "0", "-11"}, "*3\r\n:0\r\n:10\r\n:255\r\n"},
		{[]string{"BITFIELD", "bf3", "SET", "i64", "0", "-9223372036854775808", "INCRBY", "i64", "0", "-1"}, "*2\r\n:0\r\n:9223372036854775807\r\n"},
		{[]string{"BITFIELD", "bf3", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "-1"}, "*1\r\n:9223372036854775806\r\n"},
		{[]string{"BITFIELD", "bf3", "OVERFLOW", "FAIL", "INCRBY", "i64", "0", "-1"}, "*1\r\n:9223372036854775805\r\n"},
		{[]string{"BITFIELD", "bf3", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "9223372036854775807"}, "*1\r\n:9223372036854775807\r\n"},
		{[]string{"BITFIELD", "bf3", "OVERFLOW", "SAT", "SET", "i64", "0", "-5", "INCRBY", "i64", "0", "-9223372036854775808"}, "*2\r\n:9223372036854775807\r\n:-9223372036854775808\r\n"},
		{[]string{"BITFIELD", "bf3", "OVERFLOW", "FAIL", "INCRBY", "i64", "0", "-9223372036854775808"}, "*1\r\n$-1\r\n"},
		{[]string{"BITFIELD", "bf3", "SET", "u63", "0", "9223372036854775807", "GET", "u63", "0"}, "*2\r\n:4611686018427387904\r\n:9223372036854775807\r\n"},
		{[]string{"BITFIELD", "bf3", "OVERFLOW", "SAT", "INCRBY", "u63", "0", "1"}, "*1\r\n:9223372036854775807\r\n"},
		{[]string{"BITFIELD", "bf3", "OVERFLOW", "SAT", "INCRBY", "u63", "0", "-9223372036854775808"}, "*1\r\n:0\r\n"},
		{[]string{"BITFIELD", "bf3", "OVERFLOW", "WRAP", "INCRBY", "u63", "0", "9223372036854775807"}, "*1\r\n:9223372036854775807\r\n"},
		{[]string{"BITFIELD", "bf3", "GET", "u4", "3", "GET", "i5", "61", "GET", "u1", "63", "SET", "u3", "61", "5", "GET", "u8", "56"}, "*5\r\n:15\r\n:-8\r\n:0\r\n:6\r\n:253\r\n"},
		{[]string{"BITFIELD", "bf3", "SET", "i1", "0", "1", "GET", "i1", "0", "SET", "i1", "0", "-1", "GET", "u1", "0", "INCRBY", "i1", "0", "1", "OVERFLOW", "SAT", "INCRBY", "i1", "0", "5", "INCRBY", "i1", "0", "-5"}, "*7\r\n:-1\r\n:-1\r\n:-1\r\n:1\r\n:0\r\n:0\r\n:-1\r\n"},
		{[]string{"BITFIELD", "bf4", "SET", "i8", "100", "1"}, "*1\r\n:0\r\n"},
		{[]string{"STRLEN", "bf4"}, ":14\r\n"},
		{[]string{"BITFIELD", "bf5", "OVERFLOW", "FAIL", "SET", "u2", "0", "7"}, "*1\r\n$-1\r\n"},
		{[]string{"EXISTS", "bf5"}, ":1\r\n"},
		{[]string{"STRLEN", "bf5"}, ":1\r\n"},
		{[]string{"BITFIELD", "bf6", "SET", "u8", "#2", "255", "GET", "u4", "#4", "GET", "i4", "#5", "GET", "u16", "0"}, "*4\r\n:0\r\n:15\r\n:-1\r\n:0\r\n"},
		{[]string{"BITFIELD", "bf", "GET", "i8", "0", "SET", "i8", "0", "abc"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"BITFIELD", "bf", "get", "i8", "0", "overflow", "sat", "incrby", "i8", "0", "1"}, "*2\r\n:0\r\n:1\r\n"},
		{[]string{"BITFIELD", "bf", "SET", "i8", "0", "9223372036854775808"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"BITFIELD", "bf", "GET", "i8", "0", "GET", "i8", "8", "GET", "i8", "1000"}, "*3\r\n:1\r\n:0\r\n:0\r\n"},
		{[]string{"BITFIELD"}, "-ERR wrong number of arguments for 'bitfield' command\r\n"},
		{[]string{"BITFIELD_RO"}, "-ERR wrong number of arguments for 'bitfield_ro' command\r\n"},
	})
}

// BITOP whose destination and sources live on different shards: sources
// are read where they live, the result is written (and logged as a plain
// SET or DEL) on the destination's shard, in one transaction.
func TestBitopCrossShard(t *testing.T) {
	srv, log := testServerWithLog(t, 2)
	rc := testRaw(t, srv)
	runStrCases(t, srv, rc, []strCase{
		{[]string{"SET", "{a}s1", "\xff\x0f"}, "+OK\r\n"},
		{[]string{"SET", "{b}s2", "\x0f"}, "+OK\r\n"},
		{[]string{"SET", "{b}d", "old"}, "+OK\r\n"},
	})
	log.take()
	require.Equal(t, ":2\r\n", rc.do("BITOP", "AND", "{b}d", "{a}s1", "{b}s2"))
	recs := log.take()
	require.Len(t, recs, 1)
	require.Equal(t, "SET {b}d \x0f\x00", recs[0].cmd)
	require.NotZero(t, recs[0].txid)
	require.Equal(t, srv.shardOf([]byte("{b}")).id, recs[0].shard)
	runStrCases(t, srv, rc, []strCase{
		{[]string{"GET", "{b}d"}, "$2\r\n\x0f\x00\r\n"},
		{[]string{"BITOP", "OR", "{a}d", "{a}s1", "{b}s2", "{b}none"}, ":2\r\n"},
		{[]string{"GET", "{a}d"}, "$2\r\n\xff\x0f\r\n"},
		{[]string{"BITOP", "XOR", "{a}d", "{b}s2", "{a}d"}, ":2\r\n"},
		{[]string{"GET", "{a}d"}, "$2\r\n\xf0\x0f\r\n"},
		{[]string{"BITOP", "NOT", "{a}d", "{b}s2"}, ":1\r\n"},
		{[]string{"GET", "{a}d"}, "$1\r\n\xf0\r\n"},
		{[]string{"BITOP", "NOT", "{a}d", "{b}s2", "{a}s1"}, "-ERR BITOP NOT must be called with a single source key.\r\n"},
		{[]string{"BITOP", "NAND", "{a}d", "{b}s2"}, "-ERR syntax error\r\n"},
		{[]string{"HSET", "{b}h", "f", "v"}, ":1\r\n"},
		{[]string{"BITOP", "AND", "{a}d", "{a}s1", "{b}h"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"GET", "{a}d"}, "$1\r\n\xf0\r\n"},
	})
	log.take()
	require.Equal(t, ":0\r\n", rc.do("BITOP", "AND", "{a}d", "{b}none1", "{b}none2"))
	recs = log.take()
	require.Len(t, recs, 1)
	require.Equal(t, "DEL {a}d", recs[0].cmd)
	require.Equal(t, ":0\r\n", rc.do("EXISTS", "{a}d"))
	require.Equal(t, ":0\r\n", rc.do("BITOP", "AND", "{a}d", "{b}none1", "{b}none2"))
	require.Empty(t, log.take())
}

func TestBitmapGoRedis(t *testing.T) {
	c := testClient(t, testServer(t, 1))
	ctx := ctxb()
	require.Equal(t, int64(0), c.SetBit(ctx, "b", 100, 1).Val())
	require.Equal(t, int64(1), c.SetBit(ctx, "b", 100, 0).Val())
	require.Equal(t, int64(13), c.StrLen(ctx, "b").Val())
	require.NoError(t, c.Set(ctx, "s", "foobar", 0).Err())
	require.Equal(t, int64(26), c.BitCount(ctx, "s", nil).Val())
	require.Equal(t, int64(17), c.BitCount(ctx, "s", &redis.BitCount{Start: 5, End: 30, Unit: "BIT"}).Val())
	require.Equal(t, int64(9), c.BitPosSpan(ctx, "s", 1, 7, 15, "bit").Val())
	require.Equal(t, []int64{0, -56}, c.BitField(ctx, "bf", "SET", "i8", 0, 100, "INCRBY", "i8", 0, 100).Val())
	require.Equal(t, []int64{-56}, c.BitFieldRO(ctx, "bf", "i8", 0).Val())
}

// countBits and findBit against a bit-by-bit reference on random data and
// ranges, covering the word-at-a-time paths.
func TestBitScanReference(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 300; round++ {
		s := make([]byte, 1+rnd.IntN(80))
		fill := rnd.IntN(3)
		for i := range s {
			switch fill {
			case 0:
				s[i] = byte(rnd.Uint32())
			case 1:
				s[i] = 0xff
			}
		}
		if rnd.IntN(2) == 0 {
			p := rnd.IntN(len(s) * 8)
			s[p/8] ^= 0x80 >> (p % 8)
		}
		total := int64(len(s) * 8)
		from := rnd.Int64N(total)
		to := from + rnd.Int64N(total-from)
		bit := func(i int64) byte { return s[i/8] >> (7 - i%8) & 1 }
		var count int64
		first := [2]int64{-1, -1}
		for i := from; i <= to; i++ {
			b := bit(i)
			count += int64(b)
			if first[b] < 0 {
				first[b] = i
			}
		}
		require.Equal(t, count, countBits(s, from, to), "count %x [%d,%d]", s, from, to)
		require.Equal(t, first[0], findBit(s, from, to, 0), "find 0 in %x [%d,%d]", s, from, to)
		require.Equal(t, first[1], findBit(s, from, to, 1), "find 1 in %x [%d,%d]", s, from, to)
	}
}

func TestBitopReference(t *testing.T) {
	srcs := [][]byte{[]byte(strings.Repeat("\xf0\x0f\x55", 7)), []byte("\xff\x00"), []byte(strings.Repeat("\x3c", 30))}
	at := func(s []byte, j int) byte {
		if j < len(s) {
			return s[j]
		}
		return 0
	}
	for op, f := range map[int]func(a, b byte) byte{
		bitopAnd: func(a, b byte) byte { return a & b },
		bitopOr:  func(a, b byte) byte { return a | b },
		bitopXor: func(a, b byte) byte { return a ^ b },
	} {
		got := bitop(op, srcs)
		require.Len(t, got, 30)
		for j := range got {
			want := f(f(at(srcs[0], j), at(srcs[1], j)), at(srcs[2], j))
			require.Equal(t, want, got[j], "op %d byte %d", op, j)
		}
	}
	require.Equal(t, []byte("\x00\xff"), bitop(bitopNot, [][]byte{[]byte("\xff\x00")}))
	require.Nil(t, bitop(bitopAnd, [][]byte{nil, {}}))
}
