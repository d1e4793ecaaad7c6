package shardcore

import (
	"time"

	"github.com/keeldb/keel/shardcore/resp"
)

// EXEC without a held multi-shard transaction.
//
// Most transactions touch one shard. When every queued command's keys and
// every watched key live on the connection's own shard, EXEC runs inline on
// its loop: nothing else runs there meanwhile, which is all the isolation a
// single shard needs. When they all live on one other shard, the whole
// transaction goes there as one message and runs in one go. When the queued
// commands' keys and the watches span several shards but each command
// stays on one shard, each participant runs its share of the commands, in
// queue order, as a shot (tx_shot.go): commands on different shards touch
// different keys, so that equals running them one after the other. Watches
// make it a voting shot: every participant checks its watches before any
// command runs anywhere. The writes of each form carry one transaction id
// and each part its end record, so recovery applies them whole or not at
// all.
//
// Anything else (commands over every shard or over several, connection
// commands with keys elsewhere) takes the general path in startExec.

// execFast runs the transaction by one of the paths above and reports
// whether it could.
func (s *Shard) execFast(c *conn, ms *multiState) bool {
	targets := make([]*Shard, len(ms.cmds)) // where each command runs
	var shards []*Shard                     // the participants
	add := func(sh *Shard) {
		for _, x := range shards {
			if x == sh {
				return
			}
		}
		shards = append(shards, sh)
	}
	local, write := false, false
	for i, q := range ms.cmds {
		write = write || q.cmd.Flags&FlagWrite != 0
		switch {
		case q.cmd.Flags&FlagAllShard != 0:
			return false
		case runsOnConnShard(q.cmd):
			targets[i] = s
			local = true
		default:
			target, multi := s.srv.route(q.cmd, q.args, &s.keyBuf)
			if multi != nil {
				return false
			}
			if target == nil {
				target = s // no key in this call: the command itself replies
			}
			targets[i] = target
		}
		add(targets[i])
	}
	for sh := range c.watching {
		add(sh)
	}
	switch {
	case len(shards) == 0 || (len(shards) == 1 && shards[0] == s):
		s.execHere(c, ms, write)
	case !local:
		s.execShot(c, ms, targets, shards, write)
	default:
		return false
	}
	return true
}

// runsOnConnShard reports whether a queued command runs on the connection's
// shard, with the connection: connection commands and keyless ones that
// name no shard (Route).
func runsOnConnShard(cmd *Command) bool {
	return cmd.Flags&FlagConn != 0 || (cmd.Flags&FlagAllShard == 0 && cmd.FirstKey == 0 && cmd.Keys == nil && cmd.Route == nil)
}

// watchChanged reports whether a key watched here by connection id changed
// (or expired) since WATCH, and forgets the connection's watches here.
func (s *Shard) watchChanged(id int64) bool {
	expired := s.expiredWatch(id)
	return s.dropWatches(id) || expired
}

// execHere runs a transaction whose keys all live on this shard, inline.
func (s *Shard) execHere(c *conn, ms *multiState, write bool) {
	start := nanotime()
	watched := len(c.watching) > 0
	c.watching = nil
	slot := s.newSlot(c)
	t := &tx{write: write}
	if write {
		t.id = s.srv.nextTxID()
	}
	mark := s.logged
	var out resp.Writer
	out.Proto = c.w.Proto
	if watched && s.watchChanged(c.id) {
		out.NullArray()
	} else {
		out.Array(len(ms.cmds))
		for _, q := range ms.cmds {
			if runsOnConnShard(q.cmd) {
				s.execute(q.cmd, c.db, q.args, &out, c, nil)
			} else {
				s.execute(q.cmd, c.db, q.args, &out, nil, t)
			}
		}
	}
	if s.logged != mark {
		if write {
			s.endTx(t.id, 1)
		}
		c.wrote(s.id, s.srv.persist.LoggedLSN(s.id))
		// The reply waits for the commit like any write's.
		if !c.unsynced {
			c.unsynced = true
			s.unsynced = append(s.unsynced, c)
		}
	}
	s.recordCall(execCmd, nil, time.Duration(nanotime()-start), out.Bytes(), c)
	s.complete(slot, out.Bytes())
}

// execShot runs a transaction whose commands each stay on one shard as a
// shot over their shards and those of the watches.
func (s *Shard) execShot(c *conn, ms *multiState, targets, shards []*Shard, write bool) {
	watched := len(c.watching) > 0
	c.watching = nil
	slot := s.newSlot(c)
	c.paused = true
	id, dbi, proto := c.id, c.db, c.w.Proto
	from := client{c.addr, c.name}
	cmds := ms.cmds
	ranges := make([][2]int, len(cmds)) // each reply within its part's output
	o := newShot(shards, write, proto)
	o.vote = watched
	o.c = c
	for i := range shards {
		if watched {
			o.parts[i].check = func(x *Shard) bool { return !x.watchChanged(id) }
		}
		o.parts[i].run = func(x *Shard, t *tx, w *resp.Writer) {
			x.from = from // the slow log names the client
			defer func() { x.from = client{} }()
			for k, q := range cmds {
				if targets[k] == x {
					r0 := w.Len()
					x.execute(q.cmd, dbi, q.args, w, nil, t)
					ranges[k] = [2]int{r0, w.Len()}
				}
			}
		}
	}
	o.done = func(s *Shard) {
		var w resp.Writer
		w.Proto = proto
		if o.failed() {
			w.NullArray()
		} else {
			w.Array(len(cmds))
			for k := range cmds {
				for i := range o.parts {
					if o.parts[i].sh == targets[k] {
						w.Raw(o.parts[i].out.Bytes()[ranges[k][0]:ranges[k][1]])
						break
					}
				}
			}
		}
		s.recordCall(execCmd, nil, o.runTime(), w.Bytes(), c)
		s.resume(c, slot, w.Bytes())
	}
	s.startShot(o)
}
