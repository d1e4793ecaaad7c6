package store

import "math/bits"

// Scan visits the bucket(s) at cursor with Redis's reverse-binary cursor
// semantics (dictScan): every key present for the whole scan is returned at
// least once, even across resizes between calls; a key may be returned more
// than once. It returns the next cursor, 0 when done. fn may delete or
// replace the key it is given (to expire it lazily), nothing else; key and
// e.Str are valid only during the call.
func (t *Table) Scan(cursor uint64, fn func(key []byte, e Entry)) uint64 {
	if t.n == 0 {
		return 0
	}
	// No rehash steps or resizes while buckets are being walked.
	t.pause++
	defer t.unpause()
	v := cursor
	if t.rehashIdx < 0 {
		m0 := uint64(len(t.ht[0]) - 1)
		t.scanBucket(t.ht[0][v&m0], fn)
		v |= ^m0
		return bits.Reverse64(bits.Reverse64(v) + 1)
	}
	small, big := t.ht[0], t.ht[1]
	if len(small) > len(big) {
		small, big = big, small
	}
	m0, m1 := uint64(len(small)-1), uint64(len(big)-1)
	t.scanBucket(small[v&m0], fn)
	// Then every bucket of the larger table that expands the small one's.
	for {
		t.scanBucket(big[v&m1], fn)
		v |= ^m1
		v = bits.Reverse64(bits.Reverse64(v) + 1)
		if v&(m0^m1) == 0 {
			return v
		}
	}
}

// unpause ends a Scan or ExpireSample; deletions made by their callbacks
// could not shrink the table, so check now.
func (t *Table) unpause() {
	t.pause--
	t.shrinkIfNeeded()
}

func (t *Table) scanBucket(i uint32, fn func(key []byte, e Entry)) {
	for i != 0 {
		ent := t.ent(i)
		next := ent.next
		fn(t.keyOf(ent), t.entryOf(ent))
		i = next
	}
}

// fairSample is how many keys RandomKey draws from, as GETFAIR_NUMENTRIES.
const fairSample = 20

// RandomKey returns a random key, as dictGetFairRandomKey: it samples a run of
// buckets at a random position and picks among the keys found, which evens
// out the bias of long chains. rnd(n) must return a value in [0, n). The key
// aliases table memory until the next mutation.
func (t *Table) RandomKey(rnd func(n int) int) ([]byte, bool) {
	if t.n == 0 {
		return nil, false
	}
	var picks [fairSample]uint32
	k := t.someKeys(picks[:], rnd)
	var i uint32
	if k > 0 {
		i = picks[rnd(k)]
	} else {
		i = t.randomEntry(rnd)
	}
	return t.keyOf(t.ent(i)), true
}

// someKeys fills out with up to len(out) entries from consecutive buckets
// starting at a random one (dictGetSomeKeys).
func (t *Table) someKeys(out []uint32, rnd func(n int) int) int {
	count := min(len(out), t.n)
	for j := 0; j < count && t.rehashIdx >= 0 && t.pause == 0; j++ {
		t.rehash(1)
	}
	tables := 1
	size := len(t.ht[0])
	if t.rehashIdx >= 0 {
		tables = 2
		size = max(size, len(t.ht[1]))
	}
	mask := size - 1
	i := rnd(size)
	stored, emptyRun := 0, 0
	for steps := count * 10; stored < count && steps > 0; steps-- {
		for j := 0; j < tables; j++ {
			// Buckets of ht[0] below rehashIdx are empty; when ht[1] is the
			// smaller table and i is past it, nothing lies before rehashIdx.
			if tables == 2 && j == 0 && i < t.rehashIdx {
				if i >= len(t.ht[1]) {
					i = t.rehashIdx
				} else {
					continue
				}
			}
			b := t.ht[j]
			if i >= len(b) {
				continue
			}
			e := b[i]
			if e == 0 {
				emptyRun++
				if emptyRun >= 5 && emptyRun > count {
					i = rnd(size)
					emptyRun = 0
				}
				continue
			}
			emptyRun = 0
			for ; e != 0; e = t.ent(e).next {
				out[stored] = e
				stored++
				if stored == count {
					return stored
				}
			}
		}
		i = (i + 1) & mask
	}
	return stored
}

// randomEntry picks a random non-empty bucket, then a random entry of its
// chain (dictGetRandomKey). The table must not be empty.
func (t *Table) randomEntry(rnd func(n int) int) uint32 {
	var head uint32
	if t.rehashIdx >= 0 {
		s0 := len(t.ht[0])
		for head == 0 {
			h := t.rehashIdx + rnd(s0+len(t.ht[1])-t.rehashIdx)
			if h >= s0 {
				head = t.ht[1][h-s0]
			} else {
				head = t.ht[0][h]
			}
		}
	} else {
		for head == 0 {
			head = t.ht[0][rnd(len(t.ht[0]))]
		}
	}
	n := 0
	for i := head; i != 0; i = t.ent(i).next {
		n++
	}
	i := head
	for k := rnd(n); k > 0; k-- {
		i = t.ent(i).next
	}
	return i
}

// ExpireSample is one round of Redis's active expiry: it looks at up to max
// keys that have a TTL, continuing where the previous round stopped, and
// calls expired(key) for those with ExpireAt <= now. The callback decides
// what to do (normally delete the key and log the effect); it may call
// t.Delete or t.SetExpire on that key but make no other change. key is valid
// only during the call. It returns how many keys were sampled and how many
// of them had expired.
func (t *Table) ExpireSample(now int64, max int, expired func(key []byte)) (sampled, n int) {
	// Entry indices are held across the callback: no entry compaction.
	t.pause++
	defer t.unpause()
	for sampled < max && len(t.ttlEnt) > 0 {
		if t.ttlCur >= len(t.ttlEnt) {
			t.ttlCur = 0
		}
		pos := t.ttlCur
		at, i := t.ttlAt[pos], t.ttlEnt[pos]
		sampled++
		if at > now {
			t.ttlCur++
			continue
		}
		n++
		t.scratch = append(t.scratch[:0], t.keyOf(t.ent(i))...)
		expired(t.scratch)
		// If the callback removed the key or its TTL, the last key of the
		// index moved into pos and has not been looked at yet.
		if pos < len(t.ttlEnt) && t.ttlEnt[pos] == i {
			t.ttlCur++
		}
	}
	return sampled, n
}
