package resp

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriter(t *testing.T) {
	cases := []struct {
		name         string
		write        func(w *Writer)
		resp2, resp3 string
	}{
		{"raw", func(w *Writer) { w.Raw([]byte("+X\r\n")) }, "+X\r\n", "+X\r\n"},
		{"ok", func(w *Writer) { w.OK() }, "+OK\r\n", "+OK\r\n"},
		{"simple", func(w *Writer) { w.Simple("PONG") }, "+PONG\r\n", "+PONG\r\n"},
		{"simple CRLF", func(w *Writer) { w.Simple("a\r\nb") }, "+a  b\r\n", "+a  b\r\n"},
		{"error", func(w *Writer) { w.Error("ERR bad") }, "-ERR bad\r\n", "-ERR bad\r\n"},
		{"error LF", func(w *Writer) { w.Error("ERR a\nb") }, "-ERR a b\r\n", "-ERR a b\r\n"},
		{"int 0", func(w *Writer) { w.Int(0) }, ":0\r\n", ":0\r\n"},
		{"int -2", func(w *Writer) { w.Int(-2) }, ":-2\r\n", ":-2\r\n"},
		{"int -3", func(w *Writer) { w.Int(-3) }, ":-3\r\n", ":-3\r\n"},
		{"int 1023", func(w *Writer) { w.Int(1023) }, ":1023\r\n", ":1023\r\n"},
		{"int 1024", func(w *Writer) { w.Int(1024) }, ":1024\r\n", ":1024\r\n"},
		{"int min", func(w *Writer) { w.Int(math.MinInt64) }, ":-9223372036854775808\r\n", ":-9223372036854775808\r\n"},
		{"int text", func(w *Writer) { w.IntText([]byte("-1234")) }, ":-1234\r\n", ":-1234\r\n"},
		{"bulk", func(w *Writer) { w.Bulk([]byte("a\r\nb")) }, "$4\r\na\r\nb\r\n", "$4\r\na\r\nb\r\n"},
		{"bulk nil", func(w *Writer) { w.Bulk(nil) }, "$0\r\n\r\n", "$0\r\n\r\n"},
		{"bulk string", func(w *Writer) { w.BulkString("hello") }, "$5\r\nhello\r\n", "$5\r\nhello\r\n"},
		{"bulk int", func(w *Writer) { w.BulkInt(-42) }, "$3\r\n-42\r\n", "$3\r\n-42\r\n"},
		{"null", func(w *Writer) { w.Null() }, "$-1\r\n", "_\r\n"},
		{"null array", func(w *Writer) { w.NullArray() }, "*-1\r\n", "_\r\n"},
		{"array", func(w *Writer) { w.Array(2) }, "*2\r\n", "*2\r\n"},
		{"array big", func(w *Writer) { w.Array(5000) }, "*5000\r\n", "*5000\r\n"},
		{"map", func(w *Writer) { w.Map(3) }, "*6\r\n", "%3\r\n"},
		{"set", func(w *Writer) { w.Set(3) }, "*3\r\n", "~3\r\n"},
		{"push", func(w *Writer) { w.Push(3) }, "*3\r\n", ">3\r\n"},
		{"double", func(w *Writer) { w.Double(1.5) }, "$3\r\n1.5\r\n", ",1.5\r\n"},
		{"double inf", func(w *Writer) { w.Double(math.Inf(1)) }, "$3\r\ninf\r\n", ",inf\r\n"},
		{"double -inf", func(w *Writer) { w.Double(math.Inf(-1)) }, "$4\r\n-inf\r\n", ",-inf\r\n"},
		{"double nan", func(w *Writer) { w.Double(math.NaN()) }, "$3\r\nnan\r\n", ",nan\r\n"},
		{"bool true", func(w *Writer) { w.Bool(true) }, ":1\r\n", "#t\r\n"},
		{"bool false", func(w *Writer) { w.Bool(false) }, ":0\r\n", "#f\r\n"},
		{"verbatim", func(w *Writer) { w.Verbatim("txt", []byte("hi")) }, "$2\r\nhi\r\n", "=6\r\ntxt:hi\r\n"},
		{"verbatim bad format", func(w *Writer) { w.Verbatim("markdown", []byte("hi")) }, "$2\r\nhi\r\n", "=6\r\ntxt:hi\r\n"},
		{"big number", func(w *Writer) { w.BigNumber("12345678901234567890") }, "$20\r\n12345678901234567890\r\n", "(12345678901234567890\r\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, proto := range []int{0, 2, 3} {
				w := Writer{Proto: proto}
				tc.write(&w)
				want := tc.resp2
				if proto == 3 {
					want = tc.resp3
				}
				assert.Equal(t, want, string(w.Bytes()), "proto %d", proto)
				assert.Equal(t, len(want), w.Len())
				// Every reply but an aggregate header is one well-formed value.
				if !strings.ContainsRune("*%~>", rune(want[0])) || want == "*-1\r\n" {
					_, err := ParseReply(w.Bytes())
					assert.NoError(t, err, "proto %d", proto)
				}
			}
		})
	}
}

// TestDoubleFormat pins Redis 7.0's "%.17g" replies (as ZSCORE gives them).
func TestDoubleFormat(t *testing.T) {
	cases := []struct {
		f    float64
		want string
	}{
		{0.1, "0.10000000000000001"},
		{1.5, "1.5"},
		{3, "3"},
		{1e20, "1e+20"},
		{1e17, "1e+17"},
		{1e16, "10000000000000000"},
		{1e-5, "1.0000000000000001e-05"},
		{0.0001, "0.0001"},
		{123456789012345678, "1.2345678901234568e+17"},
		{math.Copysign(0, -1), "-0"},
		{-2.5, "-2.5"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
		{math.SmallestNonzeroFloat64, "4.9406564584124654e-324"},
		{math.Copysign(math.NaN(), -1), "-nan"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, string(AppendDouble(nil, tc.f)), "%v", tc.f)
	}
}

func TestWriterResetTruncate(t *testing.T) {
	var w Writer
	w.OK()
	mark := w.Len()
	w.Array(2)
	w.BulkString("a")
	w.Truncate(mark)
	assert.Equal(t, "+OK\r\n", string(w.Bytes()))
	w.Truncate(100) // beyond the end: no-op
	w.Truncate(-1)
	assert.Equal(t, "+OK\r\n", string(w.Bytes()))
	w.Reset()
	assert.Zero(t, w.Len())
	w.Int(7)
	assert.Equal(t, ":7\r\n", string(w.Bytes()))
}

func TestWriterZeroAllocs(t *testing.T) {
	var w Writer
	val := []byte("some value")
	allocs := testing.AllocsPerRun(100, func() {
		w.Reset()
		w.OK()
		w.Int(0)
		w.Int(1)
		w.Int(-1)
		w.Int(123456789)
		w.Null()
		w.Array(3)
		w.Bulk(val)
		w.BulkString("x")
		w.BulkInt(99)
		w.Double(0.1)
		w.Simple("QUEUED")
		w.Error("ERR x")
	})
	require.Zero(t, allocs)
}
