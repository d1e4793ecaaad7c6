package shardcore

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDebugDigest(t *testing.T) {
	a := testServer(t, 2, "--enable-debug-command", "yes")
	b := testServer(t, 3, "--enable-debug-command", "yes")
	ra, rb := testRaw(t, a), testRaw(t, b)
	zero := "+0000000000000000000000000000000000000000\r\n"
	require.Equal(t, zero, ra.do("DEBUG", "DIGEST"))
	// Same contents written in different orders and shard layouts.
	for _, cmd := range [][]string{{"SET", "s", "v"}, {"RPUSH", "l", "a", "b"}, {"SADD", "set", "x", "y", "z"}, {"HSET", "h", "f", "1", "g", "2"}, {"PEXPIREAT", "s", "4102444800000"}} {
		ra.do(cmd...)
	}
	for _, cmd := range [][]string{{"HSET", "h", "g", "2", "f", "1"}, {"SADD", "set", "z", "y", "x"}, {"RPUSH", "l", "a", "b"}, {"SET", "s", "v", "PXAT", "4102444800000"}} {
		rb.do(cmd...)
	}
	da := ra.do("DEBUG", "DIGEST")
	require.NotEqual(t, zero, da)
	require.Equal(t, da, rb.do("DEBUG", "DIGEST"))
	require.Equal(t, ra.do("DEBUG", "DIGEST-VALUE", "h", "l", "nope"), rb.do("DEBUG", "DIGEST-VALUE", "h", "l", "nope"))
	rb.do("RPUSH", "l", "c")
	require.NotEqual(t, da, rb.do("DEBUG", "DIGEST"))
}
