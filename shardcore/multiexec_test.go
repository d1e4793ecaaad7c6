package shardcore

import (
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func TestMultiExecAcrossShards(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	require.Equal(t, "+OK\r\n", rc.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", rc.do("SET", "{a}k", "1"))
	require.Equal(t, "+QUEUED\r\n", rc.do("SET", "{b}k", "2"))
	require.Equal(t, "+QUEUED\r\n", rc.do("MGET", "{a}k", "{b}k"))
	require.Equal(t, "+QUEUED\r\n", rc.do("PING"))
	require.Equal(t, "*4\r\n+OK\r\n+OK\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n+PONG\r\n", rc.do("EXEC"))

	require.Equal(t, "-ERR EXEC without MULTI\r\n", rc.do("EXEC"))
	require.Equal(t, "-ERR DISCARD without MULTI\r\n", rc.do("DISCARD"))
	require.Equal(t, "+OK\r\n", rc.do("MULTI"))
	require.Equal(t, "-ERR MULTI calls can not be nested\r\n", rc.do("MULTI"))
	require.Equal(t, "-ERR unknown command 'NOPE', with args beginning with: \r\n", rc.do("NOPE"))
	require.Equal(t, "-EXECABORT Transaction discarded because of previous errors.\r\n", rc.do("EXEC"))

	// SELECT inside a transaction applies to the commands after it.
	require.Equal(t, "+OK\r\n", rc.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", rc.do("SELECT", "3"))
	require.Equal(t, "+QUEUED\r\n", rc.do("SET", "{b}k", "db3"))
	require.Equal(t, "*2\r\n+OK\r\n+OK\r\n", rc.do("EXEC"))
	require.Equal(t, "$3\r\ndb3\r\n", rc.do("GET", "{b}k"))
}

func TestWatchAbortsOnChangeFromAnotherShard(t *testing.T) {
	srv := testServer(t, 2)
	a, b := testRaw(t, srv), testRaw(t, srv)
	require.Equal(t, "+OK\r\n", a.do("WATCH", "{a}x", "{b}y"))
	require.Equal(t, "+OK\r\n", b.do("SET", "{b}y", "changed"))
	require.Equal(t, "+OK\r\n", a.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", a.do("SET", "{a}x", "1"))
	require.Equal(t, "*-1\r\n", a.do("EXEC"))
	require.Equal(t, "$-1\r\n", a.do("GET", "{a}x"))

	// Unchanged watches let EXEC through, and EXEC clears them.
	require.Equal(t, "+OK\r\n", a.do("WATCH", "{a}x", "{b}y"))
	require.Equal(t, "+OK\r\n", a.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", a.do("SET", "{a}x", "1"))
	require.Equal(t, "*1\r\n+OK\r\n", a.do("EXEC"))
	require.Equal(t, "+OK\r\n", b.do("SET", "{b}y", "again"))
	require.Equal(t, "+OK\r\n", a.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", a.do("GET", "{a}x"))
	require.Equal(t, "*1\r\n$1\r\n1\r\n", a.do("EXEC"))
	require.Equal(t, "-ERR WATCH inside MULTI is not allowed\r\n", func() string { a.do("MULTI"); return a.do("WATCH", "k") }())
}

// Concurrent transfers between keys on different shards keep the total
// constant at every observation.
func TestExecIsolation(t *testing.T) {
	srv := testServer(t, 2)
	c := testClient(t, srv)
	require.NoError(t, c.MSet(ctxb(), "{a}acct", 1000, "{b}acct", 1000).Err())
	stop := make(chan struct{})
	done := pollUntil(t, srv, stop, func(cl *redis.Client) bool {
		vals, err := cl.MGet(ctxb(), "{a}acct", "{b}acct").Result()
		if err != nil {
			t.Error(err)
			return false
		}
		a, b := vals[0].(string), vals[1].(string)
		if sum(a, b) != 2000 {
			t.Errorf("torn read: %s + %s", a, b)
			return false
		}
		return true
	})
	runTransfers(t, srv, "{a}acct", "{b}acct")
	close(stop)
	<-done
}

// runTransfers moves 3 from one key to the other 200 times in MULTI/EXEC
// on each of 4 connections, and returns when they are done.
func runTransfers(t *testing.T, srv *Server, from, to string) {
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := testClient(t, srv)
			for j := 0; j < 200; j++ {
				_, err := cl.TxPipelined(ctxb(), func(p redisPipeliner) error {
					p.DecrBy(ctxb(), from, 3)
					p.IncrBy(ctxb(), to, 3)
					return nil
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// pollUntil runs check on a connection of its own, again and again, until
// stop is closed or check reports a failure; the channel it returns is
// closed then.
func pollUntil(t *testing.T, srv *Server, stop <-chan struct{}, check func(*redis.Client) bool) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		cl := testClient(t, srv)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if !check(cl) {
				return
			}
		}
	}()
	return done
}

func TestExecArityAbortsTransaction(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	abort := "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n"
	require.Equal(t, abort, rc.do("EXEC", "extra"))

	require.Equal(t, "+OK\r\n", rc.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", rc.do("SET", "{a}k", "v"))
	require.Equal(t, abort, rc.do("EXEC", "extra"))
	require.Equal(t, "-ERR EXEC without MULTI\r\n", rc.do("EXEC"), "the transaction is gone")
	require.Equal(t, "$-1\r\n", rc.do("GET", "{a}k"))

	// The watches go with it: a later change to the key no longer fails EXEC.
	require.Equal(t, "+OK\r\n", rc.do("WATCH", "{b}w"))
	require.Equal(t, abort, rc.do("EXEC", "x"))
	other := testRaw(t, srv)
	require.Equal(t, "+OK\r\n", other.do("SET", "{b}w", "2"))
	require.Equal(t, "+OK\r\n", rc.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", rc.do("GET", "{b}w"))
	require.Equal(t, "*1\r\n$1\r\n2\r\n", rc.do("EXEC"))
}
