package shardcore

import (
	"bytes"

	"github.com/keeldb/keel/shardcore/store"
	"github.com/keeldb/keel/shardcore/types"
)

// XREAD and XREADGROUP with BLOCK. The call is first run whole (xreadTry):
// errors, and anything already there, reply at once. Otherwise the client
// waits on every stream it named, and each change of one of them is offered
// to it (a broadcast op: reading takes nothing from other readers); a serve
// runs the read on that one stream, so the reply names only it, as in
// Redis. XREADGROUP's serves deliver through the ordinary path, which logs
// the group's new state; nothing a serve did is undone.

func init() {
	registerBlocking("xread", &BlockOp{Parse: xreadBlockParse, Type: store.TypeStream, Try: xreadTry, Serve: xreadServe, Broadcast: true})
	registerBlocking("xreadgroup", &BlockOp{Parse: xreadBlockParse, Type: store.TypeStream, Try: xreadTry, Serve: xreadServe, Broadcast: true})
}

const (
	errUnblockedNoKey   = "UNBLOCKED the stream key no longer exists"
	errUnblockedNoGroup = "NOGROUP the consumer group this client was blocked on no longer exists"
)

func xreadIsGroup(args [][]byte) bool { return strOptIs(args[0], "xreadgroup") }

// xreadBlockParse returns the streams of a call with BLOCK; a call without
// it is not a blocking one.
func xreadBlockParse(args [][]byte) ([][]byte, int64, string) {
	var errMsg string
	a, ok := parseXread(args, xreadIsGroup(args), func(s string) { errMsg = s })
	if !ok {
		return nil, 0, errMsg
	}
	if !a.block {
		return nil, 0, ""
	}
	return args[a.streamsArg : a.streamsArg+a.nStreams], a.blockMs, ""
}

// isNullReply reports a null array reply (RESP2 or RESP3).
func isNullReply(raw []byte) bool {
	return bytes.Equal(raw, []byte("_\r\n")) || bytes.Equal(raw, []byte("*-1\r\n"))
}

// xreadTry runs the call as it would run without BLOCK. When it finds
// nothing, XREAD's $ IDs become each stream's last ID now (0-0 for a
// missing stream), still inside the transaction, so later serves read
// exactly what was added after the call.
func xreadTry(m *Multi) ([]byte, bool) {
	if xreadIsGroup(m.Args) {
		if xreadGroupQuiet(m) {
			return nil, false
		}
		m.t.write = true // deliveries and new consumers are logged
	}
	sub := &Multi{srv: m.srv, t: m.t, Cmd: m.Cmd, Args: m.Args, DBi: m.DBi, connID: m.connID}
	sub.W.Proto = m.W.Proto
	multiXread(sub)
	raw := sub.W.Bytes()
	if !isNullReply(raw) {
		return raw, true
	}
	if xreadIsGroup(m.Args) {
		return nil, false
	}
	a, _ := parseXread(m.Args, false, func(string) {})
	for k := 0; k < a.nStreams; k++ {
		key, at := m.Args[a.streamsArg+k], a.streamsArg+a.nStreams+k
		if !bytes.Equal(m.Args[at], []byte("$")) {
			continue
		}
		last := m.On(m.srv.shardOf(key), func(c *Ctx) any {
			if s := peekStream(c, key); s != nil {
				return s.LastID
			}
			return types.StreamID{}
		}).(types.StreamID)
		m.Args[at] = idArg(last)
	}
	return nil, false
}

// xreadGroupQuiet reports an XREADGROUP that would deliver nothing and
// fail nothing: every stream exists with the group, asks for new entries
// (">") and has none. Such a call blocks without writing.
func xreadGroupQuiet(m *Multi) bool {
	a, _ := parseXread(m.Args, true, func(string) {})
	for k := 0; k < a.nStreams; k++ {
		key, id := m.Args[a.streamsArg+k], m.Args[a.streamsArg+a.nStreams+k]
		if !bytes.Equal(id, []byte(">")) {
			return false
		}
		quiet := m.On(m.srv.shardOf(key), func(c *Ctx) any {
			s := peekStream(c, key)
			if s == nil {
				return false
			}
			g := s.Group(string(a.group))
			if g == nil {
				return false
			}
			top, ok := s.LastEntryID()
			return !ok || top.Cmp(g.LastID) <= 0
		}).(bool)
		if !quiet {
			return false
		}
	}
	return true
}

// peekStream returns key's stream, nil when key is missing, expired or of
// another type. It changes nothing (no lazy expiry, no stats).
func peekStream(c *Ctx, key []byte) *types.Stream {
	e, ok := c.DB.Get(key)
	if !ok || (e.ExpireAt != 0 && e.ExpireAt <= c.Now) || e.Type != store.TypeStream {
		return nil
	}
	s, _ := e.Obj.(*types.Stream)
	return s
}

// xreadServe reads the one stream key that changed. XREAD waits on while
// the key is missing or of another type; XREADGROUP is told, as in Redis,
// when its stream or group went away.
func xreadServe(m *Multi, key []byte) ([]byte, [][]byte, bool) {
	group := xreadIsGroup(m.Args)
	a, _ := parseXread(m.Args, group, func(string) {})
	id := []byte(nil)
	for k := 0; k < a.nStreams; k++ {
		if bytes.Equal(m.Args[a.streamsArg+k], key) {
			id = m.Args[a.streamsArg+a.nStreams+k]
			break
		}
	}
	if id == nil {
		return nil, nil, false
	}
	sh := m.srv.shardOf(key)
	const (
		ready = iota
		nothing
		noKey
		noGroup
	)
	state := m.On(sh, func(c *Ctx) any {
		if peekStream(c, key) == nil {
			return noKey
		}
		it, errMsg := xreadPrepare(c, &a, key, id, group)
		switch {
		case errMsg != "" && group:
			return noGroup
		case errMsg != "":
			return nothing
		}
		after := it.after
		if group {
			after = it.g.LastID
		}
		if top, ok := it.s.LastEntryID(); !ok || top.Cmp(after) <= 0 {
			return nothing
		}
		return ready
	}).(int)
	switch {
	case state == nothing || (state == noKey && !group):
		return nil, nil, false
	case state == noKey:
		return []byte("-" + errUnblockedNoKey + "\r\n"), nil, true
	case state == noGroup:
		return []byte("-" + errUnblockedNoGroup + "\r\n"), nil, true
	}
	if group {
		m.t.write = true // the delivery is logged
	}
	args := make([][]byte, 0, a.streamsArg+2)
	args = append(append(args, m.Args[:a.streamsArg]...), key, id)
	raw := m.Run(sh, args)
	if isNullReply(raw) {
		return nil, nil, false
	}
	return raw, nil, true
}
