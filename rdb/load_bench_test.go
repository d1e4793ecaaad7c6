package rdb

import (
	"bufio"
	"errors"
	"io"
	"os"
	"testing"
)

// loadBenchEnv names a big RDB file (one written by redis-server, such as
// DEBUG POPULATE 5000000 key 16 then SAVE) to measure the decoder's load
// rate on; without it BenchmarkDecodeFile is skipped.
const loadBenchEnv = "KEEL_BENCH_RDB"

// BenchmarkDecodeFile decodes every record of $KEEL_BENCH_RDB, read from
// the file each time (the page cache holds it after the first pass), as
// keel-server --import-rdb does before handing each record to a shard.
func BenchmarkDecodeFile(b *testing.B) {
	path := os.Getenv(loadBenchEnv)
	if path == "" {
		b.Skipf("set %s to an RDB file to measure its load rate", loadBenchEnv)
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatalf("%s: %v", loadBenchEnv, err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	var keys int64
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		dec := NewDecoder(bufio.NewReaderSize(f, 1<<20))
		for {
			if _, err := dec.Next(); err != nil {
				if !errors.Is(err, io.EOF) {
					b.Fatalf("%s at offset %d: %v", path, dec.Offset(), err)
				}
				break
			}
			keys++
		}
		f.Close()
	}
	b.ReportMetric(float64(keys)/b.Elapsed().Seconds(), "keys/s")
}
