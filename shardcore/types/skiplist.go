package types

import (
	"bytes"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"unsafe"
)

// The skiplist follows Redis's t_zset.c: levels drawn with p = 1/4 up to
// 32, each forward link carrying the number of nodes it skips (its span).
//
// Its nodes live in one []uint32 arena and link to each other by word
// offset, so a set of millions of members is one pointer-free allocation
// for the collector, and a node's score, links and member share cache
// lines. A node is
//
//	score (2 words) | backward | level count | member length |
//	(forward, span, forward's score (2 words)) per level |
//	member bytes, padded to a word
//
// Each link repeats the score of the node it points to, so that a search
// reads the next node only when it moves there or scores tie: most of its
// steps down a level cost no cache miss.
//
// The header sits at offset 0 (zslMaxLevel levels, no member), so 0 also
// means "none" in a link. A deleted node becomes dead words; the arena is
// rewritten once they outweigh the live ones. Offsets are 32-bit: one
// sorted set holds at most 16 GiB of nodes.
const (
	zslMaxLevel = 32

	wBack          = 2
	wLevels        = 3
	wMemLen        = 4
	wHdr           = 5
	wLvl           = 4 // words per level
	zslHeaderWords = wHdr + wLvl*zslMaxLevel

	// zslMinDead keeps small arenas from being rewritten over a few deletes.
	zslMinDead = 1024
)

type skiplist struct {
	w      []uint32
	tail   uint32
	length int
	level  int
	dead   int // words held by deleted nodes
}

// newSkiplist returns an empty skiplist with room for about words words.
func newSkiplist(words int) *skiplist {
	w := make([]uint32, zslHeaderWords, zslHeaderWords+words)
	w[wLevels] = zslMaxLevel
	return &skiplist{w: w, level: 1}
}

// randomLevel draws a level with p = 1/4: one more per pair of zero bits.
func randomLevel() int {
	return min(1+bits.TrailingZeros64(rand.Uint64())/2, zslMaxLevel)
}

func (sl *skiplist) score(x uint32) float64 {
	return math.Float64frombits(uint64(sl.w[x]) | uint64(sl.w[x+1])<<32)
}

func (sl *skiplist) setScore(x uint32, s float64) {
	b := math.Float64bits(s)
	sl.w[x], sl.w[x+1] = uint32(b), uint32(b>>32)
}

// member returns x's member, aliasing the arena.
func (sl *skiplist) member(x uint32) []byte {
	l := int(sl.w[x+wMemLen])
	if l == 0 {
		return []byte{}
	}
	p := int(x) + wHdr + wLvl*int(sl.w[x+wLevels])
	return unsafe.Slice((*byte)(unsafe.Pointer(&sl.w[p])), l)
}

func (sl *skiplist) backward(x uint32) uint32 { return sl.w[x+wBack] }

func (sl *skiplist) forward(x uint32, i int) uint32 { return sl.w[int(x)+wHdr+wLvl*i] }

func (sl *skiplist) span(x uint32, i int) int { return int(sl.w[int(x)+wHdr+wLvl*i+1]) }

// linkScore is the score of forward(x, i), as x's link records it.
func (sl *skiplist) linkScore(x uint32, i int) float64 {
	l := int(x) + wHdr + wLvl*i
	return math.Float64frombits(uint64(sl.w[l+2]) | uint64(sl.w[l+3])<<32)
}

// setLink points level i of x at f, recording f's score.
func (sl *skiplist) setLink(x uint32, i int, f uint32, fs float64) {
	l := int(x) + wHdr + wLvl*i
	b := math.Float64bits(fs)
	sl.w[l], sl.w[l+2], sl.w[l+3] = f, uint32(b), uint32(b>>32)
}

// cmp orders node x against (s, m): by score, then member bytes.
func (sl *skiplist) cmp(x uint32, s float64, m []byte) int {
	xs := sl.score(x)
	switch {
	case xs < s:
		return -1
	case xs > s:
		return 1
	}
	return bytes.Compare(sl.member(x), m)
}

func (sl *skiplist) nodeWords(x uint32) int {
	return wHdr + wLvl*int(sl.w[x+wLevels]) + (int(sl.w[x+wMemLen])+3)/4
}

// alloc appends an unlinked node; link sets its levels and backward link.
func (sl *skiplist) alloc(s float64, m []byte, lvl int) uint32 {
	size := wHdr + wLvl*lvl + (len(m)+3)/4
	x := len(sl.w)
	if x+size > cap(sl.w) {
		nw := make([]uint32, x, max(x+size, cap(sl.w)+cap(sl.w)/4))
		copy(nw, sl.w)
		sl.w = nw
	}
	sl.w = sl.w[:x+size]
	sl.setScore(uint32(x), s)
	sl.w[x+wLevels] = uint32(lvl)
	sl.w[x+wMemLen] = uint32(len(m))
	if len(m) > 0 {
		p := x + wHdr + wLvl*lvl
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&sl.w[p])), len(m)), m)
	}
	return uint32(x)
}

// path fills update with the last node before (s, m) on every level and
// rank with its rank.
func (sl *skiplist) path(s float64, m []byte, update *[zslMaxLevel]uint32, rank *[zslMaxLevel]int) {
	x := uint32(0)
	r := 0
	for i := sl.level - 1; i >= 0; i-- {
		for {
			f := sl.forward(x, i)
			if f == 0 {
				break
			}
			if fs := sl.linkScore(x, i); fs > s || (fs == s && bytes.Compare(sl.member(f), m) >= 0) {
				break
			}
			r += sl.span(x, i)
			x = f
		}
		update[i] = x
		rank[i] = r
	}
}

// link inserts node x of lvl levels after the nodes of update.
func (sl *skiplist) link(x uint32, lvl int, update *[zslMaxLevel]uint32, rank *[zslMaxLevel]int) {
	w := sl.w
	if lvl > sl.level {
		for i := sl.level; i < lvl; i++ {
			rank[i] = 0
			update[i] = 0
			w[wHdr+wLvl*i+1] = uint32(sl.length)
		}
		sl.level = lvl
	}
	xs := math.Float64bits(sl.score(x))
	for i := 0; i < lvl; i++ {
		u := int(update[i]) + wHdr + wLvl*i
		xi := int(x) + wHdr + wLvl*i
		w[xi], w[xi+2], w[xi+3] = w[u], w[u+2], w[u+3]
		w[u], w[u+2], w[u+3] = x, uint32(xs), uint32(xs>>32)
		w[xi+1] = w[u+1] - uint32(rank[0]-rank[i])
		w[u+1] = uint32(rank[0] - rank[i] + 1)
	}
	for i := lvl; i < sl.level; i++ {
		w[int(update[i])+wHdr+wLvl*i+1]++
	}
	w[x+wBack] = update[0]
	if f := w[int(x)+wHdr]; f != 0 {
		w[f+wBack] = x
	} else {
		sl.tail = x
	}
	sl.length++
}

// unlink takes node x out of the lists (update as path found it).
func (sl *skiplist) unlink(x uint32, update *[zslMaxLevel]uint32) {
	w := sl.w
	for i := 0; i < sl.level; i++ {
		u := int(update[i]) + wHdr + wLvl*i
		if w[u] == x {
			xi := int(x) + wHdr + wLvl*i
			w[u+1] += w[xi+1] - 1
			w[u], w[u+2], w[u+3] = w[xi], w[xi+2], w[xi+3]
		} else {
			w[u+1]--
		}
	}
	if f := w[int(x)+wHdr]; f != 0 {
		w[f+wBack] = w[x+wBack]
	} else {
		sl.tail = w[x+wBack]
	}
	for sl.level > 1 && w[wHdr+wLvl*(sl.level-1)] == 0 {
		sl.level--
	}
	sl.length--
}

// insert adds (s, m), which must be absent; m is copied.
func (sl *skiplist) insert(s float64, m []byte) {
	var update [zslMaxLevel]uint32
	var rank [zslMaxLevel]int
	sl.path(s, m, &update, &rank)
	lvl := randomLevel()
	sl.link(sl.alloc(s, m, lvl), lvl, &update, &rank)
}

// delete removes (s, m) if present.
func (sl *skiplist) delete(s float64, m []byte) bool {
	var update [zslMaxLevel]uint32
	var rank [zslMaxLevel]int
	sl.path(s, m, &update, &rank)
	x := sl.forward(update[0], 0)
	if x == 0 || sl.cmp(x, s, m) != 0 {
		return false
	}
	sl.unlink(x, &update)
	sl.dead += sl.nodeWords(x)
	if sl.dead >= zslMinDead && sl.dead*2 >= len(sl.w) {
		sl.compact()
	}
	return true
}

// updateScore moves member m from score old to s, as zslUpdateScore: in
// place when the order is unchanged, else relinking the same node.
func (sl *skiplist) updateScore(old float64, m []byte, s float64) {
	var update [zslMaxLevel]uint32
	var rank [zslMaxLevel]int
	sl.path(old, m, &update, &rank)
	x := sl.forward(update[0], 0)
	if x == 0 || sl.cmp(x, old, m) != 0 {
		sl.insert(s, m)
		return
	}
	prev, next := sl.backward(x), sl.forward(x, 0)
	if (prev == 0 || sl.cmp(prev, s, m) < 0) && (next == 0 || sl.cmp(next, s, m) > 0) {
		sl.setScore(x, s)
		for i := range int(sl.w[x+wLevels]) {
			sl.setLink(update[i], i, x, s)
		}
		return
	}
	sl.unlink(x, &update)
	sl.path(s, m, &update, &rank)
	sl.setScore(x, s)
	sl.link(x, int(sl.w[x+wLevels]), &update, &rank)
}

// compact rewrites the arena without dead nodes, in list order. The first
// pass notes each node's new offset in its backward word, the second
// copies nodes translating links through those notes.
func (sl *skiplist) compact() {
	w := sl.w
	next := zslHeaderWords
	for x := w[wHdr]; x != 0; x = w[int(x)+wHdr] {
		w[x+wBack] = uint32(next)
		next += sl.nodeWords(x)
	}
	nw := make([]uint32, next, next+next/8)
	copy(nw, w[:zslHeaderWords])
	for i := 0; i < zslMaxLevel; i++ {
		if f := w[wHdr+wLvl*i]; f != 0 {
			nw[wHdr+wLvl*i] = w[f+wBack]
		}
	}
	prev := uint32(0)
	for x := w[wHdr]; x != 0; x = w[int(x)+wHdr] {
		nx := int(w[x+wBack])
		size := sl.nodeWords(x)
		copy(nw[nx:nx+size], w[x:int(x)+size])
		nw[nx+wBack] = prev
		for i := 0; i < int(w[x+wLevels]); i++ {
			if f := w[int(x)+wHdr+wLvl*i]; f != 0 {
				nw[nx+wHdr+wLvl*i] = w[f+wBack]
			}
		}
		prev = uint32(nx)
	}
	sl.w = nw
	sl.tail = prev
	sl.dead = 0
}

// rank is the 1-based rank of (s, m), 0 when absent.
func (sl *skiplist) rank(s float64, m []byte) int {
	r := 0
	x := uint32(0)
	for i := sl.level - 1; i >= 0; i-- {
		for {
			f := sl.forward(x, i)
			if f == 0 {
				break
			}
			if fs := sl.linkScore(x, i); fs > s || (fs == s && bytes.Compare(sl.member(f), m) > 0) {
				break
			}
			r += sl.span(x, i)
			x = f
		}
		if x != 0 && sl.cmp(x, s, m) == 0 {
			return r
		}
	}
	return 0
}

// byRank returns the node of 1-based rank r, 0 when out of range.
func (sl *skiplist) byRank(r int) uint32 {
	if r < 1 || r > sl.length {
		return 0
	}
	traversed := 0
	x := uint32(0)
	for i := sl.level - 1; i >= 0; i-- {
		for {
			f := sl.forward(x, i)
			if f == 0 || traversed+sl.span(x, i) > r {
				break
			}
			traversed += sl.span(x, i)
			x = f
		}
		if traversed == r {
			return x
		}
	}
	return 0
}

// countWhile counts the leading nodes for which past holds (past must be
// monotonic along the order).
func (sl *skiplist) countWhile(past func(x uint32) bool) int {
	r := 0
	x := uint32(0)
	for i := sl.level - 1; i >= 0; i-- {
		for f := sl.forward(x, i); f != 0 && past(f); f = sl.forward(x, i) {
			r += sl.span(x, i)
			x = f
		}
	}
	return r
}

func (sl *skiplist) clone() *skiplist {
	c := *sl
	c.w = slices.Clone(sl.w)
	return &c
}

func (sl *skiplist) memoryUsage() int64 {
	return int64(unsafe.Sizeof(*sl)) + 4*int64(cap(sl.w))
}
