package shardcore

import (
	"slices"
	"time"

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
// A shot may vote (MSETNX, EXEC of watched keys): each of its participants,
// on reaching it, runs its check and sends the result to the shot's other
// participants; each runs its part, or skips it, once it has every vote,
// and only then goes on to the group's next shots. Checks see the runs of
// the shots before them, and checks and runs happen within one hold of
// every participant, at the cost of one more message between participants.
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
	part  bool // its parts are pieces of one call, recorded once in done
	vote  bool // its parts' checks decide whether any of them runs
	parts []shotPart
	done  func(s *Shard) // on the origin once every part is committed
	c     *conn          // the connection whose writes these are (nil: none)
}

type shotPart struct {
	sh    *Shard
	at    int                                   // sh's index among the group's participants
	check func(s *Shard) bool                   // (voting shots) on the participant, while held
	run   func(s *Shard, t *tx, w *resp.Writer) // on the participant, while held
	out   resp.Writer
	dur   time.Duration // how long check and run took

	// A vote, on sh's loop: whether sh checked, the votes it has (its own
	// included), and whether one failed.
	checked bool
	votes   int
	failed  bool
}

// runTime is the time the shot's parts ran, added up.
func (o *shot) runTime() time.Duration {
	var d time.Duration
	for i := range o.parts {
		d += o.parts[i].dur
	}
	return d
}

// failed reports whether a voting shot's checks failed, so no part ran.
// Every participant decided the same; done reads the first one's decision.
func (o *shot) failed() bool { return o.vote && o.parts[0].failed }

func (o *shot) partOn(s *Shard) *shotPart {
	for j := range o.parts {
		if o.parts[j].sh == s {
			return &o.parts[j]
		}
	}
	return nil
}

// shotGroup is the transaction running a pass's shots.
type shotGroup struct {
	origin *Shard
	t      tx // id and write flag for the parts' log records
	tp     tx // t for the parts of shots that are parts of one call
	shots  []*shot
	shards []*Shard
	states []partState // per participant (its loop only)
	acks   []int       // per participant: committed parts it heard of (its loop only)
	own    int         // the origin's index in shards (-1: it takes no part)
	report bool        // parts report to the origin (not a participant, or the only one)
	left   int         // parts yet to report (origin's loop only)
}

// partState is where a participant is in the group's shots.
type partState struct {
	next int    // the shot it is at
	mark uint64 // its log position when the group reached it
	lsn  uint64 // its LSN after its parts, if they logged anything
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
	for j := range o.parts {
		p := &o.parts[j]
		p.at = slices.Index(g.shards, p.sh)
		if p.at < 0 {
			p.at = len(g.shards)
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
	g.states = make([]partState, n)
	if n == 1 {
		if g.t.write {
			g.t.id = s.srv.nextTxID()
		}
		g.tp = tx{id: g.t.id, write: g.t.write, part: true}
		g.shards[0].post(message{fn: g.part(0)})
		return
	}
	srv := s.srv
	srv.seqMu.Lock()
	srv.txSeq++
	g.t.id = srv.txSeq
	g.tp = tx{id: g.t.id, write: g.t.write, part: true}
	for i, sh := range g.shards {
		sh.post(message{txid: g.t.id, fn: g.part(i)})
	}
	srv.seqMu.Unlock()
}

func (g *shotGroup) part(i int) func(*Shard) {
	return func(s *Shard) {
		if len(g.shards) > 1 {
			// handle runs this only while the shard is free: hold it as a
			// lock request would.
			s.lockedBy = g.t.id
		}
		g.states[i].mark = s.logged
		g.advance(s, i)
	}
}

// advance runs participant i's parts of the shots in order, from where it
// stopped: it stops at a voting shot until it has every vote.
func (g *shotGroup) advance(s *Shard, i int) {
	st := &g.states[i]
	for ; st.next < len(g.shots); st.next++ {
		o := g.shots[st.next]
		p := o.partOn(s)
		if p == nil {
			continue
		}
		if o.vote {
			if !p.checked {
				p.checked = true
				start := nanotime()
				ok := p.check(s)
				p.dur += time.Duration(nanotime() - start)
				need := len(o.parts)
				for j := range o.parts {
					if q := &o.parts[j]; q != p {
						q.sh.post(message{ctrl: true, fn: func(x *Shard) { g.voted(x, q, ok, need) }})
					}
				}
				p.votes++
				p.failed = p.failed || !ok
			}
			if p.votes < len(o.parts) {
				return // the last vote to come resumes it
			}
			if p.failed {
				continue
			}
		}
		t := &g.t
		if o.part {
			t = &g.tp
		}
		start := nanotime()
		p.run(s, t, &p.out)
		p.dur += time.Duration(nanotime() - start)
	}
	// Every participant of a multi-shard write closes its part, even an
	// empty one (a vote failed): recovery counts the parts. Alone, a part
	// that logged nothing needs no end.
	if g.t.write && (len(g.shards) > 1 || s.logged != st.mark) {
		s.endTx(g.t.id, len(g.shards))
	}
	if s.logged != st.mark {
		st.lsn = s.srv.persist.LoggedLSN(s.id)
	}
	s.afterLogged(st.mark, g.committed)
}

// voted counts another participant's vote on part p (of this shard, s),
// out of need. Votes may come before s reaches the group; once s has
// checked and has them all, it goes on.
func (g *shotGroup) voted(s *Shard, p *shotPart, ok bool, need int) {
	p.votes++
	p.failed = p.failed || !ok
	if p.checked && p.votes == need {
		g.advance(s, p.at)
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

// finish answers the shots, each connection's writes recorded first (an
// upper bound per participant: the group's LSN there). Every participant
// set its LSN before reporting its commit, which brought the group here.
func (g *shotGroup) finish(s *Shard) {
	for _, o := range g.shots {
		if o.c != nil && o.write {
			for i := range o.parts {
				p := &o.parts[i]
				o.c.wrote(p.sh.id, g.states[p.at].lsn)
			}
		}
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
// step (multiSum, multiGather, multiMset), or one after a check of every
// part (multiMsetnx, see splitCheckOf): outside EXEC they run as shots.
var splitReducers = map[string]splitReducer{
	"del":    reduceSum,
	"unlink": reduceSum,
	"exists": reduceSum,
	"touch":  reduceSum,
	"mget":   reduceGather,
	"mset":   reduceAllOK,
	"msetnx": reduceAllSet,
}

// splitCheck is what a split command checks on every participant, with
// its part's arguments, before any part runs: the parts run, as the
// command named then, only if every check passes; else it replies failed.
type splitCheck struct {
	check  func(c *Ctx, args [][]byte) bool
	then   string
	failed string
}

// splitCheckOf returns the check of a split command, if it has one.
func splitCheckOf(name string) (splitCheck, bool) {
	if name == "msetnx" {
		// All or nothing: no key may exist on any shard. Then each part
		// is an MSET, logged as such.
		return splitCheck{check: noKeyExists, then: "MSET", failed: ":0\r\n"}, true
	}
	return splitCheck{}, false
}

// noKeyExists is MSETNX's check (cmdMsetnx's first loop) of key/value
// arguments.
func noKeyExists(c *Ctx, args [][]byte) bool {
	for i := 1; i < len(args); i += 2 {
		if _, found := c.Write(args[i]); found {
			return false
		}
	}
	return true
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
		s.recordCall(cmd, args, 0, []byte("-"+errArity(string(args[0]))), c)
		s.reply(c)
		return
	}
	slot := s.newSlot(c)
	c.paused = true
	args = copyArgs(args)
	parts := s.srv.split(cmd, args)
	dbi, proto := c.db, c.w.Proto
	shards := make([]*Shard, len(parts))
	for i, p := range parts {
		shards[i] = p.sh
	}
	o := newShot(shards, cmd.Flags&FlagWrite != 0, proto)
	o.part = true
	o.c = c
	check, vote := splitCheckOf(cmd.Name)
	o.vote = vote
	nkeys := 0
	for i, p := range parts {
		nkeys += len(p.idx)
		pcmd, pargs := cmd, p.args
		if vote {
			o.parts[i].check = func(x *Shard) bool {
				return x.withCtx(dbi, proto, nil, func(c *Ctx) any { return check.check(c, pargs) }).(bool)
			}
			pcmd = lookupCommand([]byte(check.then))
			pargs = append([][]byte{[]byte(check.then)}, pargs[1:]...)
		}
		o.parts[i].run = func(x *Shard, t *tx, w *resp.Writer) { x.execute(pcmd, dbi, pargs, w, nil, t) }
	}
	o.done = func(s *Shard) {
		if o.failed() {
			s.recordCall(cmd, args, o.runTime(), []byte(check.failed), c)
			s.resume(c, slot, []byte(check.failed))
			return
		}
		replies := make([][]byte, len(parts))
		idx := make([][]int, len(parts))
		for i, p := range parts {
			replies[i] = o.parts[i].out.Bytes()
			idx[i] = p.idx
		}
		var w resp.Writer
		w.Proto = proto
		reduce(&w, replies, idx, nkeys)
		s.recordCall(cmd, args, o.runTime(), w.Bytes(), c)
		s.resume(c, slot, w.Bytes())
	}
	s.startShot(o)
}
