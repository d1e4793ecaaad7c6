package aof

import (
	"errors"
	"io"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/keeldb/keel/durability"
)

// BenchmarkAppendFlush measures the shard loop's cost of logging SETs of
// 16-byte keys and values: Append per record, Flush (compress + write(2))
// every batch records, on the real filesystem without fsync. ns/op is per
// record; B/rec is the on-disk bytes per record, frame headers included
// (Redis's AOF spends 59 bytes on each of these SETs).
func BenchmarkAppendFlush(b *testing.B) {
	cmds := setArgs(rand.New(rand.NewPCG(7, 7)), 123456, 8192, alnum)
	for _, batch := range []int{1, 10, 50, 100, 500} {
		b.Run("batch="+strconv.Itoa(batch), func(b *testing.B) {
			w, err := NewWriter(durability.OSFS{}, b.TempDir(), 0, 1, Options{SegmentSize: 16 << 20})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := range b.N {
				w.Append(0, cmds[i%len(cmds)])
				if (i+1)%batch == 0 {
					if _, err := w.Flush(); err != nil {
						b.Fatal(err)
					}
					if w.Stats().Segments > 2 {
						if err := w.RemoveSegmentsThrough(w.LastLSN()); err != nil {
							b.Fatal(err)
						}
					}
				}
			}
			if _, err := w.Flush(); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			st := w.Stats()
			b.ReportMetric(float64(st.DiskBytes)/float64(st.Records), "B/rec")
			b.ReportMetric(float64(st.DiskBytes)/float64(st.Records)/59, "x-redis")
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkReplay measures reading a log back (recovery's inner loop):
// ns/op is per record.
func BenchmarkReplay(b *testing.B) {
	cmds := setArgs(rand.New(rand.NewPCG(7, 7)), 123456, 8192, alnum)
	mem := durability.NewMemFS()
	w, err := NewWriter(mem, "/data", 0, 1, Options{})
	if err != nil {
		b.Fatal(err)
	}
	const records = 200_000
	for i := range records {
		w.Append(0, cmds[i%len(cmds)])
		if (i+1)%50 == 0 {
			if _, err := w.Flush(); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	segs, err := ListSegments(mem, "/data", 0)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for n := 0; n < b.N; {
		r, err := NewReader(mem, "/data", 0, segs, 1)
		if err != nil {
			b.Fatal(err)
		}
		for ; n < b.N; n++ {
			if _, err := r.Next(); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				b.Fatal(err)
			}
		}
		r.Close()
	}
}
