package rdb

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// decodeErr decodes data to the end and returns the error that stopped it.
func decodeErr(data []byte, maxString int64) error {
	dec := NewDecoder(bytes.NewReader(data))
	dec.MaxStringLen = maxString
	for {
		if _, err := dec.Next(); err != nil {
			return err
		}
	}
}

func smallFile(t testing.TB) []byte {
	var recs []*Record
	for _, r := range testRecords() {
		if k := string(r.Key); !strings.Contains(k, "big") && k != "str:random" {
			recs = append(recs, r)
		}
	}
	return encodeRecords(t, 10, recs)
}

func TestTruncatedAnywhere(t *testing.T) {
	data := smallFile(t)
	for n := range len(data) {
		err := decodeErr(data[:n], 0)
		require.Error(t, err)
		require.False(t, errors.Is(err, io.EOF), "prefix %d decoded as complete", n)
		if n < 9 {
			require.ErrorIs(t, err, ErrVersion, "prefix %d", n)
			continue
		}
		require.ErrorIs(t, err, ErrCorrupt, "prefix %d", n)
		require.ErrorIs(t, err, io.ErrUnexpectedEOF, "prefix %d", n)
		var e *Error
		require.ErrorAs(t, err, &e)
		require.LessOrEqual(t, e.Offset, int64(n))
	}
}

func TestBitFlipsNeverPass(t *testing.T) {
	data := smallFile(t)
	rng := rand.New(rand.NewPCG(11, 12))
	for range 3000 {
		bad := bytes.Clone(data)
		pos := rng.IntN(len(bad))
		bad[pos] ^= byte(1 + rng.IntN(255))
		err := decodeErr(bad, 1<<20)
		require.Error(t, err, "flip at %d", pos)
		require.False(t, errors.Is(err, io.EOF), "flip at %d went unnoticed", pos)
	}
}

// allocDuring reports the bytes allocated while f runs.
func allocDuring(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestForgedSizes(t *testing.T) {
	cases := map[string]struct {
		data []byte
		want error
	}{
		"400MB string in a tiny file": {newRDB(10).op(byte(TypeString)).str("k").len32(400 << 20).finish(), io.ErrUnexpectedEOF},
		"string over the limit":       {newRDB(10).op(byte(TypeString)).str("k").len64(1 << 40).finish(), ErrTooLarge},
		"LZF claiming 100MB":          {lzfForged(3, 100<<20), ErrCorrupt},
		"LZF over the limit":          {lzfForged(3, 1<<40), ErrTooLarge},
		"billion-element list":        {newRDB(10).op(byte(TypeList)).str("k").len32(1 << 30).str("a").finish(), ErrCorrupt},
		"count beyond int32":          {newRDB(10).op(byte(TypeSet)).str("k").len64(1 << 40).finish(), ErrTooLarge},
		"billion stream nodes":        {newRDB(10).op(byte(TypeStreamListpacks2)).str("k").len32(1 << 30).finish(), ErrCorrupt},
		"billion PEL entries": {newRDB(10).op(byte(TypeStreamListpacks2)).str("k").len(0).len(0).len(0).len(0).
			len(0).len(0).len(0).len(0).len(0).len(1).str("g").len(0).len(0).len(0).len32(1 << 30).finish(), ErrCorrupt},
	}
	for name, c := range cases {
		var err error
		alloc := allocDuring(func() { err = decodeErr(c.data, 0) })
		require.ErrorIs(t, err, c.want, name)
		require.Less(t, alloc, uint64(8<<20), "%s: allocated %d bytes", name, alloc)
		var e *Error
		require.ErrorAs(t, err, &e, name)
		require.Equal(t, "k", string(e.Key), name)
	}
	err := decodeErr(newRDB(10).op(byte(TypeString)).str("k").str(strings.Repeat("x", 100)).finish(), 50)
	require.ErrorIs(t, err, ErrTooLarge)
}

func lzfForged(clen int, ulen uint64) []byte {
	b := newRDB(10).op(byte(TypeString)).str("k")
	b.WriteByte(0xc3)
	b.len(uint64(clen)).len(ulen)
	b.Write(make([]byte, clen))
	return b.finish()
}

func TestCorruptBlobs(t *testing.T) {
	goodLP := listpackOf("a", "b", "c", "d")
	forgedCount := bytes.Clone(goodLP)
	forgedCount[4] = 9
	cutLP := bytes.Clone(goodLP[:len(goodLP)-3])
	cutLP = append(cutLP, 0xff)
	cutLP[0] = byte(len(cutLP))
	badBacklen := bytes.Clone(goodLP)
	badBacklen[lpHeaderSize+2] = 5
	badTail := buildZiplist(zs("a"), zs("b"))
	badTail[4] = 3
	badPrev := buildZiplist(zs("a"), zs("b"))
	badPrev[zlHeaderSize+3] = 9
	cases := map[string]struct {
		typ  ObjectType
		blob []byte
		text string
	}{
		"listpack count":        {TypeHashListpack, forgedCount, "counts 9 elements"},
		"listpack truncated":    {TypeSetListpack, cutLP, "past the end"},
		"listpack size":         {TypeSetListpack, goodLP[:len(goodLP)-1], "header says"},
		"listpack back-length":  {TypeSetListpack, badBacklen, "back-length"},
		"listpack odd hash":     {TypeHashListpack, listpackOf("a", "b", "c"), "not pairs"},
		"zset score":            {TypeZSetListpack, listpackOf("a", "nan"), "score"},
		"zset bad score":        {TypeZSetListpack, listpackOf("a", "x1"), "score"},
		"ziplist tail":          {TypeListZiplist, badTail, "last element"},
		"ziplist prev size":     {TypeListZiplist, badPrev, "previous size"},
		"ziplist short":         {TypeListZiplist, []byte{1, 2, 3}, "shorter than its header"},
		"intset width":          {TypeSetIntset, rawIntset(3, 1), "width 3"},
		"intset length":         {TypeSetIntset, rawIntset(2, 1, 2)[:10], "2-byte integers"},
		"intset order":          {TypeSetIntset, rawIntset(2, 5, 1), "ascending"},
		"zipmap no end":         {TypeHashZipmap, buildZipmap(0, "a", "b")[:6], "past the end"},
		"zipmap bad len":        {TypeHashZipmap, []byte{1, 0xff, 0xff}, "terminator at byte 1"},
		"lpex ttl not int":      {TypeHashListpackExPreGA, listpackOf("f", "v", "soon"), "not an integer"},
		"lpex ttl out of range": {TypeHashListpackExPreGA, listpackOf("f", "v", "-5"), "expiry"},
		"listpack bad encoding": {TypeSetListpack, []byte{8, 0, 0, 0, 1, 0, 0xf5, 0xff}, "unknown encoding"},
		"listpack early end":    {TypeSetListpack, []byte{9, 0, 0, 0, 1, 0, 0xff, 0x01, 0xff}, "terminator at byte 6"},
	}
	for name, c := range cases {
		b := newRDB(10).op(byte(c.typ)).str("mykey")
		off := int64(b.Len())
		data := b.blob(c.blob).finish()
		err := decodeErr(data, 0)
		require.ErrorIs(t, err, ErrCorrupt, name)
		require.ErrorContains(t, err, c.text, name)
		var e *Error
		require.ErrorAs(t, err, &e, name)
		require.Equal(t, "mykey", string(e.Key), name)
		require.Equal(t, off, e.Offset, "%s: offset names the blob", name)
		require.Contains(t, err.Error(), `key "mykey" at offset`, name)
	}
}

func TestCorruptStreams(t *testing.T) {
	id := StreamID{Ms: 1}
	e := StreamEntry{ID: id, Fields: bs("f", "v")}
	stream := func(node []byte, length uint64, tail func(*rdbBuilder)) []byte {
		b := newRDB(10).op(byte(TypeStreamListpacks2)).str("s")
		b.len(1).len(16).rawID(id).blob(node)
		b.len(length).len(1).len(0).len(1).len(0).len(0).len(0).len(1)
		tail(b)
		return b.finish()
	}
	noGroups := func(b *rdbBuilder) { b.len(0) }
	good := streamNodeOf(id, []string{"f"}, 1, 0, e)
	require.NoError(t, ignoreEOF(decodeErr(stream(good, 1, noGroups), 0)))
	cases := map[string][]byte{
		"length mismatch": stream(good, 2, noGroups),
		"live count":      stream(streamNodeOf(id, []string{"f"}, 2, 0, e), 1, noGroups),
		"empty node":      stream(streamNodeOf(id, []string{"f"}, 0, 0), 0, noGroups),
		"bad terminator":  stream(listpackOf("1", "0", "1", "f", "7"), 1, noGroups),
		"node key size": newRDB(10).op(byte(TypeStreamListpacks2)).str("s").len(1).str("short").
			blob(good).finish(),
		"pending not owned": stream(good, 1, func(b *rdbBuilder) {
			b.len(1).str("g").len(1).len(0).len(1).len(1).rawID(id).millis(1).len(1).len(0)
		}),
		"consumer owns unknown": stream(good, 1, func(b *rdbBuilder) {
			b.len(1).str("g").len(1).len(0).len(1).len(0).len(1).str("c").millis(1).len(1).rawID(id)
		}),
		"duplicate group": stream(good, 1, func(b *rdbBuilder) {
			b.len(2).str("g").len(0).len(0).len(0).len(0).len(0).str("g").len(0).len(0).len(0).len(0).len(0)
		}),
	}
	for name, data := range cases {
		err := decodeErr(data, 0)
		require.ErrorIs(t, err, ErrCorrupt, name)
		var e *Error
		require.ErrorAs(t, err, &e, name)
		require.Equal(t, "s", string(e.Key), name)
	}
}

func ignoreEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

func TestDecodeDumpErrors(t *testing.T) {
	good, err := EncodeDump(list("a", "b"), 10)
	require.NoError(t, err)
	mutate := func(f func([]byte) []byte) []byte { return f(bytes.Clone(good)) }
	reseal := func(p []byte) []byte {
		body := p[:len(p)-8]
		return append(body, crcLE(body)...)
	}
	for name, p := range map[string][]byte{
		"short":      good[:9],
		"empty":      nil,
		"crc":        mutate(func(p []byte) []byte { p[len(p)-1] ^= 1; return p }),
		"body":       mutate(func(p []byte) []byte { p[3] ^= 1; return p }),
		"version 13": mutate(func(p []byte) []byte { p[len(p)-10] = 13; return reseal(p) }),
		"valkey 80":  mutate(func(p []byte) []byte { p[len(p)-10] = 80; return reseal(p) }),
	} {
		_, err := DecodeDump(p)
		require.Equal(t, ErrDumpPayload, err, name)
	}
	for name, body := range map[string][]byte{
		"no type":        {},
		"truncated":      {byte(TypeList), 2, 1, 'a'},
		"trailing bytes": {byte(TypeString), 1, 'a', 'b'},
		"empty list":     {byte(TypeList), 0},
		"unknown type":   {99, 0},
		"module":         {byte(TypeModule2), 1, moduleOpEOF},
	} {
		p := append(bytes.Clone(body), 10, 0)
		p = append(p, crcLE(p)...)
		_, err := DecodeDump(p)
		require.ErrorIs(t, err, ErrBadDataFormat, name)
		require.NotErrorIs(t, err, ErrDumpPayload, name)
		var e *Error
		require.ErrorAs(t, err, &e, name)
	}
	// Older versions decode.
	old := append([]byte{byte(TypeListZiplist)}, newRDB(1).blob(buildZiplist(zs("x"))).Bytes()[9:]...)
	old = append(old, 6, 0)
	old = append(old, crcLE(old)...)
	v, err := DecodeDump(old)
	require.NoError(t, err)
	requireSameValue(t, list("x"), v)
}
