package store

import (
	"cmp"
	"math/bits"
	"slices"
)

// The slab allocator holds keys and small string values in 64 KiB pages, each
// page cut into equal slots of one size class (8-byte steps up to 128 bytes,
// then four classes per power of two up to maxSlot, as jemalloc does). Pages
// are []byte, so the collector sees two pointers per page, never one per key.
// Free slots are tracked in a per-page bitmap rather than an intrusive free
// list, so freeing a slot leaves its bytes intact: a value returned by Delete
// stays readable until the next insertion.
const (
	pageShift = 16
	pageSize  = 1 << pageShift
	slotShift = 3 // slots are 8-byte aligned, so a location stores offset/8
	offBits   = pageShift - slotShift
	offMask   = 1<<offBits - 1
	maxPages  = 1 << (32 - offBits) // 32 GiB of slab per table
	maxSlot   = 4096                // larger records get their own allocation
	// The first page of a class starts small and doubles up to pageSize, so
	// a table holding a handful of keys does not cost 64 KiB per class.
	minPageBytes = 512
	noPage       = -1
)

// classSize lists the slot size of every class; classIdx maps (n+7)/8 to the
// smallest class that fits n bytes.
var (
	classSize []uint32
	classIdx  [maxSlot/8 + 1]uint8
)

func init() {
	for s := uint32(8); s <= 128; s += 8 {
		classSize = append(classSize, s)
	}
	for base := uint32(128); base < maxSlot; base *= 2 {
		for i := uint32(1); i <= 4; i++ {
			classSize = append(classSize, base+i*base/4)
		}
	}
	c := 0
	for u := range classIdx {
		for uint32(u*8) > classSize[c] {
			c++
		}
		classIdx[u] = uint8(c)
	}
}

// classOf returns the size class for a record of n bytes, n <= maxSlot.
func classOf(n int) int { return int(classIdx[(n+7)>>3]) }

type page struct {
	buf   []byte   // len(buf) is the page capacity; slots beyond nslot are unused tail
	used  []uint64 // allocation bitmap; bits at or past nslot are kept set
	live  uint32
	nslot uint32
	hint  uint32 // no bitmap word below hint has a free bit
	class uint8
	evac  bool // being emptied by defragmentation: takes no new allocations
	// Links of the class's list of pages that have a free slot.
	listed     bool
	prev, next int32
}

type sizeClass struct {
	partial int32 // head of the pages-with-free-slots list, noPage if none
	pages   int32 // pages currently owned by the class
	growing int32 // the class's first page while it is below pageSize, else noPage
}

type slab struct {
	pages     []page
	freePages []int32 // released page indices, reused before appending
	classes   []sizeClass
	bytes     int64   // bytes of page buffers and bitmaps held
	usedBytes int64   // bytes of slots handed out (for fragmentation estimates)
	evac      []int32 // pages being emptied by the current defrag cycle
}

func newSlab() slab {
	s := slab{classes: make([]sizeClass, len(classSize))}
	for i := range s.classes {
		s.classes[i] = sizeClass{partial: noPage, growing: noPage}
	}
	return s
}

// alloc returns the location of a free slot of at least n bytes. ok is false
// only when the table has run out of page indices; the caller then falls back
// to a dedicated allocation.
func (s *slab) alloc(n int) (loc uint32, ok bool) {
	c := classOf(n)
	cl := &s.classes[c]
	if cl.partial == noPage {
		if cl.growing != noPage {
			s.growPage(cl.growing)
		} else if !s.newPage(c) {
			return 0, false
		}
	}
	pi := cl.partial
	p := &s.pages[pi]
	w := p.hint
	for p.used[w] == ^uint64(0) {
		w++
	}
	p.hint = w
	b := uint32(bits.TrailingZeros64(^p.used[w]))
	p.used[w] |= 1 << b
	slot := w*64 + b
	p.live++
	if p.live == p.nslot {
		s.unlist(pi)
	}
	size := classSize[c]
	s.usedBytes += int64(size)
	return uint32(pi)<<offBits | (slot*size)>>slotShift, true
}

// free releases the slot at loc. A page left empty is returned to the Go heap
// when its class has another page with room, so a class that hovers around a
// page boundary does not allocate and drop a page on every call.
func (s *slab) free(loc uint32) {
	pi := int32(loc >> offBits)
	p := &s.pages[pi]
	size := classSize[p.class]
	slot := ((loc & offMask) << slotShift) / size
	w := slot / 64
	p.used[w] &^= 1 << (slot % 64)
	if w < p.hint {
		p.hint = w
	}
	p.live--
	s.usedBytes -= int64(size)
	if p.evac {
		if p.live == 0 {
			s.release(pi)
		}
		return
	}
	cl := &s.classes[p.class]
	if !p.listed {
		s.list(pi)
	}
	if p.live == 0 && (cl.partial != pi || p.next != noPage) {
		s.release(pi)
	}
}

// evacuating reports whether the slot at loc is in a page being emptied.
func (s *slab) evacuating(loc uint32) bool { return s.pages[loc>>offBits].evac }

// pickVictims starts a defrag cycle: in every class it marks the sparsest
// pages (at most half full) for evacuation, as many as the class's other
// pages have room to take in, and stops allocating from them. It returns how
// many pages were marked.
func (s *slab) pickVictims() int {
	byClass := make([][]int32, len(s.classes))
	for pi := range s.pages {
		if p := &s.pages[pi]; p.buf != nil {
			byClass[p.class] = append(byClass[p.class], int32(pi))
		}
	}
	for c, ps := range byClass {
		if len(ps) < 2 {
			continue
		}
		slices.SortFunc(ps, func(a, b int32) int { return cmp.Compare(s.pages[a].live, s.pages[b].live) })
		var room, moving uint32
		for _, pi := range ps {
			room += s.pages[pi].nslot - s.pages[pi].live
		}
		for _, pi := range ps {
			p := &s.pages[pi]
			// The growing first page is excluded: it would be handed out
			// again by the next allocation that needs room.
			if p.live*2 > p.nslot || moving+p.live > room-(p.nslot-p.live) {
				break
			}
			if pi == s.classes[c].growing {
				continue
			}
			room -= p.nslot - p.live
			moving += p.live
			s.unlist(pi)
			p.evac = true
			s.evac = append(s.evac, pi)
		}
	}
	return len(s.evac)
}

// endEvac finishes a defrag cycle: pages still holding slots (records that
// could not be moved) take allocations again.
func (s *slab) endEvac() {
	for _, pi := range s.evac {
		p := &s.pages[pi]
		if !p.evac {
			continue // already released (and maybe reused)
		}
		p.evac = false
		switch {
		case p.live == 0:
			s.release(pi)
		case p.live < p.nslot:
			s.list(pi)
		}
	}
	s.evac = s.evac[:0]
}

// bytesAt returns the n bytes at loc, with capacity capped so that appending
// to the result cannot overwrite a neighbouring slot.
func (s *slab) bytesAt(loc uint32, n uint32) []byte {
	off := (loc & offMask) << slotShift
	return s.pages[loc>>offBits].buf[off : off+n : off+n]
}

// slotSize is the capacity of the slot at loc.
func (s *slab) slotSize(loc uint32) int {
	return int(classSize[s.pages[loc>>offBits].class])
}

func (s *slab) newPage(c int) bool {
	var pi int32
	if n := len(s.freePages); n > 0 {
		pi = s.freePages[n-1]
		s.freePages = s.freePages[:n-1]
	} else {
		if len(s.pages) >= maxPages {
			return false
		}
		s.pages = append(s.pages, page{})
		pi = int32(len(s.pages) - 1)
	}
	cl := &s.classes[c]
	size := pageSize
	if cl.pages == 0 {
		size = minPageBytes
		for size < pageSize && size < 4*int(classSize[c]) {
			size *= 2
		}
		if size < pageSize {
			cl.growing = pi
		}
	}
	cl.pages++
	p := &s.pages[pi]
	*p = page{class: uint8(c), prev: noPage, next: noPage}
	s.setCapacity(p, size)
	s.list(pi)
	return true
}

// growPage doubles the class's small first page; existing slots keep their
// offsets, so locations stay valid.
func (s *slab) growPage(pi int32) {
	p := &s.pages[pi]
	size := 2 * len(p.buf)
	if size >= pageSize {
		size = pageSize
		s.classes[p.class].growing = noPage
	}
	s.setCapacity(p, size)
	if !p.listed {
		s.list(pi)
	}
}

// setCapacity gives p a buffer of size bytes, keeping existing contents and
// allocations, and marks the slots beyond the new capacity as taken.
func (s *slab) setCapacity(p *page, size int) {
	slot := classSize[p.class]
	nslot := uint32(size) / slot
	buf := make([]byte, size)
	copy(buf, p.buf)
	used := make([]uint64, (nslot+63)/64)
	copy(used, p.used)
	if len(p.used) > 0 {
		// The old last word had its tail marked as taken; free those bits
		// that are now real slots.
		for i := p.nslot; i < uint32(len(p.used))*64 && i < nslot; i++ {
			used[i/64] &^= 1 << (i % 64)
		}
	}
	for i := nslot; i < uint32(len(used))*64; i++ {
		used[i/64] |= 1 << (i % 64)
	}
	s.bytes += int64(size-len(p.buf)) + 8*int64(len(used)-len(p.used))
	p.buf, p.used, p.nslot = buf, used, nslot
}

func (s *slab) release(pi int32) {
	p := &s.pages[pi]
	s.unlist(pi)
	cl := &s.classes[p.class]
	cl.pages--
	if cl.growing == pi {
		cl.growing = noPage
	}
	s.bytes -= int64(len(p.buf)) + 8*int64(len(p.used))
	*p = page{prev: noPage, next: noPage}
	s.freePages = append(s.freePages, pi)
}

func (s *slab) list(pi int32) {
	p := &s.pages[pi]
	cl := &s.classes[p.class]
	p.listed = true
	p.prev = noPage
	p.next = cl.partial
	if cl.partial != noPage {
		s.pages[cl.partial].prev = pi
	}
	cl.partial = pi
}

func (s *slab) unlist(pi int32) {
	p := &s.pages[pi]
	if !p.listed {
		return
	}
	if p.prev != noPage {
		s.pages[p.prev].next = p.next
	} else {
		s.classes[p.class].partial = p.next
	}
	if p.next != noPage {
		s.pages[p.next].prev = p.prev
	}
	p.listed = false
	p.prev, p.next = noPage, noPage
}
