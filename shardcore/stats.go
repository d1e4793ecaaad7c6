package shardcore

import (
	"time"
)

// shardStats are per-shard counters, merged on demand by INFO: each shard
// writes only its own, so the hot path shares no cache lines.
type shardStats struct {
	cmds                      map[*Command]*cmdStat
	hits, misses, expiredKeys int64
}

type cmdStat struct {
	calls, usec, failed int64
}

func (st *shardStats) record(cmd *Command, d time.Duration, failed bool) {
	if st.cmds == nil {
		st.cmds = map[*Command]*cmdStat{}
	}
	cs := st.cmds[cmd]
	if cs == nil {
		cs = &cmdStat{}
		st.cmds[cmd] = cs
	}
	cs.calls++
	cs.usec += d.Microseconds()
	if failed {
		cs.failed++
	}
}

// slowlog is one shard's ring of slow commands; SLOWLOG merges the rings.
type slowlog struct {
	entries []slowEntry
	next    int // ring position of the next entry
}

type slowEntry struct {
	id   int64
	at   int64 // unix seconds
	usec int64
	args [][]byte
	addr string
	name string
}

func (l *slowlog) init(*Server) {}

func (l *slowlog) maybeAdd(s *Shard, args [][]byte, d time.Duration, c *conn) {
	cfg := s.srv.config()
	limit := cfg.SlowlogLogSlowerThan
	if limit < 0 || d.Microseconds() < limit || cfg.SlowlogMaxLen <= 0 {
		return
	}
	e := slowEntry{id: s.srv.slowlogID.Add(1) - 1, at: s.now / 1000, usec: d.Microseconds()}
	// As Redis: at most 32 arguments, each at most 128 bytes.
	n := min(len(args), 32)
	for i := 0; i < n; i++ {
		a := args[i]
		switch {
		case i == 31 && len(args) > 32:
			a = []byte("... (" + itoa(int64(len(args)-31)) + " more arguments)")
		case len(a) > 128:
			a = append(append([]byte(nil), a[:128]...), "... ("+itoa(int64(len(a)-128))+" more bytes)"...)
		default:
			a = append([]byte(nil), a...)
		}
		e.args = append(e.args, a)
	}
	if c != nil {
		e.addr, e.name = c.addr, c.name
	}
	max := int(cfg.SlowlogMaxLen)
	if len(l.entries) < max {
		l.entries = append(l.entries, e)
		return
	}
	if len(l.entries) > max {
		l.entries = l.entries[len(l.entries)-max:]
		l.next = 0
	}
	l.entries[l.next%len(l.entries)] = e
	l.next = (l.next + 1) % len(l.entries)
}

func (l *slowlog) reset() { l.entries, l.next = nil, 0 }
