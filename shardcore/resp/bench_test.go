package resp

import (
	"fmt"
	"testing"
)

func pipelinedSets(n int) []byte {
	var stream []byte
	for i := range n {
		stream = AppendCommandString(stream, "SET", fmt.Sprintf("key:%08d", i), "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
	}
	return stream
}

// BenchmarkParse parses a pipeline of 1000 SET commands, as the shard loop
// would after one large read.
func BenchmarkParse(b *testing.B) {
	stream := pipelinedSets(1000)
	args := make([][]byte, 0, 8)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		for pos := 0; pos < len(stream); {
			out, n, err := Parse(stream[pos:], args, DefaultLimits, true)
			if err != nil || n == 0 {
				b.Fatalf("parse at %d: %v", pos, err)
			}
			args = out[:0]
			pos += n
		}
	}
}

func BenchmarkParserParse(b *testing.B) {
	stream := pipelinedSets(1000)
	args := make([][]byte, 0, 8)
	p := Parser{Authed: true}
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		for pos := 0; pos < len(stream); {
			out, n, err := p.Parse(stream[pos:], args)
			if err != nil || n == 0 {
				b.Fatalf("parse at %d: %v", pos, err)
			}
			args = out[:0]
			pos += n
		}
	}
}

func BenchmarkParseInline(b *testing.B) {
	var stream []byte
	for i := range 1000 {
		stream = fmt.Appendf(stream, "SET key:%08d \"some value\"\r\n", i)
	}
	orig := append([]byte(nil), stream...)
	args := make([][]byte, 0, 8)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		copy(stream, orig) // quoted arguments are unescaped in place
		for pos := 0; pos < len(stream); {
			out, n, err := Parse(stream[pos:], args, DefaultLimits, true)
			if err != nil || n == 0 {
				b.Fatalf("parse at %d: %v", pos, err)
			}
			args = out[:0]
			pos += n
		}
	}
}

// BenchmarkWriter writes a typical mix of replies for 1000 commands.
func BenchmarkWriter(b *testing.B) {
	val := []byte("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
	var w Writer
	b.ReportAllocs()
	for b.Loop() {
		w.Reset()
		for i := range 1000 {
			switch i % 5 {
			case 0:
				w.OK()
			case 1:
				w.Int(int64(i))
			case 2:
				w.Bulk(val)
			case 3:
				w.Null()
			case 4:
				w.Array(2)
				w.Bulk(val)
				w.Double(float64(i) / 7)
			}
		}
	}
	b.SetBytes(int64(w.Len()))
}
