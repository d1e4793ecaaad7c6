// Package store is one database's keyspace on one shard. A Table is owned by
// the shard loop and is not safe for concurrent use.
//
// The layout keeps the collector's work independent of the key count: a
// chained hash table whose buckets and links are uint32 indices into pages of
// pointer-free entries, with keys and string values in slab pages (slab.go).
// Only values of the other types (and strings too large for a slot) cost a
// pointer each. The table doubles and shrinks like Redis's dict, moving one
// bucket per operation so that resizing never stalls the loop. Memory freed
// by deletions is given back incrementally too: sparse slab pages are
// evacuated and the entry index space is compacted from the top. The shard's
// cron should call Rehash and Defrag, as Redis's databasesCron does.
package store

import (
	"math/bits"
	"unsafe"
)

// Type is a key's value type.
type Type uint8

const (
	TypeString Type = iota
	TypeList
	TypeSet
	TypeZSet
	TypeHash
	TypeStream
)

// String returns the name Redis's TYPE command replies with.
func (t Type) String() string {
	switch t {
	case TypeString:
		return "string"
	case TypeList:
		return "list"
	case TypeSet:
		return "set"
	case TypeZSet:
		return "zset"
	case TypeHash:
		return "hash"
	case TypeStream:
		return "stream"
	}
	return "unknown"
}

// Entry is a key's value as returned by Get. Str aliases table memory: valid
// only until the next mutation of the table.
type Entry struct {
	Type     Type
	Str      []byte // TypeString only
	Obj      any    // every other type: a pointer owned by the caller's data-type code, mutated in place
	ExpireAt int64  // absolute unix milliseconds, 0 = no expiry
	LRU      uint32 // access clock in seconds (for OBJECT IDLETIME), set on Set and Touch
	// Enc is the encoding Redis would report for a string when it is not
	// derived from its bytes: APPEND/SETRANGE/SETBIT build "raw" strings,
	// INCRBYFLOAT an "embstr" even when the text is an integer.
	Enc StrEnc
	// Marks are the key's checkpoint marks (see Mark). Get and Scan report
	// them; Set ignores this field: a replaced key keeps its marks, a new
	// key has none.
	Marks Mark
}

// Mark is a set of checkpoint marks. A shard marks each key it writes with
// the mark of the checkpoint that must save it; two marks alternate, so
// that the keys of a checkpoint being written (one mark) are told apart
// from those written since its cut (the other).
type Mark uint8

// The two checkpoint marks.
const (
	MarkA Mark = 1
	MarkB Mark = 2
)

// entry is one key. It holds no pointers, so entry pages are never scanned.
type entry struct {
	hash uint32 // low 32 bits of Hash(key): bucket index and a cheap pre-compare
	next uint32 // next entry in the bucket chain (or the free list), 0 = end
	rec  uint32 // slab location of the record, or index in bigs when flagBig
	klen uint32
	vlen uint32 // TypeString: value length; other types: index in objs
	lru  uint32
	ttl  uint32 // 1 + position in the TTL index, 0 = no TTL
	typ  Type
	flag uint8
}

// A record is the key's bytes followed, for strings, by the value's bytes.
const (
	flagBig    = 1 << iota // the record is a dedicated allocation in bigs
	flagFree               // the entry is on the free list
	flagRaw                // Entry.Enc == EncRaw
	flagEmbstr             // Entry.Enc == EncEmbstr
	flagMarkA              // Mark MarkA; flagMarkB must follow it
	flagMarkB
)

// markShift places a Mark in entry.flag.
const markShift = 4 // log2(flagMarkA)

const (
	entShift     = 12
	entPageLen   = 1 << entShift
	firstEntPage = 16 // the first entry page grows from this length
	initBuckets  = 4
	entrySize    = int64(unsafe.Sizeof(entry{}))
	// A rehash step moves one non-empty bucket but may skip this many empty
	// ones; skipping is cheap with uint32 buckets and keeps shrinks short.
	emptyVisits = 64
	// Shrink when fewer than 1 in minFill buckets would hold a key (Redis's 10%).
	minFill = 10
	// The TTL index is compacted when it falls below a quarter of its capacity.
	ttlShrinkMin = 1024
	// Each write moves the records of this many entries along while a
	// defrag cycle runs.
	defragStepEntries = 16
	// Entry compaction starts when more than half of the entry index space
	// (and more than a page) is free, and stops once under a quarter; each
	// delete then retires this many indices from the top.
	compactStepEntries = 4
)

// A defrag cycle starts once slab slack exceeds a quarter of the slab and has
// grown by defragMinWaste since the last cycle. A variable so tests can
// exercise defragmentation on small tables.
var defragMinWaste int64 = 1 << 20

// Table is one database's keyspace.
type Table struct {
	// ht[0] is the live bucket array; while rehashing, ht[1] is its
	// replacement and buckets of ht[0] below rehashIdx are already moved.
	ht        [2][]uint32
	rehashIdx int // -1 when not rehashing
	pause     int // >0 while Scan or ExpireSample runs callbacks: no rehashing, resizing or moving
	held      int // >0 while a snapshot walks entry indices (HoldIndices): no moving
	n         int

	ents    [][]entry // index i lives at ents[i>>entShift][i&(entPageLen-1)]; 0 is never used
	nents   uint32    // entry indices handed out so far, including 0
	freeEnt uint32    // head of the free-entry list, linked through next (and back through rec)
	// compacting is set while the free entries at the top of the index
	// space are being reclaimed after mass deletion.
	compacting bool

	slab     slab
	bigs     [][]byte
	bigFree  []uint32
	bigBytes int64

	objs    []any
	objFree []uint32

	// The TTL index: the keys with an expiry, densely packed, so that active
	// expiry samples only those. Entries point back with entry.ttl.
	ttlAt  []int64
	ttlEnt []uint32
	ttlCur int // where the next ExpireSample starts

	scratch []byte // ExpireSample's copy of the key handed to the callback

	// Defragmentation walks entry indices from 1, moving records out of the
	// slab pages chosen at the start of the cycle.
	defragging bool
	defragCur  uint32
	defragMark int64 // slab slack when the last cycle was considered

	// The record of the last deleted key, not yet returned to the slab.
	pending  bool
	pendRec  uint32
	pendFlag uint8
}

// NewTable returns an empty table. It allocates nothing until the first Set.
func NewTable() *Table {
	return &Table{rehashIdx: -1, nents: 1, slab: newSlab()}
}

// Len is the number of keys.
func (t *Table) Len() int { return t.n }

// ExpiresLen is the number of keys with a TTL (INFO keyspace "expires=").
func (t *Table) ExpiresLen() int { return len(t.ttlEnt) }

// Rehashing reports whether an incremental resize is in progress.
func (t *Table) Rehashing() bool { return t.rehashIdx >= 0 }

// Rehash moves up to n non-empty buckets of an in-progress resize, first
// starting a shrink if the table has become sparse; for the shard's idle
// time (Redis's tryResizeHashTables + incrementallyRehash). It reports
// whether rehashing is still in progress.
func (t *Table) Rehash(n int) bool {
	t.shrinkIfNeeded()
	if t.rehashIdx < 0 || t.pause > 0 {
		return t.rehashIdx >= 0
	}
	if !t.rehash(n) {
		// Keys deleted meanwhile may call for a further shrink.
		t.shrinkIfNeeded()
	}
	return t.rehashIdx >= 0
}

// Defrag gives memory back after deletions, for the shard's idle time
// (Redis's active defrag): it retires up to n free entry indices and moves
// the records of up to n entries out of sparse slab pages, starting a cycle
// if enough slack has built up. Writes also advance both a little. It
// reports whether more work is pending.
func (t *Table) Defrag(n int) bool {
	if t.pause > 0 {
		return t.defragging || t.compacting
	}
	t.compactTick(n)
	if t.defragging || t.defragStart() {
		t.defragStep(n)
	}
	return t.defragging || t.compacting
}

// Get returns key's entry. It never checks expiry: the caller decides.
func (t *Table) Get(key []byte) (Entry, bool) {
	t.rehashStep()
	i := t.lookup(key, uint32(Hash(key)))
	if i == 0 {
		return Entry{}, false
	}
	return t.entryOf(t.ent(i)), true
}

// Set inserts or replaces key, copying key and e.Str. key and e.Str may alias
// memory returned by this table.
func (t *Table) Set(key []byte, e Entry) {
	h := uint32(Hash(key))
	t.rehashStep()
	if i := t.lookup(key, h); i != 0 {
		t.replace(i, e)
		t.flushPending()
		t.defragTick()
		return
	}
	t.insert(key, h, e)
}

// Load adds key, which must not be in the table, without looking for it
// first: for bulk loads of keys known to be unique (a checkpoint's).
func (t *Table) Load(key []byte, e Entry) {
	h := uint32(Hash(key))
	t.rehashStep()
	t.insert(key, h, e)
}

func (t *Table) insert(key []byte, h uint32, e Entry) {
	t.expandIfNeeded()
	if t.rehashIdx >= 0 && t.n > 2*len(t.ht[1]) {
		// Inserts are outrunning a shrink: finish it sooner.
		t.Rehash(16)
	}
	i := t.newEntry()
	ent := t.ent(i)
	*ent = entry{hash: h, klen: uint32(len(key)), typ: e.Type, lru: e.LRU, flag: encFlag(e)}
	var vlen int
	if e.Type == TypeString {
		vlen = len(e.Str)
		ent.vlen = uint32(vlen)
	} else {
		ent.vlen = t.newObj(e.Obj)
	}
	t.allocRec(ent, len(key)+vlen)
	rec := t.record(ent)
	copy(rec, key)
	if e.Type == TypeString {
		copy(rec[len(key):], e.Str)
	}
	b := t.ht[0]
	if t.rehashIdx >= 0 {
		b = t.ht[1]
	}
	slot := h & uint32(len(b)-1)
	ent.next = b[slot]
	b[slot] = i
	t.n++
	if e.ExpireAt != 0 {
		t.setTTL(i, e.ExpireAt)
	}
	t.flushPending()
	t.defragTick()
}

// replace overwrites the entry at i in place when the new record fits the
// old one's slot, which makes same-size updates allocation-free.
func (t *Table) replace(i uint32, e Entry) {
	ent := t.ent(i)
	var vlen int
	if e.Type == TypeString {
		vlen = len(e.Str)
	}
	size := int(ent.klen) + vlen
	if !t.recFits(ent, size) {
		oldRec, oldFlag, oldKey := ent.rec, ent.flag, t.keyOf(ent)
		t.allocRec(ent, size)
		copy(t.keyOf(ent), oldKey)
		t.freeRec(oldRec, oldFlag)
	}
	switch {
	case e.Type == TypeString && ent.typ != TypeString:
		t.freeObj(ent.vlen)
	case e.Type != TypeString && ent.typ == TypeString:
		ent.vlen = t.newObj(e.Obj)
	case e.Type != TypeString:
		t.objs[ent.vlen] = e.Obj
	}
	ent.typ = e.Type
	if e.Type == TypeString {
		// e.Str may alias the old value (or record): copy handles the
		// overlap, and a freed record keeps its bytes.
		ent.vlen = uint32(vlen)
		copy(t.record(ent)[ent.klen:], e.Str)
	}
	ent.lru = e.LRU
	ent.flag = ent.flag&^(flagRaw|flagEmbstr) | encFlag(e)
	t.setTTL(i, e.ExpireAt)
}

// StrEnc is a string's encoding hint (see Entry.Enc).
type StrEnc uint8

const (
	EncAuto StrEnc = iota
	EncRaw
	EncEmbstr
)

func encFlag(e Entry) uint8 {
	switch e.Enc {
	case EncRaw:
		return flagRaw
	case EncEmbstr:
		return flagEmbstr
	}
	return 0
}

func flagEnc(f uint8) StrEnc {
	switch {
	case f&flagRaw != 0:
		return EncRaw
	case f&flagEmbstr != 0:
		return EncEmbstr
	}
	return EncAuto
}

// SetExpire sets key's absolute expiry in unix milliseconds; 0 removes the
// TTL. It reports false if key is missing.
func (t *Table) SetExpire(key []byte, at int64) bool {
	t.rehashStep()
	i := t.lookup(key, uint32(Hash(key)))
	if i == 0 {
		return false
	}
	t.setTTL(i, at)
	return true
}

// Touch sets key's access clock.
func (t *Table) Touch(key []byte, lru uint32) bool {
	t.rehashStep()
	i := t.lookup(key, uint32(Hash(key)))
	if i == 0 {
		return false
	}
	t.ent(i).lru = lru
	return true
}

// AddMark adds m to key's marks; it reports whether key exists.
func (t *Table) AddMark(key []byte, m Mark) bool {
	i := t.lookup(key, uint32(Hash(key)))
	if i == 0 {
		return false
	}
	t.ent(i).flag |= uint8(m) << markShift
	return true
}

// ClearMark removes m from key's marks, if key exists.
func (t *Table) ClearMark(key []byte, m Mark) {
	if i := t.lookup(key, uint32(Hash(key))); i != 0 {
		t.ent(i).flag &^= uint8(m) << markShift
	}
}

// MarkAll adds m to every key's marks.
func (t *Table) MarkAll(m Mark) {
	for i := uint32(1); i < t.nents; i++ {
		if ent := t.ent(i); ent.flag&flagFree == 0 {
			ent.flag |= uint8(m) << markShift
		}
	}
}

// Delete removes key and returns what it held. The returned Str stays
// readable until the end of the next mutation, so it may be passed to Set.
func (t *Table) Delete(key []byte) (Entry, bool) {
	h := uint32(Hash(key))
	t.rehashStep()
	for tb := 0; tb < 2; tb++ {
		b := t.ht[tb]
		if len(b) == 0 {
			break
		}
		slot := h & uint32(len(b)-1)
		prev := uint32(0)
		for i := b[slot]; i != 0; {
			ent := t.ent(i)
			if ent.hash == h && t.keyEqual(ent, key) {
				if prev == 0 {
					b[slot] = ent.next
				} else {
					t.ent(prev).next = ent.next
				}
				out := t.entryOf(ent)
				if ent.ttl != 0 {
					t.ttlRemove(ent)
				}
				if ent.typ != TypeString {
					t.freeObj(ent.vlen)
				}
				// The record is freed at the end of the next write, so
				// out.Str can be handed straight back to Set (RENAME,
				// MOVE) without the new record landing on it.
				rec, flag := ent.rec, ent.flag
				t.flushPending()
				t.pending, t.pendRec, t.pendFlag = true, rec, flag
				t.pushFree(i)
				t.n--
				t.shrinkIfNeeded()
				t.compactTick(compactStepEntries)
				t.defragTick()
				return out, true
			}
			prev, i = i, ent.next
		}
		if t.rehashIdx < 0 {
			break
		}
	}
	return Entry{}, false
}

// Clear removes every key (FLUSHDB) and gives the memory back to the Go heap.
func (t *Table) Clear() {
	*t = Table{rehashIdx: -1, nents: 1, slab: newSlab()}
}

// MemoryUsage approximates the bytes the table owns (used_memory's share).
func (t *Table) MemoryUsage() int64 {
	m := int64(unsafe.Sizeof(*t))
	m += t.slab.bytes + int64(cap(t.slab.pages))*int64(unsafe.Sizeof(page{})) + int64(cap(t.slab.freePages))*4
	m += t.bigBytes + int64(cap(t.bigs))*int64(unsafe.Sizeof([]byte(nil))) + int64(cap(t.bigFree))*4
	m += int64(cap(t.ents)) * int64(unsafe.Sizeof([]entry(nil)))
	for _, p := range t.ents {
		m += int64(cap(p)) * entrySize
	}
	m += int64(len(t.ht[0])+len(t.ht[1])) * 4
	m += int64(cap(t.ttlAt))*8 + int64(cap(t.ttlEnt))*4
	m += int64(cap(t.objs))*int64(unsafe.Sizeof(any(nil))) + int64(cap(t.objFree))*4
	return m
}

// KeyMemory approximates MEMORY USAGE for key, excluding its Obj's contents:
// the entry, its share of the buckets, its record slot and its TTL/Obj slots.
// It returns 0 if key is missing.
func (t *Table) KeyMemory(key []byte) int64 {
	t.rehashStep()
	i := t.lookup(key, uint32(Hash(key)))
	if i == 0 {
		return 0
	}
	ent := t.ent(i)
	m := entrySize + 4
	if ent.flag&flagBig != 0 {
		m += int64(cap(t.bigs[ent.rec])) + int64(unsafe.Sizeof([]byte(nil)))
	} else {
		m += int64(t.slab.slotSize(ent.rec))
	}
	if ent.ttl != 0 {
		m += 12
	}
	if ent.typ != TypeString {
		m += int64(unsafe.Sizeof(any(nil)))
	}
	return m
}

func (t *Table) ent(i uint32) *entry {
	return &t.ents[i>>entShift][i&(entPageLen-1)]
}

func (t *Table) lookup(key []byte, h uint32) uint32 {
	for tb := 0; tb < 2; tb++ {
		b := t.ht[tb]
		if len(b) == 0 {
			return 0
		}
		for i := b[h&uint32(len(b)-1)]; i != 0; {
			ent := t.ent(i)
			if ent.hash == h && t.keyEqual(ent, key) {
				return i
			}
			i = ent.next
		}
		if t.rehashIdx < 0 {
			return 0
		}
	}
	return 0
}

func (t *Table) keyEqual(ent *entry, key []byte) bool {
	return int(ent.klen) == len(key) && string(t.keyOf(ent)) == string(key)
}

// record returns the entry's key+value bytes.
func (t *Table) record(ent *entry) []byte {
	n := ent.klen
	if ent.typ == TypeString {
		n += ent.vlen
	}
	if ent.flag&flagBig != 0 {
		return t.bigs[ent.rec][:n:n]
	}
	return t.slab.bytesAt(ent.rec, n)
}

func (t *Table) keyOf(ent *entry) []byte {
	if ent.flag&flagBig != 0 {
		return t.bigs[ent.rec][:ent.klen:ent.klen]
	}
	return t.slab.bytesAt(ent.rec, ent.klen)
}

func (t *Table) entryOf(ent *entry) Entry {
	out := Entry{Type: ent.typ, LRU: ent.lru, Enc: flagEnc(ent.flag), Marks: Mark(ent.flag>>markShift) & (MarkA | MarkB)}
	if ent.ttl != 0 {
		out.ExpireAt = t.ttlAt[ent.ttl-1]
	}
	if ent.typ == TypeString {
		out.Str = t.record(ent)[ent.klen:]
	} else {
		out.Obj = t.objs[ent.vlen]
	}
	return out
}

// allocRec gives ent a record of size bytes; the bytes are not initialised.
func (t *Table) allocRec(ent *entry, size int) {
	if size <= maxSlot {
		if loc, ok := t.slab.alloc(size); ok {
			ent.rec = loc
			ent.flag &^= flagBig
			return
		}
	}
	buf := make([]byte, size)
	var bi uint32
	if n := len(t.bigFree); n > 0 {
		bi = t.bigFree[n-1]
		t.bigFree = t.bigFree[:n-1]
		t.bigs[bi] = buf
	} else {
		bi = uint32(len(t.bigs))
		t.bigs = append(t.bigs, buf)
	}
	t.bigBytes += int64(cap(buf))
	ent.rec = bi
	ent.flag |= flagBig
}

func (t *Table) flushPending() {
	if t.pending {
		t.pending = false
		t.freeRec(t.pendRec, t.pendFlag)
	}
}

// freeRec releases a record without touching its bytes.
func (t *Table) freeRec(rec uint32, flag uint8) {
	if flag&flagBig == 0 {
		t.slab.free(rec)
		return
	}
	t.bigBytes -= int64(cap(t.bigs[rec]))
	t.bigs[rec] = nil
	t.bigFree = append(t.bigFree, rec)
}

// recFits reports whether a record of size bytes can reuse ent's record.
func (t *Table) recFits(ent *entry, size int) bool {
	if ent.flag&flagBig != 0 {
		c := cap(t.bigs[ent.rec])
		return size > maxSlot && size <= c && size >= c/2
	}
	return size <= maxSlot && classOf(size) == int(t.slab.pages[ent.rec>>offBits].class)
}

func (t *Table) newEntry() uint32 {
	if i := t.freeEnt; i != 0 {
		t.unlinkFree(i)
		return i
	}
	i := t.nents
	if i == ^uint32(0) {
		panic("store: table exceeds 2^32-1 entries")
	}
	pg := int(i >> entShift)
	if pg == len(t.ents) {
		p := make([]entry, 0, entPageLen)
		if pg == 0 {
			p = make([]entry, 1, firstEntPage) // index 0 is the nil entry
		}
		t.ents = append(t.ents, p)
	}
	p := t.ents[pg]
	if len(p) == cap(p) {
		np := make([]entry, len(p), min(2*cap(p), entPageLen))
		copy(np, p)
		p = np
	}
	t.ents[pg] = p[:len(p)+1]
	t.nents++
	return i
}

func (t *Table) pushFree(i uint32) {
	*t.ent(i) = entry{next: t.freeEnt, flag: flagFree}
	if t.freeEnt != 0 {
		t.ent(t.freeEnt).rec = i
	}
	t.freeEnt = i
}

// unlinkFree takes entry i off the free list; free entries keep the previous
// list element in rec, so any of them can be taken in O(1).
func (t *Table) unlinkFree(i uint32) {
	ent := t.ent(i)
	prev, next := ent.rec, ent.next
	if prev == 0 {
		t.freeEnt = next
	} else {
		t.ent(prev).next = next
	}
	if next != 0 {
		t.ent(next).rec = prev
	}
	ent.flag &^= flagFree
}

// compactTick gives entry memory back after mass deletion: it retires the
// highest entry indices, moving a live top entry into any free slot below
// (relinking its chain and TTL index position), and drops emptied pages.
// It does not run while indices are held across callbacks (Scan,
// ExpireSample) or walked by a defrag cycle or a snapshot.
func (t *Table) compactTick(steps int) {
	if t.pause > 0 || t.defragging || t.held > 0 {
		return
	}
	free := int(t.nents) - 1 - t.n
	if !t.compacting {
		if free <= entPageLen || free*2 <= int(t.nents) {
			return
		}
		t.compacting = true
	}
	for ; steps > 0 && free > 0; steps-- {
		top := t.nents - 1
		if t.ent(top).flag&flagFree != 0 {
			t.unlinkFree(top)
		} else {
			to := t.freeEnt
			t.unlinkFree(to)
			t.moveEntry(top, to)
		}
		pg := top >> entShift
		if top&(entPageLen-1) == 0 {
			t.ents[pg] = nil
			t.ents = t.ents[:pg]
		} else {
			t.ents[pg] = t.ents[pg][:top&(entPageLen-1)]
		}
		t.nents--
		free--
	}
	if free*4 <= int(t.nents) || free <= entPageLen/2 {
		t.compacting = false
	}
}

// moveEntry moves live entry from into the unused slot to.
func (t *Table) moveEntry(from, to uint32) {
	src := t.ent(from)
	// While rehashing, an entry may be in either table: buckets below
	// rehashIdx have moved, and keys inserted meanwhile go to ht[1]
	// whatever their old bucket.
	if !t.relink(t.ht[0], src.hash, from, to) && t.rehashIdx >= 0 {
		t.relink(t.ht[1], src.hash, from, to)
	}
	*t.ent(to) = *src
	if src.ttl != 0 {
		t.ttlEnt[src.ttl-1] = to
	}
}

// relink points whatever links to entry from in b's chain for hash at to
// instead, and reports whether from was in that chain.
func (t *Table) relink(b []uint32, hash, from, to uint32) bool {
	slot := hash & uint32(len(b)-1)
	if b[slot] == from {
		b[slot] = to
		return true
	}
	for x := b[slot]; x != 0; x = t.ent(x).next {
		if e := t.ent(x); e.next == from {
			e.next = to
			return true
		}
	}
	return false
}

func (t *Table) newObj(o any) uint32 {
	if n := len(t.objFree); n > 0 {
		i := t.objFree[n-1]
		t.objFree = t.objFree[:n-1]
		t.objs[i] = o
		return i
	}
	t.objs = append(t.objs, o)
	return uint32(len(t.objs) - 1)
}

func (t *Table) freeObj(i uint32) {
	t.objs[i] = nil
	t.objFree = append(t.objFree, i)
}

// setTTL sets the expiry of entry i; 0 removes it.
func (t *Table) setTTL(i uint32, at int64) {
	ent := t.ent(i)
	switch {
	case at == 0:
		if ent.ttl != 0 {
			t.ttlRemove(ent)
		}
	case ent.ttl != 0:
		t.ttlAt[ent.ttl-1] = at
	default:
		t.ttlAt = append(t.ttlAt, at)
		t.ttlEnt = append(t.ttlEnt, i)
		ent.ttl = uint32(len(t.ttlEnt))
	}
}

// ttlRemove drops ent from the TTL index by moving the last element into its
// place.
func (t *Table) ttlRemove(ent *entry) {
	pos := int(ent.ttl - 1)
	last := len(t.ttlEnt) - 1
	if pos != last {
		moved := t.ttlEnt[last]
		t.ttlAt[pos] = t.ttlAt[last]
		t.ttlEnt[pos] = moved
		t.ent(moved).ttl = uint32(pos + 1)
	}
	t.ttlAt = t.ttlAt[:last]
	t.ttlEnt = t.ttlEnt[:last]
	ent.ttl = 0
	if c := cap(t.ttlEnt); c > ttlShrinkMin && last < c/4 {
		t.ttlAt = append(make([]int64, 0, c/2), t.ttlAt...)
		t.ttlEnt = append(make([]uint32, 0, c/2), t.ttlEnt...)
	}
}

// defragTick is the share of defragmentation done by a write. It runs after
// the write has copied its arguments, which may alias records it moves.
func (t *Table) defragTick() {
	if t.pause > 0 {
		return
	}
	if t.defragging || t.defragStart() {
		t.defragStep(defragStepEntries)
	}
}

// defragStart begins a cycle if the slab's slack warrants one.
func (t *Table) defragStart() bool {
	waste := t.slab.bytes - t.slab.usedBytes
	if waste < t.defragMark {
		t.defragMark = waste
	}
	if waste < t.defragMark+defragMinWaste || waste*4 < t.slab.bytes {
		return false
	}
	t.defragMark = waste
	if t.slab.pickVictims() == 0 {
		return false
	}
	t.defragging, t.defragCur = true, 1
	return true
}

// defragStep moves the records of up to n entries out of evacuating pages.
func (t *Table) defragStep(n int) {
	for ; n > 0 && t.defragCur < t.nents; n-- {
		ent := t.ent(t.defragCur)
		t.defragCur++
		if ent.flag&(flagFree|flagBig) != 0 || !t.slab.evacuating(ent.rec) {
			continue
		}
		old := ent.rec
		size := ent.klen
		if ent.typ == TypeString {
			size += ent.vlen
		}
		loc, ok := t.slab.alloc(int(size))
		if !ok {
			continue
		}
		copy(t.slab.bytesAt(loc, size), t.slab.bytesAt(old, size))
		ent.rec = loc
		t.slab.free(old)
	}
	if t.defragCur >= t.nents {
		t.slab.endEvac()
		t.defragging = false
		t.defragMark = t.slab.bytes - t.slab.usedBytes
	}
}

func (t *Table) rehashStep() {
	if t.rehashIdx >= 0 && t.pause == 0 {
		t.rehash(1)
	}
}

// rehash moves up to n non-empty buckets from ht[0] to ht[1], as dictRehash.
func (t *Table) rehash(n int) bool {
	old, nw := t.ht[0], t.ht[1]
	mask := uint32(len(nw) - 1)
	empty := n * emptyVisits
	for n > 0 && t.rehashIdx < len(old) {
		i := old[t.rehashIdx]
		if i == 0 {
			t.rehashIdx++
			if empty--; empty == 0 {
				break
			}
			continue
		}
		for i != 0 {
			ent := t.ent(i)
			next := ent.next
			slot := ent.hash & mask
			ent.next = nw[slot]
			nw[slot] = i
			i = next
		}
		old[t.rehashIdx] = 0
		t.rehashIdx++
		n--
	}
	if t.rehashIdx < len(old) {
		return true
	}
	t.ht[0], t.ht[1] = nw, nil
	t.rehashIdx = -1
	return false
}

// Reserve sizes an empty table for n keys, so that a bulk load does not
// rehash its way up.
func (t *Table) Reserve(n int) {
	if t.n == 0 && n > len(t.ht[0]) {
		t.resize(n)
	}
}

func (t *Table) expandIfNeeded() {
	if len(t.ht[0]) == 0 {
		t.ht[0] = make([]uint32, initBuckets)
		return
	}
	if t.rehashIdx < 0 && t.pause == 0 && t.n >= len(t.ht[0]) {
		t.resize(t.n + 1)
	}
}

func (t *Table) shrinkIfNeeded() {
	size := len(t.ht[0])
	if t.rehashIdx < 0 && t.pause == 0 && size > initBuckets && t.n*minFill < size {
		t.resize(t.n + 1)
	}
}

// resize starts moving to a bucket array of the smallest power of two >= n.
func (t *Table) resize(n int) {
	size := max(initBuckets, 1<<bits.Len(uint(n-1)))
	if size == len(t.ht[0]) {
		return
	}
	if t.n == 0 {
		t.ht[0] = make([]uint32, size)
		return
	}
	t.ht[1] = make([]uint32, size)
	t.rehashIdx = 0
}
