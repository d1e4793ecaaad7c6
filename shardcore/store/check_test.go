package store

import (
	"math/bits"
	"testing"

	"github.com/stretchr/testify/require"
)

// checkInvariants verifies the table's internal structure: chains, counts,
// the TTL index, the free lists and the slab accounting.
func checkInvariants(t *testing.T, tb *Table) {
	t.Helper()
	seen := make(map[uint32]bool)
	withTTL, objs, bigs := 0, 0, 0
	slots := make(map[uint32]bool)
	for h := 0; h < 2; h++ {
		b := tb.ht[h]
		if h == 1 {
			if tb.rehashIdx < 0 {
				require.Nil(t, b, "ht[1] without rehash")
				break
			}
			require.NotEmpty(t, b)
		}
		require.Zero(t, len(b)&(len(b)-1), "bucket count not a power of two")
		for slot, i := range b {
			if h == 0 && slot < tb.rehashIdx && i != 0 {
				t.Fatalf("bucket %d below rehashIdx %d not empty", slot, tb.rehashIdx)
			}
			for ; i != 0; i = tb.ent(i).next {
				if seen[i] {
					t.Fatalf("entry %d linked twice", i)
				}
				seen[i] = true
				ent := tb.ent(i)
				if ent.flag&flagFree != 0 {
					t.Fatalf("free entry %d linked", i)
				}
				if ent.hash&uint32(len(b)-1) != uint32(slot) || uint32(Hash(tb.keyOf(ent))) != ent.hash {
					t.Fatalf("entry %d (%q) in wrong bucket %d", i, tb.keyOf(ent), slot)
				}
				if ent.ttl != 0 {
					withTTL++
					if tb.ttlEnt[ent.ttl-1] != i {
						t.Fatalf("entry %d: TTL index points elsewhere", i)
					}
				}
				if ent.typ != TypeString {
					objs++
					if int(ent.vlen) >= len(tb.objs) {
						t.Fatalf("entry %d: obj index out of range", i)
					}
				}
				if ent.flag&flagBig != 0 {
					bigs++
					if tb.bigs[ent.rec] == nil {
						t.Fatalf("entry %d: big record released", i)
					}
					continue
				}
				if slots[ent.rec] {
					t.Fatalf("entry %d: slot shared", i)
				}
				slots[ent.rec] = true
				p := &tb.slab.pages[ent.rec>>offBits]
				size := classSize[p.class]
				off := (ent.rec & offMask) << slotShift
				s := off / size
				if int(size) < len(tb.record(ent)) || off%size != 0 || s >= p.nslot || p.used[s/64]&(1<<(s%64)) == 0 {
					t.Fatalf("entry %d: bad slot (class %d, off %d, record %d bytes)", i, size, off, len(tb.record(ent)))
				}
			}
		}
	}
	require.Equal(t, tb.n, len(seen), "Len")
	require.Equal(t, withTTL, len(tb.ttlEnt), "TTL index size")
	require.Equal(t, len(tb.ttlAt), len(tb.ttlEnt))
	require.Equal(t, objs, len(tb.objs)-len(tb.objFree), "obj slots")
	if tb.pending && tb.pendFlag&flagBig != 0 {
		bigs++
	}
	require.Equal(t, bigs, len(tb.bigs)-len(tb.bigFree), "big records")
	free := 0
	prev := uint32(0)
	for i := tb.freeEnt; i != 0; prev, i = i, tb.ent(i).next {
		free++
		if seen[i] || tb.ent(i).flag&flagFree == 0 || tb.ent(i).rec != prev || free > int(tb.nents) {
			t.Fatalf("free list: entry %d is live, unflagged, mislinked or in a cycle", i)
		}
	}
	pages := (int(tb.nents) + entPageLen - 1) / entPageLen
	if len(tb.ents) == 0 {
		pages = 0 // nothing inserted yet: not even the page of index 0
	}
	require.Equal(t, pages, len(tb.ents), "entry pages")
	if pages > 0 {
		require.Equal(t, int(tb.nents)-(pages-1)*entPageLen, len(tb.ents[pages-1]), "last entry page length")
	}
	require.Equal(t, int(tb.nents), 1+tb.n+free, "entries leaked")

	var live, used, held int64
	for pi := range tb.slab.pages {
		p := &tb.slab.pages[pi]
		if p.buf == nil {
			continue
		}
		held += int64(len(p.buf)) + 8*int64(len(p.used))
		ones := 0
		for _, w := range p.used {
			ones += bits.OnesCount64(w)
		}
		pad := len(p.used)*64 - int(p.nslot)
		require.Equal(t, int(p.live), ones-pad, "page %d live count", pi)
		require.Equal(t, p.live < p.nslot && !p.evac, p.listed, "page %d listing", pi)
		if p.evac {
			require.True(t, tb.defragging, "evacuating page outside a defrag cycle")
		}
		live += int64(p.live)
		used += int64(p.live) * int64(classSize[p.class])
	}
	if tb.pending && tb.pendFlag&flagBig == 0 {
		live-- // the last deleted key's slot, freed by the next write
	}
	require.Equal(t, int64(len(slots)), live, "slab slots leaked")
	require.Equal(t, used, tb.slab.usedBytes, "slab used bytes")
	require.Equal(t, held, tb.slab.bytes)
	for c := range tb.slab.classes {
		for pi := tb.slab.classes[c].partial; pi != noPage; pi = tb.slab.pages[pi].next {
			require.Equal(t, uint8(c), tb.slab.pages[pi].class)
			require.True(t, tb.slab.pages[pi].listed)
		}
	}
}
