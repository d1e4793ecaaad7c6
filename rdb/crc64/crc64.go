// Package crc64 implements the CRC-64 variant Redis uses for RDB files and
// DUMP payloads: the Jones polynomial (0xad93d23594c935a9), reflected input
// and output, initial value 0 and no final xor. The standard library's
// hash/crc64 inverts the register before and after, so it cannot produce
// these values directly.
package crc64

import "encoding/binary"

// reflectedPoly is the Jones polynomial 0xad93d23594c935a9 bit-reversed, as
// the reflected (LSB-first) algorithm uses it.
const reflectedPoly = 0x95ac9329ac4bc9b5

// tables[k][b] is the CRC of byte b followed by k zero bytes, which lets
// Update consume eight bytes per step (slicing-by-8).
var tables = func() *[8][256]uint64 {
	t := new([8][256]uint64)
	for i := range 256 {
		crc := uint64(i)
		for range 8 {
			if crc&1 == 1 {
				crc = crc>>1 ^ reflectedPoly
			} else {
				crc >>= 1
			}
		}
		t[0][i] = crc
	}
	for i := range 256 {
		crc := t[0][i]
		for k := 1; k < 8; k++ {
			crc = t[0][crc&0xff] ^ crc>>8
			t[k][i] = crc
		}
	}
	return t
}()

// Update returns the CRC of the bytes already summed into crc followed by p.
func Update(crc uint64, p []byte) uint64 {
	t := tables
	for len(p) >= 8 {
		crc ^= binary.LittleEndian.Uint64(p)
		crc = t[7][crc&0xff] ^
			t[6][crc>>8&0xff] ^
			t[5][crc>>16&0xff] ^
			t[4][crc>>24&0xff] ^
			t[3][crc>>32&0xff] ^
			t[2][crc>>40&0xff] ^
			t[1][crc>>48&0xff] ^
			t[0][crc>>56]
		p = p[8:]
	}
	for _, b := range p {
		crc = t[0][byte(crc)^b] ^ crc>>8
	}
	return crc
}

// UpdateByte returns the CRC of the bytes already summed into crc followed
// by b.
func UpdateByte(crc uint64, b byte) uint64 {
	return tables[0][byte(crc)^b] ^ crc>>8
}

// Checksum returns the CRC of p.
func Checksum(p []byte) uint64 { return Update(0, p) }
