package main

import (
	"bytes"
	"strconv"
	"strings"
)

// keyless are the logged effects without keys; every shard they concern
// logs them.
var keyless = map[string]bool{"flushall": true, "flushdb": true, "swapdb": true}

// keysOf returns the keys a logged effect touches, by the Redis key specs
// of the write commands (the effects are write commands; most have one key
// at argument 1).
func keysOf(args [][]byte) [][]byte {
	if len(args) < 2 {
		return nil
	}
	name := strings.ToLower(string(args[0]))
	from := func(i, step int, end int) [][]byte {
		var out [][]byte
		for ; i < end && i < len(args); i += step {
			out = append(out, args[i])
		}
		return out
	}
	numkeys := func(at int) int {
		if at >= len(args) {
			return 0
		}
		n, err := strconv.Atoi(string(args[at]))
		if err != nil || n < 0 {
			return 0
		}
		return n
	}
	switch name {
	case "flushall", "flushdb", "swapdb", "select", "multi", "exec", "discard", "ping", "publish", "spublish",
		"function", "script", "eval", "evalsha", "fcall":
		return nil
	case "del", "unlink", "touch", "exists", "sinterstore", "sunionstore", "sdiffstore", "pfmerge", "watch", "mget":
		return from(1, 1, len(args))
	case "mset", "msetnx":
		return from(1, 2, len(args))
	case "rename", "renamenx", "copy", "lmove", "blmove", "rpoplpush", "brpoplpush", "smove", "zrangestore", "geosearchstore":
		return from(1, 1, 3)
	case "bitop":
		return from(2, 1, len(args))
	case "zunionstore", "zinterstore", "zdiffstore":
		return append([][]byte{args[1]}, from(3, 1, 3+numkeys(2))...)
	case "lmpop", "zmpop", "sintercard", "zinter", "zunion", "zdiff":
		return from(2, 1, 2+numkeys(1))
	case "blmpop", "bzmpop":
		return from(3, 1, 3+numkeys(2))
	case "blpop", "brpop", "bzpopmin", "bzpopmax":
		return from(1, 1, len(args)-1)
	case "sort", "sort_ro", "georadius", "georadiusbymember":
		keys := [][]byte{args[1]}
		for i := 2; i+1 < len(args); i++ {
			if opt := strings.ToLower(string(args[i])); opt == "store" || opt == "storedist" {
				keys = append(keys, args[i+1])
			}
		}
		return keys
	case "xread", "xreadgroup":
		for i := 1; i < len(args); i++ {
			if bytes.EqualFold(args[i], []byte("streams")) {
				rest := args[i+1:]
				return rest[:len(rest)/2]
			}
		}
		return nil
	}
	return args[1:2]
}

// keyPrefix is a key's prefix for stats: up to its first ':'.
func keyPrefix(key []byte) string {
	if i := bytes.IndexByte(key, ':'); i >= 0 {
		return string(key[:i+1]) + "*"
	}
	return "(none)"
}
