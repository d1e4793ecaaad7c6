package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/keeldb/keel/aof"
	"github.com/keeldb/keel/durability"
	"github.com/keeldb/keel/rdb"
	"github.com/keeldb/keel/recovery"
	"github.com/keeldb/keel/shardcore"
	"github.com/keeldb/keel/shardcore/config"
)

// rdbVersion is what export-rdb writes: the version redis-server 7.0 writes
// and loads.
const rdbVersion = 10

// importCommitEvery is how many imported keys go into the logs per commit.
const importCommitEvery = 1024

// offline is a data directory loaded into a server that never serves: its
// keyspace is read and written directly, before Start.
type offline struct {
	srv *shardcore.Server
	rec *recovery.Recovery
}

// openOffline replays dir into a new server of the given shard count. It
// writes to dir as a server start does (recovery repairs log tails and opens
// the logs' writers); close must be called to flush what was logged.
func openOffline(dir string, shards, databases int, loadTruncated bool, logger *slog.Logger) (*offline, error) {
	cfg, err := config.Parse([]string{"--port", "0", "--bind", "127.0.0.1", "--dir", dir,
		"--shards", strconv.Itoa(shards), "--databases", strconv.Itoa(databases), "--save", ""})
	if err != nil {
		return nil, err
	}
	rec, err := recovery.Open(dir, durability.OSFS{}, recovery.Config{
		Shards:        shards,
		Fsync:         durability.FsyncNo, // close fsyncs everything once
		LoadTruncated: loadTruncated,
		AppendOnly:    true,
		Checkpoints:   true,
		Logger:        logger,
	})
	if err != nil {
		return nil, err
	}
	// The server binds a loopback port it never serves: NewServer always
	// listens, and offline work needs its shards. Only rewrite takes a
	// checkpoint; other offline work only adds to the logs.
	o := &offline{rec: rec}
	srv, err := shardcore.NewServer(cfg, shardcore.Options{Logger: logger, Persistence: rec.Logs(),
		Checkpoints: &shardcore.Checkpoints{Store: rec.CheckpointStore(), Sink: rec, Next: rec.NextCheckpointID()}})
	if err != nil {
		o.closeCheckpoint()
		return nil, err
	}
	o.srv = srv
	if st := rec.CheckpointStore(); st != nil {
		if _, err := srv.LoadCheckpoint(st); err != nil {
			o.closeCheckpoint()
			return nil, err
		}
	}
	sum, err := rec.Replay(srv)
	if err != nil {
		o.close()
		return nil, err
	}
	logger.Info("data directory loaded", "dir", dir, "shards", shards, "records", sum.Records, "bytes", sum.Bytes,
		"keys", srv.KeyCount(), "seconds", fmt.Sprintf("%.3f", sum.Duration.Seconds()))
	return o, nil
}

// close flushes and closes the logs and the checkpoint store.
func (o *offline) close() error {
	return errors.Join(o.rec.Logs().Close(), o.closeCheckpoint())
}

func (o *offline) closeCheckpoint() error {
	if st := o.rec.CheckpointStore(); st != nil {
		return st.Close()
	}
	return nil
}

// loggedShards is the shard count that wrote dir's logs, 0 when they hold
// no data (or there is no MANIFEST yet).
func loggedShards(dir string) (int, error) {
	m, err := durability.LoadManifest(durability.OSFS{}, dir)
	if err != nil {
		if _, serr := os.Stat(filepath.Join(dir, durability.ManifestName)); errors.Is(serr, fs.ErrNotExist) {
			return 0, nil
		}
		return 0, err
	}
	n := 0
	for _, sl := range m.Shards {
		for _, seg := range sl.Segments {
			st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(seg.Name)))
			if err != nil {
				return 0, err
			}
			if st.Size() > 0 {
				n = max(n, sl.Shard+1)
				break
			}
		}
	}
	return n, nil
}

func runExportRDB(args []string, _ io.Reader, _, stderr io.Writer) error {
	fl := newFlags("export-rdb", "--dir <datadir> --out <dump.rdb>", stderr)
	dir := fl.String("dir", "", "keel data directory to export (left unchanged: it is loaded from a temporary copy)")
	out := fl.String("out", "", "RDB file to write (RDB version 10, as redis-server 7.0 writes; replaced atomically)")
	databases := fl.Int("databases", 16, "number of databases (as the server's databases option)")
	truncated := fl.Bool("aof-load-truncated", true, "load a log whose last frame is torn (cut in the copy only)")
	tmpDir := fl.String("tmpdir", "", "where to copy the data directory (default: the system's temporary directory)")
	quiet := fl.Bool("quiet", false, "log warnings and errors only")
	if err := parseFlags(fl, args, "dir", "out"); err != nil {
		return err
	}
	logger := newLogger(stderr, *quiet)
	if st, err := os.Stat(*dir); err != nil {
		return err
	} else if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", *dir)
	}
	lock, err := lockDir(*dir)
	if err != nil {
		return err
	}
	defer lock.Close()
	shards, err := loggedShards(*dir)
	if err != nil {
		return err
	}
	if shards == 0 {
		shards = 1
	}
	// Loading a data directory writes to it (log tails are repaired and
	// writers opened), so the export loads a copy.
	work, err := os.MkdirTemp(*tmpDir, "keel-aof-export-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if err := copyDataDir(*dir, work); err != nil {
		return err
	}
	o, err := openOffline(work, shards, *databases, *truncated, logger)
	if err != nil {
		return err
	}
	defer o.close()
	n, err := writeRDB(o.srv, *out, logger)
	if err != nil {
		return err
	}
	logger.Info("RDB file written", "file", *out, "keys", n)
	return nil
}

// copyDataDir copies what recovery reads of a data directory: the MANIFEST,
// the checkpoint it names and the AOF segments.
func copyDataDir(src, dst string) error {
	if err := copyFile(filepath.Join(src, durability.ManifestName), filepath.Join(dst, durability.ManifestName)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	m, err := durability.LoadManifest(durability.OSFS{}, src)
	if err != nil {
		return err
	}
	if m.Checkpoint != nil {
		rel := filepath.FromSlash(m.Checkpoint.ID)
		if err := copyTree(filepath.Join(src, rel), filepath.Join(dst, rel)); err != nil {
			return fmt.Errorf("copy checkpoint %s: %w", m.Checkpoint.ID, err)
		}
	}
	entries, err := os.ReadDir(filepath.Join(src, aof.DirName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(dst, aof.DirName), 0o755); err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		if err := copyFile(filepath.Join(src, aof.DirName, e.Name()), filepath.Join(dst, aof.DirName, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// copyTree copies the directory src (regular files and subdirectories).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		switch {
		case e.IsDir():
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		case e.Type().IsRegular():
			return copyFile(p, filepath.Join(dst, rel))
		}
		return nil
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return out.Close()
}

// writeRDB writes every live key of srv to path through a temp file renamed
// into place once complete and synced.
func writeRDB(srv *shardcore.Server, path string, logger *slog.Logger) (int64, error) {
	tmp := path + ".tmp-" + strconv.Itoa(os.Getpid())
	f, err := os.Create(tmp)
	if err != nil {
		return 0, err
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	enc, err := rdb.NewEncoder(f, rdbVersion)
	if err != nil {
		return 0, err
	}
	if err := enc.WriteStandardAux(shardcore.Version, 0); err != nil {
		return 0, err
	}
	total := srv.KeyCount()
	var n int64
	start := time.Now()
	last := start
	for db := range srv.Databases() {
		keys, expires := srv.DBStats(db)
		if keys == 0 {
			continue
		}
		if err := enc.SelectDB(db, keys, expires); err != nil {
			return n, err
		}
		err := srv.EachValue(db, func(key []byte, v rdb.Value, expireAt int64) error {
			rec := rdb.Record{DB: db, Key: key, Value: v, ExpireAt: expireAt, Idle: -1, Freq: -1}
			if err := enc.WriteRecord(&rec); err != nil {
				return err
			}
			n++
			if now := time.Now(); now.Sub(last) >= time.Second {
				last = now
				logger.Info("exporting", "keys", n, "total_keys", total)
			}
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	if err := enc.Close(); err != nil {
		return n, err
	}
	if err := f.Sync(); err != nil {
		return n, fmt.Errorf("fsync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return n, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return n, err
	}
	ok = true
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync() // the rename is done; a failed directory fsync only weakens crash safety
		d.Close()
	}
	return n, nil
}

func runImportRDB(args []string, _ io.Reader, _, stderr io.Writer) error {
	fl := newFlags("import-rdb", "--dir <datadir> --in <dump.rdb>", stderr)
	dir := fl.String("dir", "", "keel data directory to import into (created if missing)")
	in := fl.String("in", "", "RDB file to import (any version from 1 to 12)")
	replace := fl.Bool("replace", false, "import into a directory that holds data: the file's keys replace those of the same name")
	shards := fl.Int("shards", 0, "shard count of a new data directory: the --shards keel-server will run with (default: one per CPU, as keel-server); a directory with data keeps its own")
	databases := fl.Int("databases", 16, "number of databases (as the server's databases option)")
	truncated := fl.Bool("aof-load-truncated", true, "load a log whose last frame is torn, cutting it")
	quiet := fl.Bool("quiet", false, "log warnings and errors only")
	if err := parseFlags(fl, args, "dir", "in"); err != nil {
		return err
	}
	logger := newLogger(stderr, *quiet)
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	lock, err := lockDir(*dir)
	if err != nil {
		return err
	}
	defer lock.Close()
	n, err := loggedShards(*dir)
	if err != nil {
		return err
	}
	switch {
	case n > 0 && *shards > 0 && n != *shards:
		return fmt.Errorf("%s was written by %d shards, not %d", *dir, n, *shards)
	case n == 0 && *shards > 0:
		n = *shards
	case n == 0:
		n = runtime.NumCPU()
	}
	o, err := openOffline(*dir, n, *databases, *truncated, logger)
	if err != nil {
		return err
	}
	if keys := o.srv.KeyCount(); keys > 0 && !*replace {
		o.close()
		return fmt.Errorf("%s already holds %d keys: refusing to import over them (--replace lets the file's keys replace those of the same name)", *dir, keys)
	}
	loaded, ierr := importKeys(o.srv, f, *in, logger)
	if err := o.close(); err != nil {
		return errors.Join(ierr, fmt.Errorf("closing the logs: %w", err))
	}
	if ierr != nil {
		return fmt.Errorf("%w (the %d keys imported before the error are in %s)", ierr, loaded, *dir)
	}
	return nil
}

// importKeys streams the RDB file r into srv, one key at a time.
func importKeys(srv *shardcore.Server, r io.Reader, name string, logger *slog.Logger) (int64, error) {
	var size int64
	if f, ok := r.(*os.File); ok {
		if st, err := f.Stat(); err == nil {
			size = st.Size()
		}
	}
	dec := rdb.NewDecoder(r)
	dec.OnWarning = func(w rdb.Warning) { logger.Warn("skipped content", "detail", w.String()) }
	var keys, expired, pending int64
	start := time.Now()
	last := start
	for {
		rec, err := dec.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return keys, fmt.Errorf("%s: %w", name, err)
		}
		if rec.ExpireAt != 0 && rec.ExpireAt <= time.Now().UnixMilli() {
			expired++
			continue
		}
		if err := srv.LoadValue(rec.DB, rec.Key, rec.Value, rec.ExpireAt); err != nil {
			return keys, fmt.Errorf("%s at offset %d: %w", name, dec.Offset(), err)
		}
		keys++
		if pending++; pending >= importCommitEvery {
			if err := srv.CommitLoaded(); err != nil {
				return keys, err
			}
			pending = 0
		}
		if now := time.Now(); now.Sub(last) >= time.Second {
			last = now
			logger.Info("importing", "loaded_bytes", dec.Offset(), "total_bytes", size, "keys", keys)
		}
	}
	if err := srv.CommitLoaded(); err != nil {
		return keys, err
	}
	logger.Info("RDB file imported", "file", name, "rdb_version", dec.Version(), "keys", keys,
		"expired_skipped", expired, "seconds", fmt.Sprintf("%.3f", time.Since(start).Seconds()))
	return keys, nil
}
