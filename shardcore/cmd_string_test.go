package shardcore

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keeldb/keel/shardcore/config"
	"github.com/keeldb/keel/shardcore/store"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// strCase is one command and the exact reply redis-server 7.0.15 gives it
// (the tables were recorded against it, each starting from an empty db).
type strCase struct {
	args []string
	want string
}

func runStrCases(t *testing.T, srv *Server, rc *rawConn, cases []strCase) {
	t.Helper()
	for _, tc := range cases {
		if tc.args[0] == "HSET" {
			strMakeHash(t, srv, rc, tc.args[1])
			continue
		}
		require.Equal(t, tc.want, rc.do(tc.args...), "%q", tc.args)
	}
}

// strMakeHash creates a non-string key for the WRONGTYPE cases: with HSET
// when the hash commands are registered, else by storing a hash-typed
// entry directly.
func strMakeHash(t *testing.T, srv *Server, rc *rawConn, key string) {
	t.Helper()
	if lookupCommand([]byte("hset")) != nil {
		require.Equal(t, ":1\r\n", rc.do("HSET", key, "f", "v"))
		return
	}
	done := make(chan struct{})
	srv.shardOf([]byte(key)).post(message{ctrl: true, fn: func(s *Shard) {
		s.dbs[0].Set([]byte(key), store.Entry{Type: store.TypeHash})
		close(done)
	}})
	<-done
}

// Two shards: multi-key rows ("MSET a 1 b 2", "LCS a b") span both.
func TestStringSetGetFamily(t *testing.T) {
	srv := testServer(t, 2)
	runStrCases(t, srv, testRaw(t, srv), []strCase{
		{[]string{"SET", "k", "v"}, "+OK\r\n"},
		{[]string{"GET", "k"}, "$1\r\nv\r\n"},
		{[]string{"SET", "k", "v", "NX"}, "$-1\r\n"},
		{[]string{"SET", "k", "v2", "XX"}, "+OK\r\n"},
		{[]string{"GET", "k"}, "$2\r\nv2\r\n"},
		{[]string{"SET", "nk", "v", "XX"}, "$-1\r\n"},
		{[]string{"GET", "nk"}, "$-1\r\n"},
		{[]string{"SET", "k", "v", "NX", "XX"}, "-ERR syntax error\r\n"},
		{[]string{"SET", "k", "v", "XX", "NX"}, "-ERR syntax error\r\n"},
		{[]string{"SET", "k", "v", "nx"}, "$-1\r\n"},
		{[]string{"SET", "k", "v", "FOO"}, "-ERR syntax error\r\n"},
		{[]string{"SET", "k", "v", "EX"}, "-ERR syntax error\r\n"},
		{[]string{"SET", "k", "v", "EX", "10", "PX", "10"}, "-ERR syntax error\r\n"},
		{[]string{"SET", "k", "v", "PX", "10", "EXAT", "10"}, "-ERR syntax error\r\n"},
		{[]string{"SET", "k", "v", "EXAT", "10", "PXAT", "10"}, "-ERR syntax error\r\n"},
		{[]string{"SET", "k", "v", "PXAT", "10", "EX", "10"}, "-ERR syntax error\r\n"},
		{[]string{"SET", "k", "v", "KEEPTTL", "EX", "10"}, "-ERR syntax error\r\n"},
		{[]string{"SET", "k", "v", "EX", "10", "KEEPTTL"}, "-ERR syntax error\r\n"},
		{[]string{"SET", "k", "v", "PERSIST"}, "-ERR syntax error\r\n"},
		{[]string{"SET", "k", "v", "EX", "abc"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"SET", "k", "v", "EX", "0"}, "-ERR invalid expire time in 'set' command\r\n"},
		{[]string{"SET", "k", "v", "EX", "-1"}, "-ERR invalid expire time in 'set' command\r\n"},
		{[]string{"SET", "k", "v", "PX", "0"}, "-ERR invalid expire time in 'set' command\r\n"},
		{[]string{"SET", "k", "v", "EXAT", "0"}, "-ERR invalid expire time in 'set' command\r\n"},
		{[]string{"SET", "k", "v", "PXAT", "-5"}, "-ERR invalid expire time in 'set' command\r\n"},
		{[]string{"SET", "k", "v", "EX", "9223372036854775807"}, "-ERR invalid expire time in 'set' command\r\n"},
		{[]string{"SET", "k", "v", "EX", "9223372036854775"}, "-ERR invalid expire time in 'set' command\r\n"},
		{[]string{"SET", "k", "v", "PX", "9223372036854775807"}, "-ERR invalid expire time in 'set' command\r\n"},
		{[]string{"SET", "k", "v", "EX", "1.5"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"SET", "k", "v1", "GET"}, "$2\r\nv2\r\n"},
		{[]string{"SET", "k", "v2", "get"}, "$2\r\nv1\r\n"},
		{[]string{"SET", "nk2", "v", "GET"}, "$-1\r\n"},
		{[]string{"GET", "nk2"}, "$1\r\nv\r\n"},
		{[]string{"SET", "k", "v3", "NX", "GET"}, "$2\r\nv2\r\n"},
		{[]string{"GET", "k"}, "$2\r\nv2\r\n"},
		{[]string{"SET", "nk3", "v", "NX", "GET"}, "$-1\r\n"},
		{[]string{"SET", "nk4", "v", "XX", "GET"}, "$-1\r\n"},
		{[]string{"EXISTS", "nk4"}, ":0\r\n"},
		{[]string{"SET", "k", "v4", "GET", "GET"}, "$2\r\nv2\r\n"},
		{[]string{"GET", "k"}, "$2\r\nv4\r\n"},
		{[]string{"SET", "k", "v5", "EX", "100", "EX", "200"}, "+OK\r\n"},
		{[]string{"SET", "k", "v6", "KEEPTTL", "KEEPTTL"}, "+OK\r\n"},
		{[]string{"SET", "k", "v", "EXAT", "1"}, "+OK\r\n"},
		{[]string{"GET", "k"}, "$-1\r\n"},
		{[]string{"EXISTS", "k"}, ":0\r\n"},
		{[]string{"SET", "k", "v", "EXAT", "1", "GET"}, "$-1\r\n"},
		{[]string{"SET", "k", "v7", "PXAT", "1", "GET"}, "$-1\r\n"},
		{[]string{"HSET", "h", "f", "v"}, ":1\r\n"},
		{[]string{"GET", "h"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SET", "h", "x", "GET"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SET", "h", "x", "NX", "GET"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SET", "h", "x", "NX"}, "$-1\r\n"},
		{[]string{"SET", "h", "x"}, "+OK\r\n"},
		{[]string{"GET", "h"}, "$1\r\nx\r\n"},
		{[]string{"SET"}, "-ERR wrong number of arguments for 'set' command\r\n"},
		{[]string{"SET", "k"}, "-ERR wrong number of arguments for 'set' command\r\n"},
		{[]string{"GET"}, "-ERR wrong number of arguments for 'get' command\r\n"},
		{[]string{"GET", "a", "b"}, "-ERR wrong number of arguments for 'get' command\r\n"},
		{[]string{"SETNX", "k", "v"}, ":1\r\n"},
		{[]string{"SETNX", "k", "v2"}, ":0\r\n"},
		{[]string{"GET", "k"}, "$1\r\nv\r\n"},
		{[]string{"SETNX", "k"}, "-ERR wrong number of arguments for 'setnx' command\r\n"},
		{[]string{"HSET", "h2", "f", "v"}, ":1\r\n"},
		{[]string{"SETNX", "h2", "v"}, ":0\r\n"},
		{[]string{"SETEX", "k", "0", "v"}, "-ERR invalid expire time in 'setex' command\r\n"},
		{[]string{"SETEX", "k", "-1", "v"}, "-ERR invalid expire time in 'setex' command\r\n"},
		{[]string{"SETEX", "k", "abc", "v"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"SETEX", "k", "9223372036854775807", "v"}, "-ERR invalid expire time in 'setex' command\r\n"},
		{[]string{"SETEX", "k", "100", "v"}, "+OK\r\n"},
		{[]string{"GET", "k"}, "$1\r\nv\r\n"},
		{[]string{"SETEX", "k", "100"}, "-ERR wrong number of arguments for 'setex' command\r\n"},
		{[]string{"PSETEX", "k", "0", "v"}, "-ERR invalid expire time in 'psetex' command\r\n"},
		{[]string{"PSETEX", "k", "abc", "v"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"PSETEX", "k", "100000", "pv"}, "+OK\r\n"},
		{[]string{"GET", "k"}, "$2\r\npv\r\n"},
		{[]string{"PSETEX", "k", "1"}, "-ERR wrong number of arguments for 'psetex' command\r\n"},
		{[]string{"GETSET", "k", "nv"}, "$2\r\npv\r\n"},
		{[]string{"GET", "k"}, "$2\r\nnv\r\n"},
		{[]string{"GETSET", "nokey", "v"}, "$-1\r\n"},
		{[]string{"GET", "nokey"}, "$1\r\nv\r\n"},
		{[]string{"GETSET", "h2", "v"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"GETSET", "k"}, "-ERR wrong number of arguments for 'getset' command\r\n"},
		{[]string{"GETDEL", "k"}, "$2\r\nnv\r\n"},
		{[]string{"GETDEL", "k"}, "$-1\r\n"},
		{[]string{"EXISTS", "k"}, ":0\r\n"},
		{[]string{"GETDEL", "h2"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"GETDEL"}, "-ERR wrong number of arguments for 'getdel' command\r\n"},
		{[]string{"SET", "g", "v"}, "+OK\r\n"},
		{[]string{"GETEX", "g"}, "$1\r\nv\r\n"},
		{[]string{"GETEX", "g", "EX", "100"}, "$1\r\nv\r\n"},
		{[]string{"GETEX", "g", "PERSIST"}, "$1\r\nv\r\n"},
		{[]string{"GETEX", "g", "PX", "100000"}, "$1\r\nv\r\n"},
		{[]string{"GETEX", "g", "EXAT", "4102444800"}, "$1\r\nv\r\n"},
		{[]string{"GETEX", "g", "PXAT", "4102444800000"}, "$1\r\nv\r\n"},
		{[]string{"GETEX", "g", "EX", "10", "PERSIST"}, "-ERR syntax error\r\n"},
		{[]string{"GETEX", "g", "PERSIST", "EX", "10"}, "-ERR syntax error\r\n"},
		{[]string{"GETEX", "g", "EX", "10", "PX", "10"}, "-ERR syntax error\r\n"},
		{[]string{"GETEX", "g", "KEEPTTL"}, "-ERR syntax error\r\n"},
		{[]string{"GETEX", "g", "GET"}, "-ERR syntax error\r\n"},
		{[]string{"GETEX", "g", "NX"}, "-ERR syntax error\r\n"},
		{[]string{"GETEX", "g", "XX"}, "-ERR syntax error\r\n"},
		{[]string{"GETEX", "g", "EX"}, "-ERR syntax error\r\n"},
		{[]string{"GETEX", "g", "EX", "abc"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"GETEX", "g", "EX", "0"}, "-ERR invalid expire time in 'getex' command\r\n"},
		{[]string{"GETEX", "g", "PX", "-1"}, "-ERR invalid expire time in 'getex' command\r\n"},
		{[]string{"GETEX", "g", "EX", "9223372036854775"}, "-ERR invalid expire time in 'getex' command\r\n"},
		{[]string{"GETEX", "nokey2", "EX", "abc"}, "$-1\r\n"},
		{[]string{"GETEX", "nokey2", "FOO"}, "-ERR syntax error\r\n"},
		{[]string{"GETEX", "nokey2"}, "$-1\r\n"},
		{[]string{"GETEX", "h2"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"GETEX", "h2", "EX", "abc"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"GETEX", "h2", "FOO"}, "-ERR syntax error\r\n"},
		{[]string{"GETEX", "g", "EXAT", "1"}, "$1\r\nv\r\n"},
		{[]string{"EXISTS", "g"}, ":0\r\n"},
		{[]string{"GETEX"}, "-ERR wrong number of arguments for 'getex' command\r\n"},
		{[]string{"MSET", "a", "1", "b", "2"}, "+OK\r\n"},
		{[]string{"MGET", "a", "b", "c"}, "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n"},
		{[]string{"MSET", "a", "1", "b"}, "-ERR wrong number of arguments for 'mset' command\r\n"},
		{[]string{"MSET", "a"}, "-ERR wrong number of arguments for 'mset' command\r\n"},
		{[]string{"MGET", "a", "h2", "nokey"}, "*3\r\n$1\r\n1\r\n$-1\r\n$1\r\nv\r\n"},
		{[]string{"MSETNX", "a", "1", "b"}, "-ERR wrong number of arguments for 'msetnx' command\r\n"},
		{[]string{"MSETNX", "a", "3", "c", "4"}, ":0\r\n"},
		{[]string{"MGET", "a", "c"}, "*2\r\n$1\r\n1\r\n$-1\r\n"},
		{[]string{"MSETNX", "c", "3", "d", "4"}, ":1\r\n"},
		{[]string{"MGET", "c", "d"}, "*2\r\n$1\r\n3\r\n$1\r\n4\r\n"},
		{[]string{"MSETNX", "h2", "1"}, ":0\r\n"},
		{[]string{"MSET"}, "-ERR wrong number of arguments for 'mset' command\r\n"},
		{[]string{"MGET"}, "-ERR wrong number of arguments for 'mget' command\r\n"},
	})
}

func TestStringCounters(t *testing.T) {
	srv := testServer(t, 2)
	runStrCases(t, srv, testRaw(t, srv), []strCase{
		{[]string{"INCR", "n"}, ":1\r\n"},
		{[]string{"INCR", "n"}, ":2\r\n"},
		{[]string{"DECR", "n"}, ":1\r\n"},
		{[]string{"INCRBY", "n", "10"}, ":11\r\n"},
		{[]string{"DECRBY", "n", "5"}, ":6\r\n"},
		{[]string{"INCRBY", "n", "-20"}, ":-14\r\n"},
		{[]string{"DECRBY", "n", "-3"}, ":-11\r\n"},
		{[]string{"GET", "n"}, "$3\r\n-11\r\n"},
		{[]string{"INCRBY", "n", "abc"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"INCRBY", "n", "9223372036854775808"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"INCRBY", "n", "1.5"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"DECRBY", "n", "-9223372036854775808"}, "-ERR decrement would overflow\r\n"},
		{[]string{"DECRBY", "n", "9223372036854775807"}, "-ERR increment or decrement would overflow\r\n"},
		{[]string{"DECRBY", "n", "1"}, ":-12\r\n"},
		{[]string{"DECRBY", "n", "9223372036854775807"}, "-ERR increment or decrement would overflow\r\n"},
		{[]string{"SET", "big", "9223372036854775807"}, "+OK\r\n"},
		{[]string{"INCR", "big"}, "-ERR increment or decrement would overflow\r\n"},
		{[]string{"INCRBY", "big", "0"}, ":9223372036854775807\r\n"},
		{[]string{"DECR", "big"}, ":9223372036854775806\r\n"},
		{[]string{"SET", "small", "-9223372036854775808"}, "+OK\r\n"},
		{[]string{"DECR", "small"}, "-ERR increment or decrement would overflow\r\n"},
		{[]string{"INCRBY", "small", "-1"}, "-ERR increment or decrement would overflow\r\n"},
		{[]string{"INCR", "small"}, ":-9223372036854775807\r\n"},
		{[]string{"SET", "f", "1.5"}, "+OK\r\n"},
		{[]string{"INCR", "f"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"SET", "sp"}, "-ERR wrong number of arguments for 'set' command\r\n"},
		{[]string{"SET", "sp", " 1"}, "+OK\r\n"},
		{[]string{"INCR", "sp"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"SET", "sp", "1 "}, "+OK\r\n"},
		{[]string{"INCR", "sp"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"SET", "z", "01"}, "+OK\r\n"},
		{[]string{"INCR", "z"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"SET", "z", "-0"}, "+OK\r\n"},
		{[]string{"INCR", "z"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"SET", "z", "+1"}, "+OK\r\n"},
		{[]string{"INCR", "z"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"SET", "e"}, "-ERR wrong number of arguments for 'set' command\r\n"},
		{[]string{"SET", "e", ""}, "+OK\r\n"},
		{[]string{"INCR", "e"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"SET", "long", "123456789012345678901"}, "+OK\r\n"},
		{[]string{"INCR", "long"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"HSET", "h", "f", "v"}, ":1\r\n"},
		{[]string{"INCR", "h"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"DECR", "h"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"INCRBY", "h", "1"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"DECRBY", "h", "1"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"INCRBY", "h", "x"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"INCR"}, "-ERR wrong number of arguments for 'incr' command\r\n"},
		{[]string{"INCR", "a", "b"}, "-ERR wrong number of arguments for 'incr' command\r\n"},
		{[]string{"INCRBY", "a"}, "-ERR wrong number of arguments for 'incrby' command\r\n"},
		{[]string{"DECRBY", "a"}, "-ERR wrong number of arguments for 'decrby' command\r\n"},
		{[]string{"SET", "ff", "10.50"}, "+OK\r\n"},
		{[]string{"INCRBYFLOAT", "ff", "0.1"}, "$4\r\n10.6\r\n"},
		{[]string{"INCRBYFLOAT", "ff", "-5"}, "$3\r\n5.6\r\n"},
		{[]string{"INCRBYFLOAT", "nf", "0.1"}, "$3\r\n0.1\r\n"},
		{[]string{"INCRBYFLOAT", "nf", "0.2"}, "$3\r\n0.3\r\n"},
		{[]string{"INCRBYFLOAT", "nf2", "3.0e3"}, "$4\r\n3000\r\n"},
		{[]string{"INCRBYFLOAT", "nf2", "1.23456789012345678"}, "$22\r\n3001.23456789012345669\r\n"},
		{[]string{"INCRBYFLOAT", "nf4", "1e5000"}, "-ERR value is not a valid float\r\n"},
		{[]string{"INCRBYFLOAT", "nf4", "-1e5000"}, "-ERR value is not a valid float\r\n"},
		{[]string{"INCRBYFLOAT", "nf4", "1e-5000"}, "-ERR value is not a valid float\r\n"},
		{[]string{"INCRBYFLOAT", "nf5", "1e-4940"}, "$1\r\n0\r\n"},
		{[]string{"INCRBYFLOAT", "nf6", "0x1p3"}, "$1\r\n8\r\n"},
		{[]string{"INCRBYFLOAT", "nf6", "0x1.8"}, "$3\r\n9.5\r\n"},
		{[]string{"INCRBYFLOAT", "nf6", "0X.8P1"}, "$4\r\n10.5\r\n"},
		{[]string{"INCRBYFLOAT", "nf6", "1e"}, "-ERR value is not a valid float\r\n"},
		{[]string{"INCRBYFLOAT", "nf6", "0x"}, "-ERR value is not a valid float\r\n"},
		{[]string{"INCRBYFLOAT", "nf6", "+5"}, "$4\r\n15.5\r\n"},
		{[]string{"INCRBYFLOAT", "nf6", "nan"}, "-ERR value is not a valid float\r\n"},
		{[]string{"INCRBYFLOAT", "nf6", "-nan"}, "-ERR value is not a valid float\r\n"},
		{[]string{"INCRBYFLOAT", "nf6", "inf"}, "-ERR increment would produce NaN or Infinity\r\n"},
		{[]string{"INCRBYFLOAT", "nf6", "-Infinity"}, "-ERR increment would produce NaN or Infinity\r\n"},
		{[]string{"INCRBYFLOAT", "nf6", "1_0"}, "-ERR value is not a valid float\r\n"},
		{[]string{"INCRBYFLOAT", "nf6", "0b1"}, "-ERR value is not a valid float\r\n"},
		{[]string{"INCRBYFLOAT", "nf6", "1p3"}, "-ERR value is not a valid float\r\n"},
		{[]string{"INCRBYFLOAT", "nf6", "abc"}, "-ERR value is not a valid float\r\n"},
		{[]string{"INCRBYFLOAT", "nf6", ""}, "-ERR value is not a valid float\r\n"},
		{[]string{"INCRBYFLOAT", "nf6", " 1"}, "-ERR value is not a valid float\r\n"},
		{[]string{"INCRBYFLOAT", "nf6", "1 "}, "-ERR value is not a valid float\r\n"},
		{[]string{"INCRBYFLOAT", "nf6", "."}, "-ERR value is not a valid float\r\n"},
		{[]string{"INCRBYFLOAT", "nf6", "1."}, "$4\r\n16.5\r\n"},
		{[]string{"INCRBYFLOAT", "nf6", ".5"}, "$2\r\n17\r\n"},
		{[]string{"INCRBYFLOAT", "nf6", "1e+2"}, "$3\r\n117\r\n"},
		{[]string{"INCRBYFLOAT", "nf6", "1E-2"}, "$6\r\n117.01\r\n"},
		{[]string{"INCRBYFLOAT", "nf7", "-1.1"}, "$4\r\n-1.1\r\n"},
		{[]string{"INCRBYFLOAT", "nf7", "1.1"}, "$1\r\n0\r\n"},
		{[]string{"INCRBYFLOAT", "nf8", "17179869184"}, "$11\r\n17179869184\r\n"},
		{[]string{"INCRBYFLOAT", "nf8", "1.5"}, "$13\r\n17179869185.5\r\n"},
		{[]string{"INCRBYFLOAT", "nf9", "123456789012345678901234567890"}, "$30\r\n123456789012345678899921813504\r\n"},
		{[]string{"INCRBYFLOAT", "nf10", "-0.00000000000000001"}, "$20\r\n-0.00000000000000001\r\n"},
		{[]string{"INCRBYFLOAT", "nf11", "0.000000000000000005"}, "$1\r\n0\r\n"},
		{[]string{"INCRBYFLOAT", "nf12", "0.000000000000000015"}, "$19\r\n0.00000000000000002\r\n"},
		{[]string{"INCRBYFLOAT", "nf13", "0.000000000000000025"}, "$19\r\n0.00000000000000002\r\n"},
		{[]string{"INCRBYFLOAT", "nf14", "-0.0"}, "$1\r\n0\r\n"},
		{[]string{"INCRBYFLOAT", "nf15", "3.14159265358979323846"}, "$19\r\n3.14159265358979324\r\n"},
		{[]string{"INCRBYFLOAT", "nf16", "1e20"}, "$21\r\n100000000000000000000\r\n"},
		{[]string{"INCRBYFLOAT", "nf16", "1e21"}, "$22\r\n1100000000000000000000\r\n"},
		{[]string{"INCRBYFLOAT", "nf17", "0.0000001"}, "$9\r\n0.0000001\r\n"},
		{[]string{"INCRBYFLOAT", "nf18", "1e-300"}, "$1\r\n0\r\n"},
		{[]string{"SET", "fi", "inf"}, "+OK\r\n"},
		{[]string{"INCRBYFLOAT", "fi", "1"}, "-ERR increment would produce NaN or Infinity\r\n"},
		{[]string{"SET", "fs"}, "-ERR wrong number of arguments for 'set' command\r\n"},
		{[]string{"SET", "fs", "  1"}, "+OK\r\n"},
		{[]string{"INCRBYFLOAT", "fs", "1"}, "-ERR value is not a valid float\r\n"},
		{[]string{"SET", "fx", "0x10"}, "+OK\r\n"},
		{[]string{"INCRBYFLOAT", "fx", "1"}, "$2\r\n17\r\n"},
		{[]string{"SET", "fb", "1e4932"}, "+OK\r\n"},
		{[]string{"INCRBYFLOAT", "fb", "1e4932"}, "-ERR increment would produce NaN or Infinity\r\n"},
		{[]string{"INCRBYFLOAT", "h", "1"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"INCRBYFLOAT", "h", "abc"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"INCRBYFLOAT", "e", "1"}, "-ERR value is not a valid float\r\n"},
		{[]string{"INCRBYFLOAT"}, "-ERR wrong number of arguments for 'incrbyfloat' command\r\n"},
		{[]string{"INCRBYFLOAT", "a"}, "-ERR wrong number of arguments for 'incrbyfloat' command\r\n"},
	})
}

// INCRBYFLOAT works in long double: its range and its digits are Redis's.
func TestStringIncrbyfloatLongDouble(t *testing.T) {
	rc := testRaw(t, testServer(t, 1))
	got := rc.do("INCRBYFLOAT", "k", "1e4000")
	require.True(t, strings.HasPrefix(got, "$4000\r\n999999999999999999996546387309962378493249258350695763130150"), got[:80])
	require.True(t, strings.HasSuffix(got, "1956972190272729951206648276349901340672\r\n"))
	require.Equal(t, "+OK\r\n", rc.do("SET", "k", "1e4932"))
	got = rc.do("INCRBYFLOAT", "k", "0")
	require.True(t, strings.HasPrefix(got, "$4933\r\n100000000000000000000601894938796389132383777425453311477378"), got[:80])
	require.True(t, strings.HasSuffix(got, "0876379371163141086538418113791886622720\r\n"))
	require.Equal(t, "-ERR increment would produce NaN or Infinity\r\n", rc.do("INCRBYFLOAT", "k", "1e4932"))
	require.Equal(t, "-ERR value is not a valid float\r\n", rc.do("INCRBYFLOAT", "k", strings.Repeat("1", 5120)))
	require.Equal(t, "$1\r\n1\r\n", rc.do("INCRBYFLOAT", "k2", "0."+strings.Repeat("9", 5000)))
}

func TestStringRangesAndLcs(t *testing.T) {
	srv := testServer(t, 2)
	runStrCases(t, srv, testRaw(t, srv), []strCase{
		{[]string{"SET", "s", "Hello World"}, "+OK\r\n"},
		{[]string{"GETRANGE", "s", "0", "4"}, "$5\r\nHello\r\n"},
		{[]string{"GETRANGE", "s", "-5", "-1"}, "$5\r\nWorld\r\n"},
		{[]string{"GETRANGE", "s", "-1", "-5"}, "$0\r\n\r\n"},
		{[]string{"GETRANGE", "s", "5", "3"}, "$0\r\n\r\n"},
		{[]string{"GETRANGE", "s", "0", "-100"}, "$1\r\nH\r\n"},
		{[]string{"GETRANGE", "s", "-100", "-100"}, "$1\r\nH\r\n"},
		{[]string{"GETRANGE", "s", "100", "200"}, "$0\r\n\r\n"},
		{[]string{"GETRANGE", "s", "0", "9223372036854775807"}, "$11\r\nHello World\r\n"},
		{[]string{"GETRANGE", "s", "-9223372036854775808", "-1"}, "$11\r\nHello World\r\n"},
		{[]string{"GETRANGE", "s", "-9223372036854775808", "9223372036854775807"}, "$11\r\nHello World\r\n"},
		{[]string{"GETRANGE", "s", "a", "1"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"GETRANGE", "s", "0", "a"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"GETRANGE", "nokey", "0", "1"}, "$0\r\n\r\n"},
		{[]string{"GETRANGE", "nokey", "a", "1"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"SUBSTR", "s", "0", "4"}, "$5\r\nHello\r\n"},
		{[]string{"SUBSTR", "s", "-3", "-1"}, "$3\r\nrld\r\n"},
		{[]string{"HSET", "h", "f", "v"}, ":1\r\n"},
		{[]string{"GETRANGE", "h", "0", "1"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"GETRANGE", "h", "a", "1"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"SET", "e", ""}, "+OK\r\n"},
		{[]string{"GETRANGE", "e", "0", "-1"}, "$0\r\n\r\n"},
		{[]string{"GETRANGE", "e", "0", "0"}, "$0\r\n\r\n"},
		{[]string{"GETRANGE", "e", "-1", "0"}, "$0\r\n\r\n"},
		{[]string{"GETRANGE", "s", "0"}, "-ERR wrong number of arguments for 'getrange' command\r\n"},
		{[]string{"SUBSTR", "s"}, "-ERR wrong number of arguments for 'substr' command\r\n"},
		{[]string{"SETRANGE", "sr", "5", "abc"}, ":8\r\n"},
		{[]string{"GET", "sr"}, "$8\r\n\x00\x00\x00\x00\x00abc\r\n"},
		{[]string{"SETRANGE", "sr", "0", "xy"}, ":8\r\n"},
		{[]string{"GET", "sr"}, "$8\r\nxy\x00\x00\x00abc\r\n"},
		{[]string{"SETRANGE", "sr", "6", "longer"}, ":12\r\n"},
		{[]string{"GET", "sr"}, "$12\r\nxy\x00\x00\x00alonger\r\n"},
		{[]string{"SETRANGE", "sr", "-1", "a"}, "-ERR offset is out of range\r\n"},
		{[]string{"SETRANGE", "sr", "abc", "a"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"SETRANGE", "sr", "0", ""}, ":12\r\n"},
		{[]string{"SETRANGE", "nosr", "0", ""}, ":0\r\n"},
		{[]string{"SETRANGE", "nosr", "10", ""}, ":0\r\n"},
		{[]string{"EXISTS", "nosr"}, ":0\r\n"},
		{[]string{"SETRANGE", "h", "0", "a"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SETRANGE", "h", "0", ""}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SETRANGE", "h", "-1", "a"}, "-ERR offset is out of range\r\n"},
		{[]string{"SETRANGE", "sr", "536870912", "a"}, "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"},
		{[]string{"SETRANGE", "sr", "9223372036854775807", "a"}, "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"},
		{[]string{"SETRANGE", "nosr2", "536870912", ""}, ":0\r\n"},
		{[]string{"SETRANGE", "nosr3", "536870912", "a"}, "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"},
		{[]string{"SETRANGE", "h", "536870912", "a"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"SETRANGE", "sr", "1"}, "-ERR wrong number of arguments for 'setrange' command\r\n"},
		{[]string{"APPEND", "ap", "hello"}, ":5\r\n"},
		{[]string{"APPEND", "ap", " world"}, ":11\r\n"},
		{[]string{"GET", "ap"}, "$11\r\nhello world\r\n"},
		{[]string{"APPEND", "ap", ""}, ":11\r\n"},
		{[]string{"APPEND", "h", "x"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"APPEND", "nk", ""}, ":0\r\n"},
		{[]string{"EXISTS", "nk"}, ":1\r\n"},
		{[]string{"APPEND", "ap"}, "-ERR wrong number of arguments for 'append' command\r\n"},
		{[]string{"STRLEN", "ap"}, ":11\r\n"},
		{[]string{"STRLEN", "nokey"}, ":0\r\n"},
		{[]string{"STRLEN", "h"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"STRLEN", "e"}, ":0\r\n"},
		{[]string{"STRLEN"}, "-ERR wrong number of arguments for 'strlen' command\r\n"},
		{[]string{"STRLEN", "a", "b"}, "-ERR wrong number of arguments for 'strlen' command\r\n"},
		{[]string{"SET", "a", "ohmytext"}, "+OK\r\n"},
		{[]string{"SET", "b", "mynewtext"}, "+OK\r\n"},
		{[]string{"LCS", "a", "b"}, "$6\r\nmytext\r\n"},
		{[]string{"LCS", "a", "b", "LEN"}, ":6\r\n"},
		{[]string{"LCS", "a", "b", "len"}, ":6\r\n"},
		{[]string{"LCS", "a", "b", "IDX"}, "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"},
		{[]string{"LCS", "a", "b", "idx", "MINMATCHLEN", "4"}, "*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n"},
		{[]string{"LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n"},
		{[]string{"LCS", "a", "b", "IDX", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n"},
		{[]string{"LCS", "a", "b", "LEN", "IDX"}, "-ERR If you want both the length and indexes, please just use IDX.\r\n"},
		{[]string{"LCS", "a", "b", "MINMATCHLEN"}, "-ERR syntax error\r\n"},
		{[]string{"LCS", "a", "b", "MINMATCHLEN", "x"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"LCS", "a", "b", "MINMATCHLEN", "-5", "IDX"}, "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"},
		{[]string{"LCS", "a", "b", "FOO"}, "-ERR syntax error\r\n"},
		{[]string{"LCS", "a", "nokey"}, "$0\r\n\r\n"},
		{[]string{"LCS", "a", "nokey", "IDX"}, "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n"},
		{[]string{"LCS", "a", "h"}, "-ERR The specified keys must contain string values\r\n"},
		{[]string{"LCS", "h", "a"}, "-ERR The specified keys must contain string values\r\n"},
		{[]string{"LCS", "a", "h", "FOO"}, "-ERR The specified keys must contain string values\r\n"},
		{[]string{"LCS", "a", "b", "MINMATCHLEN", "x", "FOO"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"LCS", "a", "b", "LEN", "FOO"}, "-ERR syntax error\r\n"},
		{[]string{"LCS", "nokey1", "nokey2", "LEN"}, ":0\r\n"},
		{[]string{"LCS", "a", "b", "WITHMATCHLEN"}, "$6\r\nmytext\r\n"},
		{[]string{"LCS", "a", "b", "MINMATCHLEN", "2"}, "$6\r\nmytext\r\n"},
		{[]string{"SET", "c1", "ABCBDAB"}, "+OK\r\n"},
		{[]string{"SET", "c2", "BDCABA"}, "+OK\r\n"},
		{[]string{"LCS", "c1", "c2"}, "$4\r\nBDAB\r\n"},
		{[]string{"LCS", "c1", "c2", "IDX", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:5\r\n:6\r\n*2\r\n:3\r\n:4\r\n:2\r\n*3\r\n*2\r\n:3\r\n:4\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:4\r\n"},
		{[]string{"LCS", "c2", "c1", "IDX"}, "*4\r\n$7\r\nmatches\r\n*4\r\n*2\r\n*2\r\n:5\r\n:5\r\n*2\r\n:5\r\n:5\r\n*2\r\n*2\r\n:4\r\n:4\r\n*2\r\n:3\r\n:3\r\n*2\r\n*2\r\n:2\r\n:2\r\n*2\r\n:2\r\n:2\r\n*2\r\n*2\r\n:0\r\n:0\r\n*2\r\n:1\r\n:1\r\n$3\r\nlen\r\n:4\r\n"},
		{[]string{"LCS", "c1", "c1", "IDX"}, "*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:0\r\n:6\r\n*2\r\n:0\r\n:6\r\n$3\r\nlen\r\n:7\r\n"},
		{[]string{"LCS", "a"}, "-ERR wrong number of arguments for 'lcs' command\r\n"},
		{[]string{"LCS"}, "-ERR wrong number of arguments for 'lcs' command\r\n"},
	})
}

// proto-max-bulk-len bounds what SETRANGE, APPEND and bit offsets reach and
// LCS's transient table.
func TestStringSizeLimits(t *testing.T) {
	srv := testServer(t, 1, "--proto-max-bulk-len", "1mb")
	rc := testRaw(t, srv)
	runStrCases(t, srv, rc, []strCase{
		{[]string{"SETRANGE", "k", "1048575", "x"}, ":1048576\r\n"},
		{[]string{"SETRANGE", "k", "1048576", "x"}, "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"},
		{[]string{"SETRANGE", "k", "1048575", "xy"}, "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"},
		{[]string{"APPEND", "k", "y"}, "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"},
		{[]string{"APPEND", "k", ""}, ":1048576\r\n"},
		{[]string{"GETBIT", "k", "8388607"}, ":0\r\n"},
		{[]string{"GETBIT", "k", "8388608"}, "-ERR bit offset is not an integer or out of range\r\n"},
		{[]string{"SETBIT", "k", "8388608", "1"}, "-ERR bit offset is not an integer or out of range\r\n"},
		{[]string{"BITFIELD", "k", "GET", "u8", "#1048575"}, "*1\r\n:120\r\n"},
		{[]string{"BITFIELD", "k", "GET", "u8", "#1048576"}, "-ERR bit offset is not an integer or out of range\r\n"},
		{[]string{"SET", "a", strings.Repeat("a", 600)}, "+OK\r\n"},
		{[]string{"LCS", "a", "a", "LEN"}, "-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n"},
		{[]string{"SET", "a", strings.Repeat("ab", 250)}, "+OK\r\n"},
		{[]string{"SET", "b", strings.Repeat("ba", 250)}, "+OK\r\n"},
		{[]string{"LCS", "a", "b", "LEN"}, ":499\r\n"},
		{[]string{"STRLEN", "k"}, ":1048576\r\n"},
	})
	require.Equal(t, "$499\r\n"+strings.Repeat("ba", 249)+"b\r\n", rc.do("LCS", "a", "b"))
}

// strPeek reads a key's entry on its shard's loop.
func strPeek(t *testing.T, srv *Server, key string) (store.Entry, bool) {
	t.Helper()
	type result struct {
		e  store.Entry
		ok bool
	}
	ch := make(chan result, 1)
	srv.shardOf([]byte(key)).post(message{ctrl: true, fn: func(s *Shard) {
		e, ok := s.dbs[0].Get([]byte(key))
		e.Str = bytes.Clone(e.Str)
		ch <- result{e, ok}
	}})
	select {
	case r := <-ch:
		return r.e, r.ok
	case <-time.After(10 * time.Second):
		t.Fatal("shard did not answer")
		return store.Entry{}, false
	}
}

// Which commands keep a key's TTL and which reset it.
func TestStringTTLKeeping(t *testing.T) {
	srv := testServer(t, 1)
	rc := testRaw(t, srv)
	ttl := func(key string) int64 {
		e, ok := strPeek(t, srv, key)
		require.True(t, ok, key)
		return e.ExpireAt
	}
	before := time.Now().UnixMilli()
	require.Equal(t, "+OK\r\n", rc.do("SET", "k", "1", "EX", "100"))
	at := ttl("k")
	require.GreaterOrEqual(t, at, before+100_000)
	require.LessOrEqual(t, at, time.Now().UnixMilli()+100_000)
	for _, cmd := range [][]string{
		{"INCR", "k"}, {"DECRBY", "k", "3"}, {"INCRBYFLOAT", "k", "1.5"}, {"APPEND", "k", "0"},
		{"SETRANGE", "k", "0", "7"}, {"SETBIT", "k", "100", "1"}, {"BITFIELD", "k", "SET", "u8", "0", "65"},
		{"SET", "k", "v", "KEEPTTL"}, {"GETEX", "k"}, {"SET", "k", "v", "XX", "KEEPTTL", "GET"},
	} {
		rc.do(cmd...)
		require.Equal(t, at, ttl("k"), "%q", cmd)
	}
	for _, cmd := range [][]string{{"SET", "k", "v"}, {"GETSET", "k", "v"}, {"MSET", "k", "v"}, {"GETEX", "k", "PERSIST"}, {"BITOP", "NOT", "k", "k"}} {
		require.Equal(t, "+OK\r\n", rc.do("SET", "k", "1", "PXAT", "4102444800000"))
		require.Equal(t, int64(4102444800000), ttl("k"))
		rc.do(cmd...)
		require.Zero(t, ttl("k"), "%q", cmd)
	}
	require.Equal(t, "+OK\r\n", rc.do("SET", "k", "v"))
	require.Equal(t, "$1\r\nv\r\n", rc.do("GETEX", "k", "EXAT", "4102444800"))
	require.Equal(t, int64(4102444800000), ttl("k"))
	require.Equal(t, "+OK\r\n", rc.do("PSETEX", "k", "5000", "v"))
	require.InDelta(t, time.Now().UnixMilli()+5000, ttl("k"), 2000)
	require.Equal(t, "+OK\r\n", rc.do("SETEX", "k", "50", "v"))
	require.InDelta(t, time.Now().UnixMilli()+50_000, ttl("k"), 2000)
}

// effectLog records what shards log for the durability contract; the rest
// of Persistence does nothing.
type effectLog struct {
	nopPersistence
	mu   sync.Mutex
	recs []loggedEffect
	ends []loggedEffect // EndTx calls: shard, txid, parts
}

type loggedEffect struct {
	shard int
	txid  uint64
	parts int
	cmd   string
}

func (l *effectLog) Log(shard, _ int, args [][]byte, txid uint64) {
	words := make([]string, len(args))
	for i, a := range args {
		words[i] = string(a)
	}
	l.mu.Lock()
	l.recs = append(l.recs, loggedEffect{shard: shard, txid: txid, cmd: strings.Join(words, " ")})
	l.mu.Unlock()
}

func (l *effectLog) EndTx(shard int, txid uint64, parts int) {
	l.mu.Lock()
	l.ends = append(l.ends, loggedEffect{shard: shard, txid: txid, parts: parts})
	l.mu.Unlock()
}

func (l *effectLog) takeEnds() []loggedEffect {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.ends
	l.ends = nil
	return out
}

func (l *effectLog) take() []loggedEffect {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.recs
	l.recs = nil
	return out
}

func (l *effectLog) cmds() []string {
	var out []string
	for _, r := range l.take() {
		out = append(out, r.cmd)
	}
	return out
}

func testServerWithLog(t *testing.T, shards int) (*Server, *effectLog) {
	t.Helper()
	cfg, err := config.Parse([]string{"--port", "0", "--bind", "127.0.0.1", "--dir", t.TempDir(), "--shards", strconv.Itoa(shards)})
	require.NoError(t, err)
	log := &effectLog{}
	srv, err := NewServer(cfg, Options{Persistence: log})
	require.NoError(t, err)
	srv.Start()
	t.Cleanup(srv.Stop)
	return srv, log
}

// Every write logs a deterministic effect: absolute expiry times, SET for
// INCRBYFLOAT and GETSET, DEL for GETDEL and past expiry times, no GET
// option; failed and no-op commands log nothing.
func TestStringEffects(t *testing.T) {
	srv, log := testServerWithLog(t, 1)
	rc := testRaw(t, srv)
	// pxat checks a logged "<prefix> <abs ms>" against a relative TTL.
	pxat := func(cmd []string, prefix string, ttl int64) {
		t.Helper()
		before := time.Now().UnixMilli()
		rc.do(cmd...)
		after := time.Now().UnixMilli()
		got := log.cmds()
		require.Len(t, got, 1, "%q", cmd)
		rest, ok := strings.CutPrefix(got[0], prefix+" ")
		require.True(t, ok, "%q logged %q", cmd, got[0])
		at, err := strconv.ParseInt(rest, 10, 64)
		require.NoError(t, err)
		require.GreaterOrEqual(t, at, before+ttl-1000, "%q", cmd)
		require.LessOrEqual(t, at, after+ttl+1000, "%q", cmd)
	}
	pxat([]string{"SET", "k", "v", "EX", "100"}, "SET k v PXAT", 100_000)
	pxat([]string{"SET", "k", "v", "PX", "5000", "GET", "XX"}, "SET k v PXAT", 5000)
	pxat([]string{"SETEX", "k", "10", "v"}, "SET k v PXAT", 10_000)
	pxat([]string{"PSETEX", "k", "10", "v"}, "SET k v PXAT", 10)
	pxat([]string{"GETEX", "k", "EX", "100"}, "PEXPIREAT k", 100_000)
	pxat([]string{"GETEX", "k", "PX", "100"}, "PEXPIREAT k", 100)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"SET", "k", "v", "EXAT", "4102444800"}, []string{"SET k v PXAT 4102444800000"}},
		{[]string{"GETEX", "k", "PXAT", "4102444800001"}, []string{"PEXPIREAT k 4102444800001"}},
		{[]string{"GETEX", "k"}, nil},
		{[]string{"GETEX", "k", "PERSIST"}, []string{"PERSIST k"}},
		{[]string{"GETEX", "k", "PERSIST"}, nil},
		{[]string{"SET", "k", "v2", "GET"}, []string{"SET k v2"}},
		{[]string{"SET", "k", "v3", "get", "KEEPTTL", "GET"}, []string{"SET k v3 KEEPTTL"}},
		{[]string{"SET", "k", "v4", "NX"}, nil},
		{[]string{"SET", "k", "v4", "NX", "GET"}, nil},
		{[]string{"SET", "k", "v5", "XX"}, []string{"SET k v5 XX"}},
		{[]string{"SET", "k", "v", "EXAT", "1"}, []string{"DEL k"}},
		{[]string{"SET", "k", "v", "PXAT", "1", "GET"}, nil},
		{[]string{"SETNX", "k", "1"}, []string{"SETNX k 1"}},
		{[]string{"SETNX", "k", "2"}, nil},
		{[]string{"GETSET", "k", "10.5"}, []string{"SET k 10.5"}},
		{[]string{"INCRBYFLOAT", "k", "0.1"}, []string{"SET k 10.6 KEEPTTL"}},
		{[]string{"INCRBYFLOAT", "k", "abc"}, nil},
		{[]string{"GETDEL", "k"}, []string{"DEL k"}},
		{[]string{"GETDEL", "k"}, nil},
		{[]string{"INCR", "k"}, []string{"INCR k"}},
		{[]string{"GETEX", "k", "EXAT", "1"}, []string{"DEL k"}},
		{[]string{"APPEND", "k", "ab"}, []string{"APPEND k ab"}},
		{[]string{"SETRANGE", "k", "1", ""}, nil},
		{[]string{"SETRANGE", "k", "1", "c"}, []string{"SETRANGE k 1 c"}},
		{[]string{"INCR", "k"}, nil},
		{[]string{"MSET", "k", "1", "j", "2"}, []string{"MSET k 1 j 2"}},
		{[]string{"MSETNX", "k", "1", "i", "2"}, nil},
		{[]string{"MSETNX", "h", "1", "i", "2"}, []string{"MSETNX h 1 i 2"}},
		{[]string{"SETBIT", "b", "3", "1"}, []string{"SETBIT b 3 1"}},
		{[]string{"SETBIT", "b", "3", "1"}, nil},
		{[]string{"SETBIT", "b", "30", "0"}, []string{"SETBIT b 30 0"}},
		{[]string{"BITFIELD", "b", "GET", "u8", "0"}, nil},
		{[]string{"BITFIELD", "b", "SET", "u8", "0", "16"}, nil},
		{[]string{"BITFIELD", "b", "SET", "u8", "0", "17"}, []string{"BITFIELD b SET u8 0 17"}},
		{[]string{"BITFIELD", "nb", "OVERFLOW", "FAIL", "SET", "u2", "0", "7"}, []string{"BITFIELD nb OVERFLOW FAIL SET u2 0 7"}},
		{[]string{"BITOP", "AND", "d", "b", "nb"}, []string{"BITOP AND d b nb"}},
		{[]string{"BITOP", "AND", "d", "none"}, []string{"BITOP AND d none"}},
		{[]string{"BITOP", "AND", "d", "none"}, nil},
		{[]string{"GET", "b"}, nil},
	} {
		rc.do(tc.args...)
		require.Equal(t, tc.want, log.cmds(), "%q", tc.args)
	}
}

// MSET, MSETNX, MGET and LCS whose keys live on two shards.
func TestStringCrossShard(t *testing.T) {
	srv, log := testServerWithLog(t, 2)
	require.NotEqual(t, srv.shardOf([]byte("{a}")), srv.shardOf([]byte("{b}")))
	rc := testRaw(t, srv)
	runStrCases(t, srv, rc, []strCase{
		{[]string{"MSET", "{a}x", "1", "{b}y", "2"}, "+OK\r\n"},
		{[]string{"MGET", "{a}x", "{b}y", "{a}none", "{b}none"}, "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n$-1\r\n"},
		{[]string{"MSET", "{a}x", "3", "{b}y"}, "-ERR wrong number of arguments for 'mset' command\r\n"},
		{[]string{"MSETNX", "{a}x", "3", "{b}y"}, "-ERR wrong number of arguments for 'msetnx' command\r\n"},
		{[]string{"MSETNX", "{a}new", "3", "{b}y", "4"}, ":0\r\n"},
		{[]string{"MSETNX", "{a}x", "3", "{b}new", "4"}, ":0\r\n"},
		{[]string{"MGET", "{a}new", "{b}new", "{a}x", "{b}y"}, "*4\r\n$-1\r\n$-1\r\n$1\r\n1\r\n$1\r\n2\r\n"},
	})
	log.takeEnds()
	var logged []string
	for _, r := range log.take() {
		logged = append(logged, r.cmd)
	}
	require.Equal(t, []string{"MSET {a}x 1", "MSET {b}y 2"}, slices.Sorted(slices.Values(logged)), "only the first MSET wrote")

	require.Equal(t, ":1\r\n", rc.do("MSETNX", "{a}n1", "v1", "{b}n2", "v2", "{a}n3", "v3"))
	recs := log.take()
	require.Len(t, recs, 2)
	require.NotZero(t, recs[0].txid)
	require.Equal(t, recs[0].txid, recs[1].txid, "one transaction")
	var ended []int
	for _, e := range log.takeEnds() {
		if e.txid == recs[0].txid {
			require.Equal(t, 2, e.parts)
			ended = append(ended, e.shard)
		}
	}
	require.ElementsMatch(t, []int{0, 1}, ended, "both parts closed")
	require.Equal(t, []string{"MSET {a}n1 v1 {a}n3 v3", "MSET {b}n2 v2"}, slices.Sorted(slices.Values([]string{recs[0].cmd, recs[1].cmd})))
	require.Equal(t, "*3\r\n$2\r\nv1\r\n$2\r\nv2\r\n$2\r\nv3\r\n", rc.do("MGET", "{a}n1", "{b}n2", "{a}n3"))

	runStrCases(t, srv, rc, []strCase{
		{[]string{"SET", "{a}s", "ohmytext"}, "+OK\r\n"},
		{[]string{"SET", "{b}s", "mynewtext"}, "+OK\r\n"},
		{[]string{"LCS", "{a}s", "{b}s"}, "$6\r\nmytext\r\n"},
		{[]string{"LCS", "{a}s", "{b}s", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n"},
		{[]string{"LCS", "{a}s", "{b}none", "LEN"}, ":0\r\n"},
		{[]string{"HSET", "{b}h", "f", "v"}, ":1\r\n"},
		{[]string{"LCS", "{a}s", "{b}h"}, "-ERR The specified keys must contain string values\r\n"},
		{[]string{"LCS", "{a}s", "{b}s", "LEN", "IDX"}, "-ERR If you want both the length and indexes, please just use IDX.\r\n"},
	})
}

func TestStringGoRedis(t *testing.T) {
	srv := testServer(t, 2)
	c := testClient(t, srv)
	ctx := ctxb()
	require.NoError(t, c.Set(ctx, "{a}k", "hello", time.Minute).Err())
	v, err := c.Get(ctx, "{a}k").Result()
	require.NoError(t, err)
	require.Equal(t, "hello", v)
	require.Equal(t, redis.Nil, c.Get(ctx, "missing").Err())
	old, err := c.SetArgs(ctx, "{a}k", "world", redis.SetArgs{Get: true, KeepTTL: true}).Result()
	require.NoError(t, err)
	require.Equal(t, "hello", old)
	ok, err := c.SetNX(ctx, "{a}k", "x", 0).Result()
	require.NoError(t, err)
	require.False(t, ok)
	require.Equal(t, int64(11), c.Append(ctx, "{a}k", " again").Val())
	require.Equal(t, "again", c.GetRange(ctx, "{a}k", -5, -1).Val())
	require.Equal(t, int64(11), c.StrLen(ctx, "{a}k").Val())
	require.Equal(t, int64(1), c.Incr(ctx, "{b}n").Val())
	require.Equal(t, int64(0), c.Decr(ctx, "{b}n").Val())
	require.Equal(t, int64(10), c.IncrBy(ctx, "{b}n", 10).Val())
	require.Equal(t, 10.5, c.IncrByFloat(ctx, "{b}n", 0.5).Val())
	require.NoError(t, c.MSet(ctx, "{a}m", "1", "{b}m", "2").Err())
	require.Equal(t, []any{"1", "2", nil}, c.MGet(ctx, "{a}m", "{b}m", "{c}m").Val())
	require.False(t, c.MSetNX(ctx, "{a}m", "3", "{b}z", "4").Val())
	require.True(t, c.MSetNX(ctx, "{a}y", "3", "{b}z", "4").Val())
	require.Equal(t, "4", c.GetDel(ctx, "{b}z").Val())
	require.Equal(t, "3", c.GetEx(ctx, "{a}y", time.Hour).Val())
	e, ok := strPeek(t, srv, "{a}y")
	require.True(t, ok)
	require.InDelta(t, time.Now().Add(time.Hour).UnixMilli(), e.ExpireAt, 5000)
	require.Equal(t, "3", c.GetSet(ctx, "{a}y", "4").Val())
	require.NoError(t, c.Set(ctx, "{b}s", "mynewtext", 0).Err())
	require.NoError(t, c.Set(ctx, "{a}s", "ohmytext", 0).Err())
	lcs, err := c.LCS(ctx, &redis.LCSQuery{Key1: "{a}s", Key2: "{b}s"}).Result()
	require.NoError(t, err)
	require.Equal(t, "mytext", lcs.MatchString)
	lcs, err = c.LCS(ctx, &redis.LCSQuery{Key1: "{a}s", Key2: "{b}s", Idx: true, WithMatchLen: true, MinMatchLen: 4}).Result()
	require.NoError(t, err)
	require.Equal(t, int64(6), lcs.Len)
	require.Equal(t, []redis.LCSMatchedPosition{{Key1: redis.LCSPosition{Start: 4, End: 7}, Key2: redis.LCSPosition{Start: 5, End: 8}, MatchLen: 4}}, lcs.Matches)

	require.Equal(t, int64(0), c.SetBit(ctx, "{a}bits", 7, 1).Val())
	require.Equal(t, int64(1), c.GetBit(ctx, "{a}bits", 7).Val())
	require.Equal(t, int64(1), c.BitCount(ctx, "{a}bits", nil).Val())
	require.Equal(t, int64(7), c.BitPos(ctx, "{a}bits", 1).Val())
	require.Equal(t, []int64{0, 100}, c.BitField(ctx, "{b}bf", "SET", "i8", 0, 100, "GET", "i8", 0).Val())
	require.Equal(t, int64(1), c.BitOpOr(ctx, "{b}dest", "{a}bits", "{b}bf").Val())
	require.Equal(t, "e", c.Get(ctx, "{b}dest").Val())
}

func TestStringEncodingRules(t *testing.T) {
	for in, want := range map[string]string{
		"0": "int", "-1": "int", "9223372036854775807": "int", "-9223372036854775808": "int",
		"9223372036854775808": "embstr", "01": "embstr", "+1": "embstr", " 1": "embstr", "1.5": "embstr", "": "embstr",
		strings.Repeat("x", 44): "embstr", strings.Repeat("x", 45): "raw", strings.Repeat("1", 45): "raw",
	} {
		assert.Equal(t, want, stringEncoding([]byte(in)), "%q", in)
	}
}

func TestLongDoubleText(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0", "-0": "0", "1.5": "1.5", "0.1": "0.1", "1e-18": "0", "-1e-18": "0", "-2.5": "-2.5", "123456789.123456789": "123456789.12345678899873747",
		"0x1p-1": "0.5", "INF": "", "-inf": "", "1e": "", "0x": "", "0x.p1": "", "1..2": "", "--1": "", "+-1": "", "1e+": "", "0xg": "",
		"1e99999999999999999999": "", "1e-99999999999999999999": "", "0e99999999999999999999": "0",
	} {
		f, ok := parseLongDouble([]byte(in))
		if want == "" {
			if ok {
				require.True(t, f.IsInf(), "%q parsed as %v", in, f)
			}
			continue
		}
		require.True(t, ok, "%q", in)
		require.Equal(t, want, formatLongDouble(f), "%q", in)
	}
}

// RESP3 shapes: LCS IDX is a map, missing values and failed BITFIELD
// operations are nulls.
func TestStringResp3(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	require.True(t, strings.HasPrefix(rc.do("HELLO", "3"), "%"))
	runStrCases(t, srv, rc, []strCase{
		{[]string{"SET", "a", "ohmytext"}, "+OK\r\n"},
		{[]string{"SET", "b", "mynewtext"}, "+OK\r\n"},
		{[]string{"LCS", "a", "b", "IDX"}, "%2\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"},
		{[]string{"GET", "nokey"}, "_\r\n"},
		{[]string{"MGET", "a", "nokey"}, "*2\r\n$8\r\nohmytext\r\n_\r\n"},
		{[]string{"SET", "a", "v", "NX"}, "_\r\n"},
		{[]string{"BITFIELD", "bf", "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "1000"}, "*1\r\n_\r\n"},
	})
}
