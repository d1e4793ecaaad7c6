package shardcore

import (
	"math"
	"math/big"
	"time"

	"github.com/keeldb/keel/shardcore/resp"
	"github.com/keeldb/keel/shardcore/store"
)

// Blocking commands (BLPOP and friends).
//
// A blocked client parks on its own (origin) shard. Its call is first tried
// at once, as a transaction over the shards of its keys. When nothing could
// serve it, a waiter is armed on every shard owning one of its keys: that
// shard keeps, per key, the waiters in arrival order. Whenever a key with
// waiters changes (any write WATCH would notice, including inside EXEC,
// RENAME, RESTORE, LMOVE's destination), the shard re-examines it once it
// is not held by a transaction; if the key now holds a value of the waited
// type, it offers the key to its first waiter, one offer per key at a time.
//
// The origin decides: an offer to a waiter still blocked starts a serve, a
// transaction that pops for real (nothing is popped speculatively) and
// delivers the reply. Offers reaching a waiter already being served queue
// behind that serve. A waiter served, timed out or disconnected is cancelled
// on every shard, which withdraws its offers and passes keys on to the next
// waiter; a serve that found the key empty again withdraws the offer so that
// the next change re-offers it. If the client disconnects while its serve is
// in flight, what was taken is put back (the op's undo), so every element is
// popped exactly once and either delivered or left in the keyspace.
//
// Stream reads are broadcast ops: a reader takes nothing from the others
// (consumer groups settle who gets an entry inside the serve), so every
// change of a key is offered to each of its waiters and a serve that finds
// nothing new just leaves its waiter blocked. CLIENT UNBLOCK and timeouts
// end a wait on the origin, as a disconnect does.

// BlockOp describes a blocking command to the blocking machinery. Register
// one with registerBlocking; the command itself keeps an Fn (and Multi) that
// behave as the non-blocking form, which is what runs inside MULTI/EXEC.
type BlockOp struct {
	// Parse validates the call and returns the keys it waits on, in order,
	// and its timeout in ms (0: forever), or the error reply. No keys and
	// no error mean the call does not block (XREAD without BLOCK): it then
	// runs as any other command.
	Parse func(args [][]byte) (keys [][]byte, timeoutMs int64, errMsg string)
	// Type is the value type whose appearance at a key can serve a waiter.
	Type store.Type
	// Extra returns keys a serve writes besides the popped key (BLMOVE's
	// destination); their shards are held during the serve too. May be nil.
	Extra func(args [][]byte) [][]byte
	// Serve tries to serve the call from key inside m (m.Args is the call;
	// the shards of key and of Extra are held). served=false means nothing
	// changed (the key is missing or empty). Otherwise reply is the whole
	// reply and undo, when not nil, is a command run on key's shard that
	// puts back what was taken, should the client be gone meanwhile.
	Serve func(m *Multi, key []byte) (reply []byte, undo [][]byte, served bool)
	// Try, when set, is the initial attempt instead of Serve on each key:
	// it runs the whole call (every shard held; as a write if the command
	// writes) and reports served=false when the reply means "nothing yet".
	// It may rewrite m.Args in place for the later serves (XREAD's $
	// becomes the stream's last ID at the time of the call).
	Try func(m *Multi) (reply []byte, served bool)
	// Broadcast ops consume nothing a waiter could lose to another (reads,
	// or consumer-group deliveries decided by the serve): every change of a
	// key is offered to each of its waiters, whatever the key then holds,
	// and a serve that finds nothing leaves its waiter blocked.
	Broadcast bool
}

var blockOps = map[string]*BlockOp{}

// registerBlocking attaches op to the command named name (lowercase).
func registerBlocking(name string, op *BlockOp) { blockOps[name] = op }

// waiter is one blocked call. Fields above the line are fixed at creation
// (other shards read them); the rest belongs to the origin shard.
type waiter struct {
	origin *Shard
	c      *conn
	op     *BlockOp
	args   [][]byte
	keys   [][]byte
	db     int
	proto  int
	slot   *replySlot

	deadline int64 // unix ms; 0: forever
	state    waiterState
	armed    []*Shard
	pending  [][]byte // keys offered while a serve was in flight
	gone     bool     // the connection closed while a serve was in flight
	unblock  []byte   // CLIENT UNBLOCK's reply, for when the serve in flight ends
}

type waiterState uint8

const (
	waitTrying  waiterState = iota // the initial attempt is in flight
	waitBlocked                    // armed, waiting for an offer
	waitServing                    // a serve is in flight
	waitDone                       // replied, timed out or gone
)

// blockKey is a watched key on its shard.
type blockKey struct {
	db  int
	key string
}

// keyWaiters are the waiters of one key in arrival order, and the one that
// holds the key's offer (nil: none).
type keyWaiters struct {
	q       []*waiter
	offered *waiter
}

// blockState is a shard's share of the machinery: as origin, its blocked
// clients; as key owner, the waiters per key and the keys to re-examine.
type blockState struct {
	waiters      map[*waiter]struct{}
	nextDeadline int64
	blocked      int // armed waiters parked here (INFO blocked_clients)
	inTimeout    int // those with a deadline (clients_in_timeout_table)
	keys         map[blockKey]*keyWaiters
	check        map[blockKey]struct{}
}

// block starts a blocking call for c; it reports false when cmd has no
// blocking op (the caller then runs it as usual).
func (s *Shard) block(c *conn, cmd *Command, args [][]byte) bool {
	op := blockOps[cmd.Name]
	if op == nil {
		return false
	}
	keys, timeout, errMsg := op.Parse(args)
	if errMsg != "" {
		c.w.Error(errMsg)
		s.reply(c)
		return true
	}
	if keys == nil {
		return false
	}
	args = copyArgs(args) // the waiter outlives the input buffer
	keys, _, _ = op.Parse(args)
	w := &waiter{origin: s, c: c, op: op, args: args, keys: keys, db: c.db, proto: c.w.Proto}
	// A deadline past what the clock can hold never comes (Redis's wraps
	// into a time its timeout table never reaches).
	if timeout > 0 && timeout <= math.MaxInt64-s.now {
		w.deadline = s.now + timeout
	}
	w.slot = s.newSlot(c)
	c.paused = true
	c.block = w
	// Earlier commands of this connection batched for other shards must
	// reach them before the lock requests do.
	s.sendBatches()
	s.blockProbe(c)
	go func() {
		key, reply, undo, served, lsns := s.srv.blockServe(w, keys, true)
		s.post(message{ctrl: true, fn: func(s *Shard) { s.serveDone(w, false, key, reply, undo, served, lsns) }})
	}()
	return true
}

// blockServe runs one serve attempt over keys (in order, the first that
// serves wins) as a transaction holding every shard involved; initial is
// the attempt made when the call arrives. lsns are the transaction's, for
// the client's WAITAOF.
func (srv *Server) blockServe(w *waiter, keys [][]byte, initial bool) (key, reply []byte, undo [][]byte, served bool, lsns []uint64) {
	var shards []*Shard
	add := func(k []byte) {
		sh := srv.shardOf(k)
		for _, x := range shards {
			if x == sh {
				return
			}
		}
		shards = append(shards, sh)
	}
	for _, k := range keys {
		add(k)
	}
	if w.op.Extra != nil {
		for _, k := range w.op.Extra(w.args) {
			add(k)
		}
	}
	cmd := lookupCommand(w.args[0])
	// Held as a read first: a call that finds nothing (the usual way to
	// block) then logs nothing, not even a transaction end. Try and
	// broadcast serves look at the keys whatever they hold, and make the
	// transaction a write (m.t.write) before they change anything.
	direct := (initial && w.op.Try != nil) || (!initial && w.op.Broadcast)
	t := srv.lockShards(shards, false)
	t.nested = true
	m := &Multi{srv: srv, t: t, Cmd: cmd, Args: w.args, DBi: w.db, connID: w.c.id}
	m.W.Proto = w.proto
	if direct {
		if initial {
			reply, served = w.op.Try(m)
		} else {
			reply, undo, served = w.op.Serve(m, keys[0])
			key = keys[0]
		}
		t.finish()
		return key, reply, undo, served, t.lsn
	}
	exists := false
	for _, r := range m.Each(func(c *Ctx) any {
		for _, k := range keys {
			if srv.shardOf(k) != c.S {
				continue
			}
			if e, ok := c.DB.Get(k); ok && (e.ExpireAt == 0 || e.ExpireAt > c.Now) {
				return true
			}
		}
		return false
	}) {
		exists = exists || r.(bool)
	}
	if exists {
		t.write = true
		for _, k := range keys {
			if reply, undo, served = w.op.Serve(m, k); served {
				key = k
				break
			}
		}
	}
	t.finish()
	return key, reply, undo, served, t.lsn
}

// serveDone handles the end of a serve attempt on the origin: the initial
// one over every key, or one on an offered key.
func (s *Shard) serveDone(w *waiter, offered bool, key, reply []byte, undo [][]byte, served bool, lsns []uint64) {
	if served {
		if w.gone {
			if undo != nil {
				s.srv.blockUndo(w.db, key, undo)
			}
		} else {
			w.c.wroteAll(lsns)
			s.complete(w.slot, reply)
		}
		s.finishWaiter(w)
		return
	}
	if offered && !w.op.Broadcast {
		k := blockKey{db: w.db, key: string(key)}
		s.srv.shardOf(key).post(message{fn: func(ks *Shard) { ks.withdrawOffer(w, k) }})
	}
	if w.gone {
		s.finishWaiter(w)
		return
	}
	if w.unblock != nil {
		s.complete(w.slot, w.unblock)
		s.finishWaiter(w)
		return
	}
	if w.armed == nil {
		s.arm(w)
	}
	if len(w.pending) > 0 {
		next := w.pending[0]
		w.pending = w.pending[1:]
		s.startServe(w, next)
		return
	}
	w.state = waitBlocked
	if w.deadline != 0 && w.deadline <= s.now {
		s.timeoutWaiter(w)
		return
	}
	s.noteDeadline(w)
}

// noteDeadline makes the loop wake for w's deadline.
func (s *Shard) noteDeadline(w *waiter) {
	if w.deadline != 0 && (s.blk.nextDeadline == 0 || w.deadline < s.blk.nextDeadline) {
		s.blk.nextDeadline = w.deadline
	}
}

// blockUndo puts back what a serve took for a client that is gone.
func (srv *Server) blockUndo(db int, key []byte, undo [][]byte) {
	sh := srv.shardOf(key)
	go func() {
		t := srv.lockShards([]*Shard{sh}, true)
		m := &Multi{srv: srv, t: t, Cmd: lookupCommand(undo[0]), Args: undo, DBi: db}
		m.Run(sh, undo)
		t.finish()
	}()
}

// arm registers w on every shard owning one of its keys.
func (s *Shard) arm(w *waiter) {
	per := map[*Shard][]blockKey{}
	for _, k := range w.keys {
		sh := s.srv.shardOf(k)
		if per[sh] == nil {
			w.armed = append(w.armed, sh)
		}
		per[sh] = append(per[sh], blockKey{db: w.db, key: string(k)})
	}
	for _, sh := range w.armed {
		keys := per[sh]
		sh.post(message{fn: func(ks *Shard) { ks.addWaiter(w, keys) }})
	}
	if s.blk.waiters == nil {
		s.blk.waiters = map[*waiter]struct{}{}
	}
	s.blk.waiters[w] = struct{}{}
	s.blk.blocked++
	if w.deadline != 0 {
		s.blk.inTimeout++
	}
}

// finishWaiter ends w: cancels it everywhere and resumes its connection.
func (s *Shard) finishWaiter(w *waiter) {
	w.state = waitDone
	w.pending = nil
	if _, ok := s.blk.waiters[w]; ok {
		delete(s.blk.waiters, w)
		s.blk.blocked--
		if w.deadline != 0 {
			s.blk.inTimeout--
		}
	}
	for _, sh := range w.armed {
		sh.post(message{fn: func(ks *Shard) { ks.removeWaiter(w) }})
	}
	c := w.c
	if c.block == w {
		c.block = nil
	}
	if !c.closed {
		c.paused = false
		s.serve(c)
	}
}

func (s *Shard) timeoutWaiter(w *waiter) {
	if w.state != waitBlocked {
		return
	}
	var out resp.Writer
	out.Proto = w.proto
	out.NullArray()
	s.complete(w.slot, out.Bytes())
	s.finishWaiter(w)
}

// blockProbe reads what a blocked connection sent (kept for after the
// block), so that a client closing while blocked is noticed at once, as
// Redis does: its waiter is then cancelled, or its in-flight serve undone.
func (s *Shard) blockProbe(c *conn) {
	for c.readable && !c.closed && s.fill(c) {
	}
}

// blockGone is closeConn's hook: a blocked client left.
func (s *Shard) blockGone(c *conn) {
	w := c.block
	c.block = nil
	if w.state == waitBlocked {
		s.finishWaiter(w)
		return
	}
	w.gone = true
}

// offer reaches the origin: key (on another or this shard) can serve w.
func (s *Shard) offer(w *waiter, key []byte) {
	switch w.state {
	case waitBlocked:
		s.startServe(w, key)
	case waitTrying, waitServing:
		for _, k := range w.pending {
			if string(k) == string(key) {
				return
			}
		}
		w.pending = append(w.pending, key)
	}
	// waitDone: the cancel on its way withdraws the offer.
}

func (s *Shard) startServe(w *waiter, key []byte) {
	w.state = waitServing
	go func() {
		start := s.srv.latencyStart()
		_, reply, undo, served, lsns := s.srv.blockServe(w, [][]byte{key}, false)
		if served {
			s.srv.latencyEnd("command-unblocking", start)
		}
		s.post(message{ctrl: true, fn: func(s *Shard) { s.serveDone(w, true, key, reply, undo, served, lsns) }})
	}()
}

// blockTick runs once per loop iteration: timeouts of the clients parked
// here, then the offers of keys that changed (not while a transaction holds
// the shard: waiters are served after it, as Redis serves after EXEC).
func (s *Shard) blockTick() {
	if d := s.blk.nextDeadline; d != 0 && d <= s.now {
		s.blk.nextDeadline = 0
		// Waiters with a serve in flight are timed out, if need be, once
		// it ends (serveDone).
		for w := range s.blk.waiters {
			if w.deadline == 0 || w.state != waitBlocked {
				continue
			}
			if w.deadline <= s.now {
				s.timeoutWaiter(w)
				continue
			}
			s.noteDeadline(w)
		}
	}
	if len(s.blk.check) > 0 && s.lockedBy == 0 {
		for k := range s.blk.check {
			delete(s.blk.check, k)
			s.offerKey(k)
		}
	}
}

// blockPollTimeout bounds the loop's sleep by the next block deadline.
func (s *Shard) blockPollTimeout(ms int) int {
	if len(s.blk.check) > 0 && s.lockedBy == 0 {
		return 0
	}
	if d := s.blk.nextDeadline; d != 0 {
		left := max(d-nowMs(), 0)
		if ms < 0 || left < int64(ms) {
			return int(left)
		}
	}
	return ms
}

// blockSignal notes a change of a key that may have waiters (from touch).
func (s *Shard) blockSignal(db int, key []byte) {
	k := blockKey{db: db, key: string(key)}
	if s.blk.keys[k] == nil {
		return
	}
	if s.blk.check == nil {
		s.blk.check = map[blockKey]struct{}{}
	}
	s.blk.check[k] = struct{}{}
}

// blockSignalDB notes that every key of database db may have changed
// (FLUSHDB, FLUSHALL, SWAPDB), so its waiters look again.
func (s *Shard) blockSignalDB(db int) {
	for k := range s.blk.keys {
		if k.db == db {
			s.blk.check[k] = struct{}{}
		}
	}
}

// offerKey offers key k to each of its broadcast waiters, and to its first
// other waiter of the key's type if the key holds a value and no offer is
// outstanding.
func (s *Shard) offerKey(k blockKey) {
	kw := s.blk.keys[k]
	if kw == nil {
		return
	}
	key := []byte(k.key)
	for _, w := range kw.q {
		if w.op.Broadcast {
			w.origin.post(message{ctrl: true, fn: func(o *Shard) { o.offer(w, key) }})
		}
	}
	if kw.offered != nil {
		return
	}
	e, ok := s.dbs[k.db].Get(key)
	if !ok || (e.ExpireAt != 0 && e.ExpireAt <= s.now) {
		return
	}
	for _, w := range kw.q {
		if w.op.Type == e.Type && !w.op.Broadcast {
			kw.offered = w
			w.origin.post(message{ctrl: true, fn: func(o *Shard) { o.offer(w, key) }})
			return
		}
	}
}

func (s *Shard) addWaiter(w *waiter, keys []blockKey) {
	if s.blk.keys == nil {
		s.blk.keys = map[blockKey]*keyWaiters{}
		s.blk.check = map[blockKey]struct{}{}
	}
	for _, k := range keys {
		kw := s.blk.keys[k]
		if kw == nil {
			kw = &keyWaiters{}
			s.blk.keys[k] = kw
		}
		kw.q = append(kw.q, w)
		// A write may have landed between the initial attempt and now.
		if w.op.Broadcast {
			key := []byte(k.key)
			w.origin.post(message{ctrl: true, fn: func(o *Shard) { o.offer(w, key) }})
		} else {
			s.blk.check[k] = struct{}{}
		}
	}
}

// removeWaiter cancels w here; keys it held an offer for pass on.
func (s *Shard) removeWaiter(w *waiter) {
	for _, key := range w.keys {
		k := blockKey{db: w.db, key: string(key)}
		kw := s.blk.keys[k]
		if kw == nil {
			continue
		}
		for i, x := range kw.q {
			if x == w {
				kw.q = append(kw.q[:i], kw.q[i+1:]...)
				break
			}
		}
		if kw.offered == w {
			kw.offered = nil
			s.blk.check[k] = struct{}{}
		}
		if len(kw.q) == 0 {
			delete(s.blk.keys, k)
			delete(s.blk.check, k)
		}
	}
}

// withdrawOffer: w could not be served from k (emptied meanwhile); the
// next change of k offers it again.
func (s *Shard) withdrawOffer(w *waiter, k blockKey) {
	if kw := s.blk.keys[k]; kw != nil && kw.offered == w {
		kw.offered = nil
		s.blk.check[k] = struct{}{}
	}
}

// unblockConn is CLIENT UNBLOCK on the client's shard: a blocked client
// gets what its timeout would give (or the UNBLOCKED error) and resumes.
// A client whose serve is in flight ends its wait with that reply unless
// the serve delivers. It reports whether c was blocked.
func (s *Shard) unblockConn(c *conn, withError bool) bool {
	w := c.block
	if w == nil || w.state == waitDone || w.gone {
		return false
	}
	out := resp.Writer{Proto: w.proto}
	if withError {
		out.Error("UNBLOCKED client unblocked via CLIENT UNBLOCK")
	} else {
		out.NullArray()
	}
	if w.state != waitBlocked {
		w.unblock = out.Bytes()
		return true
	}
	s.complete(w.slot, out.Bytes())
	s.finishWaiter(w)
	return true
}

// blockTimeoutArg parses a blocking timeout in seconds as Redis 7.0 does:
// a long double (string2ld) times 1000, rounded up (so any positive timeout
// is at least 1 ms); a count past the int64 range converts to a negative one.
func blockTimeoutArg(b []byte) (int64, string) {
	f, ok := parseLongDouble(b)
	if !ok {
		return 0, "ERR timeout is not a float or out of range"
	}
	ms := newLongDouble().Mul(f, big.NewFloat(1000))
	if ms.IsInf() || ms.Cmp(big.NewFloat(math.MaxInt64)) >= 0 {
		return 0, "ERR timeout is negative"
	}
	n, _ := ms.Int64()
	if ms.Sign() > 0 && !ms.IsInt() {
		n++
	}
	if n < 0 {
		return 0, "ERR timeout is negative"
	}
	return n, ""
}

func nowMs() int64 { return time.Now().UnixMilli() }
