package shardcore

import (
	"errors"
)

// SAVE, BGSAVE and BGREWRITEAOF all take a checkpoint (checkpoint.go): keel
// has no RDB file to write and no AOF to rewrite, and a checkpoint is both.
// They run as all-shard commands only to get a goroutine that may wait;
// the shards are released at once, and the checkpoint locks them itself
// just for its cut.
func init() {
	register(
		&Command{Name: "save", Arity: 1, Flags: FlagAdmin | FlagNoscript | FlagNoMulti | FlagAllShard, Group: "server", Since: "1.0.0", Summary: "Synchronously saves the database(s) to disk.", Multi: cmdSave},
		&Command{Name: "bgsave", Arity: -1, Flags: FlagAdmin | FlagNoscript | FlagAllShard, Group: "server", Since: "1.0.0", Summary: "Asynchronously saves the database(s) to disk.", Multi: cmdBgsave},
		&Command{Name: "bgrewriteaof", Arity: 1, Flags: FlagAdmin | FlagNoscript | FlagAllShard, Group: "server", Since: "1.0.0", Summary: "Asynchronously rewrites the append-only file to disk.", Multi: cmdBgrewriteaof},
	)
}

func releaseAll(m *Multi) {
	for _, sh := range m.Shards() {
		m.Release(sh)
	}
}

func cmdSave(m *Multi) {
	releaseAll(m)
	done := make(chan error, 1)
	err := m.srv.startCheckpoint(false, false, done)
	if errors.Is(err, errCkInProgress) {
		m.W.Error("ERR Background save already in progress")
		return
	}
	if err == nil {
		err = <-done
	}
	if err != nil {
		m.W.Error("ERR " + err.Error())
		return
	}
	m.W.Simple("OK")
}

func cmdBgsave(m *Multi) {
	releaseAll(m)
	schedule := false
	if len(m.Args) > 1 {
		if len(m.Args) > 2 || lower(m.Args[1]) != "schedule" {
			m.W.Error(errSyntax)
			return
		}
		schedule = true
	}
	running := m.srv.CheckpointRunning()
	err := m.srv.startCheckpoint(false, schedule, nil)
	switch {
	case errors.Is(err, errCkInProgress):
		m.W.Error("ERR Background save already in progress")
	case err != nil:
		m.W.Error("ERR " + err.Error())
	case running && schedule:
		m.W.Simple("Background saving scheduled")
	default:
		m.W.Simple("Background saving started")
	}
}

func cmdBgrewriteaof(m *Multi) {
	releaseAll(m)
	running := m.srv.CheckpointRunning()
	if err := m.srv.startCheckpoint(true, true, nil); err != nil {
		m.W.Error("ERR " + err.Error())
		return
	}
	if running {
		m.W.Simple("Background append only file rewriting scheduled")
		return
	}
	m.W.Simple("Background append only file rewriting started")
}
