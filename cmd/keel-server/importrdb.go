package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keeldb/keel/rdb"
	"github.com/keeldb/keel/shardcore"
	"github.com/keeldb/keel/shardcore/config"
)

// importCommitEvery is how many keys of a shard go into its log per
// commit while importing: one fsync (appendfsync always) per this many keys.
const importCommitEvery = 1024

// importBatch is how many records travel together from the decoder to a
// shard's loader: one channel operation and one clock read per batch.
const importBatch = 256

// importRDB loads cfg.ImportRDB (import-rdb) into srv before it starts: every
// key of the file, streamed one at a time, logged as it is stored so that
// the next start has the data without the file. A data directory that
// already holds keys is refused unless import-rdb-replace is yes; then the
// file's keys replace those of the same name.
//
// One goroutine decodes and hands each key to a loader goroutine per
// shard, so decoding and storing (and logging) overlap and the shards fill
// in parallel; each shard still receives its keys in file order.
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
	dec := rdb.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	dec.OnWarning = func(w rdb.Warning) { logger.Warn("RDB import: skipped content", "detail", w.String()) }
	ld := newShardLoaders(srv)
	var seen, keys, expired int64
	now := start.UnixMilli()
	lastLog := start
	var derr error
	for {
		rec, err := dec.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			derr = fmt.Errorf("%s: %w", cfg.ImportRDB, err)
			break
		}
		if seen++; seen%importBatch == 0 {
			t := time.Now()
			now = t.UnixMilli()
			if t.Sub(lastLog) >= time.Second {
				lastLog = t
				logger.Info("importing RDB file", "loaded_bytes", dec.Offset(), "total_bytes", size, "keys", keys,
					"mb_per_sec", fmt.Sprintf("%.1f", float64(dec.Offset())/t.Sub(start).Seconds()/(1<<20)))
			}
		}
		if rec.ExpireAt != 0 && rec.ExpireAt <= now {
			expired++
			continue
		}
		if !ld.add(rec, dec.Offset(), now) {
			break // a loader failed: its error is reported below
		}
		keys++
	}
	if err := ld.finish(); err != nil {
		return fmt.Errorf("%s: %w (some keys of the file are in the data directory: remove it before retrying)", cfg.ImportRDB, err)
	}
	if derr != nil {
		return fmt.Errorf("%w (the keys imported before this point are in the data directory: remove it before retrying)", derr)
	}
	logger.Info("RDB file imported", "file", cfg.ImportRDB, "rdb_version", dec.Version(), "keys", keys,
		"expired_skipped", expired, "seconds", fmt.Sprintf("%.3f", time.Since(start).Seconds()))
	return nil
}

// loadItem is one record for a shard's loader, with the file offset after
// it (for errors) and the clock of its batch.
type loadItem struct {
	rec *rdb.Record
	off int64
	now int64
}

// shardLoaders runs one loader goroutine per shard, fed batches of records.
type shardLoaders struct {
	srv     *shardcore.Server
	batches []chan []loadItem
	pending [][]loadItem
	wg      sync.WaitGroup
	failed  atomic.Bool
	errs    []error // one slot per shard, read after wg.Wait
}

func newShardLoaders(srv *shardcore.Server) *shardLoaders {
	n := srv.Shards()
	ld := &shardLoaders{srv: srv, batches: make([]chan []loadItem, n), pending: make([][]loadItem, n), errs: make([]error, n)}
	for i := range n {
		ld.batches[i] = make(chan []loadItem, 4)
		ld.wg.Add(1)
		go func() {
			defer ld.wg.Done()
			ld.errs[i] = ld.run(i)
			if ld.errs[i] != nil {
				ld.failed.Store(true)
			}
		}()
	}
	return ld
}

// run stores the records of shard and commits its log every
// importCommitEvery keys; after an error it drains its channel.
func (ld *shardLoaders) run(shard int) error {
	var err error
	n := 0
	for batch := range ld.batches[shard] {
		for _, it := range batch {
			if err != nil {
				break
			}
			r := it.rec
			if lerr := ld.srv.LoadValueAt(r.DB, r.Key, r.Value, r.ExpireAt, it.now); lerr != nil {
				err = fmt.Errorf("key ending at offset %d: %w", it.off, lerr)
				break
			}
			if n++; n >= importCommitEvery {
				n = 0
				err = ld.srv.CommitLoadedShard(shard)
			}
		}
	}
	if err != nil {
		return err
	}
	return ld.srv.CommitLoadedShard(shard)
}

// add queues rec for its shard; false once a loader has failed.
func (ld *shardLoaders) add(rec *rdb.Record, off, now int64) bool {
	if ld.failed.Load() {
		return false
	}
	i := ld.srv.LoadShard(rec.Key)
	if ld.pending[i] == nil {
		ld.pending[i] = make([]loadItem, 0, importBatch)
	}
	ld.pending[i] = append(ld.pending[i], loadItem{rec, off, now})
	if len(ld.pending[i]) == importBatch {
		ld.batches[i] <- ld.pending[i]
		ld.pending[i] = nil
	}
	return true
}

// finish hands over the partial batches, waits for every loader and
// returns the first error.
func (ld *shardLoaders) finish() error {
	for i, b := range ld.pending {
		if len(b) > 0 {
			ld.batches[i] <- b
		}
		close(ld.batches[i])
	}
	ld.wg.Wait()
	return errors.Join(ld.errs...)
}
