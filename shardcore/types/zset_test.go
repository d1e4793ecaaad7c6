package types

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

type zelem struct {
	m string
	s float64
}

// zmodel is the reference: the members sorted as Redis orders them.
func zmodel(m map[string]float64) []zelem {
	out := make([]zelem, 0, len(m))
	for k, v := range m {
		out = append(out, zelem{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		return zless(out[i].s, []byte(out[i].m), out[j].s, []byte(out[j].m))
	})
	return out
}

func zcontents(z *ZSet, start int, rev bool) []zelem {
	var out []zelem
	z.Range(start, rev, func(m []byte, s float64) bool {
		out = append(out, zelem{string(m), s})
		return true
	})
	return out
}

func checkZSet(t *testing.T, z *ZSet, model map[string]float64) {
	t.Helper()
	want := zmodel(model)
	require.Equal(t, len(want), z.Len())
	if len(want) == 0 {
		return
	}
	require.Equal(t, want, zcontents(z, 0, false))
	if z.sl != nil {
		require.Equal(t, len(want), z.sl.length)
		require.Equal(t, len(want), z.dict.n)
	}
	for i := 0; i < 20; i++ {
		r := rand.IntN(len(want))
		e := want[r]
		rank, s, ok := z.Rank([]byte(e.m))
		require.True(t, ok)
		require.Equal(t, r, rank)
		require.Equal(t, e.s, s)
		got := zcontents(z, r, false)
		require.Equal(t, want[r:], got)
		rev := zcontents(z, r, true)
		require.Equal(t, len(want)-r, len(rev))
		require.Equal(t, want[len(want)-1-r], rev[0])
		sr := sort.Search(len(want), func(i int) bool { return want[i].s >= e.s })
		require.Equal(t, sr, z.ScoreRank(e.s, false))
		sr = sort.Search(len(want), func(i int) bool { return want[i].s > e.s })
		require.Equal(t, sr, z.ScoreRank(e.s, true))
	}
}

func TestZSetModel(t *testing.T) {
	for _, lim := range []ZSetLimits{{128, 64}, {8, 64}, {0, 0}} {
		t.Run(fmt.Sprint(lim), func(t *testing.T) {
			z := NewZSet()
			model := map[string]float64{}
			for step := 0; step < 3000; step++ {
				m := fmt.Sprintf("m%d", rand.IntN(300))
				switch op := rand.IntN(10); {
				case op < 6:
					s := float64(rand.IntN(50))
					_, had := model[m]
					require.Equal(t, !had, z.Set([]byte(m), s, lim))
					model[m] = s
				case op < 9:
					_, had := model[m]
					require.Equal(t, had, z.Remove([]byte(m)))
					delete(model, m)
				default:
					if z.Len() > 0 {
						a := rand.IntN(z.Len())
						b := a + rand.IntN(5)
						want := zmodel(model)
						for _, e := range want[a:min(b, len(want))] {
							delete(model, e.m)
						}
						require.Equal(t, min(b, len(want))-a, z.RemoveRange(a, b))
					}
				}
				if step%100 == 0 {
					checkZSet(t, z, model)
				}
			}
			checkZSet(t, z, model)
			cp := z.Copy().(*ZSet)
			checkZSet(t, cp, model)
			require.Equal(t, z.Encoding(), cp.Encoding())
		})
	}
}

func TestZSetEncodingAndLex(t *testing.T) {
	lim := ZSetLimits{MaxListpackEntries: 4, MaxListpackValue: 8}
	z := NewZSet()
	for _, m := range []string{"d", "b", "a", "c"} {
		z.Set([]byte(m), 0, lim)
	}
	require.Equal(t, "listpack", z.Encoding())
	require.Equal(t, 1, z.LexRank([]byte("b"), false))
	require.Equal(t, 2, z.LexRank([]byte("b"), true))
	z.Set([]byte("e"), 0, lim)
	require.Equal(t, "skiplist", z.Encoding())
	require.Equal(t, 1, z.LexRank([]byte("b"), false))
	require.Equal(t, 2, z.LexRank([]byte("b"), true))
	require.Equal(t, 5, z.LexRank([]byte("z"), true))

	long := NewZSet()
	long.Set(bytes.Repeat([]byte("x"), 9), 1, lim)
	require.Equal(t, "skiplist", long.Encoding())
	require.Positive(t, long.MemoryUsage())
}

func TestZSetScanAndSample(t *testing.T) {
	lim := ZSetLimits{MaxListpackEntries: 16, MaxListpackValue: 64}
	z := NewZSet()
	for i := 0; i < 200; i++ {
		z.Set([]byte(fmt.Sprint(i)), float64(i), lim)
	}
	seen := map[string]float64{}
	var cur uint64
	for {
		cur = z.Scan(cur, 10, func(m []byte, s float64) { seen[string(m)] = s })
		if cur == 0 {
			break
		}
	}
	require.Len(t, seen, 200)
	require.Equal(t, 42.0, seen["42"])
	n := 0
	z.Sample(50, true, func(m []byte, s float64) { n++ })
	require.Equal(t, 50, n)
	n = 0
	z.Sample(500, false, func(m []byte, s float64) { n++ })
	require.Equal(t, 500, n)
	m, s := z.Random()
	sc, ok := z.Score(m)
	require.True(t, ok)
	require.Equal(t, sc, s)
}

// Packed scores take a varint when integral (and small enough to be exact)
// and the 9-byte float form otherwise; every kind reads back exactly and
// keeps the order.
func TestPackedScores(t *testing.T) {
	scores := []float64{0, 1, -1, 31, -32, 32, 1000, -1e9, 1 << 52, maxPackedInt, -maxPackedInt,
		maxPackedInt + 2, 3.5, -0.25, 1e300, math.Inf(1), math.Inf(-1), 3471579339700058} // a geohash
	for _, s := range scores {
		b := appendScore([]byte{0xAA}, s)
		require.Len(t, b, 1+scoreLen(s), "%v", s)
		got, next := readScore(b, 1)
		require.Equal(t, s, got)
		require.Equal(t, len(b), next)
	}
	z := NewZSet()
	lim := ZSetLimits{MaxListpackEntries: 128, MaxListpackValue: 64}
	for i, s := range scores {
		z.Set([]byte(fmt.Sprint("m", i)), s, lim)
	}
	require.Equal(t, "listpack", z.Encoding())
	var prev float64 = math.Inf(-1)
	n := 0
	z.Range(0, false, func(m []byte, s float64) bool {
		require.GreaterOrEqual(t, s, prev)
		prev = s
		n++
		return true
	})
	require.Equal(t, len(scores), n)
	for i, s := range scores {
		got, ok := z.Score([]byte(fmt.Sprint("m", i)))
		require.True(t, ok)
		require.Equal(t, s, got)
	}
}
