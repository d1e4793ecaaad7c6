// Package types holds keel's collection values — lists, hashes and sets —
// as compact, GC-friendly structures in the spirit of Redis's encodings:
// elements live packed in byte slices (a list is a deque of packed chunks as
// Redis's quicklist of listpacks; small hashes and sets are one packed
// slice; large ones are a packed arena indexed by an open-addressing table
// of integers), so a collection costs the collector a handful of pointers
// whatever its size.
//
// The package knows nothing of the server: limits (the *-max-listpack-*
// settings) are passed in by the caller. Values are not safe for concurrent
// use; byte slices returned by accessors alias the structure and are valid
// only until its next mutation.
package types

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"strconv"
)

// Entries in packed slices are uvarint(len) followed by the bytes. List
// chunks add a trailing "backlen" (see appendBacklen) so they can also be
// walked from the end, as listpack entries can.

// uvarintLen is the encoded size of uvarint(x).
func uvarintLen(x int) int {
	return (bits.Len64(uint64(x)|1) + 6) / 7
}

// appendEntry appends uvarint(len(v)) v.
func appendEntry(dst, v []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(v)))
	return append(dst, v...)
}

// entrySize is the packed size of a value of length l.
func entrySize(l int) int { return uvarintLen(l) + l }

// readEntry returns the value of the entry at off and the offset after it.
// The data was written by this package, so it is trusted.
func readEntry(b []byte, off int) (v []byte, next int) {
	l, n := binary.Uvarint(b[off:])
	start := off + n
	end := start + int(l)
	return b[start:end:end], end
}

// skipEntry returns the offset after the entry at off.
func skipEntry(b []byte, off int) int {
	l, n := binary.Uvarint(b[off:])
	return off + n + int(l)
}

// putEntry writes the entry for v at b[off:] (which must have room).
func putEntry(b []byte, off int, v []byte) int {
	off += binary.PutUvarint(b[off:], uint64(len(v)))
	return off + copy(b[off:], v)
}

// splice replaces b[i:j] with the packed entries of vals, moving the tail
// in place when the capacity allows.
func splice(b []byte, i, j int, vals ...[]byte) []byte {
	size := 0
	for _, v := range vals {
		size += entrySize(len(v))
	}
	newLen := len(b) - (j - i) + size
	if newLen > cap(b) {
		nb := allocPacked(newLen)
		copy(nb, b[:i])
		copy(nb[i+size:], b[j:])
		b = nb
	} else {
		old := len(b)
		b = b[:max(newLen, old)]
		copy(b[i+size:], b[j:old])
		b = b[:newLen]
	}
	off := i
	for _, v := range vals {
		off = putEntry(b, off, v)
	}
	return b
}

// allocPacked returns a slice of n bytes for a small packed structure,
// which is reallocated on growth the way Redis reallocates a listpack:
// with little slack (1/16, then up to the allocator's size class, which
// append reports as capacity) since most small collections stop growing
// early and their memory is what counts.
func allocPacked(n int) []byte {
	return append([]byte(nil), make([]byte, n+n/16)...)[:n]
}

// growArena returns a copy of b with room for need bytes, for append-only
// arenas: 25% growth keeps appends amortised O(1) with less slack than
// doubling.
func growArena(b []byte, need int) []byte {
	nb := append([]byte(nil), make([]byte, max(need, cap(b)+cap(b)/4))...)[:len(b)]
	copy(nb, b)
	return nb
}

// backlenLen is the size of the backlen of an entry of total size x.
func backlenLen(x int) int { return uvarintLen(x) }

// appendBacklen appends x (the size of the entry's header and bytes) so that
// it reads from its last byte backwards: seven bits per byte, low bits last,
// the high bit of a byte set when more bytes precede it.
func appendBacklen(dst []byte, x int) []byte {
	var tmp [10]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = byte(x & 0x7f)
		x >>= 7
		if x == 0 {
			break
		}
		tmp[i] |= 0x80
	}
	return append(dst, tmp[i:]...)
}

// readBacklen decodes the backlen ending at end and returns the offset where
// the entry it describes starts.
func readBacklen(b []byte, end int) int {
	x, shift := 0, 0
	p := end - 1
	for {
		c := b[p]
		x |= int(c&0x7f) << shift
		if c&0x80 == 0 {
			break
		}
		p--
		shift += 7
	}
	return p - x
}

// seed keys the hashing of elements; chosen per process (like Redis's
// siphash key) so crafted members cannot degrade a table. Never persisted.
var seed = maphash.MakeSeed()

func hashBytes(b []byte) uint64 { return maphash.Bytes(seed, b) }

// parseInt parses b as Redis's string2ll does (the test for intset
// membership): optional '-', no leading zeros or '+', no spaces, in int64.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	d := b
	if d[0] == '-' {
		d = d[1:]
	}
	if len(d) == 0 || d[0] < '1' || d[0] > '9' {
		return 0, false
	}
	for _, c := range d[1:] {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil
}
