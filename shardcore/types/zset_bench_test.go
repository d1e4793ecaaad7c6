package types

import (
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"
)

var defZSet = ZSetLimits{MaxListpackEntries: 128, MaxListpackValue: 64}

// bigZSet returns a skiplist-encoded set of n members "m:<i>" with random
// scores, as redis-benchmark's ZADD fills one.
func bigZSet(n int) *ZSet {
	z := NewZSet()
	var mb [24]byte
	for i := 0; i < n; i++ {
		z.Set(strconv.AppendInt(append(mb[:0], "m:"...), int64(i), 10), float64(rand.IntN(n)), defZSet)
	}
	return z
}

// BenchmarkZSetAdd is ZADD's mix on a set of 100,000 members: random
// members with random scores, so most are score updates.
func BenchmarkZSetAdd(b *testing.B) {
	const n = 100000
	z := bigZSet(n)
	var mb [24]byte
	for b.Loop() {
		m := strconv.AppendInt(append(mb[:0], "m:"...), int64(rand.IntN(n)), 10)
		z.Set(m, float64(rand.IntN(n)), defZSet)
	}
}

// BenchmarkZSetAddRemove inserts and deletes members, so nodes come and go.
func BenchmarkZSetAddRemove(b *testing.B) {
	const n = 100000
	z := bigZSet(n)
	var mb [24]byte
	i := n
	for b.Loop() {
		z.Set(strconv.AppendInt(append(mb[:0], "m:"...), int64(i), 10), float64(rand.IntN(n)), defZSet)
		z.Remove(strconv.AppendInt(append(mb[:0], "m:"...), int64(i-n), 10))
		i++
	}
}

// BenchmarkZSetRange100 reads the first 100 members, as ZRANGE z 0 99.
func BenchmarkZSetRange100(b *testing.B) {
	z := bigZSet(100000)
	total := 0
	for b.Loop() {
		k := 0
		z.Range(0, false, func(m []byte, _ float64) bool {
			total += len(m)
			k++
			return k < 100
		})
	}
	runtime.KeepAlive(total)
}

// BenchmarkZSetRank looks up ranks of random members.
func BenchmarkZSetRank(b *testing.B) {
	const n = 100000
	z := bigZSet(n)
	var mb [24]byte
	for b.Loop() {
		z.Rank(strconv.AppendInt(append(mb[:0], "m:"...), int64(rand.IntN(n)), 10))
	}
}

// BenchmarkMemoryLargeZSet measures a single sorted set of 1,000,000
// members (the skiplist encoding); Redis 7.0 needs about 100 bytes each.
func BenchmarkMemoryLargeZSet(b *testing.B) {
	for b.Loop() {
		before := heapAlloc()
		z := bigZSet(1000000)
		after := heapAlloc()
		b.ReportMetric(float64(after-before)/1e6, "heap-B/elem")
		b.ReportMetric(float64(z.MemoryUsage())/1e6, "reported-B/elem")
		runtime.KeepAlive(z)
	}
}
