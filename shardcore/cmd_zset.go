package shardcore

import (
	"bytes"
	"fmt"
	"math"
	"slices"

	"github.com/keeldb/keel/rdb"
	"github.com/keeldb/keel/shardcore/config"
	"github.com/keeldb/keel/shardcore/resp"
	"github.com/keeldb/keel/shardcore/store"
	"github.com/keeldb/keel/shardcore/types"
)

func init() {
	const wdf = FlagWrite | FlagDenyOOM | FlagFast
	const rof = FlagReadonly | FlagFast
	zc := func(name string, arity int, flags Flags, since, summary string, fn func(*Ctx)) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, FirstKey: 1, LastKey: 1, Group: "sorted-set", Since: since, Summary: summary, Fn: fn}
	}
	register(
		zc("zadd", -4, wdf, "1.2.0", "Add one or more members to a sorted set, or update its score if it already exists", cmdZadd),
		zc("zincrby", 4, wdf, "1.2.0", "Increment the score of a member in a sorted set", cmdZincrby),
		zc("zrem", -3, FlagWrite|FlagFast, "1.2.0", "Remove one or more members from a sorted set", cmdZrem),
		zc("zcard", 2, rof, "1.2.0", "Get the number of members in a sorted set", cmdZcard),
		zc("zscore", 3, rof, "1.2.0", "Get the score associated with the given member in a sorted set", cmdZscore),
		zc("zmscore", -3, rof, "6.2.0", "Get the score associated with the given members in a sorted set", cmdZmscore),
		zc("zrank", 3, rof, "2.0.0", "Determine the index of a member in a sorted set", cmdZrank(false)),
		zc("zrevrank", 3, rof, "2.0.0", "Determine the index of a member in a sorted set, with scores ordered from high to low", cmdZrank(true)),
		zc("zcount", 4, rof, "2.0.0", "Count the members in a sorted set with scores within the given values", cmdZcount),
		zc("zlexcount", 4, rof, "2.8.9", "Count the number of members in a sorted set between a given lexicographical range", cmdZlexcount),
		zc("zrange", -4, FlagReadonly, "1.2.0", "Return a range of members in a sorted set", zrangeCmd(zrAuto, false)),
		zc("zrevrange", -4, FlagReadonly, "1.2.0", "Return a range of members in a sorted set, by index, with scores ordered from high to low", zrangeCmd(zrRank, true)),
		zc("zrangebyscore", -4, FlagReadonly, "1.0.5", "Return a range of members in a sorted set, by score", zrangeCmd(zrScore, false)),
		zc("zrevrangebyscore", -4, FlagReadonly, "2.2.0", "Return a range of members in a sorted set, by score, with scores ordered from high to low", zrangeCmd(zrScore, true)),
		zc("zrangebylex", -4, FlagReadonly, "2.8.9", "Return a range of members in a sorted set, by lexicographical range", zrangeCmd(zrLex, false)),
		zc("zrevrangebylex", -4, FlagReadonly, "2.8.9", "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.", zrangeCmd(zrLex, true)),
		&Command{Name: "zrangestore", Arity: -5, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 2, Group: "sorted-set", Since: "6.2.0", Summary: "Store a range of members from sorted set into another key", Fn: cmdZrangestore, Multi: multiZrangestore},
		zc("zremrangebyrank", 4, FlagWrite, "2.0.0", "Remove all members in a sorted set within the given indexes", zremrangeCmd(zrRank)),
		zc("zremrangebyscore", 4, FlagWrite, "1.2.0", "Remove all members in a sorted set within the given scores", zremrangeCmd(zrScore)),
		zc("zremrangebylex", 4, FlagWrite, "2.8.9", "Remove all members in a sorted set between the given lexicographical range", zremrangeCmd(zrLex)),
		zc("zpopmin", -2, FlagWrite|FlagFast, "5.0.0", "Remove and return members with the lowest scores in a sorted set", cmdZpop(false)),
		zc("zpopmax", -2, FlagWrite|FlagFast, "5.0.0", "Remove and return members with the highest scores in a sorted set", cmdZpop(true)),
		&Command{Name: "zmpop", Arity: -4, Flags: FlagWrite, Keys: numkeysPositions(1), Group: "sorted-set", Since: "7.0.0", Summary: "Remove and return members with scores in a sorted set", Fn: cmdZmpop, Multi: multiZmpop},
		zc("zrandmember", -2, FlagReadonly, "6.2.0", "Get one or multiple random elements from a sorted set", cmdZrandmember),
		&Command{Name: "zunion", Arity: -3, Flags: FlagReadonly, Keys: numkeysPositions(1), Group: "sorted-set", Since: "6.2.0", Summary: "Add multiple sorted sets", Fn: zsetOpCmd(opUnion, false), Multi: zsetOpMulti(opUnion, false)},
		&Command{Name: "zinter", Arity: -3, Flags: FlagReadonly, Keys: numkeysPositions(1), Group: "sorted-set", Since: "6.2.0", Summary: "Intersect multiple sorted sets", Fn: zsetOpCmd(opInter, false), Multi: zsetOpMulti(opInter, false)},
		&Command{Name: "zdiff", Arity: -3, Flags: FlagReadonly, Keys: numkeysPositions(1), Group: "sorted-set", Since: "6.2.0", Summary: "Subtract multiple sorted sets", Fn: zsetOpCmd(opDiff, false), Multi: zsetOpMulti(opDiff, false)},
		&Command{Name: "zunionstore", Arity: -4, Flags: FlagWrite | FlagDenyOOM, Keys: dstNumkeysPositions, Group: "sorted-set", Since: "2.0.0", Summary: "Add multiple sorted sets and store the resulting sorted set in a new key", Fn: zsetOpCmd(opUnion, true), Multi: zsetOpMulti(opUnion, true)},
		&Command{Name: "zinterstore", Arity: -4, Flags: FlagWrite | FlagDenyOOM, Keys: dstNumkeysPositions, Group: "sorted-set", Since: "2.0.0", Summary: "Intersect multiple sorted sets and store the resulting sorted set in a new key", Fn: zsetOpCmd(opInter, true), Multi: zsetOpMulti(opInter, true)},
		&Command{Name: "zdiffstore", Arity: -4, Flags: FlagWrite | FlagDenyOOM, Keys: dstNumkeysPositions, Group: "sorted-set", Since: "6.2.0", Summary: "Subtract multiple sorted sets and store the resulting sorted set in a new key", Fn: zsetOpCmd(opDiff, true), Multi: zsetOpMulti(opDiff, true)},
		&Command{Name: "zintercard", Arity: -3, Flags: FlagReadonly, Keys: numkeysPositions(1), Group: "sorted-set", Since: "7.0.0", Summary: "Intersect multiple sorted sets and return the cardinality of the result", Fn: cmdZintercard, Multi: multiZintercard},
		zc("zscan", -3, FlagReadonly, "2.8.0", "Incrementally iterate sorted sets elements and associated scores", cmdZscan),
	)
	restoreFuncs[store.TypeZSet] = func(key []byte, obj any) [][][]byte {
		z, ok := obj.(*types.ZSet)
		if !ok {
			return nil
		}
		recs := [][][]byte{{delWord, key}}
		return append(recs, zaddRecords(key, zsetItems(z, true))...)
	}
	rdbCodecs[store.TypeZSet] = rdbCodec{kind: rdb.KindZSet, toRDB: zsetToRDB, fromRDB: zsetFromRDB}
}

func zsetToRDB(obj any) (rdb.Value, error) {
	z, ok := obj.(*types.ZSet)
	if !ok {
		return rdb.Value{}, fmt.Errorf("zset value of type %T", obj)
	}
	var cp copier
	ms := make([]rdb.ZMember, 0, z.Len())
	z.Range(0, false, func(m []byte, s float64) bool {
		ms = append(ms, rdb.ZMember{Member: cp.copy(m), Score: s})
		return true
	})
	return rdb.Value{Kind: rdb.KindZSet, ZSet: ms}, nil
}

func zsetFromRDB(v *rdb.Value, cfg *config.Config) (any, error) {
	if len(v.ZSet) == 0 {
		return nil, nil
	}
	lim := zsetLimitsOf(cfg)
	// Redis loads a skiplist and packs it if it fits: one that does not fit
	// is a skiplist from the start, keeping scores of -0.
	z := types.NewZSet()
	if len(v.ZSet) > lim.MaxListpackEntries || slices.ContainsFunc(v.ZSet, func(m rdb.ZMember) bool { return len(m.Member) > lim.MaxListpackValue }) {
		z = types.NewZSetSkiplist()
	}
	for _, m := range v.ZSet {
		if math.IsNaN(m.Score) {
			return nil, fmt.Errorf("zset member %q has a NaN score", m.Member)
		}
		if !z.Set(m.Member, m.Score, lim) {
			return nil, fmt.Errorf("duplicate zset member %q", m.Member)
		}
	}
	return z, nil
}

// Words of the effects sorted-set commands log in place of their arguments.
var (
	zsetZaddWord = []byte("ZADD")
	zsetZremWord = []byte("ZREM")
)

// zsetEffectBatch bounds the members of one logged ZADD/ZREM record.
const zsetEffectBatch = 512

const (
	errZMinMaxFloat = "ERR min or max is not a float"
	errZLexRange    = "ERR min or max not valid string range item"
	errZNaN         = "ERR resulting score is not a number (NaN)"
)

// zitem is one member with its score.
type zitem struct {
	m []byte
	s float64
}

// dstNumkeysPositions: "dst numkeys key..." (ZUNIONSTORE and friends).
func dstNumkeysPositions(args [][]byte) []int {
	return append([]int{1}, numkeysPositions(2)(args)...)
}

func zsetLimitsOf(cfg *config.Config) types.ZSetLimits {
	return types.ZSetLimits{MaxListpackEntries: int(cfg.ZsetMaxListpackEntries), MaxListpackValue: int(cfg.ZsetMaxListpackValue)}
}

func zsetLimits(c *Ctx) types.ZSetLimits { return zsetLimitsOf(c.S.srv.config()) }

// lookupZSet finds key's sorted set: (nil, true) when the key is missing,
// ok=false after a WRONGTYPE reply.
func lookupZSet(c *Ctx, key []byte, write bool) (*types.ZSet, bool) {
	return lookupObj[*types.ZSet](c, key, store.TypeZSet, write)
}

// zsetItems returns the members of z in order (copies when clone is set).
func zsetItems(z *types.ZSet, clone bool) []zitem {
	out := make([]zitem, 0, z.Len())
	z.Range(0, false, func(m []byte, s float64) bool {
		if clone {
			m = bytes.Clone(m)
		}
		out = append(out, zitem{m, s})
		return true
	})
	return out
}

// appendScore renders a score as a logged ZADD argument: "%.17g", which
// parses back to the same double.
func appendScore(dst []byte, s float64) []byte { return resp.AppendDouble(dst, s) }

// zaddRecords returns ZADD key s m ... records rebuilding items.
func zaddRecords(key []byte, items []zitem) [][][]byte {
	var recs [][][]byte
	for len(items) > 0 {
		n := min(len(items), zsetEffectBatch)
		rec := make([][]byte, 0, 2+2*n)
		rec = append(rec, zsetZaddWord, key)
		for _, it := range items[:n] {
			rec = append(rec, appendScore(nil, it.s), it.m)
		}
		recs = append(recs, rec)
		items = items[n:]
	}
	return recs
}

// zremRecords returns ZREM key m ... records for items.
func zremRecords(key []byte, items []zitem) [][][]byte {
	var recs [][][]byte
	for len(items) > 0 {
		n := min(len(items), zsetEffectBatch)
		rec := make([][]byte, 0, 2+n)
		rec = append(rec, zsetZremWord, key)
		for _, it := range items[:n] {
			rec = append(rec, it.m)
		}
		recs = append(recs, rec)
		items = items[n:]
	}
	return recs
}

func effectAll(c *Ctx, recs [][][]byte) {
	for _, r := range recs {
		c.Effect(r...)
	}
}

// writeItems replies items as Redis's range commands do: members only, or
// with scores (RESP2 flat, RESP3 [member, score] pairs).
func writeItems(w *resp.Writer, items []zitem, withScores bool) {
	writeItemsHeader(w, len(items), withScores)
	for _, it := range items {
		if withScores && w.Proto > 2 {
			w.Array(2)
		}
		w.Bulk(it.m)
		if withScores {
			w.Double(it.s)
		}
	}
}

// writeItemsHeader is the array header of a reply of n items.
func writeItemsHeader(w *resp.Writer, n int, withScores bool) {
	if withScores && w.Proto <= 2 {
		n *= 2
	}
	w.Array(n)
}

// ZADD / ZINCRBY

const (
	zaddNX = 1 << iota
	zaddXX
	zaddGT
	zaddLT
	zaddCH
	zaddIncr
)

func cmdZadd(c *Ctx) { zaddGeneric(c, 0) }

func cmdZincrby(c *Ctx) { zaddGeneric(c, zaddIncr) }

// zaddGeneric is Redis's zaddGenericCommand: flags come from ZINCRBY or
// from the options before the score/member pairs.
func zaddGeneric(c *Ctx, flags int) {
	key := c.Args[1]
	idx := 2
	for ; idx < len(c.Args); idx++ {
		a := c.Args[idx]
		switch {
		case strOptIs(a, "nx"):
			flags |= zaddNX
		case strOptIs(a, "xx"):
			flags |= zaddXX
		case strOptIs(a, "gt"):
			flags |= zaddGT
		case strOptIs(a, "lt"):
			flags |= zaddLT
		case strOptIs(a, "ch"):
			flags |= zaddCH
		case strOptIs(a, "incr"):
			flags |= zaddIncr
		default:
			goto done
		}
	}
done:
	elems := len(c.Args) - idx
	incr := flags&zaddIncr != 0
	nx, xx, gt, lt := flags&zaddNX != 0, flags&zaddXX != 0, flags&zaddGT != 0, flags&zaddLT != 0
	switch {
	case elems%2 != 0 || elems == 0:
		c.Error(errSyntax)
		return
	case nx && xx:
		c.Error("ERR XX and NX options at the same time are not compatible")
		return
	case (gt && nx) || (lt && nx) || (gt && lt):
		c.Error("ERR GT, LT, and/or NX options at the same time are not compatible")
		return
	case incr && elems > 2:
		c.Error("ERR INCR option supports a single increment-element pair")
		return
	}
	n := elems / 2
	var sbuf [8]float64 // most ZADDs carry a few pairs: no allocation
	scores := sbuf[:0]
	if n > len(sbuf) {
		scores = make([]float64, 0, n)
	}
	scores = scores[:n]
	for i := range scores {
		s, ok := ParseFloat(c.Args[idx+2*i])
		if !ok {
			c.Error(errNotFloat)
			return
		}
		scores[i] = s
	}
	z, ok := lookupZSet(c, key, true)
	if !ok {
		return
	}
	if z == nil && xx {
		if incr {
			c.W.Null()
		} else {
			c.W.Int(0)
		}
		return
	}
	created := z == nil
	if created {
		z = types.NewZSet()
	}
	lim := zsetLimits(c)
	added, updated, processed := 0, 0, 0
	var last float64
	for i := 0; i < n; i++ {
		m := c.Args[idx+2*i+1]
		s := scores[i]
		cur, exists := z.Score(m)
		if !exists {
			if xx {
				continue
			}
			z.Set(m, s, lim)
			added++
			processed++
			last = s
			continue
		}
		if nx {
			continue
		}
		if incr {
			if s += cur; math.IsNaN(s) {
				c.Error(errZNaN)
				return
			}
		}
		if (lt && s >= cur) || (gt && s <= cur) {
			continue
		}
		last = s
		processed++
		if s != cur {
			z.Set(m, s, lim)
			updated++
		}
	}
	if created && z.Len() > 0 {
		c.Set(key, store.Entry{Type: store.TypeZSet, Obj: z})
	}
	c.Dirty(added + updated)
	if added+updated > 0 {
		event := "zadd"
		if incr {
			event = "zincr"
		}
		c.Notify(config.NotifyZset, event, key)
	}
	if incr {
		if processed == 0 {
			c.W.Null()
			return
		}
		c.W.Double(last)
		if added+updated > 0 {
			c.Effect(zsetZaddWord, key, appendScore(nil, last), c.Args[idx+1])
		}
		return
	}
	if flags&zaddCH != 0 {
		c.W.Int(int64(added + updated))
		return
	}
	c.W.Int(int64(added))
}

func cmdZrem(c *Ctx) {
	key := c.Args[1]
	z, ok := lookupZSet(c, key, true)
	if !ok {
		return
	}
	if z == nil {
		c.W.Int(0)
		return
	}
	removeElements(c, key, z.Remove, z.Len, config.NotifyZset, "zrem")
}

func cmdZcard(c *Ctx) {
	z, ok := lookupZSet(c, c.Args[1], false)
	if !ok {
		return
	}
	if z == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(z.Len()))
}

func cmdZscore(c *Ctx) {
	z, ok := lookupZSet(c, c.Args[1], false)
	if !ok {
		return
	}
	if z != nil {
		if s, found := z.Score(c.Args[2]); found {
			c.W.Double(s)
			return
		}
	}
	c.W.Null()
}

func cmdZmscore(c *Ctx) {
	z, ok := lookupZSet(c, c.Args[1], false)
	if !ok {
		return
	}
	c.W.Array(len(c.Args) - 2)
	for _, m := range c.Args[2:] {
		if z != nil {
			if s, found := z.Score(m); found {
				c.W.Double(s)
				continue
			}
		}
		c.W.Null()
	}
}

func cmdZrank(rev bool) func(c *Ctx) {
	return func(c *Ctx) {
		z, ok := lookupZSet(c, c.Args[1], false)
		if !ok {
			return
		}
		if z != nil {
			if r, _, found := z.Rank(c.Args[2]); found {
				if rev {
					r = z.Len() - 1 - r
				}
				c.W.Int(int64(r))
				return
			}
		}
		c.W.Null()
	}
}

// Ranges.

// zrangeKind is how a range is given: by rank, score or lex.
type zrangeKind int

const (
	zrAuto zrangeKind = iota
	zrRank
	zrScore
	zrLex
)

// zbound is one end of a score or lex range. For lex, inf is -1 for "-"
// and +1 for "+".
type zbound struct {
	score float64
	lex   []byte
	inf   int
	excl  bool
}

// parseScoreBound reads a score bound as zslParseRange: "(" makes it
// exclusive, the rest goes through strtod (so the empty string is 0).
func parseScoreBound(b []byte) (zbound, bool) {
	var z zbound
	if len(b) > 0 && b[0] == '(' {
		z.excl = true
		b = b[1:]
	}
	s, ok := ParseScoreBound(b)
	z.score = s
	return z, ok
}

func parseLexBound(b []byte) (zbound, bool) {
	switch {
	case len(b) == 0:
		return zbound{}, false
	case b[0] == '+' && len(b) == 1:
		return zbound{inf: 1}, true
	case b[0] == '-' && len(b) == 1:
		return zbound{inf: -1}, true
	case b[0] == '(':
		return zbound{lex: b[1:], excl: true}, true
	case b[0] == '[':
		return zbound{lex: b[1:]}, true
	}
	return zbound{}, false
}

// parseRange parses min and max for a score or lex range, returning the
// error to reply when they are invalid.
func parseRange(kind zrangeKind, minArg, maxArg []byte) (lo, hi zbound, errMsg string) {
	var ok1, ok2 bool
	if kind == zrScore {
		lo, ok1 = parseScoreBound(minArg)
		hi, ok2 = parseScoreBound(maxArg)
		if !ok1 || !ok2 {
			return lo, hi, errZMinMaxFloat
		}
		return lo, hi, ""
	}
	lo, ok1 = parseLexBound(minArg)
	hi, ok2 = parseLexBound(maxArg)
	if !ok1 || !ok2 {
		return lo, hi, errZLexRange
	}
	return lo, hi, ""
}

// boundRanks returns the ascending ranks [from, to) of the members within
// lo..hi.
func boundRanks(z *types.ZSet, kind zrangeKind, lo, hi zbound) (int, int) {
	var from, to int
	if kind == zrScore {
		from = z.ScoreRank(lo.score, lo.excl)
		to = z.ScoreRank(hi.score, !hi.excl)
	} else {
		from = lexRank(z, lo, true)
		to = lexRank(z, hi, false)
	}
	return from, max(from, to)
}

// lexRank is the number of members before a lex bound: as a minimum, those
// excluded by it; as a maximum, those included.
func lexRank(z *types.ZSet, b zbound, isMin bool) int {
	switch b.inf {
	case -1:
		return 0
	case 1:
		return z.Len()
	}
	if isMin {
		return z.LexRank(b.lex, b.excl)
	}
	return z.LexRank(b.lex, !b.excl)
}

// rankSpan normalises Redis's start/end rank arguments to [from, to).
func rankSpan(start, end int64, n int) (int, int) {
	ln := int64(n)
	if start < 0 {
		start += ln
	}
	if end < 0 {
		end += ln
	}
	start = max(start, 0)
	if start > end || start >= ln {
		return 0, 0
	}
	end = min(end, ln-1)
	return int(start), int(end) + 1
}

// zrangeReq is a parsed ZRANGE-family request.
type zrangeReq struct {
	kind          zrangeKind
	rev           bool
	withScores    bool
	start, end    int64
	lo, hi        zbound
	offset, limit int64
}

// parseZrange follows zrangeGenericCommand: options after src min max,
// conflicts, then the range itself. argStart is src's index.
func parseZrange(args [][]byte, argStart int, kind zrangeKind, rev, storeForm bool) (zrangeReq, string) {
	r := zrangeReq{kind: kind, rev: rev, limit: -1}
	autoDir := kind == zrAuto
	for j := argStart + 3; j < len(args); j++ {
		left := len(args) - j - 1
		a := args[j]
		switch {
		case !storeForm && strOptIs(a, "withscores"):
			r.withScores = true
		case strOptIs(a, "limit") && left >= 2:
			var ok1, ok2 bool
			r.offset, ok1 = ParseInt(args[j+1])
			if !ok1 {
				return r, errNotInt
			}
			r.limit, ok2 = ParseInt(args[j+2])
			if !ok2 {
				return r, errNotInt
			}
			j += 2
		case autoDir && !r.rev && strOptIs(a, "rev"):
			r.rev = true
		case kind == zrAuto && r.kind == zrAuto && strOptIs(a, "bylex"):
			r.kind = zrLex
		case kind == zrAuto && r.kind == zrAuto && strOptIs(a, "byscore"):
			r.kind = zrScore
		default:
			return r, errSyntax
		}
	}
	if r.kind == zrAuto {
		r.kind = zrRank
	}
	if r.limit != -1 && r.kind == zrRank {
		return r, "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
	}
	if r.withScores && r.kind == zrLex {
		return r, "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
	}
	minArg, maxArg := args[argStart+1], args[argStart+2]
	if r.rev && r.kind != zrRank {
		minArg, maxArg = maxArg, minArg
	}
	if r.kind == zrRank {
		var ok1, ok2 bool
		r.start, ok1 = ParseInt(minArg)
		r.end, ok2 = ParseInt(maxArg)
		if !ok1 || !ok2 {
			return r, errNotInt
		}
		return r, ""
	}
	var errMsg string
	r.lo, r.hi, errMsg = parseRange(r.kind, minArg, maxArg)
	return r, errMsg
}

// bounds returns the rank the request's reply starts from (counted from
// the top when rev) and how many members it holds.
func (r *zrangeReq) bounds(z *types.ZSet) (start, count int) {
	if z == nil {
		return 0, 0
	}
	n := z.Len()
	var from, to int
	if r.kind == zrRank {
		from, to = rankSpan(r.start, r.end, n)
	} else {
		from, to = boundRanks(z, r.kind, r.lo, r.hi)
	}
	count = to - from
	start = from
	if r.rev && r.kind != zrRank {
		start = n - to // rank ranges already count from the top
	}
	if r.kind != zrRank {
		if r.offset < 0 || r.offset >= int64(count) {
			return 0, 0
		}
		start += int(r.offset)
		count -= int(r.offset)
		if r.limit >= 0 {
			count = int(min(int64(count), r.limit))
		}
	}
	return start, max(count, 0)
}

// each calls fn with the members the request selects, in reply order; they
// alias z.
func (r *zrangeReq) each(z *types.ZSet, start, count int, fn func(m []byte, s float64)) {
	if count <= 0 {
		return
	}
	z.Range(start, r.rev, func(m []byte, s float64) bool {
		fn(m, s)
		count--
		return count > 0
	})
}

// collect returns the members the request selects, in reply order; they
// alias z (or are copies when clone is set).
func (r *zrangeReq) collect(z *types.ZSet, clone bool) []zitem {
	start, count := r.bounds(z)
	if count == 0 {
		return nil
	}
	out := make([]zitem, 0, count)
	r.each(z, start, count, func(m []byte, s float64) {
		if clone {
			m = bytes.Clone(m)
		}
		out = append(out, zitem{m, s})
	})
	return out
}

func zrangeCmd(kind zrangeKind, rev bool) func(c *Ctx) {
	return func(c *Ctx) {
		r, errMsg := parseZrange(c.Args, 1, kind, rev, false)
		if errMsg != "" {
			c.Error(errMsg)
			return
		}
		z, ok := lookupZSet(c, c.Args[1], false)
		if !ok {
			return
		}
		// Written straight from the set: a reply of many members costs no
		// copy of them.
		start, count := r.bounds(z)
		w := c.W
		writeItemsHeader(w, count, r.withScores)
		pairs := r.withScores && w.Proto > 2
		r.each(z, start, count, func(m []byte, s float64) {
			if pairs {
				w.Array(2)
			}
			w.Bulk(m)
			if r.withScores {
				w.Double(s)
			}
		})
	}
}

// storeZsetResult replaces dst with the items (deleting it when there are
// none), clearing any TTL, and logs DEL dst plus ZADDs rebuilding it.
func storeZsetResult(c *Ctx, dst []byte, items []zitem, event string) int {
	if len(items) == 0 {
		if c.Delete(dst) {
			c.Effect(delWord, dst)
			c.Notify(config.NotifyGeneric, "del", dst)
		}
		return 0
	}
	// Built as a skiplist and then packed if it fits, as Redis stores
	// results: a large one keeps scores of -0.
	z := types.NewZSetSkiplist()
	lim := zsetLimits(c)
	for _, it := range items {
		z.Set(it.m, it.s, lim)
	}
	z.Compact(lim)
	c.Set(dst, store.Entry{Type: store.TypeZSet, Obj: z})
	items = zsetItems(z, false)
	c.Effect(delWord, dst)
	effectAll(c, zaddRecords(dst, items))
	c.Notify(config.NotifyZset, event, dst)
	return len(items)
}

func cmdZrangestore(c *Ctx) {
	r, errMsg := parseZrange(c.Args, 2, zrAuto, false, true)
	if errMsg != "" {
		c.Error(errMsg)
		return
	}
	z, ok := lookupZSet(c, c.Args[2], false)
	if !ok {
		return
	}
	c.W.Int(int64(storeZsetResult(c, c.Args[1], r.collect(z, true), "zrangestore")))
}

// multiZrangestore copies the range out of the source's shard and stores
// it on the destination's.
func multiZrangestore(m *Multi) {
	r, errMsg := parseZrange(m.Args, 2, zrAuto, false, true)
	if errMsg != "" {
		m.W.Error(errMsg)
		return
	}
	dst, src := m.Args[1], m.Args[2]
	type result struct {
		items []zitem
		wrong bool
	}
	res := m.On(m.srv.shardOf(src), func(c *Ctx) any {
		z, ok := lookupZSet(c, src, false)
		if !ok {
			return result{wrong: true}
		}
		return result{items: r.collect(z, true)}
	}).(result)
	if res.wrong {
		m.W.Error(errWrongType)
		return
	}
	n := m.On(m.srv.shardOf(dst), func(c *Ctx) any {
		return storeZsetResult(c, dst, res.items, "zrangestore")
	}).(int)
	m.W.Int(int64(n))
}

func zremrangeCmd(kind zrangeKind) func(c *Ctx) {
	event := map[zrangeKind]string{zrRank: "zremrangebyrank", zrScore: "zremrangebyscore", zrLex: "zremrangebylex"}[kind]
	return func(c *Ctx) {
		key := c.Args[1]
		var from, to int
		var start, end int64
		var lo, hi zbound
		if kind == zrRank {
			var ok1, ok2 bool
			start, ok1 = ParseInt(c.Args[2])
			end, ok2 = ParseInt(c.Args[3])
			if !ok1 || !ok2 {
				c.Error(errNotInt)
				return
			}
		} else {
			var errMsg string
			lo, hi, errMsg = parseRange(kind, c.Args[2], c.Args[3])
			if errMsg != "" {
				c.Error(errMsg)
				return
			}
		}
		z, ok := lookupZSet(c, key, true)
		if !ok {
			return
		}
		if z == nil {
			c.W.Int(0)
			return
		}
		if kind == zrRank {
			from, to = rankSpan(start, end, z.Len())
		} else {
			from, to = boundRanks(z, kind, lo, hi)
		}
		removed := z.RemoveRange(from, to)
		if removed > 0 {
			c.Dirty(removed)
			c.Notify(config.NotifyZset, event, key)
			if z.Len() == 0 {
				c.Delete(key)
				c.Notify(config.NotifyGeneric, "del", key)
			}
		}
		c.W.Int(int64(removed))
	}
}

// Pops.

// zpopGeneric pops up to count members of key's sorted set, the lowest
// scores first (highest when max), deleting the key once empty and
// logging ZREM of what went. It writes no reply: ok=false only after a
// WRONGTYPE reply; a missing key gives (nil, true). The members are copies.
// Blocking pops (BZPOPMIN/BZPOPMAX/BZMPOP) serve their clients through it.
func zpopGeneric(c *Ctx, key []byte, max bool, count int) ([]zitem, bool) {
	z, ok := lookupZSet(c, key, true)
	if !ok || z == nil || count <= 0 {
		return nil, ok
	}
	items := make([]zitem, 0, min(count, z.Len()))
	z.Range(0, max, func(m []byte, s float64) bool {
		items = append(items, zitem{bytes.Clone(m), s})
		return len(items) < count
	})
	for _, it := range items {
		z.Remove(it.m)
	}
	c.Dirty(len(items))
	c.S.touch(c.DBi, key)
	event := "zpopmin"
	if max {
		event = "zpopmax"
	}
	c.Notify(config.NotifyZset, event, key)
	if z.Len() == 0 {
		c.Delete(key)
		c.Notify(config.NotifyGeneric, "del", key)
	}
	effectAll(c, zremRecords(key, items))
	return items, true
}

// writeZpopReply replies as ZPOPMIN/ZPOPMAX: a flat member, score list
// (RESP3 with a count: [member, score] pairs).
func writeZpopReply(w *resp.Writer, items []zitem, withCount bool) {
	if withCount && w.Proto > 2 {
		writeItems(w, items, true)
		return
	}
	w.Array(2 * len(items))
	for _, it := range items {
		w.Bulk(it.m)
		w.Double(it.s)
	}
}

// writeZmpopReply replies as ZMPOP/BZMPOP: [key, [[member, score] ...]].
func writeZmpopReply(w *resp.Writer, key []byte, items []zitem) {
	w.Array(2)
	w.Bulk(key)
	w.Array(len(items))
	for _, it := range items {
		w.Array(2)
		w.Bulk(it.m)
		w.Double(it.s)
	}
}

func cmdZpop(max bool) func(c *Ctx) {
	return func(c *Ctx) {
		if len(c.Args) > 3 {
			c.Error(errSyntax)
			return
		}
		count := int64(1)
		withCount := len(c.Args) == 3
		if withCount {
			var ok bool
			if count, ok = positiveArg(c, c.Args[2], ""); !ok {
				return
			}
		}
		items, ok := zpopGeneric(c, c.Args[1], max, int(min(count, math.MaxInt32)))
		if !ok {
			return
		}
		writeZpopReply(c.W, items, withCount)
	}
}

// zmpopArgs parses "numkeys key... MIN|MAX [COUNT n]".
func zmpopArgs(args [][]byte) (keys [][]byte, max bool, count int64, errMsg string) {
	n, ok := ParseInt(args[1])
	if !ok || n < 1 {
		return nil, false, 0, errNumkeys
	}
	if n >= int64(len(args)) {
		return nil, false, 0, errSyntax
	}
	where := 2 + n
	if where >= int64(len(args)) {
		return nil, false, 0, errSyntax
	}
	switch {
	case strOptIs(args[where], "min"):
	case strOptIs(args[where], "max"):
		max = true
	default:
		return nil, false, 0, errSyntax
	}
	count = -1
	for j := int(where) + 1; j < len(args); j++ {
		if count == -1 && strOptIs(args[j], "count") && j+1 < len(args) {
			j++
			if count, ok = ParseInt(args[j]); !ok || count < 1 {
				return nil, false, 0, "ERR count should be greater than 0"
			}
			continue
		}
		return nil, false, 0, errSyntax
	}
	if count == -1 {
		count = 1
	}
	return args[2:where], max, count, ""
}

func cmdZmpop(c *Ctx) {
	keys, max, count, errMsg := zmpopArgs(c.Args)
	if errMsg != "" {
		c.Error(errMsg)
		return
	}
	for _, k := range keys {
		items, ok := zpopGeneric(c, k, max, int(min(count, math.MaxInt32)))
		if !ok {
			return
		}
		if items != nil {
			writeZmpopReply(c.W, k, items)
			return
		}
	}
	c.W.NullArray()
}

// multiZmpop pops from the first non-empty key, in key order, each on its
// own shard; a wrong type before it stops the command.
func multiZmpop(m *Multi) {
	keys, max, count, errMsg := zmpopArgs(m.Args)
	if errMsg != "" {
		m.W.Error(errMsg)
		return
	}
	type result struct {
		items []zitem
		wrong bool
	}
	for _, k := range keys {
		k := k
		r := m.On(m.srv.shardOf(k), func(c *Ctx) any {
			var w resp.Writer
			saved := c.W
			c.W = &w
			items, ok := zpopGeneric(c, k, max, int(min(count, math.MaxInt32)))
			c.W = saved
			return result{items: items, wrong: !ok}
		}).(result)
		if r.wrong {
			m.W.Error(errWrongType)
			return
		}
		if r.items != nil {
			writeZmpopReply(&m.W, k, r.items)
			return
		}
	}
	m.W.NullArray()
}

func cmdZrandmember(c *Ctx) {
	if len(c.Args) > 4 || (len(c.Args) == 4 && !strOptIs(c.Args[3], "withscores")) {
		c.Error(errSyntax)
		return
	}
	if len(c.Args) == 2 {
		z, ok := lookupZSet(c, c.Args[1], false)
		if !ok {
			return
		}
		if z == nil {
			c.W.Null()
			return
		}
		m, _ := z.Random()
		c.W.Bulk(m)
		return
	}
	count, ok := randCountArg(c, c.Args[2])
	if !ok {
		return
	}
	withScores := len(c.Args) == 4
	if withScores && (count < -math.MaxInt64/2 || count > math.MaxInt64/2) {
		c.Error("ERR value is out of range")
		return
	}
	z, ok := lookupZSet(c, c.Args[1], false)
	if !ok {
		return
	}
	if z == nil || count == 0 {
		c.W.Array(0)
		return
	}
	distinct := count > 0
	n := int(min(count, math.MaxInt32))
	if !distinct {
		n = int(min(-count, math.MaxInt32))
	} else {
		n = min(n, z.Len())
	}
	if withScores && c.Proto() <= 2 {
		c.W.Array(2 * n)
	} else {
		c.W.Array(n)
	}
	z.Sample(n, distinct, func(m []byte, s float64) {
		if withScores && c.Proto() > 2 {
			c.W.Array(2)
		}
		c.W.Bulk(m)
		if withScores {
			c.W.Double(s)
		}
	})
}

// Set operations over sorted sets (plain sets count as scores of 1).

// storeEvent is the keyspace event of the operation's STORE form.
func (op setOp) storeEvent() string {
	switch op {
	case opUnion:
		return "zunionstore"
	case opInter:
		return "zinterstore"
	}
	return "zdiffstore"
}

// zsrc is one operand of ZUNION/ZINTER/ZDIFF: a sorted set, a set, or
// neither (a missing key).
type zsrc struct {
	z      *types.ZSet
	s      *types.Set
	weight float64
}

func (o *zsrc) len() int {
	switch {
	case o.z != nil:
		return o.z.Len()
	case o.s != nil:
		return o.s.Len()
	}
	return 0
}

func (o *zsrc) score(m []byte) (float64, bool) {
	switch {
	case o.z != nil:
		return o.z.Score(m)
	case o.s != nil && o.s.Has(m):
		return 1, true
	}
	return 0, false
}

func (o *zsrc) each(fn func(m []byte, s float64)) {
	switch {
	case o.z != nil:
		o.z.Range(0, false, func(m []byte, s float64) bool { fn(m, s); return true })
	case o.s != nil:
		for m := range o.s.All() {
			fn(m, 1)
		}
	}
}

const (
	aggSum = iota
	aggMin
	aggMax
)

func aggregate(target *float64, v float64, agg int) {
	switch agg {
	case aggSum:
		*target += v
		if math.IsNaN(*target) {
			*target = 0
		}
	case aggMin: // C comparisons: a NaN operand never wins
		if v < *target {
			*target = v
		}
	case aggMax:
		if v > *target {
			*target = v
		}
	}
}

// zopReq is a parsed ZUNION/ZINTER/ZDIFF request.
type zopReq struct {
	keys       [][]byte
	weights    []float64
	agg        int
	withScores bool
	limit      int64  // ZINTERCARD's LIMIT
	optErr     string // reported after the keys' types are checked
}

// parseZop follows zunionInterDiffGenericCommand; numkeys errors are
// returned at once, option errors in optErr (Redis checks the keys first).
// card selects ZINTERCARD's options (LIMIT only).
func parseZop(args [][]byte, numIdx int, op setOp, storeForm, card bool, name string) (zopReq, string) {
	var r zopReq
	n, ok := ParseInt(args[numIdx])
	if !ok {
		return r, errNotInt
	}
	if n < 1 {
		return r, "ERR at least 1 input key is needed for '" + name + "' command"
	}
	if n > int64(len(args)-numIdx-1) {
		return r, errSyntax
	}
	r.keys = args[numIdx+1 : numIdx+1+int(n)]
	r.weights = make([]float64, n)
	for i := range r.weights {
		r.weights[i] = 1
	}
	for j := numIdx + 1 + int(n); j < len(args); {
		remaining := len(args) - j
		switch {
		case card && remaining >= 2 && strOptIs(args[j], "limit"):
			l, ok := ParseInt(args[j+1])
			if !ok || l < 0 {
				r.optErr = "ERR LIMIT can't be negative"
				return r, ""
			}
			r.limit = l
			j += 2
		case !card && op != opDiff && remaining >= int(n)+1 && strOptIs(args[j], "weights"):
			j++
			for i := range r.weights {
				w, ok := ParseFloat(args[j])
				if !ok {
					r.optErr = "ERR weight value is not a float"
					return r, ""
				}
				r.weights[i] = w
				j++
			}
		case !card && op != opDiff && remaining >= 2 && strOptIs(args[j], "aggregate"):
			switch a := args[j+1]; {
			case strOptIs(a, "sum"):
				r.agg = aggSum
			case strOptIs(a, "min"):
				r.agg = aggMin
			case strOptIs(a, "max"):
				r.agg = aggMax
			default:
				r.optErr = errSyntax
				return r, ""
			}
			j += 2
		case !card && !storeForm && strOptIs(args[j], "withscores"):
			r.withScores = true
			j++
		default:
			r.optErr = errSyntax
			return r, ""
		}
	}
	return r, ""
}

// run computes the operation; the result is a new sorted set whose members
// are copies.
func (r *zopReq) run(op setOp, srcs []zsrc, lim types.ZSetLimits) *types.ZSet {
	for i := range srcs {
		srcs[i].weight = r.weights[i]
	}
	// A skiplist, as Redis builds the result: replies keep scores of -0.
	res := types.NewZSetSkiplist()
	if op == opDiff {
		first := &srcs[0]
		first.each(func(m []byte, s float64) {
			for i := 1; i < len(srcs); i++ {
				if _, in := srcs[i].score(m); in {
					return
				}
			}
			res.Set(m, s, lim)
		})
		return res
	}
	// Smallest first, as Redis orders its operands.
	srcs = slices.Clone(srcs)
	slices.SortStableFunc(srcs, func(a, b zsrc) int { return a.len() - b.len() })
	weighted := func(o *zsrc, s float64) float64 {
		v := o.weight * s
		if math.IsNaN(v) {
			return 0
		}
		return v
	}
	if op == opInter {
		if srcs[0].len() == 0 {
			return res
		}
		srcs[0].each(func(m []byte, s float64) {
			score := weighted(&srcs[0], s)
			for i := 1; i < len(srcs); i++ {
				v, in := srcs[i].score(m)
				if !in {
					return
				}
				// Only the first operand's product is cleared of NaN,
				// as Redis does: inf*0 here leaves the sum NaN, then 0.
				aggregate(&score, srcs[i].weight*v, r.agg)
			}
			res.Set(m, score, lim)
		})
		return res
	}
	acc := map[string]float64{}
	var order []string
	for i := range srcs {
		srcs[i].each(func(m []byte, s float64) {
			v := weighted(&srcs[i], s)
			if cur, ok := acc[string(m)]; ok {
				aggregate(&cur, v, r.agg)
				acc[string(m)] = cur
				return
			}
			acc[string(m)] = v
			order = append(order, string(m))
		})
	}
	for _, m := range order {
		res.Set([]byte(m), acc[m], lim)
	}
	return res
}

// lookupZsrc reads key as a sorted set or a set; ok=false after WRONGTYPE.
func lookupZsrc(c *Ctx, key []byte) (zsrc, bool) {
	e, found := c.Read(key)
	if !found {
		return zsrc{}, true
	}
	switch e.Type {
	case store.TypeZSet:
		if z, ok := e.Obj.(*types.ZSet); ok {
			return zsrc{z: z}, true
		}
	case store.TypeSet:
		if s, ok := e.Obj.(*types.Set); ok {
			return zsrc{s: s}, true
		}
	}
	c.Error(errWrongType)
	return zsrc{}, false
}

func zsetOpCmd(op setOp, storeForm bool) func(c *Ctx) {
	return func(c *Ctx) {
		numIdx := 1
		if storeForm {
			numIdx = 2
		}
		r, errMsg := parseZop(c.Args, numIdx, op, storeForm, false, lower(c.Args[0]))
		if errMsg != "" {
			c.Error(errMsg)
			return
		}
		srcs := make([]zsrc, len(r.keys))
		for i, k := range r.keys {
			var ok bool
			if srcs[i], ok = lookupZsrc(c, k); !ok {
				return
			}
		}
		if r.optErr != "" {
			c.Error(r.optErr)
			return
		}
		lim := zsetLimits(c)
		res := r.run(op, srcs, lim)
		if storeForm {
			c.W.Int(int64(storeZsetResult(c, c.Args[1], zsetItems(res, false), op.storeEvent())))
			return
		}
		writeItems(c.W, zsetItems(res, false), r.withScores)
	}
}

// gatherZsrcs copies every operand out of its shard (types are checked
// first, so nothing is copied for a WRONGTYPE reply).
func gatherZsrcs(m *Multi, keys [][]byte) ([]zsrc, bool) {
	owner := make([]*Shard, len(keys))
	for i, k := range keys {
		owner[i] = m.srv.shardOf(k)
	}
	wrong := false
	for _, r := range m.Each(func(c *Ctx) any {
		for i, k := range keys {
			if owner[i] != c.S {
				continue
			}
			if e, found := c.Peek(k); found && e.Type != store.TypeZSet && e.Type != store.TypeSet {
				return true
			}
		}
		return false
	}) {
		wrong = wrong || r.(bool)
	}
	if wrong {
		return nil, false
	}
	srcs := make([]zsrc, len(keys))
	for _, r := range m.Each(func(c *Ctx) any {
		copies := map[int]zsrc{}
		for i, k := range keys {
			if owner[i] != c.S {
				continue
			}
			o, _ := lookupZsrc(c, k)
			switch {
			case o.z != nil:
				o.z = o.z.Copy().(*types.ZSet)
			case o.s != nil:
				o.s = o.s.Copy().(*types.Set)
			}
			copies[i] = o
		}
		return copies
	}) {
		for i, o := range r.(map[int]zsrc) {
			srcs[i] = o
		}
	}
	return srcs, true
}

func zsetOpMulti(op setOp, storeForm bool) func(m *Multi) {
	return func(m *Multi) {
		numIdx := 1
		if storeForm {
			numIdx = 2
		}
		r, errMsg := parseZop(m.Args, numIdx, op, storeForm, false, lower(m.Args[0]))
		if errMsg != "" {
			m.W.Error(errMsg)
			return
		}
		srcs, ok := gatherZsrcs(m, r.keys)
		if !ok {
			m.W.Error(errWrongType)
			return
		}
		if r.optErr != "" {
			m.W.Error(r.optErr)
			return
		}
		res := r.run(op, srcs, zsetLimitsOf(m.srv.config()))
		items := zsetItems(res, false)
		if !storeForm {
			writeItems(&m.W, items, r.withScores)
			return
		}
		dst := m.Args[1]
		n := m.On(m.srv.shardOf(dst), func(c *Ctx) any {
			return storeZsetResult(c, dst, items, op.storeEvent())
		}).(int)
		m.W.Int(int64(n))
	}
}

func zinterCard(srcs []zsrc, limit int64) int64 {
	slices.SortStableFunc(srcs, func(a, b zsrc) int { return a.len() - b.len() })
	var n int64
	if srcs[0].len() == 0 {
		return 0
	}
	srcs[0].each(func(m []byte, _ float64) {
		if limit != 0 && n >= limit {
			return
		}
		for i := 1; i < len(srcs); i++ {
			if _, in := srcs[i].score(m); !in {
				return
			}
		}
		n++
	})
	return n
}

func cmdZintercard(c *Ctx) {
	r, errMsg := parseZop(c.Args, 1, opInter, false, true, "zintercard")
	if errMsg != "" {
		c.Error(errMsg)
		return
	}
	srcs := make([]zsrc, len(r.keys))
	for i, k := range r.keys {
		var ok bool
		if srcs[i], ok = lookupZsrc(c, k); !ok {
			return
		}
	}
	if r.optErr != "" {
		c.Error(r.optErr)
		return
	}
	c.W.Int(zinterCard(srcs, r.limit))
}

func multiZintercard(m *Multi) {
	r, errMsg := parseZop(m.Args, 1, opInter, false, true, "zintercard")
	if errMsg != "" {
		m.W.Error(errMsg)
		return
	}
	srcs, ok := gatherZsrcs(m, r.keys)
	if !ok {
		m.W.Error(errWrongType)
		return
	}
	if r.optErr != "" {
		m.W.Error(r.optErr)
		return
	}
	m.W.Int(zinterCard(srcs, r.limit))
}

func cmdZcount(c *Ctx) {
	zcountGeneric(c, zrScore)
}

func cmdZlexcount(c *Ctx) {
	zcountGeneric(c, zrLex)
}

func zcountGeneric(c *Ctx, kind zrangeKind) {
	lo, hi, errMsg := parseRange(kind, c.Args[2], c.Args[3])
	if errMsg != "" {
		c.Error(errMsg)
		return
	}
	z, ok := lookupZSet(c, c.Args[1], false)
	if !ok {
		return
	}
	if z == nil {
		c.W.Int(0)
		return
	}
	from, to := boundRanks(z, kind, lo, hi)
	c.W.Int(int64(to - from))
}

func cmdZscan(c *Ctx) {
	cursor, ok := parseScanCursor(c.Args[2])
	if !ok {
		c.Error("ERR invalid cursor")
		return
	}
	z, ok := lookupZSet(c, c.Args[1], false)
	if !ok {
		return
	}
	if z == nil {
		emptyScanReply(c)
		return
	}
	count, pattern, ok := collScanOpts(c)
	if !ok {
		return
	}
	var body resp.Writer
	body.Proto = c.Proto()
	n := 0
	var tmp [32]byte
	next := z.Scan(cursor, count, func(m []byte, s float64) {
		if pattern != nil && !config.GlobMatch(pattern, m, false) {
			return
		}
		body.Bulk(m)
		body.Bulk(resp.AppendDouble(tmp[:0], s))
		n += 2
	})
	scanReply(c, next, n, &body)
}
