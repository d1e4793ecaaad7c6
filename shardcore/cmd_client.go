package shardcore

import (
	"slices"
	"strconv"
	"unsafe"

	"github.com/keeldb/keel/shardcore/resp"
)

func init() {
	const f = FlagNoscript | FlagLoading | FlagStale | FlagConn
	register(&Command{Name: "client", Arity: -2, Group: "connection", Since: "2.4.0", Summary: "A container for client connection commands.", Sub: subcommands(
		&Command{Name: "id", Arity: 2, Flags: f, Group: "connection", Since: "5.0.0", Summary: "Returns the unique client ID of the connection.", Fn: cmdClientID},
		&Command{Name: "setname", Arity: 3, Flags: f, Group: "connection", Since: "2.6.9", Summary: "Sets the connection name.", Fn: cmdClientSetName},
		&Command{Name: "getname", Arity: 2, Flags: f, Group: "connection", Since: "2.6.9", Summary: "Returns the name of the connection.", Fn: cmdClientGetName},
		&Command{Name: "info", Arity: 2, Flags: f, Group: "connection", Since: "6.2.0", Summary: "Returns information about the connection.", Fn: cmdClientInfo},
		&Command{Name: "list", Arity: -2, Flags: FlagAdmin | f, Group: "connection", Since: "2.4.0", Summary: "Lists open connections.", Fn: cmdClientList},
		&Command{Name: "kill", Arity: -3, Flags: FlagAdmin | f, Group: "connection", Since: "2.4.0", Summary: "Terminates open connections.", Fn: cmdClientKill},
		&Command{Name: "reply", Arity: 3, Flags: f, Group: "connection", Since: "3.2.0", Summary: "Instructs the server whether to reply to commands.", Fn: cmdClientReply},
		&Command{Name: "unblock", Arity: -3, Flags: FlagAdmin | f, Group: "connection", Since: "5.0.0", Summary: "Unblocks a client blocked by a blocking command from a different connection.", Fn: cmdClientUnblock},
		&Command{Name: "pause", Arity: -3, Flags: FlagAdmin | f, Group: "connection", Since: "2.9.50", Summary: "Stop processing commands from clients for some time", Fn: cmdClientPause},
		&Command{Name: "unpause", Arity: 2, Flags: FlagAdmin | f, Group: "connection", Since: "6.2.0", Summary: "Resume processing of clients that were paused", Fn: cmdClientUnpause},
		&Command{Name: "getredir", Arity: 2, Flags: f, Group: "connection", Since: "6.0.0", Summary: "Get tracking notifications redirection client ID if any", Fn: cmdClientGetRedir},
		&Command{Name: "trackinginfo", Arity: 2, Flags: f, Group: "connection", Since: "6.2.0", Summary: "Return information about server assisted client side caching for the current connection", Fn: cmdClientTrackingInfo},
		&Command{Name: "no-evict", Arity: 3, Flags: FlagAdmin | f, Group: "connection", Since: "7.0.0", Summary: "Sets the client eviction mode of the connection.", Fn: cmdClientNoEvict},
		&Command{Name: "help", Arity: 2, Flags: FlagLoading | FlagStale | FlagConn, Group: "connection", Since: "5.0.0", Summary: "Returns helpful text about the different subcommands.", Fn: helpFn("CLIENT", clientHelp)},
	)})
}

var clientHelp = []string{
	"GETREDIR",
	"    Return the client ID we are redirecting to when tracking is enabled.",
	"GETNAME",
	"    Return the name of the current connection.",
	"ID",
	"    Return the ID of the current connection.",
	"INFO",
	"    Return information about the current client connection.",
	"KILL <ip:port>",
	"    Kill connection made from <ip:port>.",
	"KILL <option> <value> [<option> <value> [...]]",
	"    Kill connections. Options are:",
	"    * ADDR (<ip:port>|<unixsocket>:0)",
	"      Kill connections made from the specified address",
	"    * LADDR (<ip:port>|<unixsocket>:0)",
	"      Kill connections made to specified local address",
	"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
	"      Kill connections by type.",
	"    * USER <username>",
	"      Kill connections authenticated by <username>.",
	"    * SKIPME (YES|NO)",
	"      Skip killing current connection (default: yes).",
	"LIST [options ...]",
	"    Return information about client connections. Options:",
	"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
	"      Return clients of specified type.",
	"UNPAUSE",
	"    Stop the current client pause, resuming traffic.",
	"PAUSE <timeout> [WRITE|ALL]",
	"    Suspend all, or just write, clients for <timeout> milliseconds.",
	"REPLY (ON|OFF|SKIP)",
	"    Control the replies sent to the current connection.",
	"SETNAME <name>",
	"    Assign the name <name> to the current connection.",
	"UNBLOCK <clientid> [TIMEOUT|ERROR]",
	"    Unblock the specified blocked client.",
	"TRACKINGINFO",
	"    Report tracking status for the current connection.",
	"NO-EVICT (ON|OFF)",
	"    Protect current client connection from eviction.",
}

// errNoConn answers connection commands run without a connection (queued
// into a transaction that runs them elsewhere).
const errNoConn = "ERR this command needs a client connection"

// detach finishes a connection command off the shard loop, so that work may
// wait for other shards. The connection is paused meanwhile: its later
// commands wait and replies keep their order. then, when set, runs on the
// connection's shard after the reply is queued.
func (c *Ctx) detach(work func() []byte, then func(s *Shard, cn *conn)) {
	s, cn := c.S, c.Conn
	discard := cn.noReply != 0
	slot := s.newSlot(cn)
	cn.paused = true
	go func() {
		out := work()
		if discard {
			out = nil
		}
		s.post(message{ctrl: true, fn: func(s *Shard) {
			s.complete(slot, out)
			cn.paused = false
			if then != nil {
				then(s, cn)
			}
			s.serve(cn)
		}})
	}()
}

// gather runs fn on every shard's loop and returns the results in shard
// order. fn runs as a control message (even while a transaction holds the
// shard), so it may touch connections but not keys. It blocks: call it only
// off the shard loops. ok is false if the server stopped first.
func (srv *Server) gather(fn func(s *Shard) any) (out []any, ok bool) {
	type result struct {
		i int
		v any
	}
	ch := make(chan result, len(srv.shards))
	for i, sh := range srv.shards {
		sh.post(message{ctrl: true, fn: func(s *Shard) { ch <- result{i, fn(s)} }})
	}
	out = make([]any, len(srv.shards))
	for range srv.shards {
		select {
		case r := <-ch:
			out[r.i] = r.v
		case <-srv.stopped:
			return nil, false
		}
	}
	return out, true
}

func cmdClientID(c *Ctx) {
	if c.Conn == nil {
		c.Error(errNoConn)
		return
	}
	c.W.Int(c.Conn.id)
}

func cmdClientSetName(c *Ctx) {
	if c.Conn == nil {
		c.Error(errNoConn)
		return
	}
	if msg := validClientName(c.Args[2]); msg != "" {
		c.Error(msg)
		return
	}
	c.Conn.name = string(c.Args[2])
	c.OK()
}

func cmdClientGetName(c *Ctx) {
	if c.Conn == nil || c.Conn.name == "" {
		c.W.Null()
		return
	}
	c.W.BulkString(c.Conn.name)
}

func cmdClientInfo(c *Ctx) {
	if c.Conn == nil {
		c.Error(errNoConn)
		return
	}
	c.W.Verbatim("txt", clientLine(nil, c.Conn, c.Now, argvMem(c.Args)))
}

func cmdClientReply(c *Ctx) {
	cn := c.Conn
	if cn == nil {
		c.Error(errNoConn)
		return
	}
	switch lower(c.Args[2]) {
	case "on":
		cn.noReply = 0
		c.OK()
	case "off":
		cn.noReply = 1
	case "skip":
		if cn.noReply == 1 {
			return
		}
		// SKIP has no reply of its own and hides the next command's: the
		// flag is set once this command's (empty) reply is through, with
		// the connection paused so that the next command waits for it.
		cn.paused = true
		c.S.post(message{ctrl: true, fn: func(s *Shard) {
			cn.noReply = 2
			cn.paused = false
			s.serve(cn)
		}})
	default:
		c.Error(errSyntax)
	}
}

// cmdClientGetRedir: keel has no client-side caching, so no connection
// redirects tracking notifications.
func cmdClientGetRedir(c *Ctx) { c.W.Int(-1) }

// cmdClientTrackingInfo: tracking is off for every connection.
func cmdClientTrackingInfo(c *Ctx) {
	c.W.Map(3)
	c.W.BulkString("flags")
	c.W.Set(1)
	c.W.BulkString("off")
	c.W.BulkString("redirect")
	c.W.Int(-1)
	c.W.BulkString("prefixes")
	c.W.Array(0)
}

func cmdClientNoEvict(c *Ctx) {
	if c.Conn == nil {
		c.Error(errNoConn)
		return
	}
	switch lower(c.Args[2]) {
	case "on":
		c.Conn.flags.noEvict = true
	case "off":
		c.Conn.flags.noEvict = false
	default:
		c.Error(errSyntax)
		return
	}
	c.OK()
}

// Client types, as Redis's getClientTypeByName.
const (
	clientNormal = iota
	clientReplica
	clientPubsub
	clientMaster
)

func clientTypeByName(b []byte) (int, bool) {
	switch lower(b) {
	case "normal":
		return clientNormal, true
	case "slave", "replica":
		return clientReplica, true
	case "pubsub":
		return clientPubsub, true
	case "master":
		return clientMaster, true
	}
	return 0, false
}

// clientType is the class a connection belongs to. keel has no replication
// links, and monitors count as normal clients, as in Redis.
func clientType(c *conn) int {
	if c.sub.subscribed() {
		return clientPubsub
	}
	return clientNormal
}

func cmdClientList(c *Ctx) {
	if c.Conn == nil {
		c.Error(errNoConn)
		return
	}
	typ := -1
	var ids []int64
	switch {
	case len(c.Args) == 2:
	case len(c.Args) == 4 && lower(c.Args[2]) == "type":
		t, ok := clientTypeByName(c.Args[3])
		if !ok {
			c.Error("ERR Unknown client type '" + sanitize(c.Args[3], 128) + "'")
			return
		}
		typ = t
	case len(c.Args) > 3 && lower(c.Args[2]) == "id":
		for _, a := range c.Args[3:] {
			id, ok := ParseInt(a)
			if !ok || id < 1 {
				c.Error("ERR Invalid client ID")
				return
			}
			ids = append(ids, id)
		}
	default:
		c.Error(errSyntax)
		return
	}
	self, selfArgv := c.Conn, argvMem(c.Args)
	srv, proto := c.S.srv, c.W.Proto
	c.detach(func() []byte {
		type line struct {
			id   int64
			text []byte
		}
		parts, _ := srv.gather(func(s *Shard) any {
			var out []line
			now := s.now
			for _, cn := range s.conns {
				if (typ >= 0 && clientType(cn) != typ) || (ids != nil && !slices.Contains(ids, cn.id)) {
					continue
				}
				argv := int64(0)
				if cn == self {
					argv = selfArgv
				}
				out = append(out, line{cn.id, clientLine(nil, cn, now, argv)})
			}
			return out
		})
		var all []line
		for _, p := range parts {
			all = append(all, p.([]line)...)
		}
		slices.SortFunc(all, func(a, b line) int { return cmpInt64(a.id, b.id) })
		var text []byte
		for _, l := range all {
			text = append(text, l.text...)
		}
		w := resp.Writer{Proto: proto}
		w.Verbatim("txt", text)
		return w.Bytes()
	}, nil)
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// argvMem is CLIENT LIST's argv-mem of the running command.
func argvMem(args [][]byte) int64 {
	var n int64
	for _, a := range args {
		n += int64(len(a))
	}
	return n
}

const connOverhead = int64(unsafe.Sizeof(conn{}))

// clientLine renders one CLIENT LIST line in Redis's format. It runs on the
// connection's own shard.
func clientLine(b []byte, c *conn, now, argv int64) []byte {
	flags := ""
	if c.flags.monitor {
		flags += "O"
	}
	if c.sub.subscribed() {
		flags += "P"
	}
	if (c.block != nil && c.block.state != waitTrying) || c.aof.blocked != nil || c.shard.pauseHolds(c) {
		flags += "b"
	}
	if c.quitting {
		flags += "c"
	}
	if c.flags.noEvict {
		flags += "e"
	}
	if flags == "" {
		flags = "N"
	}
	omem := int64(cap(c.wbuf))
	for _, p := range c.pending {
		omem += int64(cap(p.buf))
	}
	rbs := int64(cap(c.rbuf))
	events := "r"
	if len(c.wbuf) > 0 {
		events = "rw"
	}
	cmd := "NULL"
	if c.lastCmd != nil {
		cmd = c.lastCmd.fullName()
	}
	num := func(key string, v int64) {
		b = append(b, ' ')
		b = append(b, key...)
		b = append(b, '=')
		b = strconv.AppendInt(b, v, 10)
	}
	str := func(key, v string) {
		b = append(b, ' ')
		b = append(b, key...)
		b = append(b, '=')
		b = append(b, v...)
	}
	b = append(b, "id="...)
	b = strconv.AppendInt(b, c.id, 10)
	str("addr", c.addr)
	str("laddr", c.laddr)
	num("fd", int64(c.fd))
	str("name", c.name)
	num("age", max(now-c.created, 0)/1000)
	num("idle", max(now-c.lastAt, 0)/1000)
	str("flags", flags)
	num("db", int64(c.db))
	num("sub", c.sub.size(psChannel))
	num("psub", c.sub.size(psPattern))
	num("ssub", c.sub.size(psShard))
	num("multi", -1)
	num("qbuf", int64(c.rend-c.rpos))
	num("qbuf-free", int64(cap(c.rbuf)-c.rend))
	num("argv-mem", argv)
	num("multi-mem", 0)
	num("rbs", rbs)
	num("rbp", rbs)
	num("obl", int64(len(c.wbuf)))
	num("oll", int64(len(c.pending)))
	num("omem", omem)
	num("tot-mem", connOverhead+rbs+omem+argv)
	str("events", events)
	str("cmd", cmd)
	str("user", "default")
	num("redir", -1)
	num("resp", int64(max(c.w.Proto, 2)))
	return append(b, '\n')
}

// killFilter is CLIENT KILL's selection; zero fields match everything.
type killFilter struct {
	addr, laddr string
	id          int64
	typ         int // -1: any
	skipme      bool
}

func (f *killFilter) match(c *conn) bool {
	return (f.addr == "" || c.addr == f.addr) &&
		(f.laddr == "" || c.laddr == f.laddr) &&
		(f.typ < 0 || clientType(c) == f.typ) &&
		(f.id == 0 || c.id == f.id)
}

// cmdClientKill closes the matching connections, each on its own shard. The
// caller itself, when selected, gets its reply and is closed after it.
func cmdClientKill(c *Ctx) {
	if c.Conn == nil {
		c.Error(errNoConn)
		return
	}
	f := killFilter{typ: -1, skipme: true}
	old := len(c.Args) == 3
	switch {
	case old:
		f.addr, f.skipme = string(c.Args[2]), false
	case len(c.Args)%2 == 0:
		for i := 2; i < len(c.Args); i += 2 {
			val := c.Args[i+1]
			switch lower(c.Args[i]) {
			case "id":
				id, ok := ParseInt(val)
				if !ok || id < 1 {
					c.Error("ERR client-id should be greater than 0")
					return
				}
				f.id = id
			case "type":
				t, ok := clientTypeByName(val)
				if !ok {
					c.Error("ERR Unknown client type '" + sanitize(val, 128) + "'")
					return
				}
				f.typ = t
			case "addr":
				f.addr = string(val)
			case "laddr":
				f.laddr = string(val)
			case "user":
				// The only user is "default", and every client is logged in as it.
				if string(val) != "default" {
					c.Error("ERR No such user '" + sanitize(val, 128) + "'")
					return
				}
			case "skipme":
				switch lower(val) {
				case "yes":
					f.skipme = true
				case "no":
					f.skipme = false
				default:
					c.Error(errSyntax)
					return
				}
			default:
				c.Error(errSyntax)
				return
			}
		}
	default:
		c.Error(errSyntax)
		return
	}
	self, srv, proto := c.Conn, c.S.srv, c.W.Proto
	killSelf := false
	c.detach(func() []byte {
		counts, _ := srv.gather(func(s *Shard) any {
			n := int64(0)
			for _, cn := range s.conns {
				if !f.match(cn) || (cn == self && f.skipme) {
					continue
				}
				n++
				if cn == self {
					killSelf = true
					continue
				}
				s.closeConn(cn)
			}
			return n
		})
		var total int64
		for _, n := range counts {
			total += n.(int64)
		}
		w := resp.Writer{Proto: proto}
		switch {
		case !old:
			w.Int(total)
		case total == 0:
			w.Error("ERR No such client")
		default:
			w.OK()
		}
		return w.Bytes()
	}, func(s *Shard, cn *conn) {
		if killSelf {
			cn.quitting = true
		}
	})
}

// cmdClientUnblock answers a client blocked in a blocking command, on the
// client's own shard, as its timeout would (or with an error).
func cmdClientUnblock(c *Ctx) {
	if c.Conn == nil {
		c.Error(errNoConn)
		return
	}
	if len(c.Args) > 4 {
		c.Error("ERR unknown subcommand or wrong number of arguments for '" + sanitize(c.Args[1], 128) + "'. Try CLIENT HELP.")
		return
	}
	withError := false
	if len(c.Args) == 4 {
		switch lower(c.Args[3]) {
		case "timeout":
		case "error":
			withError = true
		default:
			c.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
			return
		}
	}
	id, ok := ParseInt(c.Args[2])
	if !ok {
		c.Error(errNotInt)
		return
	}
	srv, proto := c.S.srv, c.W.Proto
	c.detach(func() []byte {
		found, _ := srv.gather(func(s *Shard) any {
			for _, cn := range s.conns {
				if cn.id == id {
					return s.unblockClient(cn, withError)
				}
			}
			return false
		})
		n := int64(0)
		for _, f := range found {
			if f.(bool) {
				n = 1
			}
		}
		w := resp.Writer{Proto: proto}
		w.Int(n)
		return w.Bytes()
	}, nil)
}
