package types

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

var defSet = SetLimits{MaxIntsetEntries: 512, MaxListpackEntries: 128, MaxListpackValue: 64}

func setMembers(s *Set) []string {
	var out []string
	for m := range s.All() {
		out = append(out, string(m))
	}
	sort.Strings(out)
	return out
}

func modelMembers(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func checkSet(t *testing.T, s *Set) {
	t.Helper()
	if s.enc != setIntset {
		checkTable(t, &s.t)
		return
	}
	require.Equal(t, s.t.n*int(s.width), len(s.t.data))
	for i := 1; i < s.t.n; i++ {
		require.Less(t, s.intAt(i-1), s.intAt(i), "intset order")
	}
}

func TestSetModel(t *testing.T) {
	limits := []SetLimits{defSet, {MaxIntsetEntries: 20, MaxListpackEntries: 10, MaxListpackValue: 4}, {}}
	for li, lim := range limits {
		for _, ints := range []bool{true, false} {
			t.Run(fmt.Sprint(li, ints), func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(li), 3))
				s := NewSet()
				model := map[string]bool{}
				member := func() string {
					if ints || r.IntN(50) != 0 {
						switch r.IntN(4) {
						case 0:
							return strconv.Itoa(r.IntN(700) - 350)
						case 1:
							return strconv.Itoa(r.IntN(700) * 100000)
						case 2:
							return strconv.FormatInt(math.MaxInt64-int64(r.IntN(5)), 10)
						}
						return strconv.Itoa(r.IntN(300))
					}
					return fmt.Sprint("m", r.IntN(400))
				}
				for step := 0; step < 8000; step++ {
					m := member()
					switch r.IntN(5) {
					case 0, 1:
						require.Equal(t, !model[m], s.Add([]byte(m), lim))
						model[m] = true
					case 2:
						require.Equal(t, model[m], s.Remove([]byte(m)))
						delete(model, m)
					case 3:
						require.Equal(t, model[m], s.Has([]byte(m)))
					case 4:
						// Non-canonical integers are strings, never intset members.
						for _, odd := range []string{"007", "-0", "+1", " 1", "1.0", "99999999999999999999"} {
							require.Equal(t, model[odd], s.Has([]byte(odd)))
						}
					}
					require.Equal(t, len(model), s.Len())
					if step%401 == 0 {
						checkSet(t, s)
						require.Equal(t, modelMembers(model), setMembers(s))
					}
				}
				checkSet(t, s)
				require.Equal(t, modelMembers(model), setMembers(s))
				c := s.Copy().(*Set)
				checkSet(t, c)
				require.Equal(t, modelMembers(model), setMembers(c))
				c.Add([]byte("copy-only"), lim)
				require.False(t, s.Has([]byte("copy-only")))
			})
		}
	}
}

func TestSetEncodingThresholds(t *testing.T) {
	s := NewSet()
	for i := 0; i < 512; i++ {
		s.Add([]byte(strconv.Itoa(i*1000)), defSet)
	}
	require.Equal(t, "intset", s.Encoding())
	require.Equal(t, byte(4), s.width)
	s.Add([]byte("512000"), defSet)
	require.Equal(t, "hashtable", s.Encoding())
	require.Equal(t, "hashtable", s.Layout())
	require.Equal(t, 513, s.Len())

	// Integers come back in ascending order from an intset.
	s = NewSet()
	for _, m := range []string{"5", "-70000", "3", "9223372036854775807", "-1"} {
		s.Add([]byte(m), defSet)
	}
	require.Equal(t, byte(8), s.width)
	var got []string
	for m := range s.All() {
		got = append(got, string(m))
	}
	require.Equal(t, []string{"-70000", "-1", "3", "5", "9223372036854775807"}, got)

	// A string member: packed while small, reported as 7.0 would.
	s.Add([]byte("abc"), defSet)
	require.Equal(t, "hashtable", s.Encoding())
	require.Equal(t, "listpack", s.Layout())
	for i := 0; s.Len() < 128; i++ {
		s.Add([]byte(fmt.Sprint("m", i)), defSet)
	}
	require.Equal(t, "listpack", s.Layout())
	s.Add([]byte("one-more"), defSet)
	require.Equal(t, "hashtable", s.Layout())

	s = NewSet()
	s.Add([]byte("short"), defSet)
	require.Equal(t, "listpack", s.Layout())
	s.Add(make([]byte, 65), defSet)
	require.Equal(t, "hashtable", s.Layout())

	s = NewSet()
	s.Add(make([]byte, 65), defSet)
	require.Equal(t, "hashtable", s.Layout())

	// An intset too large for a listpack goes straight to the hashtable.
	s = NewSet()
	for i := 0; i < 200; i++ {
		s.Add([]byte(strconv.Itoa(i)), defSet)
	}
	s.Add([]byte("x"), defSet)
	require.Equal(t, "hashtable", s.Layout())
	require.True(t, s.Has([]byte("199")))
	require.True(t, s.Has([]byte("x")))

	// set-max-intset-entries 0: nothing is ever an intset.
	s = NewSet()
	s.Add([]byte("1"), SetLimits{})
	require.Equal(t, "hashtable", s.Layout())
}

func TestSetSampleAndScan(t *testing.T) {
	for _, n := range []int{50, 100, 1000} {
		for _, ints := range []bool{true, false} {
			s := NewSet()
			for i := 0; i < n; i++ {
				m := strconv.Itoa(i)
				if !ints {
					m = "m" + m
				}
				s.Add([]byte(m), defSet)
			}
			for _, count := range []int{1, 7, n / 2, n - 1, n, n + 5} {
				got := map[string]bool{}
				s.Sample(count, true, func(m []byte) {
					require.False(t, got[string(m)])
					require.True(t, s.Has(m))
					got[string(m)] = true
				})
				require.Len(t, got, min(count, n))
			}
			k := 0
			s.Sample(3*n, false, func(m []byte) { k++; require.True(t, s.Has(m)) })
			require.Equal(t, 3*n, k)
			require.True(t, s.Has(s.Random()))

			seen := map[string]bool{}
			var cursor uint64
			for {
				cursor = s.Scan(cursor, 5, func(m []byte) { seen[string(m)] = true })
				if cursor == 0 {
					break
				}
			}
			require.Len(t, seen, n)
		}
	}
}

// BenchmarkMemorySmallSets measures the live heap of 1,000,000 sets of 10
// members of ~10 bytes (packed). Redis 7.0 stores these as hashtables: about
// 70 bytes per member (dictEntry, sds, bucket); 7.2's listpack about 13.
func BenchmarkMemorySmallSets(b *testing.B) {
	const keys, members = 1000000, 10
	for b.Loop() {
		before := heapAlloc()
		ss := make([]*Set, keys)
		var mb [16]byte
		var owned int64
		for i := range ss {
			s := NewSet()
			for j := 0; j < members; j++ {
				s.Add(fmt.Appendf(mb[:0], "m%02d-%06d", j, i%1000000), defSet)
			}
			ss[i] = s
			owned += s.MemoryUsage()
		}
		after := heapAlloc()
		b.ReportMetric(float64(after-before-uint64(8*keys))/(keys*members), "heap-B/elem")
		b.ReportMetric(float64(owned)/(keys*members), "reported-B/elem")
		runtime.KeepAlive(ss)
	}
}

// BenchmarkMemorySmallIntsets is the same with integer members.
func BenchmarkMemorySmallIntsets(b *testing.B) {
	const keys, members = 1000000, 10
	for b.Loop() {
		before := heapAlloc()
		ss := make([]*Set, keys)
		var mb [20]byte
		for i := range ss {
			s := NewSet()
			for j := 0; j < members; j++ {
				s.Add(strconv.AppendInt(mb[:0], int64(i*members+j), 10), defSet)
			}
			ss[i] = s
		}
		after := heapAlloc()
		b.ReportMetric(float64(after-before-uint64(8*keys))/(keys*members), "heap-B/elem")
		runtime.KeepAlive(ss)
	}
}

// BenchmarkMemoryLargeHash measures a single hash of 1,000,000 fields (the
// hashtable encoding); Redis 7.0 needs about 70-80 bytes per field.
func BenchmarkMemoryLargeHash(b *testing.B) {
	const fields = 1000000
	for b.Loop() {
		before := heapAlloc()
		h := NewHash()
		var fb, vb [16]byte
		for j := 0; j < fields; j++ {
			h.Set(fmt.Appendf(fb[:0], "field-%07d", j), fmt.Appendf(vb[:0], "v%09d", j), defHash)
		}
		after := heapAlloc()
		b.ReportMetric(float64(after-before)/fields, "heap-B/elem")
		runtime.KeepAlive(h)
	}
}

func TestSetIntWidths(t *testing.T) {
	s := NewSet()
	vals := []int64{0, math.MaxInt16, math.MinInt16, math.MaxInt16 + 1, math.MinInt32, math.MaxInt32 + 1, math.MinInt64, math.MaxInt64}
	for _, v := range vals {
		require.True(t, s.Add([]byte(strconv.FormatInt(v, 10)), defSet))
		checkSet(t, s)
	}
	slices.Sort(vals)
	for i, v := range vals {
		require.Equal(t, v, s.intAt(i))
	}
	require.True(t, s.Remove([]byte("0")))
	require.False(t, s.Remove([]byte("0")))
	require.Equal(t, len(vals)-1, s.Len())
}
