package rdb

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// render describes a value in a canonical text form, so tests can compare
// values whose containers Redis does not keep in order (sets, hashes,
// groups) and whose slices may be nil or empty.
func render(v Value) string {
	var b strings.Builder
	q := func(p []byte) string { return strconv.Quote(string(p)) }
	sorted := func(items []string) []string { slices.Sort(items); return items }
	switch v.Kind {
	case KindString:
		fmt.Fprintf(&b, "string %s", q(v.Str))
	case KindList:
		b.WriteString("list")
		for _, it := range v.List {
			b.WriteString(" " + q(it))
		}
	case KindSet:
		var items []string
		for _, it := range v.Set {
			items = append(items, q(it))
		}
		fmt.Fprintf(&b, "set %s", strings.Join(sorted(items), " "))
	case KindZSet:
		zs := slices.Clone(v.ZSet)
		sortZSet(zs)
		b.WriteString("zset")
		for _, m := range zs {
			fmt.Fprintf(&b, " %s=%s", q(m.Member), strconv.FormatFloat(m.Score, 'g', -1, 64))
		}
	case KindHash:
		var items []string
		for _, f := range v.Hash {
			items = append(items, fmt.Sprintf("%s=%s@%d", q(f.Field), q(f.Value), f.ExpireAt))
		}
		fmt.Fprintf(&b, "hash %s", strings.Join(sorted(items), " "))
	case KindStream:
		s := v.Stream
		fmt.Fprintf(&b, "stream n=%d last=%s first=%s maxdel=%s added=%d\n",
			len(s.Entries), s.LastID, s.FirstID, s.MaxDeletedID, s.EntriesAdded)
		for _, e := range s.Entries {
			fmt.Fprintf(&b, " %s", e.ID)
			for _, f := range e.Fields {
				b.WriteString(" " + q(f))
			}
			b.WriteString("\n")
		}
		groups := slices.Clone(s.Groups)
		slices.SortFunc(groups, func(a, b StreamGroup) int { return bytes.Compare(a.Name, b.Name) })
		for _, g := range groups {
			fmt.Fprintf(&b, " group %s last=%s read=%d\n", q(g.Name), g.LastID, g.EntriesRead)
			pel := slices.Clone(g.PEL)
			slices.SortFunc(pel, func(a, b PendingEntry) int { return cmpID(a.ID, b.ID) })
			for _, p := range pel {
				fmt.Fprintf(&b, "  pending %s t=%d n=%d\n", p.ID, p.DeliveryTime, p.DeliveryCount)
			}
			cs := slices.Clone(g.Consumers)
			slices.SortFunc(cs, func(a, b StreamConsumer) int { return bytes.Compare(a.Name, b.Name) })
			for _, c := range cs {
				ids := slices.Clone(c.PEL)
				slices.SortFunc(ids, cmpID)
				fmt.Fprintf(&b, "  consumer %s seen=%d active=%d pel=%v\n", q(c.Name), c.SeenTime, c.ActiveTime, ids)
			}
		}
	default:
		fmt.Fprintf(&b, "kind %d", v.Kind)
	}
	return b.String()
}

func cmpID(a, b StreamID) int {
	switch {
	case a.Less(b):
		return -1
	case b.Less(a):
		return 1
	}
	return 0
}

func requireSameValue(t testing.TB, want, got Value, msgAndArgs ...any) {
	t.Helper()
	require.Equal(t, render(want), render(got), msgAndArgs...)
}

func bs(items ...string) [][]byte {
	out := make([][]byte, len(items))
	for i, s := range items {
		out[i] = []byte(s)
	}
	return out
}

func seq(prefix string, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = []byte(prefix + strconv.Itoa(i))
	}
	return out
}

// integerStrings covers every listpack and ziplist integer width at its
// edges, and near-integers that must stay strings.
var integerStrings = bs("0", "1", "12", "13", "127", "128", "-1", "4095", "-4096", "4096",
	"32767", "-32768", "32768", "8388607", "-8388608", "8388608", "2147483647", "-2147483648",
	"2147483648", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
	"007", "-0", "+1", " 1", "1 ", "0x10", "1e3", "")

func ints(from, n, step int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = []byte(strconv.Itoa(from + i*step))
	}
	return out
}

// testRecords is a dataset covering every kind at sizes that pick each
// encoding, with expiries, in two databases.
func testRecords() []*Record {
	big := bytes.Repeat([]byte("compressible text "), 1000)
	rnd := make([]byte, 20000)
	x := uint32(7)
	for i := range rnd {
		x = x*1664525 + 1013904223
		rnd[i] = byte(x >> 24)
	}
	var zsmall, zbig, zlong []ZMember
	scores := []float64{0, 1, -1, 1.5, -2.25, math.Inf(1), math.Inf(-1), 1e300, -1e-300, 3.141592653589793,
		math.Copysign(0, -1), 1 << 53, 1e20, 0.1}
	for i, s := range scores {
		zsmall = append(zsmall, ZMember{Member: []byte("m" + strconv.Itoa(i)), Score: s})
	}
	for i := range 300 {
		zbig = append(zbig, ZMember{Member: []byte("member:" + strconv.Itoa(i)), Score: float64(i%17) / 4})
	}
	zlong = append(zlong, ZMember{Member: bytes.Repeat([]byte("L"), 100), Score: 2}, ZMember{Member: []byte("s"), Score: 1})
	var hsmall, hbig, hlong []HashField
	for i, v := range integerStrings {
		hsmall = append(hsmall, HashField{Field: []byte("f" + strconv.Itoa(i)), Value: v})
	}
	for i := range 600 {
		hbig = append(hbig, HashField{Field: []byte("field:" + strconv.Itoa(i)), Value: []byte(strconv.Itoa(i * 7))})
	}
	hlong = append(hlong, HashField{Field: []byte("k"), Value: bytes.Repeat([]byte("v"), 65)})
	stream := func(n int, withGroups bool) *Stream {
		s := &Stream{}
		for i := range n {
			id := StreamID{Ms: 1700000000000 + uint64(i/3), Seq: uint64(i % 3)}
			f := bs("name", "n"+strconv.Itoa(i), "value", strconv.Itoa(i))
			if i%5 == 4 {
				f = bs("other", "x", "name", strconv.Itoa(-i))
			}
			s.Entries = append(s.Entries, StreamEntry{ID: id, Fields: f})
		}
		if n > 0 {
			s.LastID = s.Entries[n-1].ID
			s.FirstID = s.Entries[0].ID
		}
		s.Length = uint64(n)
		s.EntriesAdded = uint64(n)
		if withGroups && n > 3 {
			ids := []StreamID{s.Entries[0].ID, s.Entries[1].ID, s.Entries[n-1].ID}
			s.Groups = []StreamGroup{
				{
					Name: []byte("g1"), LastID: s.Entries[n-1].ID, EntriesRead: int64(n),
					PEL: []PendingEntry{
						{ID: ids[0], DeliveryTime: 1700000001000, DeliveryCount: 1},
						{ID: ids[1], DeliveryTime: 1700000002000, DeliveryCount: 3},
						{ID: ids[2], DeliveryTime: 1700000003000, DeliveryCount: 2},
					},
					Consumers: []StreamConsumer{
						{Name: []byte("alice"), SeenTime: 1700000005000, ActiveTime: 1700000005000, PEL: []StreamID{ids[0], ids[2]}},
						{Name: []byte("bob"), SeenTime: 1700000006000, ActiveTime: 1700000006000, PEL: []StreamID{ids[1]}},
						{Name: []byte("idle"), SeenTime: 1700000007000, ActiveTime: 1700000007000},
					},
				},
				{Name: []byte("g2"), LastID: StreamID{}, EntriesRead: 0},
				{Name: []byte("g3"), LastID: s.Entries[1].ID, EntriesRead: -1},
			}
		}
		return s
	}
	emptyStream := &Stream{LastID: StreamID{Ms: 5, Seq: 1}, EntriesAdded: 3, MaxDeletedID: StreamID{Ms: 5, Seq: 1},
		Groups: []StreamGroup{{Name: []byte("g"), LastID: StreamID{Ms: 5, Seq: 1}, EntriesRead: 3}}}
	longList := seq("item-", 3000)
	longList = append(longList, big, rnd[:9000])
	recs := []*Record{
		{Key: []byte("str:empty"), Value: Value{Kind: KindString, Str: []byte{}}},
		{Key: []byte("str:small"), Value: Value{Kind: KindString, Str: []byte("hello")}},
		{Key: []byte("str:int"), Value: Value{Kind: KindString, Str: []byte("12345")}},
		{Key: []byte("str:negint"), Value: Value{Kind: KindString, Str: []byte("-2147483648")}},
		{Key: []byte("str:bigint"), Value: Value{Kind: KindString, Str: []byte("9223372036854775807")}},
		{Key: []byte("str:notint"), Value: Value{Kind: KindString, Str: []byte("0123")}},
		{Key: []byte("str:big"), Value: Value{Kind: KindString, Str: big}},
		{Key: []byte("str:random"), Value: Value{Kind: KindString, Str: rnd}},
		{Key: []byte("str:ttl"), Value: Value{Kind: KindString, Str: []byte("expiring")}, ExpireAt: 4102444800000},
		{Key: []byte("list:small"), Value: Value{Kind: KindList, List: integerStrings}},
		{Key: []byte("list:big"), Value: Value{Kind: KindList, List: longList}, ExpireAt: 4102444800123},
		{Key: []byte("set:intset"), Value: Value{Kind: KindSet, Set: bs("3", "-7", "100000", "2", "9223372036854775807")}},
		{Key: []byte("set:intset16"), Value: Value{Kind: KindSet, Set: ints(-100, 50, 3)}},
		{Key: []byte("set:ints-big"), Value: Value{Kind: KindSet, Set: ints(0, 600, 1)}},
		{Key: []byte("set:small"), Value: Value{Kind: KindSet, Set: bs("a", "b", "c", "1")}},
		{Key: []byte("set:big"), Value: Value{Kind: KindSet, Set: seq("member-", 300)}},
		{Key: []byte("set:long"), Value: Value{Kind: KindSet, Set: [][]byte{bytes.Repeat([]byte("s"), 70), []byte("x")}}},
		{Key: []byte("zset:small"), Value: Value{Kind: KindZSet, ZSet: zsmall}},
		{Key: []byte("zset:big"), Value: Value{Kind: KindZSet, ZSet: zbig}},
		{Key: []byte("zset:long"), Value: Value{Kind: KindZSet, ZSet: zlong}},
		{Key: []byte("hash:small"), Value: Value{Kind: KindHash, Hash: hsmall}},
		{Key: []byte("hash:big"), Value: Value{Kind: KindHash, Hash: hbig}},
		{Key: []byte("hash:long"), Value: Value{Kind: KindHash, Hash: hlong}, ExpireAt: 4102444800000},
		{Key: []byte("stream:small"), Value: Value{Kind: KindStream, Stream: stream(10, true)}},
		{Key: []byte("stream:big"), Value: Value{Kind: KindStream, Stream: stream(700, true)}},
		{Key: []byte("stream:empty"), Value: Value{Kind: KindStream, Stream: emptyStream}},
		{DB: 3, Key: []byte("db3:str"), Value: Value{Kind: KindString, Str: []byte("in db 3")}},
		{DB: 3, Key: []byte("db3:list"), Value: Value{Kind: KindList, List: bs("x")}},
	}
	for _, r := range recs {
		r.Idle, r.Freq = -1, -1
	}
	return recs
}

func nan() float64 { return math.NaN() }
