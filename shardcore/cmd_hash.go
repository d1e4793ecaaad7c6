package shardcore

import (
	"math"
	"strconv"

	"github.com/keeldb/keel/shardcore/config"
	"github.com/keeldb/keel/shardcore/resp"
	"github.com/keeldb/keel/shardcore/store"
	"github.com/keeldb/keel/shardcore/types"
)

func init() {
	const wdf = FlagWrite | FlagDenyOOM | FlagFast
	const rof = FlagReadonly | FlagFast
	register(
		&Command{Name: "hset", Arity: -4, Flags: wdf, FirstKey: 1, LastKey: 1, Group: "hash", Since: "2.0.0", Summary: "Set the string value of a hash field", Fn: cmdHset},
		&Command{Name: "hmset", Arity: -4, Flags: wdf, FirstKey: 1, LastKey: 1, Group: "hash", Since: "2.0.0", Summary: "Set multiple hash fields to multiple values", Fn: cmdHset},
		&Command{Name: "hsetnx", Arity: 4, Flags: wdf, FirstKey: 1, LastKey: 1, Group: "hash", Since: "2.0.0", Summary: "Set the value of a hash field, only if the field does not exist", Fn: cmdHsetnx},
		&Command{Name: "hget", Arity: 3, Flags: rof, FirstKey: 1, LastKey: 1, Group: "hash", Since: "2.0.0", Summary: "Get the value of a hash field", Fn: cmdHget},
		&Command{Name: "hmget", Arity: -3, Flags: rof, FirstKey: 1, LastKey: 1, Group: "hash", Since: "2.0.0", Summary: "Get the values of all the given hash fields", Fn: cmdHmget},
		&Command{Name: "hdel", Arity: -3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Group: "hash", Since: "2.0.0", Summary: "Delete one or more hash fields", Fn: cmdHdel},
		&Command{Name: "hexists", Arity: 3, Flags: rof, FirstKey: 1, LastKey: 1, Group: "hash", Since: "2.0.0", Summary: "Determine if a hash field exists", Fn: cmdHexists},
		&Command{Name: "hlen", Arity: 2, Flags: rof, FirstKey: 1, LastKey: 1, Group: "hash", Since: "2.0.0", Summary: "Get the number of fields in a hash", Fn: cmdHlen},
		&Command{Name: "hstrlen", Arity: 3, Flags: rof, FirstKey: 1, LastKey: 1, Group: "hash", Since: "3.2.0", Summary: "Get the length of the value of a hash field", Fn: cmdHstrlen},
		&Command{Name: "hincrby", Arity: 4, Flags: wdf, FirstKey: 1, LastKey: 1, Group: "hash", Since: "2.0.0", Summary: "Increment the integer value of a hash field by the given number", Fn: cmdHincrby},
		&Command{Name: "hincrbyfloat", Arity: 4, Flags: wdf, FirstKey: 1, LastKey: 1, Group: "hash", Since: "2.6.0", Summary: "Increment the float value of a hash field by the given amount", Fn: cmdHincrbyfloat},
		&Command{Name: "hkeys", Arity: 2, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Group: "hash", Since: "2.0.0", Summary: "Get all the fields in a hash", Fn: func(c *Ctx) { hashGetAll(c, true, false) }},
		&Command{Name: "hvals", Arity: 2, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Group: "hash", Since: "2.0.0", Summary: "Get all the values in a hash", Fn: func(c *Ctx) { hashGetAll(c, false, true) }},
		&Command{Name: "hgetall", Arity: 2, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Group: "hash", Since: "2.0.0", Summary: "Get all the fields and values in a hash", Fn: func(c *Ctx) { hashGetAll(c, true, true) }},
		&Command{Name: "hrandfield", Arity: -2, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Group: "hash", Since: "6.2.0", Summary: "Get one or multiple random fields from a hash", Fn: cmdHrandfield},
		&Command{Name: "hscan", Arity: -3, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Group: "hash", Since: "2.8.0", Summary: "Incrementally iterate hash fields and associated values", Fn: cmdHscan},
	)
}

var hsetWord = []byte("HSET")

// lookupHash finds key's hash: (nil, true) when the key is missing,
// ok=false after a WRONGTYPE reply.
func lookupHash(c *Ctx, key []byte, write bool) (*types.Hash, bool) {
	return lookupObj[*types.Hash](c, key, store.TypeHash, write)
}

func hashLimits(c *Ctx) types.HashLimits {
	cfg := c.S.srv.config()
	return types.HashLimits{MaxListpackEntries: int(cfg.HashMaxListpackEntries), MaxListpackValue: int(cfg.HashMaxListpackValue)}
}

// hashForWrite returns key's hash, creating an empty one when missing.
func hashForWrite(c *Ctx, key []byte) (*types.Hash, bool) {
	h, ok := lookupHash(c, key, true)
	if !ok || h != nil {
		return h, ok
	}
	h = types.NewHash()
	c.Set(key, store.Entry{Type: store.TypeHash, Obj: h})
	return h, true
}

// cmdHset serves HSET (replying the number of new fields) and HMSET.
func cmdHset(c *Ctx) {
	if len(c.Args)%2 == 1 {
		c.Error(errArity(string(c.Args[0])))
		return
	}
	h, ok := hashForWrite(c, c.Args[1])
	if !ok {
		return
	}
	lim := hashLimits(c)
	created := 0
	for i := 2; i < len(c.Args); i += 2 {
		if h.Set(c.Args[i], c.Args[i+1], lim) {
			created++
		}
	}
	c.Dirty((len(c.Args) - 2) / 2)
	c.Notify(config.NotifyHash, "hset", c.Args[1])
	if strOptIs(c.Args[0], "hmset") {
		c.OK()
		return
	}
	c.W.Int(int64(created))
}

func cmdHsetnx(c *Ctx) {
	h, ok := lookupHash(c, c.Args[1], true)
	if !ok {
		return
	}
	if h != nil && h.Has(c.Args[2]) {
		c.W.Int(0)
		return
	}
	if h == nil {
		h, _ = hashForWrite(c, c.Args[1])
	}
	h.Set(c.Args[2], c.Args[3], hashLimits(c))
	c.Dirty(1)
	c.Notify(config.NotifyHash, "hset", c.Args[1])
	c.W.Int(1)
}

func cmdHget(c *Ctx) {
	h, ok := lookupHash(c, c.Args[1], false)
	if !ok {
		return
	}
	hashFieldReply(c, h, c.Args[2])
}

func hashFieldReply(c *Ctx, h *types.Hash, field []byte) {
	if h == nil {
		c.W.Null()
		return
	}
	if v, ok := h.Get(field); ok {
		c.W.Bulk(v)
		return
	}
	c.W.Null()
}

func cmdHmget(c *Ctx) {
	h, ok := lookupHash(c, c.Args[1], false)
	if !ok {
		return
	}
	c.W.Array(len(c.Args) - 2)
	for _, f := range c.Args[2:] {
		hashFieldReply(c, h, f)
	}
}

func cmdHdel(c *Ctx) {
	key := c.Args[1]
	h, ok := lookupHash(c, key, true)
	if !ok {
		return
	}
	if h == nil {
		c.W.Int(0)
		return
	}
	removeElements(c, key, h.Delete, h.Len, config.NotifyHash, "hdel")
}

func cmdHexists(c *Ctx) {
	h, ok := lookupHash(c, c.Args[1], false)
	if !ok {
		return
	}
	if h != nil && h.Has(c.Args[2]) {
		c.W.Int(1)
		return
	}
	c.W.Int(0)
}

func cmdHlen(c *Ctx) {
	h, ok := lookupHash(c, c.Args[1], false)
	if !ok {
		return
	}
	if h == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(h.Len()))
}

func cmdHstrlen(c *Ctx) {
	h, ok := lookupHash(c, c.Args[1], false)
	if !ok {
		return
	}
	var n int
	if h != nil {
		v, _ := h.Get(c.Args[2])
		n = len(v)
	}
	c.W.Int(int64(n))
}

func cmdHincrby(c *Ctx) {
	incr, ok := intArg(c, c.Args[3])
	if !ok {
		return
	}
	key, field := c.Args[1], c.Args[2]
	h, ok := lookupHash(c, key, true)
	if !ok {
		return
	}
	var value int64
	if h != nil {
		if v, found := h.Get(field); found {
			if value, ok = ParseInt(v); !ok {
				c.Error("ERR hash value is not an integer")
				return
			}
		}
	}
	if (incr < 0 && value < 0 && incr < math.MinInt64-value) || (incr > 0 && value > 0 && incr > math.MaxInt64-value) {
		c.Error(errOverflow)
		return
	}
	value += incr
	if h == nil {
		h, _ = hashForWrite(c, key)
	}
	var buf [20]byte
	h.Set(field, strconv.AppendInt(buf[:0], value, 10), hashLimits(c))
	c.Dirty(1)
	c.Notify(config.NotifyHash, "hincrby", key)
	c.W.Int(value)
}

// cmdHincrbyfloat computes in long double precision as Redis does and logs
// the result as HSET, so that replay never depends on float arithmetic.
func cmdHincrbyfloat(c *Ctx) {
	incr, ok := parseLongDouble(c.Args[3])
	if !ok {
		c.Error(errNotFloat)
		return
	}
	if incr.IsInf() {
		c.Error("ERR value is NaN or Infinity")
		return
	}
	key, field := c.Args[1], c.Args[2]
	h, ok := lookupHash(c, key, true)
	if !ok {
		return
	}
	value := newLongDouble()
	if h != nil {
		if v, found := h.Get(field); found {
			if value, ok = parseLongDouble(v); !ok {
				c.Error("ERR hash value is not a float")
				return
			}
		}
	}
	if value.IsInf() || !ldFinite(value.Add(value, incr)) {
		c.Error("ERR increment would produce NaN or Infinity")
		return
	}
	if h == nil {
		h, _ = hashForWrite(c, key)
	}
	res := []byte(formatLongDouble(value))
	h.Set(field, res, hashLimits(c))
	c.Dirty(1)
	c.Notify(config.NotifyHash, "hincrbyfloat", key)
	c.W.Bulk(res)
	c.Effect(hsetWord, key, field, res)
}

func hashGetAll(c *Ctx, fields, values bool) {
	h, ok := lookupHash(c, c.Args[1], false)
	if !ok {
		return
	}
	n := 0
	if h != nil {
		n = h.Len()
	}
	if fields && values {
		c.W.Map(n)
	} else {
		c.W.Array(n)
	}
	if h == nil {
		return
	}
	for f, v := range h.All() {
		if fields {
			c.W.Bulk(f)
		}
		if values {
			c.W.Bulk(v)
		}
	}
}

func cmdHrandfield(c *Ctx) {
	if len(c.Args) == 2 {
		h, ok := lookupHash(c, c.Args[1], false)
		if !ok {
			return
		}
		if h == nil {
			c.W.Null()
			return
		}
		f, _ := h.Random()
		c.W.Bulk(f)
		return
	}
	count, ok := randCountArg(c, c.Args[2])
	if !ok {
		return
	}
	withValues := len(c.Args) == 4
	if len(c.Args) > 4 || (withValues && !strOptIs(c.Args[3], "withvalues")) {
		c.Error(errSyntax)
		return
	}
	if withValues && (count < -math.MaxInt64/2 || count > math.MaxInt64/2) {
		c.Error("ERR value is out of range")
		return
	}
	h, ok := lookupHash(c, c.Args[1], false)
	if !ok {
		return
	}
	if h == nil || count == 0 {
		c.W.Array(0)
		return
	}
	distinct := count > 0
	n := int(count)
	if !distinct {
		n = int(-count)
	} else {
		n = min(n, h.Len())
	}
	switch {
	case withValues && c.Proto() == 2:
		c.W.Array(2 * n)
	default:
		c.W.Array(n)
	}
	h.Sample(n, distinct, func(f, v []byte) {
		if withValues && c.Proto() > 2 {
			c.W.Array(2)
		}
		c.W.Bulk(f)
		if withValues {
			c.W.Bulk(v)
		}
	})
}

// randCountArg parses the count of HRANDFIELD and SRANDMEMBER: any long
// but LONG_MIN (whose negation overflows).
func randCountArg(c *Ctx, b []byte) (int64, bool) {
	n, ok := intArg(c, b)
	if !ok {
		return 0, false
	}
	if n == math.MinInt64 {
		c.Error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
		return 0, false
	}
	return n, true
}

// parseScanCursor reads a SCAN cursor as Redis's strtoul-based parser:
// decimal with an optional sign ("-1" wraps around), no leading space, no
// trailing bytes, no overflow; the empty string is cursor 0.
func parseScanCursor(b []byte) (uint64, bool) {
	if len(b) > 0 && isSpace(b[0]) {
		return 0, false
	}
	neg := false
	d := b
	if len(d) > 0 && (d[0] == '+' || d[0] == '-') {
		neg = d[0] == '-'
		d = d[1:]
		if len(d) == 0 {
			return 0, false
		}
	}
	if len(d) == 0 {
		return 0, true
	}
	for _, ch := range d {
		if ch < '0' || ch > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseUint(string(d), 10, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// collScanOpts parses the options of HSCAN/SSCAN (COUNT, MATCH).
func collScanOpts(c *Ctx) (count int, pattern []byte, ok bool) {
	count = 10
	for j := 3; j < len(c.Args); j++ {
		more := j+1 < len(c.Args)
		switch {
		case strOptIs(c.Args[j], "count") && more:
			j++
			n, ok := intArg(c, c.Args[j])
			if !ok {
				return 0, nil, false
			}
			if n < 1 {
				c.Error(errSyntax)
				return 0, nil, false
			}
			count = int(min(n, math.MaxInt32))
		case strOptIs(c.Args[j], "match") && more:
			j++
			pattern = c.Args[j]
			if len(pattern) == 1 && pattern[0] == '*' {
				pattern = nil
			}
		default:
			c.Error(errSyntax)
			return 0, nil, false
		}
	}
	return count, pattern, true
}

// scanReply writes [cursor, [items]] with items taken from body.
func scanReply(c *Ctx, cursor uint64, n int, body *resp.Writer) {
	c.W.Array(2)
	var tmp [20]byte
	c.W.Bulk(strconv.AppendUint(tmp[:0], cursor, 10))
	c.W.Array(n)
	c.W.Raw(body.Bytes())
}

func emptyScanReply(c *Ctx) {
	c.W.Array(2)
	c.W.BulkString("0")
	c.W.Array(0)
}

func cmdHscan(c *Ctx) {
	cursor, ok := parseScanCursor(c.Args[2])
	if !ok {
		c.Error("ERR invalid cursor")
		return
	}
	h, ok := lookupHash(c, c.Args[1], false)
	if !ok {
		return
	}
	if h == nil {
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
	next := h.Scan(cursor, count, func(f, v []byte) {
		if pattern != nil && !config.GlobMatch(pattern, f, false) {
			return
		}
		body.Bulk(f)
		body.Bulk(v)
		n += 2
	})
	scanReply(c, next, n, &body)
}
