package types

import (
	"bytes"
	"encoding/binary"
	"iter"
	"unsafe"
)

// List is a Redis list: a deque of chunks ("nodes"), each a packed byte
// slice of entries, like Redis's quicklist of listpacks. Pushes and pops at
// either end are O(1); indexed access walks nodes from the nearer end and
// then entries inside one node.
//
// A list entry is uvarint(len) | bytes | backlen, where backlen (the size of
// the first two parts, written to be read backwards) lets a node be walked
// from its end as well.
type List struct {
	nodes  []node // live nodes are nodes[lo:hi]; spare room on both sides
	lo, hi int
	n      int
	fill   int // list-max-listpack-size at creation, as Redis's quicklist keeps it
}

// node is one chunk. Its entries occupy buf[head:]; room below head serves
// pushes at the front, room past len(buf) pushes at the back.
type node struct {
	buf  []byte
	head int
	n    int
}

// Node limits, as Redis's quicklist: a negative fill caps a node's bytes
// (-1: 4 KiB ... -5: 64 KiB), a positive one its entry count, with a size
// safety limit of 8 KiB. A listpack's header and terminator count towards
// the size as in Redis.
var optimizationLevel = [...]int{4096, 8192, 16384, 32768, 65536}

const (
	sizeSafetyLimit = 8192
	fillMax         = 1 << 15
	lpOverhead      = 7
)

// NewList returns an empty list whose nodes follow fill
// (list-max-listpack-size; clamped to [-5, 32768] as Redis does).
func NewList(fill int) *List {
	fill = min(max(fill, -5), fillMax)
	return &List{fill: fill}
}

// Len is the number of elements.
func (l *List) Len() int { return l.n }

// Encoding is what Redis 7.0's OBJECT ENCODING reports for every list.
func (l *List) Encoding() string { return "quicklist" }

// MemoryUsage approximates the bytes the list holds.
func (l *List) MemoryUsage() int64 {
	m := int64(unsafe.Sizeof(*l)) + int64(cap(l.nodes))*int64(unsafe.Sizeof(node{}))
	for i := l.lo; i < l.hi; i++ {
		m += int64(cap(l.nodes[i].buf))
	}
	return m
}

// Copy returns a deep copy with tightly sized nodes.
func (l *List) Copy() any {
	c := &List{fill: l.fill, n: l.n, nodes: make([]node, l.hi-l.lo)}
	c.hi = len(c.nodes)
	for i := l.lo; i < l.hi; i++ {
		nd := &l.nodes[i]
		c.nodes[i-l.lo] = node{buf: bytes.Clone(nd.buf[nd.head:]), n: nd.n}
	}
	return c
}

func listEntrySize(l int) int {
	x := uvarintLen(l) + l
	return x + backlenLen(x)
}

// putListEntry writes v's list entry at b[off:] and returns the end.
func putListEntry(b []byte, off int, v []byte) int {
	start := off
	off += binary.PutUvarint(b[off:], uint64(len(v)))
	off += copy(b[off:], v)
	var tmp [10]byte
	bl := appendBacklen(tmp[:0], off-start)
	return off + copy(b[off:], bl)
}

func (nd *node) size() int { return len(nd.buf) - nd.head }

// next returns the offset of the entry after the one at off.
func (nd *node) next(off int) int {
	e := skipEntry(nd.buf, off)
	return e + backlenLen(e-off)
}

// prev returns the offset of the entry ending at end.
func (nd *node) prev(end int) int { return readBacklen(nd.buf, end) }

func (nd *node) value(off int) []byte {
	v, _ := readEntry(nd.buf, off)
	return v
}

// maxBytes is the largest node the fill allows, a bound for buffer growth.
func (l *List) maxBytes() int {
	if l.fill < 0 {
		return optimizationLevel[-l.fill-1]
	}
	return sizeSafetyLimit
}

// allowInsert reports whether nd may take an entry of add bytes (Redis's
// _quicklistNodeAllowInsert).
func (l *List) allowInsert(nd *node, add int) bool {
	sz := nd.size() + lpOverhead + add
	if l.fill < 0 && sz <= optimizationLevel[-l.fill-1] {
		return true
	}
	if sz > sizeSafetyLimit {
		return false
	}
	return nd.n < l.fill
}

// exceeds reports whether nd is over the limits (after an in-place edit).
func (l *List) exceeds(nd *node) bool {
	if nd.n <= 1 {
		return false
	}
	sz := nd.size() + lpOverhead
	if l.fill < 0 {
		return sz > optimizationLevel[-l.fill-1]
	}
	return sz > sizeSafetyLimit || nd.n > l.fill
}

// bufCap sizes a node buffer that must hold need bytes: doubling, but not
// past what a node may hold, to bound the slack.
func (l *List) bufCap(used, need int) int {
	return max(need, min(max(2*used, 32), l.maxBytes()))
}

func newNode(v []byte) node {
	sz := listEntrySize(len(v))
	b := make([]byte, sz)
	putListEntry(b, 0, v)
	return node{buf: b, n: 1}
}

// PushBack appends v (RPUSH).
func (l *List) PushBack(v []byte) {
	sz := listEntrySize(len(v))
	if l.hi > l.lo && l.allowInsert(&l.nodes[l.hi-1], sz) {
		nd := &l.nodes[l.hi-1]
		if cap(nd.buf)-len(nd.buf) < sz {
			data := nd.size()
			nb := make([]byte, data, l.bufCap(data, data+sz))
			copy(nb, nd.buf[nd.head:])
			nd.buf, nd.head = nb, 0
		}
		end := len(nd.buf)
		nd.buf = nd.buf[:end+sz]
		putListEntry(nd.buf, end, v)
		nd.n++
	} else {
		l.pushNodeBack(newNode(v))
	}
	l.n++
}

// PushFront prepends v (LPUSH).
func (l *List) PushFront(v []byte) {
	sz := listEntrySize(len(v))
	if l.hi > l.lo && l.allowInsert(&l.nodes[l.lo], sz) {
		nd := &l.nodes[l.lo]
		if nd.head < sz {
			data := nd.size()
			c := l.bufCap(data, data+sz)
			nb := make([]byte, c)
			copy(nb[c-data:], nd.buf[nd.head:])
			nd.buf, nd.head = nb, c-data
		}
		nd.head -= sz
		putListEntry(nd.buf, nd.head, v)
		nd.n++
	} else {
		l.pushNodeFront(newNode(v))
	}
	l.n++
}

// PopFront removes and returns the first element (LPOP). The bytes stay
// valid until the next mutation.
func (l *List) PopFront() ([]byte, bool) {
	if l.n == 0 {
		return nil, false
	}
	nd := &l.nodes[l.lo]
	v := nd.value(nd.head)
	nd.head = nd.next(nd.head)
	nd.n--
	l.n--
	if nd.n == 0 {
		l.dropFront()
	}
	return v, true
}

// PopBack removes and returns the last element (RPOP). The bytes stay
// valid until the next mutation.
func (l *List) PopBack() ([]byte, bool) {
	if l.n == 0 {
		return nil, false
	}
	nd := &l.nodes[l.hi-1]
	start := nd.prev(len(nd.buf))
	v := nd.value(start)
	nd.buf = nd.buf[:start]
	nd.n--
	l.n--
	if nd.n == 0 {
		l.dropBack()
	}
	return v, true
}

func (l *List) dropFront() {
	l.nodes[l.lo] = node{}
	l.lo++
	if l.lo == l.hi {
		l.lo, l.hi = 0, 0
	}
}

func (l *List) dropBack() {
	l.hi--
	l.nodes[l.hi] = node{}
	if l.lo == l.hi {
		l.lo, l.hi = 0, 0
	}
}

func (l *List) pushNodeBack(nd node) {
	if l.pushFirstNode(nd) {
		return
	}
	if l.hi == len(l.nodes) {
		l.recenter()
	}
	l.nodes[l.hi] = nd
	l.hi++
}

func (l *List) pushNodeFront(nd node) {
	if l.pushFirstNode(nd) {
		return
	}
	if l.lo == 0 {
		l.recenter()
	}
	l.lo--
	l.nodes[l.lo] = nd
}

// pushFirstNode stores the node of an empty list; a one-node list gets a
// slice of exactly one, which is the common case of short lists.
func (l *List) pushFirstNode(nd node) bool {
	if l.lo != l.hi {
		return false
	}
	if len(l.nodes) == 0 {
		l.nodes = make([]node, 1)
	}
	l.nodes[0] = nd
	l.lo, l.hi = 0, 1
	return true
}

// recenter moves the live nodes to the middle of a slice with room on both
// sides, reusing the current one when it is large enough.
func (l *List) recenter() {
	live := l.hi - l.lo
	want := 2*live + 2
	if len(l.nodes) < want {
		nodes := make([]node, want)
		lo := (want - live) / 2
		copy(nodes[lo:], l.nodes[l.lo:l.hi])
		l.nodes, l.lo, l.hi = nodes, lo, lo+live
		return
	}
	lo := (len(l.nodes) - live) / 2
	copy(l.nodes[lo:], l.nodes[l.lo:l.hi])
	// Clear the vacated slots so that they hold no buffers.
	for i := range l.nodes {
		if i < lo || i >= lo+live {
			l.nodes[i] = node{}
		}
	}
	l.lo, l.hi = lo, lo+live
}

// insertNode inserts nd before position k (lo <= k <= hi).
func (l *List) insertNode(k int, nd node) {
	if l.hi == len(l.nodes) {
		rel := k - l.lo
		l.recenter()
		k = l.lo + rel
	}
	copy(l.nodes[k+1:l.hi+1], l.nodes[k:l.hi])
	l.nodes[k] = nd
	l.hi++
}

// locate returns the node and the entry offset of element i (0 <= i < n),
// walking from the nearer end.
func (l *List) locate(i int) (k, off int) {
	if i < l.n/2 {
		k = l.lo
		for i >= l.nodes[k].n {
			i -= l.nodes[k].n
			k++
		}
	} else {
		r := l.n - 1 - i
		k = l.hi - 1
		for r >= l.nodes[k].n {
			r -= l.nodes[k].n
			k--
		}
		i = l.nodes[k].n - 1 - r
	}
	nd := &l.nodes[k]
	if i < nd.n/2 {
		off = nd.head
		for ; i > 0; i-- {
			off = nd.next(off)
		}
	} else {
		off = len(nd.buf)
		for r := nd.n - i; r > 0; r-- {
			off = nd.prev(off)
		}
	}
	return k, off
}

// Index returns element i, 0 <= i < Len() (LINDEX after the caller has
// resolved negative indexes).
func (l *List) Index(i int) ([]byte, bool) {
	if i < 0 || i >= l.n {
		return nil, false
	}
	k, off := l.locate(i)
	return l.nodes[k].value(off), true
}

// Set replaces element i (LSET); false if i is out of range.
func (l *List) Set(i int, v []byte) bool {
	if i < 0 || i >= l.n {
		return false
	}
	k, off := l.locate(i)
	nd := &l.nodes[k]
	end := nd.next(off)
	sz := listEntrySize(len(v))
	if sz == end-off {
		putListEntry(nd.buf, off, v)
		return true
	}
	l.spliceNode(k, off, end, v)
	l.fixup(k)
	return true
}

// spliceNode replaces the entries in node k's buf[off:end] with v's entry,
// rebuilding the node's buffer; the caller adjusts the counts.
func (l *List) spliceNode(k, off, end int, v []byte) {
	nd := &l.nodes[k]
	sz := listEntrySize(len(v))
	data := nd.size() - (end - off) + sz
	nb := make([]byte, data, l.bufCap(data, data))
	p := copy(nb, nd.buf[nd.head:off])
	p = putListEntry(nb, p, v)
	copy(nb[p:], nd.buf[end:])
	nd.buf, nd.head = nb, 0
}

// fixup splits node k in halves while it is over the limits after an edit
// in its middle.
func (l *List) fixup(k int) {
	nd := &l.nodes[k]
	if !l.exceeds(nd) {
		return
	}
	half := nd.n / 2
	off := nd.head
	for i := 0; i < half; i++ {
		off = nd.next(off)
	}
	second := node{buf: bytes.Clone(nd.buf[off:]), n: nd.n - half}
	nd.buf = bytes.Clone(nd.buf[nd.head:off])
	nd.head, nd.n = 0, half
	rel := k - l.lo
	l.insertNode(k+1, second) // may move the nodes
	k = l.lo + rel
	l.fixup(k + 1)
	l.fixup(k)
}

// Insert puts v before (or after) the first element equal to pivot
// (LINSERT); it reports whether the pivot was found.
func (l *List) Insert(pivot, v []byte, after bool) bool {
	for k := l.lo; k < l.hi; k++ {
		nd := &l.nodes[k]
		for off := nd.head; off < len(nd.buf); {
			next := nd.next(off)
			if bytes.Equal(nd.value(off), pivot) {
				at := off
				if after {
					at = next
				}
				l.insertAt(k, at, v)
				return true
			}
			off = next
		}
	}
	return false
}

// insertAt puts v's entry at offset at of node k.
func (l *List) insertAt(k, at int, v []byte) {
	nd := &l.nodes[k]
	sz := listEntrySize(len(v))
	switch {
	case at == nd.head && k > l.lo && l.allowInsert(&l.nodes[k-1], sz) && !l.allowInsert(nd, sz):
		// At a full node's start: the previous node's end is the same place.
		prev := &l.nodes[k-1]
		l.spliceNode(k-1, len(prev.buf), len(prev.buf), v)
		prev.n++
	case at == len(nd.buf) && k+1 < l.hi && l.allowInsert(&l.nodes[k+1], sz) && !l.allowInsert(nd, sz):
		next := &l.nodes[k+1]
		l.spliceNode(k+1, next.head, next.head, v)
		next.n++
	default:
		l.spliceNode(k, at, at, v)
		nd.n++
		l.fixup(k)
	}
	l.n++
}

// Remove deletes up to |count| elements equal to v (LREM): from the head
// when count > 0, from the tail when count < 0, all when count is 0. It
// returns how many were removed.
func (l *List) Remove(v []byte, count int) int {
	quota := count
	if quota < 0 {
		quota = -quota
	}
	removed := 0
	var matches []int
	for step := 0; step < l.hi-l.lo; step++ {
		k := l.lo + step
		if count < 0 {
			k = l.hi - 1 - step
		}
		nd := &l.nodes[k]
		matches = matches[:0]
		for off := nd.head; off < len(nd.buf); off = nd.next(off) {
			if bytes.Equal(nd.value(off), v) {
				matches = append(matches, off)
			}
		}
		if len(matches) == 0 {
			continue
		}
		if quota > 0 && len(matches) > quota-removed {
			take := quota - removed
			if count > 0 {
				matches = matches[:take]
			} else {
				matches = matches[len(matches)-take:]
			}
		}
		l.deleteOffsets(k, matches)
		removed += len(matches)
		if quota > 0 && removed == quota {
			break
		}
	}
	l.dropEmpty()
	return removed
}

// deleteOffsets removes the entries at the given ascending offsets of node
// k, compacting the buffer in place. An emptied node is left for dropEmpty.
func (l *List) deleteOffsets(k int, offs []int) {
	nd := &l.nodes[k]
	w := offs[0]
	for i, off := range offs {
		from := nd.next(off)
		to := len(nd.buf)
		if i+1 < len(offs) {
			to = offs[i+1]
		}
		w += copy(nd.buf[w:], nd.buf[from:to])
	}
	nd.buf = nd.buf[:w]
	nd.n -= len(offs)
	l.n -= len(offs)
}

func (l *List) dropEmpty() {
	w := l.lo
	for k := l.lo; k < l.hi; k++ {
		if l.nodes[k].n > 0 {
			l.nodes[w] = l.nodes[k]
			w++
		}
	}
	for k := w; k < l.hi; k++ {
		l.nodes[k] = node{}
	}
	l.hi = w
	if l.lo == l.hi {
		l.lo, l.hi = 0, 0
	}
}

// Trim keeps elements start..stop inclusive (LTRIM after the caller has
// resolved the range); an empty range (start > stop) empties the list.
func (l *List) Trim(start, stop int) {
	start = max(start, 0)
	stop = min(stop, l.n-1)
	if start > stop {
		l.DeleteFront(l.n)
		return
	}
	l.DeleteBack(l.n - 1 - stop)
	l.DeleteFront(start)
}

// DeleteFront removes the first k elements.
func (l *List) DeleteFront(k int) {
	k = min(k, l.n)
	for k > 0 {
		nd := &l.nodes[l.lo]
		if nd.n <= k {
			k -= nd.n
			l.n -= nd.n
			l.dropFront()
			continue
		}
		for ; k > 0; k-- {
			nd.head = nd.next(nd.head)
			nd.n--
			l.n--
		}
	}
}

// DeleteBack removes the last k elements.
func (l *List) DeleteBack(k int) {
	k = min(k, l.n)
	for k > 0 {
		nd := &l.nodes[l.hi-1]
		if nd.n <= k {
			k -= nd.n
			l.n -= nd.n
			l.dropBack()
			continue
		}
		end := len(nd.buf)
		for ; k > 0; k-- {
			end = nd.prev(end)
			nd.n--
			l.n--
		}
		nd.buf = nd.buf[:end]
	}
}

// Range yields elements start..stop inclusive (0 <= start, stop < Len()),
// in order (LRANGE).
func (l *List) Range(start, stop int) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		if start < 0 || start > stop || start >= l.n {
			return
		}
		stop = min(stop, l.n-1)
		k, off := l.locate(start)
		left := stop - start + 1
		for ; k < l.hi; k++ {
			nd := &l.nodes[k]
			if off < 0 {
				off = nd.head
			}
			for ; off < len(nd.buf); off = nd.next(off) {
				if !yield(nd.value(off)) {
					return
				}
				if left--; left == 0 {
					return
				}
			}
			off = -1
		}
	}
}

// All yields every element with its index, head to tail.
func (l *List) All() iter.Seq2[int, []byte] {
	return func(yield func(int, []byte) bool) {
		i := 0
		for k := l.lo; k < l.hi; k++ {
			nd := &l.nodes[k]
			for off := nd.head; off < len(nd.buf); off = nd.next(off) {
				if !yield(i, nd.value(off)) {
					return
				}
				i++
			}
		}
	}
}

// Backward yields every element with its index, tail to head.
func (l *List) Backward() iter.Seq2[int, []byte] {
	return func(yield func(int, []byte) bool) {
		i := l.n - 1
		for k := l.hi - 1; k >= l.lo; k-- {
			nd := &l.nodes[k]
			for end := len(nd.buf); end > nd.head; {
				off := nd.prev(end)
				if !yield(i, nd.value(off)) {
					return
				}
				i--
				end = off
			}
		}
	}
}
