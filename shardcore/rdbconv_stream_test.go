package shardcore

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keeldb/keel/rdb"
	"github.com/keeldb/keel/shardcore/config"
	"github.com/keeldb/keel/shardcore/store"
	"github.com/keeldb/keel/shardcore/types"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// streamFixture builds streams covering every part of the RDB stream model
// with the same commands on keel and on redis-server: several nodes (by
// entry count and by size, master fields shared or not), groups with
// pending entries (claimed, acknowledged, pointing at deleted entries),
// consumers without pending entries, unknown entries-read, empty streams,
// deleted and trimmed entries, and XSETID'd counters.
func streamFixture(t *testing.T, c *redis.Client, prefix string) []string {
	t.Helper()
	ctx := ctxb()
	var keys []string
	do := func(args ...any) {
		t.Helper()
		require.NoError(t, c.Do(ctx, args...).Err(), "%q", args)
	}
	add := func(k string) string { k = prefix + k; keys = append(keys, k); return k }

	k := add("plain")
	big := strings.Repeat("v", 1500)
	for i := 1; i <= 260; i++ {
		args := []any{"XADD", k, fmt.Sprintf("%d-%d", 1000+i/3, i%3), "name", "n" + strconv.Itoa(i), "n", i}
		switch {
		case i%7 == 0:
			args = append(args, "extra", "x")
		case i%50 == 0:
			args = []any{"XADD", k, fmt.Sprintf("%d-%d", 1000+i/3, i%3), "blob", big}
		case i%11 == 0:
			args[5] = -i * 1000003
		}
		do(args...)
	}

	k = add("groups")
	for i := 1; i <= 20; i++ {
		do("XADD", k, fmt.Sprintf("%d-1", i), "f", i)
	}
	do("XGROUP", "CREATE", k, "g1", "0")
	do("XGROUP", "CREATE", k, "g2", "$")
	do("XGROUP", "CREATE", k, "g3", "7-1")
	do("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "5", "STREAMS", k, ">")
	do("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "4", "STREAMS", k, ">")
	do("XREADGROUP", "GROUP", "g3", "alice", "COUNT", "2", "STREAMS", k, ">")
	do("XACK", k, "g1", "2-1", "7-1")
	do("XCLAIM", k, "g1", "carol", "0", "3-1", "RETRYCOUNT", "7")
	do("XCLAIM", k, "g1", "bob", "0", "1-1", "TIME", "1700000000000")
	do("XGROUP", "CREATECONSUMER", k, "g1", "dave")
	do("XDEL", k, "4-1", "15-1")

	k = add("emptymk")
	do("XGROUP", "CREATE", k, "g", "$", "MKSTREAM")

	k = add("emptied")
	do("XADD", k, "1-1", "a", "b")
	do("XADD", k, "2-1", "a", "c")
	do("XGROUP", "CREATE", k, "g", "0")
	do("XREADGROUP", "GROUP", "g", "c1", "STREAMS", k, ">")
	do("XDEL", k, "1-1", "2-1")

	k = add("deleted")
	for i := 1; i <= 130; i++ {
		do("XADD", k, "*", "i", i)
	}
	ids, err := c.XRange(ctx, k, "-", "+").Result()
	require.NoError(t, err)
	for _, i := range []int{0, 1, 50, 99, 100, 129} {
		do("XDEL", k, ids[i].ID)
	}

	k = add("setid")
	do("XADD", k, "5-1", "a", "1")
	do("XADD", k, "6-1", "a", "2")
	do("XSETID", k, "1000-5", "ENTRIESADDED", "100", "MAXDELETEDID", "500-0")

	k = add("trimmed")
	for i := 1; i <= 200; i++ {
		do("XADD", k, fmt.Sprintf("%d-0", i), "i", i)
	}
	do("XGROUP", "CREATE", k, "g", "0")
	do("XREADGROUP", "GROUP", "g", "c", "COUNT", "20", "STREAMS", k, ">")
	do("XTRIM", k, "MAXLEN", "50")
	return keys
}

// xinfoFull is XINFO STREAM FULL with every entry and pending entry,
// without the radix-tree-* figures, which depend on node layout.
func xinfoFull(t *testing.T, c *redis.Client, key string) []any {
	t.Helper()
	res, err := c.Do(ctxb(), "XINFO", "STREAM", key, "FULL", "COUNT", "0").Slice()
	require.NoError(t, err, key)
	var out []any
	for i := 0; i+1 < len(res); i += 2 {
		if name, _ := res[i].(string); strings.HasPrefix(name, "radix-tree-") {
			continue
		}
		out = append(out, res[i], res[i+1])
	}
	return out
}

// moveStreams DUMPs each key of src and RESTOREs it on dst under prefix+key,
// then compares the two streams.
func moveStreams(t *testing.T, src, dst *redis.Client, keys []string, prefix string) {
	t.Helper()
	ctx := ctxb()
	for _, k := range keys {
		payload, err := src.Dump(ctx, k).Result()
		require.NoError(t, err, k)
		require.NoError(t, dst.RestoreReplace(ctx, prefix+k, 0, payload).Err(), k)
		assert.Equal(t, "stream", dst.Type(ctx, prefix+k).Val(), k)
		assert.Equal(t, xinfoFull(t, src, k), xinfoFull(t, dst, prefix+k), k)
	}
}

// decodedDump is key's DUMP payload decoded: the same for Redis's payload
// and keel's whatever their node layout and compression.
func decodedDump(t *testing.T, c *redis.Client, key string) rdb.Value {
	t.Helper()
	payload, err := c.Dump(ctxb(), key).Result()
	require.NoError(t, err, key)
	v, err := rdb.DecodeDump([]byte(payload))
	require.NoError(t, err, key)
	return v
}

func TestStreamDumpRestoreWithRedis(t *testing.T) {
	rc := startRedisServer(t)
	srv := testServer(t, 2)
	kc := testClient(t, srv)
	t.Run("redis to keel and back", func(t *testing.T) {
		keys := streamFixture(t, rc, "r:")
		moveStreams(t, rc, kc, keys, "")
		// keel's own payload of what it restored, back into Redis.
		for _, k := range keys {
			assert.Equal(t, decodedDump(t, rc, k), decodedDump(t, kc, k), k)
			payload := kc.Dump(ctxb(), k).Val()
			require.NoError(t, rc.Restore(ctxb(), k+":back", 0, payload).Err(), k)
			assert.Equal(t, xinfoFull(t, rc, k), xinfoFull(t, rc, k+":back"), k)
		}
	})
	t.Run("keel to redis", func(t *testing.T) {
		moveStreams(t, kc, rc, streamFixture(t, kc, "k:"), "")
	})
	t.Run("keel to keel across shards", func(t *testing.T) {
		keys := streamFixture(t, kc, "{a}")
		moveStreams(t, kc, kc, keys, "{b}")
		for _, k := range keys {
			require.NotEqual(t, srv.shardOf([]byte(k)).id, srv.shardOf([]byte("{b}"+k)).id)
		}
	})
}

// startRedisIn runs /usr/bin/redis-server over dir, loading dir/dump.rdb
// if it is there.
func startRedisIn(t *testing.T, dir string) *redis.Client {
	t.Helper()
	const bin = "/usr/bin/redis-server"
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("redis-server not installed at %s (needed as the reference): %v", bin, err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port), Protocol: 2, DisableIdentity: true})
	t.Cleanup(func() { c.Close() })
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(ctxb()).Err() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not start on port %d", port)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return c
}

// TestStreamRDBFile moves streams through whole RDB files as keel-server
// --import-rdb (LoadValue) and keel-aof export-rdb (EachValue) do: a file
// redis-server saved into keel, then keel's file through redis-check-rdb
// and into redis-server.
func TestStreamRDBFile(t *testing.T) {
	dir := t.TempDir()
	rc := startRedisIn(t, dir)
	keys := streamFixture(t, rc, "")
	require.NoError(t, rc.Save(ctxb()).Err())

	srv, _ := newRecordingServer(t, 2, false)
	f, err := os.Open(filepath.Join(dir, "dump.rdb"))
	require.NoError(t, err)
	defer f.Close()
	dec := rdb.NewDecoder(f)
	for {
		rec, err := dec.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		require.Equal(t, rdb.KindStream, rec.Value.Kind)
		require.NoError(t, srv.LoadValue(rec.DB, rec.Key, rec.Value, rec.ExpireAt))
	}
	require.Equal(t, len(keys), srv.KeyCount())

	out := t.TempDir()
	path := filepath.Join(out, "dump.rdb")
	w, err := os.Create(path)
	require.NoError(t, err)
	enc, err := rdb.NewEncoder(w, 10)
	require.NoError(t, err)
	require.NoError(t, enc.WriteStandardAux(Version, 0))
	n, expires := srv.DBStats(0)
	require.NoError(t, enc.SelectDB(0, n, expires))
	require.NoError(t, srv.EachValue(0, func(key []byte, v rdb.Value, at int64) error {
		return enc.WriteRecord(&rdb.Record{Key: key, Value: v, ExpireAt: at, Idle: -1, Freq: -1})
	}))
	require.NoError(t, enc.Close())
	require.NoError(t, w.Close())

	srv.Start()
	t.Cleanup(srv.Stop)
	kc := testClient(t, srv)
	for _, k := range keys {
		assert.Equal(t, xinfoFull(t, rc, k), xinfoFull(t, kc, k), k)
	}

	if _, err := os.Stat("/usr/bin/redis-check-rdb"); err == nil {
		msg, err := exec.Command("/usr/bin/redis-check-rdb", path).CombinedOutput()
		require.NoError(t, err, "%s", msg)
		assert.Contains(t, string(msg), "RDB looks OK")
	}
	rc2 := startRedisIn(t, out)
	assert.Equal(t, int64(len(keys)), rc2.DBSize(ctxb()).Val())
	for _, k := range keys {
		assert.Equal(t, xinfoFull(t, rc, k), xinfoFull(t, rc2, k), k)
	}
}

// TestStreamRDBVersion11 checks what only RDB 11 carries: a consumer's
// active time, which version 10 leaves to the seen time.
func TestStreamRDBVersion11(t *testing.T) {
	s := types.NewStream()
	s.Add(types.StreamID{Ms: 1, Seq: 1}, [][]byte{[]byte("f"), []byte("v")}, types.StreamLimits{})
	g := s.CreateGroup("g", types.StreamID{Ms: 1, Seq: 1}, 1)
	c, _ := g.CreateConsumer("c", 1000)
	c.ActiveTime = 2000
	g.AddPending(types.StreamID{Ms: 1, Seq: 1}, c, 1500)
	v, err := streamToRDB(s)
	require.NoError(t, err)
	cfg := config.Default()
	for version, active := range map[int]int64{10: 1000, 11: 2000} {
		payload, err := rdb.EncodeDump(v, version)
		require.NoError(t, err)
		dv, err := rdb.DecodeDump(payload)
		require.NoError(t, err)
		obj, err := streamFromRDB(&dv, cfg)
		require.NoError(t, err)
		got := obj.(*types.Stream).Group("g").Consumer("c")
		assert.Equal(t, int64(1000), got.SeenTime, "version %d", version)
		assert.Equal(t, active, got.ActiveTime, "version %d", version)
		require.Len(t, got.Pending(), 1)
		assert.Equal(t, int64(1500), got.Pending()[0].DeliveryTime)
	}
}

// TestStreamCodecRoundTrip converts a stream to the rdb model and back and
// checks that nothing is lost and that nothing aliases the source.
func TestStreamCodecRoundTrip(t *testing.T) {
	s := types.NewStream()
	lim := types.StreamLimits{NodeMaxEntries: 3}
	for i := uint64(1); i <= 10; i++ {
		s.Add(types.StreamID{Ms: i, Seq: i}, [][]byte{[]byte("f"), []byte(strconv.Itoa(int(i)))}, lim)
	}
	require.True(t, s.Delete(types.StreamID{Ms: 4, Seq: 4}))
	g := s.CreateGroup("g", types.StreamID{Ms: 6, Seq: 6}, -1)
	a, _ := g.CreateConsumer("a", 10)
	b, _ := g.CreateConsumer("b", 20)
	g.AddPending(types.StreamID{Ms: 4, Seq: 4}, a, 30).DeliveryCount = 3
	g.AddPending(types.StreamID{Ms: 5, Seq: 5}, b, 40)
	s.CreateGroup("empty", types.StreamID{}, 0)
	s.LastID = types.StreamID{Ms: 99, Seq: 0}

	v, err := streamToRDB(s)
	require.NoError(t, err)
	require.Len(t, v.Stream.Entries, 9)
	obj, err := streamFromRDB(&v, config.Default())
	require.NoError(t, err)
	v.Stream.Entries[0].Fields[1][0] = 'X'
	got := obj.(*types.Stream)
	back, err := streamToRDB(got)
	require.NoError(t, err)
	v.Stream.Entries[0].Fields[1][0] = '1'
	assert.Equal(t, v, back)
	fields, ok := s.Get(types.StreamID{Ms: 1, Seq: 1})
	require.True(t, ok)
	assert.Equal(t, "1", string(fields[1]))
	assert.Equal(t, s.LastID, got.LastID)
	assert.Equal(t, s.FirstID, got.FirstID)
	assert.Equal(t, s.MaxDeletedID, got.MaxDeletedID)
	assert.Equal(t, s.EntriesAdded, got.EntriesAdded)
	assert.Equal(t, int64(-1), got.Group("g").EntriesRead)
	assert.Equal(t, "a", got.Group("g").FindPending(types.StreamID{Ms: 4, Seq: 4}).Consumer.Name)

	_, err = streamToRDB([]byte("x"))
	assert.Error(t, err)
}

func TestStreamFromRDBRefusesInconsistentStreams(t *testing.T) {
	id := func(ms uint64) rdb.StreamID { return rdb.StreamID{Ms: ms, Seq: 0} }
	entry := func(ms uint64) rdb.StreamEntry {
		return rdb.StreamEntry{ID: id(ms), Fields: [][]byte{[]byte("f"), []byte("v")}}
	}
	valid := func() *rdb.Stream {
		return &rdb.Stream{
			Entries: []rdb.StreamEntry{entry(1), entry(2)}, Length: 2, LastID: id(2), FirstID: id(1), EntriesAdded: 2,
			Groups: []rdb.StreamGroup{{
				Name: []byte("g"), LastID: id(2), EntriesRead: 2,
				PEL:       []rdb.PendingEntry{{ID: id(1), DeliveryTime: 5, DeliveryCount: 1}},
				Consumers: []rdb.StreamConsumer{{Name: []byte("c"), SeenTime: 5, ActiveTime: 5, PEL: []rdb.StreamID{id(1)}}},
			}},
		}
	}
	for _, tc := range []struct {
		name, err string
		edit      func(s *rdb.Stream)
	}{
		{"zero ID", "must be above 0-0", func(s *rdb.Stream) { s.Entries[0].ID = id(0) }},
		{"out of order", "does not follow", func(s *rdb.Stream) { s.Entries[1].ID = id(1) }},
		{"odd fields", "field elements", func(s *rdb.Stream) { s.Entries[1].Fields = s.Entries[1].Fields[:1] }},
		{"no fields", "field elements", func(s *rdb.Stream) { s.Entries[1].Fields = nil }},
		{"last ID below", "below its last entry", func(s *rdb.Stream) { s.LastID = id(1) }},
		{"duplicate group", "duplicate consumer group", func(s *rdb.Stream) { s.Groups = append(s.Groups, s.Groups[0]) }},
		{"duplicate consumer", "consumer \"c\" twice", func(s *rdb.Stream) {
			s.Groups[0].Consumers = append(s.Groups[0].Consumers, rdb.StreamConsumer{Name: []byte("c")})
		}},
		{"two owners", "two owners", func(s *rdb.Stream) {
			s.Groups[0].Consumers = append(s.Groups[0].Consumers, rdb.StreamConsumer{Name: []byte("d"), PEL: []rdb.StreamID{id(1)}})
		}},
		{"no owner", "has no consumer", func(s *rdb.Stream) { s.Groups[0].Consumers[0].PEL = nil }},
		{"not pending", "which is not pending", func(s *rdb.Stream) {
			s.Groups[0].Consumers[0].PEL = append(s.Groups[0].Consumers[0].PEL, id(2))
		}},
		{"pending twice", "twice", func(s *rdb.Stream) { s.Groups[0].PEL = append(s.Groups[0].PEL, s.Groups[0].PEL[0]) }},
	} {
		s := valid()
		tc.edit(s)
		_, err := streamFromRDB(&rdb.Value{Kind: rdb.KindStream, Stream: s}, config.Default())
		assert.ErrorContains(t, err, tc.err, tc.name)
	}
	obj, err := streamFromRDB(&rdb.Value{Kind: rdb.KindStream, Stream: valid()}, config.Default())
	require.NoError(t, err)
	assert.Equal(t, 2, obj.(*types.Stream).Len())
	_, err = streamFromRDB(&rdb.Value{Kind: rdb.KindStream}, config.Default())
	assert.Error(t, err)

	// An empty stream is a key, not nothing.
	e, ok, err := entryFromRDB(&rdb.Value{Kind: rdb.KindStream, Stream: &rdb.Stream{LastID: id(7)}}, config.Default())
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, store.TypeStream, e.Type)
}
