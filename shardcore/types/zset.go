package types

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"unsafe"
)

// ZSetLimits are zset-max-listpack-entries and zset-max-listpack-value: a
// sorted set stays packed ("listpack") while it has at most
// MaxListpackEntries members of at most MaxListpackValue bytes; past that
// it becomes a skiplist with a member index ("skiplist") for good.
type ZSetLimits struct {
	MaxListpackEntries int
	MaxListpackValue   int
}

// ZSet is a Redis sorted set, ordered by (score, member bytes). Small sets
// are one packed slice kept in order, each element uvarint(len) member
// followed by its score (see appendScore); large ones are an
// order-statistics skiplist (Redis's zskiplist with spans, so ranks are
// O(log n)) plus a ptable mapping member to score, which also gives ZSCAN
// its resize-proof cursor.
type ZSet struct {
	lp   []byte // packed encoding (sl == nil)
	n    int
	dict *ptable // skiplist encoding: member -> 8-byte score (a pointer: small sets are many)
	sl   *skiplist
}

// NewZSet returns an empty sorted set in the packed encoding.
func NewZSet() *ZSet { return &ZSet{} }

// NewZSetSkiplist returns an empty sorted set in the skiplist encoding,
// as Redis's zsetTypeCreate makes one for more members than a listpack
// takes: unlike the packed form, it keeps a score of -0 as such.
func NewZSetSkiplist() *ZSet {
	z := &ZSet{}
	z.convert()
	return z
}

// Compact moves a skiplist set that fits lim to the packed encoding, as
// Redis's zsetConvertToListpackIfNeeded does for results it builds as
// skiplists.
func (z *ZSet) Compact(lim ZSetLimits) {
	if z.sl == nil || z.n > lim.MaxListpackEntries {
		return
	}
	size := 0
	for x := z.sl.forward(0, 0); x != 0; x = z.sl.forward(x, 0) {
		m := z.sl.member(x)
		if len(m) > lim.MaxListpackValue {
			return
		}
		size += entrySize(len(m)) + scoreLen(z.sl.score(x))
	}
	lp := allocPacked(size)[:0]
	for x := z.sl.forward(0, 0); x != 0; x = z.sl.forward(x, 0) {
		s := z.sl.score(x)
		if s == 0 {
			s = 0 // -0 becomes 0, as in lpInsert
		}
		lp = appendEntry(lp, z.sl.member(x))
		lp = appendScore(lp, s)
	}
	z.lp, z.sl, z.dict = lp, nil, nil
}

// Len is the number of members.
func (z *ZSet) Len() int { return z.n }

// Encoding is the OBJECT ENCODING name: "listpack" or "skiplist".
func (z *ZSet) Encoding() string {
	if z.sl != nil {
		return "skiplist"
	}
	return "listpack"
}

// MemoryUsage approximates the bytes the sorted set holds.
func (z *ZSet) MemoryUsage() int64 {
	m := int64(unsafe.Sizeof(*z)) + int64(cap(z.lp))
	if z.sl != nil {
		m += z.dict.memoryUsage() + z.sl.memoryUsage()
	}
	return m
}

// Copy returns a deep copy.
func (z *ZSet) Copy() any {
	c := &ZSet{n: z.n}
	if z.sl == nil {
		c.lp = bytes.Clone(z.lp)
		return c
	}
	d := z.dict.clone()
	c.dict = &d
	c.sl = z.sl.clone()
	return c
}

// Packed scores: an integral score of magnitude at most 2^53 (all exact
// in a float64) is the uvarint of its zigzag value shifted left once (one
// byte up to 31 in magnitude); any other is a 1 byte and the float's 8
// bytes. Small sets mostly hold small integer scores, which Redis's
// listpack stores as integers too.
const maxPackedInt = 1 << 53

// packedInt returns the uvarint that stores s, if s is such an integer.
func packedInt(s float64) (uint64, bool) {
	i := int64(s)
	if float64(i) != s || i < -maxPackedInt || i > maxPackedInt {
		return 0, false
	}
	return (uint64(i<<1) ^ uint64(i>>63)) << 1, true
}

func scoreLen(s float64) int {
	if x, ok := packedInt(s); ok {
		return uvarintLen(int(x))
	}
	return 9
}

func appendScore(dst []byte, s float64) []byte {
	if x, ok := packedInt(s); ok {
		return binary.AppendUvarint(dst, x)
	}
	return binary.LittleEndian.AppendUint64(append(dst, 1), math.Float64bits(s))
}

// readScore decodes the packed score at off and returns the offset after it.
func readScore(b []byte, off int) (float64, int) {
	if b[off]&1 != 0 {
		return bytesScore(b[off+1 : off+9]), off + 9
	}
	x, n := binary.Uvarint(b[off:])
	z := x >> 1
	return float64(int64(z>>1) ^ -int64(z&1)), off + n
}

func scoreBytes(buf *[8]byte, s float64) []byte {
	binary.LittleEndian.PutUint64(buf[:], math.Float64bits(s))
	return buf[:]
}

func bytesScore(b []byte) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(b)) }

// lpAt returns the member and score of the packed element at off and the
// offset after it.
func (z *ZSet) lpAt(off int) (m []byte, s float64, next int) {
	m, next = readEntry(z.lp, off)
	s, next = readScore(z.lp, next)
	return m, s, next
}

// lpFind returns the offset of m in the packed encoding, or -1.
func (z *ZSet) lpFind(m []byte) (int, float64) {
	for off := 0; off < len(z.lp); {
		em, s, next := z.lpAt(off)
		if bytes.Equal(em, m) {
			return off, s
		}
		off = next
	}
	return -1, 0
}

func zless(s1 float64, m1 []byte, s2 float64, m2 []byte) bool {
	return s1 < s2 || (s1 == s2 && bytes.Compare(m1, m2) < 0)
}

// lpInsert places (m, s) at its position in order. A listpack holds
// scores as text, where -0 reads back as 0: so does keel's packed form.
func (z *ZSet) lpInsert(m []byte, s float64) {
	if s == 0 {
		s = 0
	}
	off := 0
	for off < len(z.lp) {
		em, es, next := z.lpAt(off)
		if zless(s, m, es, em) {
			break
		}
		off = next
	}
	size := entrySize(len(m)) + scoreLen(s)
	if len(z.lp)+size > cap(z.lp) {
		nb := allocPacked(len(z.lp) + size)[:len(z.lp)]
		copy(nb, z.lp)
		z.lp = nb
	}
	old := len(z.lp)
	z.lp = z.lp[:old+size]
	copy(z.lp[off+size:], z.lp[off:old])
	p := putEntry(z.lp, off, m)
	appendScore(z.lp[p:p], s) // in place: the room is there
	z.n++
}

func (z *ZSet) lpDelete(off int) {
	_, _, next := z.lpAt(off)
	z.lp = append(z.lp[:off], z.lp[next:]...)
	z.n--
}

// convert moves a packed set to the skiplist encoding.
func (z *ZSet) convert() {
	z.dict = &ptable{pairs: true}
	z.dict.buildIndex()
	// Members move from the packed form with their sizes, plus node fields
	// and about 4/3 levels each.
	z.sl = newSkiplist(len(z.lp)/4 + z.n*(wHdr+wLvl*4/3+1))
	var buf [8]byte
	for off := 0; off < len(z.lp); {
		m, s, next := z.lpAt(off)
		z.dict.insert(m, scoreBytes(&buf, s))
		z.sl.insert(s, m)
		off = next
	}
	z.lp = nil
}

// Score returns m's score.
func (z *ZSet) Score(m []byte) (float64, bool) {
	if z.sl == nil {
		off, s := z.lpFind(m)
		return s, off >= 0
	}
	off, _ := z.dict.find(m)
	if off < 0 {
		return 0, false
	}
	_, v := z.dict.at(off)
	return bytesScore(v), true
}

// Set gives m the score s, adding it if needed (converting as the limits
// say), and reports whether it is new. An unchanged score is a no-op.
func (z *ZSet) Set(m []byte, s float64, lim ZSetLimits) bool {
	var buf [8]byte
	if z.sl == nil {
		off, old := z.lpFind(m)
		if off >= 0 {
			if old != s {
				z.lpDelete(off)
				z.lpInsert(m, s)
			}
			return false
		}
		if z.n+1 > lim.MaxListpackEntries || len(m) > lim.MaxListpackValue {
			z.convert()
		} else {
			z.lpInsert(m, s)
			return true
		}
	}
	off, slot := z.dict.find(m)
	if off >= 0 {
		_, v := z.dict.at(off)
		if old := bytesScore(v); old != s {
			z.sl.updateScore(old, m, s)
			z.dict.setValue(off, slot, scoreBytes(&buf, s))
		}
		return false
	}
	z.dict.insert(m, scoreBytes(&buf, s))
	z.sl.insert(s, m)
	z.n++
	return true
}

// Remove deletes m and reports whether it was a member.
func (z *ZSet) Remove(m []byte) bool {
	if z.sl == nil {
		off, _ := z.lpFind(m)
		if off < 0 {
			return false
		}
		z.lpDelete(off)
		return true
	}
	off, slot := z.dict.find(m)
	if off < 0 {
		return false
	}
	_, v := z.dict.at(off)
	z.sl.delete(bytesScore(v), m)
	z.dict.remove(off, slot)
	z.n--
	return true
}

// Rank returns m's 0-based rank in ascending order and its score.
func (z *ZSet) Rank(m []byte) (int, float64, bool) {
	if z.sl == nil {
		r := 0
		for off := 0; off < len(z.lp); r++ {
			em, s, next := z.lpAt(off)
			if bytes.Equal(em, m) {
				return r, s, true
			}
			off = next
		}
		return 0, 0, false
	}
	s, ok := z.Score(m)
	if !ok {
		return 0, 0, false
	}
	return z.sl.rank(s, m) - 1, s, true
}

// ScoreRank counts the members scoring below s (at most s when incl): the
// rank of the first member past that bound.
func (z *ZSet) ScoreRank(s float64, incl bool) int {
	past := func(es float64) bool { return es < s || (incl && es == s) }
	if z.sl == nil {
		r := 0
		for off := 0; off < len(z.lp); r++ {
			_, es, next := z.lpAt(off)
			if !past(es) {
				break
			}
			off = next
		}
		return r
	}
	return z.sl.countWhile(func(x uint32) bool { return past(z.sl.score(x)) })
}

// LexRank counts the members ordered before m (up to m when incl), for
// sets whose members share one score (as ZRANGEBYLEX requires).
func (z *ZSet) LexRank(m []byte, incl bool) int {
	past := func(em []byte) bool {
		c := bytes.Compare(em, m)
		return c < 0 || (incl && c == 0)
	}
	if z.sl == nil {
		r := 0
		for off := 0; off < len(z.lp); r++ {
			em, _, next := z.lpAt(off)
			if !past(em) {
				break
			}
			off = next
		}
		return r
	}
	return z.sl.countWhile(func(x uint32) bool { return past(z.sl.member(x)) })
}

// Range calls fn with the members from rank start on (ascending ranks, or
// descending ones when rev: rank 0 is then the highest) until fn returns
// false. Members are valid during the call only; fn must not mutate z.
func (z *ZSet) Range(start int, rev bool, fn func(m []byte, s float64) bool) {
	if start < 0 || start >= z.n {
		return
	}
	if z.sl == nil {
		if !rev {
			r := 0
			for off := 0; off < len(z.lp); r++ {
				m, s, next := z.lpAt(off)
				if r >= start && !fn(m, s) {
					return
				}
				off = next
			}
			return
		}
		var buf [128]int // the default zset-max-listpack-entries: no allocation
		offs := buf[:0]
		for off := 0; off < len(z.lp); {
			offs = append(offs, off)
			_, _, off = z.lpAt(off)
		}
		for i := z.n - 1 - start; i >= 0; i-- {
			m, s, _ := z.lpAt(offs[i])
			if !fn(m, s) {
				return
			}
		}
		return
	}
	if !rev {
		for x := z.sl.byRank(start + 1); x != 0; x = z.sl.forward(x, 0) {
			if !fn(z.sl.member(x), z.sl.score(x)) {
				return
			}
		}
		return
	}
	for x := z.sl.byRank(z.n - start); x != 0; x = z.sl.backward(x) {
		if !fn(z.sl.member(x), z.sl.score(x)) {
			return
		}
	}
}

// RemoveRange deletes the members of ascending ranks [start, end) and
// returns how many went.
func (z *ZSet) RemoveRange(start, end int) int {
	start, end = max(start, 0), min(end, z.n)
	if start >= end {
		return 0
	}
	var gone [][]byte
	z.Range(start, false, func(m []byte, _ float64) bool {
		gone = append(gone, bytes.Clone(m))
		return len(gone) < end-start
	})
	for _, m := range gone {
		z.Remove(m)
	}
	return len(gone)
}

// Random returns a uniformly chosen member and its score (Len() > 0),
// valid until the next mutation.
func (z *ZSet) Random() ([]byte, float64) {
	var m []byte
	var s float64
	z.Range(rand.IntN(z.n), false, func(em []byte, es float64) bool { m, s = em, es; return false })
	return m, s
}

// Sample calls fn with count members as ZRANDMEMBER picks them: with
// repetitions unless distinct; every member when distinct and count >= Len().
func (z *ZSet) Sample(count int, distinct bool, fn func(m []byte, s float64)) {
	if z.n == 0 {
		return
	}
	at := func(r int) {
		z.Range(r, false, func(m []byte, s float64) bool { fn(m, s); return false })
	}
	all := func() []int {
		ps := make([]int, z.n)
		for i := range ps {
			ps[i] = i
		}
		return ps
	}
	if distinct && count >= z.n {
		z.Range(0, false, func(m []byte, s float64) bool { fn(m, s); return true })
		return
	}
	samplePositions(z.n, count, distinct, func() int { return rand.IntN(z.n) }, all, at)
}

// Scan is one ZSCAN step from cursor (see ptable.scan): a packed set
// returns everything with cursor 0.
func (z *ZSet) Scan(cursor uint64, count int, fn func(m []byte, s float64)) uint64 {
	if z.sl == nil {
		z.Range(0, false, func(m []byte, s float64) bool { fn(m, s); return true })
		return 0
	}
	return z.dict.scan(cursor, count, func(off int) {
		m, v := z.dict.at(off)
		fn(m, bytesScore(v))
	})
}
