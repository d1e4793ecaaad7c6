package shardcore

import (
	"github.com/keeldb/keel/shardcore/store"
	"github.com/keeldb/keel/shardcore/types"
)

// The log records that rebuild a list, hash or set from nothing (used when a
// value moves between shards: RENAME, COPY, MOVE).
func init() {
	restoreFuncs[store.TypeList] = func(key []byte, obj any) [][][]byte {
		b := newRestoreBatcher(key, "RPUSH")
		for _, v := range obj.(*types.List).All() {
			b.add(v)
		}
		return b.done()
	}
	restoreFuncs[store.TypeHash] = func(key []byte, obj any) [][][]byte {
		b := newRestoreBatcher(key, "HSET")
		for f, v := range obj.(*types.Hash).All() {
			b.add(f, v)
		}
		return b.done()
	}
	restoreFuncs[store.TypeSet] = func(key []byte, obj any) [][][]byte {
		b := newRestoreBatcher(key, "SADD")
		for m := range obj.(*types.Set).All() {
			b.add(m)
		}
		return b.done()
	}
}

// restoreBatch is how many arguments one rebuilding record carries.
const restoreBatch = 1024

// restoreBatcher builds "DEL key" followed by "<cmd> key args..." records
// of bounded size, copying the arguments (they alias the value).
type restoreBatcher struct {
	key  []byte
	cmd  []byte
	recs [][][]byte
	cur  [][]byte
}

func newRestoreBatcher(key []byte, cmd string) *restoreBatcher {
	k := append([]byte(nil), key...)
	return &restoreBatcher{key: k, cmd: []byte(cmd), recs: [][][]byte{{[]byte("DEL"), k}}}
}

func (b *restoreBatcher) add(args ...[]byte) {
	if b.cur == nil {
		b.cur = [][]byte{b.cmd, b.key}
	}
	for _, a := range args {
		b.cur = append(b.cur, append([]byte(nil), a...))
	}
	if len(b.cur) >= restoreBatch {
		b.recs = append(b.recs, b.cur)
		b.cur = nil
	}
}

func (b *restoreBatcher) done() [][][]byte {
	if b.cur != nil {
		b.recs = append(b.recs, b.cur)
	}
	return b.recs
}
