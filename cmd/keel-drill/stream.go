package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// streamObj appends entries with server-chosen IDs (XADD * MAXLEN), and
// runs one consumer group over them: XREADGROUP delivers the next entry,
// XACK acknowledges the oldest pending one. Its state is the entries, the
// group's last-delivered ID and its pending IDs.
type streamObj struct {
	key     string
	entries []streamEntry
	group   bool
	last    string   // last-delivered ID
	pel     []string // pending IDs, oldest first
}

type streamEntry struct{ id, val string }

const (
	streamMaxLen = 20
	streamMaxPEL = 10
	streamGroup  = "g"
)

func (o *streamObj) name() string         { return o.key }
func (o *streamObj) torn(snapshot) string { return "" }

func streamSnap(entries []streamEntry, group bool, last string, pel []string) snapshot {
	if len(entries) == 0 && !group {
		return snap()
	}
	t := make([]string, 0, len(entries)+len(pel)+1)
	for _, e := range entries {
		t = append(t, "e:"+e.id+"="+e.val)
	}
	if group {
		t = append(t, "g:"+last)
	}
	for _, id := range pel {
		t = append(t, "p:"+id)
	}
	return snap(t...)
}

func (o *streamObj) state() snapshot { return streamSnap(o.entries, o.group, o.last, o.pel) }

// parseID splits a stream ID "ms-seq".
func parseID(id string) (ms, seq uint64, err error) {
	a, b, ok := strings.Cut(id, "-")
	if ok {
		if ms, err = strconv.ParseUint(a, 10, 64); err == nil {
			seq, err = strconv.ParseUint(b, 10, 64)
		}
	}
	if !ok || err != nil {
		return 0, 0, fmt.Errorf("stream ID %q is not ms-seq", id)
	}
	return ms, seq, nil
}

// idAfter reports whether stream ID a is greater than b; IDs the model
// holds came from the server, so a malformed one sorts first.
func idAfter(a, b string) bool {
	am, as, err1 := parseID(a)
	bm, bs, err2 := parseID(b)
	if err1 != nil || err2 != nil {
		return false
	}
	return am > bm || (am == bm && as > bs)
}

func (o *streamObj) next(rng *rand.Rand, seq int64, _ time.Time) op {
	if !o.group {
		want := streamSnap(o.entries, true, "0-0", nil)
		return op{cmd: []any{"XGROUP", "CREATE", o.key, streamGroup, "0", "MKSTREAM"}, pending: want,
			apply: func(rs []any, _, _ time.Time) (snapshot, error) {
				if err := wantStr(one(rs), "OK"); err != nil {
					return snapshot{}, err
				}
				o.group, o.last, o.pel = true, "0-0", nil
				return want, nil
			}}
	}
	r := rng.IntN(10)
	if len(o.pel) > 0 && (r < 2 || len(o.pel) >= streamMaxPEL) {
		id := o.pel[0]
		rest := slices.Clone(o.pel[1:])
		want := streamSnap(o.entries, true, o.last, rest)
		return op{cmd: []any{"XACK", o.key, streamGroup, id}, pending: want,
			apply: func(rs []any, _, _ time.Time) (snapshot, error) {
				if err := wantInt(one(rs), 1); err != nil {
					return snapshot{}, err
				}
				o.pel = rest
				return want, nil
			}}
	}
	if r < 5 {
		for _, e := range o.entries {
			if idAfter(e.id, o.last) {
				return o.readGroup(e)
			}
		}
	}
	val := strconv.FormatInt(seq, 10)
	entries := append(slices.Clone(o.entries), streamEntry{"*", val})
	if len(entries) > streamMaxLen {
		entries = entries[len(entries)-streamMaxLen:]
	}
	return op{cmd: []any{"XADD", o.key, "MAXLEN", streamMaxLen, "*", "f", val},
		pending: streamSnap(entries, true, o.last, o.pel),
		apply: func(rs []any, _, _ time.Time) (snapshot, error) {
			id, ok := one(rs).(string)
			if !ok {
				return snapshot{}, fmt.Errorf("reply %#v, want an ID", one(rs))
			}
			if _, _, err := parseID(id); err != nil {
				return snapshot{}, err
			}
			if n := len(o.entries); n > 0 && !idAfter(id, o.entries[n-1].id) {
				return snapshot{}, fmt.Errorf("XADD * gave %s, not after the last entry %s", id, o.entries[n-1].id)
			}
			entries[len(entries)-1].id = id
			o.entries = entries
			return o.state(), nil
		}}
}

// readGroup delivers entry e, the first one after the last-delivered ID.
func (o *streamObj) readGroup(e streamEntry) op {
	pel := append(slices.Clone(o.pel), e.id)
	want := streamSnap(o.entries, true, e.id, pel)
	return op{cmd: []any{"XREADGROUP", "GROUP", streamGroup, "c", "COUNT", 1, "STREAMS", o.key, ">"}, pending: want,
		apply: func(rs []any, _, _ time.Time) (snapshot, error) {
			got, err := xreadEntry(one(rs))
			if err != nil {
				return snapshot{}, err
			}
			if got != e {
				return snapshot{}, fmt.Errorf("delivered %s=%s, want %s=%s", got.id, got.val, e.id, e.val)
			}
			o.last, o.pel = e.id, pel
			return want, nil
		}}
}

// xreadEntry reads the single entry of [[key, [[id, [f, v]]]]].
func xreadEntry(v any) (streamEntry, error) {
	streams, ok := v.([]any)
	if !ok || len(streams) != 1 {
		return streamEntry{}, fmt.Errorf("reply %#v, want one stream", v)
	}
	kv, ok := streams[0].([]any)
	if !ok || len(kv) != 2 {
		return streamEntry{}, fmt.Errorf("reply %#v, want [key entries]", v)
	}
	entries, err := parseEntries(kv[1])
	if err != nil || len(entries) != 1 {
		return streamEntry{}, fmt.Errorf("reply %#v, want one entry: %v", v, err)
	}
	return entries[0], nil
}

// parseEntries reads [[id, [f, v]], ...].
func parseEntries(v any) ([]streamEntry, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("entries %#v, want an array", v)
	}
	out := make([]streamEntry, 0, len(arr))
	for _, e := range arr {
		pair, ok := e.([]any)
		if !ok || len(pair) != 2 {
			return nil, fmt.Errorf("entry %#v, want [id fields]", e)
		}
		id, ok := pair[0].(string)
		fields, err := asStrings(pair[1])
		if !ok || err != nil || len(fields) != 2 {
			return nil, fmt.Errorf("entry %#v, want [id [f value]]", e)
		}
		out = append(out, streamEntry{id, fields[1]})
	}
	return out, nil
}

func (o *streamObj) read(ctx context.Context, c *redis.Client) (snapshot, error) {
	ex, err := do(ctx, c, "EXISTS", o.key)
	if err != nil {
		return snapshot{}, err
	}
	if ex == int64(0) {
		return snap(), nil
	}
	v, err := do(ctx, c, "XRANGE", o.key, "-", "+")
	if err != nil {
		return snapshot{}, err
	}
	entries, err := parseEntries(v)
	if err != nil {
		return snapshot{}, fmt.Errorf("XRANGE %s: %w", o.key, err)
	}
	gv, err := do(ctx, c, "XINFO", "GROUPS", o.key)
	if err != nil {
		return snapshot{}, err
	}
	groups, ok := gv.([]any)
	if !ok || len(groups) > 1 {
		return snapshot{}, fmt.Errorf("XINFO GROUPS %s: reply %#v, want at most one group", o.key, gv)
	}
	if len(groups) == 0 {
		return streamSnap(entries, false, "", nil), nil
	}
	info, ok := groups[0].([]any)
	last := ""
	for i := 0; ok && i+1 < len(info); i += 2 {
		if info[i] == "last-delivered-id" {
			last, _ = info[i+1].(string)
		}
	}
	if last == "" {
		return snapshot{}, fmt.Errorf("XINFO GROUPS %s: no last-delivered-id in %#v", o.key, gv)
	}
	pv, err := do(ctx, c, "XPENDING", o.key, streamGroup, "-", "+", 1000)
	if err != nil {
		return snapshot{}, err
	}
	parr, ok := pv.([]any)
	if !ok {
		return snapshot{}, fmt.Errorf("XPENDING %s: reply %#v", o.key, pv)
	}
	var pel []string
	for _, p := range parr {
		row, ok := p.([]any)
		if !ok || len(row) == 0 {
			return snapshot{}, fmt.Errorf("XPENDING %s: row %#v", o.key, p)
		}
		id, ok := row[0].(string)
		if !ok {
			return snapshot{}, fmt.Errorf("XPENDING %s: row %#v", o.key, p)
		}
		pel = append(pel, id)
	}
	return streamSnap(entries, true, last, pel), nil
}

func (o *streamObj) match(got, want snapshot) bool { return plainMatch(got, want) }

func (o *streamObj) resync(_ context.Context, _ *redis.Client, got snapshot, _ snapshot) error {
	o.entries, o.group, o.last, o.pel = nil, false, "", nil
	for _, t := range got.tokens {
		switch {
		case strings.HasPrefix(t, "e:"):
			id, val, _ := strings.Cut(t[2:], "=")
			o.entries = append(o.entries, streamEntry{id, val})
		case strings.HasPrefix(t, "g:"):
			o.group, o.last = true, t[2:]
		case strings.HasPrefix(t, "p:"):
			o.pel = append(o.pel, t[2:])
		default:
			return fmt.Errorf("stream %s: unexpected state token %q", o.key, t)
		}
	}
	return nil
}
