package shardcore

import (
	"testing"

	"github.com/keeldb/keel/shardcore/config"
	"github.com/stretchr/testify/require"
)

// aofBenchShards returns the two shards of a server whose loops do not run:
// the benchmark drives them itself, on one goroutine.
func aofBenchShards(b *testing.B) (*Shard, *Shard) {
	b.Helper()
	cfg, err := config.Parse([]string{"--port", "0", "--bind", "127.0.0.1", "--dir", b.TempDir(), "--shards", "2"})
	require.NoError(b, err)
	srv, err := NewServer(cfg, Options{Persistence: &waitLog{}})
	require.NoError(b, err)
	b.Cleanup(func() {
		for _, sh := range srv.shards {
			sh.shutdown() // closes the listeners and poller a loop would
		}
	})
	return srv.shards[0], srv.shards[1]
}

// aofBenchKey returns a key owned by sh.
func aofBenchKey(b *testing.B, sh *Shard) []byte {
	return []byte(aofKey(b, sh.srv, sh, "k"))
}

// A SET run inline on the connection's shard: execute's cost with the
// connection's write recorded.
func BenchmarkSetInline(b *testing.B) {
	s0, _ := aofBenchShards(b)
	c := &conn{fd: -1, id: 1, shard: s0}
	args := [][]byte{[]byte("SET"), aofBenchKey(b, s0), []byte("v")}
	cmd := lookupCommand(args[0])
	b.ReportAllocs()
	for b.Loop() {
		s0.execute(cmd, 0, args, &c.w, c, nil)
		c.w.Reset()
	}
}

// A SET forwarded in a batch to another shard and its reply delivered
// back: enqueue, execBatch, sendBack, completeBatch.
func BenchmarkSetForwarded(b *testing.B) {
	s0, s1 := aofBenchShards(b)
	// Input left unread keeps the reply off the direct path (no socket).
	c := &conn{fd: -1, id: 1, shard: s0, rend: 1}
	args := [][]byte{[]byte("SET"), aofBenchKey(b, s1), []byte("v")}
	cmd := lookupCommand(args[0])
	b.ReportAllocs()
	for b.Loop() {
		s0.enqueue(s1, c, cmd, args)
		s0.sendBatches()
		s1.drainInbox()
		s1.flushOutgoing()
		s0.drainInbox()
		c.wbuf = c.wbuf[:0]
		c.dirty = false
		s0.dirtyConns = s0.dirtyConns[:0]
	}
}
