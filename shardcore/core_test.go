package shardcore

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCrossShardBasics(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	require.Equal(t, "+OK\r\n", rc.do("MSET", "{a}1", "x", "{b}2", "y"))
	require.Equal(t, "*3\r\n$1\r\nx\r\n$1\r\ny\r\n$-1\r\n", rc.do("MGET", "{a}1", "{b}2", "{c}3"))
	require.Equal(t, ":2\r\n", rc.do("DBSIZE"))
	require.Equal(t, ":2\r\n", rc.do("DEL", "{a}1", "{b}2", "{c}3"))
}

func TestRenameCommand(t *testing.T) {
	srv := testServer(t, 2, "--rename-command", "flushall", "", "--rename-command", "get", "fetch")
	rc := testRaw(t, srv)
	require.Equal(t, "+OK\r\n", rc.do("SET", "k", "v"))
	require.Equal(t, "$1\r\nv\r\n", rc.do("FETCH", "k"))
	require.Equal(t, "-ERR unknown command 'GET', with args beginning with: 'k' \r\n", rc.do("GET", "k"))
	require.Equal(t, "-ERR unknown command 'FLUSHALL', with args beginning with: \r\n", rc.do("FLUSHALL"))
}

func TestLoadApplierServesLoading(t *testing.T) {
	srv := testServer(t, 2)
	srv.SetLoading(true)
	rc := testRaw(t, srv)
	require.Equal(t, "-LOADING keel is loading the dataset in memory\r\n", rc.do("GET", "k0"))
	a := srv.NewLoadApplier()
	for i := 0; i < 3000; i++ {
		args := [][]byte{[]byte("SET"), []byte("k" + strconv.Itoa(i)), []byte(strconv.Itoa(i))}
		require.NoError(t, a.Apply(srv.ShardOf(args), 0, args))
	}
	require.NoError(t, a.Wait())
	srv.SetLoading(false)
	require.Equal(t, "$4\r\n2999\r\n", rc.do("GET", "k2999"))
	require.Equal(t, ":3000\r\n", rc.do("DBSIZE"))
	require.Error(t, func() error {
		b := srv.NewLoadApplier()
		args := [][]byte{[]byte("NOPE")}
		_ = b.Apply(0, 0, args)
		return b.Wait()
	}())
}
