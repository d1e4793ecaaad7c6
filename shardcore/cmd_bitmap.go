package shardcore

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/bits"

	"github.com/keeldb/keel/shardcore/store"
)

func init() {
	register(
		&Command{Name: "setbit", Arity: 4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Group: "bitmap", Since: "2.2.0", Summary: "Sets or clears the bit at offset in the string value stored at key", Fn: cmdSetbit},
		&Command{Name: "getbit", Arity: 3, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Group: "bitmap", Since: "2.2.0", Summary: "Returns the bit value at offset in the string value stored at key", Fn: cmdGetbit},
		&Command{Name: "bitcount", Arity: -2, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Group: "bitmap", Since: "2.6.0", Summary: "Count set bits in a string", Fn: cmdBitcount},
		&Command{Name: "bitpos", Arity: -3, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Group: "bitmap", Since: "2.8.7", Summary: "Find first bit set or clear in a string", Fn: cmdBitpos},
		&Command{Name: "bitop", Arity: -4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 2, LastKey: -1, Group: "bitmap", Since: "2.6.0", Summary: "Perform bitwise operations between strings", Fn: cmdBitop, Multi: multiBitop},
		&Command{Name: "bitfield", Arity: -2, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Group: "bitmap", Since: "3.2.0", Summary: "Perform arbitrary bitfield integer operations on strings", Fn: func(c *Ctx) { bitfieldGeneric(c, false) }},
		&Command{Name: "bitfield_ro", Arity: -2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Group: "bitmap", Since: "6.0.0", Summary: "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD", Fn: func(c *Ctx) { bitfieldGeneric(c, true) }},
	)
}

const (
	errBitValue     = "ERR bit is not an integer or out of range"
	errBitArg       = "ERR The bit argument must be 1 or 0."
	errBitfieldType = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
)

// bitOffset parses a bit offset as Redis's getBitOffsetFromArgument: a
// non-negative integer addressing a byte below proto-max-bulk-len; with
// hash (BITFIELD), "#n" means n*bits.
func bitOffset(c *Ctx, arg []byte, hash bool, width int) (uint64, bool) {
	useHash := hash && width > 0 && len(arg) > 0 && arg[0] == '#'
	if useHash {
		arg = arg[1:]
	}
	off, ok := ParseInt(arg)
	if !ok {
		c.Error(errBitOffset)
		return 0, false
	}
	if useHash {
		off *= int64(width) // wraps like Redis's; a negative result is refused
	}
	if off < 0 || off>>3 >= protoMaxBulk(c.S.srv) {
		c.Error(errBitOffset)
		return 0, false
	}
	return uint64(off), true
}

func cmdSetbit(c *Ctx) {
	key := c.Args[1]
	off, ok := bitOffset(c, c.Args[2], false, 0)
	if !ok {
		return
	}
	on, ok := ParseInt(c.Args[3])
	if !ok || on&^1 != 0 {
		c.Error(errBitValue)
		return
	}
	e, _, ok := c.WriteType(key, store.TypeString)
	if !ok {
		return
	}
	idx := off >> 3
	mask := byte(0x80) >> (off & 7)
	var old int64
	if idx < uint64(len(e.Str)) && e.Str[idx]&mask != 0 {
		old = 1
	}
	// A missing key or a short string grows (zero-padded) even when the
	// bit itself keeps its value.
	if idx >= uint64(len(e.Str)) || old != on {
		v := make([]byte, max(uint64(len(e.Str)), idx+1))
		copy(v, e.Str)
		if on == 1 {
			v[idx] |= mask
		} else {
			v[idx] &^= mask
		}
		c.Set(key, store.Entry{Type: store.TypeString, Str: v, ExpireAt: e.ExpireAt, Enc: store.EncRaw})
	}
	c.W.Int(old)
}

func cmdGetbit(c *Ctx) {
	off, ok := bitOffset(c, c.Args[2], false, 0)
	if !ok {
		return
	}
	e, _, ok := c.ReadType(c.Args[1], store.TypeString)
	if !ok {
		return
	}
	var bit int64
	if idx := off >> 3; idx < uint64(len(e.Str)) && e.Str[idx]&(0x80>>(off&7)) != 0 {
		bit = 1
	}
	c.W.Int(bit)
}

// bitUnit parses BITCOUNT/BITPOS's BIT|BYTE; ok=false after a syntax error.
func bitUnit(c *Ctx, arg []byte) (isBit, ok bool) {
	switch {
	case strOptIs(arg, "bit"):
		return true, true
	case strOptIs(arg, "byte"):
		return false, true
	}
	c.Error(errSyntax)
	return false, false
}

// bitRange applies Redis's negative-index and bounds rules to an
// inclusive range over total units.
func bitRange(start, end, total int64) (int64, int64) {
	if start < 0 {
		start += total
	}
	if end < 0 {
		end += total
	}
	start, end = max(start, 0), max(end, 0)
	if end >= total {
		end = total - 1
	}
	return start, end
}

func cmdBitcount(c *Ctx) {
	// Redis 7.0 looks the key up before parsing the range: a missing key
	// counts 0 whatever the arguments.
	e, found, ok := c.ReadType(c.Args[1], store.TypeString)
	if !ok {
		return
	}
	if !found {
		c.W.Int(0)
		return
	}
	s := e.Str
	var start, end int64
	isBit := false
	switch len(c.Args) {
	case 4, 5:
		if start, ok = ParseInt(c.Args[2]); !ok {
			c.Error(errNotInt)
			return
		}
		if end, ok = ParseInt(c.Args[3]); !ok {
			c.Error(errNotInt)
			return
		}
		if start < 0 && end < 0 && start > end {
			c.W.Int(0)
			return
		}
		if len(c.Args) == 5 {
			if isBit, ok = bitUnit(c, c.Args[4]); !ok {
				return
			}
		}
		total := int64(len(s))
		if isBit {
			total *= 8
		}
		start, end = bitRange(start, end, total)
	case 2:
		start, end = 0, int64(len(s))-1
	default:
		c.Error(errSyntax)
		return
	}
	if start > end {
		c.W.Int(0)
		return
	}
	if !isBit {
		start, end = start*8, end*8+7
	}
	c.W.Int(countBits(s, start, end))
}

// countBits counts the set bits of s between bit positions from and to
// (inclusive, most significant bit first).
func countBits(s []byte, from, to int64) int64 {
	first, last := from>>3, to>>3
	headMask := byte(0xff) >> (from & 7)
	tailMask := byte(0xff) << (7 - to&7)
	if first == last {
		return int64(bits.OnesCount8(s[first] & headMask & tailMask))
	}
	n := int64(bits.OnesCount8(s[first]&headMask) + bits.OnesCount8(s[last]&tailMask))
	return n + bitPopcount(s[first+1:last])
}

func bitPopcount(s []byte) int64 {
	var n int
	for len(s) >= 8 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(s))
		s = s[8:]
	}
	for _, b := range s {
		n += bits.OnesCount8(b)
	}
	return int64(n)
}

func cmdBitpos(c *Ctx) {
	bit, ok := ParseInt(c.Args[2])
	if !ok {
		c.Error(errNotInt)
		return
	}
	if bit != 0 && bit != 1 {
		c.Error(errBitArg)
		return
	}
	e, found, ok := c.ReadType(c.Args[1], store.TypeString)
	if !ok {
		return
	}
	if !found {
		// A missing key is an infinite run of zeros.
		c.W.Int(-bit)
		return
	}
	s := e.Str
	n := int64(len(s))
	var start, end int64
	isBit, endGiven := false, false
	switch len(c.Args) {
	case 4, 5, 6:
		if start, ok = ParseInt(c.Args[3]); !ok {
			c.Error(errNotInt)
			return
		}
		if len(c.Args) == 6 {
			if isBit, ok = bitUnit(c, c.Args[5]); !ok {
				return
			}
		}
		if len(c.Args) >= 5 {
			if end, ok = ParseInt(c.Args[4]); !ok {
				c.Error(errNotInt)
				return
			}
			endGiven = true
		} else {
			end = n - 1
		}
		total := n
		if isBit {
			total *= 8
		}
		start, end = bitRange(start, end, total)
	case 3:
		start, end = 0, n-1
	default:
		c.Error(errSyntax)
		return
	}
	if start > end {
		c.W.Int(-1)
		return
	}
	if !isBit {
		start, end = start*8, end*8+7
	}
	pos := findBit(s, start, end, byte(bit))
	if pos < 0 && bit == 0 && !endGiven {
		// Without an explicit end the string counts as padded with zeros
		// on the right: the first clear bit is just past it.
		pos = end + 1
	}
	c.W.Int(pos)
}

// findBit returns the position of the first bit equal to bit between bit
// positions from and to (inclusive), or -1.
func findBit(s []byte, from, to int64, bit byte) int64 {
	first, last := from>>3, to>>3
	var skip uint64 // a word without any sought bit
	if bit == 0 {
		skip = math.MaxUint64
	}
	for i := first; i <= last; i++ {
		if i > first && i+8 <= last && binary.LittleEndian.Uint64(s[i:]) == skip {
			i += 7
			continue
		}
		b := s[i]
		if bit == 0 {
			b = ^b
		}
		if i == first {
			b &= 0xff >> (from & 7)
		}
		if i == last {
			b &= 0xff << (7 - to&7)
		}
		if b != 0 {
			return i*8 + int64(bits.LeadingZeros8(b))
		}
	}
	return -1
}

// BITOP operations.
const (
	bitopAnd = iota
	bitopOr
	bitopXor
	bitopNot
)

// parseBitop checks BITOP's operation and its source count; it returns the
// error reply ("" when fine).
func parseBitop(args [][]byte) (int, string) {
	var op int
	switch {
	case strOptIs(args[1], "and"):
		op = bitopAnd
	case strOptIs(args[1], "or"):
		op = bitopOr
	case strOptIs(args[1], "xor"):
		op = bitopXor
	case strOptIs(args[1], "not"):
		op = bitopNot
	default:
		return 0, errSyntax
	}
	if op == bitopNot && len(args) != 4 {
		return 0, "ERR BITOP NOT must be called with a single source key."
	}
	return op, ""
}

// bitop computes op over srcs, shorter strings counting as zero-padded; the
// result is as long as the longest source (nil when all are empty).
func bitop(op int, srcs [][]byte) []byte {
	n := 0
	for _, s := range srcs {
		n = max(n, len(s))
	}
	if n == 0 {
		return nil
	}
	res := make([]byte, n)
	copy(res, srcs[0])
	if op == bitopNot {
		for j := range res {
			res[j] = ^res[j]
		}
		return res
	}
	for _, s := range srcs[1:] {
		switch op {
		case bitopAnd:
			clear(res[len(s):])
			combineWords(res, s, func(a, b uint64) uint64 { return a & b })
		case bitopOr:
			combineWords(res, s, func(a, b uint64) uint64 { return a | b })
		case bitopXor:
			combineWords(res, s, func(a, b uint64) uint64 { return a ^ b })
		}
	}
	return res
}

// combineWords sets dst[i] = f(dst[i], src[i]) over src's length, a word at
// a time.
func combineWords(dst, src []byte, f func(a, b uint64) uint64) {
	src = src[:min(len(src), len(dst))]
	j := 0
	for ; j+8 <= len(src); j += 8 {
		binary.LittleEndian.PutUint64(dst[j:], f(binary.LittleEndian.Uint64(dst[j:]), binary.LittleEndian.Uint64(src[j:])))
	}
	for ; j < len(src); j++ {
		dst[j] = byte(f(uint64(dst[j]), uint64(src[j])))
	}
}

func cmdBitop(c *Ctx) {
	op, msg := parseBitop(c.Args)
	if msg != "" {
		c.Error(msg)
		return
	}
	srcs := make([][]byte, 0, len(c.Args)-3)
	for _, k := range c.Args[3:] {
		e, _, ok := c.ReadType(k, store.TypeString)
		if !ok {
			return
		}
		// A later lookup may expire (delete) a key: keep copies.
		srcs = append(srcs, bytes.Clone(e.Str))
	}
	res := bitop(op, srcs)
	dest := c.Args[2]
	if len(res) > 0 {
		c.Set(dest, store.Entry{Type: store.TypeString, Str: res, Enc: store.EncRaw})
	} else {
		c.Delete(dest)
	}
	c.W.Int(int64(len(res)))
}

// multiBitop reads each source on its shard, computes on the coordinator
// and writes the destination on its shard, logged there as a SET (or DEL)
// since the sources are not on that shard to replay the operation.
func multiBitop(m *Multi) {
	op, msg := parseBitop(m.Args)
	if msg != "" {
		m.W.Error(msg)
		return
	}
	keys := m.Args[3:]
	srcs := make([][]byte, len(keys))
	for _, ok := range m.Each(func(c *Ctx) any {
		for i, k := range keys {
			if m.srv.shardOf(k) != c.S {
				continue
			}
			e, found := c.Read(k)
			if !found {
				continue
			}
			if e.Type != store.TypeString {
				return false
			}
			srcs[i] = bytes.Clone(e.Str)
		}
		return true
	}) {
		if !ok.(bool) {
			m.W.Error(errWrongType)
			return
		}
	}
	res := bitop(op, srcs)
	dest := m.Args[2]
	m.On(m.srv.shardOf(dest), func(c *Ctx) any {
		if len(res) > 0 {
			c.Set(dest, store.Entry{Type: store.TypeString, Str: res, Enc: store.EncRaw})
			c.Effect(strEffSet, dest, res)
		} else if c.Delete(dest) {
			c.Effect(delWord, dest)
		}
		return nil
	})
	m.W.Int(int64(len(res)))
}

// BITFIELD overflow behaviours.
const (
	overflowWrap = iota
	overflowSat
	overflowFail
)

type bitfieldOp struct {
	offset   uint64
	value    int64 // SET value or INCRBY increment
	op       byte  // 'g'et, 's'et, 'i'ncrby
	overflow int
	width    int
	signed   bool
}

// bitfieldType parses i1..i64 / u1..u63.
func bitfieldType(arg []byte) (signed bool, width int, ok bool) {
	if len(arg) == 0 || (arg[0] != 'i' && arg[0] != 'u') {
		return false, 0, false
	}
	signed = arg[0] == 'i'
	n, ok := ParseInt(arg[1:])
	if !ok || n < 1 || (signed && n > 64) || (!signed && n > 63) {
		return false, 0, false
	}
	return signed, int(n), true
}

// bitfieldGeneric is BITFIELD and (readonlyCmd) BITFIELD_RO, as Redis's
// bitfieldGeneric: every operation is parsed first, then run in order.
func bitfieldGeneric(c *Ctx, readonlyCmd bool) {
	args := c.Args
	var ops []bitfieldOp
	overflow := overflowWrap
	readonly := true
	var highest uint64 // the last bit any write reaches
	for j := 2; j < len(args); j++ {
		rem := len(args) - j - 1
		var op byte
		switch sub := args[j]; {
		case strOptIs(sub, "get") && rem >= 2:
			op = 'g'
		case strOptIs(sub, "set") && rem >= 3:
			op = 's'
		case strOptIs(sub, "incrby") && rem >= 3:
			op = 'i'
		case strOptIs(sub, "overflow") && rem >= 1:
			j++
			switch {
			case strOptIs(args[j], "wrap"):
				overflow = overflowWrap
			case strOptIs(args[j], "sat"):
				overflow = overflowSat
			case strOptIs(args[j], "fail"):
				overflow = overflowFail
			default:
				c.Error("ERR Invalid OVERFLOW type specified")
				return
			}
			continue
		default:
			c.Error(errSyntax)
			return
		}
		signed, width, ok := bitfieldType(args[j+1])
		if !ok {
			c.Error(errBitfieldType)
			return
		}
		off, ok := bitOffset(c, args[j+2], true, width)
		if !ok {
			return
		}
		var v int64
		if op != 'g' {
			readonly = false
			highest = max(highest, off+uint64(width)-1)
			if v, ok = ParseInt(args[j+3]); !ok {
				c.Error(errNotInt)
				return
			}
			j++
		}
		ops = append(ops, bitfieldOp{offset: off, value: v, op: op, overflow: overflow, width: width, signed: signed})
		j += 2
	}

	key := args[1]
	var buf []byte
	var expire int64
	changed := false
	if readonly {
		e, _, ok := c.ReadType(key, store.TypeString)
		if !ok {
			return
		}
		buf = e.Str
	} else {
		if readonlyCmd {
			c.Error("ERR BITFIELD_RO only supports the GET subcommand")
			return
		}
		e, found, ok := c.WriteType(key, store.TypeString)
		if !ok {
			return
		}
		// Like Redis, the string is created or grown to the farthest bit
		// written even when an overflow FAIL then writes nothing.
		n := max(uint64(len(e.Str)), highest>>3+1)
		buf = make([]byte, n)
		copy(buf, e.Str)
		changed = !found || n > uint64(len(e.Str))
		expire = e.ExpireAt
	}

	c.W.Array(len(ops))
	for _, op := range ops {
		if op.op == 'g' {
			if op.signed {
				c.W.Int(getSignedBits(buf, op.offset, op.width))
			} else {
				c.W.Int(int64(getUnsignedBits(buf, op.offset, op.width)))
			}
			continue
		}
		var oldv, newv, ret uint64
		var over int
		if op.signed {
			o := getSignedBits(buf, op.offset, op.width)
			var n, wrapped int64
			if op.op == 'i' {
				over, wrapped = signedOverflow(o, op.value, op.width, op.overflow)
				n = o + op.value
				if over != 0 {
					n = wrapped
				}
				ret = uint64(n)
			} else {
				n = op.value
				if over, wrapped = signedOverflow(n, 0, op.width, op.overflow); over != 0 {
					n = wrapped
				}
				ret = uint64(o)
			}
			oldv, newv = uint64(o), uint64(n)
		} else {
			o := getUnsignedBits(buf, op.offset, op.width)
			var n, wrapped uint64
			if op.op == 'i' {
				n = o + uint64(op.value)
				if over, wrapped = unsignedOverflow(o, op.value, op.width, op.overflow); over != 0 {
					n = wrapped
				}
				ret = n
			} else {
				n = uint64(op.value)
				if over, wrapped = unsignedOverflow(n, 0, op.width, op.overflow); over != 0 {
					n = wrapped
				}
				ret = o
			}
			oldv, newv = o, n
		}
		if over != 0 && op.overflow == overflowFail {
			c.W.Null()
			continue
		}
		c.W.Int(int64(ret))
		setBits(buf, op.offset, op.width, newv)
		if oldv != newv {
			changed = true
		}
	}
	if changed {
		c.Set(key, store.Entry{Type: store.TypeString, Str: buf, ExpireAt: expire, Enc: store.EncRaw})
	}
}

// getUnsignedBits reads width bits at bit offset off, most significant
// first; bits past the end of s read as zero.
func getUnsignedBits(s []byte, off uint64, width int) uint64 {
	var v uint64
	for j := 0; j < width; j++ {
		var bit uint64
		if idx := off >> 3; idx < uint64(len(s)) {
			bit = uint64(s[idx]>>(7-off&7)) & 1
		}
		v = v<<1 | bit
		off++
	}
	return v
}

func getSignedBits(s []byte, off uint64, width int) int64 {
	v := getUnsignedBits(s, off, width)
	if width < 64 && v&(1<<(width-1)) != 0 {
		v |= math.MaxUint64 << width // sign extension
	}
	return int64(v)
}

// setBits writes the low width bits of v at bit offset off; s is long
// enough.
func setBits(s []byte, off uint64, width int, v uint64) {
	for j := 0; j < width; j++ {
		mask := byte(0x80) >> (off & 7)
		if v&(1<<(width-1-j)) != 0 {
			s[off>>3] |= mask
		} else {
			s[off>>3] &^= mask
		}
		off++
	}
}

// unsignedOverflow is Redis's checkUnsignedBitfieldOverflow: it reports +1
// or -1 when value+incr leaves the width's range, with the value to store
// under WRAP or SAT.
func unsignedOverflow(value uint64, incr int64, width, mode int) (int, uint64) {
	maxv := uint64(1)<<width - 1
	maxIncr := int64(maxv - value)
	minIncr := -int64(value)
	wrap := func() uint64 { return (value + uint64(incr)) & maxv }
	switch {
	case value > maxv || (incr > 0 && incr > maxIncr):
		if mode == overflowWrap {
			return 1, wrap()
		}
		return 1, maxv
	case incr < 0 && incr < minIncr:
		if mode == overflowWrap {
			return -1, wrap()
		}
		return -1, 0
	}
	return 0, 0
}

// signedOverflow is Redis's checkSignedBitfieldOverflow.
func signedOverflow(value, incr int64, width, mode int) (int, int64) {
	maxv := int64(math.MaxInt64)
	if width < 64 {
		maxv = int64(1)<<(width-1) - 1
	}
	minv := -maxv - 1
	maxIncr := int64(uint64(maxv) - uint64(value))
	minIncr := minv - value
	wrap := func() int64 {
		c := uint64(value) + uint64(incr)
		if width < 64 {
			mask := uint64(math.MaxUint64) << width
			if c&(1<<(width-1)) != 0 {
				c |= mask
			} else {
				c &^= mask
			}
		}
		return int64(c)
	}
	switch {
	case value > maxv || (width != 64 && incr > maxIncr) || (value >= 0 && incr > 0 && incr > maxIncr):
		if mode == overflowWrap {
			return 1, wrap()
		}
		return 1, maxv
	case value < minv || (width != 64 && incr < minIncr) || (value < 0 && incr < 0 && incr < minIncr):
		if mode == overflowWrap {
			return -1, wrap()
		}
		return -1, minv
	}
	return 0, 0
}
