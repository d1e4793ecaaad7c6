package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Encoding thresholds: redis-server 7.x defaults, so a file loads into the
// encodings Redis itself would have chosen.
const (
	maxHashListpack    = 512  // hash-max-listpack-entries
	maxListpackEntries = 128  // zset-, set-max-listpack-entries
	maxListpackValue   = 64   // hash-, zset-, set-max-listpack-value
	maxIntsetEntries   = 512  // set-max-intset-entries
	listNodeMaxBytes   = 8192 // list-max-listpack-size -2
	streamNodeMaxItems = 100  // stream-node-max-entries
	streamNodeMaxBytes = 4096 // stream-node-max-bytes
)

// listPlainThreshold is the element size from which a list element gets a
// plain quicklist node of its own (Redis's packed_threshold, 1 GiB). A
// variable so tests can exercise plain nodes with small data.
var listPlainThreshold = 1 << 30

// errEncode marks an invalid value handed to the encoder.
var errEncode = errors.New("rdb: cannot encode")

func encodeErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errEncode, fmt.Sprintf(format, args...))
}

// checkValue rejects what Redis would refuse to load or could not
// represent in the target version, before anything is written.
func checkValue(v *Value) error {
	switch v.Kind {
	case KindString:
		return nil
	case KindList:
		if len(v.List) == 0 {
			return encodeErr("empty list")
		}
		return nil
	case KindSet:
		if len(v.Set) == 0 {
			return encodeErr("empty set")
		}
		return checkUnique(len(v.Set), func(i int) []byte { return v.Set[i] }, "set member")
	case KindZSet:
		if len(v.ZSet) == 0 {
			return encodeErr("empty zset")
		}
		for _, m := range v.ZSet {
			if math.IsNaN(m.Score) {
				return encodeErr("zset member %q has a NaN score", m.Member)
			}
		}
		return checkUnique(len(v.ZSet), func(i int) []byte { return v.ZSet[i].Member }, "zset member")
	case KindHash:
		if len(v.Hash) == 0 {
			return encodeErr("empty hash")
		}
		for _, f := range v.Hash {
			if f.ExpireAt != 0 {
				return encodeErr("hash field %q has a TTL, which RDB 10 and 11 cannot store", f.Field)
			}
		}
		return checkUnique(len(v.Hash), func(i int) []byte { return v.Hash[i].Field }, "hash field")
	case KindStream:
		return checkStream(v.Stream)
	}
	return encodeErr("unknown kind %d", v.Kind)
}

func checkUnique(n int, at func(int) []byte, what string) error {
	seen := make(map[string]struct{}, n)
	for i := range n {
		b := at(i)
		if _, dup := seen[string(b)]; dup {
			return encodeErr("duplicate %s %q", what, b)
		}
		seen[string(b)] = struct{}{}
	}
	return nil
}

func checkStream(s *Stream) error {
	if s == nil {
		return encodeErr("stream value without a Stream")
	}
	var prev StreamID
	for i, e := range s.Entries {
		if !prev.Less(e.ID) {
			if i == 0 {
				return encodeErr("stream entry ID %s (must be above 0-0)", e.ID)
			}
			return encodeErr("stream entry %s does not follow %s", e.ID, prev)
		}
		if len(e.Fields) == 0 || len(e.Fields)%2 != 0 {
			return encodeErr("stream entry %s has %d field elements (want field/value pairs)", e.ID, len(e.Fields))
		}
		prev = e.ID
	}
	if s.LastID.Less(prev) {
		return encodeErr("stream last ID %s is below its last entry %s", s.LastID, prev)
	}
	groups := map[string]bool{}
	for _, g := range s.Groups {
		if groups[string(g.Name)] {
			return encodeErr("duplicate consumer group %q", g.Name)
		}
		groups[string(g.Name)] = true
		owned := make(map[StreamID]bool, len(g.PEL))
		for _, p := range g.PEL {
			if _, dup := owned[p.ID]; dup {
				return encodeErr("group %q lists pending entry %s twice", g.Name, p.ID)
			}
			owned[p.ID] = false
		}
		names := map[string]bool{}
		for _, c := range g.Consumers {
			if names[string(c.Name)] {
				return encodeErr("group %q has consumer %q twice", g.Name, c.Name)
			}
			names[string(c.Name)] = true
			for _, id := range c.PEL {
				claimed, ok := owned[id]
				if !ok {
					return encodeErr("consumer %q of group %q owns %s, which is not in the group's PEL", c.Name, g.Name, id)
				}
				if claimed {
					return encodeErr("pending entry %s of group %q has two owners", id, g.Name)
				}
				owned[id] = true
			}
		}
		for _, p := range g.PEL {
			if !owned[p.ID] {
				return encodeErr("pending entry %s of group %q has no consumer", p.ID, g.Name)
			}
		}
	}
	return nil
}

// objectType picks the encoding Redis 7.0 (version 10) or 7.2 (version
// 11) would use for v.
func objectType(v *Value, version int) ObjectType {
	switch v.Kind {
	case KindString:
		return TypeString
	case KindList:
		return TypeListQuicklist2
	case KindSet:
		if len(v.Set) <= maxIntsetEntries && allInts(v.Set) {
			return TypeSetIntset
		}
		if version >= 11 && len(v.Set) <= maxListpackEntries &&
			!slices.ContainsFunc(v.Set, func(b []byte) bool { return len(b) > maxListpackValue }) {
			return TypeSetListpack
		}
		return TypeSet
	case KindZSet:
		if len(v.ZSet) <= maxListpackEntries &&
			!slices.ContainsFunc(v.ZSet, func(m ZMember) bool { return len(m.Member) > maxListpackValue }) {
			return TypeZSetListpack
		}
		return TypeZSet2
	case KindHash:
		if len(v.Hash) <= maxHashListpack && !slices.ContainsFunc(v.Hash, func(f HashField) bool {
			return len(f.Field) > maxListpackValue || len(f.Value) > maxListpackValue
		}) {
			return TypeHashListpack
		}
		return TypeHash
	}
	if version >= 11 {
		return TypeStreamListpacks3
	}
	return TypeStreamListpacks2
}

func allInts(items [][]byte) bool {
	for _, b := range items {
		if _, ok := parseStrictInt64(b); !ok {
			return false
		}
	}
	return true
}

// writeValue writes v's body in encoding t (from objectType).
func writeValue(w *writer, v *Value, t ObjectType) {
	switch t {
	case TypeString:
		w.string(v.Str)
	case TypeListQuicklist2:
		writeList(w, v.List)
	case TypeSetIntset:
		w.string(buildIntset(v.Set))
	case TypeSetListpack:
		lp := newListpack(0)
		for _, m := range v.Set {
			lp.addString(m)
		}
		w.string(lp.finish())
	case TypeSet:
		w.length(uint64(len(v.Set)))
		for _, m := range v.Set {
			w.string(m)
		}
	case TypeZSetListpack:
		zs := slices.Clone(v.ZSet)
		sortZSet(zs)
		lp := newListpack(0)
		for _, m := range zs {
			lp.addString(m.Member)
			addScore(lp, m.Score)
		}
		w.string(lp.finish())
	case TypeZSet2:
		// Highest first, as Redis walks its skiplist from the tail (so
		// that loading inserts each member at the head): the same bytes.
		w.length(uint64(len(v.ZSet)))
		for i := len(v.ZSet) - 1; i >= 0; i-- {
			w.string(v.ZSet[i].Member)
			w.binaryDouble(v.ZSet[i].Score)
		}
	case TypeHashListpack:
		lp := newListpack(0)
		for _, f := range v.Hash {
			lp.addString(f.Field)
			lp.addString(f.Value)
		}
		w.string(lp.finish())
	case TypeHash:
		w.length(uint64(len(v.Hash)))
		for _, f := range v.Hash {
			w.string(f.Field)
			w.string(f.Value)
		}
	case TypeStreamListpacks2, TypeStreamListpacks3:
		writeStream(w, v.Stream, t)
	}
}

// addScore stores a zset score as Redis's zzlInsertAt does: integral values
// as integers, others as the shortest string strtod reads back exactly.
func addScore(lp *lpBuilder, f float64) {
	if f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 && !(f == 0 && math.Signbit(f)) {
		lp.addInt(int64(f))
		return
	}
	switch {
	case math.IsInf(f, 1):
		lp.addString([]byte("inf"))
	case math.IsInf(f, -1):
		lp.addString([]byte("-inf"))
	default:
		lp.addString(strconv.AppendFloat(nil, f, 'g', -1, 64))
	}
}

func buildIntset(items [][]byte) []byte {
	vals := make([]int64, len(items))
	width := 2
	for i, b := range items {
		v, _ := parseStrictInt64(b)
		vals[i] = v
		switch {
		case v < math.MinInt32 || v > math.MaxInt32:
			width = 8
		case (v < math.MinInt16 || v > math.MaxInt16) && width < 4:
			width = 4
		}
	}
	slices.Sort(vals)
	out := make([]byte, 8, 8+width*len(vals))
	binary.LittleEndian.PutUint32(out, uint32(width))
	binary.LittleEndian.PutUint32(out[4:], uint32(len(vals)))
	for _, v := range vals {
		switch width {
		case 2:
			out = binary.LittleEndian.AppendUint16(out, uint16(v))
		case 4:
			out = binary.LittleEndian.AppendUint32(out, uint32(v))
		default:
			out = binary.LittleEndian.AppendUint64(out, uint64(v))
		}
	}
	return out
}

// writeList writes a quicklist of listpack nodes of at most 8 KiB, with
// elements of listPlainThreshold bytes or more in plain nodes.
func writeList(w *writer, items [][]byte) {
	type node struct {
		start, end int
		plain      bool
	}
	var nodes []node
	size, start := lpHeaderSize+1, 0
	for i, it := range items {
		if len(it) >= listPlainThreshold {
			if start < i {
				nodes = append(nodes, node{start: start, end: i})
			}
			nodes = append(nodes, node{start: i, end: i + 1, plain: true})
			size, start = lpHeaderSize+1, i+1
			continue
		}
		es := lpEntrySize(it)
		if start < i && size+es > listNodeMaxBytes {
			nodes = append(nodes, node{start: start, end: i})
			size, start = lpHeaderSize+1, i
		}
		size += es
	}
	if start < len(items) {
		nodes = append(nodes, node{start: start, end: len(items)})
	}
	w.length(uint64(len(nodes)))
	for _, n := range nodes {
		if n.plain {
			w.length(quicklistPlain)
			w.string(items[n.start])
			continue
		}
		w.length(quicklistPacked)
		lp := newListpack(0)
		for _, it := range items[n.start:n.end] {
			lp.addString(it)
		}
		w.string(lp.finish())
	}
}

func lpEntrySize(s []byte) int {
	l := lpBuilder{sizing: true}
	l.addString(s)
	return l.size
}

// writeStream writes a stream as listpack nodes of at most 100 entries and
// about 4 KiB, each keyed by its first entry's ID, in the layout
// valueDecoder.streamNode reads.
func writeStream(w *writer, s *Stream, t ObjectType) {
	type node struct{ start, end int }
	var nodes []node
	for i := 0; i < len(s.Entries); {
		master := &s.Entries[i]
		sz := newListpackSizer()
		appendMasterEntry(sz, master, 1)
		j := i
		for ; j < len(s.Entries) && j-i < streamNodeMaxItems; j++ {
			es := newListpackSizer()
			appendStreamEntry(es, &s.Entries[j], master)
			if j > i && sz.size+es.size >= streamNodeMaxBytes {
				break
			}
			sz.size += es.size
		}
		nodes = append(nodes, node{i, j})
		i = j
	}
	w.length(uint64(len(nodes)))
	for _, n := range nodes {
		master := &s.Entries[n.start]
		lp := newListpack(0)
		appendMasterEntry(lp, master, n.end-n.start)
		for k := n.start; k < n.end; k++ {
			appendStreamEntry(lp, &s.Entries[k], master)
		}
		w.rawStreamIDString(master.ID)
		w.string(lp.finish())
	}
	w.length(uint64(len(s.Entries)))
	w.streamID(s.LastID)
	w.streamID(s.FirstID)
	w.streamID(s.MaxDeletedID)
	w.length(s.EntriesAdded)
	w.length(uint64(len(s.Groups)))
	for _, g := range s.Groups {
		w.string(g.Name)
		w.streamID(g.LastID)
		w.length(uint64(g.EntriesRead))
		w.length(uint64(len(g.PEL)))
		for _, p := range g.PEL {
			w.rawStreamID(p.ID)
			w.millis(p.DeliveryTime)
			w.length(p.DeliveryCount)
		}
		w.length(uint64(len(g.Consumers)))
		for _, c := range g.Consumers {
			w.string(c.Name)
			w.millis(c.SeenTime)
			if t >= TypeStreamListpacks3 {
				w.millis(c.ActiveTime)
			}
			w.length(uint64(len(c.PEL)))
			for _, id := range c.PEL {
				w.rawStreamID(id)
			}
		}
	}
}

// rawStreamIDString writes a node key: the ID's 16 raw bytes as a string.
func (w *writer) rawStreamIDString(id StreamID) {
	w.length(streamIDSize)
	w.rawStreamID(id)
}

func appendMasterEntry(lp *lpBuilder, master *StreamEntry, count int) {
	lp.addInt(int64(count))
	lp.addInt(0) // deleted
	lp.addInt(int64(len(master.Fields) / 2))
	for i := 0; i < len(master.Fields); i += 2 {
		lp.addString(master.Fields[i])
	}
	lp.addInt(0)
}

func appendStreamEntry(lp *lpBuilder, e *StreamEntry, master *StreamEntry) {
	same := len(e.Fields) == len(master.Fields)
	for i := 0; same && i < len(e.Fields); i += 2 {
		same = bytes.Equal(e.Fields[i], master.Fields[i])
	}
	nf := int64(len(e.Fields) / 2)
	flags := int64(0)
	if same {
		flags = streamFlagSameFields
	}
	lp.addInt(flags)
	lp.addInt(int64(e.ID.Ms - master.ID.Ms))
	lp.addInt(int64(e.ID.Seq - master.ID.Seq))
	if same {
		for i := 1; i < len(e.Fields); i += 2 {
			lp.addString(e.Fields[i])
		}
		lp.addInt(nf + 3)
		return
	}
	lp.addInt(nf)
	for _, f := range e.Fields {
		lp.addString(f)
	}
	lp.addInt(2*nf + 4)
}
