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

// multiSum: integer replies added up (DEL, UNLINK, EXISTS, TOUCH).
func multiSum(m *Multi) {
	parts, _ := m.Split()
	var total int64
	for _, raw := range m.RunEach(parts) {
		v, err := resp.ParseReply(raw)
		if err != nil || v.Kind != ':' {
			m.W.Error("ERR internal error combining replies")
			return
		}
		total += v.Int
	}
	m.W.Int(total)
}

// multiGather: array replies reassembled in key order (MGET).
func multiGather(m *Multi) {
	parts, idx := m.Split()
	n := 0
	for _, ix := range idx {
		n += len(ix)
	}
	out := make([][]byte, n)
	for sh, raw := range m.RunEach(parts) {
		elems, err := splitArrayReply(raw)
		if err != nil || len(elems) != len(idx[sh]) {
			m.W.Error("ERR internal error combining replies")
			return
		}
		for i, e := range elems {
			out[idx[sh][i]] = e
		}
	}
	m.W.Array(n)
	for _, e := range out {
		m.W.Raw(e)
	}
}

// multiAllOK: every part replies +OK (MSET).
func multiAllOK(m *Multi) {
	parts, _ := m.Split()
	for _, raw := range m.RunEach(parts) {
		if len(raw) > 0 && raw[0] == '-' {
			m.W.Raw(raw)
			return
		}
	}
	m.W.Simple("OK")
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
