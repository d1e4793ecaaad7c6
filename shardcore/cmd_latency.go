package shardcore

import (
	"strings"
	"time"
)

func init() {
	const f = FlagAdmin | FlagNoscript | FlagLoading | FlagStale
	register(&Command{Name: "latency", Arity: -2, Group: "server", Since: "2.8.13", Summary: "A container for latency diagnostics commands", Sub: subcommands(
		&Command{Name: "doctor", Arity: 2, Flags: f | FlagConn, Group: "server", Since: "2.8.13", Summary: "Return a human readable latency analysis report.", Fn: cmdLatencyDoctor},
		&Command{Name: "graph", Arity: 3, Flags: f | FlagConn, Group: "server", Since: "2.8.13", Summary: "Return a latency graph for the event.", Fn: cmdLatencyGraph},
		&Command{Name: "help", Arity: 2, Flags: FlagLoading | FlagStale | FlagConn, Group: "server", Since: "2.8.13", Summary: "Show helpful text about the different subcommands.", Fn: helpFn("LATENCY", latencyHelp)},
		&Command{Name: "histogram", Arity: -2, Flags: f | FlagAllShard, Group: "server", Since: "7.0.0", Summary: "Return the cumulative distribution of latencies of a subset of commands or all.", Multi: cmdLatencyHistogram},
		&Command{Name: "history", Arity: 3, Flags: f | FlagConn, Group: "server", Since: "2.8.13", Summary: "Return timestamp-latency samples for the event.", Fn: cmdLatencyHistory},
		&Command{Name: "latest", Arity: 2, Flags: f | FlagConn, Group: "server", Since: "2.8.13", Summary: "Return the latest latency samples for all events.", Fn: cmdLatencyLatest},
		&Command{Name: "reset", Arity: -2, Flags: f | FlagConn, Group: "server", Since: "2.8.13", Summary: "Reset latency data for one or more events.", Fn: cmdLatencyReset},
	)})
}

var latencyHelp = []string{
	"DOCTOR",
	"    Return a human readable latency analysis report.",
	"GRAPH <event>",
	"    Return an ASCII latency graph for the <event> class.",
	"HISTORY <event>",
	"    Return time-latency samples for the <event> class.",
	"LATEST",
	"    Return the latest latency samples for all events.",
	"RESET [<event> ...]",
	"    Reset latency data of one or more <event> classes.",
	"    (default: reset all data for all event classes)",
	"HISTOGRAM [COMMAND ...]",
	"    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
	"    If no commands are specified then all histograms are replied.",
}

func cmdLatencyLatest(c *Ctx) {
	events := c.S.srv.ext().latency.snapshot()
	c.W.Array(len(events))
	for _, e := range events {
		last := e.samples[len(e.samples)-1]
		c.W.Array(4)
		c.W.BulkString(e.name)
		c.W.Int(last.at)
		c.W.Int(last.ms)
		c.W.Int(e.max)
	}
}

func cmdLatencyHistory(c *Ctx) {
	e, _ := c.S.srv.ext().latency.event(string(c.Args[2]))
	c.W.Array(len(e.samples))
	for _, s := range e.samples {
		c.W.Array(2)
		c.W.Int(s.at)
		c.W.Int(s.ms)
	}
}

func cmdLatencyGraph(c *Ctx) {
	e, ok := c.S.srv.ext().latency.event(string(c.Args[2]))
	if !ok {
		c.Error("ERR No samples available for event '" + string(c.Args[2]) + "'")
		return
	}
	c.W.Verbatim("txt", []byte(latencyGraph(e, time.Now().Unix())))
}

func cmdLatencyDoctor(c *Ctx) {
	srv := c.S.srv
	cfg := srv.config()
	events := srv.ext().latency.snapshot()
	report := latencyReport(events, cfg.LatencyMonitorThreshold, cfg.SlowlogLogSlowerThan, cfg.HZ, cfg.AppendFsync == "always", anonHugePages(), time.Now().Unix())
	c.W.Verbatim("txt", []byte(report))
}

func cmdLatencyReset(c *Ctx) {
	var names []string
	if len(c.Args) > 2 {
		names = make([]string, 0, len(c.Args)-2)
		for _, a := range c.Args[2:] {
			names = append(names, string(a))
		}
	}
	c.W.Int(int64(c.S.srv.ext().latency.reset(names)))
}

// cmdLatencyHistogram merges the shards' histograms of every command, or of
// the commands named (a container names its subcommands too; unknown names
// are skipped, repeated ones repeated, as in Redis).
func cmdLatencyHistogram(m *Multi) {
	var parts []map[*Command]*latencyHist
	for _, v := range m.Each(func(c *Ctx) any { return c.S.stats.latencyCopy() }) {
		parts = append(parts, v.(map[*Command]*latencyHist))
	}
	all := mergeLatency(parts)
	var cmds []*Command
	if len(m.Args) == 2 {
		cmds = sortedByFullName(all)
	} else {
		for _, name := range m.Args[2:] {
			cmd := m.srv.lookupFullNameClient(name)
			if cmd == nil {
				continue
			}
			if all[cmd] != nil {
				cmds = append(cmds, cmd)
			}
			for _, sub := range sortedSubcommands(cmd) {
				if all[sub] != nil {
					cmds = append(cmds, sub)
				}
			}
		}
	}
	w := &m.W
	w.Map(len(cmds))
	for _, cmd := range cmds {
		h := all[cmd]
		w.BulkString(cmd.fullName())
		w.Map(2)
		w.BulkString("calls")
		w.Int(h.total)
		w.BulkString("histogram_usec")
		var rows [][2]int64
		h.cdf(func(usec, cum int64) { rows = append(rows, [2]int64{usec, cum}) })
		w.Map(len(rows))
		for _, r := range rows {
			w.Int(r[0])
			w.Int(r[1])
		}
	}
}

// lookupFullNameClient finds "name" or "container|sub" by the names clients
// use (after rename-command), as Redis's lookupCommandBySds.
func (srv *Server) lookupFullNameClient(name []byte) *Command {
	base, sub, hasSub := strings.Cut(string(name), "|")
	cmd := srv.lookupClient([]byte(base))
	if cmd == nil || !hasSub {
		return cmd
	}
	return subcommandsOf(cmd)[strings.ToLower(sub)]
}
