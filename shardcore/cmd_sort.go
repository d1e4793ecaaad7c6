package shardcore

import (
	"bytes"
	"math"
	"slices"

	"github.com/keeldb/keel/shardcore/config"
	"github.com/keeldb/keel/shardcore/resp"
	"github.com/keeldb/keel/shardcore/store"
	"github.com/keeldb/keel/shardcore/types"
)

// SORT and SORT_RO follow Redis 7.0's sortCommandGeneric. The keys BY and
// GET patterns name are read wherever they live, as in a standalone Redis.
// When they may live off the sorted key's shard (sortSpreads), the call
// holds every shard and runs from a coordinator (multiSort): the elements
// are read on the sorted key's shard, each looked-up key on its own, all
// within the one transaction. Otherwise (always on a single-shard server)
// it runs inline on the key's shard. STORE to a key on another shard is a
// cross-shard write like any other.

func init() {
	register(
		&Command{Name: "sort", Arity: -2, Flags: FlagWrite | FlagDenyOOM, Keys: sortKeys, Group: "generic", Since: "1.0.0", Summary: "Sort the elements in a list, set or sorted set", Fn: cmdSort, Multi: multiSort, Spread: sortSpreads(false)},
		&Command{Name: "sort_ro", Arity: -2, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Group: "generic", Since: "7.0.0", Summary: "Sort the elements in a list, set or sorted set. Read-only variant of SORT.", Fn: cmdSortRO, Multi: multiSort, Spread: sortSpreads(true)},
	)
}

var sortRpushWord = []byte("RPUSH")

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

// sortPattern is a parsed BY or GET pattern (lookupKeyByPattern): "#" is
// the element itself; otherwise the first '*' takes the element, and
// "->field" after it reads a hash field. A pattern without '*' names no key.
type sortPattern struct {
	self, none     bool
	prefix, suffix []byte // the key is prefix + element + suffix
	field          []byte // non-nil: a field of the hash at that key
}

func parseSortPattern(p []byte) sortPattern {
	if len(p) == 1 && p[0] == '#' {
		return sortPattern{self: true}
	}
	star := bytes.IndexByte(p, '*')
	if star < 0 {
		return sortPattern{none: true}
	}
	sp := sortPattern{prefix: p[:star], suffix: p[star+1:]}
	if f := bytes.Index(sp.suffix, []byte("->")); f >= 0 && f+2 < len(sp.suffix) {
		sp.suffix, sp.field = sp.suffix[:f], sp.suffix[f+2:]
	}
	return sp
}

func (p *sortPattern) key(subst []byte) []byte {
	key := make([]byte, 0, len(p.prefix)+len(subst)+len(p.suffix))
	return append(append(append(key, p.prefix...), subst...), p.suffix...)
}

// sortRef is one key a pattern names for an element; sortVal what it holds.
type sortRef struct {
	key, field []byte
}

type sortVal struct {
	v  []byte
	ok bool
}

// sortResolver reads the keys of refs, in order, wherever they live.
type sortResolver func(refs []sortRef) []sortVal

// readSortRef reads one looked-up key on its shard: a string, or with a
// field that field of a hash; anything else is not found.
func readSortRef(c *Ctx, r sortRef) sortVal {
	e, found := c.Read(r.key)
	if !found {
		return sortVal{}
	}
	if r.field == nil {
		if e.Type != store.TypeString {
			return sortVal{}
		}
		return sortVal{bytes.Clone(e.Str), true}
	}
	h, isHash := e.Obj.(*types.Hash)
	if e.Type != store.TypeHash || !isHash {
		return sortVal{}
	}
	v, ok := h.Get(r.field)
	return sortVal{bytes.Clone(v), ok}
}

// localSortResolver reads every key on c's shard: the caller made sure
// they all live there.
func localSortResolver(c *Ctx) sortResolver {
	return func(refs []sortRef) []sortVal {
		out := make([]sortVal, len(refs))
		for i, r := range refs {
			out[i] = readSortRef(c, r)
		}
		return out
	}
}

// sortLookups resolves every pattern for every element, in Redis's order
// of reads: out[i*len(pats)+j] is pats[j] for objs[i].
func sortLookups(pats []sortPattern, objs [][]byte, resolve sortResolver) []sortVal {
	out := make([]sortVal, len(objs)*len(pats))
	var refs []sortRef
	var at []int
	for i, obj := range objs {
		for j := range pats {
			p, k := &pats[j], i*len(pats)+j
			switch {
			case p.self:
				out[k] = sortVal{obj, true}
			case !p.none:
				refs = append(refs, sortRef{key: p.key(obj), field: p.field})
				at = append(at, k)
			}
		}
	}
	if len(refs) > 0 {
		for n, v := range resolve(refs) {
			out[at[n]] = v
		}
	}
	return out
}

// sortSpreads is SORT's Command.Spread (readonly: SORT_RO's): whether a
// call's lookups may name keys off home, the sorted key's shard. Patterns
// whose part before the '*' holds a whole hash tag name keys of that tag's
// shard whatever the element; any other pattern may name keys anywhere.
func sortSpreads(readonly bool) func(srv *Server, home *Shard, args [][]byte) bool {
	return func(srv *Server, home *Shard, args [][]byte) bool {
		if len(srv.shards) == 1 {
			return false
		}
		r, errMsg := parseSort(args, readonly)
		if errMsg != "" {
			return false
		}
		if !r.dontSort && r.by != nil && !sortPatternHome(srv, home, r.by) {
			return true
		}
		for _, g := range r.gets {
			if !sortPatternHome(srv, home, g) {
				return true
			}
		}
		return false
	}
}

func sortPatternHome(srv *Server, home *Shard, pattern []byte) bool {
	p := parseSortPattern(pattern)
	if p.self || p.none {
		return true
	}
	open := bytes.IndexByte(p.prefix, '{')
	if open < 0 {
		return false
	}
	n := bytes.IndexByte(p.prefix[open+1:], '}')
	return n > 0 && srv.shardOf(p.prefix[open:open+n+2]) == home
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

// sortSource is the sorted key's elements, read on its shard: the items
// to sort and the range of them to output (BY without sorting: already
// just that range), with the request as the key's type adjusts it.
type sortSource struct {
	items      []sortItem
	start, end int64
	r          sortReq
	errMsg     string
}

func loadSort(c *Ctx, key []byte, r sortReq) sortSource {
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
			return sortSource{errMsg: errWrongType}
		}
		if e.Type != store.TypeList && e.Type != store.TypeSet && e.Type != store.TypeZSet {
			return sortSource{errMsg: errWrongType}
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
	return sortSource{items: items, start: start, end: end, r: r}
}

// finishSort sorts the elements and builds the output, reading the keys
// the patterns name through resolve.
func finishSort(src sortSource, resolve sortResolver) sortResult {
	if src.errMsg != "" {
		return sortResult{errMsg: src.errMsg}
	}
	r, items := &src.r, src.items
	if !r.dontSort {
		if errMsg := sortItems(r, items, resolve); errMsg != "" {
			return sortResult{errMsg: errMsg}
		}
	}
	var objs [][]byte
	for j := src.start; j <= src.end && j < int64(len(items)); j++ {
		objs = append(objs, items[j].obj)
	}
	if len(r.gets) == 0 {
		return sortResult{vals: objs}
	}
	pats := make([]sortPattern, len(r.gets))
	for i, g := range r.gets {
		pats[i] = parseSortPattern(g)
	}
	out := make([][]byte, 0, len(objs)*len(pats))
	for _, v := range sortLookups(pats, objs, resolve) {
		switch {
		case !v.ok:
			out = append(out, nil)
		case v.v == nil:
			out = append(out, []byte{})
		default:
			out = append(out, v.v)
		}
	}
	return sortResult{vals: out}
}

// runSort computes the output of a SORT of key whose lookups all stay on
// c's shard.
func runSort(c *Ctx, key []byte, r sortReq) sortResult {
	return finishSort(loadSort(c, key, r), localSortResolver(c))
}

// sortItems loads the sort keys and sorts: numerically by strtod of the
// element or BY value (a missing BY key counts as 0, ties compare the
// elements), or byte-wise with ALPHA (a missing BY key sorts first).
func sortItems(r *sortReq, items []sortItem, resolve sortResolver) string {
	var byVals []sortVal
	if r.by != nil {
		objs := make([][]byte, len(items))
		for i := range items {
			objs[i] = items[i].obj
		}
		byVals = sortLookups([]sortPattern{parseSortPattern(r.by)}, objs, resolve)
	}
	for i := range items {
		by := items[i].obj
		if byVals != nil {
			if !byVals[i].ok {
				continue
			}
			by = byVals[i].v
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

func writeSortResult(w *resp.Writer, res sortResult) {
	if res.errMsg != "" {
		w.Error(res.errMsg)
		return
	}
	w.Array(len(res.vals))
	for _, v := range res.vals {
		if v == nil {
			w.Null()
		} else {
			w.Bulk(v)
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
		writeSortResult(c.W, res)
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
	writeSortResult(c.W, runSort(c, c.Args[1], r))
}

// multiSort runs a SORT whose lookups or STORE reach other shards, with
// every shard they may touch held: the elements are read on the sorted
// key's shard, each looked-up key on its own, and the result is stored on
// the destination's.
func multiSort(m *Multi) {
	r, errMsg := parseSort(m.Args, m.Cmd.Flags&FlagWrite == 0)
	if errMsg != "" {
		m.W.Error(errMsg)
		return
	}
	src := m.Args[1]
	loaded := m.On(m.srv.shardOf(src), func(c *Ctx) any { return loadSort(c, src, r) }).(sortSource)
	res := finishSort(loaded, m.sortResolve)
	if !r.hasStore || res.errMsg != "" {
		writeSortResult(&m.W, res)
		return
	}
	reply := m.On(m.srv.shardOf(r.store), func(c *Ctx) any {
		storeSort(c, r.store, res.vals)
		c.S.touch(c.DBi, r.store)
		return append([]byte(nil), c.W.Bytes()...)
	}).([]byte)
	m.W.Raw(reply)
}

// sortResolve reads each key on its shard, the shards in parallel.
func (m *Multi) sortResolve(refs []sortRef) []sortVal {
	own := map[*Shard][]int{}
	for i, r := range refs {
		sh := m.srv.shardOf(r.key)
		own[sh] = append(own[sh], i)
	}
	out := make([]sortVal, len(refs))
	m.Each(func(c *Ctx) any {
		for _, i := range own[c.S] {
			out[i] = readSortRef(c, refs[i])
		}
		return nil
	})
	return out
}
