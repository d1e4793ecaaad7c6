package types

import (
	"bytes"
	"math/bits"
	"math/rand/v2"
	"unsafe"
)

// ptable is the storage shared by hashes and sets: packed entries (a key,
// followed by a value when pairs is set) in one byte slice. Without an index
// it is the listpack-like small encoding, searched linearly, with no gaps.
// With an index it is the "hashtable" encoding: data becomes an arena (new
// entries are appended, replaced and deleted ones become dead bytes that
// compaction reclaims) and an open-addressing table of integers points into
// it, so that even a large collection holds just two pointers.
type ptable struct {
	data  []byte
	n     int
	x     *index
	pairs bool
}

// index is a linear-probing table. A slot is 0 when empty, else
// hash>>40 << offBits | (offset+1): the top 24 bits of the key's hash above
// the entry's arena offset. Buckets are the top bits of the hash, so that a
// bucket's successors cover the hash space in order, which is what makes
// scan cursors survive resizes.
type index struct {
	slots []uint64
	shift uint // 64 - log2(len(slots))
	dead  int  // arena bytes no slot points to
}

const (
	offBits  = 40
	offMask  = 1<<offBits - 1
	minSlots = 8
)

func (t *ptable) indexed() bool { return t.x != nil }

// entryEnd returns the offset past the element at off (key and value).
func (t *ptable) entryEnd(off int) int {
	end := skipEntry(t.data, off)
	if t.pairs {
		end = skipEntry(t.data, end)
	}
	return end
}

// at returns the key and (for pairs) value of the element at off.
func (t *ptable) at(off int) (key, val []byte) {
	key, next := readEntry(t.data, off)
	if t.pairs {
		val, _ = readEntry(t.data, next)
	}
	return key, val
}

func slotOff(s uint64) int { return int(s&offMask) - 1 }

// find returns the offset of key's element, or -1; for the indexed layout
// also the slot holding it (or the empty slot ending its probe).
func (t *ptable) find(key []byte) (off, slot int) {
	if t.x == nil {
		for off := 0; off < len(t.data); off = t.entryEnd(off) {
			k, _ := readEntry(t.data, off)
			if bytes.Equal(k, key) {
				return off, -1
			}
		}
		return -1, -1
	}
	h := hashBytes(key)
	fp := h >> offBits
	mask := len(t.x.slots) - 1
	for i := int(h >> t.x.shift); ; i = (i + 1) & mask {
		s := t.x.slots[i]
		if s == 0 {
			return -1, i
		}
		if s>>offBits == fp {
			off := slotOff(s)
			if k, _ := readEntry(t.data, off); bytes.Equal(k, key) {
				return off, i
			}
		}
	}
}

// home returns the bucket the element in slot i hashes to.
func (t *ptable) home(i int) int {
	s := t.x.slots[i]
	if t.x.shift >= offBits {
		return int((s >> offBits) >> (t.x.shift - offBits))
	}
	k, _ := readEntry(t.data, slotOff(s))
	return int(hashBytes(k) >> t.x.shift)
}

// insert adds a new element (the caller checked it is absent).
func (t *ptable) insert(key, val []byte) {
	off := len(t.data)
	t.data = t.appendElem(t.data, key, val)
	t.n++
	if t.x != nil {
		if t.n*4 > len(t.x.slots)*3 {
			t.resize(len(t.x.slots) * 2)
		}
		t.place(off, hashBytes(key))
	}
}

func (t *ptable) appendElem(dst, key, val []byte) []byte {
	need := len(dst) + entrySize(len(key))
	if t.pairs {
		need += entrySize(len(val))
	}
	if need > cap(dst) {
		if t.x != nil {
			dst = growArena(dst, need)
		} else {
			nd := allocPacked(need)[:len(dst)]
			copy(nd, dst)
			dst = nd
		}
	}
	dst = appendEntry(dst, key)
	if t.pairs {
		dst = appendEntry(dst, val)
	}
	return dst
}

// place points a free slot at off.
func (t *ptable) place(off int, h uint64) {
	mask := len(t.x.slots) - 1
	i := int(h >> t.x.shift)
	for t.x.slots[i] != 0 {
		i = (i + 1) & mask
	}
	t.x.slots[i] = (h>>offBits)<<offBits | uint64(off+1)
}

// setValue replaces the value of the element at off (pairs only).
func (t *ptable) setValue(off, slot int, val []byte) {
	vpos := skipEntry(t.data, off)
	end := skipEntry(t.data, vpos)
	if entrySize(len(val)) == end-vpos {
		putEntry(t.data, vpos, val)
		return
	}
	if t.x == nil {
		t.data = splice(t.data, vpos, end, val)
		return
	}
	key, _ := readEntry(t.data, off)
	noff := len(t.data)
	t.data = t.appendElem(t.data, key, val)
	t.x.slots[slot] = t.x.slots[slot]&^offMask | uint64(noff+1)
	t.x.dead += end - off
	t.maybeCompact()
}

// remove deletes the element at off (slot for the indexed layout).
func (t *ptable) remove(off, slot int) {
	end := t.entryEnd(off)
	t.n--
	if t.x == nil {
		t.data = append(t.data[:off], t.data[end:]...)
		return
	}
	t.x.dead += end - off
	// Backward-shift deletion keeps every probe sequence unbroken.
	mask := len(t.x.slots) - 1
	slots := t.x.slots
	i := slot
	slots[i] = 0
	for j := (i + 1) & mask; slots[j] != 0; j = (j + 1) & mask {
		h := t.home(j)
		// The element at j stays if its home lies cyclically in (i, j].
		if i <= j {
			if i < h && h <= j {
				continue
			}
		} else if i < h || h <= j {
			continue
		}
		slots[i], slots[j] = slots[j], 0
		i = j
	}
	if t.n*8 < len(slots) && len(slots) > minSlots {
		t.resize(len(slots) / 2)
	}
	t.maybeCompact()
}

// maybeCompact rewrites the arena once dead bytes outweigh live ones.
func (t *ptable) maybeCompact() {
	if t.x.dead < 256 || t.x.dead*2 < len(t.data) {
		return
	}
	live := len(t.data) - t.x.dead
	nd := make([]byte, 0, live+live/8)
	for i, s := range t.x.slots {
		if s == 0 {
			continue
		}
		off := slotOff(s)
		noff := len(nd)
		nd = append(nd, t.data[off:t.entryEnd(off)]...)
		t.x.slots[i] = s&^offMask | uint64(noff+1)
	}
	t.data = nd
	t.x.dead = 0
}

// buildIndex switches to the indexed layout.
func (t *ptable) buildIndex() {
	if t.x != nil {
		return
	}
	t.x = &index{}
	t.resize(slotsFor(t.n + 1))
}

// slotsFor is the table size keeping n elements under 3/4 load.
func slotsFor(n int) int {
	return max(minSlots, 1<<bits.Len(uint(n*4/3)))
}

// resize rebuilds the slots with size entries (a power of two), rehashing
// every key.
func (t *ptable) resize(size int) {
	old := t.x.slots
	t.x.slots = make([]uint64, size)
	t.x.shift = uint(64 - bits.TrailingZeros(uint(size)))
	if old == nil {
		for off := 0; off < len(t.data); off = t.entryEnd(off) {
			k, _ := readEntry(t.data, off)
			t.place(off, hashBytes(k))
		}
		return
	}
	for _, s := range old {
		if s != 0 {
			k, _ := readEntry(t.data, slotOff(s))
			t.place(slotOff(s), hashBytes(k))
		}
	}
}

// each calls fn with the offset of every element until it returns false.
func (t *ptable) each(fn func(off int) bool) {
	if t.x == nil {
		for off := 0; off < len(t.data); off = t.entryEnd(off) {
			if !fn(off) {
				return
			}
		}
		return
	}
	for _, s := range t.x.slots {
		if s != 0 && !fn(slotOff(s)) {
			return
		}
	}
}

// randomOff returns a uniformly chosen element's offset (n > 0).
func (t *ptable) randomOff() int {
	if t.x == nil {
		off := 0
		for i := rand.IntN(t.n); i > 0; i-- {
			off = t.entryEnd(off)
		}
		return off
	}
	// Load stays above 1/8 (shrinking keeps it so): few probes expected.
	mask := len(t.x.slots) - 1
	for {
		if s := t.x.slots[rand.Uint64()&uint64(mask)]; s != 0 {
			return slotOff(s)
		}
	}
}

// offsets appends every element's offset to dst.
func (t *ptable) offsets(dst []int) []int {
	t.each(func(off int) bool {
		dst = append(dst, off)
		return true
	})
	return dst
}

// scan visits the buckets from cursor (a position in the hash space) for
// Redis's SCAN contract: every element present for the whole scan is
// returned at least once, resizes between calls included. It stops after
// count elements or 10*count buckets and returns the next cursor, 0 at the
// end. The packed layout returns everything at once, as Redis does.
func (t *ptable) scan(cursor uint64, count int, fn func(off int)) uint64 {
	if t.x == nil {
		t.each(func(off int) bool { fn(off); return true })
		return 0
	}
	slots := t.x.slots
	mask := len(slots) - 1
	b := int(cursor >> t.x.shift)
	found, visits := 0, max(count, 1)*10
	for ; b <= mask && found < count && visits > 0; b++ {
		visits--
		for i := b; slots[i] != 0; i = (i + 1) & mask {
			if t.home(i) == b {
				fn(slotOff(slots[i]))
				found++
			}
		}
	}
	if b > mask {
		return 0
	}
	return uint64(b) << t.x.shift
}

func (t *ptable) memoryUsage() int64 {
	m := int64(cap(t.data))
	if t.x != nil {
		m += int64(unsafe.Sizeof(index{})) + int64(cap(t.x.slots))*8
	}
	return m
}

// clone returns a deep copy; an indexed table is compacted on the way.
func (t *ptable) clone() ptable {
	c := ptable{n: t.n, pairs: t.pairs}
	if t.x == nil {
		c.data = bytes.Clone(t.data)
		return c
	}
	c.data = make([]byte, 0, len(t.data)-t.x.dead)
	c.x = &index{slots: make([]uint64, len(t.x.slots)), shift: t.x.shift}
	for i, s := range t.x.slots {
		if s != 0 {
			off := slotOff(s)
			noff := len(c.data)
			c.data = append(c.data, t.data[off:t.entryEnd(off)]...)
			c.x.slots[i] = s&^offMask | uint64(noff+1)
		}
	}
	return c
}

// sample calls emit with the offsets of count elements, Redis's way: with
// repetitions when !distinct; else every element when count >= n, else
// distinct random ones.
func (t *ptable) sample(count int, distinct bool, emit func(off int)) {
	pick := t.randomOff
	var offs []int
	all := func() []int {
		if offs == nil {
			offs = t.offsets(make([]int, 0, t.n))
		}
		return offs
	}
	if t.x == nil {
		// Walking to a random position is O(n): index the offsets once.
		pick = func() int { o := all(); return o[rand.IntN(len(o))] }
	}
	samplePositions(t.n, count, distinct, pick, all, emit)
}

// samplePositions draws count of n positions (offsets, or intset indexes)
// given a uniform pick and the list of all of them (which it may reorder).
func samplePositions(n, count int, distinct bool, pick func() int, all func() []int, emit func(pos int)) {
	if !distinct {
		for ; count > 0; count-- {
			emit(pick())
		}
		return
	}
	if count >= n {
		for _, p := range all() {
			emit(p)
		}
		return
	}
	if count*3 > n {
		// Many of them: a partial shuffle of every position.
		ps := all()
		for i := 0; i < count; i++ {
			j := i + rand.IntN(len(ps)-i)
			ps[i], ps[j] = ps[j], ps[i]
			emit(ps[i])
		}
		return
	}
	seen := make(map[int]struct{}, count)
	for len(seen) < count {
		p := pick()
		if _, dup := seen[p]; dup {
			continue
		}
		seen[p] = struct{}{}
		emit(p)
	}
}
