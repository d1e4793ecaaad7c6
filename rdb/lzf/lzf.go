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

	hashBits = 16 // the table size Redis's LZF is built with
)

// table maps a 3-byte hash to position+1 of its last occurrence (0: none).
// used lists the slots one compression set, so that the next one clears
// just those rather than all 256 KB.
type table struct {
	pos  [1 << hashBits]int32
	used []uint16
}

var tables = sync.Pool{New: func() any { return new(table) }}

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
//
// The output is byte for byte what Redis's lzf_compress produces (liblzf
// 3.6 as Redis builds it: a 2^16-slot hash table, "very fast" mode), so
// that DUMP payloads and RDB files equal Redis's: the same hash, the same
// rules for taking a match (never from input offset 0), the same match
// extension and the same points at which it gives
// up for lack of output room. (liblzf leaves its table uninitialised, so
// Redis may, rarely, also take a match through a stale slot from an earlier
// call; keel's table starts empty each time.)
func Compress(in []byte, maxOut int) []byte {
	if len(in) < 4 || maxOut <= 0 {
		return nil
	}
	t := tables.Get().(*table)
	defer func() {
		for _, h := range t.used {
			t.pos[h] = 0
		}
		t.used = t.used[:0]
		tables.Put(t)
	}()
	set := func(h uint32, p int) {
		if t.pos[h] == 0 {
			t.used = append(t.used, uint16(h))
		}
		t.pos[h] = int32(p + 1)
	}
	// out has room for the writes liblzf makes past its checks (at most a
	// reserved control byte); the result never exceeds maxOut.
	out := make([]byte, maxOut+4)
	end := len(in)
	lit := 0
	op := 1 // the control byte of the current literal run is out[op-lit-1]
	hval := uint32(in[0])<<8 | uint32(in[1])
	ip := 0
	// literal copies in[ip] into the current run, closing the run when full.
	literal := func() {
		lit++
		out[op] = in[ip]
		op++
		ip++
		if lit == maxLiteral {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	for ip < end-2 {
		hval = hval<<8 | uint32(in[ip+2])
		h := idx(hval)
		ref := int(t.pos[h]) - 1
		set(h, ip)
		if ref > 0 && ip-ref-1 < maxOffset &&
			in[ref] == in[ip] && in[ref+1] == in[ip+1] && in[ref+2] == in[ip+2] {
			off := ip - ref - 1
			opStart := op
			if lit == 0 {
				opStart-- // an empty run takes no control byte
			}
			if opStart+3+1 >= maxOut {
				return nil
			}
			out[op-lit-1] = byte(lit - 1) // stop the literal run
			op = opStart
			n := matchLen(in, ref, ip, min(end-ip-2, maxRef))
			n -= 2
			ip++
			if n < 7 {
				out[op] = byte(off>>8 + n<<5)
				op++
			} else {
				out[op] = byte(off>>8 + 7<<5)
				out[op+1] = byte(n - 7)
				op += 2
			}
			out[op] = byte(off)
			op += 2 // and the next run's control byte
			lit = 0
			ip += n + 1
			if ip >= end-2 {
				break
			}
			// Index the last two positions of the match only.
			ip -= 2
			hval = uint32(in[ip])<<8 | uint32(in[ip+1])
			hval = hval<<8 | uint32(in[ip+2])
			set(idx(hval), ip)
			ip++
			hval = hval<<8 | uint32(in[ip+2])
			set(idx(hval), ip)
			ip++
			continue
		}
		if op >= maxOut {
			return nil
		}
		literal()
	}
	if op+3 > maxOut {
		return nil
	}
	for ip < end {
		literal()
	}
	out[op-lit-1] = byte(lit - 1)
	if lit == 0 {
		op--
	}
	return out[:op:op]
}

// idx is liblzf's hash of the 3 bytes in the low 24 bits of h.
func idx(h uint32) uint32 {
	return (h>>(3*8-hashBits) - h*5) & (1<<hashBits - 1)
}

// matchLen returns how many bytes at ref equal those at ip, knowing the
// first 3 do, the way liblzf counts: up to maxLen, except that when maxLen
// exceeds 16 it first compares 16 more bytes unconditionally, so a match
// near the end of the input may run up to 2 bytes past maxLen.
func matchLen(in []byte, ref, ip, maxLen int) int {
	n := 2
	if maxLen > 16 {
		for range 16 {
			n++
			if in[ref+n] != in[ip+n] {
				return n
			}
		}
	}
	for {
		n++
		if n >= maxLen || in[ref+n] != in[ip+n] {
			return n
		}
	}
}
