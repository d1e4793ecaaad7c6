package shardcore

import (
	"errors"

	"github.com/keeldb/keel/durability"
)

// Persistence is how shards make their writes durable. Each shard calls Log
// for every applied write (its effect, tagged with the multi-shard
// transaction id when there is one) and Commit once per loop iteration,
// before any reply of that iteration leaves. Commit returns once the fsync
// policy is satisfied (for appendfsync always: the writes are on stable
// storage). Implementations keep one log per shard; shardcore knows nothing
// of files. The args passed to Log are valid only during the call.
type Persistence interface {
	Log(shard, db int, args [][]byte, txid uint64)
	// EndTx closes a shard's part of a multi-shard write; every participant
	// calls it, with the number of participants.
	EndTx(shard int, txid uint64, parts int)
	// Commit makes the shard's logged writes as durable as the policy asks.
	// On error they are not: the shard holds back the replies of those writes
	// and calls Commit again until it succeeds (the records stay buffered).
	Commit(shard int) error
	// WriteError is the error replied to writes while persistence fails
	// ("" when healthy), e.g. "MISCONF Errors writing to the AOF file: ...".
	WriteError() string
	// Info appends the "name:value" lines of INFO persistence that belong
	// to the log (aof_enabled, aof_current_size, aof_delayed_fsync, ...).
	Info(lines []string) []string
	// SetFsync applies CONFIG SET appendfsync ("always", "everysec", "no").
	SetFsync(policy string) error
	// StopLogging applies CONFIG SET appendonly no: later writes are not
	// logged (checkpoints still persist them).
	StopLogging()
	// StartLogging applies CONFIG SET appendonly yes: logging starts at
	// the next checkpoint's cut (which the caller starts) and is in effect
	// once that checkpoint is published; until then a crash recovers the
	// previous checkpoint and logs only. It fails when there is no log to
	// write to.
	StartLogging() error
	// LogStarting reports that logging was turned on and no checkpoint has
	// put it in effect yet (a failed one must be retried).
	LogStarting() bool

	// AppendOnly reports whether writes are logged at all (appendonly yes);
	// WAITAOF refuses to wait for local fsyncs otherwise.
	AppendOnly() bool
	// LoggedLSN is the LSN of the last write shard logged (0: none yet).
	// Call it on the shard's loop.
	LoggedLSN(shard int) uint64
	// SyncedLSN is the last LSN of shard known to be on stable storage.
	// Safe from any goroutine.
	SyncedLSN(shard int) uint64

	// Cut is a checkpoint's cut on shard: it returns the LSN of the last
	// write logged so far (which the checkpoint holds) and starts a new
	// segment for what follows, so that the old ones become removable.
	// Call it on the shard's loop.
	Cut(shard int) uint64
	// SyncThrough makes shard's log durable through lsn. Safe from any
	// goroutine.
	SyncThrough(shard int, lsn uint64) error
	// Truncate removes shard's segments that hold only LSNs <= lsn (a
	// published checkpoint covers them). Call it on the shard's loop.
	Truncate(shard int, lsn uint64) error
	// Size returns the logs' current size and their size after the last
	// checkpoint (for auto-aof-rewrite-percentage).
	Size() (current, base int64)
}

// latencyProbed is a Persistence that times its own disk operations for
// the latency monitor ("aof-write", "aof-fsync-always"): NewServer hands it
// the server's probe.
type latencyProbed interface {
	SetLatencyProbe(p durability.LatencyProbe)
}

// errNoLogDir is why a server without persistence cannot log.
var errNoLogDir = errors.New("the server runs without a data directory")

type nopPersistence struct{}

func (nopPersistence) Log(int, int, [][]byte, uint64) {}
func (nopPersistence) EndTx(int, uint64, int)         {}
func (nopPersistence) Commit(int) error               { return nil }
func (nopPersistence) WriteError() string             { return "" }
func (nopPersistence) Info(lines []string) []string   { return append(lines, "aof_enabled:0") }
func (nopPersistence) SetFsync(string) error          { return nil }
func (nopPersistence) StopLogging()                   {}
func (nopPersistence) StartLogging() error            { return errNoLogDir }
func (nopPersistence) LogStarting() bool              { return false }
func (nopPersistence) AppendOnly() bool               { return false }
func (nopPersistence) LoggedLSN(int) uint64           { return 0 }
func (nopPersistence) SyncedLSN(int) uint64           { return 0 }
func (nopPersistence) Cut(int) uint64                 { return 0 }
func (nopPersistence) SyncThrough(int, uint64) error  { return nil }
func (nopPersistence) Truncate(int, uint64) error     { return nil }
func (nopPersistence) Size() (int64, int64)           { return 0, 0 }
