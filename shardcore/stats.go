package shardcore

import (
	"bytes"
	"sync/atomic"
	"time"
)

// shardStats are per-shard counters, merged on demand by INFO: each shard
// writes only its own, so the hot path shares no cache lines.
type shardStats struct {
	cmds map[*Command]*cmdStat
	// last and lastStat short-cut cmds for a run of one command (a
	// pipeline, a benchmark): a pointer compare instead of a map lookup.
	last                      *Command
	lastStat                  *cmdStat
	errs                      map[string]int64 // error replies by code (INFO errorstats)
	errTotal                  int64            // every error reply, counted by code or not
	hits, misses, expiredKeys int64
}

// netStats counts one shard's socket traffic. Other threads only read it
// (INFO, the metrics cron), and it is allocated apart and padded to a cache
// line of its own, so that counting costs no line shared between cores.
type netStats struct {
	in, out       atomic.Int64 // bytes read and written
	reads, writes atomic.Int64 // read(2) and write(2) calls that moved bytes
	_             [32]byte
}

// netTotals sums every shard's netStats.
func (srv *Server) netTotals() (in, out, reads, writes int64) {
	for _, s := range srv.shards {
		in += s.net.in.Load()
		out += s.net.out.Load()
		reads += s.net.reads.Load()
		writes += s.net.writes.Load()
	}
	return
}

func (n *netStats) reset() {
	n.in.Store(0)
	n.out.Store(0)
	n.reads.Store(0)
	n.writes.Store(0)
}

type cmdStat struct {
	calls, usec, rejected, failed int64
	// hist is the command's latency histogram (nil until tracked); only
	// its shard's loop may read it: INFO and LATENCY take copies.
	hist *latencyHist
}

// errCodesMax caps the error codes tracked, as Redis's ERROR_STATS_NUMBER:
// replies with further codes still count in total_error_replies.
const errCodesMax = 128

func (st *shardStats) stat(cmd *Command) *cmdStat {
	if cmd == st.last && st.lastStat != nil {
		return st.lastStat
	}
	if st.cmds == nil {
		st.cmds = map[*Command]*cmdStat{}
	}
	cs := st.cmds[cmd]
	if cs == nil {
		cs = &cmdStat{}
		st.cmds[cmd] = cs
	}
	st.last, st.lastStat = cmd, cs
	return cs
}

// record counts a call of cmd that ran for d and gave reply: an error
// reply makes it a failed call.
func (st *shardStats) record(cmd *Command, d time.Duration, reply []byte) *cmdStat {
	cs := st.stat(cmd)
	cs.calls++
	cs.usec += d.Microseconds()
	if len(reply) > 0 && reply[0] == '-' {
		cs.failed++
		st.countError(reply[1:min(len(reply), errCodeScan)])
	}
	return cs
}

// reject counts a call refused before it ran (arity, NOAUTH, MISCONF, no
// MULTI ...) with the error errMsg: as in Redis, a rejected call of the
// command it named, unless that is no command at all.
func (st *shardStats) reject(cmd *Command, errMsg string) {
	if cmd != nil {
		st.stat(cmd).rejected++
	}
	st.countError([]byte(errMsg[:min(len(errMsg), errCodeScan-1)]))
}

// errCodeScan bounds the search for an error's code, as afterErrorReply
// looks only at an error's first 32 bytes (its '-' included).
const errCodeScan = 32

// countError counts an error reply (msg: what follows its '-') under its
// code: the text before the first space, or ERR if none comes soon.
func (st *shardStats) countError(msg []byte) {
	st.errTotal++
	code := "ERR"
	if sp := bytes.IndexByte(msg, ' '); sp >= 0 {
		code = string(msg[:sp])
	}
	if _, ok := st.errs[code]; !ok && len(st.errs) >= errCodesMax {
		return
	}
	if st.errs == nil {
		st.errs = map[string]int64{}
	}
	st.errs[code]++
}

// rejectedCommand is the command a refused call named, as Redis charges
// its rejected_calls: nil for an unknown command or subcommand.
func (srv *Server) rejectedCommand(args [][]byte) *Command {
	cmd := srv.lookupClient(args[0])
	if cmd == nil || cmd.Sub == nil || len(args) < 2 {
		return cmd
	}
	return cmd.Sub[lower(args[1])]
}

// recordCall records a call wherever it ran (on this shard, or on a
// coordinator for multi-shard commands and EXEC): INFO's counters, the
// latency histogram and monitor, and the slow log.
func (s *Shard) recordCall(cmd *Command, args [][]byte, d time.Duration, reply []byte, c *conn) {
	cfg := s.srv.config()
	cs := s.stats.record(cmd, d, reply)
	if cfg.LatencyTracking {
		if cs.hist == nil {
			cs.hist = new(latencyHist)
		}
		cs.hist.add(d)
	}
	if th := cfg.LatencyMonitorThreshold; th > 0 && d.Milliseconds() >= th {
		s.srv.latencySample(commandEvent(cmd), d.Milliseconds())
	}
	if cmd.Flags&FlagSkipSlowlog == 0 {
		s.slowlog.maybeAdd(s, args, d, c)
	}
}

// callStat is a call measured on a coordinator goroutine, to be recorded
// on the connection's shard once the reply is back there.
type callStat struct {
	cmd   *Command
	args  [][]byte
	dur   time.Duration
	reply []byte // the start of it: enough for its error code
}

func newCallStat(cmd *Command, args [][]byte, d time.Duration, reply []byte) callStat {
	return callStat{cmd: cmd, args: args, dur: d, reply: reply[:min(len(reply), errCodeScan)]}
}

func (s *Shard) recordCalls(calls []callStat, c *conn) {
	for _, cs := range calls {
		s.recordCall(cs.cmd, cs.args, cs.dur, cs.reply, c)
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
	} else {
		e.addr, e.name = s.from.addr, s.from.name
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
