package main

import (
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"testing"

	"github.com/keeldb/keel/durability"
	"github.com/keeldb/keel/recovery"
	"github.com/keeldb/keel/shardcore"
	"github.com/keeldb/keel/shardcore/config"
)

// BenchmarkImportRDBFile imports $KEEL_BENCH_RDB (a big RDB file written by
// redis-server, such as DEBUG POPULATE 5000000 key 16 then SAVE) into a
// fresh data directory as keel-server --import-rdb does: with appendonly
// yes every key is logged too. Skipped without the variable; set
// KEEL_BENCH_SHARDS to change the shard count (default 2).
func BenchmarkImportRDBFile(b *testing.B) {
	path := os.Getenv("KEEL_BENCH_RDB")
	if path == "" {
		b.Skip("set KEEL_BENCH_RDB to an RDB file to measure the import rate")
	}
	shards := "2"
	if s := os.Getenv("KEEL_BENCH_SHARDS"); s != "" {
		shards = s
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	// As keel-server runs.
	defer debug.SetGCPercent(debug.SetGCPercent(50))
	for _, aof := range []string{"yes", "no"} {
		b.Run("appendonly="+aof, func(b *testing.B) {
			var keys int
			for b.Loop() {
				b.StopTimer()
				dir := b.TempDir()
				cfg, err := config.Parse([]string{"--port", "0", "--bind", "127.0.0.1", "--dir", dir, "--shards", shards,
					"--appendonly", aof, "--import-rdb", path})
				if err != nil {
					b.Fatal(err)
				}
				opts := shardcore.Options{Logger: logger}
				var rec *recovery.Recovery
				if cfg.AppendOnly {
					rec, err = recovery.Open(dir, durability.OSFS{}, recovery.Config{Shards: cfg.ShardCount(),
						Fsync: durability.FsyncEverysec, SegmentSize: cfg.AOFSegmentSize, Logger: logger})
					if err != nil {
						b.Fatal(err)
					}
					opts.Persistence = rec.Logs()
				}
				srv, err := shardcore.NewServer(cfg, opts)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if err := importRDB(cfg, srv, logger); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				keys += srv.KeyCount()
				srv.Start()
				srv.Stop()
				if rec != nil {
					if err := rec.Logs().Close(); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(keys)/b.Elapsed().Seconds(), "keys/s")
		})
	}
}
