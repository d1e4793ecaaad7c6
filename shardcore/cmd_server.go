package shardcore

import (
	"errors"
	"fmt"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keeldb/keel/shardcore/config"
	"github.com/keeldb/keel/shardcore/resp"
)

func init() {
	register(
		&Command{Name: "info", Arity: -1, Flags: FlagLoading | FlagStale | FlagAllShard, Categories: []string{"dangerous"}, Group: "server", Since: "1.0.0", Summary: "Returns information and statistics about the server.", Multi: cmdInfo},
		&Command{Name: "config", Arity: -2, Group: "server", Since: "2.0.0", Summary: "A container for server configuration commands.", Sub: subcommands(
			&Command{Name: "get", Arity: -3, Flags: FlagAdmin | FlagNoscript | FlagLoading | FlagStale | FlagConn, Group: "server", Since: "2.0.0", Summary: "Returns the effective values of configuration parameters.", Fn: cmdConfigGet},
			&Command{Name: "set", Arity: -4, Flags: FlagAdmin | FlagNoscript | FlagLoading | FlagStale | FlagConn, Group: "server", Since: "2.0.0", Summary: "Sets configuration parameters in-flight.", Fn: cmdConfigSet},
			&Command{Name: "resetstat", Arity: 2, Flags: FlagAdmin | FlagNoscript | FlagLoading | FlagStale | FlagAllShard, Group: "server", Since: "2.0.0", Summary: "Resets the server's statistics.", Multi: cmdConfigResetStat},
			&Command{Name: "rewrite", Arity: 2, Flags: FlagAdmin | FlagNoscript | FlagLoading | FlagStale | FlagConn, Group: "server", Since: "2.8.0", Summary: "Persists the effective configuration to file.", Fn: cmdConfigRewrite},
			&Command{Name: "help", Arity: 2, Flags: FlagLoading | FlagStale | FlagConn, Group: "server", Since: "5.0.0", Summary: "Returns helpful text about the different subcommands.", Fn: helpFn("CONFIG", configHelp)},
		)},
		&Command{Name: "time", Arity: 1, Flags: FlagLoading | FlagStale | FlagFast | FlagConn, Group: "server", Since: "2.6.0", Summary: "Returns the server time.", Fn: cmdTime},
		&Command{Name: "lastsave", Arity: 1, Flags: FlagLoading | FlagStale | FlagFast | FlagConn, Categories: []string{"admin", "dangerous"}, Group: "server", Since: "1.0.0", Summary: "Returns the Unix timestamp of the last successful save to disk.", Fn: func(c *Ctx) { c.W.Int(c.S.srv.lastSave.Load()) }},
		&Command{Name: "slowlog", Arity: -2, Group: "server", Since: "2.2.12", Summary: "A container for slow log commands.", Sub: subcommands(
			&Command{Name: "get", Arity: -2, Flags: FlagAdmin | FlagLoading | FlagStale | FlagAllShard, Group: "server", Since: "2.2.12", Summary: "Returns the slow log's entries.", Multi: cmdSlowlogGet},
			&Command{Name: "len", Arity: 2, Flags: FlagAdmin | FlagLoading | FlagStale | FlagAllShard, Group: "server", Since: "2.2.12", Summary: "Returns the number of entries in the slow log.", Multi: cmdSlowlogLen},
			&Command{Name: "reset", Arity: 2, Flags: FlagAdmin | FlagLoading | FlagStale | FlagAllShard, Group: "server", Since: "2.2.12", Summary: "Clears all entries from the slow log.", Multi: cmdSlowlogReset},
			&Command{Name: "help", Arity: 2, Flags: FlagLoading | FlagStale | FlagConn, Group: "server", Since: "6.2.0", Summary: "Show helpful text about the different subcommands", Fn: helpFn("SLOWLOG", slowlogHelp)},
		)},
		&Command{Name: "debug", Arity: -2, Flags: FlagAdmin | FlagNoscript | FlagLoading | FlagStale | FlagConn, Group: "server", Since: "1.0.0", Summary: "A container for debugging commands.", Fn: cmdDebug},
		&Command{Name: "monitor", Arity: 1, Flags: FlagAdmin | FlagNoscript | FlagLoading | FlagStale | FlagConn, Group: "server", Since: "1.0.0", Summary: "Listens for all requests received by the server in real-time.", Fn: cmdMonitor},
		&Command{Name: "shutdown", Arity: -1, Flags: FlagAdmin | FlagNoscript | FlagLoading | FlagStale | FlagNoMulti | FlagConn, Group: "server", Since: "1.0.0", Summary: "Synchronously saves the database(s) to disk and shuts down the Redis server.", Fn: cmdShutdown},
	)
}

// subcommands builds a container's Sub map, keyed by lowercase name.
func subcommands(cmds ...*Command) map[string]*Command {
	m := make(map[string]*Command, len(cmds))
	for _, c := range cmds {
		m[c.Name] = c
	}
	return m
}

// serverExt is the state behind the server commands that outlives a single
// call (monitors, INFO's samples, CONFIG SET serialisation), kept per Server
// in a registry so that the core structs stay small.
type serverExt struct {
	srv *Server

	// monitors is copied on write: shards read it on every command.
	monMu    sync.Mutex
	monitors atomic.Pointer[[]*conn]
	// hookMu serialises installing the MONITOR hook into the dispatcher.
	hookMu    sync.Mutex
	hookReady bool

	rewriteMu    sync.Mutex
	shuttingDown atomic.Bool

	metrics  instMetrics
	sampling sync.Once
	peakMem  atomic.Int64

	infoMu    sync.Mutex
	infoExtra []infoExtra

	latency latencyMonitor
	pause   *pauseState // CLIENT PAUSE
	fsync   *fsyncWaits // WAITAOF calls waiting for syncs
}

var serverExts sync.Map // *Server -> *serverExt

func (srv *Server) ext() *serverExt {
	if e, ok := serverExts.Load(srv); ok {
		return e.(*serverExt)
	}
	e, loaded := serverExts.LoadOrStore(srv, &serverExt{srv: srv, pause: newPauseState(srv), fsync: &fsyncWaits{srv: srv, waiting: map[*fsyncWait]struct{}{}}})
	if !loaded {
		go func() {
			<-srv.Done()
			serverExts.Delete(srv)
		}()
	}
	return e.(*serverExt)
}

// helpFn replies with Redis's help layout: a title line, the given lines,
// then HELP itself, all as status replies.
func helpFn(name string, lines []string) func(c *Ctx) {
	return func(c *Ctx) { writeHelp(c.W, name, lines) }
}

func writeHelp(w *resp.Writer, name string, lines []string) {
	w.Array(len(lines) + 3)
	w.Simple(name + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		w.Simple(l)
	}
	w.Simple("HELP")
	w.Simple("    Prints this help.")
}

// errSubSyntax is Redis's reply for a bad subcommand of a command that
// parses its own subcommands (DEBUG, SLOWLOG GET with extra arguments).
func errSubSyntax(args [][]byte) string {
	return "ERR unknown subcommand or wrong number of arguments for '" + sanitize(args[1], 128) + "'. Try " + strings.ToUpper(string(args[0])) + " HELP."
}

// isLocalAddr reports whether a peer address is a loopback one (or a unix
// socket), as Redis's islocalClient for protected configs and DEBUG.
func isLocalAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return strings.HasPrefix(addr, "/")
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

var configHelp = []string{
	"GET <pattern>",
	"    Return parameters matching the glob-like <pattern> and their values.",
	"SET <directive> <value>",
	"    Set the configuration <directive> to <value>.",
	"RESETSTAT",
	"    Reset statistics reported by the INFO command.",
	"REWRITE",
	"    Rewrite the configuration file.",
}

func cmdConfigGet(c *Ctx) {
	pats := make([]string, 0, len(c.Args)-2)
	for _, a := range c.Args[2:] {
		pats = append(pats, string(a))
	}
	pairs := c.S.srv.config().Get(pats...)
	c.W.Map(len(pairs))
	for _, p := range pairs {
		c.W.BulkString(p[0])
		c.W.BulkString(p[1])
	}
}

// cmdConfigSet applies the change to a clone and swaps it in under the
// configuration lock: shards holding the old *Config keep a consistent one,
// and a failed SET leaves nothing half-applied. OnChange hooks run with the
// lock held, so they must not call srv.config().
func cmdConfigSet(c *Ctx) {
	if len(c.Args)%2 != 0 {
		c.Error(errSyntax)
		return
	}
	pairs := make([][2]string, 0, (len(c.Args)-2)/2)
	for i := 2; i+1 < len(c.Args); i += 2 {
		pairs = append(pairs, [2]string{string(c.Args[i]), string(c.Args[i+1])})
	}
	local := c.Conn != nil && isLocalAddr(c.Conn.addr)
	srv := c.S.srv
	srv.cfgMu.Lock()
	cur := srv.config()
	next := cur.Clone()
	err := next.SetMulti(pairs, local)
	if err == nil && next.AppendFsync != cur.AppendFsync {
		if ferr := srv.persist.SetFsync(next.AppendFsync); ferr != nil {
			err = fmt.Errorf("ERR CONFIG SET failed (possibly related to argument 'appendfsync') - %v", ferr)
		}
	}
	startLog := false
	if err == nil && next.AppendOnly != cur.AppendOnly {
		if next.AppendOnly {
			// As Redis starts an AOF rewrite: a log started now must not be
			// replayed over a checkpoint that lacks the writes made while
			// logging was off, so it starts at a checkpoint's cut and is in
			// effect once that checkpoint is published.
			serr := errors.New("checkpoints are disabled (no data directory)")
			if srv.ck.cfg.Store != nil {
				serr = srv.persist.StartLogging()
			}
			if serr != nil {
				srv.log.Warn("cannot turn on the AOF", "err", serr)
				err = errors.New("ERR CONFIG SET failed (possibly related to argument 'appendonly') - Unable to turn on AOF. Check server logs.")
			}
			startLog = serr == nil
		} else {
			srv.persist.StopLogging()
		}
	}
	if err == nil {
		srv.setConfig(next)
	}
	srv.cfgMu.Unlock()
	if err != nil {
		c.Error(err.Error())
		return
	}
	if startLog {
		// Scheduled after a running checkpoint, whose cut came too early;
		// a failure is retried by the cron while logging is starting.
		if err := srv.startCheckpoint(true, true, nil); err != nil {
			srv.log.Warn("cannot start the checkpoint that turns on the AOF", "err", err)
		}
	}
	c.OK()
}

func cmdConfigRewrite(c *Ctx) {
	e := c.S.srv.ext()
	e.rewriteMu.Lock()
	err := c.S.srv.config().Rewrite()
	e.rewriteMu.Unlock()
	if err != nil {
		c.S.srv.log.Warn("CONFIG REWRITE failed", "err", err)
		c.Error(err.Error())
		return
	}
	c.S.srv.log.Info("CONFIG REWRITE executed with success.")
	c.OK()
}

// cmdConfigResetStat clears what INFO counts: each shard's command and
// keyspace counters (on its own loop) and the server-wide ones.
func cmdConfigResetStat(m *Multi) {
	m.Each(func(c *Ctx) any {
		c.S.stats = shardStats{}
		c.S.net.reset()
		return nil
	})
	st := &m.srv.stats
	st.totalConns.Store(0)
	st.rejectedConns.Store(0)
	e := m.srv.ext()
	e.metrics.reset()
	e.peakMem.Store(0)
	m.W.Simple("OK")
}

func cmdTime(c *Ctx) {
	now := time.Now()
	c.W.Array(2)
	c.W.BulkInt(now.Unix())
	c.W.BulkInt(int64(now.Nanosecond() / 1000))
}

var slowlogHelp = []string{
	"GET [<count>]",
	"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
	"    Entries are made of:",
	"    id, timestamp, time in microseconds, arguments array, client IP and port,",
	"    client name",
	"LEN",
	"    Return the length of the slowlog.",
	"RESET",
	"    Reset the slowlog.",
}

// cmdSlowlogGet merges the shards' rings: ids are global, so newest first
// is highest id first.
func cmdSlowlogGet(m *Multi) {
	count := int64(10)
	if len(m.Args) > 3 {
		m.W.Error(errSubSyntax(m.Args))
		return
	}
	if len(m.Args) == 3 {
		n, ok := ParseInt(m.Args[2])
		if !ok || n < -1 {
			m.W.Error("ERR count should be greater than or equal to -1")
			return
		}
		count = n
	}
	var all []slowEntry
	for _, part := range m.Each(func(c *Ctx) any { return slices.Clone(c.S.slowlog.entries) }) {
		all = append(all, part.([]slowEntry)...)
	}
	slices.SortFunc(all, func(a, b slowEntry) int { return int(b.id - a.id) })
	if count >= 0 && int64(len(all)) > count {
		all = all[:count]
	}
	m.W.Array(len(all))
	for _, e := range all {
		m.W.Array(6)
		m.W.Int(e.id)
		m.W.Int(e.at)
		m.W.Int(e.usec)
		m.W.Array(len(e.args))
		for _, a := range e.args {
			m.W.Bulk(a)
		}
		m.W.BulkString(e.addr)
		m.W.BulkString(e.name)
	}
}

func cmdSlowlogLen(m *Multi) {
	var n int64
	for _, v := range m.Each(func(c *Ctx) any { return int64(len(c.S.slowlog.entries)) }) {
		n += v.(int64)
	}
	m.W.Int(n)
}

func cmdSlowlogReset(m *Multi) {
	m.Each(func(c *Ctx) any {
		c.S.slowlog.reset()
		return nil
	})
	m.W.Simple("OK")
}

const errDebugNotAllowed = `ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.`

var debugHelp = []string{
	"ERROR <string>",
	"    Return a Redis protocol error with <string> as message. Useful for clients",
	"    unit tests to simulate Redis errors.",
	"LOG <message>",
	"    Write <message> to the server log.",
	"SLEEP <seconds>",
	"    Stop the server for <seconds>. Decimals allowed.",
}

// cmdDebug implements the DEBUG subcommands keel supports. It is a protected
// command, allowed by enable-debug-command as in Redis.
func cmdDebug(c *Ctx) {
	mode := c.S.srv.config().EnableDebugCommand
	if mode != "yes" && !(mode == "local" && c.Conn != nil && isLocalAddr(c.Conn.addr)) {
		c.Error(errDebugNotAllowed)
		return
	}
	switch sub := lower(c.Args[1]); {
	case sub == "help" && len(c.Args) == 2:
		writeHelp(c.W, "DEBUG", debugHelp)
	case sub == "sleep" && len(c.Args) == 3:
		// Only this shard stops, as a long command would stop it.
		if d := strtodPrefix(string(c.Args[2])); d > 0 {
			time.Sleep(time.Duration(min(d*float64(time.Second), math.MaxInt64)))
		}
		c.OK()
	case sub == "error" && len(c.Args) == 3:
		c.Error(string(c.Args[2]))
	case sub == "digest" && len(c.Args) == 2:
		srv := c.S.srv
		c.detach(func() []byte {
			var w resp.Writer
			w.Simple(srv.keyspaceDigest())
			return w.Bytes()
		}, nil)
	case sub == "digest-value":
		// Keys may live on any shard: read each on its own, with the
		// shards held so the answer is one point in time.
		srv, keys, db, proto := c.S.srv, copyArgs(c.Args[2:]), c.DBi, c.W.Proto
		c.detach(func() []byte {
			var w resp.Writer
			w.Proto = proto
			t := srv.lockShards(srv.shards, false)
			w.Array(len(keys))
			for _, k := range keys {
				h := t.do(srv.shardOf(k), func(s *Shard) any {
					return s.withCtx(db, proto, t, func(c *Ctx) any { return c.keyDigestHex(k) })
				}).(string)
				w.Simple(h)
			}
			t.finish()
			return w.Bytes()
		}, nil)
	case sub == "log" && len(c.Args) == 3:
		c.S.srv.log.Warn("DEBUG LOG: " + string(c.Args[2]))
		c.OK()
	default:
		c.Error(errSubSyntax(c.Args))
	}
}

// strtodPrefix parses the longest leading decimal number of s, as C's
// strtod does for the arguments Redis reads with it: junk yields 0.
func strtodPrefix(s string) float64 {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	for _, word := range []string{"infinity", "inf", "nan"} {
		if len(s) >= i+len(word) && strings.EqualFold(s[i:i+len(word)], word) {
			f, _ := strconv.ParseFloat(s[:i+len(word)], 64)
			return f
		}
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	n := digits()
	if i < len(s) && s[i] == '.' {
		i++
		n += digits()
	}
	if n == 0 {
		return 0
	}
	end := i
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() > 0 {
			end = i
		}
	}
	f, _ := strconv.ParseFloat(s[:end], 64) // out of range: ±Inf or 0, as strtod
	return f
}

func cmdShutdown(c *Ctx) {
	var nosave, save, now, force, abort bool
	for _, a := range c.Args[1:] {
		switch lower(a) {
		case "nosave":
			nosave = true
		case "save":
			save = true
		case "now":
			now = true
		case "force":
			force = true
		case "abort":
			abort = true
		default:
			c.Error(errSyntax)
			return
		}
	}
	if (abort && (nosave || save || now || force)) || (nosave && save) {
		c.Error(errSyntax)
		return
	}
	if abort {
		c.Error("ERR No shutdown in progress.")
		return
	}
	srv := c.S.srv
	if !srv.ext().shuttingDown.CompareAndSwap(false, true) {
		return
	}
	// No reply: the connection closes with the server, as in Redis. Stop
	// waits for every shard loop, this one included, so it cannot run here.
	srv.log.Warn("User requested shutdown...")
	go func() {
		if !nosave {
			srv.ShutdownCheckpoint()
		}
		srv.Stop()
	}()
}

// MONITOR.

// cmdMonitor turns the connection into a monitor. The first one installs
// the dispatcher hook with every shard held, so that no shard reads the hook
// while it is written; the connection's +OK waits for that.
func cmdMonitor(c *Ctx) {
	cn := c.Conn
	if cn == nil {
		c.Error("ERR MONITOR isn't allowed for DENY BLOCKING client")
		return
	}
	if cn.flags.monitor {
		return // Redis ignores a second MONITOR, without a reply
	}
	cn.flags.monitor = true
	e := c.S.srv.ext()
	e.addMonitor(cn)
	if c.S.srv.broadcastMonitor != nil {
		c.OK()
		return
	}
	c.detach(func() []byte {
		e.installMonitorHook()
		return []byte("+OK\r\n")
	}, nil)
}

func (e *serverExt) installMonitorHook() {
	e.hookMu.Lock()
	defer e.hookMu.Unlock()
	if e.hookReady {
		return
	}
	t := e.srv.lockShards(e.srv.shards, false)
	e.srv.broadcastMonitor = e.feedMonitors
	e.hookReady = true
	t.finish()
}

func (e *serverExt) addMonitor(c *conn) {
	e.monMu.Lock()
	defer e.monMu.Unlock()
	var next []*conn
	if cur := e.monitors.Load(); cur != nil {
		next = slices.Clone(*cur)
	}
	next = append(next, c)
	e.monitors.Store(&next)
}

func (e *serverExt) removeMonitor(c *conn) {
	e.monMu.Lock()
	defer e.monMu.Unlock()
	cur := e.monitors.Load()
	if cur == nil {
		return
	}
	next := slices.DeleteFunc(slices.Clone(*cur), func(m *conn) bool { return m == c })
	e.monitors.Store(&next)
}

// feedMonitors is the dispatcher's hook: it runs on the calling
// connection's shard and sends the command, formatted as Redis does, to every
// monitor through the monitor's own shard.
func (e *serverExt) feedMonitors(c *conn, args [][]byte) {
	list := e.monitors.Load()
	if list == nil || len(*list) == 0 || len(args) == 0 {
		return
	}
	if cmd := lookupCommand(args[0]); cmd == nil || resolveSub(cmd, args).Flags&FlagAdmin != 0 {
		return // administrative commands are not shown, as in Redis
	}
	line := []byte(formatMonitorLine(time.Now(), c.db, c.addr, args))
	origin := c.shard
	var remote map[*Shard][]*conn
	for _, m := range *list {
		if m.shard == origin {
			e.deliverMonitor(origin, m, line)
			continue
		}
		if remote == nil {
			remote = map[*Shard][]*conn{}
		}
		remote[m.shard] = append(remote[m.shard], m)
	}
	for sh, ms := range remote {
		sh.post(message{ctrl: true, fn: func(s *Shard) {
			for _, m := range ms {
				e.deliverMonitor(s, m, line)
			}
		}})
	}
}

// deliverMonitor runs on the monitor's shard; monitors that closed or left
// monitor mode (RESET) are dropped from the list here.
func (e *serverExt) deliverMonitor(s *Shard, m *conn, line []byte) {
	if m.closed || !m.flags.monitor {
		e.removeMonitor(m)
		return
	}
	m.wbuf = append(m.wbuf, line...)
	s.markDirty(m)
}

// resolveSub returns the subcommand that args name, or cmd itself.
func resolveSub(cmd *Command, args [][]byte) *Command {
	if cmd.Sub != nil && len(args) > 1 {
		if sub := cmd.Sub[lower(args[1])]; sub != nil {
			return sub
		}
	}
	return cmd
}

// formatMonitorLine renders one MONITOR line: +<unix.micro> [<db> <addr>]
// then each argument quoted as sdscatrepr does, with passwords redacted.
func formatMonitorLine(now time.Time, db int, addr string, args [][]byte) string {
	var b strings.Builder
	b.WriteByte('+')
	b.WriteString(strconv.FormatInt(now.Unix(), 10))
	b.WriteByte('.')
	us := strconv.Itoa(now.Nanosecond() / 1000)
	b.WriteString(strings.Repeat("0", 6-len(us)))
	b.WriteString(us)
	b.WriteString(" [")
	b.WriteString(strconv.Itoa(db))
	b.WriteByte(' ')
	b.WriteString(addr)
	b.WriteString("] ")
	redact := redactedArgs(args)
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		if redact[i] {
			b.WriteString(`"(redacted)"`)
		} else {
			b.WriteString(config.Repr(string(a)))
		}
	}
	b.WriteString("\r\n")
	return b.String()
}

// redactedArgs marks the arguments Redis hides from MONITOR: passwords of
// AUTH, HELLO ... AUTH and MIGRATE ... AUTH/AUTH2.
func redactedArgs(args [][]byte) []bool {
	out := make([]bool, len(args))
	switch lower(args[0]) {
	case "auth":
		for i := 1; i < len(args); i++ {
			out[i] = true
		}
	case "hello":
		for i := 2; i < len(args); i++ {
			if lower(args[i]) == "auth" && i+2 < len(args) {
				out[i+1], out[i+2] = true, true
				i += 2
			}
		}
	case "migrate":
		for i := 6; i < len(args); i++ {
			switch lower(args[i]) {
			case "auth":
				if i+1 < len(args) {
					out[i+1] = true
					i++
				}
			case "auth2":
				if i+2 < len(args) {
					out[i+1], out[i+2] = true, true
					i += 2
				}
			case "keys":
				i = len(args)
			}
		}
	}
	return out
}
