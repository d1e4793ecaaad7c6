package store

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

const benchKeys = 1 << 20

var value16 = []byte("0123456789abcdef")

func benchKeySet(n int) [][]byte {
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = []byte(fmt.Sprintf("key:%010d", i))
	}
	return keys
}

func filledTable(keys [][]byte) *Table {
	tb := NewTable()
	for _, k := range keys {
		tb.Set(k, Entry{Str: value16})
	}
	for tb.Rehash(1 << 20) {
	}
	return tb
}

func BenchmarkGet(b *testing.B) {
	keys := benchKeySet(benchKeys)
	tb := filledTable(keys)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, ok := tb.Get(keys[(i*7919)&(benchKeys-1)]); !ok {
			b.Fatal("missing key")
		}
	}
}

// BenchmarkGetCached runs Get on a table small enough to stay in cache: the
// CPU cost of a lookup without memory latency.
func BenchmarkGetCached(b *testing.B) {
	keys := benchKeySet(1024)
	tb := filledTable(keys)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, ok := tb.Get(keys[(i*7919)&1023]); !ok {
			b.Fatal("missing key")
		}
	}
}

func BenchmarkGetMissing(b *testing.B) {
	keys := benchKeySet(benchKeys)
	tb := filledTable(keys)
	miss := []byte("nokey:00000000")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		miss[len(miss)-1] = byte(i)
		if _, ok := tb.Get(miss); ok {
			b.Fatal("unexpected key")
		}
	}
}

func BenchmarkSetExisting(b *testing.B) {
	keys := benchKeySet(benchKeys)
	tb := filledTable(keys)
	v := []byte("fedcba9876543210")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tb.Set(keys[(i*7919)&(benchKeys-1)], Entry{Str: v})
	}
}

// BenchmarkSetNew inserts into a growing table: amortised incremental
// rehashing and page allocation included.
func BenchmarkSetNew(b *testing.B) {
	keys := benchKeySet(benchKeys)
	b.ReportAllocs()
	b.ResetTimer()
	tb := NewTable()
	for i := 0; i < b.N; i++ {
		if i&(benchKeys-1) == 0 && i > 0 {
			b.StopTimer()
			tb = NewTable()
			b.StartTimer()
		}
		tb.Set(keys[i&(benchKeys-1)], Entry{Str: value16})
	}
}

// BenchmarkDeleteSet deletes a key and inserts it back: the steady state of
// a keyspace whose size does not change.
func BenchmarkDeleteSet(b *testing.B) {
	keys := benchKeySet(benchKeys)
	tb := filledTable(keys)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := keys[(i*7919)&(benchKeys-1)]
		tb.Delete(k)
		tb.Set(k, Entry{Str: value16})
	}
}

func BenchmarkDelete(b *testing.B) {
	keys := benchKeySet(benchKeys)
	b.ReportAllocs()
	b.ResetTimer()
	var tb *Table
	for i := 0; i < b.N; i++ {
		if i%benchKeys == 0 {
			b.StopTimer()
			tb = filledTable(keys)
			b.StartTimer()
		}
		if _, ok := tb.Delete(keys[(i*7919)&(benchKeys-1)]); !ok {
			b.Fatal("missing key")
		}
	}
}

func liveHeap() (alloc, inuse uint64) {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc, ms.HeapInuse
}

// BenchmarkMemory1M measures the live heap of 1,000,000 keys "key:%010d"
// with 16-byte string values, and the cost of a full GC cycle over them.
func BenchmarkMemory1M(b *testing.B) {
	const n = 1000000
	for i := 0; i < b.N; i++ {
		allocBefore, inuseBefore := liveHeap()
		tb := NewTable()
		var key [14]byte
		for j := 0; j < n; j++ {
			tb.Set(fmt.Appendf(key[:0], "key:%010d", j), Entry{Str: value16})
		}
		for tb.Rehash(1 << 20) {
		}
		allocAfter, inuseAfter := liveHeap()
		start := time.Now()
		runtime.GC()
		gc := time.Since(start)
		b.ReportMetric(float64(allocAfter-allocBefore)/n, "live-B/key")
		b.ReportMetric(float64(inuseAfter-inuseBefore)/n, "inuse-B/key")
		b.ReportMetric(float64(tb.MemoryUsage())/n, "owned-B/key")
		b.ReportMetric(float64(gc.Microseconds()), "gc-µs")
		runtime.KeepAlive(tb)
	}
}
