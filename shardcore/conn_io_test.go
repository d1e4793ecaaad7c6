package shardcore

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keeldb/keel/shardcore/resp"
	"github.com/stretchr/testify/require"
)

// keysOnShards returns n keys spread over every shard of srv.
func keysOnShards(srv *Server, n int) []string {
	keys := make([]string, 0, n)
	seen := map[*Shard]bool{}
	for i := 0; len(keys) < n; i++ {
		k := "k" + strconv.Itoa(i)
		sh := srv.shardOf([]byte(k))
		if len(seen) < len(srv.shards) && seen[sh] {
			continue
		}
		seen[sh] = true
		keys = append(keys, k)
	}
	return keys
}

// A request may arrive in pieces of any size: each short read leaves the
// socket to the next epoll event, which must come for the next piece.
func TestConnInputInPieces(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	keys := keysOnShards(srv, 6)
	var req []byte
	var want strings.Builder
	for i, k := range keys {
		req = resp.AppendCommandString(req, "SET", k, "v"+strconv.Itoa(i))
		want.WriteString("+OK\r\n")
		req = resp.AppendCommandString(req, "INCR", k+":n")
		want.WriteString(":1\r\n")
		req = resp.AppendCommandString(req, "GET", k)
		want.WriteString("$2\r\nv" + strconv.Itoa(i) + "\r\n")
	}
	for _, size := range []int{1, 3, 7} {
		for off := 0; off < len(req); off += size {
			_, err := rc.nc.Write(req[off:min(off+size, len(req))])
			require.NoError(t, err)
		}
		got := make([]byte, want.Len())
		require.NoError(t, rc.nc.SetReadDeadline(time.Now().Add(10*time.Second)))
		_, err := io.ReadFull(rc.r, got)
		require.NoError(t, err)
		require.Equal(t, want.String(), string(got))
		for _, k := range keys {
			require.Equal(t, ":1\r\n", rc.do("DEL", k+":n"))
		}
	}
}

// Input larger than one read fills the buffer: reading goes on until the
// socket is drained.
func TestConnLargePipeline(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	keys := keysOnShards(srv, 4)
	val := strings.Repeat("x", 50<<10)
	var req []byte
	var want strings.Builder
	for i := range 40 {
		k := keys[i%len(keys)]
		req = resp.AppendCommandString(req, "SET", k, val)
		req = resp.AppendCommandString(req, "STRLEN", k)
		want.WriteString("+OK\r\n:" + strconv.Itoa(len(val)) + "\r\n")
	}
	done := make(chan error, 1)
	go func() {
		_, err := rc.nc.Write(req)
		done <- err
	}()
	got := make([]byte, want.Len())
	require.NoError(t, rc.nc.SetReadDeadline(time.Now().Add(30*time.Second)))
	_, err := io.ReadFull(rc.r, got)
	require.NoError(t, err)
	require.NoError(t, <-done)
	require.Equal(t, want.String(), string(got))
}

// A client that sends commands and hangs up is served, then closed: the
// hang-up that came with the data is not lost behind a short read.
func TestConnHangupAfterInput(t *testing.T) {
	srv := testServer(t, 2)
	check := testRaw(t, srv)
	keys := keysOnShards(srv, 4)
	for round := range 20 {
		nc, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(srv.Port()))
		require.NoError(t, err)
		var req []byte
		for _, k := range keys {
			req = resp.AppendCommandString(req, "SET", k, "r"+strconv.Itoa(round))
		}
		_, err = nc.Write(req)
		require.NoError(t, err)
		require.NoError(t, nc.(*net.TCPConn).CloseWrite())
		require.NoError(t, nc.SetReadDeadline(time.Now().Add(10*time.Second)))
		_, err = io.Copy(io.Discard, nc)
		var ne net.Error
		require.False(t, errors.As(err, &ne) && ne.Timeout(), "the server kept the connection open after the client hung up")
		nc.Close()
		// Commands for other shards may still be on their way when the
		// connection closes: nobody awaits their replies.
		want := "$" + strconv.Itoa(len("r"+strconv.Itoa(round))) + "\r\nr" + strconv.Itoa(round) + "\r\n"
		for _, k := range keys {
			require.Eventually(t, func() bool { return check.do("GET", k) == want }, 10*time.Second, time.Millisecond)
		}
	}
}

// The command-name cache must not confuse a command with a subcommand of
// the same name, nor ignore a change of command.
func TestConnCommandLookupCache(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	require.Equal(t, "+OK\r\n", rc.do("SET", "get", "v"))
	require.True(t, bytes.HasPrefix([]byte(rc.do("CONFIG", "GET", "maxmemory")), []byte("*2\r\n")))
	require.Equal(t, "$1\r\nv\r\n", rc.do("get", "get"))
	require.Equal(t, "$1\r\nv\r\n", rc.do("GeT", "get"))
	require.Equal(t, "-ERR wrong number of arguments for 'get' command\r\n", rc.do("GET"))
	require.Equal(t, "-ERR unknown command 'gett', with args beginning with: 'get' \r\n", rc.do("gett", "get"))
	require.Equal(t, "$1\r\nv\r\n", rc.do("GET", "get"))
	require.Equal(t, ":1\r\n", rc.do("STRLEN", "get"))
}

// A pipeline's replies leave in one write even when part of it ran on
// another shard: replies ready before a forwarded one wait for it rather
// than going out on their own (flushConn). total_writes_processed counts
// the writes.
func TestConnPipelineOneWrite(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	keys := keysOnShards(srv, 2)
	writes := func() int {
		n, err := strconv.Atoi(infoField(rc, "stats", "total_writes_processed"))
		require.NoError(t, err)
		return n
	}
	before := writes()
	const rounds = 40
	for round := range rounds {
		// Either order: in one of them the first command runs where the
		// connection is and the second is forwarded.
		a, b := keys[round%2], keys[1-round%2]
		var req []byte
		for _, k := range []string{a, b, a, b} {
			req = resp.AppendCommandString(req, "INCR", k)
		}
		_, err := rc.nc.Write(req)
		require.NoError(t, err)
		v1, v2 := ":"+strconv.Itoa(2*round+1)+"\r\n", ":"+strconv.Itoa(2*round+2)+"\r\n"
		require.NoError(t, rc.nc.SetReadDeadline(time.Now().Add(10*time.Second)))
		got := make([]byte, len(v1+v1+v2+v2))
		_, err = io.ReadFull(rc.r, got)
		require.NoError(t, err)
		require.Equal(t, v1+v1+v2+v2, string(got))
	}
	// One write per round, plus the reply to the first INFO.
	require.Equal(t, rounds+1, writes()-before)
}

// The pending queue advances its start as replies complete; pushing onto
// it in a steady state (a pipeline waiting on forwarded replies) moves it
// back to the front of its array instead of allocating, in order.
func TestPendingQueueReusesArray(t *testing.T) {
	c := &conn{}
	slots := make([]*replySlot, 64)
	for i := range slots {
		slots[i] = &replySlot{}
	}
	next := 0
	push := func() {
		c.pushPending(slots[next%len(slots)])
		next++
	}
	for range 16 {
		push()
	}
	first := next - len(c.pending)
	allocs := testing.AllocsPerRun(1000, func() {
		// Three replies done, three more commands forwarded.
		clear(c.pending[:3])
		c.pending = c.pending[3:]
		first += 3
		for range 3 {
			push()
		}
	})
	require.Zero(t, allocs)
	require.Len(t, c.pending, 16)
	for i, p := range c.pending {
		require.Same(t, slots[(first+i)%len(slots)], p)
	}
}
