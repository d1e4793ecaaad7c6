package shardcore

import (
	"time"

	"github.com/keeldb/keel/shardcore/resp"
)

// dispatch routes one parsed command: connection commands and commands whose
// keys all live here run inline; single-shard commands for another shard join
// this iteration's batch for it; commands spanning shards go to a transaction
// coordinator.
func (s *Shard) dispatch(c *conn, args [][]byte) {
	cmd, errMsg := s.srv.resolve(c, args)
	if cmd == nil {
		if strOptIs(args[0], "exec") {
			errMsg = s.execRejected(c, errMsg)
		} else if c.multi != nil {
			c.multi.aborted = true
		}
		s.stats.reject(s.srv.rejectedCommand(args), errMsg)
		c.w.Error(errMsg)
		s.reply(c)
		return
	}
	c.lastCmd = cmd
	if s.pauseHold(c, cmd, args) {
		return
	}
	if c.inMulti(cmd) {
		s.queueMulti(c, cmd, args)
		return
	}
	switch cmd.Name {
	case "exec":
		s.startExec(c)
		return
	case "watch":
		s.watch(c, cmd, args)
		return
	}
	if s.srv.broadcastMonitor != nil && cmd.Flags&FlagSkipMonitor == 0 {
		s.srv.broadcastMonitor(c, args)
	}
	if cmd.Flags&FlagBlocking != 0 && s.block(c, cmd, args) {
		return
	}
	if cmd.Flags&FlagConn != 0 {
		s.execute(cmd, c.db, args, &c.w, c, nil)
		s.reply(c)
		return
	}
	if cmd.Flags&FlagAllShard != 0 {
		s.startMulti(c, cmd, args, s.srv.shards)
		return
	}
	target, multi := s.srv.route(cmd, args, &s.keyBuf)
	switch {
	case multi != nil:
		s.startMulti(c, cmd, args, multi)
	case target == s || target == nil: // nil: no key in this call
		s.execute(cmd, c.db, args, &c.w, c, nil)
		s.reply(c)
	default:
		s.enqueue(target, c, cmd, args)
	}
}

// resolve finds the command and applies the checks Redis makes before running
// one (authentication, arity, subcommands, loading). It returns the error
// reply when the command cannot run.
func (srv *Server) resolve(c *conn, args [][]byte) (*Command, string) {
	cmd := srv.lookupFor(c, args[0])
	if cmd == nil {
		return nil, errUnknown(args)
	}
	if (cmd.Arity > 0 && len(args) != cmd.Arity) || len(args) < -cmd.Arity {
		return nil, errArity(cmd.Name)
	}
	if cmd.Sub != nil && len(args) > 1 {
		sub := cmd.Sub[lower(args[1])]
		if sub == nil {
			return nil, errUnknownSub(args)
		}
		if (sub.Arity > 0 && len(args) != sub.Arity) || len(args) < -sub.Arity {
			return nil, "ERR wrong number of arguments for '" + cmd.Name + "|" + sub.Name + "' command"
		}
		cmd = sub
	}
	// As Redis 7: unknown commands and wrong arities are reported before
	// authentication is asked for.
	if !c.authed && cmd.Flags&FlagNoAuth == 0 {
		return nil, errNoAuth
	}
	if srv.loading.Load() && cmd.Flags&FlagLoading == 0 {
		return nil, "LOADING keel is loading the dataset in memory"
	}
	if cmd.Flags&FlagWrite != 0 {
		if err := srv.persist.WriteError(); err != "" {
			return nil, err
		}
		if err := srv.ckWriteError(); err != "" {
			return nil, err
		}
	}
	if c.sub != nil {
		if msg := subscribedReject(c, cmd, args); msg != "" {
			return nil, msg
		}
	}
	return cmd, ""
}

// lookupFor finds the command a client names, trying the one it named last
// first: clients repeat commands, and comparing a name costs less than
// hashing it.
func (srv *Server) lookupFor(c *conn, name []byte) *Command {
	if last := c.lastNamed; last != nil && srv.renamed == nil && strOptIs(name, last.Name) {
		return last
	}
	cmd := srv.lookupClient(name)
	if cmd != nil {
		c.lastNamed = cmd
	}
	return cmd
}

// route finds the shard owning every key of the command, or the set of
// shards when they differ; a command with a Route hook names its shard.
func (srv *Server) route(cmd *Command, args [][]byte, buf *[]int) (*Shard, []*Shard) {
	if cmd.Route != nil {
		return cmd.Route(srv, args), nil
	}
	pos := cmd.keyPositions(args, (*buf)[:0])
	*buf = pos
	if len(pos) == 0 {
		return nil, nil
	}
	first := srv.shardOf(args[pos[0]])
	if cmd.Spread != nil && cmd.Spread(srv, first, args) {
		return first, srv.shards
	}
	var multi []*Shard
	for _, p := range pos[1:] {
		sh := srv.shardOf(args[p])
		if sh == first {
			continue
		}
		if multi == nil {
			multi = []*Shard{first}
		}
		found := false
		for _, m := range multi {
			if m == sh {
				found = true
				break
			}
		}
		if !found {
			multi = append(multi, sh)
		}
	}
	return first, multi
}

func (srv *Server) shardOf(key []byte) *Shard {
	return srv.shards[srv.slotShard[Slot(key)]]
}

// execute runs cmd on this shard and records its effects; every write of
// every command goes through here, which is what makes logging uniform.
func (s *Shard) execute(cmd *Command, dbi int, args [][]byte, w *resp.Writer, c *conn, t *tx) {
	ctx := s.pushCtx()
	*ctx = Ctx{S: s, DB: s.dbs[dbi], DBi: dbi, Args: args, W: w, Now: s.now, Conn: c, tx: t, effects: ctx.effects[:0]}
	start := s.clockAt
	s.clockAt = 0
	if start == 0 {
		start = nanotime()
	}
	before := w.Len()
	cmd.Fn(ctx)
	s.lastEnd = nanotime()
	dur := time.Duration(s.lastEnd - start)
	if ctx.dirty > 0 && cmd.Flags&FlagWrite != 0 && len(ctx.effects) == 0 {
		ctx.effects = append(ctx.effects, args)
	}
	if ctx.dirty > 0 && (s.ck.on || len(s.watchers) > 0 || len(s.blk.keys) > 0) {
		for _, p := range cmd.keyPositions(args, s.keyBuf[:0]) {
			s.touch(dbi, args[p])
		}
	}
	s.logEffects(ctx)
	if c != nil && len(ctx.effects) > 0 {
		c.wrote(s.id, s.srv.persist.LoggedLSN(s.id))
		if !c.unsynced {
			c.unsynced = true
			s.unsynced = append(s.unsynced, c)
		}
	}
	if t == nil || !t.part {
		s.recordCall(cmd, args, dur, w.Bytes()[before:], c)
	}
	s.popCtx()
}

// pushCtx hands out a Ctx; a small stack keeps EXEC (which runs commands from
// inside a command) from clobbering its caller's context without allocating.
func (s *Shard) pushCtx() *Ctx {
	if s.ctxDepth == len(s.ctxs) {
		s.ctxs = append(s.ctxs, &Ctx{})
	}
	ctx := s.ctxs[s.ctxDepth]
	s.ctxDepth++
	return ctx
}

func (s *Shard) popCtx() { s.ctxDepth-- }

// logEffects hands a command's logged effects to persistence, tagged with its
// transaction so that recovery applies multi-shard writes whole or not at all.
func (s *Shard) logEffects(ctx *Ctx) {
	if ctx.dirty > 0 {
		s.srv.dirty.Add(int64(ctx.dirty))
	}
	var id uint64
	if ctx.tx != nil {
		id = ctx.tx.id
	}
	for _, e := range ctx.effects {
		s.srv.persist.Log(s.id, ctx.DBi, e, id)
	}
	s.logged += uint64(len(ctx.effects))
}

// endTx closes this shard's part of a multi-shard write in its log.
func (s *Shard) endTx(txid uint64, parts int) {
	s.srv.persist.EndTx(s.id, txid, parts)
	s.logged++
}

// logDel records the removal of a key that no command asked for (expiry).
func (s *Shard) logDel(dbi int, key []byte) {
	s.srv.persist.Log(s.id, dbi, [][]byte{delWord, key}, 0)
	s.logged++
	s.notifyExpired(dbi, key)
}

var delWord = []byte("DEL")

// runArgs executes a command given as arguments on this shard and returns its
// encoded reply (used by coordinators' hops and by EXEC).
func (s *Shard) runArgs(dbi, proto int, args [][]byte, t *tx) []byte {
	cmd := lookupCommand(args[0])
	var w resp.Writer
	w.Proto = proto
	if cmd.Sub != nil && len(args) > 1 {
		cmd = cmd.Sub[lower(args[1])]
	}
	s.execute(cmd, dbi, args, &w, nil, t)
	return w.Bytes()
}
