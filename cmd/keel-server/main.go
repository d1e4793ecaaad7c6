// Command keel-server runs the keel server: a durable, Redis-compatible
// key-value store with one shard per core.
//
//	keel-server [keel.conf] [--port 7000] [--dir ./data] [--appendfsync always] ...
package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

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

	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		logger.Error("cannot create data directory", "dir", cfg.Dir, "err", err)
		return 1
	}
	srv, err := shardcore.NewServer(cfg, shardcore.Options{Logger: logger})
	if err != nil {
		logger.Error("cannot start server", "err", err)
		return 1
	}
	srv.Start()
	logger.Info("keel is ready to accept connections", "port", srv.Port(), "shards", srv.Shards(), "pid", os.Getpid())

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	select {
	case s := <-sig:
		logger.Info("received signal, shutting down", "signal", s.String())
		srv.Stop()
	case <-srv.Done():
	}
	logger.Info("keel is now ready to exit, bye bye")
	return 0
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
