// Command keel-server runs the keel server: a durable, Redis-compatible
// key-value store with one shard per core.
//
//	keel-server [keel.conf] [--port 7000] [--dir ./data] [--appendfsync always] ...
package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // served only when KEEL_PPROF names an address
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/keeldb/keel/durability"
	"github.com/keeldb/keel/recovery"
	"github.com/keeldb/keel/shardcore"
	"github.com/keeldb/keel/shardcore/config"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	cfg, err := config.Parse(args)
	switch {
	case errors.Is(err, config.ErrVersion):
		fmt.Printf("keel-server v=%s\n", shardcore.Version)
		return 0
	case errors.Is(err, config.ErrHelp):
		fmt.Print(usage)
		return 0
	case err != nil:
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	logger := newLogger(cfg)
	slog.SetDefault(logger)
	// The keyspace lives in pointer-free slabs, so collections are cheap;
	// collecting more often keeps the heap close to the live data.
	debug.SetGCPercent(50)
	// Every shard loop keeps a P busy under load; two more let checkpoint
	// writes, Pebble and the collector run beside them instead of taking
	// a loop's P for a whole time slice (SET p99 during a checkpoint of 2M
	// keys: 21 ms with one P per core, 10.5 ms with these).
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(max(runtime.NumCPU(), cfg.ShardCount()) + 2)
	}

	// Profiling for developers: KEEL_PPROF=127.0.0.1:6060 serves
	// /debug/pprof/ there.
	if addr := os.Getenv("KEEL_PPROF"); addr != "" {
		go func() {
			if err := http.ListenAndServe(addr, nil); err != nil {
				logger.Error("cannot serve KEEL_PPROF", "addr", addr, "err", err)
			}
		}()
	}

	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		logger.Error("cannot create data directory", "dir", cfg.Dir, "err", err)
		return 1
	}
	lock, err := durability.LockDir(cfg.Dir)
	if err != nil {
		logger.Error("cannot start server", "err", err)
		return 1
	}
	defer lock.Close()
	policy, err := durability.ParseFsyncPolicy(cfg.AppendFsync)
	if err != nil {
		logger.Error("cannot start server", "err", err)
		return 1
	}
	rec, err := recovery.Open(cfg.Dir, durability.OSFS{}, recovery.Config{
		Shards:           cfg.ShardCount(),
		Fsync:            policy,
		LoadTruncated:    cfg.AOFLoadTruncated,
		CorruptTailMax:   cfg.AOFLoadCorruptTailMaxSize,
		SegmentSize:      cfg.AOFSegmentSize,
		AppendOnly:       cfg.AppendOnly,
		Checkpoints:      true,
		CheckpointRetain: cfg.CheckpointRetain,
		Logger:           logger,
	})
	if err != nil {
		logger.Error("cannot load the data directory", "dir", cfg.Dir, "err", err)
		return 1
	}
	ckStore := rec.CheckpointStore()
	// With appendonly no the logs stay off (Replay opens no writer) until
	// CONFIG SET appendonly yes turns them on.
	opts := shardcore.Options{Logger: logger, Persistence: rec.Logs(), Checkpoints: &shardcore.Checkpoints{
		Store: ckStore, Sink: rec, Next: rec.NextCheckpointID(),
	}}
	if !cfg.AppendOnly && rec.HasLogs() {
		logger.Warn("appendonly is no: the AOF in the data directory is not loaded, and writes are only persisted by checkpoints", "dir", cfg.Dir)
	}
	srv, err := shardcore.NewServer(cfg, opts)
	if err != nil {
		logger.Error("cannot start server", "err", err)
		return 1
	}
	// Before the loops start: a client may signal as soon as it is served.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	// The checkpoint, then the AOF tails, load through the running shard
	// loops, so clients get -LOADING and INFO meanwhile. An RDB import runs
	// before the loops start, on top of the loaded data: then everything
	// loads before it.
	load := func(app recovery.Applier) error {
		start := time.Now()
		keys, err := srv.LoadCheckpoint(ckStore)
		if err != nil {
			return fmt.Errorf("cannot load the checkpoint: %w", err)
		}
		if keys > 0 {
			secs := time.Since(start).Seconds()
			logger.Info("DB loaded from checkpoint", "keys", keys, "seconds", fmt.Sprintf("%.3f", secs),
				"keys_per_sec", int64(float64(keys)/max(secs, 1e-9)))
		}
		sum, err := rec.Replay(app)
		if err != nil {
			return fmt.Errorf("cannot load the AOF: %w", err)
		}
		if cfg.AppendOnly {
			logLoaded(logger, sum)
		}
		return nil
	}
	serveWhileLoading := cfg.ImportRDB == ""
	if !serveWhileLoading {
		srv.SetLoading(true)
		err := load(srv)
		srv.SetLoading(false)
		if err != nil {
			logger.Error("cannot load the data directory", "dir", cfg.Dir, "err", err)
			return 1
		}
	}
	if err := importRDB(cfg, srv, logger); err != nil {
		logger.Error("cannot import the RDB file", "file", cfg.ImportRDB, "err", err)
		return 1
	}
	imported := cfg.ImportRDB != ""
	if serveWhileLoading {
		srv.SetLoading(true)
		srv.Start()
		done := make(chan error, 1)
		go func() { done <- load(srv.NewLoadApplier()) }()
		select {
		case s := <-sig:
			// The load is abandoned: what it changes on disk survives an
			// interruption at any point.
			logger.Info("received signal while loading, exiting", "signal", s.String())
			srv.Stop()
			return 0
		case <-srv.Done(): // SHUTDOWN while loading
			logger.Info("keel is now ready to exit, bye bye")
			return 0
		case err := <-done:
			if err != nil {
				logger.Error("cannot load the data directory", "dir", cfg.Dir, "err", err)
				srv.Stop()
				return 1
			}
		}
		srv.SetLoading(false)
	} else {
		srv.Start()
	}
	logger.Info("keel is ready to accept connections", "port", srv.Port(), "shards", srv.Shards(), "pid", os.Getpid())
	if imported {
		// The next start then loads the checkpoint, not the RDB's log.
		if err := srv.Checkpoint(false); err != nil {
			logger.Error("cannot checkpoint the imported RDB", "err", err)
		}
	}

	select {
	case s := <-sig:
		logger.Info("received signal, shutting down", "signal", s.String())
		srv.ShutdownCheckpoint()
		srv.Stop()
	case <-srv.Done():
	}
	// The loops have stopped: write and fsync what they buffered.
	if err := rec.Logs().Close(); err != nil {
		logger.Error("cannot close the AOF", "err", err)
		return 1
	}
	// A checkpoint cut short by SHUTDOWN NOSAVE is abandoned: the next
	// start rebuilds the store from the last published copy.
	if !srv.CheckpointRunning() {
		ckStore.Close()
	}
	logger.Info("keel is now ready to exit, bye bye")
	return 0
}

func logLoaded(logger *slog.Logger, sum *recovery.Summary) {
	logger.Info("DB loaded from append only file", "seconds", fmt.Sprintf("%.3f", sum.Duration.Seconds()),
		"records", sum.Records, "bytes", sum.Bytes, "torn_bytes_cut", sum.TornBytes, "records_dropped", sum.Dropped)
}

func newLogger(cfg *config.Config) *slog.Logger {
	level := slog.LevelInfo
	switch cfg.LogLevel {
	case "debug":
		level = slog.LevelDebug
	case "warning":
		level = slog.LevelWarn
	}
	out := os.Stderr
	if cfg.LogFile != "" {
		if f, err := os.OpenFile(cfg.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err == nil {
			out = f
		}
	}
	return slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: level}))
}

const usage = `Usage: keel-server [/path/to/keel.conf] [options]
       keel-server -v or --version
       keel-server -h or --help

Options are redis.conf directives given as --name value; they override the
file. Examples:
       keel-server --port 7000 --dir ./data
       keel-server keel.conf --appendfsync always --save ''
`
