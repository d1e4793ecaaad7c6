package shardcore

import (
	"fmt"
	"time"
)

// Replay: recovery applies logged effects to the shards before Start. Each
// shard's keyspace must only be touched by one goroutine at a time; callers
// serialize per shard (the shard index returned by ShardOf).

// ShardOf returns the shard owning a logged effect's key, or -1 for effects
// without keys (FLUSHALL, FLUSHDB, SWAPDB), which concern every shard.
func (srv *Server) ShardOf(args [][]byte) int {
	cmd := lookupCommand(args[0])
	if cmd == nil {
		return -1
	}
	if pos := cmd.keyPositions(args, nil); len(pos) > 0 {
		return int(srv.slotShard[Slot(args[pos[0]])])
	}
	return -1
}

// Apply runs one logged effect on shard as its command would, without
// logging it again. The clock is the effect's own (absolute TTLs make
// replay independent of when it happens, but keys already expired by
// now are dropped as they would be on access).
func (srv *Server) Apply(shard, db int, args [][]byte) error {
	if shard < 0 || shard >= len(srv.shards) {
		return fmt.Errorf("replay: shard %d out of range", shard)
	}
	s := srv.shards[shard]
	s.now = time.Now().UnixMilli()
	return s.apply(db, args)
}

// apply runs one logged effect on this shard (see Server.Apply) at the
// clock s.now, which callers refresh (per effect, or per batch of them).
func (s *Shard) apply(db int, args [][]byte) error {
	if db < 0 || db >= len(s.dbs) {
		return fmt.Errorf("replay: db %d out of range", db)
	}
	cmd := lookupCommand(args[0])
	if cmd == nil {
		return fmt.Errorf("replay: unknown command %q", args[0])
	}
	if cmd.Sub != nil && len(args) > 1 {
		cmd = cmd.Sub[lower(args[1])]
	}
	if cmd == nil {
		return fmt.Errorf("replay: %q cannot be replayed", args[0])
	}
	fn := cmd.Fn
	if cmd.Flags&FlagAllShard != 0 {
		fn = cmd.Local
	}
	if fn == nil {
		return fmt.Errorf("replay: %q cannot be replayed", args[0])
	}
	w := &s.scratch
	w.Reset()
	ctx := s.pushCtx()
	*ctx = Ctx{S: s, DB: s.dbs[db], DBi: db, Args: args, W: w, Now: s.now, effects: ctx.effects[:0]}
	fn(ctx)
	if ctx.dirty > 0 && s.ck.on {
		for _, p := range cmd.keyPositions(args, s.keyBuf[:0]) {
			s.ckNote(db, args[p])
		}
	}
	s.popCtx()
	if b := w.Bytes(); len(b) > 0 && b[0] == '-' {
		return fmt.Errorf("replay: %s: %s", args[0], b[1:len(b)-2])
	}
	return nil
}
