package shardcore

import (
	"math"
	"sync"
	"time"
)

// WAITAOF numlocal numreplicas timeout (Redis 7.2): block until every write
// the client sent before it is fsynced to the AOF, then reply
// [local fsyncs, replica fsyncs]. keel has no replicas, so the second is
// always 0 and numreplicas > 0 waits out the timeout, as Redis does on a
// master without replicas.
//
// As Redis compares the client's c->woff with the fsynced offset, each
// connection keeps, per shard, the LSN after its last write there
// (connAOF.woff): its writes are fsynced once every shard's log is synced
// through those. Every path a write takes records it: inline commands
// (execute), forwarded batches (per item, applied by completeBatch),
// multi-shard commands and EXEC (the transaction's LSNs, applied when the
// connection resumes), blocking serves. Other clients' writes are not
// waited for, and no shard is held: WAITAOF runs on the connection's own
// shard, waits for the replies of what the client sent before it (whose
// LSNs come with them), then for the syncs, with the connection paused
// and the loop free. The wait depends on no log commit, so it times out
// while the disk fails (a forwarded write whose commit fails holds back
// its own reply, and so this one's, either way). Inside EXEC it answers
// at once with what holds then; as in Redis, which propagates a
// transaction when EXEC ends, the transaction's own writes do not count
// yet.
func init() {
	register(&Command{Name: "waitaof", Arity: 4, Flags: FlagBlocking | FlagConn, Categories: []string{"connection"},
		Group: "generic", Since: "7.2.0",
		Summary: "Blocks until all of the preceding write commands sent by the connection are written to the append-only file of the primary and/or replicas.",
		Fn:      cmdWaitAOF})
}

const (
	errWaitAOFNoAOF    = "ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled."
	errWaitAOFNumLocal = "ERR value is out of range, value must between 0 and 1"
	errTimeoutNotInt   = "ERR timeout is not an integer or out of range"
	errTimeoutNegative = "ERR timeout is negative"
	errTimeoutRange    = "ERR timeout is out of range"
)

// connAOF is a connection's WAITAOF state, owned by its shard.
type connAOF struct {
	// woff is, per shard, the LSN after the connection's last write there
	// (nil: it never wrote).
	woff []uint64
	// wait is a WAITAOF that waits for earlier commands' replies.
	wait *aofWait
	// blocked is the WAITAOF the connection is blocked in until answered.
	blocked *aofWait
}

type aofWait struct {
	slot        *replySlot
	numLocal    int64
	numReplicas int64
	deadline    int64      // Unix ms, 0: none
	polled      *fsyncWait // its entry in the poller, once it waits for syncs
}

// wrote records a write of the connection logged on shard at lsn (or an
// LSN read there after it).
func (c *conn) wrote(shard int, lsn uint64) {
	if lsn == 0 {
		return
	}
	if c.aof.woff == nil {
		c.aof.woff = make([]uint64, c.shard.srv.n)
	}
	if lsn > c.aof.woff[shard] {
		c.aof.woff[shard] = lsn
	}
}

// wroteAll records a transaction's writes for the connection: per shard,
// an LSN after its part there (0: none).
func (c *conn) wroteAll(lsns []uint64) {
	for i, lsn := range lsns {
		c.wrote(i, lsn)
	}
}

var (
	waitAOFSynced   = []byte("*2\r\n:1\r\n:0\r\n")
	waitAOFUnsynced = []byte("*2\r\n:0\r\n:0\r\n")
)

// waitAOFReply is the reply for a client whose writes are at want.
func waitAOFReply(p Persistence, want []uint64) []byte {
	if p.AppendOnly() && syncedThrough(p, want) {
		return waitAOFSynced
	}
	return waitAOFUnsynced
}

func cmdWaitAOF(c *Ctx) {
	numLocal, numReplicas, deadline, errMsg := parseWaitAOF(c.Args, c.Now)
	if errMsg != "" {
		c.Error(errMsg)
		return
	}
	p := c.S.srv.persist
	if numLocal > 0 && !p.AppendOnly() {
		c.Error(errWaitAOFNoAOF)
		return
	}
	cn := c.Conn
	// Inside EXEC (which writes the replies elsewhere) nothing may block:
	// reply with what holds now, as Redis does for a client that cannot
	// block.
	if cn == nil || c.tx != nil || c.W != &cn.w {
		var woff []uint64
		if cn != nil {
			woff = cn.aof.woff
		}
		c.W.Raw(waitAOFReply(p, woff))
		return
	}
	if len(cn.pending) == 0 && waitAOFDone(p, numLocal, numReplicas, cn.aof.woff) {
		c.W.Raw(waitAOFReply(p, cn.aof.woff))
		return
	}
	s := c.S
	w := &aofWait{numLocal: numLocal, numReplicas: numReplicas, deadline: deadline}
	w.slot = s.newSlot(cn)
	cn.paused = true
	cn.aof.wait = w
	cn.aof.blocked = w
	s.waitingAOF++
	s.waitAOFReady(cn)
}

// waitAOFDone reports whether a WAITAOF for writes at want needs no wait.
func waitAOFDone(p Persistence, numLocal, numReplicas int64, want []uint64) bool {
	return numReplicas == 0 && (numLocal == 0 || (p.AppendOnly() && syncedThrough(p, want)))
}

// waitAOFReady goes on with the connection's WAITAOF once the replies of
// every command sent before it are in: only then are their LSNs known.
// Those still due are forwarded ones (anything else pauses the
// connection until it is answered), so completeBatch calls this again.
// The answer is posted, never given here: this runs inside a command or
// a batch's completion, where the connection must not resume.
func (s *Shard) waitAOFReady(c *conn) {
	w := c.aof.wait
	if c.closed {
		c.aof.wait = nil
		s.endWaitAOF(c, w, nil)
		return
	}
	if c.pending[0] != w.slot {
		return
	}
	c.aof.wait = nil
	want := append([]uint64(nil), c.aof.woff...)
	// As in Redis, a call that waited for local fsyncs gets an error if
	// appendonly was turned off meanwhile.
	end := func() {
		s.post(message{ctrl: true, fn: func(s *Shard) {
			p := s.srv.persist
			reply := waitAOFReply(p, want)
			if w.numLocal > 0 && !p.AppendOnly() {
				reply = []byte("-" + errWaitAOFNoAOF + "\r\n")
			}
			s.endWaitAOF(c, w, reply)
		}})
	}
	p := s.srv.persist
	if waitAOFDone(p, w.numLocal, w.numReplicas, want) || (w.deadline != 0 && s.now >= w.deadline) ||
		(w.numLocal > 0 && !p.AppendOnly()) {
		end()
		return
	}
	w.polled = s.srv.fsyncWaits().wait(want, w.numReplicas == 0, w.numLocal > 0, w.deadline, c.id, end)
}

// endWaitAOF answers the WAITAOF w with reply and resumes its connection,
// unless CLIENT UNBLOCK answered it first.
func (s *Shard) endWaitAOF(c *conn, w *aofWait, reply []byte) {
	if c.aof.blocked != w {
		return
	}
	c.aof.blocked = nil
	s.waitingAOF--
	s.complete(w.slot, reply)
	if !c.closed {
		c.paused = false
		s.serve(c)
	}
}

// unblockWaitAOF is CLIENT UNBLOCK of a connection blocked in WAITAOF: it
// gets the error, or what its timeout would give — the fsync state of its
// writes now (not synced while the replies carrying their LSNs are still
// due). It reports whether the connection was blocked in WAITAOF.
func (s *Shard) unblockWaitAOF(c *conn, withError bool) bool {
	w := c.aof.blocked
	if w == nil {
		return false
	}
	reply := waitAOFReply(s.srv.persist, c.aof.woff)
	switch {
	case withError:
		reply = waitUnblockErr
	case c.aof.wait != nil:
		reply = waitAOFUnsynced
	}
	c.aof.wait = nil
	if w.polled != nil {
		s.srv.fsyncWaits().cancel(w.polled)
	}
	s.endWaitAOF(c, w, reply)
	return true
}

// parseWaitAOF checks the arguments in Redis's order; deadline is in Unix
// ms, 0 for none.
func parseWaitAOF(args [][]byte, now int64) (numLocal, numReplicas, deadline int64, errMsg string) {
	numLocal, ok := ParseInt(args[1])
	if !ok {
		return 0, 0, 0, errNotInt
	}
	if numLocal < 0 || numLocal > 1 {
		return 0, 0, 0, errWaitAOFNumLocal
	}
	// Redis parses numreplicas with a message that also covers non-numbers.
	numReplicas, ok = ParseInt(args[2])
	if !ok || numReplicas < 0 {
		return 0, 0, 0, errMustBePositive
	}
	timeout, ok := ParseInt(args[3])
	switch {
	case !ok:
		return 0, 0, 0, errTimeoutNotInt
	case timeout < 0:
		return 0, 0, 0, errTimeoutNegative
	case timeout > math.MaxInt64-now:
		return 0, 0, 0, errTimeoutRange
	case timeout > 0:
		deadline = now + timeout
	}
	return numLocal, numReplicas, deadline, ""
}

// syncedThrough reports whether every shard's log is synced through the
// LSN want names for it.
func syncedThrough(p Persistence, want []uint64) bool {
	for i, lsn := range want {
		if lsn > p.SyncedLSN(i) {
			return false
		}
	}
	return true
}

// fsyncWaits holds a server's waiting WAITAOF calls. While any waits, one
// goroutine polls the logs' synced LSNs every millisecond and ends each
// call once its LSNs are synced, its deadline passes or its client is gone.
// Polling, because the logs announce no syncs; a millisecond adds little to
// an fsync, and reading one atomic per shard and waiter is cheap. Synced
// LSNs are read with no shard's help, so a wait ends on time even while a
// failing disk keeps the shards' log commits from completing.
type fsyncWaits struct {
	srv     *Server
	mu      sync.Mutex
	waiting map[*fsyncWait]struct{}
	polling bool
}

type fsyncWait struct {
	want     []uint64
	onSync   bool  // whether the LSNs being synced ends the wait
	needAOF  bool  // whether appendonly being turned off ends it
	deadline int64 // Unix ms, 0: none
	connID   int64
	done     func() // called once, from the poller, when the wait ends
}

const (
	fsyncPollEvery   = time.Millisecond
	fsyncGoneCheckMs = 100 // how often waiting clients are checked for having left
)

func (srv *Server) fsyncWaits() *fsyncWaits { return srv.ext().fsync }

// wait calls done once want is synced (when onSync is set), appendonly is
// off (when needAOF is), deadline passes or the client connID disconnects;
// not if the server stops first, or the wait is cancelled.
func (fw *fsyncWaits) wait(want []uint64, onSync, needAOF bool, deadline, connID int64, done func()) *fsyncWait {
	w := &fsyncWait{want: want, onSync: onSync, needAOF: needAOF, deadline: deadline, connID: connID, done: done}
	fw.mu.Lock()
	fw.waiting[w] = struct{}{}
	if !fw.polling {
		fw.polling = true
		go fw.poll()
	}
	fw.mu.Unlock()
	return w
}

// cancel drops a wait; if the poller has ended it already, its done runs
// all the same.
func (fw *fsyncWaits) cancel(w *fsyncWait) {
	fw.mu.Lock()
	delete(fw.waiting, w)
	fw.mu.Unlock()
}

func (fw *fsyncWaits) poll() {
	t := time.NewTicker(fsyncPollEvery)
	defer t.Stop()
	var lastGoneCheck int64
	var ended []*fsyncWait
	for {
		stopped := false
		select {
		case <-t.C:
		case <-fw.srv.stopped:
			stopped = true
		}
		now := time.Now().UnixMilli()
		checkGone := now-lastGoneCheck >= fsyncGoneCheckMs
		if checkGone {
			lastGoneCheck = now
		}
		ended = ended[:0]
		fw.mu.Lock()
		for w := range fw.waiting {
			p := fw.srv.persist
			if stopped || (w.onSync && syncedThrough(p, w.want)) || (w.needAOF && !p.AppendOnly()) ||
				(w.deadline != 0 && now >= w.deadline) || (checkGone && fw.srv.clientGone(w.connID)) {
				delete(fw.waiting, w)
				ended = append(ended, w)
			}
		}
		idle := len(fw.waiting) == 0
		if idle {
			fw.polling = false
		}
		fw.mu.Unlock()
		if !stopped {
			for _, w := range ended {
				w.done()
			}
		}
		if idle {
			return
		}
	}
}

// clientGone reports whether the connection with this id has closed. A
// paused connection's loop reads nothing from it, so a hang-up would go
// unseen: the shard is asked to read what is pending, which closes the
// connection on EOF (and buffers any input for when it resumes).
func (srv *Server) clientGone(id int64) bool {
	srv.clientsMu.Lock()
	c := srv.registry[id]
	srv.clientsMu.Unlock()
	if c == nil {
		return true
	}
	c.shard.post(message{ctrl: true, fn: func(s *Shard) {
		for c.readable && !c.closed && s.fill(c) {
		}
	}})
	return false
}
