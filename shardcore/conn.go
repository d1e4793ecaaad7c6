package shardcore

import (
	"errors"
	"sync/atomic"
	"unsafe"

	"github.com/keeldb/keel/shardcore/resp"
	"golang.org/x/sys/unix"
)

const readChunk = 16 << 10

// serveBudget is how many commands one connection runs (or awaits from other
// shards) before the loop moves on.
const serveBudget = 4096

// conn is a client connection, owned by the shard that accepted it.
type conn struct {
	fd    int
	id    int64
	shard *Shard
	addr  string
	laddr string

	rbuf       []byte
	rpos, rend int
	args       [][]byte
	parser     resp.Parser
	wbuf       []byte
	w          resp.Writer

	// pending holds reply slots for commands still running elsewhere; later
	// replies wait behind them so that replies leave in request order.
	pending []*replySlot
	pendBuf []*replySlot // the array pending lives in (see pushPending)

	readable bool // the socket may hold unread bytes (edge-triggered epoll)
	hup      bool // epoll reported a hang-up or error: read until EOF or EAGAIN
	queued   bool // in the shard's waiting list
	dirty    bool // in the shard's dirty list
	closed   bool
	unsynced bool // logged a write this iteration (see Shard.unsynced)
	paused   bool // a multi-shard command of this connection is in flight
	direct   int  // replies another shard writes to the socket itself (see enqueue)
	quitting bool // close once the output is written

	db      int
	authed  bool
	name    string
	created int64
	lastCmd *Command
	// lastNamed is the table entry the client's last command named
	// (lastCmd may be a subcommand); see lookupFor.
	lastNamed *Command
	lastAt    int64
	noReply   int // CLIENT REPLY: 0 on, 1 off, 2 skip next
	killed    atomic.Bool

	flags connFlags

	multi    *multiState     // MULTI open: commands are queued
	sub      *psConn         // pub/sub subscriptions (nil: none)
	watching map[*Shard]bool // shards holding this connection's WATCHes
	block    *waiter         // the blocking call this connection waits in
	aof      connAOF         // its writes' LSNs and pending WAITAOF (cmd_waitaof.go)
}

type connFlags struct {
	noEvict bool
	monitor bool
}

// replySlot is the place of one reply that another shard (or a transaction
// coordinator) will produce.
type replySlot struct {
	c    *conn
	buf  []byte
	done bool
	drop bool // CLIENT REPLY OFF/SKIP was in force when the command arrived
	// wake is set for a reply another shard writes directly: raising it
	// tells that shard to wake this one when it is done (see sendBack).
	wake *atomic.Bool
	// fwd: the reply of a command forwarded in a batch, back within an
	// iteration or two; output queued before it waits for it (flushConn).
	fwd bool
}

// queueBehind notes that output is about to wait behind the connection's
// pending replies: a direct reply at their head must then come back
// promptly.
func (c *conn) queueBehind() {
	if len(c.pending) > 0 && c.pending[0].wake != nil {
		c.pending[0].wake.Store(true)
	}
}

func (s *Shard) accept(lfd int) {
	for {
		nfd, sa, err := unix.Accept4(lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err != nil {
			if err != unix.EAGAIN && err != unix.EINTR && err != unix.ECONNABORTED {
				s.srv.log.Warn("accept failed", "shard", s.id, "err", err)
			}
			if err == unix.EINTR || err == unix.ECONNABORTED {
				continue
			}
			return
		}
		_ = unix.SetsockoptInt(nfd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		c := &conn{fd: nfd, shard: s, addr: sockaddrString(sa), created: s.now, lastAt: s.now}
		if lsa, err := unix.Getsockname(nfd); err == nil {
			c.laddr = sockaddrString(lsa)
		}
		c.id = s.srv.nextClientID.Add(1)
		c.w.Proto = 2
		c.authed = s.srv.requirePass() == ""
		if n := s.srv.clients.Add(1); n > int64(s.srv.config().MaxClients) {
			s.srv.clients.Add(-1)
			s.srv.stats.rejectedConns.Add(1)
			_, _ = unix.Write(nfd, []byte("-ERR max number of clients reached\r\n"))
			unix.Close(nfd)
			continue
		}
		if err := s.p.add(nfd, unix.EPOLLIN|unix.EPOLLOUT|unix.EPOLLRDHUP|unix.EPOLLET); err != nil {
			s.srv.clients.Add(-1)
			unix.Close(nfd)
			continue
		}
		s.conns[nfd] = c
		s.srv.registerClient(c)
		s.srv.stats.totalConns.Add(1)
		c.readable = true
		s.serve(c)
	}
}

// serve reads and runs what the connection sent, until its socket is drained,
// a multi-shard command pauses it, or a transaction locks the shard.
func (s *Shard) serve(c *conn) {
	budget := serveBudget
	c.parser.Limits = *s.srv.limits.Load()
	// chained: the last command parsed from this input ran here, and its
	// end is the next one's start (as in execBatch).
	chained := false
	for !c.closed {
		for c.rpos < c.rend {
			if s.held(c) {
				return
			}
			if c.quitting {
				c.rpos = c.rend
				break
			}
			c.parser.Authed = c.authed
			args, n, err := c.parser.Parse(c.rbuf[c.rpos:c.rend], c.args[:0])
			if err != nil {
				var pe *resp.ProtocolError
				// Past the query buffer limit Redis closes without a reply.
				if errors.As(err, &pe) && err != resp.ErrQueryBufLimit {
					s.srv.log.Debug("protocol error from client", "addr", c.addr, "err", pe.Msg)
					c.w.Reset()
					c.w.Error(pe.Msg)
					s.stats.reject(nil, pe.Msg) // no command: an error reply only
					s.reply(c)
				}
				c.quitting = true
				c.rpos = c.rend
				break
			}
			if n == 0 {
				break
			}
			c.rpos += n
			c.args = args[:0]
			if len(args) == 0 {
				continue
			}
			c.lastAt = s.now
			end := s.lastEnd
			if chained {
				s.clockAt = end
			}
			s.dispatch(c, args)
			s.clockAt = 0
			chained = s.lastEnd != end
			if budget--; budget == 0 || len(c.pending) > serveBudget {
				// Let other connections, and the replies this one awaits
				// from other shards, through: go on next iteration.
				s.again = append(s.again, c)
				return
			}
		}
		if s.held(c) {
			return
		}
		if c.quitting {
			s.markDirty(c)
			return
		}
		if !c.readable {
			return
		}
		if !s.fill(c) {
			return
		}
		chained = false // the read took its own time
	}
}

// held reports whether the connection must stop running commands for now:
// its own multi-shard command is in flight (its completion resumes it), or
// the shard is held by a transaction (unlock resumes it).
func (s *Shard) held(c *conn) bool {
	if c.paused {
		return true
	}
	if s.lockedBy != 0 {
		s.wait(c)
		return true
	}
	return false
}

// fill reads once from the socket into the read buffer. It returns false
// when there is nothing more to read now (or the connection closed).
func (s *Shard) fill(c *conn) bool {
	if c.rpos == c.rend {
		c.rpos, c.rend = 0, 0
	}
	need := readChunk
	if want := c.parser.Need(); want > c.rend-c.rpos {
		need = max(need, want-(c.rend-c.rpos))
	}
	if cap(c.rbuf)-c.rend < need {
		if c.rpos > 0 && cap(c.rbuf)-(c.rend-c.rpos) >= need && c.rend-c.rpos < cap(c.rbuf)/2 {
			copy(c.rbuf[:cap(c.rbuf)], c.rbuf[c.rpos:c.rend])
		} else {
			if int64(c.rend-c.rpos+need) > c.parser.Limits.MaxQueryBuf {
				s.srv.log.Warn("closing client that reached max query buffer length", "addr", c.addr)
				s.closeConn(c)
				return false
			}
			nb := make([]byte, c.rend-c.rpos, max(2*cap(c.rbuf), c.rend-c.rpos+need))
			copy(nb, c.rbuf[c.rpos:c.rend])
			c.rbuf = nb
		}
		c.rend -= c.rpos
		c.rpos = 0
	}
	room := c.rbuf[c.rend:cap(c.rbuf)]
	n, err := sysRead(c.fd, room)
	if n > 0 {
		s.tick()
		c.rbuf = c.rbuf[:cap(c.rbuf)]
		c.rend += n
		s.net.in.Add(int64(n))
		s.net.reads.Add(1)
		// A short read drained the socket: data arriving later raises a
		// new edge-triggered event (epoll(7)), so the read that would only
		// say EAGAIN is skipped. A pending hang-up raises no new event, so
		// then reading goes on until EOF.
		if n < len(room) && !c.hup {
			c.readable = false
		}
		return true
	}
	if err == unix.EAGAIN || err == unix.EINTR {
		c.readable = err == unix.EINTR
		return c.readable
	}
	s.closeConn(c)
	return false
}

// sysRead and sysWrite are read(2) and write(2) on a nonblocking socket.
// They never block, so they skip the scheduler's system-call bookkeeping
// (and the hand-off of the P that a slow return would cause), as the
// poller's nonblocking epoll_pwait does.
func sysRead(fd int, p []byte) (int, error) {
	r, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

func sysWrite(fd int, p []byte) (int, error) {
	r, _, e := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// reply moves the connection's scratch writer into its output, in order.
func (s *Shard) reply(c *conn) {
	if c.noReply != 0 {
		if c.noReply == 2 {
			c.noReply = 0
		}
		c.w.Reset()
		return
	}
	if len(c.pending) == 0 {
		c.wbuf = append(c.wbuf, c.w.Bytes()...)
		s.markDirty(c)
	} else {
		slot := s.newSlot(c)
		slot.buf = append(slot.buf, c.w.Bytes()...)
		slot.done = true
	}
	c.w.Reset()
}

func (s *Shard) newSlot(c *conn) *replySlot {
	var slot *replySlot
	if n := len(s.freeSlots); n > 0 {
		slot = s.freeSlots[n-1]
		s.freeSlots = s.freeSlots[:n-1]
	} else {
		slot = &replySlot{}
	}
	c.queueBehind()
	slot.c = c
	slot.drop = c.noReply != 0
	if c.noReply == 2 {
		c.noReply = 0
	}
	c.pushPending(slot)
	return slot
}

// pushPending appends to the pending queue. complete advances the queue's
// start instead of shifting it, so a queue that reaches the end of its array
// moves back to the front of the array it had, rather than allocate anew.
func (c *conn) pushPending(slot *replySlot) {
	if len(c.pending) == cap(c.pending) && len(c.pending) < cap(c.pendBuf)/2 {
		n := copy(c.pendBuf[:cap(c.pendBuf)], c.pending)
		clear(c.pendBuf[n:cap(c.pendBuf)])
		c.pending = c.pendBuf[:n]
	}
	c.pending = append(c.pending, slot)
	if cap(c.pending) > cap(c.pendBuf) {
		c.pendBuf = c.pending[:0]
	}
}

// complete fills a slot and releases every finished reply at the head of
// the connection's queue.
func (s *Shard) complete(slot *replySlot, b []byte) {
	c := slot.c
	if !c.closed && len(c.pending) > 0 && c.pending[0] == slot {
		// The reply at the head goes straight to the output: no copy
		// into the slot first.
		if !slot.drop {
			c.wbuf = append(c.wbuf, b...)
		}
		slot.buf = slot.buf[:0]
	} else {
		slot.buf = append(slot.buf[:0], b...)
	}
	slot.done = true
	if c.closed {
		return
	}
	i := 0
	for ; i < len(c.pending) && c.pending[i].done; i++ {
		p := c.pending[i]
		if !p.drop {
			c.wbuf = append(c.wbuf, p.buf...)
		}
		p.buf, p.done, p.c, p.wake, p.fwd = p.buf[:0], false, nil, nil, false
		s.freeSlots = append(s.freeSlots, p)
	}
	if i > 0 {
		// Advance rather than shift: a deep pipeline must not cost a copy
		// of the whole queue per reply.
		clear(c.pending[:i])
		c.pending = c.pending[i:]
		s.markDirty(c)
	}
}

// holdOutput bounds the output flushConn keeps back while a forwarded
// reply is due.
const holdOutput = 64 << 10

func (s *Shard) flushConn(c *conn) {
	if c.direct > 0 {
		// Another shard may be writing to the socket: complete resumes.
		c.queueBehind()
		return
	}
	if len(c.pending) > 0 && c.pending[0].fwd && len(c.wbuf) < holdOutput {
		// A pipeline's replies are about to be complete: one write for
		// all of them, as Redis makes, rather than one now and one when
		// the forwarded replies are back. complete marks the connection
		// dirty again.
		return
	}
	for len(c.wbuf) > 0 {
		n, err := sysWrite(c.fd, c.wbuf)
		if n > 0 {
			s.net.out.Add(int64(n))
			s.net.writes.Add(1)
			c.wbuf = c.wbuf[:copy(c.wbuf, c.wbuf[n:])]
			continue
		}
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			return // EPOLLOUT (edge-triggered) brings us back
		}
		s.closeConn(c)
		return
	}
	if cap(c.wbuf) > 1<<20 {
		c.wbuf = nil
	}
	if c.quitting && len(c.pending) == 0 {
		s.closeConn(c)
	}
}

func (s *Shard) closeConn(c *conn) {
	if c.closed {
		return
	}
	c.closed = true
	if c.watching != nil {
		s.unwatchAll(c)
	}
	if c.block != nil {
		s.blockGone(c)
	}
	if c.sub != nil {
		s.srv.pubsub().dropConn(s, c)
	}
	s.p.del(c.fd)
	if c.direct == 0 {
		// Otherwise another shard may still write to it: completeBatch
		// closes it, so that no new connection reuses the number first.
		unix.Close(c.fd)
	}
	delete(s.conns, c.fd)
	s.srv.clients.Add(-1)
	s.srv.unregisterClient(c)
	c.pending, c.pendBuf = nil, nil
	c.rbuf = nil
}
