package shardcore

import "bytes"

// NumSlots is the number of hash slots, as Redis Cluster: a key's slot is
// CRC16(key or its {hashtag}) mod 16384. Slots, not shards, are the unit of
// placement, so nothing that outlives the process depends on the shard count.
const NumSlots = 16384

// crc16tab[k][b] is the CRC16 (XMODEM: polynomial 0x1021, MSB first, as Redis
// Cluster) of byte b followed by k zero bytes. Every command routes by its
// key's slot, so crc16 takes eight bytes per step from eight independent
// lookups instead of one dependent lookup per byte.
var crc16tab = func() (t [8][256]uint16) {
	for i := range t[0] {
		crc := uint16(i) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
		t[0][i] = crc
	}
	for k := 1; k < len(t); k++ {
		for i := range t[k] {
			prev := t[k-1][i]
			t[k][i] = prev<<8 ^ t[0][prev>>8]
		}
	}
	return t
}()

func crc16(b []byte) uint16 {
	var crc uint16
	for ; len(b) >= 8; b = b[8:] {
		crc = crc16tab[7][byte(crc>>8)^b[0]] ^ crc16tab[6][byte(crc)^b[1]] ^
			crc16tab[5][b[2]] ^ crc16tab[4][b[3]] ^ crc16tab[3][b[4]] ^
			crc16tab[2][b[5]] ^ crc16tab[1][b[6]] ^ crc16tab[0][b[7]]
	}
	for _, c := range b {
		crc = crc<<8 ^ crc16tab[0][byte(crc>>8)^c]
	}
	return crc
}

// Slot returns the key's hash slot, honouring {hashtag} as Redis Cluster does:
// only the part between the first '{' and the next '}' is hashed, if non-empty.
func Slot(key []byte) int {
	if i := bytes.IndexByte(key, '{'); i >= 0 {
		if j := bytes.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	return int(crc16(key) & (NumSlots - 1))
}
