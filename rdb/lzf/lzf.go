// Package lzf implements the LZF compression format as Redis uses it for
// strings in RDB files and DUMP payloads.
//
// A compressed stream is a series of chunks, each led by a control byte c:
//
//   - c < 32: a literal run; the next c+1 bytes are copied to the output.
//   - otherwise a back-reference: length l = c>>5 (if l == 7, the next byte
//     is added to it), then one more byte o; l+2 bytes are copied from
//     ((c&0x1f)<<8 | o) + 1 bytes back in the output, possibly overlapping.
package lzf

import (
	"errors"
	"fmt"
	"sync"
)

const (
	maxLiteral = 32          // longest literal run one control byte covers
	maxOffset  = 1 << 13     // farthest back a reference reaches
	maxRef     = 7 + 255 + 2 // longest back-reference

	minHashBits = 8
	maxHashBits = 14
)

var tables = sync.Pool{New: func() any { return new([1 << maxHashBits]int32) }}

// MaxRatio bounds how much LZF can expand: the longest back-reference
// (264 bytes) costs 3 input bytes. A declared size beyond len(in)*MaxRatio is
// a lie, and callers can reject it before allocating.
const MaxRatio = maxRef/3 + 1

// ErrCorrupt reports compressed data that does not decode to the declared
// length.
var ErrCorrupt = errors.New("lzf: corrupt data")

// Decompress expands in, which must produce exactly outLen bytes.
func Decompress(in []byte, outLen int) ([]byte, error) {
	if outLen < 0 || outLen > len(in)*MaxRatio {
		return nil, fmt.Errorf("%w: %d compressed bytes cannot expand to %d", ErrCorrupt, len(in), outLen)
	}
	out := make([]byte, outLen)
	op := 0
	for ip := 0; ip < len(in); {
		ctrl := int(in[ip])
		ip++
		if ctrl < maxLiteral {
			n := ctrl + 1
			if ip+n > len(in) {
				return nil, fmt.Errorf("%w: literal run of %d at input byte %d passes the end", ErrCorrupt, n, ip-1)
			}
			if op+n > outLen {
				return nil, fmt.Errorf("%w: output exceeds the declared %d bytes", ErrCorrupt, outLen)
			}
			copy(out[op:], in[ip:ip+n])
			ip += n
			op += n
			continue
		}
		n := ctrl >> 5
		if n == 7 {
			if ip >= len(in) {
				return nil, fmt.Errorf("%w: truncated back-reference at input byte %d", ErrCorrupt, ip-1)
			}
			n += int(in[ip])
			ip++
		}
		if ip >= len(in) {
			return nil, fmt.Errorf("%w: truncated back-reference at input byte %d", ErrCorrupt, ip-1)
		}
		ref := op - (ctrl&0x1f)<<8 - int(in[ip]) - 1
		ip++
		n += 2
		if ref < 0 {
			return nil, fmt.Errorf("%w: back-reference before the start of the output at input byte %d", ErrCorrupt, ip)
		}
		if op+n > outLen {
			return nil, fmt.Errorf("%w: output exceeds the declared %d bytes", ErrCorrupt, outLen)
		}
		// Byte by byte: the source may overlap what is being written.
		for i := range n {
			out[op+i] = out[ref+i]
		}
		op += n
	}
	if op != outLen {
		return nil, fmt.Errorf("%w: decoded %d bytes, declared %d", ErrCorrupt, op, outLen)
	}
	return out, nil
}

// Compress compresses in and returns the result only if it is at most
// maxOut bytes long; otherwise (including when in is too short to gain
// anything) it returns nil.
func Compress(in []byte, maxOut int) []byte {
	if len(in) < 4 || maxOut <= 0 {
		return nil
	}
	// position+1 of the last occurrence of each 3-byte hash; only as many
	// slots as the input can use are cleared, keeping small inputs cheap.
	tp := tables.Get().(*[1 << maxHashBits]int32)
	defer tables.Put(tp)
	hashBits := uint32(minHashBits)
	for hashBits < maxHashBits && 1<<hashBits < len(in) {
		hashBits++
	}
	table := tp[:1<<hashBits]
	clear(table)
	out := make([]byte, 0, maxOut)
	litStart := 0 // start of the pending literal run in in
	flush := func(end int) bool {
		for litStart < end {
			n := min(end-litStart, maxLiteral)
			if len(out)+1+n > maxOut {
				return false
			}
			out = append(out, byte(n-1))
			out = append(out, in[litStart:litStart+n]...)
			litStart += n
		}
		return true
	}
	hash := func(p int) uint32 {
		v := uint32(in[p])<<16 | uint32(in[p+1])<<8 | uint32(in[p+2])
		return (v * 2654435761) >> (32 - hashBits)
	}
	ip := 0
	for ip+2 < len(in) {
		h := hash(ip)
		ref := int(table[h]) - 1
		table[h] = int32(ip + 1)
		off := ip - ref - 1
		if ref < 0 || off >= maxOffset || in[ref] != in[ip] || in[ref+1] != in[ip+1] || in[ref+2] != in[ip+2] {
			ip++
			continue
		}
		limit := min(maxRef, len(in)-ip)
		n := 3
		for n < limit && in[ref+n] == in[ip+n] {
			n++
		}
		if !flush(ip) {
			return nil
		}
		l := n - 2
		if l < 7 {
			out = append(out, byte(l<<5|off>>8))
		} else {
			out = append(out, byte(7<<5|off>>8), byte(l-7))
		}
		out = append(out, byte(off))
		if len(out) > maxOut {
			return nil
		}
		// Index the positions inside the match so later data can refer to them.
		for p := ip + 1; p < ip+n && p+2 < len(in); p++ {
			table[hash(p)] = int32(p + 1)
		}
		ip += n
		litStart = ip
	}
	if !flush(len(in)) {
		return nil
	}
	return out
}
