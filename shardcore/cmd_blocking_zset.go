package shardcore

import (
	"math"

	"github.com/keeldb/keel/shardcore/resp"
	"github.com/keeldb/keel/shardcore/store"
)

// Blocking sorted-set pops. As with the list forms, Fn and Multi are the
// non-blocking forms (what runs inside MULTI) and a blocking call goes
// through the BlockOp; every serve pops with zpopGeneric, so the log holds
// ZREM of what went, never the blocking command.

func init() {
	const wb = FlagWrite | FlagBlocking
	register(
		&Command{Name: "bzpopmin", Arity: -3, Flags: wb | FlagNoscript | FlagFast, FirstKey: 1, LastKey: -2, Group: "sorted-set", Since: "5.0.0", Summary: "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available", Fn: func(c *Ctx) { bzpopFn(c, false) }, Multi: func(m *Multi) { blockingMulti(m, false) }},
		&Command{Name: "bzpopmax", Arity: -3, Flags: wb | FlagNoscript | FlagFast, FirstKey: 1, LastKey: -2, Group: "sorted-set", Since: "5.0.0", Summary: "Remove and return the member with the highest score from one or more sorted sets, or block until one is available", Fn: func(c *Ctx) { bzpopFn(c, true) }, Multi: func(m *Multi) { blockingMulti(m, false) }},
		&Command{Name: "bzmpop", Arity: -5, Flags: wb, Keys: numkeysPositions(2), Group: "sorted-set", Since: "7.0.0", Summary: "Remove and return members with scores in a sorted set or block until one is available", Fn: bzmpopFn, Multi: func(m *Multi) { blockingMulti(m, false) }},
	)
	registerBlocking("bzpopmin", &BlockOp{Parse: blpopParse, Type: store.TypeZSet, Serve: func(m *Multi, key []byte) ([]byte, [][]byte, bool) { return bzpopServe(m, key, false) }})
	registerBlocking("bzpopmax", &BlockOp{Parse: blpopParse, Type: store.TypeZSet, Serve: func(m *Multi, key []byte) ([]byte, [][]byte, bool) { return bzpopServe(m, key, true) }})
	registerBlocking("bzmpop", &BlockOp{Parse: bzmpopParse, Type: store.TypeZSet, Serve: bzmpopServe})
}

// bzmpopParse checks the pop's arguments before the timeout, as Redis does.
func bzmpopParse(args [][]byte) ([][]byte, int64, string) {
	keys, _, _, errMsg := zmpopArgs(args[1:])
	if errMsg != "" {
		return nil, 0, errMsg
	}
	timeout, errMsg := blockTimeoutArg(args[1])
	if errMsg != "" {
		return nil, 0, errMsg
	}
	return keys, timeout, ""
}

// writeBzpopReply replies as BZPOPMIN/BZPOPMAX: [key, member, score].
func writeBzpopReply(w *resp.Writer, key []byte, it zitem) {
	w.Array(3)
	w.Bulk(key)
	w.Bulk(it.m)
	w.Double(it.s)
}

func bzpopFn(c *Ctx, max bool) {
	keys, _, errMsg := blpopParse(c.Args)
	if errMsg != "" {
		c.Error(errMsg)
		return
	}
	for _, key := range keys {
		items, ok := zpopGeneric(c, key, max, 1)
		if !ok {
			return
		}
		if len(items) > 0 {
			writeBzpopReply(c.W, key, items[0])
			return
		}
	}
	c.W.NullArray()
}

func bzmpopFn(c *Ctx) {
	keys, _, errMsg := bzmpopParse(c.Args)
	if errMsg != "" {
		c.Error(errMsg)
		return
	}
	_, max, count, _ := zmpopArgs(c.Args[1:])
	for _, key := range keys {
		items, ok := zpopGeneric(c, key, max, int(min(count, math.MaxInt32)))
		if !ok {
			return
		}
		if len(items) > 0 {
			writeZmpopReply(c.W, key, items)
			return
		}
	}
	c.W.NullArray()
}

// zpopOn pops up to count members of key on its shard inside m; wrong is
// set when key holds another type.
func zpopOn(m *Multi, key []byte, max bool, count int64) (items []zitem, wrong bool) {
	type result struct {
		items []zitem
		wrong bool
	}
	r := m.On(m.srv.shardOf(key), func(c *Ctx) any {
		var w resp.Writer
		saved := c.W
		c.W = &w // the WRONGTYPE reply is made by the caller
		items, ok := zpopGeneric(c, key, max, int(min(count, math.MaxInt32)))
		c.W = saved
		return result{items: items, wrong: !ok}
	}).(result)
	return r.items, r.wrong
}

// zpopUndo is the ZADD that puts popped items back.
func zpopUndo(key []byte, items []zitem) [][]byte {
	undo := make([][]byte, 0, 2+2*len(items))
	undo = append(undo, zsetZaddWord, key)
	for _, it := range items {
		undo = append(undo, appendScore(nil, it.s), it.m)
	}
	return undo
}

func bzpopServe(m *Multi, key []byte, max bool) ([]byte, [][]byte, bool) {
	items, wrong := zpopOn(m, key, max, 1)
	w := resp.Writer{Proto: m.W.Proto}
	switch {
	case wrong:
		w.Error(errWrongType)
		return w.Bytes(), nil, true
	case len(items) == 0:
		return nil, nil, false
	}
	writeBzpopReply(&w, key, items[0])
	return w.Bytes(), zpopUndo(key, items), true
}

func bzmpopServe(m *Multi, key []byte) ([]byte, [][]byte, bool) {
	_, max, count, _ := zmpopArgs(m.Args[1:])
	items, wrong := zpopOn(m, key, max, count)
	w := resp.Writer{Proto: m.W.Proto}
	switch {
	case wrong:
		w.Error(errWrongType)
		return w.Bytes(), nil, true
	case len(items) == 0:
		return nil, nil, false
	}
	writeZmpopReply(&w, key, items)
	return w.Bytes(), zpopUndo(key, items), true
}
