package resp

import (
	"bufio"
	"bytes"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendCommand(t *testing.T) {
	got := AppendCommand([]byte("x"), []byte("SET"), []byte(""), []byte("a\r\nb"))
	assert.Equal(t, "x*3\r\n$3\r\nSET\r\n$0\r\n\r\n$4\r\na\r\nb\r\n", string(got))
	assert.Equal(t, "*0\r\n", string(AppendCommand(nil)))
	assert.Equal(t, string(got[1:]), string(AppendCommandString(nil, "SET", "", "a\r\nb")))
}

func TestReadReplyStream(t *testing.T) {
	big := strings.Repeat("z", 3<<20)
	replies := []string{
		"+OK\r\n",
		"-ERR bad thing\r\n",
		":-12\r\n",
		"$5\r\nhe\r\no\r\n",
		"$-1\r\n",
		"*-1\r\n",
		"$0\r\n\r\n",
		"*0\r\n",
		"*3\r\n:1\r\n*2\r\n+a\r\n$1\r\nb\r\n_\r\n",
		"%2\r\n+k1\r\n:1\r\n+k2\r\n~1\r\n#t\r\n",
		">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$3\r\nmsg\r\n",
		",1.5\r\n",
		",-inf\r\n",
		"#f\r\n",
		"=8\r\ntxt:four\r\n",
		"(123456789012345678901234567890\r\n",
		"!9\r\nERR oops!\r\n",
		"|1\r\n+key-popularity\r\n*2\r\n$1\r\na\r\n,0.5\r\n*1\r\n:7\r\n",
		"$" + "3145728" + "\r\n" + big + "\r\n",
		"+" + strings.Repeat("s", 10000) + "\r\n",
	}
	r := bufio.NewReaderSize(strings.NewReader(strings.Join(replies, "")), 16)
	for _, want := range replies {
		got, err := ReadReply(r)
		require.NoError(t, err)
		require.Equal(t, want, string(got))
		_, err = ParseReply(got)
		require.NoError(t, err, "%.40q", want)
	}
	_, err := ReadReply(r)
	assert.ErrorIs(t, err, io.EOF)
}

func TestReadReplyErrors(t *testing.T) {
	cases := []string{
		"+OK",                // EOF mid line
		"+OK\n",              // LF only
		"\r\n",               // empty line
		"?what\r\n",          // unknown type
		"$5\r\nabc\r\n",      // truncated bulk
		"$3\r\nabcde",        // bulk without CRLF
		"$x\r\n",             // bad length
		"$-2\r\n",            // bad length
		"*2\r\n:1\r\n",       // truncated array
		"%1\r\n+k\r\n",       // map missing value
		"|1\r\n+k\r\n+v\r\n", // attribute without its reply
		"=-1\r\n",            // verbatim has no null
		strings.Repeat("*1\r\n", maxReplyDepth+2) + ":1\r\n",
	}
	for _, in := range cases {
		_, err := ReadReply(bufio.NewReader(strings.NewReader(in)))
		assert.Error(t, err, "%.40q", in)
	}
}

func TestParseReply(t *testing.T) {
	v, err := ParseReply([]byte("*4\r\n$3\r\nfoo\r\n:42\r\n$-1\r\n%1\r\n+k\r\n,2.5\r\n"))
	require.NoError(t, err)
	assert.Equal(t, byte('*'), v.Kind)
	require.Len(t, v.Array, 4)
	assert.Equal(t, Value{Kind: '$', Str: "foo"}, v.Array[0])
	assert.Equal(t, Value{Kind: ':', Int: 42}, v.Array[1])
	assert.Equal(t, Value{Kind: '$', Null: true}, v.Array[2])
	assert.Equal(t, Value{Kind: '%', Array: []Value{{Kind: '+', Str: "k"}, {Kind: ',', Str: "2.5", Float: 2.5}}}, v.Array[3])

	v, err = ParseReply([]byte("=8\r\nmkd:# hi\r\n"))
	require.NoError(t, err)
	assert.Equal(t, Value{Kind: '=', Format: "mkd", Str: "# hi"}, v)

	v, err = ParseReply([]byte("|1\r\n+a\r\n:1\r\n#t\r\n"))
	require.NoError(t, err)
	assert.Equal(t, Value{Kind: '#', Bool: true, Attrs: []Value{{Kind: '+', Str: "a"}, {Kind: ':', Int: 1}}}, v)

	v, err = ParseReply([]byte(",nan\r\n"))
	require.NoError(t, err)
	assert.True(t, math.IsNaN(v.Float))

	v, err = ParseReply([]byte("_\r\n"))
	require.NoError(t, err)
	assert.Equal(t, Value{Kind: '_', Null: true}, v)

	for _, bad := range []string{
		"", "+OK", "+OK\r\n+OK\r\n", ":x\r\n", ",x\r\n", "#x\r\n", "_x\r\n",
		"$3\r\nab\r\n", "$2\r\nabcd", "=3\r\nabc\r\n", "*1000000\r\n:1\r\n", "*-2\r\n", "~-1\r\n",
		"!abc\r\n", "?\r\n", strings.Repeat("*1\r\n", maxReplyDepth+2) + ":1\r\n",
	} {
		_, err := ParseReply([]byte(bad))
		assert.Error(t, err, "%.40q", bad)
	}
}

// TestWriterReplyRoundTrip writes a nested RESP3 reply and reads it back.
func TestWriterReplyRoundTrip(t *testing.T) {
	w := Writer{Proto: 3}
	w.Map(2)
	w.BulkString("name")
	w.Verbatim("txt", []byte("keel"))
	w.BulkString("scores")
	w.Array(3)
	w.Double(0.1)
	w.Null()
	w.Bool(true)
	w.Int(5)
	raw, err := ReadReply(bufio.NewReader(bytes.NewReader(w.Bytes())))
	require.NoError(t, err)
	v, err := ParseReply(raw)
	require.NoError(t, err)
	assert.Equal(t, byte('%'), v.Kind)
	require.Len(t, v.Array, 4)
	assert.Equal(t, "keel", v.Array[1].Str)
	assert.Equal(t, 0.1, v.Array[3].Array[0].Float)
	assert.True(t, v.Array[3].Array[1].Null)
	assert.True(t, v.Array[3].Array[2].Bool)
	rest := w.Bytes()[len(raw):]
	assert.Equal(t, ":5\r\n", string(rest))
}
