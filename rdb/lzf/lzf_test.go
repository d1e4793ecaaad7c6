package lzf

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	inputs := [][]byte{
		[]byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
		bytes.Repeat([]byte("hello world "), 1000),
		bytes.Repeat([]byte{0}, 100000),
	}
	for _, n := range []int{100, 1000, 20000} {
		// Random words from a small vocabulary compress partly, which
		// exercises mixed literal runs and references.
		var p []byte
		for len(p) < n {
			p = append(p, []string{"foo ", "bar ", "bazz ", "q"}[rng.IntN(4)]...)
			p = append(p, byte(rng.Uint32()))
		}
		inputs = append(inputs, p)
	}
	for _, in := range inputs {
		c := Compress(in, len(in)-4)
		require.NotNil(t, c, "len %d", len(in))
		out, err := Decompress(c, len(in))
		require.NoError(t, err)
		require.Equal(t, in, out)
	}
}

func TestIncompressible(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	p := make([]byte, 4096)
	for i := range p {
		p[i] = byte(rng.Uint32())
	}
	require.Nil(t, Compress(p, len(p)-4))
	require.Nil(t, Compress([]byte("abc"), 10))
}

func TestKnownStream(t *testing.T) {
	// "abcabcabc": literal "abc", then a 6-byte reference 3 back.
	in := []byte{2, 'a', 'b', 'c', 4<<5 | 0, 2}
	out, err := Decompress(in, 9)
	require.NoError(t, err)
	require.Equal(t, "abcabcabc", string(out))
}

func TestCorrupt(t *testing.T) {
	cases := map[string]struct {
		in []byte
		n  int
	}{
		"literal past end":     {[]byte{5, 'a'}, 6},
		"reference before out": {[]byte{0, 'a', 1 << 5, 5}, 4},
		"too long":             {[]byte{2, 'a', 'b', 'c'}, 2},
		"too short":            {[]byte{2, 'a', 'b', 'c'}, 4},
		"truncated long ref":   {[]byte{0, 'a', 7 << 5}, 20},
		"truncated ref":        {[]byte{0, 'a', 1 << 5}, 4},
		"absurd length":        {[]byte{0, 'a'}, 1 << 30},
		"negative length":      {[]byte{0, 'a'}, -1},
	}
	for name, c := range cases {
		_, err := Decompress(c.in, c.n)
		require.ErrorIs(t, err, ErrCorrupt, name)
	}
}

func FuzzDecompress(f *testing.F) {
	f.Add([]byte{2, 'a', 'b', 'c', 4 << 5, 2}, 9)
	f.Fuzz(func(t *testing.T, in []byte, n int) {
		if n > 1<<20 {
			return
		}
		out, err := Decompress(in, n)
		if err == nil && len(out) != n {
			t.Fatalf("got %d bytes, want %d", len(out), n)
		}
	})
}

func FuzzCompress(f *testing.F) {
	f.Add([]byte("abcabcabcabcabcabcabcabc"), 20)
	f.Add(bytes.Repeat([]byte("0123456789redis-"), 9), 100)
	f.Fuzz(func(t *testing.T, in []byte, maxOut int) {
		if maxOut > 1<<20 {
			return
		}
		c := Compress(in, maxOut)
		if c == nil {
			return
		}
		require.LessOrEqual(t, len(c), maxOut)
		out, err := Decompress(c, len(in))
		require.NoError(t, err)
		require.Equal(t, in, out)
	})
}
