package store

// Snapshot scans: a checkpoint walks a table's entries in index order, a
// slice per event-loop iteration, saving the keys that carry its mark.
// Index order follows memory (entry pages and, for keys written in bulk,
// their records), where bucket order (Scan) costs cache misses on every
// key; and it needs no lookup to clear the mark.

// HoldIndices keeps entries where they are until the matching
// ReleaseIndices: entry compaction, which moves entries from the top of the
// index space to free slots below, would carry one past a snapshot's
// cursor. New keys may take free slots anywhere meanwhile.
func (t *Table) HoldIndices() { t.held++ }

// ReleaseIndices ends a HoldIndices.
func (t *Table) ReleaseIndices() { t.held-- }

// ScanMarked visits up to n entry indices from cursor (0 starts at the
// first) and calls fn for each key carrying mark m, clearing m before the
// call (e.Marks no longer has it). It returns the cursor to continue from,
// 0 once past the last index. Between calls the table must be held
// (HoldIndices); fn must not change the table.
func (t *Table) ScanMarked(cursor uint32, n int, m Mark, fn func(key []byte, e Entry)) uint32 {
	bit := uint8(m) << markShift
	cursor = max(cursor, 1)
	for ; n > 0 && cursor < t.nents; n, cursor = n-1, cursor+1 {
		ent := t.ent(cursor)
		if ent.flag&bit == 0 || ent.flag&flagFree != 0 {
			continue
		}
		ent.flag &^= bit
		fn(t.keyOf(ent), t.entryOf(ent))
	}
	if cursor >= t.nents {
		return 0
	}
	return cursor
}
