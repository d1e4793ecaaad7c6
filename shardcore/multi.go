package shardcore

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"

	"github.com/keeldb/keel/shardcore/resp"
)

// Reducers for commands that decompose key by key across shards. Each runs
// the command itself on every participant with that participant's keys (so
// the single-shard code is the only implementation) and combines the replies.

// splitReducer combines the replies of a command split key by key over
// shards: replies[i] answers the keys whose original indexes are idx[i];
// nkeys is the command's key count.
type splitReducer func(w *resp.Writer, replies [][]byte, idx [][]int, nkeys int)

// runSplit runs the command's parts on their participants and combines them.
func (m *Multi) runSplit(reduce splitReducer) {
	parts, idx := m.Split()
	out := m.RunEach(parts)
	replies := make([][]byte, 0, len(out))
	idxs := make([][]int, 0, len(out))
	nkeys := 0
	for _, sh := range m.srv.shards {
		if raw, ok := out[sh]; ok {
			replies = append(replies, raw)
			idxs = append(idxs, idx[sh])
			nkeys += len(idx[sh])
		}
	}
	reduce(&m.W, replies, idxs, nkeys)
}

// multiSum: integer replies added up (DEL, UNLINK, EXISTS, TOUCH).
func multiSum(m *Multi) { m.runSplit(reduceSum) }

func reduceSum(w *resp.Writer, replies [][]byte, _ [][]int, _ int) {
	var total int64
	for _, raw := range replies {
		v, err := resp.ParseReply(raw)
		if err != nil || v.Kind != ':' {
			w.Error("ERR internal error combining replies")
			return
		}
		total += v.Int
	}
	w.Int(total)
}

// multiGather: array replies reassembled in key order (MGET).
func multiGather(m *Multi) { m.runSplit(reduceGather) }

func reduceGather(w *resp.Writer, replies [][]byte, idx [][]int, nkeys int) {
	out := make([][]byte, nkeys)
	for i, raw := range replies {
		elems, err := splitArrayReply(raw)
		if err != nil || len(elems) != len(idx[i]) {
			w.Error("ERR internal error combining replies")
			return
		}
		for j, e := range elems {
			out[idx[i][j]] = e
		}
	}
	w.Array(nkeys)
	for _, e := range out {
		w.Raw(e)
	}
}

// multiAllOK: every part replies +OK (MSET).
func multiAllOK(m *Multi) { m.runSplit(reduceAllOK) }

func reduceAllOK(w *resp.Writer, replies [][]byte, _ [][]int, _ int) {
	for _, raw := range replies {
		if len(raw) > 0 && raw[0] == '-' {
			w.Raw(raw)
			return
		}
	}
	w.Simple("OK")
}

// reduceAllSet: every part set its keys with +OK (MSETNX once every check
// passed), which MSETNX answers with 1.
func reduceAllSet(w *resp.Writer, replies [][]byte, idx [][]int, nkeys int) {
	var all resp.Writer
	reduceAllOK(&all, replies, idx, nkeys)
	if string(all.Bytes()) != "+OK\r\n" {
		w.Raw(all.Bytes())
		return
	}
	w.Int(1)
}

// splitArrayReply returns the raw bytes of each element of an array reply.
func splitArrayReply(raw []byte) ([][]byte, error) {
	eol := bytes.Index(raw, []byte("\r\n"))
	if len(raw) == 0 || raw[0] != '*' || eol < 0 {
		return nil, fmt.Errorf("not an array reply: %q", raw)
	}
	n, err := strconv.Atoi(string(raw[1:eol]))
	if err != nil {
		return nil, err
	}
	r := bufio.NewReader(bytes.NewReader(raw[eol+2:]))
	out := make([][]byte, 0, max(n, 0))
	for i := 0; i < n; i++ {
		e, err := resp.ReadReply(r)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}
