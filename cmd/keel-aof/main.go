// Command keel-aof is offline tooling over a keel data directory: it works
// on a directory no server is running on, and holds the directory's lock
// (durability.LockDir) while it does, read-only commands included, so that
// it never reads a directory while a server writes it.
//
//	keel-aof ls --dir ./data
//	keel-aof verify --dir ./data [--json]
//	keel-aof fix --dir ./data [--yes] [--no-backup]
//	keel-aof cat --dir ./data [--format resp|text] [filters] | redis-cli --pipe
//	keel-aof stats --dir ./data [--top 10]
//	keel-aof truncate --dir ./data --to-timestamp 2026-01-02T15:04:05Z [--yes]
//	keel-aof import-redis-aof --from ./appendonlydir --dir ./data
//	keel-aof export-rdb --dir ./data --out dump.rdb
//	keel-aof import-rdb --dir ./data --in dump.rdb
//	keel-aof rewrite --dir ./data
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/keeldb/keel/durability"
)

// command is one sub-command: its flags are parsed from the arguments that
// follow its name.
type command struct {
	summary string
	run     func(args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

var commands = map[string]command{
	"ls":               {"list the MANIFEST, the checkpoint and every shard's segments (LSN and time ranges, sizes, compression)", runLs},
	"verify":           {"check every frame's CRC, LSN continuity and the MANIFEST; exit 1 with one line per problem", runVerify},
	"fix":              {"cut a shard's log at its last sound frame (torn tail or corruption), after confirmation", runFix},
	"cat":              {"print the logged writes as RESP (pipe into redis-cli --pipe) or as text, with filters", runCat},
	"stats":            {"writes and bytes per command and per key prefix, and the hottest keys", runStats},
	"truncate":         {"point-in-time recovery: cut every shard's log after a time (or one shard's after an LSN)", runTruncate},
	"import-redis-aof": {"build a keel data directory from a Redis AOF (7.0 appendonly directory or single file)", runImportRedisAOF},
	"export-rdb":       {"write a data directory's keys to an RDB file redis-server loads", runExportRDB},
	"import-rdb":       {"load an RDB file (a Redis dump) into a data directory", runImportRDB},
	"rewrite":          {"take a checkpoint of a data directory and drop the logs it covers (BGREWRITEAOF offline)", runRewrite},
}

// errUsage marks an error the usage text explains; the message has been
// printed already.
var errUsage = errors.New("usage")

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// errProblems is returned by a command that printed what is wrong itself:
// it only sets the exit status.
var errProblems = errors.New("problems found")

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "keel-aof: unknown command %q\n\n", args[0])
		printUsage(stderr)
		return 2
	}
	if err := cmd.run(args[1:], stdin, stdout, stderr); err != nil {
		if errors.Is(err, errUsage) {
			return 2
		}
		if errors.Is(err, errProblems) {
			return 1
		}
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "keel-aof %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, "Usage: keel-aof <command> [options]\n\nCommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-17s %s\n", n, commands[n].summary)
	}
	fmt.Fprint(w, usageNotes)
}

const usageNotes = `
Every command works on --dir <datadir> and takes the directory's lock: it
refuses a directory a keel-server (or another keel-aof) is using. Nothing is
modified without an explicit command (fix, truncate, import-*), and fix and
truncate print what they drop and ask for confirmation (--yes skips it);
the cut bytes are kept next to their segment as <segment>.cut-<unixms>
unless --no-backup.

  ls       MANIFEST, checkpoint (id, time, per-shard LSNs) and, per shard,
           each segment's LSN range, time range, size and compression ratio.
  verify   every frame's CRC, LSN continuity within and across segments, the
           MANIFEST (named segments exist; unnamed segment files are
           warnings), the checkpoint directory. Exit 0 when sound, else one
           line per problem (file, offset, LSN, what) and exit 1. --json.
  fix      cuts each damaged shard's log at its last sound frame: a torn
           tail, or a corrupt frame anywhere (later segments are dropped from
           the MANIFEST), printing the records, keys and time range dropped.
  cat      the writes as RESP, SELECT when the database changes; the commands
           of a cross-shard transaction only when all its parts are logged,
           as recovery does. --format text shows shard, LSN and time.
           Filters: --shard, --from-lsn/--to-lsn, --from-time/--to-time
           (RFC 3339 or Unix ms), --key <glob>, --command <name>.
             keel-aof cat --dir ./data | redis-cli --pipe
  stats    writes and bytes per command and per key prefix (up to the
           first ':'), the --top N most written keys.
  truncate --to-timestamp T cuts each shard's log at its first frame
           written after T; --to-lsn N [--shard S] cuts a shard's log at its
           first frame holding an LSN past N (frames are the unit). Refused
           when the MANIFEST's checkpoint is newer than the cut.
  rewrite  loads the directory (checkpoint + logs), takes a checkpoint and
           removes the log segments it covers: the next start loads the
           checkpoint and replays nothing.
  import-redis-aof --from <appendonlydir | file.aof> --dir <new datadir>
           replays a Redis 7 appendonly directory (manifest, RDB or AOF base,
           incr files) or a single pre-7 AOF (with or without an RDB
           preamble) into a new keel data directory.
`

// newFlags returns a flag set whose errors print the command's usage.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: keel-aof %s %s\n\nOptions:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, requiring the named string flags to be set.
func parseFlags(fs *flag.FlagSet, args []string, required ...string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	for _, name := range required {
		if fs.Lookup(name).Value.String() == "" {
			fmt.Fprintf(fs.Output(), "--%s is required\n", name)
			fs.Usage()
			return errUsage
		}
	}
	return nil
}

func newLogger(stderr io.Writer, quiet bool) *slog.Logger {
	level := slog.LevelInfo
	if quiet {
		level = slog.LevelWarn
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
}

// lockDir takes dir's lock for the whole run of a command.
func lockDir(dir string) (*durability.DirLock, error) {
	l, err := durability.LockDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: keel-aof works only on a directory no keel-server is using", err)
	}
	return l, nil
}

// openLocked takes dir's lock and reads the data directory's MANIFEST and
// segments; the caller closes the lock.
func openLocked(dir string) (*durability.DirLock, *dataDir, error) {
	lock, err := lockDir(dir)
	if err != nil {
		return nil, nil, err
	}
	d, err := loadDataDir(dir)
	if err != nil {
		lock.Close()
		return nil, nil, err
	}
	return lock, d, nil
}

// parseTime reads a time given as RFC 3339 or as Unix milliseconds.
func parseTime(s string) (int64, error) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return ms, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, fmt.Errorf("time %q is neither RFC 3339 (2006-01-02T15:04:05Z) nor Unix milliseconds", s)
	}
	return t.UnixMilli(), nil
}

// fmtTime formats Unix milliseconds as UTC RFC 3339 with milliseconds.
func fmtTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// confirm asks a yes/no question on stdin; anything but y or yes is no.
func confirm(stdin io.Reader, stdout io.Writer, question string) bool {
	fmt.Fprintf(stdout, "%s [y/N] ", question)
	var line []byte
	var b [1]byte
	for {
		n, err := stdin.Read(b[:])
		if n == 1 && b[0] != '\n' {
			line = append(line, b[0])
			continue
		}
		if n == 1 || err != nil {
			break
		}
	}
	answer := strings.ToLower(strings.TrimSpace(string(line)))
	return answer == "y" || answer == "yes"
}
