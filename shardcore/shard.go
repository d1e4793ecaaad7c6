package shardcore

import (
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keeldb/keel/shardcore/resp"
	"github.com/keeldb/keel/shardcore/store"
	"golang.org/x/sys/unix"
)

// Shard is one event loop on a locked OS thread. It alone touches its
// keyspace (one store.Table per database) and the connections it accepted;
// everything else reaches it as messages in its inbox.
type Shard struct {
	id  int
	srv *Server
	dbs []*store.Table
	p   *poller

	listeners []int
	conns     map[int]*conn

	inMu     sync.Mutex
	inbox    []message
	spare    []message
	sleeping atomic.Bool

	// out holds this iteration's dispatch batch per target shard; sent
	// together once per loop iteration.
	out     []*batch
	outUsed []int

	// lockedBy is the transaction holding this shard (0: none). While locked
	// the shard runs only that transaction's hops; everything else waits in
	// deferred (messages) or waiting (connections with unread input).
	lockedBy uint64
	deferred []message
	waiting  []*conn

	dirtyConns []*conn
	again      []*conn // connections with input left after their budget
	now        int64   // unix ms: see tick
	wallAt     int64   // monotonic ns when wallOff was taken
	wallOff    int64   // wall clock minus monotonic clock, ns
	// clockAt, if set, is a clock read execute may take as its start
	// (execBatch, serve); lastEnd is when the last command execute ran
	// ended.
	clockAt, lastEnd int64
	ctx              Ctx
	scratch          resp.Writer

	stats       shardStats
	net         *netStats
	slowlog     slowlog
	from        client // where the forwarded command being run came from
	freeSlots   []*replySlot
	freeBatches []*batch
	afterCommit []func()
	anyway      []func() // results of work that logged nothing (see afterLogged)
	logged      uint64   // records logged so far
	keyBuf      []int
	ctxs        []*Ctx
	ctxDepth    int
	nextCron    int64
	closing     bool

	// unsynced are connections whose writes this iteration logged; their
	// output is held while commits fail.
	unsynced      []*conn
	commitFailing bool

	// WATCH state: who watches which key here, and who saw a change.
	watchers  map[watchKey]map[int64]bool
	watchedBy map[int64][]watchKey
	casDirty  map[int64]bool

	blk blockState // blocked clients parked here, waiters on keys here
	// waitingAOF counts this shard's connections blocked in WAITAOF.
	waitingAOF int

	ck shardCk    // checkpoint marks and the snapshot being written
	ld *shardLoad // the checkpoint being loaded into this shard

	shots *shotGroup // shots started this pass, to run as one (tx_shot.go)
}

// message is one unit in a shard's inbox. Exactly one of lock, batch, fn is set.
type message struct {
	txid  uint64
	lock  *tx
	batch *batch
	fn    func(*Shard)
	ctrl  bool // touches no data: runs even while the shard is locked
}

func newShard(srv *Server, id int) (*Shard, error) {
	p, err := newPoller()
	if err != nil {
		return nil, err
	}
	p.rawBlock = runtime.GOMAXPROCS(0) > srv.n
	s := &Shard{id: id, srv: srv, p: p, conns: make(map[int]*conn), net: new(netStats)}
	s.dbs = make([]*store.Table, srv.config().Databases)
	for i := range s.dbs {
		s.dbs[i] = store.NewTable()
	}
	s.out = make([]*batch, srv.n)
	s.slowlog.init(srv)
	return s, nil
}

// post appends a message to the shard's inbox and wakes its loop if it sleeps.
func (s *Shard) post(m message) {
	s.inMu.Lock()
	s.inbox = append(s.inbox, m)
	s.inMu.Unlock()
	s.wakeIfSleeping()
}

// wakeIfSleeping wakes the loop if it sleeps or is about to. Only the first
// poster after the loop said so writes to its eventfd: the loop clears the
// flag itself once it is up, and further wake-ups meanwhile would only be
// more system calls.
func (s *Shard) wakeIfSleeping() {
	if s.sleeping.Load() && s.sleeping.CompareAndSwap(true, false) {
		s.p.wake()
	}
}

// postBack returns an executed batch to this shard, waking it only when
// urgent or when it asked, through wake, to be woken. It is the sleeping
// handshake of post: this loop raises wake before it sleeps and checks its
// inbox after, so one of the two sides sees the other.
func (s *Shard) postBack(m message, urgent bool, wake *atomic.Bool) {
	s.inMu.Lock()
	s.inbox = append(s.inbox, m)
	s.inMu.Unlock()
	if urgent || wake.Load() {
		s.wakeIfSleeping()
	}
}

// postMany appends several messages under one lock acquisition.
func (s *Shard) postMany(ms []message) {
	s.inMu.Lock()
	s.inbox = append(s.inbox, ms...)
	s.inMu.Unlock()
	s.wakeIfSleeping()
}

func (s *Shard) run(ready chan<- struct{}) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for _, fd := range s.listeners {
		if err := s.p.add(fd, unix.EPOLLIN); err != nil {
			slog.Error("shard cannot poll listener", "shard", s.id, "err", err)
		}
	}
	close(ready)
	for !s.closing {
		timeout := s.pollTimeout()
		if timeout != 0 {
			s.sleeping.Store(true)
			s.inMu.Lock()
			pending := len(s.inbox) > 0
			s.inMu.Unlock()
			if pending {
				timeout = 0
			}
		}
		evs, err := s.p.wait(timeout)
		s.sleeping.Store(false)
		if err != nil {
			slog.Error("epoll_wait failed", "shard", s.id, "err", err)
			return
		}
		s.tick()
		// Batches returned without a wake-up (sendBack) first: a client
		// whose reply another shard wrote finds its connection idle.
		s.drainInbox()
		for i := range evs {
			s.onEvent(evs[i])
		}
		s.drainInbox()
		s.serveAgain()
		s.blockTick()
		s.cron()
		s.ckStep(len(evs) > 0)
		s.loadStep()
		s.endIteration()
	}
	s.shutdown()
}

// endIteration is the per-iteration commit point: log, then send batches
// and replies. Nothing leaves before the log step, which is what lets an
// fsync-always policy hold every reply until its write is durable. When the
// commit fails, the replies that depend on it (connections that wrote,
// results for other shards) wait and the commit is retried; everything else
// goes on.
func (s *Shard) endIteration() {
	if err := s.srv.persist.Commit(s.id); err != nil {
		if !s.commitFailing {
			s.srv.log.Error("cannot persist writes; holding their replies until the log works again", "shard", s.id, "err", err)
		}
		s.commitFailing = true
		s.sendBatches()
		s.sendAnyway()
		s.flushConns(false)
		return
	}
	if s.commitFailing {
		s.srv.log.Info("log writes succeed again", "shard", s.id)
		s.commitFailing = false
	}
	for _, c := range s.unsynced {
		c.unsynced = false
	}
	s.unsynced = s.unsynced[:0]
	s.flushOutgoing()
	s.flushConns(true)
}

func (s *Shard) pollTimeout() int {
	if s.commitFailing {
		return commitRetryMs
	}
	if len(s.dirtyConns) > 0 || s.hasOutgoing() || len(s.again) > 0 {
		return 0
	}
	if s.ld != nil {
		return 0
	}
	return s.ckPollTimeout(s.blockPollTimeout(s.srv.cronInterval(s)))
}

func (s *Shard) onEvent(ev unix.EpollEvent) {
	fd := int(ev.Fd)
	if fd == s.p.wakefd {
		return // the loop drains the inbox after the events
	}
	for _, l := range s.listeners {
		if l == fd {
			s.accept(fd)
			return
		}
	}
	c := s.conns[fd]
	if c == nil {
		return
	}
	if ev.Events&(unix.EPOLLIN|unix.EPOLLHUP|unix.EPOLLERR|unix.EPOLLRDHUP) != 0 {
		c.readable = true
		c.hup = c.hup || ev.Events&(unix.EPOLLHUP|unix.EPOLLERR|unix.EPOLLRDHUP) != 0
		s.serve(c)
		if c.block != nil {
			s.blockProbe(c)
		}
	}
	if ev.Events&unix.EPOLLOUT != 0 && len(c.wbuf) > 0 && !c.closed {
		s.markDirty(c)
	}
}

// tick reads the clock that commands see (expiry, TTLs, LRU). It is read
// each loop iteration and again whenever commands come in (a read from a
// socket, messages from other shards), so that it never runs behind the
// moment a command was sent, even when an iteration takes long: SET PX
// computes the same expiry as Redis would.
//
// It costs one monotonic clock read: the wall clock is read only every
// wallRefresh, to learn its offset from the monotonic one (time.Now reads
// both clocks each time, and tick runs once per request at -P 1). A step of
// the wall clock is seen within wallRefresh.
func (s *Shard) tick() {
	mono := nanotime()
	if mono-s.wallAt >= wallRefresh {
		s.wallAt = mono
		s.wallOff = time.Now().UnixNano() - mono
	}
	s.now = (s.wallOff + mono) / 1e6
}

const wallRefresh = int64(100 * time.Millisecond)

func (s *Shard) drainInbox() {
	for {
		s.inMu.Lock()
		msgs := s.inbox
		s.inbox = s.spare[:0]
		s.inMu.Unlock()
		if len(msgs) == 0 {
			s.spare = msgs
			return
		}
		s.tick()
		for i := range msgs {
			s.handle(msgs[i])
			msgs[i] = message{}
		}
		s.spare = msgs[:0]
	}
}

func (s *Shard) handle(m message) {
	if s.lockedBy != 0 && !m.ctrl && m.txid != s.lockedBy {
		s.deferred = append(s.deferred, m)
		return
	}
	switch {
	case m.lock != nil:
		s.lockedBy = m.lock.id
		m.lock.acks <- struct{}{}
	case m.batch != nil:
		if m.batch.origin == s && m.batch.executed {
			s.completeBatch(m.batch)
		} else {
			s.execBatch(m.batch)
		}
	case m.fn != nil:
		m.fn(s)
	}
}

// unlock releases the shard from tx id and replays what waited for it, in
// arrival order. A deferred lock request may hold the shard again on the way;
// handle then defers again whatever is not that transaction's, while its own
// hops (which may sit behind such messages) still run.
func (s *Shard) unlock(id uint64) {
	if s.lockedBy != id {
		return
	}
	s.lockedBy = 0
	for len(s.deferred) > 0 && s.lockedBy == 0 {
		d := s.deferred
		s.deferred = nil
		for _, m := range d {
			s.handle(m)
		}
	}
	s.resumeWaiting()
}

func (s *Shard) resumeWaiting() {
	w := s.waiting
	s.waiting = nil
	for i, c := range w {
		if s.lockedBy != 0 {
			for _, rest := range w[i:] {
				rest.queued = false
				s.wait(rest)
			}
			return
		}
		c.queued = false
		s.serve(c)
	}
}

// serveAgain resumes connections that used up their budget last iteration.
func (s *Shard) serveAgain() {
	again := s.again
	s.again = nil
	for _, c := range again {
		s.serve(c)
	}
}

// wait parks a connection whose input cannot run while the shard is held by
// a transaction; unlock resumes it.
func (s *Shard) wait(c *conn) {
	if !c.queued && !c.closed {
		c.queued = true
		s.waiting = append(s.waiting, c)
	}
}

func (s *Shard) markDirty(c *conn) {
	if !c.dirty {
		c.dirty = true
		s.dirtyConns = append(s.dirtyConns, c)
	}
}

// flushConns writes out the dirty connections; unless synced, those whose
// writes are not yet durable stay dirty.
func (s *Shard) flushConns(synced bool) {
	kept := s.dirtyConns[:0]
	for _, c := range s.dirtyConns {
		if c.closed {
			c.dirty = false
			continue
		}
		if !synced && c.unsynced {
			kept = append(kept, c)
			continue
		}
		c.dirty = false
		s.flushConn(c)
	}
	clear(s.dirtyConns[len(kept):])
	s.dirtyConns = kept
}

// commitRetryMs is how often a failing log commit is retried.
const commitRetryMs = 100

func (s *Shard) shutdown() {
	for _, c := range s.conns {
		s.flushConn(c)
		s.closeConn(c)
	}
	for _, fd := range s.listeners {
		unix.Close(fd)
	}
	s.p.close()
}
