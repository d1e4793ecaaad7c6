package types

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// checkSkiplist verifies the links: order, backward links, the tail, and
// that every span equals the rank distance it covers.
func checkSkiplist(t *testing.T, sl *skiplist) {
	t.Helper()
	rankOf := map[uint32]int{0: 0}
	prev := uint32(0)
	n := 0
	for x := sl.forward(0, 0); x != 0; x = sl.forward(x, 0) {
		n++
		rankOf[x] = n
		require.Equal(t, prev, sl.backward(x))
		if prev != 0 {
			require.Negative(t, sl.cmp(prev, sl.score(x), sl.member(x)))
		}
		prev = x
	}
	require.Equal(t, sl.length, n)
	require.Equal(t, prev, sl.tail)
	for i := 0; i < zslMaxLevel; i++ {
		x := uint32(0)
		for f := sl.forward(x, i); f != 0; f = sl.forward(x, i) {
			require.Less(t, i, sl.level)
			r, ok := rankOf[f]
			require.True(t, ok)
			require.Equal(t, r-rankOf[x], sl.span(x, i), "level %d", i)
			require.Equal(t, sl.score(f), sl.linkScore(x, i), "level %d", i)
			x = f
		}
	}
}

func TestSkiplistModel(t *testing.T) {
	sl := newSkiplist(0)
	model := map[string]float64{}
	for step := 0; step < 20000; step++ {
		m := fmt.Sprintf("member-%d", rand.IntN(500))
		s, had := model[m]
		switch op := rand.IntN(10); {
		case op < 4 && !had:
			ns := float64(rand.IntN(100))
			sl.insert(ns, []byte(m))
			model[m] = ns
		case op < 7 && had:
			// Small moves mostly stay in place; large ones relink.
			ns := s + float64(rand.IntN(3)-1)
			if op == 6 {
				ns = float64(rand.IntN(100))
			}
			sl.updateScore(s, []byte(m), ns)
			model[m] = ns
		case op >= 7:
			require.Equal(t, had, sl.delete(s, []byte(m)))
			delete(model, m)
		}
		if step%500 == 0 {
			checkSkiplist(t, sl)
		}
	}
	checkSkiplist(t, sl)
	want := zmodel(model)
	require.Equal(t, len(want), sl.length)
	for i, e := range want {
		x := sl.byRank(i + 1)
		require.Equal(t, e.m, string(sl.member(x)))
		require.Equal(t, e.s, sl.score(x))
		require.Equal(t, i+1, sl.rank(e.s, []byte(e.m)))
	}
	require.Zero(t, sl.rank(1e9, []byte("absent")))
	require.False(t, sl.delete(1e9, []byte("absent")))
}

func TestSkiplistCompaction(t *testing.T) {
	sl := newSkiplist(0)
	for i := 0; i < 5000; i++ {
		sl.insert(float64(i%7), fmt.Appendf(nil, "m%05d", i))
	}
	before := len(sl.w)
	for i := 0; i < 5000; i++ {
		if i%5 != 0 {
			require.True(t, sl.delete(float64(i%7), fmt.Appendf(nil, "m%05d", i)))
		}
	}
	require.Less(t, len(sl.w), before, "the arena was rewritten")
	require.Less(t, sl.dead*2, len(sl.w))
	checkSkiplist(t, sl)
	require.Equal(t, 1000, sl.length)
	cp := sl.clone()
	cp.insert(-1, []byte("first"))
	checkSkiplist(t, cp)
	checkSkiplist(t, sl)
	require.Equal(t, "first", string(cp.member(cp.byRank(1))))
	require.NotEqual(t, "first", string(sl.member(sl.byRank(1))))
}

func TestSkiplistEmptyMember(t *testing.T) {
	sl := newSkiplist(0)
	sl.insert(1, nil)
	sl.insert(1, []byte("a"))
	checkSkiplist(t, sl)
	require.Empty(t, sl.member(sl.byRank(1)))
	require.Equal(t, 1, sl.rank(1, []byte{}))
	require.True(t, sl.delete(1, []byte{}))
	require.Equal(t, "a", string(sl.member(sl.byRank(1))))
}

func TestZSetSkiplistAndCompact(t *testing.T) {
	lim := ZSetLimits{MaxListpackEntries: 4, MaxListpackValue: 8}
	z := NewZSetSkiplist()
	require.Equal(t, "skiplist", z.Encoding())
	negZero := math.Copysign(0, -1)
	z.Set([]byte("b"), negZero, lim)
	z.Set([]byte("a"), 2, lim)
	z.Set([]byte("c"), -1, lim)
	s, ok := z.Score([]byte("b"))
	require.True(t, ok)
	require.True(t, math.Signbit(s), "a skiplist keeps -0")
	z.Compact(lim)
	require.Equal(t, "listpack", z.Encoding())
	require.Equal(t, []zelem{{"c", -1}, {"b", 0}, {"a", 2}}, zcontents(z, 0, false))
	s, _ = z.Score([]byte("b"))
	require.False(t, math.Signbit(s), "packed, -0 is 0")

	big := NewZSetSkiplist()
	for i := 0; i < 5; i++ {
		big.Set(fmt.Appendf(nil, "m%d", i), float64(i), lim)
	}
	big.Compact(lim)
	require.Equal(t, "skiplist", big.Encoding(), "too many members")
	long := NewZSetSkiplist()
	long.Set([]byte("123456789"), 1, lim)
	long.Compact(lim)
	require.Equal(t, "skiplist", long.Encoding(), "a member too long")
}
