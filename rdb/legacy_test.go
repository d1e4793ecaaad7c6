package rdb

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func str(s string) Value         { return Value{Kind: KindString, Str: []byte(s)} }
func list(items ...string) Value { return Value{Kind: KindList, List: bs(items...)} }
func set(items ...string) Value  { return Value{Kind: KindSet, Set: bs(items...)} }
func hash(kv ...string) Value {
	v := Value{Kind: KindHash}
	for i := 0; i < len(kv); i += 2 {
		v.Hash = append(v.Hash, HashField{Field: []byte(kv[i]), Value: []byte(kv[i+1])})
	}
	return v
}
func zset(pairs ...any) Value {
	v := Value{Kind: KindZSet}
	for i := 0; i < len(pairs); i += 2 {
		v.ZSet = append(v.ZSet, ZMember{Member: []byte(pairs[i].(string)), Score: pairs[i+1].(float64)})
	}
	return v
}

type want struct {
	db     int
	key    string
	v      Value
	expire int64
	idle   int64
	freq   int
	typ    ObjectType
}

func checkFile(t *testing.T, data []byte, wants []want) []Warning {
	t.Helper()
	got, dec, warnings := decodeAll(t, data)
	require.Len(t, got, len(wants))
	for i, w := range wants {
		g := got[i]
		require.Equal(t, w.key, string(g.Key))
		assert.Equal(t, w.db, g.DB, w.key)
		assert.Equal(t, w.expire, g.ExpireAt, w.key)
		assert.Equal(t, w.typ, g.Type, w.key)
		if w.idle != 0 || w.freq != 0 {
			assert.Equal(t, w.idle, g.Idle, w.key)
			assert.Equal(t, w.freq, g.Freq, w.key)
		}
		requireSameValue(t, w.v, g.Value, "key %s (v%d)", w.key, dec.Version())
	}
	return warnings
}

// legacyFile builds a file of the given version using the encodings that
// existed by then, and what it must decode to.
func legacyFile(version int) ([]byte, []want) {
	b := newRDB(version)
	var wants []want
	add := func(w want) { wants = append(wants, w) }
	if version >= 7 {
		b.op(opAux).str("redis-ver").str("3.2.0")
	}
	b.op(opSelectDB).len(0)
	if version >= 7 {
		b.op(opResizeDB).len(10).len(1)
	}
	// Strings in every encoding.
	b.op(byte(TypeString)).str("s:raw").str("hello")
	add(want{key: "s:raw", v: str("hello")})
	b.op(byte(TypeString)).str("s:i8").intStr(-100, 1)
	add(want{key: "s:i8", v: str("-100")})
	b.op(byte(TypeString)).str("s:i16").intStr(-30000, 2)
	add(want{key: "s:i16", v: str("-30000")})
	b.op(byte(TypeString)).str("s:i32").intStr(-2000000000, 4)
	add(want{key: "s:i32", v: str("-2000000000")})
	long := strings.Repeat("lzf lzf lzf ", 30)
	b.op(byte(TypeString)).str("s:lzf").lzfStr(long)
	add(want{key: "s:lzf", v: str(long)})
	b.op(byte(TypeString)).str("s:len32")
	b.len32(3).WriteString("xyz")
	add(want{key: "s:len32", v: str("xyz")})
	b.op(byte(TypeString)).str("s:len64")
	b.len64(3).WriteString("abc")
	add(want{key: "s:len64", v: str("abc")})
	// Expiries: seconds before version 3, milliseconds after.
	if version < 3 {
		b.op(opExpireTime).Write([]byte{0x10, 0x27, 0, 0}) // 10000 s
		b.op(byte(TypeString)).str("s:ttl").str("v")
		add(want{key: "s:ttl", v: str("v"), expire: 10000000})
	} else {
		b.op(opExpireTimeMs).millis(1700000000123)
		b.op(byte(TypeString)).str("s:ttl").str("v")
		add(want{key: "s:ttl", v: str("v"), expire: 1700000000123})
	}
	// Plain collections.
	b.op(byte(TypeList)).str("l:plain").len(3).str("a").intStr(5, 1).str("c")
	add(want{key: "l:plain", v: list("a", "5", "c"), typ: TypeList})
	b.op(byte(TypeSet)).str("set:plain").len(2).str("x").str("y")
	add(want{key: "set:plain", v: set("x", "y"), typ: TypeSet})
	b.op(byte(TypeZSet)).str("z:v1").len(4).str("a").strDouble(1.5).str("b").strDouble(math.Inf(1)).
		str("c").strDouble(math.Inf(-1)).str("d").strDouble(-0.1)
	add(want{key: "z:v1", v: zset("a", 1.5, "b", math.Inf(1), "c", math.Inf(-1), "d", -0.1), typ: TypeZSet})
	b.op(byte(TypeHash)).str("h:plain").len(2).str("f1").str("v1").str("f2").intStr(7, 1)
	add(want{key: "h:plain", v: hash("f1", "v1", "f2", "7"), typ: TypeHash})
	if version >= 2 {
		b.op(byte(TypeHashZipmap)).str("h:zipmap").blob(buildZipmap(0, "a", "1", "bb", "22"))
		add(want{key: "h:zipmap", v: hash("a", "1", "bb", "22"), typ: TypeHashZipmap})
		long := strings.Repeat("z", 300)
		b.op(byte(TypeHashZipmap)).str("h:zipmap-free").blob(buildZipmap(3, "k", long, long, "v"))
		add(want{key: "h:zipmap-free", v: hash("k", long, long, "v"), typ: TypeHashZipmap})
		b.op(byte(TypeListZiplist)).str("l:ziplist").blob(buildZiplist(
			zs("a"), zi(0), zi(12), zi(13), zi(-1), zi(127), zi(-128), zi(300), zi(-32768), zi(32768),
			zi(-8388608), zi(8388607), zi(8388608), zi(math.MinInt32), zi(math.MaxInt32+1), zi(math.MaxInt64),
			zi(math.MinInt64), zs(strings.Repeat("m", 100)), zs(strings.Repeat("n", 300)), zsBig("small"), zs("")))
		add(want{key: "l:ziplist", v: list("a", "0", "12", "13", "-1", "127", "-128", "300", "-32768", "32768",
			"-8388608", "8388607", "8388608", "-2147483648", "2147483648", "9223372036854775807",
			"-9223372036854775808", strings.Repeat("m", 100), strings.Repeat("n", 300), "small", ""), typ: TypeListZiplist})
		b.op(byte(TypeSetIntset)).str("set:intset16").blob(rawIntset(2, -5, 1, 300))
		add(want{key: "set:intset16", v: set("-5", "1", "300"), typ: TypeSetIntset})
		b.op(byte(TypeSetIntset)).str("set:intset32").blob(rawIntset(4, -70000, 70000))
		add(want{key: "set:intset32", v: set("-70000", "70000"), typ: TypeSetIntset})
		b.op(byte(TypeSetIntset)).str("set:intset64").blob(rawIntset(8, math.MinInt64, 0, math.MaxInt64))
		add(want{key: "set:intset64", v: set("-9223372036854775808", "0", "9223372036854775807"), typ: TypeSetIntset})
		b.op(byte(TypeZSetZiplist)).str("z:ziplist").blob(buildZiplist(zs("a"), zi(1), zs("b"), zs("2.5"), zs("c"), zs("-inf")))
		add(want{key: "z:ziplist", v: zset("a", 1.0, "b", 2.5, "c", math.Inf(-1)), typ: TypeZSetZiplist})
	}
	if version >= 4 {
		b.op(byte(TypeHashZiplist)).str("h:ziplist").blob(buildZiplist(zs("f"), zs("v"), zs("n"), zi(-3)))
		add(want{key: "h:ziplist", v: hash("f", "v", "n", "-3"), typ: TypeHashZiplist})
	}
	if version >= 7 {
		b.op(byte(TypeListQuicklist)).str("l:quicklist").len(3).
			blob(buildZiplist(zs("a"), zi(1))).blob(buildZiplist()).blob(buildZiplist(zs("b")))
		add(want{key: "l:quicklist", v: list("a", "1", "b"), typ: TypeListQuicklist})
	}
	if version >= 8 {
		b.op(opIdle).len(1234)
		b.op(opFreq).op(9)
		b.op(byte(TypeZSet2)).str("z:v2").len(2).str("a").millis(int64(math.Float64bits(-2.5))).
			str("b").millis(int64(math.Float64bits(1e100)))
		add(want{key: "z:v2", v: zset("a", -2.5, "b", 1e100), typ: TypeZSet2, idle: 1234, freq: 9})
	}
	if version >= 2 {
		b.op(opSelectDB).len(7)
		b.op(byte(TypeString)).str("db7").str("seven")
		add(want{db: 7, key: "db7", v: str("seven")})
	}
	for i := range wants {
		if wants[i].idle == 0 && wants[i].freq == 0 {
			wants[i].idle, wants[i].freq = -1, -1
		}
	}
	return b.finish(), wants
}

func TestLegacyVersions(t *testing.T) {
	for version := 1; version <= 9; version++ {
		t.Run(strconv.Itoa(version), func(t *testing.T) {
			data, wants := legacyFile(version)
			warnings := checkFile(t, data, wants)
			require.Empty(t, warnings)
		})
	}
}

func TestNoChecksumBefore5(t *testing.T) {
	// Version 4 ends at the EOF opcode; trailing bytes are not a checksum.
	data, _ := legacyFile(4)
	require.Equal(t, byte(opEOF), data[len(data)-1])
	data, _ = legacyFile(5)
	require.Equal(t, byte(opEOF), data[len(data)-9])
}

func TestChecksum(t *testing.T) {
	data, wants := legacyFile(9)
	zeroed := bytes.Clone(data)
	copy(zeroed[len(zeroed)-8:], make([]byte, 8))
	warnings := checkFile(t, zeroed, wants)
	require.Len(t, warnings, 1)
	require.Contains(t, warnings[0].Message, "without a checksum")

	bad := bytes.Clone(data)
	bad[len(bad)-3] ^= 0x40
	dec := NewDecoder(bytes.NewReader(bad))
	var err error
	for err == nil {
		_, err = dec.Next()
	}
	require.ErrorIs(t, err, ErrChecksum)
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, int64(len(bad)), e.Offset)
}

func TestZiplistEdgeCases(t *testing.T) {
	// A 5-byte previous-size field holding a small size (Redis does not
	// shrink them) and the 32-bit string length form for a short string.
	zl := buildZiplist(zs("a"), zsBig("b"), zi(5))
	items, err := readAll(mustZiplist(t, zl), &arena{})
	require.NoError(t, err)
	require.Equal(t, bs("a", "b", "5"), items)

	long32 := []byte{zlHeaderSize + 9 + 1, 0, 0, 0, zlHeaderSize, 0, 0, 0, 1, 0, 0, 0x80, 0, 0, 0, 3, 'x', 'y', 'z', 0xff}
	long32[0] = byte(len(long32))
	items, err = readAll(mustZiplist(t, long32), &arena{})
	require.NoError(t, err)
	require.Equal(t, bs("xyz"), items)
}

func mustZiplist(t *testing.T, b []byte) *ziplist {
	z, err := openZiplist(b)
	require.NoError(t, err)
	return z
}

func TestListpackEncodings(t *testing.T) {
	// Known byte forms from the listpack specification.
	cases := []struct {
		v    int64
		enc  []byte
		text string
	}{
		{5, []byte{0x05, 0x01}, "5"},
		{-1, []byte{0xdf, 0xff, 0x02}, "-1"},
		{-4096, []byte{0xd0, 0x00, 0x02}, "-4096"},
		{1000, []byte{0xc3, 0xe8, 0x02}, "1000"},
		{-32768, []byte{0xf1, 0x00, 0x80, 0x03}, "-32768"},
		{-8388608, []byte{0xf2, 0x00, 0x00, 0x80, 0x04}, "-8388608"},
		{1 << 30, []byte{0xf3, 0, 0, 0, 0x40, 0x05}, "1073741824"},
		{-1 << 40, []byte{0xf4, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x09}, "-1099511627776"},
	}
	for _, c := range cases {
		lp := newListpack(0)
		lp.addInt(c.v)
		b := lp.finish()
		require.Equal(t, c.enc, b[lpHeaderSize:len(b)-1], "%d", c.v)
		items, err := readAll(mustListpack(t, b), &arena{})
		require.NoError(t, err)
		require.Equal(t, bs(c.text), items)
	}
	// String lengths: 6-bit, 12-bit and 32-bit forms, with back-lengths of
	// 1, 2 and 3 bytes.
	for _, n := range []int{0, 63, 64, 127, 200, 4095, 4096, 20000} {
		s := strings.Repeat("q", n)
		b := listpackOf(s, "tail")
		items, err := readAll(mustListpack(t, b), &arena{})
		require.NoError(t, err)
		require.Equal(t, bs(s, "tail"), items, "len %d", n)
	}
	// An unknown element count (65535) is accepted.
	b := listpackOf("a", "b")
	b[4], b[5] = 0xff, 0xff
	items, err := readAll(mustListpack(t, b), &arena{})
	require.NoError(t, err)
	require.Equal(t, bs("a", "b"), items)
}

func mustListpack(t *testing.T, b []byte) *listpack {
	l, err := openListpack(b)
	require.NoError(t, err)
	return l
}

func TestHashFieldTTLs(t *testing.T) {
	b := newRDB(12)
	b.op(opSelectDB).len(0)
	// GA metadata form: minimum expiry, then TTLs relative to it plus one.
	b.op(byte(TypeHashMetadata)).str("h:meta").millis(1700000000000).len(3).
		len(0).str("plain").str("v0").
		len(1).str("first").str("v1").
		len(501).str("later").intStr(42, 1)
	b.op(byte(TypeHashMetadataPreGA)).str("h:meta-rc").len(2).
		len(1700000000999).str("a").str("1").
		len(0).str("b").str("2")
	lp := newListpack(0)
	for _, x := range []struct {
		f, v string
		ttl  int64
	}{{"x", "1", 0}, {"y", "yy", 1700000005000}} {
		lp.addString([]byte(x.f))
		lp.addString([]byte(x.v))
		lp.addInt(x.ttl)
	}
	blob := lp.finish()
	b.op(byte(TypeHashListpackEx)).str("h:lpex").millis(1700000005000).blob(blob)
	b.op(byte(TypeHashListpackExPreGA)).str("h:lpex-rc").blob(blob)
	b.op(opSlotInfo).len(12).len(4).len(0)
	data := b.finish()
	withTTL := func(v Value, ttls ...int64) Value {
		for i := range v.Hash {
			v.Hash[i].ExpireAt = ttls[i]
		}
		return v
	}
	lpWant := withTTL(hash("x", "1", "y", "yy"), 0, 1700000005000)
	warnings := checkFile(t, data, []want{
		{key: "h:meta", v: withTTL(hash("plain", "v0", "first", "v1", "later", "42"), 0, 1700000000000, 1700000000500),
			typ: TypeHashMetadata, idle: -1, freq: -1},
		{key: "h:meta-rc", v: withTTL(hash("a", "1", "b", "2"), 1700000000999, 0), typ: TypeHashMetadataPreGA, idle: -1, freq: -1},
		{key: "h:lpex", v: lpWant, typ: TypeHashListpackEx, idle: -1, freq: -1},
		{key: "h:lpex-rc", v: lpWant, typ: TypeHashListpackExPreGA, idle: -1, freq: -1},
	})
	require.Empty(t, warnings)
	// The encoder cannot carry field TTLs into RDB 10.
	_, err := EncodeDump(lpWant, 10)
	require.ErrorIs(t, err, errEncode)
}

// streamNodeOf builds a stream listpack node by hand: master fields, then
// entries given as (flags, ID, fields) with the same-fields compression
// applied when flags say so.
func streamNodeOf(master StreamID, masterFields []string, live, deleted int, entries ...StreamEntry) []byte {
	lp := newListpack(0)
	lp.addInt(int64(live))
	lp.addInt(int64(deleted))
	lp.addInt(int64(len(masterFields)))
	for _, f := range masterFields {
		lp.addString([]byte(f))
	}
	lp.addInt(0)
	for i, e := range entries {
		flags := int64(0)
		if i < deleted {
			flags |= streamFlagDeleted // the first `deleted` entries are tombstones
		}
		same := len(e.Fields) == 2*len(masterFields)
		for j := 0; same && j < len(masterFields); j++ {
			same = string(e.Fields[2*j]) == masterFields[j]
		}
		if same {
			flags |= streamFlagSameFields
		}
		lp.addInt(flags)
		lp.addInt(int64(e.ID.Ms - master.Ms))
		lp.addInt(int64(e.ID.Seq - master.Seq))
		nf := int64(len(e.Fields) / 2)
		if same {
			for j := 1; j < len(e.Fields); j += 2 {
				lp.addString(e.Fields[j])
			}
			lp.addInt(nf + 3)
		} else {
			lp.addInt(nf)
			for _, f := range e.Fields {
				lp.addString(f)
			}
			lp.addInt(2*nf + 4)
		}
	}
	return lp.finish()
}

func TestStreamVersions(t *testing.T) {
	id := func(ms, seq uint64) StreamID { return StreamID{Ms: ms, Seq: seq} }
	e1 := StreamEntry{ID: id(100, 0), Fields: bs("a", "1", "b", "2")}
	e2 := StreamEntry{ID: id(100, 1), Fields: bs("a", "3", "b", "4")}
	e3 := StreamEntry{ID: id(105, 0), Fields: bs("c", "5")}
	deleted := StreamEntry{ID: id(99, 5), Fields: bs("a", "x", "b", "y")}
	node := streamNodeOf(id(99, 5), []string{"a", "b"}, 3, 1, deleted, e1, e2, e3)

	for _, typ := range []ObjectType{TypeStreamListpacks, TypeStreamListpacks2, TypeStreamListpacks3} {
		b := newRDB(11)
		b.op(byte(typ)).str("s")
		b.len(1).len(16).rawID(id(99, 5)).blob(node)
		b.len(3)          // length
		b.len(105).len(0) // last ID
		if typ >= TypeStreamListpacks2 {
			b.len(100).len(0).len(99).len(5).len(4)
		}
		b.len(1).str("grp").len(100).len(0)
		if typ >= TypeStreamListpacks2 {
			b.len64(math.MaxUint64) // entries read unknown
		}
		b.len(2).rawID(e1.ID).millis(5000).len(2).rawID(e3.ID).millis(6000).len(1)
		b.len(1).str("cons").millis(7000)
		if typ >= TypeStreamListpacks3 {
			b.millis(8000)
		}
		b.len(2).rawID(e1.ID).rawID(e3.ID)
		data := b.finish()

		s := &Stream{Entries: []StreamEntry{e1, e2, e3}, Length: 3, LastID: id(105, 0), FirstID: id(100, 0),
			MaxDeletedID: id(99, 5), EntriesAdded: 4}
		g := StreamGroup{Name: []byte("grp"), LastID: id(100, 0), EntriesRead: -1,
			PEL:       []PendingEntry{{ID: e1.ID, DeliveryTime: 5000, DeliveryCount: 2}, {ID: e3.ID, DeliveryTime: 6000, DeliveryCount: 1}},
			Consumers: []StreamConsumer{{Name: []byte("cons"), SeenTime: 7000, ActiveTime: 7000, PEL: []StreamID{e1.ID, e3.ID}}}}
		switch typ {
		case TypeStreamListpacks:
			// Derived as Redis does for pre-7.0 streams: no tombstone
			// record, entries added = length, entries read estimated.
			s.MaxDeletedID, s.EntriesAdded = StreamID{}, 3
			g.EntriesRead = 1
		case TypeStreamListpacks3:
			g.Consumers[0].ActiveTime = 8000
		}
		s.Groups = []StreamGroup{g}
		checkFile(t, data, []want{{key: "s", v: Value{Kind: KindStream, Stream: s}, typ: typ, idle: -1, freq: -1}})
	}
}

func TestSkippedContent(t *testing.T) {
	b := newRDB(11)
	// Module aux data: module ID, when-opcode UINT, when, then a value in
	// module opcodes.
	b.op(opModuleAux).len64(0x1234567890abcdef).len(moduleOpUInt).len(2)
	b.len(moduleOpSInt).len(5).len(moduleOpString).str("blob").len(moduleOpFloat).Write([]byte{0, 0, 0x80, 0x3f})
	b.len(moduleOpDouble).millis(0).len(moduleOpEOF)
	b.op(opFunction2).str("#!lua name=lib\nredis.register_function('f', function() return 1 end)")
	b.op(opSelectDB).len(0)
	b.op(opExpireTimeMs).millis(99) // belongs to the skipped module key only
	b.op(byte(TypeModule2)).str("modkey").len64(0xabc).len(moduleOpUInt).len(1).len(moduleOpEOF)
	b.op(byte(TypeList)).str("emptylist").len(0)
	b.op(byte(TypeListQuicklist2)).str("emptyql").len(1).len(quicklistPacked).blob(listpackOf())
	b.op(byte(TypeString)).str("kept").str("yes")
	data := b.finish()
	warnings := checkFile(t, data, []want{{key: "kept", v: str("yes"), idle: -1, freq: -1}})
	var msgs []string
	for _, w := range warnings {
		msgs = append(msgs, w.Message)
	}
	require.Len(t, msgs, 5, "%q", msgs)
	assert.Contains(t, msgs[0], "auxiliary data of module")
	assert.Contains(t, msgs[1], "function library")
	assert.Contains(t, msgs[2], "module type")
	assert.Equal(t, "modkey", string(warnings[2].Key))
	assert.Equal(t, "empty list skipped", msgs[3])
	assert.Equal(t, "emptylist", string(warnings[3].Key))
	assert.Equal(t, "emptyql", string(warnings[4].Key))
	require.Equal(t, "ABCDEFGHI", moduleName(0<<58|1<<52|2<<46|3<<40|4<<34|5<<28|6<<22|7<<16|8<<10|7))
}

func TestQuicklist2Containers(t *testing.T) {
	b := newRDB(10)
	b.op(byte(TypeListQuicklist2)).str("l").len(3).
		len(quicklistPacked).blob(listpackOf("a", "1")).
		len(quicklistPlain).str("a plain node element").
		len(quicklistPacked).blob(listpackOf("z"))
	checkFile(t, b.finish(), []want{{key: "l", v: list("a", "1", "a plain node element", "z"),
		typ: TypeListQuicklist2, idle: -1, freq: -1}})
}

func TestUnsupportedContent(t *testing.T) {
	cases := map[string][]byte{
		"function pre-GA": newRDB(10).op(opFunctionPreGA).str("x").finish(),
		"module pre-GA":   newRDB(10).op(byte(TypeModulePreGA)).str("k").len(1).finish(),
	}
	for name, data := range cases {
		_, err := NewDecoder(bytes.NewReader(data)).Next()
		require.ErrorIs(t, err, ErrUnsupported, name)
	}
}

func TestVersionErrors(t *testing.T) {
	cases := map[string]string{
		"REDIS0013":  "RDB version 13",
		"REDIS0000":  "RDB version 0",
		"REDIS0080":  "80 and above are Valkey's",
		"VALKEY080":  "Valkey RDB",
		"REDIS00x1":  "bad version",
		"MEMCACHED!": "not an RDB file",
		"REDIS":      "header",
		"":           "header",
	}
	for magic, text := range cases {
		dec := NewDecoder(strings.NewReader(magic))
		_, err := dec.Next()
		require.ErrorIs(t, err, ErrVersion, magic)
		require.ErrorContains(t, err, text, magic)
		_, again := dec.Next()
		require.Equal(t, err, again, "errors are sticky")
	}
	dec := NewDecoder(strings.NewReader("REDIS0012\xff"))
	require.NoError(t, dec.ReadHeader())
	require.Equal(t, 12, dec.Version())
	_, err := dec.Next()
	require.False(t, errors.Is(err, io.EOF), "a version 12 file needs its checksum")
}
