package aof

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// setArgs returns n SET commands with 16-byte keys key:000000123456... and
// 16-byte values drawn from alphabet (nil: any byte).
func setArgs(rng *rand.Rand, start, n int, alphabet string) [][][]byte {
	cmds := make([][][]byte, n)
	for i := range cmds {
		val := make([]byte, 16)
		for j := range val {
			if alphabet == "" {
				val[j] = byte(rng.IntN(256))
			} else {
				val[j] = alphabet[rng.IntN(len(alphabet))]
			}
		}
		cmds[i] = [][]byte{[]byte("SET"), fmt.Appendf(nil, "key:%012d", start+i), val}
	}
	return cmds
}

const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func encodeBinary(cmds [][][]byte) []byte {
	var b []byte
	for _, c := range cmds {
		b = appendRecord(b, KindCommand, 0, 0, 0, c)
	}
	return b
}

func encodeRESP(cmds [][][]byte) []byte {
	var b []byte
	for _, c := range cmds {
		b = fmt.Appendf(b, "*%d\r\n", len(c))
		for _, a := range c {
			b = fmt.Appendf(b, "$%d\r\n%s\r\n", len(a), a)
		}
	}
	return b
}

// BenchmarkCodec compares the candidate frame compressors on SET batches
// (the measurement behind choosing s2; see doc.go). Reported: on-disk bytes
// per record including the frame header, and compression ratio; MB/s is
// raw input.
func BenchmarkCodec(b *testing.B) {
	zenc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderConcurrency(1), zstd.WithEncoderCRC(false))
	if err != nil {
		b.Fatal(err)
	}
	zdec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
	if err != nil {
		b.Fatal(err)
	}
	defer zdec.Close()
	codecs := []struct {
		name   string
		encode func(dst, src []byte) []byte
		decode func(dst, src []byte) ([]byte, error)
	}{
		{"zstd-fastest", func(dst, src []byte) []byte { return zenc.EncodeAll(src, dst[:0]) },
			func(dst, src []byte) ([]byte, error) { return zdec.DecodeAll(src, dst[:0]) }},
		{"s2", func(dst, src []byte) []byte { return s2.Encode(dst[:cap(dst)], src) },
			func(dst, src []byte) ([]byte, error) { return s2.Decode(dst[:cap(dst)], src) }},
	}
	forms := []struct {
		name     string
		alphabet string
		encode   func([][][]byte) []byte
	}{
		{"binary-alnum", alnum, encodeBinary},
		{"binary-anybyte", "", encodeBinary},
		{"resp-alnum", alnum, encodeRESP},
	}
	for _, n := range []int{1, 10, 50, 100, 500} {
		for _, form := range forms {
			// Distinct batches so the encoder never sees the same input twice
			// in a row.
			rng := rand.New(rand.NewPCG(1, uint64(n)))
			var batches [][]byte
			for i := range 16 {
				batches = append(batches, form.encode(setArgs(rng, 123456+i*n, n, form.alphabet)))
			}
			for _, c := range codecs {
				enc := make([][]byte, len(batches))
				for i, src := range batches {
					enc[i] = c.encode(make([]byte, 0, s2.MaxEncodedLen(len(src))), src)
				}
				name := c.name + "/" + form.name + "/n=" + strconv.Itoa(n)
				b.Run("enc/"+name, func(b *testing.B) {
					dst := make([]byte, 0, s2.MaxEncodedLen(len(batches[0])*2))
					var in, out int
					for i := range b.N {
						src := batches[i%len(batches)]
						dst = c.encode(dst, src)
						in += len(src)
						out += len(dst) + headerSize
					}
					b.SetBytes(int64(in / b.N))
					b.ReportMetric(float64(out)/float64(b.N*n), "B/rec")
					b.ReportMetric(float64(in)/float64(out), "ratio")
				})
				b.Run("dec/"+name, func(b *testing.B) {
					raw := make([]byte, 0, len(batches[0])*2)
					in := 0
					for i := range b.N {
						got, err := c.decode(raw, enc[i%len(enc)])
						if err != nil || len(got) != len(batches[i%len(enc)]) {
							b.Fatalf("decode: %v", err)
						}
						in += len(got)
					}
					b.SetBytes(int64(in / b.N))
				})
			}
		}
	}
}
