package rdb

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func encodeRecords(t testing.TB, version int, recs []*Record) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc, err := NewEncoder(&buf, version)
	require.NoError(t, err)
	require.NoError(t, enc.WriteStandardAux("7.0.15", 1<<20))
	for _, r := range recs {
		require.NoError(t, enc.WriteRecord(r), "key %q", r.Key)
	}
	require.NoError(t, enc.Close())
	return buf.Bytes()
}

func decodeAll(t testing.TB, data []byte) ([]*Record, *Decoder, []Warning) {
	t.Helper()
	dec := NewDecoder(bytes.NewReader(data))
	var warnings []Warning
	dec.OnWarning = func(w Warning) { warnings = append(warnings, w) }
	var out []*Record
	for {
		rec, err := dec.Next()
		if errors.Is(err, io.EOF) {
			return out, dec, warnings
		}
		require.NoError(t, err)
		out = append(out, rec)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, version := range []int{10, 11} {
		recs := testRecords()
		data := encodeRecords(t, version, recs)
		got, dec, warnings := decodeAll(t, data)
		require.Empty(t, warnings)
		require.Equal(t, version, dec.Version())
		require.Equal(t, "7.0.15", dec.Aux()["redis-ver"])
		require.Equal(t, "64", dec.Aux()["redis-bits"])
		require.Equal(t, "0", dec.Aux()["aof-base"])
		require.Len(t, got, len(recs))
		for i, want := range recs {
			g := got[i]
			require.Equal(t, string(want.Key), string(g.Key))
			assert.Equal(t, want.DB, g.DB, "key %s", want.Key)
			assert.Equal(t, want.ExpireAt, g.ExpireAt, "key %s", want.Key)
			assert.Equal(t, int64(-1), g.Idle)
			assert.Equal(t, -1, g.Freq)
			requireSameValue(t, want.Value, g.Value, "key %s v%d", want.Key, version)
		}
		types := map[string]ObjectType{}
		for _, g := range got {
			types[string(g.Key)] = g.Type
		}
		assert.Equal(t, TypeListQuicklist2, types["list:big"])
		assert.Equal(t, TypeSetIntset, types["set:intset"])
		assert.Equal(t, TypeSet, types["set:ints-big"])
		assert.Equal(t, TypeSet, types["set:big"])
		assert.Equal(t, TypeZSetListpack, types["zset:small"])
		assert.Equal(t, TypeZSet2, types["zset:big"])
		assert.Equal(t, TypeZSet2, types["zset:long"])
		assert.Equal(t, TypeHashListpack, types["hash:small"])
		assert.Equal(t, TypeHash, types["hash:big"])
		assert.Equal(t, TypeHash, types["hash:long"])
		if version == 10 {
			assert.Equal(t, TypeSet, types["set:small"])
			assert.Equal(t, TypeStreamListpacks2, types["stream:big"])
		} else {
			assert.Equal(t, TypeSetListpack, types["set:small"])
			assert.Equal(t, TypeSet, types["set:long"])
			assert.Equal(t, TypeStreamListpacks3, types["stream:big"])
		}
	}
}

func TestRoundTripIdleFreqAndCompressionOff(t *testing.T) {
	var buf bytes.Buffer
	enc, err := NewEncoder(&buf, 10)
	require.NoError(t, err)
	enc.SetCompression(false)
	require.NoError(t, enc.SelectDB(0, 2, 0))
	big := bytes.Repeat([]byte("a"), 1000)
	require.NoError(t, enc.WriteRecord(&Record{Key: []byte("a"), Value: Value{Kind: KindString, Str: big}, Idle: 42, Freq: -1}))
	require.NoError(t, enc.WriteRecord(&Record{Key: []byte("b"), Value: Value{Kind: KindString, Str: []byte("x")}, Idle: -1, Freq: 200}))
	require.NoError(t, enc.Close())
	require.Greater(t, buf.Len(), 1000, "compression was off")
	dec := NewDecoder(&buf)
	var hints [][3]uint64
	dec.OnResizeDB = func(db int, keys, expires uint64) { hints = append(hints, [3]uint64{uint64(db), keys, expires}) }
	a, err := dec.Next()
	require.NoError(t, err)
	require.Equal(t, int64(42), a.Idle)
	require.Equal(t, -1, a.Freq)
	require.Equal(t, big, a.Value.Str)
	b, err := dec.Next()
	require.NoError(t, err)
	require.Equal(t, int64(-1), b.Idle)
	require.Equal(t, 200, b.Freq)
	_, err = dec.Next()
	require.ErrorIs(t, err, io.EOF)
	_, err = dec.Next()
	require.ErrorIs(t, err, io.EOF, "EOF is sticky")
	require.Equal(t, [][3]uint64{{0, 2, 0}}, hints)
}

func TestPlainListNodes(t *testing.T) {
	defer func(old int) { listPlainThreshold = old }(listPlainThreshold)
	listPlainThreshold = 100
	list := bs("a", string(bytes.Repeat([]byte("P"), 150)), "b", "c", string(bytes.Repeat([]byte("Q"), 100)))
	v := Value{Kind: KindList, List: list}
	data := encodeRecords(t, 10, []*Record{{Key: []byte("l"), Value: v, Idle: -1, Freq: -1}})
	got, _, _ := decodeAll(t, data)
	require.Len(t, got, 1)
	requireSameValue(t, v, got[0].Value)
}

func TestDumpRoundTrip(t *testing.T) {
	for _, version := range []int{10, 11} {
		for _, rec := range testRecords() {
			payload, err := EncodeDump(rec.Value, version)
			require.NoError(t, err, "key %s", rec.Key)
			require.Equal(t, byte(version), payload[len(payload)-10])
			v, err := DecodeDump(payload)
			require.NoError(t, err, "key %s", rec.Key)
			requireSameValue(t, rec.Value, v, "key %s", rec.Key)
		}
	}
	_, err := EncodeDump(Value{Kind: KindString}, 9)
	require.Error(t, err)
}

func TestEncoderRejectsInvalidValues(t *testing.T) {
	bad := map[string]Value{
		"empty list":   {Kind: KindList},
		"empty set":    {Kind: KindSet},
		"dup set":      {Kind: KindSet, Set: bs("a", "a")},
		"dup zset":     {Kind: KindZSet, ZSet: []ZMember{{Member: []byte("a")}, {Member: []byte("a"), Score: 1}}},
		"nan zset":     {Kind: KindZSet, ZSet: []ZMember{{Member: []byte("a"), Score: nan()}}},
		"empty hash":   {Kind: KindHash},
		"dup hash":     {Kind: KindHash, Hash: []HashField{{Field: []byte("f")}, {Field: []byte("f")}}},
		"field ttl":    {Kind: KindHash, Hash: []HashField{{Field: []byte("f"), ExpireAt: 5}}},
		"nil stream":   {Kind: KindStream},
		"unknown kind": {Kind: Kind(99)},
		"zero id":      {Kind: KindStream, Stream: &Stream{Entries: []StreamEntry{{ID: StreamID{}, Fields: bs("a", "b")}}}},
		"unordered": {Kind: KindStream, Stream: &Stream{LastID: StreamID{Ms: 9}, Entries: []StreamEntry{
			{ID: StreamID{Ms: 2}, Fields: bs("a", "b")}, {ID: StreamID{Ms: 1}, Fields: bs("a", "b")}}}},
		"odd fields":  {Kind: KindStream, Stream: &Stream{LastID: StreamID{Ms: 9}, Entries: []StreamEntry{{ID: StreamID{Ms: 2}, Fields: bs("a")}}}},
		"low last id": {Kind: KindStream, Stream: &Stream{LastID: StreamID{Ms: 1}, Entries: []StreamEntry{{ID: StreamID{Ms: 2}, Fields: bs("a", "b")}}}},
		"orphan pending": {Kind: KindStream, Stream: &Stream{Groups: []StreamGroup{{Name: []byte("g"),
			PEL: []PendingEntry{{ID: StreamID{Ms: 1}}}}}}},
		"unknown pending": {Kind: KindStream, Stream: &Stream{Groups: []StreamGroup{{Name: []byte("g"),
			Consumers: []StreamConsumer{{Name: []byte("c"), PEL: []StreamID{{Ms: 1}}}}}}}},
		"dup group": {Kind: KindStream, Stream: &Stream{Groups: []StreamGroup{{Name: []byte("g")}, {Name: []byte("g")}}}},
	}
	for name, v := range bad {
		var buf bytes.Buffer
		enc, err := NewEncoder(&buf, 10)
		require.NoError(t, err)
		before := buf.Len()
		err = enc.WriteRecord(&Record{Key: []byte("k"), Value: v, Idle: -1, Freq: -1})
		require.ErrorIs(t, err, errEncode, name)
		require.Contains(t, err.Error(), `"k"`, name)
		_, err = EncodeDump(v, 10)
		require.Error(t, err, name)
		require.NoError(t, enc.Close())
		require.Greater(t, buf.Len(), before)
		recs, _, _ := decodeAll(t, buf.Bytes())
		require.Empty(t, recs, "%s: a rejected record must leave nothing behind", name)
	}
	_, err := NewEncoder(io.Discard, 9)
	require.Error(t, err)
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n -= len(p); f.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestEncoderWriteErrors(t *testing.T) {
	enc, err := NewEncoder(&failWriter{n: 100}, 10)
	require.NoError(t, err)
	rnd := make([]byte, 200000)
	x := uint32(1)
	for i := range rnd {
		x = x*1664525 + 1013904223
		rnd[i] = byte(x >> 24)
	}
	big := Value{Kind: KindString, Str: rnd}
	err = enc.WriteRecord(&Record{Key: []byte("k"), Value: big, Idle: -1, Freq: -1})
	require.ErrorContains(t, err, "disk full")
	require.ErrorContains(t, enc.Close(), "disk full")
}

func TestParseStrictInt64(t *testing.T) {
	for _, s := range []string{"0", "-1", "9223372036854775807", "-9223372036854775808", "12"} {
		_, ok := parseStrictInt64([]byte(s))
		require.True(t, ok, s)
	}
	for _, s := range []string{"", "-", "-0", "01", "+1", " 1", "1 ", "9223372036854775808",
		"-9223372036854775809", "99999999999999999999", "184467440737095516160", "1a"} {
		_, ok := parseStrictInt64([]byte(s))
		require.False(t, ok, s)
	}
}
