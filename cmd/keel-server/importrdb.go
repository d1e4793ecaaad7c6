package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/keeldb/keel/rdb"
	"github.com/keeldb/keel/shardcore"
	"github.com/keeldb/keel/shardcore/config"
)

// importCommitEvery is how many keys go into the logs per commit while
// importing: one fsync (appendfsync always) per this many keys.
const importCommitEvery = 1024

// importRDB loads cfg.ImportRDB (import-rdb) into srv before it starts: every
// key of the file, streamed one at a time, logged as it is stored so that
// the next start has the data without the file. A data directory that
// already holds keys is refused unless import-rdb-replace is yes; then the
// file's keys replace those of the same name.
func importRDB(cfg *config.Config, srv *shardcore.Server, logger *slog.Logger) error {
	if cfg.ImportRDB == "" {
		return nil
	}
	if n := srv.KeyCount(); n > 0 && !cfg.ImportRDBReplace {
		return fmt.Errorf("the data directory %s already holds %d keys: refusing to import %s over them "+
			"(remove the import-rdb option if the import was done already, or set import-rdb-replace yes to let the file's keys replace those of the same name)",
			cfg.Dir, n, cfg.ImportRDB)
	}
	if !cfg.AppendOnly {
		logger.Warn("appendonly is no: the imported keys are in memory only and will be lost at shutdown")
	}
	f, err := os.Open(cfg.ImportRDB)
	if err != nil {
		return err
	}
	defer f.Close()
	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	logger.Info("importing RDB file", "file", cfg.ImportRDB, "bytes", size)
	start := time.Now()
	dec := rdb.NewDecoder(f)
	dec.OnWarning = func(w rdb.Warning) { logger.Warn("RDB import: skipped content", "detail", w.String()) }
	var keys, expired, pending int64
	lastLog := start
	for {
		rec, err := dec.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w (the keys imported before this point are in the data directory: remove it before retrying)", cfg.ImportRDB, err)
		}
		if rec.ExpireAt != 0 && rec.ExpireAt <= time.Now().UnixMilli() {
			expired++
			continue
		}
		if err := srv.LoadValue(rec.DB, rec.Key, rec.Value, rec.ExpireAt); err != nil {
			return fmt.Errorf("%s at offset %d: %w (the keys imported before this point are in the data directory: remove it before retrying)", cfg.ImportRDB, dec.Offset(), err)
		}
		keys++
		if pending++; pending >= importCommitEvery {
			if err := srv.CommitLoaded(); err != nil {
				return err
			}
			pending = 0
		}
		if now := time.Now(); now.Sub(lastLog) >= time.Second {
			lastLog = now
			logger.Info("importing RDB file", "loaded_bytes", dec.Offset(), "total_bytes", size, "keys", keys,
				"mb_per_sec", fmt.Sprintf("%.1f", float64(dec.Offset())/now.Sub(start).Seconds()/(1<<20)))
		}
	}
	if err := srv.CommitLoaded(); err != nil {
		return err
	}
	logger.Info("RDB file imported", "file", cfg.ImportRDB, "rdb_version", dec.Version(), "keys", keys,
		"expired_skipped", expired, "seconds", fmt.Sprintf("%.3f", time.Since(start).Seconds()))
	return nil
}
