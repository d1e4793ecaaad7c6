package shardcore

import (
	"slices"

	"github.com/keeldb/keel/shardcore/resp"
)

// One-step transactions.
//
// When every participant of a command has all its work known up front (its
// part of an MSET, MGET or DEL; its share of an EXEC's commands), the lock
// request and the work travel as one message: a participant that reaches
// it is held by the transaction from then on and runs its part. Once its
// part (with its end record) is committed, it tells every participant so;
// a participant releases itself when all have, and the origin shard's loop
// answers the client then. That is one message each way and no coordinator
// goroutine, against lockShards' lock round trip, a hop per step, the
// release hop and a goroutine hand-off at each.
//
// The shots a shard starts during one pass over its input and inbox run as
// one transaction over the union of their participants, one after the
// other on each: under load, one hold of the shards serves every client
// that waited for it, rather than one client per hold.
//
// It is as isolated as lockShards: the messages reach every inbox under the
// global sequence lock, so all shards meet transactions in one order, and a
// participant that has run its part stays held until every other one has
// run its own, so nobody sees one part of the transaction applied and
// another not. As in finish, no participant is released before every part
// is committed.

// shot is one command run this way.
type shot struct {
	write bool
	parts []shotPart
	done  func(s *Shard) // on the origin once every part is committed
}

type shotPart struct {
	sh  *Shard
	run func(s *Shard, t *tx, w *resp.Writer) // on the participant, while held
	out resp.Writer
}

// shotGroup is the transaction running a pass's shots.
type shotGroup struct {
	origin *Shard
	t      tx // id and write flag for the parts' log records
	shots  []*shot
	shards []*Shard
	acks   []int // per participant: committed parts it heard of (its loop only)
	own    int   // the origin's index in shards (-1: it takes no part)
	report bool  // parts report to the origin (not a participant, or the only one)
	left   int   // parts yet to report (origin's loop only)
}

// newShot returns a shot over the given participants.
func newShot(shards []*Shard, write bool, proto int) *shot {
	o := &shot{write: write, parts: make([]shotPart, len(shards))}
	for i, sh := range shards {
		o.parts[i].sh = sh
		o.parts[i].out.Proto = proto
	}
	return o
}

// startShot adds o to this pass's transaction, which starts once the
// shard has gone through what it has at hand.
func (s *Shard) startShot(o *shot) {
	g := s.shots
	if g == nil {
		g = &shotGroup{origin: s, own: -1}
		s.shots = g
		s.post(message{ctrl: true, fn: func(s *Shard) { s.startShots() }})
	}
	g.shots = append(g.shots, o)
	g.t.write = g.t.write || o.write
	for _, p := range o.parts {
		if !slices.Contains(g.shards, p.sh) {
			g.shards = append(g.shards, p.sh)
		}
	}
}

// startShots sends the pass's transaction to its participants. A single
// participant needs neither the global order nor a hold: its message runs
// whole in one go on its shard.
func (s *Shard) startShots() {
	g := s.shots
	s.shots = nil
	// Earlier commands of these connections batched for other shards must
	// reach them before the parts do.
	s.sendBatches()
	n := len(g.shards)
	g.own = slices.Index(g.shards, s)
	g.report = g.own < 0 || n == 1
	g.left = n
	g.acks = make([]int, n)
	if n == 1 {
		if g.t.write {
			g.t.id = s.srv.nextTxID()
		}
		g.shards[0].post(message{fn: g.part(0)})
		return
	}
	srv := s.srv
	srv.seqMu.Lock()
	srv.txSeq++
	g.t.id = srv.txSeq
	for i, sh := range g.shards {
		sh.post(message{txid: g.t.id, fn: g.part(i)})
	}
	srv.seqMu.Unlock()
}

func (g *shotGroup) part(i int) func(*Shard) {
	return func(s *Shard) {
		n := len(g.shards)
		if n > 1 {
			// handle runs this only while the shard is free: hold it as a
			// lock request would.
			s.lockedBy = g.t.id
		}
		mark := s.logged
		for _, o := range g.shots {
			for j := range o.parts {
				if p := &o.parts[j]; p.sh == s {
					p.run(s, &g.t, &p.out)
				}
			}
		}
		// Every participant of a multi-shard write closes its part, even an
		// empty one: recovery counts the parts. Alone, a part that logged
		// nothing needs no end.
		if g.t.write && (n > 1 || s.logged != mark) {
			s.endTx(g.t.id, n)
		}
		s.afterLogged(mark, g.committed)
	}
}

// committed runs once a participant's part is committed. It only posts:
// what the messages do (releasing a shard, answering) must not run in the
// middle of a commit.
func (g *shotGroup) committed() {
	if len(g.shards) > 1 {
		for j, sh := range g.shards {
			sh.post(message{ctrl: true, fn: func(s *Shard) { g.ack(s, j) }})
		}
	}
	if g.report {
		g.origin.post(message{ctrl: true, fn: g.reported})
	}
}

// ack counts a committed part on participant j; once all are, j is
// released, and the origin, if j is it, answers.
func (g *shotGroup) ack(s *Shard, j int) {
	if g.acks[j]++; g.acks[j] < len(g.shards) {
		return
	}
	s.unlock(g.t.id)
	if j == g.own {
		g.finish(s)
	}
}

// reported counts a committed part on an origin that takes no part (or
// the only part).
func (g *shotGroup) reported(s *Shard) {
	if g.left--; g.left == 0 {
		g.finish(s)
	}
}

func (g *shotGroup) finish(s *Shard) {
	for _, o := range g.shots {
		o.done(s)
	}
}

// resume delivers the reply of a paused connection's command and lets it go
// on with its input.
func (s *Shard) resume(c *conn, slot *replySlot, reply []byte) {
	s.complete(slot, reply)
	c.paused = false
	s.serve(c)
}

// splitShard is one participant's share of a command split key by key.
type splitShard struct {
	sh   *Shard
	args [][]byte // the command with only this participant's keys
	idx  []int    // the original index of each of those keys
}

// split divides a command that decomposes key by key (each key with its
// Step-1 following arguments) over the shards owning the keys, in the
// order the shards first appear.
func (srv *Server) split(cmd *Command, args [][]byte) []splitShard {
	pos := cmd.keyPositions(args, nil)
	step := max(cmd.Step, 1)
	var out []splitShard
	for k, p := range pos {
		sh := srv.shardOf(args[p])
		i := 0
		for i < len(out) && out[i].sh != sh {
			i++
		}
		if i == len(out) {
			out = append(out, splitShard{sh: sh, args: append([][]byte(nil), args[:cmd.FirstKey]...)})
		}
		out[i].args = append(out[i].args, args[p:min(p+step, len(args))]...)
		out[i].idx = append(out[i].idx, k)
	}
	return out
}

// splitReducers are the commands whose Multi is a single split-and-combine
// step (multiSum, multiGather, multiMset): outside EXEC they run as shots.
var splitReducers = map[string]splitReducer{
	"del":    reduceSum,
	"unlink": reduceSum,
	"exists": reduceSum,
	"touch":  reduceSum,
	"mget":   reduceGather,
	"mset":   reduceAllOK,
}

// splitReducerOf returns how to combine cmd's parts when it runs as a shot
// (nil: it does not).
func splitReducerOf(cmd *Command) splitReducer {
	r := splitReducers[cmd.Name]
	if r == nil || commands[cmd.Name] != cmd {
		return nil
	}
	return r
}

// startSplit runs a command split over several shards as a shot.
func (s *Shard) startSplit(c *conn, cmd *Command, args [][]byte, reduce splitReducer) {
	// A key without its values (MSET k1 v1 k2) must not apply anywhere.
	if cmd.Step > 1 && (len(args)-cmd.FirstKey)%cmd.Step != 0 {
		c.w.Error(errArity(string(args[0])))
		s.reply(c)
		return
	}
	slot := s.newSlot(c)
	c.paused = true
	parts := s.srv.split(cmd, copyArgs(args))
	dbi, proto := c.db, c.w.Proto
	shards := make([]*Shard, len(parts))
	for i, p := range parts {
		shards[i] = p.sh
	}
	o := newShot(shards, cmd.Flags&FlagWrite != 0, proto)
	nkeys := 0
	for i, p := range parts {
		nkeys += len(p.idx)
		pargs := p.args
		o.parts[i].run = func(x *Shard, t *tx, w *resp.Writer) { x.execute(cmd, dbi, pargs, w, nil, t) }
	}
	o.done = func(s *Shard) {
		replies := make([][]byte, len(parts))
		idx := make([][]int, len(parts))
		for i, p := range parts {
			replies[i] = o.parts[i].out.Bytes()
			idx[i] = p.idx
		}
		var w resp.Writer
		w.Proto = proto
		reduce(&w, replies, idx, nkeys)
		s.resume(c, slot, w.Bytes())
	}
	s.startShot(o)
}
