package store

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestScanMarked walks a held table a few entries at a time while visited
// keys are deleted (enough to start entry compaction, which would move
// unvisited entries below the cursor) and keys added: every marked key is
// visited once, with its mark cleared, and no other key is.
func TestScanMarked(t *testing.T) {
	tb := NewTable()
	const n = 20000
	for i := range n {
		tb.Set([]byte(fmt.Sprintf("k%05d", i)), Entry{Type: TypeString, Str: []byte(fmt.Sprint(i))})
	}
	tb.MarkAll(MarkA)
	tb.HoldIndices()
	visited := map[string]int{}
	deleted := map[string]bool{}
	var cur uint32
	for step := 0; ; step++ {
		cur = tb.ScanMarked(cur, 37, MarkA, func(key []byte, e Entry) {
			visited[string(key)]++
			assert.Zero(t, e.Marks&MarkA, "cleared before the call")
		})
		// Deletions of keys already visited, low in the index space:
		// their free slots are where compaction moves entries from the top.
		for j := range 30 {
			k := fmt.Sprintf("k%05d", 30*step+j)
			if visited[k] == 0 {
				continue
			}
			if _, ok := tb.Delete([]byte(k)); ok {
				deleted[k] = true
			}
		}
		tb.Set([]byte(fmt.Sprintf("new%05d", step)), Entry{Type: TypeString, Str: []byte("x")})
		if cur == 0 {
			break
		}
	}
	tb.ReleaseIndices()
	for i := range n {
		k := fmt.Sprintf("k%05d", i)
		if deleted[k] {
			continue
		}
		require.Equal(t, 1, visited[k], k)
		e, ok := tb.Get([]byte(k))
		require.True(t, ok)
		assert.Zero(t, e.Marks&MarkA)
	}
	for k, c := range visited {
		assert.Equal(t, 1, c, k)
		assert.Equal(t, byte('k'), k[0], "only marked keys")
	}
	assert.Greater(t, len(deleted), n*3/4, "enough deletions to compact")
	assert.Zero(t, tb.ScanMarked(0, 1<<30, MarkA, func([]byte, Entry) { t.Fatal("no mark left") }))

	// Released, compaction gives the freed entries back.
	before := tb.nents
	for i := range n {
		tb.Delete([]byte(fmt.Sprintf("k%05d", i)))
	}
	assert.Less(t, tb.nents, before)
}

// BenchmarkSnapshotWalk is a checkpoint's walk over 500k marked keys,
// touching each key and value as the snapshot's encoder does: in entry
// order (ScanMarked) and in bucket order with a lookup to clear each mark
// (Scan + ClearMark, as a SCAN-style walk would).
func BenchmarkSnapshotWalk(b *testing.B) {
	tb := NewTable()
	for i := range 500_000 {
		tb.Set([]byte(fmt.Sprintf("key:%012d", i)), Entry{Type: TypeString, Str: []byte(fmt.Sprintf("%016d", i))})
	}
	var sink int
	touch := func(key []byte, e Entry) { sink += int(key[len(key)-1]) + int(e.Str[len(e.Str)-1]) }
	b.Run("entry-order", func(b *testing.B) {
		for range b.N {
			tb.MarkAll(MarkA)
			tb.HoldIndices()
			for cur := tb.ScanMarked(0, 64, MarkA, touch); cur != 0; {
				cur = tb.ScanMarked(cur, 64, MarkA, touch)
			}
			tb.ReleaseIndices()
		}
	})
	b.Run("bucket-order", func(b *testing.B) {
		for range b.N {
			tb.MarkAll(MarkA)
			for cur := uint64(0); ; {
				cur = tb.Scan(cur, func(key []byte, e Entry) {
					if e.Marks&MarkA != 0 {
						touch(key, e)
						tb.ClearMark(key, MarkA)
					}
				})
				if cur == 0 {
					break
				}
			}
		}
	})
	_ = sink
}
