package shardcore

import (
	"strings"
	"time"

	"github.com/keeldb/keel/shardcore/resp"
)

// MULTI/EXEC/WATCH.
//
// Queued commands run at EXEC as one transaction: inline when they and the
// watched keys all live on the connection's shard, as one message or a shot
// when each command stays on one shard (tx_exec.go), and otherwise as a
// multi-shard transaction (tx.go) where every shard a queued command or a
// watched key lives on is held before anything runs. Either way no other
// client's command interleaves with the transaction on any shard, and its
// writes share one transaction id in the logs (all or nothing after a
// crash).
//
// WATCH registers the connection on the shards owning the keys. A shard
// bumps nothing per key; it marks the watching connections dirty when a
// watched key is written, expires or is flushed. EXEC, while holding the
// shards, asks each of them whether the connection went dirty.

func init() {
	register(
		&Command{Name: "multi", Arity: 1, Flags: FlagNoscript | FlagLoading | FlagStale | FlagFast | FlagConn, Group: "transactions", Since: "1.2.0", Summary: "Starts a transaction.", Fn: cmdMulti},
		execCmd,
		&Command{Name: "discard", Arity: 1, Flags: FlagNoscript | FlagLoading | FlagStale | FlagFast | FlagConn, Group: "transactions", Since: "2.0.0", Summary: "Discards a transaction.", Fn: cmdDiscard},
		&Command{Name: "watch", Arity: -2, Flags: FlagNoscript | FlagLoading | FlagStale | FlagFast, FirstKey: 1, LastKey: -1, Group: "transactions", Since: "2.2.0", Summary: "Monitors changes to keys to determine the execution of a transaction."},
		&Command{Name: "unwatch", Arity: 1, Flags: FlagNoscript | FlagLoading | FlagStale | FlagFast | FlagConn, Group: "transactions", Since: "2.2.0", Summary: "Forgets about watched keys of a transaction.", Fn: cmdUnwatch},
	)
}

// execCmd is EXEC, which the dispatcher runs itself (startExec).
var execCmd = &Command{Name: "exec", Arity: 1, Flags: FlagNoscript | FlagLoading | FlagStale | FlagSkipSlowlog, Group: "transactions", Since: "1.2.0", Summary: "Executes all commands in a transaction."}

type multiState struct {
	cmds    []queuedCmd
	aborted bool
}

type queuedCmd struct {
	cmd  *Command
	args [][]byte
}

// watchKey identifies a watched key on its shard.
type watchKey struct {
	db  int
	key string
}

// inMulti reports whether cmd must be queued rather than run (inside MULTI).
func (c *conn) inMulti(cmd *Command) bool {
	if c.multi == nil {
		return false
	}
	switch cmd.Name {
	case "exec", "discard", "multi", "watch", "quit", "reset":
		return false
	}
	return true
}

func cmdMulti(c *Ctx) {
	if c.Conn.multi != nil {
		c.Error("ERR MULTI calls can not be nested")
		return
	}
	c.Conn.multi = &multiState{}
	c.OK()
}

func cmdDiscard(c *Ctx) {
	if c.Conn.multi == nil {
		c.Error("ERR DISCARD without MULTI")
		return
	}
	c.Conn.multi = nil
	c.S.unwatchAll(c.Conn)
	c.OK()
}

func cmdUnwatch(c *Ctx) {
	c.S.unwatchAll(c.Conn)
	c.OK()
}

// queueMulti adds a command to the open transaction.
func (s *Shard) queueMulti(c *conn, cmd *Command, args [][]byte) {
	if cmd.Flags&FlagNoMulti != 0 {
		const msg = "ERR Command not allowed inside a transaction"
		c.multi.aborted = true
		c.w.Error(msg)
		s.stats.reject(cmd, msg)
	} else {
		c.multi.cmds = append(c.multi.cmds, queuedCmd{cmd: cmd, args: copyArgs(args)})
		c.w.Simple("QUEUED")
	}
	s.reply(c)
}

// watch registers c on the shards owning the keys. It runs as a shot over
// those shards, so the watch is in place on every one of them before the
// reply leaves.
func (s *Shard) watch(c *conn, cmd *Command, args [][]byte) {
	if c.multi != nil {
		const msg = "ERR WATCH inside MULTI is not allowed"
		c.w.Error(msg)
		s.recordCall(cmd, args, 0, []byte("-"+msg), c)
		s.reply(c)
		return
	}
	if c.watching == nil {
		c.watching = map[*Shard]bool{}
	}
	keys := map[*Shard][]watchKey{}
	var shards []*Shard
	for _, k := range args[1:] {
		sh := s.srv.shardOf(k)
		c.watching[sh] = true
		if _, ok := keys[sh]; !ok {
			shards = append(shards, sh)
		}
		keys[sh] = append(keys[sh], watchKey{db: c.db, key: string(k)})
	}
	slot := s.newSlot(c)
	c.paused = true
	args = copyArgs(args)
	id := c.id
	o := newShot(shards, false, c.w.Proto)
	o.part = true
	for i, sh := range shards {
		o.parts[i].run = func(x *Shard, _ *tx, _ *resp.Writer) { x.addWatches(id, keys[sh]) }
	}
	o.done = func(s *Shard) {
		s.recordCall(cmd, args, o.runTime(), okReply, c)
		s.resume(c, slot, okReply)
	}
	s.startShot(o)
}

var okReply = []byte("+OK\r\n")

func (s *Shard) addWatches(id int64, keys []watchKey) {
	if s.watchers == nil {
		s.watchers = map[watchKey]map[int64]bool{}
		s.watchedBy = map[int64][]watchKey{}
		s.casDirty = map[int64]bool{}
	}
	for _, k := range keys {
		// A key already expired at WATCH time counts as absent, as in Redis;
		// one that expires afterwards dirties the watch.
		set := s.watchers[k]
		if set == nil {
			set = map[int64]bool{}
			s.watchers[k] = set
		}
		if !set[id] {
			set[id] = true
			s.watchedBy[id] = append(s.watchedBy[id], k)
		}
	}
}

// dropWatches forgets connection id's watches here and reports whether a
// watched key changed since WATCH.
func (s *Shard) dropWatches(id int64) bool {
	dirty := s.casDirty[id]
	delete(s.casDirty, id)
	for _, k := range s.watchedBy[id] {
		if set := s.watchers[k]; set != nil {
			delete(set, id)
			if len(set) == 0 {
				delete(s.watchers, k)
			}
		}
	}
	delete(s.watchedBy, id)
	return dirty
}

// expiredWatch reports whether a key watched by id has expired without
// having been deleted yet (it still counts as a change).
func (s *Shard) expiredWatch(id int64) bool {
	for _, k := range s.watchedBy[id] {
		if e, ok := s.dbs[k.db].Get([]byte(k.key)); ok && e.ExpireAt != 0 && e.ExpireAt <= s.now {
			return true
		}
	}
	return false
}

func (s *Shard) unwatchAll(c *conn) {
	id := c.id
	for sh := range c.watching {
		if sh == s {
			s.dropWatches(id)
			continue
		}
		sh.post(message{fn: func(t *Shard) { t.dropWatches(id) }})
	}
	c.watching = nil
}

// touch marks the connections watching key dirty.
func (s *Shard) touch(db int, key []byte) {
	s.ckNote(db, key)
	if len(s.blk.keys) > 0 {
		s.blockSignal(db, key)
	}
	if len(s.watchers) == 0 {
		return
	}
	for id := range s.watchers[watchKey{db: db, key: string(key)}] {
		s.casDirty[id] = true
	}
}

// touchDB marks every watch on a database dirty (FLUSHDB, FLUSHALL, SWAPDB).
func (s *Shard) touchDB(db int) {
	for k, set := range s.watchers {
		if k.db == db || db < 0 {
			for id := range set {
				s.casDirty[id] = true
			}
		}
	}
}

// execRejected discards the transaction and the watches of c when EXEC
// itself is refused (arity, NOAUTH, ...), inside MULTI or not, and returns
// the reply Redis gives then.
func (s *Shard) execRejected(c *conn, errMsg string) string {
	c.multi = nil
	s.unwatchAll(c)
	return "EXECABORT Transaction discarded because of: " + strings.TrimPrefix(errMsg, "ERR ")
}

// startExec runs the queued commands as one transaction.
func (s *Shard) startExec(c *conn) {
	if c.multi == nil {
		s.execFailed(c, "ERR EXEC without MULTI")
		return
	}
	ms := c.multi
	c.multi = nil
	if ms.aborted {
		s.unwatchAll(c)
		s.execFailed(c, "EXECABORT Transaction discarded because of previous errors.")
		return
	}
	if s.execFast(c, ms) {
		return
	}
	set := map[*Shard]bool{}
	write := false
	for sh := range c.watching {
		set[sh] = true
	}
	var keyBuf []int
	for _, q := range ms.cmds {
		write = write || q.cmd.Flags&FlagWrite != 0
		switch {
		case q.cmd.Flags&FlagAllShard != 0:
			for _, sh := range s.srv.shards {
				set[sh] = true
			}
		case q.cmd.Flags&FlagConn != 0:
		default:
			// route, not only the keys: a command may spread further (SORT).
			target, multi := s.srv.route(q.cmd, q.args, &keyBuf)
			if target == nil {
				target = s // no key in this call: the command itself replies
			}
			set[target] = true
			for _, sh := range multi {
				set[sh] = true
			}
		}
	}
	if len(set) == 0 {
		set[s] = true
	}
	shards := make([]*Shard, 0, len(set))
	for _, sh := range s.srv.shards {
		if set[sh] {
			shards = append(shards, sh)
		}
	}
	watched := c.watching
	c.watching = nil
	slot := s.newSlot(c)
	c.paused = true
	id, dbi, proto := c.id, c.db, c.w.Proto
	s.sendBatches()
	go func() {
		t := s.srv.lockShards(shards, write)
		t.nested = true // commands spanning shards reuse this transaction
		start := nanotime()
		var calls []callStat // of the commands spanning shards, and EXEC's
		var out resp.Writer
		out.Proto = proto
		dirty := false
		for sh := range watched {
			if t.do(sh, func(x *Shard) any { return x.watchChanged(id) }).(bool) {
				dirty = true
			}
		}
		if dirty {
			out.NullArray()
		} else {
			out.Array(len(ms.cmds))
			for _, q := range ms.cmds {
				out.Raw(s.execQueued(t, c, q, &dbi, proto, &calls))
			}
		}
		dur := time.Duration(nanotime() - start)
		t.finish()
		b := out.Bytes()
		calls = append(calls, newCallStat(execCmd, nil, dur, b))
		s.post(message{ctrl: true, fn: func(s *Shard) {
			c.db = dbi
			c.wroteAll(t.lsn)
			s.recordCalls(calls, c)
			s.resume(c, slot, b)
		}})
	}()
}

// execFailed answers an EXEC that runs nothing with msg.
func (s *Shard) execFailed(c *conn, msg string) {
	c.w.Error(msg)
	s.recordCall(execCmd, nil, 0, []byte("-"+msg), c)
	s.reply(c)
}

// execQueued runs one queued command inside the held transaction and
// returns its reply. Connection commands run on the connection's shard
// (which owns the connection, paused meanwhile). A command spanning shards
// runs as parts of the transaction, and its call is added to calls.
func (s *Shard) execQueued(t *tx, c *conn, q queuedCmd, dbi *int, proto int, calls *[]callStat) []byte {
	cmd, args := q.cmd, q.args
	if runsOnConnShard(cmd) {
		type result struct {
			reply []byte
			db    int
		}
		done := make(chan result, 1)
		db := *dbi
		s.post(message{ctrl: true, fn: func(s *Shard) {
			var w resp.Writer
			w.Proto = proto
			c.db = db
			s.execute(cmd, db, args, &w, c, nil)
			done <- result{w.Bytes(), c.db}
		}})
		r := <-done
		*dbi = r.db
		return r.reply
	}
	m := &Multi{srv: s.srv, t: t, Cmd: cmd, Args: args, DBi: *dbi}
	m.W.Proto = proto
	if cmd.Flags&FlagAllShard == 0 {
		target, multi := s.srv.route(cmd, args, new([]int))
		if multi == nil {
			if target == nil {
				target = s
			}
			m.from = client{c.addr, c.name}
			return m.Run(target, args)
		}
	}
	var dur time.Duration
	if cmd.Multi == nil {
		m.W.Error(errCrossSlot)
	} else {
		m.t = t.partOf()
		start := nanotime()
		cmd.Multi(m)
		dur = time.Duration(nanotime() - start)
	}
	*calls = append(*calls, newCallStat(cmd, args, dur, m.W.Bytes()))
	return m.W.Bytes()
}
