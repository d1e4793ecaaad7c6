package shardcore

import (
	"bytes"
	"slices"

	"github.com/keeldb/keel/shardcore/config"
	"github.com/keeldb/keel/shardcore/resp"
	"github.com/keeldb/keel/shardcore/store"
	"github.com/keeldb/keel/shardcore/types"
)

func init() {
	const wdf = FlagWrite | FlagDenyOOM | FlagFast
	const rof = FlagReadonly | FlagFast
	register(
		&Command{Name: "sadd", Arity: -3, Flags: wdf, FirstKey: 1, LastKey: 1, Group: "set", Since: "1.0.0", Summary: "Add one or more members to a set", Fn: cmdSadd},
		&Command{Name: "srem", Arity: -3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Group: "set", Since: "1.0.0", Summary: "Remove one or more members from a set", Fn: cmdSrem},
		&Command{Name: "scard", Arity: 2, Flags: rof, FirstKey: 1, LastKey: 1, Group: "set", Since: "1.0.0", Summary: "Get the number of members in a set", Fn: cmdScard},
		&Command{Name: "sismember", Arity: 3, Flags: rof, FirstKey: 1, LastKey: 1, Group: "set", Since: "1.0.0", Summary: "Determine if a given value is a member of a set", Fn: cmdSismember},
		&Command{Name: "smismember", Arity: -3, Flags: rof, FirstKey: 1, LastKey: 1, Group: "set", Since: "6.2.0", Summary: "Returns the membership associated with the given elements for a set", Fn: cmdSmismember},
		&Command{Name: "smembers", Arity: 2, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Group: "set", Since: "1.0.0", Summary: "Get all the members in a set", Fn: cmdSmembers},
		&Command{Name: "spop", Arity: -2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Group: "set", Since: "1.0.0", Summary: "Remove and return one or multiple random members from a set", Fn: cmdSpop},
		&Command{Name: "srandmember", Arity: -2, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Group: "set", Since: "1.0.0", Summary: "Get one or multiple random members from a set", Fn: cmdSrandmember},
		&Command{Name: "smove", Arity: 4, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 2, Group: "set", Since: "1.0.0", Summary: "Move a member from one set to another", Fn: cmdSmove, Multi: multiSmove},
		&Command{Name: "sinter", Arity: -2, Flags: FlagReadonly, FirstKey: 1, LastKey: -1, Group: "set", Since: "1.0.0", Summary: "Intersect multiple sets", Fn: setOpCmd(opInter, false), Multi: setOpMulti(opInter, false)},
		&Command{Name: "sintercard", Arity: -3, Flags: FlagReadonly, Keys: numkeysPositions(1), Group: "set", Since: "7.0.0", Summary: "Intersect multiple sets and return the cardinality of the result", Fn: cmdSintercard, Multi: multiSintercard},
		&Command{Name: "sunion", Arity: -2, Flags: FlagReadonly, FirstKey: 1, LastKey: -1, Group: "set", Since: "1.0.0", Summary: "Add multiple sets", Fn: setOpCmd(opUnion, false), Multi: setOpMulti(opUnion, false)},
		&Command{Name: "sdiff", Arity: -2, Flags: FlagReadonly, FirstKey: 1, LastKey: -1, Group: "set", Since: "1.0.0", Summary: "Subtract multiple sets", Fn: setOpCmd(opDiff, false), Multi: setOpMulti(opDiff, false)},
		&Command{Name: "sinterstore", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: -1, Group: "set", Since: "1.0.0", Summary: "Intersect multiple sets and store the resulting set in a key", Fn: setOpCmd(opInter, true), Multi: setOpMulti(opInter, true)},
		&Command{Name: "sunionstore", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: -1, Group: "set", Since: "1.0.0", Summary: "Add multiple sets and store the resulting set in a key", Fn: setOpCmd(opUnion, true), Multi: setOpMulti(opUnion, true)},
		&Command{Name: "sdiffstore", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: -1, Group: "set", Since: "1.0.0", Summary: "Subtract multiple sets and store the resulting set in a key", Fn: setOpCmd(opDiff, true), Multi: setOpMulti(opDiff, true)},
		&Command{Name: "sscan", Arity: -3, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Group: "set", Since: "2.8.0", Summary: "Incrementally iterate Set elements", Fn: cmdSscan},
	)
}

// Words of the effects set commands log in place of their arguments.
var (
	setSaddWord = []byte("SADD")
	setSremWord = []byte("SREM")
)

// setEffectBatch bounds the members of one logged SADD/SREM record.
const setEffectBatch = 1024

// lookupSet finds key's set: (nil, true) when the key is missing, ok=false
// after a WRONGTYPE reply.
func lookupSet(c *Ctx, key []byte, write bool) (*types.Set, bool) {
	return lookupObj[*types.Set](c, key, store.TypeSet, write)
}

func setLimitsOf(cfg *config.Config) types.SetLimits {
	return types.SetLimits{
		MaxIntsetEntries:   int(cfg.SetMaxIntsetEntries),
		MaxListpackEntries: int(cfg.SetMaxListpackEntries),
		MaxListpackValue:   int(cfg.SetMaxListpackValue),
	}
}

func setLimits(c *Ctx) types.SetLimits { return setLimitsOf(c.S.srv.config()) }

func cmdSadd(c *Ctx) {
	key := c.Args[1]
	s, ok := lookupSet(c, key, true)
	if !ok {
		return
	}
	if s == nil {
		s = types.NewSet()
		c.Set(key, store.Entry{Type: store.TypeSet, Obj: s})
	}
	lim := setLimits(c)
	added := 0
	for _, m := range c.Args[2:] {
		if s.Add(m, lim) {
			added++
		}
	}
	c.Dirty(added)
	if added > 0 {
		c.Notify(config.NotifySet, "sadd", key)
	}
	c.W.Int(int64(added))
}

func cmdSrem(c *Ctx) {
	key := c.Args[1]
	s, ok := lookupSet(c, key, true)
	if !ok {
		return
	}
	if s == nil {
		c.W.Int(0)
		return
	}
	removeElements(c, key, s.Remove, s.Len, config.NotifySet, "srem")
}

// removeElements is HDEL, SREM and ZREM once the collection is found:
// remove each of c.Args[2:], stop once it is empty (as Redis) and delete
// the key, then reply how many were removed.
func removeElements(c *Ctx, key []byte, remove func([]byte) bool, size func() int, class int, event string) {
	removed := 0
	for _, m := range c.Args[2:] {
		if remove(m) {
			removed++
			if size() == 0 {
				break
			}
		}
	}
	c.Dirty(removed)
	if removed == 0 {
		c.W.Int(0)
		return
	}
	c.Notify(class, event, key)
	if size() == 0 {
		c.Delete(key)
		c.Notify(config.NotifyGeneric, "del", key)
	}
	c.W.Int(int64(removed))
}

func cmdScard(c *Ctx) {
	s, ok := lookupSet(c, c.Args[1], false)
	if !ok {
		return
	}
	if s == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(s.Len()))
}

func cmdSismember(c *Ctx) {
	s, ok := lookupSet(c, c.Args[1], false)
	if !ok {
		return
	}
	if s != nil && s.Has(c.Args[2]) {
		c.W.Int(1)
		return
	}
	c.W.Int(0)
}

func cmdSmismember(c *Ctx) {
	s, ok := lookupSet(c, c.Args[1], false)
	if !ok {
		return
	}
	c.W.Array(len(c.Args) - 2)
	for _, m := range c.Args[2:] {
		if s != nil && s.Has(m) {
			c.W.Int(1)
		} else {
			c.W.Int(0)
		}
	}
}

func cmdSmembers(c *Ctx) {
	s, ok := lookupSet(c, c.Args[1], false)
	if !ok {
		return
	}
	if s == nil {
		c.W.Set(0)
		return
	}
	c.W.Set(s.Len())
	for m := range s.All() {
		c.W.Bulk(m)
	}
}

// setMembersCopy returns a copy of every member of s.
func setMembersCopy(s *types.Set) [][]byte {
	ms := make([][]byte, 0, s.Len())
	for m := range s.All() {
		ms = append(ms, bytes.Clone(m))
	}
	return ms
}

// logSetMembers logs word key m... for the members, in bounded records.
func logSetMembers(c *Ctx, word, key []byte, ms [][]byte) {
	for len(ms) > 0 {
		n := min(len(ms), setEffectBatch)
		args := make([][]byte, 0, n+2)
		args = append(args, word, key)
		args = append(args, ms[:n]...)
		c.Effect(args...)
		ms = ms[n:]
	}
}

// cmdSpop pops random members; the effect is SREM of what was popped (DEL
// when the whole set went, as Redis propagates it), never the random SPOP.
func cmdSpop(c *Ctx) {
	if len(c.Args) > 3 {
		c.Error(errSyntax)
		return
	}
	key := c.Args[1]
	if len(c.Args) == 2 {
		s, ok := lookupSet(c, key, true)
		if !ok {
			return
		}
		if s == nil {
			c.W.Null()
			return
		}
		m := bytes.Clone(s.Random())
		s.Remove(m)
		c.Dirty(1)
		c.Notify(config.NotifySet, "spop", key)
		if s.Len() == 0 {
			c.Delete(key)
			c.Notify(config.NotifyGeneric, "del", key)
		}
		c.W.Bulk(m)
		c.Effect(setSremWord, key, m)
		return
	}
	count, ok := positiveArg(c, c.Args[2], "")
	if !ok {
		return
	}
	s, ok := lookupSet(c, key, true)
	if !ok {
		return
	}
	if s == nil || count == 0 {
		c.W.Set(0)
		return
	}
	if count >= int64(s.Len()) {
		c.W.Set(s.Len())
		for m := range s.All() {
			c.W.Bulk(m)
		}
		c.Delete(key)
		c.Dirty(s.Len() - 1)
		c.Effect(delWord, key)
		c.Notify(config.NotifySet, "spop", key)
		c.Notify(config.NotifyGeneric, "del", key)
		return
	}
	// Copies: intset members are formatted into a reused buffer.
	picked := make([][]byte, 0, count)
	s.Sample(int(count), true, func(m []byte) { picked = append(picked, bytes.Clone(m)) })
	c.W.Set(len(picked))
	for _, m := range picked {
		s.Remove(m)
		c.W.Bulk(m)
	}
	c.Dirty(len(picked))
	logSetMembers(c, setSremWord, key, picked)
	c.Notify(config.NotifySet, "spop", key)
}

func cmdSrandmember(c *Ctx) {
	if len(c.Args) > 3 {
		c.Error(errSyntax)
		return
	}
	if len(c.Args) == 2 {
		s, ok := lookupSet(c, c.Args[1], false)
		if !ok {
			return
		}
		if s == nil {
			c.W.Null()
			return
		}
		c.W.Bulk(s.Random())
		return
	}
	count, ok := randCountArg(c, c.Args[2])
	if !ok {
		return
	}
	s, ok := lookupSet(c, c.Args[1], false)
	if !ok {
		return
	}
	if s == nil || count == 0 {
		c.W.Array(0)
		return
	}
	distinct := count > 0
	n := int(count)
	if !distinct {
		n = int(-count)
	} else {
		n = min(n, s.Len())
	}
	c.W.Array(n)
	s.Sample(n, distinct, func(m []byte) { c.W.Bulk(m) })
}

// cmdSmove serves SMOVE when both keys live on this shard (its arguments
// are then a deterministic effect).
func cmdSmove(c *Ctx) {
	src, dst, member := c.Args[1], c.Args[2], c.Args[3]
	srcEnt, srcFound := c.Write(src)
	dstEnt, dstFound := c.Write(dst)
	if !srcFound {
		c.W.Int(0)
		return
	}
	ss, sok := srcEnt.Obj.(*types.Set)
	if srcEnt.Type != store.TypeSet || !sok {
		c.Error(errWrongType)
		return
	}
	var ds *types.Set
	if dstFound {
		var dok bool
		ds, dok = dstEnt.Obj.(*types.Set)
		if dstEnt.Type != store.TypeSet || !dok {
			c.Error(errWrongType)
			return
		}
	}
	if ss == ds {
		if ss.Has(member) {
			c.W.Int(1)
		} else {
			c.W.Int(0)
		}
		return
	}
	if !ss.Remove(member) {
		c.W.Int(0)
		return
	}
	c.Dirty(1)
	if ss.Len() == 0 {
		c.Delete(src)
	}
	if ds == nil {
		ds = types.NewSet()
		c.Set(dst, store.Entry{Type: store.TypeSet, Obj: ds})
	}
	if ds.Add(member, setLimits(c)) {
		c.Dirty(1)
	}
	c.W.Int(1)
}

// multiSmove runs SMOVE across shards: the destination's type is checked,
// the source removes (logging SREM), then the destination adds (logging
// SADD when the member is new there), signalling WATCH on each change.
func multiSmove(m *Multi) {
	src, dst := m.Args[1], m.Args[2]
	member := m.Args[3]
	srcSh, dstSh := m.srv.shardOf(src), m.srv.shardOf(dst)
	dstStatus := m.On(dstSh, func(c *Ctx) any {
		if _, ok := lookupSet(c, dst, true); !ok {
			return moveWrongType
		}
		return moveOK
	}).(moveStatus)
	type result struct {
		status  moveStatus
		removed bool
	}
	r := m.On(srcSh, func(c *Ctx) any {
		s, ok := lookupSet(c, src, true)
		switch {
		case ok && s == nil:
			return result{status: moveMissing}
		case !ok || dstStatus == moveWrongType:
			return result{status: moveWrongType}
		}
		if !s.Remove(member) {
			return result{status: moveOK}
		}
		c.Dirty(1)
		c.S.touch(c.DBi, src)
		if s.Len() == 0 {
			c.Delete(src)
		}
		c.Effect(setSremWord, src, member)
		return result{status: moveOK, removed: true}
	}).(result)
	switch {
	case r.status == moveWrongType:
		m.W.Error(errWrongType)
		return
	case !r.removed:
		m.W.Int(0)
		return
	}
	m.On(dstSh, func(c *Ctx) any {
		s, _ := lookupSet(c, dst, true)
		if s == nil {
			s = types.NewSet()
			c.Set(dst, store.Entry{Type: store.TypeSet, Obj: s})
		}
		if s.Add(member, setLimits(c)) {
			c.Dirty(1)
			c.S.touch(c.DBi, dst)
			c.Effect(setSaddWord, dst, member)
		}
		return nil
	})
	m.W.Int(1)
}

// setOp names SINTER, SUNION or SDIFF.
type setOp int

const (
	opInter setOp = iota
	opUnion
	opDiff
)

// run computes the operation over its operands (nil: a missing key) and
// calls emit for each member of the result until emit returns false.
// Members are valid during the call only.
func (op setOp) run(sets []*types.Set, lim types.SetLimits, emit func(m []byte) bool) {
	switch op {
	case opInter:
		setInter(sets, emit)
	case opUnion:
		setUnion(sets, lim, emit)
	default:
		setDiff(sets, emit)
	}
}

// setInter iterates the smallest set and keeps what every other set holds.
func setInter(sets []*types.Set, emit func(m []byte) bool) {
	if slices.Contains(sets, nil) {
		return
	}
	sets = slices.Clone(sets)
	slices.SortStableFunc(sets, func(a, b *types.Set) int { return a.Len() - b.Len() })
	for m := range sets[0].All() {
		in := true
		for _, o := range sets[1:] {
			if o != sets[0] && !o.Has(m) {
				in = false
				break
			}
		}
		if in && !emit(m) {
			return
		}
	}
}

func setUnion(sets []*types.Set, lim types.SetLimits, emit func(m []byte) bool) {
	acc := types.NewSet()
	for _, s := range sets {
		if s == nil {
			continue
		}
		for m := range s.All() {
			acc.Add(m, lim)
		}
	}
	for m := range acc.All() {
		if !emit(m) {
			return
		}
	}
}

func setDiff(sets []*types.Set, emit func(m []byte) bool) {
	first := sets[0]
	if first == nil || slices.Contains(sets[1:], first) {
		return
	}
	for m := range first.All() {
		in := false
		for _, o := range sets[1:] {
			if o != nil && o.Has(m) {
				in = true
				break
			}
		}
		if !in && !emit(m) {
			return
		}
	}
}

// lookupSets returns the sets at keys (nil for missing ones); ok=false
// after a WRONGTYPE reply for any of them (a wrong type wins over a
// missing key, as in Redis).
func lookupSets(c *Ctx, keys [][]byte) ([]*types.Set, bool) {
	sets := make([]*types.Set, len(keys))
	for i, k := range keys {
		s, ok := lookupSet(c, k, false)
		if !ok {
			return nil, false
		}
		sets[i] = s
	}
	return sets, true
}

// setOpCmd builds the single-shard handler of SINTER/SUNION/SDIFF and their
// STORE forms.
func setOpCmd(op setOp, storeForm bool) func(c *Ctx) {
	return func(c *Ctx) {
		keys := c.Args[1:]
		if storeForm {
			keys = c.Args[2:]
		}
		sets, ok := lookupSets(c, keys)
		if !ok {
			return
		}
		lim := setLimits(c)
		if storeForm {
			res := types.NewSet()
			op.run(sets, lim, func(m []byte) bool { res.Add(m, lim); return true })
			c.W.Int(int64(storeSetResult(c, c.Args[1], res)))
			return
		}
		var body resp.Writer
		n := 0
		op.run(sets, lim, func(m []byte) bool { body.Bulk(m); n++; return true })
		c.W.Set(n)
		c.W.Raw(body.Bytes())
	}
}

// storeSetResult replaces dst with res (deleting it when res is empty),
// clearing any TTL as Redis's setKey does, and logs DEL dst plus SADDs that
// rebuild res, so that replay does not depend on the source keys.
func storeSetResult(c *Ctx, dst []byte, res *types.Set) int {
	if res.Len() == 0 {
		if c.Delete(dst) {
			c.Effect(delWord, dst)
		}
		return 0
	}
	c.Set(dst, store.Entry{Type: store.TypeSet, Obj: res})
	c.Effect(delWord, dst)
	logSetMembers(c, setSaddWord, dst, setMembersCopy(res))
	return res.Len()
}

// gatherSets runs on every participant and returns, per key, a deep copy
// of its set (nil when missing), or ok=false when a key has another type.
// For an intersection a missing key means an empty result: nothing is
// copied then.
func gatherSets(m *Multi, keys [][]byte, inter bool) ([]*types.Set, bool) {
	owner := make([]*Shard, len(keys))
	for i, k := range keys {
		owner[i] = m.srv.shardOf(k)
	}
	type status struct{ missing, wrong bool }
	var all status
	for _, r := range m.Each(func(c *Ctx) any {
		var st status
		for i, k := range keys {
			if owner[i] != c.S {
				continue
			}
			s, ok := lookupSet(c, k, false)
			st.wrong = st.wrong || !ok
			st.missing = st.missing || (ok && s == nil)
		}
		return st
	}) {
		all.wrong = all.wrong || r.(status).wrong
		all.missing = all.missing || r.(status).missing
	}
	if all.wrong {
		return nil, false
	}
	if inter && all.missing {
		return make([]*types.Set, len(keys)), true
	}
	sets := make([]*types.Set, len(keys))
	for _, r := range m.Each(func(c *Ctx) any {
		copies := map[int]*types.Set{}
		for i, k := range keys {
			if owner[i] != c.S {
				continue
			}
			if s, _ := lookupSet(c, k, false); s != nil {
				copies[i] = s.Copy().(*types.Set)
			}
		}
		return copies
	}) {
		for i, s := range r.(map[int]*types.Set) {
			sets[i] = s
		}
	}
	// One key named twice is one set, as operands compare by identity.
	for i := range keys {
		for j := 0; j < i; j++ {
			if sets[i] != nil && bytes.Equal(keys[i], keys[j]) {
				sets[i] = sets[j]
				break
			}
		}
	}
	return sets, true
}

// setOpMulti builds the cross-shard handler: copies of the operands are
// gathered from their shards, the result is computed by the coordinator
// and, for the STORE forms, written on the destination's shard.
func setOpMulti(op setOp, storeForm bool) func(m *Multi) {
	return func(m *Multi) {
		keys := m.Args[1:]
		if storeForm {
			keys = m.Args[2:]
		}
		sets, ok := gatherSets(m, keys, op == opInter)
		if !ok {
			m.W.Error(errWrongType)
			return
		}
		lim := setLimitsOf(m.srv.config())
		if !storeForm {
			var body resp.Writer
			n := 0
			op.run(sets, lim, func(mb []byte) bool { body.Bulk(mb); n++; return true })
			m.W.Set(n)
			m.W.Raw(body.Bytes())
			return
		}
		res := types.NewSet()
		op.run(sets, lim, func(mb []byte) bool { res.Add(mb, lim); return true })
		dst := m.Args[1]
		n := m.On(m.srv.shardOf(dst), func(c *Ctx) any {
			return storeSetResult(c, dst, res)
		}).(int)
		m.W.Int(int64(n))
	}
}

// sintercardArgs parses "numkeys key... [LIMIT n]".
func sintercardArgs(args [][]byte) (keys [][]byte, limit int64, errMsg string) {
	n, ok := ParseInt(args[1])
	if !ok || n < 1 {
		return nil, 0, errNumkeys
	}
	if n > int64(len(args)-2) {
		return nil, 0, "ERR Number of keys can't be greater than number of args"
	}
	for j := 2 + int(n); j < len(args); j++ {
		if strOptIs(args[j], "limit") && j+1 < len(args) {
			j++
			if limit, ok = ParseInt(args[j]); !ok || limit < 0 {
				return nil, 0, "ERR LIMIT can't be negative"
			}
			continue
		}
		return nil, 0, errSyntax
	}
	return args[2 : 2+n], limit, ""
}

func interCard(sets []*types.Set, limit int64) int64 {
	var n int64
	setInter(sets, func([]byte) bool {
		n++
		return limit == 0 || n < limit
	})
	return n
}

func cmdSintercard(c *Ctx) {
	keys, limit, errMsg := sintercardArgs(c.Args)
	if errMsg != "" {
		c.Error(errMsg)
		return
	}
	sets, ok := lookupSets(c, keys)
	if !ok {
		return
	}
	c.W.Int(interCard(sets, limit))
}

func multiSintercard(m *Multi) {
	keys, limit, errMsg := sintercardArgs(m.Args)
	if errMsg != "" {
		m.W.Error(errMsg)
		return
	}
	sets, ok := gatherSets(m, keys, true)
	if !ok {
		m.W.Error(errWrongType)
		return
	}
	m.W.Int(interCard(sets, limit))
}

func cmdSscan(c *Ctx) {
	cursor, ok := parseScanCursor(c.Args[2])
	if !ok {
		c.Error("ERR invalid cursor")
		return
	}
	s, ok := lookupSet(c, c.Args[1], false)
	if !ok {
		return
	}
	if s == nil {
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
	next := s.Scan(cursor, count, func(mb []byte) {
		if pattern != nil && !config.GlobMatch(pattern, mb, false) {
			return
		}
		body.Bulk(mb)
		n++
	})
	scanReply(c, next, n, &body)
}
