package shardcore

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// HyperLogLog in Redis's exact string representation (hyperloglog.c), so
// that a value moved between keel and Redis by GET/SET or DUMP/RESTORE
// counts the same and PFADD sequences produce identical bytes.
//
// Layout: a 16-byte header ("HYLL", encoding byte, 3 unused bytes, the cached
// cardinality little endian with bit 63 meaning "stale"), then either 16384
// 6-bit registers packed LSB first (dense) or a run-length sparse form of
// ZERO (00xxxxxx), XZERO (01xxxxxx yyyyyyyy) and VAL (1vvvvvxx) opcodes.
//
// Corrupted strings are read as Redis reads them, including its habit of
// seeing a zero byte just past the end (the sds terminator), but never
// outside the slice: the functions report -1/false instead of panicking.

const (
	hllP                 = 14
	hllQ                 = 64 - hllP
	hllRegisters         = 1 << hllP
	hllPMask             = hllRegisters - 1
	hllBits              = 6
	hllRegisterMax       = 1<<hllBits - 1
	hllHdrSize           = 16
	hllDenseSize         = hllHdrSize + (hllRegisters*hllBits+7)/8
	hllDense             = 0
	hllSparse            = 1
	hllMaxEncoding       = 1
	hllHashSeed          = 0xadc83b19
	hllAlphaInf          = 0.721347520444481703680 // 0.5/ln(2)
	hllSparseValMaxValue = 32
	hllSparseValMaxLen   = 4
	hllSparseZeroMaxLen  = 64
	hllSparseXZeroMaxLen = 16384
	// hllRoom is the spare capacity kept behind a sparse string: an update
	// grows it by at most 3 bytes and a truncated opcode may write 1 more.
	hllRoom = 8
)

// murmurHash64A is MurmurHash2 64-bit, endian-neutral as Redis's.
func murmurHash64A(key []byte, seed uint64) uint64 {
	const m = 0xc6a4a7935bd1e995
	const r = 47
	h := seed ^ (uint64(len(key)) * m)
	n := len(key) &^ 7
	for i := 0; i < n; i += 8 {
		k := binary.LittleEndian.Uint64(key[i:])
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
	}
	tail := key[n:]
	switch len(tail) {
	case 7:
		h ^= uint64(tail[6]) << 48
		fallthrough
	case 6:
		h ^= uint64(tail[5]) << 40
		fallthrough
	case 5:
		h ^= uint64(tail[4]) << 32
		fallthrough
	case 4:
		h ^= uint64(tail[3]) << 24
		fallthrough
	case 3:
		h ^= uint64(tail[2]) << 16
		fallthrough
	case 2:
		h ^= uint64(tail[1]) << 8
		fallthrough
	case 1:
		h ^= uint64(tail[0])
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}

// hllPatLen returns the register an element maps to and the length of the
// 000..1 pattern of the rest of its hash (1..Q+1).
func hllPatLen(ele []byte) (index int, count uint8) {
	hash := murmurHash64A(ele, hllHashSeed)
	index = int(hash & hllPMask)
	hash >>= hllP
	hash |= 1 << hllQ // the loop in Redis stops here: count <= Q+1
	return index, uint8(bits.TrailingZeros64(hash) + 1)
}

// hllNew is an empty HLL: sparse, one XZERO covering every register, the
// cache marked stale (PFADD always invalidates it after creating the key).
func hllNew() []byte {
	b := make([]byte, hllHdrSize+2, hllHdrSize+2+hllRoom)
	copy(b, "HYLL")
	b[4] = hllSparse
	b[15] = 0x80
	b[16] = byte((hllSparseXZeroMaxLen-1)>>8) | 0x40
	b[17] = byte((hllSparseXZeroMaxLen - 1) & 0xff)
	return b
}

// hllValid is Redis's isHLLObjectOrReply check of a string value.
func hllValid(b []byte) bool {
	if len(b) < hllHdrSize || string(b[:4]) != "HYLL" || b[4] > hllMaxEncoding {
		return false
	}
	return b[4] != hllDense || len(b) == hllDenseSize
}

func hllInvalidate(b []byte) { b[15] |= 0x80 }

// hllCached returns the cached cardinality and whether it is current.
func hllCached(b []byte) (uint64, bool) {
	return binary.LittleEndian.Uint64(b[8:16]), b[15]&0x80 == 0
}

func hllSetCached(b []byte, card uint64) { binary.LittleEndian.PutUint64(b[8:16], card) }

// --- dense registers ---

func hllDenseGet(regs []byte, i int) uint8 {
	byteIdx := i * hllBits / 8
	fb := uint(i * hllBits & 7)
	b0 := uint(regs[byteIdx])
	var b1 uint
	if byteIdx+1 < len(regs) {
		b1 = uint(regs[byteIdx+1])
	}
	return uint8((b0>>fb | b1<<(8-fb)) & hllRegisterMax)
}

func hllDenseSetReg(regs []byte, i int, v uint8) {
	byteIdx := i * hllBits / 8
	fb := uint(i * hllBits & 7)
	val := uint(v)
	regs[byteIdx] &^= byte(hllRegisterMax << fb)
	regs[byteIdx] |= byte(val << fb)
	// The last register ends inside its byte: the next byte's part is empty.
	if byteIdx+1 < len(regs) {
		regs[byteIdx+1] &^= byte(hllRegisterMax >> (8 - fb))
		regs[byteIdx+1] |= byte(val >> (8 - fb))
	}
}

// hllDenseSet raises register i to count; it reports whether it changed.
func hllDenseSet(regs []byte, i int, count uint8) bool {
	if count > hllDenseGet(regs, i) {
		hllDenseSetReg(regs, i, count)
		return true
	}
	return false
}

// hllDenseHisto adds the dense registers' value histogram to h.
func hllDenseHisto(regs []byte, h *[64]int) {
	for r := 0; r+3 <= len(regs); r += 3 {
		b0, b1, b2 := regs[r], regs[r+1], regs[r+2]
		h[b0&63]++
		h[(b0>>6|b1<<2)&63]++
		h[(b1>>4|b2<<4)&63]++
		h[b2>>2]++
	}
}

// --- sparse opcodes ---

func hllIsZero(op byte) bool  { return op&0xc0 == 0 }
func hllIsXZero(op byte) bool { return op&0xc0 == 0x40 }
func hllIsVal(op byte) bool   { return op&0x80 != 0 }
func hllZeroLen(op byte) int  { return int(op&0x3f) + 1 }
func hllValValue(op byte) int { return int(op>>2&0x1f) + 1 }
func hllValLen(op byte) int   { return int(op&3) + 1 }

// hllXZeroLen reads an XZERO at p; past the end Redis sees the terminator.
func hllXZeroLen(b []byte, p int) int {
	var lo byte
	if p+1 < len(b) {
		lo = b[p+1]
	}
	return (int(b[p]&0x3f)<<8 | int(lo)) + 1
}

func hllValOp(val, n int) byte { return byte((val-1)<<2|(n-1)) | 0x80 }

// hllPutZeros writes a ZERO or XZERO run of n registers at dst, returning
// the bytes used.
func hllPutZeros(dst []byte, n int) int {
	if n > hllSparseZeroMaxLen {
		dst[0] = byte((n-1)>>8) | 0x40
		dst[1] = byte((n - 1) & 0xff)
		return 2
	}
	dst[0] = byte(n - 1)
	return 1
}

// hllSparseToDense converts a sparse HLL (header kept, cache included) to
// dense; false means the sparse form does not cover exactly 16384 registers.
func hllSparseToDense(b []byte) ([]byte, bool) {
	if b[4] == hllDense {
		return b, true
	}
	d := make([]byte, hllDenseSize)
	copy(d, b[:hllHdrSize])
	d[4] = hllDense
	regs := d[hllHdrSize:]
	idx := 0
scan:
	for p := hllHdrSize; p < len(b); {
		switch op := b[p]; {
		case hllIsZero(op):
			idx += hllZeroLen(op)
			p++
		case hllIsXZero(op):
			idx += hllXZeroLen(b, p)
			p += 2
		default:
			n, v := hllValLen(op), hllValValue(op)
			if idx+n > hllRegisters {
				break scan
			}
			for ; n > 0; n-- {
				hllDenseSetReg(regs, idx, uint8(v))
				idx++
			}
			p++
		}
	}
	if idx != hllRegisters {
		return nil, false
	}
	return d, true
}

// hllSparseSet raises register index to count in a sparse HLL, as Redis's
// hllSparseSet: in place where possible, splitting the opcode otherwise,
// merging adjacent equal VALs, and promoting to dense when count does not
// fit a VAL or the string would exceed sparseMax bytes. b is owned by the
// call; the result is 1 (changed), 0 (no change) or -1 (corrupted).
func hllSparseSet(b []byte, index int, count uint8, sparseMax int64) ([]byte, int) {
	if count > hllSparseValMaxValue {
		return hllPromote(b, index, count)
	}
	if cap(b)-len(b) < hllRoom {
		nb := make([]byte, len(b), len(b)+hllRoom+len(b)/4)
		copy(nb, b)
		b = nb
	}
	// Step 1: find the opcode covering index.
	p, end := hllHdrSize, len(b)
	first, span, prev := 0, 0, -1
	for p < end {
		oplen := 1
		switch op := b[p]; {
		case hllIsZero(op):
			span = hllZeroLen(op)
		case hllIsVal(op):
			span = hllValLen(op)
		default:
			span = hllXZeroLen(b, p)
			oplen = 2
		}
		if index <= first+span-1 {
			break
		}
		prev = p
		p += oplen
		first += span
	}
	if span == 0 || p >= end {
		return b, -1
	}
	op := b[p]
	next, oldlen := p+1, 1
	if hllIsXZero(op) {
		next, oldlen = p+2, 2
	}
	hasNext := next < end

	// Step 2: the trivial in-place updates.
	done := false
	switch {
	case hllIsVal(op):
		if hllValValue(op) >= int(count) {
			return b, 0
		}
		if hllValLen(op) == 1 {
			b[p] = hllValOp(int(count), 1)
			done = true
		}
	case hllIsZero(op) && hllZeroLen(op) == 1:
		b[p] = hllValOp(int(count), 1)
		done = true
	}

	if !done {
		// Step 3: split the opcode into up to three (XZERO-VAL-XZERO).
		var seq [5]byte
		n := 0
		last := first + span - 1
		if hllIsVal(op) {
			cur := hllValValue(op)
			if index != first {
				seq[n] = hllValOp(cur, index-first)
				n++
			}
			seq[n] = hllValOp(int(count), 1)
			n++
			if index != last {
				seq[n] = hllValOp(cur, last-index)
				n++
			}
		} else {
			if index != first {
				n += hllPutZeros(seq[n:], index-first)
			}
			seq[n] = hllValOp(int(count), 1)
			n++
			if index != last {
				n += hllPutZeros(seq[n:], last-index)
			}
		}
		delta := n - oldlen
		if delta > 0 && int64(len(b)+delta) > sparseMax {
			return hllPromote(b, index, count)
		}
		// The same moves as Redis's memmove/memcpy, so that even a
		// truncated last opcode ends up with Redis's bytes.
		buf := b[:cap(b)]
		if delta != 0 && hasNext {
			copy(buf[next+delta:], buf[next:end])
		}
		end += delta
		copy(buf[p:], seq[:n])
		b = buf[:end]
	}

	// Step 4: merge adjacent VALs of equal value, scanning 5 opcodes from
	// the one before the change.
	p = hllHdrSize
	if prev >= 0 {
		p = prev
	}
	for scan := 5; p < end && scan > 0; scan-- {
		op := b[p]
		if hllIsXZero(op) {
			p += 2
			continue
		}
		if hllIsZero(op) {
			p++
			continue
		}
		if p+1 < end && hllIsVal(b[p+1]) {
			v1, v2 := hllValValue(op), hllValValue(b[p+1])
			if n := hllValLen(op) + hllValLen(b[p+1]); v1 == v2 && n <= hllSparseValMaxLen {
				b[p+1] = hllValOp(v1, n)
				copy(b[p:], b[p+1:end])
				end--
				b = b[:end]
				continue // try the merged VAL with the one after it
			}
		}
		p++
	}
	hllInvalidate(b)
	return b, 1
}

// hllPromote converts to dense and sets the register there.
func hllPromote(b []byte, index int, count uint8) ([]byte, int) {
	d, ok := hllSparseToDense(b)
	if !ok {
		return b, -1
	}
	if hllDenseSet(d[hllHdrSize:], index, count) {
		return d, 1
	}
	return d, 0
}

// hllAdd adds one element; b is owned by the call. See hllSparseSet for the
// result.
func hllAdd(b, ele []byte, sparseMax int64) ([]byte, int) {
	index, count := hllPatLen(ele)
	switch b[4] {
	case hllDense:
		if hllDenseSet(b[hllHdrSize:], index, count) {
			return b, 1
		}
		return b, 0
	case hllSparse:
		return hllSparseSet(b, index, count, sparseMax)
	}
	return b, -1
}

// hllSparseHisto adds the sparse registers' histogram to h; false when the
// opcodes do not cover exactly 16384 registers.
func hllSparseHisto(b []byte, h *[64]int) bool {
	idx := 0
	for p := hllHdrSize; p < len(b); {
		switch op := b[p]; {
		case hllIsZero(op):
			n := hllZeroLen(op)
			idx += n
			h[0] += n
			p++
		case hllIsXZero(op):
			n := hllXZeroLen(b, p)
			idx += n
			h[0] += n
			p += 2
		default:
			n := hllValLen(op)
			idx += n
			h[hllValValue(op)] += n
			p++
		}
	}
	return idx == hllRegisters
}

// hllCount computes the cardinality of a valid-header HLL; false when a
// sparse form is corrupted.
func hllCount(b []byte) (uint64, bool) {
	var h [64]int
	if b[4] == hllDense {
		hllDenseHisto(b[hllHdrSize:], &h)
	} else if !hllSparseHisto(b, &h) {
		return 0, false
	}
	return hllEstimate(&h), true
}

// hllCountRegs is the cardinality of one byte per register (the merged
// registers of PFCOUNT over several keys).
func hllCountRegs(regs *[hllRegisters]uint8) uint64 {
	var h [64]int
	for _, v := range regs {
		h[v&63]++
	}
	return hllEstimate(&h)
}

// hllMerge sets regs[i] = max(regs[i], register i of b); false when a sparse
// form is corrupted.
func hllMerge(regs *[hllRegisters]uint8, b []byte) bool {
	if b[4] == hllDense {
		d := b[hllHdrSize:]
		for i := range regs {
			if v := hllDenseGet(d, i); v > regs[i] {
				regs[i] = v
			}
		}
		return true
	}
	i := 0
scan:
	for p := hllHdrSize; p < len(b); {
		switch op := b[p]; {
		case hllIsZero(op):
			i += hllZeroLen(op)
			p++
		case hllIsXZero(op):
			i += hllXZeroLen(b, p)
			p += 2
		default:
			n, v := hllValLen(op), uint8(hllValValue(op))
			if i+n > hllRegisters {
				break scan
			}
			for ; n > 0; n-- {
				if v > regs[i] {
					regs[i] = v
				}
				i++
			}
			p++
		}
	}
	return i == hllRegisters
}

// hllEstimate is Redis 7's estimator from the register histogram (Ertl,
// "New cardinality estimation algorithms for HyperLogLog sketches"). The
// float64 conversions keep every product rounded on its own, as the C code
// compiles, rather than fused into a multiply-add.
func hllEstimate(h *[64]int) uint64 {
	const m = float64(hllRegisters)
	z := float64(m * hllTau((m-float64(h[hllQ+1]))/m))
	for j := hllQ; j >= 1; j-- {
		z += float64(h[j])
		z = float64(z * 0.5)
	}
	z += float64(m * hllSigma(float64(h[0])/m))
	return uint64(math.Round(hllAlphaInf * m * m / z))
}

func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x = float64(x * x)
		zPrime := z
		z += float64(x * y)
		y += y
		if zPrime == z {
			return z
		}
	}
}

func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		zPrime := z
		y *= 0.5
		d := 1 - x
		z -= float64(float64(d*d) * y)
		if zPrime == z {
			return z / 3
		}
	}
}
