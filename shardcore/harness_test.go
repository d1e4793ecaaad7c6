package shardcore

import (
	"bufio"
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/keeldb/keel/shardcore/config"
	"github.com/keeldb/keel/shardcore/resp"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// testServer starts an in-process server with the given shard count on a
// free port; extra are config directives as on the command line.
func testServer(t testing.TB, shards int, extra ...string) *Server {
	t.Helper()
	args := append([]string{"--port", "0", "--bind", "127.0.0.1", "--dir", t.TempDir(), "--shards", strconv.Itoa(shards)}, extra...)
	cfg, err := config.Parse(args)
	require.NoError(t, err)
	srv, err := NewServer(cfg, Options{})
	require.NoError(t, err)
	srv.Start()
	t.Cleanup(srv.Stop)
	return srv
}

func testClient(t testing.TB, srv *Server) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(srv.Port()), Protocol: 2, DisableIdentity: true, ReadTimeout: time.Minute})
	t.Cleanup(func() { c.Close() })
	return c
}

// rawConn speaks RESP directly, for exact reply bytes.
type rawConn struct {
	t  testing.TB
	nc net.Conn
	r  *bufio.Reader
}

func testRaw(t testing.TB, srv *Server) *rawConn {
	t.Helper()
	nc, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(srv.Port()))
	require.NoError(t, err)
	t.Cleanup(func() { nc.Close() })
	return &rawConn{t: t, nc: nc, r: bufio.NewReader(nc)}
}

// do sends one command and returns its raw reply.
func (rc *rawConn) do(args ...string) string {
	rc.t.Helper()
	_, err := rc.nc.Write(resp.AppendCommandString(nil, args...))
	require.NoError(rc.t, err)
	return rc.read()
}

func (rc *rawConn) read() string {
	rc.t.Helper()
	require.NoError(rc.t, rc.nc.SetReadDeadline(time.Now().Add(10*time.Second)))
	b, err := resp.ReadReply(rc.r)
	require.NoError(rc.t, err)
	return string(b)
}

func ctxb() context.Context { return context.Background() }

type redisPipeliner = redis.Pipeliner

func sum(a, b string) int {
	x, _ := strconv.Atoi(a)
	y, _ := strconv.Atoi(b)
	return x + y
}
