package recovery

// What WAITAOF asks of the logs: how far each shard has logged and how far
// that is on stable storage.

// AppendOnly reports that appendonly is yes: writes are logged, or will be
// once the checkpoint turning logging on is published.
func (l *Logs) AppendOnly() bool { return l.state.Load() != logOff }

// LoggedLSN is the LSN of the last record shard appended, buffered or not
// (0 before its writer opens). Call it on the shard's loop, which owns the
// writer's append side. Before the shard's log restarts at run time, it
// is the LSN of the switch, which stands for the writes made meanwhile.
func (l *Logs) LoggedLSN(shard int) uint64 {
	sl := l.shards[shard]
	w := sl.w.Load()
	last := sl.base.Load()
	if w != nil {
		last = uint64(w.LastLSN())
	}
	if l.state.Load() == logStarting && !sl.logging.Load() {
		return last + 1
	}
	return last
}

// SyncedLSN is the last LSN of shard an fsync confirmed (0 before its
// writer opens). Safe from any goroutine. While logging is being turned
// on, nothing from the switch on counts: it is durable only once the
// checkpoint of the switch is published.
func (l *Logs) SyncedLSN(shard int) uint64 {
	sl := l.shards[shard]
	synced := sl.base.Load()
	if w := sl.w.Load(); w != nil {
		synced = uint64(w.SyncedLSN())
	}
	if l.state.Load() == logStarting {
		if g := sl.gate.Load(); g != 0 {
			synced = min(synced, g-1)
		}
	}
	return synced
}
