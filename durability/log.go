package durability

import (
	"sync/atomic"
	"time"
)

// TxID identifies a cross-shard atomic write (MSET over several shards, a
// RENAME across shards, an EXEC). Every participant logs its part under the
// same id; an id must not repeat among the records any live segment holds.
type TxID uint64

// TxIDs hands out transaction ids. Seeded with the start time in
// nanoseconds, ids of a later run start above every id an earlier run could
// have issued (it would have needed more than one transaction per
// nanosecond to catch up); seeding with the largest id recovery saw as well
// covers a clock that went backwards. Safe for concurrent use.
type TxIDs struct{ last atomic.Uint64 }

// NewTxIDs returns a source whose first id is above both now (in Unix
// nanoseconds) and maxSeen.
func NewTxIDs(now time.Time, maxSeen TxID) *TxIDs {
	t := &TxIDs{}
	t.last.Store(max(uint64(now.UnixNano()), uint64(maxSeen)))
	return t
}

// Next returns a fresh id.
func (t *TxIDs) Next() TxID { return TxID(t.last.Add(1)) }

// Log is a shard's write-ahead log as the shard runtime sees it; aof.Writer
// implements it. Append, AppendTx, EndTx, Flush, RemoveSegmentsThrough and
// Close belong to the shard's own goroutine; Sync may run concurrently
// (appendfsync everysec calls it from a BackgroundSyncer); the LSN and
// Stats accessors are safe anywhere.
type Log interface {
	Syncer
	// Append buffers one write command of database db (no I/O) and
	// returns its LSN.
	Append(db int, args [][]byte) LSN
	// AppendTx buffers a command of this shard's part of transaction tx.
	AppendTx(tx TxID, db int, args [][]byte) LSN
	// EndTx closes this shard's part of tx, naming how many shards take
	// part. Every participant calls it, also one with no commands.
	EndTx(tx TxID, participants int) LSN
	// Flush writes the buffered records as one frame (group commit) and
	// returns the last LSN written. On error nothing is lost: the records
	// stay in memory and the next Flush or Sync writes them again.
	Flush() (LSN, error)
	// WrittenLSN is the last LSN handed to the operating system.
	WrittenLSN() LSN
	// SyncedLSN is the last LSN known to be on stable storage.
	SyncedLSN() LSN
	// RemoveSegmentsThrough deletes the log files holding only records at
	// or below lsn (after a checkpoint at lsn).
	RemoveSegmentsThrough(lsn LSN) error
	Stats() LogStats
	// Close flushes, syncs and closes the log.
	Close() error
}

// LogStats are a log's sizes and counters for INFO.
type LogStats struct {
	// Size is the bytes in the shard's live segments (aof_current_size),
	// counting frames still waiting to be rewritten after an error.
	Size int64
	// SegmentSize is the bytes in the segment being written.
	SegmentSize int64
	// Segments is the number of live segments.
	Segments int
	// Unsynced is the bytes written or waiting to be written but not yet
	// fsynced.
	Unsynced int64
	// WrittenLSN and SyncedLSN as the methods of the same names.
	WrittenLSN, SyncedLSN LSN
	// Frames and Records count what this log wrote since it was opened;
	// RawBytes and DiskBytes are the records' encoded size before and after
	// compression (DiskBytes includes frame headers).
	Frames, Records, RawBytes, DiskBytes uint64
}
