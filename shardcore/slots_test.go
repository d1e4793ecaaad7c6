package shardcore

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSlotMatchesRedisCluster(t *testing.T) {
	// Reference values from CLUSTER KEYSLOT.
	require.Equal(t, 12739, Slot([]byte("123456789")))
	require.Equal(t, 12182, Slot([]byte("foo")))
	require.Equal(t, Slot([]byte("user1000")), Slot([]byte("{user1000}.following")))
	require.Equal(t, Slot([]byte("{user1000}.followers")), Slot([]byte("{user1000}.following")))
	require.Equal(t, Slot([]byte("foo{}{bar}")), Slot([]byte("foo{}{bar}")))
	require.NotEqual(t, Slot([]byte("bar")), Slot([]byte("foo{}{bar}")))
	require.Equal(t, Slot([]byte("{bar")), Slot([]byte("{bar")))
}

// crc16 takes eight bytes per step: it must equal the bytewise definition
// at every length and alignment.
func TestCRC16Slicing(t *testing.T) {
	bytewise := func(b []byte) uint16 {
		var crc uint16
		for _, c := range b {
			crc ^= uint16(c) << 8
			for range 8 {
				if crc&0x8000 != 0 {
					crc = crc<<1 ^ 0x1021
				} else {
					crc <<= 1
				}
			}
		}
		return crc
	}
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 70 {
		b := make([]byte, n)
		for range 20 {
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			require.Equal(t, bytewise(b), crc16(b), "%x", b)
		}
	}
}

func BenchmarkSlot(b *testing.B) {
	key := []byte("key:__rand_int__")
	for b.Loop() {
		Slot(key)
	}
}
