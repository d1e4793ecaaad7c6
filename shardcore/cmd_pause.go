package shardcore

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// CLIENT PAUSE timeout [WRITE|ALL] and CLIENT UNPAUSE, across all shards.
//
// While a pause is in force, dispatch holds every command it affects (ALL:
// any command; WRITE: writes, the commands Redis marks may-replicate, and
// EXEC of a transaction that queued one) before it runs or is queued into
// MULTI. The connection is paused as a multi-shard command pauses it, so
// nothing it sent later runs either; the held command is kept with its
// shard, in arrival order. When the pause ends (UNPAUSE or the timeout),
// each shard re-dispatches its held commands in that order and resumes
// their connections. Errors found before a command would run (unknown
// command, arity, authentication) still reply at once, as in Redis, and
// the connection that paused is held like any other.

const (
	pauseOff int32 = iota
	pauseWrite
	pauseAll
)

// pauseState is one server's pause. mode is read on every dispatch while
// any server pauses; the rest changes under mu, except held, whose slices
// belong each to its shard's loop.
type pauseState struct {
	srv   *Server
	mode  atomic.Int32
	mu    sync.Mutex
	end   int64 // unix ms
	timer *time.Timer
	held  [][]heldCmd // per shard id
}

type heldCmd struct {
	c    *conn
	args [][]byte
}

// pausing counts the servers with a pause in force, so that dispatch pays
// one atomic load when none is.
var pausing atomic.Int32

func newPauseState(srv *Server) *pauseState {
	return &pauseState{srv: srv, held: make([][]heldCmd, len(srv.shards))}
}

// mayReplicate are the commands without the write flag that Redis 7.0
// still pauses under CLIENT PAUSE WRITE: they may propagate writes.
var mayReplicate = map[string]bool{"publish": true, "spublish": true, "pfcount": true, "eval": true, "evalsha": true, "fcall": true}

// pauseHold is dispatch's hook: it holds c's command when a pause covers
// it, and reports whether it did.
func (s *Shard) pauseHold(c *conn, cmd *Command, args [][]byte) bool {
	if pausing.Load() == 0 {
		return false
	}
	return s.pauseHoldSlow(c, cmd, args)
}

func (s *Shard) pauseHoldSlow(c *conn, cmd *Command, args [][]byte) bool {
	ps := s.srv.ext().pause
	switch ps.mode.Load() {
	case pauseOff:
		return false
	case pauseWrite:
		if !pausesOnWrite(c, cmd) {
			return false
		}
	}
	c.paused = true
	ps.held[s.id] = append(ps.held[s.id], heldCmd{c: c, args: copyArgs(args)})
	return true
}

// pauseHolds reports whether CLIENT PAUSE holds c, which is this shard's.
func (s *Shard) pauseHolds(c *conn) bool {
	if !c.paused || pausing.Load() == 0 {
		return false
	}
	for _, h := range s.srv.ext().pause.held[s.id] {
		if h.c == c {
			return true
		}
	}
	return false
}

// pausedClients counts this shard's clients that CLIENT PAUSE holds (one
// held command each): Redis counts them in blocked_clients.
func (s *Shard) pausedClients() int {
	if pausing.Load() == 0 {
		return 0
	}
	return len(s.srv.ext().pause.held[s.id])
}

// expiryPaused reports whether a pause (WRITE or ALL) keeps the dataset
// still: as in Redis, no key then expires, actively or lazily; reads see a
// key past its TTL as gone, and it is deleted once the pause ends. Asked
// only of keys found past their TTL, so live keys pay nothing for it.
func (s *Shard) expiryPaused() bool {
	return pausing.Load() != 0 && s.srv.ext().pause.mode.Load() != pauseOff
}

// pausesOnWrite reports whether CLIENT PAUSE WRITE holds the command.
func pausesOnWrite(c *conn, cmd *Command) bool {
	if cmd.Flags&FlagWrite != 0 || mayReplicate[cmd.Name] {
		return true
	}
	if cmd.Name == "exec" && c.multi != nil {
		for _, q := range c.multi.cmds {
			if q.cmd.Flags&FlagWrite != 0 || mayReplicate[q.cmd.Name] {
				return true
			}
		}
	}
	return false
}

// pause starts or extends a pause: as Redis, the stricter mode and the
// later end win over those in force.
func (ps *pauseState) pause(mode int32, end int64) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.mode.Load() == pauseOff {
		pausing.Add(1)
		ps.end = math.MinInt64
	}
	if mode > ps.mode.Load() {
		ps.mode.Store(mode)
	}
	if end <= ps.end {
		return
	}
	ps.end = end
	wait := time.Duration(max(end-time.Now().UnixMilli(), 0)) * time.Millisecond
	if ps.timer == nil {
		ps.timer = time.AfterFunc(wait, ps.expire)
	} else {
		ps.timer.Reset(wait)
	}
}

// expire ends the pause once its end has come; a pause extended meanwhile
// waits again.
func (ps *pauseState) expire() {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.mode.Load() == pauseOff {
		return
	}
	if left := ps.end - time.Now().UnixMilli(); left > 0 {
		ps.timer.Reset(time.Duration(left) * time.Millisecond)
		return
	}
	ps.unpauseLocked()
}

func (ps *pauseState) unpause() {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.unpauseLocked()
}

// unpauseLocked lifts the pause and has every shard run what it held. A
// shard that held a command after reading the mode runs the release after
// it, since both happen on its loop.
func (ps *pauseState) unpauseLocked() {
	if ps.mode.Load() == pauseOff {
		return
	}
	ps.mode.Store(pauseOff)
	pausing.Add(-1)
	if ps.timer != nil {
		ps.timer.Stop()
	}
	for _, sh := range ps.srv.shards {
		sh.post(message{fn: func(s *Shard) { s.pauseRelease(ps) }})
	}
}

// pauseRelease re-dispatches this shard's held commands in arrival order
// and resumes their connections. It runs as a data message, so never while
// a transaction holds the shard; should a released command come to hold
// it, the rest waits for another pass. A pause started meanwhile holds the
// commands again, in the same order.
func (s *Shard) pauseRelease(ps *pauseState) {
	held := ps.held[s.id]
	ps.held[s.id] = nil
	for i, h := range held {
		if s.lockedBy != 0 {
			ps.held[s.id] = append(held[i:len(held):len(held)], ps.held[s.id]...)
			s.post(message{fn: func(s *Shard) { s.pauseRelease(ps) }})
			return
		}
		c := h.c
		// A client that left while held is noticed now (its loop read
		// nothing meanwhile): as in Redis, its command then never runs.
		s.blockProbe(c)
		if c.closed {
			continue
		}
		c.paused = false
		s.dispatch(c, h.args)
		s.serve(c)
	}
}

// cmdClientPause: CLIENT PAUSE timeout [WRITE|ALL].
func cmdClientPause(c *Ctx) {
	mode := pauseAll
	if len(c.Args) > 4 {
		c.Error("ERR unknown subcommand or wrong number of arguments for '" + sanitize(c.Args[1], 128) + "'. Try CLIENT HELP.")
		return
	}
	if len(c.Args) == 4 {
		switch {
		case strOptIs(c.Args[3], "write"):
			mode = pauseWrite
		case strOptIs(c.Args[3], "all"):
		default:
			c.Error("ERR CLIENT PAUSE mode must be WRITE or ALL")
			return
		}
	}
	timeout, ok := msTimeoutArg(c, c.Args[2])
	if !ok {
		return
	}
	// Redis adds the timeout to the clock unchecked: a sum past the int64
	// range wraps into the past, and so ends the pause at once.
	end := c.Now
	if timeout > 0 && timeout <= math.MaxInt64-c.Now {
		end += timeout
	} else if timeout > 0 {
		end = math.MinInt64
	}
	c.S.srv.ext().pause.pause(mode, end)
	c.OK()
}

func cmdClientUnpause(c *Ctx) {
	c.S.srv.ext().pause.unpause()
	c.OK()
}
