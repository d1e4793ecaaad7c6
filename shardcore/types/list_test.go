package types

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// checkList verifies the node structure against the model.
func checkList(t *testing.T, l *List, model [][]byte) {
	t.Helper()
	require.Equal(t, len(model), l.Len())
	total := 0
	for k := range l.nodes {
		nd := &l.nodes[k]
		if k < l.lo || k >= l.hi {
			require.Nil(t, nd.buf, "spare node %d holds a buffer", k)
			continue
		}
		require.Positive(t, nd.n, "empty node %d", k)
		cnt := 0
		for off := nd.head; off < len(nd.buf); off = nd.next(off) {
			cnt++
		}
		require.Equal(t, nd.n, cnt, "node %d count", k)
		back := 0
		for end := len(nd.buf); end > nd.head; end = nd.prev(end) {
			back++
		}
		require.Equal(t, nd.n, back, "node %d backward count", k)
		if nd.n > 1 {
			require.False(t, l.exceeds(nd), "node %d over the limit: n=%d size=%d", k, nd.n, nd.size())
		}
		total += nd.n
	}
	require.Equal(t, len(model), total)
	var fwd, bwd [][]byte
	for i, v := range l.All() {
		require.Equal(t, len(fwd), i)
		fwd = append(fwd, bytes.Clone(v))
	}
	for i, v := range l.Backward() {
		require.Equal(t, len(model)-1-len(bwd), i)
		bwd = append(bwd, bytes.Clone(v))
	}
	slices.Reverse(bwd)
	if len(model) == 0 {
		require.Empty(t, fwd)
		require.Empty(t, bwd)
		return
	}
	require.Equal(t, model, fwd)
	require.Equal(t, model, bwd)
}

func randValue(r *rand.Rand) []byte {
	var n int
	switch r.IntN(10) {
	case 0:
		n = 0
	case 1:
		n = 200 + r.IntN(300)
	case 2:
		if r.IntN(10) == 0 {
			n = 5000 + r.IntN(5000)
		}
	default:
		n = 1 + r.IntN(20)
	}
	v := make([]byte, n)
	for i := range v {
		v[i] = byte('a' + r.IntN(4))
	}
	return v
}

func TestListModel(t *testing.T) {
	for _, fill := range []int{-2, -1, -5, 0, 1, 3, 128} {
		t.Run(fmt.Sprint("fill", fill), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(fill+10), 7))
			l := NewList(fill)
			var model [][]byte
			for step := 0; step < 3000; step++ {
				switch r.IntN(13) {
				case 0, 1:
					v := randValue(r)
					l.PushBack(v)
					model = append(model, v)
				case 2, 3:
					v := randValue(r)
					l.PushFront(v)
					model = slices.Insert(model, 0, v)
				case 4:
					v, ok := l.PopFront()
					require.Equal(t, len(model) > 0, ok)
					if ok {
						require.Equal(t, model[0], v)
						model = model[1:]
					}
				case 5:
					v, ok := l.PopBack()
					require.Equal(t, len(model) > 0, ok)
					if ok {
						require.Equal(t, model[len(model)-1], v)
						model = model[:len(model)-1]
					}
				case 6:
					i := r.IntN(len(model) + 2)
					v, ok := l.Index(i)
					require.Equal(t, i < len(model), ok)
					if ok {
						require.Equal(t, model[i], v)
					}
				case 7:
					if len(model) == 0 {
						require.False(t, l.Set(0, []byte("x")))
						continue
					}
					i, v := r.IntN(len(model)), randValue(r)
					require.True(t, l.Set(i, v))
					model[i] = v
				case 8:
					if len(model) == 0 {
						continue
					}
					pivot := model[r.IntN(len(model))]
					if r.IntN(5) == 0 {
						pivot = []byte("missing")
					}
					v, after := randValue(r), r.IntN(2) == 0
					at := slices.IndexFunc(model, func(e []byte) bool { return bytes.Equal(e, pivot) })
					require.Equal(t, at >= 0, l.Insert(pivot, v, after))
					if at >= 0 {
						if after {
							at++
						}
						model = slices.Insert(model, at, v)
					}
				case 9:
					if len(model) == 0 || r.IntN(4) != 0 {
						continue
					}
					v := model[r.IntN(len(model))]
					count := r.IntN(5) - 2
					want := 0
					if count >= 0 {
						for i := 0; i < len(model); i++ {
							if bytes.Equal(model[i], v) && (count == 0 || want < count) {
								model = slices.Delete(model, i, i+1)
								i--
								want++
							}
						}
					} else {
						for i := len(model) - 1; i >= 0; i-- {
							if bytes.Equal(model[i], v) && want < -count {
								model = slices.Delete(model, i, i+1)
								want++
							}
						}
					}
					require.Equal(t, want, l.Remove(v, count))
				case 10:
					if r.IntN(8) != 0 {
						continue
					}
					start, stop := r.IntN(len(model)+3), r.IntN(len(model)+3)
					l.Trim(start, stop)
					if start > stop || start >= len(model) {
						model = nil
					} else {
						model = model[start:min(stop+1, len(model))]
					}
				case 11:
					if len(model) == 0 {
						continue
					}
					start := r.IntN(len(model))
					stop := start + r.IntN(len(model)-start)
					var got [][]byte
					for v := range l.Range(start, stop) {
						got = append(got, bytes.Clone(v))
					}
					require.Equal(t, model[start:stop+1], got)
				case 12:
					c := l.Copy().(*List)
					checkList(t, c, model)
					c.PushBack([]byte("copy only"))
					require.Equal(t, len(model), l.Len())
				}
				if step%97 == 0 {
					checkList(t, l, model)
				}
			}
			checkList(t, l, model)
			for len(model) > 0 {
				v, ok := l.PopFront()
				require.True(t, ok)
				require.Equal(t, model[0], v)
				model = model[1:]
			}
			checkList(t, l, model)
		})
	}
}

func TestListNodeLimits(t *testing.T) {
	l := NewList(-2)
	v := bytes.Repeat([]byte("x"), 100)
	for i := 0; i < 1000; i++ {
		l.PushBack(v)
	}
	// 102-byte entries, 8 KiB nodes with 7 bytes of listpack overhead.
	require.Equal(t, 1000/80, l.hi-l.lo-1)
	l = NewList(5)
	for i := 0; i < 12; i++ {
		l.PushFront(v)
	}
	require.Equal(t, 3, l.hi-l.lo)
	// Positive fills still respect the 8 KiB safety limit.
	l = NewList(1000)
	for i := 0; i < 200; i++ {
		l.PushBack(v)
	}
	require.Equal(t, 3, l.hi-l.lo)
	big := bytes.Repeat([]byte("y"), 20000)
	l.PushBack(big)
	l.PushBack(v)
	require.Equal(t, 5, l.hi-l.lo)
	got, ok := l.Index(200)
	require.True(t, ok)
	require.Equal(t, big, got)
}

func TestListMemoryAndCopy(t *testing.T) {
	l := NewList(-2)
	for i := 0; i < 10000; i++ {
		l.PushBack([]byte(fmt.Sprintf("element-%d", i)))
	}
	m := l.MemoryUsage()
	// ~13 bytes of payload and 2 of framing per element, plus node slack.
	require.Greater(t, m, int64(10000*14))
	require.Less(t, m, int64(10000*24))
	c := l.Copy().(*List)
	require.Equal(t, "quicklist", c.Encoding())
	require.LessOrEqual(t, c.MemoryUsage(), m)
	v, _ := c.Index(5000)
	require.Equal(t, "element-5000", string(v))
	c.Set(5000, []byte("changed"))
	v, _ = l.Index(5000)
	require.Equal(t, "element-5000", string(v))
}

func BenchmarkListPushPop(b *testing.B) {
	l := NewList(-2)
	v := []byte("0123456789")
	for i := 0; i < 1000; i++ {
		l.PushBack(v)
	}
	b.ReportAllocs()
	for b.Loop() {
		l.PushBack(v)
		l.PopFront()
	}
}
