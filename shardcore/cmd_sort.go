package shardcore

import (
	"bytes"
	"math"
	"slices"

	"github.com/keeldb/keel/shardcore/config"
	"github.com/keeldb/keel/shardcore/store"
	"github.com/keeldb/keel/shardcore/types"
)

// SORT and SORT_RO follow Redis 7.0's sortCommandGeneric. BY and GET
// patterns work as in a standalone Redis as long as the keys they name live
// on the shard of the sorted key (a hash tag in the pattern keeps them
// there, and a single-shard server always does); a looked-up key owned by
// another shard gets CROSSSLOT. STORE to a key on another shard is a
// cross-shard write like any other.

func init() {
	register(
		&Command{Name: "sort", Arity: -2, Flags: FlagWrite | FlagDenyOOM, Keys: sortKeys, Group: "generic", Since: "1.0.0", Summary: "Sort the elements in a list, set or sorted set", Fn: cmdSort, Multi: multiSort},
		&Command{Name: "sort_ro", Arity: -2, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Group: "generic", Since: "7.0.0", Summary: "Sort the elements in a list, set or sorted set. Read-only variant of SORT.", Fn: cmdSortRO},
	)
}

var sortRpushWord = []byte("RPUSH")

const errCrossSlot = "CROSSSLOT Keys in request don't hash to the same slot"

// sortKeys is sortGetKeys: the sorted key and the last STORE destination,
// skipping the arguments of LIMIT, GET and BY.
func sortKeys(args [][]byte) []int {
	keys := []int{1}
	store := 0
	for i := 2; i < len(args); i++ {
		switch {
		case strOptIs(args[i], "limit"):
			i += 2
		case strOptIs(args[i], "get"), strOptIs(args[i], "by"):
			i++
		case strOptIs(args[i], "store") && i+1 < len(args):
			store = i + 1
		}
	}
	if store > 0 {
		keys = append(keys, store)
	}
	return keys
}

type sortReq struct {
	by         []byte // nil: by the element itself
	dontSort   bool   // BY without '*'
	gets       [][]byte
	desc       bool
	alpha      bool
	start      int64
	count      int64
	store      []byte
	hasStore   bool
	patternsOn bool // BY with '*' or GET: keys derive from the elements
}

// parseSort reads the options after the key, as Redis does (the last of a
// repeated option wins; a BY without '*' disables sorting for good).
func parseSort(args [][]byte, readonly bool) (sortReq, string) {
	r := sortReq{count: -1}
	for j := 2; j < len(args); j++ {
		left := len(args) - j - 1
		a := args[j]
		switch {
		case strOptIs(a, "asc"):
			r.desc = false
		case strOptIs(a, "desc"):
			r.desc = true
		case strOptIs(a, "alpha"):
			r.alpha = true
		case strOptIs(a, "limit") && left >= 2:
			var ok1, ok2 bool
			r.start, ok1 = ParseInt(args[j+1])
			r.count, ok2 = ParseInt(args[j+2])
			if !ok1 || !ok2 {
				return r, errNotInt
			}
			j += 2
		case !readonly && strOptIs(a, "store") && left >= 1:
			r.store, r.hasStore = args[j+1], true
			j++
		case strOptIs(a, "by") && left >= 1:
			r.by = args[j+1]
			if bytes.IndexByte(r.by, '*') < 0 {
				r.dontSort = true
			} else {
				r.patternsOn = true
			}
			j++
		case strOptIs(a, "get") && left >= 1:
			r.gets = append(r.gets, args[j+1])
			r.patternsOn = true
			j++
		default:
			return r, errSyntax
		}
	}
	return r, ""
}

type sortItem struct {
	obj   []byte
	score float64
	cmp   []byte // BY value in ALPHA mode; nil when the key is missing
}

// sortResult is what a SORT produced: the output values (nil for a GET of
// a missing key), or the error to reply.
type sortResult struct {
	vals   [][]byte
	errMsg string
}

// sortLookup is lookupKeyByPattern: "#" is the element itself, the first
// '*' takes the element, and "->field" after it reads a hash field. A
// pattern without '*' finds nothing.
func sortLookup(c *Ctx, pattern, subst []byte) ([]byte, bool, string) {
	if len(pattern) == 1 && pattern[0] == '#' {
		return subst, true, ""
	}
	p := bytes.IndexByte(pattern, '*')
	if p < 0 {
		return nil, false, ""
	}
	keyEnd := len(pattern)
	var field []byte
	if f := bytes.Index(pattern[p+1:], []byte("->")); f >= 0 && p+1+f+2 < len(pattern) {
		keyEnd = p + 1 + f
		field = pattern[keyEnd+2:]
	}
	key := make([]byte, 0, keyEnd-1+len(subst))
	key = append(append(append(key, pattern[:p]...), subst...), pattern[p+1:keyEnd]...)
	if c.S.srv.shardOf(key) != c.S {
		return nil, false, errCrossSlot
	}
	e, found := c.Read(key)
	if !found {
		return nil, false, ""
	}
	if field == nil {
		if e.Type != store.TypeString {
			return nil, false, ""
		}
		return bytes.Clone(e.Str), true, ""
	}
	h, isHash := e.Obj.(*types.Hash)
	if e.Type != store.TypeHash || !isHash {
		return nil, false, ""
	}
	v, ok := h.Get(field)
	return bytes.Clone(v), ok, ""
}

// sortSpan applies Redis's LIMIT clamping to n elements: the output is
// items start..end inclusive (empty when end < start).
func sortSpan(r *sortReq, n int64) (start, end int64) {
	start = max(r.start, 0)
	end = n - 1
	if r.count >= 0 {
		end = math.MaxInt64 // saturate: start+count may overflow
		if r.count-1 <= math.MaxInt64-start {
			end = start + r.count - 1
		}
	}
	if start >= n {
		start, end = n-1, n-2
	}
	return start, min(end, n-1)
}

// runSort computes the output of a SORT of key on c's shard.
func runSort(c *Ctx, key []byte, r sortReq) sortResult {
	e, found := c.Read(key)
	var (
		l *types.List
		s *types.Set
		z *types.ZSet
		n int64
	)
	if found {
		switch o := e.Obj.(type) {
		case *types.List:
			l, n = o, int64(o.Len())
		case *types.Set:
			s, n = o, int64(o.Len())
		case *types.ZSet:
			z, n = o, int64(o.Len())
		default:
			return sortResult{errMsg: errWrongType}
		}
		if e.Type != store.TypeList && e.Type != store.TypeSet && e.Type != store.TypeZSet {
			return sortResult{errMsg: errWrongType}
		}
	}
	// A set has no order of its own: stored results are sorted, as in Redis.
	if r.dontSort && s != nil && r.hasStore {
		r.dontSort, r.alpha, r.by = false, true, nil
	}
	start, end := sortSpan(&r, n)
	items := make([]sortItem, 0, max(0, min(n, end-start+1, 1<<16)))
	switch {
	case l != nil && r.dontSort:
		if end >= start {
			want := int(end - start + 1)
			if r.desc {
				for i, v := range l.Backward() {
					if int64(i) > n-1-start {
						continue
					}
					if len(items) == want {
						break
					}
					items = append(items, sortItem{obj: bytes.Clone(v)})
				}
			} else {
				for v := range l.Range(int(start), int(end)) {
					items = append(items, sortItem{obj: bytes.Clone(v)})
				}
			}
			start, end = 0, end-start
		}
	case z != nil && r.dontSort:
		if end >= start {
			want := int(end - start + 1)
			first := int(start)
			z.Range(first, r.desc, func(m []byte, _ float64) bool {
				items = append(items, sortItem{obj: bytes.Clone(m)})
				return len(items) < want
			})
			start, end = 0, end-start
		}
	case l != nil:
		for _, v := range l.All() {
			items = append(items, sortItem{obj: bytes.Clone(v)})
		}
	case s != nil:
		for v := range s.All() {
			items = append(items, sortItem{obj: bytes.Clone(v)})
		}
	case z != nil:
		z.Range(0, false, func(m []byte, _ float64) bool {
			items = append(items, sortItem{obj: bytes.Clone(m)})
			return true
		})
	}
	if !r.dontSort {
		if errMsg := sortItems(c, &r, items); errMsg != "" {
			return sortResult{errMsg: errMsg}
		}
	}
	var out [][]byte
	for j := start; j <= end && j < int64(len(items)); j++ {
		obj := items[j].obj
		if len(r.gets) == 0 {
			out = append(out, obj)
			continue
		}
		for _, g := range r.gets {
			v, ok, errMsg := sortLookup(c, g, obj)
			if errMsg != "" {
				return sortResult{errMsg: errMsg}
			}
			if !ok {
				v = nil
			} else if v == nil {
				v = []byte{}
			}
			out = append(out, v)
		}
	}
	return sortResult{vals: out}
}

// sortItems loads the sort keys and sorts: numerically by strtod of the
// element or BY value (a missing BY key counts as 0, ties compare the
// elements), or byte-wise with ALPHA (a missing BY key sorts first).
func sortItems(c *Ctx, r *sortReq, items []sortItem) string {
	for i := range items {
		by := items[i].obj
		if r.by != nil {
			v, ok, errMsg := sortLookup(c, r.by, items[i].obj)
			if errMsg != "" {
				return errMsg
			}
			if !ok {
				continue
			}
			by = v
		}
		if r.alpha {
			if r.by != nil {
				if by == nil {
					by = []byte{}
				}
				items[i].cmp = by
			}
			continue
		}
		f, n, erange := strtod(by)
		if (n != len(by) && by[n] != 0) || erange || math.IsNaN(f) {
			return "ERR One or more scores can't be converted into double"
		}
		items[i].score = f
	}
	cmp := func(a, b sortItem) int {
		var d int
		switch {
		case !r.alpha:
			switch {
			case a.score > b.score:
				d = 1
			case a.score < b.score:
				d = -1
			default:
				d = bytes.Compare(a.obj, b.obj)
			}
		case r.by != nil:
			switch {
			case a.cmp == nil && b.cmp == nil:
			case a.cmp == nil:
				d = -1
			case b.cmp == nil:
				d = 1
			default:
				d = bytes.Compare(a.cmp, b.cmp)
			}
		default:
			d = bytes.Compare(a.obj, b.obj)
		}
		if r.desc {
			return -d
		}
		return d
	}
	slices.SortStableFunc(items, cmp)
	return ""
}

// storeSort replaces dst with the list of vals (a GET of a missing key
// stores ""), or deletes it when there is nothing to store; logged as DEL
// plus RPUSH.
func storeSort(c *Ctx, dst []byte, vals [][]byte) {
	if len(vals) == 0 {
		if c.Delete(dst) {
			c.Effect(delWord, dst)
			c.Notify(config.NotifyGeneric, "del", dst)
		}
		c.W.Int(0)
		return
	}
	l := types.NewList(c.S.srv.config().ListMaxListpackSize)
	push := make([][]byte, 0, len(vals)+2)
	push = append(push, sortRpushWord, dst)
	for _, v := range vals {
		if v == nil {
			v = []byte{}
		}
		l.PushBack(v)
		push = append(push, v)
	}
	c.Set(dst, store.Entry{Type: store.TypeList, Obj: l})
	c.Dirty(len(vals) - 1)
	c.Effect(delWord, dst)
	c.Effect(push...)
	c.Notify(config.NotifyList, "sortstore", dst)
	c.W.Int(int64(len(vals)))
}

func writeSortResult(c *Ctx, res sortResult) {
	if res.errMsg != "" {
		c.Error(res.errMsg)
		return
	}
	c.W.Array(len(res.vals))
	for _, v := range res.vals {
		if v == nil {
			c.W.Null()
		} else {
			c.W.Bulk(v)
		}
	}
}

func cmdSort(c *Ctx) {
	r, errMsg := parseSort(c.Args, false)
	if errMsg != "" {
		c.Error(errMsg)
		return
	}
	res := runSort(c, c.Args[1], r)
	if !r.hasStore || res.errMsg != "" {
		writeSortResult(c, res)
		return
	}
	storeSort(c, r.store, res.vals)
}

func cmdSortRO(c *Ctx) {
	r, errMsg := parseSort(c.Args, true)
	if errMsg != "" {
		c.Error(errMsg)
		return
	}
	writeSortResult(c, runSort(c, c.Args[1], r))
}

// multiSort is SORT ... STORE with the destination on another shard: the
// sort runs on the source's shard, the copy is stored on the destination's.
func multiSort(m *Multi) {
	r, errMsg := parseSort(m.Args, false)
	if errMsg != "" {
		m.W.Error(errMsg)
		return
	}
	src := m.Args[1]
	res := m.On(m.srv.shardOf(src), func(c *Ctx) any { return runSort(c, src, r) }).(sortResult)
	switch {
	case res.errMsg != "":
		m.W.Error(res.errMsg)
		return
	case !r.hasStore: // sortKeys saw a STORE that parseSort did not take
		m.W.Error(errCrossSlot)
		return
	}
	reply := m.On(m.srv.shardOf(r.store), func(c *Ctx) any {
		storeSort(c, r.store, res.vals)
		c.S.touch(c.DBi, r.store)
		return append([]byte(nil), c.W.Bytes()...)
	}).([]byte)
	m.W.Raw(reply)
}
