package shardcore

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/keeldb/keel/shardcore/config"
	"github.com/keeldb/keel/shardcore/resp"
	"github.com/keeldb/keel/shardcore/store"
)

func init() {
	register(
		&Command{Name: "get", Arity: 2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Group: "string", Since: "1.0.0", Summary: "Get the value of a key", Fn: cmdGet},
		&Command{Name: "set", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Group: "string", Since: "1.0.0", Summary: "Set the string value of a key", Fn: cmdSet},
		&Command{Name: "mget", Arity: -2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: -1, Group: "string", Since: "1.0.0", Summary: "Get the values of all the given keys", Fn: cmdMget, Multi: multiGather},
		&Command{Name: "mset", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: -1, Step: 2, Group: "string", Since: "1.0.1", Summary: "Set multiple keys to multiple values", Fn: cmdMset, Multi: multiMset},
		&Command{Name: "msetnx", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: -1, Step: 2, Group: "string", Since: "1.0.1", Summary: "Set multiple keys to multiple values, only if none of the keys exist", Fn: cmdMsetnx, Multi: multiMsetnx},
		&Command{Name: "getset", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Group: "string", Since: "1.0.0", Summary: "Set the string value of a key and return its old value", Fn: cmdGetset},
		&Command{Name: "getdel", Arity: 2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Group: "string", Since: "6.2.0", Summary: "Get the value of a key and delete the key", Fn: cmdGetdel},
		&Command{Name: "getex", Arity: -2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Group: "string", Since: "6.2.0", Summary: "Get the value of a key and optionally set its expiration", Fn: cmdGetex},
		&Command{Name: "setnx", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Group: "string", Since: "1.0.0", Summary: "Set the value of a key, only if the key does not exist", Fn: cmdSetnx},
		&Command{Name: "setex", Arity: 4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Group: "string", Since: "2.0.0", Summary: "Set the value and expiration of a key", Fn: cmdSetex},
		&Command{Name: "psetex", Arity: 4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Group: "string", Since: "2.6.0", Summary: "Set the value and expiration in milliseconds of a key", Fn: cmdPsetex},
		&Command{Name: "append", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Group: "string", Since: "2.0.0", Summary: "Append a value to a key", Fn: cmdAppend},
		&Command{Name: "strlen", Arity: 2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Group: "string", Since: "2.2.0", Summary: "Get the length of the value stored in a key", Fn: cmdStrlen},
		&Command{Name: "incr", Arity: 2, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Group: "string", Since: "1.0.0", Summary: "Increment the integer value of a key by one", Fn: func(c *Ctx) { incrDecr(c, 1) }},
		&Command{Name: "decr", Arity: 2, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Group: "string", Since: "1.0.0", Summary: "Decrement the integer value of a key by one", Fn: func(c *Ctx) { incrDecr(c, -1) }},
		&Command{Name: "incrby", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Group: "string", Since: "1.0.0", Summary: "Increment the integer value of a key by the given amount", Fn: cmdIncrby},
		&Command{Name: "decrby", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Group: "string", Since: "1.0.0", Summary: "Decrement the integer value of a key by the given number", Fn: cmdDecrby},
		&Command{Name: "incrbyfloat", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Group: "string", Since: "2.6.0", Summary: "Increment the float value of a key by the given amount", Fn: cmdIncrbyfloat},
		&Command{Name: "getrange", Arity: 4, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Group: "string", Since: "2.4.0", Summary: "Get a substring of the string stored at a key", Fn: cmdGetrange},
		&Command{Name: "substr", Arity: 4, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Group: "string", Since: "1.0.0", Summary: "Get a substring of the string stored at a key", Fn: cmdGetrange},
		&Command{Name: "setrange", Arity: 4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Group: "string", Since: "2.2.0", Summary: "Overwrite part of a string at key starting at the specified offset", Fn: cmdSetrange},
		&Command{Name: "lcs", Arity: -3, Flags: FlagReadonly, FirstKey: 1, LastKey: 2, Group: "string", Since: "7.0.0", Summary: "Find longest common substring", Fn: cmdLcs, Multi: multiLcs},
	)
}

// Words of the effects string commands log in place of their arguments.
var (
	strEffSet       = []byte("SET")
	strEffMset      = []byte("MSET")
	strEffPxat      = []byte("PXAT")
	strEffKeepttl   = []byte("KEEPTTL")
	strEffPexpireat = []byte("PEXPIREAT")
	strEffPersist   = []byte("PERSIST")
)

// stringEncoding is the encoding Redis reports for a string value in OBJECT
// ENCODING: "int" for a canonical 64-bit integer of at most 20 characters,
// "embstr" up to 44 bytes, "raw" beyond.
func stringEncoding(b []byte) string {
	if len(b) <= 20 {
		if _, ok := ParseInt(b); ok {
			return "int"
		}
	}
	if len(b) <= 44 {
		return "embstr"
	}
	return "raw"
}

// strOptIs reports whether arg is word, ignoring ASCII case (strcasecmp).
func strOptIs(arg []byte, word string) bool {
	if len(arg) != len(word) {
		return false
	}
	for i := 0; i < len(arg); i++ {
		a := arg[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if a != word[i] {
			return false
		}
	}
	return true
}

// protoMaxBulk is the proto-max-bulk-len limit on string sizes.
func protoMaxBulk(srv *Server) int64 { return srv.config().ProtoMaxBulkLen }

// checkStringLength replies an error when a string of size+grow bytes would
// exceed proto-max-bulk-len (or overflow).
func checkStringLength(c *Ctx, size, grow int64) bool {
	total := size + grow
	if total > protoMaxBulk(c.S.srv) || total < size || total < grow {
		c.Error(errStrTooLarge)
		return false
	}
	return true
}

// Options of SET and GETEX, as Redis's OBJ_* flags.
const (
	optNX = 1 << iota
	optXX
	optEX
	optPX
	optKeepTTL
	optGet
	optEXAT
	optPXAT
	optPersist

	optExpire = optEX | optPX | optEXAT | optPXAT
)

// parseStringOpts parses the options of SET (forSet) or GETEX from
// args[start:] with Redis's acceptance rules: an expire form excludes the
// other forms (repeating the same one is allowed, the last wins), KEEPTTL
// and PERSIST exclude every expire form, NX excludes XX. It returns the
// flags and the expire argument; ok=false means a syntax error.
func parseStringOpts(args [][]byte, start int, forSet bool) (flags int, expire []byte, ok bool) {
	for j := start; j < len(args); j++ {
		opt := args[j]
		switch {
		case forSet && strOptIs(opt, "nx") && flags&optXX == 0:
			flags |= optNX
		case forSet && strOptIs(opt, "xx") && flags&optNX == 0:
			flags |= optXX
		case forSet && strOptIs(opt, "get"):
			flags |= optGet
		case forSet && strOptIs(opt, "keepttl") && flags&(optExpire|optPersist) == 0:
			flags |= optKeepTTL
		case !forSet && strOptIs(opt, "persist") && flags&(optExpire|optKeepTTL) == 0:
			flags |= optPersist
		default:
			var f int
			switch {
			case strOptIs(opt, "ex"):
				f = optEX
			case strOptIs(opt, "px"):
				f = optPX
			case strOptIs(opt, "exat"):
				f = optEXAT
			case strOptIs(opt, "pxat"):
				f = optPXAT
			}
			if f == 0 || j+1 == len(args) || flags&(optKeepTTL|optPersist|optExpire&^f) != 0 {
				return 0, nil, false
			}
			flags |= f
			expire = args[j+1]
			j++
		}
	}
	return flags, expire, true
}

// expireAt converts an expire option's value into absolute unix
// milliseconds as Redis does, refusing non-positive values and overflow.
func strExpireAt(c *Ctx, flags int, arg []byte) (int64, bool) {
	ms, ok := ParseInt(arg)
	if !ok {
		c.Error(errNotInt)
		return 0, false
	}
	seconds := flags&(optEX|optEXAT) != 0
	if ms <= 0 || (seconds && ms > math.MaxInt64/1000) {
		c.Error(fmt.Sprintf(errInvalidExp, lower(c.Args[0])))
		return 0, false
	}
	if seconds {
		ms *= 1000
	}
	if flags&(optEX|optPX) != 0 {
		ms += c.Now // wraps negative on overflow, caught below
	}
	if ms <= 0 {
		c.Error(fmt.Sprintf(errInvalidExp, lower(c.Args[0])))
		return 0, false
	}
	return ms, true
}

func cmdGet(c *Ctx) {
	e, found, ok := c.ReadType(c.Args[1], store.TypeString)
	switch {
	case !ok:
	case !found:
		c.W.Null()
	default:
		c.W.Bulk(e.Str)
	}
}

func cmdSet(c *Ctx) {
	flags, expire, ok := parseStringOpts(c.Args, 3, true)
	if !ok {
		c.Error(errSyntax)
		return
	}
	setGeneric(c, flags, c.Args[1], c.Args[2], expire, false)
}

func cmdSetnx(c *Ctx) { setGeneric(c, optNX, c.Args[1], c.Args[2], nil, true) }

func cmdSetex(c *Ctx) { setGeneric(c, optEX, c.Args[1], c.Args[3], c.Args[2], false) }

func cmdPsetex(c *Ctx) { setGeneric(c, optPX, c.Args[1], c.Args[3], c.Args[2], false) }

// setGeneric is SET and its variants. intReply selects SETNX's :1/:0
// replies over +OK/null.
func setGeneric(c *Ctx, flags int, key, val, expire []byte, intReply bool) {
	var when int64
	if expire != nil {
		var ok bool
		if when, ok = strExpireAt(c, flags, expire); !ok {
			return
		}
	}
	if flags&optGet != 0 {
		e, found, ok := c.ReadType(key, store.TypeString)
		if !ok {
			return
		}
		if found {
			c.W.Bulk(e.Str)
		} else {
			c.W.Null()
		}
	}
	old, found := c.Write(key)
	if (flags&optNX != 0 && found) || (flags&optXX != 0 && !found) {
		switch {
		case flags&optGet != 0:
		case intReply:
			c.W.Int(0)
		default:
			c.W.Null()
		}
		return
	}
	switch {
	case expire != nil && c.alreadyExpired(when):
		// An absolute time already past: the new value is gone at once.
		if found {
			c.Delete(key)
			c.Effect(delWord, key)
			c.Notify(config.NotifyGeneric, "del", key)
		}
	case expire != nil:
		c.Set(key, store.Entry{Type: store.TypeString, Str: val, ExpireAt: when})
		c.Effect(strEffSet, key, val, strEffPxat, strconv.AppendInt(nil, when, 10))
		c.Notify(config.NotifyString, "set", key)
		c.Notify(config.NotifyGeneric, "expire", key)
	default:
		e := store.Entry{Type: store.TypeString, Str: val}
		if flags&optKeepTTL != 0 && found {
			e.ExpireAt = old.ExpireAt
		}
		c.Set(key, e)
		if flags&optGet != 0 {
			c.Effect(argsWithoutGet(c.Args)...)
		}
		c.Notify(config.NotifyString, "set", key)
	}
	switch {
	case flags&optGet != 0:
	case intReply:
		c.W.Int(1)
	default:
		c.OK()
	}
}

// argsWithoutGet is SET's argv minus its GET options, as Redis propagates it.
func argsWithoutGet(args [][]byte) [][]byte {
	out := make([][]byte, 0, len(args))
	for j, a := range args {
		if j >= 3 && strOptIs(a, "get") {
			continue
		}
		out = append(out, a)
	}
	return out
}

func cmdMget(c *Ctx) {
	c.W.Array(len(c.Args) - 1)
	for _, k := range c.Args[1:] {
		e, ok := c.Read(k)
		if !ok || e.Type != store.TypeString {
			c.W.Null()
			continue
		}
		c.W.Bulk(e.Str)
	}
}

func cmdMset(c *Ctx) {
	if len(c.Args)%2 != 1 {
		c.Error(errArity(string(c.Args[0])))
		return
	}
	for i := 1; i < len(c.Args); i += 2 {
		c.Set(c.Args[i], store.Entry{Type: store.TypeString, Str: c.Args[i+1]})
		c.Notify(config.NotifyString, "set", c.Args[i])
	}
	c.OK()
}

func cmdMsetnx(c *Ctx) {
	if len(c.Args)%2 != 1 {
		c.Error(errArity(string(c.Args[0])))
		return
	}
	for i := 1; i < len(c.Args); i += 2 {
		if _, found := c.Write(c.Args[i]); found {
			c.W.Int(0)
			return
		}
	}
	for i := 1; i < len(c.Args); i += 2 {
		c.Set(c.Args[i], store.Entry{Type: store.TypeString, Str: c.Args[i+1]})
		c.Notify(config.NotifyString, "set", c.Args[i])
	}
	c.W.Int(1)
}

// multiMset checks the pairing before any participant writes, so that a
// malformed MSET never applies on some shards only.
func multiMset(m *Multi) {
	if len(m.Args)%2 != 1 {
		m.W.Error(errArity(string(m.Args[0])))
		return
	}
	multiAllOK(m)
}

// multiMsetnx checks every participant's keys, then writes on all of them:
// all shards are held meanwhile, so no key can appear in between.
func multiMsetnx(m *Multi) {
	if len(m.Args)%2 != 1 {
		m.W.Error(errArity(string(m.Args[0])))
		return
	}
	parts, _ := m.Split()
	for _, busy := range m.Each(func(c *Ctx) any {
		args := parts[c.S]
		for i := 1; i+1 < len(args); i += 2 {
			if _, found := c.Write(args[i]); found {
				return true
			}
		}
		return false
	}) {
		if busy.(bool) {
			m.W.Int(0)
			return
		}
	}
	m.Each(func(c *Ctx) any {
		args := parts[c.S]
		if len(args) < 3 {
			return nil
		}
		for i := 1; i+1 < len(args); i += 2 {
			c.Set(args[i], store.Entry{Type: store.TypeString, Str: args[i+1]})
			c.Notify(config.NotifyString, "set", args[i])
		}
		effect := make([][]byte, 0, len(args))
		effect = append(effect, strEffMset)
		c.Effect(append(effect, args[1:]...)...)
		return nil
	})
	m.W.Int(1)
}

func cmdGetset(c *Ctx) {
	e, found, ok := c.ReadType(c.Args[1], store.TypeString)
	if !ok {
		return
	}
	if found {
		c.W.Bulk(e.Str)
	} else {
		c.W.Null()
	}
	c.Set(c.Args[1], store.Entry{Type: store.TypeString, Str: c.Args[2]})
	c.Effect(strEffSet, c.Args[1], c.Args[2])
	c.Notify(config.NotifyString, "set", c.Args[1])
}

func cmdGetdel(c *Ctx) {
	e, found, ok := c.ReadType(c.Args[1], store.TypeString)
	switch {
	case !ok:
	case !found:
		c.W.Null()
	default:
		c.W.Bulk(e.Str)
		c.Delete(c.Args[1])
		c.Effect(delWord, c.Args[1])
		c.Notify(config.NotifyGeneric, "del", c.Args[1])
	}
}

func cmdGetex(c *Ctx) {
	flags, expire, ok := parseStringOpts(c.Args, 2, false)
	if !ok {
		c.Error(errSyntax)
		return
	}
	key := c.Args[1]
	e, found, ok := c.ReadType(key, store.TypeString)
	if !ok {
		return
	}
	if !found {
		c.W.Null()
		return
	}
	var when int64
	if expire != nil {
		if when, ok = strExpireAt(c, flags, expire); !ok {
			return
		}
	}
	c.W.Bulk(e.Str)
	switch {
	case flags&(optEXAT|optPXAT) != 0 && c.alreadyExpired(when):
		c.Delete(key)
		c.Effect(delWord, key)
		c.Notify(config.NotifyGeneric, "del", key)
	case expire != nil:
		c.DB.SetExpire(key, when)
		c.Dirty(1)
		c.Effect(strEffPexpireat, key, strconv.AppendInt(nil, when, 10))
		c.Notify(config.NotifyGeneric, "expire", key)
	case flags&optPersist != 0 && e.ExpireAt != 0:
		c.DB.SetExpire(key, 0)
		c.Dirty(1)
		c.Effect(strEffPersist, key)
		c.Notify(config.NotifyGeneric, "persist", key)
	}
}

func cmdAppend(c *Ctx) {
	key, tail := c.Args[1], c.Args[2]
	e, found, ok := c.WriteType(key, store.TypeString)
	if !ok {
		return
	}
	if !found {
		c.Set(key, store.Entry{Type: store.TypeString, Str: tail})
		c.Notify(config.NotifyString, "append", key)
		c.W.Int(int64(len(tail)))
		return
	}
	if !checkStringLength(c, int64(len(e.Str)), int64(len(tail))) {
		return
	}
	v := make([]byte, 0, len(e.Str)+len(tail))
	v = append(append(v, e.Str...), tail...)
	c.Set(key, store.Entry{Type: store.TypeString, Str: v, ExpireAt: e.ExpireAt, Enc: store.EncRaw})
	c.Notify(config.NotifyString, "append", key)
	c.W.Int(int64(len(v)))
}

func cmdStrlen(c *Ctx) {
	e, _, ok := c.ReadType(c.Args[1], store.TypeString)
	if ok {
		c.W.Int(int64(len(e.Str)))
	}
}

func cmdIncrby(c *Ctx) {
	incr, ok := ParseInt(c.Args[2])
	if !ok {
		c.Error(errNotInt)
		return
	}
	incrDecr(c, incr)
}

func cmdDecrby(c *Ctx) {
	incr, ok := ParseInt(c.Args[2])
	if !ok {
		c.Error(errNotInt)
		return
	}
	if incr == math.MinInt64 {
		c.Error("ERR decrement would overflow")
		return
	}
	incrDecr(c, -incr)
}

// incrDecr adds incr to the integer at key (0 when missing), keeping its TTL.
func incrDecr(c *Ctx, incr int64) {
	key := c.Args[1]
	e, found, ok := c.WriteType(key, store.TypeString)
	if !ok {
		return
	}
	var v int64
	if found {
		if v, ok = ParseInt(e.Str); !ok {
			c.Error(errNotInt)
			return
		}
	}
	if (incr < 0 && v < 0 && incr < math.MinInt64-v) || (incr > 0 && v > 0 && incr > math.MaxInt64-v) {
		c.Error(errOverflow)
		return
	}
	v += incr
	digits := strconv.AppendInt(c.num[:0], v, 10)
	c.Set(key, store.Entry{Type: store.TypeString, Str: digits, ExpireAt: e.ExpireAt})
	c.Notify(config.NotifyString, "incrby", key)
	c.W.IntText(digits)
}

func cmdIncrbyfloat(c *Ctx) {
	key := c.Args[1]
	e, found, ok := c.WriteType(key, store.TypeString)
	if !ok {
		return
	}
	value := newLongDouble()
	if found {
		if value, ok = parseLongDouble(e.Str); !ok {
			c.Error(errNotFloat)
			return
		}
	}
	incr, ok := parseLongDouble(c.Args[2])
	if !ok {
		c.Error(errNotFloat)
		return
	}
	if value.IsInf() || incr.IsInf() || !ldFinite(value.Add(value, incr)) {
		c.Error("ERR increment would produce NaN or Infinity")
		return
	}
	v := []byte(formatLongDouble(value))
	c.Set(key, store.Entry{Type: store.TypeString, Str: v, ExpireAt: e.ExpireAt, Enc: store.EncEmbstr})
	c.W.Bulk(v)
	c.Effect(strEffSet, key, v, strEffKeepttl)
	c.Notify(config.NotifyString, "incrbyfloat", key)
}

func cmdGetrange(c *Ctx) {
	start, ok := ParseInt(c.Args[2])
	if !ok {
		c.Error(errNotInt)
		return
	}
	end, ok := ParseInt(c.Args[3])
	if !ok {
		c.Error(errNotInt)
		return
	}
	e, _, ok := c.ReadType(c.Args[1], store.TypeString)
	if !ok {
		return
	}
	n := int64(len(e.Str))
	if start < 0 && end < 0 && start > end {
		c.W.Bulk(nil)
		return
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start, end = max(start, 0), max(end, 0)
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		c.W.Bulk(nil)
		return
	}
	c.W.Bulk(e.Str[start : end+1])
}

func cmdSetrange(c *Ctx) {
	key, val := c.Args[1], c.Args[3]
	offset, ok := ParseInt(c.Args[2])
	if !ok {
		c.Error(errNotInt)
		return
	}
	if offset < 0 {
		c.Error("ERR offset is out of range")
		return
	}
	e, found, ok := c.WriteType(key, store.TypeString)
	if !ok {
		return
	}
	if len(val) == 0 {
		// Setting nothing changes nothing (and creates no key).
		c.W.Int(int64(len(e.Str)))
		return
	}
	if !checkStringLength(c, offset, int64(len(val))) {
		return
	}
	n := max(int64(len(e.Str)), offset+int64(len(val)))
	v := make([]byte, n)
	if found {
		copy(v, e.Str)
	}
	copy(v[offset:], val)
	c.Set(key, store.Entry{Type: store.TypeString, Str: v, ExpireAt: e.ExpireAt, Enc: store.EncRaw})
	c.Notify(config.NotifyString, "setrange", key)
	c.W.Int(n)
}

const errLcsType = "ERR The specified keys must contain string values"

func cmdLcs(c *Ctx) {
	a, aFound := c.Read(c.Args[1])
	var aStr []byte
	if aFound && a.Type == store.TypeString {
		// The next lookup may expire (delete) a key: keep a copy.
		aStr = bytes.Clone(a.Str)
	}
	b, bFound := c.Read(c.Args[2])
	if (aFound && a.Type != store.TypeString) || (bFound && b.Type != store.TypeString) {
		c.Error(errLcsType)
		return
	}
	lcsReply(c.W, aStr, b.Str, c.Args[3:], protoMaxBulk(c.S.srv))
}

// multiLcs reads both strings from their shards and computes the LCS on
// the coordinator.
func multiLcs(m *Multi) {
	type read struct {
		v     []byte
		wrong bool
	}
	var vals [2]read
	for i, k := range m.Args[1:3] {
		vals[i] = m.On(m.srv.shardOf(k), func(c *Ctx) any {
			e, found := c.Read(k)
			if !found {
				return read{}
			}
			if e.Type != store.TypeString {
				return read{wrong: true}
			}
			return read{v: bytes.Clone(e.Str)}
		}).(read)
	}
	m.Release(m.srv.shardOf(m.Args[1]))
	m.Release(m.srv.shardOf(m.Args[2]))
	if vals[0].wrong || vals[1].wrong {
		m.W.Error(errLcsType)
		return
	}
	lcsReply(&m.W, vals[0].v, vals[1].v, m.Args[3:], protoMaxBulk(m.srv))
}

// lcsReply parses LCS's options and replies the longest common subsequence
// of a and b (or its length, or the matching ranges), as Redis's
// lcsCommand, including its transient memory limit.
func lcsReply(w *resp.Writer, a, b []byte, opts [][]byte, maxBulk int64) {
	var getLen, getIdx, withMatchLen bool
	var minMatchLen int64
	for j := 0; j < len(opts); j++ {
		opt := opts[j]
		switch {
		case strOptIs(opt, "idx"):
			getIdx = true
		case strOptIs(opt, "len"):
			getLen = true
		case strOptIs(opt, "withmatchlen"):
			withMatchLen = true
		case strOptIs(opt, "minmatchlen") && j+1 < len(opts):
			v, ok := ParseInt(opts[j+1])
			if !ok {
				w.Error(errNotInt)
				return
			}
			minMatchLen = max(v, 0)
			j++
		default:
			w.Error(errSyntax)
			return
		}
	}
	if getLen && getIdx {
		w.Error("ERR If you want both the length and indexes, please just use IDX.")
		return
	}
	if uint64(len(a)) >= math.MaxUint32-1 || uint64(len(b)) >= math.MaxUint32-1 {
		w.Error("ERR String too long for LCS")
		return
	}
	alen, blen := len(a), len(b)
	if (uint64(alen)+1)*(uint64(blen)+1)*4 > uint64(maxBulk) {
		w.Error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
		return
	}
	if getLen {
		w.Int(int64(lcsLength(a, b)))
		return
	}
	// table[i*(blen+1)+j] is the LCS length of a[:i] and b[:j].
	stride := blen + 1
	table := make([]uint32, (alen+1)*stride)
	for i := 1; i <= alen; i++ {
		for j := 1; j <= blen; j++ {
			switch {
			case a[i-1] == b[j-1]:
				table[i*stride+j] = table[(i-1)*stride+j-1] + 1
			default:
				table[i*stride+j] = max(table[(i-1)*stride+j], table[i*stride+j-1])
			}
		}
	}
	idx := int(table[alen*stride+blen])
	result := make([]byte, idx)
	type match struct{ aStart, aEnd, bStart, bEnd int }
	var matches []match
	// Walk back from the end, collecting the LCS and, for IDX, its
	// contiguous ranges (alen in aStart means no range is open).
	aStart, aEnd, bStart, bEnd := alen, 0, 0, 0
	i, j := alen, blen
	for i > 0 && j > 0 {
		emit := false
		if a[i-1] == b[j-1] {
			result[idx-1] = a[i-1]
			switch {
			case aStart == alen:
				aStart, aEnd, bStart, bEnd = i-1, i-1, j-1, j-1
			case aStart == i && bStart == j:
				aStart--
				bStart--
			default:
				emit = true
			}
			if aStart == 0 || bStart == 0 {
				emit = true
			}
			idx--
			i--
			j--
		} else {
			if table[(i-1)*stride+j] > table[i*stride+j-1] {
				i--
			} else {
				j--
			}
			if aStart != alen {
				emit = true
			}
		}
		if emit {
			if n := int64(aEnd - aStart + 1); minMatchLen == 0 || n >= minMatchLen {
				matches = append(matches, match{aStart, aEnd, bStart, bEnd})
			}
			aStart = alen
		}
	}
	if !getIdx {
		w.Bulk(result)
		return
	}
	w.Map(2)
	w.BulkString("matches")
	w.Array(len(matches))
	for _, m := range matches {
		if withMatchLen {
			w.Array(3)
		} else {
			w.Array(2)
		}
		w.Array(2)
		w.Int(int64(m.aStart))
		w.Int(int64(m.aEnd))
		w.Array(2)
		w.Int(int64(m.bStart))
		w.Int(int64(m.bEnd))
		if withMatchLen {
			w.Int(int64(m.aEnd - m.aStart + 1))
		}
	}
	w.BulkString("len")
	w.Int(int64(table[alen*stride+blen]))
}

// lcsLength is the LCS length alone, in two rows of memory.
func lcsLength(a, b []byte) uint32 {
	prev := make([]uint32, len(b)+1)
	cur := make([]uint32, len(b)+1)
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] {
				cur[j] = prev[j-1] + 1
			} else {
				cur[j] = max(prev[j], cur[j-1])
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// INCRBYFLOAT computes in long double like Redis on x86-64: the x87
// extended format, a 64-bit significand and a 15-bit exponent. big.Float
// with 64 bits of precision rounds the same way; the exponent range is
// checked by hand.
const (
	ldPrec = 64
	// maxLongDoubleChars is Redis's MAX_LONG_DOUBLE_CHARS: longer inputs
	// are refused.
	maxLongDoubleChars = 5 * 1024
	// In big.Float's mantissa×2^exp form (0.5 ≤ mantissa < 1), finite long
	// doubles have ldMinExp ≤ exp ≤ ldMaxExp (subnormals included).
	ldMaxExp = 16384
	ldMinExp = -16444
)

func newLongDouble() *big.Float {
	return new(big.Float).SetPrec(ldPrec).SetMode(big.ToNearestEven)
}

// ldFinite reports whether f is representable as a finite long double.
func ldFinite(f *big.Float) bool {
	return !f.IsInf() && (f.Sign() == 0 || f.MantExp(nil) <= ldMaxExp)
}

// parseLongDouble parses b as Redis's string2ld: strtold over the whole
// string (decimal or hexadecimal, "inf"/"infinity"), no leading space, NaN
// refused, and values that overflow or underflow to zero refused.
func parseLongDouble(b []byte) (*big.Float, bool) {
	if len(b) == 0 || len(b) >= maxLongDoubleChars || isSpace(b[0]) {
		return nil, false
	}
	s := b
	neg := false
	if s[0] == '+' || s[0] == '-' {
		neg = s[0] == '-'
		s = s[1:]
	}
	f := newLongDouble()
	if strOptIs(s, "inf") || strOptIs(s, "infinity") {
		return f.SetInf(neg), true
	}
	hex := len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')
	if hex {
		s = s[2:]
	}
	mant, exp, ok := scanFloatText(s, hex)
	if !ok {
		return nil, false
	}
	if mant.Sign() == 0 {
		if neg {
			f.Neg(f)
		}
		return f, true
	}
	// The value is mant×2^exp (hex) or mant×10^exp: magnitudes far outside
	// the long double range (about 3.6e-4951 to 1.2e4932) are refused before
	// any big arithmetic on them; the exact bounds are checked after rounding.
	if hex {
		mag := int64(mant.BitLen()) + exp
		if mag > ldMaxExp+1 || mag < ldMinExp-1 {
			return nil, false
		}
		f.SetInt(mant)
		f.SetMantExp(f, int(exp))
	} else {
		mag := int64(len(mant.String())) + exp // 10^(mag-1) ≤ value < 10^mag
		if mag > 4934 || mag < -4952 {
			return nil, false
		}
		r := new(big.Rat)
		pow := new(big.Int).Exp(big.NewInt(10), big.NewInt(max(exp, -exp)), nil)
		if exp >= 0 {
			r.SetInt(new(big.Int).Mul(mant, pow))
		} else {
			r.SetFrac(mant, pow)
		}
		f.SetRat(r)
	}
	if !ldFinite(f) || f.MantExp(nil) < ldMinExp {
		return nil, false
	}
	if neg {
		f.Neg(f)
	}
	return f, true
}

// scanFloatText parses strtod's digits[.digits][e[sign]digits] (hex:
// hexdigits[.hexdigits][p[sign]digits]) as an integer mantissa and an
// exponent: the value is mant×10^exp (hex: mant×2^exp). At least one
// mantissa digit is required and nothing may follow.
func scanFloatText(s []byte, hex bool) (*big.Int, int64, bool) {
	base, expChar := 10, byte('e')
	if hex {
		base, expChar = 16, 'p'
	}
	digit := func(c byte) bool {
		if hex {
			return ('0' <= c && c <= '9') || ('a' <= c|0x20 && c|0x20 <= 'f')
		}
		return '0' <= c && c <= '9'
	}
	var digits []byte
	var frac int64
	i := 0
	for ; i < len(s) && digit(s[i]); i++ {
		digits = append(digits, s[i])
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && digit(s[i]); i++ {
			digits = append(digits, s[i])
			frac++
		}
	}
	if len(digits) == 0 {
		return nil, 0, false
	}
	var exp int64
	if i < len(s) && s[i]|0x20 == expChar {
		i++
		expNeg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			expNeg = s[i] == '-'
			i++
		}
		start := i
		for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
			if exp < 1<<40 { // far beyond any finite long double: saturate
				exp = exp*10 + int64(s[i]-'0')
			}
		}
		if i == start {
			return nil, 0, false
		}
		if expNeg {
			exp = -exp
		}
	}
	if i != len(s) {
		return nil, 0, false
	}
	mant, ok := new(big.Int).SetString(string(digits), base)
	if !ok {
		return nil, 0, false
	}
	if hex {
		return mant, exp - 4*frac, true
	}
	return mant, exp - frac, true
}

// formatLongDouble renders f as Redis's ld2string in LD_STR_HUMAN mode:
// "%.17Lf" with trailing zeros (and a bare point) removed, "-0" as "0".
func formatLongDouble(f *big.Float) string {
	s := f.Text('f', 17)
	if strings.IndexByte(s, '.') >= 0 {
		end := len(s)
		for s[end-1] == '0' {
			end--
		}
		if s[end-1] == '.' {
			end--
		}
		s = s[:end]
	}
	if s == "-0" {
		return "0"
	}
	return s
}
