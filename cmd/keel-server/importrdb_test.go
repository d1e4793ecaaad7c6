package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/keeldb/keel/durability"
	"github.com/keeldb/keel/rdb"
	"github.com/keeldb/keel/recovery"
	"github.com/keeldb/keel/shardcore"
	"github.com/keeldb/keel/shardcore/config"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeTestRDB writes records to an RDB file, database by database in the
// order given.
func writeTestRDB(t *testing.T, path string, recs []rdb.Record) {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	enc, err := rdb.NewEncoder(f, 10)
	require.NoError(t, err)
	db := -1
	for i := range recs {
		if recs[i].DB != db {
			db = recs[i].DB
			require.NoError(t, enc.SelectDB(db, 0, 0))
		}
		require.NoError(t, enc.WriteRecord(&recs[i]))
	}
	require.NoError(t, enc.Close())
}

// importServer runs importRDB for file into a fresh data directory with the
// AOF on, and returns the server and its persistence.
func importServer(t *testing.T, file string) (*shardcore.Server, *recovery.Recovery, error) {
	t.Helper()
	dir := t.TempDir()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg, err := config.Parse([]string{"--port", "0", "--bind", "127.0.0.1", "--dir", dir, "--shards", "3", "--import-rdb", file})
	require.NoError(t, err)
	rec, err := recovery.Open(dir, durability.OSFS{}, recovery.Config{Shards: cfg.ShardCount(), Fsync: durability.FsyncEverysec,
		SegmentSize: cfg.AOFSegmentSize, Logger: logger})
	require.NoError(t, err)
	srv, err := shardcore.NewServer(cfg, shardcore.Options{Logger: logger, Persistence: rec.Logs()})
	require.NoError(t, err)
	return srv, rec, importRDB(cfg, srv, logger)
}

func TestImportRDB(t *testing.T) {
	future := time.Now().Add(time.Hour).UnixMilli()
	var recs []rdb.Record
	const n = 5000
	for i := range n {
		r := rdb.Record{Key: []byte("k" + strconv.Itoa(i)), Idle: -1, Freq: -1,
			Value: rdb.Value{Kind: rdb.KindString, Str: []byte("v" + strconv.Itoa(i))}}
		switch i % 5 {
		case 1:
			r.ExpireAt = future
		case 2:
			r.Value = rdb.Value{Kind: rdb.KindList, List: [][]byte{[]byte("a"), []byte(strconv.Itoa(i))}}
		case 3:
			id := rdb.StreamID{Ms: uint64(i), Seq: 0}
			r.Value = rdb.Value{Kind: rdb.KindStream, Stream: &rdb.Stream{
				Entries: []rdb.StreamEntry{{ID: id, Fields: [][]byte{[]byte("f"), []byte("v")}}},
				Length:  1, LastID: id, FirstID: id, EntriesAdded: 1,
				Groups: []rdb.StreamGroup{{Name: []byte("g"), LastID: id, EntriesRead: 1,
					PEL:       []rdb.PendingEntry{{ID: id, DeliveryTime: 1000, DeliveryCount: 2}},
					Consumers: []rdb.StreamConsumer{{Name: []byte("c"), SeenTime: 1000, ActiveTime: 1000, PEL: []rdb.StreamID{id}}}}},
			}}
		case 4:
			r.ExpireAt = 1000 // long past: skipped
		}
		recs = append(recs, r)
	}
	recs = append(recs, rdb.Record{DB: 2, Key: []byte("other"), Idle: -1, Freq: -1, Value: rdb.Value{Kind: rdb.KindString, Str: []byte("x")}})
	file := filepath.Join(t.TempDir(), "dump.rdb")
	writeTestRDB(t, file, recs)

	srv, rec, err := importServer(t, file)
	require.NoError(t, err)
	require.Equal(t, n-n/5+1, srv.KeyCount())
	srv.Start()
	defer func() {
		srv.Stop()
		require.NoError(t, rec.Logs().Close())
	}()
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(srv.Port()), Protocol: 2, DisableIdentity: true})
	defer c.Close()
	assert.Equal(t, int64(n-n/5), c.DBSize(ctx).Val())
	assert.Equal(t, "v0", c.Get(ctx, "k0").Val())
	assert.Equal(t, "v4995", c.Get(ctx, "k4995").Val())
	assert.InDelta(t, time.Hour.Milliseconds(), c.PTTL(ctx, "k1").Val().Milliseconds(), 60000)
	assert.Equal(t, []string{"a", "2"}, c.LRange(ctx, "k2", 0, -1).Val())
	assert.Equal(t, int64(0), c.Exists(ctx, "k4").Val())
	p, err := c.XPending(ctx, "k3", "g").Result()
	require.NoError(t, err)
	assert.Equal(t, int64(1), p.Count)
	assert.Equal(t, map[string]int64{"c": 1}, p.Consumers)
	c2 := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(srv.Port()), Protocol: 2, DisableIdentity: true, DB: 2})
	defer c2.Close()
	assert.Equal(t, "x", c2.Get(ctx, "other").Val())
}

func TestImportRDBErrors(t *testing.T) {
	dir := t.TempDir()
	recs := make([]rdb.Record, 0, 600)
	for i := range 600 {
		recs = append(recs, rdb.Record{Key: []byte("k" + strconv.Itoa(i)), Idle: -1, Freq: -1,
			Value: rdb.Value{Kind: rdb.KindString, Str: []byte("v")}})
	}
	t.Run("database out of range", func(t *testing.T) {
		file := filepath.Join(dir, "baddb.rdb")
		writeTestRDB(t, file, append(recs, rdb.Record{DB: 20, Key: []byte("x"), Idle: -1, Freq: -1,
			Value: rdb.Value{Kind: rdb.KindString, Str: []byte("v")}}))
		srv, rec, err := importServer(t, file)
		require.ErrorContains(t, err, "db 20 out of range")
		assert.ErrorContains(t, err, "remove it before retrying")
		assert.Equal(t, 600, srv.KeyCount())
		require.NoError(t, rec.Logs().Close())
	})
	t.Run("truncated file", func(t *testing.T) {
		file := filepath.Join(dir, "cut.rdb")
		writeTestRDB(t, file, recs)
		st, err := os.Stat(file)
		require.NoError(t, err)
		require.NoError(t, os.Truncate(file, st.Size()-30))
		srv, rec, err := importServer(t, file)
		require.ErrorContains(t, err, "truncated")
		assert.Less(t, srv.KeyCount(), 600)
		require.NoError(t, rec.Logs().Close())
	})
}
