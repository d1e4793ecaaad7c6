package shardcore

import (
	"bufio"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keeldb/keel/shardcore/resp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Replies that the executing shard writes itself (a connection's only
// command in flight goes to another shard) keep request order with what
// the client sends behind them, whether that arrives in the same packet or
// while the reply is on its way, and whether it runs here or elsewhere.
func TestDirectReplyOrder(t *testing.T) {
	srv := testServer(t, 3)
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nc, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(srv.Port()))
			if !assert.NoError(t, err) {
				return
			}
			defer nc.Close()
			r := bufio.NewReader(nc)
			// One counter per shard, so that INCRs go here and elsewhere.
			keys := make([]string, 0, 3)
			seen := map[*Shard]bool{}
			for i := 0; len(keys) < 3; i++ {
				k := "ctr:" + strconv.Itoa(g) + ":" + strconv.Itoa(i)
				if sh := srv.shardOf([]byte(k)); !seen[sh] {
					seen[sh] = true
					keys = append(keys, k)
				}
			}
			counts := make([]int, len(keys))
			for round := range 300 {
				// A first command, then more in separate writes that may
				// land while its reply is being written by another shard.
				var want []string
				for j := range 1 + round%4 {
					ki := (round + j) % len(keys)
					counts[ki]++
					_, err := nc.Write(resp.AppendCommandString(nil, "INCR", keys[ki]))
					if !assert.NoError(t, err) {
						return
					}
					want = append(want, ":"+strconv.Itoa(counts[ki])+"\r\n")
					if j%2 == 1 {
						_, err := nc.Write(resp.AppendCommandString(nil, "PING"))
						if !assert.NoError(t, err) {
							return
						}
						want = append(want, "+PONG\r\n")
					}
				}
				if !assert.NoError(t, nc.SetReadDeadline(time.Now().Add(10*time.Second))) {
					return
				}
				for _, w := range want {
					got, err := resp.ReadReply(r)
					if !assert.NoError(t, err) {
						return
					}
					if !assert.Equal(t, w, string(got)) {
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

// A client that hangs up while another shard writes its reply must not get
// its descriptor reused under that write: new clients only ever read their
// own replies, and every descriptor is closed in the end.
func TestDirectReplyHangup(t *testing.T) {
	srv := testServer(t, 2)
	fds := func() int {
		ents, err := os.ReadDir("/proc/self/fd")
		require.NoError(t, err)
		return len(ents)
	}
	check := testRaw(t, srv)
	keys := keysOnShards(srv, 2)
	big := strings.Repeat("x", 256<<10)
	for _, k := range keys {
		if !assert.Equal(t, "+OK\r\n", check.do("SET", k, big)) {
			return
		}
	}
	before := fds()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // clients that ask for a large value and leave at once
		defer wg.Done()
		for i := range 200 {
			nc, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(srv.Port()))
			if !assert.NoError(t, err) {
				return
			}
			_, err = nc.Write(resp.AppendCommandString(nil, "GET", keys[i%2]))
			if !assert.NoError(t, err) {
				return
			}
			nc.Close()
		}
	}()
	go func() { // clients that check they read only their own replies
		defer wg.Done()
		for i := range 200 {
			nc, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(srv.Port()))
			if !assert.NoError(t, err) {
				return
			}
			r := bufio.NewReader(nc)
			id := "own:" + strconv.Itoa(i)
			_, err = nc.Write(resp.AppendCommandString(nil, "ECHO", id))
			if !assert.NoError(t, err) {
				return
			}
			if !assert.NoError(t, nc.SetReadDeadline(time.Now().Add(10*time.Second))) {
				return
			}
			got, err := resp.ReadReply(r)
			if !assert.NoError(t, err) {
				return
			}
			if !assert.Equal(t, "$"+strconv.Itoa(len(id))+"\r\n"+id+"\r\n", string(got)) {
				return
			}
			nc.Close()
		}
	}()
	wg.Wait()
	// The departed clients' descriptors close once the writes to them are
	// done, whenever their shards next wake (PINGs wake both).
	require.Eventually(t, func() bool {
		for _, k := range keys {
			check.do("EXISTS", k)
		}
		return fds() <= before
	}, 10*time.Second, 10*time.Millisecond)
	require.Contains(t, check.do("INFO", "clients"), "connected_clients:1\r\n")
}

// A reply larger than the socket takes at once is finished by the origin.
func TestDirectReplyPartialWrite(t *testing.T) {
	srv := testServer(t, 2)
	keys := keysOnShards(srv, 2)
	rc := testRaw(t, srv)
	big := strings.Repeat("y", 8<<20)
	for _, k := range keys {
		require.Equal(t, "+OK\r\n", rc.do("SET", k, big))
	}
	for range 3 {
		for _, k := range keys {
			_, err := rc.nc.Write(resp.AppendCommandString(nil, "GET", k))
			require.NoError(t, err)
			// Read slowly at first, so that the socket fills.
			time.Sleep(20 * time.Millisecond)
			require.NoError(t, rc.nc.SetReadDeadline(time.Now().Add(10*time.Second)))
			hdr, err := rc.r.ReadString('\n')
			require.NoError(t, err)
			require.Equal(t, "$"+strconv.Itoa(len(big))+"\r\n", hdr)
			body := make([]byte, len(big)+2)
			_, err = io.ReadFull(rc.r, body)
			require.NoError(t, err)
			require.Equal(t, big+"\r\n", string(body))
		}
	}
}
