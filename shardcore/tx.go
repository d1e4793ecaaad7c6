package shardcore

import (
	"time"

	"github.com/keeldb/keel/shardcore/resp"
)

// Multi-shard atomicity.
//
// A command whose keys live on several shards runs as a transaction driven by
// a coordinator goroutine. The coordinator takes a global sequence number and,
// under the same short mutex, appends a lock request to every participant's
// inbox, so lock requests reach every shard in one global order (the VLL idea:
// ordered scheduling instead of lock tables, hence no deadlock). A shard that
// reaches a lock request is held by that transaction: it keeps polling, but
// runs nothing except the transaction's hops until unlocked; other commands
// and messages wait in order. Only when every participant is held does the
// coordinator run the hops (closures on the owning shard's loop) and release
// each shard after its last hop.
//
// Because every participant is held before any of them changes, a client that
// sees one part of the command and then looks at another key finds that key's
// shard either not yet reached by the lock (old value everywhere, the whole
// command ordered after it) or held (it waits for the new value): nobody sees
// half. The same transaction id tags every part in each shard's log, which is
// how recovery applies all parts or none. MULTI/EXEC uses the same machinery.
// Commands whose whole work on each shard is known up front take a shorter
// road with the same guarantees (tx_shot.go); single-shard EXEC needs no
// hold at all (tx_exec.go).
type tx struct {
	id     uint64
	write  bool // each participant's log part is closed on release
	nested bool // EXEC: the commands inside must not release shards early
	part   bool // what runs in it is part of one call, recorded once as a whole
	ended  map[*Shard]bool
	shards []*Shard
	acks   chan struct{}
	res    chan any
	freed  map[*Shard]bool
	// lsn is, per shard, its LSN after the last hop of the transaction that
	// wrote there (0: none), for the client's WAITAOF; each participant
	// sets its own entry before its hop's result is sent.
	lsn []uint64
}

func (srv *Server) lockShards(shards []*Shard, write bool) *tx {
	t := &tx{shards: shards, write: write, acks: make(chan struct{}, len(shards)), res: make(chan any, len(shards)),
		lsn: make([]uint64, srv.n)}
	srv.seqMu.Lock()
	srv.txSeq++
	t.id = srv.txSeq
	for _, sh := range shards {
		sh.post(message{txid: t.id, lock: t})
	}
	srv.seqMu.Unlock()
	for range shards {
		<-t.acks
	}
	return t
}

// partOf returns a view of a nested transaction for running one call of it
// that spans shards: the same transaction, but the commands run for that
// call are its parts (not recorded on their own). A nested transaction keeps
// its state in what the view shares (its channels), never in its maps.
func (t *tx) partOf() *tx {
	v := *t
	v.part = true
	return &v
}

// nextTxID returns a transaction id for a write that needs no global order
// (it runs on one shard).
func (srv *Server) nextTxID() uint64 {
	srv.seqMu.Lock()
	srv.txSeq++
	id := srv.txSeq
	srv.seqMu.Unlock()
	return id
}

// do runs fn on sh (a participant) and returns its result once sh has
// committed what fn logged.
func (t *tx) do(sh *Shard, fn func(s *Shard) any) any {
	t.post(sh, fn)
	return <-t.res
}

func (t *tx) post(sh *Shard, fn func(s *Shard) any) {
	sh.post(message{txid: t.id, fn: func(s *Shard) {
		mark := s.logged
		r := fn(s)
		if s.logged != mark && t.lsn != nil {
			t.lsn[s.id] = s.srv.persist.LoggedLSN(s.id)
		}
		s.afterLogged(mark, func() { t.res <- r })
	}})
}

// each runs fn on every participant in parallel; results follow t.shards.
func (t *tx) each(fn func(s *Shard) any) []any {
	type indexed struct {
		i int
		v any
	}
	for i, sh := range t.shards {
		t.post(sh, func(s *Shard) any { return indexed{i, fn(s)} })
	}
	out := make([]any, len(t.shards))
	for range t.shards {
		r := (<-t.res).(indexed)
		out[r.i] = r.v
	}
	return out
}

// release unlocks sh early, once a read-only transaction has nothing more
// to do there. Write transactions keep every participant until finish.
func (t *tx) release(sh *Shard) {
	if t.write || t.nested || t.freed[sh] {
		return
	}
	if t.freed == nil {
		t.freed = map[*Shard]bool{}
	}
	t.freed[sh] = true
	id := t.id
	sh.post(message{txid: id, fn: func(s *Shard) { s.unlock(id) }})
}

// finish ends the transaction. For a write, every participant first logs the
// end of its part and commits it, and only when all have done so are the
// shards unlocked: no later write on any participant can then be durable
// while part of this transaction is not, so recovery never has to choose
// between a half transaction and a later acknowledged write.
func (t *tx) finish() {
	if t.write {
		parts, n := len(t.shards), 0
		for _, sh := range t.shards {
			if t.ended[sh] {
				continue
			}
			n++
			t.post(sh, func(s *Shard) any {
				s.endTx(t.id, parts)
				return nil
			})
		}
		for ; n > 0; n-- {
			<-t.res
		}
	}
	for _, sh := range t.shards {
		if !t.freed[sh] {
			id := t.id
			sh.post(message{txid: id, fn: func(s *Shard) { s.unlock(id) }})
		}
	}
}

// Multi is what a command's Multi function sees: the call, the participant
// shards held for it, and the reply writer.
type Multi struct {
	srv  *Server
	t    *tx
	Cmd  *Command
	Args [][]byte
	DBi  int
	W    resp.Writer

	connID int64
	from   client // the calling client, named in the slow log by Run
}

// Shards returns the participants.
func (m *Multi) Shards() []*Shard { return m.t.shards }

// On runs fn on one participant with a command context for the caller's db.
func (m *Multi) On(sh *Shard, fn func(c *Ctx) any) any {
	return m.t.do(sh, func(s *Shard) any { return s.withCtx(m.DBi, m.W.Proto, m.t, fn) })
}

// Each runs fn on every participant in parallel.
func (m *Multi) Each(fn func(c *Ctx) any) []any {
	return m.t.each(func(s *Shard) any { return s.withCtx(m.DBi, m.W.Proto, m.t, fn) })
}

// Run executes a whole command (as arguments) on one participant and returns
// its encoded reply.
func (m *Multi) Run(sh *Shard, args [][]byte) []byte {
	return m.t.do(sh, func(s *Shard) any {
		s.from = m.from
		defer func() { s.from = client{} }()
		return append([]byte(nil), s.runArgs(m.DBi, m.W.Proto, args, m.t)...)
	}).([]byte)
}

// RunEach executes commands on several participants in parallel and returns
// their encoded replies. It is the last step on those shards: a write closes
// each one's log part in the same step, saving finish a round trip.
func (m *Multi) RunEach(parts map[*Shard][][]byte) map[*Shard][]byte {
	type res struct {
		sh  *Shard
		out []byte
	}
	t := m.t
	final := t.write && !t.nested
	if final && t.ended == nil {
		t.ended = map[*Shard]bool{}
	}
	for sh, args := range parts {
		if final {
			t.ended[sh] = true
		}
		t.post(sh, func(s *Shard) any {
			r := res{sh, append([]byte(nil), s.runArgs(m.DBi, m.W.Proto, args, t)...)}
			if final {
				s.endTx(t.id, len(t.shards))
			}
			return r
		})
	}
	out := make(map[*Shard][]byte, len(parts))
	for range parts {
		r := (<-m.t.res).(res)
		out[r.sh] = r.out
	}
	return out
}

// Release frees a participant early (read-only commands; a write keeps its
// participants until the end).
func (m *Multi) Release(sh *Shard) { m.t.release(sh) }

// Split returns, per participant, the command's arguments restricted to the
// keys that participant owns (each key with its Step-1 following arguments),
// for commands that decompose key by key (DEL, MGET, MSET ...). idx gives
// the original key index of each key kept, in order.
func (m *Multi) Split() (parts map[*Shard][][]byte, idx map[*Shard][]int) {
	parts = map[*Shard][][]byte{}
	idx = map[*Shard][]int{}
	for _, p := range m.srv.split(m.Cmd, m.Args) {
		parts[p.sh] = p.args
		idx[p.sh] = p.idx
	}
	return parts, idx
}

func (s *Shard) withCtx(dbi, proto int, t *tx, fn func(c *Ctx) any) any {
	ctx := s.pushCtx()
	var w resp.Writer
	w.Proto = proto
	*ctx = Ctx{S: s, DB: s.dbs[dbi], DBi: dbi, W: &w, Now: s.now, tx: t, effects: ctx.effects[:0]}
	r := fn(ctx)
	s.logEffects(ctx)
	s.popCtx()
	return r
}

// startMulti pauses the connection and hands the command to a coordinator.
func (s *Shard) startMulti(c *conn, cmd *Command, args [][]byte, shards []*Shard) {
	if cmd.Multi == nil {
		c.w.Error(errCrossSlot)
		s.recordCall(cmd, args, 0, []byte("-"+errCrossSlot), c)
		s.reply(c)
		return
	}
	if reduce := splitReducerOf(cmd); reduce != nil {
		s.startSplit(c, cmd, args, reduce)
		return
	}
	slot := s.newSlot(c)
	c.paused = true
	m := &Multi{srv: s.srv, Cmd: cmd, Args: copyArgs(args), DBi: c.db, connID: c.id}
	m.W.Proto = c.w.Proto
	// Earlier commands of this connection batched for other shards must
	// reach them before the lock requests do.
	s.sendBatches()
	go func() {
		m.t = s.srv.lockShards(shards, cmd.Flags&FlagWrite != 0)
		m.t.part = true
		start := nanotime()
		cmd.Multi(m)
		dur := time.Duration(nanotime() - start)
		m.t.finish()
		out := m.W.Bytes()
		s.post(message{ctrl: true, fn: func(s *Shard) {
			c.wroteAll(m.t.lsn)
			s.recordCall(cmd, m.Args, dur, out, c)
			s.resume(c, slot, out)
		}})
	}()
}

const errCrossSlot = "CROSSSLOT Keys in request don't hash to the same slot"

func copyArgs(args [][]byte) [][]byte {
	n := 0
	for _, a := range args {
		n += len(a)
	}
	buf := make([]byte, 0, n)
	out := make([][]byte, len(args))
	for i, a := range args {
		buf = append(buf, a...)
		out[i] = buf[len(buf)-len(a) : len(buf) : len(buf)]
	}
	return out
}
