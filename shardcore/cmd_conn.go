package shardcore

import (
	"crypto/subtle"
	"strconv"
	"strings"
)

func init() {
	register(
		&Command{Name: "ping", Arity: -1, Flags: FlagFast | FlagStale | FlagConn, Group: "connection", Since: "1.0.0", Summary: "Returns the server's liveliness response.", Fn: cmdPing},
		&Command{Name: "echo", Arity: 2, Flags: FlagFast | FlagConn, Group: "connection", Since: "1.0.0", Summary: "Returns the given string.", Fn: func(c *Ctx) { c.W.Bulk(c.Args[1]) }},
		&Command{Name: "quit", Arity: -1, Flags: FlagNoAuth | FlagFast | FlagConn | FlagLoading | FlagStale, Group: "connection", Since: "1.0.0", Summary: "Closes the connection.", Fn: cmdQuit},
		&Command{Name: "select", Arity: 2, Flags: FlagLoading | FlagStale | FlagFast | FlagConn, Group: "connection", Since: "1.0.0", Summary: "Changes the selected database.", Fn: cmdSelect},
		&Command{Name: "auth", Arity: -2, Flags: FlagNoAuth | FlagLoading | FlagStale | FlagFast | FlagConn | FlagNoscript, Group: "connection", Since: "1.0.0", Summary: "Authenticates the connection.", Fn: cmdAuth},
		&Command{Name: "hello", Arity: -1, Flags: FlagNoAuth | FlagLoading | FlagStale | FlagFast | FlagConn | FlagNoscript, Group: "connection", Since: "6.0.0", Summary: "Handshakes with the Redis server.", Fn: cmdHello},
		&Command{Name: "reset", Arity: 1, Flags: FlagNoAuth | FlagLoading | FlagStale | FlagFast | FlagConn | FlagNoscript, Group: "connection", Since: "6.2.0", Summary: "Resets the connection.", Fn: cmdReset},
	)
}

func cmdPing(c *Ctx) {
	if c.Conn != nil && c.W.Proto == 2 && c.Conn.sub.subscribed() && len(c.Args) <= 2 {
		pingSubscribed(c)
		return
	}
	switch len(c.Args) {
	case 1:
		c.W.Simple("PONG")
	case 2:
		c.W.Bulk(c.Args[1])
	default:
		c.Error(errArity("ping"))
	}
}

func cmdQuit(c *Ctx) {
	c.OK()
	c.Conn.quitting = true
}

func cmdSelect(c *Ctx) {
	n, ok := ParseInt(c.Args[1])
	if !ok {
		c.Error(errNotInt)
		return
	}
	if n < 0 || n >= int64(len(c.S.dbs)) {
		c.Error(errDBIndex)
		return
	}
	c.Conn.db = int(n)
	c.OK()
}

const errWrongPass = "WRONGPASS invalid username-password pair or user is disabled."

// checkAuth validates a user/password pair against requirepass (the only
// user is "default").
func (c *Ctx) checkAuth(user, pass []byte) bool {
	want := c.S.srv.requirePass()
	if user != nil && string(user) != "default" {
		return false
	}
	if want == "" {
		return true
	}
	return subtle.ConstantTimeCompare(pass, []byte(want)) == 1
}

func cmdAuth(c *Ctx) {
	if len(c.Args) > 3 {
		c.Error(errSyntax)
		return
	}
	if len(c.Args) == 2 && c.S.srv.requirePass() == "" {
		c.Error("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
		return
	}
	var user []byte
	pass := c.Args[len(c.Args)-1]
	if len(c.Args) == 3 {
		user = c.Args[1]
	}
	if !c.checkAuth(user, pass) {
		c.Error(errWrongPass)
		return
	}
	c.Conn.authed = true
	c.OK()
}

func cmdHello(c *Ctx) {
	proto := c.Conn.w.Proto
	i := 1
	if len(c.Args) > 1 {
		v, err := strconv.ParseInt(string(c.Args[1]), 10, 64)
		if err != nil {
			c.Error("ERR Protocol version is not an integer or out of range")
			return
		}
		if v < 2 || v > 3 {
			c.Error("NOPROTO unsupported protocol version")
			return
		}
		proto = int(v)
		i = 2
	}
	var name []byte
	setName, authed := false, c.Conn.authed
	for ; i < len(c.Args); i++ {
		more := len(c.Args) - i - 1
		switch opt := strings.ToLower(string(c.Args[i])); {
		case opt == "auth" && more >= 2:
			if !c.checkAuth(c.Args[i+1], c.Args[i+2]) {
				c.Error(errWrongPass)
				return
			}
			authed = true
			i += 2
		case opt == "setname" && more >= 1:
			if msg := validClientName(c.Args[i+1]); msg != "" {
				c.Error(msg)
				return
			}
			name, setName = c.Args[i+1], true
			i++
		default:
			c.Error("ERR Syntax error in HELLO option '" + sanitize(c.Args[i], 128) + "'")
			return
		}
	}
	if !authed {
		c.Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
		return
	}
	c.Conn.authed = true
	if setName {
		c.Conn.name = string(name)
	}
	c.Conn.w.Proto = proto
	c.W.Proto = proto
	c.W.Map(7)
	c.W.BulkString("server")
	c.W.BulkString("redis")
	c.W.BulkString("version")
	c.W.BulkString(Version)
	c.W.BulkString("proto")
	c.W.Int(int64(proto))
	c.W.BulkString("id")
	c.W.Int(c.Conn.id)
	c.W.BulkString("mode")
	c.W.BulkString("standalone")
	c.W.BulkString("role")
	c.W.BulkString("master")
	c.W.BulkString("modules")
	c.W.Array(0)
}

func cmdReset(c *Ctx) {
	cn := c.Conn
	cn.multi = nil
	c.S.unwatchAll(cn)
	if cn.sub != nil {
		c.S.srv.pubsub().dropConn(c.S, cn)
	}
	cn.db = 0
	cn.name = ""
	cn.noReply = 0
	cn.flags = connFlags{}
	cn.w.Proto = 2
	c.W.Proto = 2
	cn.authed = c.S.srv.requirePass() == ""
	c.W.Simple("RESET")
}

// validClientName enforces Redis's rule: no spaces or newlines.
func validClientName(b []byte) string {
	for _, ch := range b {
		if ch < '!' || ch > '~' {
			return "ERR Client names cannot contain spaces, newlines or special characters."
		}
	}
	return ""
}
