package shardcore

import (
	"github.com/keeldb/keel/shardcore/resp"
	"github.com/keeldb/keel/shardcore/store"
)

// Blocking list commands. Their Fn and Multi are the non-blocking forms
// (what Redis does inside MULTI); a blocking call outside a transaction goes
// through the BlockOp (blocking.go), whose serves run the plain pops, so the
// log only ever holds LPOP/RPOP/LMOVE (or a cross-shard move's pop + push).

func init() {
	const wb = FlagWrite | FlagBlocking
	register(
		&Command{Name: "blpop", Arity: -3, Flags: wb | FlagNoscript, FirstKey: 1, LastKey: -2, Group: "list", Since: "2.0.0", Summary: "Remove and get the first element in a list, or block until one is available", Fn: func(c *Ctx) { blpopFn(c, true) }, Multi: func(m *Multi) { blockingMulti(m, false) }},
		&Command{Name: "brpop", Arity: -3, Flags: wb | FlagNoscript, FirstKey: 1, LastKey: -2, Group: "list", Since: "2.0.0", Summary: "Remove and get the last element in a list, or block until one is available", Fn: func(c *Ctx) { blpopFn(c, false) }, Multi: func(m *Multi) { blockingMulti(m, false) }},
		&Command{Name: "blmove", Arity: 6, Flags: wb | FlagNoscript | FlagDenyOOM, FirstKey: 1, LastKey: 2, Group: "list", Since: "6.2.0", Summary: "Pop an element from a list, push it to another list and return it; or block until one is available", Fn: blmoveFn, Multi: func(m *Multi) { blockingMulti(m, true) }},
		&Command{Name: "brpoplpush", Arity: 4, Flags: wb | FlagNoscript | FlagDenyOOM, FirstKey: 1, LastKey: 2, Group: "list", Since: "2.2.0", Summary: "Pop an element from a list, push it to another list and return it; or block until one is available", Fn: blmoveFn, Multi: func(m *Multi) { blockingMulti(m, true) }},
		&Command{Name: "blmpop", Arity: -5, Flags: wb, Keys: numkeysPositions(2), Group: "list", Since: "7.0.0", Summary: "Pop elements from a list, or block until one is available", Fn: blmpopFn, Multi: func(m *Multi) { blockingMulti(m, false) }},
	)
	registerBlocking("blpop", &BlockOp{Parse: blpopParse, Type: store.TypeList, Serve: func(m *Multi, key []byte) ([]byte, [][]byte, bool) { return blpopServe(m, key, true) }})
	registerBlocking("brpop", &BlockOp{Parse: blpopParse, Type: store.TypeList, Serve: func(m *Multi, key []byte) ([]byte, [][]byte, bool) { return blpopServe(m, key, false) }})
	moveOp := &BlockOp{Parse: blmoveParse, Type: store.TypeList, Extra: func(args [][]byte) [][]byte { return args[2:3] }, Serve: blmoveServe}
	registerBlocking("blmove", moveOp)
	registerBlocking("brpoplpush", moveOp)
	registerBlocking("blmpop", &BlockOp{Parse: blmpopParse, Type: store.TypeList, Serve: blmpopServe})
}

var (
	listLmoveWord = []byte("LMOVE")
	listLmpopWord = []byte("LMPOP")
	listLeftWord  = []byte("LEFT")
	listRightWord = []byte("RIGHT")
	listCountWord = []byte("COUNT")
	oneWord       = []byte("1")
)

func blpopParse(args [][]byte) ([][]byte, int64, string) {
	timeout, errMsg := blockTimeoutArg(args[len(args)-1])
	return args[1 : len(args)-1], timeout, errMsg
}

// blmoveLmove returns the LMOVE form of BLMOVE/BRPOPLPUSH, or ok=false on a
// bad direction.
func blmoveLmove(args [][]byte) ([][]byte, bool) {
	if len(args) == 4 { // BRPOPLPUSH src dst timeout
		return [][]byte{listLmoveWord, args[1], args[2], listRightWord, listLeftWord}, true
	}
	if _, ok := listWhere(args[3]); !ok {
		return nil, false
	}
	if _, ok := listWhere(args[4]); !ok {
		return nil, false
	}
	return [][]byte{listLmoveWord, args[1], args[2], args[3], args[4]}, true
}

func blmoveParse(args [][]byte) ([][]byte, int64, string) {
	if _, ok := blmoveLmove(args); !ok {
		return nil, 0, errSyntax
	}
	timeout, errMsg := blockTimeoutArg(args[len(args)-1])
	return args[1:2], timeout, errMsg
}

// blmpopParse checks the pop's arguments before the timeout, as Redis does.
func blmpopParse(args [][]byte) ([][]byte, int64, string) {
	keys, _, _, errMsg := lmpopArgs(args[1:])
	if errMsg != "" {
		return nil, 0, errMsg
	}
	timeout, errMsg := blockTimeoutArg(args[1])
	if errMsg != "" {
		return nil, 0, errMsg
	}
	return keys, timeout, ""
}

func blpopFn(c *Ctx, front bool) {
	keys, _, errMsg := blpopParse(c.Args)
	if errMsg != "" {
		c.Error(errMsg)
		return
	}
	for _, key := range keys {
		l, ok := lookupList(c, key, true)
		if !ok {
			return
		}
		if l == nil {
			continue
		}
		v, _ := listPopOne(l, front)
		c.W.Array(2)
		c.W.Bulk(key)
		c.W.Bulk(v)
		c.Dirty(1)
		deleteIfEmptyList(c, key, l)
		word := listRpopWord
		if front {
			word = listLpopWord
		}
		c.Effect(word, key)
		return
	}
	c.W.NullArray()
}

func blmoveFn(c *Ctx) {
	_, _, errMsg := blmoveParse(c.Args)
	if errMsg != "" {
		c.Error(errMsg)
		return
	}
	lm, _ := blmoveLmove(c.Args)
	args := c.Args
	c.Args = lm
	cmdLmove(c)
	c.Args = args
	if c.dirty > 0 {
		c.Effect(lm...)
	}
}

func blmpopFn(c *Ctx) {
	keys, _, errMsg := blmpopParse(c.Args)
	if errMsg != "" {
		c.Error(errMsg)
		return
	}
	_, front, count, _ := lmpopArgs(c.Args[1:])
	for _, key := range keys {
		l, ok := lookupList(c, key, true)
		if !ok {
			return
		}
		if l != nil {
			lmpopFrom(c, key, l, front, count)
			return
		}
	}
	c.W.NullArray()
}

// blockingMulti is the non-blocking form across shards (inside EXEC): the
// op's serve on each key in order; nullBulk for BLMOVE/BRPOPLPUSH's empty
// reply.
func blockingMulti(m *Multi, nullBulk bool) {
	op := blockOps[m.Cmd.Name]
	keys, _, errMsg := op.Parse(m.Args)
	if errMsg != "" {
		m.W.Error(errMsg)
		return
	}
	for _, key := range keys {
		if reply, _, served := op.Serve(m, key); served {
			m.W.Raw(reply)
			return
		}
	}
	if nullBulk {
		m.W.Null()
	} else {
		m.W.NullArray()
	}
}

// serveReply classifies a pop's reply: null means nothing was there.
func serveReply(raw []byte) (resp.Value, bool) {
	v, err := resp.ParseReply(raw)
	if err != nil {
		return resp.Value{Kind: '-', Str: "ERR internal error: " + err.Error()}, true
	}
	return v, !v.Null
}

func blpopServe(m *Multi, key []byte, front bool) ([]byte, [][]byte, bool) {
	word, push := listRpopWord, listRpushWord
	if front {
		word, push = listLpopWord, listLpushWord
	}
	raw := m.Run(m.srv.shardOf(key), [][]byte{word, key})
	v, ok := serveReply(raw)
	if !ok {
		return nil, nil, false
	}
	if v.Kind != '$' {
		return raw, nil, true
	}
	var w resp.Writer
	w.Proto = m.W.Proto
	w.Array(2)
	w.Bulk(key)
	w.BulkString(v.Str)
	return w.Bytes(), [][]byte{push, key, []byte(v.Str)}, true
}

func blmoveServe(m *Multi, key []byte) ([]byte, [][]byte, bool) {
	lm, _ := blmoveLmove(m.Args)
	src, dst := m.srv.shardOf(lm[1]), m.srv.shardOf(lm[2])
	var raw []byte
	if src == dst {
		raw = m.Run(src, lm)
	} else {
		sub := &Multi{srv: m.srv, t: m.t, Cmd: lookupCommand(lm[0]), Args: lm, DBi: m.DBi}
		sub.W.Proto = m.W.Proto
		multiLmove(sub)
		raw = sub.W.Bytes()
	}
	if _, ok := serveReply(raw); !ok {
		return nil, nil, false
	}
	// The element sits in the destination whatever happens to the client.
	return raw, nil, true
}

func blmpopServe(m *Multi, key []byte) ([]byte, [][]byte, bool) {
	_, front, count, _ := lmpopArgs(m.Args[1:])
	where, push := listRightWord, listRpushWord
	if front {
		where, push = listLeftWord, listLpushWord
	}
	n := []byte(itoa(count))
	raw := m.Run(m.srv.shardOf(key), [][]byte{listLmpopWord, oneWord, key, where, listCountWord, n})
	v, ok := serveReply(raw)
	if !ok {
		return nil, nil, false
	}
	if v.Kind == '-' || len(v.Array) != 2 {
		return raw, nil, true
	}
	// Put back in reverse: the first popped ends nearest its end again.
	elems := v.Array[1].Array
	undo := [][]byte{push, key}
	for i := len(elems) - 1; i >= 0; i-- {
		undo = append(undo, []byte(elems[i].Str))
	}
	return raw, undo, true
}
