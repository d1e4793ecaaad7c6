package crc64

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// bitwise is the textbook one-bit-at-a-time form, the reference the table
// driven code must agree with.
func bitwise(crc uint64, p []byte) uint64 {
	for _, b := range p {
		crc ^= uint64(b)
		for range 8 {
			if crc&1 == 1 {
				crc = crc>>1 ^ reflectedPoly
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}

func TestCheckValue(t *testing.T) {
	// The check value Redis's crc64.c tests against.
	require.Equal(t, uint64(0xe9c6d914c4b8d9ca), Checksum([]byte("123456789")))
	require.Equal(t, uint64(0), Checksum(nil))
}

func TestMatchesBitwise(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 200 {
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(rng.Uint32())
		}
		require.Equal(t, bitwise(0, p), Checksum(p), "len %d", n)
		// Split updates must equal one pass, byte-wise or not.
		for cut := 0; cut <= n; cut += 7 {
			c := Update(Update(0, p[:cut]), p[cut:])
			require.Equal(t, bitwise(0, p), c)
		}
		c := uint64(0)
		for _, b := range p {
			c = UpdateByte(c, b)
		}
		require.Equal(t, bitwise(0, p), c)
	}
}

func BenchmarkUpdate(b *testing.B) {
	p := make([]byte, 64<<10)
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		Update(0, p)
	}
}
