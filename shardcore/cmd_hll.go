package shardcore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/keeldb/keel/shardcore/store"
)

func init() {
	register(
		&Command{Name: "pfadd", Arity: -2, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Group: "hyperloglog", Since: "2.8.9", Summary: "Adds the specified elements to the specified HyperLogLog.", Fn: cmdPfadd},
		&Command{Name: "pfcount", Arity: -2, Flags: FlagReadonly, FirstKey: 1, LastKey: -1, Group: "hyperloglog", Since: "2.8.9", Summary: "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).", Fn: cmdPfcount, Multi: multiPfcount},
		&Command{Name: "pfmerge", Arity: -2, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: -1, Group: "hyperloglog", Since: "2.8.9", Summary: "Merge N different HyperLogLogs into a single one.", Fn: cmdPfmerge, Multi: multiPfmerge},
		&Command{Name: "pfdebug", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagAdmin, FirstKey: 2, LastKey: 2, Group: "hyperloglog", Since: "2.8.9", Summary: "Internal commands for debugging HyperLogLog values", Fn: cmdPfdebug},
		&Command{Name: "pfselftest", Arity: 1, Flags: FlagAdmin, Group: "hyperloglog", Since: "2.8.9", Summary: "An internal command for testing HyperLogLog values", Fn: cmdPfselftest},
	)
}

const (
	errHLLWrongType = "WRONGTYPE Key is not a valid HyperLogLog string value."
	errHLLInvalid   = "INVALIDOBJ Corrupted HLL object detected"
)

var hllEffPfcount = []byte("PFCOUNT")

func hllSparseMax(c *Ctx) int64 { return c.S.srv.config().HLLSparseMaxBytes }

// hllClone copies a stored HLL with room for in-place sparse growth.
func hllClone(b []byte) []byte {
	out := make([]byte, len(b), len(b)+hllRoom)
	copy(out, b)
	return out
}

// hllStore writes an HLL back keeping the key's TTL. Redis's HLL commands
// unshare the value, which makes it "raw" in OBJECT ENCODING.
func hllStore(c *Ctx, key, b []byte, expireAt int64) {
	c.Set(key, store.Entry{Type: store.TypeString, Str: b, ExpireAt: expireAt, Enc: store.EncRaw})
}

func cmdPfadd(c *Ctx) {
	key := c.Args[1]
	e, found, ok := c.WriteType(key, store.TypeString)
	if !ok {
		return
	}
	var hll []byte
	updated := 0
	if found {
		if !hllValid(e.Str) {
			c.Error(errHLLWrongType)
			return
		}
		hll = hllClone(e.Str)
	} else {
		hll = hllNew()
		updated++
	}
	sparseMax := hllSparseMax(c)
	for _, ele := range c.Args[2:] {
		var r int
		hll, r = hllAdd(hll, ele, sparseMax)
		switch r {
		case 1:
			updated++
		case -1:
			// Redis keeps what the earlier elements changed (cache bit
			// untouched) and replies the error. Replaying this argv would
			// fail, so the state is logged as the bytes themselves.
			if !bytes.Equal(hll, e.Str) {
				hllStore(c, key, hll, e.ExpireAt)
				c.Effect(strEffSet, key, hll, strEffKeepttl)
			}
			c.Error(errHLLInvalid)
			return
		}
	}
	if updated == 0 {
		c.W.Int(0)
		return
	}
	hllInvalidate(hll)
	hllStore(c, key, hll, e.ExpireAt)
	c.Dirty(updated - 1) // Redis adds one per changed register
	c.W.Int(1)
}

// hllMergeInto folds one looked-up value into regs with Redis's checks, in
// the order PFCOUNT and PFMERGE make them; it returns the error reply or "".
func hllMergeInto(regs *[hllRegisters]uint8, e store.Entry, found bool, dense *bool) string {
	switch {
	case !found:
		return "" // a missing key is an empty HLL
	case e.Type != store.TypeString:
		return errWrongType
	case !hllValid(e.Str):
		return errHLLWrongType
	}
	if e.Str[4] == hllDense {
		*dense = true
	}
	if !hllMerge(regs, e.Str) {
		return errHLLInvalid
	}
	return ""
}

func cmdPfcount(c *Ctx) {
	if len(c.Args) > 2 {
		var regs [hllRegisters]uint8
		var dense bool
		for _, k := range c.Args[1:] {
			e, found := c.Read(k)
			if msg := hllMergeInto(&regs, e, found, &dense); msg != "" {
				c.Error(msg)
				return
			}
		}
		c.W.Int(int64(hllCountRegs(&regs)))
		return
	}
	key := c.Args[1]
	e, found, ok := c.ReadType(key, store.TypeString)
	switch {
	case !ok:
		return
	case !found:
		c.W.Int(0)
		return
	case !hllValid(e.Str):
		c.Error(errHLLWrongType)
		return
	}
	if card, valid := hllCached(e.Str); valid {
		c.W.Int(int64(card))
		return
	}
	card, ok := hllCount(e.Str)
	if !ok {
		c.Error(errHLLInvalid)
		return
	}
	// The cache is part of the string's bytes (GET, DUMP and checkpoints
	// show it), so it is a write as in Redis, which propagates PFCOUNT
	// itself here. keel logs the same PFCOUNT: replayed on the same state
	// it recomputes the same bytes, in a record of a few bytes instead of
	// the whole string. A read-only transaction (EXEC of reads only) logs
	// no end marker for recovery to apply its records by, so there the
	// cache is left stale rather than changed without a durable record.
	if c.tx != nil && !c.tx.write {
		c.W.Int(int64(card))
		return
	}
	hll := bytes.Clone(e.Str)
	hllSetCached(hll, card)
	hllStore(c, key, hll, e.ExpireAt)
	c.Effect(hllEffPfcount, key)
	c.W.Int(int64(card))
}

// hllSource is a key's value copied out of its shard.
type hllSource struct {
	e     store.Entry
	found bool
}

// hllReadSources copies every key's value out of its shard (in parallel),
// for merging on the coordinator in argument order.
func hllReadSources(m *Multi, keys [][]byte) []hllSource {
	srcs := make([]hllSource, len(keys))
	m.Each(func(c *Ctx) any {
		for i, k := range keys {
			if m.srv.shardOf(k) != c.S {
				continue
			}
			if e, found := c.Read(k); found {
				srcs[i] = hllSource{e: store.Entry{Type: e.Type, Str: bytes.Clone(e.Str)}, found: true}
			}
		}
		return nil
	})
	return srcs
}

// hllMergeSources merges copied values in order; it returns the first
// error reply, as Redis stops at the first bad key.
func hllMergeSources(srcs []hllSource, regs *[hllRegisters]uint8, dense *bool) string {
	for _, s := range srcs {
		if msg := hllMergeInto(regs, s.e, s.found, dense); msg != "" {
			return msg
		}
	}
	return ""
}

// multiPfcount merges copies of the HLLs on the coordinator; with several
// keys Redis never touches the cache, so nothing is written.
func multiPfcount(m *Multi) {
	var regs [hllRegisters]uint8
	var dense bool
	if msg := hllMergeSources(hllReadSources(m, m.Args[1:]), &regs, &dense); msg != "" {
		m.W.Error(msg)
		return
	}
	m.W.Int(int64(hllCountRegs(&regs)))
}

func cmdPfmerge(c *Ctx) {
	var regs [hllRegisters]uint8
	var dense bool
	// The destination is a source too (Redis merges argv[1..]).
	for _, k := range c.Args[1:] {
		e, found := c.Read(k)
		if msg := hllMergeInto(&regs, e, found, &dense); msg != "" {
			c.Error(msg)
			return
		}
	}
	if _, msg := pfmergeStore(c, c.Args[1], &regs, dense); msg != "" {
		c.Error(msg)
		return
	}
	c.OK()
}

// multiPfmerge merges copies of the sources on the coordinator and writes
// the destination on its shard, logged there as a SET of the resulting
// bytes since the sources are not on that shard to replay the merge.
func multiPfmerge(m *Multi) {
	var regs [hllRegisters]uint8
	var dense bool
	if msg := hllMergeSources(hllReadSources(m, m.Args[1:]), &regs, &dense); msg != "" {
		m.W.Error(msg)
		return
	}
	dest := m.Args[1]
	msg := m.On(m.srv.shardOf(dest), func(c *Ctx) any {
		hll, msg := pfmergeStore(c, dest, &regs, dense)
		if msg == "" {
			c.Effect(strEffSet, dest, hll, strEffKeepttl)
		}
		return msg
	}).(string)
	if msg != "" {
		m.W.Error(msg)
		return
	}
	m.W.Simple("OK")
}

// pfmergeStore writes the merged registers into dest as Redis does: into
// the existing value (its header and cache bytes kept), converted to dense
// first when any source was dense, raising registers in index order so the
// sparse form (and its promotion point) is Redis's.
func pfmergeStore(c *Ctx, dest []byte, regs *[hllRegisters]uint8, dense bool) ([]byte, string) {
	e, found := c.Write(dest)
	var hll []byte
	if found {
		hll = hllClone(e.Str)
	} else {
		hll = hllNew()
	}
	if dense {
		var ok bool
		if hll, ok = hllSparseToDense(hll); !ok {
			return nil, errHLLInvalid
		}
	}
	sparseMax := hllSparseMax(c)
	for i, v := range regs {
		if v == 0 {
			continue
		}
		if hll[4] == hllDense {
			hllDenseSet(hll[hllHdrSize:], i, v)
		} else {
			hll, _ = hllSparseSet(hll, i, v, sparseMax)
		}
	}
	hllInvalidate(hll)
	hllStore(c, dest, hll, e.ExpireAt)
	return hll, ""
}

func cmdPfdebug(c *Ctx) {
	sub, key := c.Args[1], c.Args[2]
	e, found := c.Write(key)
	switch {
	case !found:
		c.Error("ERR The specified key does not exist")
		return
	case e.Type != store.TypeString:
		c.Error(errWrongType)
		return
	case !hllValid(e.Str):
		c.Error(errHLLWrongType)
		return
	}
	hll := e.Str
	// toDense converts a sparse value in place; false after an error reply.
	toDense := func() (converted, ok bool) {
		if hll[4] != hllSparse {
			return false, true
		}
		d, ok := hllSparseToDense(hll)
		if !ok {
			c.Error(errHLLInvalid)
			return false, false
		}
		hll = d
		hllStore(c, key, d, e.ExpireAt) // logged as this PFDEBUG, as Redis propagates it
		return true, true
	}
	switch {
	case strOptIs(sub, "getreg"):
		if _, ok := toDense(); !ok {
			return
		}
		c.W.Array(hllRegisters)
		regs := hll[hllHdrSize:]
		for i := 0; i < hllRegisters; i++ {
			c.W.Int(int64(hllDenseGet(regs, i)))
		}
	case strOptIs(sub, "decode"):
		if hll[4] != hllSparse {
			c.Error("ERR HLL encoding is not sparse")
			return
		}
		var sb strings.Builder
		for p := hllHdrSize; p < len(hll); {
			if sb.Len() > 0 {
				sb.WriteByte(' ')
			}
			switch op := hll[p]; {
			case hllIsZero(op):
				fmt.Fprintf(&sb, "z:%d", hllZeroLen(op))
				p++
			case hllIsXZero(op):
				fmt.Fprintf(&sb, "Z:%d", hllXZeroLen(hll, p))
				p += 2
			default:
				fmt.Fprintf(&sb, "v:%d,%d", hllValValue(op), hllValLen(op))
				p++
			}
		}
		c.W.BulkString(sb.String())
	case strOptIs(sub, "encoding"):
		if hll[4] == hllDense {
			c.W.Simple("dense")
		} else {
			c.W.Simple("sparse")
		}
	case strOptIs(sub, "todense"):
		converted, ok := toDense()
		if !ok {
			return
		}
		if converted {
			c.W.Int(1)
		} else {
			c.W.Int(0)
		}
	default:
		c.Error("ERR Unknown PFDEBUG subcommand '" + string(sub) + "'")
	}
}

// cmdPfselftest is Redis's PFSELFTEST: register access round trips, then
// dense and sparse agreement and the error bound up to 10^7 elements.
func cmdPfselftest(c *Ctx) {
	dense := make([]byte, hllDenseSize)
	regs := dense[hllHdrSize:]
	var want [hllRegisters]uint8
	for cycle := 0; cycle < 1000; cycle++ {
		for i := range want {
			want[i] = uint8(rand.IntN(hllRegisterMax + 1))
			hllDenseSetReg(regs, i, want[i])
		}
		for i, w := range want {
			if v := hllDenseGet(regs, i); v != w {
				c.Error(fmt.Sprintf("TESTFAILED Register %d should be %d but is %d", i, w, v))
				return
			}
		}
	}
	clear(regs)
	sparse := hllNew()
	sparseMax := hllSparseMax(c)
	relerr := 1.04 / math.Sqrt(hllRegisters)
	seed := rand.Uint64()
	var ele [8]byte
	checkpoint := int64(1)
	for j := int64(1); j <= 10000000; j++ {
		binary.LittleEndian.PutUint64(ele[:], uint64(j)^seed)
		index, count := hllPatLen(ele[:])
		hllDenseSet(regs, index, count)
		sparse, _ = hllAdd(sparse, ele[:], sparseMax)
		if j != checkpoint {
			continue
		}
		if j < sparseMax/2 && sparse[4] != hllSparse {
			c.Error("TESTFAILED sparse encoding not used")
			return
		}
		dc, _ := hllCount(dense)
		sc, _ := hllCount(sparse)
		if dc != sc {
			c.Error("TESTFAILED dense/sparse disagree")
			return
		}
		abserr := checkpoint - int64(dc)
		maxerr := int64(math.Ceil(relerr * 6 * float64(checkpoint)))
		if j == 10 {
			maxerr = 1 // collisions make cardinality 10 statistically noisy
		}
		if abserr < 0 {
			abserr = -abserr
		}
		if abserr > maxerr {
			c.Error("TESTFAILED Too big error. card:" + strconv.FormatInt(checkpoint, 10) + " abserr:" + strconv.FormatInt(abserr, 10))
			return
		}
		checkpoint *= 10
	}
	c.OK()
}
