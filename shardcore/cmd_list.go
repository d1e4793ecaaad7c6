package shardcore

import (
	"bytes"
	"math"
	"strconv"

	"github.com/keeldb/keel/shardcore/config"
	"github.com/keeldb/keel/shardcore/store"
	"github.com/keeldb/keel/shardcore/types"
)

func init() {
	const wdf = FlagWrite | FlagDenyOOM | FlagFast
	register(
		&Command{Name: "lpush", Arity: -3, Flags: wdf, FirstKey: 1, LastKey: 1, Group: "list", Since: "1.0.0", Summary: "Prepend one or multiple elements to a list", Fn: func(c *Ctx) { listPush(c, true, false) }},
		&Command{Name: "rpush", Arity: -3, Flags: wdf, FirstKey: 1, LastKey: 1, Group: "list", Since: "1.0.0", Summary: "Append one or multiple elements to a list", Fn: func(c *Ctx) { listPush(c, false, false) }},
		&Command{Name: "lpushx", Arity: -3, Flags: wdf, FirstKey: 1, LastKey: 1, Group: "list", Since: "2.2.0", Summary: "Prepend an element to a list, only if the list exists", Fn: func(c *Ctx) { listPush(c, true, true) }},
		&Command{Name: "rpushx", Arity: -3, Flags: wdf, FirstKey: 1, LastKey: 1, Group: "list", Since: "2.2.0", Summary: "Append an element to a list, only if the list exists", Fn: func(c *Ctx) { listPush(c, false, true) }},
		&Command{Name: "lpop", Arity: -2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Group: "list", Since: "1.0.0", Summary: "Remove and get the first elements in a list", Fn: func(c *Ctx) { listPop(c, true) }},
		&Command{Name: "rpop", Arity: -2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Group: "list", Since: "1.0.0", Summary: "Remove and get the last elements in a list", Fn: func(c *Ctx) { listPop(c, false) }},
		&Command{Name: "llen", Arity: 2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Group: "list", Since: "1.0.0", Summary: "Get the length of a list", Fn: cmdLlen},
		&Command{Name: "lindex", Arity: 3, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Group: "list", Since: "1.0.0", Summary: "Get an element from a list by its index", Fn: cmdLindex},
		&Command{Name: "lrange", Arity: 4, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Group: "list", Since: "1.0.0", Summary: "Get a range of elements from a list", Fn: cmdLrange},
		&Command{Name: "lset", Arity: 4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Group: "list", Since: "1.0.0", Summary: "Set the value of an element in a list by its index", Fn: cmdLset},
		&Command{Name: "lrem", Arity: 4, Flags: FlagWrite, FirstKey: 1, LastKey: 1, Group: "list", Since: "1.0.0", Summary: "Remove elements from a list", Fn: cmdLrem},
		&Command{Name: "ltrim", Arity: 4, Flags: FlagWrite, FirstKey: 1, LastKey: 1, Group: "list", Since: "1.0.0", Summary: "Trim a list to the specified range", Fn: cmdLtrim},
		&Command{Name: "linsert", Arity: 5, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Group: "list", Since: "2.2.0", Summary: "Insert an element before or after another element in a list", Fn: cmdLinsert},
		&Command{Name: "lpos", Arity: -3, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Group: "list", Since: "6.0.6", Summary: "Return the index of matching elements on a list", Fn: cmdLpos},
		&Command{Name: "lmove", Arity: 5, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 2, Group: "list", Since: "6.2.0", Summary: "Pop an element from a list, push it to another list and return it", Fn: cmdLmove, Multi: multiLmove},
		&Command{Name: "rpoplpush", Arity: 3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 2, Group: "list", Since: "1.2.0", Summary: "Remove the last element in a list, prepend it to another list and return it", Fn: cmdLmove, Multi: multiLmove},
		&Command{Name: "lmpop", Arity: -4, Flags: FlagWrite, Keys: numkeysPositions(1), Group: "list", Since: "7.0.0", Summary: "Pop elements from a list", Fn: cmdLmpop, Multi: multiLmpop},
	)
}

// Words of the effects list commands log in place of their arguments.
var (
	listLpopWord  = []byte("LPOP")
	listRpopWord  = []byte("RPOP")
	listLpushWord = []byte("LPUSH")
	listRpushWord = []byte("RPUSH")
)

const (
	errMustBePositive = "ERR value is out of range, must be positive"
	errNumkeys        = "ERR numkeys should be greater than 0"
)

// numkeysPositions returns the key positions of "numkeys key [key ...]"
// commands whose numkeys is at argument idx. Invalid counts still yield a
// position (the count itself) so that the command runs somewhere and
// replies its own error.
func numkeysPositions(idx int) func(args [][]byte) []int {
	return func(args [][]byte) []int {
		n, ok := ParseInt(args[idx])
		if !ok || n < 1 {
			return []int{idx}
		}
		last := idx + int(min(n, int64(len(args)-1-idx)))
		pos := make([]int, 0, last-idx)
		for i := idx + 1; i <= last; i++ {
			pos = append(pos, i)
		}
		if len(pos) == 0 {
			return []int{idx}
		}
		return pos
	}
}

// positiveArg parses a non-negative integer argument as Redis's
// getPositiveLongFromObjectOrReply, replying msg (or the default) on error.
func positiveArg(c *Ctx, b []byte, msg string) (int64, bool) {
	n, ok := ParseInt(b)
	if !ok || n < 0 {
		if msg == "" {
			msg = errMustBePositive
		}
		c.Error(msg)
		return 0, false
	}
	return n, true
}

// intArg parses an integer argument, replying the standard error.
func intArg(c *Ctx, b []byte) (int64, bool) {
	n, ok := ParseInt(b)
	if !ok {
		c.Error(errNotInt)
	}
	return n, ok
}

// lookupList finds key's list: (nil, true) when the key is missing,
// ok=false after a WRONGTYPE reply.
func lookupList(c *Ctx, key []byte, write bool) (*types.List, bool) {
	return lookupObj[*types.List](c, key, store.TypeList, write)
}

// newListKey creates an empty list at key.
func newListKey(c *Ctx, key []byte) *types.List {
	l := types.NewList(c.S.srv.config().ListMaxListpackSize)
	c.Set(key, store.Entry{Type: store.TypeList, Obj: l})
	return l
}

// deleteIfEmptyList removes key once its list has no elements, as Redis
// never keeps empty collections.
func deleteIfEmptyList(c *Ctx, key []byte, l *types.List) {
	if l.Len() == 0 {
		c.Delete(key)
		c.Notify(config.NotifyGeneric, "del", key)
	}
}

func listPush(c *Ctx, front, xx bool) {
	key := c.Args[1]
	l, ok := lookupList(c, key, true)
	if !ok {
		return
	}
	if l == nil {
		if xx {
			c.W.Int(0)
			return
		}
		l = newListKey(c, key)
	}
	for _, v := range c.Args[2:] {
		if front {
			l.PushFront(v)
		} else {
			l.PushBack(v)
		}
	}
	c.Dirty(len(c.Args) - 2)
	c.Notify(config.NotifyList, listEvent(front, true), key)
	c.W.Int(int64(l.Len()))
}

func listPop(c *Ctx, front bool) {
	if len(c.Args) > 3 {
		c.Error(errArity(string(c.Args[0])))
		return
	}
	hasCount := len(c.Args) == 3
	var count int64
	if hasCount {
		var ok bool
		if count, ok = positiveArg(c, c.Args[2], ""); !ok {
			return
		}
	}
	key := c.Args[1]
	l, ok := lookupList(c, key, true)
	if !ok {
		return
	}
	if l == nil {
		if hasCount {
			c.W.NullArray()
		} else {
			c.W.Null()
		}
		return
	}
	if !hasCount {
		v, _ := listPopOne(l, front)
		c.W.Bulk(v)
		c.Dirty(1)
		c.Notify(config.NotifyList, listEvent(front, false), key)
		deleteIfEmptyList(c, key, l)
		return
	}
	if count == 0 {
		c.W.Array(0)
		return
	}
	n := listPopReply(c, l, front, count)
	c.Dirty(n)
	c.Notify(config.NotifyList, listEvent(front, false), key)
	deleteIfEmptyList(c, key, l)
}

// listEvent names a push or pop event by its end: lpush, rpop, ...
func listEvent(front, push bool) string {
	switch {
	case front && push:
		return "lpush"
	case push:
		return "rpush"
	case front:
		return "lpop"
	}
	return "rpop"
}

func listPopOne(l *types.List, front bool) ([]byte, bool) {
	if front {
		return l.PopFront()
	}
	return l.PopBack()
}

// listPopReply pops up to count elements into an array reply and returns
// how many it popped.
func listPopReply(c *Ctx, l *types.List, front bool, count int64) int {
	n := int(min(count, int64(l.Len())))
	c.W.Array(n)
	for i := 0; i < n; i++ {
		v, _ := listPopOne(l, front)
		c.W.Bulk(v)
	}
	return n
}

func cmdLlen(c *Ctx) {
	l, ok := lookupList(c, c.Args[1], false)
	if !ok {
		return
	}
	if l == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(l.Len()))
}

// listIndex resolves a Redis list index (negative from the tail).
func listIndex(i int64, n int) (int, bool) {
	if i < 0 {
		i += int64(n)
	}
	if i < 0 || i >= int64(n) {
		return 0, false
	}
	return int(i), true
}

func cmdLindex(c *Ctx) {
	l, ok := lookupList(c, c.Args[1], false)
	if !ok {
		return
	}
	if l == nil {
		c.W.Null()
		return
	}
	i, ok := intArg(c, c.Args[2])
	if !ok {
		return
	}
	idx, ok := listIndex(i, l.Len())
	if !ok {
		c.W.Null()
		return
	}
	v, _ := l.Index(idx)
	c.W.Bulk(v)
}

// listRange resolves LRANGE/LTRIM bounds; ok=false means an empty range.
func listRange(start, end int64, n int) (int, int, bool) {
	ln := int64(n)
	if start < 0 {
		start += ln
	}
	if end < 0 {
		end += ln
	}
	start = max(start, 0)
	if start > end || start >= ln {
		return 0, 0, false
	}
	return int(start), int(min(end, ln-1)), true
}

func cmdLrange(c *Ctx) {
	start, ok := intArg(c, c.Args[2])
	if !ok {
		return
	}
	end, ok := intArg(c, c.Args[3])
	if !ok {
		return
	}
	l, ok := lookupList(c, c.Args[1], false)
	if !ok {
		return
	}
	if l == nil {
		c.W.Array(0)
		return
	}
	s, e, ok := listRange(start, end, l.Len())
	if !ok {
		c.W.Array(0)
		return
	}
	c.W.Array(e - s + 1)
	for v := range l.Range(s, e) {
		c.W.Bulk(v)
	}
}

func cmdLset(c *Ctx) {
	l, ok := lookupList(c, c.Args[1], true)
	if !ok {
		return
	}
	if l == nil {
		c.Error(errNoSuchKey)
		return
	}
	i, ok := intArg(c, c.Args[2])
	if !ok {
		return
	}
	idx, ok := listIndex(i, l.Len())
	if !ok {
		c.Error(errOutOfRange)
		return
	}
	l.Set(idx, c.Args[3])
	c.Dirty(1)
	c.OK()
}

func cmdLrem(c *Ctx) {
	count, ok := intArg(c, c.Args[2])
	if !ok {
		return
	}
	key := c.Args[1]
	l, ok := lookupList(c, key, true)
	if !ok {
		return
	}
	if l == nil {
		c.W.Int(0)
		return
	}
	// Redis negates LONG_MIN into itself: remove every match, from the tail.
	if count == math.MinInt64 {
		count = -int64(l.Len())
	}
	n := l.Remove(c.Args[3], int(count))
	if n > 0 {
		c.Dirty(n)
		deleteIfEmptyList(c, key, l)
	}
	c.W.Int(int64(n))
}

func cmdLtrim(c *Ctx) {
	start, ok := intArg(c, c.Args[2])
	if !ok {
		return
	}
	end, ok := intArg(c, c.Args[3])
	if !ok {
		return
	}
	key := c.Args[1]
	l, ok := lookupList(c, key, true)
	if !ok {
		return
	}
	if l == nil {
		c.OK()
		return
	}
	before := l.Len()
	if s, e, ok := listRange(start, end, before); ok {
		l.Trim(s, e)
	} else {
		l.DeleteFront(before)
	}
	if removed := before - l.Len(); removed > 0 {
		c.Dirty(removed)
		deleteIfEmptyList(c, key, l)
	}
	c.OK()
}

func cmdLinsert(c *Ctx) {
	var after bool
	switch {
	case strOptIs(c.Args[2], "after"):
		after = true
	case strOptIs(c.Args[2], "before"):
	default:
		c.Error(errSyntax)
		return
	}
	l, ok := lookupList(c, c.Args[1], true)
	if !ok {
		return
	}
	if l == nil {
		c.W.Int(0)
		return
	}
	if !l.Insert(c.Args[3], c.Args[4], after) {
		c.W.Int(-1)
		return
	}
	c.Dirty(1)
	c.W.Int(int64(l.Len()))
}

func cmdLpos(c *Ctx) {
	rank, count, maxlen := int64(1), int64(-1), int64(0)
	for j := 3; j < len(c.Args); j++ {
		more := j+1 < len(c.Args)
		opt := c.Args[j]
		var ok bool
		switch {
		case strOptIs(opt, "rank") && more:
			j++
			if rank, ok = intArg(c, c.Args[j]); !ok {
				return
			}
			if rank == 0 {
				c.Error("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")
				return
			}
		case strOptIs(opt, "count") && more:
			j++
			if count, ok = positiveArg(c, c.Args[j], "ERR COUNT can't be negative"); !ok {
				return
			}
		case strOptIs(opt, "maxlen") && more:
			j++
			if maxlen, ok = positiveArg(c, c.Args[j], "ERR MAXLEN can't be negative"); !ok {
				return
			}
		default:
			c.Error(errSyntax)
			return
		}
	}
	l, ok := lookupList(c, c.Args[1], false)
	if !ok {
		return
	}
	if l == nil {
		if count != -1 {
			c.W.Array(0)
		} else {
			c.W.Null()
		}
		return
	}
	seq := l.All()
	if rank < 0 {
		seq = l.Backward()
		// Redis negates LONG_MIN into itself, which then matches the first.
		rank = max(-rank, 1)
	}
	elem := c.Args[2]
	var found []int64
	scanned, matches := int64(0), int64(0)
	for i, v := range seq {
		if maxlen != 0 && scanned >= maxlen {
			break
		}
		scanned++
		if !bytes.Equal(v, elem) {
			continue
		}
		matches++
		if matches < rank {
			continue
		}
		found = append(found, int64(i))
		if count == -1 || (count > 0 && int64(len(found)) >= count) {
			break
		}
	}
	if count == -1 {
		if len(found) == 0 {
			c.W.Null()
		} else {
			c.W.Int(found[0])
		}
		return
	}
	c.W.Array(len(found))
	for _, i := range found {
		c.W.Int(i)
	}
}

// listWhere parses LEFT/RIGHT: front reports LEFT.
func listWhere(b []byte) (front, ok bool) {
	switch {
	case strOptIs(b, "left"):
		return true, true
	case strOptIs(b, "right"):
		return false, true
	}
	return false, false
}

// lmoveArgs returns the directions of LMOVE (or RPOPLPUSH: right, left).
func lmoveArgs(args [][]byte) (fromFront, toFront, ok bool) {
	if len(args) == 3 {
		return false, true, true
	}
	fromFront, ok1 := listWhere(args[3])
	toFront, ok2 := listWhere(args[4])
	return fromFront, toFront, ok1 && ok2
}

func listPushOne(l *types.List, v []byte, front bool) {
	if front {
		l.PushFront(v)
	} else {
		l.PushBack(v)
	}
}

// cmdLmove serves LMOVE and RPOPLPUSH when both keys live on this shard.
// The arguments are deterministic, so they are the logged effect.
func cmdLmove(c *Ctx) {
	fromFront, toFront, ok := lmoveArgs(c.Args)
	if !ok {
		c.Error(errSyntax)
		return
	}
	src, dst := c.Args[1], c.Args[2]
	sl, ok := lookupList(c, src, true)
	if !ok {
		return
	}
	if sl == nil {
		c.W.Null()
		return
	}
	dl, ok := lookupList(c, dst, true)
	if !ok {
		return
	}
	// Copy: pushing onto the same list may reuse the popped bytes' memory.
	v, _ := listPopOne(sl, fromFront)
	v = bytes.Clone(v)
	if dl == nil {
		dl = newListKey(c, dst)
	}
	listPushOne(dl, v, toFront)
	c.Dirty(1)
	deleteIfEmptyList(c, src, sl)
	c.W.Bulk(v)
}

// moveStatus is what a cross-shard LMOVE/SMOVE/LMPOP hop reports.
type moveStatus int

const (
	moveMissing moveStatus = iota
	moveWrongType
	moveOK
)

// multiLmove runs LMOVE/RPOPLPUSH across shards: the destination's type is
// checked, then the source pops (logging a pop), then the destination
// pushes (logging a push), all while both shards are held. Hops change
// lists in place, so they signal WATCH themselves.
func multiLmove(m *Multi) {
	fromFront, toFront, ok := lmoveArgs(m.Args)
	if !ok {
		m.W.Error(errSyntax)
		return
	}
	src, dst := m.Args[1], m.Args[2]
	srcSh, dstSh := m.srv.shardOf(src), m.srv.shardOf(dst)
	dstStatus := m.On(dstSh, func(c *Ctx) any {
		if _, ok := lookupList(c, dst, true); !ok {
			return moveWrongType
		}
		return moveOK
	}).(moveStatus)
	type popped struct {
		status moveStatus
		v      []byte
	}
	p := m.On(srcSh, func(c *Ctx) any {
		l, ok := lookupList(c, src, true)
		switch {
		case !ok:
			return popped{status: moveWrongType}
		case l == nil:
			return popped{status: moveMissing}
		case dstStatus == moveWrongType:
			return popped{status: moveWrongType}
		}
		v, _ := listPopOne(l, fromFront)
		v = bytes.Clone(v)
		c.Dirty(1)
		c.S.touch(c.DBi, src)
		deleteIfEmptyList(c, src, l)
		word := listRpopWord
		if fromFront {
			word = listLpopWord
		}
		c.Effect(word, src)
		return popped{status: moveOK, v: v}
	}).(popped)
	switch p.status {
	case moveMissing:
		m.W.Null()
		return
	case moveWrongType:
		m.W.Error(errWrongType)
		return
	}
	m.On(dstSh, func(c *Ctx) any {
		l, _ := lookupList(c, dst, true)
		if l == nil {
			l = newListKey(c, dst)
		}
		listPushOne(l, p.v, toFront)
		c.Dirty(1)
		c.S.touch(c.DBi, dst)
		word := listRpushWord
		if toFront {
			word = listLpushWord
		}
		c.Effect(word, dst, p.v)
		return nil
	})
	m.W.Bulk(p.v)
}

// lmpopArgs parses "numkeys key... LEFT|RIGHT [COUNT n]" starting at
// args[1]; on error it returns the reply.
func lmpopArgs(args [][]byte) (keys [][]byte, front bool, count int64, errMsg string) {
	n, ok := ParseInt(args[1])
	if !ok || n < 1 {
		return nil, false, 0, errNumkeys
	}
	if n >= int64(len(args))-2 {
		return nil, false, 0, errSyntax
	}
	whereIdx := 1 + n + 1
	if front, ok = listWhere(args[whereIdx]); !ok {
		return nil, false, 0, errSyntax
	}
	count = -1
	for j := int(whereIdx) + 1; j < len(args); j++ {
		if count == -1 && strOptIs(args[j], "count") && j+1 < len(args) {
			j++
			if count, ok = ParseInt(args[j]); !ok || count < 1 {
				return nil, false, 0, "ERR count should be greater than 0"
			}
			continue
		}
		return nil, false, 0, errSyntax
	}
	return args[2:whereIdx], front, max(count, 1), ""
}

func cmdLmpop(c *Ctx) {
	keys, front, count, errMsg := lmpopArgs(c.Args)
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
		lmpopFrom(c, key, l, front, count)
		return
	}
	c.W.NullArray()
}

// lmpopFrom pops from one list, replies [key, [elements]] and logs the pop
// as LPOP/RPOP key n.
func lmpopFrom(c *Ctx, key []byte, l *types.List, front bool, count int64) {
	c.W.Array(2)
	c.W.Bulk(key)
	n := int(min(count, int64(l.Len())))
	c.W.Array(n)
	for i := 0; i < n; i++ {
		v, _ := listPopOne(l, front)
		c.W.Bulk(v)
	}
	c.Dirty(n)
	deleteIfEmptyList(c, key, l)
	word := listRpopWord
	if front {
		word = listLpopWord
	}
	c.Effect(word, key, strconv.AppendInt(nil, int64(n), 10))
}

// multiLmpop visits the keys in order, one shard hop each, and pops from
// the first non-empty list.
func multiLmpop(m *Multi) {
	keys, front, count, errMsg := lmpopArgs(m.Args)
	if errMsg != "" {
		m.W.Error(errMsg)
		return
	}
	for _, key := range keys {
		r := m.On(m.srv.shardOf(key), func(c *Ctx) any {
			l, ok := lookupList(c, key, true)
			if !ok {
				return moveWrongType
			}
			if l == nil {
				return moveMissing
			}
			lmpopFrom(c, key, l, front, count)
			c.S.touch(c.DBi, key)
			return append([]byte(nil), c.W.Bytes()...)
		})
		switch r := r.(type) {
		case moveStatus:
			if r == moveWrongType {
				m.W.Error(errWrongType)
				return
			}
		case []byte:
			m.W.Raw(r)
			return
		}
	}
	m.W.NullArray()
}
