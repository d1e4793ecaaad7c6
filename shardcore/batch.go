package shardcore

import (
	"sync/atomic"

	"github.com/keeldb/keel/shardcore/resp"
	"golang.org/x/sys/unix"
)

// batch carries every command one shard sends another in one loop iteration,
// and comes back with their replies: one message each way per iteration and
// target, however many commands it holds.
type batch struct {
	origin   *Shard
	runner   *Shard // the shard that executed it
	executed bool
	items    []batchItem
	arena    []byte
	argv     [][]byte
	out      resp.Writer
	// back returns the executed batch to its origin (sendBack); made once
	// per batch so that sending replies back allocates nothing.
	back func()
	// direct counts the items whose replies the executing shard writes to
	// the client's socket itself; wake says the origin has work queued
	// behind one of them, so their return must wake it (see sendBack).
	direct int
	wake   atomic.Bool
}

type batchItem struct {
	slot   *replySlot
	cmd    *Command
	db     int
	proto  int
	a0, a1 int // arguments: argv[a0:a1]
	r0, r1 int // reply: out.Bytes()[r0:r1]
	// direct: the executing shard writes the reply to fd (see enqueue).
	direct bool
	fd     int
	from   client // for the slow log
	lsn    uint64 // the runner's LSN after the command's write (0: none)
}

// client names the connection a forwarded command came from, as SLOWLOG
// shows it.
type client struct{ addr, name string }

// enqueue adds a command for another shard to this iteration's batch for it.
func (s *Shard) enqueue(target *Shard, c *conn, cmd *Command, args [][]byte) {
	b := s.out[target.id]
	if b == nil {
		b = s.newBatch()
		s.out[target.id] = b
		s.outUsed = append(s.outUsed, target.id)
	}
	a0 := len(b.argv)
	for _, a := range args {
		off := len(b.arena)
		b.arena = append(b.arena, a...)
		b.argv = append(b.argv, b.arena[off:len(b.arena):len(b.arena)])
	}
	// A connection that awaits nothing else, has nothing unsent and sent
	// nothing more gets its reply straight from the executing shard: the
	// round trip back here (a wake-up of this loop) is then off the
	// client's path, the common case of a client waiting on each reply.
	// (A pipeline's replies go out together from here, in one write.)
	// Nothing else may write to the socket meanwhile: later replies queue
	// behind the slot, flushConn holds, and closeConn keeps the descriptor
	// open. Subscribers and monitors are left out: their output arrives
	// unasked.
	direct := len(c.pending) == 0 && len(c.wbuf) == 0 && c.rpos == c.rend &&
		c.noReply == 0 && c.sub == nil && !c.flags.monitor && !c.quitting
	slot := s.newSlot(c)
	slot.fwd = true
	if direct {
		c.direct++
		b.direct++
		slot.wake = &b.wake
	}
	b.items = append(b.items, batchItem{slot: slot, cmd: cmd, db: c.db, proto: c.w.Proto, a0: a0, a1: len(b.argv), direct: direct, fd: c.fd, from: client{c.addr, c.name}})
}

func (s *Shard) newBatch() *batch {
	if n := len(s.freeBatches); n > 0 {
		b := s.freeBatches[n-1]
		s.freeBatches = s.freeBatches[:n-1]
		return b
	}
	b := &batch{origin: s}
	b.back = b.sendBack
	return b
}

// sendBack runs on the executing shard once what the batch wrote is
// logged: it writes the direct items' replies to their sockets and returns
// the batch to its origin. The origin is woken only when it has something
// to do with the batch: replies left for it to send, or (wake) work queued
// behind a direct reply. Otherwise it takes the batch back whenever it
// next wakes — at the latest when the client, having its reply, sends its
// next command; the loop drains its inbox before reading sockets.
func (b *batch) sendBack() {
	urgent := b.direct < len(b.items)
	if b.direct > 0 {
		out := b.out.Bytes()
		for i := range b.items {
			it := &b.items[i]
			if !it.direct {
				continue
			}
			n := writeSome(it.fd, out[it.r0:it.r1])
			b.runner.net.out.Add(int64(n))
			b.runner.net.writes.Add(1)
			if it.r0 += n; it.r0 < it.r1 {
				urgent = true // the origin sends the rest
			}
		}
	}
	b.origin.postBack(message{batch: b, ctrl: true}, urgent, &b.wake)
}

// writeSome writes what the socket takes of p now and returns how much.
func writeSome(fd int, p []byte) int {
	n := 0
	for n < len(p) {
		m, err := sysWrite(fd, p[n:])
		if m > 0 {
			n += m
			continue
		}
		if err != unix.EINTR {
			break
		}
	}
	return n
}

func (s *Shard) hasOutgoing() bool {
	return len(s.outUsed) > 0 || len(s.afterCommit) > 0 || len(s.anyway) > 0
}

// afterLogged runs fn once what this shard logged since it counted mark
// records is committed; if it logged nothing, at the end of the iteration
// even while commits fail, so that reads forwarded here go on.
func (s *Shard) afterLogged(mark uint64, fn func()) {
	if s.logged == mark {
		s.anyway = append(s.anyway, fn)
	} else {
		s.afterCommit = append(s.afterCommit, fn)
	}
}

// sendAnyway delivers the results that depend on no log commit.
func (s *Shard) sendAnyway() {
	if len(s.anyway) > 0 {
		fns := s.anyway
		s.anyway = nil
		for _, fn := range fns {
			fn()
		}
	}
}

// flushOutgoing sends this iteration's batches and the results held back
// until the log commit.
func (s *Shard) flushOutgoing() {
	s.sendBatches()
	s.sendAnyway()
	if len(s.afterCommit) > 0 {
		fns := s.afterCommit
		s.afterCommit = nil
		for _, fn := range fns {
			fn()
		}
	}
}

// sendBatches posts this iteration's command batches to their shards.
func (s *Shard) sendBatches() {
	for _, id := range s.outUsed {
		b := s.out[id]
		s.out[id] = nil
		s.srv.shards[id].post(message{batch: b})
	}
	s.outUsed = s.outUsed[:0]
}

// execBatch runs a batch from another shard; the replies go back after this
// iteration's log commit.
func (s *Shard) execBatch(b *batch) {
	b.out.Reset()
	mark := s.logged
	for i := range b.items {
		it := &b.items[i]
		b.out.Proto = it.proto
		it.r0 = b.out.Len()
		s.from = it.from
		if i > 0 {
			// Back to back: the end of the last command starts this
			// one (a clock read is a tenth of a small command's cost).
			s.clockAt = s.lastEnd
		}
		logged := s.logged
		s.execute(it.cmd, it.db, b.argv[it.a0:it.a1], &b.out, nil, nil)
		it.r1 = b.out.Len()
		it.lsn = 0
		if s.logged != logged {
			it.lsn = s.srv.persist.LoggedLSN(s.id)
		}
	}
	s.from = client{}
	b.executed = true
	b.runner = s
	s.afterLogged(mark, b.back)
}

// completeBatch delivers a batch's replies to their connections.
func (s *Shard) completeBatch(b *batch) {
	out := b.out.Bytes()
	for i := range b.items {
		it := &b.items[i]
		c := it.slot.c
		c.wrote(b.runner.id, it.lsn)
		s.complete(it.slot, out[it.r0:it.r1])
		it.slot = nil
		if it.direct {
			if c.direct--; c.direct == 0 && c.closed {
				unix.Close(c.fd) // closeConn left it open (see enqueue)
			}
		}
		if c.aof.wait != nil {
			s.waitAOFReady(c)
		}
	}
	// A pooled batch keeps its buffers, but not those a burst (a large
	// pipeline forwarded at once) grew, nor does the pool keep every batch
	// a burst had in flight: they would stay allocated for good.
	// Stale argv entries are cleared, or they would keep old arenas alive.
	clear(b.argv)
	b.items = shrinkPooled(b.items[:0], 1<<12)
	b.argv = shrinkPooled(b.argv[:0], 1<<14)
	b.arena = shrinkPooled(b.arena[:0], 1<<20)
	if cap(b.out.Bytes()) > 1<<20 {
		b.out = resp.Writer{}
	}
	b.executed = false
	b.direct = 0
	b.wake.Store(false)
	// A batch or two per target shard are kept whatever their size. Small
	// ones are kept in greater number: pipelines keep several in flight
	// per target, and batches returned without a wake-up (sendBack) come
	// back late, so a smaller pool means allocating and growing new ones
	// all the time.
	if n := len(s.freeBatches); n < 2*len(s.out) || n < 16*len(s.out) && cap(b.arena) <= 64<<10 {
		s.freeBatches = append(s.freeBatches, b)
	}
}

// shrinkPooled returns s, or nil when its capacity exceeds limit elements.
func shrinkPooled[T any](s []T, limit int) []T {
	if cap(s) > limit {
		return nil
	}
	return s
}
