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
// A write is fsynced once its shard's log has synced past its LSN. The call
// runs as an all-shard transaction: the lock reaches each shard after every
// command the client sent before WAITAOF (batches to other shards are sent
// ahead of lock requests), so the last LSN each shard has logged once held
// covers all of the client's writes there. It bounds them from above: other
// clients' writes logged earlier are waited for too, which an fsync covers
// at the same cost. The shards are released at once; the wait itself holds
// none of them, and neither does it block a loop: the client stays paused
// while its coordinator goroutine waits.
func init() {
	register(&Command{Name: "waitaof", Arity: 4, Flags: FlagBlocking | FlagAllShard, Categories: []string{"connection"},
		Group: "generic", Since: "7.2.0",
		Summary: "Blocks until all of the preceding write commands sent by the connection are written to the append-only file of the primary and/or replicas.",
		Multi:   multiWaitAOF})
}

const (
	errWaitAOFNoAOF    = "ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled."
	errWaitAOFNumLocal = "ERR value is out of range, value must between 0 and 1"
	errTimeoutNotInt   = "ERR timeout is not an integer or out of range"
	errTimeoutNegative = "ERR timeout is negative"
	errTimeoutRange    = "ERR timeout is out of range"
)

func multiWaitAOF(m *Multi) {
	now := time.Now().UnixMilli()
	numLocal, numReplicas, deadline, errMsg := parseWaitAOF(m.Args, now)
	if errMsg != "" {
		m.W.Error(errMsg)
		return
	}
	p := m.srv.persist
	aof := p.AppendOnly()
	if numLocal > 0 && !aof {
		m.W.Error(errWaitAOFNoAOF)
		return
	}
	// Every shard is held, so each has run what the client sent before
	// this call. The LSNs are read by control messages rather than hops: a
	// hop's result waits for its shard's log commit, which does not come
	// while the disk fails, and WAITAOF must time out then.
	shards := m.Shards()
	type logged struct {
		shard int
		lsn   uint64
	}
	got := make(chan logged, len(shards))
	for _, sh := range shards {
		sh.post(message{ctrl: true, fn: func(s *Shard) { got <- logged{s.id, p.LoggedLSN(s.id)} }})
	}
	want := make([]uint64, m.srv.n)
	for range shards {
		l := <-got
		want[l.shard] = l.lsn
	}
	local := func() int64 {
		if aof && syncedThrough(p, want) {
			return 1
		}
		return 0
	}
	// Inside EXEC nothing may block: reply with what holds now, as Redis
	// does for a client that cannot block.
	if !m.t.nested {
		for _, sh := range shards {
			m.Release(sh)
		}
		if numReplicas > 0 || local() < numLocal {
			m.srv.fsyncWaits().wait(want, numReplicas == 0, deadline, m.connID)
		}
	}
	m.W.Array(2)
	m.W.Int(local())
	m.W.Int(0)
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
// goroutine polls the logs' synced LSNs every millisecond and wakes each
// call once its LSNs are synced, its deadline passes or its client is gone.
// Polling, because the logs announce no syncs; a millisecond adds little to
// an fsync, and reading one atomic per shard and waiter is cheap.
type fsyncWaits struct {
	srv     *Server
	mu      sync.Mutex
	waiting map[*fsyncWait]struct{}
	polling bool
}

type fsyncWait struct {
	want     []uint64
	onSync   bool  // whether the LSNs being synced ends the wait
	deadline int64 // Unix ms, 0: none
	connID   int64
	done     chan struct{}
}

const (
	fsyncPollEvery   = time.Millisecond
	fsyncGoneCheckMs = 100 // how often waiting clients are checked for having left
)

var allFsyncWaits sync.Map // *Server -> *fsyncWaits

func (srv *Server) fsyncWaits() *fsyncWaits {
	if fw, ok := allFsyncWaits.Load(srv); ok {
		return fw.(*fsyncWaits)
	}
	fw, _ := allFsyncWaits.LoadOrStore(srv, &fsyncWaits{srv: srv, waiting: map[*fsyncWait]struct{}{}})
	return fw.(*fsyncWaits)
}

// wait blocks until want is synced (when onSync is set), deadline passes,
// the client connID disconnects or the server stops.
func (fw *fsyncWaits) wait(want []uint64, onSync bool, deadline, connID int64) {
	w := &fsyncWait{want: want, onSync: onSync, deadline: deadline, connID: connID, done: make(chan struct{})}
	fw.mu.Lock()
	fw.waiting[w] = struct{}{}
	if !fw.polling {
		fw.polling = true
		go fw.poll()
	}
	fw.mu.Unlock()
	<-w.done
}

func (fw *fsyncWaits) poll() {
	t := time.NewTicker(fsyncPollEvery)
	defer t.Stop()
	var lastGoneCheck int64
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
		fw.mu.Lock()
		for w := range fw.waiting {
			if stopped || (w.onSync && syncedThrough(fw.srv.persist, w.want)) || (w.deadline != 0 && now >= w.deadline) ||
				(checkGone && fw.srv.clientGone(w.connID)) {
				delete(fw.waiting, w)
				close(w.done)
			}
		}
		if len(fw.waiting) == 0 {
			fw.polling = false
			fw.mu.Unlock()
			if stopped {
				allFsyncWaits.Delete(fw.srv)
			}
			return
		}
		fw.mu.Unlock()
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
