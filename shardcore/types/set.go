package types

import (
	"encoding/binary"
	"iter"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"unsafe"
)

// SetLimits are set-max-intset-entries, set-max-listpack-entries and
// set-max-listpack-value: a set of integers stays an intset up to
// MaxIntsetEntries members; other small sets stay packed up to
// MaxListpackEntries members of at most MaxListpackValue bytes; past that
// a set is indexed ("hashtable") for good.
type SetLimits struct {
	MaxIntsetEntries   int
	MaxListpackEntries int
	MaxListpackValue   int
}

const (
	setIntset = iota
	setPacked
	setTable
)

// Set is a Redis set: an intset (sorted little-endian integers of 2, 4 or
// 8 bytes, as Redis's) or members in a ptable.
type Set struct {
	t     ptable // intset: t.data holds the integers, t.n their count
	enc   uint8
	width uint8 // intset integer width in bytes
}

// NewSet returns an empty set; it starts as an intset, as Redis's sets do
// when their first member is an integer, and converts on the first other
// member.
func NewSet() *Set { return &Set{width: 2} }

// Len is the number of members.
func (s *Set) Len() int { return s.t.n }

// Encoding is the OBJECT ENCODING name Redis 7.0 reports: "intset" or
// "hashtable" (7.0 has no packed encoding for sets; keel's packed small
// sets are reported as Redis 7.0 would report the same set).
func (s *Set) Encoding() string {
	if s.enc == setIntset {
		return "intset"
	}
	return "hashtable"
}

// Layout is the encoding actually used, with Redis 7.2's names: "intset",
// "listpack" or "hashtable".
func (s *Set) Layout() string {
	switch s.enc {
	case setIntset:
		return "intset"
	case setPacked:
		return "listpack"
	}
	return "hashtable"
}

// MemoryUsage approximates the bytes the set holds.
func (s *Set) MemoryUsage() int64 { return int64(unsafe.Sizeof(*s)) + s.t.memoryUsage() }

// Copy returns a deep copy.
func (s *Set) Copy() any { return &Set{t: s.t.clone(), enc: s.enc, width: s.width} }

// Intset helpers.

func intWidth(v int64) uint8 {
	switch {
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return 2
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return 4
	}
	return 8
}

func (s *Set) intAt(i int) int64 {
	p := s.t.data[i*int(s.width):]
	switch s.width {
	case 2:
		return int64(int16(binary.LittleEndian.Uint16(p)))
	case 4:
		return int64(int32(binary.LittleEndian.Uint32(p)))
	}
	return int64(binary.LittleEndian.Uint64(p))
}

func putInt(b []byte, w uint8, v int64) {
	switch w {
	case 2:
		binary.LittleEndian.PutUint16(b, uint16(v))
	case 4:
		binary.LittleEndian.PutUint32(b, uint32(v))
	default:
		binary.LittleEndian.PutUint64(b, uint64(v))
	}
}

// intSearch returns v's position or where it would go.
func (s *Set) intSearch(v int64) (int, bool) {
	i := sort.Search(s.t.n, func(i int) bool { return s.intAt(i) >= v })
	return i, i < s.t.n && s.intAt(i) == v
}

func (s *Set) intInsert(i int, v int64) {
	if w := intWidth(v); w > s.width {
		nd := allocPacked((s.t.n + 1) * int(w))[:s.t.n*int(w)]
		for j := 0; j < s.t.n; j++ {
			putInt(nd[j*int(w):], w, s.intAt(j))
		}
		s.t.data, s.width = nd, w
	}
	w := int(s.width)
	need := (s.t.n + 1) * w
	if need > cap(s.t.data) {
		nd := allocPacked(need)[:len(s.t.data)]
		copy(nd, s.t.data)
		s.t.data = nd
	}
	s.t.data = s.t.data[:need]
	copy(s.t.data[(i+1)*w:], s.t.data[i*w:need-w])
	putInt(s.t.data[i*w:], s.width, v)
	s.t.n++
}

func (s *Set) intRemove(i int) {
	w := int(s.width)
	s.t.data = append(s.t.data[:i*w], s.t.data[(i+1)*w:]...)
	s.t.n--
}

// convert moves an intset's members into a ptable, packed or indexed.
func (s *Set) convert(enc uint8) {
	if s.enc == setIntset {
		old := *s
		s.t = ptable{data: make([]byte, 0, s.t.n*4)}
		var buf [20]byte
		for i := 0; i < old.t.n; i++ {
			s.t.insert(strconv.AppendInt(buf[:0], old.intAt(i), 10), nil)
		}
	}
	if enc == setTable {
		s.t.buildIndex()
	}
	s.enc = enc
}

// Add inserts m, converting as the limits say, and reports whether it is new.
func (s *Set) Add(m []byte, lim SetLimits) bool {
	if s.enc == setIntset {
		if v, ok := parseInt(m); ok {
			i, found := s.intSearch(v)
			if found {
				return false
			}
			s.intInsert(i, v)
			if s.t.n > lim.MaxIntsetEntries {
				s.convert(setTable)
			}
			return true
		}
		if s.t.n < lim.MaxListpackEntries && len(m) <= lim.MaxListpackValue {
			s.convert(setPacked)
		} else {
			s.convert(setTable)
		}
	}
	off, _ := s.t.find(m)
	if off >= 0 {
		return false
	}
	if s.enc == setPacked && (s.t.n >= lim.MaxListpackEntries || len(m) > lim.MaxListpackValue) {
		s.convert(setTable)
	}
	s.t.insert(m, nil)
	return true
}

// Has reports whether m is a member.
func (s *Set) Has(m []byte) bool {
	if s.enc == setIntset {
		v, ok := parseInt(m)
		if !ok {
			return false
		}
		_, found := s.intSearch(v)
		return found
	}
	off, _ := s.t.find(m)
	return off >= 0
}

// Remove deletes m and reports whether it was a member.
func (s *Set) Remove(m []byte) bool {
	if s.enc == setIntset {
		v, ok := parseInt(m)
		if !ok {
			return false
		}
		i, found := s.intSearch(v)
		if found {
			s.intRemove(i)
		}
		return found
	}
	off, slot := s.t.find(m)
	if off < 0 {
		return false
	}
	s.t.remove(off, slot)
	return true
}

// All yields every member (valid during the step only); an intset yields
// its integers in ascending order, as Redis does.
func (s *Set) All() iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		if s.enc == setIntset {
			var buf [20]byte
			for i := 0; i < s.t.n; i++ {
				if !yield(strconv.AppendInt(buf[:0], s.intAt(i), 10)) {
					return
				}
			}
			return
		}
		s.t.each(func(off int) bool {
			k, _ := s.t.at(off)
			return yield(k)
		})
	}
}

// Random returns a uniformly chosen member (Len() > 0). The bytes are
// valid until the next mutation.
func (s *Set) Random() []byte {
	if s.enc == setIntset {
		return strconv.AppendInt(nil, s.intAt(rand.IntN(s.t.n)), 10)
	}
	k, _ := s.t.at(s.t.randomOff())
	return k
}

// Sample calls fn with count members as SRANDMEMBER picks them: with
// repetitions unless distinct; every member when distinct and count >= Len().
func (s *Set) Sample(count int, distinct bool, fn func(m []byte)) {
	if s.t.n == 0 {
		return
	}
	if s.enc == setIntset {
		var buf [20]byte
		all := func() []int {
			ps := make([]int, s.t.n)
			for i := range ps {
				ps[i] = i
			}
			return ps
		}
		pick := func() int { return rand.IntN(s.t.n) }
		samplePositions(s.t.n, count, distinct, pick, all, func(i int) {
			fn(strconv.AppendInt(buf[:0], s.intAt(i), 10))
		})
		return
	}
	s.t.sample(count, distinct, func(off int) {
		k, _ := s.t.at(off)
		fn(k)
	})
}

// Scan is one SSCAN step from cursor (see ptable.scan): intsets and packed
// sets return everything with cursor 0.
func (s *Set) Scan(cursor uint64, count int, fn func(m []byte)) uint64 {
	if s.enc == setIntset {
		for m := range s.All() {
			fn(m)
		}
		return 0
	}
	return s.t.scan(cursor, count, func(off int) {
		k, _ := s.t.at(off)
		fn(k)
	})
}
