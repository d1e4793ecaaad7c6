package recovery

// What WAITAOF asks of the logs: how far each shard has logged and how far
// that is on stable storage.

// AppendOnly reports that writes are logged: Logs exists only with
// appendonly yes, until CONFIG SET appendonly no.
func (l *Logs) AppendOnly() bool { return !l.off.Load() }

// LoggedLSN is the LSN of the last record shard appended, buffered or not
// (0 before its writer opens). Call it on the shard's loop, which owns the
// writer's append side.
func (l *Logs) LoggedLSN(shard int) uint64 {
	if w := l.shards[shard].w.Load(); w != nil {
		return uint64(w.LastLSN())
	}
	return 0
}

// SyncedLSN is the last LSN of shard an fsync confirmed (0 before its
// writer opens). Safe from any goroutine.
func (l *Logs) SyncedLSN(shard int) uint64 {
	if w := l.shards[shard].w.Load(); w != nil {
		return uint64(w.SyncedLSN())
	}
	return 0
}
