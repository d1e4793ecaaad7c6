package shardcore

// NumSlots is the number of hash slots, as Redis Cluster: a key's slot is
// CRC16(key or its {hashtag}) mod 16384. Slots, not shards, are the unit of
// placement, so nothing that outlives the process depends on the shard count.
const NumSlots = 16384

var crc16tab = func() (t [256]uint16) {
	for i := range t {
		crc := uint16(i) << 8
		for j := 0; j < 8; j++ {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
		t[i] = crc
	}
	return t
}()

func crc16(b []byte) uint16 {
	var crc uint16
	for _, c := range b {
		crc = crc<<8 ^ crc16tab[byte(crc>>8)^c]
	}
	return crc
}

// Slot returns the key's hash slot, honouring {hashtag} as Redis Cluster does:
// only the part between the first '{' and the next '}' is hashed, if non-empty.
func Slot(key []byte) int {
	for i, c := range key {
		if c == '{' {
			for j := i + 1; j < len(key); j++ {
				if key[j] == '}' {
					if j > i+1 {
						key = key[i+1 : j]
					}
					return int(crc16(key) & (NumSlots - 1))
				}
			}
			break
		}
	}
	return int(crc16(key) & (NumSlots - 1))
}
